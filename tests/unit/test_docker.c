/*
 * test_docker.c: docker/ against parsers (DOCKER_HOST, demux, config
 * JSON, auth), a fake Engine for error paths (tests/docker/fake_engine.c),
 * and, when tests/unit/test_docker.sh started one (DOCKER_TEST_HOST), a
 * real private dockerd.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker/docker.h"
#include "tests/docker/fake_engine.h"
#include "tests/unit/tap.h"

/* ---- helpers ------------------------------------------------------------- */

struct cap {
	char	*p;
	size_t	 len;
};

static int
cap_add(void *arg, const void *buf, size_t len)
{
	struct cap	*c = arg;
	char		*np;

	if ((np = realloc(c->p, c->len + len + 1)) == NULL)
		return 1;
	memcpy(np + c->len, buf, len);
	c->len += len;
	np[c->len] = '\0';
	c->p = np;
	return 0;
}

static void
cap_free(struct cap *c)
{
	free(c->p);
	c->p = NULL;
	c->len = 0;
}

static const char *
cap_str(const struct cap *c)
{
	return c->p != NULL ? c->p : "";
}

struct two {
	struct cap	out;
	struct cap	err;
};

static int
two_out(void *arg, const void *buf, size_t len)
{
	return cap_add(&((struct two *)arg)->out, buf, len);
}

static int
two_err(void *arg, const void *buf, size_t len)
{
	return cap_add(&((struct two *)arg)->err, buf, len);
}

static void
two_free(struct two *t)
{
	cap_free(&t->out);
	cap_free(&t->err);
}

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A one-file ustar archive; caller frees *out. */
static void
tar_one(const char *name, const char *data, size_t dlen, char **out,
    size_t *olen)
{
	size_t		 n = 512 + (dlen + 511) / 512 * 512 + 1024, i;
	unsigned int	 sum = 0;
	char		*t;

	t = calloc(1, n);
	memcpy(t, name, strnlen(name, 99));
	memcpy(t + 100, "0000644", 8);
	memcpy(t + 108, "0000000", 8);
	memcpy(t + 116, "0000000", 8);
	snprintf(t + 124, 12, "%011zo", dlen);
	snprintf(t + 136, 12, "%011lo", (unsigned long)time(NULL));
	memset(t + 148, ' ', 8);
	t[156] = '0';
	memcpy(t + 257, "ustar", 6);
	memcpy(t + 263, "00", 2);
	for (i = 0; i < 512; i++)
		sum += (unsigned char)t[i];
	snprintf(t + 148, 8, "%06o", sum);
	memcpy(t + 512, data, dlen);
	*out = t;
	*olen = n;
}

/* The first regular file of a tar: name and contents (borrowed). */
static int
tar_first(const char *t, size_t len, char *name, size_t namesz,
    const char **data, size_t *dlen)
{
	size_t	off = 0, sz;

	while (off + 512 <= len) {
		if (t[off] == '\0')
			return -1;
		sz = strtoul(t + off + 124, NULL, 8);
		if (t[off + 156] == '0' || t[off + 156] == '\0') {
			snprintf(name, namesz, "%.100s", t + off);
			if (off + 512 + sz > len)
				return -1;
			*data = t + off + 512;
			*dlen = sz;
			return 0;
		}
		off += 512 + (sz + 511) / 512 * 512;
	}
	return -1;
}

/* ---- DOCKER_HOST ----------------------------------------------------------- */

static void
test_host_parse(void)
{
	struct docker_host	h;
	struct docker		*d;
	static const char *const bad[] = {
		"unix://", "unix://relative.sock", "tcp://", "tcp://:2375",
		"tcp://host:0", "tcp://host:65536", "tcp://host:12x",
		"tcp://host:", "tcp://user@host:1", "tcp://host:1/path",
		"tcp://host:1?x=1", "ssh://user@host", "npipe:////./pipe/x",
		"fd://", "http://host:1", "/var/run/docker.sock",
		"tcp://[::1", "tcp://[]:1", "tcp://a:b:1", "tcp://ho st:1",
		NULL
	};
	char			 longp[200];
	int			 i, nbad = 0;

	ok(docker_host_parse(NULL, 0, &h) == 0 && h.kind == DOCKER_HOST_UNIX &&
	    strcmp(h.path, "/var/run/docker.sock") == 0,
	    "host: NULL is the default unix socket");
	ok(docker_host_parse("", 0, &h) == 0 && h.kind == DOCKER_HOST_UNIX,
	    "host: empty is the default");
	ok(docker_host_parse("unix:///run/x/d.sock", 0, &h) == 0 &&
	    h.kind == DOCKER_HOST_UNIX && strcmp(h.path, "/run/x/d.sock") == 0,
	    "host: unix:///path");
	ok(docker_host_parse("tcp://127.0.0.1:2376", 0, &h) == 0 &&
	    h.kind == DOCKER_HOST_TCP && strcmp(h.host, "127.0.0.1") == 0 &&
	    h.port == 2376, "host: tcp://addr:port");
	ok(docker_host_parse("tcp://docker.example:1234/", 0, &h) == 0 &&
	    strcmp(h.host, "docker.example") == 0 && h.port == 1234,
	    "host: tcp://name:port/ (trailing slash)");
	ok(docker_host_parse("tcp://dockerhost", 0, &h) == 0 &&
	    h.port == 2375, "host: tcp without port, no TLS = 2375");
	ok(docker_host_parse("tcp://dockerhost", 1, &h) == 0 &&
	    h.port == 2376, "host: tcp without port, TLS = 2376");
	ok(docker_host_parse("tcp://[::1]:5000", 0, &h) == 0 &&
	    strcmp(h.host, "::1") == 0 && h.port == 5000,
	    "host: tcp://[v6]:port");
	for (i = 0; bad[i] != NULL; i++) {
		if (docker_host_parse(bad[i], 0, &h) != DOCKER_ERR_INVAL) {
			diag("accepted bad host \"%s\"", bad[i]);
			nbad++;
		}
	}
	ok(nbad == 0, "host: %d malformed DOCKER_HOST values refused", i);
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "unix:///", 8);
	longp[sizeof(longp) - 1] = '\0';
	ok(docker_host_parse(longp, 0, &h) == DOCKER_ERR_INVAL,
	    "host: unix path longer than sun_path refused");

	d = docker_new();
	ok(docker_set_host(d, "ssh://x") == DOCKER_ERR_INVAL &&
	    strstr(docker_errmsg(d), "ssh://x") != NULL,
	    "set_host: bad host gives an error naming it");
	setenv("DOCKER_HOST", "tcp://127.0.0.1", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", "/nonexistent", 1);
	ok(docker_config_env(d) == 0, "config_env: DOCKER_HOST + TLS vars");
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	ok(docker_config_env(d) == 0, "config_env: nothing set = default");
	docker_free(d);
	docker_free(NULL);
}

/* ---- multiplexed stream decoder -------------------------------------------- */

static size_t
frame(unsigned char *p, int type, const char *s)
{
	size_t	n = strlen(s);

	p[0] = (unsigned char)type;
	p[1] = p[2] = p[3] = 0;
	p[4] = (unsigned char)(n >> 24);
	p[5] = (unsigned char)(n >> 16);
	p[6] = (unsigned char)(n >> 8);
	p[7] = (unsigned char)n;
	memcpy(p + 8, s, n);
	return 8 + n;
}

static int
stop_cb(void *arg, const void *buf, size_t len)
{
	return 1;
}

