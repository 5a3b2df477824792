/*
 * h_launch.c: Launcher$RemoteLaunchCallable, the exported
 * Launcher$RemoteProcess, RemoteLauncher$KillTask and EnvVars$GetEnvVars
 * (jenkins-callables.md sections 5.1 to 5.3, 9.3).
 *
 * A launch starts the child with proc_spawn(), copies its stdout and
 * stderr to the controller's RemoteOutputStreams on threads of its own
 * (or keeps the pipes for getIOtriplet when the caller reads them), feeds
 * its stdin on a thread of its own from the controller's stream (read
 * with channel_instream_*(), so that at most the pipe window is buffered
 * however slowly the child reads), and exports a
 * RemoteProcess object that answers getIOtriplet, join, kill and
 * isAlive.  The object lives until the controller unexports it (or the
 * channel ends), the copier threads until the child closes its output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agent/channel.h"
#include "agent/dockersel.h"
#include "agent/h_launch.h"
#include "agent/guardsvc.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "agent/proc.h"
#include "protocol/command.h"
#include "protocol/jval.h"

extern char **environ;

#define NF(a)		(sizeof(a) / sizeof((a)[0]))
#define LAUNCH_MAX_ARGS	65536
#define LAUNCH_KILL_GRACE_MS	5000	/* ProcessTree SoftKillWaitSeconds */
#define LAUNCH_JOIN_COPY_MS	10000	/* the JVM waits <= 10 s per copier */
#define LAUNCH_IOBUF		8192

/* ---- environment (hudson.EnvVars) ---- */

static ssize_t
env_find(const struct launch_env *e, const char *name)
{
	size_t	 i;

	for (i = 0; i < e->n; i++)
		if (strcasecmp(e->names[i], name) == 0)
			return (ssize_t)i;
	return -1;
}

const char *
launch_env_get(const struct launch_env *e, const char *name)
{
	ssize_t	 i = env_find(e, name);

	return i < 0 ? NULL : e->values[i];
}

int
launch_env_put(struct launch_env *e, const char *name, const char *value)
{
	ssize_t	 i = env_find(e, name);
	char	*v, *k, **nn, **nv;
	size_t	 cap;

	if ((v = strdup(value)) == NULL)
		return -1;
	if (i >= 0) {
		free(e->values[i]);
		e->values[i] = v;
		return 0;
	}
	if (e->n == e->cap) {
		cap = e->cap ? e->cap * 2 : 64;
		if ((nn = reallocarray(e->names, cap, sizeof(*nn))) == NULL) {
			free(v);
			return -1;
		}
		e->names = nn;
		if ((nv = reallocarray(e->values, cap, sizeof(*nv))) == NULL) {
			free(v);
			return -1;
		}
		e->values = nv;
		e->cap = cap;
	}
	if ((k = strdup(name)) == NULL) {
		free(v);
		return -1;
	}
	e->names[e->n] = k;
	e->values[e->n++] = v;
	return 0;
}

void
launch_env_remove(struct launch_env *e, const char *name)
{
	ssize_t	 i = env_find(e, name);

	if (i < 0)
		return;
	free(e->names[i]);
	free(e->values[i]);
	e->n--;
	memmove(e->names + i, e->names + i + 1,
	    (e->n - (size_t)i) * sizeof(*e->names));
	memmove(e->values + i, e->values + i + 1,
	    (e->n - (size_t)i) * sizeof(*e->values));
}

void
launch_env_free(struct launch_env *e)
{
	size_t	 i;

	for (i = 0; i < e->n; i++) {
		free(e->names[i]);
		free(e->values[i]);
	}
	free(e->names);
	free(e->values);
	memset(e, 0, sizeof(*e));
}

int
launch_env_inherit(struct launch_env *e)
{
	char	**ep, *name;
	char	 *eq;
	int	  r;

	memset(e, 0, sizeof(*e));
	for (ep = environ; ep != NULL && *ep != NULL; ep++) {
		if ((eq = strchr(*ep, '=')) == NULL || eq == *ep)
			continue;
		if ((name = strndup(*ep, (size_t)(eq - *ep))) == NULL)
			goto fail;
		/* The JVM's map: a later duplicate replaces the value. */
		r = launch_env_put(e, name, eq + 1);
		free(name);
		if (r != 0)
			goto fail;
	}
	return 0;
fail:
	launch_env_free(e);
	return -1;
}

/* A growable string. */
struct sbuf {
	char	*d;
	size_t	 len, cap;
	bool	 fail;
};

static void
sb_add(struct sbuf *b, const char *p, size_t n)
{
	char	*nd;
	size_t	 cap;

	if (b->fail)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((nd = realloc(b->d, cap)) == NULL) {
			b->fail = true;
			return;
		}
		b->d = nd;
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
	b->d[b->len] = '\0';
}

static char *
sb_done(struct sbuf *b)
{
	if (!b->fail && b->d == NULL)
		sb_add(b, "", 0);
	if (b->fail) {
		free(b->d);
		return NULL;
	}
	return b->d;
}

static bool
name_char(char c, bool braced)
{
	return isalnum((unsigned char)c) || c == '_' || (braced && c == '.');
}

/*
 * The next variable reference in s from *pos: its name span (or "$$").
 * Returns false at the end.  *start and *end bound the whole reference.
 */
static bool
next_ref(const char *s, size_t *pos, size_t *start, size_t *end,
    size_t *nstart, size_t *nlen)
{
	size_t	 i, j;

	for (i = *pos; s[i] != '\0'; i++) {
		if (s[i] != '$')
			continue;
		if (s[i + 1] == '$') {
			*start = i;
			*end = i + 2;
			*nstart = i;
			*nlen = 0;
			*pos = i + 2;
			return true;
		}
		if (s[i + 1] == '{') {
			for (j = i + 2; name_char(s[j], true); j++)
				;
			if (j > i + 2 && s[j] == '}') {
				*start = i;
				*end = j + 1;
				*nstart = i + 2;
				*nlen = j - (i + 2);
				*pos = j + 1;
				return true;
			}
			continue;
		}
		for (j = i + 1; name_char(s[j], false); j++)
			;
		if (j > i + 1) {
			*start = i;
			*end = j;
			*nstart = i + 1;
			*nlen = j - (i + 1);
			*pos = j;
			return true;
		}
	}
	return false;
}

