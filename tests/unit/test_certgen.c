/*
 * test_certgen.c: the inner daemon's TLS material (docker/certgen.h) and
 * the unix socket that forwards to a TLS daemon (docker/tlsfwd.h).  The
 * daemon here is an OpenSSL server that, like dockerd --tlsverify, wants
 * a client certificate from the generated CA.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "docker/certgen.h"
#include "docker/tlsfwd.h"
#include "tests/unit/tap.h"

static char	 dir[128];
static int	 lfd;
static char	 served[256];	/* what the server read before EOF */
static int	 client_cert_seen;

static X509 *
load(const char *name)
{
	char	 p[256];
	FILE	*f;
	X509	*x;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return x;
}

static int
verifies(X509 *ca, X509 *x, int purpose)
{
	X509_STORE	*st = X509_STORE_new();
	X509_STORE_CTX	*c = X509_STORE_CTX_new();
	int		 r;

	X509_STORE_add_cert(st, ca);
	X509_STORE_CTX_init(c, st, x, NULL);
	X509_STORE_CTX_set_purpose(c, purpose);
	r = X509_verify_cert(c);
	X509_STORE_CTX_free(c);
	X509_STORE_free(st);
	return r == 1;
}

static int
mode_of(const char *name)
{
	char		 p[256];
	struct stat	 st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* One TLS connection: read to the client's close_notify, answer
 * "got <text>", close. */
static void *
server(void *arg)
{
	SSL_CTX	*ctx = arg;
	SSL	*s;
	char	 buf[256], ans[300];
	size_t	 have = 0;
	int	 fd, n;

	if ((fd = accept(lfd, NULL, NULL)) < 0)
		return NULL;
	s = SSL_new(ctx);
	SSL_set_fd(s, fd);
	if (SSL_accept(s) == 1) {
		client_cert_seen = SSL_get0_peer_certificate(s) != NULL &&
		    SSL_get_verify_result(s) == X509_V_OK;
		while (have < sizeof(buf) - 1 &&
		    (n = SSL_read(s, buf + have, (int)(sizeof(buf) - 1 - have)))
		    > 0)
			have += (size_t)n;
		buf[have] = '\0';
		snprintf(served, sizeof(served), "%s", buf);
		n = snprintf(ans, sizeof(ans), "got %s", buf);
		SSL_write(s, ans, n);
		SSL_shutdown(s);
	}
	SSL_free(s);
	close(fd);
	return NULL;
}

int
main(void)
{
	struct sockaddr_in	 sa;
	struct sockaddr_un	 su;
	socklen_t		 sl = sizeof(sa);
	struct tlsfwd		*fw = NULL;
	X509			*ca, *sc, *cc;
	SSL_CTX			*ctx;
	pthread_t		 th;
	char			 err[256], p[256], p2[256], buf[300], sock[108];
	size_t			 have = 0;
	ssize_t			 n;
	int			 fd, port;

	snprintf(dir, sizeof(dir), "/tmp/jnagent-certgen.XXXXXX");
	if (mkdtemp(dir) == NULL)
		skip_all("no temp dir");
	snprintf(p, sizeof(p), "%s/tls", dir);
	ok(certgen_docker(p, 30, err, sizeof(err)) == 0, "certificates made: %s",
	    err);
	snprintf(dir, sizeof(dir), "%.100s", p);
	ok(mode_of("") == 0700, "directory 0700 (%o)", mode_of(""));
	ok(mode_of("key.pem") == 0600 && mode_of("server-key.pem") == 0600 &&
	    mode_of("cert.pem") == 0600 && mode_of("ca.pem") == 0600,
	    "every file 0600");
	ca = load("ca.pem");
	sc = load("server-cert.pem");
	cc = load("cert.pem");
	ok(ca && sc && cc, "three certificates readable");
	ok(ca && X509_check_ca(ca) >= 1, "ca.pem is a CA");
	ok(ca && sc && verifies(ca, sc, X509_PURPOSE_SSL_SERVER),
	    "server certificate: chain and serverAuth");
	ok(ca && cc && verifies(ca, cc, X509_PURPOSE_SSL_CLIENT),
	    "client certificate: chain and clientAuth");
	ok(ca && cc && !verifies(ca, cc, X509_PURPOSE_SSL_SERVER),
	    "client certificate is no server certificate");
	ok(sc && X509_check_ip_asc(sc, "127.0.0.1", 0) == 1 &&
	    X509_check_host(sc, "localhost", 0, 0, NULL) == 1,
	    "server certificate names 127.0.0.1 and localhost");
	ok(sc && X509_check_ip_asc(sc, "10.0.0.1", 0) != 1,
	    "and no other address");

	/* the forwarder in front of a daemon that wants a client cert */
	ctx = SSL_CTX_new(TLS_server_method());
	snprintf(p, sizeof(p), "%s/server-cert.pem", dir);
	snprintf(p2, sizeof(p2), "%s/server-key.pem", dir);
	SSL_CTX_use_certificate_file(ctx, p, SSL_FILETYPE_PEM);
	SSL_CTX_use_PrivateKey_file(ctx, p2, SSL_FILETYPE_PEM);
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	SSL_CTX_load_verify_locations(ctx, p, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0)
		skip_all("no loopback listener");
	port = ntohs(sa.sin_port);
	pthread_create(&th, NULL, server, ctx);
	snprintf(sock, sizeof(sock), "%.90s/fwd.sock", dir);
	ok(tlsfwd_start(sock, "127.0.0.1", port, dir, &fw, err,
	    sizeof(err)) == 0, "forwarder listening: %s", err);
	ok(mode_of("fwd.sock") == 0600, "its socket is 0600");
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	snprintf(su.sun_path, sizeof(su.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(connect(fd, (struct sockaddr *)&su, sizeof(su)) == 0,
	    "connect to the forwarder");
	(void)!write(fd, "hello", 5);
	shutdown(fd, SHUT_WR);	/* a half-close: stdin ends */
	while (have < sizeof(buf) - 1 &&
	    (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += (size_t)n;
	buf[have] = '\0';
	close(fd);
	pthread_join(th, NULL);
	ok(client_cert_seen, "the daemon saw a valid client certificate");
	ok(strcmp(served, "hello") == 0, "bytes up, and the half-close as "
	    "close_notify (server read \"%s\")", served);
	ok(strcmp(buf, "got hello") == 0, "the answer back, then EOF (\"%s\")",
	    buf);
	tlsfwd_stop(fw);
	ok(access(sock, F_OK) != 0, "socket removed at stop");
	close(lfd);
	SSL_CTX_free(ctx);
	X509_free(ca);
	X509_free(sc);
	X509_free(cc);
	certgen_docker_remove(dir);
	ok(access(dir, F_OK) != 0, "certgen_docker_remove: files and directory "
	    "gone");
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
	return done_testing();
}
