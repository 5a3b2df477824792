/*
 * Pipeline.java: --scenario pipeline.  Replays what a Jenkins controller
 * sends for a short declarative pipeline run on the agent
 * (jenkins-callables.md 6, 7.2):
 *
 *   writeFile, fileExists, readFile, sh (durable-task polling: output,
 *   stderr, exit codes, returnStdout, returnStatus, withEnv, "$$"),
 *   dir, stash (includes/excludes), deleteDir, unstash, archiveArtifacts,
 *   a plain launch with join/kill, the abort of a running sh, the end of
 *   the node block, then hostile inputs (tar escapes, a 4 GB declared
 *   entry, a stash that matches nothing, a path outside the workspace).
 *
 * The agent runs on this host: every file transferred is compared by
 * sha256 between what the agent's file system holds and what the
 * controller sent or received.  One "STEP <name> ok <details>" line per
 * step on stdout; any mismatch throws Checks.Failed.
 */
package jnagent.testctl;

import hudson.FilePath;
import hudson.Launcher;
import hudson.remoting.PingThread;
import hudson.remoting.RemoteInputStream;
import hudson.remoting.RemoteInvocationHandler;
import hudson.remoting.RemoteOutputStream;
import hudson.remoting.UserRequest;
import hudson.tasks.ArtifactArchiver;
import hudson.util.DirScanner;
import hudson.util.StreamTaskListener;
import hudson.util.io.ArchiverFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import jenkins.tasks.filters.EnvVarsFilterRuleWrapper;
import org.jenkinsci.plugins.durabletask.AgentInfo;
import org.jenkinsci.plugins.durabletask.FileMonitoringTask.FileMonitoringController;

final class Pipeline {
	/* DurableTaskStep.REMOTE_TIMEOUT */
	private static final long TIMEOUT_MS = 20000;

	private final Conn c;
	private final String root;
	private final String ws;
	private final String nodeCookie = UUID.randomUUID().toString();
	private final Random rnd = new Random(4);
	private boolean charsetAsked;
	private int steps;

	Pipeline(Conn c, String root) {
		this.c = c;
		this.root = root;
		this.ws = root + "/workspace/pipeline-demo";
	}

	private static Checks.Failed fail(String m) {
		return new Checks.Failed(m);
	}

	private void step(String name, String detail) {
		steps++;
		Log.status("STEP " + name + " ok " + detail);
	}

	private static String sha(byte[] b) {
		return Streams.hex(Streams.sha256().digest(b));
	}

	private static String shaOf(String path) throws IOException {
		return sha(Files.readAllBytes(Path.of(path)));
	}

	private static String shortName(Object o) {
		String n = o.getClass().getName();
		return n.substring(n.lastIndexOf('.') + 1);
	}

	/* ---- calls ---- */

	private Conn.Result call(Object callable)
	    throws Checks.Failed, IOException, InterruptedException {
		Log.say("-> " + shortName(callable));
		try {
			return c.call(callable, TIMEOUT_MS);
		} catch (Conn.CallFailed e) {
			throw fail(e.getMessage());
		}
	}

	private Object value(Object callable, String what)
	    throws Checks.Failed, IOException, InterruptedException {
		Conn.Result r = call(callable);
		if (r.thrown != null)
			throw fail(what + " failed on the agent: " + r.thrown);
		return r.value;
	}

	private Object act(FilePath.FileCallable fc, String path)
	    throws Checks.Failed, IOException, InterruptedException {
		return value(new FilePath.FileCallableWrapper(fc,
		    new FilePath(path)), shortName(fc) + " on " + path);
	}

	/* The call must fail: its exception. */
	private Throwable actThrows(FilePath.FileCallable fc, String path)
	    throws Checks.Failed, IOException, InterruptedException {
		Conn.Result r = call(new FilePath.FileCallableWrapper(fc,
		    new FilePath(path)));
		if (r.thrown == null)
			throw fail(shortName(fc) + " on " + path +
			    " succeeded, expected an exception (got " +
			    Conn.describe(r.value) + ")");
		return r.thrown;
	}

	private <T> T typed(Object v, Class<T> t, String what)
	    throws Checks.Failed {
		if (!t.isInstance(v))
			throw fail(what + " returned " + Conn.describe(v) +
			    ", expected " + t.getName());
		return t.cast(v);
	}

	private Object rpc(Object proxy, String method)
	    throws Checks.Failed, IOException, InterruptedException {
		try {
			Conn.Result r = c.rpc(proxy, "hudson.Launcher$RemoteProcess",
			    method, TIMEOUT_MS);
			if (r.thrown != null)
				throw fail("RemoteProcess." + method + " threw " + r.thrown);
			return r.value;
		} catch (Conn.CallFailed e) {
			throw fail(e.getMessage());
		}
	}

	private void ping() throws Checks.Failed, IOException,
	    InterruptedException {
		value(new PingThread.Ping(), "Ping");
	}

	/* ---- steps ---- */

	void run() throws Exception {
		Log.say("== pipeline on channel " + c.number + ", workspace " + ws);
		writeFileStep();
		fileExistsStep();
		readFileStep();
		shSteps();
		stashUnstash();
		archiveStep();
		launchSteps();
		abortStep();
		nodeEnd();
		hostile();
		act(new FilePath.DeleteRecursive(), ws);
		act(new FilePath.DeleteRecursive(), ws + "@tmp");
		ping();
		Log.status("PIPELINE " + c.number + " " + steps + " steps");
	}

	private final Map<String, String> written = new TreeMap<>();

	private void writeOne(String rel, String content)
	    throws Exception {
		String p = ws + "/" + rel;
		if (act(new FilePath.Write(content, "UTF-8"), p) != null)
			throw fail("Write returned a value");
		byte[] want = content.getBytes(StandardCharsets.UTF_8);
		String got = shaOf(p);
		if (!got.equals(sha(want)))
			throw fail("writeFile " + rel + ": agent file sha256 " + got +
			    " != sent " + sha(want));
		written.put(rel, sha(want));
	}

	private void writeFileStep() throws Exception {
		StringBuilder big = new StringBuilder();
		while (big.length() < 300000)
			big.append("line ").append(big.length()).append(
			    " ĉu ŝi ŝatas ĝin? ").append(rnd.nextLong()).append('\n');
		writeOne("data/hello.txt", "héllo wörld\n");
		writeOne("data/nested/deep/notes.md", "# notes\n* one\n* two\n");
		writeOne("data/big.txt", big.toString());
		writeOne("data/app.log", "excluded by **/*.log\n");
		writeOne("data/.gitignore", "excluded by the default excludes\n");
		long n = 0;
		for (String k : written.keySet())
			n += Files.size(Path.of(ws, k));
		step("writeFile", written.size() + " files, " + n +
		    " bytes, sha256 of every file on the agent matches");
	}