static void
test_demux(void)
{
	struct docker_demux	 dm;
	struct two		 t = { { 0 }, { 0 } };
	unsigned char		 s[256], bad[16];
	size_t			 n = 0, cut, i;
	int			 allok = 1, r;

	n += frame(s + n, 1, "hello ");
	n += frame(s + n, 2, "oops\n");
	n += frame(s + n, 1, "");
	n += frame(s + n, 0, "world\n");
	/* Every split into two pieces, and byte by byte. */
	for (cut = 0; cut <= n; cut++) {
		docker_demux_init(&dm, two_out, two_err, &t);
		r = docker_demux_feed(&dm, s, cut);
		if (r == 0)
			r = docker_demux_feed(&dm, s + cut, n - cut);
		if (r != 0 || docker_demux_finish(&dm) != 0 ||
		    strcmp(cap_str(&t.out), "hello world\n") != 0 ||
		    strcmp(cap_str(&t.err), "oops\n") != 0)
			allok = 0;
		two_free(&t);
	}
	ok(allok, "demux: every split point gives stdout/stderr apart");
	docker_demux_init(&dm, two_out, two_err, &t);
	for (i = 0; i < n && (r = docker_demux_feed(&dm, s + i, 1)) == 0; i++)
		;
	ok(r == 0 && strcmp(cap_str(&t.out), "hello world\n") == 0 &&
	    strcmp(cap_str(&t.err), "oops\n") == 0,
	    "demux: byte by byte");
	two_free(&t);

	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, s, 11) == 0 &&
	    docker_demux_finish(&dm) == DOCKER_ERR_MALFORMED,
	    "demux: end inside a frame is malformed");
	two_free(&t);
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, s, 3) == 0 &&
	    docker_demux_finish(&dm) == DOCKER_ERR_MALFORMED,
	    "demux: end inside a header is malformed");
	two_free(&t);

	memcpy(bad, "\x04\0\0\0\0\0\0\x01x", 9);
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, bad, 9) == DOCKER_ERR_MALFORMED,
	    "demux: stream type 4 is malformed");
	memcpy(bad, "\x01\0\x01\0\0\0\0\x01x", 9);
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, bad, 9) == DOCKER_ERR_MALFORMED,
	    "demux: nonzero padding is malformed");
	/* Raw text (a TTY stream taken for multiplexed) is refused. */
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, "hello world\n", 12) ==
	    DOCKER_ERR_MALFORMED, "demux: raw text is malformed");
	two_free(&t);

	n = frame(s, 3, "daemon broke\n");
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, s, n) == DOCKER_ERR_DAEMON &&
	    strcmp(docker_demux_syserr(&dm), "daemon broke") == 0,
	    "demux: system error frame gives its text");
	n = frame(s, 1, "x");
	docker_demux_init(&dm, stop_cb, NULL, NULL);
	ok(docker_demux_feed(&dm, s, n) == DOCKER_ERR_ABORTED,
	    "demux: callback can stop");
	/* A huge declared length is just a long frame: no allocation. */
	memcpy(bad, "\x01\0\0\0\xff\xff\xff\xff" "abc", 11);
	docker_demux_init(&dm, two_out, two_err, &t);
	ok(docker_demux_feed(&dm, bad, 11) == 0 &&
	    strcmp(cap_str(&t.out), "abc") == 0 &&
	    docker_demux_finish(&dm) == DOCKER_ERR_MALFORMED,
	    "demux: 4 GB frame length streams, no allocation");
	two_free(&t);
}

/* ---- request bodies -------------------------------------------------------- */

static void
test_bodies(void)
{
	static const char *const cmd[] = { "sh", "-c", "echo hi", NULL };
	static const char *const env[] = { "A=1", "B=x=y", NULL };
	static const char *const labels[] = { "jenkins=1", "k=v=w", "flag",
	    NULL };
	static const char *const binds[] = { "/src:/dst:ro", NULL };
	static const char *const caps[] = { "SYS_ADMIN", NULL };
	static const char *const devs[] = { "/dev/fuse", "/dev/a:/dev/b:r",
	    NULL };
	static const char *const baddevs[] = { "/dev/a:/dev/b:rwx", NULL };
	static const char *const noep[] = { NULL };
	struct docker_container_config	 c = { 0 };
	struct docker_auth		 a = { 0 };
	char				*js = NULL, *enc;
	cJSON				*j, *hc, *l, *dv;
	const cJSON			*x;

	ok(docker_container_config_json(&c, &js) == DOCKER_ERR_INVAL &&
	    js == NULL, "config: image is required");
	c.image = "busybox:latest";
	c.cmd = cmd;
	c.env = env;
	c.labels = labels;
	c.binds = binds;
	c.network_mode = "none";
	c.privileged = 1;
	c.cap_add = caps;
	c.devices = devs;
	c.working_dir = "/w";
	c.user = "1000:1000";
	c.auto_remove = 1;
	c.entrypoint = noep;
	ok(docker_container_config_json(&c, &js) == 0 && js != NULL,
	    "config: JSON made");
	j = cJSON_Parse(js);
	hc = cJSON_GetObjectItem(j, "HostConfig");
	l = cJSON_GetObjectItem(j, "Labels");
	dv = cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "Devices"), 1);
	ok(j != NULL && strcmp(cJSON_GetObjectItem(j, "Image")->valuestring,
	    "busybox:latest") == 0 &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(j, "Cmd")) == 3 &&
	    strcmp(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "Env"),
	    1)->valuestring, "B=x=y") == 0 &&
	    strcmp(cJSON_GetObjectItem(j, "WorkingDir")->valuestring,
	    "/w") == 0 &&
	    strcmp(cJSON_GetObjectItem(j, "User")->valuestring,
	    "1000:1000") == 0,
	    "config: Image, Cmd, Env, WorkingDir, User");
	ok(l != NULL && strcmp(cJSON_GetObjectItem(l, "jenkins")->valuestring,
	    "1") == 0 && strcmp(cJSON_GetObjectItem(l, "k")->valuestring,
	    "v=w") == 0 && strcmp(cJSON_GetObjectItem(l,
	    "flag")->valuestring, "") == 0, "config: Labels split at first =");
	x = cJSON_GetObjectItem(j, "Entrypoint");
	ok(cJSON_GetArraySize(x) == 1 &&
	    strcmp(cJSON_GetArrayItem(x, 0)->valuestring, "") == 0,
	    "config: empty entrypoint vector clears it ([\"\"])");
	ok(hc != NULL && cJSON_IsTrue(cJSON_GetObjectItem(hc, "Privileged")) &&
	    cJSON_IsTrue(cJSON_GetObjectItem(hc, "AutoRemove")) &&
	    strcmp(cJSON_GetObjectItem(hc, "NetworkMode")->valuestring,
	    "none") == 0 &&
	    strcmp(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "Binds"),
	    0)->valuestring, "/src:/dst:ro") == 0 &&
	    strcmp(cJSON_GetArrayItem(cJSON_GetObjectItem(hc, "CapAdd"),
	    0)->valuestring, "SYS_ADMIN") == 0,
	    "config: HostConfig Privileged, AutoRemove, NetworkMode, Binds, "
	    "CapAdd");
	ok(dv != NULL && strcmp(cJSON_GetObjectItem(dv,
	    "PathOnHost")->valuestring, "/dev/a") == 0 &&
	    strcmp(cJSON_GetObjectItem(dv, "PathInContainer")->valuestring,
	    "/dev/b") == 0 && strcmp(cJSON_GetObjectItem(dv,
	    "CgroupPermissions")->valuestring, "r") == 0,
	    "config: Devices parsed");
	cJSON_Delete(j);
	free(js);
	c.devices = baddevs;
	ok(docker_container_config_json(&c, &js) == DOCKER_ERR_INVAL,
	    "config: bad device permissions refused");

	a.username = "user";
	a.password = "p@ss/wörd?>";
	a.serveraddress = "registry.local:5000";
	enc = docker_auth_encode(&a);
	ok(enc != NULL && strchr(enc, '+') == NULL && strchr(enc, '/') ==
	    NULL && strlen(enc) % 4 == 0, "auth: URL-safe base64, padded");
	/* base64 of {"username":"user", ... starts with eyJ1c2VybmFtZSI6 */
	ok(enc != NULL && strncmp(enc, "eyJ1c2VybmFtZSI6InVzZXIi", 24) == 0,
	    "auth: encodes the JSON of the credentials");
	free(enc);
}

