/*
 * test_jnlp4.c: the JNLP4-connect handshake of agent/jnlp4.c against a
 * small in-test controller (OpenSSL server in a thread, RSA key and
 * self-signed certificate made here): identity pinning, ACK checks,
 * headers and cookie, ERROR:/FATAL: refusals, capability exchange,
 * bytes behind the capability, timeouts; Base64/Capability helpers; and
 * the secret never reaching a log line or an error message.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "agent/agent.h"
#include "agent/connect.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "tests/unit/tap.h"

#define SECRET	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define COOKIE	"c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define CAP_1FE	"rO0ABXNyABpodWRzb24ucmVtb3RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAf4="
#define CAP_086	"rO0ABXNyABpodWRzb24ucmVtb3RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAIY="

struct keypair {
	EVP_PKEY	*pk;
	X509		*cert;
	uint8_t		*spki;
	size_t		 spki_len;
};

enum srv_mode { SRV_OK, SRV_BAD_ACK, SRV_NO_ACK, SRV_ANSWER, SRV_CLOSE_AFTER_OK,
    SRV_BAD_CAP, SRV_PLAIN_GARBAGE, SRV_OK_CLOSE, SRV_STOP, SRV_HEADERS };

struct server {
	int		 lfd;
	int		 port;
	enum srv_mode	 mode;
	struct keypair	*key;
	const char	*answer;	/* SRV_ANSWER: "ERROR: ..." */
	const char	*cap;		/* capability text to send */
	const char	*ctl_headers;	/* SRV_HEADERS: the map to send */
	/* results */
	int		 hello_ok;
	char		 headers[512];
	char		 ok_reply[64];
	char		 bye[16];
	char		 agent_cap[256];
	uint8_t		 echo[64];
	size_t		 echo_len;
	pthread_t	 th;
	/* several connections in turn (connect loop tests) */
	int		 nconn;
	enum srv_mode	 modes[4];
	char		 conn_headers[4][512];
	int		 served;
	volatile int	*stop;		/* SRV_STOP sets it */
};

static struct keypair	 key_a, key_b;
static char		 logpath[] = "/tmp/jnagent-test-jnlp4-logXXXXXX";

