/*
 * test_dind.c: the DinD manager (docker/dind.h) against a real daemon.
 * Run by tests/docker/test_dind.sh, which starts a private dockerd,
 * assembles the DinD image (mkdind.sh) and sets:
 *   DIND_OUTER   unix:// address of the private (outer) daemon
 *   DIND_IMAGE   the DinD image
 *   DIND_ROOTFS  a busybox rootfs tar to import into an inner daemon
 *   DIND_DIR     a scratch directory (short path)
 * Because --privileged fails on these machines, the inner daemons run
 * with capabilities and unconfined profiles instead (DEVELOPERS.md).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker/dind.h"
#include "docker/docker.h"
#include "tests/unit/tap.h"

static const char *const cap_add[] = { "ALL", NULL };
static const char *const cap_drop[] = { "SYS_RESOURCE", NULL };
static const char *const secopt[] = { "seccomp=unconfined",
    "apparmor=unconfined", NULL };
static const char *const rules[] = { "a *:* rwm", NULL };
static const char *const binds[] = { "/sys/fs/cgroup:/sys/fs/cgroup", NULL };

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t
file_read(void *arg, void *buf, size_t len)
{
	return read(*(int *)arg, buf, len);
}

/* Number of containers with label on daemon d, or -1. */
static int
count(struct docker *d, const char *label)
{
	const char *const	 l[] = { label, NULL };
	cJSON			*a;
	int			 n;

	if (docker_container_list(d, l, 1, &a) != 0)
		return -1;
	n = cJSON_GetArraySize(a);
	cJSON_Delete(a);
	return n;
}

