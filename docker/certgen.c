/*
 * certgen.c: see certgen.h.  OpenSSL 3 libcrypto (in a --with-tls=mbedtls
 * jnagent these calls go through agent/lazy.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "docker/certgen.h"

static EVP_PKEY *
cg_key(void)
{
	EVP_PKEY	*k = NULL;
	EVP_PKEY_CTX	*c;

	if ((c = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL)) == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(c, NID_X9_62_prime256v1) <=
	    0 || EVP_PKEY_keygen(c, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

static int
cg_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*e;
	int		 r;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
		return -1;
	r = X509_add_ext(x, e, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(e);
	return r;
}

/* A certificate for key, signed by ca/cakey (NULL: self-signed). */
static X509 *
cg_cert(const char *cn, EVP_PKEY *key, X509 *ca, EVP_PKEY *cakey, int days,
    const char *const *exts)
{
	X509		*x;
	X509_NAME	*name;
	BIGNUM		*bn = NULL;
	unsigned char	 serial[16];
	size_t		 i;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;	/* positive */
	serial[0] |= 0x01;	/* and not short */
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) ==
	    NULL || X509_set_pubkey(x, key) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"jnagent", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		goto fail;
	if (X509_set_issuer_name(x, ca != NULL ? X509_get_subject_name(ca) :
	    name) != 1)
		goto fail;
	for (i = 0; exts[i] != NULL; i += 2)
		if (cg_ext(x, ca != NULL ? ca : x, OBJ_sn2nid(exts[i]),
		    exts[i + 1]) != 0)
			goto fail;
	if (X509_sign(x, cakey != NULL ? cakey : key, EVP_sha256()) <= 0)
		goto fail;
	BN_free(bn);
	return x;
fail:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write dir/name 0600 with the PEM of x or k (one of them). */
static int
cg_write(const char *dir, const char *name, X509 *x, EVP_PKEY *k, char *err,
    size_t errlen)
{
	char	 path[4096], tmp[4200];
	FILE	*f;
	int	 fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	ok = x != NULL ? PEM_write_X509(f, x) :
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ok = 0;
	if (fclose(f) != 0)
		ok = 0;
	if (ok != 1 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

/* Every file certgen_docker() writes. */
static const char *const cg_files[] = { "ca.pem", "cert.pem", "key.pem",
    "server-cert.pem", "server-key.pem" };

void
certgen_docker_remove(const char *dir)
{
	char	 path[4200];
	size_t	 i;

	for (i = 0; i < sizeof(cg_files) / sizeof(*cg_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, cg_files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

int
certgen_docker(const char *dir, int days, char *err, size_t errlen)
{
	static const char *const ca_ext[] = {
		"basicConstraints", "critical,CA:TRUE,pathlen:0",
		"keyUsage", "critical,keyCertSign,cRLSign",
		"subjectKeyIdentifier", "hash", NULL };
	static const char *const srv_ext[] = {
		"basicConstraints", "critical,CA:FALSE",
		"keyUsage", "critical,digitalSignature,keyEncipherment",
		"extendedKeyUsage", "serverAuth",
		"subjectAltName", "IP:127.0.0.1,DNS:localhost",
		"authorityKeyIdentifier", "keyid", NULL };
	static const char *const cli_ext[] = {
		"basicConstraints", "critical,CA:FALSE",
		"keyUsage", "critical,digitalSignature",
		"extendedKeyUsage", "clientAuth",
		"authorityKeyIdentifier", "keyid", NULL };
	EVP_PKEY	*cak = NULL, *sk = NULL, *ck = NULL;
	X509		*ca = NULL, *sc = NULL, *cc = NULL;
	int		 r = -1;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((cak = cg_key()) == NULL || (sk = cg_key()) == NULL ||
	    (ck = cg_key()) == NULL) {
		snprintf(err, errlen, "cannot generate a key");
		goto done;
	}
	if ((ca = cg_cert("jnagent inner Docker daemon CA", cak, NULL, NULL,
	    days, ca_ext)) == NULL ||
	    (sc = cg_cert("localhost", sk, ca, cak, days, srv_ext)) == NULL ||
	    (cc = cg_cert("jnagent", ck, ca, cak, days, cli_ext)) == NULL) {
		snprintf(err, errlen, "cannot make a certificate");
		goto done;
	}
	if (cg_write(dir, "ca.pem", ca, NULL, err, errlen) != 0 ||
	    cg_write(dir, "key.pem", NULL, ck, err, errlen) != 0 ||
	    cg_write(dir, "cert.pem", cc, NULL, err, errlen) != 0 ||
	    cg_write(dir, "server-key.pem", NULL, sk, err, errlen) != 0 ||
	    cg_write(dir, "server-cert.pem", sc, NULL, err, errlen) != 0)
		goto done;
	r = 0;
done:
	ERR_clear_error();
	X509_free(ca);
	X509_free(sc);
	X509_free(cc);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
	return r;
}
