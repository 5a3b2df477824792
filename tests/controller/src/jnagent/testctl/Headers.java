/*
 * Headers.java: the connection-header map of the JNLP4 headers layer
 * (remoting-protocol.md §2.4): a flat JSON object of string (or null)
 * values.  Also the base64 Capability text both transports carry.
 */
package jnagent.testctl;

import hudson.remoting.Capability;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

final class Headers {
	private Headers() {
	}

	static String encode(Map<String, String> m) {
		StringBuilder sb = new StringBuilder("{");
		boolean first = true;
		for (Map.Entry<String, String> e : m.entrySet()) {
			if (!first)
				sb.append(',');
			first = false;
			quote(sb, e.getKey());
			sb.append(':');
			if (e.getValue() == null)
				sb.append("null");
			else
				quote(sb, e.getValue());
		}
		return sb.append('}').toString();
	}

	private static void quote(StringBuilder sb, String s) {
		sb.append('"');
		for (char c : s.toCharArray()) {
			switch (c) {
			case '"': sb.append("\\\""); break;
			case '\\': sb.append("\\\\"); break;
			case '\b': sb.append("\\b"); break;
			case '\t': sb.append("\\t"); break;
			case '\f': sb.append("\\f"); break;
			case '\n': sb.append("\\n"); break;
			case '\r': sb.append("\\r"); break;
			default:
				if (c < 0x20)
					sb.append(String.format("\\u%04x", (int)c));
				else
					sb.append(c);
			}
		}
		sb.append('"');
	}

	/* Parse; throws IllegalArgumentException on malformed text. */
	static Map<String, String> decode(String s) {
		Parser p = new Parser(s);
		Map<String, String> m = new LinkedHashMap<>();
		p.ws();
		p.expect('{');
		p.ws();
		if (p.peek() == '}') {
			p.pos++;
		} else {
			for (;;) {
				p.ws();
				String k = p.string();
				p.ws();
				p.expect(':');
				p.ws();
				String v;
				if (s.startsWith("null", p.pos)) {
					p.pos += 4;
					v = null;
				} else {
					v = p.string();
				}
				m.put(k, v);
				p.ws();
				char c = p.next();
				if (c == '}')
					break;
				if (c != ',')
					throw new IllegalArgumentException(
					    "expected , or } at " + (p.pos - 1));
			}
		}
		p.ws();
		if (p.pos != s.length())
			throw new IllegalArgumentException("trailing text");
		return m;
	}

	private static final class Parser {
		final String s;
		int pos;

		Parser(String s) {
			this.s = s;
		}

		char peek() {
			if (pos >= s.length())
				throw new IllegalArgumentException("truncated");
			return s.charAt(pos);
		}

		char next() {
			char c = peek();
			pos++;
			return c;
		}

		void expect(char c) {
			if (next() != c)
				throw new IllegalArgumentException("expected " + c +
				    " at " + (pos - 1));
		}

		void ws() {
			while (pos < s.length() &&
			    " \t\n\r\f\b".indexOf(s.charAt(pos)) >= 0)
				pos++;
		}

		String string() {
			expect('"');
			StringBuilder sb = new StringBuilder();
			for (;;) {
				char c = next();
				if (c == '"')
					return sb.toString();
				if (c != '\\') {
					sb.append(c);
					continue;
				}
				c = next();
				switch (c) {
				case '"': case '\\': case '/': sb.append(c); break;
				case 'b': sb.append('\b'); break;
				case 't': sb.append('\t'); break;
				case 'f': sb.append('\f'); break;
				case 'n': sb.append('\n'); break;
				case 'r': sb.append('\r'); break;
				case 'u':
					if (pos + 4 > s.length())
						throw new IllegalArgumentException(
						    "truncated \\u");
					sb.append((char)Integer.parseInt(
					    s.substring(pos, pos + 4), 16));
					pos += 4;
					break;
				default:
					throw new IllegalArgumentException(
					    "bad escape \\" + c);
				}
			}
		}
	}

	static String capabilityText(long mask) throws IOException {
		ByteArrayOutputStream bos = new ByteArrayOutputStream();
		try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
			oos.writeObject(new Capability(mask));
		}
		return Base64.getEncoder().encodeToString(bos.toByteArray());
	}

	/* Base64 that may carry '=' padding at every flush (BinarySafeStream). */
	static byte[] base64Lenient(String s) {
		s = s.trim();
		if (s.length() % 4 != 0)
			throw new IllegalArgumentException("base64 length " + s.length());
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (int i = 0; i < s.length(); i += 4)
			out.writeBytes(Base64.getDecoder().decode(s.substring(i, i + 4)));
		return out.toByteArray();
	}

	/* Decode the peer's capability; only Capability may appear. */
	static long capabilityMask(String text) throws IOException {
		byte[] b;
		try {
			b = base64Lenient(text);
		} catch (IllegalArgumentException e) {
			throw new IOException("capability is not base64: " + e.getMessage());
		}
		try (ObjectInputStream ois = new ObjectInputStream(
		    new ByteArrayInputStream(b))) {
			ois.setObjectInputFilter(info -> {
				Class<?> c = info.serialClass();
				if (c == null || c == Capability.class ||
				    c == String.class || c == String[].class)
					return ObjectInputFilter.Status.UNDECIDED;
				return ObjectInputFilter.Status.REJECTED;
			});
			Object o = ois.readObject();
			if (!(o instanceof Capability))
				throw new InvalidObjectException("capability stream holds " +
				    (o == null ? "null" : o.getClass().getName()));
			return ((Capability)o).getMask();
		} catch (ClassNotFoundException e) {
			throw new IOException("capability: " + e);
		}
	}
}
