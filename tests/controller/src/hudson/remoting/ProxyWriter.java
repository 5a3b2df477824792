/*
 * Test mirror of hudson.remoting.ProxyWriter's commands: Chunk (suid 1;
 * ioId, oid, buf:char[]) and EOF (suid 1; ioId, oid).  What the agent
 * writes to a RemoteWriter is collected per oid in SINKS, for the test
 * controller to check (the git changelog).  Like the real PipeWriter the
 * commands must carry I/O ids (> 0, increasing per writer): a command
 * without one fails the expected text.
 */
package hudson.remoting;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;

public final class ProxyWriter {
	/* oid -> text received, completed at EOF. */
	public static final ConcurrentHashMap<Integer, StringBuilder> SINKS =
	    new ConcurrentHashMap<>();
	public static final ConcurrentHashMap<Integer, CompletableFuture<String>>
	    DONE = new ConcurrentHashMap<>();

	/* oid -> the last I/O id seen. */
	static final ConcurrentHashMap<Integer, Integer> LAST_IO =
	    new ConcurrentHashMap<>();

	private ProxyWriter() {
	}

	/* Whether ioId follows the previous command's for oid. */
	static boolean ordered(int oid, int ioId) {
		Integer prev = LAST_IO.put(oid, ioId);
		if (ioId > 0 && (prev == null || ioId > prev))
			return true;
		CompletableFuture<String> f = DONE.get(oid);
		if (f != null)
			f.completeExceptionally(new IOException("ProxyWriter " +
			    "command with I/O id " + ioId + " after " + prev));
		return false;
	}

	public static CompletableFuture<String> expect(int oid) {
		SINKS.put(oid, new StringBuilder());
		CompletableFuture<String> f = new CompletableFuture<>();
		DONE.put(oid, f);
		return f;
	}

	public static final class Chunk extends Command {
		private static final long serialVersionUID = 1L;

		private int ioId;
		private int oid;
		private char[] buf;

		private void readObject(ObjectInputStream ois)
		    throws IOException, ClassNotFoundException {
			ois.defaultReadObject();
			StringBuilder b = SINKS.get(oid);
			if (b != null && buf != null && ordered(oid, ioId))
				synchronized (b) {
					b.append(buf);
				}
		}
	}

	public static final class EOF extends Command {
		private static final long serialVersionUID = 1L;

		private int ioId;
		private int oid;

		private void readObject(ObjectInputStream ois)
		    throws IOException, ClassNotFoundException {
			ois.defaultReadObject();
			StringBuilder b = SINKS.get(oid);
			CompletableFuture<String> f = DONE.get(oid);
			if (b != null && f != null && ordered(oid, ioId))
				synchronized (b) {
					f.complete(b.toString());
				}
		}
	}
}
