/*
 * dockersel.c: which Docker daemon a node's builds use (dockersel.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dockersel.h"
#include "agent/h_launch.h"
#include "agent/log.h"

static pthread_mutex_t		 dockersel_lock = PTHREAD_MUTEX_INITIALIZER;
static dockersel_dind_fn	 dockersel_dind;
static void			*dockersel_dind_arg;
static dockersel_rewrite_fn	 dockersel_rewrite;
static void			*dockersel_rewrite_arg;
static char			 dockersel_last_check[512];

const char *
dockersel_mode_name(enum dockersel_mode m)
{
	return m == DOCKERSEL_DIND ? "dind" : "dood";
}

bool
dockersel_has_label(const char *list, const char *label)
{
	const char	*p = list, *e;
	size_t		 n;

	if (list == NULL || label == NULL || *label == '\0')
		return false;
	n = strlen(label);
	while (*p != '\0') {
		while (isspace((unsigned char)*p))
			p++;
		for (e = p; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		if ((size_t)(e - p) == n && memcmp(p, label, n) == 0)
			return true;
		p = e;
	}
	return false;
}

enum dockersel_mode
dockersel_select(const char *labels, const char *node_labels,
    const char *dind_label, const char *dood_label)
{
	const char	*l = node_labels != NULL ? node_labels : labels;

	if (dind_label == NULL)
		dind_label = DOCKERSEL_DIND_LABEL;
	if (dood_label == NULL)
		dood_label = DOCKERSEL_DOOD_LABEL;
	if (dockersel_has_label(l, dood_label))
		return DOCKERSEL_DOOD;
	if (dockersel_has_label(l, dind_label))
		return DOCKERSEL_DIND;
	return DOCKERSEL_DOOD;
}

const char *
dockersel_dood_host(const struct agent_conf *conf)
{
	const char	*h;

	if (conf != NULL && conf->docker_host != NULL &&
	    *conf->docker_host != '\0')
		return conf->docker_host;
	if ((h = getenv("DOCKER_HOST")) != NULL && *h != '\0')
		return h;
	return "unix:///var/run/docker.sock";
}

void
dockersel_set_dind(dockersel_dind_fn fn, void *arg)
{
	pthread_mutex_lock(&dockersel_lock);
	dockersel_dind = fn;
	dockersel_dind_arg = arg;
	pthread_mutex_unlock(&dockersel_lock);
}

void
dockersel_set_rewrite(dockersel_rewrite_fn fn, void *arg)
{
	pthread_mutex_lock(&dockersel_lock);
	dockersel_rewrite = fn;
	dockersel_rewrite_arg = arg;
	pthread_mutex_unlock(&dockersel_lock);
}

bool
dockersel_overrides_host(const char *const *ov, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (ov[i] != NULL && strncasecmp(ov[i], "DOCKER_HOST=", 12) == 0
		    && ov[i][12] != '\0')
			return true;
	return false;
}

int
dockersel_check_socket(const char *host, char *msg, size_t msglen)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	struct group		*gr;
	struct passwd		*pw;
	const char		*path;
	char			 gname[64], uname[64];
	int			 fd, e;

	msg[0] = '\0';
	if (strncmp(host, "unix://", 7) != 0)
		return 0;
	path = host + 7;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(msg, msglen, "socket path %.100s... too long", path);
		return -1;
	}
	if (stat(path, &sb) == -1) {
		snprintf(msg, msglen, "Docker socket %.300s: %s; fix: start "
		    "the Docker daemon or set -dockerHost", path,
		    strerror(errno));
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		return -1;
	}
	e = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ? errno : 0;
	close(fd);
	if (e == 0)
		return 0;
	if (e == EACCES || e == EPERM) {
		if ((gr = getgrgid(sb.st_gid)) != NULL)
			snprintf(gname, sizeof(gname), "%s", gr->gr_name);
		else
			snprintf(gname, sizeof(gname), "%u",
			    (unsigned)sb.st_gid);
		if ((pw = getpwuid(geteuid())) != NULL)
			snprintf(uname, sizeof(uname), "%s", pw->pw_name);
		else
			snprintf(uname, sizeof(uname), "%u",
			    (unsigned)geteuid());
		snprintf(msg, msglen, "permission denied on the Docker socket "
		    "%.300s (group %s); fix: usermod -aG %s %s, then restart "
		    "jnagent", path, gname, gname, uname);
	} else
		snprintf(msg, msglen, "cannot connect to the Docker socket "
		    "%.300s: %s; fix: start the Docker daemon", path,
		    strerror(e));
	return -1;
}

int
dockersel_report_socket(const struct agent_conf *conf)
{
	char	 msg[512];
	int	 r;
	bool	 changed;

	r = dockersel_check_socket(dockersel_dood_host(conf), msg,
	    sizeof(msg));
	pthread_mutex_lock(&dockersel_lock);
	changed = strcmp(msg, dockersel_last_check) != 0;
	if (changed)
		snprintf(dockersel_last_check, sizeof(dockersel_last_check),
		    "%s", msg);
	pthread_mutex_unlock(&dockersel_lock);
	/* a node without Docker is normal: only a permission is a warning */
	if (changed && r != 0 && strstr(msg, "permission denied") != NULL)
		log_error("warning: DooD: %s", msg);
	else if (changed && r != 0)
		log_info("DooD: %s", msg);
	else if (changed &&
	    strncmp(dockersel_dood_host(conf), "unix://", 7) == 0)
		log_info("DooD: the Docker socket of %s is usable again",
		    dockersel_dood_host(conf));
	return r;
}

