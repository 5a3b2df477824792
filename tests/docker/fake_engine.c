/*
 * fake_engine.c: see fake_engine.h.  Blocking I/O with short socket
 * timeouts, so a confused client can never hang the test.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/docker/fake_engine.h"

#define FAKE_MAX_REQ	(64 * 1024)

struct fake_engine {
	int			 lfd;
	char			 path[108];
	pthread_t		 thr;
	pthread_mutex_t		 mu;
	int			 stop;
	const struct fake_route	*routes;
	size_t			 nroutes;
	char			*last;
	char			*log;
	size_t			 loglen;
};

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_str(int fd, const char *s)
{
	return write_all(fd, s, strlen(s));
}

struct rd {
	int	 fd;
	char	*buf;
	size_t	 len;
	size_t	 off;
	size_t	 cap;
};

/* Make at least want bytes available from off; 0 or -1 (EOF/error/cap). */
static int
rd_need(struct rd *r, size_t want)
{
	ssize_t	n;

	while (r->len - r->off < want) {
		if (r->len == r->cap)
			return -1;
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r->len += (size_t)n;
	}
	return 0;
}

/* Read one line (up to CRLF) into *line (borrowed, NUL-terminated). */
static int
rd_line(struct rd *r, char **line)
{
	char	*e;

	for (;;) {
		if ((e = memmem(r->buf + r->off, r->len - r->off, "\r\n", 2)) !=
		    NULL) {
			*e = '\0';
			*line = r->buf + r->off;
			r->off = (size_t)(e - r->buf) + 2;
			return 0;
		}
		if (rd_need(r, r->len - r->off + 1) != 0)
			return -1;
	}
}

static void
append(char **s, size_t *len, const char *p, size_t n)
{
	char	*ns;

	if ((ns = realloc(*s, *len + n + 1)) == NULL)
		return;
	memcpy(ns + *len, p, n);
	*len += n;
	ns[*len] = '\0';
	*s = ns;
}

static const struct fake_route *
find_route(struct fake_engine *fe, const char *method, const char *target)
{
	const char	*p = target;
	size_t		 i;

	/* Strip "/v1.41" so routes are version-independent. */
	if (p[0] == '/' && p[1] == 'v' && isdigit((unsigned char)p[2])) {
		p += 2;
		while (isdigit((unsigned char)*p) || *p == '.')
			p++;
	}
	for (i = 0; i < fe->nroutes; i++) {
		const struct fake_route *rt = &fe->routes[i];

		if (rt->method != NULL && strcmp(rt->method, method) != 0)
			continue;
		if (strncmp(p, rt->path, strlen(rt->path)) == 0)
			return rt;
	}
	return NULL;
}

