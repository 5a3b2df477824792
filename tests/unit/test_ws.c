/*
 * test_ws.c: the WebSocket transport of agent/ws.c against a small
 * in-test server (plain HTTP on 127.0.0.1, frames written and parsed
 * here per RFC 6455): upgrade request headers, 101 validation, refusals
 * with status and body, one chunk per binary message, pings answered,
 * text ignored, close.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "agent/agent.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "agent/ws.h"
#include "tests/unit/tap.h"

#define SECRET	"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define COOKIE	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define CAP_1FE	"rO0ABXNyABpodWRzb24ucmVtb3RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAf4="

enum ws_mode { WS_OK, WS_REFUSE, WS_BAD_ACCEPT };

struct wsrv {
	int		 lfd, port;
	enum ws_mode	 mode;
	pthread_t	 th;
	char		 req[4096];
	/* frames the agent sent: opcode and payload */
	int		 nframes;
	int		 opcodes[16];
	uint8_t		 payload[16][64];
	size_t		 plen[16];
	int		 got_close;
	int		 tls;		/* serve HTTPS/wss */
	SSL		*ssl;
};

static EVP_PKEY	*srv_key;
static X509	*srv_cert;
static char	*srv_cert_pem;

static ssize_t
io_read(struct wsrv *s, int fd, void *p, size_t n)
{
	int	 r;

	if (s->ssl == NULL)
		return read(fd, p, n);
	r = SSL_read(s->ssl, p, (int)n);
	return r > 0 ? r : -1;
}

static void
io_write(struct wsrv *s, int fd, const void *p, size_t n)
{
	if (s->ssl == NULL)
		(void)!write(fd, p, n);
	else
		(void)SSL_write(s->ssl, p, (int)n);
}

