/*
 * Test mirror of hudson.remoting.RemoteOutputStream (suid 1, flags
 * SC_SERIALIZABLE|SC_WRITE_METHOD, no fields): its custom data is just the
 * int oid of an OutputStream the writer exported.
 */
package hudson.remoting;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;

public final class RemoteOutputStream extends OutputStream
    implements Serializable {
	private static final long serialVersionUID = 1L;

	private transient int oid;

	public RemoteOutputStream(int oid) {
		this.oid = oid;
	}

	public int getOid() {
		return oid;
	}

	@Override
	public void write(int b) throws IOException {
		throw new IOException("mirror stream: not writable");
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.writeInt(oid);
	}

	private void readObject(ObjectInputStream ois) throws IOException {
		oid = ois.readInt();
	}
}
