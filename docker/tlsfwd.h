/*
 * tlsfwd.h: a local unix socket in front of a Docker daemon on TCP: an
 * inner daemon in "tls" transport (docker/dind.h), or a DOCKER_HOST
 * tcp:// daemon behind the Docker guard (docker/guard.h).  Each
 * connection to the socket becomes one connection to host:port: TLS that
 * verifies the daemon against cert_dir/ca.pem (and its certificate
 * against host) and presents cert_dir/cert.pem and key.pem when there
 * are, TLS without verification, or plain TCP.  Bytes are copied both
 * ways, half-closes included (a close from the client sends
 * close_notify, the daemon's close shuts the client's read side), so
 * attach, exec, logs and builds pass through.
 */
#ifndef JNAGENT_DOCKER_TLSFWD_H
#define JNAGENT_DOCKER_TLSFWD_H

#include <stddef.h>

struct tlsfwd;

/* A daemon at tcp://host:port as DOCKER_HOST, DOCKER_TLS(_VERIFY) and
 * DOCKER_CERT_PATH describe it (strings borrowed for the call only). */
struct tlsfwd_conf {
	const char	*host;		/* address or name */
	int		 port;
	int		 tls;		/* 0: plain TCP, copied as is */
	int		 verify;	/* check cert_dir/ca.pem and the name */
	const char	*cert_dir;	/* ca.pem, cert.pem, key.pem; NULL:
					   no client certificate */
};

/* The socket sock (created 0600; an old one is replaced).  0, or -1 with
 * a reason in err. */
int	tlsfwd_start_conf(const char *sock, const struct tlsfwd_conf *c,
	    struct tlsfwd **out, char *err, size_t errlen);
/* The same for an inner daemon: TLS, verified, client certificate. */
int	tlsfwd_start(const char *sock, const char *host, int port,
	    const char *cert_dir, struct tlsfwd **out, char *err,
	    size_t errlen);
/* Stop accepting, remove the socket, end the connections still open
 * (waiting for them up to 5 s), free. */
void	tlsfwd_stop(struct tlsfwd *);

#endif
