/*
 * Test mirror of hudson.FilePath and its callable wrappers.  FilePath has a
 * writeObject that writes "remote" and then a boolean: false when the
 * controller sends a path that lives on the agent.
 */
package hudson;

import hudson.remoting.Callable;
import hudson.remoting.Pipe;
import hudson.remoting.RemoteInputStream;
import hudson.util.DirScanner;
import hudson.util.io.ArchiverFactory;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.OpenOption;
import java.util.Map;
import jenkins.MasterToSlaveFileCallable;

public final class FilePath implements Serializable {
	private static final long serialVersionUID = 1L;

	private final String remote;

	public FilePath(String remote) {
		this.remote = remote;
	}

	public String getRemote() {
		return remote;
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.defaultWriteObject();
		oos.writeBoolean(false);
	}

	private void readObject(java.io.ObjectInputStream ois)
	    throws IOException, ClassNotFoundException {
		ois.defaultReadObject();
		ois.readBoolean();
	}

	/* What FilePath.asCallableWith(task) sends (disk-space monitors). */
	public Callable asCallableWith(FileCallable task) {
		return new CallableWith(task);
	}

	public interface FileCallable extends Serializable {
	}

	/* Inner class: serialized with this$0 = the FilePath. */
	private final class CallableWith implements Callable {
		private static final long serialVersionUID = 1L;
		private final FileCallable task;

		CallableWith(FileCallable task) {
			this.task = task;
		}

		@Override
		public String toString() {
			String t = task.getClass().getName();
			return t.substring(t.lastIndexOf('.') + 1) + " on " +
			    FilePath.this.remote;
		}
	}

	/* What FilePath.act(FileCallable) sends. */
	public static final class FileCallableWrapper implements Callable {
		private static final long serialVersionUID = 1L;
		private final FileCallable callable;
		private final FilePath filePath;
		private transient ClassLoader classLoader;

		public FileCallableWrapper(FileCallable callable, FilePath filePath) {
			this.callable = callable;
			this.filePath = filePath;
		}
	}

	/*
	 * The tier-2 FilePath callables (jenkins-callables.md 4, 8.2): since
	 * 2.326 static classes -> jenkins.MasterToSlaveFileCallable, suid 1
	 * unless stated; Archive is a record since 2.485.
	 */
	public static final class Exists extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class IsDirectory extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class LastModified extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class Mkdirs extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class DeleteRecursive extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class ReadToString extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
	}

	public static final class Chmod extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final int mask;

		public Chmod(int mask) {
			this.mask = mask;
		}
	}

	public static final class Write extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final String content;
		private final String encoding;

		public Write(String content, String encoding) {
			this.content = content;
			this.encoding = encoding;
		}
	}

	/* read(): the agent writes the file into p (marker true). */
	public static final class Read extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final Pipe p;
		private final String verificationRoot;
		private final OpenOption[] openOptions;

		public Read(Pipe p, String verificationRoot,
		    OpenOption... openOptions) {
			this.p = p;
			this.verificationRoot = verificationRoot;
			this.openOptions = openOptions;
		}
	}

	public static final class ValidateAntFileMask
	    extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final String fileMasks;
		private final boolean caseSensitive;
		private final int bound;

		public ValidateAntFileMask(String fileMasks, boolean caseSensitive,
		    int bound) {
			this.fileMasks = fileMasks;
			this.caseSensitive = caseSensitive;
			this.bound = bound;
		}
	}

	public enum TarCompression {
		NONE, GZIP
	}

	/* stash: a tar(.gz) of what scanner finds, written to out. */
	public record Archive(ArchiverFactory factory, OutputStream out,
	    DirScanner scanner, String verificationRoot,
	    OpenOption[] openOptions) implements FileCallable {
	}

	/* unstash: extract a (greedy) stream from the controller. */
	public static final class UntarRemote extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final TarCompression compression;
		private final RemoteInputStream in;
		private final String name;

		public UntarRemote(String name, TarCompression compression,
		    RemoteInputStream in) {
			this.name = name;
			this.compression = compression;
			this.in = in;
		}
	}

	/* archiveArtifacts: the explicit file list as a tar into pipe. */
	public static final class CopyRecursiveRemoteToLocal
	    extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final Pipe pipe;
		private final DirScanner scanner;
		private final TarCompression compression;
		private final String filenamesEncoding;

		public CopyRecursiveRemoteToLocal(Pipe pipe, DirScanner scanner,
		    TarCompression compression, String filenamesEncoding) {
			this.pipe = pipe;
			this.scanner = scanner;
			this.compression = compression;
			this.filenamesEncoding = filenamesEncoding;
		}
	}

	/* archive path -> workspace-relative path, no scanning. */
	public static final class ExplicitlySpecifiedDirScanner
	    extends DirScanner {
		private static final long serialVersionUID = 1L;
		private final Map<String, String> files;

		public ExplicitlySpecifiedDirScanner(Map<String, String> files) {
			this.files = files;
		}
	}

	/* Does rel, resolved under f with symlinks resolved, stay inside f? */
	public static final class IsDescendant extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final String potentialChildRelativePath;

		public IsDescendant(String potentialChildRelativePath) {
			this.potentialChildRelativePath = potentialChildRelativePath;
		}
	}
}
