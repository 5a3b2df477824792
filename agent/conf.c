/*
 * conf.c: command line and environment -> struct agent_conf.
 *
 * Mirrors agent.jar's hudson.remoting.jnlp.Main/Launcher options (args4j:
 * "-name value", single or double dash) and the environment handling of
 * the jenkins/inbound-agent image's jenkins-agent script.  Order of
 * precedence: command line, then REMOTING_OPTS (extra arguments), then
 * the JENKINS_* variables.  Any option value (and the positional secret
 * and name) may be "@file": the value is read from that file, trimmed.
 *
 * Error messages name the option, never the value of a secret.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/conf.h"
#include "agent/jnlp4.h"
#include "agent/log.h"

#define CONF_FILE_MAX	(256 * 1024)	/* @file contents */
#define CONF_MAX_SCRUB	16

enum conf_opt_id {
	O_URL, O_NAME, O_SECRET, O_WORKDIR, O_INTERNALDIR, O_FAILIFMISSING,
	O_DIRECT, O_IDENTITY, O_PROTOCOLS, O_TUNNEL, O_WEBSOCKET, O_WSHEADER,
	O_CREDENTIALS, O_PROXYCREDENTIALS, O_CERT, O_NOCERTCHECK,
	O_NOKEEPALIVE, O_NORECONNECT, O_NORECONNECTAFTER, O_AGENTLOG,
	O_VERSION, O_HELP, O_LABELS, O_LOGLEVEL, O_BACKOFFSTART, O_BACKOFFCAP,
	O_JNLPURL, O_HEADLESS, O_JVM_ARG, O_JVM_FLAG,
	O_DINDLABEL, O_DOODLABEL, O_DOCKERHOST, O_DINDIMAGE, O_DINDPRIV,
	O_DINDCAPADD, O_DINDCAPDROP, O_DINDSECOPT, O_DINDCGRULE, O_DINDRUNTIME,
	O_DINDKEEP, O_DINDMOUNT, O_DOCKERGUARD, O_DINDTRANSPORT, O_DINDTLSPORT,
	O_REGISTER, O_USERNAME, O_PASSWORD, O_PASSWORDFILE, O_PASSWORDENV,
	O_LABELSFILE, O_EXECUTORS, O_MODE, O_FSROOT, O_DESCRIPTION,
	O_DELETEEXISTING, O_NOUNIQUEID, O_KEEPDISCONNECTED, O_RETRY,
	O_RETRYBACKOFF, O_RETRYINTERVAL, O_MAXRETRYINTERVAL,
};

struct conf_opt {
	const char	*name;
	const char	*alias;
	int		 id;
	int		 has_arg;
	int		 sensitive;	/* a secret: scrub, never echo */
	const char	*metavar;
	const char	*help;		/* NULL: hidden from -help */
};

