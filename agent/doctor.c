/*
 * doctor.c: `jnagent docker doctor` (doctor.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dockersel.h"
#include "agent/doctor.h"
#include "agent/selfctr.h"
#include "docker/docker.h"
#include "docker/guard.h"

#define DOCTOR_MARK	"jnagent-doctor-ok"
#define DOCTOR_OUT_MAX	4096

struct doctor {
	struct agent_conf	 conf;		/* labels, docker_host, ... */
	char			*labels;	/* --labels, joined */
	const char		*image;		/* --image */
	const char		*workdir;	/* --workdir */
	int			 failures;
	char			 out[DOCTOR_OUT_MAX];
	size_t			 outlen;
};

static void
doctor_fail(struct doctor *dr, const char *what, const char *fix)
{
	printf("FAIL: %s\n  fix: %s\n", what, fix);
	dr->failures++;
}

/* Whether builds get the per-build Docker guard (agent/guardsvc.h). */
static void
doctor_guard(const struct doctor *dr, const char *host)
{
	unsigned	 allow;
	int		 i, n = 0;

	if (dr->conf.docker_no_guard) {
		printf("guard: off (-dockerGuard false: builds reach the "
		    "daemon directly)\n");
		return;
	}
	if (strncmp(host, "unix://", 7) != 0) {
		printf("guard: off (the daemon is not a unix socket)\n");
		return;
	}
	allow = guard_policy_from_labels(dr->labels != NULL ? dr->labels : "");
	printf("guard: on (a Docker socket per build; allowed by "
	    GUARD_ALLOW_LABEL_PREFIX "* labels:");
	for (i = 0; i < GUARD_RULE_COUNT; i++)
		if (allow & (1u << i))
			printf("%s %s", n++ ? "," : "", guard_rule_name(i));
	printf("%s)\n", n == 0 ? " none" : "");
}

static int
doctor_usage(void)
{
	fprintf(stderr, "usage: jnagent docker doctor [--labels LABELS] "
	    "[--docker-host HOST] [--image IMAGE]\n"
	    "           [--workdir DIR] [--dind-label L] [--dood-label L] "
	    "[--dind-image IMAGE]\n"
	    "           [--dind-transport auto|unix|tls] "
	    "[--docker-guard true|false]\n");
	return 2;
}

/* Append a label list to dr->labels. */
static int
doctor_add_labels(struct doctor *dr, const char *v)
{
	char	*j;

	if (dr->labels == NULL)
		j = strdup(v);
	else if (asprintf(&j, "%s %s", dr->labels, v) == -1)
		j = NULL;
	if (j == NULL)
		return -1;
	free(dr->labels);
	dr->labels = j;
	return 0;
}

/*
 * The unix socket: exists, is a socket, and this user may connect.  0 when
 * fine (or not a unix host), -1 after printing the failure.
 */
static int
doctor_socket(struct doctor *dr, const struct docker_host *h)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	struct group		*gr;
	struct passwd		*pw;
	char			 what[512], fix[512], gname[64], uname[64];
	int			 fd, e;

	if (h->kind != DOCKER_HOST_UNIX)
		return 0;
	if (stat(h->path, &sb) == -1) {
		snprintf(what, sizeof(what), "socket %s: %s", h->path,
		    strerror(errno));
		doctor_fail(dr, what, errno == EACCES ?
		    "give this user search permission on the socket's "
		    "directory" : "start the Docker daemon, or point "
		    "-dockerHost / DOCKER_HOST at its socket");
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(what, sizeof(what), "%s is not a socket", h->path);
		doctor_fail(dr, what, "point -dockerHost / DOCKER_HOST at the "
		    "daemon's socket");
		return -1;
	}
	if ((gr = getgrgid(sb.st_gid)) != NULL)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)sb.st_gid);
	if ((pw = getpwuid(geteuid())) != NULL)
		snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	else
		snprintf(uname, sizeof(uname), "%u", (unsigned)geteuid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, h->path, strlen(h->path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		doctor_fail(dr, "cannot create a socket", "check the "
		    "process limits");
		return -1;
	}
	e = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ? errno : 0;
	close(fd);
	if (e == EACCES || e == EPERM) {
		snprintf(what, sizeof(what), "permission denied on %s "
		    "(mode %03o, group %s) for user %s", h->path,
		    (unsigned)(sb.st_mode & 0777), gname, uname);
		snprintf(fix, sizeof(fix), "usermod -aG %s %s   (then log in "
		    "again or restart jnagent)", gname, uname);
		doctor_fail(dr, what, fix);
		return -1;
	}
	if (e != 0) {
		snprintf(what, sizeof(what), "cannot connect to %s: %s",
		    h->path, strerror(e));
		doctor_fail(dr, what, e == ECONNREFUSED ? "the daemon is not "
		    "listening: start (or restart) the Docker daemon" :
		    "check the socket and the Docker daemon");
		return -1;
	}
	printf("socket: %s (mode %03o, group %s): accessible to %s\n",
	    h->path, (unsigned)(sb.st_mode & 0777), gname, uname);
	return 0;
}

