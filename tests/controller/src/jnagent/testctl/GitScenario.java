/*
 * GitScenario.java: `--scenario git` replays what the git plugin's
 * `checkout scm` sends through git-client (docs/git-checkout.md) against
 * local repositories: a bare repository over file://, then the same over
 * HTTP served by `git http-backend` behind a loopback server with basic
 * auth.  Checks the workspace, the revision built, the changelog, the
 * GitException of a failing fetch and the refusal of an unserved method.
 * One `STEP git-<name> ok ...` line per step.  --remote-root must be the
 * agent's -workDir on this host (the workspace is checked on disk).
 */
package jnagent.testctl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import hudson.FilePath;
import hudson.remoting.ProxyWriter;
import hudson.remoting.RemoteInvocationHandler;
import hudson.remoting.RemoteWriter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.URIish;
import org.jenkinsci.plugins.gitclient.ChangelogCommand;
import org.jenkinsci.plugins.gitclient.CheckoutCommand;
import org.jenkinsci.plugins.gitclient.CloneCommand;
import org.jenkinsci.plugins.gitclient.FetchCommand;
import org.jenkinsci.plugins.gitclient.Git;
import org.jenkinsci.plugins.gitclient.RemoteGitImpl;
import org.jenkinsci.plugins.gitclient.verifier.NoHostKeyVerifier;

final class GitScenario {
	private static final long TIMEOUT_MS = 120_000;
	private static final String IFACE = "hudson.plugins.git.IGitAPI";
	private static final String S = "java.lang.String";

	private static final java.util.concurrent.atomic.AtomicInteger RPC_IDS =
	    new java.util.concurrent.atomic.AtomicInteger(1_000_000);

	private final Conn c;
	private final String root;
	private final File fixture;
	private int writerOid = 900000;
	private Streams.Sink log;

	/* The build log as a listener carries it: a RemoteOutputStream. */
	static final class BuildLog implements hudson.model.TaskListener {
		private static final long serialVersionUID = 1L;
		private final hudson.remoting.RemoteOutputStream ros;

		BuildLog(int oid) {
			ros = new hudson.remoting.RemoteOutputStream(oid);
		}
	}

	GitScenario(Conn c, String root) {
		this.c = c;
		this.root = root;
		this.fixture = new File(root, "git-fixture");
	}

	private static Checks.Failed fail(String m) {
		return new Checks.Failed(m);
	}

	private static void step(String name, String detail) {
		Log.status("STEP git-" + name + " ok " + detail);
	}

	/* ---- local git on the controller side (fixtures, checks) ---- */

	private static String sh(File dir, String... argv)
	    throws IOException, InterruptedException, Checks.Failed {
		ProcessBuilder pb = new ProcessBuilder(argv).directory(dir)
		    .redirectErrorStream(true);
		Map<String, String> e = pb.environment();
		e.put("GIT_AUTHOR_NAME", "Ada Tester");
		e.put("GIT_AUTHOR_EMAIL", "ada@example.org");
		e.put("GIT_COMMITTER_NAME", "Ada Tester");
		e.put("GIT_COMMITTER_EMAIL", "ada@example.org");
		e.put("GIT_CONFIG_NOSYSTEM", "1");
		e.put("HOME", dir.getAbsolutePath());
		Process p = pb.start();
		byte[] out = p.getInputStream().readAllBytes();
		if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
			throw fail(String.join(" ", argv) + " failed: " +
			    new String(out, StandardCharsets.UTF_8));
		return new String(out, StandardCharsets.UTF_8).trim();
	}

	/* A commit of file=content in the seed clone, pushed; its sha. */
	private String commit(File seed, String file, String content,
	    String msg) throws Exception {
		Files.writeString(new File(seed, file).toPath(), content);
		sh(seed, "git", "add", file);
		sh(seed, "git", "commit", "-q", "-m", msg);
		sh(seed, "git", "push", "-q", "origin", "HEAD:refs/heads/master");
		return sh(seed, "git", "rev-parse", "HEAD");
	}

	/* ---- calls ---- */

	private Conn.Result call(Object callable) throws Exception {
		try {
			return c.call(callable, TIMEOUT_MS);
		} catch (Conn.CallFailed e) {
			throw fail(e.getMessage());
		}
	}

	private Object rpcResult(Object proxy, String method, String[] types,
	    Object[] args, boolean mustFail) throws Exception {
		if (!(proxy instanceof Proxy))
			throw fail("not a proxy: " + Conn.describe(proxy));
		RemoteInvocationHandler h = (RemoteInvocationHandler)
		    Proxy.getInvocationHandler(proxy);
		Conn.Result r = call(new RemoteInvocationHandler.UserRPCRequest(
		    RPC_IDS.incrementAndGet(), h.getOid(), IFACE, method,
		    types, args));
		if (mustFail) {
			if (r.thrown == null)
				throw fail(method + " succeeded, expected a failure");
			return r.thrown;
		}
		if (r.thrown != null)
			throw fail(method + " threw " + r.thrown);
		return r.value;
	}

	private Object rpc(Object proxy, String method, String[] types,
	    Object... args) throws Exception {
		return rpcResult(proxy, method, types, args, false);
	}

	private void exec(RemoteGitImpl.Builder b, String what)
	    throws Exception {
		Conn.Result r = call(b.callable());
		if (r.thrown != null)
			throw fail(what + " threw " + r.thrown);
	}

	private Object client(String ws) throws Exception {
		return client(ws, null);
	}

