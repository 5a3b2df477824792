/*
 * Test mirror of the polling callables of durable-task's
 * FileMonitoringTask$FileMonitoringController (computed suids,
 * jenkins-callables.md Appendix D).
 */
package org.jenkinsci.plugins.durabletask;

import java.io.OutputStream;
import jenkins.MasterToSlaveFileCallable;
import jenkins.security.MasterToSlaveCallable;

public final class FileMonitoringTask {
	private FileMonitoringTask() {
	}

	public static class FileMonitoringController {
		private FileMonitoringController() {
		}

		/* New bytes of the log from lastLocation into sink (Unexport). */
		public static final class WriteLog extends MasterToSlaveFileCallable {
			private static final long serialVersionUID =
			    9158495538758751160L;
			private final long lastLocation;
			private final OutputStream sink;

			public WriteLog(long lastLocation, OutputStream sink) {
				this.lastLocation = lastLocation;
				this.sink = sink;
			}
		}

		public static final class StatusCheck extends MasterToSlaveFileCallable {
			private static final long serialVersionUID =
			    5735394101254645562L;
		}

		public static final class GetOutput extends MasterToSlaveFileCallable {
			private static final long serialVersionUID =
			    2278910510741686376L;
			private final String charset;

			public GetOutput(String charset) {
				this.charset = charset;
			}
		}

		public static final class TranscodingCharsetForSystemDefault
		    extends MasterToSlaveCallable {
			private static final long serialVersionUID =
			    -4652530080013464339L;
		}
	}
}
