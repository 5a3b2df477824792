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
 * --scenario docker-guard: one node {} block of a Pipeline as jnagent's
 * Docker guard sees it (agent/guardsvc.h).  Two launched steps share a
 * JENKINS_NODE_COOKIE (each with its own JENKINS_SERVER_COOKIE, as
 * durable-task gives them): the first runs `docker run --name db`, the
 * second tries `--privileged` and lists the build's containers.  A third
 * step without a cookie waits for <workspace>/go (the shell test creates
 * it once it has looked at the daemon), then the controller sends the
 * KillTask for the node cookie that ends the block.  Prints
 * "COOKIE <uuid>", "STEP guard-<name> ok <output | joined>" and
 * "STEP guard-killed".
 */
final class DockerGuardScenario {
	private static final long TIMEOUT_MS = 180_000;
	private final Conn c;
	private final String ws;
	private final String cookie = UUID.randomUUID().toString();

	DockerGuardScenario(Conn c, String root) {
		this.c = c;
		this.ws = root + "/workspace/docker-guard";
	}

	void run() throws Exception {
		call(new FilePath.FileCallableWrapper(new FilePath.Mkdirs(),
		    new FilePath(ws)), "Mkdirs");
		Log.status("COOKIE " + cookie);
		step("run", true, "docker run -d --name db --network none " +
		    "busybox sleep 300 >/dev/null || exit 4; " +
		    "echo \"name=$(docker inspect -f '{{.Name}}' db)\"; " +
		    "echo \"host=$DOCKER_HOST\"");
		step("privileged", true, "docker run --rm --privileged " +
		    "--network none busybox true 2>&1; echo \"rc=$?\"; " +
		    "echo \"ps=$(docker ps --format '{{.Names}}')\"");
		step("wait", false, "i=0; while [ ! -e go ]; do " +
		    "i=$((i + 1)); [ $i -gt 1200 ] && exit 5; sleep 0.1; done");
		call(new Launcher.RemoteLauncher.KillTask(Collections.singletonMap(
		    "JENKINS_NODE_COOKIE", cookie)), "KillTask");
		Log.status("STEP guard-killed");
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

	private void step(String name, boolean build, String script)
	    throws Exception {
		List<String> env = new ArrayList<>();
		env.add("NODE_LABELS=linux dood");
		if (build) {
			env.add("JENKINS_NODE_COOKIE=" + cookie);
			env.add("JENKINS_SERVER_COOKIE=durable-" + name);
			env.add("WORKSPACE=" + ws);
		}
		Streams.Sink out = c.streams.newSink(true);
		Streams.Sink err = c.streams.newSink(true);
		Streams.Sink log = c.streams.newSink(true);
		Object proc = call(new Launcher.RemoteLaunchCallable(
		    new ArrayList<>(List.of("sh", "-c", script)), null,
		    env.toArray(new String[0]), null,
		    new RemoteOutputStream(out.oid), new RemoteOutputStream(err.oid),
		    ws, new StreamTaskListener(new RemoteOutputStream(log.oid),
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
			throw new Checks.Failed("guard-" + name + ": join " +
			    (r.thrown != null ? r.thrown : r.value) + ", out \"" +
			    o + "\", err \"" + e + "\"");
		Log.status("STEP guard-" + name + " ok " +
		    o.replace("\n", " | "));
	}
}
