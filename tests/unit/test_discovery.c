/*
 * test_discovery.c: agent/discovery.c against an in-test HTTP server on
 * 127.0.0.1 that serves canned tcpSlaveAgentListener/ answers and
 * records each request: headers read, fallbacks, refusals, URL order,
 * -tunnel, -credentials, -direct, the readiness probe.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "agent/agent.h"
#include "agent/discovery.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "tests/unit/tap.h"

struct hsrv {
	int		 lfd, port;
	pthread_t	 th;
	const char	*resp[4];	/* one per connection, NULL ends */
	char		 req[4][2048];
	int		 nreq;
};

static char	*identity;	/* Base64 SPKI */
static uint8_t	*identity_der;
static size_t	 identity_len;

static void *
hsrv_main(void *arg)
{
	struct hsrv	*s = arg;
	char		*r;
	size_t		 n;
	int		 fd, i;

	for (i = 0; i < 4 && s->resp[i] != NULL; i++) {
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			return NULL;
		r = s->req[i];
		n = 0;
		while (n < sizeof(s->req[i]) - 1 &&
		    strstr(r, "\r\n\r\n") == NULL) {
			if (read(fd, r + n, 1) != 1)
				break;
			n++;
		}
		s->nreq++;
		(void)!write(fd, s->resp[i], strlen(s->resp[i]));
		close(fd);
	}
	return NULL;
}

static void
hsrv_start(struct hsrv *s)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);

	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s->lfd, (struct sockaddr *)&sin, sizeof(sin));
	listen(s->lfd, 8);
	getsockname(s->lfd, (struct sockaddr *)&sin, &sl);
	s->port = ntohs(sin.sin_port);
	pthread_create(&s->th, NULL, hsrv_main, s);
}

