/*
 * test_register.c: agent/register.c's request building (Swarm query,
 * core doCreateItem form and its json), its parsers (JNLP secret, crumb
 * JSON, Swarm properties, config.xml labels), the label difference, the
 * retry delays, the -register flags of conf_parse, and a deterministic
 * mutation loop over every parser (run under ASan: no crash, no leak).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "agent/agent.h"
#include "agent/conf.h"
#include "agent/register.h"
#include "tests/unit/tap.h"

#define SECRET	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static const char jnlp_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<jnlp codebase=\"http://j/computer/n1/\" spec=\"1.0+\">"
    "<information><title>Agent for n1</title></information>"
    "<security><all-permissions/></security>"
    "<resources><j2se version=\"1.8+\"/>"
    "<jar href=\"http://j/jnlpJars/remoting.jar\"/></resources>"
    "<application-desc main-class=\"hudson.remoting.jnlp.Main\">"
    "<argument>" SECRET "</argument><argument>n1 &amp; co</argument>"
    "<argument>-workDir</argument><argument>/w</argument>"
    "<argument>-url</argument><argument>http://j/</argument>"
    "</application-desc></jnlp>";

static const char config_doc[] =
    "<?xml version='1.1' encoding='UTF-8'?>\n<slave>\n  <name>n1</name>\n"
    "  <label>old one</label>\n  <nodeProperties/>\n</slave>\n";

/* Value of key in an x-www-form-urlencoded string, decoded (static). */
static const char *
form_get(const char *form, const char *key)
{
	static char	 out[8192];
	const char	*p = form, *e;
	size_t		 kl = strlen(key), o;
	unsigned int	 c;

	while (p != NULL && *p != '\0') {
		e = strchr(p, '&');
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			for (o = 0; p < (e ? e : p + strlen(p)) &&
			    o < sizeof(out) - 1; p++) {
				if (*p == '%' && sscanf(p + 1, "%2x", &c) == 1) {
					out[o++] = (char)c;
					p += 2;
				} else
					out[o++] = *p == '+' ? ' ' : *p;
			}
			out[o] = '\0';
			return out;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

static void
test_builders(void)
{
	struct agent_conf	 c;
	char			*q, *f, hex[9], hex2[9];
	const char		*v;
	cJSON			*j;
	const cJSON		*l;

	memset(&c, 0, sizeof(c));
	c.reg_executors = 3;
	c.reg_exclusive = true;
	c.reg_fsroot = "/srv/a b";
	c.reg_description = "d&e=f";
	c.reg_delete_existing = true;
	q = register_swarm_query(&c, "n 1", "a b", "abcd1234");
	ok(q != NULL && strcmp(q, "name=n%201&executors=3&description=d%26e%3Df"
	    "&labels=a%20b&mode=EXCLUSIVE&remoteFsRoot=%2Fsrv%2Fa%20b"
	    "&hash=abcd1234&deleteExistingClients=true"
	    "&keepDisconnectedClients=false") == 0,
	    "swarm createSlave query: %s", q ? q : "(null)");
	free(q);
	q = register_swarm_query(&c, "n", "", NULL);
	ok(q != NULL && strstr(q, "hash=") == NULL,
	    "swarm query without hash when unique ids are off");
	free(q);

	c.websocket = true;
	f = register_core_form(&c, "n1", "l1 l2");
	ok(f != NULL, "core form built");
	v = f ? form_get(f, "name") : NULL;
	ok(v != NULL && strcmp(v, "n1") == 0, "form: name");
	v = f ? form_get(f, "type") : NULL;
	ok(v != NULL && strcmp(v, "hudson.slaves.DumbSlave") == 0,
	    "form: type=hudson.slaves.DumbSlave");
	v = f ? form_get(f, "json") : NULL;
	j = v ? cJSON_Parse(v) : NULL;
	ok(j != NULL, "form: json parses");
	l = cJSON_GetObjectItem(j, "launcher");
	ok(j != NULL &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "name")),
	    "n1") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "numExecutors")), "3") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "remoteFS")),
	    "/srv/a b") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "labelString")), "l1 l2") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "mode")),
	    "EXCLUSIVE") == 0 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "nodeDescription")), "d&e=f") == 0,
	    "json: name, numExecutors, remoteFS, labelString, mode, "
	    "nodeDescription");
	ok(l != NULL && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(l,
	    "stapler-class")), "hudson.slaves.JNLPLauncher") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(l, "webSocket")),
	    "json: inbound launcher (JNLPLauncher), webSocket follows "
	    "-webSocket");
	cJSON_Delete(j);
	free(f);

	q = register_urlencode("a/b c%~");
	ok(q && strcmp(q, "a%2Fb%20c%25~") == 0, "urlencode: %s", q);
	free(q);

	register_unique_id("host", "/srv", hex);
	register_unique_id("host", "/srv", hex2);
	ok(strlen(hex) == 8 && strcmp(hex, hex2) == 0 &&
	    strspn(hex, "0123456789abcdef") == 8, "unique id: 8 hex, stable");
	register_unique_id("host", "/srv2", hex2);
	ok(strcmp(hex, hex2) != 0, "unique id depends on fsroot");
}

