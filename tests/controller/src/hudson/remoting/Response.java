/* Test mirror of hudson.remoting.Response. */
package hudson.remoting;

import java.io.Serializable;

public final class Response extends Command {
	private static final long serialVersionUID = 1L;

	private final int id;
	final int lastIoId;
	final Throwable exception;
	private final Serializable returnValue;

	public Response(int id, int lastIoId, Serializable returnValue,
	    Throwable exception) {
		super(false);
		this.id = id;
		this.lastIoId = lastIoId;
		this.returnValue = returnValue;
		this.exception = exception;
	}

	public int getId() {
		return id;
	}

	public int getLastIoId() {
		return lastIoId;
	}

	public Throwable getException() {
		return exception;
	}

	public Serializable getReturnValue() {
		return returnValue;
	}
}
