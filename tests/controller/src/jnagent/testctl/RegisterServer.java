/*
 * RegisterServer.java: the HTTP side a `jnagent -register` talks to, on
 * its own port (written to <port-file>.register as "register=PORT"):
 * crumbIssuer/api/json with a session cookie, the Swarm plugin's
 * createSlave / addSlaveLabels / removeSlaveLabels, core REST
 * (computer/<name>/api/json, computer/doCreateItem, config.xml), the
 * node's jenkins-agent.jnlp, and /tcpSlaveAgentListener/ so that the
 * agent then connects to this controller's JNLP4 port as usual.
 *
 * Every request is checked exactly: HTTP Basic user and API token, the
 * crumb header and its session cookie on POSTs, paths, query and form
 * fields.  A deviation is a controller problem (RESULT fail) and a 400.
 * Started by --scenario register (an online scenario) or by
 * --register-mode with any scenario (e.g. wait-close).
 * --register-mode: swarm (plugin present, the default), core (plugin absent: 404),
 * deny (403 on node creation), taken (swarm answers 409), replace (core,
 * the node already exists: -deleteExistingClients must doDelete it first),
 * swarm-delete (swarm, and the node is deleted when its first channel
 * ends, as the plugin does without -keepDisconnectedClients).
 * Status lines: "REGISTER crumb", "REGISTER swarm-create <name>",
 * "REGISTER core-create <name>", "REGISTER core-delete <name>",
 * "REGISTER jnlp <name>", "REGISTER swarm-deleted <name>",
 * "LABELS add|remove|set <labels>".
 */
package jnagent.testctl;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

final class RegisterServer {
	static final String USER = "admin";
	static final String TOKEN = "11aa22bb33cc44dd55ee66ff77889900aa";
	/* what the test passes: -executors 2 -mode exclusive -labels "l1 l2" */
	static final String EXECUTORS = "2", MODE = "EXCLUSIVE", LABELS = "l1 l2";

	/* --register-mode; null: not asked for (swarm under --scenario register) */
	static volatile String mode;

	private final Ctl ctl;
	private final String name, secret;
	private final ServerSocket ss;
	private final String crumb, session;
	private volatile boolean created, deleted;

	private RegisterServer(Ctl ctl, String name, String secret)
	    throws IOException {
		this.ctl = ctl;
		this.name = name;
		this.secret = secret;
		ss = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
		SecureRandom r = new SecureRandom();
		byte[] b = new byte[16];
		r.nextBytes(b);
		crumb = hex(b);
		r.nextBytes(b);
		session = hex(b);
		created = mode.equals("replace");	/* there before the agent */
	}

	/* No Swarm plugin: core REST. */
	private static boolean core() {
		return mode.equals("core") || mode.equals("replace");
	}

	/* The one-line hook of Main: serve, and publish the port. */
	static void start(Ctl ctl, String name, String secret, String portFile)
	    throws IOException {
		if (mode == null)
			mode = "swarm";
		if (!java.util.List.of("swarm", "core", "deny", "taken", "replace",
		    "swarm-delete")
		    .contains(mode))
			throw new IOException("unknown --register-mode " + mode);
		RegisterServer s = new RegisterServer(ctl, name, secret);
		Thread t = new Thread(s::acceptLoop, "register-accept");
		t.setDaemon(true);
		t.start();
		if (portFile != null) {
			Path p = Path.of(portFile + ".register");
			Path tmp = Path.of(portFile + ".register.tmp");
			Files.write(tmp, ("register=" + s.ss.getLocalPort() + "\n")
			    .getBytes(StandardCharsets.US_ASCII));
			Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
		}
		Log.info("register stand-in on port " + s.ss.getLocalPort() +
		    ", mode " + mode);
	}

	private static String hex(byte[] b) {
		StringBuilder sb = new StringBuilder();
		for (byte x : b)
			sb.append(String.format("%02x", x & 0xff));
		return sb.toString();
	}

	private void acceptLoop() {
		for (;;) {
			Socket s;
			try {
				s = ss.accept();
			} catch (IOException e) {
				return;
			}
			Thread h = new Thread(() -> serve(s), "register-http");
			h.setDaemon(true);
			h.start();
		}
	}