	private void fileExistsStep() throws Exception {
		Object yes = act(new FilePath.Exists(), ws + "/data/hello.txt");
		Object no = act(new FilePath.Exists(), ws + "/data/missing.txt");
		if (!Boolean.TRUE.equals(yes) || !Boolean.FALSE.equals(no))
			throw fail("fileExists: " + yes + "/" + no);
		step("fileExists", "data/hello.txt=true data/missing.txt=false");
	}

	/* FilePath.read(): a Pipe the agent writes into; errors via EOF. */
	private Streams.Sink read(String path, OpenOption[] opts, String root)
	    throws Exception {
		Streams.Sink s = c.streams.newSink(true);
		if (act(new FilePath.Read(c.streams.pipeFor(s), root, opts),
		    path) != null)
			throw fail("Read returned a value");
		eofFirst(s, "Read");
		return s;
	}

	private void readFileStep() throws Exception {
		String p = ws + "/data/big.txt";
		Streams.Sink s = read(p, new OpenOption[0], null);
		Throwable err = s.await(0);
		if (err != null)
			throw fail("readFile: EOF with error " + err);
		if (!s.sha256().equals(shaOf(p)))
			throw fail("readFile: received sha256 " + s.sha256() +
			    " != agent file " + shaOf(p));
		String text = new String(s.data(), StandardCharsets.UTF_8);
		Object str = act(new FilePath.ReadToString(), p);
		if (!text.equals(str))
			throw fail("ReadToString differs from the file");
		Streams.Sink m = read(ws + "/data/missing.txt", new OpenOption[0],
		    null);
		Throwable e = m.await(0);
		if (e == null || !String.valueOf(e).contains("missing.txt"))
			throw fail("readFile of a missing file: EOF error " + e);
		step("readFile", s.bytes + " bytes in " + s.chunks +
		    " chunks, sha256 matches, " + text.lines().count() +
		    " lines, ReadToString agrees; missing file -> " +
		    e.getClass().getSimpleName() + " through the pipe");
	}

	/*
	 * The Java callable closes its stream before returning, so the EOF
	 * (an I/O id <= Response.lastIoId) precedes the Response: a real
	 * controller would otherwise return before the data is complete.
	 */
	private void eofFirst(Streams.Sink s, String what) throws Checks.Failed {
		if (!s.done.isDone()) {
			c.streams.drop(s);
			throw fail(what + ": Response before the stream's EOF");
		}
		if (s.unexported)
			throw fail(what + ": stream Unexported instead of closed (EOF)");
	}

	/* ---- sh via durable-task ---- */

	static final class Sh {
		Integer code;
		String log = "";
		byte[] stdout;
		String controlDir;
		String cookie;
		int polls;
		Object proc;
	}

	private static String q(String s) {
		return "'" + s.replace("'", "'\"'\"'") + "'";
	}

	private static String dollars(String s) {
		return s.replace("$", "$$");
	}

	private Map<String, String> pipelineEnv(Map<String, String> with) {
		Map<String, String> env = new LinkedHashMap<>();
		env.put("JENKINS_NODE_COOKIE", nodeCookie);
		env.put("WORKSPACE", ws);
		env.put("WORKSPACE_TMP", ws + "@tmp");
		env.put("NODE_NAME", c.node.name);
		env.put("JOB_NAME", "pipeline-demo");
		env.put("BUILD_NUMBER", "1");
		env.putAll(with);
		env.put("JENKINS_SERVER_COOKIE", "please-do-not-kill-me");
		return env;
	}

	private AgentInfo agentInfo;

	/* BourneShellScript.launch + the first part of DurableTaskStep. */
	private Sh shLaunch(String dir, String script, boolean returnStdout,
	    Map<String, String> with) throws Exception {
		if (agentInfo == null) {
			agentInfo = typed(act(new AgentInfo.GetAgentInfo("1.0"), root),
			    AgentInfo.class, "GetAgentInfo");
			if (agentInfo.getOs() != AgentInfo.OsType.LINUX ||
			    agentInfo.isBinaryCompatible())
				throw fail("GetAgentInfo: " + agentInfo);
		}
		Sh sh = new Sh();
		String id = Streams.hex(java.security.MessageDigest
		    .getInstance("MD5").digest(UUID.randomUUID().toString()
		    .getBytes(StandardCharsets.US_ASCII))).substring(0, 8);
		String cd = dir + "@tmp/durable-" + id;
		sh.controlDir = cd;
		sh.cookie = "durable-" + sha(dir.getBytes(StandardCharsets.UTF_8));
		if (!Boolean.TRUE.equals(act(new FilePath.Mkdirs(), dir)) ||
		    !Boolean.TRUE.equals(act(new FilePath.Mkdirs(), cd)))
			throw fail("sh: Mkdirs failed");
		String s = cd + "/script.sh", l = cd + "/jenkins-log.txt";
		String r = cd + "/jenkins-result.txt", o = cd + "/output.txt";
		act(new FilePath.Write(script, "UTF-8"), s);
		String interpreter = "'sh' -xe ";
		if (script.startsWith("#!")) {
			act(new FilePath.Chmod(0755), s);
			interpreter = "";
		}
		String redirect = returnStdout ? " > " + q(o) + " 2> " + q(l) :
		    " > " + q(l) + " 2>&1";
		String wrapper = "cp " + q(s) + " " + q(s + ".copy") + "; { while [ -d " +
		    q(cd) + " -a \\! -f " + q(r) + " ]; do touch " + q(l) +
		    "; sleep 3; done } & jsc=" + sh.cookie +
		    "; JENKINS_SERVER_COOKIE=$jsc " + interpreter + q(s + ".copy") +
		    redirect + "; echo $? > " + q(r + ".tmp") + "; mv " +
		    q(r + ".tmp") + " " + q(r) + "; wait";
		List<String> cmd = new ArrayList<>(List.of("nohup", "sh", "-c",
		    dollars("(" + wrapper + ") >&- 2>&- &")));
		List<String> env = new ArrayList<>();
		for (Map.Entry<String, String> e : pipelineEnv(with).entrySet())
			env.add(e.getKey() + "=" + dollars(e.getValue()));
		Streams.Sink listener = c.streams.newSink(true);
		Object proc = value(new Launcher.RemoteLaunchCallable(cmd, null,
		    env.toArray(new String[0]), null, null, null, dir,
		    new StreamTaskListener(new RemoteOutputStream(listener.oid),
		    "UTF-8"), null, true, false, true, true,
		    new EnvVarsFilterRuleWrapper(new ArrayList<>())),
		    "RemoteLaunchCallable");
		sh.proc = proc;
		Launcher.IOTriplet t = typed(rpc(proc, "getIOtriplet"),
		    Launcher.IOTriplet.class, "getIOtriplet");
		/* the controller never reads them: closed at once */
		for (InputStream in : new InputStream[] { t.getStdout(),
		    t.getStderr() }) {
			if (!(in instanceof RemoteInputStream) ||
			    ((RemoteInputStream)in).isGreedy())
				throw fail("getIOtriplet: reverse stream is " +
				    Conn.describe(in));
			c.streams.closeRemoteInput(((RemoteInputStream)in).getOid());
		}
		if (listener.bytes != 0)
			throw fail("quiet launch wrote to the listener");
		c.streams.drop(listener);
		return sh;
	}

