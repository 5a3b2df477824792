/* Test mirror of hudson.remoting.Channel's serializable nested classes. */
package hudson.remoting;

public final class Channel {
	private Channel() {
	}

	/* "I will send nothing more." */
	public static final class CloseCommand extends Command {
		private static final long serialVersionUID = 972857271608138115L;

		public CloseCommand(boolean recordCreatedAt) {
			super(recordCreatedAt);
		}
	}

	/* Callable: wait for pending pipe I/O, return null. */
	public static final class IOSyncer implements Callable {
		private static final long serialVersionUID = 1L;
	}
}