static void
test_parsers(void)
{
	char	*s, field[64], crumb[128];
	const char *x;

	s = register_jnlp_secret(jnlp_doc, strlen(jnlp_doc));
	ok(s != NULL && strcmp(s, SECRET) == 0, "JNLP: first 64-hex argument");
	free(s);
	x = "<jnlp><argument>-url</argument><argument>u</argument>"
	    "<argument>-secret</argument><argument>" SECRET "</argument>"
	    "</jnlp>";
	s = register_jnlp_secret(x, strlen(x));
	ok(s != NULL && strcmp(s, SECRET) == 0, "JNLP: argument after -secret");
	free(s);
	x = "<jnlp><argument>nothex</argument><argument>-secret</argument>"
	    "<argument>short</argument></jnlp>";
	s = register_jnlp_secret(x, strlen(x));
	ok(s == NULL, "JNLP: no 64-hex secret -> NULL");
	free(s);
	x = "<jnlp><argument>" SECRET;
	s = register_jnlp_secret(x, strlen(x));
	ok(s == NULL, "JNLP: unterminated argument -> NULL");
	free(s);
	s = register_jnlp_secret(jnlp_doc, 200);
	ok(s == NULL, "JNLP: truncated document -> NULL");
	free(s);

	x = "{\"_class\":\"hudson.security.csrf.DefaultCrumbIssuer\","
	    "\"crumb\":\"c0ffee\",\"crumbRequestField\":\"Jenkins-Crumb\"}";
	ok(register_parse_crumb(x, strlen(x), field, sizeof(field), crumb,
	    sizeof(crumb)) == 0 && strcmp(field, "Jenkins-Crumb") == 0 &&
	    strcmp(crumb, "c0ffee") == 0, "crumb JSON parsed");
	x = "{\"crumb\":\"c\",\"crumbRequestField\":\"Bad: header\"}";
	ok(register_parse_crumb(x, strlen(x), field, sizeof(field), crumb,
	    sizeof(crumb)) == -1, "crumb: header injection refused");
	x = "{\"crumb\":1}";
	ok(register_parse_crumb(x, strlen(x), field, sizeof(field), crumb,
	    sizeof(crumb)) == -1, "crumb: wrong types refused");

	x = "#Swarm\n#Sat Nov 28\nname=n1-abcd1234\n";
	s = register_swarm_name(x, strlen(x));
	ok(s != NULL && strcmp(s, "n1-abcd1234") == 0, "swarm answer name");
	free(s);
	x = "name=\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: empty name -> NULL");
	x = "name=a/b\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: '/' in name refused");
	/* Properties.store escapes ':', '=', ' ' and non-ASCII as \uXXXX */
	x = "#\r\nname=caf\\u00E9\\:b\\=c\\ d-\\u20ac\r\n";
	s = register_swarm_name(x, strlen(x));
	ok(s != NULL && strcmp(s, "caf\xc3\xa9:b=c d-\xe2\x82\xac") == 0,
	    "swarm answer: Properties escapes decoded (\"%s\")",
	    s != NULL ? s : "(null)");
	free(s);
	x = "name=a\\u00\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: truncated \\u escape refused");
	x = "name=a\\u0009b\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: escaped control character refused");
	x = "name=a\\ud800\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: surrogate refused");
	x = "name=a\\\n";
	s = register_swarm_name(x, strlen(x));
	ok(s == NULL, "swarm answer: trailing backslash refused");

	s = register_labels_minus("a b  c a d", "b d x");
	ok(s && strcmp(s, "a c") == 0, "labels minus: \"%s\"", s);
	free(s);
	s = register_labels_minus("", "a");
	ok(s && *s == '\0', "labels minus: empty");
	free(s);

	s = register_config_set_labels(config_doc, "x <y> & z");
	ok(s && strstr(s, "<label>x &lt;y&gt; &amp; z</label>") != NULL &&
	    strstr(s, "old one") == NULL && strstr(s, "<nodeProperties/>"),
	    "config.xml: <label> replaced, escaped");
	free(s);
	s = register_config_set_labels("<slave><name>n</name></slave>", "q");
	ok(s && strcmp(s, "<slave><name>n</name><label>q</label></slave>") ==
	    0, "config.xml: <label> added when missing");
	free(s);
	ok(register_config_set_labels("<html/>", "q") == NULL,
	    "config.xml: not a node -> NULL");

	ok(register_retry_delay(REGISTER_BACKOFF_NONE, 10000, 60000, 5) ==
	    10000, "retry: none is constant");
	ok(register_retry_delay(REGISTER_BACKOFF_LINEAR, 10000, 60000, 3) ==
	    30000 && register_retry_delay(REGISTER_BACKOFF_LINEAR, 10000,
	    60000, 9) == 60000, "retry: linear, capped");
	ok(register_retry_delay(REGISTER_BACKOFF_EXPONENTIAL, 10000, 60000, 3)
	    == 40000 && register_retry_delay(REGISTER_BACKOFF_EXPONENTIAL,
	    10000, 60000, 50) == 60000, "retry: exponential, capped");
}