/* The DooD target: the host daemon, TLS as the agent's environment says. */
static int
dockersel_dood_target(const struct agent_conf *conf,
    struct dockersel_target *t, char *err, size_t errlen)
{
	const char	*h = dockersel_dood_host(conf), *v;

	if (strlen(h) >= sizeof(t->host)) {
		snprintf(err, errlen, "the Docker host address is too long");
		return -1;
	}
	snprintf(t->host, sizeof(t->host), "%s", h);
	if (strncmp(h, "tcp://", 6) == 0) {
		v = getenv("DOCKER_TLS_VERIFY");
		t->tls_verify = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
		if ((v = getenv("DOCKER_CERT_PATH")) != NULL && *v != '\0')
			snprintf(t->cert_path, sizeof(t->cert_path), "%s", v);
	}
	return 0;
}

int
dockersel_launch_env(const struct agent_conf *conf, struct launch_env *env,
    bool build_set_host, char *err, size_t errlen)
{
	struct dockersel_target	 t;
	dockersel_dind_fn	 dind;
	dockersel_rewrite_fn	 rw;
	void			*dind_arg, *rw_arg;
	const char		*nl;

	err[0] = '\0';
	if (build_set_host)
		return 0;
	memset(&t, 0, sizeof(t));
	nl = launch_env_get(env, "NODE_LABELS");
	t.mode = dockersel_select(conf != NULL ? conf->labels : NULL, nl,
	    conf != NULL ? conf->dind_label : NULL,
	    conf != NULL ? conf->dood_label : NULL);
	pthread_mutex_lock(&dockersel_lock);
	dind = dockersel_dind;
	dind_arg = dockersel_dind_arg;
	rw = dockersel_rewrite;
	rw_arg = dockersel_rewrite_arg;
	pthread_mutex_unlock(&dockersel_lock);

	if (t.mode == DOCKERSEL_DIND) {
		if (dind == NULL) {
			snprintf(err, errlen, "the node's labels select "
			    "Docker-in-Docker (label '%.100s') but this agent "
			    "runs no inner Docker daemon", conf != NULL &&
			    conf->dind_label != NULL ? conf->dind_label :
			    DOCKERSEL_DIND_LABEL);
			return -1;
		}
		if (dind(dind_arg, conf, env, &t, err, errlen) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "the inner Docker daemon "
				    "is not available");
			return -1;
		}
	} else {
		if (dockersel_dood_target(conf, &t, err, errlen) != 0)
			return -1;
		(void)dockersel_report_socket(conf);
	}
	if (rw != NULL && rw(rw_arg, env, &t, err, errlen) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "the Docker host hook failed");
		return -1;
	}
	if (t.host[0] == '\0') {
		snprintf(err, errlen, "no Docker host address for mode %s",
		    dockersel_mode_name(t.mode));
		return -1;
	}
	if (launch_env_put(env, "DOCKER_HOST", t.host) != 0)
		goto nomem;
	/* TLS variables of the agent must not leak onto another daemon. */
	launch_env_remove(env, "DOCKER_TLS");
	launch_env_remove(env, "DOCKER_TLS_VERIFY");
	launch_env_remove(env, "DOCKER_CERT_PATH");
	launch_env_remove(env, "DOCKER_CONTEXT");
	if (t.tls_verify && launch_env_put(env, "DOCKER_TLS_VERIFY", "1") != 0)
		goto nomem;
	if (t.cert_path[0] != '\0' &&
	    launch_env_put(env, "DOCKER_CERT_PATH", t.cert_path) != 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}
