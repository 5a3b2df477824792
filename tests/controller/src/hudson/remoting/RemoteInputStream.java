/*
 * Test mirror of hudson.remoting.RemoteInputStream (suid 1,
 * SC_WRITE_METHOD): declares autoUnexport and greedy but writes only its
 * custom data.  Towards an agent that advertised greedy input streams
 * (bit 5): boolean greedy, then a Pipe (greedy) or the int oid.
 */
package hudson.remoting;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

public final class RemoteInputStream extends InputStream
    implements Serializable {
	private static final long serialVersionUID = 1L;

	private boolean autoUnexport;
	private boolean greedy;
	private transient Pipe pipe;
	private transient int oid;

	/* Greedy: the data is pushed through pipe (marker false). */
	public RemoteInputStream(Pipe pipe) {
		this.greedy = true;
		this.pipe = pipe;
	}

	public boolean isGreedy() {
		return greedy;
	}

	public int getOid() {
		return oid;
	}

	public Pipe getPipe() {
		return pipe;
	}

	@Override
	public int read() throws IOException {
		throw new IOException("mirror stream: not readable");
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.writeBoolean(greedy);
		if (greedy)
			oos.writeObject(pipe);
		else
			oos.writeInt(oid);
	}

	private void readObject(ObjectInputStream ois)
	    throws IOException, ClassNotFoundException {
		greedy = ois.readBoolean();
		if (greedy)
			pipe = (Pipe)ois.readObject();
		else
			oid = ois.readInt();
	}
}
