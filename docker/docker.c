/*
 * docker.c: the handle, DOCKER_HOST and TLS configuration, errors, API
 * version negotiation and the request engine every call goes through.
 *
 * One request = one curl_easy_perform() on the handle's CURL (kept so the
 * connection is reused).  The body goes to a "sink" (JSON, raw bytes,
 * JSON lines, multiplexed stream); a body of a failed request (status >=
 * 400) is always collected, capped, and its "message" becomes errmsg.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "docker/internal.h"

const char *
docker_strerror(int err)
{
	switch (err) {
	case DOCKER_OK:			return "success";
	case DOCKER_ERR_NOMEM:		return "out of memory";
	case DOCKER_ERR_INVAL:		return "invalid argument";
	case DOCKER_ERR_CONNECT:	return "cannot talk to the daemon";
	case DOCKER_ERR_DAEMON:		return "the daemon returned an error";
	case DOCKER_ERR_MALFORMED:	return "malformed answer from the daemon";
	case DOCKER_ERR_TOO_BIG:	return "answer from the daemon too big";
	case DOCKER_ERR_ABORTED:	return "aborted by a callback";
	case DOCKER_ERR_CANCELLED:	return "cancelled";
	case DOCKER_ERR_TIMEOUT:	return "timed out";
	case DOCKER_ERR_VERSION:	return "no API version in common";
	case DOCKER_ERR_AGAIN:		return "would block";
	}
	return "unknown error";
}

int
docker_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 :
	    DOCKER_ERR_NOMEM;
}

void
docker_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- DOCKER_HOST ------------------------------------------------------- */

int
docker_host_parse(const char *s, int tls, struct docker_host *out)
{
	const char	*p, *hs, *he, *ps;
	char		*end;
	long		 port;
	size_t		 n;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		s = DOCKER_DEFAULT_HOST;
	if (strncmp(s, "unix://", 7) == 0) {
		p = s + 7;
		n = strlen(p);
		if (n == 0 || p[0] != '/' || n >= sizeof(out->path))
			return DOCKER_ERR_INVAL;
		out->kind = DOCKER_HOST_UNIX;
		memcpy(out->path, p, n + 1);
		return 0;
	}
	if (strncmp(s, "tcp://", 6) != 0)
		return DOCKER_ERR_INVAL;
	p = s + 6;
	if (*p == '[') {
		hs = p + 1;
		if ((he = strchr(hs, ']')) == NULL || he == hs)
			return DOCKER_ERR_INVAL;
		ps = he + 1;
	} else {
		hs = p;
		he = hs + strcspn(hs, ":/?#@");
		ps = he;
		if (he == hs)
			return DOCKER_ERR_INVAL;
	}
	for (const char *q = hs; q < he; q++) {
		if (!isalnum((unsigned char)*q) && strchr("-._:%", *q) == NULL)
			return DOCKER_ERR_INVAL;
	}
	/* A ':' is only right inside [] (IPv6). */
	if (p[0] != '[' && memchr(hs, ':', he - hs) != NULL)
		return DOCKER_ERR_INVAL;
	n = he - hs;
	if (n >= sizeof(out->host))
		return DOCKER_ERR_INVAL;
	port = tls ? 2376 : 2375;
	if (*ps == ':') {
		if (!isdigit((unsigned char)ps[1]))
			return DOCKER_ERR_INVAL;
		errno = 0;
		port = strtol(ps + 1, &end, 10);
		if (errno != 0 || port < 1 || port > 65535)
			return DOCKER_ERR_INVAL;
		ps = end;
	}
	if (*ps == '/')
		ps++;
	if (*ps != '\0')
		return DOCKER_ERR_INVAL;
	out->kind = DOCKER_HOST_TCP;
	memcpy(out->host, hs, n);
	out->host[n] = '\0';
	out->port = (int)port;
	return 0;
}

/* ---- the handle -------------------------------------------------------- */

struct docker *
docker_new(void)
{
	struct docker	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->curl = curl_easy_init()) == NULL) {
		free(d);
		return NULL;
	}
	(void)docker_host_parse(NULL, 0, &d->host);
	d->max_json = DOCKER_MAX_JSON;
	d->connect_ms = 10000;
	atomic_init(&d->cancel, 0);
	return d;
}

