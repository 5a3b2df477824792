/*
 * ws.c: the WebSocket transport (spec §3; remoting Engine.runWebSocket,
 * Jenkins WebSocketAgents; RFC 6455).
 *
 * libcurl (CURLOPT_CONNECT_ONLY) makes the connection, including TLS
 * for wss: and a CONNECT tunnel through http_proxy/https_proxy; bytes
 * then move with curl_easy_send/curl_easy_recv.  For plain ws: with no
 * proxy variable set, a plain TCP socket does instead (libcurl is then
 * never loaded, see agent/lazy.h and discovery_plain_url).  The upgrade
 * request and
 * response are written/parsed here; wslay's event API frames messages,
 * answers pings and sends the close frame.  Bytes that arrived behind
 * the 101 response are replayed to wslay before the socket is read.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "agent/discovery.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "agent/netutil.h"
#include "agent/rnd.h"
#include "agent/ws.h"

#define WS_HANDSHAKE_TIMEOUT_MS	30000
#define WS_SEND_TIMEOUT_MS	30000
#define WS_RESPONSE_MAX		16384
#define WS_MSG_MAX		65536
#define WS_PONG_TIMEOUT_MS	(3 * WS_PING_INTERVAL_MS)

struct ws {
	struct transport	 t;	/* first: the channel sees only this */
	CURL			*curl;	/* NULL: plain socket fd */
	curl_socket_t		 fd;
	wslay_event_context_ptr	 ctx;
	uint8_t			*in;	/* received payload bytes */
	size_t			 inoff, inlen, incap;
	uint8_t			*raw;	/* bytes read behind the 101 response */
	size_t			 rawoff, rawlen;
	int			 eof;	/* the TCP/TLS stream ended */
	int			 ioerr;
	long long		 last_ping, last_rx;
};

void
ws_accept_key(const char *key, char *out)
{
	static const char	 guid[] =
	    "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char		 md[SHA_DIGEST_LENGTH];
	char			 buf[128], *b;

	snprintf(buf, sizeof(buf), "%s%s", key, guid);
	SHA1((const unsigned char *)buf, strlen(buf), md);
	b = jnlp4_b64_encode(md, sizeof(md));
	snprintf(out, 29, "%s", b != NULL ? b : "");
	free(b);
}

/* ---- connection I/O: libcurl's, or the plain socket's ----------------- */

/*
 * One non-blocking read: 0 with *n bytes (0: the peer closed), 1 when
 * nothing is there yet, -1 on error (*why).
 */
static int
ws_io_recv(struct ws *w, void *buf, size_t len, size_t *n, const char **why)
{
	CURLcode	 cr;
	ssize_t		 r;

	*n = 0;
	if (w->curl != NULL) {
		cr = curl_easy_recv(w->curl, buf, len, n);
		if (cr == CURLE_AGAIN)
			return 1;
		if (cr != CURLE_OK) {
			*why = curl_easy_strerror(cr);
			return -1;
		}
		return 0;
	}
	while ((r = recv(w->fd, buf, len, MSG_DONTWAIT)) == -1 &&
	    errno == EINTR)
		;
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		*why = strerror(errno);
		return -1;
	}
	*n = (size_t)r;
	return 0;
}

/* One non-blocking write: 0 with *n bytes sent, 1 would block, -1 error. */
static int
ws_io_send(struct ws *w, const void *buf, size_t len, size_t *n,
    const char **why)
{
	CURLcode	 cr;
	ssize_t		 r;

	*n = 0;
	if (w->curl != NULL) {
		cr = curl_easy_send(w->curl, buf, len, n);
		if (cr == CURLE_AGAIN || (cr == CURLE_OK && *n == 0))
			return 1;
		if (cr != CURLE_OK) {
			*why = curl_easy_strerror(cr);
			return -1;
		}
		return 0;
	}
	while ((r = send(w->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)) ==
	    -1 && errno == EINTR)
		;
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		*why = strerror(errno);
		return -1;
	}
	if (r == 0)
		return 1;
	*n = (size_t)r;
	return 0;
}

/* ---- wslay callbacks ------------------------------------------------- */

