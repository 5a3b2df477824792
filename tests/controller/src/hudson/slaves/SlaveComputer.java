/*
 * Test mirror of the callables hudson.slaves.SlaveComputer sends when an
 * agent connects (names, fields and serialVersionUIDs as in Jenkins; the
 * computed ones as recorded in jenkins-callables.md Appendix D).
 */
package hudson.slaves;

import jenkins.security.MasterToSlaveCallable;

public final class SlaveComputer {
	private SlaveComputer() {
	}

	public static final class SlaveVersion extends MasterToSlaveCallable {
		private static final long serialVersionUID = -1836292471078227186L;
	}

	public static final class CommunicationProtocol extends MasterToSlaveCallable {
		private static final long serialVersionUID = 5456434590258227786L;
	}

	public static final class DetectOS extends MasterToSlaveCallable {
		private static final long serialVersionUID = -2305095165897831376L;
	}

	public static final class DetectDefaultCharset extends MasterToSlaveCallable {
		private static final long serialVersionUID = -5851131978410997033L;
	}

	public static final class AbsolutePath extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
		private final String relativePath;

		public AbsolutePath(String relativePath) {
			this.relativePath = relativePath;
		}
	}

	public static final class SlaveInitializer extends MasterToSlaveCallable {
		private static final long serialVersionUID = 1L;
		private final int ringBufferSize;

		public SlaveInitializer(int ringBufferSize) {
			this.ringBufferSize = ringBufferSize;
		}
	}
}
