/*
 * guard.c: the per-build Docker Engine API guard (see guard.h).
 *
 * Each client connection has its own thread and its own upstream
 * connection.  A request is read head first; routes that must be checked
 * or rewritten read their JSON body whole (capped), everything else is
 * copied as it comes (Content-Length or chunked framing followed, bytes
 * untouched).  Responses likewise; a 101 or an unframed response turns
 * the connection into a raw two-way splice (attach, exec, hijack).
 * Side requests (inspect to resolve names) go over the same upstream
 * connection before the forwarded request.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "docker/guard.h"
#include "docker/tlsfwd.h"

#define GUARD_MAX_HEAD	(64 * 1024)
#define GUARD_IOBUF	(64 * 1024)
#define GUARD_CACHE	128	/* remembered references, see cache_get */

static const char *guard_rule_names[GUARD_RULE_COUNT] = {
	"privileged", "host-pid", "host-network", "host-ipc", "host-uts",
	"host-userns", "cap-add", "devices", "security-opt",
	"bind-outside-workspace", "daemon-admin",
};

struct gout;

struct gio {
	int		 fd;
	char		*buf;
	size_t		 off;
	size_t		 len;
	struct gout	*pending;	/* flushed before this io blocks */
};

/*
 * Bytes bound for fd, gathered so that a chunked stream of small chunks
 * (a log line each) leaves in one write per read instead of three per
 * chunk.  Flushed whenever the source has nothing more buffered (see
 * io_fill), so a followed stream is not delayed.
 */
struct gout {
	int		 fd;
	size_t		 len;
	char		 buf[GUARD_IOBUF];
};

struct gconn {
	struct guard	*g;
	pthread_t	 thr;
	struct gio	 cl;		/* client */
	struct gio	 up;		/* upstream (fd -1 until connected) */
	int		 busy;		/* a mutating request is upstream */
	struct gconn	*next;
};

/*
 * A reference (name, id or id prefix, as the build wrote it) that
 * resolve() found to be the build's, with the id it stands for.  Labels
 * cannot change after creation, so an id once the build's stays the
 * build's; names are forgotten when the guard sees them change (create,
 * rename, remove, prune).  Kind 3 is an exec instance (ref == id).
 */
struct gcache {
	int		 kind;		/* enum gkind, or 3; -1 unused */
	char		*ref;
	char		*id;
};

struct guard {
	char		*upstream;	/* socket path */
	char		*build;
	char		*node;
	char		*ws[GUARD_MAX_PATHS];
	size_t		 nws;
	struct guard_map maps[GUARD_MAX_PATHS];
	size_t		 nmaps;
	int		 maps_only;
	unsigned	 allow;
	size_t		 max_json;
	int		 max_conns;
	char		 prefix[96];
	char		 sock[108];
	char		 sockdir[108];	/* made by us, removed at end */
	void		(*log)(void *, int, const char *);
	void		*log_arg;
	int		 lfd;
	int		 stop_pipe[2];
	pthread_t	 acc;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct gconn	*conns;
	int		 nconns;
	int		 stopping;
	struct gcache	 cache[GUARD_CACHE];	/* under mu */
	unsigned	 cache_next;
	struct tlsfwd	*fwd;		/* tcp upstream: our socket to it */
	char		 fwddir[108];	/* its private directory */
};