static ssize_t
ws_cb_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct ws	*w = arg;
	size_t		 n;
	const char	*why = "";
	int		 r;

	if (w->rawoff < w->rawlen) {
		n = w->rawlen - w->rawoff;
		if (n > len)
			n = len;
		memcpy(buf, w->raw + w->rawoff, n);
		w->rawoff += n;
		w->last_rx = net_now_ms();
		return (ssize_t)n;
	}
	r = ws_io_recv(w, buf, len, &n, &why);
	if (r == 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (r != 0) {
		snprintf(w->t.err, sizeof(w->t.err), "WebSocket read: %s",
		    why);
		w->ioerr = 1;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	if (n == 0) {
		w->eof = 1;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	w->last_rx = net_now_ms();
	return (ssize_t)n;
}

static ssize_t
ws_cb_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct ws	*w = arg;
	size_t		 n = 0;
	const char	*why = "";
	int		 r;

	r = ws_io_send(w, data, len, &n, &why);
	if (r == 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (r != 0) {
		snprintf(w->t.err, sizeof(w->t.err), "WebSocket write: %s",
		    why);
		w->ioerr = 1;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)n;
}

static int
ws_cb_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
    void *arg)
{
	if (rnd_bytes(buf, len) != 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

static void
ws_cb_msg(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *a, void *arg)
{
	struct ws	*w = arg;
	uint8_t		*nb;
	size_t		 need, ncap;

	if (a->opcode == WSLAY_TEXT_FRAME) {
		log_debug("ignoring a WebSocket text message (%zu bytes)",
		    a->msg_length);
		return;
	}
	if (a->opcode != WSLAY_BINARY_FRAME)
		return;	/* ping/pong/close: wslay answers */
	if (w->inoff > 0 && w->inoff == w->inlen)
		w->inoff = w->inlen = 0;
	need = w->inlen + a->msg_length;
	if (need > w->incap) {
		if (w->inoff > 0) {
			memmove(w->in, w->in + w->inoff, w->inlen - w->inoff);
			w->inlen -= w->inoff;
			w->inoff = 0;
			need = w->inlen + a->msg_length;
		}
		if (need > w->incap) {
			ncap = w->incap ? w->incap : 16384;
			while (ncap < need)
				ncap *= 2;
			if ((nb = realloc(w->in, ncap)) == NULL) {
				snprintf(w->t.err, sizeof(w->t.err),
				    "out of memory");
				w->ioerr = 1;
				wslay_event_set_error(ctx,
				    WSLAY_ERR_CALLBACK_FAILURE);
				return;
			}
			w->in = nb;
			w->incap = ncap;
		}
	}
	memcpy(w->in + w->inlen, a->msg, a->msg_length);
	w->inlen += a->msg_length;
}

/* Write what wslay has queued; wait up to deadline.  0 or -1 (t->err). */
static int
ws_flush(struct ws *w, long long deadline)
{
	int	 r;

	while (wslay_event_want_write(w->ctx)) {
		if ((r = wslay_event_send(w->ctx)) != 0) {
			if (!w->ioerr)
				snprintf(w->t.err, sizeof(w->t.err),
				    "WebSocket send failed (%d)", r);
			return -1;
		}
		if (!wslay_event_want_write(w->ctx))
			break;
		if ((r = net_wait(w->fd, POLLOUT, deadline, NULL)) != 1) {
			snprintf(w->t.err, sizeof(w->t.err), "WebSocket write "
			    "%s", r == 0 ? "timed out" : "failed");
			return -1;
		}
	}
	return 0;
}

/* ---- transport ops --------------------------------------------------- */

static int
ws_op_fd(struct transport *t)
{
	return (int)((struct ws *)t)->fd;
}

static size_t
ws_op_pending(struct transport *t)
{
	struct ws	*w = (struct ws *)t;

	return (w->inlen - w->inoff) + (w->rawlen - w->rawoff);
}

static ssize_t
ws_op_recv(struct transport *t, uint8_t *p, size_t n)
{
	struct ws	*w = (struct ws *)t;
	size_t		 avail;
	int		 r;

	if (w->inoff == w->inlen && !w->eof &&
	    wslay_event_get_read_enabled(w->ctx)) {
		/* Drains the socket (and curl's TLS buffer) until EAGAIN. */
		r = wslay_event_recv(w->ctx);
		if (r != 0 && !w->eof) {
			if (!w->ioerr)
				snprintf(t->err, sizeof(t->err), "WebSocket "
				    "protocol error (%d)", r);
			errno = EIO;
			return -1;
		}
		/* Pongs and close replies wslay queued. */
		if (wslay_event_want_write(w->ctx) &&
		    ws_flush(w, net_now_ms() + WS_SEND_TIMEOUT_MS) != 0) {
			errno = EIO;
			return -1;
		}
	}
	avail = w->inlen - w->inoff;
	if (avail > 0) {
		if (n > avail)
			n = avail;
		memcpy(p, w->in + w->inoff, n);
		w->inoff += n;
		return (ssize_t)n;
	}
	if (w->eof || wslay_event_get_close_received(w->ctx) ||
	    !wslay_event_get_read_enabled(w->ctx))
		return 0;
	errno = EAGAIN;
	return -1;
}

static int
ws_op_send(struct transport *t, const uint8_t *p, size_t n)
{
	struct ws			*w = (struct ws *)t;
	struct wslay_event_msg		 m;
	size_t				 len;
	int				 r;

	while (n > 0) {
		if (n < 2) {
			snprintf(t->err, sizeof(t->err), "send: incomplete "
			    "chunk header");
			return -1;
		}
		len = 2 + ((size_t)(p[0] & 0x7f) << 8 | p[1]);
		if (len > n) {
			snprintf(t->err, sizeof(t->err), "send: incomplete "
			    "chunk");
			return -1;
		}
		m.opcode = WSLAY_BINARY_FRAME;
		m.msg = p;
		m.msg_length = len;
		if ((r = wslay_event_queue_msg(w->ctx, &m)) != 0) {
			snprintf(t->err, sizeof(t->err), "WebSocket queue "
			    "failed (%d)", r);
			return -1;
		}
		p += len;
		n -= len;
	}
	return ws_flush(w, net_now_ms() + WS_SEND_TIMEOUT_MS);
}

static int
ws_op_tick(struct transport *t)
{
	struct ws		*w = (struct ws *)t;
	struct wslay_event_msg	 m;
	long long		 now = net_now_ms();

	if (now - w->last_rx > WS_PONG_TIMEOUT_MS) {
		snprintf(t->err, sizeof(t->err), "WebSocket: nothing received "
		    "for %d s", WS_PONG_TIMEOUT_MS / 1000);
		return -1;
	}
	if (now - w->last_ping < WS_PING_INTERVAL_MS)
		return 0;
	w->last_ping = now;
	m.opcode = WSLAY_PING;
	m.msg = NULL;
	m.msg_length = 0;
	if (wslay_event_queue_msg(w->ctx, &m) != 0) {
		snprintf(t->err, sizeof(t->err), "WebSocket ping failed");
		return -1;
	}
	return ws_flush(w, now + WS_SEND_TIMEOUT_MS);
}

static void
ws_free(struct ws *w)
{
	if (w == NULL)
		return;
	if (w->ctx != NULL)
		wslay_event_context_free(w->ctx);
	if (w->curl != NULL)
		curl_easy_cleanup(w->curl);	/* closes fd */
	else if (w->fd != CURL_SOCKET_BAD)
		close(w->fd);
	free(w->in);
	free(w->raw);
	free(w);
}

static void
ws_op_close(struct transport *t)
{
	struct ws	*w = (struct ws *)t;

	if (w == NULL)
		return;
	if (w->ctx != NULL && !w->eof && !w->ioerr &&
	    !wslay_event_get_close_sent(w->ctx)) {
		(void)wslay_event_queue_close(w->ctx,
		    WSLAY_CODE_NORMAL_CLOSURE, NULL, 0);
		(void)ws_flush(w, net_now_ms() + 1000);
	}
	ws_free(w);
}

static const struct transport_ops ws_ops = {
	.fd = ws_op_fd,
	.pending = ws_op_pending,
	.recv = ws_op_recv,
	.send = ws_op_send,
	.tick = ws_op_tick,
	.close = ws_op_close,
};

/* ---- the upgrade ----------------------------------------------------- */

/* TCP keepalive as libcurl's CURLOPT_TCP_KEEPALIVE sets it (60 s, 60 s). */
static void
ws_keepalive(int fd)
{
	int	 one = 1, secs = 60;

	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
#ifdef TCP_KEEPIDLE
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof(secs));
#endif
#ifdef TCP_KEEPINTVL
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof(secs));
#endif
}

static int
ws_send_all(struct ws *w, const char *p, size_t n, long long deadline,
    volatile int *stop, char *err, size_t errlen)
{
	size_t		 sent;
	const char	*why = "";
	int		 r;

	while (n > 0) {
		r = ws_io_send(w, p, n, &sent, &why);
		if (r == 0) {
			p += sent;
			n -= sent;
			continue;
		}
		if (r == -1) {
			net_seterr(err, errlen, "sending the upgrade: %s", why);
			return -1;
		}
		if ((r = net_wait(w->fd, POLLOUT, deadline, stop)) != 1) {
			net_seterr(err, errlen, "sending the upgrade: %s",
			    r == -2 ? "stopped" : "timed out");
			return r == -2 ? -2 : -1;
		}
	}
	return 0;
}

/*
 * Read until the end of the response head (or, with want_head 0, until
 * n bytes, EOF or the deadline).  Returns bytes in buf, -1, -2 stopped.
 */
static ssize_t
ws_read_head(struct ws *w, char *buf, size_t cap, size_t have, int want_head,
    long long deadline, volatile int *stop, char *err, size_t errlen)
{
	size_t		 n;
	const char	*why = "";
	int		 r, io;

	while (have < cap) {
		if (want_head && have >= 4 &&
		    memmem(buf, have, "\r\n\r\n", 4) != NULL)
			return (ssize_t)have;
		io = ws_io_recv(w, buf + have, cap - have, &n, &why);
		if (io == 0 && n == 0) {
			if (want_head) {
				net_seterr(err, errlen, "connection closed "
				    "during the WebSocket upgrade");
				return -1;
			}
			return (ssize_t)have;
		}
		if (io == 0) {
			have += n;
			continue;
		}
		if (io == -1) {
			if (!want_head)
				return (ssize_t)have;
			net_seterr(err, errlen, "reading the upgrade response: "
			    "%s", why);
			return -1;
		}
		if ((r = net_wait(w->fd, POLLIN, deadline, stop)) != 1) {
			if (!want_head && r == 0)
				return (ssize_t)have;
			net_seterr(err, errlen, "reading the upgrade response: "
			    "%s", r == -2 ? "stopped" : "timed out");
			return r == -2 ? -2 : -1;
		}
	}
	if (want_head && memmem(buf, have, "\r\n\r\n", 4) != NULL)
		return (ssize_t)have;
	if (want_head) {
		net_seterr(err, errlen, "WebSocket upgrade response too long");
		return -1;
	}
	return (ssize_t)have;
}

/* Find header name (case-insensitive) in head; copy its trimmed value. */
static int
ws_header(const char *head, const char *name, char *val, size_t vallen)
{
	const char	*p = strstr(head, "\r\n"), *e, *v;
	size_t		 nl = strlen(name), n, i;

	while (p != NULL && p[2] != '\r' && p[2] != '\0') {
		p += 2;
		e = strstr(p, "\r\n");
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nl && p[nl] == ':' &&
		    strncasecmp(p, name, nl) == 0) {
			v = p + nl + 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			n = (size_t)(e - v);
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n >= vallen)
				n = vallen - 1;
			for (i = 0; i < n; i++)
				val[i] = (unsigned char)v[i] < 0x20 ? '?' :
				    v[i];
			val[n] = '\0';
			return 0;
		}
		p = *e != '\0' ? e : NULL;
	}
	return -1;
}

