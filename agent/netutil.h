/*
 * Small network helpers shared by the connection modules (jnlp4.c, ws.c,
 * discovery.c): a monotonic clock, error text, a poll() wait bounded by a
 * deadline and a stop flag, and the proxy environment (no_proxy matching).
 */
#ifndef JNAGENT_AGENT_NETUTIL_H
#define JNAGENT_AGENT_NETUTIL_H

#include <stddef.h>

/* Monotonic clock in milliseconds. */
long long	 net_now_ms(void);

/* printf into err (errlen bytes, always terminated when errlen > 0). */
void		 net_seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Wait for events on fd until deadline (net_now_ms() time), polling *stop
 * every 250 ms.  1: ready; 0: timeout; -1: error (errno); -2: *stop set.
 */
int		 net_wait(int fd, short events, long long deadline,
		    volatile int *stop);

/* net_tcp_connect() flags */
#define NET_TCP_NODELAY		0x1	/* set TCP_NODELAY on the socket */
#define NET_ERR_PORT_WORD	0x2	/* "host port N" in the error, not "host:N" */

/*
 * Open a nonblocking TCP connection to host:port before deadline
 * (net_now_ms() time), trying every address.  The descriptor; -1 with err
 * ("cannot resolve ..." / "cannot connect to ..."); -2 ("stopped") when *stop
 * was set.
 */
int		 net_tcp_connect(const char *host, int port, long long deadline,
		    volatile int *stop, int flags, char *err, size_t errlen);

/*
 * Does the no_proxy list exclude host (a name, an IPv4 address or an IPv6
 * address with or without brackets)?  Entries are separated by commas and
 * spaces; "*" matches everything; "name" and ".name" match the name and its
 * subdomains, case-insensitively; a ":port" on an entry is ignored; an
 * address/prefix entry matches IP targets inside it; malformed entries
 * match nothing.  1: excluded; 0: not.
 */
int		 net_no_proxy_match(const char *host, const char *list);

/*
 * The proxy the environment sets for host reached by scheme "http" or
 * "https": <scheme>_proxy, then <SCHEME>_PROXY, then (when all is 1)
 * all_proxy, then ALL_PROXY; the first set and non-empty one counts.  NULL
 * when none is set or no_proxy (else NO_PROXY) excludes host (host NULL:
 * no_proxy is not consulted).
 */
const char	*net_proxy_env(const char *scheme, const char *host, int all);

#endif
