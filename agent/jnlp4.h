/*
 * jnlp4.h: the JNLP4-connect transport (spec §2): TCP (optionally through
 * an HTTP CONNECT proxy), protocol name + ACK, TLS pinned to the
 * controller's instance identity, connection headers, capability
 * exchange.  Also the Base64 and Capability helpers ws.c shares.
 */
#ifndef JNAGENT_AGENT_JNLP4_H
#define JNAGENT_AGENT_JNLP4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/transport.h"

/* How a connection attempt ended, for the reconnect policy. */
enum jnlp4_status {
	JNLP4_OK = 0,
	JNLP4_FAILED,		/* network, TLS, timeout, protocol error */
	JNLP4_REFUSED,		/* the controller answered "ERROR: ..." */
	JNLP4_FATAL,		/* the controller answered "FATAL: ..." */
	JNLP4_STOPPED,		/* *stop was set */
};

struct jnlp4_params {
	const char	*host;		/* TCP destination (after -tunnel) */
	int		 port;
	const char	*tls_host;	/* controller host name, for SNI */
	const uint8_t	*identity;	/* DER SubjectPublicKeyInfo to pin */
	size_t		 identity_len;
	const char	*name;		/* Node-Name */
	const char	*secret;	/* Secret-Key: never logged */
	const char	*cookie;	/* previous cookie or NULL */
	bool		 keepalive;	/* SO_KEEPALIVE */
	bool		 use_proxy;	/* honour http_proxy/no_proxy */
	const char	*proxy_credentials; /* user:pass or NULL */
	uint64_t	 capability;	/* our mask (JNAGENT_CAPABILITY) */
	int		 connect_timeout_ms;	/* TCP connect (30 s) */
	int		 handshake_timeout_ms;	/* ACK..capability (10 s) */
	volatile int	*stop;		/* may be NULL */
};

/*
 * Connect and run every handshake layer.  Returns the transport (the
 * caller closes it with t->ops->close) with t->cookie and
 * t->peer_capability set, or NULL with *status and a one-line reason in
 * err (the controller's refusal text for JNLP4_REFUSED/JNLP4_FATAL).
 */
struct transport *jnlp4_connect(const struct jnlp4_params *p,
    enum jnlp4_status *status, char *err, size_t errlen);

/*
 * Base64 (standard alphabet).  b64_decode tolerates whitespace, '='
 * padded groups in the middle (Java's BinarySafeStream pads on each
 * flush) and an unpadded tail; returns 0 with *out (caller frees) or -1.
 */
char *jnlp4_b64_encode(const uint8_t *p, size_t n);	/* caller frees */
int jnlp4_b64_decode(const char *s, size_t slen, uint8_t **out,
    size_t *outlen);

/*
 * Decode an instance identity (Base64 DER SubjectPublicKeyInfo, RSA).
 * Returns 0 with *der (caller frees), or -1 with a reason in why.
 */
int jnlp4_identity_decode(const char *b64, uint8_t **der, size_t *derlen,
    char *why, size_t whylen);

/* Base64 of a serialized hudson.remoting.Capability; caller frees. */
char *jnlp4_capability_encode(uint64_t mask);
/* Parse the peer's Base64 capability text; 0 with *mask, or -1. */
int jnlp4_capability_decode(const char *b64, size_t len, uint64_t *mask);

/*
 * Decide whether a connection to host should go through the proxy named
 * by http_proxy (HTTP_PROXY), honouring no_proxy (NO_PROXY).  Returns 1
 * and fills phost/pport (and *userinfo, caller frees, or NULL), 0 for a
 * direct connection, -1 for an unusable proxy setting.
 */
int jnlp4_proxy_for(const char *host, char *phost, size_t phostlen,
    int *pport, char **userinfo);

#endif