static void
make_key(struct keypair *k)
{
	X509_NAME	*name;
	unsigned char	*der = NULL;
	int		 n;

	k->pk = EVP_RSA_gen(2048);
	k->cert = X509_new();
	X509_set_version(k->cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(k->cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(k->cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(k->cert), 3600);
	X509_set_pubkey(k->cert, k->pk);
	name = X509_get_subject_name(k->cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"instance identity", -1, -1, 0);
	X509_set_issuer_name(k->cert, name);
	X509_sign(k->cert, k->pk, EVP_sha256());
	n = i2d_PUBKEY(k->pk, &der);
	k->spki = malloc((size_t)n);
	memcpy(k->spki, der, (size_t)n);
	k->spki_len = (size_t)n;
	OPENSSL_free(der);
}

static void
free_key(struct keypair *k)
{
	EVP_PKEY_free(k->pk);
	X509_free(k->cert);
	free(k->spki);
}

static int
read_full(int fd, SSL *ssl, void *p, size_t n)
{
	uint8_t	*b = p;
	size_t	 got = 0;
	int	 r;

	while (got < n) {
		r = ssl ? SSL_read(ssl, b + got, (int)(n - got)) :
		    (int)read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int
read_lpstr(SSL *ssl, char *out, size_t outlen)
{
	uint8_t	 h[2];
	size_t	 n;
	char	 tmp[70000];

	if (read_full(-1, ssl, h, 2) != 0)
		return -1;
	n = (size_t)h[0] << 8 | h[1];
	if (read_full(-1, ssl, tmp, n) != 0)
		return -1;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, tmp, n);
	out[n] = '\0';
	return 0;
}

static void
write_lpstr(SSL *ssl, const char *s)
{
	uint8_t	 b[1024];
	size_t	 n = strlen(s);

	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memcpy(b + 2, s, n);
	SSL_write(ssl, b, (int)(n + 2));
}

static void
drain_until_eof(int fd)
{
	char	 buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void
serve_one(struct server *s, int fd)
{
	static const uint8_t	 hello[] = "\x00\x16Protocol:JNLP4-connect\x00\x03" "ACK";
	SSL_CTX			*ctx = NULL;
	SSL			*ssl = NULL;
	uint8_t			 buf[64], out[600];
	char			 tmp[128];
	size_t			 n;

	if (s->mode == SRV_PLAIN_GARBAGE) {
		/* Like a non-Jenkins service: answer with text. */
		(void)!write(fd, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
		drain_until_eof(fd);
		goto out;
	}
	if (read_full(fd, NULL, buf, 29) == 0 && memcmp(buf, hello, 29) == 0)
		s->hello_ok = 1;
	if (s->mode == SRV_NO_ACK) {
		drain_until_eof(fd);
		goto out;
	}
	if (s->mode == SRV_BAD_ACK) {
		(void)!write(fd, "\x00\x03" "ACX", 5);
		drain_until_eof(fd);
		goto out;
	}
	(void)!write(fd, "\x00\x03" "ACK", 5);
	ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(ctx, s->key->cert);
	SSL_CTX_use_PrivateKey(ctx, s->key->pk);
	/* Like the controller: ask for (but do not need) a client cert. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		ERR_clear_error();
		goto out;
	}
	if (read_lpstr(ssl, s->headers, sizeof(s->headers)) != 0)
		goto out;
	if (s->mode == SRV_STOP) {
		*s->stop = 1;
		goto out;
	}
	if (s->mode == SRV_HEADERS) {
		write_lpstr(ssl, s->ctl_headers);
		(void)read_lpstr(ssl, s->ok_reply, sizeof(s->ok_reply));
		if (strcmp(s->ok_reply, "OK") == 0)
			write_lpstr(ssl, "ERROR: stop here");
		(void)read_lpstr(ssl, s->bye, sizeof(s->bye));
		goto out;
	}
	write_lpstr(ssl, "{\"JnlpAgentProtocol.cookie\":\"" COOKIE "\"}");
	if (read_lpstr(ssl, s->ok_reply, sizeof(s->ok_reply)) != 0)
		goto out;
	if (s->mode == SRV_CLOSE_AFTER_OK)
		goto out;
	if (s->mode == SRV_ANSWER) {
		write_lpstr(ssl, s->answer);
		(void)read_lpstr(ssl, s->bye, sizeof(s->bye));
		goto out;
	}
	write_lpstr(ssl, "OK");
	/* Capability and the first chunk in one TLS record. */
	n = strlen(s->cap);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	memcpy(out + 2, s->cap, n);
	memcpy(out + 2 + n, "\x00\x05hello", 7);
	SSL_write(ssl, out, (int)(n + (s->mode == SRV_OK_CLOSE ? 2 : 9)));
	if (read_lpstr(ssl, s->agent_cap, sizeof(s->agent_cap)) != 0)
		goto out;
	if (s->mode == SRV_BAD_CAP || s->mode == SRV_OK_CLOSE)
		goto out;
	/* Echo one 7-byte chunk back. */
	if (read_full(-1, ssl, s->echo, 7) == 0) {
		s->echo_len = 7;
		SSL_write(ssl, s->echo, 7);
	}
	(void)read_full(-1, ssl, tmp, 1);	/* until the agent closes */
out:
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	SSL_CTX_free(ctx);
	close(fd);
	ERR_clear_error();
}

static void *
server_main(void *arg)
{
	struct server	*s = arg;
	int		 fd, i, n = s->nconn > 0 ? s->nconn : 1;

	for (i = 0; i < n; i++) {
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			return NULL;
		if (s->nconn > 0)
			s->mode = s->modes[i];
		s->headers[0] = '\0';
		serve_one(s, fd);
		memcpy(s->conn_headers[i], s->headers,
		    sizeof(s->conn_headers[i]) - 1);
		s->conn_headers[i][sizeof(s->conn_headers[i]) - 1] = '\0';
		s->served++;
	}
	return NULL;
}

static void
server_start(struct server *s, enum srv_mode mode, struct keypair *k)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 on = 1;

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->key = k;
	s->cap = CAP_1FE;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(s->lfd, 4);
	getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
	s->port = ntohs(sin.sin_port);
}

static void
server_run(struct server *s)
{
	pthread_create(&s->th, NULL, server_main, s);
}

static void
server_join(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void
params_init(struct jnlp4_params *p, struct server *s, struct keypair *pin)
{
	memset(p, 0, sizeof(*p));
	p->host = "127.0.0.1";
	p->port = s->port;
	p->tls_host = "127.0.0.1";
	p->identity = pin->spki;
	p->identity_len = pin->spki_len;
	p->name = "agent1";
	p->secret = SECRET;
	p->keepalive = true;
	p->use_proxy = false;
	p->capability = JNAGENT_CAPABILITY;
	p->connect_timeout_ms = 5000;
	p->handshake_timeout_ms = 5000;
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read n bytes through the transport API, polling like the channel. */
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
			break;
		else if (errno != EAGAIN)
			return -1;
	}
	return (ssize_t)got;
}

static void
test_helpers(void)
{
	char		*s;
	uint8_t		*d = NULL, *d2 = NULL;
	size_t		 n, n2;
	uint64_t	 mask = 0;
	char		 split[200];

	s = jnlp4_capability_encode(0x1FE);
	ok(s != NULL && strcmp(s, CAP_1FE) == 0,
	    "capability 0x1FE is the spec's exact text");
	free(s);
	s = jnlp4_capability_encode(0x086);
	ok(s != NULL && strcmp(s, CAP_086) == 0, "capability 0x086");
	free(s);
	ok(jnlp4_capability_decode(CAP_1FE, strlen(CAP_1FE), &mask) == 0 &&
	    mask == 0x1FE, "decode 0x1FE");
	ok(jnlp4_capability_decode(CAP_086, strlen(CAP_086), &mask) == 0 &&
	    mask == 0x086, "decode 0x086");
	/* Pad after the first 4 bytes, as a flushing Java encoder would. */
	ok(jnlp4_b64_decode(CAP_1FE, strlen(CAP_1FE), &d, &n) == 0 && n == 62,
	    "decode capability bytes");
	s = jnlp4_b64_encode(d, 4);
	snprintf(split, sizeof(split), "%s", s);
	free(s);
	s = jnlp4_b64_encode(d + 4, n - 4);
	strncat(split, s, sizeof(split) - strlen(split) - 1);
	free(s);
	ok(strchr(split, '=') < split + strlen(split) - 2 &&
	    jnlp4_b64_decode(split, strlen(split), &d2, &n2) == 0 &&
	    n2 == n && memcmp(d, d2, n) == 0, "inner '=' padding tolerated");
	ok(jnlp4_capability_decode(split, strlen(split), &mask) == 0 &&
	    mask == 0x1FE, "capability with inner padding");
	free(d2);
	free(d);
	ok(jnlp4_b64_decode("QUJD\nREVG", 9, &d, &n) == 0 && n == 6 &&
	    memcmp(d, "ABCDEF", 6) == 0, "whitespace tolerated");
	free(d);
	ok(jnlp4_b64_decode("QUI", 3, &d, &n) == 0 && n == 2, "unpadded tail");
	free(d);
	ok(jnlp4_b64_decode("Q", 1, &d, &n) == -1 &&
	    jnlp4_b64_decode("QU=I", 4, &d, &n) == -1 &&
	    jnlp4_b64_decode("Q===", 4, &d, &n) == -1 &&
	    jnlp4_b64_decode("QU!I", 4, &d, &n) == -1, "bad Base64 refused");
	ok(jnlp4_capability_decode("rO0ABXA=", 8, &mask) == -1 &&
	    jnlp4_capability_decode("", 0, &mask) == -1,
	    "non-capability stream refused");
	/* Truncations of a valid capability never crash and fail. */
	{
		int	 bad = 0;
		size_t	 k;
		uint8_t	*raw;
		char	*t;

		jnlp4_b64_decode(CAP_1FE, strlen(CAP_1FE), &raw, &n);
		for (k = 0; k < n; k++) {
			t = jnlp4_b64_encode(raw, k);
			if (jnlp4_capability_decode(t, strlen(t), &mask) == 0)
				bad++;
			free(t);
		}
		free(raw);
		ok(bad == 0, "every truncated capability is refused");
	}
}

static void
test_handshake_ok(void)
{
	struct server		 s;
	struct jnlp4_params	 p;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 err[256];
	uint8_t			 buf[16];

	server_start(&s, SRV_OK, &key_a);
	s.cap = CAP_086;
	server_run(&s);
	params_init(&p, &s, &key_a);
	p.name = "age\"nt\\1";
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t != NULL && st == JNLP4_OK, "handshake succeeds: %s", err);
	if (t == NULL) {
		server_join(&s);
		return;
	}
	ok(s.hello_ok, "protocol name + ACK sent in one piece");
	ok(strcmp(s.headers, "{\"Node-Name\":\"age\\\"nt\\\\1\",\"Secret-Key\":\""
	    SECRET "\"}") == 0, "headers JSON-escaped");
	ok(strcmp(s.ok_reply, "OK") == 0, "agent accepted the headers");
	ok(strcmp(t->cookie, COOKIE) == 0, "cookie stored");
	ok(t->peer_capability == 0x086, "peer capability parsed");
	ok(strcmp(t->name, "JNLP4-connect") == 0, "transport name");
	ok(t->ops->pending(t) == 7, "bytes behind the capability buffered");
	ok(transport_read(t, buf, 7, 2000) == 7 &&
	    memcmp(buf, "\x00\x05hello", 7) == 0, "recv returns them first");
	ok(t->ops->send(t, (const uint8_t *)"\x00\x05world", 7) == 0,
	    "send a chunk");
	ok(transport_read(t, buf, 7, 2000) == 7 &&
	    memcmp(buf, "\x00\x05world", 7) == 0, "echoed chunk received");
	ok(strcmp(s.agent_cap, CAP_1FE) == 0, "agent capability sent");
	t->ops->close(t);
	server_join(&s);

	/* Reconnect with the cookie. */
	server_start(&s, SRV_OK, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	p.cookie = COOKIE;
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t != NULL && strstr(s.headers, "\"JnlpAgentProtocol.cookie\":\""
	    COOKIE "\"") != NULL, "cookie sent on reconnect");
	if (t != NULL) {
		ok(t->peer_capability == 0x1FE, "capability 0x1FE");
		ok(transport_read(t, buf, 7, 2000) == 7, "stream data");
		/* EOF from the peer reads as 0. */
		t->ops->send(t, (const uint8_t *)"\x00\x05world", 7);
		transport_read(t, buf, 7, 2000);
		t->ops->close(t);
	}
	server_join(&s);
}

static void
test_refusals(void)
{
	struct server		 s;
	struct jnlp4_params	 p;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 err[256];
	long long		 t0;

	server_start(&s, SRV_OK, &key_b);
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_FAILED &&
	    strstr(err, "controller identity mismatch") != NULL,
	    "pinning mismatch refused: %s", err);
	ok(s.headers[0] == '\0', "no headers (no secret) sent to an "
	    "impostor");
	server_join(&s);

	server_start(&s, SRV_BAD_ACK, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "incorrect acknowledgement") != NULL &&
	    strstr(err, "0x000341435") != NULL, "wrong ACK refused: %s", err);
	server_join(&s);

	server_start(&s, SRV_PLAIN_GARBAGE, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "incorrect acknowledgement") != NULL,
	    "non-Jenkins answer refused: %s", err);
	server_join(&s);

	server_start(&s, SRV_NO_ACK, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	p.handshake_timeout_ms = 300;
	t0 = now_ms();
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "timed out") != NULL &&
	    now_ms() - t0 < 8000, "missing ACK times out: %s", err);
	server_join(&s);

	server_start(&s, SRV_ANSWER, &key_a);
	s.answer = "ERROR: Authorization failure";
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_REFUSED &&
	    strstr(err, "ERROR: Authorization failure") != NULL,
	    "ERROR: reported: %s", err);
	server_join(&s);
	ok(strcmp(s.bye, "BYE") == 0, "BYE sent after ERROR:");

	server_start(&s, SRV_ANSWER, &key_a);
	s.answer = "ERROR: agent1 is already connected to this controller. "
	    "Rejecting this connection.";
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_REFUSED &&
	    strstr(err, "already connected") != NULL, "already connected");
	server_join(&s);

	server_start(&s, SRV_ANSWER, &key_a);
	s.answer = "FATAL: go away\x01";
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_FATAL && strstr(err, "FATAL: go away?") !=
	    NULL, "FATAL: reported, control character escaped: %s", err);
	server_join(&s);

	server_start(&s, SRV_CLOSE_AFTER_OK, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_FAILED && strstr(err, "closed") != NULL,
	    "controller closing mid-handshake: %s", err);
	server_join(&s);

	server_start(&s, SRV_BAD_CAP, &key_a);
	s.cap = "rO0ABXA=";
	server_run(&s);
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "capability") != NULL,
	    "unreadable capability refused: %s", err);
	server_join(&s);

	/* Nothing listens on this port any more. */
	params_init(&p, &s, &key_a);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "cannot connect") != NULL,
	    "connection refused reported: %s", err);
}

