/* Test mirror of hudson.remoting.PingThread$Ping (suid 1, no fields). */
package hudson.remoting;

public final class PingThread {
	private PingThread() {
	}

	public static final class Ping implements Callable {
		private static final long serialVersionUID = 1L;
	}
}
