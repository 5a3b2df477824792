/*
 * register.c: -register, the Swarm client's job without its JVM.
 *
 * 1. GET crumbIssuer/api/json (404: CSRF protection off), keeping the
 *    session cookie, since a crumb is only valid with its session.
 * 2. POST plugin/swarm/createSlave?name=...: the Swarm plugin answers
 *    with "name=<final name>" (409: the name is taken); 404 means no
 *    plugin, then core REST: GET computer/<name>/api/json (exists?),
 *    POST computer/<name>/doDelete with -deleteExistingClients, POST
 *    computer/doCreateItem (name, type=hudson.slaves.DumbSlave, json) for
 *    a permanent node with the inbound launcher.
 * 3. GET computer/<name>/jenkins-agent.jnlp (older cores:
 *    slave-agent.jnlp): the secret is one of its <argument>s.
 * -labelsFile: a thread re-reads the file every REGISTER_LABELS_POLL_MS
 * and updates the node's labels in place (plugin/swarm/addSlaveLabels
 * and removeSlaveLabels, or the node's config.xml on core).
 *
 * The API token goes to libcurl as the Basic password only; messages
 * name the user, the URL path and the HTTP status, never the token.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "agent/log.h"
#include "agent/register.h"

#define REG_BODY_MAX	(1024 * 1024)

enum reg_rc {
	REG_OK = 0,
	REG_RETRY,	/* transient: connection error, 5xx */
	REG_FATAL,	/* retrying cannot help */
};

struct reg_resp {
	long	 status;
	char	*body;
	size_t	 len;
	bool	 overflow;
};

struct reg_ctx {
	const struct agent_conf	*conf;
	CURL			*curl;
	char			*base;		/* -url (connect may reorder conf's) */
	char			 crumb_field[128];
	char			 crumb[256];
	bool			 have_crumb;
	bool			 swarm;
	char			*name;		/* final node name */
	char			*labels;	/* current labels */
};

static struct {
	pthread_t	 thread;
	bool		 running;
	volatile int	 stop;
	struct reg_ctx	*ctx;
	char		*labels_file;
} reg_watch;

/* The -name given to the first register_run(), for register_again(). */
static char	*reg_base_name;

static bool	reg_curl_inited;

static int
reg_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
reg_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- pure helpers ------------------------------------------------------ */