static void
test_header_maps(void)
{
	static const struct {
		const char	*map;
		int		 good;
	} cases[] = {
		{ "{}", 1 },
		{ " { \"a\" : null ,\n\"b\":\"x\\u0041\\/\\\"\"\t} ", 1 },
		{ "{\"JnlpAgentProtocol.cookie\":\"bad cookie\"}", 1 },
		{ "", 0 },
		{ "{", 0 },
		{ "{\"a\"}", 0 },
		{ "{\"a\":}", 0 },
		{ "{\"a\":\"b\",}", 0 },
		{ "{\"a\":\"b\"} x", 0 },
		{ "{\"a\":1}", 0 },
		{ "{\"a\":\"\\q\"}", 0 },
		{ "{\"a\":\"\\u12\"}", 0 },
		{ "[\"a\"]", 0 },
	};
	struct server		 s;
	struct jnlp4_params	 p;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 err[256];
	size_t			 i;
	int			 good = 1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		server_start(&s, SRV_HEADERS, &key_a);
		s.ctl_headers = cases[i].map;
		server_run(&s);
		params_init(&p, &s, &key_a);
		t = jnlp4_connect(&p, &st, err, sizeof(err));
		server_join(&s);
		if (t != NULL) {
			t->ops->close(t);
			good = 0;
			diag("case %zu: accepted", i);
			continue;
		}
		if (cases[i].good ? strcmp(s.ok_reply, "OK") != 0 ||
		    strstr(err, "ERROR: stop here") == NULL :
		    strcmp(s.ok_reply, "ERROR: Malformed connection "
		    "header") != 0 || strstr(err, "malformed") == NULL) {
			good = 0;
			diag("case %zu: reply %s, err %s", i, s.ok_reply, err);
		}
	}
	ok(good, "controller header maps: valid ones answered OK, malformed "
	    "ones refused with ERROR: Malformed connection header");
}

