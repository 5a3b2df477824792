/*
 * api.c: the Engine API calls (system, images, containers, exec, volumes,
 * events), each one request through docker_request().  Paths follow the
 * Engine API reference (v1.25 .. v1.47); only members present since 1.25
 * are sent, so one body fits every negotiated version.
 */
#include <stdlib.h>
#include <string.h>

#include "docker/internal.h"

/* Run r on the path built in *path (freed here). */
static int
run(struct docker *d, struct docker_req *r, struct sbuf *path)
{
	int	ret;

	if (path->err != 0)
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	else {
		r->path = path->p;
		ret = docker_request(d, r);
	}
	sbuf_free(path);
	return ret;
}

static int
bad_arg(struct docker *d, const char *what)
{
	return docker_seterr(d, DOCKER_ERR_INVAL, "%s missing", what);
}

/* GET path -> *out. */
static int
get_json(struct docker *d, struct sbuf *path, cJSON **out)
{
	struct docker_req	r;
	int			ret;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.sink = SINK_JSON;
	if ((ret = run(d, &r, path)) == 0)
		*out = r.json;
	return ret;
}

/* method path, no body, body ignored. */
static int
simple(struct docker *d, const char *method, struct sbuf *path, int stream)
{
	struct docker_req	r;

	memset(&r, 0, sizeof(r));
	r.method = method;
	r.sink = SINK_DISCARD;
	r.stream = stream;
	return run(d, &r, path);
}

/* POST a JSON body, parse the answer into *out (may be NULL). */
static int
post_json(struct docker *d, struct sbuf *path, const char *body,
    cJSON **out)
{
	struct docker_req	r;
	int			ret;

	if (out != NULL)
		*out = NULL;
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.body = body;
	r.body_len = body != NULL ? strlen(body) : 0;
	r.content_type = "application/json";
	r.sink = out != NULL ? SINK_JSON : SINK_DISCARD;
	if ((ret = run(d, &r, path)) == 0 && out != NULL)
		*out = r.json;
	return ret;
}

/* Copy the string member name of j to *out (caller frees). */
static int
take_str(struct docker *d, cJSON *j, const char *name, char **out)
{
	const char	*s;

	if ((s = docker_json_str(j, name)) == NULL || *s == '\0')
		return docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "answer has no \"%s\"", name);
	if ((*out = strdup(s)) == NULL)
		return docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	return 0;
}

/* ---- system ------------------------------------------------------------ */

int
docker_ping(struct docker *d)
{
	struct docker_req	r;
	int			ret;

	docker_begin(d);
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.path = "/_ping";
	r.sink = SINK_TEXT;
	if ((ret = docker_request(d, &r)) != 0)
		return ret;
	if (strcmp(r.text, "OK") != 0)
		ret = docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "/_ping answered something else than OK");
	free(r.text);
	return ret;
}

int
docker_version(struct docker *d, cJSON **out)
{
	struct sbuf	p = { 0 };
	int		r;

	*out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	sbuf_api(&p, d, "/version");
	return get_json(d, &p, out);
}

int
docker_info(struct docker *d, cJSON **out)
{
	struct sbuf	p = { 0 };
	int		r;

	*out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	sbuf_api(&p, d, "/info");
	return get_json(d, &p, out);
}

/* ---- images ------------------------------------------------------------ */

int
docker_image_inspect(struct docker *d, const char *name, cJSON **out)
{
	struct sbuf	p = { 0 };
	int		r;

	*out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	if (name == NULL || *name == '\0')
		return bad_arg(d, "image name");
	sbuf_api(&p, d, "/images/");
	sbuf_add_path(&p, name);
	sbuf_add(&p, "/json");
	return get_json(d, &p, out);
}