char *
launch_expand(const char *s, const struct launch_env *e)
{
	struct sbuf	 b = { NULL, 0, 0, false };
	size_t		 pos = 0, last = 0, st, en, ns, nl;
	const char	*v;
	char		*name;

	while (next_ref(s, &pos, &st, &en, &ns, &nl)) {
		sb_add(&b, s + last, st - last);
		last = en;
		if (nl == 0) {
			sb_add(&b, "$", 1);
			continue;
		}
		if ((name = strndup(s + ns, nl)) == NULL) {
			b.fail = true;
			break;
		}
		v = launch_env_get(e, name);
		free(name);
		if (v != NULL)
			sb_add(&b, v, strlen(v));
		else
			sb_add(&b, s + st, en - st);
	}
	sb_add(&b, s + last, strlen(s + last));
	return sb_done(&b);
}

/* EnvVars.override(). */
static int
env_override(struct launch_env *e, const char *key, const char *value)
{
	const char	*plus, *cur;
	char		*real, *v;
	int		 r;

	if (*value == '\0') {
		launch_env_remove(e, key);
		return 0;
	}
	if ((plus = strchr(key, '+')) != NULL && plus > key) {
		if ((real = strndup(key, (size_t)(plus - key))) == NULL)
			return -1;
		if ((cur = launch_env_get(e, real)) == NULL)
			r = launch_env_put(e, real, value);
		else if (asprintf(&v, "%s:%s", value, cur) == -1)
			r = -1;
		else {
			r = launch_env_put(e, real, v);
			free(v);
		}
		free(real);
		return r;
	}
	return launch_env_put(e, key, value);
}

struct ovr {
	char	*key;
	char	*value;
	int	 state;		/* 0 new, 1 visiting, 2 done */
};

static int
ovr_cmp(const void *a, const void *b)
{
	const struct ovr	*x = a, *y = b;

	return strcasecmp(x->key, y->key);
}

/* Apply o[i] after the overrides its value refers to (cycles: as is). */
static int
ovr_apply(struct launch_env *e, struct ovr *o, size_t n, size_t i)
{
	size_t	 pos = 0, st, en, ns, nl, j;
	char	*v;
	int	 r;

	if (o[i].state != 0)
		return 0;
	o[i].state = 1;
	while (next_ref(o[i].value, &pos, &st, &en, &ns, &nl)) {
		if (nl == 0)
			continue;
		for (j = 0; j < n; j++)
			if (j != i && strchr(o[j].key, '+') == NULL &&
			    strlen(o[j].key) == nl &&
			    strncasecmp(o[j].key, o[i].value + ns, nl) == 0 &&
			    ovr_apply(e, o, n, j) != 0)
				return -1;
	}
	if ((v = launch_expand(o[i].value, e)) == NULL)
		return -1;
	r = env_override(e, o[i].key, v);
	free(v);
	o[i].state = 2;
	return r;
}

