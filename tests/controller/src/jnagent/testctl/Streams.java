/*
 * Streams.java: the controller's side of remoting pipes on one channel
 * (remoting-protocol.md 5.6, 5.7).  Sinks are OutputStreams the controller
 * exports (RemoteOutputStream, Pipe marker true): the agent writes them
 * with ProxyOutputStream$Chunk..EOF/Unexport and each chunk is Acked (the
 * agent advertised pipe throttling).  Sources are greedy pipes (Pipe
 * marker false) the controller pushes into once the agent connects its
 * sink, within the agent's 1 MiB window.  Every byte is counted and
 * hashed (sha256) on the way.
 */
package jnagent.testctl;

import hudson.remoting.Pipe;
import hudson.remoting.ProxyInputStream;
import hudson.remoting.ProxyOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

final class Streams {
	static final int WINDOW = 1 << 20;
	static final int CHUNK = 64 * 1024;

	private final Conn c;
	/* controller export ids (the class loaders are 2 and 3) */
	private final AtomicInteger nextOid = new AtomicInteger(100);
	private final AtomicInteger ioId = new AtomicInteger();
	private final Map<Integer, Sink> sinks = new ConcurrentHashMap<>();
	private final Map<Integer, Source> sources = new ConcurrentHashMap<>();
	private final Map<Integer, Source> connected = new ConcurrentHashMap<>();

	Streams(Conn c) {
		this.c = c;
	}

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	static String hex(byte[] d) {
		return HexFormat.of().formatHex(d);
	}

	int lastIoId() {
		return ioId.get();
	}

	/* An OutputStream the agent writes into. */
	final class Sink {
		final int oid;
		private final OutputStream keep;	/* null: count and hash only */
		private final MessageDigest sha = Streams.sha256();
		volatile long bytes;
		volatile int chunks;
		volatile boolean unexported;
		/* EOF (value: null or the agent's error), or Unexport (null) */
		final CompletableFuture<Throwable> done = new CompletableFuture<>();
		private String digest;

		Sink(int oid, OutputStream keep) {
			this.oid = oid;
			this.keep = keep;
		}

		synchronized void write(byte[] b) throws IOException {
			if (done.isDone())
				throw new IOException("chunk for closed stream " + oid);
			sha.update(b);
			bytes += b.length;
			chunks++;
			if (keep != null)
				keep.write(b);
		}

		synchronized String sha256() {
			if (digest == null)
				digest = hex(sha.digest());
			return digest;
		}

		byte[] data() {
			return keep instanceof ByteArrayOutputStream ?
			    ((ByteArrayOutputStream)keep).toByteArray() : null;
		}

		/* Wait for EOF/Unexport; the EOF's error or null. */
		Throwable await(long ms) throws IOException, InterruptedException {
			try {
				return done.get(ms, TimeUnit.MILLISECONDS);
			} catch (TimeoutException e) {
				throw new IOException("stream " + oid + ": no EOF within " +
				    ms + " ms (" + bytes + " bytes so far)");
			} catch (java.util.concurrent.ExecutionException e) {
				throw new IOException(e.getCause());
			}
		}
	}

	/* keep: collect the bytes in memory (else hash only). */
	Sink newSink(boolean keep) {
		int oid = nextOid.incrementAndGet();
		Sink s = new Sink(oid, keep ? new ByteArrayOutputStream() : null);
		sinks.put(oid, s);
		return s;
	}

	/* A sink copying into out (e.g. a file), hashed. */
	Sink newSink(OutputStream out) {
		int oid = nextOid.incrementAndGet();
		Sink s = new Sink(oid, out);
		sinks.put(oid, s);
		return s;
	}

	void drop(Sink s) {
		sinks.remove(s.oid);
	}

	/* A greedy pipe the controller writes (unstash's RemoteInputStream). */
	final class Source {
		final int oid;
		private final InputStream in;
		private final MessageDigest sha = Streams.sha256();
		private long window = WINDOW;
		volatile long sent;
		volatile int oidPos = -1;
		volatile boolean dead;
		final CompletableFuture<String> done = new CompletableFuture<>();

		Source(int oid, InputStream in) {
			this.oid = oid;
			this.in = in;
		}

		String sha256() {
			return hex(sha.digest());
		}

		synchronized void ack(int n) {
			window += n;
			notifyAll();
		}

		synchronized void kill() {
			dead = true;
			notifyAll();
		}

		private synchronized void take(int n) throws IOException,
		    InterruptedException {
			long until = System.currentTimeMillis() + 60000;
			while (window < Math.min(n, WINDOW / 10) && !dead) {
				long l = until - System.currentTimeMillis();
				if (l <= 0)
					throw new IOException("no Ack from the agent for " +
					    "60 s (window exhausted after " + sent + " bytes)");
				wait(l);
			}
			if (dead)
				throw new IOException("the agent's reader is gone");
			window -= n;
		}

