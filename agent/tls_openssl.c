/*
 * tls_openssl.c: agent/tls.h over OpenSSL 3 (the default backend).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "agent/tls.h"

struct tls {
	SSL_CTX	*ctx;
	SSL	*ssl;
	char	 err[200];
};

const char *
tls_library(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

void
tls_warm(void)
{
	static int	 done;	/* the connect loop's thread only */
	SSL_CTX		*ctx;

	if (done)
		return;
	done = 1;
	if ((ctx = SSL_CTX_new(TLS_client_method())) != NULL)
		SSL_CTX_free(ctx);
	ERR_clear_error();
}

/* The oldest queued OpenSSL error as text, and the queue cleared. */
static void
tls_set_sslerr(struct tls *t, const char *what)
{
	char		 buf[160];
	unsigned long	 e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, sizeof(buf), "unknown error");
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	snprintf(t->err, sizeof(t->err), "%s%s", what, buf);
}

struct tls *
tls_client_new(int fd, const char *sni, char *err, size_t errlen)
{
	struct tls	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1)
		goto fail;
	/* The caller pins the leaf's key instead of verifying a chain. */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if ((t->ssl = SSL_new(t->ctx)) == NULL || SSL_set_fd(t->ssl, fd) != 1)
		goto fail;
	if (sni != NULL && SSL_set_tlsext_host_name(t->ssl, sni) != 1)
		goto fail;
	return t;
fail:
	tls_set_sslerr(t, "TLS setup failed: ");
	snprintf(err, errlen, "%s", t->err);
	tls_free(t);
	return NULL;
}

/* Map an SSL_* result <= 0 to a TLS_* code. */
static int
tls_result(struct tls *t, int rv, const char *what)
{
	int	 e = SSL_get_error(t->ssl, rv);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		snprintf(t->err, sizeof(t->err), "connection closed");
		return TLS_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (errno == 0) {
				snprintf(t->err, sizeof(t->err),
				    "connection closed");
				return TLS_CLOSED;
			}
			snprintf(t->err, sizeof(t->err), "%s%s", what,
			    strerror(errno));
			return TLS_ERROR;
		}
		/* FALLTHROUGH */
	default:
		tls_set_sslerr(t, what);
		return TLS_ERROR;
	}
}

int
tls_handshake(struct tls *t)
{
	int	 r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_connect(t->ssl)) == 1)
		return 0;
	return tls_result(t, r, "");
}

ssize_t
tls_read(struct tls *t, void *p, size_t n)
{
	int	 r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_read(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n)) > 0)
		return r;
	return tls_result(t, r, "read: ");
}

ssize_t
tls_write(struct tls *t, const void *p, size_t n)
{
	int	 r;

	ERR_clear_error();
	errno = 0;
	if ((r = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n)) > 0)
		return r;
	return tls_result(t, r, "write: ");
}

size_t
tls_pending(struct tls *t)
{
	int	 p = SSL_pending(t->ssl);

	return p > 0 ? (size_t)p : 0;
}

const char *
tls_error(struct tls *t)
{
	return t->err[0] != '\0' ? t->err : "unknown error";
}

const char *
tls_version(struct tls *t)
{
	return SSL_get_version(t->ssl);
}

const char *
tls_cipher(struct tls *t)
{
	const char	*c = SSL_get_cipher_name(t->ssl);

	return c != NULL ? c : "(none)";
}

int
tls_peer_spki(struct tls *t, uint8_t **der, size_t *derlen)
{
	X509		*peer;
	EVP_PKEY	*pk;
	unsigned char	*d = NULL;
	int		 len;

	if ((peer = SSL_get0_peer_certificate(t->ssl)) == NULL ||
	    (pk = X509_get0_pubkey(peer)) == NULL ||
	    (len = i2d_PUBKEY(pk, &d)) <= 0) {
		ERR_clear_error();
		return -1;
	}
	if ((*der = malloc((size_t)len)) == NULL) {
		OPENSSL_free(d);
		return -1;
	}
	memcpy(*der, d, (size_t)len);
	*derlen = (size_t)len;
	OPENSSL_free(d);
	return 0;
}

void
tls_close(struct tls *t)
{
	if (t == NULL)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(t->ssl);	/* one close_notify, no wait */
	ERR_clear_error();
	tls_free(t);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	free(t);
}

int
tls_spki_is_rsa(const uint8_t *der, size_t derlen, char *why, size_t whylen)
{
	const unsigned char	*p = der;
	EVP_PKEY		*pk;
	int			 rsa;

	if (derlen == 0 || derlen > LONG_MAX) {
		snprintf(why, whylen, "not a DER SubjectPublicKeyInfo");
		return -1;
	}
	pk = d2i_PUBKEY(NULL, &p, (long)derlen);
	ERR_clear_error();
	if (pk == NULL || p != der + derlen) {
		EVP_PKEY_free(pk);
		snprintf(why, whylen, "not a DER SubjectPublicKeyInfo");
		return -1;
	}
	rsa = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
	EVP_PKEY_free(pk);
	if (!rsa) {
		snprintf(why, whylen, "not an RSA public key");
		return -1;
	}
	return 0;
}
