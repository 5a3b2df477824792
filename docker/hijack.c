/*
 * hijack.c: attach and exec start, whose HTTP connection becomes a raw
 * stream (Engine API "Hijacking": the client sends "Connection: Upgrade,
 * Upgrade: tcp", the daemon answers "101 UPGRADED" (or "200 OK" before
 * API 1.24-ish) and then both sides speak the container's stdio).
 *
 * libcurl cannot hand over a connection after a normal request, so the
 * connection is opened with CURLOPT_CONNECT_ONLY (which still does the
 * unix socket or the TLS handshake), the request is written by hand with
 * curl_easy_send() and the response head is read with curl_easy_recv().
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "docker/internal.h"

struct docker_conn {
	struct docker	*d;
	CURL		*curl;
	int		 fd;
	unsigned char	*pend;		/* body bytes read with the head */
	size_t		 pend_off;
	size_t		 pend_len;
};

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for ev on the socket up to ms (-1 forever, in slices so that
 * docker_cancel() is seen): 0 ready, or an error. */
static int
conn_wait(struct docker_conn *c, short ev, int ms)
{
	struct pollfd	pfd;
	long		end = ms < 0 ? 0 : now_ms() + ms;
	int		n, slice;

	for (;;) {
		if (atomic_load(&c->d->cancel))
			return docker_seterr(c->d, DOCKER_ERR_CANCELLED,
			    "cancelled");
		slice = 500;
		if (ms >= 0) {
			long left = end - now_ms();

			if (left <= 0)
				return docker_seterr(c->d, DOCKER_ERR_TIMEOUT,
				    "timed out on the attached stream");
			if (left < slice)
				slice = (int)left;
		}
		pfd.fd = c->fd;
		pfd.events = ev;
		pfd.revents = 0;
		n = poll(&pfd, 1, slice);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return docker_seterr(c->d, DOCKER_ERR_CONNECT,
			    "poll: %s", strerror(errno));
	}
}

int
docker_conn_send(struct docker_conn *c, const void *buf, size_t len)
{
	const char	*p = buf;
	size_t		 n;
	CURLcode	 cc;
	int		 r;

	while (len > 0) {
		n = 0;
		cc = curl_easy_send(c->curl, p, len, &n);
		if (cc == CURLE_AGAIN) {
			if ((r = conn_wait(c, POLLOUT, -1)) != 0)
				return r;
			continue;
		}
		if (cc != CURLE_OK)
			return docker_seterr(c->d, DOCKER_ERR_CONNECT,
			    "send on the attached stream: %s",
			    curl_easy_strerror(cc));
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t
docker_conn_recv(struct docker_conn *c, void *buf, size_t len,
    int timeout_ms)
{
	size_t		n;
	CURLcode	cc;
	long		end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int		r, left;

	if (len == 0)
		return 0;
	if (c->pend_off < c->pend_len) {
		n = c->pend_len - c->pend_off;
		if (n > len)
			n = len;
		memcpy(buf, c->pend + c->pend_off, n);
		c->pend_off += n;
		return (ssize_t)n;
	}
	for (;;) {
		n = 0;
		cc = curl_easy_recv(c->curl, buf, len, &n);
		if (cc == CURLE_OK)
			return (ssize_t)n;	/* 0 = end of stream */
		if (cc != CURLE_AGAIN)
			return docker_seterr(c->d, DOCKER_ERR_CONNECT,
			    "receive on the attached stream: %s",
			    curl_easy_strerror(cc));
		if (timeout_ms == 0)
			return DOCKER_ERR_AGAIN;
		left = -1;
		if (timeout_ms > 0 && (left = (int)(end - now_ms())) <= 0)
			return docker_seterr(c->d, DOCKER_ERR_TIMEOUT,
			    "timed out on the attached stream");
		if ((r = conn_wait(c, POLLIN, left)) != 0)
			return r;
	}
}

int
docker_conn_fd(struct docker_conn *c)
{
	return c != NULL ? c->fd : -1;
}

int
docker_conn_close_write(struct docker_conn *c)
{
	if (c->d->tls && c->d->host.kind == DOCKER_HOST_TCP)
		return docker_seterr(c->d, DOCKER_ERR_INVAL,
		    "cannot half-close a TLS stream");
	if (shutdown(c->fd, SHUT_WR) == -1)
		return docker_seterr(c->d, DOCKER_ERR_CONNECT,
		    "shutdown: %s", strerror(errno));
	return 0;
}

int
docker_conn_drain(struct docker_conn *c, int tty, docker_data_cb out,
    docker_data_cb err, void *arg)
{
	struct docker_demux	dm;
	char			buf[32768];
	ssize_t			n;
	int			r;

	docker_demux_init(&dm, out, err, arg);
	for (;;) {
		if ((n = docker_conn_recv(c, buf, sizeof(buf), -1)) < 0)
			return (int)n;
		if (n == 0)
			break;
		if (tty) {
			if (out != NULL && out(arg, buf, (size_t)n) != 0)
				return docker_seterr(c->d, DOCKER_ERR_ABORTED,
				    "aborted by a callback");
			continue;
		}
		if ((r = docker_demux_feed(&dm, buf, (size_t)n)) != 0) {
			if (r == DOCKER_ERR_DAEMON)
				return docker_seterr(c->d, r, "%s",
				    docker_demux_syserr(&dm));
			return docker_seterr(c->d, r, r == DOCKER_ERR_ABORTED ?
			    "aborted by a callback" :
			    "malformed multiplexed stream header");
		}
	}
	if (!tty && docker_demux_finish(&dm) != 0)
		return docker_seterr(c->d, DOCKER_ERR_MALFORMED,
		    "multiplexed stream ends inside a frame");
	return 0;
}

void
docker_conn_free(struct docker_conn *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c->pend);
	free(c);
}

/* Value of header name in head (NUL-terminated), copied to v; 0 if none. */
static int
head_header(const char *head, const char *name, char *v, size_t vsz)
{
	const char	*p = head, *e;
	size_t		 k = strlen(name), n;

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, k) != 0 || p[k] != ':')
			continue;
		p += k + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		if ((e = strstr(p, "\r\n")) == NULL)
			e = p + strlen(p);
		n = e - p;
		if (n >= vsz)
			n = vsz - 1;
		memcpy(v, p, n);
		v[n] = '\0';
		return 1;
	}
	return 0;
}