static const struct conf_opt conf_opts[] = {
	{ "url", NULL, O_URL, 1, 0, "URL",
	    "controller root URL (repeatable: tried in order)" },
	{ "name", NULL, O_NAME, 1, 0, "NAME", "agent (node) name" },
	{ "secret", NULL, O_SECRET, 1, 1, "SECRET",
	    "agent secret (64 hex characters), or @file" },
	{ "workDir", NULL, O_WORKDIR, 1, 0, "DIR",
	    "work directory (logs go to DIR/<internalDir>/logs)" },
	{ "internalDir", NULL, O_INTERNALDIR, 1, 0, "NAME",
	    "internal directory inside -workDir (default: remoting)" },
	{ "failIfWorkDirIsMissing", NULL, O_FAILIFMISSING, 0, 0, NULL,
	    "exit if -workDir does not exist instead of creating it" },
	{ "direct", "directConnection", O_DIRECT, 1, 0, "HOST:PORT",
	    "connect to the TCP agent port directly, skipping discovery" },
	{ "instanceIdentity", NULL, O_IDENTITY, 1, 0, "BASE64",
	    "controller instance identity (required with -direct)" },
	{ "protocols", NULL, O_PROTOCOLS, 1, 0, "LIST",
	    "protocols to try (only JNLP4-connect is implemented)" },
	{ "tunnel", NULL, O_TUNNEL, 1, 0, "HOST:PORT",
	    "connect through HOST:PORT (HOST: or :PORT fill in the rest)" },
	{ "webSocket", NULL, O_WEBSOCKET, 0, 0, NULL,
	    "connect over WebSocket (HTTP(S) port) instead of TCP" },
	{ "webSocketHeader", NULL, O_WSHEADER, 1, 0, "NAME=VALUE",
	    "extra header for the WebSocket upgrade (repeatable)" },
	{ "credentials", "jnlpCredentials", O_CREDENTIALS, 1, 1, "USER:PASS",
	    "HTTP Basic credentials for the controller" },
	{ "proxyCredentials", NULL, O_PROXYCREDENTIALS, 1, 1, "USER:PASS",
	    "HTTP proxy credentials" },
	{ "cert", NULL, O_CERT, 1, 0, "FILE",
	    "trust this PEM CA certificate file too (HTTPS, wss)" },
	{ "noCertificateCheck", "disableHttpsCertValidation", O_NOCERTCHECK,
	    0, 0, NULL, "do not verify the controller's HTTPS certificate" },
	{ "noKeepAlive", NULL, O_NOKEEPALIVE, 0, 0, NULL,
	    "disable TCP keepalive on the agent connection" },
	{ "noReconnect", NULL, O_NORECONNECT, 0, 0, NULL,
	    "exit (status 1) instead of reconnecting" },
	{ "noReconnectAfter", NULL, O_NORECONNECTAFTER, 1, 0, "DURATION",
	    "give up after DURATION without a connection (e.g. 10m, 1h)" },
	{ "agentLog", NULL, O_AGENTLOG, 1, 0, "FILE",
	    "log to FILE instead of the work directory" },
	{ "version", NULL, O_VERSION, 0, 0, NULL,
	    "print the version and exit" },
	{ "help", NULL, O_HELP, 0, 0, NULL, "print this help and exit" },
	{ "labels", NULL, O_LABELS, 1, 0, "LABELS",
	    "space separated labels this agent offers (repeatable)" },
	{ "loglevel", NULL, O_LOGLEVEL, 1, 0, "LEVEL",
	    "error, info (default) or debug" },
	{ "backoffStart", NULL, O_BACKOFFSTART, 1, 0, "DURATION",
	    "first reconnect delay bound (default 1s)" },
	{ "backoffCap", NULL, O_BACKOFFCAP, 1, 0, "DURATION",
	    "largest reconnect delay bound (default 60s)" },
	/* Docker per label: agent/dockersel.h */
	{ "dindLabel", NULL, O_DINDLABEL, 1, 0, "LABEL",
	    "label that sends a node's Docker work to its DinD daemon "
	    "(default dind)" },
	{ "doodLabel", NULL, O_DOODLABEL, 1, 0, "LABEL",
	    "label that sends it to the host daemon (default dood; neither "
	    "label: DooD)" },
	{ "dockerHost", NULL, O_DOCKERHOST, 1, 0, "HOST",
	    "host daemon for DooD and DinD (default $DOCKER_HOST or "
	    "unix:///var/run/docker.sock)" },
	{ "dindImage", NULL, O_DINDIMAGE, 1, 0, "IMAGE",
	    "image of the inner daemon (default docker:dind)" },
	{ "dindPrivileged", NULL, O_DINDPRIV, 1, 0, "true|false",
	    "run the inner daemon privileged (default true)" },
	{ "dindCapAdd", NULL, O_DINDCAPADD, 1, 0, "CAP",
	    "capability for the inner daemon (repeatable, or CAP,CAP)" },
	{ "dindCapDrop", NULL, O_DINDCAPDROP, 1, 0, "CAP",
	    "capability to drop from it (repeatable, or CAP,CAP)" },
	{ "dindSecurityOpt", NULL, O_DINDSECOPT, 1, 0, "OPT",
	    "security option, e.g. seccomp=unconfined (repeatable)" },
	{ "dindDeviceCgroupRule", NULL, O_DINDCGRULE, 1, 0, "RULE",
	    "device cgroup rule, e.g. 'a *:* rwm' (repeatable)" },
	{ "dindRuntime", NULL, O_DINDRUNTIME, 1, 0, "RUNTIME",
	    "OCI runtime of the inner daemon, e.g. sysbox-runc" },
	{ "dindMount", NULL, O_DINDMOUNT, 1, 0, "SRC:DST[:OPTS]",
	    "extra bind mount for the inner daemon (repeatable)" },
	{ "dindKeep", NULL, O_DINDKEEP, 0, 0, NULL,
	    "leave the inner daemon running when jnagent exits" },
	{ "dindTransport", NULL, O_DINDTRANSPORT, 1, 0, "auto|unix|tls",
	    "reach the inner daemon by a socket in a bind-mounted directory "
	    "or by TLS on a loopback port (auto: tls only when jnagent runs "
	    "in a container and no bind mount shows the socket to the host)" },
	{ "dindTlsPort", NULL, O_DINDTLSPORT, 1, 0, "PORT",
	    "loopback port of the inner daemon with -dindTransport tls "
	    "(default: a free one)" },
	{ "dockerGuard", NULL, O_DOCKERGUARD, 1, 0, "true|false",
	    "give each build a guarded Docker socket (default true)" },
	/* -register: create the node first, like the Swarm client */
	{ "register", NULL, O_REGISTER, 0, 0, NULL,
	    "create the node on the controller (Swarm plugin or core REST), "
	    "then connect" },
	{ "username", NULL, O_USERNAME, 1, 0, "USER",
	    "-register: Jenkins user" },
	{ "password", NULL, O_PASSWORD, 1, 1, "TOKEN",
	    "-register: the user's API token" },
	{ "passwordFile", NULL, O_PASSWORDFILE, 1, 0, "FILE",
	    "-register: read the API token from FILE" },
	{ "passwordEnvVariable", NULL, O_PASSWORDENV, 1, 0, "VAR",
	    "-register: read the API token from environment variable VAR" },
	{ "labelsFile", NULL, O_LABELSFILE, 1, 0, "FILE",
	    "-register: more labels, re-read every few seconds and updated "
	    "on the node" },
	{ "executors", NULL, O_EXECUTORS, 1, 0, "N",
	    "-register: number of executors (default 1)" },
	{ "mode", NULL, O_MODE, 1, 0, "normal|exclusive",
	    "-register: use the node as much as possible, or only for jobs "
	    "tied to its labels" },
	{ "fsroot", NULL, O_FSROOT, 1, 0, "DIR",
	    "-register: the node's remote root (default -workDir or the "
	    "current directory)" },
	{ "description", NULL, O_DESCRIPTION, 1, 0, "TEXT",
	    "-register: node description" },
	{ "deleteExistingClients", NULL, O_DELETEEXISTING, 0, 0, NULL,
	    "-register: replace a node of the same name" },
	{ "disableClientsUniqueId", NULL, O_NOUNIQUEID, 0, 0, NULL,
	    "-register: use -name as is, without the -<hash> suffix" },
	{ "keepDisconnectedClients", NULL, O_KEEPDISCONNECTED, 0, 0, NULL,
	    "-register: ask the Swarm plugin to keep the node when offline" },
	{ "retry", NULL, O_RETRY, 1, 0, "N",
	    "-register: retries after a transient failure (default -1: "
	    "forever)" },
	{ "retryBackOffStrategy", NULL, O_RETRYBACKOFF, 1, 0,
	    "none|linear|exponential", "-register: growth of the retry "
	    "interval (default none)" },
	{ "retryInterval", NULL, O_RETRYINTERVAL, 1, 0, "DURATION",
	    "-register: first retry delay (bare number: seconds; default 10)" },
	{ "maxRetryInterval", NULL, O_MAXRETRYINTERVAL, 1, 0, "DURATION",
	    "-register: largest retry delay (bare number: seconds; default "
	    "60)" },
	/* Accepted for compatibility, with a warning. */
	{ "jnlpUrl", NULL, O_JNLPURL, 1, 0, "URL",
	    "deprecated: <root>computer/<name>/jenkins-agent.jnlp gives -url "
	    "and -name" },
	{ "headless", NULL, O_HEADLESS, 0, 0, NULL, NULL },
	{ "jar", NULL, O_JVM_ARG, 1, 0, NULL, NULL },
	{ "cp", "classpath", O_JVM_ARG, 1, 0, NULL, NULL },
	{ "server", "client", O_JVM_FLAG, 0, 0, NULL, NULL },
	{ "ea", "da", O_JVM_FLAG, 0, 0, NULL, NULL },
	{ "esa", "dsa", O_JVM_FLAG, 0, 0, NULL, NULL },
	{ "showversion", NULL, O_JVM_FLAG, 0, 0, NULL, NULL },
	{ "add-opens", "add-exports", O_JVM_ARG, 1, 0, NULL, NULL },
};

static int	conf_scrub_idx[CONF_MAX_SCRUB];
static int	conf_nscrub;

struct conf_state {
	struct agent_conf	*conf;
	char			*pos[2];	/* positional secret, name */
	int			 npos;
	bool			 from_argv;
	bool			 argv_urls;	/* argv -url replaced opts' */
	enum conf_action	 action;
	char			*jnlp_url;	/* -jnlpUrl, mapped later */
	char			*err;
	size_t			 errlen;
};

