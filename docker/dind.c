/*
 * dind.c: one inner Docker daemon per node (dind.h).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker/dind.h"
#include "docker/docker.h"
#include "docker/internal.h"

#define DIND_READY_MS	60000

struct dind {
	pthread_mutex_t		 lock;
	struct docker		*d;		/* host daemon (borrowed) */
	struct docker		*inner;		/* the inner daemon */
	const struct dind_conf	*c;
	char			 name[128];	/* container and volume */
	char			 label[160];	/* jnagent.dind=<node> */
	char			 host[160];	/* unix://<sock_dir>/docker.sock */
	char			*id;		/* container id */
	char			 driver[64];
	char			 warning[320];
	int			 restarts;
};

static void
dind_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static long
dind_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * POST /containers/create with the body of cfg plus HostConfig.Runtime
 * (which struct docker_container_config has no member for).
 */
static int
dind_create(struct dind *x, const struct docker_container_config *cfg,
    char **id)
{
	struct docker		*d = x->d;
	struct docker_req	 r;
	struct sbuf		 p = { 0 };
	cJSON			*j = NULL, *hc;
	char			*body = NULL, *out = NULL;
	const char		*s;
	int			 ret;

	if (x->c->runtime == NULL)
		return docker_container_create(d, cfg, x->name, id);
	*id = NULL;
	if ((ret = docker_negotiate(d)) != 0)
		return ret;
	if ((ret = docker_container_config_json(cfg, &body)) != 0)
		return docker_seterr(d, ret, "bad container config");
	ret = DOCKER_ERR_NOMEM;
	if ((j = cJSON_Parse(body)) == NULL ||
	    (hc = cJSON_GetObjectItemCaseSensitive(j, "HostConfig")) == NULL ||
	    cJSON_AddStringToObject(hc, "Runtime", x->c->runtime) == NULL ||
	    (out = cJSON_PrintUnformatted(j)) == NULL) {
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
		goto done;
	}
	sbuf_api(&p, d, "/containers/create?name=");
	sbuf_add_query(&p, x->name);
	if (p.err != 0) {
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
		goto done;
	}
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.path = p.p;
	r.body = out;
	r.body_len = strlen(out);
	r.content_type = "application/json";
	r.sink = SINK_JSON;
	if ((ret = docker_request(d, &r)) != 0)
		goto done;
	if ((s = docker_json_str(r.json, "Id")) == NULL)
		ret = docker_seterr(d, DOCKER_ERR_MALFORMED, "no Id in the "
		    "create answer");
	else if ((*id = strdup(s)) == NULL)
		ret = docker_seterr(d, DOCKER_ERR_NOMEM, "out of memory");
	cJSON_Delete(r.json);
done:
	sbuf_free(&p);
	cJSON_Delete(j);
	free(body);
	free(out);
	return ret;
}

/* Whether the container is running (0/1), -1 when it is gone. */
static int
dind_running(struct dind *x, const char *ref)
{
	cJSON	*j, *st, *run;
	int	 r;

	if (docker_container_inspect(x->d, ref, &j) != 0)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(j, "State");
	run = cJSON_GetObjectItemCaseSensitive(st, "Running");
	r = cJSON_IsTrue(run) ? 1 : 0;
	cJSON_Delete(j);
	return r;
}

/* The last lines of the container's output, for an error message. */
static int
dind_tail_cb(void *arg, const void *buf, size_t len)
{
	char	*t = arg;
	size_t	 have = strlen(t), keep = 200;

	if (len >= keep) {
		buf = (const char *)buf + len - keep;
		len = keep;
	}
	if (have + len > keep) {
		memmove(t, t + (have + len - keep), keep - len);
		have = keep - len;
	}
	memcpy(t + have, buf, len);
	t[have + len] = '\0';
	return 0;
}

