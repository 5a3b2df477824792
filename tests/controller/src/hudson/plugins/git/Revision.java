/* Test mirror of git-client's hudson.plugins.git.Revision (suid
 * -7203898556389073882: sha1, branches), the argument of
 * setupSubmoduleUrls(Revision, TaskListener). */
package hudson.plugins.git;

import java.io.Serializable;
import java.util.Collection;
import org.eclipse.jgit.lib.ObjectId;

public class Revision implements Serializable, Cloneable {
	private static final long serialVersionUID = -7203898556389073882L;

	ObjectId sha1;
	Collection<Branch> branches;

	public Revision(ObjectId sha1, Collection<Branch> branches) {
		this.sha1 = sha1;
		this.branches = branches;
	}
}