static int
conf_fail(struct conf_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
conf_fail(struct conf_state *st, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *
conf_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatalx(1, "out of memory");
	return p;
}

static void
conf_set(char **field, const char *v)
{
	free(*field);
	*field = conf_xstrdup(v);
}

static char *
conf_trim(char *s)
{
	size_t	 n;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Read "@file" into a fresh string, trimmed.  NULL on error (errno). */
static char *
conf_read_file(const char *path)
{
	FILE	*f;
	char	*buf, *t;
	size_t	 n;
	int	 saved;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if ((buf = malloc(CONF_FILE_MAX + 1)) == NULL)
		fatalx(1, "out of memory");
	n = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f) || n > CONF_FILE_MAX) {
		saved = ferror(f) ? errno : EFBIG;
		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	t = conf_xstrdup(conf_trim(buf));
	explicit_bzero(buf, n);
	free(buf);
	return t;
}

/*
 * The value of an option: v itself, or the trimmed contents of the file
 * "@path".  Caller frees.  NULL (message in st->err) on error.
 */
static char *
conf_value(struct conf_state *st, const char *opt, const char *v)
{
	char	*r;

	if (v[0] != '@')
		return conf_xstrdup(v);
	if ((r = conf_read_file(v + 1)) == NULL) {
		conf_fail(st, "%s: cannot read %.200s: %s", opt, v + 1,
		    strerror(errno));
		return NULL;
	}
	return r;
}

static bool
conf_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int
conf_parse_duration(const char *s, long *ms)
{
	long long	 total = 0, v, mult;
	const char	*p = s;
	char		*end;
	int		 nparts = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -1;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno != 0 || v < 0)
			return -1;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' && nparts == 0)
			mult = 1;		/* bare number: milliseconds */
		else if (strncasecmp(p, "ms", 2) == 0) {
			mult = 1;
			p += 2;
		} else if (strncasecmp(p, "s", 1) == 0 ||
		    strncasecmp(p, "sec", 3) == 0) {
			mult = 1000;
			p += strncasecmp(p, "sec", 3) == 0 ? 3 : 1;
		} else if (strncasecmp(p, "min", 3) == 0 ||
		    strncasecmp(p, "m", 1) == 0) {
			mult = 60000;
			p += strncasecmp(p, "min", 3) == 0 ? 3 : 1;
		} else if (strncasecmp(p, "h", 1) == 0) {
			mult = 3600000;
			p++;
		} else if (strncasecmp(p, "d", 1) == 0) {
			mult = 86400000;
			p++;
		} else
			return -1;
		if (v > (LLONG_MAX / 2) / mult)
			return -1;
		total += v * mult;
		if (total > LONG_MAX / 2)
			return -1;
		nparts++;
		while (isspace((unsigned char)*p))
			p++;
	}
	*ms = (long)total;
	return 0;
}

/* Normalise a -url: http(s) only, no control characters, ends with '/'. */
static int
conf_add_url(struct conf_state *st, const char *v)
{
	struct agent_conf	*c = st->conf;
	size_t			 n = strlen(v);
	char			*u;

	if (strncasecmp(v, "http://", 7) != 0 &&
	    strncasecmp(v, "https://", 8) != 0)
		return conf_fail(st, "-url: not an http(s) URL: %.200s", v);
	if (conf_has_ctl(v) || strchr(v, ' ') != NULL)
		return conf_fail(st, "-url: invalid characters in URL");
	if (n == (v[4] == ':' ? 7u : 8u))
		return conf_fail(st, "-url: no host in URL: %.200s", v);
	if (c->nurls >= AGENT_MAX_URLS)
		return conf_fail(st, "-url: at most %d URLs", AGENT_MAX_URLS);
	if ((u = malloc(n + 2)) == NULL)
		fatalx(1, "out of memory");
	memcpy(u, v, n + 1);
	if (n == 0 || u[n - 1] != '/') {
		u[n] = '/';
		u[n + 1] = '\0';
	}
	c->urls[c->nurls++] = u;
	return 0;
}

static void
conf_clear_urls(struct agent_conf *c)
{
	int	 i;

	for (i = 0; i < c->nurls; i++) {
		free(c->urls[i]);
		c->urls[i] = NULL;
	}
	c->nurls = 0;
}

static int
conf_add_wsheader(struct conf_state *st, const char *v)
{
	struct agent_conf	*c = st->conf;
	const char		*eq = strchr(v, '='), *p;

	if (eq == NULL || eq == v)
		return conf_fail(st, "-webSocketHeader: expected NAME=VALUE");
	for (p = v; p < eq; p++) {
		if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~",
		    *p) == NULL)
			return conf_fail(st,
			    "-webSocketHeader: invalid header name");
	}
	if (conf_has_ctl(eq + 1))
		return conf_fail(st,
		    "-webSocketHeader: control characters in value");
	if (c->nws_headers >= AGENT_MAX_WSHEADERS)
		return conf_fail(st, "-webSocketHeader: at most %d headers",
		    AGENT_MAX_WSHEADERS);
	c->ws_headers[c->nws_headers++] = conf_xstrdup(v);
	return 0;
}

/* Append v to a NULL-terminated vector; split at ',' when split. */
static int
conf_strv_add(struct conf_state *st, const char *flag, char ***vp,
    const char *v, bool split)
{
	char	**w = *vp, *p, *e;
	size_t	 n = 0;
	char	*copy = conf_xstrdup(v);
	int	 r = 0;

	while (w != NULL && w[n] != NULL)
		n++;
	for (p = copy; p != NULL; p = e) {
		e = split ? strchr(p, ',') : NULL;
		if (e != NULL)
			*e++ = '\0';
		p = conf_trim(p);
		if (*p == '\0')
			continue;
		if (conf_has_ctl(p) || n >= 64) {
			r = conf_fail(st, "%s: invalid or too many values",
			    flag);
			break;
		}
		if ((w = reallocarray(w, n + 2, sizeof(*w))) == NULL)
			fatalx(1, "out of memory");
		w[n++] = conf_xstrdup(p);
		w[n] = NULL;
	}
	free(copy);
	*vp = w;
	return r;
}

static void
conf_strv_free(char ***vp)
{
	char	**p;

	if (*vp == NULL)
		return;
	for (p = *vp; *p != NULL; p++)
		free(*p);
	free(*vp);
	*vp = NULL;
}

static int
conf_loglevel(const char *v)
{
	if (strcasecmp(v, "error") == 0 || strcasecmp(v, "severe") == 0 ||
	    strcasecmp(v, "warning") == 0 || strcmp(v, "0") == 0)
		return LOG_ERROR;
	if (strcasecmp(v, "info") == 0 || strcmp(v, "1") == 0)
		return LOG_INFO;
	if (strcasecmp(v, "debug") == 0 || strcasecmp(v, "fine") == 0 ||
	    strcasecmp(v, "finest") == 0 || strcasecmp(v, "all") == 0 ||
	    strcmp(v, "2") == 0)
		return LOG_DEBUG;
	return -1;
}

static const struct conf_opt *
conf_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(conf_opts) / sizeof(conf_opts[0]); i++) {
		if (strcmp(conf_opts[i].name, name) == 0 ||
		    (conf_opts[i].alias != NULL &&
		    strcmp(conf_opts[i].alias, name) == 0))
			return &conf_opts[i];
	}
	return NULL;
}

static void
conf_note_scrub(struct conf_state *st, int idx)
{
	if (st->from_argv && conf_nscrub < CONF_MAX_SCRUB)
		conf_scrub_idx[conf_nscrub++] = idx;
}

/* A -retryInterval style value: bare number = seconds (Swarm client). */
static int
conf_seconds(const char *v, long *ms)
{
	const char	*p = v;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p != v && *p == '\0' && p - v < 9) {
		*ms = atol(v) * 1000;
		return 0;
	}
	return conf_parse_duration(v, ms);
}

