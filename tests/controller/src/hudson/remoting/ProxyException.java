/*
 * Test mirror of hudson.remoting.ProxyException: no explicit suid in
 * remoting; this is the value computed from the real class.
 */
package hudson.remoting;

import java.io.IOException;

public class ProxyException extends IOException {
	private static final long serialVersionUID = 1332793125360580541L;

	public ProxyException(String message) {
		super(message);
	}
}