	/* One poll: IsDirectory, charset (first time), WriteLog, StatusCheck. */
	private void poll(Sh sh, String dir) throws Exception {
		sh.polls++;
		if (!Boolean.TRUE.equals(act(new FilePath.IsDirectory(), dir)))
			throw fail("sh: workspace " + dir + " missing");
		if (!charsetAsked) {
			Object cs = value(new FileMonitoringController
			    .TranscodingCharsetForSystemDefault(),
			    "TranscodingCharsetForSystemDefault");
			if (cs != null && !(cs instanceof String))
				throw fail("TranscodingCharsetForSystemDefault: " +
				    Conn.describe(cs));
			charsetAsked = true;
		}
		writeLog(sh);
		Object st = act(new FileMonitoringController.StatusCheck(),
		    sh.controlDir + "/jenkins-result.txt");
		if (st != null && !(st instanceof Integer))
			throw fail("StatusCheck returned " + Conn.describe(st));
		sh.code = (Integer)st;
	}

	private void writeLog(Sh sh) throws Exception {
		Streams.Sink s = c.streams.newSink(true);
		long last = sh.log.getBytes(StandardCharsets.UTF_8).length;
		act(new FileMonitoringController.WriteLog(last,
		    new RemoteOutputStream(s.oid)),
		    sh.controlDir + "/jenkins-log.txt");
		/* Response.lastIoId: its chunks and Unexport came first */
		if (!s.done.isDone() || !s.unexported) {
			c.streams.drop(s);
			throw fail("WriteLog: the log sink was " + (s.done.isDone() ?
			    "closed with EOF (the build log!)" : "left exported"));
		}
		sh.log += new String(s.data(), StandardCharsets.UTF_8);
	}

	/* DurableTaskStep's polling until the exit code, then cleanup. */
	private Sh shRun(String dir, String script, boolean returnStdout,
	    Map<String, String> with) throws Exception {
		Sh sh = shLaunch(dir, script, returnStdout, with);
		long delay = 250, until = System.currentTimeMillis() + 60000;
		for (;;) {
			poll(sh, dir);
			if (sh.code != null)
				break;
			if (System.currentTimeMillis() > until)
				throw fail("sh: no exit code within 60 s; log: " + sh.log);
			Thread.sleep(delay);
			delay = Math.min(2000, (long)(delay * 1.2));
		}
		writeLog(sh);
		if (returnStdout)
			sh.stdout = typed(act(new FileMonitoringController
			    .GetOutput("SYSTEM_DEFAULT"), sh.controlDir +
			    "/output.txt"), byte[].class, "GetOutput");
		act(new FilePath.DeleteRecursive(), sh.controlDir);
		if (Files.exists(Path.of(sh.controlDir)))
			throw fail("DeleteRecursive left " + sh.controlDir);
		return sh;
	}

	private void expectLog(Sh sh, String... want) throws Checks.Failed {
		for (String w : want)
			if (!sh.log.contains(w))
				throw fail("sh log lacks \"" + w + "\"; log:\n" + sh.log);
	}

	private void shSteps() throws Exception {
		Map<String, String> with = new LinkedHashMap<>();
		with.put("PRICE", "$5 and ${HOME}, not expanded");
		with.put("PATH+EXTRA", "/opt/jnagent-extra/bin");
		Sh a = shRun(ws, "echo to-stdout\necho to-stderr >&2\n" +
		    "echo \"PRICE=$PRICE\"\n" +
		    "case \":$PATH:\" in *:/opt/jnagent-extra/bin:*) " +
		    "echo path-prepended;; esac\necho \"cookie=$JENKINS_SERVER_COOKIE\"\n",
		    false, with);
		if (a.code != 0)
			throw fail("sh: exit code " + a.code + "; log:\n" + a.log);
		expectLog(a, "+ echo to-stdout", "\nto-stdout\n", "\nto-stderr\n",
		    "PRICE=$5 and ${HOME}, not expanded\n", "path-prepended\n",
		    "cookie=" + a.cookie + "\n");
		step("sh", "exit 0 after " + a.polls + " polls, stdout+stderr in " +
		    "the log (" + a.log.length() + " chars), withEnv with $$ " +
		    "unescaped, PATH+EXTRA prepended, server cookie set");

		Sh b = shRun(ws, "echo failing\nexit 3\n", false, Map.of());
		if (b.code != 3)
			throw fail("sh exit 3: got " + b.code);
		expectLog(b, "failing");
		step("sh-exit-code", "script returned exit code 3 " +
		    "(ERROR: script returned exit code 3)");

		Sh d = shRun(ws, "printf 'hello %s\\n' \"$GREETING\"\n" +
		    "echo not-in-stdout >&2\n", true, Map.of("GREETING", "world"));
		String out = new String(d.stdout, StandardCharsets.UTF_8);
		if (d.code != 0 || !out.equals("hello world\n"))
			throw fail("sh returnStdout: code " + d.code + ", stdout \"" +
			    out + "\"");
		expectLog(d, "not-in-stdout");
		step("sh-returnStdout", "\"" + out.trim() + "\" (stderr only in " +
		    "the log)");

		Sh g = shRun(ws, "#!/bin/sh\necho \"shebang $0\"\n", false,
		    Map.of());
		if (g.code != 0 || !g.log.contains("shebang ") ||
		    g.log.contains("+ echo"))
			throw fail("sh #!: code " + g.code + ", log " + g.log);
		step("sh-shebang", "#! script: Chmod 0755, run without 'sh -xe'");

		Sh e = shRun(ws, "exit 7\n", false, Map.of());
		if (e.code != 7)
			throw fail("sh returnStatus: " + e.code);
		step("sh-returnStatus", "7");

		String sub = ws + "/sub";
		Sh f = shRun(sub, "pwd > where.txt\necho generated > gen.txt\n",
		    false, Map.of());
		String where = Files.readString(Path.of(sub, "where.txt")).trim();
		if (f.code != 0 || !Path.of(where).equals(Path.of(sub).toRealPath()))
			throw fail("dir('sub'): sh ran in " + where);
		written.put("sub/where.txt", shaOf(sub + "/where.txt"));
		written.put("sub/gen.txt", shaOf(sub + "/gen.txt"));
		step("dir", "sh ran in " + where + " (its own @tmp control dir)");
	}