char *
register_urlencode(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*o, *p;
	unsigned char		 c;

	if ((o = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = o; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return o;
}

void
register_unique_id(const char *host, const char *fsroot, char hex[9])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	EVP_MD_CTX	*c;
	int		 i;

	memset(md, 0, sizeof(md));
	if ((c = EVP_MD_CTX_new()) != NULL) {
		if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
		    EVP_DigestUpdate(c, host, strlen(host) + 1) != 1 ||
		    EVP_DigestUpdate(c, fsroot, strlen(fsroot)) != 1 ||
		    EVP_DigestFinal_ex(c, md, &mdlen) != 1)
			memset(md, 0, sizeof(md));
		EVP_MD_CTX_free(c);
	}
	for (i = 0; i < 4; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Append "&key=<enc value>" (no '&' first) to a growing string. */
static int
reg_kv(char **s, size_t *len, const char *key, const char *v)
{
	char	*e, *n;
	size_t	 need;

	if ((e = register_urlencode(v != NULL ? v : "")) == NULL)
		return -1;
	need = *len + strlen(key) + strlen(e) + 3;
	if ((n = realloc(*s, need)) == NULL) {
		free(e);
		return -1;
	}
	*len += (size_t)snprintf(n + *len, need - *len, "%s%s=%s",
	    *len > 0 ? "&" : "", key, e);
	*s = n;
	free(e);
	return 0;
}

static int
reg_executors(const struct agent_conf *conf)
{
	return conf->reg_executors > 0 ? conf->reg_executors : 1;
}

char *
register_swarm_query(const struct agent_conf *conf, const char *name,
    const char *labels, const char *hash)
{
	char	*s = NULL, num[16];
	size_t	 len = 0;

	snprintf(num, sizeof(num), "%d", reg_executors(conf));
	if (reg_kv(&s, &len, "name", name) != 0 ||
	    reg_kv(&s, &len, "executors", num) != 0 ||
	    reg_kv(&s, &len, "description", conf->reg_description) != 0 ||
	    reg_kv(&s, &len, "labels", labels) != 0 ||
	    reg_kv(&s, &len, "mode", conf->reg_exclusive ? "EXCLUSIVE" :
	    "NORMAL") != 0 ||
	    reg_kv(&s, &len, "remoteFsRoot", conf->reg_fsroot) != 0 ||
	    (hash != NULL && reg_kv(&s, &len, "hash", hash) != 0) ||
	    reg_kv(&s, &len, "deleteExistingClients",
	    conf->reg_delete_existing ? "true" : "false") != 0 ||
	    reg_kv(&s, &len, "keepDisconnectedClients",
	    conf->reg_keep_disconnected ? "true" : "false") != 0) {
		free(s);
		return NULL;
	}
	return s;
}

char *
register_core_form(const struct agent_conf *conf, const char *name,
    const char *labels)
{
	cJSON	*j, *l, *rs, *np;
	char	*json, *s = NULL, num[16];
	size_t	 len = 0;

	snprintf(num, sizeof(num), "%d", reg_executors(conf));
	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "nodeDescription",
	    conf->reg_description != NULL ? conf->reg_description : "");
	cJSON_AddStringToObject(j, "numExecutors", num);
	cJSON_AddStringToObject(j, "remoteFS",
	    conf->reg_fsroot != NULL ? conf->reg_fsroot : "");
	cJSON_AddStringToObject(j, "labelString", labels);
	cJSON_AddStringToObject(j, "mode", conf->reg_exclusive ?
	    "EXCLUSIVE" : "NORMAL");
	cJSON_AddStringToObject(j, "type", "hudson.slaves.DumbSlave");
	if ((l = cJSON_AddObjectToObject(j, "launcher")) != NULL) {
		cJSON_AddStringToObject(l, "stapler-class",
		    "hudson.slaves.JNLPLauncher");
		cJSON_AddStringToObject(l, "$class",
		    "hudson.slaves.JNLPLauncher");
		cJSON_AddBoolToObject(l, "webSocket", conf->websocket);
	}
	if ((rs = cJSON_AddObjectToObject(j, "retentionStrategy")) != NULL)
		cJSON_AddStringToObject(rs, "stapler-class",
		    "hudson.slaves.RetentionStrategy$Always");
	if ((np = cJSON_AddObjectToObject(j, "nodeProperties")) != NULL)
		cJSON_AddStringToObject(np, "stapler-class-bag", "true");
	json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (json == NULL)
		return NULL;
	if (reg_kv(&s, &len, "name", name) != 0 ||
	    reg_kv(&s, &len, "type", "hudson.slaves.DumbSlave") != 0 ||
	    reg_kv(&s, &len, "json", json) != 0) {
		free(s);
		s = NULL;
	}
	cJSON_free(json);
	return s;
}

static bool
reg_is_hex64(const char *s)
{
	size_t	 i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[64] == '\0';
}

/* XML text between p and e, entities decoded.  NULL: bad entity/alloc. */
static char *
reg_xml_text(const char *p, const char *e)
{
	static const struct {
		const char	*ent;
		char		 c;
	} ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	char	*o, *q;
	size_t	 i, n;

	if ((o = malloc((size_t)(e - p) + 1)) == NULL)
		return NULL;
	for (q = o; p < e; ) {
		if (*p != '&') {
			*q++ = *p++;
			continue;
		}
		for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			n = strlen(ents[i].ent);
			if ((size_t)(e - p) >= n &&
			    memcmp(p, ents[i].ent, n) == 0)
				break;
		}
		if (i == sizeof(ents) / sizeof(ents[0])) {
			free(o);
			return NULL;
		}
		*q++ = ents[i].c;
		p += strlen(ents[i].ent);
	}
	*q = '\0';
	return o;
}

/* memmem for a NUL-terminated needle within [p, e). */
static const char *
reg_find(const char *p, const char *e, const char *needle)
{
	size_t	 n = strlen(needle);

	for (; p != NULL && (size_t)(e - p) >= n; p++)
		if (memcmp(p, needle, n) == 0)
			return p;
	return NULL;
}

char *
register_jnlp_secret(const char *xml, size_t len)
{
	const char	*p = xml, *e = xml + len, *a, *c;
	char		*arg, *prev = NULL, *found = NULL, *first_hex = NULL;
	int		 n = 0;

	while ((a = reg_find(p, e, "<argument>")) != NULL) {
		a += strlen("<argument>");
		if ((c = reg_find(a, e, "</argument>")) == NULL)
			break;			/* unterminated: ignore */
		p = c + strlen("</argument>");
		if (reg_find(a, c, "<") != NULL || ++n > 256)
			break;			/* nested markup: malformed */
		if ((arg = reg_xml_text(a, c)) == NULL)
			break;
		if (prev != NULL && strcmp(prev, "-secret") == 0 &&
		    reg_is_hex64(arg)) {
			free(found);
			found = arg;
			arg = NULL;
		} else if (first_hex == NULL && reg_is_hex64(arg)) {
			first_hex = arg;
			arg = NULL;
		}
		free(prev);
		prev = arg;
		if (found != NULL)
			break;
	}
	free(prev);
	if (found != NULL) {
		free(first_hex);
		return found;
	}
	return first_hex;
}