	private Object client(String ws, hudson.EnvVars env) throws Exception {
		Git git = new Git(log != null ? new BuildLog(log.oid) : null, env,
		    new FilePath(ws), "git",
		    new NoHostKeyVerifier());
		Conn.Result r = call(new FilePath.FileCallableWrapper(
		    git.clientCallable(), new FilePath(ws)));
		if (r.thrown != null)
			throw fail("GitAPIMasterToSlaveFileCallable threw " +
			    r.thrown);
		if (!(r.value instanceof RemoteGitImpl))
			throw fail("client is " + Conn.describe(r.value) +
			    ", expected RemoteGitImpl");
		return ((RemoteGitImpl)r.value).getProxy();
	}

	/* GitSCM.retrieveChanges + determineRevision + checkout + changelog. */
	private String checkoutScm(Object git, String url, URIish uri,
	    String prevSha, String expectSha, String label) throws Exception {
		return checkoutScm(git, url, uri, prevSha, expectSha, label, null);
	}

	/* lfsRemote != null: GitLFSPull's checkout().lfsRemote(..). */
	private String checkoutScm(Object git, String url, URIish uri,
	    String prevSha, String expectSha, String label, String lfsRemote)
	    throws Exception {
		boolean has = (Boolean)rpc(git, "hasGitRepo",
		    new String[] { "boolean" }, false);
		if (!has) {
			exec(new RemoteGitImpl.Builder(CloneCommand.class, git)
			    .call("url", S, url)
			    .call("repositoryName", S, "origin")
			    .call("timeout", "java.lang.Integer", null), "clone");
		} else if (prevSha == null)
			throw fail("hasGitRepo true before the first clone");
		/* GitHooksConfiguration.configure(git): hooks are not allowed
		 * on agents by default */
		rpc(git, "withRepository", new String[] {
		    "org.jenkinsci.plugins.gitclient.RepositoryCallback" },
		    new jenkins.plugins.git.DisableHooks());
		List<RefSpec> rs = new ArrayList<>();
		rs.add(new RefSpec("+refs/heads/*:refs/remotes/origin/*"));
		rpc(git, "setRemoteUrl", new String[] { S, S }, "origin", url);
		exec(new RemoteGitImpl.Builder(FetchCommand.class, git)
		    .call("from", "org.eclipse.jgit.transport.URIish", uri,
		    "java.util.List", rs)
		    .call("tags", "boolean", false), "fetch");
		Object id = rpc(git, "revParse", new String[] { S },
		    "refs/remotes/origin/master");
		if (!(id instanceof ObjectId) ||
		    !((ObjectId)id).name().equals(expectSha))
			throw fail("revParse gave " + Conn.describe(id) +
			    ", expected " + expectSha);
		RemoteGitImpl.Builder co = new RemoteGitImpl.Builder(
		    CheckoutCommand.class, git)
		    .call("branch", S, null)
		    .call("ref", S, expectSha)
		    .call("deleteBranchIfExist", "boolean", true)
		    .call("timeout", "java.lang.Integer", null);
		if (lfsRemote != null)
			co.call("lfsRemote", S, lfsRemote)
			    .call("lfsCredentials", "com.cloudbees.plugins." +
			    "credentials.common.StandardCredentials", null);
		exec(co, "checkout");
		String text = null;
		if (prevSha != null) {
			Boolean in = (Boolean)rpc(git, "isCommitInRepo",
			    new String[] { "org.eclipse.jgit.lib.AnyObjectId" },
			    ObjectId.fromString(prevSha));
			if (!Boolean.TRUE.equals(in))
				throw fail(label + ": previous build not in repo");
			int oid = ++writerOid;
			CompletableFuture<String> f = ProxyWriter.expect(oid);
			exec(new RemoteGitImpl.Builder(ChangelogCommand.class, git)
			    .call("includes", "org.eclipse.jgit.lib.ObjectId",
			    ObjectId.fromString(expectSha))
			    .call("excludes", "org.eclipse.jgit.lib.ObjectId",
			    ObjectId.fromString(prevSha))
			    .call("to", "java.io.Writer", new RemoteWriter(oid))
			    .call("max", "int", 1024), "changelog");
			text = f.get(30, TimeUnit.SECONDS);
		}
		return text;
	}

	private void checkWorkspace(String ws, String file, String content,
	    String sha) throws Exception {
		String got = Files.readString(Path.of(ws, file));
		if (!got.equals(content))
			throw fail(ws + "/" + file + " holds '" + got + "'");
		String head = sh(new File(ws), "git", "rev-parse", "HEAD");
		if (!head.equals(sha))
			throw fail("HEAD is " + head + ", expected " + sha);
	}

	private static void checkChangelog(String log, String sha,
	    String prev, String msg) throws Checks.Failed {
		if (log == null || !log.startsWith("commit " + sha + "\n") ||
		    !log.contains("\ntree ") || !log.contains("\nparent " + prev) ||
		    !log.contains("\nauthor Ada Tester <ada@example.org> ") ||
		    !log.contains("\n    " + msg + "\n") ||
		    log.contains("commit " + prev))
			throw fail("unexpected changelog: " + log);
	}

	/* ---- the HTTP remote: git http-backend behind basic auth ---- */

