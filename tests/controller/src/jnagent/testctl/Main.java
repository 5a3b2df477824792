/*
 * Main.java: a test controller that plays Jenkins for jnagent.
 *
 *   java -cp classes jnagent.testctl.Main [options]
 *
 * Serves discovery and WebSocket on an HTTP port, JNLP4-connect on a TCP
 * port, then runs a scenario against whichever channels the agent opens.
 * Prints "ONLINE <n>" when channel n completed the node-online set and
 * ends with "RESULT ok" or "RESULT fail: <reason>" on stdout (details on
 * stderr); the exit status is 0 only on success.
 */
package jnagent.testctl;

import hudson.remoting.UserRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jenkins.util.SystemProperties;

public final class Main {
	private String scenario = "online";
	private boolean wrongIdentity, restart, cutMidCommand, malformedFrame;
	private String secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	private String name = "agent1";
	private String portFile;
	private String identityCache;
	private String execAgent, agentLog;
	private final List<String> agentArgs = new ArrayList<>();
	private volatile Process agent;
	private int expectConnections = -1;
	private int timeout = 60;
	private int wsPing = 1;
	private int pingInterval = 1;
	private int agentPings = 2;
	private int benchCount = 1000;
	private int benchMb = 1024, benchFiles = 10000;
	private String remoteRoot = System.getProperty("java.io.tmpdir");
	private Ctl ctl;
	private long deadline;

	private static final class Fail extends Exception {
		private static final long serialVersionUID = 1L;

		Fail(String m) {
			super(m);
		}
	}

	private static void usage() {
		System.err.println("usage: jnagent.testctl.Main [--scenario " +
		    "online|demo|bench|connect-bench|wait-close|reject|" +
		    "pipeline|pipeline-bench|git] [--bench-mb MB] " +
		    "[--bench-files N] " +
		    "[--wrong-identity] " +
		    "[--restart] [--cut-mid-command] [--malformed-frame] " +
		    "[--secret S] [--name N] [--port-file F] " +
		    "[--expect-connections N] [--timeout SECONDS] " +
		    "[--ws-ping SECONDS] [--ping-interval SECONDS] " +
		    "[--agent-pings N] [--bench-count N] [--remote-root DIR] " +
		    "[--identity-cache P12FILE] [--exec-agent JNAGENT " +
		    "[--agent-arg ARG]... [--agent-log FILE]] " +
		    "[--debug]");
		System.exit(2);
	}

	public static void main(String[] args) {
		Main m = new Main();
		try {
			m.parse(args);
		} catch (RuntimeException e) {
			System.err.println("testctl: " + e.getMessage());
			usage();
		}
		int rc = m.run();
		System.out.flush();
		System.err.flush();
		Runtime.getRuntime().halt(rc);
	}

	private void parse(String[] a) {
		for (int i = 0; i < a.length; i++) {
			String o = a[i];
			switch (o) {
			case "--wrong-identity": wrongIdentity = true; continue;
			case "--restart": restart = true; continue;
			case "--cut-mid-command": cutMidCommand = true; continue;
			case "--malformed-frame": malformedFrame = true; continue;
			case "--debug": Log.debug = true; continue;
			case "-h": case "--help": usage(); continue;
			default:
				break;
			}
			if (i + 1 >= a.length)
				throw new IllegalArgumentException(o + " needs a value " +
				    "(or is unknown)");
			String v = a[++i];
			switch (o) {
			case "--scenario": scenario = v; break;
			case "--secret": secret = v; break;
			case "--name": name = v; break;
			case "--port-file": portFile = v; break;
			case "--identity-cache": identityCache = v; break;
			case "--exec-agent": execAgent = v; break;
			case "--agent-arg": agentArgs.add(v); break;
			case "--agent-log": agentLog = v; break;
			case "--expect-connections": expectConnections = Integer.parseInt(v); break;
			case "--timeout": timeout = Integer.parseInt(v); break;
			case "--ws-ping": wsPing = Integer.parseInt(v); break;
			case "--ping-interval": pingInterval = Integer.parseInt(v); break;
			case "--agent-pings": agentPings = Integer.parseInt(v); break;
			case "--bench-count": benchCount = Integer.parseInt(v); break;
			case "--bench-mb": benchMb = Integer.parseInt(v); break;
			case "--bench-files": benchFiles = Integer.parseInt(v); break;
			case "--remote-root": remoteRoot = v; break;
			case "--register-mode": RegisterServer.mode = v; break;
			default:
				throw new IllegalArgumentException("unknown option " + o);
			}
		}
		if (!List.of("online", "demo", "bench", "connect-bench",
		    "wait-close", "reject", "pipeline", "pipeline-bench", "git", "register", "docker", "docker-guard",
		    "docker-path")
		    .contains(scenario))
			throw new IllegalArgumentException("unknown scenario " + scenario);
		if (expectConnections < 0)
			expectConnections = restart || cutMidCommand || malformedFrame ?
			    2 : 1;
		if (pingInterval < 1 || timeout < 1)
			throw new IllegalArgumentException("intervals must be >= 1");
	}

