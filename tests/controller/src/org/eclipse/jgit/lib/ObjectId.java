/* Test mirror of JGit's ObjectId (suid 1, SC_WRITE_METHOD, no fields:
 * writeObject writes the 20 raw bytes; AnyObjectId is not serializable). */
package org.eclipse.jgit.lib;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

public class ObjectId implements Serializable {
	private static final long serialVersionUID = 1L;

	private transient byte[] raw = new byte[20];

	public static ObjectId fromString(String hex) {
		ObjectId o = new ObjectId();
		for (int i = 0; i < 20; i++)
			o.raw[i] = (byte)Integer.parseInt(
			    hex.substring(2 * i, 2 * i + 2), 16);
		return o;
	}

	public String name() {
		StringBuilder b = new StringBuilder();
		for (byte x : raw)
			b.append(String.format("%02x", x & 0xff));
		return b.toString();
	}

	@Override
	public String toString() {
		return "commit " + name();
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.write(raw);
	}

	private void readObject(ObjectInputStream ois) throws IOException {
		raw = new byte[20];
		ois.readFully(raw);
	}
}
