/*
 * WsWire.java: RFC 6455 server side, by hand.  Each chunk goes out as one
 * unmasked binary message; the agent's binary messages (masked, possibly
 * fragmented) are concatenated into the chunk stream.  Pings every N
 * seconds, pongs answered, close handshake honoured.
 */
package jnagent.testctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

final class WsWire extends Wire {
	private static final int MAX_FRAME = 1 << 20;
	private final Socket s;
	private final InputStream raw;
	private final OutputStream out;
	private final int pingSeconds;
	private final int number;
	private final MessageStream in = new MessageStream();
	private volatile boolean closed;
	private volatile Conn conn;
	final AtomicInteger pongs = new AtomicInteger();
	final AtomicInteger pingsFromAgent = new AtomicInteger();

	WsWire(Socket s, InputStream raw, OutputStream out, int pingSeconds,
	    int number) {
		this.s = s;
		this.raw = raw;
		this.out = out;
		this.pingSeconds = pingSeconds;
		this.number = number;
	}

	void setConn(Conn c) {
		conn = c;
	}

	private void problem(String p) {
		Conn c = conn;
		if (c != null)
			c.problem(p);
		else
			Log.info("PROBLEM: " + p);
	}

	void startPinger() {
		if (pingSeconds <= 0)
			return;
		Thread t = new Thread(() -> {
			try {
				while (!closed) {
					Thread.sleep(pingSeconds * 1000L);
					if (closed)
						break;
					frame(0x9, "testctl".getBytes(StandardCharsets.US_ASCII),
					    0, 7);
				}
			} catch (IOException | InterruptedException e) {
				/* connection over */
			}
		}, "ws-ping-" + number);
		t.setDaemon(true);
		t.start();
	}

	private synchronized void frame(int opcode, byte[] b, int off, int len)
	    throws IOException {
		if (closed && opcode != 0x8)
			throw new IOException("WebSocket closed");
		byte[] h;
		if (len < 126) {
			h = new byte[] { (byte)(0x80 | opcode), (byte)len };
		} else if (len < 65536) {
			h = new byte[] { (byte)(0x80 | opcode), 126,
			    (byte)(len >> 8), (byte)len };
		} else {
			h = new byte[10];
			h[0] = (byte)(0x80 | opcode);
			h[1] = 127;
			for (int i = 0; i < 8; i++)
				h[9 - i] = (byte)((long)len >>> (8 * i));
		}
		out.write(h);
		out.write(b, off, len);
		out.flush();
	}

	@Override
	protected InputStream in() {
		return in;
	}

	@Override
	protected void sendChunk(byte[] b, int off, int len) throws IOException {
		frame(0x2, b, off, len);
	}

	@Override
	String name() {
		return "WebSocket";
	}

	@Override
	void close() {
		if (closed)
			return;
		try {
			frame(0x8, new byte[] { 0x03, (byte)0xe8 }, 0, 2);
		} catch (IOException e) {
			/* gone */
		}
		closed = true;
		try {
			s.shutdownOutput();
		} catch (IOException e) {
			/* gone */
		}
		/* give the agent a moment to answer the close, then let go */
		Thread t = new Thread(() -> {
			try {
				Thread.sleep(1000);
				s.close();
			} catch (IOException | InterruptedException e) {
				/* gone */
			}
		}, "ws-close-" + number);
		t.setDaemon(true);
		t.start();
	}

	@Override
	void abort() {
		closed = true;
		try {
			s.setSoLinger(true, 0);
			s.close();
		} catch (IOException e) {
			/* gone */
		}
	}

	private int readByte() throws IOException {
		int c = raw.read();
		if (c < 0)
			throw new java.io.EOFException("WebSocket: end of stream in a frame");
		return c;
	}

	/* The payload bytes of the agent's data messages, in order. */
	private final class MessageStream extends InputStream {
		private byte[] buf = new byte[0];
		private int pos;
		private boolean eof;

		/* Read frames until data arrives; false at close/EOF. */
		private boolean fill() throws IOException {
			while (pos >= buf.length) {
				if (eof)
					return false;
				int b0 = raw.read();
				if (b0 < 0) {
					eof = true;
					if (!closed)
						Log.info("conn " + number +
						    ": WebSocket ended without a close frame");
					return false;
				}
				int b1 = readByte();
				int op = b0 & 0x0f;
				if ((b0 & 0x70) != 0)
					throw new IOException("WebSocket: RSV bits set");
				if ((b1 & 0x80) == 0)
					throw new IOException("WebSocket: unmasked client frame");
				long len = b1 & 0x7f;
				if (len == 126) {
					len = (readByte() << 8) | readByte();
				} else if (len == 127) {
					len = 0;
					for (int i = 0; i < 8; i++)
						len = (len << 8) | readByte();
				}
				if (len > MAX_FRAME)
					throw new IOException("WebSocket frame of " + len +
					    " bytes");
				byte[] mask = raw.readNBytes(4);
				byte[] p = raw.readNBytes((int)len);
				if (mask.length != 4 || p.length != len)
					throw new java.io.EOFException(
					    "WebSocket: end of stream in a frame");
				for (int i = 0; i < p.length; i++)
					p[i] ^= mask[i & 3];
				switch (op) {
				case 0x0:
				case 0x2:
					if (p.length > Wire.MAX_CHUNK + 2 && op == 0x2)
						problem("WebSocket message of " + p.length +
						    " bytes (more than one chunk)");
					buf = p;
					pos = 0;
					break;
				case 0x1:
					problem("agent sent a WebSocket text message");
					break;
				case 0x8:
					Log.info("conn " + number + ": WebSocket close from agent");
					if (!closed)
						close();
					eof = true;
					return false;
				case 0x9:
					pingsFromAgent.incrementAndGet();
					frame(0xA, p, 0, p.length);
					break;
				case 0xA:
					pongs.incrementAndGet();
					break;
				default:
					throw new IOException("WebSocket opcode " + op);
				}
			}
			return true;
		}

		@Override
		public int read() throws IOException {
			if (!fill())
				return -1;
			return buf[pos++] & 0xff;
		}

		@Override
		public int read(byte[] b, int off, int len) throws IOException {
			if (len == 0)
				return 0;
			if (!fill())
				return -1;
			int n = Math.min(len, buf.length - pos);
			System.arraycopy(buf, pos, b, off, n);
			pos += n;
			return n;
		}
	}
}