static int
parse(struct agent_conf *c, char *err, size_t errlen, int argc, ...)
{
	char		*argv[32];
	enum conf_action a;
	va_list		 ap;
	int		 i, r;

	va_start(ap, argc);
	argv[0] = "jnagent";
	for (i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, char *);
	argv[i] = NULL;
	va_end(ap);
	r = conf_parse(c, argc + 1, argv, &a, err, errlen);
	return r;
}

static void
test_conf(void)
{
	struct agent_conf	 c;
	char			 err[512], tok[] = "tok3n", pf[] =
	    "/tmp/test_register.XXXXXX";
	char			*argv[8];
	enum conf_action	 a;
	FILE			*f;
	int			 fd;

	unsetenv("JENKINS_SECRET");
	unsetenv("JENKINS_AGENT_NAME");
	unsetenv("JENKINS_URL");
	unsetenv("REMOTING_OPTS");
	ok(parse(&c, err, sizeof(err), 12, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-password", "tok",
	    "-name", "n", "-executors", "4", "-fsroot") == -1,
	    "conf: missing value refused");
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 17, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-password", "tok",
	    "-name", "n", "-executors", "4", "-mode", "exclusive",
	    "-retryInterval", "3", "-labels", "a") == 0 && c.reg &&
	    c.reg_executors == 4 && c.reg_exclusive &&
	    c.reg_retry_interval_ms == 3000 &&
	    c.reg_max_retry_interval_ms == 60000 && c.reg_retry == -1 &&
	    c.secret != NULL && c.reg_fsroot != NULL &&
	    strcmp(c.reg_password, "tok") == 0, "conf: -register flags and "
	    "defaults (%s)", err);
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 6, "-register", "-url",
	    "http://127.0.0.1:1/", "-password", "tok", "-name") == -1,
	    "conf: -name needs a value");
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 5, "-register", "-url",
	    "http://127.0.0.1:1/", "-password", "tok") == -1 &&
	    strstr(err, "-username") != NULL && strstr(err, "tok") == NULL,
	    "conf: -register without -username: %s", err);
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 5, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u") == -1 &&
	    strstr(err, "token") != NULL, "conf: no token: %s", err);
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 9, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-password", "t",
	    "-mode", "sometimes") == -1, "conf: bad -mode refused: %s", err);
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), 9, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-password", "t",
	    "-retryBackOffStrategy", "random") == -1,
	    "conf: bad -retryBackOffStrategy refused");
	conf_free(&c);

	setenv("REG_TEST_TOKEN", "envtok", 1);
	ok(parse(&c, err, sizeof(err), 9, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-passwordEnvVariable",
	    "REG_TEST_TOKEN", "-retryBackOffStrategy", "exponential") == 0 &&
	    strcmp(c.reg_password, "envtok") == 0 && c.reg_backoff == 2,
	    "conf: -passwordEnvVariable");
	conf_free(&c);
	if ((fd = mkstemp(pf)) >= 0 && (f = fdopen(fd, "w")) != NULL) {
		fputs("filetok\n", f);
		fclose(f);
	}
	ok(parse(&c, err, sizeof(err), 7, "-register", "-url",
	    "http://127.0.0.1:1/", "-username", "u", "-passwordFile", pf) ==
	    0 && strcmp(c.reg_password, "filetok") == 0,
	    "conf: -passwordFile (trimmed)");
	conf_free(&c);
	unlink(pf);

	argv[0] = "jnagent";
	argv[1] = "-register";
	argv[2] = "-url";
	argv[3] = "http://127.0.0.1:1/";
	argv[4] = "-username";
	argv[5] = "u";
	argv[6] = "-password";
	argv[7] = tok;
	ok(conf_parse(&c, 8, argv, &a, err, sizeof(err)) == 0,
	    "conf: -password parsed");
	conf_scrub_argv(8, argv);
	ok(strcmp(tok, "*****") == 0, "conf: -password scrubbed from argv");
	conf_free(&c);
}

