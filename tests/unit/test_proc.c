/*
 * test_proc.c: agent/proc.c: spawning (environment, directory, pipes,
 * descriptors and signals of the child), exit codes, reaping of children
 * and orphans, killing process trees and processes found by an
 * environment cookie.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/proc.h"
#include "tests/unit/tap.h"

static const char *const base_env[] = { "PATH=/usr/bin:/bin", "FOO=bar",
	NULL };

static void
msleep(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Everything the child wrote on fd (until EOF), NUL-terminated. */
static char *
slurp(int fd)
{
	static char	 buf[65536];
	size_t		 len = 0;
	ssize_t		 n;

	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static int
run(const char *const *argv, const char *const *envp, const char *cwd,
    enum proc_stdio out, enum proc_stdio err, char **output, char *errbuf)
{
	struct proc_spec	 spec;
	struct proc		*p;
	char			 e[512];
	int			 code = -1000;

	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = cwd;
	spec.out = out;
	spec.err = err;
	if (proc_spawn(&spec, &p, errbuf != NULL ? errbuf : e, 512) != 0)
		return -1000;
	if (output != NULL)
		*output = p->out_fd != -1 ? slurp(p->out_fd) : NULL;
	if (proc_wait(p, 10000, &code, NULL) != 1)
		code = -999;
	proc_free(p);
	return code;
}

/* Zombie children of ours (there must be none: the reaper takes all). */
static int
zombies(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[300], buf[512], *rp, st;
	int		 n = 0, fd, pp;
	ssize_t		 r;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		if ((rp = strrchr(buf, ')')) != NULL &&
		    sscanf(rp + 1, " %c %d", &st, &pp) == 2 &&
		    pp == getpid() && st == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

static bool
gone(pid_t pid)
{
	char	 path[64], buf[512], *rp, st = '?';
	int	 fd, pp;
	ssize_t	 r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return true;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return true;
	buf[r] = '\0';
	if ((rp = strrchr(buf, ')')) != NULL)
		(void)sscanf(rp + 1, " %c %d", &st, &pp);
	return st == 'Z' || st == 'X';
}

static void
test_basics(void)
{
	const char *const a_exit3[] = { "sh", "-c", "exit 3", NULL };
	const char *const a_term[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *const a_env[] = { "env", NULL };
	const char *const a_pwd[] = { "sh", "-c", "pwd; echo $FOO", NULL };
	const char *const a_merge[] = { "sh", "-c", "echo out; echo err >&2",
		NULL };
	const char *const a_missing[] = { "no-such-program-jnagent", NULL };
	const char *const a_abs[] = { "/bin/true", NULL };
	char	*out, err[512];

	ok(run(a_exit3, base_env, NULL, PROC_NULL, PROC_NULL, NULL, NULL) == 3,
	    "exit code 3");
	ok(run(a_term, base_env, NULL, PROC_NULL, PROC_NULL, NULL, NULL) ==
	    128 + SIGTERM, "killed by SIGTERM: 128+15");
	ok(run(a_abs, base_env, NULL, PROC_NULL, PROC_NULL, NULL, NULL) == 0,
	    "absolute path runs");
	ok(run(a_env, base_env, NULL, PROC_PIPE, PROC_NULL, &out, NULL) == 0 &&
	    strcmp(out, "PATH=/usr/bin:/bin\nFOO=bar\n") == 0,
	    "the child gets exactly the given environment");
	ok(run(a_pwd, base_env, "/tmp", PROC_PIPE, PROC_NULL, &out, NULL) == 0 &&
	    strcmp(out, "/tmp\nbar\n") == 0, "working directory and variables");
	ok(run(a_merge, base_env, NULL, PROC_PIPE, PROC_MERGE, &out, NULL) ==
	    0 && strcmp(out, "out\nerr\n") == 0, "stderr merged into stdout");
	ok(run(a_missing, base_env, NULL, PROC_NULL, PROC_NULL, NULL, err) ==
	    -1000 && strstr(err, "Cannot run program \"no-such-program-"
	    "jnagent\"") != NULL && strstr(err, "error=2") != NULL,
	    "missing program: %s", err);
	ok(run(a_exit3, base_env, "/nonexistent-dir", PROC_NULL, PROC_NULL,
	    NULL, err) == -1000 && strstr(err, "(in directory "
	    "\"/nonexistent-dir\")") != NULL, "missing directory: %s", err);
}

/* pid's command line with spaces for NULs, into buf. */
static const char *
cmdline(pid_t pid, char *buf, size_t size)
{
	char	 path[64];
	ssize_t	 n, i;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return buf;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	for (i = 0; i + 1 < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return buf;
}

/* How many of "sleep 100".."sleep 103" run with the environment kv. */
static int
sleeps_running(const char *const *kv)
{
	char	 path[64], cmd[64];
	pid_t	*f;
	ssize_t	 nf, i, n;
	int	 fd, seen = 0, found = 0, k;

	if ((nf = proc_find_by_env(kv, 1, &f)) < 0)
		return 0;
	for (i = 0; i < nf; i++) {
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)f[i]);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n != 10 || memcmp(cmd, "sleep\0" "10", 8) != 0 ||
		    cmd[8] < '0' || cmd[8] > '3' || cmd[9] != '\0')
			continue;
		k = cmd[8] - '0';
		if ((seen & (1 << k)) == 0) {
			seen |= 1 << k;
			found++;
		}
	}
	free(f);
	return found;
}

/*
 * Set signals 32 and 33 to SIG_IGN with the raw system call (glibc's
 * sigaction() refuses them), or put back what they were.  0 or -1.
 */
static int
ignore_reserved(bool ign)
{
	static uint64_t	 saved[2][4];
	uint64_t	 ksa[4];
	int		 i;

	for (i = 0; i < 2; i++) {
		memset(ksa, 0, sizeof(ksa));
		ksa[0] = (uint64_t)(uintptr_t)SIG_IGN;
		if (syscall(SYS_rt_sigaction, 32 + i, ign ? ksa : saved[i],
		    ign ? saved[i] : NULL, (size_t)8) == -1)
			return -1;
	}
	return 0;
}

static void
test_child_state(void)
{
	const char *const a_fds[] = { "ls", "/proc/self/fd", NULL };
	const char *const a_sig[] = { "grep", "-E", "^(SigBlk|SigIgn):",
		"/proc/self/status", NULL };
	const char *const a_stdin[] = { "cat", NULL };
	struct proc_spec	 spec;
	struct proc		*p;
	sigset_t		 set, old;
	char			*out, err[512];
	int			 fd, code;

	/* A stray descriptor without CLOEXEC must not reach the child. */
	fd = dup2(open("/dev/null", O_RDONLY), 57);
	ok(run(a_fds, base_env, NULL, PROC_PIPE, PROC_NULL, &out, NULL) == 0 &&
	    strcmp(out, "0\n1\n2\n3\n") == 0,
	    "only 0, 1, 2 open in the child (3 is ls's own)");
	close(fd);
	/* Ignored and blocked signals are reset. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ok(run(a_sig, base_env, NULL, PROC_PIPE, PROC_NULL, &out, NULL) == 0 &&
	    strcmp(out, "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n") == 0,
	    "signal mask and dispositions reset");
	if (strstr(out, "SigIgn:\t0000000000000000") == NULL)
		diag("%s", out);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	/*
	 * glibc's reserved signals (32, 33: sigaction() refuses them) and
	 * SIGRTMIN, ignored at the kernel level as a parent may leave
	 * them, are reset too.
	 */
	ok(ignore_reserved(true) == 0, "reserved signals 32, 33 ignored");
	signal(SIGRTMIN, SIG_IGN);
	ok(run(a_sig, base_env, NULL, PROC_PIPE, PROC_NULL, &out, NULL) == 0 &&
	    strcmp(out, "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n") == 0,
	    "reserved and real-time signals reset in the child");
	if (strstr(out, "SigIgn:\t0000000000000000") == NULL)
		diag("%s", out);
	signal(SIGRTMIN, SIG_DFL);
	ok(ignore_reserved(false) == 0, "reserved signals restored");
	/* stdin pipe: the child reads until we close it. */
	memset(&spec, 0, sizeof(spec));
	spec.argv = a_stdin;
	spec.envp = base_env;
	spec.in = PROC_PIPE;
	spec.out = PROC_PIPE;
	ok(proc_spawn(&spec, &p, err, sizeof(err)) == 0, "spawn cat");
	ok(getpgid(p->pid) == p->pid, "the child leads its own process group");
	ok(write(p->in_fd, "hello\n", 6) == 6, "write stdin");
	ok(proc_alive(p), "alive while stdin is open");
	close(p->in_fd);
	p->in_fd = -1;
	out = slurp(p->out_fd);
	ok(proc_wait(p, 5000, &code, NULL) == 1 && code == 0 &&
	    strcmp(out, "hello\n") == 0, "cat echoed stdin and ended");
	ok(!proc_alive(p), "not alive after the end");
	proc_free(p);
}

static void
test_wait_timeout(void)
{
	const char *const a_sleep[] = { "sleep", "30", NULL };
	struct proc_spec	 spec;
	struct proc		*p;
	char			 err[512];
	volatile bool		 stop = true;
	int			 code;

	memset(&spec, 0, sizeof(spec));
	spec.argv = a_sleep;
	spec.envp = base_env;
	ok(proc_spawn(&spec, &p, err, sizeof(err)) == 0, "spawn sleep");
	ok(proc_wait(p, 150, &code, NULL) == 0, "wait times out");
	ok(proc_wait(p, -1, &code, &stop) == 0, "wait stops on *stop");
	ok(proc_kill_tree(p->pid, 2000) == 1, "kill_tree signals one process");
	ok(proc_wait(p, 5000, &code, NULL) == 1 && code == 143,
	    "sleep ended by SIGTERM (%d)", code);
	proc_free(p);
}

static void
test_kill_tree(void)
{
	/*
	 * sh -> sh -> sleep (a grandchild), an orphan that left the tree
	 * but not the process group, and one that left both (setsid).
	 */
	const char *const a_tree[] = { "sh", "-c",
		"sh -c 'sleep 100 & wait' & (sleep 101 &) ; "
		"(setsid sleep 103 &) ; sleep 102 & wait",
		NULL };
	const char *const a_stubborn[] = { "sh", "-c",
		"trap '' TERM; sleep 100 & wait", NULL };
	/* The cookie names this run: other copies of this test may run at
	 * the same time (parallel builds) and must not see our processes. */
	char			 cookie[64];
	const char *const env[] = { "PATH=/usr/bin:/bin", cookie, NULL };
	const char *const kv[] = { cookie };
	const char *const kv2[] = { cookie, "FOO=nope" };
	struct proc_spec	 spec;
	struct proc		*p;
	pid_t			*d, *f, *d2;
	ssize_t			 nd, nf, i, nd2;
	char			 l[128];
	int			 sent;
	char			 err[512];
	int			 code, tries;
	bool			 all_gone;

	snprintf(cookie, sizeof(cookie), "JNTEST_COOKIE=c0ffee-%ld-%ld",
	    (long)getpid(), (long)time(NULL));
	memset(&spec, 0, sizeof(spec));
	spec.argv = a_tree;
	spec.envp = env;
	ok(proc_spawn(&spec, &p, err, sizeof(err)) == 0, "spawn a tree");
	/*
	 * Wait until the four sleeps run: counting processes alone races
	 * with the short-lived subshells, which would then be gone before
	 * the kill (generous: the machine may be loaded).  The tree is
	 * settled once the subshells that start the two orphans are gone
	 * too: then it is exactly the root, the inner sh and two sleeps
	 * (a subshell still there would be signalled as well, and take
	 * its orphan with it).
	 */
	for (tries = 0; tries < 1500; tries++) {
		if (sleeps_running(kv) == 4) {
			nd = proc_descendants(p->pid, &d);
			free(d);
			if (nd == 3)
				break;
		}
		msleep(20);
	}
	nd = proc_descendants(p->pid, &d);
	ok(nd == 3, "descendants found: %zd", nd);
	nf = proc_find_by_env(kv, 1, &f);
	ok(nf >= 6, "processes found by cookie (tree + orphan): %zd", nf);
	for (i = 0; i < nf; i++)
		if (f[i] == getpid())
			break;
	ok(i == nf, "the agent itself is never listed");
	free(f);
	nf = proc_find_by_env(kv2, 2, &f);
	ok(nf == 0, "every KEY=VALUE must match");
	free(f);
	nf = proc_find_by_env(kv, 0, &f);
	ok(nf == 0, "an empty model finds nothing");
	free(f);

	/*
	 * Children are signalled before their parents, so a parent whose
	 * last child died may exit and be reaped before its own turn (the
	 * root's `wait` returns, the inner sh's too): the count is 2 to 4
	 * depending on scheduling.  That every process is gone is checked
	 * below.
	 */
	nd2 = proc_descendants(p->pid, &d2);
	sent = proc_kill_tree(p->pid, 3000);
	ok(sent >= 2 && sent <= 4, "kill the tree (%d signalled)", sent);
	for (i = 0; sent < 2 && i < nd2; i++)
		diag("before the kill: %d %s", (int)d2[i], cmdline(d2[i], l,
		    sizeof(l)));
	free(d2);
	/* 0 when its `wait` returned (children first) before the TERM */
	ok(proc_wait(p, 5000, &code, NULL) == 1 && (code == 143 || code == 0),
	    "tree root ended (%d)", code);
	for (all_gone = true, i = 0; i < nd; i++)
		all_gone = all_gone && gone(d[i]);
	ok(all_gone, "every descendant is gone");
	free(d);
	proc_free(p);
	/* Only the one in its own session is left: the cookie gets it. */
	for (tries = 0; tries < 50; tries++) {
		nf = proc_find_by_env(kv, 1, &f);
		free(f);
		if (nf == 1)
			break;
		msleep(20);
	}
	ok(nf == 1, "the orphan in the group went too, the setsid one "
	    "still runs (%zd)", nf);
	ok(proc_kill_by_env(kv, 1, 3000) >= 1, "kill by cookie");
	for (tries = 0; tries < 100; tries++) {
		nf = proc_find_by_env(kv, 1, &f);
		free(f);
		if (nf == 0)
			break;
		msleep(20);
	}
	ok(nf == 0, "nothing with the cookie left");

	/* A process that ignores SIGTERM gets SIGKILL after the grace. */
	spec.argv = a_stubborn;
	ok(proc_spawn(&spec, &p, err, sizeof(err)) == 0, "spawn a stubborn one");
	msleep(200);
	ok(proc_kill_tree(p->pid, 300) >= 1, "kill it");
	ok(proc_wait(p, 5000, &code, NULL) == 1 && code == 128 + SIGKILL,
	    "SIGKILL after the grace period (%d)", code);
	proc_free(p);
	for (tries = 0; tries < 100 && zombies() != 0; tries++)
		msleep(20);
	ok(zombies() == 0, "no zombies left (orphans reaped too)");
}

static void
test_free_running(void)
{
	const char *const a[] = { "sh", "-c", "sleep 0.2", NULL };
	struct proc_spec	 spec;
	struct proc		*p;
	char			 err[512];
	int			 tries;

	memset(&spec, 0, sizeof(spec));
	spec.argv = a;
	spec.envp = base_env;
	ok(proc_spawn(&spec, &p, err, sizeof(err)) == 0, "spawn and forget");
	proc_free(p);
	msleep(400);
	for (tries = 0; tries < 100 && zombies() != 0; tries++)
		msleep(20);
	ok(zombies() == 0, "a forgotten child is reaped");
}

int
main(void)
{
	ok(proc_init() == 0, "reaper starts");
	test_basics();
	test_child_state();
	test_wait_timeout();
	test_kill_tree();
	test_free_running();
	return done_testing();
}