	private HttpServer httpRemote(File projectRoot, String user,
	    String pass) throws IOException {
		HttpServer s = HttpServer.create(
		    new InetSocketAddress("127.0.0.1", 0), 0);
		String want = "Basic " + Base64.getEncoder().encodeToString(
		    (user + ":" + pass).getBytes(StandardCharsets.UTF_8));
		s.createContext("/git/", ex -> {
			try {
				cgi(ex, projectRoot, want, user);
			} catch (Exception e) {
				Log.info("git http-backend: " + e);
				ex.sendResponseHeaders(500, -1);
			} finally {
				ex.close();
			}
		});
		s.start();
		return s;
	}

	private static void cgi(HttpExchange ex, File projectRoot, String want,
	    String user) throws Exception {
		String auth = ex.getRequestHeaders().getFirst("Authorization");
		if (!want.equals(auth)) {
			ex.getResponseHeaders().add("WWW-Authenticate",
			    "Basic realm=\"git\"");
			ex.sendResponseHeaders(401, -1);
			return;
		}
		ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
		Map<String, String> e = pb.environment();
		e.put("GIT_PROJECT_ROOT", projectRoot.getAbsolutePath());
		e.put("GIT_HTTP_EXPORT_ALL", "1");
		e.put("REQUEST_METHOD", ex.getRequestMethod());
		e.put("PATH_INFO", ex.getRequestURI().getPath().substring(4));
		String q = ex.getRequestURI().getRawQuery();
		e.put("QUERY_STRING", q == null ? "" : q);
		String ct = ex.getRequestHeaders().getFirst("Content-Type");
		e.put("CONTENT_TYPE", ct == null ? "" : ct);
		String ce = ex.getRequestHeaders().getFirst("Content-Encoding");
		if (ce != null)
			e.put("HTTP_CONTENT_ENCODING", ce);
		e.put("REMOTE_USER", user);
		e.put("REMOTE_ADDR", "127.0.0.1");
		e.put("GIT_CONFIG_NOSYSTEM", "1");
		Process p = pb.start();
		try (OutputStream in = p.getOutputStream();
		    InputStream body = ex.getRequestBody()) {
			body.transferTo(in);
		}
		byte[] out = p.getInputStream().readAllBytes();
		p.waitFor(60, TimeUnit.SECONDS);
		int i = 0, status = 200;
		while (i < out.length) {
			int j = i;
			while (j < out.length && out[j] != '\n')
				j++;
			String line = new String(out, i, j - i,
			    StandardCharsets.ISO_8859_1).replace("\r", "");
			i = j + 1;
			if (line.isEmpty())
				break;
			int colon = line.indexOf(':');
			if (colon < 0)
				continue;
			String k = line.substring(0, colon).trim();
			String v = line.substring(colon + 1).trim();
			if (k.equalsIgnoreCase("Status"))
				status = Integer.parseInt(v.split(" ")[0]);
			else
				ex.getResponseHeaders().add(k, v);
		}
		int n = Math.max(0, out.length - i);
		ex.sendResponseHeaders(status, n == 0 ? -1 : n);
		if (n > 0)
			try (OutputStream os = ex.getResponseBody()) {
				os.write(out, i, n);
			}
	}

	private static Object credential(String user, String pass) {
		return new com.cloudbees.plugins.credentials.impl
		    .UsernamePasswordCredentialsImpl(com.cloudbees.plugins
		    .credentials.CredentialsScope.GLOBAL, "git-http", "",
		    user, pass);
	}

	/* ---- submodules, branch surface, ls-remote, LFS ---- */

	private RemoteGitImpl.Builder submoduleUpdate(Object git) {
		/* SubmoduleOption.onCheckoutCompleted's builder */
		return new RemoteGitImpl.Builder(
		    org.jenkinsci.plugins.gitclient.SubmoduleUpdateCommand.class,
		    git)
		    .call("recursive", "boolean", true)
		    .call("remoteTracking", "boolean", false)
		    .call("parentCredentials", "boolean", false)
		    .call("ref", S, "")
		    .call("timeout", "java.lang.Integer", null)
		    .call("shallow", "boolean", false)
		    .call("threads", "int", 1);
	}

	private void setupSubmoduleUrls(Object git, String sha)
	    throws Exception {
		List<hudson.plugins.git.Branch> br = new ArrayList<>();
		br.add(new hudson.plugins.git.Branch("origin/master",
		    ObjectId.fromString(sha)));
		rpc(git, "setupSubmoduleUrls", new String[] {
		    "hudson.plugins.git.Revision", "hudson.model.TaskListener" },
		    new hudson.plugins.git.Revision(ObjectId.fromString(sha), br),
		    new BuildLog(log.oid));
	}