	/* ---- stash / deleteDir / unstash ---- */

	private byte[] stashBytes;
	private List<Tar.Entry> stashEntries;

	private Streams.Sink archive(String dir, String includes,
	    String excludes, int[] count) throws Exception {
		Streams.Sink s = c.streams.newSink(true);
		Object n = act(new FilePath.Archive(ArchiverFactory.TARGZ,
		    new RemoteOutputStream(s.oid), new DirScanner.Glob(includes,
		    excludes, true, new OpenOption[0]), null, new OpenOption[0]),
		    dir);
		count[0] = typed(n, Integer.class, "Archive");
		eofFirst(s, "Archive");
		Throwable err = s.await(0);
		if (err != null || s.unexported)
			throw fail("stash stream ended with " + (err != null ?
			    err : "Unexport instead of EOF"));
		return s;
	}

	private void stashUnstash() throws Exception {
		int[] n = new int[1];
		Streams.Sink s = archive(ws, "data/**, sub/**", "**/*.log", n);
		stashBytes = s.data();
		stashEntries = Tar.read(stashBytes, true);
		Set<String> want = new TreeSet<>();
		for (String k : written.keySet())
			if (!k.endsWith(".log") && !k.endsWith(".gitignore"))
				want.add(k);
		Set<String> got = new TreeSet<>();
		for (Tar.Entry e : stashEntries) {
			if (e.type != '0')
				continue;
			got.add(e.name);
			if (!e.sha256.equals(shaOf(ws + "/" + e.name)))
				throw fail("stash: " + e.name + " sha256 " + e.sha256 +
				    " != agent file");
		}
		if (!got.equals(want) || n[0] != stashEntries.size())
			throw fail("stash: entries " + got + " (count " + n[0] +
			    ", tar " + stashEntries.size() + "), want " + want);
		step("stash", n[0] + " files, " + stashBytes.length +
		    " bytes tar.gz, includes 'data/**, sub/**' excludes " +
		    "'**/*.log' and default excludes (.gitignore) honoured, " +
		    "sha256 of every entry matches the agent's file");

		act(new FilePath.DeleteRecursive(), ws);
		if (!Boolean.FALSE.equals(act(new FilePath.Exists(), ws)) ||
		    Files.exists(Path.of(ws)))
			throw fail("deleteDir: workspace still exists");
		step("deleteDir", ws + " gone");

		Streams.Source src = c.streams.newSource(
		    new ByteArrayInputStream(stashBytes));
		Object r = act(new FilePath.UntarRemote("stash-src.tar.gz",
		    FilePath.TarCompression.GZIP, new RemoteInputStream(
		    c.streams.pipeFor(src))), ws);
		String how = src.done.get(TIMEOUT_MS,
		    java.util.concurrent.TimeUnit.MILLISECONDS);
		if (r != null || !how.equals("ok") || src.sent != stashBytes.length)
			throw fail("unstash: " + Conn.describe(r) + ", pipe " + how +
			    " after " + src.sent + " bytes");
		if (!src.sha256().equals(sha(stashBytes)))
			throw fail("unstash: pushed bytes differ from the stash");
		for (String k : want) {
			String p = ws + "/" + k;
			if (!Files.isRegularFile(Path.of(p)) ||
			    !shaOf(p).equals(written.get(k)))
				throw fail("unstash: " + k + " missing or different");
		}
		if (Files.exists(Path.of(ws, "data/app.log")))
			throw fail("unstash: excluded file appeared");
		step("unstash", want.size() + " files restored through a greedy " +
		    "pipe (" + src.sent + " bytes), sha256 of every file matches " +
		    "what was stashed");

		Streams.Sink e = archive(ws, "nomatch/**", null, n);
		if (n[0] != 0 || !Tar.read(e.data(), true).isEmpty())
			throw fail("empty stash: count " + n[0]);
		/* StashManager.stash with allowEmpty false */
		step("stash-empty", "0 entries -> ERROR: No files included in " +
		    "stash \u2018empty\u2019");
	}

	/* ---- archiveArtifacts ---- */

	private void archiveStep() throws Exception {
		String pattern = "data/**/*.txt, data/**/*.md";
		if (!Boolean.TRUE.equals(act(new FilePath.Mkdirs(), ws)))
			throw fail("archiveArtifacts: Mkdirs");
		Object v = act(new ArtifactArchiver.ListFiles(pattern, "", true,
		    true, true), ws);
		@SuppressWarnings("unchecked")
		Set<String> files = (Set<String>)typed(v, java.util.HashSet.class,
		    "ListFiles");
		Set<String> want = new TreeSet<>(List.of("data/hello.txt",
		    "data/big.txt", "data/nested/deep/notes.md"));
		if (!new TreeSet<>(files).equals(want))
			throw fail("ListFiles: " + files + ", want " + want);
		Map<String, String> map = new HashMap<>();
		for (String f : files)
			map.put(f, f);
		Streams.Sink s = c.streams.newSink(true);
		Object n = act(new FilePath.CopyRecursiveRemoteToLocal(
		    c.streams.pipeFor(s), new FilePath.ExplicitlySpecifiedDirScanner(
		    map), FilePath.TarCompression.GZIP, "UTF-8"), ws);
		eofFirst(s, "CopyRecursiveRemoteToLocal");
		Throwable err = s.await(0);
		if (err != null)
			throw fail("archiveArtifacts: EOF error " + err);
		List<Tar.Entry> es = Tar.read(s.data(), true);
		Set<String> got = new TreeSet<>();
		for (Tar.Entry e : es) {
			if (e.type != '0')
				throw fail("archiveArtifacts: unexpected entry " + e);
			if (!e.sha256.equals(shaOf(ws + "/" + e.name)))
				throw fail("archiveArtifacts: " + e.name + " differs");
			got.add(e.name);
		}
		if (!got.equals(want) || !Integer.valueOf(es.size()).equals(n))
			throw fail("archiveArtifacts: got " + got + " count " + n);
		step("archiveArtifacts", es.size() + " artifacts (" + s.bytes +
		    " bytes tar.gz), sha256 of each matches the agent's file");

		Object none = act(new ArtifactArchiver.ListFiles("*.nothing", "",
		    true, true, true), ws);
		if (!(none instanceof Set) || !((Set<?>)none).isEmpty())
			throw fail("ListFiles(*.nothing): " + Conn.describe(none));
		Object hint = act(new FilePath.ValidateAntFileMask("*.nothing",
		    true, 10000), ws);
		if (hint != null && !(hint instanceof String))
			throw fail("ValidateAntFileMask: " + Conn.describe(hint));
		step("archiveArtifacts-nomatch", "No artifacts found that match " +
		    "the file pattern \"*.nothing\". Configuration error?" +
		    (hint != null ? " " + hint : ""));
	}

