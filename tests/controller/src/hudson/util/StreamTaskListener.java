/*
 * Test mirror of hudson.util.StreamTaskListener (suid 1, SC_WRITE_METHOD):
 * declares charset and out but writes only a RemoteOutputStream to the
 * log and the charset name.
 */
package hudson.util;

import hudson.remoting.RemoteOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

public final class StreamTaskListener extends AbstractTaskListener {
	private static final long serialVersionUID = 1L;

	private PrintStream out;
	private Charset charset;
	private transient RemoteOutputStream ros;
	private transient String charsetName;

	public StreamTaskListener(RemoteOutputStream ros, String charsetName) {
		this.ros = ros;
		this.charsetName = charsetName;
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.writeObject(ros);
		oos.writeObject(charsetName);
	}

	private void readObject(ObjectInputStream ois)
	    throws IOException, ClassNotFoundException {
		ros = (RemoteOutputStream)ois.readObject();
		charsetName = (String)ois.readObject();
	}
}
