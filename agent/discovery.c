/*
 * discovery.c: endpoint discovery (spec §1; remoting
 * JnlpAgentEndpointResolver, JnlpAgentEndpointConfigurator, HostPort).
 *
 * GET <url>tcpSlaveAgentListener/ must answer 200 with the JNLP port and
 * the instance identity in its headers.  Plain http with no proxy
 * variable set goes through the small HTTP/1.1 client below; everything
 * else (https, -cert, proxies and no_proxy, redirects) through libcurl,
 * which jnagent loads only then (agent/lazy.h).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "agent/conf.h"
#include "agent/discovery.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "agent/netutil.h"
#include "agent/tls.h"

#define DISCOVERY_CONNECT_TIMEOUT_MS	30000L
#define DISCOVERY_READ_TIMEOUT_S	60L
#define DISCOVERY_HDR_MAX		1024
#define DISCOVERY_HEAD_MAX		16384

struct discovery_hdrs {
	char	port[16];
	char	hudson_port[16];
	char	host[256];
	char	identity[2048];
	char	protocols[256];
	char	min_version[64];
	int	has_protocols;
	int	identity_too_long;
};

void
discovery_endpoint_free(struct discovery_endpoint *ep)
{
	free(ep->identity);
	memset(ep, 0, sizeof(*ep));
}

static int
discovery_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	volatile int	*stop = arg;

	return stop != NULL && *stop ? 1 : 0;
}

static size_t
discovery_discard(char *p, size_t sz, size_t n, void *arg)
{
	return sz * n;
}

/*
 * CURLOPT_SSL_CTX_FUNCTION: add the -cert certificates (PEM text, as
 * "-cert @file" yields, or a PEM file name) to the trust store.
 */
static CURLcode
discovery_ssl_ctx(CURL *c, void *sslctx, void *arg)
{
	const char	*cert = arg;
	X509_STORE	*store = SSL_CTX_get_cert_store((SSL_CTX *)sslctx);
	BIO		*b;
	X509		*x;
	int		 n = 0;

	if (strncmp(cert, "-----BEGIN", 10) == 0)
		b = BIO_new_mem_buf(cert, -1);
	else
		b = BIO_new_file(cert, "r");
	if (b == NULL) {
		ERR_clear_error();
		log_error("-cert: cannot read %.200s", cert);
		return CURLE_SSL_CACERT_BADFILE;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	ERR_clear_error();
	if (n == 0) {
		log_error("-cert: no PEM certificate found");
		return CURLE_SSL_CACERT_BADFILE;
	}
	return CURLE_OK;
}

void
discovery_curl_setup(CURL *c, const struct agent_conf *conf, int with_auth,
    long total_timeout_s, volatile int *stop)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    DISCOVERY_CONNECT_TIMEOUT_MS);
	if (total_timeout_s > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, total_timeout_s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "jnagent/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, discovery_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
	if (conf->cert != NULL) {
		/* Trusted in addition to the system CAs, like agent.jar. */
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION,
		    discovery_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)conf->cert);
	}
	if (conf->no_cert_check) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (conf->proxy_credentials != NULL) {
		curl_easy_setopt(c, CURLOPT_PROXYUSERPWD,
		    conf->proxy_credentials);
		curl_easy_setopt(c, CURLOPT_PROXYAUTH, (long)CURLAUTH_BASIC);
	}
	if (with_auth && conf->credentials != NULL) {
		curl_easy_setopt(c, CURLOPT_USERPWD, conf->credentials);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
}

static void
discovery_copy_value(char *dst, size_t dstlen, const char *v, size_t n,
    int *too_long)
{
	size_t	 i;

	if (n >= dstlen) {
		if (too_long != NULL)
			*too_long = 1;
		n = dstlen - 1;
	}
	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)v[i] >= 0x20 && v[i] != 0x7f ? v[i] :
		    '?';
	dst[n] = '\0';
}

static size_t
discovery_header(char *p, size_t sz, size_t nitems, void *arg)
{
	struct discovery_hdrs	*h = arg;
	size_t			 n = sz * nitems, nl, vl;
	const char		*colon, *v;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* A new response (redirect, 100): forget the old headers. */
		memset(h, 0, sizeof(*h));
		return n;
	}
	if ((colon = memchr(p, ':', n)) == NULL)
		return n;
	nl = (size_t)(colon - p);
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && isspace((unsigned char)v[vl - 1]))
		vl--;