static int
read_full(struct wsrv *s, int fd, void *p, size_t n)
{
	uint8_t	*b = p;
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		if ((r = io_read(s, fd, b + got, n - got)) <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static size_t
frame(uint8_t *out, int opcode, const void *p, size_t n)
{
	out[0] = (uint8_t)(0x80 | opcode);
	out[1] = (uint8_t)n;	/* < 126 in these tests */
	memcpy(out + 2, p, n);
	return n + 2;
}

/* Read one masked client frame. */
static int
read_frame(struct wsrv *s, int fd)
{
	uint8_t	 h[2], mask[4], ext[8];
	size_t	 n, i;
	int	 k = s->nframes;

	if (read_full(s, fd, h, 2) != 0 || (h[1] & 0x80) == 0)
		return -1;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (read_full(s, fd, ext, 2) != 0)
			return -1;
		n = (size_t)ext[0] << 8 | ext[1];
	} else if (n == 127)
		return -1;
	if (read_full(s, fd, mask, 4) != 0 || n > sizeof(s->payload[0]) ||
	    k >= 16 || read_full(s, fd, s->payload[k], n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		s->payload[k][i] ^= mask[i % 4];
	s->opcodes[k] = h[0] & 0x0f;
	s->plen[k] = n;
	s->nframes++;
	return h[0] & 0x0f;
}

static void
accept_for(const char *key, char *out)
{
	char		 buf[128];
	unsigned char	 md[SHA_DIGEST_LENGTH];

	snprintf(buf, sizeof(buf), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
	    key);
	SHA1((unsigned char *)buf, strlen(buf), md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}

static void *
wsrv_main(void *arg)
{
	struct wsrv	*s = arg;
	struct pollfd	 pfd;
	SSL_CTX		*ctx = NULL;
	char		 key[64] = "", acc[64], resp[1024], *k, *e;
	uint8_t		 out[512];
	size_t		 n = 0, o;
	int		 fd, op;

	pfd.fd = s->lfd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 10000) != 1 ||
	    (fd = accept(s->lfd, NULL, NULL)) == -1)
		return NULL;		/* the client gave up before TCP */
	if (s->tls) {
		ctx = SSL_CTX_new(TLS_server_method());
		SSL_CTX_use_certificate(ctx, srv_cert);
		SSL_CTX_use_PrivateKey(ctx, srv_key);
		s->ssl = SSL_new(ctx);
		SSL_set_fd(s->ssl, fd);
		if (SSL_accept(s->ssl) != 1) {
			ERR_clear_error();
			goto out;
		}
	}
	while (n < sizeof(s->req) - 1 && strstr(s->req, "\r\n\r\n") == NULL) {
		if (io_read(s, fd, s->req + n, 1) != 1)
			goto out;
		n++;
	}
	if ((k = strstr(s->req, "Sec-WebSocket-Key: ")) != NULL &&
	    (e = strstr(k, "\r\n")) != NULL)
		snprintf(key, sizeof(key), "%.*s", (int)(e - k - 19), k + 19);
	if (s->mode == WS_REFUSE) {
		const char *body = "agent1 is already connected to this "
		    "controller. Rejecting this connection.\nmore\n";
		n = (size_t)snprintf(resp, sizeof(resp), "HTTP/1.1 400 Bad "
		    "Request\r\nContent-Type: text/plain\r\nContent-Length: "
		    "%zu\r\n\r\n%s", strlen(body), body);
		io_write(s, fd, resp, n);
		(void)io_read(s, fd, out, 1);
		goto out;
	}
	accept_for(key, acc);
	if (s->mode == WS_BAD_ACCEPT)
		acc[0] ^= 1;
	n = (size_t)snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching "
	    "Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\nX-Remoting-Capability: %s\r\n"
	    "X-Remoting-Minimum-Version: 3176.v207ec082a_8c0\r\n"
	    "Connection-Cookie: %s\r\n\r\n", acc, CAP_1FE, COOKIE);
	/* The first message rides in the same packet as the 101. */
	o = frame(out, 2, "\x00\x03one", 5);
	memcpy(resp + n, out, o);
	io_write(s, fd, resp, n + o);
	if (s->mode == WS_BAD_ACCEPT) {
		(void)io_read(s, fd, out, 1);
		goto out;
	}
	/* A ping: the agent must answer with a pong. */
	o = frame(out, 9, "pp", 2);
	io_write(s, fd, out, o);
	/* Read: pong, then two binary messages (one per chunk). */
	while (s->nframes < 3 && (op = read_frame(s, fd)) >= 0)
		;
	/* Text is ignored; binary after it arrives; then close. */
	o = frame(out, 1, "text", 4);
	o += frame(out + o, 2, "\x00\x03two", 5);
	io_write(s, fd, out, o);
	usleep(100000);
	o = frame(out, 8, "\x03\xe8", 2);
	io_write(s, fd, out, o);
	while ((op = read_frame(s, fd)) >= 0)
		if (op == 8) {
			s->got_close = 1;
			break;
		}
out:
	if (s->ssl != NULL) {
		SSL_shutdown(s->ssl);
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	close(fd);
	return NULL;
}

static void
wsrv_start_tls(struct wsrv *s, enum ws_mode mode, int tls)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->tls = tls;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(s->lfd, 4);
	getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
	s->port = ntohs(sin.sin_port);
	pthread_create(&s->th, NULL, wsrv_main, s);
}

static void
wsrv_start(struct wsrv *s, enum ws_mode mode)
{
	wsrv_start_tls(s, mode, 0);
}

static void
wsrv_join(struct wsrv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t
transport_read(struct transport *t, uint8_t *p, size_t n, int timeout_ms)
{
	struct pollfd	 pfd;
	size_t		 got = 0;
	ssize_t		 r;
	long long	 end = now_ms() + timeout_ms;

	while (got < n && now_ms() < end) {
		if (t->ops->pending(t) == 0) {
			pfd.fd = t->ops->fd(t);
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 100) <= 0)
				continue;
		}
		r = t->ops->recv(t, p + got, n - got);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0)
			return got > 0 ? (ssize_t)got : 0;
		else if (errno != EAGAIN)
			return -1;
	}
	return (ssize_t)got;
}

static void
conf_for(struct agent_conf *c, int port, char *url, size_t urllen)
{
	memset(c, 0, sizeof(*c));
	snprintf(url, urllen, "http://127.0.0.1:%d/jenkins/", port);
	c->urls[0] = url;
	c->nurls = 1;
	c->name = "agent1";
	c->secret = SECRET;
	c->ws_headers[0] = "X-Extra=v=1";
	c->nws_headers = 1;
	c->websocket = true;
}