static void
glog(struct guard *g, int level, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	if (g->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	g->log(g->log_arg, level, msg);
}

const char *
guard_rule_name(int rule)
{
	if (rule < 0 || rule >= GUARD_RULE_COUNT)
		return NULL;
	return guard_rule_names[rule];
}

int
guard_rule_lookup(const char *name)
{
	int	i;

	for (i = 0; i < GUARD_RULE_COUNT; i++)
		if (strcmp(name, guard_rule_names[i]) == 0)
			return i;
	return -1;
}

unsigned
guard_policy_from_labels(const char *labels)
{
	const char	*p = labels, *e;
	size_t		 n, pl = strlen(GUARD_ALLOW_LABEL_PREFIX);
	unsigned	 allow = 0;
	char		 w[64];
	int		 r;

	while (p != NULL && *p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		for (e = p; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		n = (size_t)(e - p);
		if (n > pl && n - pl < sizeof w &&
		    strncmp(p, GUARD_ALLOW_LABEL_PREFIX, pl) == 0) {
			memcpy(w, p + pl, n - pl);
			w[n - pl] = '\0';
			if (strcmp(w, "all") == 0)
				allow = (1u << GUARD_RULE_COUNT) - 1;
			else if ((r = guard_rule_lookup(w)) >= 0)
				allow |= 1u << r;
		}
		p = e;
	}
	return allow;
}

/* ---- request head ----------------------------------------------------- */

static int
hdr_has_token(const char *v, size_t vlen, const char *tok)
{
	size_t	tl = strlen(tok), i = 0;

	while (i < vlen) {
		size_t	s, e;

		while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < vlen && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

int
guard_parse_request(const char *head, size_t len, struct guard_req *r)
{
	const char	*p = head, *end = head + len, *eol, *sp1, *sp2, *c;
	int		 first = 1, have_te = 0, blank = 0;

	memset(r, 0, sizeof *r);
	r->clen = -1;
	if (len > GUARD_MAX_HEAD)
		return 431;
	/* The head is handled as a C string later (make_head): no NUL. */
	if (memchr(head, '\0', len) != NULL)
		return 400;
	while (p < end) {
		for (eol = p; eol + 1 < end && !(eol[0] == '\r' &&
		    eol[1] == '\n'); eol++)
			;
		if (eol + 1 >= end)
			return 400;
		if (eol == p) {
			blank = 1;
			break;
		}
		if (first) {
			first = 0;
			sp1 = memchr(p, ' ', (size_t)(eol - p));
			if (sp1 == NULL || sp1 == p ||
			    (size_t)(sp1 - p) >= sizeof r->method)
				return 400;
			sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
			if (sp2 == NULL || sp2 == sp1 + 1)
				return 400;
			if ((size_t)(sp2 - sp1 - 1) >= sizeof r->target)
				return 431;
			for (c = p; c < sp1; c++)
				if (!isupper((unsigned char)*c))
					return 400;
			memcpy(r->method, p, (size_t)(sp1 - p));
			memcpy(r->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
			if (r->target[0] != '/')
				return 400;
			for (c = r->target; *c != '\0'; c++)
				if ((unsigned char)*c <= 0x20 || *c == 0x7f)
					return 400;
			if (eol - sp2 - 1 != 8 ||
			    strncmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
			    (sp2[8] != '0' && sp2[8] != '1'))
				return 400;
			r->minor = sp2[8] - '0';
			if (r->minor == 0)
				r->close = 1;
		} else {
			const char	*colon, *v, *ve;
			size_t		 nl, vl;

			colon = memchr(p, ':', (size_t)(eol - p));
			if (colon == NULL || colon == p)
				return 400;
			for (c = p; c < colon; c++)
				if (!isgraph((unsigned char)*c))
					return 400;
			nl = (size_t)(colon - p);
			v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			ve = eol;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			vl = (size_t)(ve - v);
			for (c = v; c < ve; c++)
				if ((unsigned char)*c < 0x20 && *c != '\t')
					return 400;
#define HIS(s) (nl == sizeof(s) - 1 && strncasecmp(p, s, nl) == 0)
			if (HIS("Content-Length")) {
				long long	 n = 0;

				if (vl == 0 || vl > 18)
					return 400;
				for (c = v; c < ve; c++) {
					if (!isdigit((unsigned char)*c))
						return 400;
					n = n * 10 + (*c - '0');
				}
				if (r->clen >= 0 && r->clen != n)
					return 400;
				r->clen = n;
			} else if (HIS("Transfer-Encoding")) {
				if (vl != 7 || strncasecmp(v, "chunked", 7))
					return 501;
				have_te = 1;
			} else if (HIS("Connection")) {
				if (hdr_has_token(v, vl, "upgrade"))
					r->upgrade = 1;
				if (hdr_has_token(v, vl, "close"))
					r->close = 1;
			} else if (HIS("Expect")) {
				if (vl == 12 && strncasecmp(v, "100-continue",
				    12) == 0)
					r->expect100 = 1;
				else
					return 417;
			}
#undef HIS
		}
		p = eol + 2;
	}
	if (first || !blank)
		return 400;
	if (have_te && r->clen >= 0)
		return 400;	/* request smuggling shape */
	r->chunked = have_te;
	return 0;
}

/* ---- paths -------------------------------------------------------------- */

/* Lexically clean an absolute path in place ("//", ".", ".."). */
static void
path_clean(char *p)
{
	char	*out = p, *s = p;

	if (*s != '/')
		return;
	while (*s != '\0') {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0')) {
			s++;
			continue;
		}
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' ||
		    s[2] == '\0')) {
			s += 2;
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		while (*s != '\0' && *s != '/')
			*out++ = *s++;
	}
	if (out == p)
		*out++ = '/';
	*out = '\0';
}

/* Cleaned, with symlinks of the deepest existing ancestor resolved;
 * caller frees. */
static char *
path_real(const char *path)
{
	char	*p, *q, *cut, *rp = NULL, *out = NULL;
	size_t	 n;

	if ((p = strdup(path)) == NULL)
		return NULL;
	path_clean(p);
	if ((q = strdup(p)) == NULL) {
		free(p);
		return NULL;
	}
	/* q shrinks to the deepest ancestor that exists */
	while ((rp = realpath(q, NULL)) == NULL) {
		if ((cut = strrchr(q, '/')) == NULL || cut == q) {
			q[1] = '\0';
			if ((rp = strdup("/")) == NULL)
				goto out;
			break;
		}
		*cut = '\0';
	}
	n = strcmp(q, "/") == 0 ? 0 : strlen(q);
	if (asprintf(&out, "%s%s", strcmp(rp, "/") == 0 ? "" : rp,
	    p + n) == -1)
		out = NULL;
	else if (*out == '\0') {
		free(out);
		out = strdup("/");
	}
out:
	free(p);
	free(q);
	free(rp);
	return out;
}

static int
path_under(const char *path, const char *dir)
{
	size_t	n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

char *
guard_map_path(const struct guard_map *maps, size_t nmaps, const char *path)
{
	size_t	 i, best = 0, bl = 0, al;
	int	 found = 0;
	char	*out;

	for (i = 0; i < nmaps; i++) {
		if (maps[i].agent == NULL || maps[i].daemon == NULL)
			continue;
		al = strlen(maps[i].agent);
		while (al > 1 && maps[i].agent[al - 1] == '/')
			al--;
		if (path_under(path, maps[i].agent) && (!found || al > bl)) {
			found = 1;
			best = i;
			bl = al;
		}
	}
	if (!found)
		return strdup(path);
	if (bl == 1)
		bl = 0;		/* agent "/" */
	if (asprintf(&out, "%s%s", maps[best].daemon, path + bl) == -1)
		return NULL;
	path_clean(out);
	return out;
}

/* ---- I/O ---------------------------------------------------------------- */

static int	gout_flush(struct gout *);

static int
io_fill(struct gio *io)
{
	ssize_t	n;

	if (io->pending != NULL && gout_flush(io->pending) != 0)
		return -1;
	if (io->off > 0 && io->off == io->len)
		io->off = io->len = 0;
	if (io->len == GUARD_IOBUF) {
		if (io->off == 0)
			return -1;
		memmove(io->buf, io->buf + io->off, io->len - io->off);
		io->len -= io->off;
		io->off = 0;
	}
	do
		n = read(io->fd, io->buf + io->len, GUARD_IOBUF - io->len);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return -1;
	io->len += (size_t)n;
	return 0;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* a then b (either may be empty) with as few syscalls as the kernel
 * allows: a head and its body leave together. */
static int
write2(int fd, const void *a, size_t alen, const void *b, size_t blen)
{
	struct iovec	 iov[2];
	struct msghdr	 mh;
	ssize_t		 n;

	while (alen > 0 && blen > 0) {
		iov[0].iov_base = (void *)a;
		iov[0].iov_len = alen;
		iov[1].iov_base = (void *)b;
		iov[1].iov_len = blen;
		memset(&mh, 0, sizeof mh);
		mh.msg_iov = iov;
		mh.msg_iovlen = 2;
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if ((size_t)n >= alen) {
			n -= (ssize_t)alen;
			alen = 0;
			b = (const char *)b + n;
			blen -= (size_t)n;
		} else {
			a = (const char *)a + n;
			alen -= (size_t)n;
		}
	}
	if (alen > 0)
		return write_all(fd, a, alen);
	return write_all(fd, b, blen);
}

static int
gout_flush(struct gout *o)
{
	if (o->len > 0 && write_all(o->fd, o->buf, o->len) != 0)
		return -1;
	o->len = 0;
	return 0;
}

/* Queue n bytes for o->fd (o NULL: discard them). */
static int
gout_put(struct gout *o, const void *p, size_t n)
{
	if (o == NULL)
		return 0;
	if (o->len + n > sizeof o->buf) {
		if (gout_flush(o) != 0)
			return -1;
		if (n > sizeof o->buf)
			return write_all(o->fd, p, n);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

/* Read a head ending in CRLFCRLF; *head caller frees.  0, -1 on EOF or
 * error, 431 when too long. */
static int
io_head(struct gio *io, char **head, size_t *hlen)
{
	char	*e;
	size_t	 scanned = 0;

	for (;;) {
		size_t	 avail = io->len - io->off;

		if (avail >= 4) {
			e = memmem(io->buf + io->off + (scanned > 3 ?
			    scanned - 3 : 0), avail - (scanned > 3 ?
			    scanned - 3 : 0), "\r\n\r\n", 4);
			if (e != NULL) {
				*hlen = (size_t)(e + 4 - (io->buf + io->off));
				if ((*head = malloc(*hlen + 1)) == NULL)
					return -1;
				memcpy(*head, io->buf + io->off, *hlen);
				(*head)[*hlen] = '\0';
				io->off += *hlen;
				return 0;
			}
			scanned = avail;
		}
		if (avail >= GUARD_MAX_HEAD)
			return 431;
		if (io->off > 0) {
			memmove(io->buf, io->buf + io->off, avail);
			io->len = avail;
			io->off = 0;
		}
		if (io_fill(io) != 0)
			return -1;
	}
}

/* Read one CRLF line (cap 4 KiB) into line; 0 or -1. */
static int
io_line(struct gio *io, char *line, size_t cap, size_t *n)
{
	for (;;) {
		char	*e = memchr(io->buf + io->off, '\n', io->len - io->off);

		if (e != NULL) {
			size_t	l = (size_t)(e + 1 - (io->buf + io->off));

			if (l >= cap)
				return -1;
			memcpy(line, io->buf + io->off, l);
			line[l] = '\0';
			io->off += l;
			*n = l;
			return 0;
		}
		if (io->len - io->off >= cap)
			return -1;
		if (io_fill(io) != 0)
			return -1;
	}
}

/* Copy n bytes from io to fd (fd -1: discard). */
static int
io_copy(struct gio *io, int fd, unsigned long long n)
{
	while (n > 0) {
		size_t	a;

		if (io->off == io->len && io_fill(io) != 0)
			return -1;
		a = io->len - io->off;
		if (a > n)
			a = (size_t)n;
		if (fd >= 0 && write_all(fd, io->buf + io->off, a) != 0)
			return -1;
		io->off += a;
		n -= a;
	}
	return 0;
}

/*
 * A chunked body from io: forwarded raw to fd (>= 0), and/or collected
 * de-chunked into *body (when body != NULL, cap max).  0, -1 broken,
 * 413 too big.
 */
static int
io_chunked_to(struct gio *io, struct gout *o, char **body, size_t *blen,
    size_t max)
{
	char		 line[4096];
	size_t		 n, a;
	unsigned long long sz;
	char		*end, *nb;

	for (;;) {
		if (io_line(io, line, sizeof line, &n) != 0)
			return -1;
		if (gout_put(o, line, n) != 0)
			return -1;
		errno = 0;
		sz = strtoull(line, &end, 16);
		if (end == line || errno != 0 || sz > (1ULL << 40))
			return -1;
		if (sz == 0)
			break;
		if (body != NULL) {
			if (sz > max - *blen)
				return 413;
			if ((nb = realloc(*body, *blen + sz + 1)) == NULL)
				return -1;
			*body = nb;
		}
		while (sz > 0) {
			if (io->off == io->len && io_fill(io) != 0)
				return -1;
			a = io->len - io->off;
			if (a > sz)
				a = (size_t)sz;
			if (body != NULL) {
				memcpy(*body + *blen, io->buf + io->off, a);
				*blen += a;
				(*body)[*blen] = '\0';
			}
			if (gout_put(o, io->buf + io->off, a) != 0)
				return -1;
			io->off += a;
			sz -= a;
		}
		if (io_line(io, line, sizeof line, &n) != 0 ||
		    strcmp(line, "\r\n") != 0)
			return -1;
		if (gout_put(o, line, n) != 0)
			return -1;
	}
	/* trailers up to the blank line */
	for (;;) {
		if (io_line(io, line, sizeof line, &n) != 0)
			return -1;
		if (gout_put(o, line, n) != 0)
			return -1;
		if (strcmp(line, "\r\n") == 0)
			return 0;
	}
}

static int
io_chunked(struct gio *io, int fd, char **body, size_t *blen, size_t max)
{
	struct gout	*o = NULL;
	int		 r;

	if (fd >= 0) {
		if ((o = malloc(sizeof *o)) == NULL)
			return -1;
		o->fd = fd;
		o->len = 0;
		io->pending = o;
	}
	r = io_chunked_to(io, o, body, blen, max);
	io->pending = NULL;
	if (o != NULL) {
		if (r == 0 && gout_flush(o) != 0)
			r = -1;
		free(o);
	}
	return r;
}

/* A whole body by framing (clen >= 0 or chunked); cap max. */
static int
io_body(struct gio *io, long long clen, int chunked, char **body,
    size_t *blen, size_t max)
{
	*body = NULL;
	*blen = 0;
	if (chunked)
		return io_chunked(io, -1, body, blen, max);
	if (clen < 0)
		clen = 0;
	if ((unsigned long long)clen > max)
		return 413;
	if ((*body = malloc((size_t)clen + 1)) == NULL)
		return -1;
	while (*blen < (size_t)clen) {
		size_t	a;

		if (io->off == io->len && io_fill(io) != 0)
			return -1;
		a = io->len - io->off;
		if (a > (size_t)clen - *blen)
			a = (size_t)clen - *blen;
		memcpy(*body + *blen, io->buf + io->off, a);
		*blen += a;
		io->off += a;
	}
	(*body)[*blen] = '\0';
	return 0;
}

/* Raw two-way copy until both directions end. */
static void
splice2(struct gio *a, struct gio *b)
{
	struct pollfd	pfd[2];
	int		open_a = 1, open_b = 1;
	char		buf[GUARD_IOBUF];
	ssize_t		n;

	/* bytes already buffered */
	if (a->len > a->off && write_all(b->fd, a->buf + a->off,
	    a->len - a->off) != 0)
		return;
	a->off = a->len = 0;
	if (b->len > b->off && write_all(a->fd, b->buf + b->off,
	    b->len - b->off) != 0)
		return;
	b->off = b->len = 0;
	while (open_a || open_b) {
		pfd[0].fd = open_a ? a->fd : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = open_b ? b->fd : -1;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(a->fd, buf, sizeof buf);
			if (n <= 0) {
				open_a = 0;
				shutdown(b->fd, SHUT_WR);
				if (n < 0)
					return;
			} else if (write_all(b->fd, buf, (size_t)n) != 0)
				return;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(b->fd, buf, sizeof buf);
			if (n <= 0) {
				/* the daemon ended the stream: done */
				return;
			} else if (write_all(a->fd, buf, (size_t)n) != 0)
				return;
		}
	}
}

/* ---- upstream --------------------------------------------------------- */

static int
unix_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
up_ensure(struct gconn *c)
{
	if (c->up.fd >= 0)
		return 0;
	c->up.off = c->up.len = 0;
	c->up.fd = unix_connect(c->g->upstream);
	return c->up.fd >= 0 ? 0 : -1;
}

static void
up_close(struct gconn *c)
{
	pthread_mutex_lock(&c->g->mu);
	if (c->up.fd >= 0)
		close(c->up.fd);
	c->up.fd = -1;
	pthread_mutex_unlock(&c->g->mu);
	c->up.off = c->up.len = 0;
}

struct gresp {
	int		 status;
	long long	 clen;
	int		 chunked;
	int		 close;
	int		 json;		/* Content-Type application/json */
};

static int
parse_response(const char *head, struct gresp *r)
{
	const char	*p, *eol;

	memset(r, 0, sizeof *r);
	r->clen = -1;
	if (strncmp(head, "HTTP/1.", 7) != 0 || strlen(head) < 12 ||
	    !isdigit((unsigned char)head[9]))
		return -1;
	r->status = atoi(head + 9);
	if (head[7] == '0')
		r->close = 1;
	p = strstr(head, "\r\n") + 2;
	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		size_t	l = (size_t)(eol - p);

		if (l > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			r->clen = strtoll(p + 15, NULL, 10);
		else if (l > 18 && strncasecmp(p, "Transfer-Encoding:",
		    18) == 0 && memmem(p, l, "chunked", 7) != NULL)
			r->chunked = 1;
		else if (l > 11 && strncasecmp(p, "Connection:", 11) == 0 &&
		    hdr_has_token(p + 11, l - 11, "close"))
			r->close = 1;
		else if (l > 13 && strncasecmp(p, "Content-Type:", 13) == 0 &&
		    memmem(p, l, "application/json", 16) != NULL)
			r->json = 1;
		p = eol + 2;
	}
	if (r->clen < 0 && r->chunked == 0 && (r->status == 204 ||
	    r->status == 304 || r->status < 200))
		r->clen = 0;
	return 0;
}

/*
 * A side request on the upstream connection: *out gets the parsed JSON
 * body (NULL when none or not JSON), caller frees.  Returns the status
 * or -1.
 */
static int
side(struct gconn *c, const char *method, const char *path,
    const char *body, cJSON **out)
{
	char		*req = NULL, *head = NULL, *rb = NULL;
	struct gresp	 rs;
	size_t		 hl, bl;
	int		 n, ret = -1, tries;

	*out = NULL;
	for (tries = 0; tries < 2 && ret == -1; tries++) {
		if (up_ensure(c) != 0)
			return -1;
		free(req);
		n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: docker\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu"
		    "\r\n\r\n%s", method, path, body ? strlen(body) : 0,
		    body ? body : "");
		if (n == -1) {
			req = NULL;
			break;
		}
		if (write_all(c->up.fd, req, (size_t)n) != 0 ||
		    io_head(&c->up, &head, &hl) != 0) {
			up_close(c);	/* stale keep-alive: retry once */
			continue;
		}
		if (parse_response(head, &rs) != 0 || (rs.clen < 0 &&
		    !rs.chunked) || io_body(&c->up, rs.clen, rs.chunked,
		    &rb, &bl, c->g->max_json) != 0) {
			up_close(c);
			break;
		}
		if (rs.close)
			up_close(c);
		*out = cJSON_ParseWithLength(rb, bl);
		ret = rs.status;
	}
	free(req);
	free(head);
	free(rb);
	return ret;
}

/* ---- answers ---------------------------------------------------------- */

/*
 * After an early answer (413) the client may still be sending the body:
 * closing at once would reset the connection before it reads the answer.
 * Stop writing, then read and drop what comes, for at most 2 s and
 * 256 MiB, so the client sees the status line.
 */
static void
linger_close(int fd)
{
	struct timeval	 tv = { 2, 0 };
	char		 sink[16384];
	size_t		 total = 0;
	ssize_t		 n;

	if (shutdown(fd, SHUT_WR) != 0)
		return;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (total < ((size_t)256 << 20) &&
	    (n = read(fd, sink, sizeof(sink))) > 0)
		total += (size_t)n;
}

static int
reply(struct gconn *c, int status, const char *fmt, ...)
{
	char		 msg[1024], *json, *out = NULL;
	const char	*reason;
	cJSON		*o;
	va_list		 ap;
	int		 n, r;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	switch (status) {
	case 400: reason = "Bad Request"; break;
	case 403: reason = "Forbidden"; break;
	case 404: reason = "Not Found"; break;
	case 409: reason = "Conflict"; break;
	case 413: reason = "Payload Too Large"; break;
	case 417: reason = "Expectation Failed"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	case 501: reason = "Not Implemented"; break;
	case 502: reason = "Bad Gateway"; break;
	case 503: reason = "Service Unavailable"; break;
	default: reason = "Error"; break;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "message", msg) == NULL ||
	    (json = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return -1;
	}
	cJSON_Delete(o);
	n = asprintf(&out, "HTTP/1.1 %d %s\r\nContent-Type: application/json"
	    "\r\nContent-Length: %zu\r\n\r\n%s\n", status, reason,
	    strlen(json) + 1, json);
	free(json);
	if (n == -1)
		return -1;
	r = write_all(c->cl.fd, out, (size_t)n);
	free(out);
	return r;
}

static int
refuse(struct gconn *c, int rule, const char *what)
{
	glog(c->g, 1, "docker guard: build %s: refused %s (rule %s)",
	    c->g->build, what, guard_rule_names[rule]);
	return reply(c, 403, "jnagent docker guard: %s is refused by rule "
	    "\"%s\"; to allow it, give the node the label \"%s%s\"", what,
	    guard_rule_names[rule], GUARD_ALLOW_LABEL_PREFIX,
	    guard_rule_names[rule]);
}

#define ALLOWED(g, rule) (((g)->allow >> (rule)) & 1u)

/* ---- names and labels ------------------------------------------------- */

static int
valid_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' &&
		    *s != '-')
			return 0;
	return 1;
}

static int
labels_mine(struct guard *g, const cJSON *labels)
{
	const cJSON	*b, *n;

	b = cJSON_GetObjectItemCaseSensitive(labels, GUARD_LABEL_BUILD);
	n = cJSON_GetObjectItemCaseSensitive(labels, GUARD_LABEL_NODE);
	return cJSON_IsString(b) && cJSON_IsString(n) &&
	    strcmp(b->valuestring, g->build) == 0 &&
	    strcmp(n->valuestring, g->node) == 0;
}

static int
add_labels(struct guard *g, cJSON *obj, const char *member)
{
	cJSON	*l = cJSON_GetObjectItemCaseSensitive(obj, member);

	if (l == NULL || cJSON_IsNull(l)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, member);
		if ((l = cJSON_AddObjectToObject(obj, member)) == NULL)
			return -1;
	} else if (!cJSON_IsObject(l))
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(l, GUARD_LABEL_BUILD);
	cJSON_DeleteItemFromObjectCaseSensitive(l, GUARD_LABEL_NODE);
	if (cJSON_AddStringToObject(l, GUARD_LABEL_BUILD, g->build) == NULL ||
	    cJSON_AddStringToObject(l, GUARD_LABEL_NODE, g->node) == NULL)
		return -1;
	return 0;
}

/* Take the prefix off a name ("/pfx_db" -> "/db"); in place. */
/* Take the prefix out of a free text (error messages); caller frees. */
static char *
strip_text(struct guard *g, const char *t)
{
	size_t		 pl = strlen(g->prefix);
	char		*out = malloc(strlen(t) + 1), *o = out;
	const char	*p;

	if (out == NULL)
		return NULL;
	for (p = t; *p != '\0';) {
		if (strncmp(p, g->prefix, pl) == 0)
			p += pl;
		else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* "?filters=..." with the build's labels merged in; caller frees. */
static char *
query_with_filters(struct guard *g, const char *query)
{
	char		*out = NULL, *fj = NULL, *enc = NULL, *dec = NULL;
	const char	*p, *q;
	cJSON		*f = NULL, *lab;
	size_t		 i, n;
	char		 b1[1024], b2[1024];
	struct {
		const char	*s;
		size_t		 n;
	} keep[64];
	size_t		 nkeep = 0;

	/* split the query, pull out filters= */
	for (p = query; p != NULL && *p != '\0'; p = q) {
		q = strchr(p, '&');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n > 8 && strncmp(p, "filters=", 8) == 0 && dec == NULL) {
			if ((dec = malloc(n)) == NULL)
				goto out;
			n -= 8;
			{
				const char	*s = p + 8;
				size_t		 j = 0, k;

				for (k = 0; k < n; k++) {
					if (s[k] == '%' && k + 2 < n &&
					    isxdigit((unsigned char)s[k + 1]) &&
					    isxdigit((unsigned char)s[k + 2])) {
						char	h[3] = { s[k + 1],
						    s[k + 2], 0 };

						dec[j++] = (char)strtol(h,
						    NULL, 16);
						k += 2;
					} else
						dec[j++] = s[k] == '+' ? ' ' :
						    s[k];
				}
				dec[j] = '\0';
			}
		} else if (n > 0 && nkeep < 64) {
			keep[nkeep].s = p;
			keep[nkeep++].n = n;
		}
		if (q != NULL)
			q++;
	}
	f = dec != NULL ? cJSON_Parse(dec) : cJSON_CreateObject();
	if (f == NULL || !cJSON_IsObject(f))
		goto out;
	snprintf(b1, sizeof b1, "%s=%s", GUARD_LABEL_BUILD, g->build);
	snprintf(b2, sizeof b2, "%s=%s", GUARD_LABEL_NODE, g->node);
	lab = cJSON_GetObjectItemCaseSensitive(f, "label");
	if (lab == NULL)
		lab = cJSON_AddArrayToObject(f, "label");
	if (cJSON_IsArray(lab)) {
		cJSON_AddItemToArray(lab, cJSON_CreateString(b1));
		cJSON_AddItemToArray(lab, cJSON_CreateString(b2));
	} else if (cJSON_IsObject(lab)) {
		cJSON_AddTrueToObject(lab, b1);
		cJSON_AddTrueToObject(lab, b2);
	} else
		goto out;
	if ((fj = cJSON_PrintUnformatted(f)) == NULL ||
	    (enc = malloc(strlen(fj) * 3 + 1)) == NULL)
		goto out;
	for (p = fj, n = 0; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || strchr("-._~", *p))
			enc[n++] = *p;
		else
			n += (size_t)sprintf(enc + n, "%%%02X",
			    (unsigned char)*p);
	}
	enc[n] = '\0';
	{
		size_t	tot = strlen(enc) + 16;
		char	*o;

		for (i = 0; i < nkeep; i++)
			tot += keep[i].n + 1;
		if ((out = malloc(tot)) == NULL)
			goto out;
		o = out;
		for (i = 0; i < nkeep; i++) {
			memcpy(o, keep[i].s, keep[i].n);
			o += keep[i].n;
			*o++ = '&';
		}
		sprintf(o, "filters=%s", enc);
	}
out:
	cJSON_Delete(f);
	free(fj);
	free(enc);
	free(dec);
	return out;
}

enum gkind { GK_CONTAINER, GK_NETWORK, GK_VOLUME };
#define GK_EXEC	3	/* cache only */

/* The id ref stands for (caller frees), or NULL when not remembered. */
static char *
cache_get(struct guard *g, int kind, const char *ref)
{
	char	*id = NULL;
	size_t	 i;

	pthread_mutex_lock(&g->mu);
	for (i = 0; i < GUARD_CACHE; i++)
		if (g->cache[i].kind == kind && g->cache[i].ref != NULL &&
		    strcmp(g->cache[i].ref, ref) == 0) {
			id = strdup(g->cache[i].id);
			break;
		}
	pthread_mutex_unlock(&g->mu);
	return id;
}

static void
cache_slot_free(struct gcache *e)
{
	free(e->ref);
	free(e->id);
	e->ref = e->id = NULL;
	e->kind = -1;
}

/* Remember ref -> id (the oldest entry makes room). */
static void
cache_put(struct guard *g, int kind, const char *ref, const char *id)
{
	struct gcache	*e;
	char		*r, *i;
	size_t		 k;

	if ((r = strdup(ref)) == NULL || (i = strdup(id)) == NULL) {
		free(r);
		return;
	}
	pthread_mutex_lock(&g->mu);
	for (k = 0; k < GUARD_CACHE; k++)
		if (g->cache[k].kind == kind && g->cache[k].ref != NULL &&
		    strcmp(g->cache[k].ref, ref) == 0)
			break;
	if (k == GUARD_CACHE)
		k = g->cache_next++ % GUARD_CACHE;
	e = &g->cache[k];
	cache_slot_free(e);
	e->kind = kind;
	e->ref = r;
	e->id = i;
	pthread_mutex_unlock(&g->mu);
}

/*
 * Forget, for kind: every reference to id (id non-NULL), or every
 * reference that is a name rather than the id itself (id NULL: names may
 * now stand for something else).
 */
static void
cache_drop(struct guard *g, int kind, const char *id)
{
	struct gcache	*e;
	size_t		 k;

	pthread_mutex_lock(&g->mu);
	for (k = 0; k < GUARD_CACHE; k++) {
		e = &g->cache[k];
		if (e->kind != kind || e->ref == NULL)
			continue;
		if (id != NULL ? strcmp(e->id, id) == 0 :
		    strcmp(e->ref, e->id) != 0)
			cache_slot_free(e);
	}
	pthread_mutex_unlock(&g->mu);
}

/*
 * Resolve a container/network/volume reference of the build to the id
 * (or volume name) to use upstream.  Returns 200 with *id (caller frees),
 * 404 when not the build's, -1 on upstream failure.
 */
static int
resolve(struct gconn *c, const char *ver, enum gkind kind, const char *ref,
    char **id)
{
	static const char *base[] = { "/containers/", "/networks/",
	    "/volumes/" };
	struct guard	*g = c->g;
	char		*path = NULL;
	cJSON		*o = NULL;
	const cJSON	*labels, *idv;
	int		 pass, st, ret = 404;

	*id = NULL;
	if (*ref == '\0' || strchr(ref, '/') != NULL ||
	    strchr(ref, '?') != NULL || strchr(ref, '%') != NULL ||
	    strlen(ref) > 256)
		return 404;
	if ((*id = cache_get(g, kind, ref)) != NULL)
		return 200;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0 && !valid_name(ref))
			continue;
		if (asprintf(&path, "%s%s%s%s%s", ver, base[kind],
		    pass == 0 ? g->prefix : "", ref, kind == GK_CONTAINER ?
		    "/json" : "") == -1)
			return -1;
		st = side(c, "GET", path, NULL, &o);
		free(path);
		path = NULL;
		if (st == -1)
			return -1;
		if (st == 200 && o != NULL) {
			if (kind == GK_CONTAINER)
				labels = cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(o,
				    "Config"), "Labels");
			else
				labels = cJSON_GetObjectItemCaseSensitive(o,
				    "Labels");
			idv = cJSON_GetObjectItemCaseSensitive(o,
			    kind == GK_VOLUME ? "Name" : "Id");
			if (labels_mine(g, labels) && cJSON_IsString(idv)) {
				*id = strdup(idv->valuestring);
				cJSON_Delete(o);
				if (*id == NULL)
					return -1;
				cache_put(g, kind, ref, *id);
				return 200;
			}
		}
		cJSON_Delete(o);
		o = NULL;
	}
	return ret;
}