static void
hsrv_join(struct hsrv *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static char *
listener_response(const char *extra)
{
	char	*r;

	if (asprintf(&r, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 7\r\nConnection: close\r\n%s\r\nJenkins",
	    extra) == -1)
		abort();
	return r;
}

static void
base_conf(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "agent1";
	c->secret = "s";
	c->internal_dir = "remoting";
}

static void
test_resolve(void)
{
	struct hsrv		 s;
	struct agent_conf	 c;
	struct discovery_endpoint ep;
	char			 url[128], hdr[3000], err[512], *r1;

	memset(&s, 0, sizeof(s));
	snprintf(hdr, sizeof(hdr), "X-Jenkins-JNLP-Port: 50123\r\n"
	    "X-Instance-Identity: %s\r\n"
	    "X-Jenkins-Agent-Protocols: JNLP4-connect, Ping\r\n"
	    "X-Remoting-Minimum-Version: 3176.v207ec082a_8c0\r\n", identity);
	s.resp[0] = r1 = listener_response(hdr);
	hsrv_start(&s);
	base_conf(&c);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/jenkins/", s.port);
	c.urls[0] = url;
	c.nurls = 1;
	c.credentials = "user:pa:ss";
	ok(discovery_resolve(&c, &ep, NULL, err, sizeof(err)) == 0,
	    "discovery succeeds: %s", err);
	hsrv_join(&s);
	ok(strncmp(s.req[0], "GET /jenkins/tcpSlaveAgentListener/ HTTP/1.1",
	    44) == 0, "GET <url>tcpSlaveAgentListener/");
	ok(strstr(s.req[0], "\r\nNode-Name: agent1\r\n") != NULL,
	    "Node-Name header");
	ok(strstr(s.req[0], "\r\nAuthorization: Basic dXNlcjpwYTpzcw==\r\n") !=
	    NULL, "-credentials as Basic auth");
	ok(strcmp(ep.host, "127.0.0.1") == 0 && ep.port == 50123 &&
	    strcmp(ep.tls_host, "127.0.0.1") == 0, "host from the URL, port "
	    "from the header");
	ok(ep.identity_len == identity_len &&
	    memcmp(ep.identity, identity_der, identity_len) == 0,
	    "instance identity decoded");
	ok(strcmp(ep.min_version, "3176.v207ec082a_8c0") == 0,
	    "minimum version read");
	discovery_endpoint_free(&ep);
	free(r1);

	/* Hudson port fallback, JNLP host, tunnel; first URL fails. */
	memset(&s, 0, sizeof(s));
	s.resp[0] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	snprintf(hdr, sizeof(hdr), "X-Hudson-JNLP-Port: 4000\r\n"
	    "X-Jenkins-JNLP-Host: agents.example\r\n"
	    "x-instance-identity: %s\r\n", identity);
	s.resp[1] = r1 = listener_response(hdr);
	hsrv_start(&s);
	base_conf(&c);
	{
		char u1[128], u2[128];

		snprintf(u1, sizeof(u1), "http://127.0.0.1:%d/a/", s.port);
		snprintf(u2, sizeof(u2), "http://127.0.0.1:%d/b/", s.port);
		c.urls[0] = u1;
		c.urls[1] = u2;
		c.nurls = 2;
		c.tunnel = ":4444";
		ok(discovery_resolve(&c, &ep, NULL, err, sizeof(err)) == 0,
		    "second URL used after a 404: %s", err);
		ok(c.urls[0] == u2 && c.urls[1] == u1,
		    "the working URL moved to the front");
	}
	hsrv_join(&s);
	ok(strcmp(ep.host, "agents.example") == 0 && ep.port == 4444 &&
	    strcmp(ep.tls_host, "127.0.0.1") == 0,
	    "X-Jenkins-JNLP-Host, X-Hudson-JNLP-Port, then -tunnel :PORT");
	discovery_endpoint_free(&ep);
	free(r1);
}

static void
test_bad(const char *desc, const char *extra, const char *needle)
{
	struct hsrv		 s;
	struct agent_conf	 c;
	struct discovery_endpoint ep;
	char			 url[128], err[512], *r;

	memset(&s, 0, sizeof(s));
	s.resp[0] = r = listener_response(extra);
	hsrv_start(&s);
	base_conf(&c);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
	c.urls[0] = url;
	c.nurls = 1;
	ok(discovery_resolve(&c, &ep, NULL, err, sizeof(err)) == -1 &&
	    strstr(err, needle) != NULL, "%s: %s", desc, err);
	hsrv_join(&s);
	free(r);
}

static void
test_refusals(void)
{
	char	 h[3000];

	snprintf(h, sizeof(h), "X-Instance-Identity: %s\r\n", identity);
	test_bad("no port header", h, "X-Jenkins-JNLP-Port");
	snprintf(h, sizeof(h), "X-Jenkins-JNLP-Port: 0\r\n"
	    "X-Instance-Identity: %s\r\n", identity);
	test_bad("port 0", h, "invalid JNLP port");
	test_bad("no identity", "X-Jenkins-JNLP-Port: 1\r\n",
	    "X-Instance-Identity");
	test_bad("bad identity", "X-Jenkins-JNLP-Port: 1\r\n"
	    "X-Instance-Identity: AAAA\r\n", "X-Instance-Identity");
	snprintf(h, sizeof(h), "X-Jenkins-JNLP-Port: 1\r\n"
	    "X-Instance-Identity: %s\r\n"
	    "X-Jenkins-Agent-Protocols: JNLP4-connect-proxy, Ping\r\n",
	    identity);
	test_bad("JNLP4-connect not offered", h, "does not offer");
}

static void
test_direct_and_probe(void)
{
	struct hsrv		 s;
	struct agent_conf	 c;
	struct discovery_endpoint ep;
	char			 url[128], err[512];

	base_conf(&c);
	c.direct = "[::1]:5000";
	c.instance_identity = identity;
	ok(discovery_resolve(&c, &ep, NULL, err, sizeof(err)) == 0 &&
	    strcmp(ep.host, "::1") == 0 && ep.port == 5000 &&
	    ep.url_index == -1 && ep.identity_len == identity_len,
	    "-direct skips HTTP");
	discovery_endpoint_free(&ep);

	memset(&s, 0, sizeof(s));
	s.resp[0] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok";
	s.resp[1] = "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n";
	hsrv_start(&s);
	base_conf(&c);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/login", s.port);
	ok(discovery_get_status(&c, url, NULL, err, sizeof(err)) == 200,
	    "readiness probe 200");
	ok(discovery_get_status(&c, url, NULL, err, sizeof(err)) == 503,
	    "readiness probe 503");
	hsrv_join(&s);
	ok(discovery_get_status(&c, url, NULL, err, sizeof(err)) == -1 &&
	    err[0] != '\0', "probe to a closed port fails: %s", err);
}

int
main(void)
{
	EVP_PKEY	*pk;
	unsigned char	*der = NULL;
	int		 n;

	signal(SIGPIPE, SIG_IGN);
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	log_level = LOG_ERROR;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pk = EVP_RSA_gen(2048);
	n = i2d_PUBKEY(pk, &der);
	identity_der = der;
	identity_len = (size_t)n;
	identity = jnlp4_b64_encode(der, (size_t)n);
	test_resolve();
	test_refusals();
	test_direct_and_probe();
	free(identity);
	OPENSSL_free(identity_der);
	EVP_PKEY_free(pk);
	curl_global_cleanup();
	return done_testing();
}