static void
dind_tail(struct dind *x, char *t)
{
	struct docker_logs_opts	 o;
	char			*p;

	t[0] = '\0';
	memset(&o, 0, sizeof(o));
	o.tail = 5;
	o.tty = 0;
	(void)docker_container_logs(x->d, x->id, &o, dind_tail_cb,
	    dind_tail_cb, t);
	for (p = t; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* Create and start the container, wait for /_ping, read /info. */
static int
dind_launch(struct dind *x, char *err, size_t errlen)
{
	const struct dind_conf		*c = x->c;
	struct docker_container_config	 cfg;
	const char			*binds[40], *cmd[40], *labels[2];
	char				 vbind[200], sbind[4200], wbind[8300];
	char				 hostarg[64], tail[256];
	cJSON				*info;
	const char			*drv;
	long				 deadline;
	size_t				 nb = 0, nc = 0, i;
	int				 run;

	snprintf(vbind, sizeof(vbind), "%s:/var/lib/docker", x->name);
	if ((size_t)snprintf(sbind, sizeof(sbind), "%s:%s",
	    c->sock_dir_host != NULL ? c->sock_dir_host : c->sock_dir,
	    DIND_SOCK_INSIDE_DIR) >= sizeof(sbind)) {
		snprintf(err, errlen, "DinD: socket directory path too long");
		return -1;
	}
	binds[nb++] = vbind;
	binds[nb++] = sbind;
	if (c->work_dir != NULL && *c->work_dir != '\0') {
		if ((size_t)snprintf(wbind, sizeof(wbind), "%s:%s",
		    c->work_dir_host != NULL ? c->work_dir_host : c->work_dir,
		    c->work_dir) >= sizeof(wbind)) {
			snprintf(err, errlen, "DinD: work directory path too "
			    "long");
			return -1;
		}
		binds[nb++] = wbind;
	}
	for (i = 0; c->binds != NULL && c->binds[i] != NULL && nb < 39; i++)
		binds[nb++] = c->binds[i];
	binds[nb] = NULL;
	snprintf(hostarg, sizeof(hostarg), "--host=unix://%s/docker.sock",
	    DIND_SOCK_INSIDE_DIR);
	cmd[nc++] = "dockerd";
	cmd[nc++] = hostarg;
	for (i = 0; c->dockerd_args != NULL && c->dockerd_args[i] != NULL &&
	    nc < 39; i++)
		cmd[nc++] = c->dockerd_args[i];
	cmd[nc] = NULL;
	labels[0] = x->label;
	labels[1] = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.image = c->image != NULL ? c->image : DIND_DEFAULT_IMAGE;
	cfg.cmd = cmd;
	cfg.labels = labels;
	cfg.binds = binds;
	cfg.hostname = x->name;
	cfg.privileged = !c->unprivileged;
	cfg.cap_add = c->cap_add;
	cfg.cap_drop = c->cap_drop;
	cfg.security_opt = c->security_opt;
	cfg.device_cgroup_rules = c->cgroup_rules;

	free(x->id);
	x->id = NULL;
	(void)docker_container_remove(x->d, x->name, 1, 0);
	if (docker_volume_create(x->d, x->name, labels, NULL) != 0) {
		snprintf(err, errlen, "DinD volume %s: %s", x->name,
		    docker_errmsg(x->d));
		return -1;
	}
	if (dind_create(x, &cfg, &x->id) != 0) {
		snprintf(err, errlen, "DinD container %s (image %s): %s",
		    x->name, cfg.image, docker_errmsg(x->d));
		return -1;
	}
	if (docker_container_start(x->d, x->id) != 0) {
		snprintf(err, errlen, "DinD container %s does not start: %s",
		    x->name, docker_errmsg(x->d));
		return -1;
	}
	deadline = dind_now_ms() + (c->ready_ms > 0 ? c->ready_ms :
	    DIND_READY_MS);
	for (;;) {
		if (docker_ping(x->inner) == 0)
			break;
		if ((run = dind_running(x, x->id)) != 1) {
			dind_tail(x, tail);
			snprintf(err, errlen, "DinD daemon %s %s: %s", x->name,
			    run == 0 ? "exited" : "vanished", tail);
			return -1;
		}
		if (dind_now_ms() > deadline) {
			snprintf(err, errlen, "DinD daemon %s did not answer "
			    "/_ping in %ld ms", x->name, c->ready_ms > 0 ?
			    c->ready_ms : (long)DIND_READY_MS);
			return -1;
		}
		dind_sleep_ms(200);
	}
	x->driver[0] = x->warning[0] = '\0';
	if (docker_info(x->inner, &info) == 0) {
		drv = docker_json_str(info, "Driver");
		snprintf(x->driver, sizeof(x->driver), "%s", drv ? drv : "?");
		if (drv != NULL && strcmp(drv, "vfs") == 0)
			snprintf(x->warning, sizeof(x->warning), "the inner "
			    "daemon %s uses the vfs storage driver: slow "
			    "(every layer a full copy); overlay2 expected",
			    x->name);
		else if (drv == NULL || strcmp(drv, "overlay2") != 0)
			snprintf(x->warning, sizeof(x->warning), "the inner "
			    "daemon %s uses the %s storage driver; overlay2 "
			    "expected", x->name, drv ? drv : "?");
		cJSON_Delete(info);
	}
	return 0;
}

int
dind_start(struct docker *d, const struct dind_conf *c, struct dind **out,
    char *err, size_t errlen)
{
	struct dind	*x;
	char		*p;
	int		 run;

	*out = NULL;
	err[0] = '\0';
	if (c->node == NULL || *c->node == '\0' || c->sock_dir == NULL ||
	    strlen(c->sock_dir) > 90) {
		snprintf(err, errlen, "DinD: no node name, or no (or too long "
		    "a) socket directory");
		return -1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&x->lock, NULL);
	x->d = d;
	x->c = c;
	snprintf(x->name, sizeof(x->name), "jnagent-dind-%.100s", c->node);
	for (p = x->name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			*p = '_';
	snprintf(x->label, sizeof(x->label), "jnagent.dind=%.100s", c->node);
	snprintf(x->host, sizeof(x->host), "unix://%s/docker.sock",
	    c->sock_dir);
	if ((x->inner = docker_new()) == NULL ||
	    docker_set_host(x->inner, x->host) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	docker_set_timeouts(x->inner, 2000, 10000);
	/* A daemon left running by a -dindKeep run: adopt it. */
	if ((run = dind_running(x, x->name)) == 1 &&
	    docker_ping(x->inner) == 0) {
		cJSON	*j;

		if (docker_container_inspect(d, x->name, &j) == 0) {
			const char *id = docker_json_str(j, "Id");

			x->id = id != NULL ? strdup(id) : NULL;
			cJSON_Delete(j);
		}
		if (x->id != NULL) {
			*out = x;
			return 0;
		}
	}
	if (dind_launch(x, err, errlen) != 0)
		goto fail;
	*out = x;
	return 0;
fail:
	if (x->id != NULL)
		(void)docker_container_remove(d, x->id, 1, 0);
	docker_free(x->inner);
	free(x->id);
	pthread_mutex_destroy(&x->lock);
	free(x);
	return -1;
}

int
dind_ensure(struct dind *x, char *err, size_t errlen)
{
	int	 r = 0;

	err[0] = '\0';
	pthread_mutex_lock(&x->lock);
	if (x->id == NULL || dind_running(x, x->id) != 1 ||
	    docker_ping(x->inner) != 0) {
		x->restarts++;
		r = dind_launch(x, err, errlen);
	}
	pthread_mutex_unlock(&x->lock);
	return r;
}

const char *
dind_host(struct dind *x)
{
	return x->host;
}

const char *
dind_driver(struct dind *x)
{
	return x->driver;
}

const char *
dind_warning(struct dind *x)
{
	return x->warning;
}

int
dind_restarts(struct dind *x)
{
	return x->restarts;
}

const char *
dind_name(struct dind *x)
{
	return x->name;
}

void
dind_stop(struct dind *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->lock);
	if (!x->c->keep && x->id != NULL) {
		/* force: killed and removed at once (exit must be quick) */
		(void)docker_container_remove(x->d, x->id, 1, 0);
	}
	pthread_mutex_unlock(&x->lock);
	docker_free(x->inner);
	free(x->id);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