	private int run() {
		Thread watchdog = new Thread(() -> {
			try {
				Thread.sleep(timeout * 1000L);
			} catch (InterruptedException e) {
				return;
			}
			Log.status("RESULT fail: timeout after " + timeout + " s");
			System.out.flush();
			stopAgent();
			Runtime.getRuntime().halt(1);
		}, "watchdog");
		watchdog.setDaemon(true);
		watchdog.start();
		deadline = System.currentTimeMillis() + timeout * 1000L;
		Log.transcript = scenario.equals("demo");
		try {
			Identity id = Identity.create(wrongIdentity, identityCache);
			ctl = new Ctl(new Node(name, secret), id, wrongIdentity, wsPing);
			HttpServer http = new HttpServer(ctl);
			Jnlp4Server tcp = new Jnlp4Server(ctl);
			http.start();
			tcp.start();
			writePortFile(id);
			if (scenario.equals("register") || RegisterServer.mode != null) RegisterServer.start(ctl, name, secret, portFile);
			Log.info("listening: http=" + ctl.httpPort + " tcp=" +
			    ctl.tcpPort + " node=" + name);
			if (execAgent != null)
				startAgent();
			if (wrongIdentity)
				identityScenario();
			else if (scenario.equals("reject"))
				rejectScenario();
			else
				channelScenario();
			List<String> p = ctl.problems();
			if (!p.isEmpty())
				throw new Fail(p.get(0));
			stopAgent();
			Log.status("RESULT ok");
			return 0;
		} catch (Fail | Checks.Failed e) {
			stopAgent();
			Log.status("RESULT fail: " + e.getMessage());
		} catch (Exception e) {
			stopAgent();
			Log.status("RESULT fail: " + e);
			e.printStackTrace();
		}
		return 1;
	}

	/*
	 * --exec-agent: run the agent ourselves (the one-command demo):
	 * JNAGENT -url <our URL> -name <node> -secret <secret> [--agent-arg..].
	 */
	private void startAgent() throws IOException {
		List<String> cmd = new ArrayList<>(List.of(execAgent, "-url",
		    "http://127.0.0.1:" + ctl.httpPort + "/", "-name", name,
		    "-secret", secret));
		cmd.addAll(agentArgs);
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.redirectErrorStream(true);
		pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
		pb.redirectOutput(agentLog != null ?
		    ProcessBuilder.Redirect.appendTo(new java.io.File(agentLog)) :
		    ProcessBuilder.Redirect.DISCARD);
		agent = pb.start();
		Log.info("started agent " + execAgent + " (pid " + agent.pid() + ")");
	}