int
register_parse_crumb(const char *json, size_t len, char *field,
    size_t fieldlen, char *crumb, size_t crumblen)
{
	cJSON		*j;
	const cJSON	*f, *c;
	int		 r = -1;

	if ((j = cJSON_ParseWithLength(json, len)) == NULL)
		return -1;
	f = cJSON_GetObjectItemCaseSensitive(j, "crumbRequestField");
	c = cJSON_GetObjectItemCaseSensitive(j, "crumb");
	if (cJSON_IsString(f) && cJSON_IsString(c) &&
	    f->valuestring[0] != '\0' && c->valuestring[0] != '\0' &&
	    strpbrk(f->valuestring, ": \t\r\n") == NULL &&
	    strpbrk(c->valuestring, "\r\n") == NULL &&
	    strlen(f->valuestring) < fieldlen &&
	    strlen(c->valuestring) < crumblen) {
		snprintf(field, fieldlen, "%s", f->valuestring);
		snprintf(crumb, crumblen, "%s", c->valuestring);
		r = 0;
	}
	cJSON_Delete(j);
	return r;
}

/*
 * One escape of Java Properties text at *pp (just past the backslash),
 * within [*pp, e): \uXXXX (written as UTF-8), \t \n \r \f, or the
 * character itself.  Advances *pp; writes 1 to 3 bytes at q.  Returns the
 * bytes written, or -1 for a truncated or bad \u escape or a surrogate.
 */
static int
reg_prop_escape(const char **pp, const char *e, char *q)
{
	const char	*p = *pp;
	unsigned int	 u = 0;
	int		 i, d;

	if (p >= e)
		return -1;
	switch (*p) {
	case 't': *q = '\t'; break;
	case 'n': *q = '\n'; break;
	case 'r': *q = '\r'; break;
	case 'f': *q = '\f'; break;
	case 'u':
		if (e - p < 5)
			return -1;
		for (i = 1; i <= 4; i++) {
			d = (unsigned char)p[i];
			if (!isxdigit(d))
				return -1;
			u = u * 16 + (unsigned int)(isdigit(d) ? d - '0' :
			    tolower(d) - 'a' + 10);
		}
		*pp = p + 5;
		if (u >= 0xd800 && u <= 0xdfff)
			return -1;	/* surrogates: not in a node name */
		if (u < 0x80) {
			q[0] = (char)u;
			return 1;
		}
		if (u < 0x800) {
			q[0] = (char)(0xc0 | (u >> 6));
			q[1] = (char)(0x80 | (u & 0x3f));
			return 2;
		}
		q[0] = (char)(0xe0 | (u >> 12));
		q[1] = (char)(0x80 | ((u >> 6) & 0x3f));
		q[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	default:
		*q = *p;
		break;
	}
	*pp = p + 1;
	return 1;
}

char *
register_swarm_name(const char *body, size_t len)
{
	const char	*p = body, *e = body + len, *nl, *v;
	char		*o, *q;
	int		 n;

	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (nl - p < 5 || memcmp(p, "name", 4) != 0 ||
		    (p[4] != '=' && p[4] != ':'))
			continue;
		v = p + 5;
		/* an escape never grows: 2 bytes -> 1, 6 bytes -> <= 3 */
		if ((o = malloc((size_t)(nl - v) + 1)) == NULL)
			return NULL;
		for (q = o; v < nl; ) {
			if (*v == '\r') {
				v++;
				continue;
			}
			if (*v == '\\') {
				v++;
				n = reg_prop_escape(&v, nl, q);
			} else {
				*q = *v++;
				n = 1;
			}
			/* control characters and '/' cannot be in a name */
			if (n < 0 || (n == 1 && ((unsigned char)*q < 0x20 ||
			    *q == 0x7f || *q == '/'))) {
				free(o);
				return NULL;
			}
			q += n;
		}
		*q = '\0';
		if (*o == '\0') {
			free(o);
			return NULL;
		}
		return o;
	}
	return NULL;
}

static bool
reg_has_label(const char *list, const char *l, size_t n)
{
	const char	*p = list, *s;

	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		for (s = p; *p != '\0' && !isspace((unsigned char)*p); p++)
			;
		if ((size_t)(p - s) == n && n > 0 && memcmp(s, l, n) == 0)
			return true;
	}
	return false;
}

char *
register_labels_minus(const char *want, const char *have)
{
	const char	*p = want, *s;
	char		*o, *q;

	if ((o = malloc(strlen(want) + 1)) == NULL)
		return NULL;
	q = o;
	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		for (s = p; *p != '\0' && !isspace((unsigned char)*p); p++)
			;
		if (p == s || reg_has_label(have, s, (size_t)(p - s)))
			continue;
		/* once only, even if want repeats it */
		*q = '\0';
		if (reg_has_label(o, s, (size_t)(p - s)))
			continue;
		if (q != o)
			*q++ = ' ';
		memcpy(q, s, (size_t)(p - s));
		q += p - s;
	}
	*q = '\0';
	return o;
}

