/*
 * dind.c: one inner Docker daemon per node (dind.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker/certgen.h"
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
	int			 port;		/* tls: the daemon's port */
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

/* ---- tls: the server's files into the created container ------------- */

struct dind_tar {
	char	*buf;
	size_t	 len, off, cap;
};

/* One ustar member (a directory when data is NULL). */
static int
dind_tar_add(struct dind_tar *t, const char *name, const char *data,
    size_t n, unsigned mode)
{
	char		 h[512], *nb;
	unsigned	 sum = 0;
	size_t		 need = 512 + (data ? (n + 511) / 512 * 512 : 0), i;

	if (strlen(name) >= 100)
		return -1;
	if (t->len + need + 1024 > t->cap) {
		if ((nb = realloc(t->buf, t->len + need + 1024 + 4096)) ==
		    NULL)
			return -1;
		t->buf = nb;
		t->cap = t->len + need + 1024 + 4096;
	}
	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name));
	snprintf(h + 100, 8, "%07o", mode);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011lo", data ? (unsigned long)n : 0UL);
	snprintf(h + 136, 12, "%011lo", (unsigned long)time(NULL));
	h[156] = data ? '0' : '5';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof(h); i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	memcpy(t->buf + t->len, h, 512);
	t->len += 512;
	if (data != NULL) {
		memcpy(t->buf + t->len, data, n);
		memset(t->buf + t->len + n, 0, (n + 511) / 512 * 512 - n);
		t->len += (n + 511) / 512 * 512;
	}
	return 0;
}

static ssize_t
dind_tar_read(void *arg, void *buf, size_t len)
{
	struct dind_tar	*t = arg;

	if (len > t->len - t->off)
		len = t->len - t->off;
	memcpy(buf, t->buf + t->off, len);
	t->off += len;
	return (ssize_t)len;
}

/* A file of the certificate directory, whole (at most 64 KiB). */
static char *
dind_slurp(const char *dir, const char *name, size_t *n)
{
	char	 path[4200], *b;
	ssize_t	 r;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((b = malloc(65536)) == NULL) {
		close(fd);
		return NULL;
	}
	r = read(fd, b, 65536);
	close(fd);
	if (r <= 0 || r == 65536) {
		free(b);
		return NULL;
	}
	*n = (size_t)r;
	return b;
}

/* Put ca.pem and the server's pair at DIND_TLS_INSIDE_DIR of the created
 * container id. */
static int
dind_put_certs(struct dind *x, const char *id, char *err, size_t errlen)
{
	static const char *const files[] = { "ca.pem", "server-cert.pem",
	    "server-key.pem" };
	struct dind_tar	 t = { NULL, 0, 0, 0 };
	char		 name[100], *b;
	size_t		 i, n;
	int		 r = -1;

	if (dind_tar_add(&t, DIND_TLS_INSIDE_DIR + 1, NULL, 0, 0700) != 0)
		goto done;
	for (i = 0; i < sizeof(files) / sizeof(*files); i++) {
		if ((b = dind_slurp(x->c->tls_dir, files[i], &n)) == NULL) {
			snprintf(err, errlen, "DinD: cannot read %s in %.200s",
			    files[i], x->c->tls_dir);
			goto done;
		}
		snprintf(name, sizeof(name), "%s/%s", DIND_TLS_INSIDE_DIR + 1,
		    files[i]);
		r = dind_tar_add(&t, name, b, n, 0600);
		explicit_bzero(b, n);
		free(b);
		if (r != 0)
			goto done;
		r = -1;
	}
	memset(t.buf + t.len, 0, 1024);	/* the end: two zero blocks */
	t.len += 1024;
	if (docker_archive_put(x->d, id, "/", dind_tar_read, &t) != 0) {
		snprintf(err, errlen, "DinD: cannot copy the TLS files into "
		    "%s: %s", x->name, docker_errmsg(x->d));
		goto done;
	}
	r = 0;
done:
	if (r != 0 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	if (t.buf != NULL) {
		explicit_bzero(t.buf, t.cap);
		free(t.buf);
	}
	return r;
}

/* A free TCP port on 127.0.0.1, or -1. */
static int
dind_free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 sl = sizeof(sa);
	int			 fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
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
	char				 tlsarg[3][96];
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
	if (!c->tls)
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
	if (c->tls)
		snprintf(hostarg, sizeof(hostarg), "--host=tcp://127.0.0.1:%d",
		    x->port);
	else
		snprintf(hostarg, sizeof(hostarg),
		    "--host=unix://%s/docker.sock", DIND_SOCK_INSIDE_DIR);
	cmd[nc++] = "dockerd";
	cmd[nc++] = hostarg;
	if (c->tls) {
		snprintf(tlsarg[0], sizeof(tlsarg[0]), "--tlscacert=%s/ca.pem",
		    DIND_TLS_INSIDE_DIR);
		snprintf(tlsarg[1], sizeof(tlsarg[1]),
		    "--tlscert=%s/server-cert.pem", DIND_TLS_INSIDE_DIR);
		snprintf(tlsarg[2], sizeof(tlsarg[2]),
		    "--tlskey=%s/server-key.pem", DIND_TLS_INSIDE_DIR);
		cmd[nc++] = "--tlsverify";
		cmd[nc++] = tlsarg[0];
		cmd[nc++] = tlsarg[1];
		cmd[nc++] = tlsarg[2];
	}
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
	if (c->tls)
		cfg.network_mode = "host";	/* its port on the loopback */

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
	if (c->tls && dind_put_certs(x, x->id, err, errlen) != 0)
		return -1;
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
	if (c->tls) {
		if (c->tls_dir == NULL || (x->port = c->tls_port > 0 ?
		    c->tls_port : dind_free_port()) <= 0) {
			snprintf(err, errlen, "DinD: TLS needs a certificate "
			    "directory and a free loopback port");
			goto fail;
		}
		if (certgen_docker(c->tls_dir, 825, err, errlen) != 0)
			goto fail;
		snprintf(x->host, sizeof(x->host), "tcp://127.0.0.1:%d",
		    x->port);
	}
	if ((x->inner = docker_new()) == NULL ||
	    (c->tls && docker_set_tls(x->inner, 1, 1, c->tls_dir) != 0) ||
	    docker_set_host(x->inner, x->host) != 0) {
		snprintf(err, errlen, "DinD: cannot use %s: %s", x->host,
		    x->inner != NULL ? docker_errmsg(x->inner) :
		    "out of memory");
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
dind_tls_dir(struct dind *x)
{
	return x->c->tls ? x->c->tls_dir : NULL;
}

int
dind_tls_port(struct dind *x)
{
	return x->c->tls ? x->port : 0;
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
