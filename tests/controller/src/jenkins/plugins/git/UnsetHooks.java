/* Test mirror of git plugin's jenkins.plugins.git.UnsetHooks (suid 1, no
 * fields): sent instead of DisableHooks when hooks are allowed on agents. */
package jenkins.plugins.git;

import org.jenkinsci.plugins.gitclient.RepositoryCallback;

public class UnsetHooks implements RepositoryCallback<Object> {
	private static final long serialVersionUID = 1L;
}