int
docker_image_pull(struct docker *d, const char *image, const char *tag,
    const struct docker_auth *auth, docker_json_cb progress, void *arg)
{
	struct docker_req	 r;
	struct sbuf		 p = { 0 }, h = { 0 };
	char			*a = NULL;
	int			 ret;

	if ((ret = docker_ready(d)) != 0)
		return ret;
	if (image == NULL || *image == '\0')
		return bad_arg(d, "image name");
	sbuf_api(&p, d, "/images/create?fromImage=");
	sbuf_add_query(&p, image);
	if (tag != NULL && *tag != '\0') {
		sbuf_add(&p, "&tag=");
		sbuf_add_query(&p, tag);
	}
	memset(&r, 0, sizeof(r));
	if (auth != NULL) {
		if ((a = docker_auth_encode(auth)) == NULL) {
			sbuf_free(&p);
			return docker_seterr(d, DOCKER_ERR_NOMEM,
			    "out of memory");
		}
		sbuf_add(&h, "X-Registry-Auth: ");
		sbuf_add(&h, a);
		r.extra_header = h.p;
	}
	r.method = "POST";
	r.sink = SINK_LINES;
	r.line = progress;
	r.line_arg = arg;
	r.line_errors = 1;
	r.stream = 1;
	if (h.err != 0) {
		sbuf_free(&p);
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	} else
		ret = run(d, &r, &p);
	if (a != NULL) {
		memset(a, 0, strlen(a));
		free(a);
	}
	if (h.p != NULL)
		memset(h.p, 0, h.len);
	sbuf_free(&h);
	return ret;
}

struct import_ctx {
	docker_json_cb	 progress;
	void		*arg;
	char		*id;
	int		 nomem;
};

static int
import_line(void *arg, const cJSON *obj)
{
	struct import_ctx	*ic = arg;
	const char		*s;

	/* The last {"status":"sha256:..."} names the new image. */
	if ((s = docker_json_str(obj, "status")) != NULL &&
	    strncmp(s, "sha256:", 7) == 0) {
		free(ic->id);
		if ((ic->id = strdup(s)) == NULL)
			ic->nomem = 1;
	}
	return ic->progress != NULL ? ic->progress(ic->arg, obj) : 0;
}

int
docker_image_import(struct docker *d, const char *repo, const char *tag,
    docker_read_cb src, void *src_arg, docker_json_cb progress, void *arg,
    char **id)
{
	struct docker_req	r;
	struct sbuf		p = { 0 };
	struct import_ctx	ic = { progress, arg, NULL, 0 };
	int			ret;

	if (id != NULL)
		*id = NULL;
	if ((ret = docker_ready(d)) != 0)
		return ret;
	if (src == NULL)
		return bad_arg(d, "tar source");
	sbuf_api(&p, d, "/images/create?fromSrc=-");
	if (repo != NULL && *repo != '\0') {
		sbuf_add(&p, "&repo=");
		sbuf_add_query(&p, repo);
	}
	if (tag != NULL && *tag != '\0') {
		sbuf_add(&p, "&tag=");
		sbuf_add_query(&p, tag);
	}
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.src = src;
	r.src_arg = src_arg;
	r.content_type = "application/x-tar";
	r.sink = SINK_LINES;
	r.line = import_line;
	r.line_arg = &ic;
	r.line_errors = 1;
	r.stream = 1;
	ret = run(d, &r, &p);
	if (ret == 0 && ic.nomem)
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	if (ret == 0 && ic.id == NULL && id != NULL)
		ret = docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "import answered no image id");
	if (ret == 0 && id != NULL) {
		*id = ic.id;
		ic.id = NULL;
	}
	free(ic.id);
	return ret;
}

int
docker_image_remove(struct docker *d, const char *name, int force,
    int noprune)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = docker_ready(d)) != 0)
		return r;
	if (name == NULL || *name == '\0')
		return bad_arg(d, "image name");
	sbuf_api(&p, d, "/images/");
	sbuf_add_path(&p, name);
	sbuf_addf(&p, "?force=%d&noprune=%d", force != 0, noprune != 0);
	return simple(d, "DELETE", &p, 0);
}

/* ---- containers ------------------------------------------------------- */

/* Start "/v<api>/containers/<id>" after checking id. */
static int
container_path(struct docker *d, struct sbuf *p, const char *id)
{
	int	r;

	if ((r = docker_ready(d)) != 0)
		return r;
	if (id == NULL || *id == '\0')
		return bad_arg(d, "container id");
	sbuf_api(p, d, "/containers/");
	sbuf_add_path(p, id);
	return 0;
}

int
docker_container_create(struct docker *d,
    const struct docker_container_config *cfg, const char *name, char **id)
{
	struct sbuf	 p = { 0 };
	char		*body;
	cJSON		*j;
	int		 r;

	*id = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	if ((r = docker_container_config_json(cfg, &body)) != 0)
		return docker_seterr(d, r, r == DOCKER_ERR_INVAL ?
		    "bad container config (image missing or bad device)" :
		    "out of memory");
	sbuf_api(&p, d, "/containers/create");
	if (name != NULL && *name != '\0') {
		sbuf_add(&p, "?name=");
		sbuf_add_query(&p, name);
	}
	r = post_json(d, &p, body, &j);
	free(body);
	if (r != 0)
		return r;
	r = take_str(d, j, "Id", id);
	cJSON_Delete(j);
	return r;
}

