package jnagent.testctl;

import hudson.FilePath;
import hudson.Launcher;
import hudson.remoting.RemoteOutputStream;
import hudson.util.StreamTaskListener;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/*
 * --scenario docker: two launched steps that run `docker run`, one with
 * NODE_LABELS selecting DooD and one selecting DinD (jnagent's
 * agent/dockersel.h).  Each step imports busybox into its daemon when
 * missing ($JNAGENT_E2E_ROOTFS, from the agent's environment), starts a
 * container labelled jnagent.e2e=<mode> and prints its DOCKER_HOST; the
 * shell test (tests/docker/test_docker_e2e.sh) then checks on which
 * daemon each container landed.  Prints "STEP docker-<mode> ok <output>".
 */
final class DockerScenario {
	private static final long TIMEOUT_MS = 180_000;
	private final Conn c;
	private final String ws;

	DockerScenario(Conn c, String root) {
		this.c = c;
		this.ws = root + "/workspace/docker-e2e";
	}

	void run() throws Exception {
		call(new FilePath.FileCallableWrapper(new FilePath.Mkdirs(),
		    new FilePath(ws)), "Mkdirs");
		step("dood", "linux dood");
		step("dind", "linux dind");
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

	private void step(String mode, String labels) throws Exception {
		String script = "docker image inspect busybox >/dev/null 2>&1 || " +
		    "docker import \"$JNAGENT_E2E_ROOTFS\" busybox >/dev/null " +
		    "|| exit 3; docker run -d --label jnagent.e2e=" + mode +
		    " --network none busybox sleep 300 >/dev/null || exit 4; " +
		    "echo \"host=$DOCKER_HOST\"; " +
		    "echo \"daemon: $(docker info --format " +
		    "'{{.Name}}, engine {{.ServerVersion}}, {{.Driver}}')\"; " +
		    "docker run --rm --network none busybox sh -c " +
		    "'echo \"container $(hostname): hello from the " + mode +
		    " daemon\"' || exit 5; " +
		    "docker ps --filter label=jnagent.e2e=" + mode +
		    " --format 'running: {{.ID}} {{.Image}} {{.Command}} " +
		    "{{.Status}}'";
		Streams.Sink out = c.streams.newSink(true);
		Streams.Sink err = c.streams.newSink(true);
		Streams.Sink log = c.streams.newSink(true);
		Object proc = call(new Launcher.RemoteLaunchCallable(
		    new ArrayList<>(List.of("sh", "-c", script)), null,
		    new String[] { "NODE_LABELS=" + labels }, null,
		    new RemoteOutputStream(out.oid), new RemoteOutputStream(err.oid),
		    ws, new StreamTaskListener(new RemoteOutputStream(log.oid),
		    "UTF-8"), null, true, false, false, false, null),
		    "RemoteLaunchCallable " + mode);
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
			throw new Checks.Failed("docker-" + mode + ": join " +
			    (r.thrown != null ? r.thrown : r.value) + ", out \"" +
			    o + "\", err \"" + e + "\"");
		/* The first line is what the shell test matches; the rest
		 * (the daemon, a container's output, docker ps) is shown. */
		String[] lines = o.split("\n");
		Log.status("STEP docker-" + mode + " ok " + lines[0]);
		for (int i = 1; i < lines.length; i++)
			Log.status("  docker-" + mode + " | " + lines[i]);
	}
}