static int
has_volume(struct docker *d, const char *name)
{
	cJSON	*a, *v, *n;
	int	 r = 0;

	if (docker_volume_list(d, NULL, &a) != 0)
		return -1;
	cJSON_ArrayForEach(v, a) {
		n = cJSON_GetObjectItemCaseSensitive(v, "Name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			r = 1;
	}
	cJSON_Delete(a);
	return r;
}

int
main(void)
{
	const char	*outer = getenv("DIND_OUTER"), *img = getenv("DIND_IMAGE");
	const char	*rootfs = getenv("DIND_ROOTFS"), *dir = getenv("DIND_DIR");
	struct dind_conf c1, c2;
	struct dind	*a = NULL, *b = NULL;
	struct docker	*d, *d2, *in;
	char		 err[512], s1[256], s2[256], *id = NULL;
	static const char *const cmd[] = { "sleep", "300", NULL };
	static const char *const lbl[] = { "jnagent.test=inner", NULL };
	struct docker_container_config cfg;
	cJSON		*j = NULL;
	long		 t0;
	int		 fd, code;

	if (outer == NULL || img == NULL || rootfs == NULL || dir == NULL)
		skip_all("run by tests/docker/test_dind.sh");
	if (docker_global_init() != 0 || (d = docker_new()) == NULL ||
	    (d2 = docker_new()) == NULL || docker_set_host(d, outer) != 0 ||
	    docker_set_host(d2, outer) != 0)
		return 1;
	snprintf(s1, sizeof(s1), "%s/s1", dir);
	snprintf(s2, sizeof(s2), "%s/s2", dir);
	mkdir(s1, 0700);
	mkdir(s2, 0700);
	memset(&c1, 0, sizeof(c1));
	c1.node = "node/1";
	c1.image = img;
	c1.unprivileged = 1;
	c1.cap_add = cap_add;
	c1.cap_drop = cap_drop;
	c1.security_opt = secopt;
	c1.cgroup_rules = rules;
	c1.binds = binds;
	c1.work_dir = dir;
	c1.sock_dir = s1;
	c1.ready_ms = 90000;
	c2 = c1;
	c2.node = "node2";
	c2.sock_dir = s2;

	t0 = now_ms();
	ok(dind_start(d, &c1, &a, err, sizeof(err)) == 0, "node 1's inner "
	    "daemon starts: %s", err);
	diag("inner daemon answered /_ping %ld ms after dind_start",
	    now_ms() - t0);
	if (a == NULL)
		goto out;
	ok(strcmp(dind_name(a), "jnagent-dind-node_1") == 0,
	    "name sanitised: %s", dind_name(a));
	diag("driver %s %s", dind_driver(a), dind_warning(a));
	ok(strcmp(dind_driver(a), "overlay2") == 0 || strcmp(dind_driver(a),
	    "vfs") == 0, "storage driver read from /info: %s%s%s",
	    dind_driver(a), *dind_warning(a) ? " - " : "", dind_warning(a));
	if (strcmp(dind_driver(a), "vfs") == 0)
		ok(strstr(dind_warning(a), "slow") != NULL,
		    "vfs is reported as slow");
	else
		ok(dind_warning(a)[0] == '\0', "overlay2: no warning");
	in = docker_new();
	ok(in != NULL && docker_set_host(in, dind_host(a)) == 0 &&
	    docker_ping(in) == 0, "the inner daemon answers at %s",
	    dind_host(a));
	/* a container through the inner daemon */
	fd = open(rootfs, O_RDONLY);
	ok(fd >= 0 && docker_image_import(in, "busybox", "latest", file_read,
	    &fd, NULL, NULL, NULL) == 0, "busybox imported into the inner "
	    "daemon: %s", docker_errmsg(in));
	if (fd >= 0)
		close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.image = "busybox";
	cfg.cmd = cmd;
	cfg.labels = lbl;
	cfg.network_mode = "none";
	ok(docker_container_create(in, &cfg, NULL, &id) == 0 &&
	    docker_container_start(in, id) == 0, "a container runs inside: %s",
	    docker_errmsg(in));
	ok(count(in, "jnagent.test=inner") == 1, "it shows in the inner ps");
	ok(count(d, "jnagent.test=inner") == 0, "and not in the outer one");
	ok(count(d, "jnagent.dind=node/1") == 1,
	    "the outer one shows the DinD container");
	if (id != NULL) {
		(void)docker_container_remove(in, id, 1, 0);
		free(id);
	}

	ok(dind_start(d2, &c2, &b, err, sizeof(err)) == 0, "node 2's inner "
	    "daemon starts: %s", err);
	ok(has_volume(d, "jnagent-dind-node_1") == 1 &&
	    has_volume(d, "jnagent-dind-node2") == 1,
	    "two nodes, two volumes");
	ok(b != NULL && strcmp(dind_host(a), dind_host(b)) != 0,
	    "two sockets");

	/* killed: restored by the check before a launch */
	ok(docker_container_kill(d, dind_name(a), NULL) == 0, "inner daemon "
	    "of node 1 killed");
	(void)docker_container_wait(d, dind_name(a), NULL, &code);
	ok(docker_ping(in) != 0, "it no longer answers");
	ok(dind_ensure(a, err, sizeof(err)) == 0 && dind_restarts(a) == 1 &&
	    docker_ping(in) == 0, "dind_ensure restored it: %s", err);
	ok(dind_ensure(a, err, sizeof(err)) == 0 && dind_restarts(a) == 1,
	    "a healthy daemon is left alone");
	ok(docker_image_inspect(in, "busybox", &j) == 0, "its image cache "
	    "survived on the volume");
	cJSON_Delete(j);
	j = NULL;
	docker_free(in);
out:
	dind_stop(a);
	ok(count(d, "jnagent.dind=node/1") == 0, "exit removes node 1's "
	    "container");
	ok(has_volume(d, "jnagent-dind-node_1") == 1, "and keeps its volume");
	c2.keep = 1;
	dind_stop(b);
	ok(count(d, "jnagent.dind=node2") == 1, "-dindKeep leaves node 2's "
	    "daemon running");
	(void)docker_container_remove(d, "jnagent-dind-node2", 1, 0);
	(void)docker_volume_remove(d, "jnagent-dind-node_1", 1);
	(void)docker_volume_remove(d, "jnagent-dind-node2", 1);
	docker_free(d);
	docker_free(d2);
	docker_global_cleanup();
	return done_testing();
}
