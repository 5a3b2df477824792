/*
 * test_conf.c: command line, @file, environment, precedence and errors
 * of agent/conf.c; pure helpers of agent/discovery.c and agent/connect.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "agent/conf.h"
#include "agent/connect.h"
#include "agent/discovery.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "tests/unit/tap.h"

#define SECRET	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *env_vars[] = {
	"JENKINS_URL", "JENKINS_SECRET", "JENKINS_AGENT_NAME", "JENKINS_NAME",
	"JENKINS_AGENT_WORKDIR", "JENKINS_WEB_SOCKET", "JENKINS_TUNNEL",
	"JENKINS_DIRECT_CONNECTION", "JENKINS_INSTANCE_IDENTITY",
	"JENKINS_PROTOCOLS", "REMOTING_OPTS", NULL,
};

static char	*identity_b64;
static char	 errbuf[512];

static void
clear_env(void)
{
	int	 i;

	for (i = 0; env_vars[i] != NULL; i++)
		unsetenv(env_vars[i]);
}

/* Parse a NULL-terminated list (argv[0] added); returns conf_parse's r. */
static int
parse(struct agent_conf *c, enum conf_action *act, ...)
{
	char		*argv[64];
	const char	*a;
	va_list		 ap;
	int		 argc = 0, r, i;

	argv[argc++] = strdup("jnagent");
	va_start(ap, act);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	r = conf_parse(c, argc, argv, act, errbuf, sizeof(errbuf));
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

static void
make_identity(void)
{
	EVP_PKEY	*pk = EVP_RSA_gen(2048);
	unsigned char	*der = NULL;
	int		 n;

	n = i2d_PUBKEY(pk, &der);
	identity_b64 = jnlp4_b64_encode(der, (size_t)n);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
}

static void
test_basic(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;

	clear_env();
	ok(parse(&c, &act, "-url", "http://localhost:8080/jenkins", "-name",
	    "agent1", "-secret", SECRET, NULL) == 0 && act == CONF_RUN,
	    "basic flags parse");
	ok(c.nurls == 1 && strcmp(c.urls[0],
	    "http://localhost:8080/jenkins/") == 0, "url normalised with '/'");
	ok(strcmp(c.name, "agent1") == 0 && strcmp(c.secret, SECRET) == 0,
	    "name and secret");
	ok(strcmp(c.internal_dir, "remoting") == 0 && c.log_level == LOG_INFO &&
	    c.backoff_start_ms == 1000 && c.backoff_cap_ms == 60000,
	    "defaults: internalDir, loglevel, backoff");
	ok(c.work_dir == NULL && !c.websocket && !c.no_reconnect &&
	    c.no_reconnect_after_ms == 0, "defaults: flags off");
	conf_free(&c);

	ok(parse(&c, &act, "--url", "https://j.example.com/", "--url",
	    "http://backup:8080", "--name", "a b", "--secret", SECRET,
	    "--workDir", "/tmp/w", "--internalDir", "int",
	    "--failIfWorkDirIsMissing", "--noKeepAlive", "--noReconnect",
	    "--noReconnectAfter", "10m", "--agentLog", "/tmp/x.log",
	    "--labels", "linux docker", "--loglevel", "debug",
	    "--backoffStart", "250ms", "--backoffCap", "30s", "--cert",
	    "/dev/null", "--noCertificateCheck", "--credentials",
	    "u:p", "--proxyCredentials", "pu:pp", "--tunnel", "tun:5000",
	    "--protocols", "JNLP4-connect", NULL) == 0, "double-dash forms");
	ok(c.nurls == 2 && strcmp(c.urls[1], "http://backup:8080/") == 0,
	    "-url repeatable");
	ok(strcmp(c.name, "a b") == 0 && strcmp(c.work_dir, "/tmp/w") == 0 &&
	    strcmp(c.internal_dir, "int") == 0, "name, workDir, internalDir");
	ok(c.fail_if_workdir_missing && c.no_keepalive && c.no_reconnect &&
	    c.no_cert_check, "boolean flags");
	ok(c.no_reconnect_after_ms == 600000, "noReconnectAfter 10m");
	ok(strcmp(c.agent_log, "/tmp/x.log") == 0 &&
	    strcmp(c.labels, "linux docker") == 0 && c.log_level == LOG_DEBUG,
	    "agentLog, labels, loglevel");
	ok(c.backoff_start_ms == 250 && c.backoff_cap_ms == 30000,
	    "backoff durations");
	ok(strcmp(c.cert, "/dev/null") == 0 &&
	    strcmp(c.credentials, "u:p") == 0 &&
	    strcmp(c.proxy_credentials, "pu:pp") == 0 &&
	    strcmp(c.tunnel, "tun:5000") == 0 &&
	    strcmp(c.protocols, "JNLP4-connect") == 0,
	    "cert, credentials, tunnel, protocols");
	conf_free(&c);

	ok(parse(&c, &act, "--url=http://eq/", "--name=n=1", "--secret=" SECRET,
	    "--noReconnect", NULL) == 0 && strcmp(c.urls[0], "http://eq/") == 0 &&
	    strcmp(c.name, "n=1") == 0 && strcmp(c.secret, SECRET) == 0 &&
	    c.no_reconnect, "--flag=value forms");
	conf_free(&c);

	ok(parse(&c, &act, "-url", "http://h/", "-webSocket",
	    "-webSocketHeader", "X-A=1", "-webSocketHeader", "X-B=a=b",
	    "-disableHttpsCertValidation", "-jnlpCredentials", "a:b",
	    SECRET, "agent2", NULL) == 0, "webSocket, aliases, positionals");
	ok(c.websocket && c.nws_headers == 2 &&
	    strcmp(c.ws_headers[1], "X-B=a=b") == 0, "webSocketHeader");
	ok(c.no_cert_check && strcmp(c.credentials, "a:b") == 0, "aliases");
	ok(strcmp(c.secret, SECRET) == 0 && strcmp(c.name, "agent2") == 0,
	    "positional <secret> <name>");
	conf_free(&c);

	ok(parse(&c, &act, "-direct", "127.0.0.1:50000", "-instanceIdentity",
	    identity_b64, "-name", "n", "-secret", SECRET, NULL) == 0 &&
	    strcmp(c.direct, "127.0.0.1:50000") == 0, "-direct with identity");
	conf_free(&c);
	ok(parse(&c, &act, "-directConnection", "[::1]:50000",
	    "-instanceIdentity", identity_b64, "-name", "n", "-secret", SECRET,
	    NULL) == 0, "-directConnection alias, IPv6");
	conf_free(&c);
}

static void
test_jvm_and_actions(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;

	clear_env();
	ok(parse(&c, &act, "-jar", "agent.jar", "-Xmx512m", "-Dfoo=bar",
	    "-XX:+UseG1GC", "-cp", "x.jar", "-server", "-headless", "-jnlpUrl",
	    "http://h/computer/a/jenkins-agent.jnlp", "-url", "http://h/",
	    "-name", "a", "-secret", SECRET, NULL) == 0,
	    "JVM options accepted with a warning");
	conf_free(&c);
	ok(parse(&c, &act, "-jnlpUrl",
	    "http://h:8080/jenkins/computer/my%20agent/jenkins-agent.jnlp",
	    "-secret", SECRET, "-workDir", "/w", NULL) == 0 &&
	    c.nurls == 1 && strcmp(c.urls[0], "http://h:8080/jenkins/") == 0 &&
	    strcmp(c.name, "my agent") == 0, "-jnlpUrl gives -url and -name");
	conf_free(&c);
	ok(parse(&c, &act, "-jnlpUrl",
	    "http://h/computer/x/slave-agent.jnlp", "-url", "http://o/",
	    "-name", "n", "-secret", SECRET, NULL) == 0 &&
	    strcmp(c.urls[0], "http://o/") == 0 && strcmp(c.name, "n") == 0,
	    "-url and -name win over -jnlpUrl");
	conf_free(&c);
	ok(parse(&c, &act, "-version", NULL) == 0 && act == CONF_VERSION,
	    "-version needs nothing else");
	conf_free(&c);
	ok(parse(&c, &act, "--help", NULL) == 0 && act == CONF_HELP,
	    "--help");
	conf_free(&c);
	ok(strstr(conf_version_line(), "(remoting "
	    JNAGENT_REMOTING_VERSION ")") != NULL &&
	    strncmp(conf_version_line(), "jnagent ", 8) == 0, "version line");
	ok(strstr(conf_usage(), "-noReconnectAfter") != NULL &&
	    strstr(conf_usage(), "-webSocketHeader") != NULL &&
	    strstr(conf_usage(), "JENKINS_AGENT_WORKDIR") != NULL &&
	    strstr(conf_usage(), "REMOTING_OPTS") != NULL &&
	    strstr(conf_usage(), "-backoffCap") != NULL &&
	    strstr(conf_usage(), "-instanceIdentity") != NULL,
	    "usage lists flags and variables");
}

static void
test_files(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;
	char			 sf[] = "/tmp/jnagent-test-secretXXXXXX";
	char			 nf[] = "/tmp/jnagent-test-nameXXXXXX";
	char			 sarg[64], narg[64];
	int			 fd;

	clear_env();
	fd = mkstemp(sf);
	(void)!write(fd, "  " SECRET "\n\n", strlen(SECRET) + 4);
	close(fd);
	fd = mkstemp(nf);
	(void)!write(fd, "agent-from-file\n", 16);
	close(fd);
	snprintf(sarg, sizeof(sarg), "@%s", sf);
	snprintf(narg, sizeof(narg), "@%s", nf);
	ok(parse(&c, &act, "-url", "http://h/", "-name", narg, "-secret", sarg,
	    NULL) == 0 && strcmp(c.secret, SECRET) == 0 &&
	    strcmp(c.name, "agent-from-file") == 0, "@file values trimmed");
	conf_free(&c);
	ok(parse(&c, &act, "-url", "http://h/", sarg, narg, NULL) == 0 &&
	    strcmp(c.secret, SECRET) == 0, "positional @file");
	conf_free(&c);
	setenv("JENKINS_SECRET", sarg, 1);
	ok(parse(&c, &act, "-url", "http://h/", "-name", "x", NULL) == 0 &&
	    strcmp(c.secret, SECRET) == 0, "JENKINS_SECRET=@file");
	conf_free(&c);
	unsetenv("JENKINS_SECRET");
	ok(parse(&c, &act, "-url", "http://h/", "-name", "x", "-secret",
	    "@/nonexistent/secret-file", NULL) == -1 &&
	    strstr(errbuf, "/nonexistent/secret-file") != NULL &&
	    strstr(errbuf, "-secret") != NULL, "unreadable @file: %s", errbuf);
	conf_free(&c);
	unlink(sf);
	unlink(nf);
}

static void
test_env(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;

	clear_env();
	setenv("JENKINS_URL", "http://env:8080", 1);
	setenv("JENKINS_SECRET", SECRET, 1);
	setenv("JENKINS_NAME", "legacy-name", 1);
	setenv("JENKINS_AGENT_WORKDIR", "/home/jenkins/agent", 1);
	setenv("JENKINS_WEB_SOCKET", "true", 1);
	setenv("JAVA_OPTS", "-Xmx1g", 1);
	ok(parse(&c, &act, NULL) == 0, "environment only");
	ok(c.nurls == 1 && strcmp(c.urls[0], "http://env:8080/") == 0 &&
	    strcmp(c.secret, SECRET) == 0 &&
	    strcmp(c.name, "legacy-name") == 0 &&
	    strcmp(c.work_dir, "/home/jenkins/agent") == 0 && c.websocket,
	    "JENKINS_URL/SECRET/NAME/AGENT_WORKDIR/WEB_SOCKET");
	conf_free(&c);
	unsetenv("JAVA_OPTS");

	setenv("JENKINS_AGENT_NAME", "env-name", 1);
	unsetenv("JENKINS_WEB_SOCKET");
	setenv("JENKINS_TUNNEL", "tunnel:50000", 1);
	setenv("JENKINS_PROTOCOLS", "JNLP4-connect", 1);
	ok(parse(&c, &act, "-url", "http://flag/", "-name", "flag-name",
	    NULL) == 0, "flags with environment");
	ok(c.nurls == 1 && strcmp(c.urls[0], "http://flag/") == 0 &&
	    strcmp(c.name, "flag-name") == 0, "flags win over environment");
	ok(strcmp(c.tunnel, "tunnel:50000") == 0 &&
	    strcmp(c.protocols, "JNLP4-connect") == 0,
	    "JENKINS_TUNNEL, JENKINS_PROTOCOLS");
	conf_free(&c);
	ok(parse(&c, &act, NULL) == 0 && strcmp(c.name, "env-name") == 0,
	    "JENKINS_AGENT_NAME preferred over JENKINS_NAME");
	conf_free(&c);
	setenv("JENKINS_WEB_SOCKET", "true", 1);
	ok(parse(&c, &act, NULL) == 0 && c.websocket && c.tunnel == NULL,
	    "JENKINS_TUNNEL not applied to WebSocket");
	conf_free(&c);
	unsetenv("JENKINS_WEB_SOCKET");

	clear_env();
	setenv("JENKINS_DIRECT_CONNECTION", "127.0.0.1:50000", 1);
	setenv("JENKINS_INSTANCE_IDENTITY", identity_b64, 1);
	setenv("JENKINS_SECRET", SECRET, 1);
	setenv("JENKINS_AGENT_NAME", "d", 1);
	setenv("JENKINS_URL", "http://ignored/", 1);
	ok(parse(&c, &act, NULL) == 0 && c.direct != NULL && c.nurls == 0,
	    "JENKINS_DIRECT_CONNECTION wins over JENKINS_URL");
	conf_free(&c);

	clear_env();
	setenv("REMOTING_OPTS", "-url http://opts/ -name 'with space' "
	    "-loglevel debug -webSocketHeader \"X-Q=a b\"", 1);
	ok(parse(&c, &act, "-secret", SECRET, NULL) == 0 &&
	    strcmp(c.urls[0], "http://opts/") == 0 &&
	    strcmp(c.name, "with space") == 0 && c.log_level == LOG_DEBUG &&
	    c.nws_headers == 1 && strcmp(c.ws_headers[0], "X-Q=a b") == 0,
	    "REMOTING_OPTS split like a shell");
	conf_free(&c);
	ok(parse(&c, &act, "-secret", SECRET, "-url", "http://argv/", "-name",
	    "argv", NULL) == 0 && c.nurls == 1 &&
	    strcmp(c.urls[0], "http://argv/") == 0 &&
	    strcmp(c.name, "argv") == 0, "argv wins over REMOTING_OPTS");
	conf_free(&c);
	setenv("REMOTING_OPTS", "-name 'unbalanced", 1);
	ok(parse(&c, &act, "-secret", SECRET, NULL) == -1 &&
	    strstr(errbuf, "REMOTING_OPTS") != NULL, "REMOTING_OPTS quotes");
	conf_free(&c);
	clear_env();
}

static void
test_errors(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;
	char			 bad_identity[] = "AAAAAAAA";

	clear_env();
#define BAD(desc, needle, ...) do {					\
	int r_ = parse(&c, &act, __VA_ARGS__, NULL);			\
	ok(r_ == -1 && strstr(errbuf, needle) != NULL &&		\
	    strstr(errbuf, SECRET) == NULL && strstr(errbuf, "s3cr") == NULL,\
	    "%s: %s", desc, errbuf);					\
	conf_free(&c);							\
} while (0)
	BAD("unknown flag", "-bogus", "-bogus", "-url", "http://h/", "-name",
	    "a", "-secret", SECRET);
	BAD("--flag=value on a switch", "-noReconnect takes no value",
	    "--noReconnect=s3cr", "-url", "http://h/", "-name", "a", "-secret",
	    SECRET);
	BAD("unknown --flag=value not echoed", "--nosuch", "--nosuch=s3cr",
	    "-url", "http://h/", "-name", "a", "-secret", SECRET);
	BAD("missing value", "-name: missing value", "-url", "http://h/",
	    "-secret", SECRET, "-name");
	BAD("missing value of -secret", "-secret: missing value", "-url",
	    "http://h/", "-name", "a", "-secret");
	BAD("missing secret", "no secret", "-url", "http://h/", "-name", "a");
	BAD("missing name", "no agent name", "-url", "http://h/", "-secret",
	    SECRET);
	BAD("one positional", "positional", "-url", "http://h/", SECRET);
	BAD("three positionals", "unexpected argument", "-url", "http://h/",
	    SECRET, "a", "s3cr");
	BAD("no url", "no controller", "-name", "a", "-secret", SECRET);
	BAD("bad url", "-url", "-url", "ftp://h/", "-name", "a", "-secret",
	    SECRET);
	BAD("direct + url", "-direct cannot", "-direct", "h:1", "-url",
	    "http://h/", "-instanceIdentity", identity_b64, "-name", "a",
	    "-secret", SECRET);
	BAD("direct + tunnel", "-direct cannot", "-direct", "h:1", "-tunnel",
	    "t:2", "-instanceIdentity", identity_b64, "-name", "a", "-secret",
	    SECRET);
	BAD("direct without identity", "-instanceIdentity", "-direct", "h:1",
	    "-name", "a", "-secret", SECRET);
	BAD("direct bad port", "-direct", "-direct", "h:70000",
	    "-instanceIdentity", identity_b64, "-name", "a", "-secret", SECRET);
	BAD("bad identity", "-instanceIdentity", "-direct", "h:1",
	    "-instanceIdentity", bad_identity, "-name", "a", "-secret", SECRET);
	BAD("bad duration", "-noReconnectAfter", "-url", "http://h/",
	    "-noReconnectAfter", "10x", "-name", "a", "-secret", SECRET);
	BAD("bad loglevel", "-loglevel", "-url", "http://h/", "-loglevel",
	    "loud", "-name", "a", "-secret", SECRET);
	BAD("cap < start", "-backoffCap", "-url", "http://h/", "-backoffStart",
	    "10s", "-backoffCap", "1s", "-name", "a", "-secret", SECRET);
	BAD("websocket two urls", "exactly one", "-webSocket", "-url",
	    "http://a/", "-url", "http://b/", "-name", "a", "-secret", SECRET);
	BAD("protocols", "JNLP4-connect", "-url", "http://h/", "-protocols",
	    "JNLP2-connect", "-name", "a", "-secret", SECRET);
	BAD("bad ws header", "-webSocketHeader", "-url", "http://h/",
	    "-webSocketHeader", "novalue", "-name", "a", "-secret", SECRET);
	BAD("bad tunnel", "-tunnel", "-url", "http://h/", "-tunnel", "nocolon",
	    "-name", "a", "-secret", SECRET);
	BAD("secret with newline", "control", "-url", "http://h/", "-name",
	    "a", "-secret", "s3cr\nX");
	setenv("JENKINS_AGENT_NAME", "evil\r\nX-Injected: 1", 1);
	BAD("name with CR/LF from the environment", "control", "-url",
	    "http://h/", "-secret", SECRET);
	unsetenv("JENKINS_AGENT_NAME");
	BAD("unreadable -cert", "-cert: cannot read", "-url", "http://h/",
	    "-cert", "/nonexistent/ca.pem", "-name", "a", "-secret", SECRET);
	BAD("bad internalDir", "-internalDir", "-url", "http://h/",
	    "-internalDir", "../x", "-name", "a", "-secret", SECRET);
	BAD("credentials without ':'", "USER:PASSWORD", "-url", "http://h/",
	    "-credentials", "s3cr", "-name", "a", "-secret", SECRET);
#undef BAD
}