/*
 * After a failed upgrade: read the error body (Content-Length, chunked or
 * up to EOF; capped, short timeout) and make it errmsg.
 */
static void
read_error_body(struct docker_conn *c, const char *head, size_t bodylen0)
{
	char		 v[32], *buf, *p;
	size_t		 len = bodylen0, want = DOCKER_MAX_ERRBODY, sz;
	ssize_t		 n;
	int		 chunked;

	if (head_header(head, "Content-Length", v, sizeof(v)) &&
	    strtoull(v, NULL, 10) < want)
		want = strtoull(v, NULL, 10);
	chunked = head_header(head, "Transfer-Encoding", v, sizeof(v)) &&
	    strcasecmp(v, "chunked") == 0;
	if ((buf = malloc(DOCKER_MAX_ERRBODY + 1)) == NULL) {
		docker_error_body(c->d, NULL, 0);
		return;
	}
	if (len > DOCKER_MAX_ERRBODY)
		len = DOCKER_MAX_ERRBODY;
	memcpy(buf, c->pend + c->pend_off, len);
	while (len < want && len < DOCKER_MAX_ERRBODY) {
		c->pend_off = c->pend_len;	/* pend is in buf already */
		n = docker_conn_recv(c, buf + len, DOCKER_MAX_ERRBODY - len,
		    2000);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (chunked && memmem(buf, len, "\r\n0\r\n", 5) != NULL)
			break;
	}
	buf[len] = '\0';
	p = buf;
	sz = len;
	if (chunked && (p = strstr(buf, "\r\n")) != NULL) {
		/* One chunk is all an error body takes. */
		sz = strtoul(buf, NULL, 16);
		p += 2;
		if (sz > len - (size_t)(p - buf))
			sz = len - (size_t)(p - buf);
	} else
		p = buf;
	docker_error_body(c->d, p, sz);
	free(buf);
}

