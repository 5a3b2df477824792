/* Test mirror of jenkins.MasterToSlaveFileCallable (suid 1, no fields). */
package jenkins;

import hudson.FilePath;

public abstract class MasterToSlaveFileCallable implements FilePath.FileCallable {
	private static final long serialVersionUID = 1L;
}