	private static final class Req {
		String method, path, query = "";
		Map<String, String> h = new LinkedHashMap<>();
		byte[] body = new byte[0];
	}

	private static final class Resp {
		int code = 200;
		String reason = "OK", type = "text/plain;charset=UTF-8", body = "";
		Map<String, String> h = new LinkedHashMap<>();

		Resp(int code, String reason, String body) {
			this.code = code;
			this.reason = reason;
			this.body = body;
		}
	}

	private void serve(Socket s) {
		try (s) {
			s.setSoTimeout(30000);
			InputStream in = new BufferedInputStream(s.getInputStream());
			OutputStream out = s.getOutputStream();
			for (;;) {
				String line = HttpServer.readLine(in);
				if (line == null)
					return;
				if (line.isEmpty())
					continue;
				String[] rl = line.split(" ");
				Req q = new Req();
				for (String l; (l = HttpServer.readLine(in)) != null &&
				    !l.isEmpty(); ) {
					int i = l.indexOf(':');
					if (i > 0)
						q.h.put(l.substring(0, i).trim()
						    .toLowerCase(Locale.ROOT),
						    l.substring(i + 1).trim());
				}
				if (rl.length != 3) {
					write(out, new Resp(400, "Bad Request", "bad line"));
					return;
				}
				q.method = rl[0];
				q.path = rl[1];
				int qi = q.path.indexOf('?');
				if (qi >= 0) {
					q.query = q.path.substring(qi + 1);
					q.path = q.path.substring(0, qi);
				}
				String cl = q.h.get("content-length");
				if (cl != null) {
					int n = Integer.parseInt(cl);
					if (n < 0 || n > 1 << 20)
						throw new IOException("body too large");
					q.body = in.readNBytes(n);
				}
				Resp r;
				try {
					r = handle(q);
				} catch (RuntimeException e) {
					ctl.problem("register: " + q.method + " " + q.path +
					    ": " + e.getMessage());
					r = new Resp(400, "Bad Request", e.getMessage());
				}
				write(out, r);
				if ("close".equalsIgnoreCase(q.h.get("connection")))
					return;
			}
		} catch (IOException e) {
			Log.debug("register HTTP: " + e);
		}
	}

	private static void write(OutputStream out, Resp r) throws IOException {
		byte[] b = r.body.getBytes(StandardCharsets.UTF_8);
		StringBuilder sb = new StringBuilder();
		sb.append("HTTP/1.1 ").append(r.code).append(' ').append(r.reason)
		    .append("\r\nServer: jnagent-testctl\r\nContent-Type: ")
		    .append(r.type).append("\r\nContent-Length: ")
		    .append(b.length).append("\r\n");
		for (Map.Entry<String, String> e : r.h.entrySet())
			sb.append(e.getKey()).append(": ").append(e.getValue())
			    .append("\r\n");
		sb.append("\r\n");
		out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
		out.write(b);
		out.flush();
	}