/* ---- fake engine ------------------------------------------------------------ */

static int
count_lines(void *arg, const cJSON *obj)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_fake(void)
{
	char			 dir[] = "/tmp/jnagent-fake.XXXXXX", sock[128];
	char			 host[160], *last, *log, *enc;
	struct fake_engine	*fe;
	struct docker		*d;
	struct docker_conn	*conn;
	struct docker_auth	 a = { "u", "secret", NULL, NULL, NULL };
	struct two		 t = { { 0 }, { 0 } };
	cJSON			*j = NULL;
	int			 r, n, code;
	unsigned char		 hij[256];
	size_t			 hn;

	static struct fake_route v150[] = {
		{ "GET", "/_ping", 200, "Api-Version: 1.50\r\n", "OK", 0,
		    FAKE_PLAIN, 0 },
		{ "GET", "/version", 200, NULL,
		    "{\"ApiVersion\":\"1.50\",\"MinAPIVersion\":\"1.24\"}", 0,
		    FAKE_PLAIN, 0 },
		{ "GET", "/info", 200, NULL, "{\"ID\":\"fake\"}", 0,
		    FAKE_CHUNKED, 0 },
	};
	static struct fake_route v141[] = {
		{ "GET", "/_ping", 200, NULL, "OK", 0, FAKE_PLAIN, 0 },
		{ "GET", "/version", 200, NULL,
		    "{\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\"}", 0,
		    FAKE_PLAIN, 0 },
	};
	static struct fake_route raised[] = {
		{ "GET", "/_ping", 200, NULL, "OK", 0, FAKE_PLAIN, 0 },
		{ "GET", "/version", 200, NULL,
		    "{\"ApiVersion\":\"1.60\",\"MinAPIVersion\":\"1.50\"}", 0,
		    FAKE_PLAIN, 0 },
	};
	static struct fake_route tooold[] = {
		{ "GET", "/_ping", 200, NULL, "OK", 0, FAKE_PLAIN, 0 },
		{ "GET", "/version", 200, NULL,
		    "{\"ApiVersion\":\"1.20\",\"MinAPIVersion\":\"1.12\"}", 0,
		    FAKE_PLAIN, 0 },
	};
	static struct fake_route badver[] = {
		{ "GET", "/_ping", 200, NULL, "OK", 0, FAKE_PLAIN, 0 },
		{ "GET", "/version", 200, NULL, "{\"ApiVersion\":", 0,
		    FAKE_PLAIN, 0 },
	};
	static struct fake_route errs[] = {
		{ "GET", "/images/malformed/json", 200, NULL,
		    "{\"Id\": \"sha256:12\", [", 0, FAKE_PLAIN, 0 },
		{ "GET", "/images/empty/json", 200, NULL, "", 0, FAKE_PLAIN,
		    0 },
		{ "GET", "/images/huge/json", 200, NULL, NULL, 0, FAKE_HUGE,
		    DOCKER_MAX_JSON + 1024 },
		{ "GET", "/images/hugechunked/json", 200, NULL, NULL, 0,
		    FAKE_HUGE_CHUNKED, DOCKER_MAX_JSON + 1024 },
		{ "GET", "/images/small/json", 200, NULL, NULL, 0,
		    FAKE_HUGE_CHUNKED, 8192 },
		{ "GET", "/images/cut/json", 200, NULL, "{\"Id\":\"sha", 0,
		    FAKE_CLOSE_MID, 0 },
		{ "GET", "/images/notjson/json", 500, "", "oops\tbroken\n", 0,
		    FAKE_PLAIN, 0 },
		{ "GET", "/images/noerrbody/json", 502, NULL, "", 0,
		    FAKE_PLAIN, 0 },
		{ "GET", "/images/hugeerr/json", 500, NULL, NULL, 0,
		    FAKE_HUGE_CHUNKED, 4 * 1024 * 1024 },
		{ "GET", "/containers/cut/logs", 200, NULL,
		    "\x01\0\0\0\0\0\0\x10only-part", 17, FAKE_CLOSE_CHUNKED,
		    0 },
		{ "GET", "/containers/badhdr/logs", 200, NULL,
		    "\x01\0\0\0\0\0\0\x02ok\x09\0\0\0\0\0\0\x01x", 19,
		    FAKE_CHUNKED, 0 },
		{ "GET", "/containers/syserr/logs", 200, NULL,
		    "\x01\0\0\0\0\0\0\x02ok\x03\0\0\0\0\0\0\x04" "bad!", 22,
		    FAKE_CHUNKED, 0 },
		{ "POST", "/images/create", 200, NULL,
		    "{\"status\":\"Pulling\"}\r\n{\"status\":\"Waiting\"}\r\n"
		    "{\"errorDetail\":{\"message\":\"denied\"},"
		    "\"error\":\"pull access denied\"}\r\n", 0, FAKE_CHUNKED,
		    0 },
		{ "GET", "/events", 200, NULL,
		    "{\"Type\":\"container\"}\n{\"Type\":\n", 0, FAKE_CHUNKED,
		    0 },
		{ "POST", "/containers/x/wait", 200, NULL,
		    "{\"StatusCode\":1,\"Error\":{\"Message\":\"wait broke\"}}",
		    0, FAKE_PLAIN, 0 },
		{ "POST", "/containers/y/wait", 200, NULL, "{\"Status\":1}", 0,
		    FAKE_PLAIN, 0 },
		{ "POST", "/containers/gone/attach", 0, NULL,
		    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json"
		    "\r\nContent-Length: 41\r\n\r\n"
		    "{\"message\":\"No such container: gone\"}\n\n\n", 0,
		    FAKE_RAW, 0 },
		{ "POST", "/containers/junk/attach", 0, NULL,
		    "SSH-2.0-OpenSSH\r\n\r\n", 0, FAKE_RAW, 0 },
		{ "POST", "/containers/nohead/attach", 0, NULL,
		    "HTTP/1.1 101 UPGR", 0, FAKE_RAW, 0 },
		{ "POST", "/containers/ok/attach", 0, NULL, NULL, 0, FAKE_RAW,
		    0 },	/* body set below */
	};

	if (mkdtemp(dir) == NULL) {
		ok(0, "fake: mkdtemp");
		return;
	}
	snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
	snprintf(host, sizeof(host), "unix://%s", sock);
	fe = fake_engine_start(sock, v150, 3);
	ok(fe != NULL, "fake: engine listening");
	if (fe == NULL)
		return;
	d = docker_new();
	ok(docker_set_host(d, host) == 0, "fake: set_host");

	/* Negotiation. */
	ok(docker_negotiate(d) == 0 && strcmp(docker_api_version(d),
	    "1.47") == 0, "negotiate: daemon 1.24..1.50 -> %s",
	    docker_api_version(d) ? docker_api_version(d) : "(none)");
	log = fake_engine_log(fe);
	ok(strcmp(log, "GET /_ping\nGET /version\n") == 0,
	    "negotiate: /_ping then /version");
	free(log);
	ok(docker_info(d, &j) == 0 && strcmp(cJSON_GetObjectItem(j,
	    "ID")->valuestring, "fake") == 0, "info: chunked JSON body");
	cJSON_Delete(j);
	log = fake_engine_log(fe);
	ok(strcmp(log, "GET /v1.47/info\n") == 0, "requests use /v1.47/");
	free(log);

	fake_engine_routes(fe, v141, 2);
	docker_set_host(d, host);
	ok(docker_negotiate(d) == 0 && strcmp(docker_api_version(d),
	    "1.41") == 0, "negotiate: daemon 1.41 -> 1.41");
	fake_engine_routes(fe, raised, 2);
	ok(docker_negotiate(d) == 0 && strcmp(docker_api_version(d),
	    "1.50") == 0,
	    "negotiate: daemon raised its minimum to 1.50 -> 1.50");
	fake_engine_routes(fe, tooold, 2);
	ok(docker_negotiate(d) == DOCKER_ERR_VERSION &&
	    strstr(docker_errmsg(d), "1.20") != NULL,
	    "negotiate: daemon max 1.20 refused (%s)", docker_errmsg(d));
	fake_engine_routes(fe, badver, 2);
	ok(docker_negotiate(d) == DOCKER_ERR_MALFORMED,
	    "negotiate: malformed /version is an error (%s)",
	    docker_errmsg(d));
	ok(docker_set_api_version(d, "1.4x") == DOCKER_ERR_INVAL,
	    "set_api_version: refuses junk");
	ok(docker_set_api_version(d, "1.41") == 0, "set_api_version 1.41");

	/* Error paths. */
	fake_engine_routes(fe, errs, sizeof(errs) / sizeof(errs[0]));
	r = docker_image_inspect(d, "malformed", &j);
	ok(r == DOCKER_ERR_MALFORMED && j == NULL &&
	    strstr(docker_errmsg(d), "malformed JSON") != NULL,
	    "malformed JSON body: clear error (%s)", docker_errmsg(d));
	ok(docker_image_inspect(d, "empty", &j) == DOCKER_ERR_MALFORMED,
	    "empty JSON body: malformed");
	r = docker_image_inspect(d, "huge", &j);
	ok(r == DOCKER_ERR_TOO_BIG && j == NULL,
	    "huge body (Content-Length > 16 MB): too big (%s)",
	    docker_errmsg(d));
	r = docker_image_inspect(d, "hugechunked", &j);
	ok(r == DOCKER_ERR_TOO_BIG && j == NULL,
	    "huge chunked body: too big (%s)", docker_errmsg(d));
	docker_set_max_json(d, 4096);
	ok(docker_image_inspect(d, "small", &j) == DOCKER_ERR_TOO_BIG,
	    "set_max_json: 8 KB body over a 4 KB ceiling");
	docker_set_max_json(d, 0);
	ok(docker_image_inspect(d, "small", &j) == 0 && j != NULL,
	    "the same body under the default ceiling");
	cJSON_Delete(j);
	r = docker_image_inspect(d, "cut", &j);
	ok(r == DOCKER_ERR_CONNECT && strstr(docker_errmsg(d), "mid-stream"),
	    "connection closed mid-body: clear error (%s)", docker_errmsg(d));
	r = docker_image_inspect(d, "notjson", &j);
	ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 500 &&
	    strcmp(docker_errmsg(d), "oops broken") == 0,
	    "non-JSON error body: status 500 and its cleaned text");
	r = docker_image_inspect(d, "noerrbody", &j);
	ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 502 &&
	    strcmp(docker_errmsg(d), "HTTP status 502") == 0,
	    "empty error body: the status as text");
	r = docker_image_inspect(d, "hugeerr", &j);
	ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 500 &&
	    strlen(docker_errmsg(d)) < 512,
	    "4 MB error body: capped message");
	r = docker_image_inspect(d, "nothere", &j);
	ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 404 &&
	    strcmp(docker_errmsg(d), "fake: no route") == 0,
	    "JSON error body: the daemon's message");

	{
		struct docker_logs_opts lo = { .tty = 0 };

		r = docker_container_logs(d, "cut", &lo, two_out, two_err, &t);
		ok(r == DOCKER_ERR_CONNECT &&
		    strstr(docker_errmsg(d), "mid-stream") != NULL &&
		    strcmp(cap_str(&t.out), "only-part") == 0,
		    "logs: stream closed mid-frame: clear error (%s)",
		    docker_errmsg(d));
		two_free(&t);

		r = docker_container_logs(d, "badhdr", &lo, two_out, two_err,
		    &t);
		ok(r == DOCKER_ERR_MALFORMED && strcmp(cap_str(&t.out),
		    "ok") == 0, "logs: bad frame header after a good one");
		two_free(&t);
		r = docker_container_logs(d, "syserr", &lo, two_out, two_err,
		    &t);
		ok(r == DOCKER_ERR_DAEMON && strcmp(docker_errmsg(d),
		    "bad!") == 0, "logs: system error frame ends the stream");
		two_free(&t);
	}

	n = 0;
	r = docker_image_pull(d, "private/img", "1", &a, count_lines, &n);
	ok(r == DOCKER_ERR_DAEMON && n == 2 &&
	    strcmp(docker_errmsg(d), "pull access denied") == 0,
	    "pull: progress seen, then the error in the stream");
	last = fake_engine_last(fe);
	enc = docker_auth_encode(&a);
	ok(strstr(last, "POST /v1.41/images/create?fromImage=private%2Fimg"
	    "&tag=1\n") == last && enc != NULL &&
	    strstr(last, enc) != NULL &&
	    strstr(last, "X-Registry-Auth: ") != NULL,
	    "pull: query escaped and X-Registry-Auth sent");
	free(enc);
	free(last);

	n = 0;
	r = docker_events(d, NULL, count_lines, &n);
	ok(r == DOCKER_ERR_MALFORMED && n == 1,
	    "events: a malformed line after a good one");
	r = docker_container_wait(d, "x", NULL, &code);
	ok(r == DOCKER_ERR_DAEMON && code == 1 &&
	    strcmp(docker_errmsg(d), "wait broke") == 0,
	    "wait: Error.Message reported with the code");
	r = docker_container_wait(d, "y", NULL, &code);
	ok(r == DOCKER_ERR_MALFORMED && code == -1, "wait: no StatusCode");

	r = docker_container_attach(d, "gone", 0, &conn);
	ok(r == DOCKER_ERR_DAEMON && conn == NULL &&
	    docker_last_status(d) == 404 &&
	    strcmp(docker_errmsg(d), "No such container: gone") == 0,
	    "attach: refused upgrade gives the daemon's message");
	r = docker_container_attach(d, "junk", 0, &conn);
	ok(r == DOCKER_ERR_MALFORMED && conn == NULL,
	    "attach: a non-HTTP answer is malformed");
	r = docker_container_attach(d, "nohead", 0, &conn);
	ok(r == DOCKER_ERR_CONNECT && conn == NULL,
	    "attach: closed inside the head (%s)", docker_errmsg(d));
	{
		static const char up[] = "HTTP/1.1 101 UPGRADED\r\n"
		    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

		memcpy(hij, up, sizeof(up) - 1);
		hn = sizeof(up) - 1;
	}
	hn += frame(hij + hn, 1, "to out");
	hn += frame(hij + hn, 2, "to err");
	errs[sizeof(errs) / sizeof(errs[0]) - 1].body = (const char *)hij;
	errs[sizeof(errs) / sizeof(errs[0]) - 1].body_len = hn;
	r = docker_container_attach(d, "ok", 1, &conn);
	ok(r == 0 && conn != NULL && docker_conn_fd(conn) >= 0,
	    "attach: upgraded");
	if (conn != NULL) {
		ok(docker_conn_drain(conn, 0, two_out, two_err, &t) == 0 &&
		    strcmp(cap_str(&t.out), "to out") == 0 &&
		    strcmp(cap_str(&t.err), "to err") == 0,
		    "attach: stream bytes after the head demultiplexed");
		docker_conn_free(conn);
	}
	two_free(&t);
	last = fake_engine_last(fe);
	ok(strstr(last, "POST /v1.41/containers/ok/attach?stream=1&stdin=1&"
	    "stdout=1&stderr=1\n") == last &&
	    strstr(last, "\nUpgrade: tcp\n") != NULL,
	    "attach: request asks for the upgrade");
	free(last);

	fake_engine_stop(fe);
	/* Nobody listening any more. */
	r = docker_ping(d);
	ok(r == DOCKER_ERR_CONNECT && docker_last_status(d) == 0 &&
	    strstr(docker_errmsg(d), sock) != NULL,
	    "no daemon: connect error naming the socket (%s)",
	    docker_errmsg(d));
	docker_free(d);
	rmdir(dir);
}