	/* ---- plain launches: out/err streams, join, kill ---- */

	private void launchSteps() throws Exception {
		Streams.Sink out = c.streams.newSink(true);
		Streams.Sink err = c.streams.newSink(true);
		Streams.Sink log = c.streams.newSink(true);
		Object proc = value(new Launcher.RemoteLaunchCallable(
		    new ArrayList<>(List.of("sh", "-c",
		    "echo out-$X; echo err-$X >&2; exit 5", "with space")), null, new String[] { "X=1" }, null,
		    new RemoteOutputStream(out.oid), new RemoteOutputStream(err.oid),
		    ws, new StreamTaskListener(new RemoteOutputStream(log.oid),
		    "UTF-8"), null, false, false, false, false, null),
		    "RemoteLaunchCallable");
		Launcher.IOTriplet t = typed(rpc(proc, "getIOtriplet"),
		    Launcher.IOTriplet.class, "getIOtriplet");
		if (t.getStdout() != null || t.getStderr() != null ||
		    t.getStdin() != null)
			throw fail("getIOtriplet of a non-reverse launch has streams");
		Object code = rpc(proc, "join");
		String o = new String(out.data(), StandardCharsets.UTF_8);
		String e = new String(err.data(), StandardCharsets.UTF_8);
		String l = new String(log.data(), StandardCharsets.UTF_8);
		if (!Integer.valueOf(5).equals(code) || !o.equals("out-1\n") ||
		    !e.equals("err-1\n"))
			throw fail("launch: join " + code + ", out \"" + o +
			    "\", err \"" + e + "\"");
		if (!l.startsWith("[pipeline-demo] $ sh -c ") ||
		    !l.contains("\"with space\""))
			throw fail("launch: command echo \"" + l + "\"");
		if (out.done.isDone() && !out.unexported)
			throw fail("launch: stdout closed with EOF");
		c.streams.drop(out);
		c.streams.drop(err);
		c.streams.drop(log);
		step("launch", "join=5, stdout/stderr streamed, echo \"" +
		    l.trim() + "\"");

		String pidFile = ws + "/kill.pid";
		Object p2 = value(new Launcher.RemoteLaunchCallable(
		    new ArrayList<>(List.of("sh", "-c",
		    "echo $$$$ > kill.pid; exec sleep 300")), null,
		    null, null, null, null, ws, null, null, true, false, false,
		    false, null), "RemoteLaunchCallable");
		rpc(p2, "getIOtriplet");
		RemoteInvocationHandler h = (RemoteInvocationHandler)
		    java.lang.reflect.Proxy.getInvocationHandler(p2);
		UserRequest joinReq = c.buildRequest(
		    new RemoteInvocationHandler.UserRPCRequest(0, h.getOid(),
		    "hudson.Launcher$RemoteProcess", "join", new String[0],
		    new Object[0]));
		CompletableFuture<hudson.remoting.Response> join =
		    c.callAsync(joinReq);
		long pid = waitPids(pidFile, 1).get(0);
		if (!Boolean.TRUE.equals(rpc(p2, "isAlive")))
			throw fail("isAlive false while running");
		rpc(p2, "kill");
		Conn.Result jr;
		try {
			jr = c.await(join, TIMEOUT_MS, "join");
		} catch (Conn.CallFailed x) {
			throw fail(x.getMessage());
		}
		if (alive(pid))
			throw fail("kill: pid " + pid + " survives");
		step("launch-kill", "join pending, kill -> join=" + jr.value +
		    ", pid " + pid + " gone");
	}

	/* ---- abort of a running sh ---- */

	private List<Long> waitPids(String file, int n) throws Exception {
		long until = System.currentTimeMillis() + 15000;
		for (;;) {
			try {
				List<Long> l = new ArrayList<>();
				for (String s : Files.readAllLines(Path.of(file)))
					if (!s.isBlank())
						l.add(Long.parseLong(s.trim()));
				if (l.size() >= n)
					return l;
			} catch (IOException | NumberFormatException e) {
				/* not yet */
			}
			if (System.currentTimeMillis() > until)
				throw fail(file + ": fewer than " + n + " pids after 15 s");
			Thread.sleep(100);
		}
	}

	/* Running and not a zombie. */
	private static boolean alive(long pid) {
		try {
			String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
			int p = st.lastIndexOf(')');
			return p > 0 && st.length() > p + 2 && st.charAt(p + 2) != 'Z' &&
			    st.charAt(p + 2) != 'X';
		} catch (IOException e) {
			return false;
		}
	}

	/* Live processes whose environment holds KEY=VALUE. */
	private static List<Long> withEnv(String kv) {
		List<Long> l = new ArrayList<>();
		byte[] want = (kv).getBytes(StandardCharsets.UTF_8);
		try (Stream<Path> ps = Files.list(Path.of("/proc"))) {
			for (Path p : (Iterable<Path>)ps::iterator) {
				String n = p.getFileName().toString();
				if (!n.chars().allMatch(Character::isDigit))
					continue;
				byte[] env;
				try {
					env = Files.readAllBytes(p.resolve("environ"));
				} catch (IOException e) {
					continue;
				}
				int s = 0;
				for (int i = 0; i <= env.length; i++) {
					if (i == env.length || env[i] == 0) {
						if (i - s == want.length && java.util.Arrays.equals(
						    env, s, i, want, 0, want.length) &&
						    alive(Long.parseLong(n)))
							l.add(Long.parseLong(n));
						s = i + 1;
					}
				}
			}
		} catch (IOException e) {
			/* no /proc: nothing found */
		}
		return l;
	}

	private void abortStep() throws Exception {
		String pids = ws + "/abort-pids.txt";
		Sh sh = shLaunch(ws, "echo $$ > abort-pids.txt\n" +
		    "sleep 300 &\necho $! >> abort-pids.txt\n" +
		    "sh -c 'echo $$ >> abort-pids.txt; exec sleep 300' &\n" +
		    "sleep 300\n", false, Map.of());
		List<Long> l = waitPids(pids, 3);
		poll(sh, ws);
		/* the 5-minute heartbeat: the log file is being touched */
		Object lm = act(new FilePath.LastModified(),
		    sh.controlDir + "/jenkins-log.txt");
		if (!(lm instanceof Long) || (Long)lm <= 0)
			throw fail("heartbeat LastModified: " + Conn.describe(lm));
		if (sh.code != null)
			throw fail("abort: the step ended early (" + sh.code + ")");
		for (long p : l)
			if (!alive(p))
				throw fail("abort: pid " + p + " not running before kill");
		value(new Launcher.RemoteLauncher.KillTask(Collections.singletonMap(
		    "JENKINS_SERVER_COOKIE", sh.cookie)), "KillTask");
		long until = System.currentTimeMillis() + 20000;
		while (sh.code == null) {
			if (System.currentTimeMillis() > until)
				throw fail("abort: no exit code 20 s after KillTask");
			Thread.sleep(250);
			poll(sh, ws);
		}
		writeLog(sh);
		act(new FilePath.DeleteRecursive(), sh.controlDir);
		List<Long> left = new ArrayList<>();
		for (long p : l)
			if (alive(p))
				left.add(p);
		List<Long> cookie = withEnv("JENKINS_SERVER_COOKIE=" + sh.cookie);
		if (!left.isEmpty() || !cookie.isEmpty())
			throw fail("abort: still running: step pids " + left +
			    ", with the server cookie " + cookie);
		if (sh.code == 0)
			throw fail("abort: the killed step reported exit code 0");
		String[] ll = sh.log.strip().split("\n");
		step("abort", "KillTask{JENKINS_SERVER_COOKIE} killed the step's " +
		    "processes " + l + " and its foreground sleep (checked in " +
		    "/proc, by pid and by cookie), exit code " + sh.code +
		    ", log ends \"" + ll[ll.length - 1] + "\"");
	}