static int
conf_int(const char *v, long lo, long hi, long *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* The -register options (agent/register.h). */
static int
conf_apply_register(struct conf_state *st, const struct conf_opt *o,
    const char *flag, const char *v)
{
	struct agent_conf	*c = st->conf;
	const char		*e;
	char			*t;
	long			 n;

	switch (o->id) {
	case O_REGISTER:
		c->reg = true;
		return 0;
	case O_USERNAME:
		if (*v == '\0' || conf_has_ctl(v) || strchr(v, ':') != NULL)
			return conf_fail(st, "%s: invalid user name", flag);
		conf_set(&c->reg_username, v);
		return 0;
	case O_PASSWORD:
		if (*v == '\0' || conf_has_ctl(v))
			return conf_fail(st, "%s: empty or invalid token", flag);
		conf_set(&c->reg_password, v);
		return 0;
	case O_PASSWORDFILE:
		if ((t = conf_read_file(v)) == NULL)
			return conf_fail(st, "%s: cannot read %.200s: %s", flag,
			    v, strerror(errno));
		if (*t == '\0' || conf_has_ctl(t)) {
			explicit_bzero(t, strlen(t));
			free(t);
			return conf_fail(st, "%s: %.200s: empty or invalid "
			    "token", flag, v);
		}
		if (c->reg_password != NULL)
			explicit_bzero(c->reg_password,
			    strlen(c->reg_password));
		free(c->reg_password);
		c->reg_password = t;
		return 0;
	case O_PASSWORDENV:
		if ((e = getenv(v)) == NULL || *e == '\0' || conf_has_ctl(e))
			return conf_fail(st, "%s: environment variable %.100s "
			    "is unset, empty or invalid", flag, v);
		conf_set(&c->reg_password, e);
		return 0;
	case O_LABELSFILE:
		conf_set(&c->reg_labels_file, v);
		return 0;
	case O_EXECUTORS:
		if (conf_int(v, 1, 1000, &n) != 0)
			return conf_fail(st, "%s: expected 1..1000", flag);
		c->reg_executors = (int)n;
		return 0;
	case O_MODE:
		if (strcasecmp(v, "normal") == 0)
			c->reg_exclusive = false;
		else if (strcasecmp(v, "exclusive") == 0)
			c->reg_exclusive = true;
		else
			return conf_fail(st, "%s: expected normal or exclusive",
			    flag);
		return 0;
	case O_FSROOT:
		if (*v == '\0' || conf_has_ctl(v))
			return conf_fail(st, "%s: empty or invalid", flag);
		conf_set(&c->reg_fsroot, v);
		return 0;
	case O_DESCRIPTION:
		if (conf_has_ctl(v))
			return conf_fail(st, "%s: control characters", flag);
		conf_set(&c->reg_description, v);
		return 0;
	case O_DELETEEXISTING:
		c->reg_delete_existing = true;
		return 0;
	case O_NOUNIQUEID:
		c->reg_no_unique_id = true;
		return 0;
	case O_KEEPDISCONNECTED:
		c->reg_keep_disconnected = true;
		return 0;
	case O_RETRY:
		if (conf_int(v, -1, 1000000, &n) != 0)
			return conf_fail(st, "%s: expected -1 (forever) or a "
			    "count", flag);
		c->reg_retry = (int)n;
		return 0;
	case O_RETRYBACKOFF:
		if (strcasecmp(v, "none") == 0)
			c->reg_backoff = 0;
		else if (strcasecmp(v, "linear") == 0)
			c->reg_backoff = 1;
		else if (strcasecmp(v, "exponential") == 0)
			c->reg_backoff = 2;
		else
			return conf_fail(st, "%s: expected none, linear or "
			    "exponential", flag);
		return 0;
	case O_RETRYINTERVAL:
	case O_MAXRETRYINTERVAL:
		if (conf_seconds(v, &n) != 0 || n <= 0)
			return conf_fail(st, "%s: invalid duration: %.100s",
			    flag, v);
		if (o->id == O_RETRYINTERVAL)
			c->reg_retry_interval_ms = n;
		else
			c->reg_max_retry_interval_ms = n;
		return 0;
	}
	return conf_fail(st, "internal error: option %s", flag);
}

/* Apply one option with its (already @file-expanded) value. */
static int
conf_apply(struct conf_state *st, const struct conf_opt *o, const char *flag,
    const char *v)
{
	struct agent_conf	*c = st->conf;
	long			 ms;
	int			 lvl;

	switch (o->id) {
	case O_URL:
		if (st->from_argv && !st->argv_urls) {
			conf_clear_urls(c);
			st->argv_urls = true;
		}
		return conf_add_url(st, v);
	case O_NAME:
		if (*v == '\0' || conf_has_ctl(v))
			return conf_fail(st, "%s: invalid agent name", flag);
		conf_set(&c->name, v);
		return 0;
	case O_SECRET:
		conf_set(&c->secret, v);
		return 0;
	case O_WORKDIR:
		conf_set(&c->work_dir, v);
		return 0;
	case O_INTERNALDIR:
		if (*v == '\0' || strchr(v, '/') != NULL ||
		    strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
			return conf_fail(st, "%s: must be a plain directory "
			    "name", flag);
		conf_set(&c->internal_dir, v);
		return 0;
	case O_FAILIFMISSING:
		c->fail_if_workdir_missing = true;
		return 0;
	case O_DIRECT:
		conf_set(&c->direct, v);
		return 0;
	case O_IDENTITY:
		conf_set(&c->instance_identity, v);
		return 0;
	case O_PROTOCOLS:
		conf_set(&c->protocols, v);
		return 0;
	case O_TUNNEL:
		conf_set(&c->tunnel, v);
		return 0;
	case O_WEBSOCKET:
		c->websocket = true;
		return 0;
	case O_WSHEADER:
		return conf_add_wsheader(st, v);
	case O_CREDENTIALS:
		if (strchr(v, ':') == NULL)
			return conf_fail(st, "%s: expected USER:PASSWORD",
			    flag);
		conf_set(&c->credentials, v);
		return 0;
	case O_PROXYCREDENTIALS:
		if (strchr(v, ':') == NULL)
			return conf_fail(st, "%s: expected USER:PASSWORD",
			    flag);
		conf_set(&c->proxy_credentials, v);
		return 0;
	case O_CERT:
		conf_set(&c->cert, v);
		return 0;
	case O_NOCERTCHECK:
		c->no_cert_check = true;
		return 0;
	case O_NOKEEPALIVE:
		c->no_keepalive = true;
		return 0;
	case O_NORECONNECT:
		c->no_reconnect = true;
		return 0;
	case O_NORECONNECTAFTER:
		if (conf_parse_duration(v, &ms) == -1 || ms <= 0)
			return conf_fail(st, "%s: invalid duration: %.100s",
			    flag, v);
		c->no_reconnect_after_ms = ms;
		return 0;
	case O_AGENTLOG:
		conf_set(&c->agent_log, v);
		return 0;
	case O_VERSION:
		if (st->action == CONF_RUN)
			st->action = CONF_VERSION;
		return 0;
	case O_HELP:
		st->action = CONF_HELP;
		return 0;
	case O_LABELS:	/* repeatable: the values accumulate */
		if (c->labels != NULL && *c->labels != '\0') {
			size_t	 jl = strlen(c->labels) + strlen(v) + 2;
			char	*j;

			if ((j = malloc(jl)) == NULL)
				return conf_fail(st, "out of memory");
			snprintf(j, jl, "%s %s", c->labels, v);
			free(c->labels);
			c->labels = j;
		} else
			conf_set(&c->labels, v);
		return 0;
	case O_LOGLEVEL:
		if ((lvl = conf_loglevel(v)) == -1)
			return conf_fail(st, "%s: expected error, info or "
			    "debug", flag);
		c->log_level = lvl;
		return 0;
	case O_BACKOFFSTART:
	case O_BACKOFFCAP:
		if (conf_parse_duration(v, &ms) == -1 || ms <= 0)
			return conf_fail(st, "%s: invalid duration: %.100s",
			    flag, v);
		if (o->id == O_BACKOFFSTART)
			c->backoff_start_ms = ms;
		else
			c->backoff_cap_ms = ms;
		return 0;
	case O_DINDLABEL:
	case O_DOODLABEL:
		if (*v == '\0' || strpbrk(v, " \t&|!()") != NULL ||
		    conf_has_ctl(v))
			return conf_fail(st, "%s: expected one plain label",
			    flag);
		conf_set(o->id == O_DINDLABEL ? &c->dind_label :
		    &c->dood_label, v);
		return 0;
	case O_DOCKERHOST:
		if (*v == '\0' || conf_has_ctl(v))
			return conf_fail(st, "%s: empty or invalid", flag);
		conf_set(&c->docker_host, v);
		return 0;
	case O_DINDIMAGE:
		if (*v == '\0' || conf_has_ctl(v) || strchr(v, ' ') != NULL)
			return conf_fail(st, "%s: invalid image name", flag);
		conf_set(&c->dind_image, v);
		return 0;
	case O_DINDPRIV:
	case O_DOCKERGUARD:
		if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
		    strcasecmp(v, "yes") == 0)
			*(o->id == O_DINDPRIV ? &c->dind_unprivileged :
			    &c->docker_no_guard) = false;
		else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
		    strcasecmp(v, "no") == 0)
			*(o->id == O_DINDPRIV ? &c->dind_unprivileged :
			    &c->docker_no_guard) = true;
		else
			return conf_fail(st, "%s: expected true or false",
			    flag);
		return 0;
	case O_DINDCAPADD:
		return conf_strv_add(st, flag, &c->dind_cap_add, v, true);
	case O_DINDCAPDROP:
		return conf_strv_add(st, flag, &c->dind_cap_drop, v, true);
	case O_DINDSECOPT:
		return conf_strv_add(st, flag, &c->dind_security_opt, v,
		    false);
	case O_DINDCGRULE:
		return conf_strv_add(st, flag, &c->dind_cgroup_rules, v,
		    false);
	case O_DINDRUNTIME:
		if (*v == '\0' || conf_has_ctl(v) || strchr(v, ' ') != NULL)
			return conf_fail(st, "%s: invalid runtime name", flag);
		conf_set(&c->dind_runtime, v);
		return 0;
	case O_DINDKEEP:
		c->dind_keep = true;
		return 0;
	case O_DINDTRANSPORT:
		if (strcmp(v, "auto") == 0)
			c->dind_transport = DIND_T_AUTO;
		else if (strcmp(v, "unix") == 0)
			c->dind_transport = DIND_T_UNIX;
		else if (strcmp(v, "tls") == 0)
			c->dind_transport = DIND_T_TLS;
		else
			return conf_fail(st, "%s: expected auto, unix or tls",
			    flag);
		return 0;
	case O_DINDTLSPORT: {
		long	 port;

		if (conf_int(v, 1, 65535, &port) != 0)
			return conf_fail(st, "%s: expected a port number 1-65535",
			    flag);
		c->dind_tls_port = (int)port;
		return 0;
	}
	case O_DINDMOUNT:
		if (strchr(v, ':') == NULL || v[0] != '/')
			return conf_fail(st, "%s: expected /SRC:/DST[:OPTS]",
			    flag);
		return conf_strv_add(st, flag, &c->dind_mounts, v, false);
	case O_REGISTER:
	case O_USERNAME:
	case O_PASSWORD:
	case O_PASSWORDFILE:
	case O_PASSWORDENV:
	case O_LABELSFILE:
	case O_EXECUTORS:
	case O_MODE:
	case O_FSROOT:
	case O_DESCRIPTION:
	case O_DELETEEXISTING:
	case O_NOUNIQUEID:
	case O_KEEPDISCONNECTED:
	case O_RETRY:
	case O_RETRYBACKOFF:
	case O_RETRYINTERVAL:
	case O_MAXRETRYINTERVAL:
		return conf_apply_register(st, o, flag, v);
	case O_JNLPURL:
		free(st->jnlp_url);
		st->jnlp_url = conf_xstrdup(v);
		return 0;
	case O_HEADLESS:
		return 0;
	case O_JVM_ARG:
	case O_JVM_FLAG:
		log_error("warning: ignoring JVM option %s", flag);
		return 0;
	}
	return conf_fail(st, "internal error: option %s", flag);
}

