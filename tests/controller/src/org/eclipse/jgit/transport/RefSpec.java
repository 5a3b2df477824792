/* Test mirror of JGit's RefSpec (suid 1; force, wildcard, srcName,
 * dstName and the newer matching/negative/exact flags). */
package org.eclipse.jgit.transport;

import java.io.Serializable;

public class RefSpec implements Serializable {
	private static final long serialVersionUID = 1L;

	private boolean force;
	private boolean wildcard;
	private boolean matching;
	private boolean negative;
	private String srcName;
	private String dstName;

	public RefSpec(String spec) {
		String s = spec;
		if (s.startsWith("+")) {
			force = true;
			s = s.substring(1);
		}
		int c = s.indexOf(':');
		srcName = c < 0 ? s : s.substring(0, c);
		dstName = c < 0 ? null : s.substring(c + 1);
		wildcard = s.contains("*");
	}
}