	private void nodeEnd() throws Exception {
		value(new Launcher.RemoteLauncher.KillTask(Collections.singletonMap(
		    "JENKINS_NODE_COOKIE", nodeCookie)), "KillTask");
		List<Long> left = withEnv("JENKINS_NODE_COOKIE=" + nodeCookie);
		if (!left.isEmpty())
			throw fail("end of node: processes with the node cookie " +
			    "survive: " + left);
		step("node-end", "KillTask{JENKINS_NODE_COOKIE}: no process of " +
		    "the node block left");
	}

	/* ---- hostile inputs ---- */

	private Throwable untar(byte[] tgz, String dir) throws Exception {
		Streams.Source src = c.streams.newSource(new ByteArrayInputStream(
		    tgz));
		Conn.Result r = call(new FilePath.FileCallableWrapper(
		    new FilePath.UntarRemote("hostile.tar.gz",
		    FilePath.TarCompression.GZIP, new RemoteInputStream(
		    c.streams.pipeFor(src))), new FilePath(dir)));
		src.kill();
		return r.thrown;
	}

	private void hostile() throws Exception {
		String outside = Path.of(root).toAbsolutePath().getParent() +
		    "/outside-" + UUID.randomUUID();
		Files.createDirectories(Path.of(outside));
		String dest = ws + "/unpack";
		try {
			hostileTars(outside, dest);
			outsidePaths(outside);
		} finally {
			try (Stream<Path> w = Files.walk(Path.of(outside))) {
				w.sorted(java.util.Comparator.reverseOrder())
				    .forEach(p -> p.toFile().delete());
			}
		}
	}

	private void noneOutside(String outside, String what)
	    throws Exception {
		try (Stream<Path> w = Files.list(Path.of(outside))) {
			List<Path> l = w.toList();
			if (!l.isEmpty())
				throw fail(what + ": written outside the target: " + l);
		}
		if (Files.exists(Path.of(ws, "escape.txt")))
			throw fail(what + ": ../ escaped the target");
	}

	private void hostileTars(String outside, String dest) throws Exception {
		byte[] x = "pwned\n".getBytes(StandardCharsets.UTF_8);
		Object[][] cases = {
			{ "tar-dotdot", new Tar.Writer().file("ok.txt", x)
			    .file("../escape.txt", x).gzip(true) },
			{ "tar-absolute", new Tar.Writer()
			    .file(outside + "/abs.txt", x).gzip(true) },
			{ "tar-symlink", new Tar.Writer()
			    .entry("lnk", '2', 0, outside, null)
			    .file("lnk/through-link.txt", x).gzip(true) },
			{ "tar-symlink-relative", new Tar.Writer()
			    .entry("up", '2', 0, "../../..", null)
			    .file("up/through-link.txt", x).gzip(true) },
		};
		for (Object[] k : cases) {
			Throwable t = untar((byte[])k[1], dest);
			if (t == null)
				throw fail("unstash " + k[0] + ": accepted");
			noneOutside(outside, "unstash " + k[0]);
			if (Files.exists(Path.of(root).toAbsolutePath().getParent()
			    .getParent().resolve("through-link.txt")))
				throw fail("unstash " + k[0] + ": wrote through a link");
			ping();
			step("hostile-" + k[0], "refused: " + t.getClass().getName() +
			    ": " + t.getMessage());
		}
		/* 4 GiB declared, a few bytes sent, the stream just ends */
		byte[] big = new Tar.Writer().entry("huge.bin", '0', 1L << 32, null,
		    null).gzip(false);
		big = concatTruncated(big);
		Throwable t = untar(big, dest);
		if (t == null)
			throw fail("unstash of a 4 GB declared entry: accepted");
		Path h = Path.of(dest, "huge.bin");
		long sz = Files.exists(h) ? Files.size(h) : 0;
		if (sz > (1 << 20))
			throw fail("4 GB entry: " + sz + " bytes written");
		ping();
		step("hostile-4GB", "entry declaring 4294967296 bytes on a short " +
		    "stream refused: " + t.getClass().getName() + ": " +
		    t.getMessage() + " (agent alive)");
		hugeString();
	}

	/*
	 * writeFile whose content is a TC_LONGSTRING declaring 4 GiB (8-byte
	 * length) followed by a few bytes: the agent must refuse the payload
	 * with an exception for this request, without allocating, and keep
	 * the channel.
	 */
	private void hugeString() throws Exception {
		String mark = "JNAGENT-HUGE-CONTENT";
		String target = ws + "/huge-string.txt";
		byte[] p = Payload.write(new FilePath.FileCallableWrapper(
		    new FilePath.Write(mark, "UTF-8"), new FilePath(target)),
		    c.multiClassLoader);
		byte[] m = mark.getBytes(StandardCharsets.US_ASCII);
		int at = -1;
		for (int i = 3; i + m.length <= p.length && at < 0; i++)
			if (p[i - 3] == 0x74 && p[i - 2] == 0 &&
			    p[i - 1] == m.length && java.util.Arrays.equals(p, i,
			    i + m.length, m, 0, m.length))
				at = i - 3;
		if (at < 0)
			throw fail("hostile payload: marker string not found");
		java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
		b.write(p, 0, at);
		b.write(0x7c);					/* TC_LONGSTRING */
		b.writeBytes(new byte[] { 0, 0, 0, 1, 0, 0, 0, 0 });	/* 4 GiB */
		b.write(p, at + 3, p.length - at - 3);
		UserRequest ur = c.buildRawRequest(b.toByteArray(),
		    "hudson.FilePath$FileCallableWrapper@4gb");
		Conn.Result r;
		try {
			r = c.await(c.callAsync(ur), TIMEOUT_MS, "4 GB string");
		} catch (Conn.CallFailed e) {
			throw fail(e.getMessage());
		}
		if (r.thrown == null)
			throw fail("a 4 GiB declared string was accepted: " +
			    Conn.describe(r.value));
		if (Files.exists(Path.of(target)))
			throw fail("4 GiB string: the file was written");
		ping();
		step("hostile-4GB-string", "Write whose content declares " +
		    "4294967296 bytes (TC_LONGSTRING) refused: " +
		    r.thrown.getClass().getName() + ": " + r.thrown.getMessage() +
		    " (channel up)");
	}

