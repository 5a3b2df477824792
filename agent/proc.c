/*
 * proc.c: child processes: spawn, reap, kill trees, find by environment
 * (see proc.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/proc.h"

#define PROC_ENVIRON_MAX	(8 * 1024 * 1024)

/* The status of one child started here. */
struct proc_slot {
	struct proc_slot	*next;
	pid_t			 pid;
	bool			 exited;
	bool			 orphan;	/* its struct proc is freed */
	int			 code;
};

static pthread_mutex_t	 proc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 proc_cond = PTHREAD_COND_INITIALIZER;
static struct proc_slot	*proc_slots;
static bool		 proc_started;
static pthread_t	 proc_reaper;

static int
proc_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

static void
deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Reap every child of the process, forever. */
static void *
proc_reap_loop(void *arg)
{
	struct proc_slot	**sp, *s;
	struct timespec		  ts;
	sigset_t		  all;
	pid_t			  pid;
	int			  st;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		pid = waitpid(-1, &st, 0);
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			/* No children now: look again soon (orphans may be
			 * re-parented to us at any time). */
			pthread_mutex_lock(&proc_lock);
			deadline_after(&ts, 200);
			pthread_cond_timedwait(&proc_cond, &proc_lock, &ts);
			pthread_mutex_unlock(&proc_lock);
			continue;
		}
		if (WIFSTOPPED(st) || WIFCONTINUED(st))
			continue;
		pthread_mutex_lock(&proc_lock);
		for (sp = &proc_slots; (s = *sp) != NULL; sp = &s->next)
			if (s->pid == pid && !s->exited)
				break;
		if (s != NULL) {
			s->exited = true;
			s->code = proc_code(st);
			if (s->orphan) {
				*sp = s->next;
				free(s);
			}
			pthread_cond_broadcast(&proc_cond);
		}
		pthread_mutex_unlock(&proc_lock);
	}
	return NULL;
}

int
proc_init(void)
{
	int	 r = 0;

	pthread_mutex_lock(&proc_lock);
	if (!proc_started) {
		if (getpid() != 1)
			(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		if (pthread_create(&proc_reaper, NULL, proc_reap_loop,
		    NULL) != 0)
			r = -1;
		else {
			pthread_detach(proc_reaper);
			proc_started = true;
		}
	}
	pthread_mutex_unlock(&proc_lock);
	return r;
}

/* Look name up in the agent's PATH, as the JVM does.  0 or an errno. */
static int
proc_resolve(const char *name, char *out, size_t outlen)
{
	const char	*path, *p, *e;
	struct stat	 sb;
	int		 err = ENOENT;
	size_t		 dl;

	if (*name == '\0')
		return ENOENT;
	if (strchr(name, '/') != NULL) {
		if ((size_t)snprintf(out, outlen, "%s", name) >= outlen)
			return ENAMETOOLONG;
		return 0;
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = e + 1) {
		if ((e = strchr(p, ':')) == NULL)
			e = p + strlen(p);
		dl = (size_t)(e - p);
		if ((size_t)snprintf(out, outlen, "%.*s%s%s", (int)dl, p,
		    dl == 0 ? "" : "/", name) < outlen) {
			if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode)) {
				if (access(out, X_OK) == 0)
					return 0;
				err = EACCES;
			}
		}
		if (*e == '\0')
			break;
	}
	return err;
}

/* A pipe whose ends are >= 3 and close-on-exec. */
static int
proc_pipe(int fds[2])
{
	int	 i, n;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fds[i] >= 3)
			continue;
		if ((n = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) == -1) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
		close(fds[i]);
		fds[i] = n;
	}
	return 0;
}