/* ---- policy and rewriting of create bodies ---------------------------- */

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
nonempty_array(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
}

/*
 * A workspace bind source under none of the maps of a guard with
 * maps_only: jnagent runs in a container and the path is on its own file
 * system, which the daemon cannot see.
 */
static int
refuse_unmapped(struct gconn *c, const char *src)
{
	glog(c->g, 1, "docker guard: build %s: refused bind mount of %.300s "
	    "(not on a bind mount of jnagent's container)", c->g->build, src);
	return reply(c, 403, "jnagent docker guard: bind mount of %.300s "
	    "refused: jnagent runs in a container and this path is on none "
	    "of its bind mounts, so the daemon would mount an empty directory "
	    "of the host; bind-mount the agent's work directory into "
	    "jnagent's container (at the same path)", src);
}

static int
path_mapped(const struct guard *g, const char *path)
{
	size_t	i;

	for (i = 0; i < g->nmaps; i++)
		if (path_under(path, g->maps[i].agent))
			return 1;
	return 0;
}

/*
 * Check and translate one bind source (agent view).  0 ok with *mapped
 * (caller frees), 1 refused (policy), 2 refused (maps_only: under no
 * map), -1 no memory.
 */
static int
bind_source(struct guard *g, const char *src, char **mapped)
{
	char	*real, tmp[PATH_MAX + 8];
	size_t	 i;
	int	 ok = ALLOWED(g, GUARD_RULE_BIND);

	*mapped = NULL;
	if ((real = path_real(src)) == NULL)
		return -1;
	for (i = 0; i < g->nws && !ok; i++) {
		char	*w = path_real(g->ws[i]);

		if (w == NULL) {
			free(real);
			return -1;
		}
		snprintf(tmp, sizeof tmp, "%s@tmp", w);
		if (path_under(real, w) || path_under(real, tmp))
			ok = 1;
		free(w);
	}
	if (!ok) {
		free(real);
		return 1;
	}
	/* Outside binds the policy allowed pass unmapped, as ever. */
	if (g->maps_only && !ALLOWED(g, GUARD_RULE_BIND) &&
	    !path_mapped(g, real)) {
		free(real);
		return 2;
	}
	*mapped = guard_map_path(g->maps, g->nmaps, real);
	free(real);
	return *mapped ? 0 : -1;
}

