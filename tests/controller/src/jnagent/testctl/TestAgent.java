/*
 * TestAgent.java: a minimal Java stand-in for an inbound agent, used only
 * to test the test controller itself (tests/agent/test_controller.sh) when
 * checking the controller's side of the protocol without jnagent.
 *
 *   java -cp classes jnagent.testctl.TestAgent (-direct HOST:PORT
 *       -instanceIdentity KEY | -url URL [-webSocket]) -name N -secret S
 *
 * Answers the node-online set, pings the controller once asked to, answers
 * unknown callables with an ExceptionResponse, closes on CloseCommand.
 * Exits 0 after an orderly close.
 */
package jnagent.testctl;

import hudson.FilePath;
import hudson.model.Slave;
import hudson.node_monitors.ArchitectureMonitor;
import hudson.node_monitors.DiskSpaceMonitorDescriptor;
import hudson.node_monitors.ResponseTimeMonitor;
import hudson.node_monitors.SwapSpaceMonitor;
import hudson.node_monitors.TemporarySpaceMonitor;
import hudson.remoting.Channel;
import hudson.remoting.PingThread;
import hudson.remoting.ProxyException;
import hudson.remoting.RemoteClassLoader;
import hudson.remoting.RemoteInvocationHandler;
import hudson.remoting.Response;
import hudson.remoting.UserRequest;
import hudson.slaves.ChannelPinger;
import hudson.slaves.SlaveComputer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

public final class TestAgent {
	private String direct, identity, url, name, secret;
	private boolean webSocket;
	private OutputStream out;	/* TCP: TLS stream; WS: unused */
	private WebSocket ws;
	private String protocol;
	private volatile int loaderOid = Payload.CORE_LOADER_OID;
	private final AtomicInteger ids = new AtomicInteger(1000);
	private volatile boolean closed;

	public static void main(String[] a) throws Exception {
		TestAgent t = new TestAgent();
		for (int i = 0; i + 1 < a.length; i += 2) {
			switch (a[i]) {
			case "-direct": t.direct = a[i + 1]; break;
			case "-instanceIdentity": t.identity = a[i + 1]; break;
			case "-url": t.url = a[i + 1]; break;
			case "-name": t.name = a[i + 1]; break;
			case "-secret": t.secret = a[i + 1]; break;
			case "-webSocket": t.webSocket = true; i--; break;
			default: throw new IllegalArgumentException(a[i]);
			}
		}
		System.exit(t.run());
	}

	private int run() throws Exception {
		InputStream chunks;
		if (webSocket) {
			chunks = openWebSocket();
			protocol = "WebSocket";
		} else {
			chunks = openTcp();
			protocol = "JNLP4-connect";
		}
		DataInputStream in = new DataInputStream(chunks);
		ByteArrayOutputStream cmd = new ByteArrayOutputStream();
		for (;;) {
			int hdr;
			try {
				hdr = in.readUnsignedShort();
			} catch (IOException e) {
				System.err.println("testagent: end of stream: " + e);
				return closed ? 0 : 1;
			}
			byte[] p = new byte[hdr & 0x7fff];
			in.readFully(p);
			cmd.write(p);
			if ((hdr & 0x8000) != 0)
				continue;
			byte[] b = cmd.toByteArray();
			cmd.reset();
			Object o;
			try (ObjectInputStream ois = new ObjectInputStream(
			    new ByteArrayInputStream(b))) {
				o = ois.readObject();
			} catch (Exception e) {
				System.err.println("testagent: bad command: " + e);
				send(new Channel.CloseCommand(false));
				return 1;
			}
			if (o instanceof Channel.CloseCommand) {
				closed = true;
				send(new Channel.CloseCommand(false));
				if (ws != null)
					ws.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
				return 0;
			}
			if (o instanceof UserRequest)
				answer((UserRequest)o);
		}
	}