static void
test_scrub(void)
{
	struct agent_conf	 c;
	enum conf_action	 act;
	char			 a0[] = "jnagent", a1[] = "-url", a2[] = "http://h/";
	char			 a3[] = "-secret", a4[] = SECRET, a5[] = "-name";
	char			 a6[] = "n", a7[] = "-credentials", a8[] = "u:pw";
	char			 p1[] = SECRET, p2[] = "agent";
	char			*argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8,
	    NULL };
	char			*argv2[] = { a0, a1, a2, p1, p2, NULL };
	char			 e1[] = "--secret=" SECRET, e2[] = "--name=x";
	char			*argv3[] = { a0, a1, a2, e1, e2, NULL };

	clear_env();
	ok(conf_parse(&c, 9, argv, &act, errbuf, sizeof(errbuf)) == 0,
	    "parse for scrub");
	conf_scrub_argv(9, argv);
	ok(strspn(a4, "*") == strlen(SECRET) && strspn(a8, "*") == 4 &&
	    strcmp(a6, "n") == 0 && strcmp(a2, "http://h/") == 0,
	    "secret and credentials overwritten in argv, rest intact");
	ok(strcmp(c.secret, SECRET) == 0, "conf keeps its own copy");
	conf_free(&c);
	ok(conf_parse(&c, 5, argv2, &act, errbuf, sizeof(errbuf)) == 0,
	    "parse positional for scrub");
	conf_scrub_argv(5, argv2);
	ok(strspn(p1, "*") == strlen(SECRET) && strcmp(p2, "agent") == 0,
	    "positional secret overwritten");
	conf_free(&c);
	ok(conf_parse(&c, 5, argv3, &act, errbuf, sizeof(errbuf)) == 0,
	    "parse --secret=VALUE for scrub");
	conf_scrub_argv(5, argv3);
	ok(strncmp(e1, "--secret=", 9) == 0 &&
	    strspn(e1 + 9, "*") == strlen(SECRET) && strcmp(e2, "--name=x") == 0,
	    "--secret=VALUE: value overwritten");
	conf_free(&c);
}