/* Deterministic mutations (xorshift): flips, truncations, splices. */
static uint32_t	 rng = 2463534242u;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
mutate(const char *src, size_t len, char *dst, size_t *dlen, size_t cap)
{
	size_t	 n = len < cap ? len : cap, i, k, pos;

	memcpy(dst, src, n);
	k = 1 + next_rand() % 8;
	for (i = 0; i < k && n > 0; i++) {
		pos = next_rand() % n;
		switch (next_rand() % 5) {
		case 0:
			dst[pos] ^= (char)(1u << (next_rand() % 8));
			break;
		case 1:
			n = pos;	/* truncate */
			break;
		case 2:
			dst[pos] = "<>&;/\"=\n\\{}[]:"[next_rand() % 15];
			break;
		case 3:
			if (n < cap) {	/* duplicate a byte */
				memmove(dst + pos + 1, dst + pos, n - pos);
				n++;
			}
			break;
		default:
			dst[pos] = (char)(next_rand() & 0xff);
			break;
		}
	}
	*dlen = n;
}

static void
test_mutation(void)
{
	static const char *const crumb_doc = "{\"crumb\":\"c0ffee\","
	    "\"crumbRequestField\":\"Jenkins-Crumb\"}";
	static const char *const swarm_doc =
	    "#c\nname=n1-\\u00e9\\:x\\\\y-abcd1234\n";
	char	 buf[4096], *z, *s, f[64], c[128];
	size_t	 n;
	int	 i, survived = 0;

	for (i = 0; i < 20000; i++) {
		mutate(jnlp_doc, sizeof(jnlp_doc) - 1, buf, &n,
		    sizeof(buf) - 1);
		s = register_jnlp_secret(buf, n);
		if (s != NULL) {
			survived += strlen(s) == 64;
			free(s);
		}
		mutate(crumb_doc, strlen(crumb_doc), buf, &n, sizeof(buf) - 1);
		(void)register_parse_crumb(buf, n, f, sizeof(f), c, sizeof(c));
		mutate(swarm_doc, strlen(swarm_doc), buf, &n, sizeof(buf) - 1);
		free(register_swarm_name(buf, n));
		mutate(config_doc, sizeof(config_doc) - 1, buf, &n,
		    sizeof(buf) - 1);
		buf[n] = '\0';
		z = register_config_set_labels(buf, "a b");
		free(z);
		free(register_labels_minus(buf, "slave label"));
	}
	ok(survived > 0, "mutation loop: 20000 rounds x 5 parsers, no crash "
	    "(%d JNLP mutants still gave a 64-char secret)", survived);
}

int
main(void)
{
	test_builders();
	test_parsers();
	test_conf();
	test_mutation();
	return done_testing();
}