int
launch_env_override_all(struct launch_env *e, const char *const *ov, size_t n)
{
	struct ovr	*o;
	const char	*eq;
	size_t		 i, j, m = 0;
	int		 r = 0, pass;

	if ((o = calloc(n ? n : 1, sizeof(*o))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (ov[i] == NULL || (eq = strchr(ov[i], '=')) == NULL ||
		    eq == ov[i])
			continue;
		/* new EnvVars().put(): a repeated name replaces the value */
		for (j = 0; j < m; j++)
			if (strlen(o[j].key) == (size_t)(eq - ov[i]) &&
			    strncasecmp(o[j].key, ov[i], (size_t)(eq - ov[i]))
			    == 0)
				break;
		if (j == m) {
			if ((o[m].key = strndup(ov[i], (size_t)(eq - ov[i]))) ==
			    NULL) {
				r = -1;
				goto out;
			}
			m++;
		} else
			free(o[j].value);
		if ((o[j].value = strdup(eq + 1)) == NULL) {
			r = -1;
			goto out;
		}
	}
	qsort(o, m, sizeof(*o), ovr_cmp);
	/* Plain names first (in dependency order), "NAME+X" ones last. */
	for (pass = 0; pass < 2 && r == 0; pass++)
		for (i = 0; i < m && r == 0; i++)
			if ((strchr(o[i].key, '+') != NULL) == (pass == 1))
				r = ovr_apply(e, o, m, i);
out:
	for (i = 0; i < n; i++) {
		free(o[i].key);
		free(o[i].value);
	}
	free(o);
	return r;
}

char **
launch_envp(const struct launch_env *e)
{
	char	**v;
	size_t	  i;

	if ((v = calloc(e->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < e->n; i++)
		if (asprintf(&v[i], "%s=%s", e->names[i], e->values[i]) == -1) {
			v[i] = NULL;
			launch_envp_free(v);
			return NULL;
		}
	return v;
}

void
launch_envp_free(char **envp)
{
	char	**p;

	if (envp == NULL)
		return;
	for (p = envp; *p != NULL; p++)
		free(*p);
	free(envp);
}

char *
launch_command_line(const char *const *argv, size_t argc, const bool *masks,
    const char *dir)
{
	struct sbuf	 b = { NULL, 0, 0, false };
	const char	*base, *c;
	size_t		 i;

	if (dir != NULL) {
		/* replaceFirst("^.+[/\\\\]", ""): after the last separator
		 * that has something before it. */
		base = dir;
		for (c = dir + 1; *c != '\0'; c++)
			if (*c == '/' || *c == '\\')
				base = c + 1;
		sb_add(&b, "[", 1);
		sb_add(&b, base, strlen(base));
		sb_add(&b, "] ", 2);
	}
	sb_add(&b, "$", 1);
	for (i = 0; i < argc; i++) {
		c = masks != NULL && masks[i] ? "********" : argv[i];
		sb_add(&b, " ", 1);
		if (strchr(c, ' ') != NULL) {
			const char *q = strchr(c, '"') != NULL ? "'" : "\"";

			sb_add(&b, q, 1);
			sb_add(&b, c, strlen(c));
			sb_add(&b, q, 1);
		} else
			sb_add(&b, c, strlen(c));
	}
	return sb_done(&b);
}

/* ---- request helpers ---- */

static bool
field_bool(const struct jser_node *o, const char *name)
{
	bool	 v = false;

	(void)jser_field_bool(o, name, &v);
	return v;
}

/* The oid a RemoteOutputStream carries, or -1. */
static int32_t
ros_oid(const struct jser_node *n)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint32_t			 oid;

	if (n == NULL || !jser_instance_of(n,
	    "hudson.remoting.RemoteOutputStream") ||
	    (c = jser_custom(n, "hudson.remoting.RemoteOutputStream")) == NULL)
		return -1;
	jser_cursor_init(&cur, c);
	if (jser_cursor_u32(&cur, &oid) != PROTO_OK)
		return -1;
	return (int32_t)oid;
}

/* The first RemoteOutputStream in n's graph (depth first), or -1. */
static int32_t
find_ros(const struct jser_node *n, int depth)
{
	const struct jser_classdata	*cd;
	const struct jser_fielddesc	*fd;
	struct jser_node		**items;
	int32_t				 oid;
	uint32_t			 i, k, f;

	if (n == NULL || depth > 16)
		return -1;
	if ((oid = ros_oid(n)) != -1)
		return oid;
	if (n->type == JSER_ARRAY && (n->u.arr.elem == 'L' ||
	    n->u.arr.elem == '[')) {
		items = n->u.arr.data;
		for (i = 0; i < n->u.arr.length && i < 64; i++)
			if ((oid = find_ros(items[i], depth + 1)) != -1)
				return oid;
		return -1;
	}
	if (n->type != JSER_OBJECT)
		return -1;
	for (k = n->u.obj.nclasses; k-- > 0;) {
		cd = &n->u.obj.classes[k];
		if (cd->has_fields && cd->values != NULL)
			for (f = 0; f < cd->desc->u.desc.nfields; f++) {
				fd = &cd->desc->u.desc.fields[f];
				if ((fd->type == 'L' || fd->type == '[') &&
				    (oid = find_ros(cd->values[f].ref,
				    depth + 1)) != -1)
					return oid;
			}
		if (cd->has_custom)
			for (i = 0; i < cd->custom.n; i++)
				if (cd->custom.items[i] != NULL &&
				    cd->custom.items[i]->type != JSER_BLOCKDATA &&
				    (oid = find_ros(cd->custom.items[i],
				    depth + 1)) != -1)
					return oid;
	}
	return -1;
}

int32_t
launch_find_ros(const struct jser_node *n)
{
	return find_ros(n, 0);
}

/* A random UUID (EnvVars.createCookie). */
static void
make_uuid(char out[37])
{
	uint8_t	 r[16];
	size_t	 got = 0;
	ssize_t	 n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n <= 0) {
			/* never expected; fall back to something unique */
			struct timespec	 ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			memcpy(r, &ts, sizeof(ts) < sizeof(r) ? sizeof(ts) :
			    sizeof(r));
			r[15] ^= (uint8_t)getpid();
			break;
		}
		got += (size_t)n;
	}
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
	    r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* ---- the launched process ---- */

struct lproc;

/* A thread copying a child's output to a controller stream. */
struct copier {
	struct lproc	*lp;
	int		 fd;
	int32_t		 oid;
	pthread_t	 t;
};

struct lproc {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	int		 refs;
	struct proc	*p;
	struct channel	*ch;
	struct hctx	 ioh;		/* pipe writes outside any request */
	int		 running;	/* copier/feeder threads alive */
	int		 copying;	/* of which stdout/stderr copiers */
	int		 stop[2];	/* closing stop[1] wakes the threads */
	int		 in_fd;		/* our end of the child's stdin when
					 * the controller reads or feeds it */
	int		 out_fd, err_fd; /* kept for getIOtriplet */
	bool		 rev_out, rev_err, rev_in;
	struct chan_instream *in_s;	/* what the feeder copies to in_fd */
	struct copier	 cout, cerr;
	char		 cookie[37];
};

static void
lproc_hold(struct lproc *lp)
{
	pthread_mutex_lock(&lp->lock);
	lp->refs++;
	pthread_mutex_unlock(&lp->lock);
}

static void
lproc_drop(struct lproc *lp)
{
	bool	 last;

	pthread_mutex_lock(&lp->lock);
	last = --lp->refs == 0;
	pthread_mutex_unlock(&lp->lock);
	if (!last)
		return;
	channel_instream_close(lp->in_s);	/* no feeder took it */
	if (lp->stop[0] != -1)
		close(lp->stop[0]);
	if (lp->stop[1] != -1)
		close(lp->stop[1]);
	if (lp->in_fd != -1)
		close(lp->in_fd);
	if (lp->out_fd != -1)
		close(lp->out_fd);
	if (lp->err_fd != -1)
		close(lp->err_fd);
	proc_free(lp->p);
	pthread_cond_destroy(&lp->cond);
	pthread_mutex_destroy(&lp->lock);
	free(lp);
}

/* The thread is done: count it out (the last reference joins it). */
static void
lproc_thread_done(struct lproc *lp, bool copier)
{
	pthread_mutex_lock(&lp->lock);
	lp->running--;
	if (copier)
		lp->copying--;
	pthread_cond_broadcast(&lp->cond);
	pthread_mutex_unlock(&lp->lock);
}

/* Wait for readable fd or the stop pipe: 1 readable, 0 stopped. */
static int
wait_readable(int fd, int stop)
{
	struct pollfd	 pfd[2];

	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = stop;
	pfd[1].events = POLLIN;
	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (pfd[0].revents != 0)
			return 1;
		if (pfd[1].revents != 0)
			return 0;
	}
}