static void
test_stop(void)
{
	struct server		 s;
	struct jnlp4_params	 p;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 err[256];
	volatile int		 stop = 1;

	server_start(&s, SRV_NO_ACK, &key_a);
	server_run(&s);
	params_init(&p, &s, &key_a);
	p.stop = &stop;
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && st == JNLP4_STOPPED, "stop flag aborts the handshake");
	server_join(&s);
}

static void
loop_conf(struct agent_conf *c, struct server *s, char *direct, size_t dl,
    char *id)
{
	memset(c, 0, sizeof(*c));
	snprintf(direct, dl, "127.0.0.1:%d", s->port);
	c->direct = direct;
	c->instance_identity = id;
	c->name = "agent1";
	c->secret = SECRET;
	c->internal_dir = "remoting";
	c->backoff_start_ms = 50;
	c->backoff_cap_ms = 200;
	c->log_level = LOG_DEBUG;
}

static void
test_connect_loop(void)
{
	struct server		 s;
	struct agent_conf	 c;
	char			 direct[64], *id;
	volatile int		 stop = 0;
	long long		 t0;
	int			 rc;

	id = jnlp4_b64_encode(key_a.spki, key_a.spki_len);

	/* Refused, then a channel that ends at once, then a reconnect. */
	server_start(&s, SRV_OK, &key_a);
	s.nconn = 3;
	s.modes[0] = SRV_ANSWER;
	s.answer = "ERROR: agent1 is already connected to this controller. "
	    "Rejecting this connection.";
	s.modes[1] = SRV_OK_CLOSE;
	s.modes[2] = SRV_STOP;
	s.stop = &stop;
	server_run(&s);
	loop_conf(&c, &s, direct, sizeof(direct), id);
	t0 = now_ms();
	rc = connect_run(&c, &stop);
	server_join(&s);
	ok(rc == 0 && s.served == 3, "loop: refusal retried, channel end "
	    "reconnected, stop exits 0 (rc=%d, %d connections)", rc, s.served);
	ok(strstr(s.conn_headers[0], "cookie") == NULL &&
	    strstr(s.conn_headers[1], "cookie") == NULL,
	    "no cookie before a channel was up");
	ok(strstr(s.conn_headers[2], "\"JnlpAgentProtocol.cookie\":\""
	    COOKIE "\"") != NULL, "cookie reused on reconnect");
	ok(now_ms() - t0 < 15000, "backoff honours -backoffStart/-backoffCap");

	/* -noReconnect: the first end is final. */
	server_start(&s, SRV_OK_CLOSE, &key_a);
	server_run(&s);
	loop_conf(&c, &s, direct, sizeof(direct), id);
	c.no_reconnect = true;
	stop = 0;
	rc = connect_run(&c, &stop);
	server_join(&s);
	ok(rc == 1 && s.served == 1, "-noReconnect exits 1 after the channel "
	    "ends");

	/* -noReconnectAfter: nothing listens any more. */
	loop_conf(&c, &s, direct, sizeof(direct), id);
	c.no_reconnect_after_ms = 400;
	t0 = now_ms();
	rc = connect_run(&c, &stop);
	ok(rc == 1 && now_ms() - t0 >= 350 && now_ms() - t0 < 10000,
	    "-noReconnectAfter gives up with 1 (%lld ms)", now_ms() - t0);
	free(id);
}

