/*
 * tls_mbedtls.c: agent/tls.h over Mbed TLS 2.28 (configure
 * --with-tls=mbedtls).
 *
 * Mbed TLS 2.28 speaks TLS 1.2 only, which every controller's JDK
 * accepts.  Randomness comes from the kernel (getrandom), so no entropy
 * pool or DRBG is kept.  Socket I/O is done here, with MSG_NOSIGNAL, on
 * the caller's nonblocking socket.
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "agent/tls.h"

/* Large enough for an RSA-16384 SubjectPublicKeyInfo. */
#define TLS_SPKI_MAX	2200

/*
 * Key exchange groups, most preferred first.  Mbed TLS's own default
 * offers secp521r1 first, and a JDK server takes the client's first
 * supported group: a 521-bit ECDHE costs both sides several ms.
 */
static const mbedtls_ecp_group_id tls_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_SECP384R1,
	MBEDTLS_ECP_DP_NONE,
};

struct tls {
	mbedtls_ssl_config	 conf;
	mbedtls_ssl_context	 ssl;
	int			 fd;
	int			 io_errno;	/* of the last failed send/recv */
	char			 err[200];
};

const char *
tls_library(void)
{
	return MBEDTLS_VERSION_STRING_FULL;
}

void
tls_warm(void)
{
	/* Nothing worth doing ahead: Mbed TLS has no global set-up. */
}