char *
register_config_set_labels(const char *xml, const char *labels)
{
	const char	*a, *c, *end = xml + strlen(xml), *at;
	char		*esc, *o, *q;
	const char	*l;
	size_t		 n;

	/* escape */
	if ((esc = malloc(strlen(labels) * 5 + 1)) == NULL)
		return NULL;
	for (q = esc, l = labels; *l != '\0'; l++) {
		if (*l == '&')
			q += sprintf(q, "&amp;");
		else if (*l == '<')
			q += sprintf(q, "&lt;");
		else if (*l == '>')
			q += sprintf(q, "&gt;");
		else
			*q++ = *l;
	}
	*q = '\0';
	if ((a = reg_find(xml, end, "<label>")) != NULL &&
	    (c = reg_find(a, end, "</label>")) != NULL) {
		a += strlen("<label>");
		at = c;
	} else if ((a = reg_find(xml, end, "<label/>")) != NULL) {
		c = a + strlen("<label/>");
		at = NULL;
	} else if ((a = reg_find(xml, end, "</slave>")) != NULL) {
		c = a;
		at = NULL;
	} else {
		free(esc);
		return NULL;
	}
	n = strlen(xml) + strlen(esc) + 32;
	if ((o = malloc(n)) == NULL) {
		free(esc);
		return NULL;
	}
	if (at != NULL)
		snprintf(o, n, "%.*s%s%s", (int)(a - xml), xml, esc, at);
	else
		snprintf(o, n, "%.*s<label>%s</label>%s", (int)(a - xml), xml,
		    esc, c);
	free(esc);
	return o;
}

long
register_retry_delay(enum register_backoff how, long interval_ms,
    long max_ms, int attempt)
{
	long	 d = interval_ms;
	int	 i;

	if (attempt < 1)
		attempt = 1;
	switch (how) {
	case REGISTER_BACKOFF_NONE:
		break;
	case REGISTER_BACKOFF_LINEAR:
		d = attempt > max_ms / (interval_ms > 0 ? interval_ms : 1) ?
		    max_ms : interval_ms * attempt;
		break;
	case REGISTER_BACKOFF_EXPONENTIAL:
		for (i = 1; i < attempt && d < max_ms; i++)
			d *= 2;
		break;
	}
	if (how != REGISTER_BACKOFF_NONE && d > max_ms)
		d = max_ms;
	return d;
}

/* ---- HTTP ---------------------------------------------------------------- */

static size_t
reg_write_cb(char *p, size_t sz, size_t n, void *arg)
{
	struct reg_resp	*r = arg;
	size_t		 len = sz * n;
	char		*nb;

	if (r->len + len > REG_BODY_MAX) {
		r->overflow = true;
		return 0;
	}
	if ((nb = realloc(r->body, r->len + len + 1)) == NULL)
		return 0;
	memcpy(nb + r->len, p, len);
	r->len += len;
	nb[r->len] = '\0';
	r->body = nb;
	return len;
}

static void
reg_resp_free(struct reg_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static CURLcode	reg_post_setup(struct reg_ctx *, const char *, const char *,
		    struct curl_slist **);

/*
 * One request to <url>path.  body NULL: GET, else POST with that body
 * (ctype: its Content-Type, NULL for a form).  REG_RETRY on a transport
 * error (message in err); otherwise REG_OK with resp->status set.
 */
static enum reg_rc
reg_http(struct reg_ctx *r, const char *path, const char *body,
    const char *ctype, struct reg_resp *resp, char *err, size_t errlen)
{
	struct curl_slist	*h = NULL;
	char			*url, cerr[CURL_ERROR_SIZE];
	CURLcode		 cc;

	memset(resp, 0, sizeof(*resp));
	if (asprintf(&url, "%s%s", r->base, path) == -1)
		fatalx(1, "out of memory");
	/*
	 * The handle keeps its options (and its cookies) between requests:
	 * only what differs per request is set here.
	 */
	cerr[0] = '\0';
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	if (body == NULL)
		curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);
	cc = reg_post_setup(r, body, ctype, &h);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(r->curl);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	free(url);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && resp->overflow)) {
		reg_fail(err, errlen, "%s%s: %s", r->base, path,
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(cc));
		reg_resp_free(resp);
		return REG_RETRY;
	}
	if (resp->overflow) {
		reg_fail(err, errlen, "%s%s: answer larger than %d bytes",
		    r->base, path, REG_BODY_MAX);
		reg_resp_free(resp);
		return REG_FATAL;
	}
	return REG_OK;
}

/* Options set once per handle. */
static void
reg_curl_setup(struct reg_ctx *r)
{
	const struct agent_conf	*c = r->conf;
	struct curl_blob	 blob;

	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->curl, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(r->curl, CURLOPT_USERNAME, c->reg_username);
	curl_easy_setopt(r->curl, CURLOPT_PASSWORD, c->reg_password);
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "jnagent-register");
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, reg_write_cb);
	if (c->no_cert_check) {
		curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->cert != NULL) {
		if (strncmp(c->cert, "-----BEGIN", 10) == 0) {
			blob.data = c->cert;
			blob.len = strlen(c->cert);
			blob.flags = CURL_BLOB_COPY;
			curl_easy_setopt(r->curl, CURLOPT_CAINFO_BLOB, &blob);
		} else
			curl_easy_setopt(r->curl, CURLOPT_CAINFO, c->cert);
	}
}