/* Options only a JVM understands: "-Xmx1g", "-Dk=v", "-XX:+Foo", ... */
static bool
conf_is_jvm_option(const char *name)
{
	return name[0] == 'X' || name[0] == 'D' ||
	    strncmp(name, "verbose", 7) == 0 ||
	    strncmp(name, "javaagent:", 10) == 0 ||
	    strncmp(name, "agentlib:", 9) == 0 ||
	    strncmp(name, "agentpath:", 10) == 0 ||
	    strncmp(name, "ea:", 3) == 0 || strncmp(name, "da:", 3) == 0;
}

static int
conf_parse_args(struct conf_state *st, int argc, char **argv)
{
	const struct conf_opt	*o;
	const char		*a, *name, *inline_v;
	char			*v, shown[64], flag[64];
	int			 i, r;
	size_t			 k;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (st->npos >= 2)
				return conf_fail(st, "unexpected argument #%d "
				    "(expected at most <secret> <name>)",
				    i + 1);
			if (st->npos == 0)
				conf_note_scrub(st, i);	/* the secret */
			if ((v = conf_value(st, st->npos == 0 ?
			    "<secret>" : "<name>", a)) == NULL)
				return -1;
			free(st->pos[st->npos]);
			st->pos[st->npos++] = v;
			continue;
		}
		name = a + (a[1] == '-' ? 2 : 1);
		if (a[1] == '-' && a[2] == '\0')
			return conf_fail(st, "unexpected argument \"--\"");
		/* GNU style "--name=value" (double dash only). */
		inline_v = NULL;
		if (a[1] == '-' && (inline_v = strchr(name, '=')) != NULL) {
			k = (size_t)(inline_v - name);
			if (k >= sizeof(flag))
				k = sizeof(flag) - 1;
			memcpy(flag, name, k);
			flag[k] = '\0';
			name = flag;
			inline_v++;
		}
		if ((o = conf_find(name)) == NULL) {
			if (conf_is_jvm_option(name)) {
				/* Never echo a -D value: it may be a secret. */
				for (k = 0; k < sizeof(shown) - 1 &&
				    a[k] != '\0' && a[k] != '=' &&
				    a[k] != ':'; k++)
					shown[k] = isprint(
					    (unsigned char)a[k]) ? a[k] : '?';
				shown[k] = '\0';
				log_error("warning: ignoring JVM option %s",
				    shown);
				continue;
			}
			for (k = 0; k < sizeof(shown) - 1 && a[k] != '\0' &&
			    a[k] != '='; k++)
				shown[k] = isprint((unsigned char)a[k]) ?
				    a[k] : '?';
			shown[k] = '\0';
			return conf_fail(st, "unknown option %s (try -help)",
			    shown);
		}
		snprintf(shown, sizeof(shown), "-%s", o->name);
		if (!o->has_arg) {
			if (inline_v != NULL)
				return conf_fail(st, "%s takes no value",
				    shown);
			if ((r = conf_apply(st, o, shown, NULL)) != 0)
				return r;
			continue;
		}
		if (inline_v == NULL) {
			if (i + 1 >= argc)
				return conf_fail(st, "%s: missing value",
				    shown);
			inline_v = argv[++i];
		}
		if (o->sensitive)
			conf_note_scrub(st, i);
		if ((v = conf_value(st, shown, inline_v)) == NULL)
			return -1;
		r = conf_apply(st, o, shown, v);
		if (o->sensitive)
			explicit_bzero(v, strlen(v));
		free(v);
		if (r != 0)
			return r;
	}
	return 0;
}