/* 304 Not Modified: already in the wanted state. */
static int
not_modified_ok(struct docker *d, int r)
{
	if (r == DOCKER_ERR_DAEMON && d->status == 304) {
		d->errmsg[0] = '\0';
		return 0;
	}
	return r;
}

int
docker_container_start(struct docker *d, const char *id)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = container_path(d, &p, id)) != 0)
		return r;
	sbuf_add(&p, "/start");
	return not_modified_ok(d, post_json(d, &p, NULL, NULL));
}

int
docker_container_inspect(struct docker *d, const char *id, cJSON **out)
{
	struct sbuf	p = { 0 };
	int		r;

	*out = NULL;
	if ((r = container_path(d, &p, id)) != 0)
		return r;
	sbuf_add(&p, "/json");
	return get_json(d, &p, out);
}

int
docker_container_wait(struct docker *d, const char *id,
    const char *condition, int *exit_code)
{
	struct docker_req	 r;
	struct sbuf		 p = { 0 };
	const cJSON		*sc, *e;
	const char		*m;
	int			 ret;

	*exit_code = -1;
	if ((ret = container_path(d, &p, id)) != 0)
		return ret;
	sbuf_add(&p, "/wait");
	if (condition != NULL) {
		sbuf_add(&p, "?condition=");
		sbuf_add_query(&p, condition);
	}
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.sink = SINK_JSON;
	r.stream = 1;
	if ((ret = run(d, &r, &p)) != 0)
		return ret;
	sc = cJSON_GetObjectItemCaseSensitive(r.json, "StatusCode");
	if (!cJSON_IsNumber(sc)) {
		cJSON_Delete(r.json);
		return docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "wait answered no StatusCode");
	}
	*exit_code = sc->valuedouble < -2147483648.0 ||
	    sc->valuedouble > 2147483647.0 ? -1 : (int)sc->valuedouble;
	e = cJSON_GetObjectItemCaseSensitive(r.json, "Error");
	if ((m = docker_json_str(e, "Message")) != NULL && *m != '\0') {
		docker_clean_text(d->errmsg, sizeof(d->errmsg), m, strlen(m));
		ret = DOCKER_ERR_DAEMON;
	}
	cJSON_Delete(r.json);
	return ret;
}

int
docker_container_kill(struct docker *d, const char *id, const char *sig)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = container_path(d, &p, id)) != 0)
		return r;
	sbuf_add(&p, "/kill");
	if (sig != NULL && *sig != '\0') {
		sbuf_add(&p, "?signal=");
		sbuf_add_query(&p, sig);
	}
	return post_json(d, &p, NULL, NULL);
}

int
docker_container_stop(struct docker *d, const char *id, int timeout_s)
{
	struct docker_req	r;
	struct sbuf		p = { 0 };
	int			ret;

	if ((ret = container_path(d, &p, id)) != 0)
		return ret;
	sbuf_add(&p, "/stop");
	if (timeout_s >= 0)
		sbuf_addf(&p, "?t=%d", timeout_s);
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.sink = SINK_DISCARD;
	r.stream = 1;		/* takes as long as the container needs */
	return not_modified_ok(d, run(d, &r, &p));
}

int
docker_container_remove(struct docker *d, const char *id, int force,
    int volumes)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = container_path(d, &p, id)) != 0)
		return r;
	sbuf_addf(&p, "?force=%d&v=%d", force != 0, volumes != 0);
	return simple(d, "DELETE", &p, 0);
}

int
docker_container_list(struct docker *d, const char *const *labels, int all,
    cJSON **out)
{
	struct sbuf	p = { 0 };
	int		r;

	*out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	sbuf_api(&p, d, "/containers/json?all=%d&", all != 0);
	if ((r = docker_label_filters(&p, "label", labels)) != 0) {
		sbuf_free(&p);
		return docker_seterr(d, r, "out of memory");
	}
	if ((r = get_json(d, &p, out)) == 0 && !cJSON_IsArray(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		r = docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "container list is not an array");
	}
	return r;
}