struct proxy {
	int		 lfd, port, target;
	int		 refuse;
	char		 req[1024];
	pthread_t	 th;
};

static void *
proxy_main(void *arg)
{
	struct proxy		*x = arg;
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
	if (x->refuse) {
		const char *no = "HTTP/1.1 407 Proxy Authentication "
		    "Required\r\nContent-Length: 0\r\n\r\n";
		(void)!write(fd, no, strlen(no));
		drain_until_eof(fd);
		close(fd);
		return NULL;
	}
	up = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)x->target);
	if (connect(up, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		close(up);
		return NULL;
	}
	{
		const char *yes = "HTTP/1.1 200 Connection established\r\n"
		    "Proxy-agent: test\r\n\r\n";
		(void)!write(fd, yes, strlen(yes));
	}
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

static void
proxy_start(struct proxy *x, int target, int refuse)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);

	memset(x, 0, sizeof(*x));
	x->target = target;
	x->refuse = refuse;
	x->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(x->lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(x->lfd, 4);
	getsockname(x->lfd, (struct sockaddr *)&sin, &sl);
	x->port = ntohs(sin.sin_port);
	pthread_create(&x->th, NULL, proxy_main, x);
}

static void
test_proxy_connect(void)
{
	struct server		 s;
	struct proxy		 x;
	struct jnlp4_params	 p;
	struct transport	*t;
	enum jnlp4_status	 st;
	char			 err[256], env[64], want[128];
	uint8_t			 buf[16];

	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	server_start(&s, SRV_OK, &key_a);
	server_run(&s);
	proxy_start(&x, s.port, 0);
	snprintf(env, sizeof(env), "http://127.0.0.1:%d", x.port);
	setenv("http_proxy", env, 1);
	params_init(&p, &s, &key_a);
	p.host = "controller.invalid";	/* only the proxy resolves it */
	p.tls_host = "controller.invalid";
	p.use_proxy = true;
	p.proxy_credentials = "pu:pp";
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t != NULL, "handshake through an HTTP CONNECT proxy: %s", err);
	snprintf(want, sizeof(want), "CONNECT controller.invalid:%d HTTP/1.1\r\n"
	    "Host: controller.invalid:%d\r\n", s.port, s.port);
	ok(strncmp(x.req, want, strlen(want)) == 0 &&
	    strstr(x.req, "\r\nProxy-Authorization: Basic cHU6cHA=\r\n") !=
	    NULL, "CONNECT request with Proxy-Authorization");
	if (t != NULL) {
		ok(transport_read(t, buf, 7, 2000) == 7 &&
		    t->ops->send(t, (const uint8_t *)"\x00\x05world", 7) == 0 &&
		    transport_read(t, buf, 7, 2000) == 7 &&
		    memcmp(buf, "\x00\x05world", 7) == 0,
		    "chunks flow through the tunnel");
		t->ops->close(t);
	}
	server_join(&s);
	pthread_join(x.th, NULL);
	close(x.lfd);

	proxy_start(&x, 1, 1);
	snprintf(env, sizeof(env), "http://127.0.0.1:%d", x.port);
	setenv("http_proxy", env, 1);
	t = jnlp4_connect(&p, &st, err, sizeof(err));
	ok(t == NULL && strstr(err, "proxy refused CONNECT: HTTP/1.1 407") !=
	    NULL, "proxy refusal reported: %s", err);
	pthread_join(x.th, NULL);
	close(x.lfd);
	unsetenv("http_proxy");
}

