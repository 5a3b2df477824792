/* Test mirror of hudson.remoting.Request (fields id, lastIoId, response). */
package hudson.remoting;

public abstract class Request extends Command {
	private static final long serialVersionUID = 1L;

	private final int id;
	private volatile int lastIoId;
	volatile Response response;

	protected Request(int id, boolean recordCreatedAt) {
		super(recordCreatedAt);
		this.id = id;
	}

	public int getId() {
		return id;
	}

	public int getLastIoId() {
		return lastIoId;
	}

	/* The last pipe I/O id the requester issued before this request. */
	public void setLastIoId(int lastIoId) {
		this.lastIoId = lastIoId;
	}

	/* Sent by a requester interrupted while waiting for request id. */
	public static final class Cancel extends Command {
		private static final long serialVersionUID = -1709992419006993208L;
		private final int id;

		public Cancel(int id) {
			super(false);
			this.id = id;
		}

		public int getId() {
			return id;
		}
	}
}
