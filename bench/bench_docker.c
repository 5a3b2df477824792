/*
 * bench_docker.c: figures only, no assertions.  Run by bench/docker.sh.
 *
 *   bench_docker dind RUNS
 *	DIND_OUTER, DIND_IMAGE, DIND_DIR set: RUNS times, the time from
 *	dind_start() until the node's inner daemon answers /_ping (the
 *	manager waits for it), then dind_stop(); each run and the median.
 *	The inner daemons run unprivileged with the options of
 *	tests/docker/test_dind.c (--privileged fails on these machines).
 *
 *   bench_docker api N IMAGE
 *	DOCKER_HOST set: per-call microseconds of the Engine API client
 *	(docker/docker.h, one handle, keep-alive) against the docker CLI
 *	(one process per call) for the same operations, median of N calls
 *	each, and their ratio.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker/dind.h"
#include "docker/docker.h"

extern char **environ;

static const char *const bench_cap_add[] = { "ALL", NULL };
static const char *const bench_cap_drop[] = { "SYS_RESOURCE", NULL };
static const char *const bench_secopt[] = { "seccomp=unconfined",
    "apparmor=unconfined", NULL };
static const char *const bench_rules[] = { "a *:* rwm", NULL };
static const char *const bench_binds[] = {
    "/sys/fs/cgroup:/sys/fs/cgroup", NULL };

static double
bench_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
bench_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n-1] (sorts v); n > 0. */
static double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	if (n % 2 == 1)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int
bench_dind(int runs)
{
	const char	*outer = getenv("DIND_OUTER"), *img = getenv("DIND_IMAGE");
	const char	*dir = getenv("DIND_DIR");
	struct dind_conf c;
	struct dind	*x;
	struct docker	*d;
	char		 err[512], sock[256];
	double		*ms, t0;
	int		 i, n = 0;

	if (outer == NULL || img == NULL || dir == NULL) {
		fprintf(stderr, "bench_docker dind: DIND_OUTER, DIND_IMAGE "
		    "and DIND_DIR must be set (bench/docker.sh does)\n");
		return 2;
	}
	if ((ms = calloc((size_t)runs, sizeof(*ms))) == NULL ||
	    (d = docker_new()) == NULL || docker_set_host(d, outer) != 0) {
		fprintf(stderr, "bench_docker: cannot set up the client\n");
		free(ms);
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/dind-sock", dir);
	mkdir(sock, 0700);
	memset(&c, 0, sizeof(c));
	c.node = "bench";
	c.image = img;
	c.unprivileged = 1;
	c.cap_add = bench_cap_add;
	c.cap_drop = bench_cap_drop;
	c.security_opt = bench_secopt;
	c.cgroup_rules = bench_rules;
	c.binds = bench_binds;
	c.work_dir = dir;
	c.sock_dir = sock;
	c.ready_ms = 120000;
	for (i = 0; i < runs; i++) {
		t0 = bench_now_us();
		if (dind_start(d, &c, &x, err, sizeof(err)) != 0) {
			fprintf(stderr, "run %d: dind_start: %s\n", i + 1, err);
			continue;
		}
		ms[n] = (bench_now_us() - t0) / 1e3;
		printf("dind run %d: inner daemon answered /_ping after "
		    "%.0f ms (driver %s%s%s)%s\n", i + 1, ms[n], dind_driver(x),
		    *dind_warning(x) ? ", " : "", dind_warning(x),
		    i == 0 ? " [new volume]" : " [volume reused]");
		n++;
		dind_stop(x);
	}
	if (n > 0)
		printf("dind start to /_ping: median %.0f ms over %d runs\n",
		    bench_median(ms, (size_t)n), n);
	/* The volume stays after dind_stop() (the node's image cache). */
	docker_volume_remove(d, "jnagent-dind-bench", 1);
	docker_free(d);
	free(ms);
	return n == runs ? 0 : 1;
}

/* Run argv with stdout and stderr on /dev/null; its exit status or -1. */
static int
bench_spawn(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t		 pid;
	int		 st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

enum bench_op { OP_PING, OP_VERSION, OP_INFO, OP_INSPECT, OP_LIST,
    OP_CREATE_RM, OP_SPAWN, OP_MAX };
static const char *const bench_opname[OP_MAX] = { "ping", "version",
    "info", "container inspect", "container list", "create+remove",
    "(fork+exec /bin/true)" };

struct bench_api {
	struct docker	*d;
	const char	*image;
	const char	*host;
	const char	*cid;		/* the container inspected */
	int		 seq;
};

/* One call through the library; 0 or -1. */
static int
bench_lib(struct bench_api *b, enum bench_op op)
{
	static const char *const lbl[] = { "jnagent.bench=docker", NULL };
	static const char *const cmd[] = { "true", NULL };
	struct docker_container_config cfg;
	cJSON		*j = NULL;
	char		*id = NULL;
	int		 r = -1;

	switch (op) {
	case OP_PING:
		r = docker_ping(b->d);
		break;
	case OP_VERSION:
		r = docker_version(b->d, &j);
		break;
	case OP_INFO:
		r = docker_info(b->d, &j);
		break;
	case OP_INSPECT:
		r = docker_container_inspect(b->d, b->cid, &j);
		break;
	case OP_LIST:
		r = docker_container_list(b->d, lbl, 1, &j);
		break;
	case OP_CREATE_RM:
		memset(&cfg, 0, sizeof(cfg));
		cfg.image = b->image;
		cfg.cmd = cmd;
		cfg.labels = lbl;
		cfg.network_mode = "none";
		if ((r = docker_container_create(b->d, &cfg, NULL, &id)) == 0)
			r = docker_container_remove(b->d, id, 1, 0);
		free(id);
		break;
	default:
		return -1;
	}
	cJSON_Delete(j);
	if (r != 0)
		fprintf(stderr, "%s: %s\n", bench_opname[op],
		    docker_errmsg(b->d));
	return r == 0 ? 0 : -1;
}

/* The same operation through the docker CLI; 0 or -1. */
static int
bench_cli(struct bench_api *b, enum bench_op op)
{
	char		 name[64];
	char		*h = (char *)b->host;

	switch (op) {
	case OP_VERSION: {
		char *v[] = { "docker", "-H", h, "version", NULL };
		return bench_spawn(v) == 0 ? 0 : -1;
	}
	case OP_INFO: {
		char *v[] = { "docker", "-H", h, "info", NULL };
		return bench_spawn(v) == 0 ? 0 : -1;
	}
	case OP_INSPECT: {
		char *v[] = { "docker", "-H", h, "container", "inspect",
		    (char *)b->cid, NULL };
		return bench_spawn(v) == 0 ? 0 : -1;
	}
	case OP_LIST: {
		char *v[] = { "docker", "-H", h, "ps", "-a", "--filter",
		    "label=jnagent.bench=docker", NULL };
		return bench_spawn(v) == 0 ? 0 : -1;
	}
	case OP_CREATE_RM: {
		snprintf(name, sizeof(name), "jnagent-bench-%ld-%d",
		    (long)getpid(), b->seq++);
		char *c[] = { "docker", "-H", h, "create", "--name", name,
		    "--label", "jnagent.bench=docker", "--network", "none",
		    (char *)b->image, "true", NULL };
		char *r[] = { "docker", "-H", h, "rm", "-f", name, NULL };
		if (bench_spawn(c) != 0)
			return -1;
		return bench_spawn(r) == 0 ? 0 : -1;
	}
	case OP_SPAWN: {
		char *v[] = { "true", NULL };
		return bench_spawn(v) == 0 ? 0 : -1;
	}
	default:
		return -1;
	}
}

/* Median microseconds of n calls of fn, or -1 when one failed. */
static double
bench_time(struct bench_api *b, enum bench_op op, int n,
    int (*fn)(struct bench_api *, enum bench_op), double *v)
{
	double	 t0;
	int	 i;

	for (i = 0; i < n; i++) {
		t0 = bench_now_us();
		if (fn(b, op) != 0)
			return -1;
		v[i] = bench_now_us() - t0;
	}
	return bench_median(v, (size_t)n);
}

static int
bench_api(int n, const char *image)
{
	static const char *const lbl[] = { "jnagent.bench=docker", NULL };
	static const char *const cmd[] = { "sleep", "3600", NULL };
	struct docker_container_config cfg;
	struct bench_api b;
	double		*v, lib, cli;
	char		*id = NULL;
	int		 op, rc = 0;

	memset(&b, 0, sizeof(b));
	b.image = image;
	if ((b.host = getenv("DOCKER_HOST")) == NULL) {
		fprintf(stderr, "bench_docker api: DOCKER_HOST not set\n");
		return 2;
	}
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL ||
	    (b.d = docker_new()) == NULL || docker_config_env(b.d) != 0 ||
	    docker_negotiate(b.d) != 0) {
		fprintf(stderr, "bench_docker: cannot reach %s: %s\n", b.host,
		    b.d != NULL ? docker_errmsg(b.d) : "out of memory");
		docker_free(b.d);
		free(v);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.image = image;
	cfg.cmd = cmd;
	cfg.labels = lbl;
	cfg.network_mode = "none";
	if (docker_container_create(b.d, &cfg, NULL, &id) != 0) {
		fprintf(stderr, "bench_docker: create: %s\n",
		    docker_errmsg(b.d));
		docker_free(b.d);
		free(v);
		return 1;
	}
	b.cid = id;
	printf("%-22s %12s %12s %8s\n", "call (median of N)", "library us",
	    "docker CLI us", "CLI/lib");
	for (op = 0; op < OP_MAX; op++) {
		/* warm-up call, not counted */
		lib = cli = -2;
		if (op != OP_SPAWN) {
			bench_lib(&b, (enum bench_op)op);
			lib = bench_time(&b, (enum bench_op)op, n, bench_lib, v);
		}
		if (op != OP_PING) {
			bench_cli(&b, (enum bench_op)op);
			cli = bench_time(&b, (enum bench_op)op, n, bench_cli, v);
		}
		if (lib == -1 || cli == -1)
			rc = 1;
		printf("%-22s", bench_opname[op]);
		if (lib >= 0)
			printf(" %12.0f", lib);
		else
			printf(" %12s", lib == -1 ? "failed" : "-");
		if (cli >= 0)
			printf(" %12.0f", cli);
		else
			printf(" %12s", cli == -1 ? "failed" : "(none)");
		if (lib > 0 && cli > 0)
			printf(" %7.1fx", cli / lib);
		printf("\n");
	}
	printf("N = %d; library: one handle, keep-alive; CLI: one process "
	    "per call (create+remove: two)\n", n);
	docker_container_remove(b.d, id, 1, 0);
	free(id);
	docker_free(b.d);
	free(v);
	return rc;
}

int
main(int argc, char **argv)
{
	int	 n, r;

	if (argc < 3 || (n = atoi(argv[2])) < 1 ||
	    (strcmp(argv[1], "api") == 0 && argc != 4) ||
	    (strcmp(argv[1], "dind") != 0 && strcmp(argv[1], "api") != 0)) {
		fprintf(stderr, "usage: bench_docker dind RUNS | "
		    "bench_docker api N IMAGE\n");
		return 2;
	}
	if (docker_global_init() != 0)
		return 1;
	if (strcmp(argv[1], "dind") == 0)
		r = bench_dind(n);
	else
		r = bench_api(n, argv[3]);
	docker_global_cleanup();
	return r;
}
