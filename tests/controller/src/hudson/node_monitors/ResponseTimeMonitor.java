/*
 * Test mirror of hudson.node_monitors.ResponseTimeMonitor: the controller
 * sends Step2 (Step1's writeReplace) and expects Step3 back.  Data's real
 * superclasses are not serializable, so it has no super descriptor.
 */
package hudson.node_monitors;

import java.io.Serializable;
import jenkins.security.MasterToSlaveCallable;

public final class ResponseTimeMonitor {
	private ResponseTimeMonitor() {
	}

	public static final class Step2 extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
		private final Data cur;
		private final long start;

		public Step2(Data cur, long start) {
			this.cur = cur;
			this.start = start;
		}
	}

	public static final class Step3 implements Serializable {
		private static final long serialVersionUID = 1L;
		private final Data cur;
		private final long start;

		public Step3(Data cur, long start) {
			this.cur = cur;
			this.start = start;
		}

		public Data getCur() {
			return cur;
		}

		public long getStart() {
			return start;
		}

		@Override
		public String toString() {
			return "Step3[start=" + start + ", cur=" + cur + "]";
		}
	}

	public static final class Data implements Serializable {
		private static final long serialVersionUID = 1L;
		private final long[] past5;

		public Data(long[] past5) {
			this.past5 = past5;
		}

		public long[] getPast5() {
			return past5;
		}

		@Override
		public String toString() {
			return "Data[past5=" + java.util.Arrays.toString(past5) + "]";
		}
	}
}