static int
net_builtin(const char *n)
{
	return strcmp(n, "none") == 0 || strcmp(n, "bridge") == 0 ||
	    strcmp(n, "default") == 0 || strcmp(n, "host") == 0;
}

/*
 * The policy on a HostConfig; and translation of binds, volume names,
 * network and container references.  0 ok, else the reply was sent
 * (1) or a transport failure (-1).
 */
static int
check_hostconfig(struct gconn *c, const char *ver, cJSON *hc, int create)
{
	struct guard	*g = c->g;
	const char	*s;
	char		*m, *id, buf[512];
	cJSON		*a, *e;
	int		 r;
	static const struct {
		const char	*key;
		int		 rule;
		const char	*what;
	} ns[] = {
		{ "PidMode", GUARD_RULE_HOST_PID, "--pid=host" },
		{ "NetworkMode", GUARD_RULE_HOST_NETWORK, "--network=host" },
		{ "IpcMode", GUARD_RULE_HOST_IPC, "--ipc=host" },
		{ "UTSMode", GUARD_RULE_HOST_UTS, "--uts=host" },
		{ "UsernsMode", GUARD_RULE_HOST_USERNS, "--userns=host" },
	};
	size_t		 i;

	if (hc == NULL || cJSON_IsNull(hc))
		return 0;
	if (!cJSON_IsObject(hc))
		return reply(c, 400, "HostConfig is not an object") ? -1 : 1;
	if (!ALLOWED(g, GUARD_RULE_DEVICES) && (nonempty_array(hc, "Devices")
	    || nonempty_array(hc, "DeviceCgroupRules") ||
	    nonempty_array(hc, "DeviceRequests")))
		return refuse(c, GUARD_RULE_DEVICES,
		    "--device / --device-cgroup-rule / --gpus") ? -1 : 1;
	if (!create)
		return 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hc, "Privileged")) &&
	    !ALLOWED(g, GUARD_RULE_PRIVILEGED))
		return refuse(c, GUARD_RULE_PRIVILEGED, "--privileged") ? -1 :
		    1;
	for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		s = jstr(hc, ns[i].key);
		if (s != NULL && strcmp(s, "host") == 0 &&
		    !ALLOWED(g, ns[i].rule))
			return refuse(c, ns[i].rule, ns[i].what) ? -1 : 1;
	}
	if (nonempty_array(hc, "CapAdd") && !ALLOWED(g, GUARD_RULE_CAP_ADD))
		return refuse(c, GUARD_RULE_CAP_ADD, "--cap-add") ? -1 : 1;
	a = cJSON_GetObjectItemCaseSensitive(hc, "SecurityOpt");
	cJSON_ArrayForEach(e, a) {
		if (cJSON_IsString(e) && (strstr(e->valuestring,
		    "unconfined") != NULL || strstr(e->valuestring,
		    "label=disable") != NULL || strstr(e->valuestring,
		    "label:disable") != NULL) &&
		    !ALLOWED(g, GUARD_RULE_SECURITY_OPT)) {
			snprintf(buf, sizeof buf, "--security-opt %.200s",
			    e->valuestring);
			return refuse(c, GUARD_RULE_SECURITY_OPT, buf) ? -1 : 1;
		}
	}
	/* Binds: "src:dst[:opts]"; src absolute = bind, else a volume */
	a = cJSON_GetObjectItemCaseSensitive(hc, "Binds");
	cJSON_ArrayForEach(e, a) {
		const char	*b, *colon;
		char		*src, *nv;

		if (!cJSON_IsString(e))
			return reply(c, 400, "Binds: not a string") ? -1 : 1;
		b = e->valuestring;
		if ((colon = strchr(b, ':')) == NULL)
			continue;	/* anonymous volume */
		if ((src = strndup(b, (size_t)(colon - b))) == NULL)
			return -1;
		if (src[0] == '/') {
			r = bind_source(g, src, &m);
			if (r == 2) {
				r = refuse_unmapped(c, src) ? -1 : 1;
				free(src);
				return r;
			}
			if (r == 1) {
				snprintf(buf, sizeof buf, "bind mount of "
				    "%.300s (outside the workspace)", src);
				free(src);
				return refuse(c, GUARD_RULE_BIND, buf) ? -1 : 1;
			}
		} else {
			r = 0;
			m = NULL;
			if (asprintf(&m, "%s%s", g->prefix, src) == -1)
				m = NULL;
		}
		free(src);
		if (r != 0 || m == NULL)
			return -1;
		if (asprintf(&nv, "%s%s", m, colon) == -1) {
			free(m);
			return -1;
		}
		free(m);
		cJSON_SetValuestring(e, nv);
		free(nv);
	}
	a = cJSON_GetObjectItemCaseSensitive(hc, "Mounts");
	cJSON_ArrayForEach(e, a) {
		const char	*type = jstr(e, "Type");
		cJSON		*src = cJSON_GetObjectItemCaseSensitive(e,
		    "Source");

		if (type == NULL || !cJSON_IsString(src))
			continue;
		if (strcmp(type, "bind") == 0) {
			r = bind_source(g, src->valuestring, &m);
			if (r == 2)
				return refuse_unmapped(c, src->valuestring) ?
				    -1 : 1;
			if (r == 1) {
				snprintf(buf, sizeof buf, "bind mount of "
				    "%.300s (outside the workspace)",
				    src->valuestring);
				return refuse(c, GUARD_RULE_BIND, buf) ? -1 : 1;
			}
			if (r != 0)
				return -1;
			cJSON_SetValuestring(src, m);
			free(m);
		} else if (strcmp(type, "volume") == 0 &&
		    src->valuestring[0] != '\0') {
			if (asprintf(&m, "%s%s", g->prefix,
			    src->valuestring) == -1)
				return -1;
			cJSON_SetValuestring(src, m);
			free(m);
		}
	}
	/* network / namespace sharing with another container */
	{
		static const char *keys[] = { "NetworkMode", "PidMode",
		    "IpcMode" };

		for (i = 0; i < 3; i++) {
			s = jstr(hc, keys[i]);
			if (s == NULL)
				continue;
			if (strncmp(s, "container:", 10) == 0) {
				r = resolve(c, ver, GK_CONTAINER, s + 10, &id);
				if (r == -1)
					return -1;
				if (r != 200)
					return reply(c, 404, "No such "
					    "container: %.200s", s + 10) ? -1 :
					    1;
				snprintf(buf, sizeof buf, "container:%s", id);
				free(id);
				cJSON_SetValuestring(cJSON_GetObjectItem(hc,
				    keys[i]), buf);
			} else if (i == 0 && *s != '\0' && !net_builtin(s)) {
				r = resolve(c, ver, GK_NETWORK, s, &id);
				if (r == -1)
					return -1;
				if (r != 200)
					return reply(c, 404, "network %.200s "
					    "not found", s) ? -1 : 1;
				cJSON_SetValuestring(cJSON_GetObjectItem(hc,
				    keys[i]), id);
				free(id);
			}
		}
	}
	a = cJSON_GetObjectItemCaseSensitive(hc, "VolumesFrom");
	cJSON_ArrayForEach(e, a) {
		char	*ref, *colon, *nv;

		if (!cJSON_IsString(e) || (ref = strdup(e->valuestring)) ==
		    NULL)
			return -1;
		if ((colon = strchr(ref, ':')) != NULL)
			*colon = '\0';
		r = resolve(c, ver, GK_CONTAINER, ref, &id);
		if (r != 200) {
			if (r != -1)
				r = reply(c, 404, "No such container: %.200s",
				    ref) ? -1 : 1;
			free(ref);
			return r;
		}
		if (asprintf(&nv, "%s%s%s", id, colon ? ":" : "",
		    colon ? colon + 1 : "") == -1)
			nv = NULL;
		free(id);
		free(ref);
		if (nv == NULL)
			return -1;
		cJSON_SetValuestring(e, nv);
		free(nv);
	}
	return 0;
}