#define IS(name) (nl == strlen(name) && strncasecmp(p, name, nl) == 0)
	if (IS("X-Jenkins-JNLP-Port"))
		discovery_copy_value(h->port, sizeof(h->port), v, vl, NULL);
	else if (IS("X-Hudson-JNLP-Port"))
		discovery_copy_value(h->hudson_port, sizeof(h->hudson_port), v,
		    vl, NULL);
	else if (IS("X-Jenkins-JNLP-Host"))
		discovery_copy_value(h->host, sizeof(h->host), v, vl, NULL);
	else if (IS("X-Instance-Identity"))
		discovery_copy_value(h->identity, sizeof(h->identity), v, vl,
		    &h->identity_too_long);
	else if (IS("X-Jenkins-Agent-Protocols")) {
		discovery_copy_value(h->protocols, sizeof(h->protocols), v, vl,
		    NULL);
		h->has_protocols = 1;
	} else if (IS("X-Remoting-Minimum-Version"))
		discovery_copy_value(h->min_version, sizeof(h->min_version), v,
		    vl, NULL);
#undef IS
	return n;
}

static bool
discovery_has_jnlp4(const char *list)
{
	const char	*p = list, *e;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 13 && strncmp(p, "JNLP4-connect", 13) == 0)
			return true;
		p = e;
	}
	return false;
}

static int
discovery_parse_port(const char *s)
{
	char	*end;
	long	 v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static int
discovery_url_host(const char *url, char *host, size_t hostlen)
{
	CURLU	*u;
	char	*h = NULL;
	size_t	 n;
	int	 r = -1;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
		n = strlen(h);
		if (h[0] == '[' && n > 2) {
			memmove(h, h + 1, n - 2);
			n -= 2;
			h[n] = '\0';
		}
		if (n < hostlen) {
			memcpy(host, h, n + 1);
			r = 0;
		}
	}
	curl_free(h);
	curl_url_cleanup(u);
	return r;
}

int
discovery_apply_tunnel(struct discovery_endpoint *ep, const char *tunnel)
{
	char	 host[256];
	int	 port;

	if (conf_hostport(tunnel, host, sizeof(host), &port) != 0)
		return -1;
	if (host[0] != '\0')
		snprintf(ep->host, sizeof(ep->host), "%s", host);
	if (port != 0)
		ep->port = port;
	return 0;
}

/* ---- the built-in HTTP/1.1 client ----------------------------------- */

long long
discovery_now_ms(void)
{
	return net_now_ms();
}

static pthread_once_t	 discovery_curl_once = PTHREAD_ONCE_INIT;
static int		 discovery_curl_inited;

static void
discovery_curl_init_once(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		discovery_curl_inited = 1;
	else
		log_error("libcurl initialisation failed");
}

void
discovery_curl_init(void)
{
	pthread_once(&discovery_curl_once, discovery_curl_init_once);
}

void
discovery_curl_cleanup(void)
{
	if (discovery_curl_inited) {
		curl_global_cleanup();
		discovery_curl_inited = 0;
	}
}

