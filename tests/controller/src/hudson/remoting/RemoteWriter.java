/* Test mirror of hudson.remoting.RemoteWriter (suid 1, SC_WRITE_METHOD,
 * custom data only: the int oid of a Writer the sender exported). */
package hudson.remoting;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

public final class RemoteWriter implements Serializable {
	private static final long serialVersionUID = 1L;

	private transient int oid;

	public RemoteWriter(int oid) {
		this.oid = oid;
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.writeInt(oid);
	}

	private void readObject(ObjectInputStream ois) throws IOException {
		oid = ois.readInt();
	}
}