	/* header + 4 KiB of content, no end blocks: a truncated stream */
	private static byte[] concatTruncated(byte[] headerOnly)
	    throws IOException {
		byte[] tar = new java.util.zip.GZIPInputStream(
		    new ByteArrayInputStream(headerOnly)).readAllBytes();
		byte[] all = java.util.Arrays.copyOf(tar, tar.length + 4096);
		java.util.Arrays.fill(all, tar.length, all.length, (byte)'A');
		java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
		try (java.util.zip.GZIPOutputStream g =
		    new java.util.zip.GZIPOutputStream(z)) {
			g.write(all);
		}
		return z.toByteArray();
	}

	private void outsidePaths(String outside) throws Exception {
		Path secret = Path.of(outside, "secret.txt");
		Files.writeString(secret, "outside the workspace\n");
		Path link = Path.of(ws, "outside-link");
		Files.deleteIfExists(link);
		Files.createSymbolicLink(link, secret);
		Streams.Sink s = read(link.toString(),
		    new OpenOption[] { LinkOption.NOFOLLOW_LINKS }, ws);
		Throwable e = s.await(0);
		if (e == null || s.bytes != 0)
			throw fail("read(root, NOFOLLOW_LINKS) through a link out of " +
			    "the workspace: " + s.bytes + " bytes, error " + e);
		Object in = act(new FilePath.IsDescendant("data/hello.txt"), ws);
		Object viaLink = act(new FilePath.IsDescendant("outside-link"), ws);
		Object up = act(new FilePath.IsDescendant("../outside.txt"), ws);
		if (!Boolean.TRUE.equals(in) || !Boolean.FALSE.equals(viaLink) ||
		    !Boolean.FALSE.equals(up))
			throw fail("IsDescendant: " + in + "/" + viaLink + "/" + up);
		Files.delete(link);
		step("hostile-outside-path", "read through a link to " + secret +
		    " with NOFOLLOW_LINKS -> " + e.getClass().getSimpleName() +
		    "; isDescendant: data/hello.txt=true outside-link=false " +
		    "../outside.txt=false");
	}

	/* ---- --scenario pipeline-bench: figures only ---- */

	private long agentPid = -1;

	/* Reset the agent's peak RSS (VmHWM), as far as the kernel lets us. */
	private void resetPeak() {
		if (agentPid <= 0)
			return;
		try {
			Files.writeString(Path.of("/proc/" + agentPid + "/clear_refs"),
			    "5");
		} catch (IOException e) {
			/* not root or old kernel: the peak is over the run */
		}
	}

	private String peak() {
		if (agentPid <= 0)
			return "agent_vmhwm_kb=unknown";
		try {
			for (String l : Files.readAllLines(Path.of("/proc/" + agentPid +
			    "/status")))
				if (l.startsWith("VmHWM:"))
					return "agent_vmhwm_kb=" +
					    l.replaceAll("[^0-9]", "");
		} catch (IOException e) {
			/* gone */
		}
		return "agent_vmhwm_kb=unknown";
	}

	private void figure(String phase, long bytes, long nanos, String more) {
		double s = nanos / 1e9;
		Log.status(String.format("PBENCH phase=%s bytes=%d seconds=%.2f " +
		    "mb_per_s=%.1f %s%s", phase, bytes, s, bytes / 1048576.0 / s,
		    peak(), more.isEmpty() ? "" : " " + more));
	}

	private Object slow(FilePath.FileCallable fc, String path)
	    throws Exception {
		try {
			Conn.Result r = c.call(new FilePath.FileCallableWrapper(fc,
			    new FilePath(path)), 900000);
			if (r.thrown != null)
				throw fail(shortName(fc) + " failed: " + r.thrown);
			return r.value;
		} catch (Conn.CallFailed e) {
			throw fail(e.getMessage());
		}
	}

	void bench(long pid, int mb, int nfiles) throws Exception {
		agentPid = pid;
		long size = (long)mb << 20;
		Log.transcript = false;
		Path tmp = Files.createTempDirectory("jnagent-pbench");
		try {
			benchTls(size);
			benchSh(size);
			benchStash(size, tmp);
			benchArtifacts(nfiles);
		} finally {
			try (Stream<Path> w = Files.walk(tmp)) {
				w.sorted(java.util.Comparator.reverseOrder())
				    .forEach(p -> p.toFile().delete());
			}
			act(new FilePath.DeleteRecursive(), ws);
			act(new FilePath.DeleteRecursive(), ws + "@tmp");
		}
	}

