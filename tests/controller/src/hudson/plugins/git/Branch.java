/* Test mirror of git-client's hudson.plugins.git.Branch (suid 1, extends
 * GitObject, no fields of its own). */
package hudson.plugins.git;

import org.eclipse.jgit.lib.ObjectId;

public class Branch extends GitObject {
	private static final long serialVersionUID = 1L;

	public Branch(String name, ObjectId sha1) {
		super(name, sha1);
	}
}
