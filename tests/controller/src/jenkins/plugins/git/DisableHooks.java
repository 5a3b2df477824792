/* Test mirror of git plugin's jenkins.plugins.git.DisableHooks (suid 1, no
 * fields): GitHooksConfiguration sends it through withRepository on every
 * checkout when hooks are not allowed on agents (the default). */
package jenkins.plugins.git;

import org.jenkinsci.plugins.gitclient.RepositoryCallback;

public class DisableHooks implements RepositoryCallback<Object> {
	private static final long serialVersionUID = 1L;
}