static int
tls_rng(void *ctx, unsigned char *out, size_t len)
{
	ssize_t	 r;

	(void)ctx;
	while (len > 0) {
		if ((r = getrandom(out, len, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		}
		out += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
tls_send_cb(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 w;

	for (;;) {
		if ((w = send(t->fd, buf, len, MSG_NOSIGNAL)) >= 0)
			return w > INT_MAX ? INT_MAX : (int)w;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_WRITE;
		t->io_errno = errno;
		return errno == EPIPE || errno == ECONNRESET ?
		    MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int
tls_recv_cb(void *ctx, unsigned char *buf, size_t len)
{
	struct tls	*t = ctx;
	ssize_t		 r;

	for (;;) {
		if ((r = recv(t->fd, buf, len, 0)) >= 0)
			return r > INT_MAX ? INT_MAX : (int)r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_READ;
		t->io_errno = errno;
		return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET :
		    MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

struct tls *
tls_client_new(int fd, const char *sni, char *err, size_t errlen)
{
	struct tls	*t;
	int		 r;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->fd = fd;
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	if ((r = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
		goto fail;
	/* The caller pins the leaf's key instead of verifying a chain. */
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_renegotiation(&t->conf,
	    MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	mbedtls_ssl_conf_rng(&t->conf, tls_rng, NULL);
	mbedtls_ssl_conf_curves(&t->conf, tls_curves);
	if ((r = mbedtls_ssl_setup(&t->ssl, &t->conf)) != 0)
		goto fail;
	if (sni != NULL && (r = mbedtls_ssl_set_hostname(&t->ssl, sni)) != 0)
		goto fail;
	mbedtls_ssl_set_bio(&t->ssl, t, tls_send_cb, tls_recv_cb, NULL);
	return t;
fail:
	mbedtls_strerror(r, t->err, sizeof(t->err));
	snprintf(err, errlen, "TLS setup failed: %s", t->err);
	tls_free(t);
	return NULL;
}

/* Map an mbedtls_ssl_* result < 0 (or 0 from a read) to a TLS_* code. */
static int
tls_result(struct tls *t, int rv, const char *what)
{
	char	 buf[160];

	switch (rv) {
	case MBEDTLS_ERR_SSL_WANT_READ:
		return TLS_WANT_READ;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return TLS_WANT_WRITE;
	case 0:
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
		snprintf(t->err, sizeof(t->err), "connection closed");
		return TLS_CLOSED;
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		if (t->io_errno != 0) {
			snprintf(t->err, sizeof(t->err), "%s%s", what,
			    strerror(t->io_errno));
			return TLS_ERROR;
		}
		break;
	}
	mbedtls_strerror(rv, buf, sizeof(buf));
	snprintf(t->err, sizeof(t->err), "%s%s", what, buf);
	return TLS_ERROR;
}

int
tls_handshake(struct tls *t)
{
	int	 r;

	if ((r = mbedtls_ssl_handshake(&t->ssl)) == 0)
		return 0;
	/* A handshake that meets EOF is a failure, not a close. */
	if (r == MBEDTLS_ERR_SSL_CONN_EOF) {
		snprintf(t->err, sizeof(t->err), "connection closed");
		return TLS_CLOSED;
	}
	return tls_result(t, r, "");
}

ssize_t
tls_read(struct tls *t, void *p, size_t n)
{
	int	 r;

	if ((r = mbedtls_ssl_read(&t->ssl, p, n)) > 0)
		return r;
	return tls_result(t, r, "read: ");
}

ssize_t
tls_write(struct tls *t, const void *p, size_t n)
{
	int	 r;

	if ((r = mbedtls_ssl_write(&t->ssl, p, n)) > 0)
		return r;
	if (r == 0)	/* nothing written, nothing wrong: ask again */
		return TLS_WANT_WRITE;
	return tls_result(t, r, "write: ");
}

size_t
tls_pending(struct tls *t)
{
	return mbedtls_ssl_get_bytes_avail(&t->ssl);
}

const char *
tls_error(struct tls *t)
{
	return t->err[0] != '\0' ? t->err : "unknown error";
}

const char *
tls_version(struct tls *t)
{
	return mbedtls_ssl_get_version(&t->ssl);
}

const char *
tls_cipher(struct tls *t)
{
	const char	*c = mbedtls_ssl_get_ciphersuite(&t->ssl);

	return c != NULL ? c : "(none)";
}

int
tls_peer_spki(struct tls *t, uint8_t **der, size_t *derlen)
{
	const mbedtls_x509_crt	*peer;
	unsigned char		*buf;
	int			 len;

	if ((peer = mbedtls_ssl_get_peer_cert(&t->ssl)) == NULL)
		return -1;
	if ((buf = malloc(TLS_SPKI_MAX)) == NULL)
		return -1;
	/* Written at the end of buf (Mbed TLS's ASN.1 writers go
	 * backwards); the key is not modified. */
	len = mbedtls_pk_write_pubkey_der((mbedtls_pk_context *)&peer->pk,
	    buf, TLS_SPKI_MAX);
	if (len <= 0) {
		free(buf);
		return -1;
	}
	memmove(buf, buf + TLS_SPKI_MAX - len, (size_t)len);
	*der = buf;
	*derlen = (size_t)len;
	return 0;
}

void
tls_close(struct tls *t)
{
	if (t == NULL)
		return;
	(void)mbedtls_ssl_close_notify(&t->ssl);	/* no wait */
	tls_free(t);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	mbedtls_ssl_free(&t->ssl);
	mbedtls_ssl_config_free(&t->conf);
	free(t);
}

int
tls_spki_is_rsa(const uint8_t *der, size_t derlen, char *why, size_t whylen)
{
	mbedtls_pk_context	 pk;
	unsigned char		*p = (unsigned char *)der;
	int			 r;

	if (derlen == 0) {
		snprintf(why, whylen, "not a DER SubjectPublicKeyInfo");
		return -1;
	}
	mbedtls_pk_init(&pk);
	/* Reads only; the pointer is advanced past the structure. */
	r = mbedtls_pk_parse_subpubkey(&p, der + derlen, &pk);
	if (r != 0 || p != der + derlen) {
		mbedtls_pk_free(&pk);
		snprintf(why, whylen, "not a DER SubjectPublicKeyInfo");
		return -1;
	}
	r = mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA;
	mbedtls_pk_free(&pk);
	if (!r) {
		snprintf(why, whylen, "not an RSA public key");
		return -1;
	}
	return 0;
}