static void
proc_close(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* In the child: only async-signal-safe calls from here to exec. */
static void __attribute__((noreturn))
proc_child(const char *path, const struct proc_spec *spec, int in, int out,
    int err, int report)
{
	struct sigaction	 sa;
	sigset_t		 none;
	int			 sig, e, nul = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		/*
		 * libc's reserved signals (32 up to SIGRTMIN) may have been
		 * ignored by whoever started us, and sigaction() refuses
		 * them (or, behind a sanitizer's interceptor, may not pass
		 * them on): reset them with the system call itself.  An
		 * all-zero kernel sigaction is SIG_DFL on every
		 * architecture.
		 */
		if (sig >= 32 && sig < SIGRTMIN) {
			uint64_t	 ksa[8];

			memset(ksa, 0, sizeof(ksa));
			(void)syscall(SYS_rt_sigaction, sig, ksa, NULL,
			    (size_t)(NSIG / 8));
		} else
			(void)sigaction(sig, &sa, NULL);
	}
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setpgid(0, 0);
	if (spec->cwd != NULL && chdir(spec->cwd) == -1)
		goto fail;
	if (in == -1 || out == -1 || err == -1) {
		if ((nul = open("/dev/null", O_RDWR)) == -1)
			goto fail;
	}
	if (dup2(in != -1 ? in : nul, 0) == -1 ||
	    dup2(out != -1 ? out : nul, 1) == -1)
		goto fail;
	if (err == -2) {
		if (dup2(1, 2) == -1)
			goto fail;
	} else if (dup2(err != -1 ? err : nul, 2) == -1)
		goto fail;
	if (report != 3) {
		if (dup3(report, 3, O_CLOEXEC) == -1)
			goto fail;
		report = 3;
	}
	if (close_range(4, ~0U, 0) == -1) {
		int	 fd, max = (int)sysconf(_SC_OPEN_MAX);

		for (fd = 4; fd < max && fd < 65536; fd++)
			(void)close(fd);
	}
	execve(path, (char *const *)spec->argv, (char *const *)spec->envp);
fail:
	e = errno;
	(void)write(report, &e, sizeof(e));
	_exit(127);
}

int
proc_spawn(const struct proc_spec *spec, struct proc **out, char *err,
    size_t errlen)
{
	struct proc		*p = NULL;
	struct proc_slot	*s = NULL;
	char			 path[PATH_MAX];
	int			 pin[2] = { -1, -1 }, pout[2] = { -1, -1 };
	int			 perr[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int			 e = 0, cerr;
	sigset_t		 all, old;
	ssize_t			 n;
	pid_t			 pid;

	*out = NULL;
	if (spec->argv == NULL || spec->argv[0] == NULL) {
		snprintf(err, errlen, "no command to run");
		return -1;
	}
	if (proc_init() != 0) {
		snprintf(err, errlen, "cannot start the process reaper");
		return -1;
	}
	if ((e = proc_resolve(spec->argv[0], path, sizeof(path))) != 0)
		goto failed;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		e = ENOMEM;
		goto failed;
	}
	p->in_fd = p->out_fd = p->err_fd = -1;
	if ((spec->in == PROC_PIPE && proc_pipe(pin) == -1) ||
	    (spec->out == PROC_PIPE && proc_pipe(pout) == -1) ||
	    (spec->err == PROC_PIPE && proc_pipe(perr) == -1) ||
	    proc_pipe(rep) == -1) {
		e = errno;
		goto failed;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_mutex_lock(&proc_lock);
	pid = fork();
	if (pid == 0)
		proc_child(path, spec, pin[0], pout[1],
		    spec->err == PROC_MERGE ? -2 : perr[1], rep[1]);
	if (pid > 0) {
		s->pid = pid;
		s->next = proc_slots;
		proc_slots = s;
		pthread_cond_broadcast(&proc_cond);
	} else
		e = errno;
	pthread_mutex_unlock(&proc_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid == -1)
		goto failed;
	proc_close(&rep[1]);
	proc_close(&pin[0]);
	proc_close(&pout[1]);
	proc_close(&perr[1]);
	p->pid = pid;
	p->slot = s;
	p->in_fd = pin[1];
	p->out_fd = pout[0];
	p->err_fd = perr[0];
	do
		n = read(rep[0], &cerr, sizeof(cerr));
	while (n == -1 && errno == EINTR);
	proc_close(&rep[0]);
	if (n == (ssize_t)sizeof(cerr)) {
		/* exec failed: the child exits 127 and is reaped. */
		e = cerr;
		proc_free(p);
		p = NULL;
		s = NULL;
		goto failed_reported;
	}
	*out = p;
	return 0;

failed:
	proc_close(&pin[0]);
	proc_close(&pin[1]);
	proc_close(&pout[0]);
	proc_close(&pout[1]);
	proc_close(&perr[0]);
	proc_close(&perr[1]);
	proc_close(&rep[0]);
	proc_close(&rep[1]);
	free(p);
	free(s);
failed_reported:
	if (spec->cwd != NULL)
		snprintf(err, errlen, "Cannot run program \"%s\" (in directory "
		    "\"%s\"): error=%d, %s", spec->argv[0], spec->cwd, e,
		    strerror(e));
	else
		snprintf(err, errlen, "Cannot run program \"%s\": error=%d, %s",
		    spec->argv[0], e, strerror(e));
	return -1;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
proc_wait(struct proc *p, int timeout_ms, int *code, volatile const bool *stop)
{
	struct timespec	 ts;
	long long	 end = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	long long	 left;
	int		 r = 0;

	pthread_mutex_lock(&proc_lock);
	for (;;) {
		if (p->slot->exited) {
			*code = p->slot->code;
			r = 1;
			break;
		}
		left = end - now_ms();
		if ((stop != NULL && *stop) || (timeout_ms >= 0 && left <= 0))
			break;
		deadline_after(&ts, timeout_ms >= 0 && left < 100 ?
		    (int)left : 100);
		pthread_cond_timedwait(&proc_cond, &proc_lock, &ts);
	}
	pthread_mutex_unlock(&proc_lock);
	return r;
}

bool
proc_alive(struct proc *p)
{
	bool	 alive;

	pthread_mutex_lock(&proc_lock);
	alive = !p->slot->exited;
	pthread_mutex_unlock(&proc_lock);
	return alive;
}

void
proc_free(struct proc *p)
{
	struct proc_slot	**sp;

	if (p == NULL)
		return;
	proc_close(&p->in_fd);
	proc_close(&p->out_fd);
	proc_close(&p->err_fd);
	pthread_mutex_lock(&proc_lock);
	if (p->slot->exited) {
		for (sp = &proc_slots; *sp != NULL; sp = &(*sp)->next)
			if (*sp == p->slot) {
				*sp = p->slot->next;
				break;
			}
		free(p->slot);
	} else
		p->slot->orphan = true;
	pthread_mutex_unlock(&proc_lock);
	free(p);
}

/* ---- /proc scanning ---- */

/* Parent and state of pid from /proc/<pid>/stat.  0 or -1. */
static int
proc_stat(pid_t pid, pid_t *ppid, char *state)
{
	char	 path[64], buf[512], *rp;
	ssize_t	 n;
	int	 fd, pp;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, even ')'. */
	if ((rp = strrchr(buf, ')')) == NULL ||
	    sscanf(rp + 1, " %c %d", state, &pp) != 2)
		return -1;
	*ppid = pp;
	return 0;
}

/* Every pid in /proc.  *out malloc'ed; count or -1. */
static ssize_t
proc_all(pid_t **out)
{
	DIR		*d;
	struct dirent	*de;
	pid_t		*v = NULL, *nv;
	size_t		 n = 0, cap = 0;
	char		*end;
	long		 l;

	*out = NULL;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		l = strtol(de->d_name, &end, 10);
		if (*end != '\0' || l <= 0 || l > INT_MAX)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(v);
				closedir(d);
				return -1;
			}
			v = nv;
		}
		v[n++] = (pid_t)l;
	}
	closedir(d);
	*out = v;
	return (ssize_t)n;
}

