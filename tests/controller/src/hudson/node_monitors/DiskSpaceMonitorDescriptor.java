/* Test mirror of hudson.node_monitors.DiskSpaceMonitorDescriptor$GetUsableSpace / $DiskSpace. */
package hudson.node_monitors;

import java.io.Serializable;
import jenkins.MasterToSlaveFileCallable;

public final class DiskSpaceMonitorDescriptor {
	private DiskSpaceMonitorDescriptor() {
	}

	public static final class GetUsableSpace extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class DiskSpace implements Serializable {
		private static final long serialVersionUID = 2L;
		private final String path;
		private Class<?> trigger;
		private final long size;
		private long totalSize;
		private long threshold;
		private long warningThreshold;

		public DiskSpace(String path, long size) {
			this.path = path;
			this.size = size;
		}

		public String getPath() {
			return path;
		}

		public long getSize() {
			return size;
		}

		public long getTotalSize() {
			return totalSize;
		}

		@Override
		public String toString() {
			return "DiskSpace[path=" + path + ", size=" + size +
			    ", totalSize=" + totalSize + "]";
		}
	}
}
