/* Test mirror of jenkins.util.SystemProperties$AgentCopier$CopySystemProperties. */
package jenkins.util;

import java.util.Map;
import jenkins.security.MasterToSlaveCallable;

public final class SystemProperties {
	private SystemProperties() {
	}

	public static final class AgentCopier {
		private AgentCopier() {
		}

		public static final class CopySystemProperties extends MasterToSlaveCallable {
			private static final long serialVersionUID = 1L;
			private final Map<String, String> snapshot;

			public CopySystemProperties(Map<String, String> snapshot) {
				this.snapshot = snapshot;
			}
		}
	}
}