	private void stopAgent() {
		Process p = agent;
		if (p == null)
			return;
		agent = null;
		p.destroy();	/* SIGTERM: the agent closes cleanly */
		try {
			if (!p.waitFor(5, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				p.waitFor(5, TimeUnit.SECONDS);
			}
			Log.info("agent exited with status " + p.exitValue());
		} catch (InterruptedException | IllegalThreadStateException e) {
			Log.info("agent did not exit");
		}
	}

	private void writePortFile(Identity id) throws IOException {
		if (portFile == null)
			return;
		Path p = Path.of(portFile);
		Path tmp = Path.of(portFile + ".tmp");
		Files.write(tmp, ("http=" + ctl.httpPort + "\ntcp=" + ctl.tcpPort +
		    "\nidentity=" + id.advertisedKey + "\n")
		    .getBytes(StandardCharsets.US_ASCII));
		Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
	}

	private long left() throws Fail {
		long l = deadline - System.currentTimeMillis() - 1000;
		if (l <= 0)
			throw new Fail("out of time");
		return l;
	}

	private Conn nextConn(String what) throws Fail, InterruptedException {
		Conn c = ctl.nextConn(left());
		if (c == null)
			throw new Fail("no " + what + " connection from the agent");
		return c;
	}

	/* --wrong-identity: the agent must drop the TLS session, no headers. */
	private void identityScenario() throws Fail, InterruptedException {
		while (ctl.tlsFailures.get() < expectConnections) {
			if (ctl.headersReceived.get() > 0)
				throw new Fail("agent sent its headers (and secret) to a " +
				    "controller with the wrong identity");
			if (System.currentTimeMillis() > deadline - 2000)
				throw new Fail("saw " + ctl.tlsFailures.get() +
				    " refused TLS sessions of " + expectConnections);
			Thread.sleep(50);
		}
		Thread.sleep(300);
		if (ctl.headersReceived.get() > 0)
			throw new Fail("agent sent its headers to a controller with " +
			    "the wrong identity");
		Log.info(ctl.tlsFailures.get() + " TLS session(s) refused by the " +
		    "agent, no headers received");
	}

	/* --scenario reject: refusals only, never a channel. */
	private void rejectScenario() throws Fail, InterruptedException {
		for (int i = 0; i < expectConnections; i++) {
			String e;
			do {
				e = ctl.nextEvent(left());
				if (e == null)
					throw new Fail("no refused connection seen");
			} while (!e.startsWith("refused: ") &&
			    !e.startsWith("ws refused: "));
			Log.status("REFUSED " + e.substring(e.indexOf(": ") + 2));
		}
		if (ctl.connections.get() > 0)
			throw new Fail("a channel was established");
	}

	private void checkConn(Conn c) throws Fail {
		List<String> p = c.problems();
		if (!p.isEmpty())
			throw new Fail("conn " + c.number + ": " + p.get(0));
	}

	private void bringOnline(Conn c) throws Exception {
		Checks k = new Checks(c, remoteRoot);
		Log.say("== channel " + c.number + " over " + c.wire.name());
		k.connectSet();
		k.preOnline(pingInterval, Math.max(10, 4 * pingInterval));
		long onlineUs = Log.epochUs();
		Log.status("ONLINE " + c.number);
		/* epoch times of this connection attempt (µs; 0: not known,
		 * e.g. no separate TLS step over WebSocket) */
		Log.status("TIMING " + c.number + " channel_up_epoch_ms=" +
		    c.upMillis + " online_epoch_ms=" + onlineUs / 1000 +
		    " first_contact_us=" + ctl.resetContact() + " accept_us=" +
		    c.acceptUs + " tls_us=" + c.secureUs + " channel_up_us=" +
		    c.upUs + " online_us=" + onlineUs);
		if (scenario.equals("connect-bench"))
			return;
		k.onlineSet();
		checkConn(c);
		Log.status("NODE-MONITORS " + c.number);
	}

	private void pingsBothWays(Conn c) throws Exception {
		Checks k = new Checks(c, remoteRoot);
		k.ping();
		long until = System.currentTimeMillis() +
		    (agentPings + 2L) * pingInterval * 1000 + 5000;
		while (c.agentPings.get() < agentPings) {
			if (System.currentTimeMillis() > Math.min(until, deadline - 2000))
				throw new Fail("agent pinged the controller " +
				    c.agentPings.get() + " times, expected " + agentPings +
				    " within " + (agentPings + 2) * pingInterval + "+5 s");
			if (c.ended.isDone())
				throw new Fail("channel ended while waiting for agent pings");
			Thread.sleep(50);
		}
		Log.say("<- agent pinged the controller " + c.agentPings.get() +
		    " times");
		if (c.wire instanceof WsWire && wsPing > 0) {
			WsWire w = (WsWire)c.wire;
			long u2 = System.currentTimeMillis() + wsPing * 3000L + 2000;
			while (w.pongs.get() < 1) {
				if (System.currentTimeMillis() > Math.min(u2, deadline - 2000))
					throw new Fail("no WebSocket pong for the " +
					    "controller's pings");
				Thread.sleep(50);
			}
			Log.say("<- WebSocket pongs: " + w.pongs.get());
		}
		Log.status("PINGS " + c.number + " controller->agent ok, " +
		    "agent->controller " + c.agentPings.get());
	}

	private void closeAndCheck(Conn c) throws Exception {
		Log.say("-> hudson.remoting.Channel$CloseCommand");
		c.closeOrderly(5000);
		if (!c.closeReceived)
			throw new Fail("conn " + c.number + ": agent did not answer " +
			    "CloseCommand with its own (ended: " +
			    c.ended.getNow("still open") + ")");
		Log.say("<- hudson.remoting.Channel$CloseCommand");
		checkConn(c);
		Log.status("CLOSED " + c.number);
	}

	private void waitEnded(Conn c, long ms, String why) throws Exception {
		try {
			String how = c.ended.get(Math.min(ms, left()), TimeUnit.MILLISECONDS);
			Log.info("conn " + c.number + " ended: " + how);
		} catch (TimeoutException e) {
			throw new Fail("conn " + c.number + ": the agent did not drop " +
			    "the channel " + why);
		} catch (ExecutionException e) {
			throw new Fail(e.toString());
		}
	}

	private void channelScenario() throws Exception {
		Conn c = nextConn("first");
		if (restart) {
			bringOnline(c);
			Log.say("== dropping connection " + c.number +
			    " abruptly, keeping its cookie live");
			c.pretendAlive = true;
			c.kill();
			Conn d = nextConn("reconnect");
			if (d.presentedCookie == null)
				throw new Fail("reconnect presented no cookie");
			if (!d.presentedCookie.equalsIgnoreCase(c.cookie))
				throw new Fail("reconnect presented a different cookie");
			Log.status("COOKIE " + d.number + " matches channel " + c.number);
			c = d;
		} else if (cutMidCommand) {
			Checks k = new Checks(c, remoteRoot);
			k.connectSet();
			Map<String, String> big = new HashMap<>();
			for (int i = 0; i < 2000; i++)
				big.put("jnagent.test.property." + i, "value-" + i);
			UserRequest ur = c.buildRequest(
			    new SystemProperties.AgentCopier.CopySystemProperties(big));
			byte[] cmd = Conn.serializeCommand(ur);
			Log.say("== sending 8192 of " + cmd.length + " bytes of a " +
			    "command, then cutting the connection");
			c.wire.writeChunks(cmd, Wire.MAX_CHUNK);
			Thread.sleep(200);
			c.kill();
			Log.status("CUT " + c.number);
			c = nextConn("reconnect after the cut");
		} else if (malformedFrame) {
			Checks k = new Checks(c, remoteRoot);
			k.ping();
			byte[] junk = new byte[64];
			new java.util.Random(42).nextBytes(junk);
			byte[] bad = new byte[8 + junk.length];
			System.arraycopy(new byte[] { (byte)0xac, (byte)0xed, 0, 5,
			    0x73, 0x72, (byte)0x7f, (byte)0xf0 }, 0, bad, 0, 8);
			System.arraycopy(junk, 0, bad, 8, junk.length);
			Log.say("== sending a malformed command (" + bad.length +
			    " bytes)");
			c.wire.writeCommand(bad);
			waitEnded(c, 15000, "after a malformed command");
			Log.status("DROPPED " + c.number + (c.closeReceived ?
			    " with CloseCommand" : " without CloseCommand"));
			c = nextConn("reconnect after the malformed command");
		}
		if (scenario.equals("connect-bench")) {
			connectBench(c);
			return;
		}
		for (int n = 1; ; n++) {
			bringOnline(c);
			if (scenario.equals("wait-close")) {
				Log.say("== waiting for the agent to close");
				waitEnded(c, left(), "");
				if (!c.closeReceived)
					throw new Fail("the agent ended the channel without " +
					    "CloseCommand (" + c.ended.getNow("") + ")");
				checkConn(c);
				Log.status("CLOSED-BY-AGENT " + c.number);
				return;
			}
			if (scenario.equals("git")) { new GitScenario(c, remoteRoot).run(); closeAndCheck(c); return; }
			if (scenario.equals("docker")) { new DockerScenario(c, remoteRoot).run(); closeAndCheck(c); return; }
			if (scenario.equals("docker-guard")) { new DockerGuardScenario(c, remoteRoot).run(); closeAndCheck(c); return; }
			if (scenario.equals("docker-path")) { new DockerPathScenario(c, remoteRoot).run(); closeAndCheck(c); return; }
			if (scenario.startsWith("pipeline")) {
				Process a = agent;
				if (scenario.equals("pipeline"))
					new Pipeline(c, remoteRoot).run();
				else
					new Pipeline(c, remoteRoot).bench(a != null ?
					    a.pid() : -1, benchMb, benchFiles);
				closeAndCheck(c);
				return;
			}
			pingsBothWays(c);
			new Checks(c, remoteRoot).unknownCallable();
			Log.status("UNKNOWN-CALLABLE " + c.number);
			if (scenario.equals("bench"))
				bench(c);
			int done = ctl.connections.get();
			if (done >= expectConnections ||
			    (restart || cutMidCommand || malformedFrame)) {
				closeAndCheck(c);
				return;
			}
			/* more connections expected: drop this one, await the next */
			closeAndCheck(c);
			c = nextConn("next");
		}
	}

	/*
	 * --scenario connect-bench: --expect-connections fresh agents, one
	 * after the other, each brought online (TIMING line) then closed with
	 * CloseCommand, the JVM staying warm in between.
	 */
	private void connectBench(Conn c) throws Exception {
		for (int n = 1; ; n++) {
			bringOnline(c);
			closeAndCheck(c);
			if (n >= expectConnections)
				return;
			c = nextConn("next");
		}
	}

	private void bench(Conn c) throws Exception {
		Log.transcript = false;
		int n = benchCount;
		for (int i = 0; i < Math.min(100, n); i++)
			c.call(new hudson.remoting.PingThread.Ping(), 10000);
		long[] rtt = new long[n];
		for (int i = 0; i < n; i++) {
			Conn.Result r = c.call(new hudson.remoting.PingThread.Ping(), 10000);
			rtt[i] = r.nanos / 1000;
		}
		Arrays.sort(rtt);
		long t0 = System.nanoTime();
		for (int i = 0; i < n; i++)
			c.call(new hudson.slaves.SlaveComputer.SlaveVersion(), 10000);
		double seq = n / ((System.nanoTime() - t0) / 1e9);
		List<UserRequest> reqs = new ArrayList<>();
		for (int i = 0; i < n; i++)
			reqs.add(c.buildRequest(new hudson.slaves.SlaveComputer.SlaveVersion()));
		List<CompletableFuture<hudson.remoting.Response>> fs =
		    Collections.synchronizedList(new ArrayList<>());
		t0 = System.nanoTime();
		for (UserRequest r : reqs)
			fs.add(c.callAsync(r));
		for (CompletableFuture<hudson.remoting.Response> f : fs)
			c.await(f, 30000, "SlaveVersion");
		double pip = n / ((System.nanoTime() - t0) / 1e9);
		Log.status(String.format("BENCH transport=%s ping_rtt_us_median=%d " +
		    "ping_rtt_us_p99=%d seq_calls_per_sec=%.0f " +
		    "pipelined_calls_per_sec=%.0f", c.wire.name(), rtt[n / 2],
		    rtt[Math.min(n - 1, n * 99 / 100)], seq, pip));
	}
}