static void *
copier_main(void *arg)
{
	struct copier	*c = arg;
	struct lproc	*lp = c->lp;
	uint8_t		 buf[LAUNCH_IOBUF];
	ssize_t		 n;
	bool		 ok = true;

	for (;;) {
		if (!wait_readable(c->fd, lp->stop[0]))
			break;
		n = read(c->fd, buf, sizeof(buf));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (channel_pipe_write(&lp->ioh, c->oid, buf, (size_t)n) != 0) {
			ok = false;
			break;
		}
	}
	/* Flush, and release the stream without closing it (5.1 step 6);
	 * not once the process object is gone (the channel may be too). */
	if (!atomic_load(&lp->ioh.cancelled)) {
		if (ok)
			(void)channel_pipe_flush(&lp->ioh, c->oid);
		(void)channel_pipe_unexport(&lp->ioh, c->oid);
	}
	close(c->fd);
	c->fd = -1;
	lproc_thread_done(lp, true);
	lproc_drop(lp);
	return NULL;
}

/*
 * Write all of p to the non-blocking fd, waiting for room or the stop
 * pipe.  0, or -1 (the child closed its stdin, or we are stopping).
 */
static int
write_stoppable(int fd, int stop, const uint8_t *p, size_t n)
{
	struct pollfd	 pfd[2];
	ssize_t		 r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 || errno != EAGAIN)
			return -1;
		pfd[0].fd = fd;
		pfd[0].events = POLLOUT;
		pfd[1].fd = stop;
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) == -1 && errno != EINTR)
			return -1;
		if (pfd[1].revents != 0 ||
		    (pfd[0].revents & (POLLERR | POLLNVAL)))
			return -1;
	}
	return 0;
}

/*
 * Feed the child's stdin from the controller's stream (RemoteInputStream
 * in the callable, or the stdin of getIOtriplet) until its end, then close
 * the child's stdin.  The stream is read only as fast as the child takes
 * the bytes, so the controller's pipe window is all that is buffered.
 */
static void *
feeder_main(void *arg)
{
	struct lproc	*lp = arg;
	uint8_t		 buf[LAUNCH_IOBUF * 8];
	ssize_t		 n;

	while ((n = channel_instream_read(lp->in_s, buf, sizeof(buf))) > 0)
		if (write_stoppable(lp->in_fd, lp->stop[0], buf, (size_t)n) !=
		    0)
			break;
	if (n < 0 && !atomic_load(&lp->ioh.cancelled))
		log_info("process %d: stdin: %.200s", (int)lp->p->pid,
		    channel_instream_error(lp->in_s) ?
		    channel_instream_error(lp->in_s) : "write failed");
	/* Release the controller's stream and close the child's stdin. */
	channel_instream_close(lp->in_s);
	pthread_mutex_lock(&lp->lock);
	lp->in_s = NULL;
	if (lp->in_fd != -1)
		close(lp->in_fd);
	lp->in_fd = -1;
	pthread_mutex_unlock(&lp->lock);
	lproc_thread_done(lp, false);
	lproc_drop(lp);
	return NULL;
}