		private void push() {
			String how = "ok";
			byte[] buf = new byte[CHUNK];
			try {
				for (;;) {
					int n = in.readNBytes(buf, 0, buf.length);
					if (n <= 0)
						break;
					take(n);
					byte[] b = java.util.Arrays.copyOf(buf, n);
					sha.update(b);
					c.send(new ProxyOutputStream.Chunk(
					    ioId.incrementAndGet(), oidPos, 0, b));
					sent += n;
				}
				c.send(new ProxyOutputStream.EOF(ioId.incrementAndGet(),
				    oidPos, 0, null));
			} catch (IOException | InterruptedException e) {
				how = "stopped: " + e.getMessage();
			} finally {
				connected.remove(oidPos);
				try {
					in.close();
				} catch (IOException e) {
					/* nothing to do */
				}
				done.complete(how);
			}
		}
	}

	/* A Pipe(marker false) pushing in to whoever connects to it. */
	Source newSource(InputStream in) {
		int oid = nextOid.incrementAndGet();
		Source s = new Source(oid, in);
		sources.put(oid, s);
		return s;
	}

	Pipe pipeFor(Source s) {
		return new Pipe(false, s.oid);
	}

	Pipe pipeFor(Sink s) {
		return new Pipe(true, s.oid);
	}

	/* Pipe and stream commands; false if o is none of them. */
	boolean dispatch(Object o) throws IOException {
		if (o instanceof ProxyOutputStream.Chunk) {
			ProxyOutputStream.Chunk k = (ProxyOutputStream.Chunk)o;
			Sink s = sinks.get(k.getOid());
			byte[] b = k.getBuf() == null ? new byte[0] : k.getBuf();
			if (s == null) {
				c.problem("Chunk for unknown controller stream " +
				    k.getOid());
			} else {
				try {
					s.write(b);
				} catch (IOException e) {
					c.problem(e.getMessage());
				}
			}
			c.send(new ProxyOutputStream.Ack(k.getOid(), b.length));
			return true;
		}
		if (o instanceof ProxyOutputStream.Flush)
			return true;
		if (o instanceof ProxyOutputStream.EOF) {
			ProxyOutputStream.EOF e = (ProxyOutputStream.EOF)o;
			Sink s = sinks.remove(e.getOid());
			if (s == null)
				c.problem("EOF for unknown controller stream " + e.getOid());
			else
				s.done.complete(e.getError());
			return true;
		}
		if (o instanceof ProxyOutputStream.Unexport) {
			ProxyOutputStream.Unexport u = (ProxyOutputStream.Unexport)o;
			Sink s = sinks.remove(u.getOid());
			if (s == null) {
				c.problem("Unexport of unknown controller stream " +
				    u.getOid());
			} else {
				s.unexported = true;
				s.done.complete(null);
			}
			return true;
		}
		if (o instanceof ProxyOutputStream.Ack) {
			ProxyOutputStream.Ack a = (ProxyOutputStream.Ack)o;
			Source s = connected.get(a.getOid());
			if (s != null)
				s.ack(a.getSize());
			return true;
		}
		if (o instanceof ProxyOutputStream.NotifyDeadWriter) {
			int oid = ((ProxyOutputStream.NotifyDeadWriter)o).getOid();
			Log.info("conn " + c.number + ": agent reports its sink " +
			    oid + " dead");
			Source s = connected.get(oid);
			if (s != null)
				s.kill();
			return true;
		}
		if (o instanceof Pipe.ConnectCommand) {
			Pipe.ConnectCommand cc = (Pipe.ConnectCommand)o;
			Source s = sources.remove(cc.getOidRos());
			if (s == null) {
				c.problem("Pipe$ConnectCommand for unknown pipe " +
				    cc.getOidRos());
				return true;
			}
			s.oidPos = cc.getOidPos();
			connected.put(s.oidPos, s);
			Thread t = new Thread(s::push, "pipe-" + s.oid);
			t.setDaemon(true);
			t.start();
			return true;
		}
		return false;
	}

	/* The controller closes a non-greedy stream the agent exported. */
	void closeRemoteInput(int oid) throws IOException {
		c.send(new ProxyInputStream.EOF(oid));
	}

	/* Channel over: wake pushers. */
	void end() {
		for (Source s : connected.values())
			s.kill();
		for (Sink s : sinks.values())
			s.done.completeExceptionally(new IOException("channel ended"));
	}
}
