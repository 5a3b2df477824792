/* Test mirror of hudson.util.Secret (suid 1; value: the plain text, iv)
 * as credentials snapshots carry it over remoting. */
package hudson.util;

import java.io.Serializable;

public final class Secret implements Serializable {
	private static final long serialVersionUID = 1L;

	private final String value;
	private byte[] iv;

	public Secret(String value) {
		this.value = value;
	}
}