/* Start feeder_main() on lp->in_s.  0 or -1 (the stream is closed). */
static int
start_feeder(struct lproc *lp)
{
	pthread_t	 t;
	int		 fl;

	if ((fl = fcntl(lp->in_fd, F_GETFL)) == -1 ||
	    fcntl(lp->in_fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		channel_instream_close(lp->in_s);
		lp->in_s = NULL;
		return -1;
	}
	pthread_mutex_lock(&lp->lock);
	lp->refs++;
	lp->running++;
	pthread_mutex_unlock(&lp->lock);
	if (pthread_create(&t, NULL, feeder_main, lp) != 0) {
		pthread_mutex_lock(&lp->lock);
		lp->refs--;
		lp->running--;
		pthread_mutex_unlock(&lp->lock);
		channel_instream_close(lp->in_s);
		lp->in_s = NULL;
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* ---- local streams exported to the controller ---- */

/*
 * A child's output pipe the controller reads (getIOtriplet with reverse
 * stdout/stderr).  read() runs on a channel worker; close() may come from
 * the loop thread meanwhile: it only flags the stream and wakes the read
 * through the eventfd, and release() closes the descriptors.
 */
struct lstream {
	struct lproc	*lp;
	int		 fd;
	int		 wake;		/* eventfd */
	atomic_bool	 closed;
};

static ssize_t
lstream_read(void *obj, uint8_t *p, size_t n)
{
	struct lstream	*s = obj;
	struct pollfd	 pfd[3];
	ssize_t		 r;

	for (;;) {
		if (atomic_load(&s->closed))
			return 0;
		pfd[0].fd = s->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->lp->stop[0];
		pfd[1].events = POLLIN;
		pfd[2].fd = s->wake;
		pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents != 0 || pfd[2].revents != 0)
			return 0;
		r = read(s->fd, p, n);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		return r < 0 ? -1 : r;
	}
}

static void
lstream_close(void *obj, bool error)
{
	struct lstream	*s = obj;
	uint64_t	 one = 1;
	ssize_t		 w;

	(void)error;
	atomic_store(&s->closed, true);
	w = write(s->wake, &one, sizeof(one));
	(void)w;
}

static void
lstream_release(void *obj)
{
	struct lstream	*s = obj;

	close(s->fd);
	close(s->wake);
	lproc_drop(s->lp);
	free(s);
}

static const struct chan_export_ops lstream_in_ops = {
	.read = lstream_read,
	.close = lstream_close,
	.release = lstream_release,
};

/* Export a dup of fd (the export owns it); oid or -1. */
static int32_t
lstream_export(struct lproc *lp, int fd)
{
	struct lstream	*s;
	int32_t		 oid;

	if (fd == -1 || (s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	atomic_init(&s->closed, false);
	if ((s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		free(s);
		return -1;
	}
	if ((s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		close(s->wake);
		free(s);
		return -1;
	}
	s->lp = lp;
	lproc_hold(lp);
	if ((oid = channel_export(lp->ch, s, &lstream_in_ops)) < 0) {
		close(s->fd);
		close(s->wake);
		free(s);
		lproc_drop(lp);
		return -1;
	}
	return oid;
}

/* ---- result objects ---- */

/* hudson.remoting.RemoteInputStream (non-greedy) over our export oid. */
static struct jser_node *
new_ris(struct hctx *h, int32_t oid)
{
	static const struct hfield f[] = {
		{ 'Z', "autoUnexport", NULL },
		{ 'Z', "greedy", NULL },
	};
	struct jser_classdata	*cd;
	struct jser_node	*o;
	uint8_t			 b[5];

	if ((o = hctx_object(h, hctx_desc(h, "hudson.remoting.RemoteInputStream",
	    1, SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, NF(f)))) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL)
		return NULL;
	/* [boolean greedy = false] (the controller advertises greedy
	 * streams, as every remoting since 2.35), then the oid. */
	b[0] = 0;
	b[1] = (uint8_t)((uint32_t)oid >> 24);
	b[2] = (uint8_t)((uint32_t)oid >> 16);
	b[3] = (uint8_t)((uint32_t)oid >> 8);
	b[4] = (uint8_t)oid;
	cd->has_fields = false;
	cd->has_custom = true;
	if (jser_content_add_block(h->out, &cd->custom, b, sizeof(b)) !=
	    PROTO_OK)
		return NULL;
	return o;
}

static struct jser_node *
new_ros(struct hctx *h, int32_t oid)
{
	struct jser_classdata	*cd;
	struct jser_node	*o;
	uint8_t			 b[4];

	if ((o = hctx_object(h, hctx_desc(h,
	    "hudson.remoting.RemoteOutputStream", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, NULL, 0))) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL)
		return NULL;
	b[0] = (uint8_t)((uint32_t)oid >> 24);
	b[1] = (uint8_t)((uint32_t)oid >> 16);
	b[2] = (uint8_t)((uint32_t)oid >> 8);
	b[3] = (uint8_t)oid;
	cd->has_fields = false;
	cd->has_custom = true;
	if (jser_content_add_block(h->out, &cd->custom, b, sizeof(b)) !=
	    PROTO_OK)
		return NULL;
	return o;
}

/*
 * A proxy of interface iface (+ IReadResolve) for our export oid
 * (catalog 1.6): Proxy{h = RemoteInvocationHandler{oid, userProxy,
 * userSpace}}.
 */
static struct jser_node *
new_proxy(struct hctx *h, const char *iface, int32_t oid)
{
	static const struct hfield f[] = {
		{ 'Z', "autoUnexportByCaller", NULL },
		{ 'Z', "goingHome", NULL },
		{ 'I', "oid", NULL },
		{ 'Z', "recordCreatedAt", NULL },
		{ 'Z', "userProxy", NULL },
		{ 'Z', "userSpace", NULL },
		{ 'L', "origin", "Ljava/lang/Throwable;" },
	};
	const char		*ifs[2] = { iface, "hudson.remoting.IReadResolve" };
	struct jval_ctx		 ctx;
	struct jser_node	*pd, *ih, *o;

	memset(&ctx, 0, sizeof(ctx));
	ctx.doc = h->out;
	if ((pd = jval_proxy_class(&ctx, ifs, 2)) == NULL ||
	    (ih = hctx_object(h, hctx_desc(h,
	    "hudson.remoting.RemoteInvocationHandler", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, NF(f)))) == NULL ||
	    (o = jser_new_object(h->out, pd)) == NULL)
		return NULL;
	if (jser_set_prim(ih, "oid", (uint32_t)oid) != PROTO_OK ||
	    jser_set_prim(ih, "userProxy", 1) != PROTO_OK ||
	    jser_set_prim(ih, "userSpace", 1) != PROTO_OK ||
	    jser_set_ref(o, "h", ih) != PROTO_OK)
		return NULL;
	return o;
}

/* ---- RemoteProcess ---- */

/*
 * Export the process end *fd as field of the IOTriplet t: a remote input
 * stream for the child's output (the export holds its own copy of the
 * fd, so ours is closed), or for its stdin a remote output stream the
 * controller writes to, fed to the child by the feeder thread.
 */
static int
rp_triplet_stream(struct hctx *h, struct lproc *lp, struct jser_node *t,
    const char *field, int *fd, bool child_stdin)
{
	struct jser_node	*s;
	int32_t			 oid = -1;

	if (child_stdin) {
		if (*fd == -1 || lp->in_s != NULL ||
		    (lp->in_s = channel_instream_export(&lp->ioh, &oid)) ==
		    NULL)
			return hctx_fail(h, "java.io.IOException",
			    "cannot export the process's %s", field);
		if ((s = new_ros(h, oid)) == NULL ||
		    jser_set_ref(t, field, s) != PROTO_OK) {
			channel_instream_close(lp->in_s);
			lp->in_s = NULL;
			return -1;
		}
		if (start_feeder(lp) != 0)
			return hctx_fail(h, "java.io.IOException",
			    "cannot feed the process's %s", field);
		return 0;
	}
	if ((oid = lstream_export(lp, *fd)) < 0 ||
	    (s = new_ris(h, oid)) == NULL ||
	    jser_set_ref(t, field, s) != PROTO_OK)
		return hctx_fail(h, "java.io.IOException",
		    "cannot export the process's %s", field);
	close(*fd);
	*fd = -1;
	return 0;
}

static int
rp_triplet(struct hctx *h, struct lproc *lp)
{
	static const struct hfield f[] = {
		{ 'L', "stderr", "Ljava/io/InputStream;" },
		{ 'L', "stdin", "Ljava/io/OutputStream;" },
		{ 'L', "stdout", "Ljava/io/InputStream;" },
	};
	struct jser_node	*t;

	if ((t = hctx_object(h, hctx_desc(h, "hudson.Launcher$IOTriplet", 1,
	    SC_SERIALIZABLE, NULL, f, NF(f)))) == NULL)
		return -1;
	if ((lp->rev_out &&
	    rp_triplet_stream(h, lp, t, "stdout", &lp->out_fd, false) == -1) ||
	    (lp->rev_err &&
	    rp_triplet_stream(h, lp, t, "stderr", &lp->err_fd, false) == -1) ||
	    (lp->rev_in &&
	    rp_triplet_stream(h, lp, t, "stdin", &lp->in_fd, true) == -1))
		return -1;
	h->value = t;
	return 0;
}

static void
kill_lproc(struct lproc *lp)
{
	char		 kv[64];
	const char	*kvs[1] = { kv };

	(void)proc_kill_tree(lp->p->pid, LAUNCH_KILL_GRACE_MS);
	snprintf(kv, sizeof(kv), "HUDSON_COOKIE=%s", lp->cookie);
	(void)proc_kill_by_env(kvs, 1, LAUNCH_KILL_GRACE_MS);
}

static int
rp_join(struct hctx *h, struct lproc *lp)
{
	struct timespec	 ts;
	int		 code = 0, waited;

	while (proc_wait(lp->p, 200, &code, NULL) == 0)
		if (hctx_cancelled(h))
			return hctx_fail(h, "java.lang.InterruptedException",
			    "join was cancelled");
	/* Let the copiers send what the child wrote (<= 10 s each). */
	pthread_mutex_lock(&lp->lock);
	for (waited = 0; lp->copying > 0 && waited < 2 * LAUNCH_JOIN_COPY_MS;
	    waited += 100) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&lp->cond, &lp->lock, &ts);
	}
	pthread_mutex_unlock(&lp->lock);
	/* The response must come after every chunk they sent. */
	if (lp->ioh.last_io_id > h->last_io_id)
		h->last_io_id = lp->ioh.last_io_id;
	h->value = cmd_new_integer(h->out, code);
	return h->value != NULL ? 0 : -1;
}

static int
rp_rpc(struct hctx *h, void *obj, const struct cmd_rpc *rpc)
{
	struct lproc	*lp = obj;

	if (strcmp(rpc->method, "getIOtriplet") == 0)
		return rp_triplet(h, lp);
	if (strcmp(rpc->method, "join") == 0)
		return rp_join(h, lp);
	if (strcmp(rpc->method, "kill") == 0) {
		kill_lproc(lp);
		h->value = NULL;
		return 0;
	}
	if (strcmp(rpc->method, "isAlive") == 0) {
		h->value = cmd_new_boolean(h->out, proc_alive(lp->p));
		return h->value != NULL ? 0 : -1;
	}
	return hctx_fail(h, "java.lang.UnsupportedOperationException",
	    "RemoteProcess.%.100s is not supported by jnagent", rpc->method);
}

static void
rp_release(void *obj)
{
	struct lproc	*lp = obj;
	struct timespec	 ts;
	int		 waited;

	/* The controller forgot the process (or the channel ended): stop
	 * copying, and wait (a little) until no thread of ours uses the
	 * channel any more.  The child itself runs on, as with a JVM
	 * agent. */
	channel_cancel(lp->ch, &lp->ioh);
	pthread_mutex_lock(&lp->lock);
	if (lp->stop[1] != -1) {
		close(lp->stop[1]);
		lp->stop[1] = -1;
	}
	for (waited = 0; lp->running > 0 && waited < 5000; waited += 100) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&lp->cond, &lp->lock, &ts);
	}
	if (lp->running > 0)
		log_info("process %d: %d I/O threads still busy", lp->p != NULL ?
		    (int)lp->p->pid : -1, lp->running);
	pthread_mutex_unlock(&lp->lock);
	lproc_drop(lp);
}

static const struct chan_export_ops rp_ops = {
	.rpc = rp_rpc,
	.release = rp_release,
};

/* ---- RemoteLaunchCallable ---- */

static int
start_copier(struct lproc *lp, struct copier *c, int fd, int32_t oid)
{
	c->lp = lp;
	c->fd = fd;
	c->oid = oid;
	pthread_mutex_lock(&lp->lock);
	lp->refs++;
	lp->running++;
	lp->copying++;
	pthread_mutex_unlock(&lp->lock);
	if (pthread_create(&c->t, NULL, copier_main, c) != 0) {
		pthread_mutex_lock(&lp->lock);
		lp->refs--;
		lp->running--;
		lp->copying--;
		pthread_mutex_unlock(&lp->lock);
		return -1;
	}
	pthread_detach(c->t);
	return 0;
}

/* Collect a List<String> of the request as UTF-8 strings in h->out. */
static int
string_list(struct hctx *h, const struct jser_node *list, char ***out,
    size_t *n)
{
	struct jser_node	**items;
	uint32_t		  cnt, i;
	char			**v;
	size_t			  len;

	if (jval_list_items(h->out, list, &items, &cnt) != PROTO_OK ||
	    cnt > LAUNCH_MAX_ARGS)
		return -1;
	if ((v = jser_alloc(h->out, (cnt + 1) * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++)
		if (jval_get_utf8(h->out, items[i], &v[i], &len) != PROTO_OK)
			return -1;
	*out = v;
	*n = cnt;
	return 0;
}

static int
h_remote_launch(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*cmdl = NULL, *envn = NULL, *wrap = NULL;
	struct jser_node	*rules = NULL, *errn = NULL, *inn = NULL;
	struct jser_node	*outn = NULL, *lsn = NULL, *sln = NULL;
	struct jser_node	*masksn = NULL, **ritems, *res;
	struct launch_env	 env;
	struct proc_spec	 spec;
	struct lproc		*lp = NULL;
	struct stat		 sb;
	struct jser_node	**envitems;
	const char		*workdir;
	char			**argv = NULL, **ovr = NULL, **envp = NULL;
	char			*line, *x, errbuf[512];
	bool			*masks = NULL, quiet, rev_out, rev_err, rev_in;
	size_t			 argc = 0, nov = 0, i, len;
	uint32_t		 nrules = 0;
	uint64_t		 mv;
	int32_t			 out_oid, err_oid, log_oid, oid;
	int			 r = -1;

	memset(&env, 0, sizeof(env));
	quiet = field_bool(callable, "quiet");
	rev_out = field_bool(callable, "reverseStdout");
	rev_err = field_bool(callable, "reverseStderr");
	rev_in = field_bool(callable, "reverseStdin");
	(void)jser_field_ref(callable, "cmd", &cmdl);
	(void)jser_field_ref(callable, "env", &envn);
	(void)jser_field_ref(callable, "envVarsFilterRuleWrapper", &wrap);
	(void)jser_field_ref(callable, "err", &errn);
	(void)jser_field_ref(callable, "in", &inn);
	(void)jser_field_ref(callable, "listener", &lsn);
	(void)jser_field_ref(callable, "masks", &masksn);
	(void)jser_field_ref(callable, "out", &outn);
	(void)jser_field_ref(callable, "stdoutListener", &sln);
	workdir = hctx_field_string(h, callable, "workDir");

	if (cmdl == NULL || string_list(h, cmdl, &argv, &argc) != 0 ||
	    argc == 0)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "RemoteLaunchCallable without a command");
	if (wrap != NULL && jser_field_ref(wrap, "rules", &rules) == PROTO_OK &&
	    rules != NULL && jval_list_items(h->out, rules, &ritems, &nrules) ==
	    PROTO_OK && nrules > 0)
		return hctx_fail(h, "java.io.IOException",
		    "environment variable filter rules (%.100s) are not "
		    "supported by jnagent", jser_class_name(ritems[0]) ?
		    jser_class_name(ritems[0]) : "?");
	if (masksn != NULL && masksn->type == JSER_ARRAY &&
	    masksn->u.arr.elem == 'Z') {
		if ((masks = jser_alloc(h->out, (argc ? argc : 1) *
		    sizeof(*masks))) == NULL)
			return -1;
		for (i = 0; i < argc && i < masksn->u.arr.length; i++)
			masks[i] = jser_array_get(masksn, (uint32_t)i, &mv) ==
			    PROTO_OK && mv != 0;
	}
	if (envn != NULL && envn->type == JSER_ARRAY &&
	    envn->u.arr.elem == 'L') {
		envitems = envn->u.arr.data;
		if ((ovr = jser_alloc(h->out, (envn->u.arr.length + 1) *
		    sizeof(*ovr))) == NULL)
			return -1;
		for (i = 0; i < envn->u.arr.length; i++)
			if (envitems[i] != NULL && jval_get_utf8(h->out,
			    envitems[i], &ovr[nov], &len) == PROTO_OK)
				nov++;
	}
	out_oid = sln != NULL ? find_ros(sln, 0) : ros_oid(outn);
	err_oid = ros_oid(errn);
	log_oid = find_ros(lsn, 0);

	/* 1. the command line, to the build log */
	if (!quiet && log_oid != -1) {
		if ((line = launch_command_line((const char *const *)argv, argc,
		    masks, workdir)) == NULL)
			return -1;
		x = NULL;
		if (asprintf(&x, "%s\n", line) != -1) {
			(void)channel_pipe_write(h, log_oid, (uint8_t *)x,
			    strlen(x));
			(void)channel_pipe_flush(h, log_oid);
		}
		free(x);
		free(line);
	}
	/* 5. the working directory must exist */
	if (workdir != NULL && (stat(workdir, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode)))
		return hctx_fail(h, "java.io.IOException",
		    "Process working directory '%.800s' doesn't exist!",
		    workdir);
	/* 2.-4. environment, arguments, cookie */
	if (launch_env_inherit(&env) != 0 ||
	    launch_env_override_all(&env, (const char *const *)ovr, nov) != 0)
		goto nomem;
	/* DOCKER_HOST of the daemon the node's labels select */
	if (dockersel_launch_env(h->conf, &env, dockersel_overrides_host(
	    (const char *const *)ovr, nov), errbuf, sizeof(errbuf)) != 0) {
		r = hctx_fail(h, "java.io.IOException", "%s", errbuf);
		goto out;
	}
	for (i = 0; i < argc; i++)
		if ((x = launch_expand(argv[i], &env)) == NULL ||
		    (argv[i] = jser_strdup(h->out, x, strlen(x))) == NULL) {
			free(x);
			goto nomem;
		} else
			free(x);
	argv[argc] = NULL;
	if ((lp = calloc(1, sizeof(*lp))) == NULL)
		goto nomem;
	pthread_mutex_init(&lp->lock, NULL);
	pthread_cond_init(&lp->cond, NULL);
	lp->refs = 1;
	lp->stop[0] = lp->stop[1] = -1;
	lp->in_fd = lp->out_fd = lp->err_fd = -1;
	lp->ch = h->ch;
	lp->ioh.ch = h->ch;
	lp->ioh.conf = h->conf;
	lp->ioh.loader_oid = -1;
	atomic_init(&lp->ioh.cancelled, false);
	lp->rev_out = rev_out;
	lp->rev_err = rev_err;
	lp->rev_in = rev_in && inn == NULL;
	make_uuid(lp->cookie);
	if (launch_env_put(&env, "HUDSON_COOKIE", lp->cookie) != 0 ||
	    (envp = launch_envp(&env)) == NULL ||
	    pipe2(lp->stop, O_CLOEXEC) == -1)
		goto nomem;
	/* stdin from the controller: greedy (a Pipe it pushes into, once we
	 * connect it) or pulled; the stream lives with the process */
	if (inn != NULL && (lp->in_s = channel_instream_open(&lp->ioh, inn)) ==
	    NULL) {
		r = hctx_fail(h, lp->ioh.exc_class, "stdin of the process: %s",
		    lp->ioh.exc_msg);
		goto out;
	}

	memset(&spec, 0, sizeof(spec));
	spec.argv = (const char *const *)argv;
	spec.envp = (const char *const *)envp;
	spec.cwd = workdir;
	spec.in = inn != NULL || lp->rev_in ? PROC_PIPE : PROC_NULL;
	spec.out = rev_out || out_oid != -1 ? PROC_PIPE : PROC_NULL;
	spec.err = rev_err || err_oid != -1 ? PROC_PIPE :
	    spec.out == PROC_PIPE ? PROC_MERGE : PROC_NULL;
	if (proc_spawn(&spec, &lp->p, errbuf, sizeof(errbuf)) != 0) {
		r = hctx_fail(h, "java.io.IOException", "%s", errbuf);
		goto out;
	}
	log_debug("launched pid %d: %.100s", (int)lp->p->pid, argv[0]);
	lp->in_fd = lp->p->in_fd;
	lp->p->in_fd = -1;
	if (rev_out)
		lp->out_fd = lp->p->out_fd;
	else if (lp->p->out_fd != -1 &&
	    start_copier(lp, &lp->cout, lp->p->out_fd, out_oid) != 0)
		close(lp->p->out_fd);
	lp->p->out_fd = -1;
	if (rev_err)
		lp->err_fd = lp->p->err_fd;
	else if (lp->p->err_fd != -1 &&
	    start_copier(lp, &lp->cerr, lp->p->err_fd, err_oid) != 0)
		close(lp->p->err_fd);
	lp->p->err_fd = -1;
	if (lp->in_s != NULL && start_feeder(lp) != 0)
		log_info("cannot start feeding the stdin of process %d",
		    (int)lp->p->pid);
	if ((oid = channel_export(h->ch, lp, &rp_ops)) < 0) {
		kill_lproc(lp);
		r = hctx_fail(h, "java.io.IOException",
		    "cannot export the process");
		goto out;
	}
	lp = NULL;	/* owned by the export now */
	if ((res = new_proxy(h, "hudson.Launcher$RemoteProcess", oid)) == NULL)
		goto out;
	h->value = res;
	r = 0;
	goto out;
nomem:
	r = hctx_fail(h, "java.lang.OutOfMemoryError",
	    "out of memory while launching");
out:
	if (lp != NULL)
		rp_release(lp);
	launch_envp_free(envp);
	launch_env_free(&env);
	return r;
}

/* ---- KillTask, GetEnvVars ---- */

static int
h_kill_task(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*map = NULL, **keys, **vals;
	uint32_t		 n, i;
	char			**kv, *k, *v;
	size_t			 kl, vl;

	if (jser_field_ref(callable, "modelEnvVars", &map) != PROTO_OK ||
	    map == NULL) {
		h->value = NULL;
		return 0;
	}
	if (jval_map_entries(h->out, map, &keys, &vals, &n) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "KillTask with an unreadable environment model");
	if (n == 0) {
		h->value = NULL;	/* an empty model kills nothing */
		return 0;
	}
	if ((kv = jser_alloc(h->out, n * sizeof(*kv))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (jval_get_utf8(h->out, keys[i], &k, &kl) != PROTO_OK ||
		    vals[i] == NULL ||
		    jval_get_utf8(h->out, vals[i], &v, &vl) != PROTO_OK)
			return hctx_fail(h, "java.lang.IllegalArgumentException",
			    "KillTask with a non-string environment model");
		if ((kv[i] = jser_alloc(h->out, kl + vl + 2)) == NULL)
			return -1;
		snprintf(kv[i], kl + vl + 2, "%s=%s", k, v);
		guardsvc_build_killed(k, v);	/* agent/guardsvc.h */
	}
	log_info("killing processes by environment (%u variables)", n);
	(void)proc_kill_by_env((const char *const *)kv, n,
	    LAUNCH_KILL_GRACE_MS);
	h->value = NULL;
	return 0;
}

static int
h_get_env_vars(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f[] = {
		{ 'L', "platform", "Lhudson/Platform;" },
	};
	struct launch_env	 env;
	struct jval_ctx		 ctx;
	struct jser_node	**keys = NULL, **vals = NULL, *tm, *ev, *pd;
	struct jser_node	*ed, *cmp;
	struct jser_classdata	*src, *dst;
	size_t			 i;
	int			 r = -1;

	(void)callable;
	memset(&ctx, 0, sizeof(ctx));
	ctx.doc = h->out;
	if (launch_env_inherit(&env) != 0)
		return hctx_fail(h, "java.lang.OutOfMemoryError",
		    "out of memory");
	if ((keys = jser_alloc(h->out, (env.n + 1) * sizeof(*keys))) == NULL ||
	    (vals = jser_alloc(h->out, (env.n + 1) * sizeof(*vals))) == NULL)
		goto out;
	for (i = 0; i < env.n; i++)
		if ((keys[i] = hctx_string(h, env.names[i])) == NULL ||
		    (vals[i] = hctx_string(h, env.values[i])) == NULL)
			goto out;
	/* Build the TreeMap part, then graft it under hudson.EnvVars. */
	if ((cmp = jval_case_insensitive_order(&ctx)) == NULL ||
	    (tm = jval_treemap(&ctx, cmp, keys, vals, (uint32_t)env.n)) == NULL)
		goto out;
	if ((ed = hctx_desc(h, "hudson.Platform", 0,
	    SC_SERIALIZABLE | SC_ENUM, jval_class(&ctx, "java.lang.Enum", 0,
	    SC_SERIALIZABLE | SC_ENUM, NULL, NULL, 0), NULL, 0)) == NULL ||
	    (pd = hctx_desc(h, "hudson.EnvVars", INT64_C(4320331661987259022),
	    SC_SERIALIZABLE, tm->u.obj.desc, f, NF(f))) == NULL ||
	    (ev = hctx_object(h, pd)) == NULL)
		goto out;
	if ((src = jser_obj_classdata(tm, "java.util.TreeMap")) == NULL ||
	    (dst = jser_obj_classdata(ev, "java.util.TreeMap")) == NULL)
		goto out;
	*dst = *src;
	if (jser_set_ref(ev, "platform", jser_new_enum(h->out, ed, "UNIX")) !=
	    PROTO_OK)
		goto out;
	h->value = ev;
	r = 0;
out:
	launch_env_free(&env);
	return r;
}

const struct handler h_launch_handlers[] = {
	{ "hudson.Launcher$RemoteLaunchCallable", h_remote_launch, 0 },
	{ "hudson.Launcher$RemoteLauncher$KillTask", h_kill_task, 0 },
	{ "hudson.EnvVars$GetEnvVars", h_get_env_vars, 0 },
	{ NULL, NULL, 0 },
};
