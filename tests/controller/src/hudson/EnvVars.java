/*
 * Test mirror of hudson.EnvVars (suid 4320331661987259022, a TreeMap with
 * String.CASE_INSENSITIVE_ORDER, field platform).
 */
package hudson;

import java.util.TreeMap;

public class EnvVars extends TreeMap<String, String> {
	private static final long serialVersionUID = 4320331661987259022L;

	private Platform platform;

	public EnvVars() {
		super(String.CASE_INSENSITIVE_ORDER);
	}
}
