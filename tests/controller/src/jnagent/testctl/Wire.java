/*
 * Wire.java: the chunked command stream of a channel (remoting-protocol.md
 * §4.3): each chunk is a u16 header (bit 15 = more chunks follow, bits
 * 14..0 = length) and its payload; the chunks of one command concatenate
 * to one Java serialization stream.  Subclasses carry the chunks over TLS
 * (JNLP4-connect) or as WebSocket binary messages.
 */
package jnagent.testctl;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

abstract class Wire {
	static final int MAX_CHUNK = 8192;
	static final int MAX_COMMAND = 64 << 20;

	/* The chunk byte stream from the agent. */
	protected abstract InputStream in();

	/* Send one chunk (header included) as one unit. */
	protected abstract void sendChunk(byte[] b, int off, int len)
	    throws IOException;

	/* "JNLP4-connect" or "WebSocket". */
	abstract String name();

	/* Orderly close of the transport (TLS close / WebSocket close). */
	abstract void close();

	/* Abrupt close: no close_notify, no close frame. */
	abstract void abort();

	/* Next complete command, or null at a clean end of stream. */
	byte[] readCommand() throws IOException {
		InputStream in = in();
		ByteArrayOutputStream cmd = new ByteArrayOutputStream();
		boolean started = false;
		for (;;) {
			int h1 = in.read();
			if (h1 < 0) {
				if (started)
					throw new EOFException(
					    "end of stream inside a command");
				return null;
			}
			int h2 = in.read();
			if (h2 < 0)
				throw new EOFException("end of stream in a chunk header");
			started = true;
			int hdr = (h1 << 8) | h2;
			int len = hdr & 0x7fff;
			byte[] p = in.readNBytes(len);
			if (p.length != len)
				throw new EOFException("end of stream inside a chunk");
			if (cmd.size() + len > MAX_COMMAND)
				throw new IOException("command larger than " +
				    MAX_COMMAND + " bytes");
			cmd.write(p);
			if ((hdr & 0x8000) == 0)
				return cmd.toByteArray();
		}
	}

	/* Split a command into chunks of at most 8192 bytes and send them. */
	synchronized void writeCommand(byte[] cmd) throws IOException {
		writeChunks(cmd, cmd.length);
	}

	/*
	 * Send only the first `upto` bytes of cmd, chunked as if the whole
	 * command followed (used to cut a connection inside a command).
	 */
	synchronized void writeChunks(byte[] cmd, int upto) throws IOException {
		int off = 0;
		do {
			int n = Math.min(MAX_CHUNK, cmd.length - off);
			boolean more = off + n < cmd.length;
			if (off + n > upto)
				return;
			byte[] c = new byte[2 + n];
			c[0] = (byte)((more ? 0x80 : 0) | (n >> 8));
			c[1] = (byte)n;
			System.arraycopy(cmd, off, c, 2, n);
			sendChunk(c, 0, c.length);
			off += n;
		} while (off < cmd.length);
	}
}
