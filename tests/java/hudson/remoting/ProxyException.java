/*
 * Test stand-in for remoting's hudson.remoting.ProxyException (same name,
 * superclass and serialVersionUID), so that JserPeer can read the
 * ProxyException streams the C side writes without remoting on the class
 * path.  Only the serialized form matters here.
 */
package hudson.remoting;

import java.io.IOException;

public class ProxyException extends IOException {
	private static final long serialVersionUID = 1332793125360580541L;

	public ProxyException(String message) {
		super(message);
	}
}
