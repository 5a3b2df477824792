package jnagent.testctl;

import hudson.FilePath;
import hudson.Launcher;
import hudson.remoting.RemoteOutputStream;
import hudson.util.StreamTaskListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/*
 * --scenario docker-path: bind-mount path mapping with jnagent in a
 * container (tests/docker/test_incontainer.sh).  --remote-root is the
 * agent's work directory as jnagent sees it inside its container.  Two
 * builds (each its own JENKINS_NODE_COOKIE, so its own guard):
 *   "mapped": WORKSPACE under the work directory; the step writes a file
 *     and runs `docker run -v $WORKSPACE:/src busybox cat /src/file`;
 *   "unmapped": WORKSPACE=/tmp/jnagent-unmapped-ws, a directory of the
 *     container's own file system; the same `docker run` must be refused.
 * Then a KillTask per cookie.  Environment: JNAGENT_PATH_LABELS, the
 * builds' NODE_LABELS (default "linux dood"); JNAGENT_PATH_ROOTFS, a tar
 * (agent's view) each step imports as busybox when the daemon lacks it
 * (a fresh DinD inner daemon).  Prints "STEP path-<name> ok <output |
 * joined>" and "STEP path-killed".
 */
final class DockerPathScenario {
	private static final long TIMEOUT_MS = 180_000;
	/* each step writes its own token: the container must read it back */
	private static String script(String token) {
		String rootfs = System.getenv("JNAGENT_PATH_ROOTFS");
		String prep = rootfs == null ? "" : "docker image inspect " +
		    "busybox >/dev/null 2>&1 || docker import '" + rootfs +
		    "' busybox >/dev/null || exit 6; ";
		return prep + "printf '%s\\n' '" + token + "' > file || exit 4; " +
		    "echo \"agent=$(cat file)\"; " +
		    "out=$(docker run --rm --network none -v \"$WORKSPACE:/src\" " +
		    "busybox cat /src/file 2>&1); echo \"rc=$?\"; " +
		    "echo \"container=$out\"";
	}

	private final Conn c;
	private final String ws;

	DockerPathScenario(Conn c, String root) {
		this.c = c;
		this.ws = root + "/workspace/docker-path";
	}

	void run() throws Exception {
		String mapped = UUID.randomUUID().toString();
		String unmapped = UUID.randomUUID().toString();
		String inner = "/tmp/jnagent-unmapped-ws";

		mkdirs(ws);
		mkdirs(inner);
		step("mapped", mapped, ws);
		step("unmapped", unmapped, inner);
		for (String k : List.of(mapped, unmapped))
			call(new Launcher.RemoteLauncher.KillTask(
			    Collections.singletonMap("JENKINS_NODE_COOKIE", k)),
			    "KillTask");
		Log.status("STEP path-killed");
	}

	private void mkdirs(String dir) throws Exception {
		call(new FilePath.FileCallableWrapper(new FilePath.Mkdirs(),
		    new FilePath(dir)), "Mkdirs " + dir);
	}

	private Object call(Object callable, String what) throws Exception {
		Conn.Result r;
		try {
			r = c.call(callable, TIMEOUT_MS);
		} catch (Conn.CallFailed e) {
			throw new Checks.Failed(what + ": " + e.getMessage());
		}
		if (r.thrown != null)
			throw new Checks.Failed(what + " failed on the agent: " +
			    r.thrown);
		return r.value;
	}

	private void step(String name, String cookie, String dir)
	    throws Exception {
		List<String> env = new ArrayList<>();
		String labels = System.getenv("JNAGENT_PATH_LABELS");
		env.add("NODE_LABELS=" + (labels != null ? labels : "linux dood"));
		env.add("JENKINS_NODE_COOKIE=" + cookie);
		env.add("JENKINS_SERVER_COOKIE=durable-" + name);
		env.add("WORKSPACE=" + dir);
		Streams.Sink out = c.streams.newSink(true);
		Streams.Sink err = c.streams.newSink(true);
		Streams.Sink log = c.streams.newSink(true);
		Object proc = call(new Launcher.RemoteLaunchCallable(
		    new ArrayList<>(List.of("sh", "-c",
		    script("agent-wrote-" + UUID.randomUUID()))), null,
		    env.toArray(new String[0]), null,
		    new RemoteOutputStream(out.oid), new RemoteOutputStream(err.oid),
		    dir, new StreamTaskListener(new RemoteOutputStream(log.oid),
		    "UTF-8"), null, true, false, false, false, null),
		    "RemoteLaunchCallable " + name);
		Conn.Result r;
		try {
			r = c.rpc(proc, "hudson.Launcher$RemoteProcess", "join",
			    TIMEOUT_MS);
		} catch (Conn.CallFailed e) {
			throw new Checks.Failed("join: " + e.getMessage());
		}
		String o = new String(out.data(), StandardCharsets.UTF_8).trim();
		String e = new String(err.data(), StandardCharsets.UTF_8).trim();
		c.streams.drop(out);
		c.streams.drop(err);
		c.streams.drop(log);
		if (r.thrown != null || !Integer.valueOf(0).equals(r.value))
			throw new Checks.Failed("path-" + name + ": join " +
			    (r.thrown != null ? r.thrown : r.value) + ", out \"" +
			    o + "\", err \"" + e + "\"");
		Log.status("STEP path-" + name + " ok " +
		    o.replace("\n", " | "));
	}
}
