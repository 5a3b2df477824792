/*
 * Tar.java: just enough tar for the pipeline scenario: read what the agent
 * sends (ustar / GNU long names, octal or base-256 sizes) with a sha256 per
 * file, and write crafted archives (including hostile ones) to send it.
 */
package jnagent.testctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

final class Tar {
	static final class Entry {
		String name;
		char type;		/* '0' file, '5' dir, '2' symlink */
		long size;
		int mode;
		String link;
		String sha256;		/* files only */

		@Override
		public String toString() {
			return type + " " + name + " " + size;
		}
	}

	private Tar() {
	}

	private static long number(byte[] h, int off, int len) throws IOException {
		if ((h[off] & 0x80) != 0) {		/* base-256 */
			long v = h[off] & 0x7f;
			for (int i = 1; i < len; i++)
				v = (v << 8) | (h[off + i] & 0xff);
			return v;
		}
		long v = 0;
		for (int i = 0; i < len; i++) {
			int b = h[off + i] & 0xff;
			if (b == 0 || b == ' ')
				continue;
			if (b < '0' || b > '7')
				throw new IOException("bad octal number in tar header");
			v = v * 8 + (b - '0');
		}
		return v;
	}

	private static String str(byte[] h, int off, int len) {
		int e = off;
		while (e < off + len && h[e] != 0)
			e++;
		return new String(h, off, e - off, StandardCharsets.UTF_8);
	}

	/* Read a whole (optionally gzip'd) tar; file contents only hashed. */
	static List<Entry> read(byte[] data, boolean gzip) throws IOException {
		InputStream in = new ByteArrayInputStream(data);
		if (gzip)
			in = new GZIPInputStream(in);
		List<Entry> l = new ArrayList<>();
		String longName = null, longLink = null;
		byte[] h = new byte[512];
		for (;;) {
			if (in.readNBytes(h, 0, 512) != 512)
				throw new IOException("truncated tar (no end blocks)");
			boolean zero = true;
			for (byte b : h)
				zero &= b == 0;
			if (zero)
				break;
			long sum = 0;
			for (int i = 0; i < 512; i++)
				sum += i >= 148 && i < 156 ? ' ' : (h[i] & 0xff);
			if (sum != number(h, 148, 8))
				throw new IOException("bad tar header checksum");
			char type = h[156] == 0 ? '0' : (char)h[156];
			long size = number(h, 124, 12);
			MessageDigest sha = Streams.sha256();
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			long left = size;
			byte[] buf = new byte[65536];
			while (left > 0) {
				int n = in.read(buf, 0, (int)Math.min(buf.length, left));
				if (n <= 0)
					throw new IOException("truncated tar entry");
				sha.update(buf, 0, n);
				if (type == 'L' || type == 'K')
					body.write(buf, 0, n);
				left -= n;
			}
			long pad = (512 - size % 512) % 512;
			if (pad > 0 && in.readNBytes((int)pad).length != pad)
				throw new IOException("truncated tar padding");
			if (type == 'L') {
				longName = str(body.toByteArray(), 0, body.size());
				continue;
			}
			if (type == 'K') {
				longLink = str(body.toByteArray(), 0, body.size());
				continue;
			}
			Entry e = new Entry();
			String prefix = str(h, 345, 155);
			e.name = longName != null ? longName :
			    (str(h, 257, 6).startsWith("ustar") && !prefix.isEmpty() ?
			    prefix + "/" : "") + str(h, 0, 100);
			e.link = longLink != null ? longLink : str(h, 157, 100);
			e.type = type;
			e.size = size;
			e.mode = (int)number(h, 100, 8);
			if (type == '0' || type == '7')
				e.sha256 = Streams.hex(sha.digest());
			longName = longLink = null;
			l.add(e);
		}
		return l;
	}

	/* Builder for crafted archives. */
	static final class Writer {
		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		private static void octal(byte[] h, int off, int len, long v) {
			String s = Long.toOctalString(v);
			while (s.length() < len - 1)
				s = "0" + s;
			byte[] b = s.getBytes(StandardCharsets.US_ASCII);
			System.arraycopy(b, 0, h, off, Math.min(b.length, len - 1));
		}

		/* A header declaring size; data (may be shorter) follows. */
		Writer entry(String name, char type, long size, String link,
		    byte[] data) {
			byte[] h = new byte[512];
			byte[] n = name.getBytes(StandardCharsets.UTF_8);
			System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
			octal(h, 100, 8, type == '5' ? 0755 : 0644);
			octal(h, 108, 8, 0);
			octal(h, 116, 8, 0);
			octal(h, 124, 12, size);
			octal(h, 136, 12, 1700000000L);
			h[156] = (byte)type;
			if (link != null) {
				byte[] k = link.getBytes(StandardCharsets.UTF_8);
				System.arraycopy(k, 0, h, 157, Math.min(k.length, 100));
			}
			System.arraycopy("ustar\u000000".getBytes(
			    StandardCharsets.US_ASCII), 0, h, 257, 8);
			for (int i = 148; i < 156; i++)
				h[i] = ' ';
			long sum = 0;
			for (byte b : h)
				sum += b & 0xff;
			octal(h, 148, 7, sum);
			out.writeBytes(h);
			if (data != null) {
				out.writeBytes(data);
				int pad = (512 - data.length % 512) % 512;
				out.writeBytes(new byte[pad]);
			}
			return this;
		}

		Writer file(String name, byte[] data) {
			return entry(name, '0', data.length, null, data);
		}

		/* gzip'd, with end blocks unless truncated */
		byte[] gzip(boolean endBlocks) throws IOException {
			if (endBlocks)
				out.writeBytes(new byte[1024]);
			ByteArrayOutputStream z = new ByteArrayOutputStream();
			try (GZIPOutputStream g = new GZIPOutputStream(z)) {
				g.write(out.toByteArray());
			}
			return z.toByteArray();
		}
	}
}
