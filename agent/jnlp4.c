/*
 * jnlp4.c: the JNLP4-connect transport (spec §2; remoting
 * JnlpProtocol4Handler, AckFilterLayer, SSLEngineFilterLayer,
 * ConnectionHeadersFilterLayer, ChannelApplicationLayer).
 *
 * Wire order, each step finished before the next:
 *   TCP [HTTP CONNECT]  ->  lpstr "Protocol:JNLP4-connect" + lpstr "ACK"
 *   <- lpstr "ACK"  ->  TLS client handshake, leaf SPKI == pinned identity
 *   -> lpstr {headers}  <- lpstr {headers}  -> "OK"  <- "OK" | "ERROR: .."
 *   -> lpstr capability  <- lpstr capability  ->  chunk stream
 * The socket is nonblocking throughout; every wait is a poll() bounded by
 * a deadline and interrupted by *stop.  Peer text is sanitised and capped
 * before it reaches an error message; the secret never does.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/jnlp4.h"
#include "agent/log.h"
#include "agent/netutil.h"
#include "agent/tls.h"

#define JNLP4_LPSTR_MAX		65535
#define JNLP4_SEND_TIMEOUT_MS	30000
#define JNLP4_READ_CHUNK	16384
#define JNLP4_PROXY_REPLY_MAX	8192

struct jnlp4 {
	struct transport	 t;	/* first: the channel sees only this */
	int			 fd;
	struct tls		*tls;
	uint8_t			*rb;	/* decrypted bytes not yet consumed */
	size_t			 roff, rlen, rcap;
	volatile int		*stop;
};

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ---- Base64 and Capability ------------------------------------------- */

