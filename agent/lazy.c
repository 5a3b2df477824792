/*
 * lazy.c: libcurl and libarchive, loaded with dlopen() on first use
 * (see lazy.h).  Linked into the jnagent binary only, in place of
 * -lcurl -larchive.
 *
 * Each wrapper has the exact prototype of the library function (the
 * library's header is included, so a mismatch does not compile) and
 * keeps the real function's address in its own static slot, filled on
 * the first call.  Slots are read and written atomically; the library
 * itself is opened once (pthread_once), so concurrent first calls from
 * several threads are safe.
 */
#define CURL_DISABLE_TYPECHECK	/* curl_easy_setopt etc. as functions */

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>

#ifdef LAZY_OPENSSL
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#endif

#include "agent/lazy.h"
#include "agent/log.h"

#ifndef LAZY_CURL_SONAME
#define LAZY_CURL_SONAME	"libcurl.so.4"
#endif
#ifndef LAZY_ARCHIVE_SONAME
#define LAZY_ARCHIVE_SONAME	"libarchive.so.13"
#endif

#ifndef LAZY_CRYPTO_SONAME
#define LAZY_CRYPTO_SONAME	"libcrypto.so.3"
#endif
#ifndef LAZY_SSL_SONAME
#define LAZY_SSL_SONAME		"libssl.so.3"
#endif

struct lazy_lib {
	const char	*soname;
	void		(*open)(void);
	pthread_once_t	 once;
	void		*handle;	/* set once, by lazy_open */
	char		 err[256];
};

static void	lazy_open_curl(void);
static void	lazy_open_archive(void);

static struct lazy_lib	 lazy_curl = {
	LAZY_CURL_SONAME, lazy_open_curl, PTHREAD_ONCE_INIT, NULL, ""
};
static struct lazy_lib	 lazy_archive = {
	LAZY_ARCHIVE_SONAME, lazy_open_archive, PTHREAD_ONCE_INIT, NULL, ""
};
#ifdef LAZY_OPENSSL
static void	lazy_open_crypto(void);
static void	lazy_open_ssl(void);

static struct lazy_lib	 lazy_crypto = {
	LAZY_CRYPTO_SONAME, lazy_open_crypto, PTHREAD_ONCE_INIT, NULL, ""
};
static struct lazy_lib	 lazy_ssl = {
	LAZY_SSL_SONAME, lazy_open_ssl, PTHREAD_ONCE_INIT, NULL, ""
};
#endif