ssize_t
proc_descendants(pid_t pid, pid_t **out)
{
	pid_t	*all, *pp, *res;
	size_t	 n, i, head = 0, cnt = 0, j;
	ssize_t	 r;
	char	 st;

	*out = NULL;
	if ((r = proc_all(&all)) < 0)
		return -1;
	n = (size_t)r;
	if ((pp = calloc(n ? n : 1, sizeof(*pp))) == NULL ||
	    (res = calloc(n ? n : 1, sizeof(*res))) == NULL) {
		free(pp);
		free(all);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (proc_stat(all[i], &pp[i], &st) == -1)
			pp[i] = 0;
	/* Breadth first from pid; then reverse for deepest first. */
	for (i = 0; i < n; i++)
		if (pp[i] == pid && all[i] != pid)
			res[cnt++] = all[i];
	while (head < cnt) {
		pid_t	 cur = res[head++];

		for (i = 0; i < n && cnt < n; i++) {
			if (pp[i] != cur || all[i] == pid)
				continue;
			for (j = 0; j < cnt && res[j] != all[i]; j++)
				;
			if (j == cnt)
				res[cnt++] = all[i];
		}
	}
	for (i = 0; i < cnt / 2; i++) {
		pid_t	 t = res[i];

		res[i] = res[cnt - 1 - i];
		res[cnt - 1 - i] = t;
	}
	free(pp);
	free(all);
	*out = res;
	return (ssize_t)cnt;
}

/* Whether pid still runs (a zombie does not). */
static bool
proc_running(pid_t pid)
{
	pid_t	 pp;
	char	 st;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return false;
	if (proc_stat(pid, &pp, &st) == -1)
		return false;
	return st != 'Z' && st != 'X';
}

/* SIGTERM the n processes, wait up to grace_ms, SIGKILL the rest. */
static int
proc_terminate(const pid_t *v, size_t n, int grace_ms)
{
	struct timespec	 ts = { 0, 50 * 1000000L };
	size_t		 i;
	int		 sent = 0, waited;
	bool		 left;

	for (i = 0; i < n; i++)
		if (kill(v[i], SIGTERM) == 0)
			sent++;
	for (waited = 0;; waited += 50) {
		left = false;
		for (i = 0; i < n && !left; i++)
			left = proc_running(v[i]);
		if (!left || waited >= grace_ms)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; left && i < n; i++)
		if (proc_running(v[i]))
			(void)kill(v[i], SIGKILL);
	return sent;
}

/* Append pid's tree (descendants first, then pid) to *v. */
static int
proc_add_tree(pid_t pid, pid_t **v, size_t *n, size_t *cap)
{
	pid_t	*d, *nv;
	ssize_t	 nd;
	size_t	 i, j;

	if ((nd = proc_descendants(pid, &d)) < 0)
		return -1;
	for (i = 0; i <= (size_t)nd; i++) {
		pid_t	 x = i < (size_t)nd ? d[i] : pid;

		if (x == getpid())
			continue;
		for (j = 0; j < *n && (*v)[j] != x; j++)
			;
		if (j < *n)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if ((nv = reallocarray(*v, *cap, sizeof(*nv))) == NULL) {
				free(d);
				return -1;
			}
			*v = nv;
		}
		(*v)[(*n)++] = x;
	}
	free(d);
	return 0;
}

