/*
 * tlsfwd.h: a local unix socket in front of a Docker daemon that only
 * speaks TLS with client certificates (an inner daemon in "tls"
 * transport, docker/dind.h).  Each connection to the socket becomes one
 * TLS connection to host:port that verifies the daemon against
 * cert_dir/ca.pem (and its certificate against host) and presents
 * cert_dir/cert.pem and key.pem; bytes are copied both ways, half-closes
 * included (a close from the client sends close_notify, the daemon's
 * close shuts the client's read side), so attach, exec, logs and builds
 * pass through.  The Docker guard and the builds use the socket as they
 * use a daemon's own.
 */
#ifndef JNAGENT_DOCKER_TLSFWD_H
#define JNAGENT_DOCKER_TLSFWD_H

#include <stddef.h>

struct tlsfwd;

/* The socket sock (created 0600; an old one is replaced).  0, or -1 with
 * a reason in err. */
int	tlsfwd_start(const char *sock, const char *host, int port,
	    const char *cert_dir, struct tlsfwd **out, char *err,
	    size_t errlen);
/* Stop accepting, remove the socket, free.  Connections being served
 * finish on their own. */
void	tlsfwd_stop(struct tlsfwd *);

#endif
