/* Test mirror of hudson.remoting.GCCommand (a hint, no fields). */
package hudson.remoting;

public final class GCCommand extends Command {
	private static final long serialVersionUID = 1L;

	public GCCommand() {
		super(false);
	}
}