void
docker_free(struct docker *d)
{
	if (d == NULL)
		return;
	curl_easy_cleanup(d->curl);
	free(d->cert_path);
	free(d);
}

int
docker_seterr(struct docker *d, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(d->errmsg, sizeof(d->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

void
docker_begin(struct docker *d)
{
	d->errmsg[0] = '\0';
	d->status = 0;
}

int
docker_last_status(struct docker *d)
{
	return d->status;
}

const char *
docker_errmsg(struct docker *d)
{
	return d->errmsg;
}

void
docker_cancel(struct docker *d)
{
	atomic_store(&d->cancel, 1);
}

void
docker_cancel_clear(struct docker *d)
{
	atomic_store(&d->cancel, 0);
}

void
docker_set_max_json(struct docker *d, size_t max)
{
	d->max_json = max == 0 ? DOCKER_MAX_JSON : max;
}

void
docker_set_timeouts(struct docker *d, long connect_ms, long request_ms)
{
	d->connect_ms = connect_ms;
	d->request_ms = request_ms;
}

int
docker_set_host(struct docker *d, const char *host)
{
	struct docker_host	h;

	docker_begin(d);
	if (docker_host_parse(host, d->tls, &h) != 0)
		return docker_seterr(d, DOCKER_ERR_INVAL,
		    "bad DOCKER_HOST \"%.200s\" (want unix:///path or "
		    "tcp://host:port)", host);
	d->host = h;
	d->host_set = 1;
	(void)snprintf(d->host_str, sizeof(d->host_str), "%s",
	    host != NULL && *host != '\0' ? host : DOCKER_DEFAULT_HOST);
	if (!d->api_forced)
		d->api[0] = '\0';	/* another daemon: negotiate again */
	return 0;
}

int
docker_set_tls(struct docker *d, int tls, int verify, const char *cert_path)
{
	char	*cp = NULL;

	docker_begin(d);
	if (cert_path != NULL && (cp = strdup(cert_path)) == NULL)
		return docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	free(d->cert_path);
	d->cert_path = cp;
	d->tls = tls != 0 || verify != 0;
	d->verify = verify != 0;
	return 0;
}

int
docker_config_env(struct docker *d)
{
	const char	*host, *tv, *t, *cp, *home;
	char		 def[PATH_MAX];
	int		 r, tls, verify;

	host = getenv("DOCKER_HOST");
	tv = getenv("DOCKER_TLS_VERIFY");
	t = getenv("DOCKER_TLS");
	verify = tv != NULL && *tv != '\0';
	tls = verify || (t != NULL && *t != '\0');
	cp = getenv("DOCKER_CERT_PATH");
	if (cp == NULL || *cp == '\0') {
		cp = NULL;
		if (tls && (home = getenv("HOME")) != NULL && *home != '\0' &&
		    (size_t)snprintf(def, sizeof(def), "%s/.docker", home) <
		    sizeof(def))
			cp = def;
	}
	if ((r = docker_set_tls(d, tls, verify, cp)) != 0)
		return r;
	return docker_set_host(d, host);
}

/* ---- strings ----------------------------------------------------------- */

static int
sbuf_grow(struct sbuf *sb, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (sb->err != 0)
		return -1;
	if (n < sb->cap - sb->len)
		return 0;
	if (n > SIZE_MAX / 2 - sb->len - 64) {
		sb->err = DOCKER_ERR_NOMEM;
		return -1;
	}
	ncap = sb->cap == 0 ? 128 : sb->cap;
	while (ncap - sb->len <= n)
		ncap *= 2;
	if ((np = realloc(sb->p, ncap)) == NULL) {
		sb->err = DOCKER_ERR_NOMEM;
		return -1;
	}
	sb->p = np;
	sb->cap = ncap;
	return 0;
}

void
sbuf_free(struct sbuf *sb)
{
	free(sb->p);
	memset(sb, 0, sizeof(*sb));
}

void
sbuf_addn(struct sbuf *sb, const char *s, size_t n)
{
	if (sbuf_grow(sb, n) != 0)
		return;
	memcpy(sb->p + sb->len, s, n);
	sb->len += n;
	sb->p[sb->len] = '\0';
}

void
sbuf_add(struct sbuf *sb, const char *s)
{
	sbuf_addn(sb, s, strlen(s));
}

static void sbuf_vaddf(struct sbuf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		sb->err = DOCKER_ERR_INVAL;
		return;
	}
	if (sbuf_grow(sb, (size_t)n) != 0)
		return;
	(void)vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
	sb->len += (size_t)n;
}

void
sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

static void
sbuf_escape(struct sbuf *sb, const char *s, const char *keep)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			e[3];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c) != NULL ||
		    (c != '\0' && strchr(keep, c) != NULL)) {
			sbuf_addn(sb, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		sbuf_addn(sb, e, 3);
	}
}

