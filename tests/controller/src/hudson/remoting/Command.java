/*
 * Test mirror of remoting's hudson.remoting.Command: same binary name,
 * serialVersionUID and serialized fields, so that the bytes the test
 * controller writes are what a real controller writes.
 */
package hudson.remoting;

import java.io.Serializable;

public abstract class Command implements Serializable {
	private static final long serialVersionUID = 1L;

	/* Where the command was created; Jenkins fills it with a Source. */
	final Exception createdAt;

	protected Command() {
		this(true);
	}

	protected Command(boolean recordCreatedAt) {
		createdAt = recordCreatedAt ? new Source() : null;
	}

	public Exception getCreatedAt() {
		return createdAt;
	}

	/* Inner (non-static) class: carries this$0 like the real one. */
	public final class Source extends Exception {
		private static final long serialVersionUID = 1L;

		public Source() {
		}

		@Override
		public String toString() {
			return "Command " + Command.this.getClass().getName() +
			    " created at";
		}
	}
}