/* Host ports asked for: refuse the ones another running container holds. */
static int
check_ports(struct gconn *c, const char *ver, cJSON *hc)
{
	cJSON		*pb = cJSON_GetObjectItemCaseSensitive(hc,
	    "PortBindings"), *e, *b, *list = NULL, *ct, *pt;
	char		*path;
	int		 st;

	if (!cJSON_IsObject(pb) || cJSON_GetArraySize(pb) == 0)
		return 0;
	cJSON_ArrayForEach(e, pb) {
		const char	*proto = strchr(e->string, '/');

		proto = proto ? proto + 1 : "tcp";
		cJSON_ArrayForEach(b, e) {
			const char	*hp = jstr(b, "HostPort");
			long		 port;

			if (hp == NULL || *hp == '\0' || strchr(hp, '-'))
				continue;
			if ((port = strtol(hp, NULL, 10)) <= 0)
				continue;
			if (list == NULL) {
				if (asprintf(&path, "%s/containers/json", ver)
				    == -1)
					return -1;
				st = side(c, "GET", path, NULL, &list);
				free(path);
				if (st != 200 || !cJSON_IsArray(list)) {
					cJSON_Delete(list);
					return 0;  /* the daemon will say */
				}
			}
			cJSON_ArrayForEach(ct, list) {
				cJSON	*ports = cJSON_GetObjectItem(ct,
				    "Ports");

				cJSON_ArrayForEach(pt, ports) {
					cJSON		*pp = cJSON_GetObjectItem(
					    pt, "PublicPort");
					const char	*ty = jstr(pt, "Type");
					const cJSON	*nm, *lb;
					const char	*owner = "", *name;

					if (!cJSON_IsNumber(pp) ||
					    (long)pp->valuedouble != port ||
					    (ty && strcmp(ty, proto) != 0))
						continue;
					nm = cJSON_GetArrayItem(
					    cJSON_GetObjectItem(ct, "Names"),
					    0);
					name = cJSON_IsString(nm) ?
					    nm->valuestring : "?";
					lb = cJSON_GetObjectItem(ct, "Labels");
					if (jstr(lb, GUARD_LABEL_BUILD))
						owner = jstr(lb,
						    GUARD_LABEL_BUILD);
					st = reply(c, 409, "jnagent docker "
					    "guard: host port %ld/%s is "
					    "already taken by container "
					    "%.200s (id %.12s%s%.200s); use "
					    "another port, or -P for an "
					    "ephemeral one", port, proto,
					    name, jstr(ct, "Id") ?
					    jstr(ct, "Id") : "?",
					    *owner ? ", build " : "", owner);
					cJSON_Delete(list);
					return st ? -1 : 1;
				}
			}
		}
	}
	cJSON_Delete(list);
	return 0;
}

/* ---- response rewriting ------------------------------------------------ */

enum gfix { FIX_NONE, FIX_CONTAINERS, FIX_CONTAINER, FIX_NETWORKS,
	FIX_NETWORK, FIX_VOLUMES, FIX_VOLUME };

/*
 * The daemon's JSON answer t (n bytes) with the build's prefix taken off
 * the start of every string, key or value, after an optional '/': the
 * names of containers, networks and volumes as the build gave them (a
 * string that is the prefix and nothing more is left alone).  A linear
 * scan that keeps track of escapes, instead of a parse and a print:
 * inspecting a container through the guard then costs about what it
 * costs on the daemon's own socket.  NULL when out of memory.
 */