	/*
	 * A superproject with a submodule over file://.  git >= 2.38 refuses
	 * file:// submodules unless protocol.file.allow=always (git-client
	 * sets it in its own tests only): first without it (a GitException
	 * with git's message, as on a JVM agent), then with it in the
	 * client's environment (what a node's environment would give).
	 */
	private void submodules(File seed, String url, URIish uri)
	    throws Exception {
		File subBare = new File(fixture, "sub.git");
		File subSeed = new File(fixture, "subseed");
		sh(fixture, "git", "init", "-q", "--bare", subBare.getPath());
		sh(fixture, "git", "init", "-q", subSeed.getPath());
		sh(subSeed, "git", "remote", "add", "origin", subBare.getPath());
		String subSha = commit(subSeed, "sub.txt", "sub 1\n", "sub");
		String subUrl = "file://" + subBare.getAbsolutePath();
		sh(seed, "git", "-c", "protocol.file.allow=always", "submodule",
		    "add", "-q", subUrl, "libsub");
		sh(seed, "git", "commit", "-q", "-m", "add libsub");
		sh(seed, "git", "push", "-q", "origin", "HEAD:refs/heads/master");
		String sha4 = sh(seed, "git", "rev-parse", "HEAD");

		String ws = root + "/workspace/git-sub";
		Object g = client(ws);
		checkoutScm(g, url, uri, null, sha4, "submodule");
		if (!Boolean.TRUE.equals(rpc(g, "hasGitModules", new String[0])))
			throw fail("hasGitModules false with a .gitmodules");
		setupSubmoduleUrls(g, sha4);
		String cfg = sh(new File(ws), "git", "config",
		    "submodule.libsub.url");
		if (!cfg.equals(subUrl))
			throw fail("submodule init gave url " + cfg);
		Conn.Result r = call(submoduleUpdate(g).callable());
		if (!(r.thrown instanceof hudson.plugins.git.GitException) ||
		    !String.valueOf(r.thrown.getMessage()).contains(
		    "transport 'file' not allowed"))
			throw fail("file:// submodule without " +
			    "protocol.file.allow answered " + r.thrown);
		step("submodule-file-protocol", "refused like git: " +
		    r.thrown.getMessage().split("\n")[0]);

		hudson.EnvVars env = new hudson.EnvVars();
		env.put("GIT_CONFIG_COUNT", "1");
		env.put("GIT_CONFIG_KEY_0", "protocol.file.allow");
		env.put("GIT_CONFIG_VALUE_0", "always");
		g = client(ws, env);
		checkoutScm(g, url, uri, sha4, sha4, "submodule");
		setupSubmoduleUrls(g, sha4);
		exec(submoduleUpdate(g), "submodule update");
		File lib = new File(ws, "libsub");
		if (!Files.readString(new File(lib, "sub.txt").toPath())
		    .equals("sub 1\n") ||
		    !sh(lib, "git", "rev-parse", "HEAD").equals(subSha))
			throw fail("submodule not checked out at " + subSha);
		/* CleanCheckout with submodules: submoduleClean(recursive) */
		Files.writeString(new File(lib, "junk.txt").toPath(), "junk\n");
		Files.writeString(new File(lib, "sub.txt").toPath(), "dirty\n");
		rpc(g, "submoduleClean", new String[] { "boolean" }, true);
		if (new File(lib, "junk.txt").exists() ||
		    !Files.readString(new File(lib, "sub.txt").toPath())
		    .equals("sub 1\n"))
			throw fail("submoduleClean left the submodule dirty");
		Object su = rpc(g, "getSubmoduleUrl", new String[] { S },
		    "libsub");
		if (!subUrl.equals(su))
			throw fail("getSubmoduleUrl gave " + su);
		/* fixSubmoduleUrls: a non-bare local superproject remote
		 * (URL ending in /.git) lends its submodule copies */
		String nws = root + "/workspace/git-sub-nonbare";
		String nurl = "file://" + seed.getAbsolutePath() + "/.git";
		URIish nuri = new URIish("file", null, null, null, -1,
		    seed.getAbsolutePath() + "/.git");
		Object ng = client(nws, env);
		checkoutScm(ng, nurl, nuri, null, sha4, "non-bare");
		setupSubmoduleUrls(ng, sha4);
		String local = seed.getAbsolutePath() + "/libsub";
		String fixed = sh(new File(nws), "git", "config",
		    "submodule.libsub.url");
		if (!fixed.equals(local))
			throw fail("fixSubmoduleUrls gave " + fixed + ", expected " +
			    local);
		exec(submoduleUpdate(ng), "submodule update from a non-bare");
		if (!sh(new File(nws, "libsub"), "git", "rev-parse", "HEAD")
		    .equals(subSha))
			throw fail("non-bare submodule not at " + subSha);
		step("submodules", "libsub at " + subSha + " in " + sha4 +
		    ", cleaned; non-bare remote -> " + local);
	}

	private static ObjectId headOf(java.util.Collection<?> set, String name)
	    throws Checks.Failed {
		for (Object o : set) {
			hudson.plugins.git.GitObject b = (hudson.plugins.git.GitObject)o;
			if (b.getName().equals(name))
				return b.getSHA1();
		}
		throw fail(name + " not in " + set);
	}

