/*
 * Test mirror of hudson.remoting.Pipe (suid 1, SC_WRITE_METHOD): the
 * declared fields in/out are never written; the custom data is a boolean
 * marker and an int oid.  marker true: the writer exported a sink the
 * reader writes into; false: the writer will write, the reader answers
 * with Pipe$ConnectCommand naming its own sink.
 */
package hudson.remoting;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;

public final class Pipe implements Serializable {
	private static final long serialVersionUID = 1L;

	private InputStream in;
	private OutputStream out;
	private transient boolean marker;
	private transient int oid;

	public Pipe(boolean marker, int oid) {
		this.marker = marker;
		this.oid = oid;
	}

	public boolean getMarker() {
		return marker;
	}

	public int getOid() {
		return oid;
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.writeBoolean(marker);
		oos.writeInt(oid);
	}

	private void readObject(ObjectInputStream ois) throws IOException {
		marker = ois.readBoolean();
		oid = ois.readInt();
	}

	/* The reader of a marker-false pipe connects its sink oidPos to the
	 * writer's oidRos. */
	public static final class ConnectCommand extends Command {
		private static final long serialVersionUID = -9128735897846418140L;
		private final int oidRos;
		private final int oidPos;

		public ConnectCommand(int oidRos, int oidPos) {
			super(false);
			this.oidRos = oidRos;
			this.oidPos = oidPos;
		}

		public int getOidRos() {
			return oidRos;
		}

		public int getOidPos() {
			return oidPos;
		}
	}
}