/* Split REMOTING_OPTS like a shell would (whitespace, '…', "…", \x). */
static int
conf_split_words(const char *s, char ***words, int *nwords)
{
	char	**w = NULL, *cur;
	size_t	 len = 0;
	int	 n = 0, inword = 0;
	char	 q = 0;

	if ((cur = malloc(strlen(s) + 1)) == NULL)
		fatalx(1, "out of memory");
	for (;; s++) {
		if (*s == '\0' || (!q && isspace((unsigned char)*s))) {
			if (q) {
				free(cur);
				for (; n > 0; n--)
					free(w[n - 1]);
				free(w);
				return -1;
			}
			if (inword) {
				cur[len] = '\0';
				if ((w = reallocarray(w, n + 1,
				    sizeof(*w))) == NULL)
					fatalx(1, "out of memory");
				w[n++] = conf_xstrdup(cur);
				len = 0;
				inword = 0;
			}
			if (*s == '\0')
				break;
			continue;
		}
		inword = 1;
		if (q) {
			if (*s == q)
				q = 0;
			else if (q == '"' && *s == '\\' && s[1] != '\0')
				cur[len++] = *++s;
			else
				cur[len++] = *s;
		} else if (*s == '\'' || *s == '"')
			q = *s;
		else if (*s == '\\' && s[1] != '\0')
			cur[len++] = *++s;
		else
			cur[len++] = *s;
	}
	free(cur);
	*words = w;
	*nwords = n;
	return 0;
}

static const char *
conf_env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static bool
conf_env_true(const char *name)
{
	const char	*v = conf_env(name);

	return v != NULL && (strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

/* Fill what the command line left unset from the inbound-agent variables. */
static int
conf_apply_env(struct conf_state *st)
{
	struct agent_conf	*c = st->conf;
	const char		*v;
	char			*val;

	if (c->secret == NULL && (v = conf_env("JENKINS_SECRET")) != NULL) {
		if ((val = conf_value(st, "JENKINS_SECRET", v)) == NULL)
			return -1;
		c->secret = val;
	}
	if (c->name == NULL && ((v = conf_env("JENKINS_AGENT_NAME")) != NULL ||
	    (v = conf_env("JENKINS_NAME")) != NULL)) {
		if ((val = conf_value(st, "JENKINS_AGENT_NAME", v)) == NULL)
			return -1;
		c->name = val;
	}
	if (c->work_dir == NULL &&
	    (v = conf_env("JENKINS_AGENT_WORKDIR")) != NULL)
		conf_set(&c->work_dir, v);
	if (!c->websocket && conf_env_true("JENKINS_WEB_SOCKET"))
		c->websocket = true;
	if (c->direct == NULL && c->nurls == 0 &&
	    (v = conf_env("JENKINS_DIRECT_CONNECTION")) != NULL)
		conf_set(&c->direct, v);
	if (c->instance_identity == NULL &&
	    (v = conf_env("JENKINS_INSTANCE_IDENTITY")) != NULL)
		conf_set(&c->instance_identity, v);
	if (c->protocols == NULL && (v = conf_env("JENKINS_PROTOCOLS")) != NULL)
		conf_set(&c->protocols, v);
	if (c->direct == NULL) {
		if (c->nurls == 0 && (v = conf_env("JENKINS_URL")) != NULL &&
		    conf_add_url(st, v) != 0)
			return -1;
		/* WebSocket goes through the HTTP port: no tunnel there. */
		if (c->tunnel == NULL && !c->websocket &&
		    (v = conf_env("JENKINS_TUNNEL")) != NULL)
			conf_set(&c->tunnel, v);
	}
	return 0;
}

static bool
conf_protocols_ok(const char *list)
{
	const char	*p = list, *e;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == strlen("JNLP4-connect") &&
		    strncmp(p, "JNLP4-connect", n) == 0)
			return true;
		p = e;
	}
	return false;
}

/*
 * -register: the secret comes from the controller later (a placeholder
 * until then), the name defaults to the host name, fsroot to -workDir
 * or the current directory.
 */
static int
conf_validate_register(struct conf_state *st)
{
	struct agent_conf	*c = st->conf;
	char			 host[256], cwd[4096];

	if (c->nurls != 1 || c->direct != NULL)
		return conf_fail(st, "-register needs exactly one -url");
	if (c->reg_username == NULL)
		return conf_fail(st, "-register needs -username");
	if (c->reg_password == NULL)
		return conf_fail(st, "-register needs the user's API token: "
		    "-password, -passwordFile or -passwordEnvVariable");
	if (c->name == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			return conf_fail(st, "-register: no -name and no host "
			    "name");
		host[sizeof(host) - 1] = '\0';
		conf_set(&c->name, host);
	}
	if (strchr(c->name, '/') != NULL)
		return conf_fail(st, "-name: '/' is not allowed in a node name");
	if (c->reg_fsroot == NULL) {
		if (c->work_dir != NULL)
			conf_set(&c->reg_fsroot, c->work_dir);
		else if (getcwd(cwd, sizeof(cwd)) != NULL)
			conf_set(&c->reg_fsroot, cwd);
		else
			return conf_fail(st, "-register: give -fsroot");
	}
	if (c->reg_retry_interval_ms == 0)
		c->reg_retry_interval_ms = 10000;
	if (c->reg_max_retry_interval_ms == 0)
		c->reg_max_retry_interval_ms = 60000;
	if (c->reg_max_retry_interval_ms < c->reg_retry_interval_ms)
		return conf_fail(st, "-maxRetryInterval must not be smaller "
		    "than -retryInterval");
	/* placeholder, replaced by register_run() */
	if (c->secret != NULL)
		explicit_bzero(c->secret, strlen(c->secret));
	conf_set(&c->secret, "-");
	return 0;
}