static void
test_helpers(void)
{
	char	 host[64];
	int	 port;
	long	 ms;
	struct discovery_endpoint ep;
	int	 i, okb = 1;
	long	 d;

	ok(conf_parse_duration("30s", &ms) == 0 && ms == 30000, "30s");
	ok(conf_parse_duration("10m", &ms) == 0 && ms == 600000, "10m");
	ok(conf_parse_duration("1h", &ms) == 0 && ms == 3600000, "1h");
	ok(conf_parse_duration("1h30m", &ms) == 0 && ms == 5400000, "1h30m");
	ok(conf_parse_duration("500ms", &ms) == 0 && ms == 500, "500ms");
	ok(conf_parse_duration("1500", &ms) == 0 && ms == 1500, "bare ms");
	ok(conf_parse_duration("2d", &ms) == 0 && ms == 172800000L, "2d");
	ok(conf_parse_duration("abc", &ms) == -1 &&
	    conf_parse_duration("", &ms) == -1 &&
	    conf_parse_duration("-5s", &ms) == -1 &&
	    conf_parse_duration("99999999999999999999d", &ms) == -1,
	    "bad durations refused");

	ok(conf_hostport("host:123", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "host") == 0 && port == 123, "HOST:PORT");
	ok(conf_hostport("host:", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "host") == 0 && port == 0, "HOST:");
	ok(conf_hostport(":77", host, sizeof(host), &port) == 0 &&
	    host[0] == '\0' && port == 77, ":PORT");
	ok(conf_hostport("[::1]:9", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "::1") == 0 && port == 9, "[v6]:PORT");
	ok(conf_hostport("::1:9", host, sizeof(host), &port) == -1 &&
	    conf_hostport("h:0", host, sizeof(host), &port) == -1 &&
	    conf_hostport("h:65536", host, sizeof(host), &port) == -1 &&
	    conf_hostport("h:1x", host, sizeof(host), &port) == -1 &&
	    conf_hostport("nocolon", host, sizeof(host), &port) == -1,
	    "bad host:port refused");

	memset(&ep, 0, sizeof(ep));
	snprintf(ep.host, sizeof(ep.host), "jenkins");
	ep.port = 50000;
	ok(discovery_apply_tunnel(&ep, "tun:1") == 0 &&
	    strcmp(ep.host, "tun") == 0 && ep.port == 1, "tunnel HOST:PORT");
	ok(discovery_apply_tunnel(&ep, ":2") == 0 &&
	    strcmp(ep.host, "tun") == 0 && ep.port == 2, "tunnel :PORT");
	ok(discovery_apply_tunnel(&ep, "other:") == 0 &&
	    strcmp(ep.host, "other") == 0 && ep.port == 2, "tunnel HOST:");

	ok(discovery_version_cmp("3386.v353e57a_1b_ea_0",
	    "3176.v207ec082a_8c0") > 0, "3386.v… newer than 3176.v…");
	ok(discovery_version_cmp("3176.v207ec082a_8c0",
	    JNAGENT_REMOTING_VERSION) < 0, "minimum older than ours");
	ok(discovery_version_cmp("4.13", "4.13.0") == 0 &&
	    discovery_version_cmp("4.13.1", "4.13") > 0 &&
	    discovery_version_cmp("4.9", "4.13") < 0 &&
	    discovery_version_cmp("1.0", "1.0-beta") > 0 &&
	    discovery_version_cmp(JNAGENT_REMOTING_VERSION,
	    JNAGENT_REMOTING_VERSION) == 0, "VersionNumber-like ordering");
	ok(discovery_version_cmp("9999.vdeadbeef",
	    JNAGENT_REMOTING_VERSION) > 0, "a newer minimum is detected");

	for (i = 0; i < 200; i++) {
		d = connect_backoff_ms(1000, 60000, i % 12);
		if (d < 0 || d > 60000 || (i % 12 == 0 && d > 1000) ||
		    (i % 12 == 2 && d > 4000))
			okb = 0;
	}
	ok(okb, "full-jitter backoff stays within min(cap, start*2^n)");
}