	/*
	 * Baseline measured in the same run: size bytes over loopback TLS
	 * between two sockets of this JVM (the controller's own TLS stack,
	 * the one the agent's channel runs against).
	 */
	private void benchTls(long size) throws Exception {
		Identity id = Identity.create(false, null);
		javax.net.ssl.SSLServerSocket ss = (javax.net.ssl.SSLServerSocket)
		    id.ssl.getServerSocketFactory().createServerSocket(0, 1,
		    java.net.InetAddress.getLoopbackAddress());
		javax.net.ssl.X509TrustManager any =
		    new javax.net.ssl.X509TrustManager() {
			@Override
			public void checkClientTrusted(
			    java.security.cert.X509Certificate[] ch, String a) {
			}

			@Override
			public void checkServerTrusted(
			    java.security.cert.X509Certificate[] ch, String a) {
			}

			@Override
			public java.security.cert.X509Certificate[] getAcceptedIssuers() {
				return new java.security.cert.X509Certificate[0];
			}
		};
		javax.net.ssl.SSLContext cc = javax.net.ssl.SSLContext
		    .getInstance("TLS");
		cc.init(null, new javax.net.ssl.TrustManager[] { any }, null);
		CompletableFuture<Long> got = new CompletableFuture<>();
		Thread srv = new Thread(() -> {
			try (java.net.Socket s = ss.accept();
			    InputStream in = s.getInputStream()) {
				byte[] b = new byte[1 << 16];
				long n = 0;
				for (int r; (r = in.read(b)) > 0; )
					n += r;
				got.complete(n);
			} catch (IOException e) {
				got.completeExceptionally(e);
			}
		}, "tls-baseline");
		srv.setDaemon(true);
		srv.start();
		long t0;
		try (java.net.Socket s = cc.getSocketFactory().createSocket(
		    java.net.InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
			((javax.net.ssl.SSLSocket)s).startHandshake();
			t0 = System.nanoTime();
			java.io.OutputStream o = s.getOutputStream();
			byte[] b = new byte[1 << 16];
			for (long left = size; left > 0; left -= b.length)
				o.write(b, 0, (int)Math.min(left, b.length));
			o.flush();
			s.shutdownOutput();
			long n = got.get(600, java.util.concurrent.TimeUnit.SECONDS);
			if (n != size)
				throw fail("TLS baseline: " + n + " of " + size + " bytes");
		} finally {
			ss.close();
		}
		Log.status(String.format("PBENCH phase=tls-baseline bytes=%d " +
		    "seconds=%.2f mb_per_s=%.1f agent_vmhwm_kb=- protocol=%s",
		    size, (System.nanoTime() - t0) / 1e9,
		    size / 1048576.0 / ((System.nanoTime() - t0) / 1e9),
		    "TLS-loopback-in-controller-JVM"));
	}

	/* sh printing size bytes, fetched by WriteLog polling. */
	private void benchSh(long size) throws Exception {
		resetPeak();
		long t0 = System.nanoTime();
		Sh sh = shLaunch(ws, "set +x\nyes 'jnagent pipeline bench: a " +
		    "line of build output, about eighty bytes long......' | " +
		    "head -c " + size + "\n", false, Map.of());
		String log = sh.controlDir + "/jenkins-log.txt";
		long got = 0, delay = 250;
		for (;;) {
			Streams.Sink s = c.streams.newSink(false);
			slow(new FileMonitoringController.WriteLog(got,
			    new RemoteOutputStream(s.oid)), log);
			got += s.bytes;
			c.streams.drop(s);
			if (sh.code != null)
				break;
			Object st = act(new FileMonitoringController.StatusCheck(),
			    sh.controlDir + "/jenkins-result.txt");
			sh.code = (Integer)st;
			if (sh.code == null && s.bytes == 0) {
				Thread.sleep(delay);
				delay = Math.min(2000, (long)(delay * 1.2));
			} else {
				delay = 250;
			}
		}
		long t = System.nanoTime() - t0;
		act(new FilePath.DeleteRecursive(), sh.controlDir);
		if (sh.code != 0 || got < size)
			throw fail("bench sh: exit " + sh.code + ", " + got + " of " +
			    size + " bytes");
		figure("sh-output", got, t, "exit=" + sh.code);
	}

	private void benchStash(long size, Path tmp) throws Exception {
		String tree = ws + "/tree";
		int nf = 64;
		long per = size / nf;
		byte[] buf = new byte[1 << 20];
		Random r = new Random(1);
		for (int i = 0; i < nf; i++) {
			Path p = Path.of(tree, "d" + (i % 8), "f" + i + ".bin");
			Files.createDirectories(p.getParent());
			try (java.io.OutputStream o = Files.newOutputStream(p)) {
				for (long left = per; left > 0; left -= buf.length) {
					/* half random, half text: gzip has work to do */
					int n = (int)Math.min(left, buf.length);
					r.nextBytes(buf);
					java.util.Arrays.fill(buf, n / 2, n, (byte)'a');
					o.write(buf, 0, n);
				}
			}
		}
		Path tgz = tmp.resolve("stash.tar.gz");
		resetPeak();
		long t0 = System.nanoTime();
		Streams.Sink s;
		try (java.io.OutputStream o = new java.io.BufferedOutputStream(
		    Files.newOutputStream(tgz), 1 << 20)) {
			s = c.streams.newSink(o);
			Object n = slow(new FilePath.Archive(ArchiverFactory.TARGZ,
			    new RemoteOutputStream(s.oid), new DirScanner.Glob(
			    "tree/**", null, true, new OpenOption[0]), null,
			    new OpenOption[0]), ws);
			if (s.await(900000) != null || !Integer.valueOf(nf).equals(n))
				throw fail("bench stash: " + n);
		}
		figure("stash", nf * per, System.nanoTime() - t0,
		    "files=" + nf + " tgz_bytes=" + s.bytes);
		act(new FilePath.DeleteRecursive(), tree);
		resetPeak();
		t0 = System.nanoTime();
		Streams.Source src = c.streams.newSource(new java.io
		    .BufferedInputStream(Files.newInputStream(tgz), 1 << 20));
		slow(new FilePath.UntarRemote("bench.tar.gz",
		    FilePath.TarCompression.GZIP, new RemoteInputStream(
		    c.streams.pipeFor(src))), ws);
		String how = src.done.get(60, java.util.concurrent.TimeUnit.SECONDS);
		long t = System.nanoTime() - t0;
		long total = 0;
		try (Stream<Path> w = Files.walk(Path.of(tree))) {
			for (Path p : (Iterable<Path>)w::iterator)
				if (Files.isRegularFile(p))
					total += Files.size(p);
		}
		if (!how.equals("ok") || total != nf * per)
			throw fail("bench unstash: " + how + ", " + total + " bytes");
		figure("unstash", total, t, "tgz_bytes=" + src.sent);
		act(new FilePath.DeleteRecursive(), tree);
	}

	private void benchArtifacts(int nfiles) throws Exception {
		Random r = new Random(2);
		for (int i = 0; i < nfiles; i++) {
			Path p = Path.of(ws, "artifacts", "d" + (i % 100),
			    "a" + i + ".txt");
			Files.createDirectories(p.getParent());
			Files.writeString(p, "artifact " + i + " " + r.nextLong() +
			    "\n".repeat(1 + r.nextInt(4)) + "x".repeat(r.nextInt(2000)));
		}
		resetPeak();
		long t0 = System.nanoTime();
		Object v = slow(new ArtifactArchiver.ListFiles("artifacts/**", "",
		    true, true, true), ws);
		Set<?> files = typed(v, Set.class, "ListFiles");
		long tl = System.nanoTime() - t0;
		Map<String, String> map = new HashMap<>();
		for (Object f : files)
			map.put((String)f, (String)f);
		Streams.Sink s = c.streams.newSink(false);
		Object n = slow(new FilePath.CopyRecursiveRemoteToLocal(
		    c.streams.pipeFor(s), new FilePath.ExplicitlySpecifiedDirScanner(
		    map), FilePath.TarCompression.GZIP, "UTF-8"), ws);
		if (s.await(900000) != null || !Integer.valueOf(nfiles).equals(n))
			throw fail("bench archiveArtifacts: " + n + " of " + nfiles);
		long t = System.nanoTime() - t0;
		figure("archiveArtifacts", s.bytes, t, String.format(
		    "files=%d files_per_s=%.0f listfiles_ms=%.0f", nfiles,
		    nfiles / (t / 1e9), tl / 1e6));
	}
}
