/* Test mirror of jenkins.security.MasterToSlaveCallable (suid 1, no fields). */
package jenkins.security;

import hudson.remoting.Callable;

public abstract class MasterToSlaveCallable implements Callable {
	private static final long serialVersionUID = 1L;
}