static int
conf_validate(struct conf_state *st)
{
	struct agent_conf	*c = st->conf;
	uint8_t			*der = NULL;
	size_t			 derlen;
	char			 host[256], why[128];
	int			 port;

	if (c->reg && conf_validate_register(st) != 0)
		return -1;
	if (c->name == NULL)
		return conf_fail(st, "no agent name: give -name, <secret> "
		    "<name>, or JENKINS_AGENT_NAME");
	if (c->name[0] == '\0' || conf_has_ctl(c->name))
		return conf_fail(st, "the agent name is empty or contains "
		    "control characters");
	if (c->secret == NULL || c->secret[0] == '\0')
		return conf_fail(st, "no secret: give -secret, <secret> "
		    "<name>, or JENKINS_SECRET");
	if (conf_has_ctl(c->secret) || strchr(c->secret, ' ') != NULL)
		return conf_fail(st, "the secret contains spaces or control "
		    "characters");
	if (c->direct != NULL) {
		if (c->nurls > 0)
			return conf_fail(st, "-direct cannot be combined with "
			    "-url");
		if (c->tunnel != NULL)
			return conf_fail(st, "-direct cannot be combined with "
			    "-tunnel");
		if (c->websocket)
			return conf_fail(st, "-direct cannot be combined with "
			    "-webSocket");
		if (conf_hostport(c->direct, host, sizeof(host), &port) != 0 ||
		    host[0] == '\0' || port == 0)
			return conf_fail(st, "-direct: expected HOST:PORT, got "
			    "%.100s", c->direct);
		if (c->instance_identity == NULL)
			return conf_fail(st, "-direct requires "
			    "-instanceIdentity");
	} else if (c->nurls == 0)
		return conf_fail(st, "no controller: give -url, -direct, or "
		    "JENKINS_URL");
	if (c->instance_identity != NULL) {
		if (jnlp4_identity_decode(c->instance_identity, &der, &derlen,
		    why, sizeof(why)) != 0)
			return conf_fail(st, "-instanceIdentity: %s", why);
		free(der);
	}
	if (c->tunnel != NULL) {
		if (c->websocket)
			return conf_fail(st, "-tunnel cannot be combined with "
			    "-webSocket");
		if (conf_hostport(c->tunnel, host, sizeof(host), &port) != 0 ||
		    (host[0] == '\0' && port == 0))
			return conf_fail(st, "-tunnel: expected HOST:PORT, "
			    "HOST: or :PORT, got %.100s", c->tunnel);
	}
	if (c->cert != NULL && strncmp(c->cert, "-----BEGIN", 10) != 0 &&
	    access(c->cert, R_OK) != 0)
		return conf_fail(st, "-cert: cannot read %.200s: %s", c->cert,
		    strerror(errno));
	if (c->websocket && c->nurls > 1)
		return conf_fail(st, "-webSocket takes exactly one -url");
	if (c->protocols != NULL && !c->websocket &&
	    !conf_protocols_ok(c->protocols))
		return conf_fail(st, "-protocols: JNLP4-connect is the only "
		    "protocol jnagent implements");
	if (c->work_dir != NULL && c->work_dir[0] == '\0')
		return conf_fail(st, "-workDir: empty path");
	if (c->backoff_cap_ms < c->backoff_start_ms)
		return conf_fail(st, "-backoffCap must not be smaller than "
		    "-backoffStart");
	return 0;
}