static void
test_ok(void)
{
	struct wsrv		 s;
	struct agent_conf	 c;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 url[128], err[256];
	uint8_t			 buf[16];

	wsrv_start(&s, WS_OK);
	conf_for(&c, s.port, url, sizeof(url));
	c.credentials = "user:pa:ss";
	t = ws_connect(&c, COOKIE, NULL, &st, err, sizeof(err));
	ok(t != NULL && st == JNLP4_OK, "upgrade succeeds: %s", err);
	ok(strstr(s.req, "\r\nAuthorization: Basic dXNlcjpwYTpzcw==\r\n") !=
	    NULL, "-credentials as Basic auth on the upgrade");
	ok(strncmp(s.req, "GET /jenkins/wsagents/ HTTP/1.1\r\n", 33) == 0,
	    "request line");
	ok(strstr(s.req, "\r\nUpgrade: websocket\r\n") != NULL &&
	    strstr(s.req, "\r\nSec-WebSocket-Version: 13\r\n") != NULL &&
	    strstr(s.req, "\r\nNode-Name: agent1\r\n") != NULL &&
	    strstr(s.req, "\r\nSecret-Key: " SECRET "\r\n") != NULL &&
	    strstr(s.req, "\r\nX-Remoting-Capability: " CAP_1FE "\r\n") !=
	    NULL, "required headers");
	ok(strstr(s.req, "\r\nConnection-Cookie: " COOKIE "\r\n") != NULL &&
	    strstr(s.req, "\r\nX-Extra: v=1\r\n") != NULL,
	    "Connection-Cookie and -webSocketHeader");
	ok(strstr(s.req, "\r\nHost: 127.0.0.1:") != NULL, "Host header");
	if (t == NULL) {
		wsrv_join(&s);
		return;
	}
	ok(t->peer_capability == 0x1FE && strcmp(t->cookie, COOKIE) == 0 &&
	    strcmp(t->name, "WebSocket") == 0, "capability and cookie stored");
	ok(t->ops->pending(t) > 0, "bytes behind the 101 are pending");
	ok(transport_read(t, buf, 5, 2000) == 5 &&
	    memcmp(buf, "\x00\x03one", 5) == 0, "first message received");
	ok(t->ops->send(t, (const uint8_t *)"\x00\x02hi\x80\x01!", 7) == 0,
	    "send two chunks");
	ok(transport_read(t, buf, 5, 3000) == 5 &&
	    memcmp(buf, "\x00\x03two", 5) == 0, "text ignored, binary read");
	ok(transport_read(t, buf, 1, 3000) == 0, "close frame ends the stream");
	ok(t->ops->tick(t) == 0, "tick");
	t->ops->close(t);
	wsrv_join(&s);
	{
		int i, pong = 0, nbin = 0, order = 1;

		/* The pong may come before or after the two messages. */
		for (i = 0; i < s.nframes && i < 3; i++) {
			if (s.opcodes[i] == 10 && s.plen[i] == 2 &&
			    memcmp(s.payload[i], "pp", 2) == 0)
				pong = 1;
			else if (s.opcodes[i] == 2) {
				if (nbin == 0 && (s.plen[i] != 4 ||
				    memcmp(s.payload[i], "\x00\x02hi", 4) != 0))
					order = 0;
				if (nbin == 1 && (s.plen[i] != 3 ||
				    memcmp(s.payload[i], "\x80\x01!", 3) != 0))
					order = 0;
				nbin++;
			}
		}
		ok(pong, "ping answered with pong");
		ok(nbin == 2 && order, "one binary message per chunk");
	}
	ok(s.got_close, "close frame answered");
}

static void
test_refusals(void)
{
	struct wsrv		 s;
	struct agent_conf	 c;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 url[128], err[256];

	wsrv_start(&s, WS_REFUSE);
	conf_for(&c, s.port, url, sizeof(url));
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_REFUSED && strstr(err, "HTTP 400") &&
	    strstr(err, "already connected to this controller. Rejecting") &&
	    strstr(err, "more") == NULL, "refusal: status and first body "
	    "line: %s", err);
	ok(strstr(s.req, "Connection-Cookie") == NULL,
	    "no cookie on a first connection");
	ok(strstr(err, SECRET) == NULL, "no secret in the error");
	wsrv_join(&s);

	wsrv_start(&s, WS_BAD_ACCEPT);
	conf_for(&c, s.port, url, sizeof(url));
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "Sec-WebSocket-Accept") != NULL,
	    "bad Sec-WebSocket-Accept refused: %s", err);
	wsrv_join(&s);

	conf_for(&c, s.port, url, sizeof(url));
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_FAILED && err[0] != '\0',
	    "nothing listening: %s", err);
}