int
docker_container_logs(struct docker *d, const char *id,
    const struct docker_logs_opts *o, docker_data_cb out, docker_data_cb err,
    void *arg)
{
	static const struct docker_logs_opts defaults = { .tty = -1 };
	struct docker_demux	 dm;
	struct docker_req	 r;
	struct sbuf		 p = { 0 };
	cJSON			*j;
	const cJSON		*cfg;
	int			 ret, tty;

	if (o == NULL)
		o = &defaults;
	if ((ret = container_path(d, &p, id)) != 0)
		return ret;
	tty = o->tty;
	if (tty < 0) {
		sbuf_free(&p);
		if ((ret = docker_container_inspect(d, id, &j)) != 0)
			return ret;
		cfg = cJSON_GetObjectItemCaseSensitive(j, "Config");
		tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg,
		    "Tty"));
		cJSON_Delete(j);
		if ((ret = container_path(d, &p, id)) != 0)
			return ret;
	}
	sbuf_addf(&p, "/logs?stdout=%d&stderr=%d&follow=%d&timestamps=%d",
	    !o->no_stdout, !o->no_stderr, o->follow != 0, o->timestamps != 0);
	if (o->since > 0)
		sbuf_addf(&p, "&since=%ld", o->since);
	if (o->tail > 0)
		sbuf_addf(&p, "&tail=%d", o->tail);
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.stream = 1;
	if (tty) {
		r.sink = SINK_DATA;
		r.data = out;
		r.data_arg = arg;
	} else {
		docker_demux_init(&dm, out, err, arg);
		r.sink = SINK_DEMUX;
		r.demux = &dm;
	}
	return run(d, &r, &p);
}

/* ---- archives ---------------------------------------------------------- */

int
docker_archive_get(struct docker *d, const char *id, const char *path,
    docker_data_cb cb, void *arg)
{
	struct docker_req	r;
	struct sbuf		p = { 0 };
	int			ret;

	if ((ret = container_path(d, &p, id)) != 0)
		return ret;
	if (path == NULL || *path == '\0') {
		sbuf_free(&p);
		return bad_arg(d, "archive path");
	}
	sbuf_add(&p, "/archive?path=");
	sbuf_add_query(&p, path);
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.sink = SINK_DATA;
	r.data = cb;
	r.data_arg = arg;
	r.stream = 1;
	return run(d, &r, &p);
}

int
docker_archive_put(struct docker *d, const char *id, const char *path,
    docker_read_cb src, void *arg)
{
	struct docker_req	r;
	struct sbuf		p = { 0 };
	int			ret;

	if ((ret = container_path(d, &p, id)) != 0)
		return ret;
	if (path == NULL || *path == '\0' || src == NULL) {
		sbuf_free(&p);
		return bad_arg(d, "archive path or source");
	}
	sbuf_add(&p, "/archive?path=");
	sbuf_add_query(&p, path);
	memset(&r, 0, sizeof(r));
	r.method = "PUT";
	r.src = src;
	r.src_arg = arg;
	r.content_type = "application/x-tar";
	r.sink = SINK_DISCARD;
	r.stream = 1;
	return run(d, &r, &p);
}

struct membuf {
	const unsigned char	*p;
	size_t			 left;
};

static ssize_t
membuf_read(void *arg, void *buf, size_t len)
{
	struct membuf	*m = arg;

	if (len > m->left)
		len = m->left;
	memcpy(buf, m->p, len);
	m->p += len;
	m->left -= len;
	return (ssize_t)len;
}

int
docker_archive_put_buf(struct docker *d, const char *id, const char *path,
    const void *buf, size_t len)
{
	struct membuf	m = { buf, len };

	return docker_archive_put(d, id, path, membuf_read, &m);
}

/* ---- exec --------------------------------------------------------------- */