	/* Build choosers & polling with a workspace: branches, tags. */
	private void branchSurface(File seed, String url, URIish uri,
	    String sha1, String sha2, String sha4, String feat)
	    throws Exception {
		sh(seed, "git", "tag", "v1", sha1);
		sh(seed, "git", "tag", "-a", "-m", "release 2", "v2", sha2);
		sh(seed, "git", "push", "-q", "origin", "--tags");
		String ws = root + "/workspace/git-file";
		Object g = client(ws);
		List<RefSpec> rs = new ArrayList<>();
		rs.add(new RefSpec("+refs/heads/*:refs/remotes/origin/*"));
		exec(new RemoteGitImpl.Builder(FetchCommand.class, g)
		    .call("from", "org.eclipse.jgit.transport.URIish", uri,
		    "java.util.List", rs)
		    .call("tags", "boolean", true), "fetch with tags");
		Object rb = rpc(g, "getRemoteBranches", new String[0]);
		if (!(rb instanceof java.util.HashSet) ||
		    !headOf((java.util.Set<?>)rb, "origin/master").name()
		    .equals(sha4) ||
		    !headOf((java.util.Set<?>)rb, "origin/feature").name()
		    .equals(feat) ||
		    !(((java.util.Set<?>)rb).iterator().next()
		    instanceof hudson.plugins.git.Branch))
			throw fail("getRemoteBranches gave " + rb);
		Object ab = rpc(g, "getBranches", new String[0]);
		if (!headOf((java.util.Set<?>)ab, "remotes/origin/master").name()
		    .equals(sha4))
			throw fail("getBranches gave " + ab);
		Object tags = rpc(g, "getTags", new String[0]);
		java.util.Set<?> ts = (java.util.Set<?>)tags;
		if (ts.size() != 2 || !headOf(ts, "v1").name().equals(sha1) ||
		    !headOf(ts, "v2").name().equals(sha2))
			throw fail("getTags gave " + tags);
		Object tn = rpc(g, "getTagNames", new String[] { S }, "v*");
		if (!(tn instanceof java.util.HashSet) ||
		    !tn.equals(new java.util.HashSet<>(List.of("v1", "v2"))))
			throw fail("getTagNames gave " + tn);
		Object bc = rpc(g, "getBranchesContaining",
		    new String[] { S, "boolean" }, feat, true);
		if (!(bc instanceof ArrayList) || ((List<?>)bc).size() != 1 ||
		    !headOf((List<?>)bc, "remotes/origin/feature").name()
		    .equals(feat))
			throw fail("getBranchesContaining gave " + bc);
		Object ru = rpc(g, "getRemoteUrl", new String[] { S }, "origin");
		if (!url.equals(ru))
			throw fail("getRemoteUrl gave " + ru);
		/* GitSCM.isRevExcluded (polling with exclusions) */
		String oid = "org.eclipse.jgit.lib.ObjectId";
		List<?> show = (List<?>)rpc(g, "showRevision", new String[] { oid,
		    oid }, ObjectId.fromString(sha1), ObjectId.fromString(sha2));
		if (!(show instanceof ArrayList) ||
		    !show.get(0).equals("commit " + sha2) ||
		    show.contains("commit " + sha1) ||
		    show.stream().noneMatch(x -> ((String)x).startsWith(":100644 ")) ||
		    show.get(show.size() - 1).equals(""))
			throw fail("showRevision gave " + show);
		List<?> show1 = (List<?>)rpc(g, "showRevision", new String[] { oid,
		    oid, "java.lang.Boolean" }, null, ObjectId.fromString(sha1),
		    false);
		if (!show1.get(0).equals("commit " + sha1) ||
		    show1.stream().anyMatch(x -> ((String)x).startsWith(":")))
			throw fail("showRevision(null, sha1, false) gave " + show1);
		rpc(g, "withRepository", new String[] {
		    "org.jenkinsci.plugins.gitclient.RepositoryCallback" },
		    new jenkins.plugins.git.UnsetHooks());
		if (!sh(new File(ws), "git", "config", "--default", "unset",
		    "core.hooksPath").equals("unset"))
			throw fail("UnsetHooks left core.hooksPath");
		step("branches", ((java.util.Set<?>)rb).size() +
		    " remote branches, tags " + tags);
	}

	/* `git ls-remote` lookups (getHeadRev & co.), file:// and HTTP. */
	private void lsRemote(String url, String hurl, String user,
	    String pass, String sha2, String sha4, String feat)
	    throws Exception {
		Object g = client(root + "/workspace/git-lsremote");
		@SuppressWarnings("unchecked")
		Map<String, ObjectId> heads = (Map<String, ObjectId>)rpc(g,
		    "getHeadRev", new String[] { S }, url);
		if (!(heads instanceof java.util.HashMap) || heads.size() != 2 ||
		    !heads.get("refs/heads/master").name().equals(sha4) ||
		    !heads.get("refs/heads/feature").name().equals(feat))
			throw fail("getHeadRev(url) gave " + heads);
		Object h1 = rpc(g, "getHeadRev", new String[] { S, S }, url,
		    "origin/master");
		Object h2 = rpc(g, "getHeadRev", new String[] { S, S }, url,
		    "refs/tags/v2");
		Object h3 = rpc(g, "getHeadRev", new String[] { S, S }, url,
		    "nosuchbranch");
		if (!((ObjectId)h1).name().equals(sha4) ||
		    !((ObjectId)h2).name().equals(sha2) || h3 != null)
			throw fail("getHeadRev(url, spec) gave " + h1 + " " + h2 +
			    " " + h3);
		@SuppressWarnings("unchecked")
		Map<String, ObjectId> refs = (Map<String, ObjectId>)rpc(g,
		    "getRemoteReferences", new String[] { S, S, "boolean",
		    "boolean" }, url, null, false, true);
		if (refs.size() != 2 ||
		    !refs.get("refs/tags/v2").name().equals(sha2))
			throw fail("getRemoteReferences gave " + refs);
		Object sym = rpc(g, "getRemoteSymbolicReferences",
		    new String[] { S, S }, url, null);
		if (!Map.of("HEAD", "refs/heads/master").equals(sym))
			throw fail("getRemoteSymbolicReferences gave " + sym);
		Conn.Result r = call(new RemoteInvocationHandler.UserRPCRequest(
		    RPC_IDS.incrementAndGet(), ((RemoteInvocationHandler)Proxy
		    .getInvocationHandler(g)).getOid(), IFACE, "getHeadRev",
		    new String[] { S, S }, new Object[] { hurl, "master" }));
		if (!(r.thrown instanceof hudson.plugins.git.GitException) ||
		    String.valueOf(r.thrown.getMessage()).contains(pass))
			throw fail("ls-remote without credentials answered " +
			    r.thrown);
		rpc(g, "addCredentials", new String[] { S,
		    "com.cloudbees.plugins.credentials.common." +
		    "StandardCredentials" }, hurl, credential(user, pass));
		Object hh = rpc(g, "getHeadRev", new String[] { S, S }, hurl,
		    "master");
		if (!((ObjectId)hh).name().equals(sha4))
			throw fail("getHeadRev over HTTP gave " + hh);
		step("ls-remote", "heads, tags (peeled), HEAD symref; HTTP " +
		    "with askpass");
	}

