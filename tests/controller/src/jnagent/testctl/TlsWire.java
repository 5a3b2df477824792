/* TlsWire.java: chunks over the JNLP4-connect TLS session. */
package jnagent.testctl;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import javax.net.ssl.SSLSocket;

final class TlsWire extends Wire {
	private final SSLSocket ssl;
	private final Socket raw;
	private final DataInputStream in;
	private final OutputStream out;

	TlsWire(SSLSocket ssl, Socket raw, DataInputStream in, OutputStream out) {
		this.ssl = ssl;
		this.raw = raw;
		this.in = in;
		this.out = out;
	}

	@Override
	protected InputStream in() {
		return in;
	}

	@Override
	protected void sendChunk(byte[] b, int off, int len) throws IOException {
		out.write(b, off, len);
		out.flush();
	}

	@Override
	String name() {
		return "JNLP4-connect";
	}

	@Override
	void close() {
		try {
			ssl.close();
		} catch (IOException e) {
			/* already gone */
		}
	}

	@Override
	void abort() {
		try {
			raw.setSoLinger(true, 0);
		} catch (IOException e) {
			/* already gone */
		}
		try {
			raw.close();
		} catch (IOException e) {
			/* already gone */
		}
	}
}