	private InputStream openTcp() throws Exception {
		String host, key = identity;
		int port;
		if (direct != null) {
			int i = direct.lastIndexOf(':');
			host = direct.substring(0, i);
			port = Integer.parseInt(direct.substring(i + 1));
		} else {
			HttpURLConnection c = (HttpURLConnection)new URL(url +
			    "tcpSlaveAgentListener/").openConnection();
			if (c.getResponseCode() != 200)
				throw new IOException("discovery: " + c.getResponseCode());
			port = Integer.parseInt(c.getHeaderField("X-Jenkins-JNLP-Port"));
			key = c.getHeaderField("X-Instance-Identity");
			host = new URL(url).getHost();
		}
		byte[] pinned = Base64.getDecoder().decode(key);
		Socket s = new Socket(host, port);
		DataOutputStream o = new DataOutputStream(s.getOutputStream());
		o.writeShort(22);
		o.write("Protocol:JNLP4-connect".getBytes(StandardCharsets.US_ASCII));
		o.write(Jnlp4Server.ACK);
		o.flush();
		byte[] ack = s.getInputStream().readNBytes(5);
		if (!java.util.Arrays.equals(ack, Jnlp4Server.ACK))
			throw new IOException("bad ACK");
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, new TrustManager[] { new X509TrustManager() {
			public void checkClientTrusted(X509Certificate[] c, String a) {
			}

			public void checkServerTrusted(X509Certificate[] c, String a)
			    throws java.security.cert.CertificateException {
				if (!java.util.Arrays.equals(c[0].getPublicKey()
				    .getEncoded(), pinned))
					throw new java.security.cert.CertificateException(
					    "identity mismatch");
			}

			public X509Certificate[] getAcceptedIssuers() {
				return new X509Certificate[0];
			}
		} }, null);
		SSLSocket ssl = (SSLSocket)ctx.getSocketFactory().createSocket(s,
		    host, port, true);
		ssl.setUseClientMode(true);
		ssl.startHandshake();
		DataInputStream in = new DataInputStream(ssl.getInputStream());
		DataOutputStream so = new DataOutputStream(ssl.getOutputStream());
		Map<String, String> h = new LinkedHashMap<>();
		h.put("Node-Name", name);
		h.put("Secret-Key", secret);
		Jnlp4Server.writeLp(so, Headers.encode(h));
		System.err.println("testagent: controller headers " +
		    Jnlp4Server.readLp(in).length() + " bytes");
		Jnlp4Server.writeLp(so, "OK");
		String r = Jnlp4Server.readLp(in);
		if (!r.equals("OK")) {
			System.err.println("testagent: refused: " + r);
			Jnlp4Server.writeLp(so, "BYE");
			System.exit(1);
		}
		Jnlp4Server.writeLp(so, Headers.capabilityText(Ctl.CAPABILITY));
		Headers.capabilityMask(Jnlp4Server.readLp(in));
		out = so;
		return in;
	}

	/*
	 * The binary messages as one stream.  (Not a PipedInputStream: the
	 * HTTP client's threads come and go, and a pipe whose last writer
	 * thread died reports "Write end dead".)
	 */
	private static final class MessageQueue extends InputStream {
		private static final byte[] END = new byte[0];
		private final java.util.concurrent.BlockingQueue<byte[]> q =
		    new java.util.concurrent.LinkedBlockingQueue<>();
		private byte[] cur = new byte[0];
		private int pos;

		void add(byte[] b) {
			q.add(b);
		}

		void end() {
			q.add(END);
		}

		@Override
		public int read() throws IOException {
			byte[] one = new byte[1];
			return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			while (pos >= cur.length) {
				if (cur == END)
					return -1;
				try {
					cur = q.take();
				} catch (InterruptedException e) {
					throw new java.io.InterruptedIOException();
				}
				pos = 0;
				if (cur == END)
					return -1;
			}
			int n = Math.min(len, cur.length - pos);
			System.arraycopy(cur, pos, b, off, n);
			pos += n;
			return n;
		}
	}

	private InputStream openWebSocket() throws Exception {
		MessageQueue pin = new MessageQueue();
		String wsUrl = url.replaceFirst("^http", "ws") + "wsagents/";
		ws = HttpClient.newHttpClient().newWebSocketBuilder()
		    .header("Node-Name", name).header("Secret-Key", secret)
		    .header("X-Remoting-Capability", Headers.capabilityText(Ctl.CAPABILITY))
		    .buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
			public CompletionStage<?> onBinary(WebSocket w, ByteBuffer d,
			    boolean last) {
				byte[] b = new byte[d.remaining()];
				d.get(b);
				pin.add(b);
				w.request(1);
				return null;
			}

			public CompletionStage<?> onClose(WebSocket w, int code, String r) {
				pin.end();
				return null;
			}

			public void onError(WebSocket w, Throwable t) {
				pin.end();
			}
		}).join();
		return pin;
	}

	private synchronized void send(Object cmd) throws IOException {
		byte[] b = Conn.serializeCommand(cmd);
		for (int off = 0; off < b.length; ) {
			int n = Math.min(8192, b.length - off);
			byte[] c = new byte[n + 2];
			c[0] = (byte)((off + n < b.length ? 0x80 : 0) | (n >> 8));
			c[1] = (byte)n;
			System.arraycopy(b, off, c, 2, n);
			if (ws != null) {
				ws.sendBinary(ByteBuffer.wrap(c), true).join();
			} else {
				out.write(c);
				out.flush();
			}
			off += n;
		}
	}

	private static Object field(Object o, String name) throws Exception {
		for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
			try {
				Field f = c.getDeclaredField(name);
				f.setAccessible(true);
				return f.get(o);
			} catch (NoSuchFieldException e) {
				/* look in the superclass */
			}
		}
		throw new NoSuchFieldException(name);
	}

	private static long meminfo(String key) throws IOException {
		for (String l : Files.readAllLines(Path.of("/proc/meminfo")))
			if (l.startsWith(key + ":"))
				return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
		return -1;
	}

	private Object execute(Object c) throws Exception {
		if (c instanceof PingThread.Ping)
			return null;
		if (c instanceof SlaveComputer.SlaveVersion)
			return "3386.v353e57a_1b_ea_0";
		if (c instanceof SlaveComputer.CommunicationProtocol)
			return protocol;
		if (c instanceof SlaveComputer.DetectOS)
			return File.pathSeparatorChar == ':';
		if (c instanceof SlaveComputer.DetectDefaultCharset)
			return "UTF-8";
		if (c instanceof SlaveComputer.AbsolutePath)
			return new File((String)field(c, "relativePath")).getAbsolutePath();
		if (c instanceof ChannelPinger.SetUpRemotePing) {
			int every = (Integer)field(c, "pingIntervalSeconds");
			Thread t = new Thread(() -> pinger(every));
			t.setDaemon(true);
			t.start();
			return null;
		}
		if (c instanceof jenkins.slaves.StandardOutputSwapper.ChannelSwapper)
			return Boolean.FALSE;
		if (c instanceof ArchitectureMonitor.GetArchTask)
			return System.getProperty("os.name") + " (" +
			    System.getProperty("os.arch") + ")";
		if (c instanceof ResponseTimeMonitor.Step2)
			return new ResponseTimeMonitor.Step3(
			    (ResponseTimeMonitor.Data)field(c, "cur"),
			    (Long)field(c, "start"));
		if (c instanceof Slave.GetClockDifference2)
			return new Slave.GetClockDifference3(System.currentTimeMillis(),
			    (Long)field(c, "startTime"));
		if (c instanceof SwapSpaceMonitor.MonitorTask)
			return new SwapSpaceMonitor.MemoryUsage2(meminfo("MemTotal"),
			    meminfo("MemAvailable"), meminfo("SwapTotal"),
			    meminfo("SwapFree"));
		String n = c.getClass().getName();
		if (n.equals("hudson.FilePath$CallableWith") ||
		    c instanceof FilePath.FileCallableWrapper) {
			Object task = field(c, n.endsWith("CallableWith") ? "task" : "callable");
			FilePath fp = (FilePath)field(c, n.endsWith("CallableWith") ?
			    "this$0" : "filePath");
			String dir = task instanceof TemporarySpaceMonitor.GetTempSpace ?
			    System.getProperty("java.io.tmpdir") : fp.getRemote();
			if (task instanceof DiskSpaceMonitorDescriptor.GetUsableSpace ||
			    task instanceof TemporarySpaceMonitor.GetTempSpace)
				return new DiskSpaceMonitorDescriptor.DiskSpace(dir,
				    new File(dir).getUsableSpace());
		}
		if (n.startsWith("hudson.slaves.SlaveComputer$") ||
		    n.startsWith("jenkins.util.SystemProperties$") ||
		    n.startsWith("jenkins.slaves.restarter."))
			return null;
		throw new UnsupportedOperationException(n +
		    " is not supported by the test agent");
	}

	private void answer(UserRequest u) throws IOException {
		Object proxy = u.getClassLoaderProxy();
		if (proxy instanceof Proxy)
			loaderOid = ((RemoteInvocationHandler)Proxy
			    .getInvocationHandler(proxy)).getOid();
		int oid = loaderOid;
		Serializable rv;
		try {
			Object c = Payload.read(u.getRequest(), true,
			    new Payload.Annotations());
			rv = new UserRequest.NormalResponse(Payload.writeLocal(
			    execute(c), oid));
		} catch (Exception e) {
			rv = new UserRequest.ExceptionResponse(
			    Payload.writeLocal(e, oid),
			    Payload.writeLocal(new ProxyException(e.toString()), oid));
		}
		send(new Response(u.getId(), 0, rv, null));
	}

	private void pinger(int every) {
		try {
			while (!closed) {
				int oid = loaderOid;
				send(new UserRequest(ids.incrementAndGet(),
				    Payload.writeLocal(new PingThread.Ping(), oid),
				    new RemoteClassLoader.RemoteIClassLoader(oid),
				    "hudson.remoting.PingThread$Ping@1", false));
				Thread.sleep(every * 1000L);
			}
		} catch (IOException | InterruptedException e) {
			/* channel over */
		}
	}
}