static char *
strip_json(struct guard *g, const char *t, size_t n, size_t *outlen)
{
	size_t	 pl = strlen(g->prefix), i, j, k;
	char	*out, *o;
	int	 in = 0;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i < n; i++) {
		*o++ = t[i];
		if (in) {
			if (t[i] == '\\' && i + 1 < n)
				*o++ = t[++i];
			else if (t[i] == '"')
				in = 0;
			continue;
		}
		if (t[i] != '"')
			continue;
		in = 1;
		j = i + 1;
		k = j + (j < n && t[j] == '/');
		if (pl > 0 && n - k > pl && memcmp(t + k, g->prefix, pl) == 0 &&
		    t[k + pl] != '"') {
			if (k > j)
				*o++ = '/';
			i = k + pl - 1;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/* ---- one request -------------------------------------------------------- */

struct route {
	char		 ver[32];	/* "/v1.41" or "" */
	char		*path;		/* after the version, no query */
	char		*query;		/* without '?', or NULL */
	char		*newpath;	/* rewritten path (malloc) or NULL */
	char		*newquery;
	int		 needbody;	/* read the JSON body */
	enum gfix	 fix;
	int		 mutating;
};

static void
route_free(struct route *rt)
{
	free(rt->path);
	free(rt->query);
	free(rt->newpath);
	free(rt->newquery);
}

static int
split_target(const char *target, struct route *rt)
{
	const char	*p = target, *q;
	size_t		 n;

	memset(rt, 0, sizeof *rt);
	if (strncmp(p, "/v", 2) == 0 && isdigit((unsigned char)p[2])) {
		q = p + 2;
		while (isdigit((unsigned char)*q) || *q == '.')
			q++;
		if (*q == '/' && (size_t)(q - p) < sizeof rt->ver) {
			memcpy(rt->ver, p, (size_t)(q - p));
			p = q;
		}
	}
	q = strchr(p, '?');
	n = q ? (size_t)(q - p) : strlen(p);
	if ((rt->path = strndup(p, n)) == NULL)
		return -1;
	if (q != NULL && (rt->query = strdup(q + 1)) == NULL)
		return -1;
	return 0;
}

/* Query parameter value (raw) of key, or NULL; caller frees. */
static char *
query_get(const char *query, const char *key)
{
	const char	*p, *q;
	size_t		 kl = strlen(key), n;

	for (p = query; p != NULL && *p != '\0'; p = q ? q + 1 : NULL) {
		q = strchr(p, '&');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=')
			return strndup(p + kl + 1, n - kl - 1);
	}
	return NULL;
}

/* Query with key's value replaced (or added); caller frees. */
static char *
query_set(const char *query, const char *key, const char *val)
{
	const char	*p, *q;
	size_t		 kl = strlen(key), n;
	char		*out, *o;

	if ((out = malloc((query ? strlen(query) : 0) + kl + strlen(val) +
	    3)) == NULL)
		return NULL;
	o = out;
	for (p = query; p != NULL && *p != '\0'; p = q ? q + 1 : NULL) {
		q = strchr(p, '&');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n >= kl && strncmp(p, key, kl) == 0 && (p[kl] == '=' ||
		    n == kl))
			continue;
		memcpy(o, p, n);
		o += n;
		*o++ = '&';
	}
	sprintf(o, "%s=%s", key, val);
	return out;
}

static int
is_prefix(const char *path, const char *p)
{
	size_t	n = strlen(p);

	return strncmp(path, p, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/');
}

/*
 * Route a request: fill rt (rewritten path/query, whether the body is
 * needed, response fix).  0 go on, 1 answered, -1 failure.
 */
/*
 * The container name in the query ("name", optional unless required),
 * with the build's prefix, into rt->newquery.  0, 1 answered (400), or
 * -1 failure.
 */
static int
prefix_name(struct gconn *c, struct route *rt, int required)
{
	char	*v, *nn = NULL;
	int	 slash;

	v = query_get(rt->query, "name");
	if (!required && (v == NULL || *v == '\0')) {
		free(v);
		return 0;
	}
	slash = v != NULL && v[0] == '/';
	if (v == NULL || !valid_name(v + slash)) {
		free(v);
		return reply(c, 400, "Invalid container name") ? -1 : 1;
	}
	if (asprintf(&nn, "%s%s", c->g->prefix, v + slash) == -1)
		nn = NULL;
	free(v);
	if (nn == NULL)
		return -1;
	rt->newquery = query_set(rt->query, "name", nn);
	free(nn);
	return rt->newquery != NULL ? 0 : -1;
}

static int
route(struct gconn *c, const struct guard_req *rq, struct route *rt)
{
	struct guard	*g = c->g;
	const char	*p = rt->path, *m = rq->method;
	static const char *admin[] = { "/plugins", "/swarm", "/services",
	    "/nodes", "/secrets", "/configs", "/tasks" };
	size_t		 i;
	int		 r, get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
	char		*id, *v;

	rt->mutating = !get;
	for (i = 0; i < sizeof admin / sizeof admin[0]; i++)
		if (is_prefix(p, admin[i]) && !ALLOWED(g,
		    GUARD_RULE_DAEMON_ADMIN))
			return refuse(c, GUARD_RULE_DAEMON_ADMIN, admin[i] + 1)
			    ? -1 : 1;
	if (strcmp(p, "/containers/json") == 0 || strcmp(p, "/networks") == 0
	    || strcmp(p, "/volumes") == 0 || strcmp(p, "/events") == 0 ||
	    strcmp(p, "/containers/prune") == 0 ||
	    strcmp(p, "/networks/prune") == 0 ||
	    strcmp(p, "/volumes/prune") == 0 || strcmp(p, "/networks/") == 0) {
		if ((rt->newquery = query_with_filters(g, rt->query)) == NULL)
			return reply(c, 400, "bad filters") ? -1 : 1;
		if (strstr(p, "/prune") != NULL)	/* removes some */
			cache_drop(g, p[1] == 'c' ? GK_CONTAINER : p[1] ==
			    'n' ? GK_NETWORK : GK_VOLUME, NULL);
		if (strcmp(p, "/containers/json") == 0)
			rt->fix = FIX_CONTAINERS;
		else if (strcmp(p, "/networks") == 0 ||
		    strcmp(p, "/networks/") == 0)
			rt->fix = FIX_NETWORKS;
		else if (strcmp(p, "/volumes") == 0)
			rt->fix = FIX_VOLUMES;
		return 0;
	}
	if (strcmp(p, "/containers/create") == 0 ||
	    strcmp(p, "/networks/create") == 0 ||
	    strcmp(p, "/volumes/create") == 0) {
		rt->needbody = 1;
		/* a name may now stand for the new object */
		cache_drop(g, p[1] == 'c' ? GK_CONTAINER : p[1] == 'n' ?
		    GK_NETWORK : GK_VOLUME, NULL);
		if (p[1] == 'c')
			return prefix_name(c, rt, 0);
		else if (p[1] == 'v')
			rt->fix = FIX_VOLUME;
		return 0;
	}
	if (strcmp(p, "/build") == 0) {
		v = query_get(rt->query, "networkmode");
		r = v != NULL && strcmp(v, "host") == 0 &&
		    !ALLOWED(g, GUARD_RULE_HOST_NETWORK);
		free(v);
		if (r)
			return refuse(c, GUARD_RULE_HOST_NETWORK,
			    "docker build --network=host") ? -1 : 1;
		return 0;
	}
	if (strcmp(p, "/commit") == 0) {
		v = query_get(rt->query, "container");
		if (v == NULL)
			return 0;
		r = resolve(c, rt->ver, GK_CONTAINER, v, &id);
		free(v);
		if (r != 200)
			return r == -1 ? -1 : reply(c, 404,
			    "No such container") ? -1 : 1;
		rt->newquery = query_set(rt->query, "container", id);
		free(id);
		return rt->newquery ? 0 : -1;
	}
	{
		static const struct {
			const char	*pfx;
			enum gkind	 kind;
			const char	*what;
		} objs[] = {
			{ "/containers/", GK_CONTAINER, "No such container" },
			{ "/networks/", GK_NETWORK, "network not found" },
			{ "/volumes/", GK_VOLUME, "get: no such volume" },
		};
		const char	*ref, *tail;
		char		*name;

		for (i = 0; i < 3; i++) {
			size_t	pl = strlen(objs[i].pfx);

			if (strncmp(p, objs[i].pfx, pl) != 0)
				continue;
			ref = p + pl;
			tail = strchr(ref, '/');
			if ((name = strndup(ref, tail ? (size_t)(tail - ref) :
			    strlen(ref))) == NULL)
				return -1;
			if (objs[i].kind == GK_NETWORK && get && tail ==
			    NULL && net_builtin(name)) {
				free(name);
				return 0;
			}
			r = resolve(c, rt->ver, objs[i].kind, name, &id);
			if (r != 200) {
				if (r != -1)
					r = reply(c, 404, "%s: %.200s",
					    objs[i].what, name) ? -1 : 1;
				free(name);
				return r;
			}
			free(name);
			/* removed or renamed: its references are stale */
			if ((tail == NULL && strcmp(m, "DELETE") == 0) ||
			    (i == 0 && tail && strcmp(tail, "/rename") == 0))
				cache_drop(g, (int)objs[i].kind, id);
			if (asprintf(&rt->newpath, "%s%s%s", objs[i].pfx, id,
			    tail ? tail : "") == -1)
				rt->newpath = NULL;
			free(id);
			if (rt->newpath == NULL)
				return -1;
			/* the new name gets the build's prefix, as at create */
			if (i == 0 && tail && strcmp(tail, "/rename") == 0 &&
			    (r = prefix_name(c, rt, 1)) != 0)
				return r;
			if (i == 0 && tail && strcmp(tail, "/json") == 0)
				rt->fix = FIX_CONTAINER;
			else if (i == 0 && tail && (strcmp(tail, "/exec") == 0
			    || strcmp(tail, "/update") == 0))
				rt->needbody = 1;
			else if (i == 1 && tail == NULL && get)
				rt->fix = FIX_NETWORK;
			else if (i == 1 && tail && (strcmp(tail, "/connect") ==
			    0 || strcmp(tail, "/disconnect") == 0))
				rt->needbody = 1;
			else if (i == 2 && tail == NULL && get)
				rt->fix = FIX_VOLUME;
			return 0;
		}
	}
	if (strncmp(p, "/exec/", 6) == 0) {
		const char	*tail = strchr(p + 6, '/');
		char		*eid, *path;
		cJSON		*o = NULL;
		const char	*cid;

		if ((eid = strndup(p + 6, tail ? (size_t)(tail - p - 6) :
		    strlen(p + 6))) == NULL)
			return -1;
		if (!valid_name(eid)) {
			free(eid);
			return reply(c, 404, "No such exec instance") ? -1 : 1;
		}
		if ((id = cache_get(g, GK_EXEC, eid)) != NULL) {
			free(id);	/* known to be one of the build's */
			free(eid);
			return 0;
		}
		if (asprintf(&path, "%s/exec/%s/json", rt->ver, eid) == -1) {
			free(eid);
			return -1;
		}
		r = side(c, "GET", path, NULL, &o);
		free(path);
		if (r == -1) {
			cJSON_Delete(o);
			free(eid);
			return -1;
		}
		cid = r == 200 ? jstr(o, "ContainerID") : NULL;
		r = cid ? resolve(c, rt->ver, GK_CONTAINER, cid, &id) : 404;
		cJSON_Delete(o);
		if (r == 200) {
			free(id);
			cache_put(g, GK_EXEC, eid, eid);
			free(eid);
			return 0;
		}
		free(eid);
		return r == -1 ? -1 : reply(c, 404, "No such exec instance") ?
		    -1 : 1;
	}
	return 0;
}

/*
 * Check and rewrite a JSON request body.  0 (*out the new body, caller
 * frees), 1 answered, -1 failure.
 */
static int
rewrite_body(struct gconn *c, struct route *rt, const char *body,
    size_t blen, char **out)
{
	struct guard	*g = c->g;
	cJSON		*o;
	const char	*p = rt->newpath ? rt->newpath : rt->path, *s;
	char		*id, *nn;
	int		 r = 0;

	*out = NULL;
	if (blen == 0 && strcmp(p, "/volumes/create") != 0 &&
	    strcmp(p, "/networks/create") != 0)
		return reply(c, 400, "a JSON body is required") ? -1 : 1;
	o = blen ? cJSON_ParseWithLength(body, blen) : cJSON_CreateObject();
	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return reply(c, 400, "malformed JSON body") ? -1 : 1;
	}
	if (strcmp(p, "/containers/create") == 0) {
		cJSON	*hc = cJSON_GetObjectItemCaseSensitive(o, "HostConfig");
		cJSON	*nc, *eps, *e;

		if (add_labels(g, o, "Labels") != 0) {
			r = reply(c, 400, "Labels is not an object") ? -1 : 1;
			goto out;
		}
		if ((r = check_hostconfig(c, rt->ver, hc, 1)) != 0 ||
		    (cJSON_IsObject(hc) && (r = check_ports(c, rt->ver, hc))
		    != 0))
			goto out;
		nc = cJSON_GetObjectItemCaseSensitive(o, "NetworkingConfig");
		eps = cJSON_GetObjectItemCaseSensitive(nc, "EndpointsConfig");
		cJSON_ArrayForEach(e, eps) {
			if (e->string == NULL || net_builtin(e->string))
				continue;
			r = resolve(c, rt->ver, GK_NETWORK, e->string, &id);
			if (r != 200) {
				if (r != -1)
					r = reply(c, 404, "network %.200s not "
					    "found", e->string) ? -1 : 1;
				goto out;
			}
			r = 0;
			if (!(e->type & cJSON_StringIsConst)) {
				free(e->string);
				e->string = id;
			} else
				free(id);
		}
	} else if (strcmp(p, "/networks/create") == 0 ||
	    strcmp(p, "/volumes/create") == 0) {
		s = jstr(o, "Name");
		if (p[1] == 'n' && s == NULL) {
			r = reply(c, 400, "network name is required") ? -1 : 1;
			goto out;
		}
		if (s != NULL && *s != '\0') {
			if (!valid_name(s)) {
				r = reply(c, 400, "invalid name \"%.100s\"", s)
				    ? -1 : 1;
				goto out;
			}
			if (asprintf(&nn, "%s%s", g->prefix, s) == -1) {
				r = -1;
				goto out;
			}
			cJSON_SetValuestring(cJSON_GetObjectItem(o, "Name"),
			    nn);
			free(nn);
		}
		if (add_labels(g, o, "Labels") != 0) {
			r = reply(c, 400, "Labels is not an object") ? -1 : 1;
			goto out;
		}
		if (p[1] == 'v') {
			cJSON	*opts = cJSON_GetObjectItem(o, "DriverOpts");
			const char *dev = jstr(opts, "device");

			if (dev != NULL && dev[0] == '/') {
				r = bind_source(g, dev, &nn);
				if (r == 2) {
					r = refuse_unmapped(c, dev) ? -1 : 1;
					goto out;
				}
				if (r == 1) {
					char	 buf[512];

					snprintf(buf, sizeof buf, "a volume "
					    "bound to %.300s (outside the "
					    "workspace)", dev);
					r = refuse(c, GUARD_RULE_BIND, buf) ?
					    -1 : 1;
					goto out;
				}
				if (r != 0)
					goto out;
				cJSON_SetValuestring(cJSON_GetObjectItem(opts,
				    "device"), nn);
				free(nn);
			}
		}
	} else if (strncmp(p, "/containers/", 12) == 0 &&
	    strstr(p, "/exec") != NULL) {
		if (cJSON_IsTrue(cJSON_GetObjectItem(o, "Privileged")) &&
		    !ALLOWED(g, GUARD_RULE_PRIVILEGED)) {
			r = refuse(c, GUARD_RULE_PRIVILEGED,
			    "docker exec --privileged") ? -1 : 1;
			goto out;
		}
	} else if (strncmp(p, "/containers/", 12) == 0) {	/* update */
		if ((r = check_hostconfig(c, rt->ver, o, 0)) != 0)
			goto out;
	} else if (strncmp(p, "/networks/", 10) == 0) {	/* (dis)connect */
		s = jstr(o, "Container");
		if (s != NULL) {
			r = resolve(c, rt->ver, GK_CONTAINER, s, &id);
			if (r != 200) {
				if (r != -1)
					r = reply(c, 404, "No such container: "
					    "%.200s", s) ? -1 : 1;
				goto out;
			}
			r = 0;
			cJSON_SetValuestring(cJSON_GetObjectItem(o,
			    "Container"), id);
			free(id);
		}
	}
	if ((*out = cJSON_PrintUnformatted(o)) == NULL)
		r = -1;
out:
	cJSON_Delete(o);
	return r;
}

/* Copy the client's request head with a new target and framing. */
static char *
make_head(const char *head, const char *method, const char *target,
    long long clen, int drop_framing)
{
	const char	*p, *eol;
	char		*out;
	size_t		 n = 0, cap = strlen(head) + strlen(target) + 128;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(out, cap, "%s %s HTTP/1.1\r\n", method, target);
	if ((p = strstr(head, "\r\n")) == NULL) {	/* parsed: cannot happen */
		free(out);
		return NULL;
	}
	p += 2;
	while ((eol = strstr(p, "\r\n")) != NULL && eol != p) {
		size_t	l = (size_t)(eol - p) + 2;
		int	skip = strncasecmp(p, "Expect:", 7) == 0;

		if (drop_framing && (strncasecmp(p, "Content-Length:", 15) ==
		    0 || strncasecmp(p, "Transfer-Encoding:", 18) == 0))
			skip = 1;
		if (!skip) {
			memcpy(out + n, p, l);
			n += l;
		}
		p = eol + 2;
	}
	if (drop_framing)
		n += (size_t)snprintf(out + n, cap - n,
		    "Content-Length: %lld\r\n", clen);
	memcpy(out + n, "\r\n", 3);
	return out;
}

/* Serve one request; 0 keep going, -1 close the connection. */
static int
serve_one(struct gconn *c)
{
	struct guard	*g = c->g;
	struct guard_req rq;
	struct route	 rt;
	struct gresp	 rs;
	char		*head = NULL, *uhead = NULL, *body = NULL, *nbody = NULL;
	char		*target = NULL, *rhead = NULL, *rbody = NULL, *nh;
	size_t		 hl, bl = 0, rhl, rbl;
	int		 r, ret = -1, st;

	memset(&rt, 0, sizeof rt);
	if ((r = io_head(&c->cl, &head, &hl)) != 0) {
		if (r > 0)
			reply(c, r, "request head too large");
		return -1;
	}
	if ((st = guard_parse_request(head, hl, &rq)) != 0) {
		reply(c, st, st == 400 ? "malformed request" :
		    st == 417 ? "unsupported Expect" :
		    st == 431 ? "request head too large" :
		    "unsupported transfer encoding");
		goto out;
	}
	if (split_target(rq.target, &rt) != 0)
		goto out;
	if (rq.expect100 && write_all(c->cl.fd,
	    "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
		goto out;
	if (up_ensure(c) != 0) {
		reply(c, 502, "jnagent docker guard: cannot reach the "
		    "Docker daemon");
		goto out;
	}
	if ((r = route(c, &rq, &rt)) != 0) {
		ret = r == 1 && !rq.close ? 0 : -1;
		if (r == 1 && (rq.clen > 0 || rq.chunked)) {
			/* drain the unread body so the next request lines up */
			if (rq.chunked ? io_chunked(&c->cl, -1, NULL, NULL, 0)
			    != 0 : io_copy(&c->cl, -1,
			    (unsigned long long)rq.clen) != 0)
				ret = -1;
		}
		goto out;
	}
	if (asprintf(&target, "%s%s%s%s", rt.ver, rt.newpath ? rt.newpath :
	    rt.path, (rt.newquery || rt.query) ? "?" : "",
	    rt.newquery ? rt.newquery : rt.query ? rt.query : "") == -1) {
		target = NULL;
		goto out;
	}
	if (rt.needbody) {
		r = io_body(&c->cl, rq.clen, rq.chunked, &body, &bl,
		    g->max_json);
		if (r != 0) {
			if (r == 413) {
				reply(c, 413, "jnagent docker guard: JSON body "
				    "over %zu bytes", g->max_json);
				linger_close(c->cl.fd);
			}
			goto out;
		}
		if ((r = rewrite_body(c, &rt, body, bl, &nbody)) != 0) {
			ret = r == 1 && !rq.close ? 0 : -1;
			goto out;
		}
		uhead = make_head(head, rq.method, target,
		    (long long)strlen(nbody), 1);
	} else
		uhead = make_head(head, rq.method, target, 0, 0);
	if (uhead == NULL)
		goto out;
	pthread_mutex_lock(&g->mu);
	c->busy = rt.mutating;
	pthread_mutex_unlock(&g->mu);
	/*
	 * A side request (resolve, port check) may have ended the upstream
	 * connection (the daemon said Connection: close): connect again.
	 */
	if (up_ensure(c) != 0) {
		reply(c, 502, "jnagent docker guard: cannot reach the daemon");
		goto out;
	}
	if (write2(c->up.fd, uhead, strlen(uhead), nbody, nbody != NULL ?
	    strlen(nbody) : 0) != 0) {
		reply(c, 502, "jnagent docker guard: the daemon closed the "
		    "connection");
		goto out;
	}
	if (!rt.needbody) {
		if (rq.chunked)
			r = io_chunked(&c->cl, c->up.fd, NULL, NULL, 0);
		else if (rq.clen > 0)
			r = io_copy(&c->cl, c->up.fd,
			    (unsigned long long)rq.clen);
		else
			r = 0;
		if (r != 0)
			goto out;
	}
	/* the response */
	if (io_head(&c->up, &rhead, &rhl) != 0 ||
	    parse_response(rhead, &rs) != 0) {
		reply(c, 502, "jnagent docker guard: bad answer from the "
		    "daemon");
		goto out;
	}
	pthread_mutex_lock(&g->mu);
	c->busy = 0;
	pthread_mutex_unlock(&g->mu);
	if (strcmp(rq.method, "HEAD") == 0) {
		rs.clen = 0;	/* never a body, whatever the framing says */
		rs.chunked = 0;
	}
	if (rs.status == 101 || (rs.clen < 0 && !rs.chunked)) {
		/* upgraded or unframed (hijacked) stream: raw both ways */
		if (write_all(c->cl.fd, rhead, rhl) == 0)
			splice2(&c->cl, &c->up);
		goto out;
	}
	if ((rt.fix != FIX_NONE && rs.status == 200 && rs.json) ||
	    (rs.status >= 400 && rs.json)) {
		r = io_body(&c->up, rs.clen, rs.chunked, &rbody, &rbl,
		    g->max_json);
		if (r != 0) {
			reply(c, 502, "jnagent docker guard: the daemon's "
			    "answer is too large or broken");
			goto out;
		}
		if (rs.status < 400) {
			char	*t;
			size_t	 tl;

			/* nothing of the build's prefix: as it came */
			if (memmem(rbody, rbl, g->prefix, strlen(g->prefix)) !=
			    NULL) {
				if ((t = strip_json(g, rbody, rbl, &tl)) ==
				    NULL)
					goto out;
				free(rbody);
				rbody = t;
				rbl = tl;
			}
		} else {
			cJSON	*o = cJSON_ParseWithLength(rbody, rbl);
			char	*t = NULL;

			if (o != NULL) {
				cJSON	*m = cJSON_GetObjectItem(o, "message");

				if (cJSON_IsString(m) && (t =
				    strip_text(g, m->valuestring)))
					cJSON_SetValuestring(m, t);
				free(t);
				t = cJSON_PrintUnformatted(o);
				cJSON_Delete(o);
				if (t != NULL) {
					free(rbody);
					rbody = t;
					rbl = strlen(t);
				}
			}
		}
		if ((nh = make_head(rhead, "", "", (long long)rbl, 1)) == NULL)
			goto out;
		/* make_head built "  HTTP/1.1" as a request line: redo it */
		{
			char	*sl = strstr(rhead, "\r\n"), *out;

			if (asprintf(&out, "%.*s%s", (int)(sl - rhead), rhead,
			    strstr(nh, "\r\n")) == -1) {
				free(nh);
				goto out;
			}
			free(nh);
			nh = out;
		}
		r = write2(c->cl.fd, nh, strlen(nh), rbody, rbl) != 0;
		free(nh);
		if (r)
			goto out;
	} else {
		size_t	 now = 0;

		/* a small body often came in with the head: send both */
		if (strcmp(rq.method, "HEAD") != 0 && !rs.chunked &&
		    rs.clen > 0) {
			now = c->up.len - c->up.off;
			if ((unsigned long long)now > (unsigned long long)rs.clen)
				now = (size_t)rs.clen;
		}
		if (write2(c->cl.fd, rhead, rhl, c->up.buf + c->up.off, now) !=
		    0)
			goto out;
		c->up.off += now;
		if (strcmp(rq.method, "HEAD") == 0)
			r = 0;
		else if (rs.chunked)
			r = io_chunked(&c->up, c->cl.fd, NULL, NULL, 0);
		else
			r = io_copy(&c->up, c->cl.fd,
			    (unsigned long long)rs.clen - now);
		if (r != 0)
			goto out;
	}
	if (rs.close)
		up_close(c);
	ret = rq.close ? -1 : 0;
out:
	route_free(&rt);
	free(head);
	free(uhead);
	free(body);
	free(nbody);
	free(target);
	free(rhead);
	free(rbody);
	return ret;
}

static void *
conn_main(void *arg)
{
	struct gconn	*c = arg;
	struct guard	*g = c->g;
	struct gconn	**pp;

	while (serve_one(c) == 0)
		;
	pthread_mutex_lock(&g->mu);
	for (pp = &g->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	g->nconns--;
	close(c->cl.fd);
	if (c->up.fd >= 0)
		close(c->up.fd);
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	free(c->cl.buf);
	free(c->up.buf);
	free(c);
	return NULL;
}

static const char busy503[] = "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\nContent-Length: 57\r\n"
    "Connection: close\r\n\r\n"
    "{\"message\":\"jnagent docker guard: too many connections\"}\n";

static void *
accept_main(void *arg)
{
	struct guard	*g = arg;
	struct pollfd	 pfd[2];
	struct gconn	*c;
	pthread_attr_t	 at;
	int		 fd;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pfd[0].fd = g->lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = g->stop_pipe[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		pthread_mutex_lock(&g->mu);
		if (g->stopping || g->nconns >= g->max_conns) {
			pthread_mutex_unlock(&g->mu);
			(void)write_all(fd, busy503, strlen(busy503));
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof *c)) == NULL ||
		    (c->cl.buf = malloc(GUARD_IOBUF)) == NULL ||
		    (c->up.buf = malloc(GUARD_IOBUF)) == NULL) {
			pthread_mutex_unlock(&g->mu);
			if (c != NULL) {
				free(c->cl.buf);
				free(c);
			}
			close(fd);
			continue;
		}
		c->g = g;
		c->cl.fd = fd;
		c->up.fd = -1;
		c->next = g->conns;
		g->conns = c;
		g->nconns++;
		if (pthread_create(&c->thr, &at, conn_main, c) != 0) {
			g->conns = c->next;
			g->nconns--;
			close(fd);
			free(c->cl.buf);
			free(c->up.buf);
			free(c);
		}
		pthread_mutex_unlock(&g->mu);
	}
	pthread_attr_destroy(&at);
	return NULL;
}

/* ---- start / end ---------------------------------------------------------- */

static void
make_prefix(struct guard *g)
{
	uint32_t	 h = 2166136261u;
	const char	*s;
	size_t		 n = 0;
	char		 clean[40];

	for (s = g->node; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (s = g->build; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (s = g->build; *s && n < sizeof clean - 1; s++)
		if (isalnum((unsigned char)*s) || *s == '-' || *s == '.')
			clean[n++] = *s;
	clean[n] = '\0';
	snprintf(g->prefix, sizeof g->prefix, "jn%s%s-%06x_", n ? "-" : "",
	    clean, h & 0xffffff);
}

static void
guard_free(struct guard *g)
{
	size_t	i;

	if (g == NULL)
		return;
	free(g->upstream);
	free(g->build);
	free(g->node);
	for (i = 0; i < g->nws; i++)
		free(g->ws[i]);
	for (i = 0; i < g->nmaps; i++) {
		free((char *)g->maps[i].agent);
		free((char *)g->maps[i].daemon);
	}
	for (i = 0; i < GUARD_CACHE; i++)
		cache_slot_free(&g->cache[i]);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
	free(g);
}

static int
upstream_path(const char *up, char *out, size_t outlen)
{
	if (up == NULL || strncmp(up, "unix://", 7) != 0 || up[7] != '/' ||
	    strlen(up + 7) >= outlen)
		return -1;
	strcpy(out, up + 7);
	return 0;
}

/* "tcp://host[:port][/]" or "tcp://[v6]:port": host and port (default
 * 2376 with TLS, else 2375).  0 or -1. */
static int
tcp_parse(const char *up, int tls, char *host, size_t hostlen, int *port)
{
	const char	*h = up + 6, *e, *p;
	char		*end;
	long		 n;
	size_t		 hl;

	if (*h == '[') {
		if ((e = strchr(h, ']')) == NULL)
			return -1;
		h++;
		hl = (size_t)(e - h);
		p = e + 1;
	} else {
		e = h + strcspn(h, ":/");
		hl = (size_t)(e - h);
		p = e;
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = tls ? 2376 : 2375;
	if (*p == ':') {
		errno = 0;
		n = strtol(p + 1, &end, 10);
		if (errno != 0 || end == p + 1 || n < 1 || n > 65535)
			return -1;
		*port = (int)n;
		p = end;
	}
	return *p == '\0' || strcmp(p, "/") == 0 ? 0 : -1;
}

struct guard *
guard_start(const struct guard_conf *conf, char *err, size_t errlen)
{
	struct guard		*g;
	struct sockaddr_un	 sun;
	char			 path[108];
	size_t			 i;

#define FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); \
	goto fail; } while (0)
	if ((g = calloc(1, sizeof *g)) == NULL) {
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->lfd = -1;
	g->stop_pipe[0] = g->stop_pipe[1] = -1;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	if (conf->upstream != NULL && strncmp(conf->upstream, "tcp://", 6) ==
	    0) {
		struct tlsfwd_conf	 fc;
		char			 e[300], host[256];
		int			 port;

		if (tcp_parse(conf->upstream, conf->tls || conf->tls_verify,
		    host, sizeof host, &port) != 0)
			FAIL("unusable upstream %.200s", conf->upstream);
		strcpy(g->fwddir, "/tmp/jnagent-guardup.XXXXXX");
		if (mkdtemp(g->fwddir) == NULL) {
			g->fwddir[0] = '\0';
			FAIL("mkdtemp: %s", strerror(errno));
		}
		snprintf(path, sizeof path, "%s/daemon.sock", g->fwddir);
		memset(&fc, 0, sizeof fc);
		fc.host = host;
		fc.port = port;
		fc.tls = conf->tls || conf->tls_verify;
		fc.verify = conf->tls_verify;
		fc.cert_dir = conf->cert_path;
		if (tlsfwd_start_conf(path, &fc, &g->fwd, e, sizeof e) != 0)
			FAIL("%s", e);
	} else if (upstream_path(conf->upstream, path, sizeof path) != 0)
		FAIL("upstream must be unix:///path or tcp://host:port: "
		    "%.200s", conf->upstream ? conf->upstream : "(null)");
	if (conf->build == NULL || *conf->build == '\0' ||
	    conf->node == NULL || *conf->node == '\0')
		FAIL("the guard needs a build id and a node name");
	if ((g->upstream = strdup(path)) == NULL ||
	    (g->build = strdup(conf->build)) == NULL ||
	    (g->node = strdup(conf->node)) == NULL)
		FAIL("out of memory");
	for (i = 0; i < GUARD_MAX_PATHS && conf->workspaces[i]; i++) {
		if (conf->workspaces[i][0] != '/')
			FAIL("workspace not absolute: %.200s",
			    conf->workspaces[i]);
		if ((g->ws[g->nws++] = strdup(conf->workspaces[i])) == NULL)
			FAIL("out of memory");
	}
	for (i = 0; i < GUARD_MAX_PATHS && conf->maps[i].agent; i++) {
		if (conf->maps[i].agent[0] != '/' || conf->maps[i].daemon ==
		    NULL || conf->maps[i].daemon[0] != '/')
			FAIL("path maps need absolute paths");
		g->maps[g->nmaps].agent = strdup(conf->maps[i].agent);
		g->maps[g->nmaps].daemon = strdup(conf->maps[i].daemon);
		g->nmaps++;
		if (!g->maps[i].agent || !g->maps[i].daemon)
			FAIL("out of memory");
	}
	g->maps_only = conf->maps_only;
	g->allow = conf->allow;
	g->max_json = conf->max_json ? conf->max_json : GUARD_MAX_JSON;
	g->max_conns = conf->max_conns > 0 ? conf->max_conns : GUARD_MAX_CONNS;
	g->log = conf->log;
	g->log_arg = conf->log_arg;
	make_prefix(g);
	if (conf->socket_path != NULL) {
		if (strlen(conf->socket_path) >= sizeof g->sock)
			FAIL("socket path too long");
		strcpy(g->sock, conf->socket_path);
	} else {
		strcpy(g->sockdir, "/tmp/jnagent-guard.XXXXXX");
		if (mkdtemp(g->sockdir) == NULL) {
			g->sockdir[0] = '\0';
			FAIL("mkdtemp: %s", strerror(errno));
		}
		snprintf(g->sock, sizeof g->sock, "%s/docker.sock",
		    g->sockdir);
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, g->sock);
	if ((g->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		FAIL("socket: %s", strerror(errno));
	(void)unlink(g->sock);
	if (bind(g->lfd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    listen(g->lfd, 64) == -1)
		FAIL("listen on %s: %s", g->sock, strerror(errno));
	(void)chmod(g->sock, 0600);
	if (pipe2(g->stop_pipe, O_CLOEXEC) == -1)
		FAIL("pipe: %s", strerror(errno));
	if (pthread_create(&g->acc, NULL, accept_main, g) != 0)
		FAIL("cannot start the guard thread");
	return g;
fail:
	if (g->lfd >= 0) {
		close(g->lfd);
		(void)unlink(g->sock);
	}
	if (g->sockdir[0])
		(void)rmdir(g->sockdir);
	if (g->stop_pipe[0] >= 0) {
		close(g->stop_pipe[0]);
		close(g->stop_pipe[1]);
	}
	if (g->fwd != NULL)
		tlsfwd_stop(g->fwd);
	if (g->fwddir[0])
		(void)rmdir(g->fwddir);
	guard_free(g);
	return NULL;
#undef FAIL
}

const char *
guard_socket(const struct guard *g)
{
	return g->sock;
}

const char *
guard_prefix(const struct guard *g)
{
	return g->prefix;
}

/* ---- sweep ------------------------------------------------------------ */

struct sweeper {
	struct guard	 g;	/* only upstream and max_json are used */
	struct gconn	 c;
};

static int
sweeper_init(struct sweeper *s, const char *upstream)
{
	memset(s, 0, sizeof *s);
	s->g.max_json = 64 * 1024 * 1024;
	s->c.g = &s->g;
	s->c.up.fd = -1;
	pthread_mutex_init(&s->g.mu, NULL);
	if ((s->c.up.buf = malloc(GUARD_IOBUF)) == NULL)
		return -1;
	s->g.upstream = (char *)upstream;
	return 0;
}

static void
sweeper_free(struct sweeper *s)
{
	size_t	i;

	if (s->c.up.fd >= 0)
		close(s->c.up.fd);
	free(s->c.up.buf);
	for (i = 0; i < GUARD_CACHE; i++)
		cache_slot_free(&s->g.cache[i]);
	pthread_mutex_destroy(&s->g.mu);
}

static int
live_has(const char *const *live, const char *b)
{
	for (; live != NULL && *live != NULL; live++)
		if (strcmp(*live, b) == 0)
			return 1;
	return 0;
}

/*
 * Remove every container/network/volume labelled node (and build, when
 * build != NULL; else every build not in live).  Left-over count or -1.
 */
static int
sweep(const char *upstream_sock, const char *node, const char *build,
    const char *const *live)
{
	struct sweeper	 s;
	char		 f[1024], *enc, *path;
	cJSON		*fo, *arr, *list, *e, *lbl;
	const char	*b;
	int		 kind, st, left = 0, pass;
	static const char *lists[] = { "/containers/json?all=1&",
	    "/networks?", "/volumes?" };
	size_t		 i, n;

	if (sweeper_init(&s, upstream_sock) != 0)
		return -1;
	if ((fo = cJSON_CreateObject()) == NULL ||
	    (arr = cJSON_AddArrayToObject(fo, "label")) == NULL) {
		cJSON_Delete(fo);
		sweeper_free(&s);
		return -1;
	}
	snprintf(f, sizeof f, "%s=%s", GUARD_LABEL_NODE, node);
	cJSON_AddItemToArray(arr, cJSON_CreateString(f));
	if (build != NULL) {
		snprintf(f, sizeof f, "%s=%s", GUARD_LABEL_BUILD, build);
		cJSON_AddItemToArray(arr, cJSON_CreateString(f));
	}
	{
		char	*fj = cJSON_PrintUnformatted(fo);

		cJSON_Delete(fo);
		if (fj == NULL || (enc = malloc(strlen(fj) * 3 + 1)) == NULL) {
			free(fj);
			sweeper_free(&s);
			return -1;
		}
		for (i = 0, n = 0; fj[i]; i++)
			if (isalnum((unsigned char)fj[i]) || strchr("-._~",
			    fj[i]))
				enc[n++] = fj[i];
			else
				n += (size_t)sprintf(enc + n, "%%%02X",
				    (unsigned char)fj[i]);
		enc[n] = '\0';
		free(fj);
	}
	for (kind = 0; kind < 3; kind++) {
		for (pass = 0; pass < 3; pass++) {
			int	again = 0;

			if (asprintf(&path, "%sfilters=%s", lists[kind], enc)
			    == -1) {
				left = -1;
				goto out;
			}
			st = side(&s.c, "GET", path, NULL, &list);
			free(path);
			if (st != 200) {
				cJSON_Delete(list);
				left = -1;
				goto out;
			}
			arr = kind == 2 ? cJSON_GetObjectItem(list, "Volumes")
			    : list;
			cJSON_ArrayForEach(e, arr) {
				const char	*id = jstr(e, kind == 2 ?
				    "Name" : "Id");
				cJSON		*o = NULL;

				lbl = cJSON_GetObjectItem(e, "Labels");
				b = jstr(lbl, GUARD_LABEL_BUILD);
				if (id == NULL || b == NULL ||
				    (build == NULL && live_has(live, b)))
					continue;
				if (asprintf(&path, kind == 0 ?
				    "/containers/%s?force=1&v=1" : kind == 1 ?
				    "/networks/%s" : "/volumes/%s?force=1",
				    id) == -1)
					continue;
				st = side(&s.c, "DELETE", path, NULL, &o);
				free(path);
				cJSON_Delete(o);
				if (st != 204 && st != 200 && st != 404)
					again = 1;
			}
			cJSON_Delete(list);
			if (!again)
				break;
			if (pass == 2)
				left++;
			else
				usleep(300000);
		}
	}
out:
	free(enc);
	sweeper_free(&s);
	return left;
}

int
guard_end(struct guard *g)
{
	struct gconn	*c;
	struct timespec	 ts;
	int		 left;

	if (g == NULL)
		return 0;
	(void)write(g->stop_pipe[1], "x", 1);
	pthread_join(g->acc, NULL);
	close(g->lfd);
	(void)unlink(g->sock);
	if (g->sockdir[0])
		(void)rmdir(g->sockdir);
	pthread_mutex_lock(&g->mu);
	g->stopping = 1;
	for (c = g->conns; c != NULL; c = c->next) {
		shutdown(c->cl.fd, SHUT_RDWR);
		if (!c->busy && c->up.fd >= 0)
			shutdown(c->up.fd, SHUT_RDWR);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while (g->nconns > 0) {
		if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) != 0) {
			for (c = g->conns; c != NULL; c = c->next)
				if (c->up.fd >= 0)
					shutdown(c->up.fd, SHUT_RDWR);
			ts.tv_sec += 5;
		}
	}
	pthread_mutex_unlock(&g->mu);
	close(g->stop_pipe[0]);
	close(g->stop_pipe[1]);
	left = sweep(g->upstream, g->node, g->build, NULL);
	if (left != 0)
		glog(g, 1, "docker guard: build %s: sweep left %d object(s)%s",
		    g->build, left < 0 ? 0 : left, left < 0 ?
		    " (daemon unreachable)" : "");
	if (g->fwd != NULL)
		tlsfwd_stop(g->fwd);
	if (g->fwddir[0])
		(void)rmdir(g->fwddir);
	guard_free(g);
	return left;
}

int
guard_sweep_stale(const char *upstream, const char *node,
    const char *const *live)
{
	struct guard_conf	 c;

	memset(&c, 0, sizeof c);
	c.upstream = upstream;
	c.node = node;
	return guard_sweep_stale_conf(&c, live);
}

int
guard_sweep_stale_conf(const struct guard_conf *c, const char *const *live)
{
	struct tlsfwd_conf	 fc;
	struct tlsfwd		*fw = NULL;
	char			 path[108], dir[64], host[256], e[300];
	int			 port, r;

	if (c->node == NULL || c->upstream == NULL)
		return -1;
	if (strncmp(c->upstream, "tcp://", 6) != 0) {
		if (upstream_path(c->upstream, path, sizeof path) != 0)
			return -1;
		return sweep(path, c->node, NULL, live);
	}
	/* tcp: through a forwarding socket of its own, as guard_start */
	if (tcp_parse(c->upstream, c->tls || c->tls_verify, host, sizeof host,
	    &port) != 0)
		return -1;
	strcpy(dir, "/tmp/jnagent-guardup.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/daemon.sock", dir);
	memset(&fc, 0, sizeof fc);
	fc.host = host;
	fc.port = port;
	fc.tls = c->tls || c->tls_verify;
	fc.verify = c->tls_verify;
	fc.cert_dir = c->cert_path;
	r = -1;
	if (tlsfwd_start_conf(path, &fc, &fw, e, sizeof e) == 0) {
		r = sweep(path, c->node, NULL, live);
		tlsfwd_stop(fw);
	}
	(void)rmdir(dir);
	return r;
}
