/*
 * Jnlp4Server.java: the TCP agent port.  Reads the protocol name, runs the
 * ACK layer, TLS (server certificate over the instance identity key, want
 * client auth), the connection-headers layer with Jenkins' checks and
 * texts, and the capability exchange (remoting-protocol.md §2).
 */
package jnagent.testctl;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocket;

final class Jnlp4Server {
	static final byte[] ACK = { 0, 3, 'A', 'C', 'K' };
	private final Ctl ctl;
	private final ServerSocket ss;

	Jnlp4Server(Ctl ctl) throws IOException {
		this.ctl = ctl;
		ss = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
		ctl.tcpPort = ss.getLocalPort();
	}

	void start() {
		Thread t = new Thread(() -> {
			for (;;) {
				Socket s;
				try {
					s = ss.accept();
				} catch (IOException e) {
					return;
				}
				long at = ctl.contact();
				Thread h = new Thread(() -> handle(s, at), "jnlp4");
				h.setDaemon(true);
				h.start();
			}
		}, "jnlp4-accept");
		t.setDaemon(true);
		t.start();
	}

	static String readLp(DataInputStream in) throws IOException {
		int n = in.readUnsignedShort();
		byte[] b = new byte[n];
		in.readFully(b);
		return new String(b, StandardCharsets.UTF_8);
	}

	static void writeLp(DataOutputStream out, String s) throws IOException {
		byte[] b = s.getBytes(StandardCharsets.UTF_8);
		out.writeShort(b.length);
		out.write(b);
		out.flush();
	}

	private void handle(Socket s, long acceptUs) {
		boolean keep = false;
		try {
			s.setTcpNoDelay(true);
			s.setSoTimeout(10000);
			keep = handshake(s, acceptUs);
		} catch (IOException e) {
			ctl.event("handshake failed: " + e);
		} finally {
			if (!keep) {
				try {
					s.close();
				} catch (IOException e) {
					/* gone */
				}
			}
		}
	}

	/* true if the socket now belongs to a channel */
	private boolean handshake(Socket s, long acceptUs) throws IOException {
		InputStream rawIn = s.getInputStream();
		OutputStream rawOut = s.getOutputStream();
		byte[] h = rawIn.readNBytes(2);
		if (h.length < 2)
			return false;	/* a reachability probe */
		if (h[0] == 'G' && h[1] == 'E') {
			rawOut.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain;" +
			    "charset=UTF-8\r\n\r\nJenkins-Agent-Protocols: " +
			    "JNLP4-connect, Ping\r\nRemoting-Minimum-Version: " +
			    Ctl.MIN_VERSION + "\r\n").getBytes(StandardCharsets.UTF_8));
			return false;
		}
		int n = ((h[0] & 0xff) << 8) | (h[1] & 0xff);
		byte[] nb = rawIn.readNBytes(n);
		if (nb.length != n)
			throw new EOFException("end of stream in the protocol name");
		String proto = new String(nb, StandardCharsets.UTF_8);
		if (proto.equals("Protocol:Ping")) {
			rawOut.write("Ping\n".getBytes(StandardCharsets.US_ASCII));
			return false;
		}
		if (!proto.startsWith("Protocol:")) {
			rawOut.write(("Unrecognized protocol: " + proto + "\n")
			    .getBytes(StandardCharsets.UTF_8));
			ctl.event("unrecognized protocol " + proto);
			return false;
		}
		if (!proto.equals("Protocol:JNLP4-connect")) {
			rawOut.write("Unknown protocol:\n".getBytes(StandardCharsets.UTF_8));
			ctl.event("unknown protocol " + proto);
			return false;
		}
		ctl.tcpAttempts.incrementAndGet();
		rawOut.write(ACK);
		rawOut.flush();
		byte[] ack = rawIn.readNBytes(5);
		if (!Arrays.equals(ack, ACK)) {
			ctl.event("Incorrect acknowledgement sequence");
			return false;
		}
		SSLSocket ssl = (SSLSocket)ctl.identity.ssl.getSocketFactory()
		    .createSocket(s, "127.0.0.1", s.getPort(), true);
		ssl.setUseClientMode(false);
		ssl.setWantClientAuth(true);
		try {
			ssl.startHandshake();
		} catch (IOException e) {
			ctl.tlsFailures.incrementAndGet();
			ctl.event("TLS handshake failed: " + e.getMessage());
			return false;
		}
		long secureUs = Log.epochUs();
		Log.info("TLS " + ssl.getSession().getProtocol() + " " +
		    ssl.getSession().getCipherSuite());
		DataInputStream in = new DataInputStream(
		    new BufferedInputStream(ssl.getInputStream()));
		DataOutputStream out = new DataOutputStream(
		    new BufferedOutputStream(ssl.getOutputStream()));
		String cookie = Node.newCookie();
		Map<String, String> mine = new LinkedHashMap<>();
		mine.put("JnlpAgentProtocol.cookie", cookie);
		String text;
		try {
			writeLp(out, Headers.encode(mine));
			text = readLp(in);
		} catch (IOException e) {
			ctl.tlsFailures.incrementAndGet();
			ctl.event("connection ended before the agent's headers: " + e);
			return false;
		}
		ctl.headersReceived.incrementAndGet();
		if (ctl.wrongIdentity)
			ctl.problem("agent sent its connection headers although the " +
			    "certificate key differs from the advertised identity");
		Map<String, String> theirs;
		String err = null;
		try {
			theirs = Headers.decode(text);
		} catch (IllegalArgumentException e) {
			theirs = Map.of();
			err = "Malformed connection header";
		}
		String name = theirs.get("Node-Name");
		String secret = theirs.get("Secret-Key");
		String presented = theirs.get("JnlpAgentProtocol.cookie");
		if (err == null && (name == null || secret == null)) {
			/* Jenkins fails with a NullPointerException, no message */
			ctl.event("headers without " + (name == null ? "Node-Name" :
			    "Secret-Key") + ": dropped");
			return false;
		}
		if (err == null && (!name.equals(ctl.node.name) ||
		    ctl.node.deleted))
			err = "Unknown client name: " + name;
		else if (err == null && !ctl.node.secretMatches(secret))
			err = "Authorization failure";
		else if (err == null)
			err = ctl.node.admit(presented);
		if (err != null) {
			writeLp(out, "ERROR: " + err);
			boolean bye = false;
			try {
				for (int i = 0; i < 3 && !bye; i++)
					bye = readLp(in).equals("BYE");
			} catch (SocketTimeoutException | EOFException e) {
				/* no BYE */
			}
			ctl.event("refused: " + err + (bye ? " (BYE received)" :
			    " (no BYE)"));
			return false;
		}
		writeLp(out, "OK");
		String answer = readLp(in);
		if (!answer.equals("OK")) {
			ctl.event("agent refused the controller's headers: " + answer);
			return false;
		}
		writeLp(out, Headers.capabilityText(Ctl.CAPABILITY));
		long mask = Headers.capabilityMask(readLp(in));
		s.setSoTimeout(0);
		s.setKeepAlive(true);
		int number = ctl.connections.incrementAndGet();
		Conn c = new Conn(new TlsWire(ssl, s, in, out), number, mask,
		    cookie, presented, ctl.node);
		c.acceptUs = acceptUs;
		c.secureUs = secureUs;
		ctl.node.setLive(c, cookie);
		ctl.established(c);
		return true;
	}
}