/* Undo mountinfo's octal escapes (\040) in place. */
static void
doctor_unescape(char *s)
{
	char	*o = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
			    (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

/* Whether path is dir or below it (component-wise). */
static size_t
doctor_under(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return 1;
	if (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'))
		return n;
	return 0;
}

static bool
doctor_in_container(void)
{
	if (getenv("JNAGENT_TEST_MOUNTINFO") != NULL)
		return true;
	return selfctr_in_container();
}

/*
 * The host path of dir from mountinfo: the mount with the longest mount
 * point above dir, its root + the rest.  *own_fs: dir is on the
 * container's own root file system (not a bind mount).  0 or -1.
 */
static int
doctor_mountinfo(const char *dir, char *host, size_t hostlen, bool *own_fs)
{
	const char	*file = getenv("JNAGENT_TEST_MOUNTINFO");
	FILE		*f;
	char		*line = NULL, *fld[12], *p, *sep, best_root[PATH_MAX];
	char		 best_mp[PATH_MAX], best_fs[64];
	size_t		 cap = 0, best = 0, u;
	int		 n;

	if ((f = fopen(file != NULL ? file : "/proc/self/mountinfo", "r")) ==
	    NULL)
		return -1;
	best_root[0] = best_mp[0] = best_fs[0] = '\0';
	while (getline(&line, &cap, f) != -1) {
		line[strcspn(line, "\n")] = '\0';
		for (n = 0, p = line; n < 12 && p != NULL; n++)
			fld[n] = strsep(&p, " ");
		if (n < 7)
			continue;
		/* fields: id parent dev root mountpoint opts [tags] - fs */
		sep = NULL;
		for (int i = 6; i < n; i++)
			if (strcmp(fld[i], "-") == 0 && i + 1 < n) {
				sep = fld[i + 1];
				break;
			}
		doctor_unescape(fld[3]);
		doctor_unescape(fld[4]);
		if ((u = doctor_under(dir, fld[4])) == 0 || u < best)
			continue;
		best = u;
		snprintf(best_root, sizeof(best_root), "%s", fld[3]);
		snprintf(best_mp, sizeof(best_mp), "%s", fld[4]);
		snprintf(best_fs, sizeof(best_fs), "%s", sep ? sep : "");
	}
	free(line);
	fclose(f);
	if (best == 0)
		return -1;
	*own_fs = strcmp(best_mp, "/") == 0 && strcmp(best_fs, "overlay") == 0;
	snprintf(host, hostlen, "%s%s", strcmp(best_root, "/") == 0 ? "" :
	    best_root, dir + (strcmp(best_mp, "/") == 0 ? 0 : strlen(best_mp)));
	if (host[0] == '\0')
		snprintf(host, hostlen, "/");
	return 0;
}

/*
 * The host path of dir from this container's Mounts, found through the
 * daemon (agent/selfctr.h).  1 found (*own_fs: dir is under no mount), 0
 * the daemon does not know this container, -1 error (printed).
 */
static int
doctor_api_mount(struct docker *d, const char *dir, char *host,
    size_t hostlen, bool *own_fs, char *ctr, size_t ctrlen)
{
	struct selfctr	 s;
	char		 err[512];
	int		 r;

	if (getenv("JNAGENT_TEST_MOUNTINFO") != NULL)
		return 0;	/* test mode: mountinfo only */
	if ((r = selfctr_lookup(d, &s, err, sizeof(err))) <= 0) {
		if (r < 0)
			printf("path parity: cannot look up jnagent's own "
			    "container: %s (warning)\n", err);
		return 0;
	}
	snprintf(ctr, ctrlen, "%s%s%.12s, found by %s", s.name,
	    s.name[0] != '\0' ? " " : "", s.id, s.how);
	r = selfctr_host_path(&s, dir, host, hostlen, NULL);
	*own_fs = r == 0;
	selfctr_free(&s);
	return r < 0 ? -1 : 1;
}

static void
doctor_parity(struct doctor *dr, struct docker *d, bool dind)
{
	char	 cwd[PATH_MAX], host[PATH_MAX * 2], what[PATH_MAX * 3];
	char	 fix[PATH_MAX * 3], ctr[400];
	bool	 own_fs = false;
	int	 r;
	const char *dir = dr->workdir;

	if (!doctor_in_container()) {
		printf("path parity: not in a container (paths are the "
		    "host's)\n");
		return;
	}
	if (dir == NULL) {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			doctor_fail(dr, "cannot read the current directory",
			    "give --workdir");
			return;
		}
		dir = cwd;
	}
	host[0] = ctr[0] = '\0';
	if ((r = doctor_api_mount(d, dir, host, sizeof(host), &own_fs, ctr,
	    sizeof(ctr))) < 0) {
		doctor_fail(dr, "path parity: the host path of the work "
		    "directory is too long", "use a shorter work directory");
		return;
	}
	if (r == 1)
		printf("own container: jnagent runs in %s\n", ctr);
	if (r == 0 &&
	    doctor_mountinfo(dir, host, sizeof(host), &own_fs) != 0) {
		printf("path parity: in a container, cannot tell where %s "
		    "comes from (warning)\n", dir);
		return;
	}
	snprintf(fix, sizeof(fix), "bind-mount the work directory at the same "
	    "path: docker run -v %s:%s ...", dir, dir);
	if (dind && r == 1 && !own_fs) {
		/* agent/dindsvc.c mounts the host path at dir inside */
		printf("path parity: DinD: the inner daemon gets %s (host) at "
		    "%s\n", host, dir);
		return;
	}
	if (own_fs) {
		snprintf(what, sizeof(what), "path parity: %s is inside "
		    "jnagent's container (on no bind mount), not on the host: "
		    "containers the builds start would mount empty "
		    "directories", dir);
		doctor_fail(dr, what, fix);
	} else if (strcmp(host, dir) != 0) {
		snprintf(what, sizeof(what), "path parity: %s is %s on the "
		    "host: bind mounts of the builds would resolve to the "
		    "wrong directory", dir, host);
		doctor_fail(dr, what, fix);
	} else
		printf("path parity: %s is the same path on the host (%s)\n",
		    dir, r == 1 ? "container mounts" : "mountinfo");
}

static int
doctor_collect(void *arg, const void *buf, size_t len)
{
	struct doctor	*dr = arg;

	if (len > sizeof(dr->out) - 1 - dr->outlen)
		len = sizeof(dr->out) - 1 - dr->outlen;
	memcpy(dr->out + dr->outlen, buf, len);
	dr->outlen += len;
	dr->out[dr->outlen] = '\0';
	return 0;
}

static void
doctor_run(struct doctor *dr, struct docker *d)
{
	static const char *const cmd[] = { "echo", DOCTOR_MARK, NULL };
	static const char *const labels[] = { "jnagent.doctor=1", NULL };
	struct docker_container_config	 cfg;
	struct docker_logs_opts		 lo;
	char				*id = NULL, what[1024], fix[512];
	int				 code = -1, e;

	memset(&cfg, 0, sizeof(cfg));
	cfg.image = dr->image;
	cfg.cmd = cmd;
	cfg.labels = labels;
	cfg.network_mode = "none";
	if ((e = docker_container_create(d, &cfg, NULL, &id)) != 0) {
		snprintf(what, sizeof(what), "cannot create a %s container: "
		    "%s", dr->image, docker_errmsg(d));
		snprintf(fix, sizeof(fix), docker_last_status(d) == 404 ?
		    "make the image available (docker pull %s, or docker "
		    "load/import), or give --image" : "see the daemon's "
		    "message above", dr->image);
		doctor_fail(dr, what, fix);
		return;
	}
	memset(&lo, 0, sizeof(lo));
	lo.tty = 0;
	if ((e = docker_container_start(d, id)) != 0 ||
	    (e = docker_container_wait(d, id, NULL, &code)) != 0 ||
	    (e = docker_container_logs(d, id, &lo, doctor_collect,
	    doctor_collect, dr)) != 0) {
		snprintf(what, sizeof(what), "the %s container did not run: "
		    "%s", dr->image, docker_errmsg(d));
		doctor_fail(dr, what, "see the daemon's message above and its "
		    "log");
	} else if (code != 0 || strstr(dr->out, DOCTOR_MARK) == NULL) {
		dr->out[strcspn(dr->out, "\n")] = '\0';
		snprintf(what, sizeof(what), "the %s container exited with "
		    "%d: %.300s", dr->image, code, dr->out);
		doctor_fail(dr, what, "the image needs an echo command; give "
		    "--image");
	} else
		printf("container: %s ran and exited 0\n", dr->image);
	(void)docker_container_remove(d, id, 1, 1);
	free(id);
}

static int
doctor_check(struct doctor *dr)
{
	struct docker_host	 h;
	struct docker		*d;
	enum dockersel_mode	 mode;
	cJSON			*v = NULL, *in = NULL, *x, *y;
	const char		*host = dockersel_dood_host(&dr->conf), *img;
	char			 what[1024];
	const char		*tv, *tls;
	int			 tlsf;

	mode = dockersel_select(dr->labels, NULL, dr->conf.dind_label,
	    dr->conf.dood_label);
	printf("mode: %s (labels: %s)\n", dockersel_mode_name(mode),
	    dr->labels != NULL ? dr->labels : "none");
	printf("daemon: %s%s\n", host, mode == DOCKERSEL_DIND ?
	    " (runs this node's inner DinD daemon)" : "");
	doctor_guard(dr, mode == DOCKERSEL_DIND ? "unix://" : host);
	tv = getenv("DOCKER_TLS_VERIFY");
	tls = getenv("DOCKER_TLS");
	tlsf = (tv != NULL && *tv != '\0') || (tls != NULL && *tls != '\0');
	if (docker_host_parse(host, tlsf, &h) != 0) {
		snprintf(what, sizeof(what), "%s is not a Docker host address",
		    host);
		doctor_fail(dr, what, "use unix:///path/to/docker.sock or "
		    "tcp://host:port");
		return 1;
	}
	if (doctor_socket(dr, &h) != 0)
		return 1;
	if (docker_global_init() != 0 || (d = docker_new()) == NULL) {
		doctor_fail(dr, "out of memory", "free some memory");
		return 1;
	}
	docker_set_timeouts(d, 5000, 30000);
	if ((h.kind == DOCKER_HOST_TCP && docker_config_env(d) != 0) ||
	    docker_set_host(d, host) != 0) {
		snprintf(what, sizeof(what), "cannot use %s: %s", host,
		    docker_errmsg(d));
		doctor_fail(dr, what, "check DOCKER_HOST, DOCKER_TLS_VERIFY and "
		    "DOCKER_CERT_PATH");
		goto out;
	}
	if (docker_version(d, &v) != 0) {
		snprintf(what, sizeof(what), "the daemon at %s does not answer: "
		    "%s", host, docker_errmsg(d));
		doctor_fail(dr, what, "start the Docker daemon (systemctl start "
		    "docker) or fix -dockerHost / DOCKER_HOST");
		goto out;
	}
	x = cJSON_GetObjectItemCaseSensitive(v, "Version");
	printf("api: %s (engine %s)\n", docker_api_version(d) ?
	    docker_api_version(d) : "?", cJSON_IsString(x) ? x->valuestring :
	    "?");
	if (docker_info(d, &in) == 0) {
		x = cJSON_GetObjectItemCaseSensitive(in, "Driver");
		y = cJSON_GetObjectItemCaseSensitive(in, "DockerRootDir");
		printf("storage driver: %s%s (root %s)\n", cJSON_IsString(x) ?
		    x->valuestring : "?", cJSON_IsString(x) &&
		    strcmp(x->valuestring, "vfs") == 0 ? " (warning: vfs is "
		    "slow: every layer is a full copy)" : "",
		    cJSON_IsString(y) ? y->valuestring : "?");
	}
	if (mode == DOCKERSEL_DIND) {
		img = dr->conf.dind_image != NULL ? dr->conf.dind_image :
		    DOCKERSEL_DIND_IMAGE;
		if (docker_image_inspect(d, img, &x) != 0) {
			snprintf(what, sizeof(what), "DinD image %s: %s", img,
			    docker_errmsg(d));
			doctor_fail(dr, what, "load the image on the host "
			    "daemon (docker pull / docker load), or give "
			    "-dindImage");
		} else {
			cJSON_Delete(x);
			printf("dind image: %s present%s\n", img,
			    dr->conf.dind_unprivileged ? "" : " (privileged)");
		}
		printf("dind transport: %s\n", dr->conf.dind_transport ==
		    DIND_T_TLS ? "tls: TCP on 127.0.0.1 with --tlsverify, "
		    "certificates made at start, builds use a local "
		    "forwarding socket" : dr->conf.dind_transport ==
		    DIND_T_UNIX ? "unix: a socket in <workDir>/remoting/dind, "
		    "bind-mounted into the inner daemon" : "auto: a unix "
		    "socket in <workDir>/remoting/dind; TLS on a loopback "
		    "port when jnagent runs in a container and no bind mount "
		    "shows that directory to the host daemon");
	}
	doctor_parity(dr, d, mode == DOCKERSEL_DIND);
	doctor_run(dr, d);
out:
	cJSON_Delete(v);
	cJSON_Delete(in);
	docker_free(d);
	docker_global_cleanup();
	return dr->failures ? 1 : 0;
}

int
doctor_main(int argc, char **argv)
{
	struct doctor	 dr;
	const char	*a, *val;
	int		 i, r;

	if (argc < 2 || strcmp(argv[1], "doctor") != 0)
		return doctor_usage();
	memset(&dr, 0, sizeof(dr));
	dr.image = "busybox";
	for (i = 2; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			doctor_usage();
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "jnagent docker doctor: %s: missing value "
			    "or unknown option\n", a);
			r = doctor_usage();
			goto out;
		}
		val = argv[++i];
		if (strcmp(a, "--labels") == 0 || strcmp(a, "-labels") == 0) {
			if (doctor_add_labels(&dr, val) != 0) {
				r = 1;
				goto out;
			}
		} else if (strcmp(a, "--docker-host") == 0 ||
		    strcmp(a, "-dockerHost") == 0)
			dr.conf.docker_host = (char *)val;
		else if (strcmp(a, "--image") == 0)
			dr.image = val;
		else if (strcmp(a, "--workdir") == 0 ||
		    strcmp(a, "-workDir") == 0)
			dr.workdir = val;
		else if (strcmp(a, "--dind-label") == 0 ||
		    strcmp(a, "-dindLabel") == 0)
			dr.conf.dind_label = (char *)val;
		else if (strcmp(a, "--dood-label") == 0 ||
		    strcmp(a, "-doodLabel") == 0)
			dr.conf.dood_label = (char *)val;
		else if (strcmp(a, "--dind-image") == 0 ||
		    strcmp(a, "-dindImage") == 0)
			dr.conf.dind_image = (char *)val;
		else if ((strcmp(a, "--dind-transport") == 0 ||
		    strcmp(a, "-dindTransport") == 0) &&
		    (strcmp(val, "auto") == 0 || strcmp(val, "unix") == 0 ||
		    strcmp(val, "tls") == 0))
			dr.conf.dind_transport = val[0] == 'a' ? DIND_T_AUTO :
			    val[0] == 'u' ? DIND_T_UNIX : DIND_T_TLS;
		else if ((strcmp(a, "--docker-guard") == 0 ||
		    strcmp(a, "-dockerGuard") == 0) &&
		    (strcmp(val, "true") == 0 || strcmp(val, "false") == 0))
			dr.conf.docker_no_guard = strcmp(val, "false") == 0;
		else {
			fprintf(stderr, "jnagent docker doctor: unknown option "
			    "%s\n", a);
			r = doctor_usage();
			goto out;
		}
	}
	r = doctor_check(&dr);
	printf("%s\n", r == 0 ? "result: OK" : "result: FAILED");
out:
	free(dr.labels);
	return r;
}