int
conf_hostport(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*colon, *h, *he;
	char		*end;
	long		 p;
	size_t		 n;

	host[0] = '\0';
	*port = 0;
	if (s[0] == '[') {
		if ((he = strchr(s, ']')) == NULL || he[1] != ':')
			return -1;
		h = s + 1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		h = s;
		he = colon;
		if (memchr(h, ':', (size_t)(he - h)) != NULL)
			return -1;	/* IPv6 without brackets */
	}
	n = (size_t)(he - h);
	if (n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	for (end = host; *end != '\0'; end++)
		if ((unsigned char)*end <= 0x20 || *end == '/' || *end == '@')
			return -1;
	if (colon[1] == '\0')
		return 0;
	if (!isdigit((unsigned char)colon[1]))
		return -1;
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

static int
conf_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * -jnlpUrl <root>computer/<name>/jenkins-agent.jnlp: jnagent does not
 * fetch the file; it takes the root URL and the node name from the
 * address instead (the secret must come from -secret or the
 * environment).  Anything else is ignored with a warning.
 */
static int
conf_map_jnlp_url(struct conf_state *st)
{
	struct agent_conf	*c = st->conf;
	char			*u = st->jnlp_url, *comp, *name, *end, *root;
	char			*dec, *o;
	const char		*p;
	int			 hi, lo;

	comp = strstr(u, "/computer/");
	if (comp == NULL || (strncasecmp(u, "http://", 7) != 0 &&
	    strncasecmp(u, "https://", 8) != 0)) {
		log_error("warning: -jnlpUrl %.200s not understood; "
		    "ignored", u);
		return 0;
	}
	name = comp + 10;
	if ((end = strchr(name, '/')) == NULL ||
	    (strncmp(end, "/jenkins-agent.jnlp", 19) != 0 &&
	    strncmp(end, "/slave-agent.jnlp", 17) != 0) || end == name) {
		log_error("warning: -jnlpUrl %.200s not understood; "
		    "ignored", u);
		return 0;
	}
	if (c->nurls == 0 && c->direct == NULL) {
		root = conf_xstrdup(u);
		root[comp - u + 1] = '\0';
		if (conf_add_url(st, root) != 0) {
			free(root);
			return -1;
		}
		free(root);
	}
	if (c->name == NULL) {
		if ((dec = malloc((size_t)(end - name) + 1)) == NULL)
			fatalx(1, "out of memory");
		for (p = name, o = dec; p < end; p++) {
			if (*p == '%' && end - p > 2 &&
			    (hi = conf_hexval((unsigned char)p[1])) >= 0 &&
			    (lo = conf_hexval((unsigned char)p[2])) >= 0) {
				*o++ = (char)(hi << 4 | lo);
				p += 2;
			} else
				*o++ = *p;
		}
		*o = '\0';
		if (conf_has_ctl(dec) || *dec == '\0') {
			free(dec);
			return conf_fail(st, "-jnlpUrl: invalid node name");
		}
		c->name = dec;
	}
	log_error("warning: -jnlpUrl is deprecated; using -url %.200s -name "
	    "%.100s (the secret must be given with -secret)", c->urls[0] ?
	    c->urls[0] : "?", c->name);
	return 0;
}

int
conf_parse(struct agent_conf *c, int argc, char **argv,
    enum conf_action *action, char *err, size_t errlen)
{
	struct conf_state	 st;
	const char		*opts;
	char			**words = NULL;
	int			 nwords = 0, i, r = -1;

	memset(c, 0, sizeof(*c));
	memset(&st, 0, sizeof(st));
	st.conf = c;
	st.err = err;
	st.errlen = errlen;
	st.action = CONF_RUN;
	err[0] = '\0';
	conf_nscrub = 0;
	c->log_level = -1;
	c->backoff_start_ms = -1;
	c->backoff_cap_ms = -1;
	c->reg_retry = -1;

	if ((opts = conf_env("REMOTING_OPTS")) != NULL) {
		if (conf_split_words(opts, &words, &nwords) != 0) {
			conf_fail(&st, "REMOTING_OPTS: unbalanced quotes");
			goto out;
		}
		if (conf_parse_args(&st, nwords, words) != 0)
			goto out;
		/* Positionals from REMOTING_OPTS count as given. */
	}
	st.from_argv = true;
	if (conf_parse_args(&st, argc > 0 ? argc - 1 : 0, argv + 1) != 0)
		goto out;
	/* argv indices for scrubbing were relative to argv + 1. */
	for (i = 0; i < conf_nscrub; i++)
		conf_scrub_idx[i]++;
	if (st.action != CONF_RUN) {
		*action = st.action;
		r = 0;
		goto out;
	}
	if (st.npos == 1) {
		conf_fail(&st, "expected both <secret> and <name> positional "
		    "arguments");
		goto out;
	}
	if (st.npos == 2) {
		if (c->secret == NULL) {
			c->secret = st.pos[0];
			st.pos[0] = NULL;
		}
		if (c->name == NULL) {
			c->name = st.pos[1];
			st.pos[1] = NULL;
		}
	}
	if (st.jnlp_url != NULL && conf_map_jnlp_url(&st) != 0)
		goto out;
	if (conf_apply_env(&st) != 0)
		goto out;
	if (c->internal_dir == NULL)
		c->internal_dir = conf_xstrdup("remoting");
	if (c->log_level == -1)
		c->log_level = LOG_INFO;
	if (c->backoff_start_ms == -1)
		c->backoff_start_ms = 1000;
	if (c->backoff_cap_ms == -1)
		c->backoff_cap_ms = c->backoff_start_ms > 60000 ?
		    c->backoff_start_ms : 60000;
	if (conf_validate(&st) != 0)
		goto out;
	*action = CONF_RUN;
	r = 0;
out:
	free(st.jnlp_url);
	for (i = 0; i < 2; i++) {
		if (st.pos[i] != NULL) {
			explicit_bzero(st.pos[i], strlen(st.pos[i]));
			free(st.pos[i]);
		}
	}
	for (i = 0; i < nwords; i++) {
		explicit_bzero(words[i], strlen(words[i]));
		free(words[i]);
	}
	free(words);
	return r;
}

static void
conf_free_secret(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
conf_free(struct agent_conf *c)
{
	int	 i;

	conf_clear_urls(c);
	for (i = 0; i < c->nws_headers; i++)
		free(c->ws_headers[i]);
	c->nws_headers = 0;
	conf_free_secret(&c->secret);
	conf_free_secret(&c->credentials);
	conf_free_secret(&c->proxy_credentials);
	conf_free_secret(&c->reg_password);
	free(c->reg_username);
	free(c->reg_labels_file);
	free(c->reg_fsroot);
	free(c->reg_description);
	free(c->name);
	free(c->work_dir);
	free(c->internal_dir);
	free(c->direct);
	free(c->instance_identity);
	free(c->protocols);
	free(c->tunnel);
	free(c->cert);
	free(c->agent_log);
	free(c->labels);
	free(c->dind_label);
	free(c->dood_label);
	free(c->docker_host);
	free(c->dind_image);
	free(c->dind_runtime);
	conf_strv_free(&c->dind_cap_add);
	conf_strv_free(&c->dind_cap_drop);
	conf_strv_free(&c->dind_security_opt);
	conf_strv_free(&c->dind_cgroup_rules);
	conf_strv_free(&c->dind_mounts);
	memset(c, 0, sizeof(*c));
}

void
conf_scrub_argv(int argc, char **argv)
{
	int	 i, k;

	char	*p;

	for (i = 0; i < conf_nscrub; i++) {
		k = conf_scrub_idx[i];
		if (k <= 0 || k >= argc || argv[k] == NULL)
			continue;
		p = argv[k];
		if (strncmp(p, "--", 2) == 0 && strchr(p, '=') != NULL)
			p = strchr(p, '=') + 1;		/* --secret=VALUE */
		memset(p, '*', strlen(p));
	}
}

const char *
conf_version_line(void)
{
	return "jnagent " PACKAGE_VERSION " (remoting "
	    JNAGENT_REMOTING_VERSION ")";
}

const char *
conf_usage(void)
{
	static char	 buf[8192];
	size_t		 i, off = 0;
	char		 left[64];
	int		 n;

	if (buf[0] != '\0')
		return buf;
	n = snprintf(buf, sizeof(buf),
	    "usage: jnagent -url URL [-url URL ...] -name NAME -secret SECRET "
	    "[options]\n"
	    "       jnagent -url URL [options] <secret> <name>\n"
	    "       jnagent -direct HOST:PORT -instanceIdentity KEY -name NAME "
	    "-secret SECRET [options]\n"
	    "       jnagent -register -url URL -username USER -passwordFile FILE "
	    "[options]\n"
	    "       jnagent docker doctor [--labels LABELS] [--docker-host HOST] "
	    "[--image IMAGE]\n\n"
	    "Options (one or two dashes, also --option=VALUE; any VALUE may be "
	    "@file to\nread it from that file):\n");
	off = (size_t)n;
	for (i = 0; i < sizeof(conf_opts) / sizeof(conf_opts[0]); i++) {
		const struct conf_opt *o = &conf_opts[i];

		if (o->help == NULL)
			continue;
		snprintf(left, sizeof(left), "-%s%s%s", o->name,
		    o->metavar ? " " : "", o->metavar ? o->metavar : "");
		n = snprintf(buf + off, sizeof(buf) - off, "  %-30s %s%s%s%s\n",
		    left, o->help, o->alias ? " (also -" : "",
		    o->alias ? o->alias : "", o->alias ? ")" : "");
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			return buf;
		off += (size_t)n;
	}
	snprintf(buf + off, sizeof(buf) - off,
	    "\nJVM options (-jar, -cp, -X..., -D..., -server) are ignored with "
	    "a warning.\n\n"
	    "Environment (command-line flags win):\n"
	    "  JENKINS_URL                    -url\n"
	    "  JENKINS_SECRET                 -secret\n"
	    "  JENKINS_AGENT_NAME             -name (also JENKINS_NAME)\n"
	    "  JENKINS_AGENT_WORKDIR          -workDir\n"
	    "  JENKINS_WEB_SOCKET=true        -webSocket\n"
	    "  JENKINS_TUNNEL                 -tunnel\n"
	    "  JENKINS_DIRECT_CONNECTION      -direct\n"
	    "  JENKINS_INSTANCE_IDENTITY      -instanceIdentity\n"
	    "  JENKINS_PROTOCOLS              -protocols\n"
	    "  REMOTING_OPTS                  extra arguments, split like a "
	    "shell\n"
	    "  http_proxy, https_proxy, no_proxy\n"
	    "                                 HTTP proxies (also for the TCP "
	    "connection)\n"
	    "\nExit status: 0 after SIGTERM/SIGINT, 1 when giving up "
	    "(-noReconnect, -noReconnectAfter), 2 for a bad command line.\n");
	return buf;
}