void
sbuf_add_path(struct sbuf *sb, const char *s)
{
	sbuf_escape(sb, s, "/:@");
}

void
sbuf_add_query(struct sbuf *sb, const char *s)
{
	sbuf_escape(sb, s, "");
}

void
sbuf_api(struct sbuf *sb, struct docker *d, const char *fmt, ...)
{
	va_list	ap;

	sbuf_addf(sb, "/v%s", d->api);
	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
docker_clean_text(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t	i, o = 0;

	if (dstsz == 0)
		return;
	for (i = 0; i < n && o + 1 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			break;
		dst[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

void
docker_error_body(struct docker *d, const char *body, size_t len)
{
	cJSON		*j;
	const char	*m;

	j = body != NULL && len > 0 ? cJSON_ParseWithLength(body, len) : NULL;
	if (j != NULL && (m = docker_json_str(j, "message")) != NULL) {
		docker_clean_text(d->errmsg, sizeof(d->errmsg), m, strlen(m));
	} else if (len > 0) {
		docker_clean_text(d->errmsg, sizeof(d->errmsg), body, len);
	}
	cJSON_Delete(j);
	if (d->errmsg[0] == '\0')
		(void)snprintf(d->errmsg, sizeof(d->errmsg), "HTTP status %d",
		    d->status);
}

/* ---- the request engine ------------------------------------------------- */

struct xfer {
	struct docker		*d;
	struct docker_req	*r;
	long			 status;	/* of the current response */
	char			*buf;		/* JSON, error body, line */
	size_t			 len;
	size_t			 cap;
	int			 err;		/* set by a callback */
	int			 stopped;	/* line callback said stop */
};

static int
xfer_fail(struct xfer *x, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
xfer_fail(struct xfer *x, int err, const char *fmt, ...)
{
	va_list	ap;

	if (x->err != 0)
		return x->err;
	x->err = err;
	va_start(ap, fmt);
	(void)vsnprintf(x->d->errmsg, sizeof(x->d->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/* Append to x->buf without passing max; DOCKER_ERR_TOO_BIG otherwise. */
static int
xfer_keep(struct xfer *x, const char *p, size_t n, size_t max)
{
	size_t	 ncap;
	char	*nb;

	if (n > max - x->len || x->len > max)
		return DOCKER_ERR_TOO_BIG;
	if (n + 1 > x->cap - x->len) {
		ncap = x->cap == 0 ? 4096 : x->cap;
		while (ncap - x->len < n + 1)
			ncap *= 2;
		if ((nb = realloc(x->buf, ncap)) == NULL)
			return DOCKER_ERR_NOMEM;
		x->buf = nb;
		x->cap = ncap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return 0;
}

static int
xfer_line(struct xfer *x, const char *p, size_t n)
{
	struct docker_req	*r = x->r;
	cJSON			*j;
	const char		*e;
	size_t			 i;
	int			 stop;

	for (i = 0; i < n && isspace((unsigned char)p[i]); i++)
		;
	if (i == n)
		return 0;
	if ((j = cJSON_ParseWithLength(p, n)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return xfer_fail(x, DOCKER_ERR_MALFORMED,
		    "malformed JSON object in a stream (%zu bytes)", n);
	}
	if (r->line_errors && (e = docker_json_str(j, "error")) != NULL) {
		x->err = DOCKER_ERR_DAEMON;
		docker_clean_text(x->d->errmsg, sizeof(x->d->errmsg), e,
		    strlen(e));
		cJSON_Delete(j);
		return x->err;
	}
	stop = r->line != NULL ? r->line(r->line_arg, j) : 0;
	cJSON_Delete(j);
	if (stop) {
		x->stopped = 1;
		return 1;
	}
	return 0;
}

static int
xfer_lines(struct xfer *x, const char *p, size_t n)
{
	const char	*nl;
	size_t		 k;
	int		 r;

	while (n > 0) {
		if ((nl = memchr(p, '\n', n)) == NULL) {
			if ((r = xfer_keep(x, p, n, x->d->max_json)) != 0)
				return xfer_fail(x, r, "a JSON stream line is "
				    "longer than %zu bytes", x->d->max_json);
			return 0;
		}
		k = nl - p;
		if (x->len > 0) {
			if ((r = xfer_keep(x, p, k, x->d->max_json)) != 0)
				return xfer_fail(x, r, "a JSON stream line is "
				    "longer than %zu bytes", x->d->max_json);
			r = xfer_line(x, x->buf, x->len);
			x->len = 0;
		} else
			r = xfer_line(x, p, k);
		if (r != 0)
			return r;
		p += k + 1;
		n -= k + 1;
	}
	return 0;
}

static size_t
xfer_write(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer		*x = arg;
	struct docker_req	*r = x->r;
	size_t			 n = sz * nm;
	int			 e;

	if (x->err != 0 || x->stopped)
		return 0;
	if (x->status >= 300 || x->status < 200) {
		/* An error body: keep the start for its message. */
		if (x->len < DOCKER_MAX_ERRBODY)
			(void)xfer_keep(x, p, n > DOCKER_MAX_ERRBODY - x->len ?
			    DOCKER_MAX_ERRBODY - x->len : n, DOCKER_MAX_ERRBODY);
		return n;
	}
	switch (r->sink) {
	case SINK_DISCARD:
		break;
	case SINK_JSON:
	case SINK_TEXT:
		if ((e = xfer_keep(x, p, n, x->d->max_json)) != 0) {
			xfer_fail(x, e, e == DOCKER_ERR_TOO_BIG ?
			    "body larger than %zu bytes" : "out of memory",
			    x->d->max_json);
			return 0;
		}
		break;
	case SINK_DATA:
		if (r->data != NULL && r->data(r->data_arg, p, n) != 0) {
			xfer_fail(x, DOCKER_ERR_ABORTED, "aborted by a callback");
			return 0;
		}
		break;
	case SINK_LINES:
		if (xfer_lines(x, p, n) != 0)
			return 0;
		break;
	case SINK_DEMUX:
		if ((e = docker_demux_feed(r->demux, p, n)) != 0) {
			if (e == DOCKER_ERR_DAEMON)
				xfer_fail(x, e, "%s",
				    docker_demux_syserr(r->demux));
			else if (e == DOCKER_ERR_ABORTED)
				xfer_fail(x, e, "aborted by a callback");
			else
				xfer_fail(x, e, "malformed multiplexed stream "
				    "header");
			return 0;
		}
		break;
	}
	return n;
}

static int
hdr_is(const char *p, size_t n, const char *name, const char **val,
    size_t *vlen)
{
	size_t	k = strlen(name);

	if (n <= k || strncasecmp(p, name, k) != 0 || p[k] != ':')
		return 0;
	p += k + 1;
	n -= k + 1;
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	*val = p;
	*vlen = n;
	return 1;
}

static size_t
xfer_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n = sz * nm, vlen;
	const char	*v;
	char		 num[32];
	unsigned long long cl;

	if (n >= 12 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (after "100 Continue" too): start over. */
		const char *sp = memchr(p, ' ', n);

		x->status = 0;
		if (sp != NULL && (size_t)(sp - p) + 4 <= n &&
		    isdigit((unsigned char)sp[1]) &&
		    isdigit((unsigned char)sp[2]) &&
		    isdigit((unsigned char)sp[3]))
			x->status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 +
			    (sp[3] - '0');
		x->len = 0;
		return n;
	}
	if (hdr_is(p, n, "Api-Version", &v, &vlen)) {
		docker_clean_text(x->r->api_header, sizeof(x->r->api_header),
		    v, vlen);
	} else if (hdr_is(p, n, "Content-Length", &v, &vlen) &&
	    vlen > 0 && vlen < sizeof(num) && x->status >= 200 &&
	    x->status < 300 &&
	    (x->r->sink == SINK_JSON || x->r->sink == SINK_TEXT)) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		cl = strtoull(num, NULL, 10);
		if (cl > x->d->max_json) {
			xfer_fail(x, DOCKER_ERR_TOO_BIG, "body of %llu bytes "
			    "is larger than %zu", cl, x->d->max_json);
			return 0;
		}
	}
	return n;
}

static int
xfer_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct xfer	*x = arg;

	if (atomic_load(&x->d->cancel)) {
		xfer_fail(x, DOCKER_ERR_CANCELLED, "cancelled");
		return 1;
	}
	return 0;
}

static size_t
xfer_read(char *p, size_t sz, size_t nm, void *arg)
{
	struct xfer	*x = arg;
	ssize_t		 n;

	n = x->r->src(x->r->src_arg, p, sz * nm);
	if (n < 0 || (size_t)n > sz * nm) {
		xfer_fail(x, DOCKER_ERR_ABORTED, "the body source failed");
		return CURL_READFUNC_ABORT;
	}
	return (size_t)n;
}

int
docker_curl_setup(struct docker *d, CURL *c, char *url, size_t urlsz)
{
	const char	*scheme = d->tls ? "https" : "http";
	char		 f[PATH_MAX];
	int		 n;

	if (d->host.kind == DOCKER_HOST_UNIX) {
		if (curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		    d->host.path) != CURLE_OK)
			return docker_seterr(d, DOCKER_ERR_NOMEM,
			    "out of memory");
		/* The Host header is ignored on a socket; "docker" is what
		 * the CLI sends. */
		n = snprintf(url, urlsz, "http://docker");
	} else if (strchr(d->host.host, ':') != NULL)
		n = snprintf(url, urlsz, "%s://[%s]:%d", scheme, d->host.host,
		    d->host.port);
	else
		n = snprintf(url, urlsz, "%s://%s:%d", scheme, d->host.host,
		    d->host.port);
	if (n < 0 || (size_t)n >= urlsz)
		return docker_seterr(d, DOCKER_ERR_INVAL, "host too long");
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, d->connect_ms);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85.0 */
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, d->curlerr);
	(void)curl_easy_setopt(c, CURLOPT_PROXY, "");	/* never a proxy */
	if (d->host.kind == DOCKER_HOST_TCP && d->tls) {
		(void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER,
		    d->verify ? 1L : 0L);
		(void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST,
		    d->verify ? 2L : 0L);
		if (d->cert_path != NULL) {
			if (snprintf(f, sizeof(f), "%s/ca.pem", d->cert_path) <
			    (int)sizeof(f) && access(f, R_OK) == 0)
				(void)curl_easy_setopt(c, CURLOPT_CAINFO, f);
			if (snprintf(f, sizeof(f), "%s/cert.pem",
			    d->cert_path) < (int)sizeof(f) &&
			    access(f, R_OK) == 0) {
				(void)curl_easy_setopt(c, CURLOPT_SSLCERT, f);
				(void)snprintf(f, sizeof(f), "%s/key.pem",
				    d->cert_path);
				(void)curl_easy_setopt(c, CURLOPT_SSLKEY, f);
			}
		}
	}
	return 0;
}

int
docker_request(struct docker *d, struct docker_req *r)
{
	struct xfer		 x;
	struct curl_slist	*hl = NULL, *nl;
	struct sbuf		 url = { 0 };
	char			 base[600];
	CURLcode		 cc;
	long			 tmo;
	int			 ret;

	if (atomic_load(&d->cancel))
		return docker_seterr(d, DOCKER_ERR_CANCELLED, "cancelled");
	memset(&x, 0, sizeof(x));
	x.d = d;
	x.r = r;
	r->json = NULL;
	r->text = NULL;
	r->api_header[0] = '\0';
	d->curlerr[0] = '\0';
	curl_easy_reset(d->curl);
	if ((ret = docker_curl_setup(d, d->curl, base, sizeof(base))) != 0)
		return ret;
	sbuf_add(&url, base);
	sbuf_add(&url, r->path);
	/* "Expect:" off: the daemon answers at once, no 100 round trip. */
	if ((nl = curl_slist_append(hl, "Expect:")) != NULL)
		hl = nl;
	if (r->content_type != NULL || strcmp(r->method, "GET") != 0) {
		char	ct[128];

		/* "Content-Type:" alone stops curl's form-urlencoded default
		 * on body-less POSTs. */
		(void)snprintf(ct, sizeof(ct), "Content-Type:%s%s",
		    r->content_type != NULL ? " " : "",
		    r->content_type != NULL ? r->content_type : "");
		if ((nl = curl_slist_append(hl, ct)) != NULL)
			hl = nl;
		else
			url.err = DOCKER_ERR_NOMEM;
	}
	if (r->extra_header != NULL) {
		if ((nl = curl_slist_append(hl, r->extra_header)) != NULL)
			hl = nl;
		else
			url.err = DOCKER_ERR_NOMEM;
	}
	if (url.err != 0 || hl == NULL) {
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
		goto out;
	}
	(void)curl_easy_setopt(d->curl, CURLOPT_URL, url.p);
	(void)curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hl);
	(void)curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, r->method);
	if (strcmp(r->method, "GET") == 0)
		(void)curl_easy_setopt(d->curl, CURLOPT_HTTPGET, 1L);
	else if (r->src != NULL) {
		(void)curl_easy_setopt(d->curl, CURLOPT_UPLOAD, 1L);
		(void)curl_easy_setopt(d->curl, CURLOPT_READFUNCTION,
		    xfer_read);
		(void)curl_easy_setopt(d->curl, CURLOPT_READDATA, &x);
		(void)curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST,
		    r->method);
	} else {
		(void)curl_easy_setopt(d->curl, CURLOPT_POST, 1L);
		(void)curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS,
		    r->body != NULL ? (const char *)r->body : "");
		(void)curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(r->body != NULL ? r->body_len : 0));
	}
	(void)curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, xfer_write);
	(void)curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &x);
	(void)curl_easy_setopt(d->curl, CURLOPT_HEADERFUNCTION, xfer_header);
	(void)curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, &x);
	(void)curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	(void)curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION,
	    xfer_progress);
	(void)curl_easy_setopt(d->curl, CURLOPT_XFERINFODATA, &x);
	tmo = r->timeout_ms != 0 ? r->timeout_ms :
	    (r->stream ? 0 : d->request_ms);
	(void)curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, tmo);

	cc = curl_easy_perform(d->curl);
	d->status = (int)x.status;
	if (x.err != 0) {
		ret = x.err;
		goto out;
	}
	if (x.stopped) {
		ret = 0;
		goto out;
	}
	if (cc != CURLE_OK) {
		const char *why = d->curlerr[0] != '\0' ? d->curlerr :
		    curl_easy_strerror(cc);

		if (cc == CURLE_OPERATION_TIMEDOUT) {
			ret = docker_seterr(d, DOCKER_ERR_TIMEOUT,
			    "%s %s: timed out: %s", r->method, r->path, why);
		} else if (x.status != 0 && (cc == CURLE_PARTIAL_FILE ||
		    cc == CURLE_RECV_ERROR || cc == CURLE_GOT_NOTHING)) {
			ret = docker_seterr(d, DOCKER_ERR_CONNECT,
			    "%s %s: connection closed mid-stream: %s",
			    r->method, r->path, why);
		} else {
			ret = docker_seterr(d, DOCKER_ERR_CONNECT,
			    "%s %s: %s%s%s", r->method, r->path, why,
			    d->host.kind == DOCKER_HOST_UNIX ? " at " : "",
			    d->host.kind == DOCKER_HOST_UNIX ?
			    d->host.path : "");
		}
		goto out;
	}
	if (x.status < 200 || x.status >= 300) {
		docker_error_body(d, x.buf, x.len);
		ret = DOCKER_ERR_DAEMON;
		goto out;
	}
	switch (r->sink) {
	case SINK_JSON:
		if (x.len == 0 || (r->json = cJSON_ParseWithLength(x.buf,
		    x.len)) == NULL) {
			ret = docker_seterr(d, DOCKER_ERR_MALFORMED,
			    "%s %s: malformed JSON body (%zu bytes)",
			    r->method, r->path, x.len);
			goto out;
		}
		break;
	case SINK_TEXT:
		if (x.buf == NULL && (x.buf = strdup("")) == NULL) {
			ret = docker_seterr(d, DOCKER_ERR_NOMEM,
			    "out of memory");
			goto out;
		}
		r->text = x.buf;
		x.buf = NULL;
		break;
	case SINK_LINES:
		if (x.len > 0 && xfer_line(&x, x.buf, x.len) != 0 &&
		    x.err != 0) {
			ret = x.err;
			goto out;
		}
		break;
	case SINK_DEMUX:
		if (docker_demux_finish(r->demux) != 0) {
			ret = docker_seterr(d, DOCKER_ERR_MALFORMED,
			    "multiplexed stream ends inside a frame");
			goto out;
		}
		break;
	default:
		break;
	}
	ret = 0;