/* ---- deterministic mutation through the fake engine ----------------------- */

static unsigned int mut_seed = 12345;

static unsigned int
mut_rand(void)
{
	mut_seed = mut_seed * 1103515245u + 12345u;
	return (mut_seed >> 16) & 0x7fff;
}

/* Serve base, each time with a byte changed, a byte dropped or cut
 * short, to the call kind; every outcome must be 0 or an error with a
 * message, never a crash (ASan/UBSan watch). */
static int
mutate_run(struct fake_engine *fe, struct fake_route *rt, struct docker *d,
    const char *base, size_t blen, int kind, int rounds)
{
	char			*m;
	size_t			 n, pos;
	struct two		 t = { { 0 }, { 0 } };
	struct docker_conn	*conn;
	cJSON			*j;
	int			 i, r, bad = 0, e;
	long			 t0 = now_ms(), t1, worst = 0;

	m = malloc(blen + 1);
	for (i = 0; i < rounds; i++) {
		memcpy(m, base, blen);
		n = blen;
		pos = mut_rand() % blen;
		switch (i % 3) {
		case 0:
			m[pos] ^= (char)(1 << (mut_rand() % 8));
			break;
		case 1:
			m[pos] = (char)mut_rand();
			break;
		case 2:
			n = pos;
			break;
		}
		rt->body = m;
		rt->body_len = n == 0 ? 1 : n;
		fake_engine_routes(fe, rt, 1);
		switch (kind) {
		case 0:
			r = docker_container_logs(d, "m", &(struct
			    docker_logs_opts){ .tty = 0 }, two_out, two_err, &t);
			break;
		case 1:
			r = docker_info(d, &j);
			cJSON_Delete(j);
			break;
		case 2:
			r = docker_events(d, NULL, count_lines, &e);
			break;
		default:
			r = docker_container_attach(d, "m", 0, &conn);
			if (r == 0) {
				r = docker_conn_drain(conn, 0, two_out,
				    two_err, &t);
				docker_conn_free(conn);
			}
			break;
		}
		two_free(&t);
		t1 = now_ms();
		if (t1 - t0 > worst)
			worst = t1 - t0;
		t0 = t1;
		if (r > 0 || (r < 0 && docker_errmsg(d)[0] == '\0')) {
			diag("round %d: r=%d without message", i, r);
			bad++;
		}
	}
	free(m);
	diag("mutation kind %d: slowest round %ld ms", kind, worst);
	return bad;
}

