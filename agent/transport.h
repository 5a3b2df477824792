/*
 * transport.h: the byte pipe under the channel.
 *
 * JNLP4-connect (TCP + TLS) and WebSocket both carry the same chunked
 * command stream once their handshakes are done.  The channel sees only
 * this interface: it polls fd(), reads whatever bytes arrived (chunk
 * headers and payloads, in order) and sends whole chunks.  Only the
 * channel's loop thread calls these functions.
 */
#ifndef JNAGENT_AGENT_TRANSPORT_H
#define JNAGENT_AGENT_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct transport;

struct transport_ops {
	/* The descriptor to poll for reading. */
	int	(*fd)(struct transport *t);
	/* Bytes already decrypted/buffered that poll() cannot see (0 if none). */
	size_t	(*pending)(struct transport *t);
	/*
	 * Read up to n bytes of the chunk stream.  > 0: bytes read; 0: the
	 * peer closed; -1 with errno EAGAIN: nothing now; -1 otherwise: error
	 * (reason in t->err).
	 */
	ssize_t	(*recv)(struct transport *t, uint8_t *p, size_t n);
	/*
	 * Send one or more whole chunks (header included).  WebSocket sends
	 * each chunk as one binary message.  Blocks until written or timeout;
	 * 0 or -1 (reason in t->err).
	 */
	int	(*send)(struct transport *t, const uint8_t *p, size_t n);
	/* Periodic work (WebSocket ping/pong, keepalive); may be NULL. */
	int	(*tick)(struct transport *t);
	/* Close and free everything; t is invalid afterwards. */
	void	(*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	const char	*name;		/* "JNLP4-connect" or "WebSocket" */
	uint64_t	 peer_capability; /* the controller's Capability mask */
	char		 cookie[65];	/* cookie for the next reconnect */
	char		 err[256];	/* last error, one line, no secrets */
};

#endif