int
docker_exec_create(struct docker *d, const char *id,
    const struct docker_exec_config *cfg, char **exec_id)
{
	struct sbuf	 p = { 0 };
	cJSON		*c = NULL, *j;
	char		*body = NULL;
	int		 r, att;

	*exec_id = NULL;
	if ((r = container_path(d, &p, id)) != 0)
		return r;
	if (cfg == NULL || cfg->cmd == NULL || cfg->cmd[0] == NULL) {
		sbuf_free(&p);
		return bad_arg(d, "exec command");
	}
	sbuf_add(&p, "/exec");
	att = !cfg->no_attach;
	if ((c = cJSON_CreateObject()) == NULL ||
	    cJSON_AddBoolToObject(c, "AttachStdin",
	    cfg->attach_stdin != 0) == NULL ||
	    cJSON_AddBoolToObject(c, "AttachStdout", att) == NULL ||
	    cJSON_AddBoolToObject(c, "AttachStderr", att) == NULL ||
	    cJSON_AddBoolToObject(c, "Tty", cfg->tty != 0) == NULL ||
	    cJSON_AddBoolToObject(c, "Privileged", cfg->privileged != 0) ==
	    NULL ||
	    (cfg->working_dir != NULL && cJSON_AddStringToObject(c,
	    "WorkingDir", cfg->working_dir) == NULL) ||
	    (cfg->user != NULL && cJSON_AddStringToObject(c, "User",
	    cfg->user) == NULL))
		goto nomem;
	if ((j = docker_strv_json(cfg->cmd)) == NULL)
		goto nomem;
	cJSON_AddItemToObject(c, "Cmd", j);
	if (cfg->env != NULL) {
		if ((j = docker_strv_json(cfg->env)) == NULL)
			goto nomem;
		cJSON_AddItemToObject(c, "Env", j);
	}
	if ((body = cJSON_PrintUnformatted(c)) == NULL)
		goto nomem;
	cJSON_Delete(c);
	r = post_json(d, &p, body, &j);
	free(body);
	if (r != 0)
		return r;
	r = take_str(d, j, "Id", exec_id);
	cJSON_Delete(j);
	return r;
nomem:
	cJSON_Delete(c);
	sbuf_free(&p);
	return docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
}

int
docker_exec_start_detached(struct docker *d, const char *exec_id, int tty)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = docker_ready(d)) != 0)
		return r;
	if (exec_id == NULL || *exec_id == '\0')
		return bad_arg(d, "exec id");
	sbuf_api(&p, d, "/exec/");
	sbuf_add_path(&p, exec_id);
	sbuf_add(&p, "/start");
	return post_json(d, &p, tty ? "{\"Detach\":true,\"Tty\":true}" :
	    "{\"Detach\":true,\"Tty\":false}", NULL);
}

int
docker_exec_inspect(struct docker *d, const char *exec_id, int *running,
    int *exit_code)
{
	struct sbuf	 p = { 0 };
	cJSON		*j;
	const cJSON	*run_, *ec;
	int		 r;

	if (running != NULL)
		*running = 0;
	if (exit_code != NULL)
		*exit_code = -1;
	if ((r = docker_ready(d)) != 0)
		return r;
	if (exec_id == NULL || *exec_id == '\0')
		return bad_arg(d, "exec id");
	sbuf_api(&p, d, "/exec/");
	sbuf_add_path(&p, exec_id);
	sbuf_add(&p, "/json");
	if ((r = get_json(d, &p, &j)) != 0)
		return r;
	run_ = cJSON_GetObjectItemCaseSensitive(j, "Running");
	ec = cJSON_GetObjectItemCaseSensitive(j, "ExitCode");
	if (!cJSON_IsBool(run_) || (!cJSON_IsNumber(ec) && !cJSON_IsNull(ec))) {
		cJSON_Delete(j);
		return docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "exec inspect lacks Running/ExitCode");
	}
	if (running != NULL)
		*running = cJSON_IsTrue(run_);
	if (exit_code != NULL && !cJSON_IsTrue(run_) && cJSON_IsNumber(ec))
		*exit_code = (int)ec->valuedouble;
	cJSON_Delete(j);
	return 0;
}

/* ---- volumes ------------------------------------------------------------ */

int
docker_volume_create(struct docker *d, const char *name,
    const char *const *labels, char **name_out)
{
	struct sbuf	 p = { 0 };
	cJSON		*c, *l, *j;
	char		*body = NULL, *k;
	const char	*eq;
	int		 r;

	if (name_out != NULL)
		*name_out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	if ((c = cJSON_CreateObject()) == NULL ||
	    (name != NULL && cJSON_AddStringToObject(c, "Name", name) ==
	    NULL) || (l = cJSON_AddObjectToObject(c, "Labels")) == NULL)
		goto nomem;
	for (; labels != NULL && *labels != NULL; labels++) {
		eq = strchr(*labels, '=');
		if ((k = eq != NULL ? strndup(*labels, eq - *labels) :
		    strdup(*labels)) == NULL)
			goto nomem;
		cJSON_DeleteItemFromObjectCaseSensitive(l, k);
		j = cJSON_AddStringToObject(l, k, eq != NULL ? eq + 1 : "");
		free(k);
		if (j == NULL)
			goto nomem;
	}
	if ((body = cJSON_PrintUnformatted(c)) == NULL)
		goto nomem;
	cJSON_Delete(c);
	sbuf_api(&p, d, "/volumes/create");
	r = post_json(d, &p, body, &j);
	free(body);
	if (r != 0)
		return r;
	if (name_out != NULL)
		r = take_str(d, j, "Name", name_out);
	cJSON_Delete(j);
	return r;
nomem:
	cJSON_Delete(c);
	return docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
}

