/* Test mirror of jenkins.slaves.StandardOutputSwapper$ChannelSwapper. */
package jenkins.slaves;

import jenkins.security.MasterToSlaveCallable;

public final class StandardOutputSwapper {
	private StandardOutputSwapper() {
	}

	public static final class ChannelSwapper extends MasterToSlaveCallable {
		private static final long serialVersionUID = 451125196505759342L;
	}
}