static void
make_cert(void)
{
	X509_NAME	*name;
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	BIO		*b;
	char		*pem;
	long		 n;

	srv_key = EVP_RSA_gen(2048);
	srv_cert = X509_new();
	X509_set_version(srv_cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(srv_cert), 7);
	X509_gmtime_adj(X509_getm_notBefore(srv_cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(srv_cert), 3600);
	X509_set_pubkey(srv_cert, srv_key);
	name = X509_get_subject_name(srv_cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(srv_cert, name);
	X509V3_set_ctx(&v3, srv_cert, srv_cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "IP:127.0.0.1");
	X509_add_ext(srv_cert, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    "critical,CA:TRUE");
	X509_add_ext(srv_cert, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(srv_cert, srv_key, EVP_sha256());
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, srv_cert);
	n = BIO_get_mem_data(b, &pem);
	srv_cert_pem = strndup(pem, (size_t)n);
	BIO_free(b);
}

static void
test_wss(void)
{
	struct wsrv		 s;
	struct agent_conf	 c;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 url[128], err[256];
	uint8_t			 buf[16];

	make_cert();
	wsrv_start_tls(&s, WS_OK, 1);
	conf_for(&c, s.port, url, sizeof(url));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/jenkins/", s.port);
	c.cert = srv_cert_pem;		/* -cert @file hands over PEM text */
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t != NULL, "wss: upgrade over TLS, CA from -cert: %s", err);
	if (t != NULL) {
		ok(transport_read(t, buf, 5, 2000) == 5 &&
		    memcmp(buf, "\x00\x03one", 5) == 0, "wss: message read");
		ok(t->ops->send(t, (const uint8_t *)"\x00\x02hi\x80\x01!",
		    7) == 0 && transport_read(t, buf, 5, 3000) == 5 &&
		    memcmp(buf, "\x00\x03two", 5) == 0 &&
		    transport_read(t, buf, 1, 3000) == 0,
		    "wss: send, receive, close");
		t->ops->close(t);
	}
	wsrv_join(&s);
	ok(s.got_close && s.nframes >= 3, "wss: server saw pong, messages, "
	    "close");

	wsrv_start_tls(&s, WS_OK, 1);
	conf_for(&c, s.port, url, sizeof(url));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/jenkins/", s.port);
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t == NULL && err[0] != '\0', "wss: unknown CA refused: %s", err);
	wsrv_join(&s);			/* its TLS accept failed */

	{
		char	 path[] = "/tmp/jnagent-test-caXXXXXX";
		int	 fd = mkstemp(path);

		(void)!write(fd, srv_cert_pem, strlen(srv_cert_pem));
		close(fd);
		wsrv_start_tls(&s, WS_REFUSE, 1);
		conf_for(&c, s.port, url, sizeof(url));
		snprintf(url, sizeof(url), "https://127.0.0.1:%d/jenkins/",
		    s.port);
		c.cert = path;
		t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
		ok(t == NULL && strstr(err, "HTTP 400") != NULL,
		    "wss: -cert FILE trusted: %s", err);
		wsrv_join(&s);
		unlink(path);

	}

	wsrv_start_tls(&s, WS_REFUSE, 1);
	conf_for(&c, s.port, url, sizeof(url));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/jenkins/", s.port);
	c.no_cert_check = true;
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_REFUSED && strstr(err, "HTTP 400") != NULL,
	    "wss: -noCertificateCheck connects (refusal read): %s", err);
	wsrv_join(&s);
	X509_free(srv_cert);
	EVP_PKEY_free(srv_key);
	free(srv_cert_pem);
}

static void
test_accept_key(void)
{
	char	 out[29];

	/* RFC 6455 section 1.3 example. */
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);
	ok(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0,
	    "Sec-WebSocket-Accept of the RFC example");
}

/*
 * A loopback HTTP CONNECT proxy for one connection: records the CONNECT
 * request, then relays bytes to 127.0.0.1:target (whatever host the
 * request named) until either side closes.
 */
