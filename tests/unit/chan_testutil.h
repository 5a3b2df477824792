/*
 * chan_testutil.h: the controller side of a channel in unit tests.
 * channel_run() runs on one end of a socketpair (a plain-socket
 * transport); the test plays the controller on the other end, writing
 * chunked commands and reading the agent's commands back.
 */
#ifndef CHAN_TESTUTIL_H
#define CHAN_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/transport.h"
#include "protocol/chunk.h"
#include "protocol/command.h"

/* A transport over a plain socket. */
struct ttrans {
	struct transport	 t;
	int			 fd;
};

/* What the controller has read from the agent and not parsed yet. */
struct chan_rx {
	struct chunk_asm	 as;
	uint8_t			 buf[65536];
	size_t			 off, len;
};

uint64_t	now_ms(void);

/*
 * A socketpair: *tt (calloc'd, named "JNLP4-connect", the jnagent
 * capability) on one end for channel_run(), *ctl_fd the controller end.
 * 0, or -1 (nothing left open).
 */
int		chan_pair(struct ttrans **tt, int *ctl_fd);

/* Write all of p to fd (EINTR retried, no SIGPIPE): 0 or -1. */
int		chan_send_all(int fd, const uint8_t *p, size_t n);

/* Chunk one command (at most max bytes of framing) and write it: 0/-1. */
int		chan_send_cmd(int fd, const uint8_t *cmd, size_t len,
		    size_t max);

void		chan_rx_init(struct chan_rx *rx);
void		chan_rx_free(struct chan_rx *rx);

/*
 * The next command from the agent on fd into *c (zeroed first): 0, -1 on
 * timeout, -2 on EOF or a bad chunk/command.  With idle, ms bounds each
 * wait for bytes; without, the whole call.
 */
int		chan_rx_next(struct chan_rx *rx, int fd, int ms, bool idle,
		    struct cmd *c);

#endif