	/* GitLFSPull: checkout().lfsRemote("origin") -> git lfs pull. */
	private void lfs() throws Exception {
		File lbare = new File(fixture, "lfs.git");
		File lseed = new File(fixture, "lfsseed");
		sh(fixture, "git", "init", "-q", "--bare", lbare.getPath());
		sh(fixture, "git", "init", "-q", lseed.getPath());
		sh(lseed, "git", "remote", "add", "origin",
		    "file://" + lbare.getAbsolutePath());
		sh(lseed, "git", "lfs", "install", "--local");
		sh(lseed, "git", "lfs", "track", "*.bin");
		StringBuilder big = new StringBuilder();
		for (int i = 0; i < 2000; i++)
			big.append("lfs payload line ").append(i).append('\n');
		Files.writeString(new File(lseed, "big.bin").toPath(), big);
		sh(lseed, "git", "add", ".gitattributes", "big.bin");
		sh(lseed, "git", "commit", "-q", "-m", "lfs");
		sh(lseed, "git", "push", "-q", "origin", "HEAD:refs/heads/master");
		String lsha = sh(lseed, "git", "rev-parse", "HEAD");
		String lurl = "file://" + lbare.getAbsolutePath();
		URIish luri = new URIish("file", null, null, null, -1,
		    lbare.getAbsolutePath());
		String ws = root + "/workspace/git-lfs";
		Object g = client(ws);
		checkoutScm(g, lurl, luri, null, lsha, "lfs", "origin");
		String got = Files.readString(Path.of(ws, "big.bin"));
		if (!got.equals(big.toString()))
			throw fail("big.bin after lfs pull: " + got.substring(0,
			    Math.min(80, got.length())));
		/* with sparse paths, they select what git lfs fetches */
		List<String> sp = new ArrayList<>();
		sp.add("big.bin");
		sp.add(".gitattributes");
		sp.add("!other.bin");
		exec(new RemoteGitImpl.Builder(CheckoutCommand.class, g)
		    .call("branch", S, null).call("ref", S, lsha)
		    .call("deleteBranchIfExist", "boolean", true)
		    .call("sparseCheckoutPaths", "java.util.List", sp)
		    .call("lfsRemote", S, "origin"), "sparse lfs checkout");
		File wsd = new File(ws);
		if (!sh(wsd, "git", "config", "lfs.fetchinclude")
		    .equals("big.bin,.gitattributes") ||
		    !sh(wsd, "git", "config", "lfs.fetchexclude")
		    .equals("other.bin") ||
		    !Files.readString(Path.of(ws, "big.bin")).equals(big.toString()))
			throw fail("sparse lfs checkout: fetchinclude " +
			    sh(wsd, "git", "config", "--default", "-",
			    "lfs.fetchinclude"));
		exec(new RemoteGitImpl.Builder(CheckoutCommand.class, g)
		    .call("branch", S, null).call("ref", S, lsha)
		    .call("deleteBranchIfExist", "boolean", true)
		    .call("sparseCheckoutPaths", "java.util.List",
		    new ArrayList<String>())
		    .call("lfsRemote", S, "origin"), "full lfs checkout");
		if (!sh(wsd, "git", "config", "--default", "unset",
		    "lfs.fetchinclude").equals("unset") ||
		    !sh(wsd, "git", "config", "--default", "unset",
		    "lfs.fetchexclude").equals("unset"))
			throw fail("lfs fetch options not unset");
		step("lfs", "git lfs pull origin: big.bin " + got.length() +
		    " bytes at " + lsha + "; sparse paths -> lfs.fetchinclude");

		/* a remote without the LFS objects: git lfs pull fails */
		File nolfs = new File(fixture, "nolfs.git");
		sh(fixture, "git", "clone", "-q", "--mirror", lbare.getPath(),
		    nolfs.getPath());
		String nurl = "file://" + nolfs.getAbsolutePath();
		URIish nuri = new URIish("file", null, null, null, -1,
		    nolfs.getAbsolutePath());
		String ws2 = root + "/workspace/git-lfs2";
		hudson.EnvVars skip = new hudson.EnvVars();
		skip.put("GIT_LFS_SKIP_SMUDGE", "1");	/* even with global filters */
		Object g2 = client(ws2, skip);
		checkoutScm(g2, nurl, nuri, null, lsha, "nolfs", null);
		Conn.Result r = call(new RemoteGitImpl.Builder(
		    CheckoutCommand.class, g2).call("branch", S, null)
		    .call("ref", S, lsha)
		    .call("deleteBranchIfExist", "boolean", true)
		    .call("lfsRemote", S, "origin").callable());
		if (!(r.thrown instanceof hudson.plugins.git.GitException) ||
		    !String.valueOf(r.thrown.getMessage()).contains(
		    "git lfs pull origin") ||
		    !String.valueOf(r.thrown.getMessage()).contains(
		    "missing object"))
			throw fail("lfs pull from a remote without the objects " +
			    "answered " + r.thrown);
		step("lfs-failure", r.thrown.getMessage().split("\n")[0]);
	}

