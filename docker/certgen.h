/*
 * certgen.h: throwaway TLS material for an inner Docker daemon reached
 * over TCP (docker/dind.h, transport "tls").
 *
 * certgen_docker() writes into dir (created 0700 if missing), every file
 * 0600:
 *   ca.pem          a CA made for this run only (its key is not kept)
 *   cert.pem        client certificate (extendedKeyUsage clientAuth)
 *   key.pem         its key               (the layout DOCKER_CERT_PATH has)
 *   server-cert.pem server certificate for IP 127.0.0.1 and localhost
 *   server-key.pem  its key
 * Keys are EC P-256, certificates X.509 v3 signed with SHA-256, valid
 * from an hour ago for days days.  0, or -1 with a reason in err.
 */
#ifndef JNAGENT_DOCKER_CERTGEN_H
#define JNAGENT_DOCKER_CERTGEN_H

#include <stddef.h>

int certgen_docker(const char *dir, int days, char *err, size_t errlen);
/* Remove those five files and dir (best effort: the client key opens
 * the daemon, so it should not stay behind). */
void certgen_docker_remove(const char *dir);

#endif