static void
respond(int fd, const struct fake_route *rt)
{
	static const struct fake_route none = { NULL, "", 404, NULL,
	    "{\"message\":\"fake: no route\"}", 0, FAKE_PLAIN, 0 };
	char		 head[1024];
	const char	*body;
	char		*big = NULL;
	size_t		 blen, i;

	if (rt == NULL)
		rt = &none;
	body = rt->body != NULL ? rt->body : "";
	blen = rt->body_len != 0 ? rt->body_len : strlen(body);
	if (rt->mode == FAKE_RAW) {
		(void)write_all(fd, body, blen);
		return;
	}
	if (rt->mode == FAKE_HUGE || rt->mode == FAKE_HUGE_CHUNKED) {
		blen = rt->huge < 8 ? 8 : rt->huge;
		if ((big = malloc(blen)) == NULL)
			return;
		memset(big, 'x', blen);
		big[0] = '{';
		big[1] = '"';
		big[2] = 'a';
		big[3] = '"';
		big[4] = ':';
		big[5] = '"';
		big[blen - 2] = '"';
		big[blen - 1] = '}';
		body = big;
	}
	(void)snprintf(head, sizeof(head), "HTTP/1.1 %d Fake\r\n"
	    "Api-Version: 1.41\r\nContent-Type: application/json\r\n"
	    "Connection: close\r\n%s", rt->status,
	    rt->headers != NULL ? rt->headers : "");
	if (write_str(fd, head) != 0)
		goto out;
	switch (rt->mode) {
	case FAKE_PLAIN:
	case FAKE_HUGE:
	case FAKE_CLOSE_MID:
		(void)snprintf(head, sizeof(head), "Content-Length: %zu\r\n\r\n",
		    rt->mode == FAKE_CLOSE_MID ? 2 * blen + 10 : blen);
		if (write_str(fd, head) == 0)
			(void)write_all(fd, body, blen);
		break;
	case FAKE_CHUNKED:
	case FAKE_CLOSE_CHUNKED:
	case FAKE_HUGE_CHUNKED:
		if (write_str(fd, "Transfer-Encoding: chunked\r\n\r\n") != 0)
			break;
		for (i = 0; i < blen; i += 65536) {
			size_t n = blen - i < 65536 ? blen - i : 65536;

			(void)snprintf(head, sizeof(head), "%zx\r\n", n);
			if (write_str(fd, head) != 0 ||
			    write_all(fd, body + i, n) != 0 ||
			    write_str(fd, "\r\n") != 0)
				goto out;
		}
		if (rt->mode != FAKE_CLOSE_CHUNKED)
			(void)write_str(fd, "0\r\n\r\n");
		break;
	case FAKE_RAW:
		break;
	}
out:
	free(big);
}

static void
serve(struct fake_engine *fe, int fd)
{
	struct rd	 r = { fd, NULL, 0, 0, FAKE_MAX_REQ };
	struct timeval	 tv = { 5, 0 };
	char		*line, *method, *target, *sp, *rec = NULL;
	size_t		 reclen = 0, clen = 0, n;
	int		 chunked = 0;
	const struct fake_route *rt;
	struct fake_route	 cp;
	char			*body = NULL, *hdrs = NULL;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if ((r.buf = malloc(r.cap)) == NULL || rd_line(&r, &line) != 0)
		goto out;
	method = line;
	if ((sp = strchr(line, ' ')) == NULL)
		goto out;
	*sp = '\0';
	target = sp + 1;
	if ((sp = strchr(target, ' ')) != NULL)
		*sp = '\0';
	append(&rec, &reclen, method, strlen(method));
	append(&rec, &reclen, " ", 1);
	append(&rec, &reclen, target, strlen(target));
	append(&rec, &reclen, "\n", 1);
	pthread_mutex_lock(&fe->mu);
	append(&fe->log, &fe->loglen, rec, reclen);
	pthread_mutex_unlock(&fe->mu);
	for (;;) {
		if (rd_line(&r, &line) != 0)
			goto out;
		if (*line == '\0')
			break;
		append(&rec, &reclen, line, strlen(line));
		append(&rec, &reclen, "\n", 1);
		if (strncasecmp(line, "Content-Length:", 15) == 0)
			clen = strtoul(line + 15, NULL, 10);
		if (strncasecmp(line, "Transfer-Encoding:", 18) == 0 &&
		    strstr(line, "chunked") != NULL)
			chunked = 1;
	}
	append(&rec, &reclen, "\n", 1);
	if (chunked) {
		for (;;) {
			if (rd_line(&r, &line) != 0)
				goto out;
			n = strtoul(line, NULL, 16);
			if (n == 0) {
				(void)rd_line(&r, &line);
				break;
			}
			if (n > FAKE_MAX_REQ || rd_need(&r, n + 2) != 0)
				goto out;
			append(&rec, &reclen, r.buf + r.off, n);
			r.off += n + 2;
			/* Keep the buffer from filling: drop what is read. */
			memmove(r.buf, r.buf + r.off, r.len - r.off);
			r.len -= r.off;
			r.off = 0;
		}
	} else if (clen > 0) {
		if (clen > FAKE_MAX_REQ - 4096 || rd_need(&r, clen) != 0)
			goto out;
		append(&rec, &reclen, r.buf + r.off, clen);
	}
	pthread_mutex_lock(&fe->mu);
	free(fe->last);
	fe->last = rec;
	rec = NULL;
	/* Copy the route: the test may change or free it once the client
	 * has what it wants, while the rest is still being sent. */
	if ((rt = find_route(fe, method, target)) != NULL) {
		cp = *rt;
		n = rt->body == NULL ? 0 : rt->body_len != 0 ? rt->body_len :
		    strlen(rt->body);
		body = malloc(n + 1);
		hdrs = rt->headers != NULL ? strdup(rt->headers) : NULL;
		if (body != NULL && rt->body != NULL)
			memcpy(body, rt->body, n);
		if (body != NULL)
			body[n] = '\0';
		cp.body = rt->body != NULL ? body : NULL;
		cp.body_len = n;
		cp.headers = hdrs;
	}
	pthread_mutex_unlock(&fe->mu);
	if (rt == NULL || body != NULL)
		respond(fd, rt != NULL ? &cp : NULL);
	free(body);
	free(hdrs);
out:
	free(rec);
	free(r.buf);
}