out:
	/* The auth header carries a secret: wipe curl's copy. */
	for (nl = hl; nl != NULL; nl = nl->next) {
		if (strncasecmp(nl->data, "X-Registry-Auth:", 16) == 0)
			memset(nl->data, 0, strlen(nl->data));
	}
	curl_slist_free_all(hl);
	sbuf_free(&url);
	free(x.buf);
	return ret;
}

/* ---- API version ------------------------------------------------------- */

/* "1.41" -> 1041; -1 if not "major.minor". */
static int
api_num(const char *s)
{
	char	*end;
	long	 ma, mi;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	ma = strtol(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]) || ma > 99)
		return -1;
	mi = strtol(end + 1, &end, 10);
	if (*end != '\0' || mi > 999)
		return -1;
	return (int)(ma * 1000 + mi);
}

int
docker_set_api_version(struct docker *d, const char *version)
{
	int	v;

	docker_begin(d);
	if (version == NULL) {
		d->api[0] = '\0';
		d->api_forced = 0;
		return 0;
	}
	if ((v = api_num(version)) < 0)
		return docker_seterr(d, DOCKER_ERR_INVAL,
		    "bad API version \"%.20s\"", version);
	(void)snprintf(d->api, sizeof(d->api), "%d.%d", v / 1000, v % 1000);
	d->api_forced = 1;
	return 0;
}