static void
test_mutation(void)
{
	char			 dir[] = "/tmp/jnagent-mut.XXXXXX", sock[128];
	char			 host[160], base[512];
	struct fake_engine	*fe;
	struct fake_route	 rt = { NULL, "/", 0, NULL, NULL, 0, FAKE_RAW,
	    0 };
	struct docker		*d;
	unsigned char		 fr[64];
	size_t			 n, k;
	long			 t0 = now_ms();
	int			 bad = 0;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mutation: mkdtemp");
		return;
	}
	snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
	snprintf(host, sizeof(host), "unix://%s", sock);
	fe = fake_engine_start(sock, &rt, 1);
	d = docker_new();
	docker_set_host(d, host);
	docker_set_api_version(d, "1.41");
	docker_set_timeouts(d, 2000, 5000);

	/* Logs: chunked HTTP carrying two frames. */
	n = (size_t)snprintf(base, sizeof(base), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/vnd.docker.raw-stream\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	k = frame(fr, 1, "stdout bytes\n");
	k += frame(fr + k, 2, "stderr bytes\n");
	n += (size_t)snprintf(base + n, sizeof(base) - n, "%zx\r\n", k);
	memcpy(base + n, fr, k);
	n += k;
	memcpy(base + n, "\r\n0\r\n\r\n", 7);
	n += 7;
	bad += mutate_run(fe, &rt, d, base, n, 0, 100);
	/* JSON body with Content-Length. */
	n = (size_t)snprintf(base, sizeof(base), "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: 58\r\n\r\n"
	    "{\"ID\":\"x\",\"Containers\":3,\"Labels\":[\"a=b\"],\"Debug\":false}");
	bad += mutate_run(fe, &rt, d, base, n, 1, 100);
	/* JSON lines. */
	n = (size_t)snprintf(base, sizeof(base), "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3a\r\n"
	    "{\"Type\":\"container\",\"Action\":\"start\",\"id\":\"abc\"}\n"
	    "{}\n\r\n0\r\n\r\n");
	bad += mutate_run(fe, &rt, d, base, n, 2, 100);
	/* A hijacked stream. */
	n = (size_t)snprintf(base, sizeof(base), "HTTP/1.1 101 UPGRADED\r\n"
	    "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
	k = frame(fr, 1, "out");
	k += frame(fr + k, 2, "err");
	memcpy(base + n, fr, k);
	n += k;
	bad += mutate_run(fe, &rt, d, base, n, 3, 100);
	ok(bad == 0, "mutation: 400 mutated answers, each 0 or an error with "
	    "a message (%ld ms)", now_ms() - t0);
	docker_free(d);
	fake_engine_stop(fe);
	rmdir(dir);
}

/* ---- a real dockerd ----------------------------------------------------------- */

static const char *image = "jnagent-test:lib";

static ssize_t
file_read(void *arg, void *buf, size_t len)
{
	FILE	*f = arg;
	size_t	 n = fread(buf, 1, len, f);

	return ferror(f) ? -1 : (ssize_t)n;
}

struct evctx {
	const char	*id;
	int		 seen;
};

static int
ev_cb(void *arg, const cJSON *ev)
{
	struct evctx	*e = arg;
	const cJSON	*actor = cJSON_GetObjectItem(ev, "Actor");
	const cJSON	*id = cJSON_GetObjectItem(actor, "ID");
	const cJSON	*act = cJSON_GetObjectItem(ev, "Action");

	if (cJSON_IsString(id) && strcmp(id->valuestring, e->id) == 0 &&
	    cJSON_IsString(act) && strcmp(act->valuestring, "start") == 0) {
		e->seen = 1;
		return 1;
	}
	return 0;
}

static int
ev_never(void *arg, const cJSON *ev)
{
	return 0;
}

struct canceller {
	struct docker	*d;
	int		 r;
	long		 ms;
};

static void *
events_thread(void *arg)
{
	struct canceller		*c = arg;
	static const char *const	 f[] = { "type=volume", NULL };
	struct docker_events_opts	 o = { f, 0, 0, 20000 };
	long				 t0 = now_ms();

	c->r = docker_events(c->d, &o, ev_never, NULL);
	c->ms = now_ms() - t0;
	return NULL;
}

static int
has_id(const cJSON *list, const char *id)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, list) {
		const cJSON *v = cJSON_GetObjectItem(it, "Id");

		if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
			return 1;
	}
	return 0;
}