int
docker_volume_remove(struct docker *d, const char *name, int force)
{
	struct sbuf	p = { 0 };
	int		r;

	if ((r = docker_ready(d)) != 0)
		return r;
	if (name == NULL || *name == '\0')
		return bad_arg(d, "volume name");
	sbuf_api(&p, d, "/volumes/");
	sbuf_add_path(&p, name);
	sbuf_addf(&p, "?force=%d", force != 0);
	return simple(d, "DELETE", &p, 0);
}

int
docker_volume_list(struct docker *d, const char *const *labels, cJSON **out)
{
	struct sbuf	 p = { 0 };
	cJSON		*j, *v;
	int		 r;

	*out = NULL;
	if ((r = docker_ready(d)) != 0)
		return r;
	sbuf_api(&p, d, "/volumes?");
	if ((r = docker_label_filters(&p, "label", labels)) != 0) {
		sbuf_free(&p);
		return docker_seterr(d, r, "out of memory");
	}
	if ((r = get_json(d, &p, &j)) != 0)
		return r;
	v = cJSON_DetachItemFromObjectCaseSensitive(j, "Volumes");
	cJSON_Delete(j);
	if (v == NULL || cJSON_IsNull(v)) {
		cJSON_Delete(v);
		if ((v = cJSON_CreateArray()) == NULL)
			return docker_seterr(d, DOCKER_ERR_NOMEM,
			    "out of memory");
	}
	if (!cJSON_IsArray(v)) {
		cJSON_Delete(v);
		return docker_seterr(d, DOCKER_ERR_MALFORMED,
		    "volume list has no Volumes array");
	}
	*out = v;
	return 0;
}

/* ---- events -------------------------------------------------------------- */

/* {"key":["v",...],...} from "key=value" strings. */
static int
event_filters(struct sbuf *p, const char *const *f)
{
	cJSON		*o, *a, *s;
	const char	*eq;
	char		*k, *js;

	if (f == NULL || f[0] == NULL)
		return 0;
	if ((o = cJSON_CreateObject()) == NULL)
		return DOCKER_ERR_NOMEM;
	for (; *f != NULL; f++) {
		if ((eq = strchr(*f, '=')) == NULL || eq == *f) {
			cJSON_Delete(o);
			return DOCKER_ERR_INVAL;
		}
		if ((k = strndup(*f, eq - *f)) == NULL)
			goto nomem;
		if ((a = cJSON_GetObjectItemCaseSensitive(o, k)) == NULL &&
		    (a = cJSON_AddArrayToObject(o, k)) == NULL) {
			free(k);
			goto nomem;
		}
		free(k);
		if ((s = cJSON_CreateString(eq + 1)) == NULL)
			goto nomem;
		cJSON_AddItemToArray(a, s);
	}
	if ((js = cJSON_PrintUnformatted(o)) == NULL)
		goto nomem;
	cJSON_Delete(o);
	sbuf_add(p, "&filters=");
	sbuf_add_query(p, js);
	free(js);
	return p->err;
nomem:
	cJSON_Delete(o);
	return DOCKER_ERR_NOMEM;
}

int
docker_events(struct docker *d, const struct docker_events_opts *o,
    docker_json_cb cb, void *arg)
{
	static const struct docker_events_opts none = { 0 };
	struct docker_req	r;
	struct sbuf		p = { 0 };
	int			ret;

	if (o == NULL)
		o = &none;
	if ((ret = docker_ready(d)) != 0)
		return ret;
	sbuf_api(&p, d, "/events?");
	if (o->since > 0)
		sbuf_addf(&p, "&since=%ld", o->since);
	if (o->until > 0)
		sbuf_addf(&p, "&until=%ld", o->until);
	if ((ret = event_filters(&p, o->filters)) != 0) {
		sbuf_free(&p);
		return docker_seterr(d, ret, ret == DOCKER_ERR_INVAL ?
		    "event filter is not key=value" : "out of memory");
	}
	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.sink = SINK_LINES;
	r.line = cb;
	r.line_arg = arg;
	r.stream = 1;
	r.timeout_ms = o->timeout_ms;
	return run(d, &r, &p);
}
