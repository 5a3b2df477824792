/*
 * connect.h: the reconnect loop: discovery -> transport -> channel_run()
 * -> backoff, until a signal, -noReconnect or -noReconnectAfter.
 */
#ifndef JNAGENT_AGENT_CONNECT_H
#define JNAGENT_AGENT_CONNECT_H

#include "agent/agent.h"

/* Backoff after a channel that stayed up this long starts afresh. */
#define CONNECT_STABLE_MS	60000L
#define CONNECT_HANDSHAKE_MS	10000
#define CONNECT_TCP_TIMEOUT_MS	30000

/*
 * Run until told to stop.  Returns the process exit status: 0 after
 * *stop was set (SIGTERM/SIGINT; the channel closed cleanly), 1 when
 * giving up (-noReconnect after the first failure or end,
 * -noReconnectAfter elapsed without a connection).  May reorder
 * conf->urls (the first working URL goes to the front).  libcurl is
 * initialised (curl_global_init) only when a URL is used (discovery,
 * WebSocket), not for -direct, and cleaned up before returning.
 */
int connect_run(struct agent_conf *conf, volatile int *stop);

/*
 * Note the process start (call first thing in main()): the first channel's
 * "connected" log line then says how long after it the channel came up.
 * Without it, connect_run()'s own start is used.
 */
void connect_mark_start(void);

/*
 * The full-jitter delay before retry number attempt (0-based): uniform
 * in [0, min(cap, start * 2^attempt)] milliseconds.
 */
long connect_backoff_ms(long start_ms, long cap_ms, int attempt);

#endif
