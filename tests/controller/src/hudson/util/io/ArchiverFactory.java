/*
 * Test mirror of hudson.util.io.ArchiverFactory (abstract, suid 1) and
 * $TarArchiverFactory (suid 1, field method), what stash sends.
 */
package hudson.util.io;

import hudson.FilePath;
import java.io.Serializable;

public abstract class ArchiverFactory implements Serializable {
	private static final long serialVersionUID = 1L;

	public static final ArchiverFactory TARGZ =
	    new TarArchiverFactory(FilePath.TarCompression.GZIP);
	public static final ArchiverFactory TAR =
	    new TarArchiverFactory(FilePath.TarCompression.NONE);

	private static final class TarArchiverFactory extends ArchiverFactory {
		private static final long serialVersionUID = 1L;
		private final FilePath.TarCompression method;

		private TarArchiverFactory(FilePath.TarCompression method) {
			this.method = method;
		}
	}
}