int
discovery_plain_url(const char *url, struct discovery_url *u)
{
	const char	*p, *a, *ae, *h, *he, *port = NULL;
	size_t		 hl, n;
	long		 v;
	char		*end;

	memset(u, 0, sizeof(*u));
	/*
	 * A proxy variable set: libcurl decides (proxy or no_proxy), as
	 * tests/agent/test_lazy_libs.sh expects.
	 */
	if (net_proxy_env("http", NULL, 1) != NULL ||
	    strncasecmp(url, "http://", 7) != 0)
		return -1;
	a = url + 7;
	for (p = url; *p != '\0'; p++)		/* controls, spaces, ?, # */
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '?' ||
		    *p == '#' || *p == '\\')
			return -1;
	ae = a + strcspn(a, "/");
	if (memchr(a, '@', (size_t)(ae - a)) != NULL)
		return -1;			/* user info: libcurl */
	if (*a == '[') {
		h = a + 1;
		if ((he = memchr(h, ']', (size_t)(ae - h))) == NULL)
			return -1;
		for (p = h; p < he; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return -1;
		p = he + 1;
	} else {
		h = a;
		he = a + strcspn(a, ":/");
		if (he > ae)
			he = ae;
		for (p = h; p < he; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return -1;
		p = he;
	}
	hl = (size_t)(he - h);
	if (hl == 0 || hl >= sizeof(u->host))
		return -1;
	if (p < ae) {
		if (*p != ':')
			return -1;
		port = p + 1;
	}
	u->port = 80;
	if (port != NULL && port < ae) {
		if (!isdigit((unsigned char)*port))
			return -1;
		errno = 0;
		v = strtol(port, &end, 10);
		if (errno != 0 || end != ae || v < 1 || v > 65535)
			return -1;
		u->port = (int)v;
	}
	memcpy(u->host, h, hl);
	u->host[hl] = '\0';
	n = (size_t)(ae - a);
	if (n >= sizeof(u->hostport))
		return -1;
	memcpy(u->hostport, a, n);
	u->hostport[n] = '\0';
	if (n > 0 && u->hostport[n - 1] == ':')	/* "host:" */
		u->hostport[n - 1] = '\0';
	if ((size_t)snprintf(u->path, sizeof(u->path), "%s",
	    *ae == '\0' ? "/" : ae) >= sizeof(u->path))
		return -1;
	return 0;
}

int
discovery_tcp_connect(const char *host, int port, long long deadline,
    volatile int *stop, char *err, size_t errlen)
{
	return net_tcp_connect(host, port, deadline, stop,
	    NET_TCP_NODELAY | NET_ERR_PORT_WORD, err, errlen);
}

char *
discovery_auth_header(const char *cred)
{
	char	*b, *h;

	if ((b = jnlp4_b64_encode((const uint8_t *)cred, strlen(cred))) ==
	    NULL)
		return NULL;
	if (asprintf(&h, "Authorization: Basic %s\r\n", b) == -1)
		h = NULL;
	explicit_bzero(b, strlen(b));
	free(b);
	return h;
}

/*
 * GET u with the built-in client; header lines (status line first, each
 * with its CRLF) go to hcb like libcurl's CURLOPT_HEADERFUNCTION.  The
 * body is not read.  Returns the HTTP status, 0 for a redirect (libcurl
 * follows those), or -1 with err ("stopped" when *stop was set).
 */
static long
discovery_plain_get(const struct agent_conf *conf, const char *url,
    const struct discovery_url *u, const char *extra,
    size_t (*hcb)(char *, size_t, size_t, void *), void *harg,
    int warm_tls, volatile int *stop, char *err, size_t errlen)
{
	char		*req = NULL, *auth = NULL, *head = NULL, *line, *eol;
	long long	 deadline, cdeadline;
	size_t		 have = 0, off, reqlen, hlen;
	ssize_t		 n;
	long		 status = -1;
	int		 fd, code = 0;

	deadline = discovery_now_ms() + DISCOVERY_READ_TIMEOUT_S * 1000;
	cdeadline = discovery_now_ms() + DISCOVERY_CONNECT_TIMEOUT_MS;
	if (conf->credentials != NULL &&
	    (auth = discovery_auth_header(conf->credentials)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		return -1;
	}
	if (asprintf(&req, "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "User-Agent: jnagent/" PACKAGE_VERSION "\r\n"
	    "Accept: */*\r\n"
	    "%s%s"
	    "Connection: close\r\n"
	    "\r\n", u->path, u->hostport, auth != NULL ? auth : "",
	    extra != NULL ? extra : "") == -1) {
		req = NULL;
		net_seterr(err, errlen, "out of memory");
		goto out;
	}
	if ((fd = discovery_tcp_connect(u->host, u->port, cdeadline < deadline ?
	    cdeadline : deadline, stop, err, errlen)) < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		net_seterr(err, errlen, "%.200s: %s", url, why);
		goto out;
	}
	reqlen = strlen(req);
	for (off = 0; off < reqlen; ) {
		n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    net_wait(fd, POLLOUT, deadline, stop) == 1)
			continue;
		net_seterr(err, errlen, "%.200s: %s", url,
		    stop != NULL && *stop ? "stopped" : n == -1 &&
		    errno != EAGAIN ? strerror(errno) : "send timed out");
		goto close;
	}
	if (warm_tls)
		tls_warm();
	if ((head = malloc(DISCOVERY_HEAD_MAX + 1)) == NULL) {
		net_seterr(err, errlen, "out of memory");
		goto close;
	}
	for (;;) {
		head[have] = '\0';
		if ((eol = strstr(head, "\r\n\r\n")) != NULL) {
			hlen = (size_t)(eol - head) + 4;
			if (sscanf(head, "HTTP/1.%*1[01] %3d", &code) != 1 ||
			    code < 100) {
				net_seterr(err, errlen, "%.200s: not an "
				    "HTTP response", url);
				goto close;
			}
			if (code >= 200)
				break;
			/* 1xx: another head follows. */
			memmove(head, head + hlen, have - hlen);
			have -= hlen;
			continue;
		}
		if (have == DISCOVERY_HEAD_MAX) {
			net_seterr(err, errlen, "%.200s: response header "
			    "too long", url);
			goto close;
		}
		n = recv(fd, head + have, DISCOVERY_HEAD_MAX - have, 0);
		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (n == 0) {
			net_seterr(err, errlen, "%.200s: connection "
			    "closed before the response", url);
			goto close;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    net_wait(fd, POLLIN, deadline, stop) == 1)
			continue;
		net_seterr(err, errlen, "%.200s: %s", url,
		    stop != NULL && *stop ? "stopped" : errno != EAGAIN &&
		    errno != EWOULDBLOCK ? strerror(errno) :
		    "timed out waiting for the response");
		goto close;
	}
	if (code >= 300 && code < 400) {
		status = 0;			/* libcurl follows it */
		goto close;
	}
	eol[2] = '\0';				/* keep the last CRLF */
	for (line = head; *line != '\0'; line = eol + 2) {
		if ((eol = strstr(line, "\r\n")) == NULL)
			break;
		if (hcb != NULL)
			(void)hcb(line, 1, (size_t)(eol - line) + 2, harg);
	}
	status = code;
close:
	close(fd);
out:
	if (req != NULL) {
		explicit_bzero(req, strlen(req));
		free(req);
	}
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(head);
	return status;
}

/* Try one -url.  0 or -1 with err. */
static int
discovery_try(const struct agent_conf *conf, const char *url,
    struct discovery_endpoint *ep, volatile int *stop, char *err,
    size_t errlen)
{
	struct discovery_hdrs	 h;
	struct discovery_url	 pu;
	struct curl_slist	*hdrs = NULL;
	CURL			*c = NULL;
	CURLcode		 cr;
	char			 full[4096], nh[512], why[128];
	const char		*port;
	long			 status = 0;
	int			 r = -1, p;
	bool			 plain;

	memset(&h, 0, sizeof(h));
	if ((size_t)snprintf(full, sizeof(full), "%stcpSlaveAgentListener/",
	    url) >= sizeof(full)) {
		net_seterr(err, errlen, "URL too long");
		return -1;
	}
	log_debug("GET %.200s", full);
	plain = discovery_plain_url(full, &pu) == 0;
	if (plain) {
		snprintf(nh, sizeof(nh), "Node-Name: %s\r\n", conf->name);
		if ((status = discovery_plain_get(conf, full, &pu, nh,
		    discovery_header, &h, 1, stop, err, errlen)) == -1)
			return -1;
		if (status == 0) {	/* a redirect: libcurl follows it */
			memset(&h, 0, sizeof(h));
			plain = false;
		}
	}
	if (!plain) {
		discovery_curl_init();
		if ((c = curl_easy_init()) == NULL) {
			net_seterr(err, errlen, "curl_easy_init failed");
			return -1;
		}
		discovery_curl_setup(c, conf, 1, DISCOVERY_READ_TIMEOUT_S,
		    stop);
		snprintf(nh, sizeof(nh), "Node-Name: %s", conf->name);
		hdrs = curl_slist_append(hdrs, nh);
		curl_easy_setopt(c, CURLOPT_URL, full);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, discovery_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discovery_discard);
		if ((cr = curl_easy_perform(c)) != CURLE_OK) {
			net_seterr(err, errlen, "%.200s: %s", full,
			    cr == CURLE_ABORTED_BY_CALLBACK ? "stopped" :
			    curl_easy_strerror(cr));
			goto out;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	}
	if (status != 200) {
		net_seterr(err, errlen, "%.200s: HTTP %ld%s", full,
		    status, status == 404 ? " (is the TCP agent port "
		    "disabled? then use -webSocket)" : "");
		goto out;
	}
	if (h.has_protocols && !discovery_has_jnlp4(h.protocols)) {
		net_seterr(err, errlen, "%.200s: the controller does not "
		    "offer JNLP4-connect (offers: %.100s)", full, h.protocols);
		goto out;
	}
	port = h.port[0] != '\0' ? h.port : h.hudson_port;
	if (port[0] == '\0') {
		net_seterr(err, errlen, "%.200s: no X-Jenkins-JNLP-Port "
		    "header (is this Jenkins?)", full);
		goto out;
	}
	if ((p = discovery_parse_port(port)) == -1) {
		net_seterr(err, errlen, "%.200s: invalid JNLP port %.20s",
		    full, port);
		goto out;
	}
	if (h.identity[0] == '\0' || h.identity_too_long) {
		net_seterr(err, errlen, "%.200s: %s X-Instance-Identity "
		    "header", full, h.identity_too_long ? "oversized" :
		    "no");
		goto out;
	}
	memset(ep, 0, sizeof(*ep));
	if (jnlp4_identity_decode(h.identity, &ep->identity,
	    &ep->identity_len, why, sizeof(why)) != 0) {
		net_seterr(err, errlen, "%.200s: X-Instance-Identity: %s",
		    full, why);
		goto out;
	}
	if (discovery_plain_url(url, &pu) == 0 &&
	    strlen(pu.host) < sizeof(ep->tls_host))
		memcpy(ep->tls_host, pu.host, strlen(pu.host) + 1);
	else if (discovery_url_host(url, ep->tls_host,
	    sizeof(ep->tls_host)) != 0) {
		net_seterr(err, errlen, "%.200s: cannot parse the host",
		    url);
		discovery_endpoint_free(ep);
		goto out;
	}
	if (h.host[0] != '\0')
		snprintf(ep->host, sizeof(ep->host), "%s", h.host);
	else
		snprintf(ep->host, sizeof(ep->host), "%s", ep->tls_host);
	ep->port = p;
	snprintf(ep->min_version, sizeof(ep->min_version), "%s",
	    h.min_version);
	r = 0;
out:
	if (c != NULL) {
		curl_slist_free_all(hdrs);
		curl_easy_cleanup(c);
	}
	return r;
}

int
discovery_resolve(struct agent_conf *conf, struct discovery_endpoint *ep,
    volatile int *stop, char *err, size_t errlen)
{
	char	 why[512], why_all[1024], host[256];
	char	*first;
	int	 i, port;

	memset(ep, 0, sizeof(*ep));
	if (conf->direct != NULL) {
		if (conf_hostport(conf->direct, host, sizeof(host),
		    &port) != 0 || host[0] == '\0' || port == 0) {
			net_seterr(err, errlen, "-direct: bad HOST:PORT");
			return -1;
		}
		if (jnlp4_identity_decode(conf->instance_identity,
		    &ep->identity, &ep->identity_len, why,
		    sizeof(why)) != 0) {
			net_seterr(err, errlen, "-instanceIdentity: %s",
			    why);
			return -1;
		}
		snprintf(ep->host, sizeof(ep->host), "%s", host);
		snprintf(ep->tls_host, sizeof(ep->tls_host), "%s", host);
		ep->port = port;
		ep->url_index = -1;
		return 0;
	}
	why_all[0] = '\0';
	for (i = 0; i < conf->nurls; i++) {
		if (stop != NULL && *stop) {
			net_seterr(err, errlen, "stopped");
			return -1;
		}
		if (discovery_try(conf, conf->urls[i], ep, stop, why,
		    sizeof(why)) != 0) {
			log_info("discovery failed: %s", why);
			snprintf(why_all, sizeof(why_all), "%s", why);
			continue;
		}
		if (ep->min_version[0] != '\0')
			discovery_check_min_version(ep->min_version);
		if (conf->tunnel != NULL &&
		    discovery_apply_tunnel(ep, conf->tunnel) != 0) {
			discovery_endpoint_free(ep);
			net_seterr(err, errlen, "-tunnel: bad value");
			return -1;
		}
		if (i > 0) {
			/* The first good URL goes to the front. */
			first = conf->urls[i];
			memmove(conf->urls + 1, conf->urls,
			    (size_t)i * sizeof(conf->urls[0]));
			conf->urls[0] = first;
		}
		ep->url_index = 0;
		log_info("controller agent port %.100s:%d", ep->host,
		    ep->port);
		return 0;
	}
	if (conf->nurls > 1)
		net_seterr(err, errlen, "no usable controller among %d "
		    "URLs (last: %s)", conf->nurls, why_all);
	else
		net_seterr(err, errlen, "%s", why_all);
	return -1;
}

long
discovery_get_status(const struct agent_conf *conf, const char *url,
    volatile int *stop, char *err, size_t errlen)
{
	struct discovery_url	 pu;
	CURL		*c;
	CURLcode	 cr;
	long		 status = -1;

	if (discovery_plain_url(url, &pu) == 0 &&
	    (status = discovery_plain_get(conf, url, &pu, NULL, NULL, NULL,
	    0, stop, err, errlen)) != 0)
		return status;
	status = -1;		/* plain http redirected, or not plain */
	discovery_curl_init();
	if ((c = curl_easy_init()) == NULL) {
		net_seterr(err, errlen, "curl_easy_init failed");
		return -1;
	}
	discovery_curl_setup(c, conf, 1, DISCOVERY_READ_TIMEOUT_S, stop);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discovery_discard);
	if ((cr = curl_easy_perform(c)) != CURLE_OK)
		net_seterr(err, errlen, "%.200s: %s", url,
		    cr == CURLE_ABORTED_BY_CALLBACK ? "stopped" :
		    curl_easy_strerror(cr));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* Next item of a version string: a number (*num >= 0) or a word. */
static const char *
discovery_version_item(const char *p, long long *num, const char **w,
    size_t *wl)
{
	while (*p == '.' || *p == '-' || *p == '_')
		p++;
	*w = p;
	*num = -1;
	if (*p == '\0') {
		*wl = 0;
		return p;
	}
	if (isdigit((unsigned char)*p)) {
		*num = 0;
		while (isdigit((unsigned char)*p)) {
			if (*num < 100000000000000LL)
				*num = *num * 10 + (*p - '0');
			p++;
		}
	} else
		while (*p != '\0' && *p != '.' && *p != '-' && *p != '_' &&
		    !isdigit((unsigned char)*p))
			p++;
	*wl = (size_t)(p - *w);
	return p;
}

int
discovery_version_cmp(const char *a, const char *b)
{
	long long	 na, nb;
	const char	*wa, *wb;
	size_t		 la, lb;
	int		 c;

	for (;;) {
		a = discovery_version_item(a, &na, &wa, &la);
		b = discovery_version_item(b, &nb, &wb, &lb);
		if (la == 0 && lb == 0)
			return 0;
		if (la == 0)		/* missing counts as 0 */
			na = 0;
		if (lb == 0)
			nb = 0;
		if (na >= 0 && nb >= 0) {
			if (na != nb)
				return na < nb ? -1 : 1;
			continue;
		}
		if (na >= 0)
			return 1;	/* numbers sort after words */
		if (nb >= 0)
			return -1;
		c = strncmp(wa, wb, la < lb ? la : lb);
		if (c != 0)
			return c < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
}

void
discovery_check_min_version(const char *min)
{
	if (discovery_version_cmp(min, JNAGENT_REMOTING_VERSION) > 0)
		log_error("warning: the controller requires remoting %.60s, "
		    "newer than the %s jnagent reports; it may reject this "
		    "agent", min, JNAGENT_REMOTING_VERSION);
	else
		log_debug("controller minimum remoting version %.60s", min);
}