static void
lazy_open(struct lazy_lib *l)
{
	const char	*e;
	void		*h;

	if ((h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(l->err, sizeof(l->err), "%s", e != NULL ? e :
		    "unknown error");
		return;
	}
	__atomic_store_n(&l->handle, h, __ATOMIC_RELEASE);
}

static void
lazy_open_curl(void)
{
	lazy_open(&lazy_curl);
}

static void
lazy_open_archive(void)
{
	lazy_open(&lazy_archive);
}

#ifdef LAZY_OPENSSL
static void
lazy_open_crypto(void)
{
	lazy_open(&lazy_crypto);
}

static void
lazy_open_ssl(void)
{
	lazy_open(&lazy_ssl);
}
#endif

/* The real address of name; exits when the library or name is missing. */
static void *
lazy_fn(struct lazy_lib *l, const char *name, void **slot)
{
	void	*fp, *h;

	if ((fp = __atomic_load_n(slot, __ATOMIC_ACQUIRE)) != NULL)
		return fp;
	pthread_once(&l->once, l->open);
	if ((h = __atomic_load_n(&l->handle, __ATOMIC_ACQUIRE)) == NULL)
		fatalx(1, "cannot load %s, needed for this feature: %s",
		    l->soname, l->err);
	if ((fp = dlsym(h, name)) == NULL)
		fatalx(1, "%s has no %s (too old?)", l->soname, name);
	__atomic_store_n(slot, fp, __ATOMIC_RELEASE);
	return fp;
}

bool
lazy_curl_loaded(void)
{
	return __atomic_load_n(&lazy_curl.handle, __ATOMIC_ACQUIRE) != NULL;
}

bool
lazy_archive_loaded(void)
{
	return __atomic_load_n(&lazy_archive.handle, __ATOMIC_ACQUIRE) !=
	    NULL;
}

/* A wrapper for a function returning a value, and for a void one. */
#define LAZY_FN(lib, ret, name, params, args)				\
ret									\
name params								\
{									\
	static void	*fp;						\
	return ((__typeof__(&name))lazy_fn(&lib, #name, &fp))args;	\
}
#define LAZY_VOID(lib, name, params, args)				\
void									\
name params								\
{									\
	static void	*fp;						\
	((__typeof__(&name))lazy_fn(&lib, #name, &fp))args;		\
}

/* ---- libcurl --------------------------------------------------------- */

LAZY_FN(lazy_curl, CURLcode, curl_global_init, (long flags), (flags))
LAZY_VOID(lazy_curl, curl_global_cleanup, (void), ())
LAZY_FN(lazy_curl, CURL *, curl_easy_init, (void), ())
LAZY_VOID(lazy_curl, curl_easy_cleanup, (CURL *c), (c))
LAZY_VOID(lazy_curl, curl_easy_reset, (CURL *c), (c))
LAZY_FN(lazy_curl, CURLcode, curl_easy_perform, (CURL *c), (c))
LAZY_FN(lazy_curl, CURLcode, curl_easy_recv,
    (CURL *c, void *buf, size_t len, size_t *n), (c, buf, len, n))
LAZY_FN(lazy_curl, CURLcode, curl_easy_send,
    (CURL *c, const void *buf, size_t len, size_t *n), (c, buf, len, n))
LAZY_FN(lazy_curl, const char *, curl_easy_strerror, (CURLcode e), (e))
LAZY_VOID(lazy_curl, curl_free, (void *p), (p))
LAZY_FN(lazy_curl, struct curl_slist *, curl_slist_append,
    (struct curl_slist *l, const char *s), (l, s))
LAZY_VOID(lazy_curl, curl_slist_free_all, (struct curl_slist *l), (l))
LAZY_FN(lazy_curl, CURLU *, curl_url, (void), ())
LAZY_VOID(lazy_curl, curl_url_cleanup, (CURLU *u), (u))
LAZY_FN(lazy_curl, CURLUcode, curl_url_get,
    (CURLU *u, CURLUPart what, char **part, unsigned int flags),
    (u, what, part, flags))
LAZY_FN(lazy_curl, CURLUcode, curl_url_set,
    (CURLU *u, CURLUPart what, const char *part, unsigned int flags),
    (u, what, part, flags))

/*
 * The variadic ones take exactly one argument after the option, whose
 * type the option number encodes (curl.h, CURLOPTTYPE_*; every
 * CURLINFO takes a pointer).
 */
CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	static void	*fp;
	CURLcode	(*f)(CURL *, CURLoption, ...);
	va_list		 ap;
	CURLcode	 r;

	f = (__typeof__(f))lazy_fn(&lazy_curl, "curl_easy_setopt", &fp);
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = f(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = f(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = f(c, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		r = f(c, opt, va_arg(ap, curl_off_t));
	else
		r = f(c, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	static void	*fp;
	CURLcode	(*f)(CURL *, CURLINFO, ...);
	va_list		 ap;
	CURLcode	 r;

	f = (__typeof__(f))lazy_fn(&lazy_curl, "curl_easy_getinfo", &fp);
	va_start(ap, info);
	r = f(c, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* ---- libarchive ------------------------------------------------------ */

LAZY_FN(lazy_archive, struct archive *, archive_read_new, (void), ())
LAZY_FN(lazy_archive, int, archive_read_free, (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_support_filter_gzip,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_support_filter_none,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_support_format_gnutar,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_support_format_tar,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_support_format_zip,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_read_open,
    (struct archive *a, void *data, archive_open_callback *o,
    archive_read_callback *r, archive_close_callback *c),
    (a, data, o, r, c))
LAZY_FN(lazy_archive, int, archive_read_open_fd,
    (struct archive *a, int fd, size_t bs), (a, fd, bs))
LAZY_FN(lazy_archive, int, archive_read_next_header,
    (struct archive *a, struct archive_entry **e), (a, e))
LAZY_FN(lazy_archive, la_ssize_t, archive_read_data,
    (struct archive *a, void *buf, size_t n), (a, buf, n))
LAZY_FN(lazy_archive, struct archive *, archive_write_new, (void), ())
LAZY_FN(lazy_archive, int, archive_write_free, (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_write_add_filter_gzip,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_write_set_format_gnutar,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_write_set_bytes_in_last_block,
    (struct archive *a, int n), (a, n))
LAZY_FN(lazy_archive, int, archive_write_set_format_zip,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_write_open2,
    (struct archive *a, void *data, archive_open_callback *o,
    archive_write_callback *w, archive_close_callback *c,
    archive_free_callback *f), (a, data, o, w, c, f))
LAZY_FN(lazy_archive, int, archive_write_header,
    (struct archive *a, struct archive_entry *e), (a, e))
LAZY_FN(lazy_archive, la_ssize_t, archive_write_data,
    (struct archive *a, const void *buf, size_t n), (a, buf, n))
LAZY_FN(lazy_archive, int, archive_write_finish_entry,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, int, archive_write_close, (struct archive *a), (a))
LAZY_FN(lazy_archive, const char *, archive_error_string,
    (struct archive *a), (a))
LAZY_FN(lazy_archive, struct archive_entry *, archive_entry_new, (void), ())
LAZY_VOID(lazy_archive, archive_entry_free, (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, const char *, archive_entry_pathname,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, const char *, archive_entry_symlink,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, const char *, archive_entry_hardlink,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, __LA_MODE_T, archive_entry_filetype,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, __LA_MODE_T, archive_entry_perm,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, time_t, archive_entry_mtime,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, long, archive_entry_mtime_nsec,
    (struct archive_entry *e), (e))
LAZY_FN(lazy_archive, int, archive_entry_mtime_is_set,
    (struct archive_entry *e), (e))
LAZY_VOID(lazy_archive, archive_entry_copy_pathname,
    (struct archive_entry *e, const char *s), (e, s))
LAZY_VOID(lazy_archive, archive_entry_copy_symlink,
    (struct archive_entry *e, const char *s), (e, s))
LAZY_VOID(lazy_archive, archive_entry_set_filetype,
    (struct archive_entry *e, unsigned int t), (e, t))
LAZY_VOID(lazy_archive, archive_entry_set_perm,
    (struct archive_entry *e, __LA_MODE_T m), (e, m))
LAZY_VOID(lazy_archive, archive_entry_set_mtime,
    (struct archive_entry *e, time_t s, long ns), (e, s, ns))
LAZY_VOID(lazy_archive, archive_entry_set_size,
    (struct archive_entry *e, la_int64_t n), (e, n))

/* printf-style: formatted here, passed on as "%s"; NULL fmt as is. */
void
archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void	*fp;
	void		(*f)(struct archive *, int, const char *, ...);
	char		 msg[1024];
	va_list		 ap;

	f = (__typeof__(f))lazy_fn(&lazy_archive, "archive_set_error", &fp);
	if (fmt == NULL) {	/* clears the message */
		f(a, err, NULL);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f(a, err, "%s", msg);
}

#ifdef LAZY_OPENSSL
/*
 * ---- OpenSSL (--with-tls=mbedtls builds only) ------------------------
 * JNLP4-connect runs on Mbed TLS there; these serve the features that
 * still use OpenSSL: FilePath digests, registration, the WebSocket key,
 * -cert inside libcurl (which maps OpenSSL itself anyway).
 */
LAZY_FN(lazy_crypto, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
LAZY_VOID(lazy_crypto, EVP_MD_CTX_free, (EVP_MD_CTX *c), (c))
LAZY_FN(lazy_crypto, const EVP_MD *, EVP_md5, (void), ())
LAZY_FN(lazy_crypto, const EVP_MD *, EVP_sha256, (void), ())
LAZY_FN(lazy_crypto, int, EVP_DigestInit_ex,
    (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e), (c, t, e))
LAZY_FN(lazy_crypto, int, EVP_DigestUpdate,
    (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n))
LAZY_FN(lazy_crypto, int, EVP_DigestFinal_ex,
    (EVP_MD_CTX *c, unsigned char *md, unsigned int *n), (c, md, n))
LAZY_FN(lazy_crypto, unsigned char *, SHA1,
    (const unsigned char *d, size_t n, unsigned char *md), (d, n, md))
LAZY_VOID(lazy_crypto, ERR_clear_error, (void), ())
LAZY_FN(lazy_crypto, BIO *, BIO_new_file, (const char *f, const char *m),
    (f, m))
LAZY_FN(lazy_crypto, BIO *, BIO_new_mem_buf, (const void *b, int n), (b, n))
LAZY_FN(lazy_crypto, int, BIO_free, (BIO *b), (b))
LAZY_FN(lazy_crypto, X509 *, PEM_read_bio_X509,
    (BIO *b, X509 **x, pem_password_cb *cb, void *u), (b, x, cb, u))
LAZY_VOID(lazy_crypto, X509_free, (X509 *x), (x))
LAZY_FN(lazy_crypto, int, X509_STORE_add_cert, (X509_STORE *s, X509 *x),
    (s, x))
LAZY_FN(lazy_ssl, X509_STORE *, SSL_CTX_get_cert_store, (const SSL_CTX *c),
    (c))

/* DinD over TLS: docker/certgen.c and docker/tlsfwd.c */
LAZY_FN(lazy_crypto, BIGNUM *, BN_bin2bn,
    (const unsigned char *s, int n, BIGNUM *r), (s, n, r))
LAZY_VOID(lazy_crypto, BN_free, (BIGNUM *a), (a))
LAZY_FN(lazy_crypto, ASN1_INTEGER *, BN_to_ASN1_INTEGER,
    (const BIGNUM *b, ASN1_INTEGER *ai), (b, ai))
LAZY_FN(lazy_crypto, EVP_PKEY_CTX *, EVP_PKEY_CTX_new_id, (int id, ENGINE *e),
    (id, e))
LAZY_VOID(lazy_crypto, EVP_PKEY_CTX_free, (EVP_PKEY_CTX *c), (c))
LAZY_FN(lazy_crypto, int, EVP_PKEY_CTX_set_ec_paramgen_curve_nid,
    (EVP_PKEY_CTX *c, int nid), (c, nid))
LAZY_FN(lazy_crypto, int, EVP_PKEY_keygen_init, (EVP_PKEY_CTX *c), (c))
LAZY_FN(lazy_crypto, int, EVP_PKEY_keygen, (EVP_PKEY_CTX *c, EVP_PKEY **k),
    (c, k))
LAZY_VOID(lazy_crypto, EVP_PKEY_free, (EVP_PKEY *k), (k))
LAZY_FN(lazy_crypto, int, OBJ_sn2nid, (const char *sn), (sn))
LAZY_FN(lazy_crypto, int, PEM_write_PrivateKey,
    (FILE *f, const EVP_PKEY *k, const EVP_CIPHER *enc,
    const unsigned char *ks, int kl, pem_password_cb *cb, void *u),
    (f, k, enc, ks, kl, cb, u))
LAZY_FN(lazy_crypto, int, PEM_write_X509, (FILE *f, const X509 *x), (f, x))
LAZY_FN(lazy_crypto, int, RAND_bytes, (unsigned char *b, int n), (b, n))
LAZY_FN(lazy_crypto, X509_EXTENSION *, X509V3_EXT_conf_nid,
    (LHASH_OF(CONF_VALUE) *conf, X509V3_CTX *c, int nid, const char *v),
    (conf, c, nid, v))
LAZY_VOID(lazy_crypto, X509V3_set_ctx,
    (X509V3_CTX *c, X509 *i, X509 *s, X509_REQ *r, X509_CRL *l, int f),
    (c, i, s, r, l, f))
LAZY_VOID(lazy_crypto, X509_EXTENSION_free, (X509_EXTENSION *e), (e))
LAZY_FN(lazy_crypto, int, X509_NAME_add_entry_by_txt,
    (X509_NAME *n, const char *f, int t, const unsigned char *b, int l,
    int loc, int set), (n, f, t, b, l, loc, set))
LAZY_FN(lazy_crypto, int, X509_add_ext, (X509 *x, X509_EXTENSION *e, int loc),
    (x, e, loc))
LAZY_FN(lazy_crypto, ASN1_INTEGER *, X509_get_serialNumber, (X509 *x), (x))
LAZY_FN(lazy_crypto, X509_NAME *, X509_get_subject_name, (const X509 *x),
    (x))
LAZY_FN(lazy_crypto, ASN1_TIME *, X509_getm_notBefore, (const X509 *x), (x))
LAZY_FN(lazy_crypto, ASN1_TIME *, X509_getm_notAfter, (const X509 *x), (x))
LAZY_FN(lazy_crypto, ASN1_TIME *, X509_gmtime_adj, (ASN1_TIME *t, long adj),
    (t, adj))
LAZY_FN(lazy_crypto, X509 *, X509_new, (void), ())
LAZY_FN(lazy_crypto, int, X509_set_issuer_name,
    (X509 *x, const X509_NAME *n), (x, n))
LAZY_FN(lazy_crypto, int, X509_set_pubkey, (X509 *x, EVP_PKEY *k), (x, k))
LAZY_FN(lazy_crypto, int, X509_set_version, (X509 *x, long v), (x, v))
LAZY_FN(lazy_crypto, int, X509_sign, (X509 *x, EVP_PKEY *k, const EVP_MD *md),
    (x, k, md))
LAZY_FN(lazy_crypto, int, X509_VERIFY_PARAM_set1_ip_asc,
    (X509_VERIFY_PARAM *p, const char *ip), (p, ip))
LAZY_FN(lazy_ssl, const SSL_METHOD *, TLS_client_method, (void), ())
LAZY_FN(lazy_ssl, SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *m), (m))
LAZY_VOID(lazy_ssl, SSL_CTX_free, (SSL_CTX *c), (c))
LAZY_FN(lazy_ssl, int, SSL_CTX_up_ref, (SSL_CTX *c), (c))
LAZY_FN(lazy_ssl, long, SSL_CTX_ctrl, (SSL_CTX *c, int cmd, long l, void *p),
    (c, cmd, l, p))
LAZY_FN(lazy_ssl, int, SSL_CTX_load_verify_locations,
    (SSL_CTX *c, const char *f, const char *d), (c, f, d))
LAZY_VOID(lazy_ssl, SSL_CTX_set_verify,
    (SSL_CTX *c, int mode, SSL_verify_cb cb), (c, mode, cb))
LAZY_FN(lazy_ssl, int, SSL_CTX_use_certificate_file,
    (SSL_CTX *c, const char *f, int t), (c, f, t))
LAZY_FN(lazy_ssl, int, SSL_CTX_use_PrivateKey_file,
    (SSL_CTX *c, const char *f, int t), (c, f, t))
LAZY_FN(lazy_ssl, SSL *, SSL_new, (SSL_CTX *c), (c))
LAZY_VOID(lazy_ssl, SSL_free, (SSL *s), (s))
LAZY_FN(lazy_ssl, int, SSL_set_fd, (SSL *s, int fd), (s, fd))
LAZY_FN(lazy_ssl, X509_VERIFY_PARAM *, SSL_get0_param, (SSL *s), (s))
LAZY_FN(lazy_ssl, int, SSL_connect, (SSL *s), (s))
LAZY_FN(lazy_ssl, int, SSL_read, (SSL *s, void *b, int n), (s, b, n))
LAZY_FN(lazy_ssl, int, SSL_write, (SSL *s, const void *b, int n), (s, b, n))
LAZY_FN(lazy_ssl, int, SSL_pending, (const SSL *s), (s))
LAZY_FN(lazy_ssl, int, SSL_get_error, (const SSL *s, int r), (s, r))
LAZY_FN(lazy_ssl, int, SSL_shutdown, (SSL *s), (s))
LAZY_FN(lazy_ssl, int, SSL_set1_host, (SSL *s, const char *h), (s, h))
LAZY_FN(lazy_ssl, long, SSL_ctrl, (SSL *s, int cmd, long l, void *p),
    (s, cmd, l, p))
#endif
