/*
 * tlsfwd.c: see tlsfwd.h.  OpenSSL (in a --with-tls=mbedtls jnagent
 * through agent/lazy.c).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "docker/tlsfwd.h"

#define TLSFWD_BUF	(64 * 1024)

struct tlsfwd_conn;

struct tlsfwd {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct tlsfwd_conn *conns;	/* live ones, under mu */
	int		 nconns;
	int		 lfd;
	int		 stop[2];
	pthread_t	 acc;
	SSL_CTX		*ctx;		/* NULL: plain TCP */
	int		 verify;
	char		 sock[108];
	char		 host[256];
	int		 port;
};

struct tlsfwd_conn {
	struct tlsfwd	*f;
	struct tlsfwd_conn *next;
	SSL_CTX		*ctx;		/* a reference of its own; NULL: TCP */
	int		 verify;
	int		 cfd;
	int		 ufd;		/* -1 until connected; under f->mu */
	char		 host[256];
	int		 port;
};

static int
tlsfwd_connect(const char *host, int port)
{
	struct addrinfo	 hints, *res, *ai;
	char		 serv[16];
	int		 fd = -1, on = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(host, serv, &hints, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	return fd;
}

static int	tlsfwd_write_all(int, const char *, size_t);

/* Plain TCP: copy both ways, half-closes passed on. */
static void
tlsfwd_plain(int cfd, int ufd, char *buf)
{
	struct pollfd	 pf[2];
	int		 ceof = 0, ueof = 0;
	ssize_t		 n;

	while (!ceof || !ueof) {
		pf[0].fd = ceof ? -1 : cfd;
		pf[0].events = POLLIN;
		pf[1].fd = ueof ? -1 : ufd;
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (pf[0].revents != 0) {
			if ((n = read(cfd, buf, TLSFWD_BUF)) <= 0) {
				ceof = 1;
				(void)shutdown(ufd, SHUT_WR);
			} else if (tlsfwd_write_all(ufd, buf, (size_t)n) != 0)
				return;
		}
		if (pf[1].revents != 0) {
			if ((n = read(ufd, buf, TLSFWD_BUF)) <= 0) {
				ueof = 1;
				(void)shutdown(cfd, SHUT_WR);
			} else if (tlsfwd_write_all(cfd, buf, (size_t)n) != 0)
				return;
		}
	}
}

static int
tlsfwd_write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* SSL_write all of p on the nonblocking upstream. */
static int
tlsfwd_ssl_write(SSL *s, int ufd, const char *p, size_t n)
{
	struct pollfd	 pf;
	int		 w, e;

	while (n > 0) {
		ERR_clear_error();
		if ((w = SSL_write(s, p, (int)n)) > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		e = SSL_get_error(s, w);
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
			return -1;
		pf.fd = ufd;
		pf.events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		if (poll(&pf, 1, 60000) <= 0)
			return -1;
	}
	return 0;
}

static void *
tlsfwd_conn_main(void *arg)
{
	struct tlsfwd_conn	*c = arg;
	struct pollfd		 pf[2];
	SSL			*s = NULL;
	char			*buf = NULL;
	int			 ufd = -1, ceof = 0, ueof = 0, r, e, fl;
	ssize_t			 n;

	if ((buf = malloc(TLSFWD_BUF)) == NULL ||
	    (ufd = tlsfwd_connect(c->host, c->port)) == -1)
		goto done;
	pthread_mutex_lock(&c->f->mu);
	c->ufd = ufd;
	pthread_mutex_unlock(&c->f->mu);
	if (c->ctx == NULL) {
		tlsfwd_plain(c->cfd, ufd, buf);
		goto done;
	}
	if ((s = SSL_new(c->ctx)) == NULL || SSL_set_fd(s, ufd) != 1)
		goto done;
	if (c->verify) {
		struct in6_addr	 a6;
		struct in_addr	 a4;

		if (inet_pton(AF_INET, c->host, &a4) == 1 ||
		    inet_pton(AF_INET6, c->host, &a6) == 1) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s),
			    c->host) != 1)
				goto done;
		} else if (SSL_set1_host(s, c->host) != 1 ||
		    SSL_set_tlsext_host_name(s, c->host) != 1)
			goto done;
	}
	if (SSL_connect(s) != 1)	/* blocking until here */
		goto done;
	if ((fl = fcntl(ufd, F_GETFL)) == -1 ||
	    fcntl(ufd, F_SETFL, fl | O_NONBLOCK) == -1)
		goto done;
	while (!ceof || !ueof) {
		if (!ueof && SSL_pending(s) > 0)
			goto upstream;
		pf[0].fd = ceof ? -1 : c->cfd;
		pf[0].events = POLLIN;
		pf[1].fd = ueof ? -1 : ufd;
		pf[1].events = POLLIN;
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents != 0) {
			n = read(c->cfd, buf, TLSFWD_BUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {	/* the client is done sending */
				ceof = 1;
				ERR_clear_error();
				(void)SSL_shutdown(s);	/* close_notify */
			} else if (tlsfwd_ssl_write(s, ufd, buf, (size_t)n) !=
			    0)
				break;
		}
		if (pf[1].revents == 0)
			continue;
upstream:
		ERR_clear_error();
		r = SSL_read(s, buf, TLSFWD_BUF);
		if (r > 0) {
			if (tlsfwd_write_all(c->cfd, buf, (size_t)r) != 0)
				break;
			continue;
		}
		e = SSL_get_error(s, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			continue;
		/* close_notify, EOF or an error: the daemon is done */
		ueof = 1;
		(void)shutdown(c->cfd, SHUT_WR);
		if (e != SSL_ERROR_ZERO_RETURN)
			break;
	}
done:
	ERR_clear_error();
	if (s != NULL)
		SSL_free(s);
	{
		struct tlsfwd		*f = c->f;
		struct tlsfwd_conn	**pp;

		pthread_mutex_lock(&f->mu);
		for (pp = &f->conns; *pp != NULL; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		if (ufd != -1)
			close(ufd);
		close(c->cfd);
		if (c->ctx != NULL)
			SSL_CTX_free(c->ctx);
		free(buf);
		free(c);
		f->nconns--;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	return NULL;
}

static void *
tlsfwd_accept_main(void *arg)
{
	struct tlsfwd		*f = arg;
	struct tlsfwd_conn	*c;
	struct pollfd		 pf[2];
	pthread_attr_t		 at;
	pthread_t		 t;
	int			 fd;

	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pf[0].fd = f->lfd;
		pf[0].events = POLLIN;
		pf[1].fd = f->stop[0];
		pf[1].events = POLLIN;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents != 0)
			break;
		if ((fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->f = f;
		c->cfd = fd;
		c->ufd = -1;
		c->ctx = f->ctx;
		c->verify = f->verify;
		if (f->ctx != NULL)
			SSL_CTX_up_ref(f->ctx);
		snprintf(c->host, sizeof(c->host), "%s", f->host);
		c->port = f->port;
		pthread_mutex_lock(&f->mu);
		c->next = f->conns;
		f->conns = c;
		f->nconns++;
		if (pthread_create(&t, &at, tlsfwd_conn_main, c) != 0) {
			f->conns = c->next;
			f->nconns--;
			if (c->ctx != NULL)
				SSL_CTX_free(c->ctx);
			close(fd);
			free(c);
		}
		pthread_mutex_unlock(&f->mu);
	}
	pthread_attr_destroy(&at);
	return NULL;
}

int
tlsfwd_start(const char *sock, const char *host, int port,
    const char *cert_dir, struct tlsfwd **out, char *err, size_t errlen)
{
	struct tlsfwd_conf	 c = { host, port, 1, 1, cert_dir };

	return tlsfwd_start_conf(sock, &c, out, err, errlen);
}

int
tlsfwd_start_conf(const char *sock, const struct tlsfwd_conf *cf,
    struct tlsfwd **out, char *err, size_t errlen)
{
	struct sockaddr_un	 sa;
	struct tlsfwd		*f;
	char			 ca[4096], cert[4096], key[4096];

	*out = NULL;
	if (strlen(sock) >= sizeof(sa.sun_path) || cf->host == NULL ||
	    strlen(cf->host) >= 256 || cf->port < 1 || cf->port > 65535) {
		snprintf(err, errlen, "TLS forwarder: socket path, host or "
		    "port unusable");
		return -1;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->lfd = f->stop[0] = f->stop[1] = -1;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	snprintf(f->sock, sizeof(f->sock), "%s", sock);
	snprintf(f->host, sizeof(f->host), "%s", cf->host);
	f->port = cf->port;
	f->verify = cf->tls && cf->verify;
	if (cf->tls) {
		ERR_clear_error();
		if ((f->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(f->ctx, TLS1_2_VERSION) !=
		    1) {
			snprintf(err, errlen, "TLS forwarder: no TLS context");
			goto fail;
		}
		if (cf->cert_dir != NULL) {
			snprintf(ca, sizeof(ca), "%s/ca.pem", cf->cert_dir);
			snprintf(cert, sizeof(cert), "%s/cert.pem",
			    cf->cert_dir);
			snprintf(key, sizeof(key), "%s/key.pem", cf->cert_dir);
		}
		if (f->verify && (cf->cert_dir == NULL ||
		    SSL_CTX_load_verify_locations(f->ctx, ca, NULL) != 1)) {
			snprintf(err, errlen, "TLS forwarder: no CA "
			    "certificate (ca.pem) in %.200s", cf->cert_dir ?
			    cf->cert_dir : "(none)");
			goto fail;
		}
		/* a client certificate when there is one, as docker does */
		if (cf->cert_dir != NULL && access(cert, R_OK) == 0 &&
		    (SSL_CTX_use_certificate_file(f->ctx, cert,
		    SSL_FILETYPE_PEM) != 1 || SSL_CTX_use_PrivateKey_file(
		    f->ctx, key, SSL_FILETYPE_PEM) != 1)) {
			snprintf(err, errlen, "TLS forwarder: cannot use the "
			    "client certificate in %.200s", cf->cert_dir);
			goto fail;
		}
		SSL_CTX_set_verify(f->ctx, f->verify ? SSL_VERIFY_PEER :
		    SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(f->ctx, SSL_MODE_AUTO_RETRY);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	(void)unlink(sock);
	if (pipe2(f->stop, O_CLOEXEC) != 0 ||
	    (f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sock, 0600) != 0 || listen(f->lfd, 64) != 0) {
		snprintf(err, errlen, "TLS forwarder: %.200s: %s", sock,
		    strerror(errno));
		goto fail;
	}
	if (pthread_create(&f->acc, NULL, tlsfwd_accept_main, f) != 0) {
		snprintf(err, errlen, "TLS forwarder: no thread");
		goto fail;
	}
	ERR_clear_error();
	*out = f;
	return 0;
fail:
	ERR_clear_error();
	if (f->lfd != -1) {
		close(f->lfd);
		(void)unlink(sock);
	}
	if (f->stop[0] != -1) {
		close(f->stop[0]);
		close(f->stop[1]);
	}
	if (f->ctx != NULL)
		SSL_CTX_free(f->ctx);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
	return -1;
}

void
tlsfwd_stop(struct tlsfwd *f)
{
	struct tlsfwd_conn	*c;
	struct timespec		 ts;

	if (f == NULL)
		return;
	(void)!write(f->stop[1], "x", 1);
	pthread_join(f->acc, NULL);
	close(f->lfd);
	(void)unlink(f->sock);
	close(f->stop[0]);
	close(f->stop[1]);
	/* End the connections still open, and wait for them (5 s). */
	pthread_mutex_lock(&f->mu);
	for (c = f->conns; c != NULL; c = c->next) {
		(void)shutdown(c->cfd, SHUT_RDWR);
		if (c->ufd != -1)
			(void)shutdown(c->ufd, SHUT_RDWR);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	while (f->nconns > 0)
		if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) != 0)
			break;
	if (f->nconns > 0) {
		/* a thread still in a blocking call: leave f to it */
		pthread_mutex_unlock(&f->mu);
		return;
	}
	pthread_mutex_unlock(&f->mu);
	if (f->ctx != NULL)
		SSL_CTX_free(f->ctx);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}
