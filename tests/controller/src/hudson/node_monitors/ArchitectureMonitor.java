/* Test mirror of hudson.node_monitors.ArchitectureMonitor$GetArchTask. */
package hudson.node_monitors;

import jenkins.security.MasterToSlaveCallable;

public final class ArchitectureMonitor {
	private ArchitectureMonitor() {
	}

	public static final class GetArchTask extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
	}
}