/* Compose "<scheme>://host[:port]/path/wsagents/" pieces from the URL. */
static int
ws_url_parts(const char *url, char *curl_url_out, size_t culen,
    char *hosthdr, size_t hhlen, char *path, size_t plen)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *p = NULL;
	int	 r = -1;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (port != NULL)
		snprintf(hosthdr, hhlen, "%s:%s", host, port);
	else
		snprintf(hosthdr, hhlen, "%s", host);
	if ((size_t)snprintf(path, plen, "%s%swsagents/", p,
	    p[strlen(p) - 1] == '/' ? "" : "/") >= plen)
		goto out;
	if ((size_t)snprintf(curl_url_out, culen, "%s://%s%s", scheme, hosthdr,
	    path) >= culen)
		goto out;
	r = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return r;
}

/* Build the upgrade request into a malloc'ed string (caller bzero+frees). */
static char *
ws_request(const struct agent_conf *conf, const char *path,
    const char *hosthdr, const char *key, const char *cookie)
{
	char	*cap, *req = NULL, *extra = NULL, *auth = NULL, *tmp, *eq;
	size_t	 elen = 0, n;
	int	 i;

	if ((cap = jnlp4_capability_encode(JNAGENT_CAPABILITY)) == NULL)
		return NULL;
	/* -credentials: Basic auth, for a controller behind an auth proxy */
	if (conf->credentials != NULL &&
	    (auth = discovery_auth_header(conf->credentials)) == NULL)
		goto out;
	if ((extra = strdup("")) == NULL)
		goto out;
	for (i = 0; i < conf->nws_headers; i++) {
		eq = strchr(conf->ws_headers[i], '=');
		n = strlen(conf->ws_headers[i]) + 4;
		if ((tmp = realloc(extra, elen + n + 1)) == NULL)
			goto out;
		extra = tmp;
		elen += (size_t)snprintf(extra + elen, n + 1, "%.*s: %s\r\n",
		    (int)(eq - conf->ws_headers[i]), conf->ws_headers[i],
		    eq + 1);
	}
	if (asprintf(&req,
	    "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "User-Agent: jnagent/" PACKAGE_VERSION "\r\n"
	    "Node-Name: %s\r\n"
	    "Secret-Key: %s\r\n"
	    "X-Remoting-Capability: %s\r\n"
	    "%s%s%s"
	    "%s%s"
	    "\r\n", path, hosthdr, key, conf->name, conf->secret, cap,
	    cookie != NULL && *cookie ? "Connection-Cookie: " : "",
	    cookie != NULL && *cookie ? cookie : "",
	    cookie != NULL && *cookie ? "\r\n" : "",
	    auth != NULL ? auth : "", extra) == -1)
		req = NULL;
out:
	free(cap);
	free(extra);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	return req;
}