int
proc_kill_tree(pid_t pid, int grace_ms)
{
	pid_t	*v = NULL;
	size_t	 n = 0, cap = 0;
	int	 sent;

	if (pid <= 1 || pid == getpid())
		return 0;
	if (proc_add_tree(pid, &v, &n, &cap) == -1) {
		free(v);
		(void)kill(pid, SIGKILL);
		return 1;
	}
	sent = proc_terminate(v, n, grace_ms);
	/* Stragglers that left the tree (daemonised) but kept the group. */
	if (getpgrp() != pid && (getpgid(pid) == pid || getpgid(pid) == -1))
		(void)killpg(pid, SIGKILL);
	free(v);
	return sent;
}

/* Whether the environment block p[0..len) holds every kv. */
static bool
proc_env_matches(const char *p, size_t len, const char *const *kv, size_t n)
{
	const char	*e, *end = p + len;
	size_t		 i, kl;
	bool		 found;

	for (i = 0; i < n; i++) {
		kl = strlen(kv[i]);
		found = false;
		for (e = p; e < end; e += strnlen(e, (size_t)(end - e)) + 1)
			if ((size_t)(end - e) >= kl && memcmp(e, kv[i], kl) == 0 &&
			    (e + kl == end || e[kl] == '\0')) {
				found = true;
				break;
			}
		if (!found)
			return false;
	}
	return true;
}

/* Read /proc/<pid>/environ into *buf (malloc'ed).  Length or -1. */
static ssize_t
proc_read_environ(pid_t pid, char **buf)
{
	char	 path[64], *b = NULL, *nb;
	size_t	 len = 0, cap = 0;
	ssize_t	 r;
	int	 fd;

	*buf = NULL;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (len == cap) {
			if (cap >= PROC_ENVIRON_MAX)
				break;
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(b, cap)) == NULL) {
				free(b);
				close(fd);
				return -1;
			}
			b = nb;
		}
		r = read(fd, b + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	*buf = b;
	return (ssize_t)len;
}

ssize_t
proc_find_by_env(const char *const *kv, size_t n, pid_t **out)
{
	pid_t	*all, self = getpid();
	size_t	 i, cnt = 0, total;
	ssize_t	 r, len;
	char	*env;

	*out = NULL;
	if ((r = proc_all(&all)) < 0)
		return -1;
	total = (size_t)r;
	for (i = 0; n > 0 && i < total; i++) {
		if (all[i] == self)
			continue;
		if ((len = proc_read_environ(all[i], &env)) <= 0) {
			free(env);
			continue;
		}
		if (proc_env_matches(env, (size_t)len, kv, n))
			all[cnt++] = all[i];
		free(env);
	}
	*out = all;
	return (ssize_t)cnt;
}

int
proc_kill_by_env(const char *const *kv, size_t n, int grace_ms)
{
	pid_t	*found, *v = NULL;
	size_t	 i, nv = 0, cap = 0;
	ssize_t	 nf;
	int	 sent;

	if ((nf = proc_find_by_env(kv, n, &found)) <= 0) {
		free(found);
		return 0;
	}
	for (i = 0; i < (size_t)nf; i++)
		if (found[i] > 1 && proc_add_tree(found[i], &v, &nv, &cap) == -1)
			break;
	sent = proc_terminate(v, nv, grace_ms);
	free(v);
	free(found);
	return sent;
}
