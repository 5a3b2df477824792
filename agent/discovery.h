/*
 * discovery.h: find the controller's TCP agent endpoint (spec §1):
 * GET <url>tcpSlaveAgentListener/ (built-in HTTP client or libcurl), or
 * -direct; -tunnel;
 * plus the HTTP helpers the WebSocket transport shares (curl options,
 * the GET <url>login readiness probe, version comparison).
 */
#ifndef JNAGENT_AGENT_DISCOVERY_H
#define JNAGENT_AGENT_DISCOVERY_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "agent/agent.h"

struct discovery_endpoint {
	char	 host[256];	/* where to open TCP (tunnel applied) */
	int	 port;
	char	 tls_host[256];	/* controller host name (SNI) */
	uint8_t	*identity;	/* DER SubjectPublicKeyInfo (owned) */
	size_t	 identity_len;
	char	 min_version[64]; /* X-Remoting-Minimum-Version or "" */
	int	 url_index;	/* which conf->urls[] answered; -1 direct */
};

void discovery_endpoint_free(struct discovery_endpoint *ep);

/*
 * Resolve the endpoint: -direct, or each -url in order (the first good
 * one is moved to the front of conf->urls).  0, or -1 with a one-line
 * reason in err.  *stop aborts transfers.
 */
int discovery_resolve(struct agent_conf *conf, struct discovery_endpoint *ep,
    volatile int *stop, char *err, size_t errlen);

/*
 * Apply common options to a curl handle: timeouts (connect 30 s, total
 * 60 s unless 0), -cert, -noCertificateCheck, -proxyCredentials,
 * -credentials (when with_auth), abort on *stop.  Proxies come from the
 * environment (libcurl reads http_proxy/https_proxy/no_proxy).
 */
void discovery_curl_setup(CURL *c, const struct agent_conf *conf,
    int with_auth, long total_timeout_s, volatile int *stop);

/*
 * GET url; returns the HTTP status (> 0), or -1 with err set.  The body
 * is discarded.
 */
long discovery_get_status(const struct agent_conf *conf, const char *url,
    volatile int *stop, char *err, size_t errlen);

/*
 * The built-in HTTP/1.1 client.  Plain http:// with no proxy variable
 * set (http_proxy, HTTP_PROXY, all_proxy, ALL_PROXY) is the common case
 * (a controller on the same host or LAN); jnagent then speaks HTTP
 * itself and libcurl, loaded on first use (agent/lazy.h), is never
 * loaded.  https, proxies, redirects and URLs with user info, a query or
 * unusual host names still go through libcurl, as before.
 */
struct discovery_url {
	char	 host[256];	/* without IPv6 brackets */
	char	 hostport[300];	/* the Host header: host[:port] as written */
	int	 port;
	char	 path[3072];	/* "/..." */
};

/*
 * Split url for the built-in client: 0 when it is a plain http URL with
 * no proxy to apply, -1 when libcurl must handle it.
 */
int discovery_plain_url(const char *url, struct discovery_url *u);

/*
 * Open a TCP connection (non-blocking descriptor, TCP_NODELAY) to
 * host:port before deadline (CLOCK_MONOTONIC ms).  The descriptor, or -1
 * with err, or -2 when *stop was set.
 */
int discovery_tcp_connect(const char *host, int port, long long deadline,
    volatile int *stop, char *err, size_t errlen);

/* CLOCK_MONOTONIC in ms. */
long long discovery_now_ms(void);

/* "Authorization: Basic <base64(cred)>\r\n" (caller bzeroes and frees). */
char *discovery_auth_header(const char *cred);

/*
 * curl_global_init() once, before the first libcurl transfer; and its
 * cleanup at exit (a no-op when libcurl was never needed).
 */
void discovery_curl_init(void);
void discovery_curl_cleanup(void);

/*
 * Compare versions by Jenkins VersionNumber-like rules: items split at
 * '.', '-', '_' and digit/letter boundaries; numbers compare
 * numerically and sort after words; missing items count as 0.
 * <0, 0, >0.
 */
int discovery_version_cmp(const char *a, const char *b);

/* Warn (log) when min is newer than JNAGENT_REMOTING_VERSION. */
void discovery_check_min_version(const char *min);

/* Apply "-tunnel HOST:PORT | HOST: | :PORT" to ep.  0 or -1. */
int discovery_apply_tunnel(struct discovery_endpoint *ep, const char *tunnel);

#endif