	static Map<String, String> form(String s) {
		Map<String, String> m = new HashMap<>();
		if (s.isEmpty())
			return m;
		for (String kv : s.split("&")) {
			int i = kv.indexOf('=');
			String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i),
			    StandardCharsets.UTF_8);
			String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1),
			    StandardCharsets.UTF_8);
			if (m.put(k, v) != null)
				throw new IllegalStateException("field " + k + " twice");
		}
		return m;
	}

	private static void expect(boolean c, String what) {
		if (!c)
			throw new IllegalStateException(what);
	}

	private static void field(Map<String, String> m, String k, String v) {
		expect(v.equals(m.get(k)), "field " + k + ": expected \"" + v +
		    "\", got " + (m.containsKey(k) ? "\"" + m.get(k) + "\"" :
		    "nothing"));
	}

	private boolean authorised(Req q) {
		String a = q.h.get("authorization");
		String want = "Basic " + Base64.getEncoder().encodeToString(
		    (USER + ":" + TOKEN).getBytes(StandardCharsets.UTF_8));
		return want.equals(a);
	}

	/* A POST must carry the crumb and the session it was issued for. */
	private void checkCrumb(Req q) {
		expect(crumb.equals(q.h.get("jenkins-crumb")),
		    "POST without the Jenkins-Crumb header from crumbIssuer");
		String c = q.h.getOrDefault("cookie", "");
		expect(c.contains("JSESSIONID.testctl=" + session),
		    "POST without the crumb's session cookie");
	}

	private Resp jnlp() {
		String esc = name.replace("&", "&amp;").replace("<", "&lt;");
		String x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
		    "<jnlp codebase=\"http://127.0.0.1:" + ss.getLocalPort() +
		    "/computer/" + esc + "/\" spec=\"1.0+\"><information>" +
		    "<title>Agent for " + esc + "</title><vendor>Jenkins project" +
		    "</vendor></information><security><all-permissions/>" +
		    "</security><resources><j2se version=\"1.8+\"/></resources>" +
		    "<application-desc main-class=\"hudson.remoting.jnlp.Main\">" +
		    "<argument>" + secret + "</argument><argument>" + esc +
		    "</argument><argument>-workDir</argument><argument>/w" +
		    "</argument><argument>-url</argument><argument>http://" +
		    "127.0.0.1:" + ss.getLocalPort() + "/</argument>" +
		    "</application-desc></jnlp>\n";
		Resp r = new Resp(200, "OK", x);
		r.type = "application/x-java-jnlp-file";
		return r;
	}

	private Resp handle(Req q) {
		Log.debug("register: " + q.method + " " + q.path);
		if (q.path.equals("/tcpSlaveAgentListener/")) {
			Resp r = new Resp(200, "OK", "Jenkins");
			r.h.put("X-Jenkins-JNLP-Port", Integer.toString(ctl.tcpPort));
			r.h.put("X-Instance-Identity", ctl.identity.advertisedKey);
			r.h.put("X-Jenkins-Agent-Protocols", "JNLP4-connect, Ping");
			r.h.put("X-Remoting-Minimum-Version", Ctl.MIN_VERSION);
			return r;
		}
		if (!authorised(q)) {
			Log.status("REGISTER unauthorised " + q.path);
			return new Resp(401, "Unauthorized", "Invalid password/token " +
			    "for user: " + USER);
		}
		String node = "/computer/" + name + "/";
		Map<String, String> qf = form(q.query);
		boolean post = q.method.equals("POST");
		if (q.method.equals("GET") && q.path.equals("/crumbIssuer/api/json")) {
			Resp r = new Resp(200, "OK", "{\"_class\":\"hudson.security." +
			    "csrf.DefaultCrumbIssuer\",\"crumb\":\"" + crumb +
			    "\",\"crumbRequestField\":\"Jenkins-Crumb\"}");
			r.type = "application/json;charset=utf-8";
			r.h.put("Set-Cookie", "JSESSIONID.testctl=" + session +
			    "; Path=/; HttpOnly");
			Log.status("REGISTER crumb");
			return r;
		}
		if (post && q.path.equals("/plugin/swarm/createSlave")) {
			if (core())
				return new Resp(404, "Not Found", "Not Found");
			checkCrumb(q);
			/* the plugin appends "-<hash>" (the client's unique id) */
			String full = qf.containsKey("hash") ? qf.get("name") + "-" +
			    qf.get("hash") : qf.get("name");
			expect(name.equals(full), "name/hash give \"" + full +
			    "\", expected \"" + name + "\"");
			field(qf, "executors", EXECUTORS);
			field(qf, "mode", MODE);
			field(qf, "labels", LABELS);
			field(qf, "description", "registered by test");
			field(qf, "deleteExistingClients", "false");
			field(qf, "keepDisconnectedClients", "false");
			expect(qf.getOrDefault("remoteFsRoot", "").startsWith("/"),
			    "remoteFsRoot not absolute");
			if (mode.equals("deny"))
				return new Resp(403, "Forbidden", USER + " is missing " +
				    "the Agent/Create permission");
			if (mode.equals("taken"))
				return new Resp(409, "Conflict", "A agent called '" +
				    name + "' already exists");
			if (mode.equals("swarm-delete") && !created)
				ctl.node.deleteOnEnd = true;	/* the first time */
			ctl.node.deleted = false;
			created = true;
			Log.status("REGISTER swarm-create " + name);
			return new Resp(200, "OK", "#Swarm\nname=" + name + "\n");
		}
		if (post && (q.path.equals("/plugin/swarm/addSlaveLabels") ||
		    q.path.equals("/plugin/swarm/removeSlaveLabels"))) {
			expect(mode.equals("swarm") && created, "swarm labels call " +
			    "without a swarm node");
			checkCrumb(q);
			field(qf, "name", name);
			Log.status("LABELS " + (q.path.contains("add") ? "add " :
			    "remove ") + qf.get("labels"));
			return new Resp(200, "OK", "");
		}
		if (q.method.equals("GET") && q.path.equals(node + "api/json")) {
			expect(core(), "core node lookup in swarm mode");
			if (!created)
				return new Resp(404, "Not Found", "Not Found");
			return new Resp(200, "OK", "{\"displayName\":\"" + name + "\"}");
		}
		if (post && q.path.equals("/computer/doCreateItem")) {
			expect(core(), "core create in swarm mode");
			expect(!mode.equals("replace") || deleted,
			    "doCreateItem before doDelete of the existing node");
			checkCrumb(q);
			String ct = q.h.getOrDefault("content-type", "");
			expect(ct.startsWith("application/x-www-form-urlencoded"),
			    "doCreateItem content type " + ct);
			Map<String, String> f = form(new String(q.body,
			    StandardCharsets.UTF_8));
			field(f, "name", name);
			field(f, "type", "hudson.slaves.DumbSlave");
			String j = f.getOrDefault("json", "");
			for (String want : new String[] { "\"name\":\"" + name + "\"",
			    "\"numExecutors\":\"" + EXECUTORS + "\"",
			    "\"labelString\":\"" + LABELS + "\"",
			    "\"mode\":\"" + MODE + "\"",
			    "\"stapler-class\":\"hudson.slaves.JNLPLauncher\"",
			    "\"type\":\"hudson.slaves.DumbSlave\"",
			    "\"remoteFS\":\"/" })
				expect(j.contains(want), "json lacks " + want + ": " + j);
			if (created)
				return new Resp(400, "Bad Request", "Agent called '" +
				    name + "' already exists");
			created = true;
			Log.status("REGISTER core-create " + name);
			Resp r = new Resp(302, "Found", "");
			r.h.put("Location", "http://127.0.0.1:" + ss.getLocalPort() +
			    "/computer/");
			return r;
		}
		if (post && q.path.equals(node + "doDelete")) {
			expect(mode.equals("replace") && created && !deleted,
			    "doDelete of a node that is not there");
			checkCrumb(q);
			created = false;
			deleted = true;
			Log.status("REGISTER core-delete " + name);
			Resp r = new Resp(302, "Found", "");
			r.h.put("Location", "http://127.0.0.1:" + ss.getLocalPort() +
			    "/computer/");
			return r;
		}
		if (q.path.equals(node + "config.xml")) {
			expect(core() && created, "config.xml of no node");
			if (q.method.equals("GET"))
				return new Resp(200, "OK", "<?xml version='1.1' " +
				    "encoding='UTF-8'?>\n<slave>\n  <name>" + name +
				    "</name>\n  <label>" + LABELS + "</label>\n</slave>\n");
			checkCrumb(q);
			String x = new String(q.body, StandardCharsets.UTF_8);
			int a = x.indexOf("<label>"), b = x.indexOf("</label>");
			expect(a >= 0 && b > a && x.contains("<name>" + name +
			    "</name>"), "config.xml POST without name/label");
			Log.status("LABELS set " + x.substring(a + 7, b));
			return new Resp(200, "OK", "");
		}
		if (q.method.equals("GET") && q.path.equals(node +
		    "jenkins-agent.jnlp")) {
			expect(created, "JNLP file of a node never created");
			Log.status("REGISTER jnlp " + name);
			return jnlp();
		}
		throw new IllegalStateException("unexpected request " + q.method +
		    " " + q.path);
	}
}
