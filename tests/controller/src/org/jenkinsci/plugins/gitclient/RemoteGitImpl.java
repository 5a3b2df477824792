/*
 * Test mirror of git-client's RemoteGitImpl (suid 1, field proxy: the
 * GitClient the agent exported), RemoteGitImpl$Invocation (suid 1:
 * methodName, parameterTypes, args) and
 * RemoteGitImpl$CommandInvocationHandler (suid 1: command, invocations,
 * proxy) with its inner GitCommandMasterToSlaveCallable, which replays
 * builder calls (clone_(), fetch_(), checkout(), changelog()...) on the
 * agent.
 */
package org.jenkinsci.plugins.gitclient;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

public class RemoteGitImpl implements Serializable {
	private static final long serialVersionUID = 1L;

	private final GitClient proxy;

	RemoteGitImpl(GitClient proxy) {
		this.proxy = proxy;
	}

	public Object getProxy() {
		return proxy;
	}

	static class Invocation implements Serializable {
		private static final long serialVersionUID = 1L;

		private final String methodName;
		private final String[] parameterTypes;
		private final Object[] args;

		Invocation(String methodName, String[] parameterTypes,
		    Object[] args) {
			this.methodName = methodName;
			this.parameterTypes = parameterTypes;
			this.args = args;
		}
	}

	/* A builder (git.clone_() & co.): record calls, then command(). */
	public static final class Builder {
		private final CommandInvocationHandler h;

		public Builder(Class<?> command, Object proxy) {
			h = new CommandInvocationHandler(command, (GitClient)proxy);
		}

		/* One call: pairs of (parameter type name, argument). */
		public Builder call(String method, Object... typesAndArgs) {
			int n = typesAndArgs.length / 2;
			String[] t = new String[n];
			Object[] a = new Object[n];
			for (int i = 0; i < n; i++) {
				t[i] = (String)typesAndArgs[2 * i];
				a[i] = typesAndArgs[2 * i + 1];
			}
			h.invocations.add(new Invocation(method, t, a));
			return this;
		}

		/* The callable execute() sends. */
		public Object callable() {
			return h.new GitCommandMasterToSlaveCallable();
		}
	}

	private static class CommandInvocationHandler implements Serializable {
		private static final long serialVersionUID = 1L;

		private final Class<?> command;
		private final List<Invocation> invocations = new ArrayList<>();
		private final GitClient proxy;

		CommandInvocationHandler(Class<?> command, GitClient proxy) {
			this.command = command;
			this.proxy = proxy;
		}

		private class GitCommandMasterToSlaveCallable
		    extends jenkins.security.MasterToSlaveCallable {
		}
	}
}
