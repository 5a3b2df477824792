/*
 * Test mirror of hudson.FilePath and its callable wrappers.  FilePath has a
 * writeObject that writes "remote" and then a boolean: false when the
 * controller sends a path that lives on the agent.
 */
package hudson;

import hudson.remoting.Callable;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;

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
}