/* POST parts of a request: body, Content-Type, the crumb. */
static CURLcode
reg_post_setup(struct reg_ctx *r, const char *body, const char *ctype,
    struct curl_slist **hp)
{
	struct curl_slist	*nh;
	char			 hdr[512];

	*hp = NULL;
	if (body == NULL)
		return CURLE_OK;
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	if (ctype != NULL) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s", ctype);
		if ((nh = curl_slist_append(*hp, hdr)) == NULL)
			return CURLE_OUT_OF_MEMORY;
		*hp = nh;
	}
	if (r->have_crumb) {
		snprintf(hdr, sizeof(hdr), "%s: %s", r->crumb_field, r->crumb);
		if ((nh = curl_slist_append(*hp, hdr)) == NULL)
			return CURLE_OUT_OF_MEMORY;
		*hp = nh;
	}
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, *hp);
	return CURLE_OK;
}

/* A status that is not the expected one: classify and explain. */
static enum reg_rc
reg_status_fail(struct reg_ctx *r, const char *path, long status,
    const char *perm, char *err, size_t errlen)
{
	if (status == 401)
		reg_fail(err, errlen, "%s%s: HTTP 401: the controller refused "
		    "user \"%.100s\" and its API token (check -username and "
		    "-password/-passwordFile/-passwordEnvVariable)",
		    r->base, path, r->conf->reg_username);
	else if (status == 403)
		reg_fail(err, errlen, "%s%s: HTTP 403: user \"%.100s\" lacks "
		    "the %s permission", r->base, path,
		    r->conf->reg_username, perm);
	else
		reg_fail(err, errlen, "%s%s: unexpected HTTP %ld",
		    r->base, path, status);
	return status >= 500 || status == 0 ? REG_RETRY : REG_FATAL;
}

static enum reg_rc
reg_get_crumb(struct reg_ctx *r, char *err, size_t errlen)
{
	struct reg_resp	 resp;
	enum reg_rc	 rc;
	const char	*path = "crumbIssuer/api/json";

	r->have_crumb = false;
	if ((rc = reg_http(r, path, NULL, NULL, &resp, err, errlen)) != REG_OK)
		return rc;
	if (resp.status == 404) {
		reg_resp_free(&resp);
		return REG_OK;		/* CSRF protection off */
	}
	if (resp.status != 200) {
		rc = reg_status_fail(r, path, resp.status, "Overall/Read",
		    err, errlen);
		reg_resp_free(&resp);
		return rc;
	}
	if (register_parse_crumb(resp.body != NULL ? resp.body : "",
	    resp.len, r->crumb_field, sizeof(r->crumb_field), r->crumb,
	    sizeof(r->crumb)) != 0) {
		reg_resp_free(&resp);
		reg_fail(err, errlen, "%s%s: not a crumb (JSON with "
		    "crumbRequestField and crumb)", r->base, path);
		return REG_FATAL;
	}
	reg_resp_free(&resp);
	r->have_crumb = true;
	log_debug("register: CSRF crumb obtained (%s)", r->crumb_field);
	return REG_OK;
}

static char *
reg_node_path(const char *name, const char *tail)
{
	char	*e, *p;

	if ((e = register_urlencode(name)) == NULL)
		fatalx(1, "out of memory");
	if (asprintf(&p, "computer/%s/%s", e, tail) == -1)
		fatalx(1, "out of memory");
	free(e);
	return p;
}

/* Swarm: REG_OK (r->swarm set, r->name final) or not there (!r->swarm). */
static enum reg_rc
reg_swarm_create(struct reg_ctx *r, const char *base, const char *hash,
    char *err, size_t errlen)
{
	struct reg_resp	 resp;
	enum reg_rc	 rc;
	char		*q, *path, *n;

	if ((q = register_swarm_query(r->conf, base, r->labels, hash)) == NULL)
		fatalx(1, "out of memory");
	if (asprintf(&path, "plugin/swarm/createSlave?%s", q) == -1)
		fatalx(1, "out of memory");
	free(q);
	rc = reg_http(r, path, "", NULL, &resp, err, errlen);
	free(path);
	if (rc != REG_OK)
		return rc;
	path = "plugin/swarm/createSlave";
	switch (resp.status) {
	case 404:
		r->swarm = false;
		rc = REG_OK;
		break;
	case 200:
		r->swarm = true;
		n = register_swarm_name(resp.body != NULL ? resp.body : "",
		    resp.len);
		free(r->name);
		if (n != NULL)
			r->name = n;
		else if (hash != NULL) {
			if (asprintf(&r->name, "%s-%s", base, hash) == -1)
				fatalx(1, "out of memory");
		} else if ((r->name = strdup(base)) == NULL)
			fatalx(1, "out of memory");
		rc = REG_OK;
		break;
	case 409:
		reg_fail(err, errlen, "%s%s: HTTP 409: a node named \"%.100s\" "
		    "already exists (-deleteExistingClients replaces it)",
		    r->base, path, base);
		rc = REG_FATAL;
		break;
	default:
		rc = reg_status_fail(r, path, resp.status,
		    "Agent/Create (or Overall/Administer)", err, errlen);
		break;
	}
	reg_resp_free(&resp);
	return rc;
}

