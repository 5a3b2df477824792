/* Test mirror of hudson.model.Slave$GetClockDifference2 / $GetClockDifference3. */
package hudson.model;

import java.io.Serializable;
import jenkins.security.MasterToSlaveCallable;

public final class Slave {
	private Slave() {
	}

	public static final class GetClockDifference2 extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
		private final long startTime;

		public GetClockDifference2(long startTime) {
			this.startTime = startTime;
		}
	}

	/* No explicit suid in Jenkins; computed value (Jenkins >= 2.284). */
	public static final class GetClockDifference3 implements Serializable {
		private static final long serialVersionUID = -6655128034486338777L;
		private final long remoteTime;
		private final long startTime;

		public GetClockDifference3(long remoteTime, long startTime) {
			this.remoteTime = remoteTime;
			this.startTime = startTime;
		}

		public long getRemoteTime() {
			return remoteTime;
		}

		public long getStartTime() {
			return startTime;
		}

		@Override
		public String toString() {
			return "GetClockDifference3[remoteTime=" + remoteTime +
			    ", startTime=" + startTime + "]";
		}
	}
}
