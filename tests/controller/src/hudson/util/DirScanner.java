/*
 * Test mirror of hudson.util.DirScanner (abstract, suid 1, no fields) and
 * its $Full and $Glob subclasses, as stash and archive send them.
 */
package hudson.util;

import java.io.Serializable;
import java.nio.file.OpenOption;

public abstract class DirScanner implements Serializable {
	private static final long serialVersionUID = 1L;

	public static class Full extends DirScanner {
		private static final long serialVersionUID = 1L;
	}

	public static class Glob extends DirScanner {
		private static final long serialVersionUID = 1L;
		private final String includes, excludes;
		private boolean useDefaultExcludes = true;
		private OpenOption[] openOptions;

		public Glob(String includes, String excludes,
		    boolean useDefaultExcludes, OpenOption... openOptions) {
			this.includes = includes;
			this.excludes = excludes;
			this.useDefaultExcludes = useDefaultExcludes;
			this.openOptions = openOptions;
		}
	}
}