static enum reg_rc
reg_core_create(struct reg_ctx *r, char *err, size_t errlen, bool *existed)
{
	struct reg_resp	 resp;
	enum reg_rc	 rc;
	char		*path, *form;

	*existed = false;
	path = reg_node_path(r->name, "api/json");
	rc = reg_http(r, path, NULL, NULL, &resp, err, errlen);
	if (rc == REG_OK && resp.status == 200)
		*existed = true;
	else if (rc == REG_OK && resp.status != 404)
		rc = reg_status_fail(r, path, resp.status,
		    "Overall/Read (or Agent/ExtendedRead)", err, errlen);
	free(path);
	reg_resp_free(&resp);
	if (rc != REG_OK)
		return rc;
	if (*existed && r->conf->reg_delete_existing) {
		path = reg_node_path(r->name, "doDelete");
		rc = reg_http(r, path, "", NULL, &resp, err, errlen);
		if (rc == REG_OK && resp.status != 200 && resp.status != 302)
			rc = reg_status_fail(r, path, resp.status,
			    "Agent/Delete", err, errlen);
		free(path);
		reg_resp_free(&resp);
		if (rc != REG_OK)
			return rc;
		log_info("register: deleted the existing node \"%.100s\"",
		    r->name);
		*existed = false;
	}
	if (*existed) {
		log_info("register: node \"%.100s\" exists; reusing it",
		    r->name);
		return REG_OK;
	}
	if ((form = register_core_form(r->conf, r->name, r->labels)) == NULL)
		fatalx(1, "out of memory");
	path = "computer/doCreateItem";
	rc = reg_http(r, path, form, NULL, &resp, err, errlen);
	free(form);
	if (rc != REG_OK)
		return rc;
	if (resp.status == 200 || resp.status == 302)
		rc = REG_OK;
	else if (resp.status == 400 && resp.body != NULL &&
	    strstr(resp.body, "already exists") != NULL) {
		reg_fail(err, errlen, "%s%s: a node named \"%.100s\" already "
		    "exists (-deleteExistingClients replaces it)",
		    r->base, path, r->name);
		rc = REG_FATAL;
	} else
		rc = reg_status_fail(r, path, resp.status,
		    "Agent/Create (or Overall/Administer)", err, errlen);
	reg_resp_free(&resp);
	if (rc == REG_OK)
		log_info("register: created node \"%.100s\" (core REST)",
		    r->name);
	return rc;
}

static enum reg_rc
reg_fetch_secret(struct reg_ctx *r, bool existed, char **secret, char *err,
    size_t errlen)
{
	static const char *const tails[] = {
		"jenkins-agent.jnlp", "slave-agent.jnlp",
	};
	struct reg_resp	 resp;
	enum reg_rc	 rc;
	char		*path;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		path = reg_node_path(r->name, tails[i]);
		rc = reg_http(r, path, NULL, NULL, &resp, err, errlen);
		if (rc != REG_OK) {
			free(path);
			return rc;
		}
		if (resp.status == 200) {
			*secret = register_jnlp_secret(resp.body != NULL ?
			    resp.body : "", resp.len);
			if (resp.body != NULL)
				explicit_bzero(resp.body, resp.len);
			reg_resp_free(&resp);
			if (*secret == NULL) {
				reg_fail(err, errlen, "%s%s: no secret in the "
				    "JNLP file", r->base, path);
				free(path);
				return REG_FATAL;
			}
			free(path);
			return REG_OK;
		}
		if (resp.status != 404) {
			rc = reg_status_fail(r, path, resp.status,
			    "Agent/Connect", err, errlen);
			free(path);
			reg_resp_free(&resp);
			return rc;
		}
		reg_resp_free(&resp);
		free(path);
	}
	if (existed)
		reg_fail(err, errlen, "node \"%.100s\" exists and is not an "
		    "inbound agent (-deleteExistingClients replaces it)",
		    r->name);
	else
		reg_fail(err, errlen, "node \"%.100s\": no JNLP file at "
		    "computer/%.100s/jenkins-agent.jnlp", r->name, r->name);
	return REG_FATAL;
}

/* Runs of white space to one space, none at either end, in place. */
static void
reg_squeeze(char *s)
{
	char	*o = s, *start = s;
	bool	 sp = false;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s)) {
			sp = true;
			continue;
		}
		if (sp && o != start)
			*o++ = ' ';
		sp = false;
		*o++ = *s;
	}
	*o = '\0';
}