static int
hijack(struct docker *d, const char *path, const char *body,
    struct docker_conn **out)
{
	struct docker_conn	*c;
	struct sbuf		 req = { 0 };
	char			 base[600], *head = NULL, *eoh, *sp;
	curl_socket_t		 fd;
	size_t			 hlen = 0;
	ssize_t			 n;
	CURLcode		 cc;
	int			 r, tmo, status, v6;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->curl = curl_easy_init()) == NULL) {
		free(c);
		return docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	}
	c->d = d;
	c->fd = -1;
	d->curlerr[0] = '\0';
	if ((r = docker_curl_setup(d, c->curl, base, sizeof(base))) != 0)
		goto fail;
	(void)curl_easy_setopt(c->curl, CURLOPT_URL, base);
	(void)curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	if ((cc = curl_easy_perform(c->curl)) != CURLE_OK) {
		r = docker_seterr(d, cc == CURLE_OPERATION_TIMEDOUT ?
		    DOCKER_ERR_TIMEOUT : DOCKER_ERR_CONNECT, "connect: %s",
		    d->curlerr[0] != '\0' ? d->curlerr :
		    curl_easy_strerror(cc));
		goto fail;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &fd) !=
	    CURLE_OK || fd == CURL_SOCKET_BAD) {
		r = docker_seterr(d, DOCKER_ERR_CONNECT, "no socket");
		goto fail;
	}
	c->fd = (int)fd;

	v6 = d->host.kind == DOCKER_HOST_TCP &&
	    strchr(d->host.host, ':') != NULL;
	sbuf_addf(&req, "POST %s HTTP/1.1\r\nHost: %s%s%s\r\n"
	    "User-Agent: jnagent-docker\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n%s", path,
	    v6 ? "[" : "",
	    d->host.kind == DOCKER_HOST_UNIX ? "docker" : d->host.host,
	    v6 ? "]" : "", strlen(body), body);
	if (req.err != 0) {
		r = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((r = docker_conn_send(c, req.p, req.len)) != 0)
		goto fail;

	/* The response head, byte-exact: what follows is the stream. */
	if ((head = malloc(DOCKER_MAX_HEAD + 1)) == NULL) {
		r = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
		goto fail;
	}
	tmo = d->request_ms > 0 ? (int)d->request_ms : 60000;
	for (;;) {
		if (hlen == DOCKER_MAX_HEAD) {
			r = docker_seterr(d, DOCKER_ERR_TOO_BIG,
			    "response head longer than %d bytes",
			    DOCKER_MAX_HEAD);
			goto fail;
		}
		n = docker_conn_recv(c, head + hlen, DOCKER_MAX_HEAD - hlen,
		    tmo);
		if (n < 0) {
			r = (int)n;
			goto fail;
		}
		if (n == 0) {
			r = docker_seterr(d, DOCKER_ERR_CONNECT,
			    "connection closed before the response head");
			goto fail;
		}
		hlen += (size_t)n;
		head[hlen] = '\0';
		if ((eoh = memmem(head, hlen, "\r\n\r\n", 4)) != NULL)
			break;
	}
	*eoh = '\0';
	status = 0;
	if (strncmp(head, "HTTP/1.", 7) == 0 && (sp = strchr(head, ' ')) !=
	    NULL && isdigit((unsigned char)sp[1]) &&
	    isdigit((unsigned char)sp[2]) && isdigit((unsigned char)sp[3]))
		status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 +
		    (sp[3] - '0');
	d->status = status;
	if (status == 0) {
		r = docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "malformed response head");
		goto fail;
	}
	/* Keep what came after the head: stream bytes (or error body). */
	c->pend_len = hlen - (size_t)(eoh + 4 - head);
	if (c->pend_len > 0) {
		if ((c->pend = malloc(c->pend_len)) == NULL) {
			r = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
			goto fail;
		}
		memcpy(c->pend, eoh + 4, c->pend_len);
	}
	if (status != 101 && status != 200) {
		read_error_body(c, head, c->pend_len);
		r = DOCKER_ERR_DAEMON;
		goto fail;
	}
	free(head);
	sbuf_free(&req);
	*out = c;
	return 0;
fail:
	free(head);
	sbuf_free(&req);
	docker_conn_free(c);
	return r;
}

int
docker_container_attach(struct docker *d, const char *id, int stdin_,
    struct docker_conn **conn)
{
	struct sbuf	p = { 0 };
	int		r;

	*conn = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	if (id == NULL || *id == '\0')
		return docker_seterr(d, DOCKER_ERR_INVAL,
		    "container id missing");
	sbuf_api(&p, d, "/containers/");
	sbuf_add_path(&p, id);
	sbuf_addf(&p, "/attach?stream=1&stdin=%d&stdout=1&stderr=1",
	    stdin_ != 0);
	if (p.err != 0)
		r = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	else
		r = hijack(d, p.p, "", conn);
	sbuf_free(&p);
	return r;
}

int
docker_exec_start(struct docker *d, const char *exec_id, int tty,
    struct docker_conn **conn)
{
	struct sbuf	p = { 0 };
	int		r;

	*conn = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	if (exec_id == NULL || *exec_id == '\0')
		return docker_seterr(d, DOCKER_ERR_INVAL, "exec id missing");
	sbuf_api(&p, d, "/exec/");
	sbuf_add_path(&p, exec_id);
	sbuf_add(&p, "/start");
	if (p.err != 0)
		r = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	else
		r = hijack(d, p.p, tty ? "{\"Detach\":false,\"Tty\":true}" :
		    "{\"Detach\":false,\"Tty\":false}", conn);
	sbuf_free(&p);
	return r;
}
