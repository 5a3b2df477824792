/* Test mirror of git-client's hudson.plugins.git.GitObject (suid 1: a
 * named SHA1, fields sha1 and name), as getTags() answers them. */
package hudson.plugins.git;

import java.io.Serializable;
import org.eclipse.jgit.lib.ObjectId;

public class GitObject implements Serializable {
	private static final long serialVersionUID = 1L;

	final ObjectId sha1;
	final String name;

	public GitObject(String name, ObjectId sha1) {
		this.name = name;
		this.sha1 = sha1;
	}

	public String getName() {
		return name;
	}

	public ObjectId getSHA1() {
		return sha1;
	}

	public String getSHA1String() {
		return sha1 == null ? null : sha1.name();
	}

	@Override
	public String toString() {
		return name + "=" + getSHA1String();
	}
}