static void
test_log_rotation(void)
{
	char		 dir[] = "/tmp/jnagent-test-logXXXXXX", path[256], line[200];
	struct stat	 st;
	int		 saved, devnull, i, present = 0;
	long		 size0 = 0, size1 = 0;
	FILE		*f;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/remoting.log.0", dir);
	ok(log_open_file(path) == 0, "log file opened");
	/* Keep 50 MB of lines off the test's stderr. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, STDERR_FILENO);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (i = 0; i < 290000; i++)	/* ~5.5 rotations of 10 MB */
		log_emit(LOG_INFO, "test", "%d %s\x01", i, line);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(devnull);
	log_close();
	for (i = 0; i <= 5; i++) {
		snprintf(path, sizeof(path), "%s/remoting.log.%d", dir, i);
		if (stat(path, &st) == 0)
			present |= 1 << i;
		if (i == 0)
			size0 = (long)st.st_size;
		if (i == 1)
			size1 = (long)st.st_size;
	}
	ok(present == 0x1f, "rotated to remoting.log.0 .. .4, no .5 (%#x)",
	    present);
	ok(size1 > 10L * 1024 * 1024 - 4096 && size1 <= 10L * 1024 * 1024 &&
	    size0 <= 10L * 1024 * 1024, "files capped at 10 MB (%ld, %ld)",
	    size0, size1);
	snprintf(path, sizeof(path), "%s/remoting.log.0", dir);
	f = fopen(path, "r");
	ok(f != NULL && fgets(line, sizeof(line), f) != NULL &&
	    strstr(line, " INFO test: ") != NULL, "line format: %.60s", line);
	if (f != NULL) {
		char big[400];

		fseek(f, 0, SEEK_SET);
		ok(fgets(big, sizeof(big), f) != NULL &&
		    strchr(big, '\x01') == NULL && strstr(big, "x?") != NULL,
		    "control characters escaped");
		fclose(f);
	}
	for (i = 0; i <= 5; i++) {
		snprintf(path, sizeof(path), "%s/remoting.log.%d", dir, i);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	log_level = LOG_ERROR;
	make_identity();
	test_basic();
	test_jvm_and_actions();
	test_files();
	test_env();
	test_errors();
	test_scrub();
	test_helpers();
	test_log_rotation();
	free(identity_b64);
	clear_env();
	return done_testing();
}