char *
jnlp4_b64_encode(const uint8_t *p, size_t n)
{
	char	*out, *o;
	size_t	 i;
	uint32_t v;

	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
jnlp4_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
	uint8_t		*o;
	size_t		 i, n = 0;
	int		 q[4], nq = 0, npad = 0, v;
	unsigned char	 c;

	if ((o = malloc(slen / 4 * 3 + 3)) == NULL)
		return -1;
	for (i = 0; i <= slen; i++) {
		c = i < slen ? (unsigned char)s[i] : 0;
		if (i < slen && isspace(c))
			continue;
		if (i < slen && c == '=') {
			/* '=' only in the last two places of a quartet. */
			if (nq < 2)
				goto bad;
			npad++;
			if (nq + npad == 4) {
				o[n++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
				if (nq == 3)
					o[n++] = (uint8_t)(q[1] << 4 |
					    q[2] >> 2);
				nq = npad = 0;
			}
			continue;
		}
		if (npad > 0)
			goto bad;	/* "xx=y" */
		if (i == slen) {
			/* Unpadded tail of 2 or 3 characters. */
			if (nq == 1)
				goto bad;
			if (nq >= 2)
				o[n++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			if (nq == 3)
				o[n++] = (uint8_t)(q[1] << 4 | q[2] >> 2);
			break;
		}
		if ((v = b64_value(c)) < 0)
			goto bad;
		q[nq++] = v;
		if (nq == 4) {
			o[n++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
			o[n++] = (uint8_t)(q[1] << 4 | q[2] >> 2);
			o[n++] = (uint8_t)(q[2] << 6 | q[3]);
			nq = 0;
		}
	}
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return -1;
}

int
jnlp4_identity_decode(const char *b64, uint8_t **der, size_t *derlen,
    char *why, size_t whylen)
{
	uint8_t	*d;
	size_t	 n;

	if (jnlp4_b64_decode(b64, strlen(b64), &d, &n) != 0 || n == 0) {
		snprintf(why, whylen, "not valid Base64");
		return -1;
	}
	if (tls_spki_is_rsa(d, n, why, whylen) != 0) {
		free(d);
		return -1;
	}
	*der = d;
	*derlen = n;
	return 0;
}

static const char cap_class[] = "hudson.remoting.Capability";

char *
jnlp4_capability_encode(uint64_t mask)
{
	uint8_t	 b[64];
	size_t	 n = 0, k;
	int	 i;

	b[n++] = 0xac; b[n++] = 0xed; b[n++] = 0x00; b[n++] = 0x05;
	b[n++] = 0x73;			/* TC_OBJECT */
	b[n++] = 0x72;			/* TC_CLASSDESC */
	b[n++] = 0x00;
	b[n++] = (uint8_t)(sizeof(cap_class) - 1);
	for (k = 0; k < sizeof(cap_class) - 1; k++)
		b[n++] = (uint8_t)cap_class[k];
	for (i = 0; i < 7; i++)
		b[n++] = 0x00;		/* serialVersionUID = 1 */
	b[n++] = 0x01;
	b[n++] = 0x02;			/* SC_SERIALIZABLE */
	b[n++] = 0x00; b[n++] = 0x01;	/* one field */
	b[n++] = 'J'; b[n++] = 0x00; b[n++] = 0x04;
	b[n++] = 'm'; b[n++] = 'a'; b[n++] = 's'; b[n++] = 'k';
	b[n++] = 0x78;			/* TC_ENDBLOCKDATA */
	b[n++] = 0x70;			/* no superclass */
	for (i = 7; i >= 0; i--)
		b[n++] = (uint8_t)(mask >> (8 * i));
	return jnlp4_b64_encode(b, n);
}

/*
 * Parse a serialized Capability.  Accepts any primitive fields (reads
 * "mask" among them); object-typed fields are not expected here.
 */
int
jnlp4_capability_decode(const char *b64, size_t len, uint64_t *mask)
{
	uint8_t		*d = NULL;
	size_t		 n, off = 0, nlen, i, k;
	uint16_t	 nfields;
	int		 r = -1, found = 0;
	struct { char type; int is_mask; } f[32];
	uint64_t	 v;

#define NEED(x) do { if (n - off < (size_t)(x)) goto out; } while (0)
	if (jnlp4_b64_decode(b64, len, &d, &n) != 0)
		return -1;
	NEED(8);
	if (d[0] != 0xac || d[1] != 0xed || d[2] != 0x00 || d[3] != 0x05 ||
	    d[4] != 0x73 || d[5] != 0x72)
		goto out;
	off = 6;
	nlen = (size_t)d[off] << 8 | d[off + 1];
	off += 2;
	NEED(nlen);
	if (nlen != sizeof(cap_class) - 1 ||
	    memcmp(d + off, cap_class, nlen) != 0)
		goto out;
	off += nlen;
	NEED(8 + 1 + 2);
	off += 8;			/* serialVersionUID */
	if ((d[off] & 0x02) == 0)	/* SC_SERIALIZABLE */
		goto out;
	off++;
	nfields = (uint16_t)(d[off] << 8 | d[off + 1]);
	off += 2;
	if (nfields > sizeof(f) / sizeof(f[0]))
		goto out;
	for (i = 0; i < nfields; i++) {
		NEED(3);
		f[i].type = (char)d[off];
		if (strchr("BCDFIJSZ", f[i].type) == NULL)
			goto out;
		nlen = (size_t)d[off + 1] << 8 | d[off + 2];
		off += 3;
		NEED(nlen);
		f[i].is_mask = f[i].type == 'J' && nlen == 4 &&
		    memcmp(d + off, "mask", 4) == 0;
		off += nlen;
	}
	NEED(2);
	if (d[off] != 0x78 || d[off + 1] != 0x70)
		goto out;
	off += 2;
	for (i = 0; i < nfields; i++) {
		switch (f[i].type) {
		case 'B': case 'Z': k = 1; break;
		case 'C': case 'S': k = 2; break;
		case 'I': case 'F': k = 4; break;
		default: k = 8; break;
		}
		NEED(k);
		if (f[i].is_mask) {
			for (v = 0; k > 0; k--)
				v = v << 8 | d[off++];
			*mask = v;
			found = 1;
		} else
			off += k;
	}
	r = found ? 0 : -1;
out:
#undef NEED
	free(d);
	return r;
}

/* ---- time, waiting, error text ---------------------------------------- */

/* Copy peer text printable-only, at most max bytes. */
static void
jnlp4_sanitize(char *dst, size_t dstlen, const uint8_t *p, size_t n,
    size_t max)
{
	size_t	 i, o = 0;

	if (n > max)
		n = max;
	for (i = 0; i < n && o + 1 < dstlen; i++)
		dst[o++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	dst[o] = '\0';
}

/* ---- proxy -------------------------------------------------------------- */

int
jnlp4_proxy_for(const char *host, char *phost, size_t phostlen, int *pport,
    char **userinfo)
{
	const char	*proxy;
	CURLU		*u;
	char		*h = NULL, *port = NULL, *user = NULL, *pass = NULL;
	char		*scheme = NULL;
	int		 r = -1;
	size_t		 n;

	*userinfo = NULL;
	if ((proxy = net_proxy_env("http", host, 0)) == NULL)
		return 0;
	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, proxy,
	    CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcasecmp(scheme, "http") != 0 ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	*pport = port != NULL ? atoi(port) : 1080;	/* curl's default */
	if (*pport < 1 || *pport > 65535)
		goto out;
	n = strlen(h);
	if (h[0] == '[' && n > 2) {		/* [v6] -> v6 */
		memmove(h, h + 1, n - 2);
		h[n - 2] = '\0';
		n -= 2;
	}
	if (n + 1 > phostlen)
		goto out;
	memcpy(phost, h, n + 1);
	if (curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE) ==
	    CURLUE_OK && user != NULL) {
		if (curl_url_get(u, CURLUPART_PASSWORD, &pass,
		    CURLU_URLDECODE) != CURLUE_OK)
			pass = NULL;
		if (asprintf(userinfo, "%s:%s", user, pass ? pass : "") == -1) {
			*userinfo = NULL;
			goto out;
		}
	}
	r = 1;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return r;
}

/* ---- plain socket I/O ------------------------------------------------ */

/* Write all of p before deadline.  0, -1 (err set), -2 stopped. */
static int
jnlp4_sock_write(int fd, const void *p, size_t n, long long deadline,
    volatile int *stop, char *err, size_t errlen)
{
	const uint8_t	*b = p;
	ssize_t		 w;
	int		 r;

	while (n > 0) {
		w = send(fd, b, n, MSG_NOSIGNAL);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EINTR) {
			net_seterr(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
		if ((r = net_wait(fd, POLLOUT, deadline, stop)) != 1) {
			net_seterr(err, errlen, "%s", r == -2 ? "stopped" :
			    "write timed out");
			return r == -2 ? -2 : -1;
		}
	}
	return 0;
}

/* Read exactly n bytes (never more) before deadline. */
static int
jnlp4_sock_read(int fd, void *p, size_t n, long long deadline,
    volatile int *stop, size_t *got, char *err, size_t errlen)
{
	uint8_t	*b = p;
	ssize_t	 rd;
	int	 r;

	*got = 0;
	while (*got < n) {
		rd = recv(fd, b + *got, n - *got, 0);
		if (rd > 0) {
			*got += (size_t)rd;
			continue;
		}
		if (rd == 0) {
			net_seterr(err, errlen, "connection closed by the "
			    "controller");
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			net_seterr(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if ((r = net_wait(fd, POLLIN, deadline, stop)) != 1) {
			net_seterr(err, errlen, "%s", r == -2 ? "stopped" :
			    "timed out");
			return r == -2 ? -2 : -1;
		}
	}
	return 0;
}

static int
jnlp4_proxy_connect(int fd, const char *host, int port, const char *creds,
    long long deadline, volatile int *stop, char *err, size_t errlen)
{
	char	 req[1024], reply[JNLP4_PROXY_REPLY_MAX + 1], hp[300], *auth;
	char	 code[8], line[120];
	size_t	 n = 0, got;
	int	 r;

	if (strchr(host, ':') != NULL)
		snprintf(hp, sizeof(hp), "[%s]:%d", host, port);
	else
		snprintf(hp, sizeof(hp), "%s:%d", host, port);
	auth = NULL;
	if (creds != NULL &&
	    (auth = jnlp4_b64_encode((const uint8_t *)creds,
	    strlen(creds))) == NULL) {
		net_seterr(err, errlen, "out of memory");
		return -1;
	}
	r = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
	    "%s%s%s\r\n", hp, hp, auth ? "Proxy-Authorization: Basic " : "",
	    auth ? auth : "", auth ? "\r\n" : "");
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (r < 0 || (size_t)r >= sizeof(req)) {
		explicit_bzero(req, sizeof(req));
		net_seterr(err, errlen, "proxy request too long");
		return -1;
	}
	r = jnlp4_sock_write(fd, req, (size_t)r, deadline, stop, err, errlen);
	explicit_bzero(req, sizeof(req));
	if (r != 0)
		return r;
	/* Byte by byte: nothing after the blank line may be consumed. */
	for (;;) {
		if (n >= JNLP4_PROXY_REPLY_MAX) {
			net_seterr(err, errlen, "proxy reply too long");
			return -1;
		}
		if ((r = jnlp4_sock_read(fd, reply + n, 1, deadline, stop,
		    &got, err, errlen)) != 0)
			return r;
		n++;
		if (n >= 4 && memcmp(reply + n - 4, "\r\n\r\n", 4) == 0)
			break;
		if (n >= 2 && memcmp(reply + n - 2, "\n\n", 2) == 0)
			break;
	}
	reply[n] = '\0';
	if (sscanf(reply, "%*s %7s", code) != 1 || strcmp(code, "200") != 0) {
		jnlp4_sanitize(line, sizeof(line), (uint8_t *)reply,
		    strcspn(reply, "\r\n"), 100);
		net_seterr(err, errlen, "proxy refused CONNECT: %s", line);
		return -1;
	}
	return 0;
}

/* ---- TLS I/O on the handshake path -------------------------------------- */

/* Wait as the TLS layer asks (rv: a TLS_* code).  0 ready, -1 error or
 * timeout (err set), -2 stopped. */
static int
jnlp4_tls_wait(struct jnlp4 *j, int rv, long long deadline, char *err,
    size_t errlen, const char *what)
{
	int	 r;
	short	 ev;

	if (rv == TLS_WANT_READ)
		ev = POLLIN;
	else if (rv == TLS_WANT_WRITE)
		ev = POLLOUT;
	else if (rv == TLS_CLOSED) {
		net_seterr(err, errlen, "%s: connection closed by the "
		    "controller", what);
		return -1;
	} else {
		net_seterr(err, errlen, "%s: %s", what, tls_error(j->tls));
		return -1;
	}
	r = net_wait(j->fd, ev, deadline, j->stop);
	if (r == 1)
		return 0;
	net_seterr(err, errlen, "%s: %s", what, r == -2 ? "stopped" :
	    r == 0 ? "timed out" : strerror(errno));
	return r == -2 ? -2 : -1;
}

static int
jnlp4_tls_write(struct jnlp4 *j, const void *p, size_t n, long long deadline,
    char *err, size_t errlen)
{
	const uint8_t	*b = p;
	size_t		 len;
	ssize_t		 w;
	int		 r;

	while (n > 0) {
		len = n > 65536 ? 65536 : n;
		w = tls_write(j->tls, b, len);
		if (w > 0) {
			b += w;
			n -= (size_t)w;
			continue;
		}
		if ((r = jnlp4_tls_wait(j, (int)w, deadline, err, errlen,
		    "TLS write")) != 0)
			return r;
	}
	return 0;
}

/* Decrypt more bytes into j->rb.  0 or -1/-2 (err set). */
static int
jnlp4_tls_fill(struct jnlp4 *j, long long deadline, char *err, size_t errlen)
{
	uint8_t	*nb;
	ssize_t	 rd;
	int	 r;

	if (j->roff > 0 && j->roff == j->rlen)
		j->roff = j->rlen = 0;
	if (j->rcap - j->rlen < JNLP4_READ_CHUNK) {
		if (j->roff > 0) {
			memmove(j->rb, j->rb + j->roff, j->rlen - j->roff);
			j->rlen -= j->roff;
			j->roff = 0;
		}
		if (j->rcap - j->rlen < JNLP4_READ_CHUNK) {
			if ((nb = realloc(j->rb, j->rcap + JNLP4_READ_CHUNK *
			    2)) == NULL) {
				net_seterr(err, errlen, "out of memory");
				return -1;
			}
			j->rb = nb;
			j->rcap += JNLP4_READ_CHUNK * 2;
		}
	}
	for (;;) {
		rd = tls_read(j->tls, j->rb + j->rlen, j->rcap - j->rlen);
		if (rd > 0) {
			j->rlen += (size_t)rd;
			return 0;
		}
		if ((r = jnlp4_tls_wait(j, (int)rd, deadline, err, errlen,
		    "TLS read")) != 0)
			return r;
	}
}

/* Read one lpstr; *s points into j->rb (valid until the next fill). */
static int
jnlp4_read_lpstr(struct jnlp4 *j, const uint8_t **s, size_t *len,
    long long deadline, char *err, size_t errlen, const char *what)
{
	size_t	 avail, n;
	int	 r;

	for (;;) {
		avail = j->rlen - j->roff;
		if (avail >= 2) {
			n = (size_t)j->rb[j->roff] << 8 | j->rb[j->roff + 1];
			if (avail >= 2 + n) {
				*s = j->rb + j->roff + 2;
				*len = n;
				j->roff += 2 + n;
				return 0;
			}
		}
		if ((r = jnlp4_tls_fill(j, deadline, err, errlen)) != 0) {
			/* Prefix the step for a clearer message. */
			char tmp[256];
			snprintf(tmp, sizeof(tmp), "%s", err);
			net_seterr(err, errlen, "reading %s: %s", what, tmp);
			return r;
		}
	}
}

static int
jnlp4_write_lpstr(struct jnlp4 *j, const char *s, size_t n,
    long long deadline, char *err, size_t errlen)
{
	uint8_t	*b;
	int	 r;

	if (n > JNLP4_LPSTR_MAX) {
		net_seterr(err, errlen, "header too long");
		return -1;
	}
	if ((b = malloc(n + 2)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		return -1;
	}
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memcpy(b + 2, s, n);
	r = jnlp4_tls_write(j, b, n + 2, deadline, err, errlen);
	explicit_bzero(b, n + 2);
	free(b);
	return r;
}

/* ---- connection headers ------------------------------------------------- */

/* Append s JSON-escaped (ConnectionHeaders' writer rules) to out. */
static size_t
jnlp4_json_escape(char *out, size_t o, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 e[7];
	size_t			 k, el;

	for (; *p != '\0'; p++) {
		el = 0;
		switch (*p) {
		case '"': e[el++] = '\\'; e[el++] = '"'; break;
		case '\\': e[el++] = '\\'; e[el++] = '\\'; break;
		case '\b': e[el++] = '\\'; e[el++] = 'b'; break;
		case '\t': e[el++] = '\\'; e[el++] = 't'; break;
		case '\f': e[el++] = '\\'; e[el++] = 'f'; break;
		case '\n': e[el++] = '\\'; e[el++] = 'n'; break;
		case '\r': e[el++] = '\\'; e[el++] = 'r'; break;
		default:
			if (*p < 0x20) {
				memcpy(e, "\\u00", 4);
				e[4] = hex[*p >> 4];
				e[5] = hex[*p & 15];
				el = 6;
			} else
				e[el++] = (char)*p;
		}
		for (k = 0; k < el; k++) {
			if (o < cap)
				out[o] = e[k];
			o++;
		}
	}
	return o;
}

static size_t
jnlp4_json_put(char *out, size_t o, size_t cap, const char *s)
{
	for (; *s != '\0'; s++, o++)
		if (o < cap)
			out[o] = *s;
	return o;
}

/*
 * Parse one JSON string token at *pp (after the opening quote) into dst
 * (NUL-terminated, truncated at dstlen - 1).  0 or -1.
 */
static int
jnlp4_json_string(const uint8_t **pp, const uint8_t *end, char *dst,
    size_t dstlen)
{
	const uint8_t	*p = *pp;
	size_t		 o = 0;
	unsigned	 cp;
	int		 i, c;

	while (p < end && *p != '"') {
		c = *p++;
		if (c == '\\') {
			if (p >= end)
				return -1;
			switch ((c = *p++)) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 't': c = '\t'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 'u':
				if (end - p < 4)
					return -1;
				for (cp = 0, i = 0; i < 4; i++, p++) {
					if (!isxdigit(*p))
						return -1;
					cp = cp << 4 | (unsigned)(isdigit(*p) ?
					    *p - '0' : tolower(*p) - 'a' + 10);
				}
				c = cp < 0x80 ? (int)cp : '?';
				break;
			default:
				return -1;
			}
		}
		if (o + 1 < dstlen)
			dst[o++] = (char)c;
	}
	if (p >= end)
		return -1;
	dst[o] = '\0';
	*pp = p + 1;
	return 0;
}

static const uint8_t *
jnlp4_json_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r' || *p == '\f' || *p == '\b'))
		p++;
	return p;
}

/*
 * Parse the controller's header map; store JnlpAgentProtocol.cookie in
 * cookie (65 bytes) if it is a plausible token.  0 or -1 (malformed).
 */
static int
jnlp4_parse_headers(const uint8_t *s, size_t n, char *cookie)
{
	const uint8_t	*p = s, *end = s + n;
	char		 key[128], val[256];
	bool		 isnull;
	size_t		 k;

	p = jnlp4_json_ws(p, end);
	if (p >= end || *p++ != '{')
		return -1;
	p = jnlp4_json_ws(p, end);
	if (p < end && *p == '}')
		return jnlp4_json_ws(p + 1, end) == end ? 0 : -1;
	for (;;) {
		p = jnlp4_json_ws(p, end);
		if (p >= end || *p++ != '"' ||
		    jnlp4_json_string(&p, end, key, sizeof(key)) != 0)
			return -1;
		p = jnlp4_json_ws(p, end);
		if (p >= end || *p++ != ':')
			return -1;
		p = jnlp4_json_ws(p, end);
		isnull = false;
		if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
			p += 4;
			isnull = true;
		} else if (p >= end || *p++ != '"' ||
		    jnlp4_json_string(&p, end, val, sizeof(val)) != 0)
			return -1;
		if (strcmp(key, "JnlpAgentProtocol.cookie") == 0) {
			cookie[0] = '\0';
			if (!isnull && strlen(val) <= 64) {
				for (k = 0; val[k] != '\0'; k++)
					if (!isalnum((unsigned char)val[k]) &&
					    val[k] != '-' && val[k] != '_')
						break;
				if (val[k] == '\0')
					memcpy(cookie, val, strlen(val) + 1);
			}
		}
		p = jnlp4_json_ws(p, end);
		if (p >= end)
			return -1;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p++ != '}')
			return -1;
		return jnlp4_json_ws(p, end) == end ? 0 : -1;
	}
}

/* ---- transport ops --------------------------------------------------- */

static int
jnlp4_op_fd(struct transport *t)
{
	return ((struct jnlp4 *)t)->fd;
}

static size_t
jnlp4_op_pending(struct transport *t)
{
	struct jnlp4	*j = (struct jnlp4 *)t;

	return (j->rlen - j->roff) + tls_pending(j->tls);
}

static ssize_t
jnlp4_op_recv(struct transport *t, uint8_t *p, size_t n)
{
	struct jnlp4	*j = (struct jnlp4 *)t;
	size_t		 avail = j->rlen - j->roff;
	ssize_t		 rd;

	if (n == 0)
		return 0;
	if (avail > 0) {
		if (n > avail)
			n = avail;
		memcpy(p, j->rb + j->roff, n);
		j->roff += n;
		if (j->roff == j->rlen)
			j->roff = j->rlen = 0;
		return (ssize_t)n;
	}
	rd = tls_read(j->tls, p, n);
	if (rd > 0)
		return rd;
	if (rd == TLS_WANT_READ || rd == TLS_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (rd == TLS_CLOSED)
		return 0;
	snprintf(t->err, sizeof(t->err), "TLS %s", tls_error(j->tls));
	errno = EIO;
	return -1;}

static int
jnlp4_op_send(struct transport *t, const uint8_t *p, size_t n)
{
	struct jnlp4	*j = (struct jnlp4 *)t;
	long long	 deadline = net_now_ms() + JNLP4_SEND_TIMEOUT_MS;
	volatile int	*stop = j->stop;
	int		 r;

	/* A shutdown must still let the channel send its CloseCommand. */
	j->stop = NULL;
	r = jnlp4_tls_write(j, p, n, deadline, t->err, sizeof(t->err));
	j->stop = stop;
	return r == 0 ? 0 : -1;
}

static void
jnlp4_free(struct jnlp4 *j)
{
	if (j == NULL)
		return;
	tls_free(j->tls);
	if (j->fd != -1)
		close(j->fd);
	if (j->rb != NULL) {
		explicit_bzero(j->rb, j->rcap);
		free(j->rb);
	}
	free(j);
}

static void
jnlp4_op_close(struct transport *t)
{
	struct jnlp4	*j = (struct jnlp4 *)t;

	if (j == NULL)
		return;
	tls_close(j->tls);	/* one close_notify, no wait */
	j->tls = NULL;
	jnlp4_free(j);
}

static const struct transport_ops jnlp4_ops = {
	.fd = jnlp4_op_fd,
	.pending = jnlp4_op_pending,
	.recv = jnlp4_op_recv,
	.send = jnlp4_op_send,
	.tick = NULL,
	.close = jnlp4_op_close,
};

/* ---- the handshake --------------------------------------------------- */

static bool
jnlp4_sni_ok(const char *host)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;

	if (host == NULL || strchr(host, '.') == NULL)
		return false;
	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1)
		return false;
	return host[strlen(host) - 1] != '.';
}

static int
jnlp4_tls_handshake(struct jnlp4 *j, const struct jnlp4_params *p,
    long long deadline, char *err, size_t errlen)
{
	uint8_t	*der;
	size_t	 len;
	int	 r;

	if ((j->tls = tls_client_new(j->fd, jnlp4_sni_ok(p->tls_host) ?
	    p->tls_host : NULL, err, errlen)) == NULL)
		return -1;
	while ((r = tls_handshake(j->tls)) != 0)
		if ((r = jnlp4_tls_wait(j, r, deadline, err, errlen,
		    "TLS handshake")) != 0)
			return r;
	if (tls_peer_spki(j->tls, &der, &len) != 0) {
		net_seterr(err, errlen, "controller identity mismatch: no "
		    "server certificate");
		return -1;
	}
	r = len == p->identity_len && memcmp(der, p->identity, len) == 0;
	free(der);
	if (!r) {
		net_seterr(err, errlen, "controller identity mismatch: the "
		    "TLS certificate's key is not the instance identity");
		return -1;
	}
	log_debug("TLS %s %s (%s), controller identity verified",
	    tls_version(j->tls), tls_cipher(j->tls), tls_library());
	return 0;
}

static int
jnlp4_headers(struct jnlp4 *j, const struct jnlp4_params *p,
    long long deadline, enum jnlp4_status *status, char *err, size_t errlen)
{
	char		 hdr[JNLP4_LPSTR_MAX + 1], msg[160];
	const uint8_t	*s;
	size_t		 o = 0, cap = JNLP4_LPSTR_MAX, n;
	int		 r;

	o = jnlp4_json_put(hdr, o, cap, "{\"Node-Name\":\"");
	o = jnlp4_json_escape(hdr, o, cap, p->name);
	o = jnlp4_json_put(hdr, o, cap, "\",\"Secret-Key\":\"");
	o = jnlp4_json_escape(hdr, o, cap, p->secret);
	if (p->cookie != NULL && p->cookie[0] != '\0') {
		o = jnlp4_json_put(hdr, o, cap,
		    "\",\"JnlpAgentProtocol.cookie\":\"");
		o = jnlp4_json_escape(hdr, o, cap, p->cookie);
	}
	o = jnlp4_json_put(hdr, o, cap, "\"}");
	if (o > cap) {
		explicit_bzero(hdr, sizeof(hdr));
		net_seterr(err, errlen, "connection headers too long");
		return -1;
	}
	r = jnlp4_write_lpstr(j, hdr, o, deadline, err, errlen);
	explicit_bzero(hdr, sizeof(hdr));
	if (r != 0)
		return r;

	if ((r = jnlp4_read_lpstr(j, &s, &n, deadline, err, errlen,
	    "the controller's headers")) != 0)
		return r;
	if (jnlp4_parse_headers(s, n, j->t.cookie) != 0) {
		/* Answer like the Java side would, then give up. */
		(void)jnlp4_write_lpstr(j, "ERROR: Malformed connection header",
		    strlen("ERROR: Malformed connection header"), deadline, msg,
		    sizeof(msg));
		net_seterr(err, errlen, "malformed connection headers from "
		    "the controller");
		return -1;
	}
	if ((r = jnlp4_write_lpstr(j, "OK", 2, deadline, err, errlen)) != 0)
		return r;
	if ((r = jnlp4_read_lpstr(j, &s, &n, deadline, err, errlen,
	    "the controller's answer")) != 0)
		return r;
	if (n == 2 && memcmp(s, "OK", 2) == 0)
		return 0;
	jnlp4_sanitize(msg, sizeof(msg), s, n, 150);
	if (n >= 6 && memcmp(s, "FATAL:", 6) == 0)
		*status = JNLP4_FATAL;
	else if (n >= 6 && memcmp(s, "ERROR:", 6) == 0)
		*status = JNLP4_REFUSED;
	else
		*status = JNLP4_FAILED;
	(void)jnlp4_write_lpstr(j, "BYE", 3, net_now_ms() + 1000, hdr,
	    sizeof(hdr));
	net_seterr(err, errlen, "controller refused the connection: %s",
	    msg);
	return -1;
}

struct transport *
jnlp4_connect(const struct jnlp4_params *p, enum jnlp4_status *status,
    char *err, size_t errlen)
{
	static const uint8_t	 hello[] = {
		0x00, 0x16, 'P', 'r', 'o', 't', 'o', 'c', 'o', 'l', ':',
		'J', 'N', 'L', 'P', '4', '-', 'c', 'o', 'n', 'n', 'e', 'c', 't',
		0x00, 0x03, 'A', 'C', 'K',
	};
	static const uint8_t	 ack[] = { 0x00, 0x03, 'A', 'C', 'K' };
	struct jnlp4		*j;
	char			 phost[256], tmp[256], *userinfo = NULL, *cap;
	const char		*creds;
	const uint8_t		*s;
	uint8_t			 got[5];
	long long		 deadline;
	size_t			 n, g, i;
	int			 r, pport, on = 1, use_proxy = 0;

	*status = JNLP4_FAILED;
	err[0] = '\0';
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		net_seterr(err, errlen, "out of memory");
		return NULL;
	}
	j->fd = -1;
	j->stop = p->stop;
	j->t.ops = &jnlp4_ops;
	j->t.name = "JNLP4-connect";

	deadline = net_now_ms() + p->connect_timeout_ms;
	if (p->use_proxy) {
		use_proxy = jnlp4_proxy_for(p->host, phost, sizeof(phost),
		    &pport, &userinfo);
		if (use_proxy == -1) {
			net_seterr(err, errlen, "unusable http_proxy "
			    "setting");
			goto fail;
		}
	}
	if (use_proxy) {
		log_info("connecting to %.100s:%d through proxy %.100s:%d",
		    p->host, p->port, phost, pport);
		r = net_tcp_connect(phost, pport, deadline, p->stop, 0, err,
		    errlen);
	} else {
		log_info("connecting to %.100s:%d", p->host, p->port);
		r = net_tcp_connect(p->host, p->port, deadline, p->stop, 0,
		    err, errlen);
	}
	if (r < 0) {
		if (r == -2)
			*status = JNLP4_STOPPED;
		goto fail;
	}
	j->fd = r;
	(void)setsockopt(j->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (p->keepalive)
		(void)setsockopt(j->fd, SOL_SOCKET, SO_KEEPALIVE, &on,
		    sizeof(on));
	if (use_proxy) {
		creds = p->proxy_credentials != NULL ? p->proxy_credentials :
		    userinfo;
		r = jnlp4_proxy_connect(j->fd, p->host, p->port, creds,
		    deadline, p->stop, err, errlen);
		if (r != 0)
			goto fail_r;
	}

	deadline = net_now_ms() + p->handshake_timeout_ms;
	if ((r = jnlp4_sock_write(j->fd, hello, sizeof(hello), deadline,
	    p->stop, err, errlen)) != 0)
		goto fail_r;
	/* Exactly 5 bytes: the TLS ServerHello must not be consumed. */
	r = jnlp4_sock_read(j->fd, got, sizeof(got), deadline, p->stop, &g,
	    tmp, sizeof(tmp));
	for (i = 0; i < g; i++)
		if (got[i] != ack[i])
			break;
	if (i < g) {
		char hex[11];
		for (i = 0; i < g; i++)
			snprintf(hex + 2 * i, 3, "%02x", got[i]);
		net_seterr(err, errlen, "incorrect acknowledgement sequence, "
		    "expected 0x000341434b got 0x%s", hex);
		goto fail;
	}
	if (r != 0) {
		net_seterr(err, errlen, "waiting for ACK: %s", tmp);
		goto fail_r;
	}

	if ((r = jnlp4_tls_handshake(j, p, deadline, err, errlen)) != 0)
		goto fail_r;
	if (jnlp4_headers(j, p, deadline, status, err, errlen) != 0)
		goto fail;

	if ((cap = jnlp4_capability_encode(p->capability)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		goto fail;
	}
	r = jnlp4_write_lpstr(j, cap, strlen(cap), deadline, err, errlen);
	free(cap);
	if (r != 0)
		goto fail_r;
	if ((r = jnlp4_read_lpstr(j, &s, &n, deadline, err, errlen,
	    "the controller's capability")) != 0)
		goto fail_r;
	if (jnlp4_capability_decode((const char *)s, n,
	    &j->t.peer_capability) != 0) {
		jnlp4_sanitize(tmp, sizeof(tmp), s, n, 100);
		net_seterr(err, errlen, "unreadable capability from the "
		    "controller: %s", tmp);
		goto fail;
	}
	log_debug("controller capability 0x%llx",
	    (unsigned long long)j->t.peer_capability);
	free(userinfo);
	*status = JNLP4_OK;
	return &j->t;

fail_r:
	if (r == -2) {
		*status = JNLP4_STOPPED;
		net_seterr(err, errlen, "stopped");
	}
fail:
	if (userinfo != NULL) {
		explicit_bzero(userinfo, strlen(userinfo));
		free(userinfo);
	}
	jnlp4_free(j);
	return NULL;
}