	/* ---- the scenario ---- */

	void run() throws Exception {
		File origin = new File(fixture, "origin.git");
		File seed = new File(fixture, "seed");
		fixture.mkdirs();
		log = c.streams.newSink(true);
		sh(fixture, "git", "init", "-q", "--bare", origin.getPath());
		sh(fixture, "git", "init", "-q", seed.getPath());
		sh(seed, "git", "remote", "add", "origin", origin.getPath());
		String sha1 = commit(seed, "hello.txt", "hello 1\n", "first");
		step("fixture", "bare repository " + origin + " at " + sha1);

		/* 1. file:// first clone */
		String ws = root + "/workspace/git-file";
		String url = "file://" + origin.getAbsolutePath();
		URIish uri = new URIish("file", null, null, null, -1,
		    origin.getAbsolutePath());
		Object git = client(ws);
		step("client", "RemoteGitImpl with an IGitAPI proxy");
		checkoutScm(git, url, uri, null, sha1, "file");
		checkWorkspace(ws, "hello.txt", "hello 1\n", sha1);
		String hooks = sh(new File(ws), "git", "config", "core.hooksPath");
		if (!hooks.equals("/dev/null"))
			throw fail("DisableHooks left core.hooksPath " + hooks);
		step("first-clone", "file:// workspace at " + sha1 +
		    ", hooks disabled");

		/* 2. incremental fetch + changelog */
		String sha2 = commit(seed, "hello.txt", "hello 2\n",
		    "second: ünïcode");
		git = client(ws);
		String log = checkoutScm(git, url, uri, sha1, sha2, "file");
		checkWorkspace(ws, "hello.txt", "hello 2\n", sha2);
		step("incremental-fetch", "workspace at " + sha2);
		checkChangelog(log, sha2, sha1, "second: ünïcode");
		step("changelog", log.length() + " chars, commit " + sha2);

		/* 2b. merge before build (PreBuildMerge / PR-style) */
		sh(seed, "git", "checkout", "-q", "-b", "feature");
		String feat = commit(seed, "feature.txt", "feature\n", "feature");
		sh(seed, "git", "push", "-q", "origin",
		    "HEAD:refs/heads/feature");
		sh(seed, "git", "reset", "-q", "--hard", sha2);
		sh(seed, "git", "push", "-q", "-f", "origin",
		    "HEAD:refs/heads/master");
		sh(seed, "git", "checkout", "-q", "master");
		sh(seed, "git", "reset", "-q", "--hard", sha2);
		hudson.EnvVars env = new hudson.EnvVars();
		env.put("GIT_COMMITTER_NAME", "Jenkins");
		env.put("GIT_COMMITTER_EMAIL", "jenkins@example.org");
		env.put("GIT_AUTHOR_NAME", "Jenkins");
		env.put("GIT_AUTHOR_EMAIL", "jenkins@example.org");
		git = client(ws, env);
		checkoutScm(git, url, uri, sha2, sha2, "merge");
		Object fid = rpc(git, "revParse", new String[] { S },
		    "refs/remotes/origin/feature");
		if (!(fid instanceof ObjectId) ||
		    !((ObjectId)fid).name().equals(feat))
			throw fail("feature revParse gave " + Conn.describe(fid));
		exec(new RemoteGitImpl.Builder(
		    org.jenkinsci.plugins.gitclient.MergeCommand.class, git)
		    .call("setRevisionToMerge", "org.eclipse.jgit.lib.ObjectId",
		    fid)
		    .call("setStrategy",
		    "org.jenkinsci.plugins.gitclient.MergeCommand$Strategy",
		    org.jenkinsci.plugins.gitclient.MergeCommand.Strategy.DEFAULT)
		    .call("setGitPluginFastForwardMode", "org.jenkinsci.plugins." +
		    "gitclient.MergeCommand$GitPluginFastForwardMode",
		    org.jenkinsci.plugins.gitclient.MergeCommand
		    .GitPluginFastForwardMode.NO_FF), "merge");
		Object mid = rpc(git, "revParse", new String[] { S }, "HEAD");
		String merged = ((ObjectId)mid).name();
		File wsd = new File(ws);
		if (!sh(wsd, "git", "rev-parse", "HEAD^1").equals(sha2) ||
		    !sh(wsd, "git", "rev-parse", "HEAD^2").equals(feat) ||
		    !sh(wsd, "git", "rev-parse", "HEAD").equals(merged) ||
		    !Files.readString(Path.of(ws, "feature.txt"))
		    .equals("feature\n") ||
		    !sh(wsd, "git", "log", "-1", "--format=%cn").equals("Jenkins"))
			throw fail("merge result is not " + sha2 + "+" + feat);
		step("merge", "--no-ff merge " + merged + " of " + feat +
		    " into " + sha2);

		/* 3. failures */
		Throwable t = (Throwable)rpcResult(git, "commit",
		    new String[] { S }, new Object[] { "msg" }, true);
		if (!(t instanceof UnsupportedOperationException) ||
		    !String.valueOf(t.getMessage()).contains("GitClient.commit") ||
		    !String.valueOf(t.getMessage()).contains(
		    "skipDefaultCheckout"))
			throw fail("unsupported method answered " + t);
		Throwable wr = (Throwable)rpcResult(git, "withRepository",
		    new String[] { "org.jenkinsci.plugins.gitclient." +
		    "RepositoryCallback" }, new Object[] { null }, true);
		if (!(wr instanceof IOException) ||
		    !String.valueOf(wr.getMessage()).contains(
		    "GitClient.withRepository") ||
		    !String.valueOf(wr.getMessage()).contains(
		    "skipDefaultCheckout"))
			throw fail("withRepository answered " + wr);
		step("unsupported", t.getMessage().substring(0,
		    Math.min(60, t.getMessage().length())) + "; withRepository: " +
		    wr.getClass().getSimpleName());
		Conn.Result r = call(new RemoteGitImpl.Builder(FetchCommand.class,
		    git).call("from", "org.eclipse.jgit.transport.URIish",
		    new URIish("file", null, null, null, -1, "/nonexistent/x.git"),
		    "java.util.List", new ArrayList<RefSpec>()).callable());
		if (!(r.thrown instanceof hudson.plugins.git.GitException) ||
		    !String.valueOf(r.thrown.getMessage())
		    .contains("returned status code 128"))
			throw fail("bad fetch answered " + r.thrown);
		step("git-exception", "fetch of a missing repository fails");

		/* 4. HTTP with basic auth */
		String user = "jenkins", pass = "p4ss-" + System.nanoTime();
		HttpServer http = httpRemote(fixture, user, pass);
		try {
			int port = http.getAddress().getPort();
			String hurl = "http://127.0.0.1:" + port +
			    "/git/origin.git";
			URIish huri = new URIish("http", null, null, "127.0.0.1",
			    port, "/git/origin.git");
			String hws = root + "/workspace/git-http";
			Object hg = client(hws);
			Conn.Result nr = call(new RemoteGitImpl.Builder(
			    CloneCommand.class, hg).call("url", S, hurl)
			    .callable());
			if (nr.thrown == null)
				throw fail("clone without credentials succeeded");
			if (String.valueOf(nr.thrown.getMessage()).contains(pass))
				throw fail("a password leaked into a message");
			step("http-noauth", "refused without credentials");
			hg = client(hws + "2");
			rpc(hg, "addCredentials", new String[] { S,
			    "com.cloudbees.plugins.credentials.common." +
			    "StandardCredentials" }, hurl,
			    credential(user, pass));
			checkoutScm(hg, hurl, huri, null, sha2, "http");
			checkWorkspace(hws + "2", "hello.txt", "hello 2\n", sha2);
			step("http-clone", "basic auth through askpass at " + sha2);
			String sha3 = commit(seed, "more.txt", "more\n", "third");
			hg = client(hws + "2");
			rpc(hg, "addCredentials", new String[] { S,
			    "com.cloudbees.plugins.credentials.common." +
			    "StandardCredentials" }, hurl,
			    credential(user, pass));
			String hlog = checkoutScm(hg, hurl, huri, sha2, sha3,
			    "http");
			checkWorkspace(hws + "2", "more.txt", "more\n", sha3);
			checkChangelog(hlog, sha3, sha2, "third");
			step("http-fetch", "incremental fetch + changelog at " +
			    sha3);
			/* sparse checkout (SparseCheckoutPaths), then turned off */
			String sws = root + "/workspace/git-sparse";
			Object sg = client(sws);
			checkoutScm(sg, url, uri, null, sha3, "sparse");
			List<String> paths = new ArrayList<>();
			paths.add("more.txt");
			exec(new RemoteGitImpl.Builder(CheckoutCommand.class, sg)
			    .call("branch", S, null).call("ref", S, sha3)
			    .call("deleteBranchIfExist", "boolean", true)
			    .call("sparseCheckoutPaths", "java.util.List", paths),
			    "sparse checkout");
			if (new File(sws, "hello.txt").exists() ||
			    !new File(sws, "more.txt").exists())
				throw fail("sparse checkout left " + String.join(",",
				    new File(sws).list()));
			exec(new RemoteGitImpl.Builder(CheckoutCommand.class, sg)
			    .call("branch", S, "master").call("ref", S, sha3)
			    .call("deleteBranchIfExist", "boolean", true)
			    .call("sparseCheckoutPaths", "java.util.List",
			    new ArrayList<String>()), "full checkout");
			checkWorkspace(sws, "hello.txt", "hello 2\n", sha3);
			if (!sh(new File(sws), "git", "config",
			    "core.sparsecheckout").equals("false") ||
			    !sh(new File(sws), "git", "symbolic-ref", "HEAD")
			    .equals("refs/heads/master"))
				throw fail("sparse checkout not turned off");
			step("sparse", "more.txt only, then the whole tree on " +
			    "branch master");
			submodules(seed, url, uri);
			String sha4 = sh(seed, "git", "rev-parse", "HEAD");
			branchSurface(seed, url, uri, sha1, sha2, sha4, feat);
			lsRemote(url, hurl, user, pass, sha2, sha4, feat);
			lfs();
			String text = new String(this.log.data(), StandardCharsets.UTF_8);
			if (!text.contains("Cloning repository " + url) ||
			    !text.contains(" > git fetch --tags --force --progress -- " +
			    url + " +refs/heads/*:refs/remotes/origin/*") ||
			    !text.contains(" > git checkout -f " + sha2) ||
			    !text.contains(" > git log --raw --no-merges") ||
			    !text.contains(" > git fetch --tags --force --progress -- " +
			    hurl) || text.contains(pass))
				throw fail("unexpected build log: " + text);
			step("build-log", text.split("\n").length + " lines, " +
			    "no password");
		} finally {
			http.stop(0);
			c.streams.drop(this.log);
		}
		Log.status("GIT ok");
	}
}
