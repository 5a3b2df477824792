/*
 * HttpServer.java: the controller's HTTP side on 127.0.0.1, hand-written
 * HTTP/1.1: discovery (GET /tcpSlaveAgentListener/), the WebSocket
 * readiness probe (GET /login) and the WebSocket agent endpoint
 * (GET /wsagents/, remoting-protocol.md §3) with Jenkins' refusals.
 */
package jnagent.testctl;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

final class HttpServer {
	private static final int MAX_LINE = 16384;
	private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	private final Ctl ctl;
	private final ServerSocket ss;

	HttpServer(Ctl ctl) throws IOException {
		this.ctl = ctl;
		ss = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
		ctl.httpPort = ss.getLocalPort();
	}

	void start() {
		Thread t = new Thread(() -> {
			for (;;) {
				Socket s;
				try {
					s = ss.accept();
				} catch (IOException e) {
					return;
				}
				ctl.contact();
				Thread h = new Thread(() -> serve(s), "http");
				h.setDaemon(true);
				h.start();
			}
		}, "http-accept");
		t.setDaemon(true);
		t.start();
	}

	/* One CRLF-terminated line (ISO-8859-1), null at EOF. */
	static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		for (;;) {
			int c = in.read();
			if (c < 0)
				return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
			if (c == '\n')
				break;
			if (b.size() > MAX_LINE)
				throw new IOException("header line too long");
			b.write(c);
		}
		String s = b.toString(StandardCharsets.ISO_8859_1);
		return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
	}

	private void serve(Socket s) {
		boolean keep = false;
		try {
			s.setSoTimeout(30000);
			s.setTcpNoDelay(true);
			InputStream in = new BufferedInputStream(s.getInputStream());
			OutputStream out = s.getOutputStream();
			for (;;) {
				String line = readLine(in);
				if (line == null)
					break;
				if (line.isEmpty())
					continue;
				String[] rl = line.split(" ");
				Map<String, String> h = new LinkedHashMap<>();
				for (String l; (l = readLine(in)) != null && !l.isEmpty(); ) {
					int i = l.indexOf(':');
					if (i > 0)
						h.put(l.substring(0, i).trim().toLowerCase(Locale.ROOT),
						    l.substring(i + 1).trim());
				}
				if (rl.length != 3) {
					respond(out, 400, "Bad Request", Map.of(), "bad request line");
					break;
				}
				String path = rl[1];
				int q = path.indexOf('?');
				if (q >= 0)
					path = path.substring(0, q);
				Log.debug("HTTP " + rl[0] + " " + path);
				if (!rl[0].equals("GET")) {
					respond(out, 405, "Method Not Allowed", Map.of(), "GET only");
				} else if (path.equals("/tcpSlaveAgentListener/")) {
					ctl.discoveries.incrementAndGet();
					Map<String, String> rh = new LinkedHashMap<>();
					rh.put("X-Jenkins-JNLP-Port", Integer.toString(ctl.tcpPort));
					rh.put("X-Instance-Identity", ctl.identity.advertisedKey);
					rh.put("X-Jenkins-Agent-Protocols", "JNLP4-connect, Ping");
					rh.put("X-Remoting-Minimum-Version", Ctl.MIN_VERSION);
					respond(out, 200, "OK", rh, "Jenkins");
				} else if (path.equals("/login")) {
					respond(out, 200, "OK", Map.of(), "login");
				} else if (path.equals("/wsagents/")) {
					keep = webSocket(s, in, out, h);
					break;
				} else {
					respond(out, 404, "Not Found", Map.of(), "Not Found");
				}
				if ("close".equalsIgnoreCase(h.get("connection")))
					break;
			}
		} catch (IOException e) {
			Log.debug("HTTP connection: " + e);
		} finally {
			if (!keep) {
				try {
					s.close();
				} catch (IOException e) {
					/* gone */
				}
			}
		}
	}

	private static void respond(OutputStream out, int code, String reason,
	    Map<String, String> headers, String body) throws IOException {
		byte[] b = body.getBytes(StandardCharsets.UTF_8);
		StringBuilder sb = new StringBuilder();
		sb.append("HTTP/1.1 ").append(code).append(' ').append(reason)
		    .append("\r\n");
		sb.append("Server: jnagent-testctl\r\n");
		sb.append("Content-Type: text/plain;charset=UTF-8\r\n");
		sb.append("Content-Length: ").append(b.length).append("\r\n");
		for (Map.Entry<String, String> e : headers.entrySet())
			sb.append(e.getKey()).append(": ").append(e.getValue())
			    .append("\r\n");
		sb.append("\r\n");
		out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
		out.write(b);
		out.flush();
	}

	private static boolean isHex(String s) {
		if (s.isEmpty())
			return false;
		for (char c : s.toCharArray())
			if (Character.digit(c, 16) < 0)
				return false;
		return true;
	}

	/* true if the socket now belongs to a channel */
	private boolean webSocket(Socket s, InputStream in, OutputStream out,
	    Map<String, String> h) throws IOException {
		String name = h.get("node-name");
		String secret = h.get("secret-key");
		String cap = h.get("x-remoting-capability");
		String key = h.get("sec-websocket-key");
		String cookie = h.get("connection-cookie");
		if (key == null || !"websocket".equalsIgnoreCase(h.get("upgrade")) ||
		    !"13".equals(h.get("sec-websocket-version"))) {
			respond(out, 400, "Bad Request", Map.of(),
			    "not a WebSocket upgrade request");
			ctl.event("ws refused: not an upgrade");
			return false;
		}
		if (name == null || secret == null || cap == null) {
			respond(out, 400, "Bad Request", Map.of(),
			    "This endpoint is only for use from agent.jar in WebSocket mode");
			ctl.event("ws refused: missing headers");
			return false;
		}
		if (!name.equals(ctl.node.name) || ctl.node.deleted) {
			respond(out, 400, "Bad Request", Map.of(), "no such agent");
			ctl.event("ws refused: no such agent " + name);
			return false;
		}
		if (!ctl.node.secretMatches(secret)) {
			respond(out, 403, "Forbidden", Map.of(), "");
			ctl.event("ws refused: Authorization failure");
			return false;
		}
		if (cookie != null && !isHex(cookie)) {
			respond(out, 400, "Bad Request", Map.of(),
			    "malformed Connection-Cookie");
			ctl.event("ws refused: malformed cookie");
			return false;
		}
		long mask;
		try {
			mask = Headers.capabilityMask(cap);
		} catch (IOException e) {
			respond(out, 400, "Bad Request", Map.of(), e.getMessage());
			ctl.event("ws refused: bad capability: " + e.getMessage());
			return false;
		}
		String refusal = ctl.node.admit(cookie);
		if (refusal != null) {
			respond(out, 400, "Bad Request", Map.of(), refusal);
			ctl.event("ws refused: " + refusal);
			return false;
		}
		String newCookie = cookie != null ? cookie.toLowerCase(Locale.ROOT) :
		    Node.newCookie();
		String accept;
		try {
			accept = Base64.getEncoder().encodeToString(MessageDigest
			    .getInstance("SHA-1").digest((key + WS_GUID)
			    .getBytes(StandardCharsets.ISO_8859_1)));
		} catch (NoSuchAlgorithmException e) {
			throw new IOException(e);
		}
		StringBuilder sb = new StringBuilder();
		sb.append("HTTP/1.1 101 Switching Protocols\r\n");
		sb.append("Upgrade: websocket\r\nConnection: Upgrade\r\n");
		sb.append("Sec-WebSocket-Accept: ").append(accept).append("\r\n");
		sb.append("X-Remoting-Capability: ")
		    .append(Headers.capabilityText(Ctl.CAPABILITY)).append("\r\n");
		sb.append("X-Remoting-Minimum-Version: ").append(Ctl.MIN_VERSION)
		    .append("\r\n");
		sb.append("Connection-Cookie: ").append(newCookie).append("\r\n\r\n");
		out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
		s.setSoTimeout(0);
		int number = ctl.connections.incrementAndGet();
		WsWire w = new WsWire(s, in, out, ctl.wsPingSeconds, number);
		Conn c = new Conn(w, number, mask, newCookie, cookie, ctl.node);
		w.setConn(c);
		ctl.node.setLive(c, newCookie);
		ctl.established(c);
		w.startPinger();
		return true;
	}
}
