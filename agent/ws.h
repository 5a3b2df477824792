/*
 * ws.h: the WebSocket transport (spec §3): libcurl opens the TCP/TLS
 * (and proxy) connection in CONNECT_ONLY mode, this module writes the
 * HTTP/1.1 upgrade and parses the answer, wslay does RFC 6455 framing.
 * One chunk per binary message out; message payloads concatenated in.
 */
#ifndef JNAGENT_AGENT_WS_H
#define JNAGENT_AGENT_WS_H

#include <stddef.h>

#include "agent/agent.h"
#include "agent/jnlp4.h"	/* enum jnlp4_status */

#define WS_PING_INTERVAL_MS	30000

/*
 * Upgrade to <conf->urls[0]>wsagents/ (http -> ws, https -> wss) with
 * Node-Name, Secret-Key, X-Remoting-Capability, Connection-Cookie
 * (cookie, if not NULL/empty) and -webSocketHeader extras.  Returns the
 * transport (t->peer_capability and t->cookie set) or NULL with *status
 * (JNLP4_REFUSED for an HTTP refusal) and a one-line reason in err that
 * carries the HTTP status and the first line of the body.
 */
struct transport *ws_connect(const struct agent_conf *conf,
    const char *cookie, volatile int *stop, enum jnlp4_status *status,
    char *err, size_t errlen);

/*
 * Sec-WebSocket-Accept for key: Base64(SHA-1(key + RFC 6455 GUID)).
 * out must hold 29 bytes.
 */
void ws_accept_key(const char *key, char *out);

#endif