/* Labels: -labels plus -labelsFile's contents.  Caller frees. */
static char *
reg_read_labels(const struct agent_conf *c, bool *ok)
{
	FILE	*f;
	char	 buf[16384], *o;
	size_t	 n = 0, i;

	*ok = true;
	buf[0] = '\0';
	if (c->reg_labels_file != NULL) {
		if ((f = fopen(c->reg_labels_file, "r")) == NULL)
			*ok = false;
		else {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			if (ferror(f))
				*ok = false;
			fclose(f);
			buf[n] = '\0';
		}
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	if (asprintf(&o, "%s %s", c->labels != NULL ? c->labels : "",
	    buf) == -1)
		fatalx(1, "out of memory");
	reg_squeeze(o);
	return o;
}

static enum reg_rc
reg_attempt(struct reg_ctx *r, char **secret, char *err, size_t errlen)
{
	const struct agent_conf	*c = r->conf;
	char			 hex[9], host[256], *base;
	bool			 existed = false;
	enum reg_rc		 rc;

	if ((rc = reg_get_crumb(r, err, errlen)) != REG_OK)
		return rc;
	base = reg_base_name != NULL ? reg_base_name : c->name;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "%s", c->name);
	host[sizeof(host) - 1] = '\0';
	register_unique_id(host, c->reg_fsroot, hex);
	if ((rc = reg_swarm_create(r, base, c->reg_no_unique_id ? NULL : hex,
	    err, errlen)) != REG_OK)
		return rc;
	if (r->swarm)
		log_info("register: node \"%.100s\" registered through the "
		    "Swarm plugin", r->name);
	else {
		free(r->name);
		if (c->reg_no_unique_id)
			r->name = strdup(base);
		else if (asprintf(&r->name, "%s-%s", base, hex) == -1)
			r->name = NULL;
		if (r->name == NULL)
			fatalx(1, "out of memory");
		if ((rc = reg_core_create(r, err, errlen, &existed)) != REG_OK)
			return rc;
	}
	return reg_fetch_secret(r, existed || r->swarm, secret, err, errlen);
}

