/*
 * Test mirror of git-client's org.jenkinsci.plugins.gitclient.Git (suid 1,
 * fields repository, listener, env, exe, hostKeyFactory) and its inner
 * Git$GitAPIMasterToSlaveFileCallable (this$0 + hostKeyFactory), the
 * callable GitClient creation sends (docs/git-checkout.md).  The inner
 * class has no explicit serialVersionUID in git-client: the agent does
 * not check it, and the test controller never reads one back.
 */
package org.jenkinsci.plugins.gitclient;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.TaskListener;
import java.io.Serializable;
import org.jenkinsci.plugins.gitclient.verifier.HostKeyVerifierFactory;

public class Git implements Serializable {
	private static final long serialVersionUID = 1L;

	private FilePath repository;
	private TaskListener listener;
	private EnvVars env;
	private String exe;
	private HostKeyVerifierFactory hostKeyFactory;

	public Git(TaskListener listener, EnvVars env, FilePath repository,
	    String exe, HostKeyVerifierFactory hostKeyFactory) {
		this.listener = listener;
		this.env = env;
		this.repository = repository;
		this.exe = exe;
		this.hostKeyFactory = hostKeyFactory;
	}

	/* What Git.getClient() hands to repository.act(). */
	public FilePath.FileCallable clientCallable() {
		return new GitAPIMasterToSlaveFileCallable(hostKeyFactory);
	}

	private class GitAPIMasterToSlaveFileCallable
	    extends jenkins.MasterToSlaveFileCallable {
		private final HostKeyVerifierFactory hostKeyFactory;

		GitAPIMasterToSlaveFileCallable(HostKeyVerifierFactory f) {
			this.hostKeyFactory = f;
		}
	}
}
