/*
 * Test mirror of what hudson.Launcher sends (jenkins-callables.md 5):
 * RemoteLaunchCallable (a record since 2.485: suid 0, no superclass),
 * the exported RemoteProcess interface and its IOTriplet, and
 * RemoteLauncher$KillTask.
 */
package hudson;

import hudson.remoting.Callable;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import jenkins.security.MasterToSlaveCallable;
import jenkins.tasks.filters.EnvVarsFilterRuleWrapper;

public abstract class Launcher {
	private Launcher() {
	}

	public record RemoteLaunchCallable(List<String> cmd, boolean[] masks,
	    String[] env, InputStream in, OutputStream out, OutputStream err,
	    String workDir, Object listener, Object stdoutListener,
	    boolean quiet, boolean reverseStdin, boolean reverseStdout,
	    boolean reverseStderr,
	    EnvVarsFilterRuleWrapper envVarsFilterRuleWrapper)
	    implements Callable {
	}

	/* Exported by the agent; called through RPC. */
	public interface RemoteProcess {
		int join();

		void kill();

		boolean isAlive();

		IOTriplet getIOtriplet();
	}

	public static final class IOTriplet implements Serializable {
		private static final long serialVersionUID = 1L;
		InputStream stdout, stderr;
		OutputStream stdin;

		public InputStream getStdout() {
			return stdout;
		}

		public InputStream getStderr() {
			return stderr;
		}

		public OutputStream getStdin() {
			return stdin;
		}
	}

	public static final class RemoteLauncher {
		private RemoteLauncher() {
		}

		public static final class KillTask extends MasterToSlaveCallable {
			private static final long serialVersionUID = 1L;
			private final Map<String, String> modelEnvVars;

			public KillTask(Map<String, String> modelEnvVars) {
				this.modelEnvVars = modelEnvVars;
			}
		}
	}
}
