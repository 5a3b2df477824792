/* Test mirror of hudson.slaves.ChannelPinger$SetUpRemotePing. */
package hudson.slaves;

import jenkins.security.MasterToSlaveCallable;

public final class ChannelPinger {
	private ChannelPinger() {
	}

	public static final class SetUpRemotePing extends MasterToSlaveCallable {
		private static final long serialVersionUID = -2702219700841759872L;
		private final int pingTimeoutSeconds;
		private final int pingIntervalSeconds;
		private transient long pingInterval;

		public SetUpRemotePing(int pingIntervalSeconds, int pingTimeoutSeconds) {
			this.pingIntervalSeconds = pingIntervalSeconds;
			this.pingTimeoutSeconds = pingTimeoutSeconds;
		}
	}
}