const char *
docker_api_version(struct docker *d)
{
	return d->api[0] != '\0' ? d->api : NULL;
}

int
docker_negotiate(struct docker *d)
{
	struct docker_req	 r;
	const char		*s;
	char			 ping_api[16];
	int			 ret, dmax, dmin, lmax, lmin, use;

	docker_begin(d);
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.path = "/_ping";
	r.sink = SINK_DISCARD;
	if ((ret = docker_request(d, &r)) != 0)
		return ret;
	memcpy(ping_api, r.api_header, sizeof(ping_api));

	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.path = "/version";
	r.sink = SINK_JSON;
	if ((ret = docker_request(d, &r)) != 0)
		return ret;
	s = docker_json_str(r.json, "ApiVersion");
	dmax = api_num(s != NULL ? s : ping_api);
	s = docker_json_str(r.json, "MinAPIVersion");
	dmin = s != NULL ? api_num(s) : 1012;	/* older daemons: 1.12 */
	cJSON_Delete(r.json);
	if (dmax < 0 || dmin < 0)
		return docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "/version has no usable ApiVersion/MinAPIVersion");
	lmax = api_num(DOCKER_API_MAX);
	lmin = api_num(DOCKER_API_MIN);
	use = dmax < lmax ? dmax : lmax;
	if (use < dmin)
		use = dmin;	/* the daemon raised its minimum past ours */
	if (use < lmin || use > dmax)
		return docker_seterr(d, DOCKER_ERR_VERSION,
		    "daemon speaks API %d.%d to %d.%d, this client %s to %s",
		    dmin / 1000, dmin % 1000, dmax / 1000, dmax % 1000,
		    DOCKER_API_MIN, DOCKER_API_MAX);
	(void)snprintf(d->api, sizeof(d->api), "%d.%d", use / 1000,
	    use % 1000);
	return 0;
}

int
docker_ready(struct docker *d)
{
	int	r;

	docker_begin(d);
	if (d->api[0] != '\0')
		return 0;
	if ((r = docker_negotiate(d)) != 0)
		return r;
	docker_begin(d);
	return 0;
}
