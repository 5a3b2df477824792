/* Test mirror of hudson.tasks.ArtifactArchiver$ListFiles (suid 1). */
package hudson.tasks;

import jenkins.MasterToSlaveFileCallable;

public final class ArtifactArchiver {
	private ArtifactArchiver() {
	}

	public static final class ListFiles extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final String includes, excludes;
		private final boolean defaultExcludes;
		private final boolean caseSensitive;
		private final boolean followSymlinks;

		public ListFiles(String includes, String excludes,
		    boolean defaultExcludes, boolean caseSensitive,
		    boolean followSymlinks) {
			this.includes = includes;
			this.excludes = excludes;
			this.defaultExcludes = defaultExcludes;
			this.caseSensitive = caseSensitive;
			this.followSymlinks = followSymlinks;
		}
	}
}