static void *
fake_main(void *arg)
{
	struct fake_engine	*fe = arg;
	struct pollfd		 pfd;
	int			 fd, stop;

	for (;;) {
		pthread_mutex_lock(&fe->mu);
		stop = fe->stop;
		pthread_mutex_unlock(&fe->mu);
		if (stop)
			break;
		pfd.fd = fe->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((fd = accept(fe->lfd, NULL, NULL)) < 0)
			continue;
		serve(fe, fd);
		/* Let the client see the end of every byte sent. */
		(void)shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

struct fake_engine *
fake_engine_start(const char *sockpath, const struct fake_route *routes,
    size_t n)
{
	struct fake_engine	*fe;
	struct sockaddr_un	 sun;

	if (strlen(sockpath) >= sizeof(sun.sun_path) ||
	    (fe = calloc(1, sizeof(*fe))) == NULL)
		return NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sockpath);
	strcpy(fe->path, sockpath);
	(void)unlink(sockpath);
	if ((fe->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fe->lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fe->lfd, 16) != 0) {
		if (fe->lfd >= 0)
			close(fe->lfd);
		free(fe);
		return NULL;
	}
	pthread_mutex_init(&fe->mu, NULL);
	fe->routes = routes;
	fe->nroutes = n;
	if (pthread_create(&fe->thr, NULL, fake_main, fe) != 0) {
		close(fe->lfd);
		pthread_mutex_destroy(&fe->mu);
		free(fe);
		return NULL;
	}
	return fe;
}

void
fake_engine_routes(struct fake_engine *fe, const struct fake_route *routes,
    size_t n)
{
	pthread_mutex_lock(&fe->mu);
	fe->routes = routes;
	fe->nroutes = n;
	pthread_mutex_unlock(&fe->mu);
}

char *
fake_engine_last(struct fake_engine *fe)
{
	char	*s;

	pthread_mutex_lock(&fe->mu);
	s = strdup(fe->last != NULL ? fe->last : "");
	pthread_mutex_unlock(&fe->mu);
	return s;
}

char *
fake_engine_log(struct fake_engine *fe)
{
	char	*s;

	pthread_mutex_lock(&fe->mu);
	s = fe->log != NULL ? fe->log : strdup("");
	fe->log = NULL;
	fe->loglen = 0;
	pthread_mutex_unlock(&fe->mu);
	return s;
}

void
fake_engine_stop(struct fake_engine *fe)
{
	if (fe == NULL)
		return;
	pthread_mutex_lock(&fe->mu);
	fe->stop = 1;
	pthread_mutex_unlock(&fe->mu);
	pthread_join(fe->thr, NULL);
	close(fe->lfd);
	(void)unlink(fe->path);
	pthread_mutex_destroy(&fe->mu);
	free(fe->last);
	free(fe->log);
	free(fe);
}