static void
test_proxy_env(void)
{
	char	 h[64], *ui = NULL;
	int	 port = 0;

	unsetenv("HTTP_PROXY");
	unsetenv("NO_PROXY");
	setenv("http_proxy", "http://user:p%40ss@proxy.local:3128/", 1);
	setenv("no_proxy", "localhost,.internal,10.0.0.1", 1);
	ok(jnlp4_proxy_for("jenkins.example.com", h, sizeof(h), &port,
	    &ui) == 1 && strcmp(h, "proxy.local") == 0 && port == 3128 &&
	    ui != NULL && strcmp(ui, "user:p@ss") == 0,
	    "http_proxy applies, userinfo decoded");
	free(ui);
	ok(jnlp4_proxy_for("localhost", h, sizeof(h), &port, &ui) == 0 &&
	    jnlp4_proxy_for("ci.internal", h, sizeof(h), &port, &ui) == 0 &&
	    jnlp4_proxy_for("10.0.0.1", h, sizeof(h), &port, &ui) == 0,
	    "no_proxy honoured");
	ok(jnlp4_proxy_for("notinternal", h, sizeof(h), &port, &ui) == 1,
	    "no_proxy suffixes match at dots only");
	free(ui);
	setenv("no_proxy", "*", 1);
	ok(jnlp4_proxy_for("x", h, sizeof(h), &port, &ui) == 0,
	    "no_proxy=*");
	unsetenv("http_proxy");
	unsetenv("no_proxy");
	ok(jnlp4_proxy_for("x", h, sizeof(h), &port, &ui) == 0,
	    "no proxy configured");
}

static void
test_no_secret_in_log(void)
{
	FILE	*f;
	char	*buf;
	long	 n;

	log_close();
	f = fopen(logpath, "r");
	buf = calloc(1, 1 << 20);
	n = f ? (long)fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	ok(n > 0 && strstr(buf, "connecting to 127.0.0.1") != NULL,
	    "debug log written (%ld bytes)", n);
	ok(strstr(buf, SECRET) == NULL && strstr(buf, "fedcba98") == NULL,
	    "the secret never appears in the log");
	free(buf);
}

int
main(void)
{
	int	 fd;

	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	fd = mkstemp(logpath);
	close(fd);
	log_level = LOG_DEBUG;
	log_open_file(logpath);
	make_key(&key_a);
	make_key(&key_b);
	test_helpers();
	test_handshake_ok();
	test_refusals();
	test_header_maps();
	test_stop();
	test_connect_loop();
	test_proxy_env();
	test_proxy_connect();
	test_no_secret_in_log();
	unlink(logpath);
	free_key(&key_a);
	free_key(&key_b);
	curl_global_cleanup();
	return done_testing();
}
