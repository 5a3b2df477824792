/* Test mirror of hudson.node_monitors.SwapSpaceMonitor$MonitorTask / $MemoryUsage2. */
package hudson.node_monitors;

import jenkins.security.MasterToSlaveCallable;
import org.jvnet.hudson.MemoryUsage;

public final class SwapSpaceMonitor {
	private SwapSpaceMonitor() {
	}

	public static final class MonitorTask extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class MemoryUsage2 extends MemoryUsage {
		private static final long serialVersionUID = 2216994637932270352L;

		public MemoryUsage2(long tp, long ap, long ts, long as) {
			super(tp, ap, ts, as);
		}
	}
}