static void
ws_sanitize(char *dst, size_t dstlen, const char *p, size_t n)
{
	size_t	 i, o = 0;

	for (i = 0; i < n && o + 1 < dstlen; i++)
		dst[o++] = (unsigned char)p[i] >= 0x20 &&
		    (unsigned char)p[i] < 0x7f ? p[i] : '?';
	dst[o] = '\0';
}

struct transport *
ws_connect(const struct agent_conf *conf, const char *cookie,
    volatile int *stop, enum jnlp4_status *status, char *err, size_t errlen)
{
	struct wslay_event_callbacks	 cb = {
		.recv_callback = ws_cb_recv,
		.send_callback = ws_cb_send,
		.genmask_callback = ws_cb_genmask,
		.on_msg_recv_callback = ws_cb_msg,
	};
	struct discovery_url pu;
	struct ws	*w;
	char		 curlurl[4096], hosthdr[512], path[3072], key[32];
	char		 accept[29], val[256], line[160], statustext[64];
	char		*head = NULL, *req = NULL, *body, *eol;
	uint8_t		 nonce[16];
	CURLcode	 cr;
	curl_socket_t	 fd;
	long long	 deadline;
	ssize_t		 got;
	size_t		 headlen, bodylen;
	int		 code, r;
	char		*k;

	*status = JNLP4_FAILED;
	err[0] = '\0';
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		net_seterr(err, errlen, "out of memory");
		return NULL;
	}
	w->t.ops = &ws_ops;
	w->t.name = "WebSocket";
	w->fd = CURL_SOCKET_BAD;
	if (discovery_plain_url(conf->urls[0], &pu) == 0) {
		/* Plain ws: without a proxy: our own socket, no libcurl. */
		snprintf(hosthdr, sizeof(hosthdr), "%s", pu.hostport);
		if ((size_t)snprintf(path, sizeof(path), "%s%swsagents/",
		    pu.path, pu.path[strlen(pu.path) - 1] == '/' ? "" : "/") >=
		    sizeof(path)) {
			net_seterr(err, errlen, "-url too long");
			goto fail;
		}
		snprintf(curlurl, sizeof(curlurl), "http://%s%s", hosthdr,
		    path);
		log_info("connecting to %.200s", curlurl);
		if ((r = discovery_tcp_connect(pu.host, pu.port,
		    net_now_ms() + WS_HANDSHAKE_TIMEOUT_MS, stop, val,
		    sizeof(val))) < 0) {
			net_seterr(err, errlen, "%.200s: %s", curlurl, val);
			if (r == -2)
				*status = JNLP4_STOPPED;
			goto fail;
		}
		w->fd = r;
		if (!conf->no_keepalive)
			ws_keepalive(w->fd);
	} else {
		if (ws_url_parts(conf->urls[0], curlurl, sizeof(curlurl),
		    hosthdr, sizeof(hosthdr), path, sizeof(path)) != 0) {
			net_seterr(err, errlen, "cannot parse -url %.200s",
			    conf->urls[0]);
			goto fail;
		}
		discovery_curl_init();
		if ((w->curl = curl_easy_init()) == NULL) {
			net_seterr(err, errlen, "curl_easy_init failed");
			goto fail;
		}
		discovery_curl_setup(w->curl, conf, 0, 0, stop);
		curl_easy_setopt(w->curl, CURLOPT_URL, curlurl);
		curl_easy_setopt(w->curl, CURLOPT_CONNECT_ONLY, 1L);
		curl_easy_setopt(w->curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
		curl_easy_setopt(w->curl, CURLOPT_HTTP_VERSION,
		    (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPALIVE,
		    conf->no_keepalive ? 0L : 1L);
		log_info("connecting to %.200s", curlurl);
		if ((cr = curl_easy_perform(w->curl)) != CURLE_OK) {
			net_seterr(err, errlen, "%.200s: %s", curlurl,
			    cr == CURLE_ABORTED_BY_CALLBACK ? "stopped" :
			    curl_easy_strerror(cr));
			if (cr == CURLE_ABORTED_BY_CALLBACK)
				*status = JNLP4_STOPPED;
			goto fail;
		}
		if (curl_easy_getinfo(w->curl, CURLINFO_ACTIVESOCKET, &fd) !=
		    CURLE_OK || fd == CURL_SOCKET_BAD) {
			net_seterr(err, errlen, "no socket from libcurl");
			goto fail;
		}
		w->fd = fd;
	}

	if (rnd_bytes(nonce, sizeof(nonce)) != 0 ||
	    (k = jnlp4_b64_encode(nonce, sizeof(nonce))) == NULL) {
		net_seterr(err, errlen, "no random key");
		goto fail;
	}
	snprintf(key, sizeof(key), "%s", k);
	free(k);
	if ((req = ws_request(conf, path, hosthdr, key, cookie)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		goto fail;
	}
	deadline = net_now_ms() + WS_HANDSHAKE_TIMEOUT_MS;
	r = ws_send_all(w, req, strlen(req), deadline, stop, err, errlen);
	explicit_bzero(req, strlen(req));
	free(req);
	req = NULL;
	if (r != 0) {
		if (r == -2)
			*status = JNLP4_STOPPED;
		goto fail;
	}
	if ((head = malloc(WS_RESPONSE_MAX + 1)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		goto fail;
	}
	if ((got = ws_read_head(w, head, WS_RESPONSE_MAX, 0, 1, deadline,
	    stop, err, errlen)) < 0) {
		if (got == -2)
			*status = JNLP4_STOPPED;
		goto fail;
	}
	head[got] = '\0';
	body = memmem(head, (size_t)got, "\r\n\r\n", 4) + 4;
	headlen = (size_t)(body - head);
	bodylen = (size_t)got - headlen;
	body[-2] = '\0';	/* head ends with one "\r\n" */
	statustext[0] = '\0';
	if (sscanf(head, "HTTP/1.%*c %3d %63[^\r\n]", &code, statustext) < 1) {
		ws_sanitize(line, sizeof(line), head, strcspn(head, "\r\n"));
		net_seterr(err, errlen, "not an HTTP response: %.100s", line);
		goto fail;
	}
	if (code != 101) {
		/* Collect a little of the body for the message. */
		size_t cap = WS_RESPONSE_MAX - headlen;
		if (ws_header(head, "Content-Length", val, sizeof(val)) == 0 &&
		    strtoul(val, NULL, 10) < cap)
			cap = strtoul(val, NULL, 10);
		if (bodylen > cap)
			bodylen = cap;
		got = ws_read_head(w, body, cap, bodylen, 0,
		    net_now_ms() + 2000, stop, line, sizeof(line));
		bodylen = got > 0 ? (size_t)got : 0;
		while (bodylen > 0 && isspace((unsigned char)*body)) {
			body++;
			bodylen--;
		}
		eol = memchr(body, '\n', bodylen);
		ws_sanitize(line, sizeof(line), body, eol != NULL ?
		    (size_t)(eol - body) : bodylen);
		if (strlen(line) > 150)
			line[150] = '\0';
		ws_sanitize(val, sizeof(val), statustext, strlen(statustext));
		net_seterr(err, errlen, "WebSocket upgrade refused: HTTP %d%s%s"
		    "%s%s", code, val[0] ? " " : "", val, line[0] ? ": " : "",
		    line);
		*status = code >= 400 && code < 500 ? JNLP4_REFUSED :
		    JNLP4_FAILED;
		goto fail;
	}
	ws_accept_key(key, accept);
	if (ws_header(head, "Sec-WebSocket-Accept", val, sizeof(val)) != 0 ||
	    strcmp(val, accept) != 0) {
		net_seterr(err, errlen, "WebSocket upgrade: bad or missing "
		    "Sec-WebSocket-Accept");
		goto fail;
	}
	if (ws_header(head, "X-Remoting-Capability", val, sizeof(val)) != 0 ||
	    jnlp4_capability_decode(val, strlen(val),
	    &w->t.peer_capability) != 0) {
		net_seterr(err, errlen, "WebSocket upgrade: missing or "
		    "unreadable X-Remoting-Capability");
		goto fail;
	}
	if (ws_header(head, "Connection-Cookie", val, sizeof(val)) == 0) {
		size_t i, n = strlen(val);
		for (i = 0; i < n; i++)
			if (!isxdigit((unsigned char)val[i]))
				break;
		if (i == n && n <= 64)
			memcpy(w->t.cookie, val, n + 1);
		else
			log_info("ignoring a malformed Connection-Cookie");
	}
	if (ws_header(head, "X-Remoting-Minimum-Version", val,
	    sizeof(val)) == 0 && val[0] != '\0')
		discovery_check_min_version(val);
	if (bodylen > 0) {
		if ((w->raw = malloc(bodylen)) == NULL) {
			net_seterr(err, errlen, "out of memory");
			goto fail;
		}
		memcpy(w->raw, body, bodylen);
		w->rawlen = bodylen;
	}
	free(head);
	head = NULL;

	if (wslay_event_context_client_init(&w->ctx, &cb, w) != 0) {
		net_seterr(err, errlen, "out of memory");
		goto fail;
	}
	wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MSG_MAX);
	w->last_ping = w->last_rx = net_now_ms();
	log_debug("WebSocket connected, controller capability 0x%llx",
	    (unsigned long long)w->t.peer_capability);
	*status = JNLP4_OK;
	return &w->t;
fail:
	if (head != NULL) {
		explicit_bzero(head, WS_RESPONSE_MAX + 1);
		free(head);
	}
	ws_free(w);
	return NULL;
}
