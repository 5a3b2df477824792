/* Test mirror of hudson.node_monitors.TemporarySpaceMonitor$GetTempSpace. */
package hudson.node_monitors;

import jenkins.MasterToSlaveFileCallable;

public final class TemporarySpaceMonitor {
	private TemporarySpaceMonitor() {
	}

	public static final class GetTempSpace extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}
}