struct cproxy {
	int		 lfd, port, target;
	char		 req[1024];
	pthread_t	 th;
};

static void *
cproxy_main(void *arg)
{
	static const char	 yes[] = "HTTP/1.1 200 Connection established"
	    "\r\n\r\n";
	struct cproxy		*x = arg;
	struct sockaddr_in	 sin;
	struct pollfd		 pfd[2];
	char			 buf[4096];
	size_t			 n = 0;
	ssize_t			 r;
	int			 fd, up, i;

	if ((fd = accept(x->lfd, NULL, NULL)) == -1)
		return NULL;
	while (n < sizeof(x->req) - 1 && strstr(x->req, "\r\n\r\n") == NULL) {
		if (read(fd, x->req + n, 1) != 1)
			break;
		n++;
	}
	up = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)x->target);
	if (strncmp(x->req, "CONNECT ", 8) != 0 ||
	    connect(up, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		close(up);
		return NULL;
	}
	(void)!write(fd, yes, sizeof(yes) - 1);
	for (;;) {
		pfd[0].fd = fd;
		pfd[1].fd = up;
		pfd[0].events = pfd[1].events = POLLIN;
		if (poll(pfd, 2, 5000) <= 0)
			break;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			if ((r = read(pfd[i].fd, buf, sizeof(buf))) <= 0)
				goto out;
			(void)!write(pfd[1 - i].fd, buf, (size_t)r);
		}
	}
out:
	close(fd);
	close(up);
	return NULL;
}

/* ws: through http_proxy: libcurl's CONNECT tunnel, -proxyCredentials. */
static void
test_proxy(void)
{
	struct cproxy		 x;
	struct wsrv		 s;
	struct agent_conf	 c;
	struct transport	*t;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	enum jnlp4_status	 st;
	char			 url[128], err[256], env[64], want[128];
	uint8_t			 buf[16];

	wsrv_start(&s, WS_OK);
	memset(&x, 0, sizeof(x));
	x.target = s.port;
	x.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(x.lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(x.lfd, 4);
	getsockname(x.lfd, (struct sockaddr *)&sin, &sl);
	x.port = ntohs(sin.sin_port);
	pthread_create(&x.th, NULL, cproxy_main, &x);

	snprintf(env, sizeof(env), "http://127.0.0.1:%d", x.port);
	setenv("http_proxy", env, 1);
	conf_for(&c, s.port, url, sizeof(url));
	/* only the proxy "resolves" this name */
	snprintf(url, sizeof(url), "http://controller.invalid:%d/jenkins/",
	    s.port);
	c.proxy_credentials = "pu:pp";
	t = ws_connect(&c, NULL, NULL, &st, err, sizeof(err));
	ok(t != NULL, "ws: upgrade through an HTTP CONNECT proxy: %s", err);
	snprintf(want, sizeof(want), "CONNECT controller.invalid:%d HTTP/1.1\r\n",
	    s.port);
	ok(strncmp(x.req, want, strlen(want)) == 0 &&
	    strstr(x.req, "\r\nProxy-Authorization: Basic cHU6cHA=\r\n") !=
	    NULL, "proxy: CONNECT with Proxy-Authorization");
	ok(strstr(s.req, "\r\nHost: controller.invalid:") != NULL &&
	    strstr(s.req, "\r\nNode-Name: agent1\r\n") != NULL,
	    "proxy: the upgrade went through the tunnel");
	if (t != NULL) {
		ok(transport_read(t, buf, 5, 2000) == 5 &&
		    memcmp(buf, "\x00\x03one", 5) == 0 &&
		    t->ops->send(t, (const uint8_t *)"\x00\x02hi\x80\x01!",
		    7) == 0 && transport_read(t, buf, 5, 3000) == 5 &&
		    memcmp(buf, "\x00\x03two", 5) == 0,
		    "proxy: messages both ways through the tunnel");
		t->ops->close(t);
	}
	wsrv_join(&s);
	pthread_join(x.th, NULL);
	close(x.lfd);
	unsetenv("http_proxy");
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	log_level = LOG_ERROR;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_accept_key();
	test_ok();
	test_refusals();
	test_wss();
	test_proxy();
	curl_global_cleanup();
	return done_testing();
}
