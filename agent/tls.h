/*
 * tls.h: the TLS client under JNLP4-connect, over one of two libraries
 * chosen at configure time (--with-tls): OpenSSL (tls_openssl.c, the
 * default) or Mbed TLS (tls_mbedtls.c, a smaller footprint: jnagent then
 * maps no libcrypto at all unless a feature that needs it runs, see
 * agent/lazy.h).
 *
 * A session runs on a connected, nonblocking socket that the caller owns
 * and polls.  Certificate chain and host name are not verified: the
 * caller pins the leaf's public key (tls_peer_spki) instead, as remoting
 * does with the controller's instance identity.  TLS 1.2 at least.
 *
 * Calls that would block return TLS_WANT_READ or TLS_WANT_WRITE: poll
 * the socket for that, then repeat the same call with the same
 * arguments.  TLS_ERROR leaves a one-line reason in tls_error().
 */
#ifndef JNAGENT_AGENT_TLS_H
#define JNAGENT_AGENT_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_ERROR	(-1)
#define TLS_WANT_READ	(-2)
#define TLS_WANT_WRITE	(-3)
#define TLS_CLOSED	(-4)	/* the peer closed (close_notify or EOF) */

struct tls;

/* The library's name and version, e.g. "OpenSSL 3.0.15". */
const char	*tls_library(void);

/*
 * Do the library's one-time set-up now (OpenSSL's provider and TLS
 * method tables cost a few ms on first use), off the critical path.
 */
void		 tls_warm(void);

/*
 * A client session on fd; sni (may be NULL) is sent as server name.
 * NULL on failure with the reason in err.
 */
struct tls	*tls_client_new(int fd, const char *sni, char *err,
		    size_t errlen);
/* 0 when done, or TLS_WANT_READ/TLS_WANT_WRITE/TLS_CLOSED/TLS_ERROR. */
int		 tls_handshake(struct tls *);
/* Bytes read (> 0), or TLS_WANT_*, TLS_CLOSED, TLS_ERROR. */
ssize_t		 tls_read(struct tls *, void *, size_t);
/* Bytes written (> 0, possibly fewer than asked), or TLS_WANT_*,
 * TLS_CLOSED, TLS_ERROR. */
ssize_t		 tls_write(struct tls *, const void *, size_t);
/* Decrypted bytes buffered inside the library, readable without I/O. */
size_t		 tls_pending(struct tls *);
/* The reason for the last TLS_ERROR (or TLS_CLOSED). */
const char	*tls_error(struct tls *);
/* Negotiated protocol and cipher suite, for the log. */
const char	*tls_version(struct tls *);
const char	*tls_cipher(struct tls *);
/*
 * The DER SubjectPublicKeyInfo of the peer's leaf certificate, malloc'd
 * into *der.  -1 when there is none.
 */
int		 tls_peer_spki(struct tls *, uint8_t **der, size_t *derlen);
/* Send close_notify without waiting for the peer's, then free. */
void		 tls_close(struct tls *);
/* Free without close_notify (fd is not closed either way). */
void		 tls_free(struct tls *);

/*
 * Whether der (exactly derlen bytes) is a DER SubjectPublicKeyInfo
 * holding an RSA key; -1 with the reason in why if not.
 */
int		 tls_spki_is_rsa(const uint8_t *der, size_t derlen, char *why,
		    size_t whylen);

#endif