static void
reg_sleep(long ms, volatile int *stop)
{
	struct timespec	 ts;
	long		 step;

	while (ms > 0 && !*stop) {
		step = ms > 100 ? 100 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* ---- -labelsFile ---------------------------------------------------------- */

static enum reg_rc
reg_swarm_labels(struct reg_ctx *r, const char *op, const char *labels,
    char *err, size_t errlen)
{
	struct reg_resp	 resp;
	char		*q = NULL, *path;
	size_t		 len = 0;
	enum reg_rc	 rc;

	if (reg_kv(&q, &len, "name", r->name) != 0 ||
	    reg_kv(&q, &len, "labels", labels) != 0)
		fatalx(1, "out of memory");
	if (asprintf(&path, "plugin/swarm/%s?%s", op, q) == -1)
		fatalx(1, "out of memory");
	free(q);
	rc = reg_http(r, path, "", NULL, &resp, err, errlen);
	if (rc == REG_OK && resp.status != 200)
		rc = reg_status_fail(r, path, resp.status, "Agent/Configure",
		    err, errlen);
	free(path);
	reg_resp_free(&resp);
	return rc;
}

static enum reg_rc
reg_core_labels(struct reg_ctx *r, const char *labels, char *err,
    size_t errlen)
{
	struct reg_resp	 resp;
	char		*path, *xml;
	enum reg_rc	 rc;

	path = reg_node_path(r->name, "config.xml");
	rc = reg_http(r, path, NULL, NULL, &resp, err, errlen);
	if (rc == REG_OK && resp.status != 200)
		rc = reg_status_fail(r, path, resp.status,
		    "Agent/ExtendedRead", err, errlen);
	if (rc != REG_OK) {
		free(path);
		reg_resp_free(&resp);
		return rc;
	}
	xml = register_config_set_labels(resp.body != NULL ? resp.body : "",
	    labels);
	reg_resp_free(&resp);
	if (xml == NULL) {
		free(path);
		reg_fail(err, errlen, "node \"%.100s\": config.xml has no "
		    "<slave> element", r->name);
		return REG_FATAL;
	}
	rc = reg_http(r, path, xml, "application/xml", &resp, err, errlen);
	if (rc == REG_OK && resp.status != 200)
		rc = reg_status_fail(r, path, resp.status, "Agent/Configure",
		    err, errlen);
	free(xml);
	free(path);
	reg_resp_free(&resp);
	return rc;
}

static void
reg_update_labels(struct reg_ctx *r, const char *want)
{
	char		 err[512];
	char		*add, *del;
	enum reg_rc	 rc = REG_OK;

	if ((add = register_labels_minus(want, r->labels)) == NULL ||
	    (del = register_labels_minus(r->labels, want)) == NULL)
		fatalx(1, "out of memory");
	if (*add == '\0' && *del == '\0') {
		free(add);
		free(del);
		return;
	}
	if (reg_get_crumb(r, err, sizeof(err)) != REG_OK)
		rc = REG_FATAL;
	else if (r->swarm) {
		if (*add != '\0')
			rc = reg_swarm_labels(r, "addSlaveLabels", add, err,
			    sizeof(err));
		if (rc == REG_OK && *del != '\0')
			rc = reg_swarm_labels(r, "removeSlaveLabels", del, err,
			    sizeof(err));
	} else
		rc = reg_core_labels(r, want, err, sizeof(err));
	if (rc == REG_OK) {
		log_info("register: labels of \"%.100s\" now \"%.300s\" "
		    "(added \"%.200s\", removed \"%.200s\")", r->name, want,
		    add, del);
		free(r->labels);
		if ((r->labels = strdup(want)) == NULL)
			fatalx(1, "out of memory");
	} else
		log_error("register: cannot update labels (will retry): %s",
		    err);
	free(add);
	free(del);
}

static void *
reg_watch_main(void *arg)
{
	struct reg_ctx	*r = arg;
	char		*want;
	bool		 ok;

	while (!reg_watch.stop) {
		reg_sleep(REGISTER_LABELS_POLL_MS, &reg_watch.stop);
		if (reg_watch.stop)
			break;
		want = reg_read_labels(r->conf, &ok);
		if (ok)
			reg_update_labels(r, want);
		free(want);
	}
	return NULL;
}

static void
reg_ctx_free(struct reg_ctx *r)
{
	if (r == NULL)
		return;
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	explicit_bzero(r->crumb, sizeof(r->crumb));
	free(r->base);
	free(r->name);
	free(r->labels);
	free(r);
}

int
register_run(struct agent_conf *conf, volatile int *stop, char *err,
    size_t errlen)
{
	struct reg_ctx	*r;
	enum reg_rc	 rc;
	char		*secret = NULL;
	bool		 ok;
	int		 attempt = 0;
	long		 d;

	if (conf->nurls < 1 || conf->name == NULL ||
	    conf->reg_username == NULL || conf->reg_password == NULL)
		return reg_fail(err, errlen, "-register needs -url, -username "
		    "and a token");
	if (reg_base_name == NULL && (reg_base_name = strdup(conf->name)) ==
	    NULL)
		fatalx(1, "out of memory");
	if (!reg_curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return reg_fail(err, errlen, "cannot initialise "
			    "libcurl");
		reg_curl_inited = true;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatalx(1, "out of memory");
	r->conf = conf;
	if ((r->base = strdup(conf->urls[0])) == NULL)
		fatalx(1, "out of memory");
	if ((r->curl = curl_easy_init()) == NULL) {
		reg_ctx_free(r);
		return reg_fail(err, errlen, "cannot initialise libcurl");
	}
	reg_curl_setup(r);
	r->labels = reg_read_labels(conf, &ok);
	if (!ok) {
		reg_ctx_free(r);
		return reg_fail(err, errlen, "-labelsFile: cannot read "
		    "%.200s: %s", conf->reg_labels_file, strerror(errno));
	}
	for (;;) {
		rc = reg_attempt(r, &secret, err, errlen);
		if (rc != REG_RETRY || *stop)
			break;
		attempt++;
		if (conf->reg_retry >= 0 && attempt > conf->reg_retry)
			break;
		d = register_retry_delay(conf->reg_backoff,
		    conf->reg_retry_interval_ms,
		    conf->reg_max_retry_interval_ms, attempt);
		log_error("register: %s; retry %d in %ld ms", err, attempt, d);
		reg_sleep(d, stop);
		if (*stop)
			break;
	}
	if (rc != REG_OK) {
		if (*stop && rc == REG_RETRY)
			reg_fail(err, errlen, "registration interrupted");
		reg_ctx_free(r);
		return -1;
	}
	if (conf->secret != NULL)
		explicit_bzero(conf->secret, strlen(conf->secret));
	free(conf->secret);
	conf->secret = secret;
	free(conf->name);
	if ((conf->name = strdup(r->name)) == NULL)
		fatalx(1, "out of memory");
	if (conf->reg_labels_file == NULL) {
		reg_ctx_free(r);
		return 0;
	}
	reg_watch.ctx = r;
	reg_watch.stop = 0;
	if (pthread_create(&reg_watch.thread, NULL, reg_watch_main, r) != 0) {
		reg_watch.ctx = NULL;
		reg_ctx_free(r);
		return reg_fail(err, errlen, "cannot start the -labelsFile "
		    "watcher: %s", strerror(errno));
	}
	reg_watch.running = true;
	return 0;
}

/* Stop the -labelsFile watcher and free its context. */
static void
reg_watch_end(void)
{
	if (reg_watch.running) {
		reg_watch.stop = 1;
		pthread_join(reg_watch.thread, NULL);
		reg_watch.running = false;
	}
	reg_ctx_free(reg_watch.ctx);
	reg_watch.ctx = NULL;
}

int
register_again(struct agent_conf *conf, volatile int *stop)
{
	char	 err[512];

	log_info("register: node \"%.100s\" is unknown to the controller "
	    "(deleted on disconnect?): registering again", conf->name);
	reg_watch_end();	/* register_run() starts it afresh */
	if (register_run(conf, stop, err, sizeof(err)) != 0) {
		log_error("register: registering again failed: %s", err);
		return -1;
	}
	return 0;
}

void
register_finish(void)
{
	reg_watch_end();
	free(reg_base_name);
	reg_base_name = NULL;
	if (reg_curl_inited) {
		curl_global_cleanup();
		reg_curl_inited = false;
	}
}