static void
test_daemon(const char *host)
{
	struct docker			*d, *d2;
	struct docker_conn		*conn;
	struct docker_container_config	 c = { 0 };
	struct docker_exec_config	 ec = { 0 };
	struct two			 t = { { 0 }, { 0 } };
	struct cap			 tar = { 0 };
	struct evctx			 ev;
	struct canceller		 cn;
	pthread_t			 thr;
	cJSON				*j;
	FILE				*f;
	char				*id = NULL, *img = NULL, *sleeper = NULL;
	char				*catid = NULL, *lab[3] = { 0 };
	char				*xid = NULL, *v1 = NULL, *v2 = NULL;
	char				 label[64], labkv[96], fname[128];
	char				*tb;
	const char			*data;
	const char			*labels[3];
	size_t				 tlen, dlen;
	long				 since;
	int				 r, code, running, i;
	static const char *const	 cmd3[] = { "sh", "-c",
	    "echo out; echo err >&2; exit 3", NULL };
	static const char *const	 sleep_cmd[] = { "sleep", "30", NULL };
	static const char *const	 cat_cmd[] = { "cat", NULL };
	static const char *const	 xcmd[] = { "sh", "-c",
	    "echo e1; echo e2 >&2; exit 5", NULL };
	static const char *const	 dcmd[] = { "sh", "-c",
	    "echo detached > /tmp/det", NULL };
	static const char *const	 tty_cmd[] = { "echo", "on a tty",
	    NULL };

	d = docker_new();
	ok(docker_set_host(d, host) == 0, "daemon: set_host %s", host);
	docker_set_timeouts(d, 5000, 30000);
	r = docker_negotiate(d);
	ok(r == 0 && docker_api_version(d) != NULL,
	    "daemon: negotiated API %s (%s)", docker_api_version(d) != NULL ?
	    docker_api_version(d) : "-", docker_errmsg(d));
	if (r != 0) {
		docker_free(d);
		return;
	}
	{
		int maj = 0, min = 0;

		sscanf(docker_api_version(d), "%d.%d", &maj, &min);
		ok(maj == 1 && min >= 24 && min <= 47,
		    "daemon: version >= 1.24 and <= 1.47");
	}
	ok(docker_ping(d) == 0, "daemon: ping");
	ok(docker_version(d, &j) == 0 && cJSON_GetObjectItem(j,
	    "ApiVersion") != NULL, "daemon: version");
	cJSON_Delete(j);
	ok(docker_info(d, &j) == 0 && cJSON_GetObjectItem(j, "ID") != NULL,
	    "daemon: info");
	cJSON_Delete(j);

	/* Image import and inspect. */
	f = fopen(getenv("DOCKER_TEST_ROOTFS"), "rb");
	ok(f != NULL, "rootfs tar present");
	if (f == NULL) {
		docker_free(d);
		return;
	}
	r = docker_image_import(d, "jnagent-test", "lib", file_read, f, NULL,
	    NULL, &img);
	fclose(f);
	ok(r == 0 && img != NULL && strncmp(img, "sha256:", 7) == 0,
	    "image import: %s (%s)", img ? img : "-", docker_errmsg(d));
	r = docker_image_inspect(d, image, &j);
	ok(r == 0 && strcmp(cJSON_GetObjectItem(j, "Id")->valuestring,
	    img) == 0, "image inspect: same id");
	cJSON_Delete(j);
	r = docker_image_inspect(d, "jnagent-no-such-image:1", &j);
	ok(r == DOCKER_ERR_DAEMON && j == NULL &&
	    docker_last_status(d) == 404 &&
	    strcasestr(docker_errmsg(d), "no such image") != NULL,
	    "inspect missing image: 404 \"%s\"", docker_errmsg(d));
	c.image = "Bad::Name";
	r = docker_container_create(d, &c, NULL, &id);
	ok(r == DOCKER_ERR_DAEMON && id == NULL &&
	    docker_last_status(d) >= 400 && docker_errmsg(d)[0] != '\0',
	    "create with a bad image name: %d \"%s\"", docker_last_status(d),
	    docker_errmsg(d));
	/* Pulling from a registry that is not there (loopback, port 1). */
	r = docker_image_pull(d, "127.0.0.1:1/nothing", "x", NULL, NULL,
	    NULL);
	ok(r == DOCKER_ERR_DAEMON && docker_errmsg(d)[0] != '\0',
	    "pull from a dead registry: \"%.80s\"", docker_errmsg(d));

	/* Run: create, start, wait, logs. */
	snprintf(label, sizeof(label), "jnagent.test.run=%ld", (long)getpid());
	snprintf(labkv, sizeof(labkv), "%s", label);
	labels[0] = labkv;
	labels[1] = NULL;
	memset(&c, 0, sizeof(c));
	c.image = image;
	c.cmd = cmd3;
	c.network_mode = "none";
	c.labels = labels;
	since = (long)time(NULL) - 1;
	r = docker_container_create(d, &c, NULL, &id);
	ok(r == 0 && id != NULL && strlen(id) == 64,
	    "container create (%s)", docker_errmsg(d));
	ok(docker_container_start(d, id) == 0, "container start (%s)",
	    docker_errmsg(d));
	ok(docker_container_wait(d, id, NULL, &code) == 0 && code == 3,
	    "container wait: exit code %d", code);
	ok(docker_container_logs(d, id, NULL, two_out, two_err, &t) == 0 &&
	    strcmp(cap_str(&t.out), "out\n") == 0 &&
	    strcmp(cap_str(&t.err), "err\n") == 0,
	    "logs demultiplexed: \"out\\n\" on stdout, \"err\\n\" on stderr");
	two_free(&t);
	{
		struct docker_logs_opts lo = { .no_stdout = 1, .tty = 0 };

		ok(docker_container_logs(d, id, &lo, two_out, two_err,
		    &t) == 0 && t.out.len == 0 &&
		    strcmp(cap_str(&t.err), "err\n") == 0,
		    "logs: stderr only");
		two_free(&t);
	}
	ok(docker_container_start(d, id) == 0 &&
	    docker_container_wait(d, id, NULL, &code) == 0 && code == 3,
	    "container restart and wait again");

	/* Events since before the start: sees it, stops on the callback. */
	{
		static char	 fl[3][128];
		const char	*filters[4];
		struct docker_events_opts eo = { 0 };

		snprintf(fl[0], sizeof(fl[0]), "type=container");
		snprintf(fl[1], sizeof(fl[1]), "event=start");
		snprintf(fl[2], sizeof(fl[2]), "label=%s", label);
		for (i = 0; i < 3; i++)
			filters[i] = fl[i];
		filters[3] = NULL;
		eo.filters = filters;
		eo.since = since;
		eo.timeout_ms = 10000;
		ev.id = id;
		ev.seen = 0;
		r = docker_events(d, &eo, ev_cb, &ev);
		ok(r == 0 && ev.seen, "events: container start seen (%s)",
		    docker_errmsg(d));
		eo.since = 0;
		eo.timeout_ms = 700;
		r = docker_events(d, &eo, ev_never, NULL);
		ok(r == DOCKER_ERR_TIMEOUT, "events: timeout ends the stream");
	}
	free(id);
	id = NULL;
	cn.d = docker_new();
	docker_set_host(cn.d, host);
	cn.r = 1;
	pthread_create(&thr, NULL, events_thread, &cn);
	usleep(300000);
	docker_cancel(cn.d);
	pthread_join(thr, NULL);
	ok(cn.r == DOCKER_ERR_CANCELLED && cn.ms < 3000,
	    "events: docker_cancel from another thread stops it (%ld ms)",
	    cn.ms);
	ok(docker_ping(cn.d) == DOCKER_ERR_CANCELLED,
	    "cancel sticks until cleared");
	docker_cancel_clear(cn.d);
	ok(docker_ping(cn.d) == 0, "cancel cleared");
	docker_free(cn.d);

	/* A TTY container: raw log stream. */
	memset(&c, 0, sizeof(c));
	c.image = image;
	c.cmd = tty_cmd;
	c.network_mode = "none";
	c.tty = 1;
	c.labels = labels;
	r = docker_container_create(d, &c, NULL, &xid);
	ok(r == 0 && docker_container_start(d, xid) == 0 &&
	    docker_container_wait(d, xid, NULL, &code) == 0 && code == 0,
	    "tty container ran");
	ok(docker_container_logs(d, xid, NULL, two_out, two_err, &t) == 0 &&
	    strstr(cap_str(&t.out), "on a tty") != NULL && t.err.len == 0,
	    "logs of a tty container: raw to out");
	two_free(&t);
	free(xid);
	xid = NULL;

	/* A long runner for exec, archive, kill. */
	memset(&c, 0, sizeof(c));
	c.image = image;
	c.cmd = sleep_cmd;
	c.network_mode = "none";
	c.labels = labels;
	c.working_dir = "/tmp";
	r = docker_container_create(d, &c, "jnagent-test-sleeper", &sleeper);
	ok(r == 0 && docker_container_start(d, sleeper) == 0,
	    "sleeper started (%s)", docker_errmsg(d));
	ok(docker_container_start(d, sleeper) == 0,
	    "start of a running container (304) is not an error");
	r = docker_container_create(d, &c, "jnagent-test-sleeper", &id);
	ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 409,
	    "name conflict: 409 \"%.60s\"", docker_errmsg(d));
	free(id);
	id = NULL;

	ec.cmd = xcmd;
	r = docker_exec_create(d, sleeper, &ec, &xid);
	ok(r == 0 && xid != NULL, "exec create");
	r = docker_exec_start(d, xid, 0, &conn);
	ok(r == 0 && conn != NULL, "exec start (attached)");
	if (conn != NULL) {
		ok(docker_conn_drain(conn, 0, two_out, two_err, &t) == 0 &&
		    strcmp(cap_str(&t.out), "e1\n") == 0 &&
		    strcmp(cap_str(&t.err), "e2\n") == 0,
		    "exec output demultiplexed");
		docker_conn_free(conn);
	}
	two_free(&t);
	for (i = 0; i < 50; i++) {
		r = docker_exec_inspect(d, xid, &running, &code);
		if (r != 0 || !running)
			break;
		usleep(100000);
	}
	ok(r == 0 && !running && code == 5, "exec inspect: exit code %d",
	    code);
	free(xid);
	xid = NULL;
	memset(&ec, 0, sizeof(ec));
	ec.cmd = dcmd;
	ec.no_attach = 1;
	ok(docker_exec_create(d, sleeper, &ec, &xid) == 0 &&
	    docker_exec_start_detached(d, xid, 0) == 0, "exec detached");
	for (i = 0; i < 50; i++) {
		r = docker_exec_inspect(d, xid, &running, &code);
		if (r != 0 || !running)
			break;
		usleep(100000);
	}
	ok(r == 0 && !running && code == 0, "detached exec finished: %d",
	    code);
	free(xid);
	xid = NULL;

	/* Archive put then get. */
	snprintf(fname, sizeof(fname), "hello-%ld.txt", (long)getpid());
	tar_one(fname, "round trip\n", 11, &tb, &tlen);
	ok(docker_archive_put_buf(d, sleeper, "/tmp", tb, tlen) == 0,
	    "archive put (%s)", docker_errmsg(d));
	free(tb);
	{
		char	path[160], got[128];

		snprintf(path, sizeof(path), "/tmp/%s", fname);
		r = docker_archive_get(d, sleeper, path, cap_add, &tar);
		ok(r == 0 && tar_first(tar.p, tar.len, got, sizeof(got), &data,
		    &dlen) == 0 && strcmp(got, fname) == 0 && dlen == 11 &&
		    memcmp(data, "round trip\n", 11) == 0,
		    "archive get: same file back");
		cap_free(&tar);
		r = docker_archive_get(d, sleeper, "/tmp/det", cap_add, &tar);
		ok(r == 0 && tar_first(tar.p, tar.len, got, sizeof(got), &data,
		    &dlen) == 0 && dlen == 9 && memcmp(data, "detached\n",
		    9) == 0, "archive get: the detached exec's file");
		cap_free(&tar);
		r = docker_archive_get(d, sleeper, "/no/such", cap_add, &tar);
		ok(r == DOCKER_ERR_DAEMON && docker_last_status(d) == 404,
		    "archive get of a missing path: 404 \"%.60s\"",
		    docker_errmsg(d));
		cap_free(&tar);
	}

	/* Attach with stdin. */
	memset(&c, 0, sizeof(c));
	c.image = image;
	c.cmd = cat_cmd;
	c.network_mode = "none";
	c.open_stdin = 1;
	c.labels = labels;
	r = docker_container_create(d, &c, NULL, &catid);
	ok(r == 0, "cat container created");
	r = docker_container_attach(d, catid, 1, &conn);
	ok(r == 0 && conn != NULL, "attach (%s)", docker_errmsg(d));
	if (conn != NULL) {
		ok(docker_container_start(d, catid) == 0 &&
		    docker_conn_send(conn, "through stdin\n", 14) == 0 &&
		    docker_conn_close_write(conn) == 0,
		    "attach: started, stdin sent and closed");
		ok(docker_conn_drain(conn, 0, two_out, two_err, &t) == 0 &&
		    strcmp(cap_str(&t.out), "through stdin\n") == 0,
		    "attach: stdin echoed back on stdout");
		docker_conn_free(conn);
		ok(docker_container_wait(d, catid, NULL, &code) == 0 &&
		    code == 0, "cat exited 0");
	}
	two_free(&t);

	/* List by label: exactly the labelled ones. */
	for (i = 0; i < 2; i++) {
		struct docker_container_config lc = { 0 };
		const char *ll[2];
		static char lv[2][96];

		snprintf(lv[i], sizeof(lv[i]), "jnagent.test.list=%ld",
		    (long)getpid());
		ll[0] = lv[i];
		ll[1] = NULL;
		lc.image = image;
		lc.cmd = sleep_cmd;
		lc.network_mode = "none";
		lc.labels = ll;
		if (docker_container_create(d, &lc, NULL, &lab[i]) != 0)
			diag("create: %s", docker_errmsg(d));
	}
	{
		char		 lv[96];
		const char	*ll[2] = { lv, NULL };

		snprintf(lv, sizeof(lv), "jnagent.test.list=%ld",
		    (long)getpid());
		r = docker_container_list(d, ll, 1, &j);
		ok(r == 0 && cJSON_GetArraySize(j) == 2 && has_id(j, lab[0]) &&
		    has_id(j, lab[1]) && !has_id(j, sleeper),
		    "list by label: exactly the 2 labelled containers");
		cJSON_Delete(j);
		r = docker_container_list(d, ll, 0, &j);
		ok(r == 0 && cJSON_GetArraySize(j) == 0,
		    "list by label, running only: none");
		cJSON_Delete(j);
		r = docker_container_list(d, NULL, 0, &j);
		ok(r == 0 && has_id(j, sleeper) && !has_id(j, lab[0]),
		    "list without filter: the running sleeper");
		cJSON_Delete(j);
	}

	/* Kill, stop, remove. */
	ok(docker_container_kill(d, sleeper, "KILL") == 0 &&
	    docker_container_wait(d, sleeper, NULL, &code) == 0 &&
	    code == 137, "kill: exit code %d", code);
	ok(docker_container_kill(d, sleeper, NULL) == DOCKER_ERR_DAEMON &&
	    docker_last_status(d) == 409,
	    "kill of a stopped container: 409 \"%.60s\"", docker_errmsg(d));
	ok(docker_container_start(d, lab[0]) == 0 &&
	    docker_container_stop(d, lab[0], 1) == 0 &&
	    docker_container_inspect(d, lab[0], &j) == 0 &&
	    !cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "State"),
	    "Running")), "stop with timeout");
	cJSON_Delete(j);
	ok(docker_container_stop(d, lab[0], 1) == 0,
	    "stop of a stopped container (304) is not an error");
	ok(docker_container_start(d, lab[1]) == 0 &&
	    docker_container_remove(d, lab[1], 0, 0) == DOCKER_ERR_DAEMON &&
	    docker_last_status(d) == 409,
	    "remove of a running container without force: 409");
	ok(docker_container_remove(d, lab[1], 1, 1) == 0,
	    "remove with force and volumes");
	ok(docker_container_inspect(d, lab[1], &j) == DOCKER_ERR_DAEMON &&
	    docker_last_status(d) == 404, "removed container is gone");
	{
		char		 lv[96];
		const char	*ll[2] = { lv, NULL };
		cJSON		*all = NULL, *it;
		int		 bad = 0;

		snprintf(lv, sizeof(lv), "jnagent.test.run=%ld",
		    (long)getpid());
		r = docker_container_list(d, ll, 1, &all);
		cJSON_ArrayForEach(it, all) {
			if (docker_container_remove(d, cJSON_GetObjectItem(it,
			    "Id")->valuestring, 1, 1) != 0)
				bad++;
		}
		ok(r == 0 && cJSON_GetArraySize(all) >= 4 && bad == 0,
		    "removed the %d run containers", cJSON_GetArraySize(all));
		cJSON_Delete(all);
		ok(docker_container_remove(d, lab[0], 1, 1) == 0,
		    "removed the last list container");
	}

	/* An auto-remove container, waited with condition=removed. */
	memset(&c, 0, sizeof(c));
	c.image = image;
	c.cmd = cmd3;
	c.network_mode = "none";
	c.auto_remove = 1;
	r = docker_container_create(d, &c, NULL, &id);
	d2 = docker_new();
	docker_set_host(d2, host);
	ok(r == 0 && docker_container_start(d, id) == 0 &&
	    docker_container_wait(d2, id, "removed", &code) == 0 &&
	    (code == 3 || code == 0), "auto-remove container waited until "
	    "removed (%s)", docker_errmsg(d2));
	ok(docker_container_inspect(d, id, &j) == DOCKER_ERR_DAEMON &&
	    docker_last_status(d) == 404, "auto-removed container is gone");
	docker_free(d2);

	/* Volumes by label. */
	{
		char		 lv[96];
		const char	*vl[2] = { lv, NULL };

		snprintf(lv, sizeof(lv), "jnagent.test.vol=%ld",
		    (long)getpid());
		ok(docker_volume_create(d, NULL, vl, &v1) == 0 && v1 != NULL &&
		    docker_volume_create(d, "jnagent-test-vol", vl, &v2) == 0 &&
		    strcmp(v2, "jnagent-test-vol") == 0, "volume create x2");
		r = docker_volume_list(d, vl, &j);
		ok(r == 0 && cJSON_GetArraySize(j) == 2, "volume list by label:"
		    " %d", cJSON_GetArraySize(j));
		cJSON_Delete(j);
		ok(docker_volume_remove(d, v1, 0) == 0 &&
		    docker_volume_remove(d, v2, 1) == 0, "volume remove");
		r = docker_volume_list(d, vl, &j);
		ok(r == 0 && cJSON_IsArray(j) && cJSON_GetArraySize(j) == 0,
		    "volume list after remove: empty array");
		cJSON_Delete(j);
		ok(docker_volume_remove(d, v1, 0) == DOCKER_ERR_DAEMON &&
		    docker_last_status(d) == 404, "volume remove twice: 404");
	}


	free(img);
	free(id);
	free(sleeper);
	free(catid);
	free(lab[0]);
	free(lab[1]);
	free(v1);
	free(v2);
	docker_free(d);
}

