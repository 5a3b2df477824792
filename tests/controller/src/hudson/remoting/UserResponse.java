/* Test mirror of hudson.remoting.UserResponse (legacy result form). */
package hudson.remoting;

import java.io.Serializable;

public final class UserResponse implements Serializable {
	private static final long serialVersionUID = 1L;
	private final byte[] response;
	private final boolean isException;

	public UserResponse(byte[] response, boolean isException) {
		this.response = response;
		this.isException = isException;
	}

	public byte[] getResponse() {
		return response;
	}

	public boolean isException() {
		return isException;
	}
}
