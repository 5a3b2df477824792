/* Test mirror of hudson.remoting.ProxyOutputStream's pipe commands. */
package hudson.remoting;

public final class ProxyOutputStream {
	private ProxyOutputStream() {
	}

	public static final class Chunk extends Command {
		private static final long serialVersionUID = 1L;
		private final int ioId;
		private final int oid;
		private final int requestId;
		private final byte[] buf;

		public Chunk(int ioId, int oid, int requestId, byte[] buf) {
			super(false);
			this.ioId = ioId;
			this.oid = oid;
			this.requestId = requestId;
			this.buf = buf;
		}

		public int getOid() {
			return oid;
		}

		public int getIoId() {
			return ioId;
		}

		public byte[] getBuf() {
			return buf;
		}
	}

	public static final class Flush extends Command {
		private static final long serialVersionUID = 1L;
		private final int ioId;
		private final int oid;
		private final int requestId;

		public Flush(int ioId, int oid, int requestId) {
			super(false);
			this.ioId = ioId;
			this.oid = oid;
			this.requestId = requestId;
		}

		public int getOid() {
			return oid;
		}
	}

	public static final class EOF extends Command {
		private static final long serialVersionUID = 1L;
		private final int ioId;
		private final int oid;
		private final int requestId;
		private final Throwable error;

		public EOF(int ioId, int oid, int requestId, Throwable error) {
			super(false);
			this.ioId = ioId;
			this.oid = oid;
			this.requestId = requestId;
			this.error = error;
		}

		public int getOid() {
			return oid;
		}

		public Throwable getError() {
			return error;
		}
	}

	public static final class Unexport extends Command {
		private static final long serialVersionUID = 1L;
		private final int ioId;
		private final int oid;

		public Unexport(int ioId, int oid) {
			super(false);
			this.ioId = ioId;
			this.oid = oid;
		}

		public int getOid() {
			return oid;
		}
	}

	public static final class Ack extends Command {
		private static final long serialVersionUID = 1L;
		private final int oid;
		private final int size;

		public Ack(int oid, int size) {
			super(false);
			this.oid = oid;
			this.size = size;
		}

		public int getOid() {
			return oid;
		}

		public int getSize() {
			return size;
		}
	}

	/* Receiver -> sender: writing to oid failed (cause in createdAt). */
	public static final class NotifyDeadWriter extends Command {
		private static final long serialVersionUID = 1L;
		private final int oid;

		public NotifyDeadWriter(int oid) {
			super(false);
			this.oid = oid;
		}

		public int getOid() {
			return oid;
		}
	}
}