static void
test_tls(const char *host, const char *certs)
{
	struct docker	*d;
	char		 p[512];
	cJSON		*j;
	int		 r;

	d = docker_new();
	snprintf(p, sizeof(p), "%s/client", certs);
	setenv("DOCKER_HOST", host, 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", p, 1);
	ok(docker_config_env(d) == 0, "tls: config from DOCKER_* env");
	unsetenv("DOCKER_HOST");
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	r = docker_version(d, &j);
	ok(r == 0 && docker_api_version(d) != NULL,
	    "tls: negotiated %s over %s with client cert (%s)",
	    docker_api_version(d) ? docker_api_version(d) : "-", host,
	    docker_errmsg(d));
	cJSON_Delete(j);
	{
		/* A hijacked stream over TLS: attach, send a line, read. */
		static const char *const rl[] = { "sh", "-c",
		    "read l; echo got $l; echo bye >&2", NULL };
		struct docker_container_config	 c = { 0 };
		struct docker_conn		*conn = NULL;
		struct two			 t = { { 0 }, { 0 } };
		char				*id = NULL;
		int				 code = -1;

		c.image = image;
		c.cmd = rl;
		c.network_mode = "none";
		c.open_stdin = 1;
		r = docker_container_create(d, &c, NULL, &id);
		ok(r == 0 && docker_container_attach(d, id, 1, &conn) == 0 &&
		    docker_container_start(d, id) == 0,
		    "tls: container created, attached, started (%s)",
		    docker_errmsg(d));
		if (conn != NULL) {
			ok(docker_conn_send(conn, "line\n", 5) == 0 &&
			    docker_conn_close_write(conn) == DOCKER_ERR_INVAL &&
			    docker_conn_drain(conn, 0, two_out, two_err,
			    &t) == 0 && strcmp(cap_str(&t.out),
			    "got line\n") == 0 && strcmp(cap_str(&t.err),
			    "bye\n") == 0, "tls: attached stream both ways");
			docker_conn_free(conn);
		}
		ok(docker_container_wait(d, id, NULL, &code) == 0 &&
		    code == 0 && docker_container_remove(d, id, 1, 1) == 0,
		    "tls: wait and remove");
		two_free(&t);
		free(id);
	}
	docker_free(d);

	d = docker_new();
	snprintf(p, sizeof(p), "%s/noclient", certs);
	docker_set_tls(d, 1, 1, p);
	docker_set_host(d, host);
	docker_set_timeouts(d, 3000, 5000);
	r = docker_ping(d);
	ok(r == DOCKER_ERR_CONNECT && docker_errmsg(d)[0] != '\0',
	    "tls: no client certificate refused (%.80s)", docker_errmsg(d));
	docker_free(d);

	d = docker_new();
	docker_set_tls(d, 0, 0, NULL);
	docker_set_host(d, host);
	docker_set_timeouts(d, 3000, 5000);
	r = docker_ping(d);
	ok(r != 0, "tls: plain HTTP to the TLS port fails (%.80s)",
	    docker_errmsg(d));
	docker_free(d);
}

static void
test_image_remove(const char *host)
{
	struct docker	*d = docker_new();
	cJSON		*j;

	docker_set_host(d, host);
	ok(docker_image_remove(d, image, 1, 0) == 0, "image remove");
	ok(docker_image_inspect(d, image, &j) == DOCKER_ERR_DAEMON &&
	    docker_last_status(d) == 404, "removed image is gone");
	docker_free(d);
}

int
main(void)
{
	const char	*host = getenv("DOCKER_TEST_HOST");
	const char	*skip = getenv("DOCKER_TEST_SKIP");
	const char	*tls = getenv("DOCKER_TEST_TLS_HOST");
	long		 t0 = now_ms();

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (docker_global_init() != 0)
		skip_all("libcurl init failed");
	test_host_parse();
	test_demux();
	test_bodies();
	test_fake();
	test_mutation();
	diag("offline part: %ld ms", now_ms() - t0);
	if (host != NULL && *host != '\0') {
		test_daemon(host);
		diag("daemon part: %ld ms", now_ms() - t0);
		if (tls != NULL && *tls != '\0')
			test_tls(tls, getenv("DOCKER_TEST_CERTS"));
		else
			ok(1, "# SKIP no TLS listener (openssl missing?)");
		test_image_remove(host);
	} else
		ok(1, "# SKIP no dockerd: %s", skip != NULL && *skip != '\0' ?
		    skip : "DOCKER_TEST_HOST unset (run test_docker.sh)");
	diag("%ld ms", now_ms() - t0);
	docker_global_cleanup();
	return done_testing();
}
