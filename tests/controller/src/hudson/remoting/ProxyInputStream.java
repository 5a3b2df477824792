/* Test mirror of hudson.remoting.ProxyInputStream's EOF command: the
 * reader of a non-greedy RemoteInputStream closed it. */
package hudson.remoting;

public final class ProxyInputStream {
	private ProxyInputStream() {
	}

	public static final class EOF extends Command {
		private static final long serialVersionUID = 1L;
		private final int oid;

		public EOF(int oid) {
			super(false);
			this.oid = oid;
		}
	}
}
