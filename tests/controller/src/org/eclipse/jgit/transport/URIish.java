/* Test mirror of JGit's URIish (suid 1; scheme, path, rawPath, user,
 * pass, port, host). */
package org.eclipse.jgit.transport;

import java.io.Serializable;

public class URIish implements Serializable {
	private static final long serialVersionUID = 1L;

	private String scheme;
	private String path;
	private String rawPath;
	private String user;
	private String pass;
	private int port = -1;
	private String host;

	public URIish(String scheme, String user, String pass, String host,
	    int port, String path) {
		this.scheme = scheme;
		this.user = user;
		this.pass = pass;
		this.host = host;
		this.port = port;
		this.path = path;
		this.rawPath = path;
	}
}
