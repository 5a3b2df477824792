/*
 * dindsvc.c: the jnagent binary's DinD provider (dindsvc.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dindsvc.h"
#include "agent/dockersel.h"
#include "agent/log.h"
#include "agent/selfctr.h"
#include "docker/certgen.h"
#include "docker/dind.h"
#include "docker/docker.h"
#include "docker/tlsfwd.h"

static pthread_mutex_t		 dindsvc_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct agent_conf	*dindsvc_conf;
static struct docker		*dindsvc_d;
static struct dind		*dindsvc_x;
static struct dind_conf		 dindsvc_dc;
static char			 dindsvc_sock[PATH_MAX];
static char			 dindsvc_work[PATH_MAX];
static bool			 dindsvc_tmpdir;
static char			 dindsvc_work_host[PATH_MAX];
static char			 dindsvc_sock_host[PATH_MAX];
static char			 dindsvc_tls[PATH_MAX];	/* certificates */
static char			 dindsvc_fwdsock[PATH_MAX];
static char			 dindsvc_fwdhost[128];	/* unix://<fwdsock> */
static struct tlsfwd		*dindsvc_fwd;

/*
 * When jnagent runs in a container, the host daemon resolves the inner
 * daemon's bind sources on its host: find the host paths of the work
 * directory and of the socket directory from jnagent's own container's
 * mounts (agent/selfctr.h).  0 (dindsvc_dc's *_host set, or the same
 * paths when not in a container) or -1 with err.
 */
static int
dindsvc_host_paths(int transport, char *err, size_t errlen)
{
	struct selfctr	 s;
	char		 e[512];
	int		 r;

	if (!selfctr_in_container())
		return 0;
	if ((r = selfctr_lookup(dindsvc_d, &s, e, sizeof(e))) != 1) {
		log_error("warning: jnagent seems to run in a container but "
		    "the Docker host does not know it%s%.300s: the inner "
		    "daemon gets the work directory at the same path on the "
		    "host", r < 0 ? ": " : "", r < 0 ? e : "");
		return 0;
	}
	r = 0;
	if (!dindsvc_dc.tls && transport == DIND_T_AUTO &&
	    selfctr_host_path(&s, dindsvc_sock, dindsvc_sock_host,
	    sizeof(dindsvc_sock_host), NULL) != 1) {
		log_info("jnagent runs in container %.100s and the inner "
		    "daemon's socket directory %.300s is on none of its bind "
		    "mounts: reaching the inner daemon by TLS on a loopback "
		    "port (-dindTransport tls; jnagent's container must share "
		    "the host's network)", s.name, dindsvc_sock);
		dindsvc_dc.tls = 1;
	}
	if (!dindsvc_dc.tls && selfctr_host_path(&s, dindsvc_sock,
	    dindsvc_sock_host, sizeof(dindsvc_sock_host), NULL) != 1) {
		snprintf(err, errlen, "DinD: jnagent runs in container "
		    "%.100s and the inner daemon's socket directory %.300s is "
		    "on none of its bind mounts, so the socket would not be "
		    "visible here; bind-mount the agent's work directory into "
		    "jnagent's container (docker run -v HOSTDIR:WORKDIR), or "
		    "use -dindTransport tls with jnagent's container on the "
		    "host's network", s.name, dindsvc_sock);
		r = -1;
	} else if (dindsvc_work[0] != '\0' && selfctr_host_path(&s,
	    dindsvc_work, dindsvc_work_host, sizeof(dindsvc_work_host),
	    NULL) != 1) {
		snprintf(err, errlen, "DinD: jnagent runs in container "
		    "%.100s and its work directory %.300s is on none of its "
		    "bind mounts: the inner daemon cannot mount workspaces; "
		    "bind-mount the work directory into jnagent's container",
		    s.name, dindsvc_work);
		r = -1;
	} else {
		if (!dindsvc_dc.tls)
			dindsvc_dc.sock_dir_host = dindsvc_sock_host;
		if (dindsvc_work[0] != '\0')
			dindsvc_dc.work_dir_host = dindsvc_work_host;
		log_info("jnagent runs in container %.100s: the inner daemon "
		    "mounts %.300s (host) at %.300s", s.name,
		    dindsvc_work[0] != '\0' ? dindsvc_work_host :
		    dindsvc_sock_host, dindsvc_work[0] != '\0' ? dindsvc_work :
		    dindsvc_sock);
	}
	selfctr_free(&s);
	return r;
}

/* The socket directory: <workDir>/<internalDir>/dind, or /tmp/... */
static int
dindsvc_sockdir(const struct agent_conf *c)
{
	int	 n = -1;

	if (c->work_dir != NULL && realpath(c->work_dir, dindsvc_work) != NULL)
		n = snprintf(dindsvc_sock, sizeof(dindsvc_sock), "%s/%s/dind",
		    dindsvc_work, c->internal_dir ? c->internal_dir :
		    "remoting");
	if (n > 0 && n <= 90 && (mkdir(dindsvc_sock, 0700) == 0 ||
	    errno == EEXIST))
		return 0;
	snprintf(dindsvc_sock, sizeof(dindsvc_sock),
	    "/tmp/jnagent-dind.XXXXXX");
	if (mkdtemp(dindsvc_sock) == NULL)
		return -1;
	dindsvc_tmpdir = true;
	return 0;
}

static int
dindsvc_provide(void *arg, const struct agent_conf *conf,
    const struct launch_env *env, struct dockersel_target *t, char *err,
    size_t errlen)
{
	const struct agent_conf	*c = dindsvc_conf != NULL ? dindsvc_conf :
				    conf;
	const char		*host;
	int			 r = -1;

	(void)arg;
	(void)env;
	pthread_mutex_lock(&dindsvc_lock);
	if (dindsvc_x != NULL) {
		if (dind_ensure(dindsvc_x, err, errlen) != 0)
			goto out;
		if (dind_restarts(dindsvc_x) > 0)
			log_debug("inner Docker daemon %s: %d restart(s)",
			    dind_name(dindsvc_x), dind_restarts(dindsvc_x));
		goto done;
	}
	if (c == NULL || c->name == NULL) {
		snprintf(err, errlen, "DinD: no node name");
		goto out;
	}
	host = dockersel_dood_host(c);
	if (dindsvc_d == NULL) {
		if (docker_global_init() != 0 ||
		    (dindsvc_d = docker_new()) == NULL ||
		    (strncmp(host, "tcp://", 6) == 0 &&
		    docker_config_env(dindsvc_d) != 0) ||
		    docker_set_host(dindsvc_d, host) != 0) {
			snprintf(err, errlen, "DinD: cannot use the Docker host "
			    "%.200s: %s", host, dindsvc_d ?
			    docker_errmsg(dindsvc_d) : "out of memory");
			docker_free(dindsvc_d);
			dindsvc_d = NULL;
			goto out;
		}
		docker_set_timeouts(dindsvc_d, 10000, 120000);
	}
	if (dindsvc_sock[0] == '\0' && dindsvc_sockdir(c) != 0) {
		snprintf(err, errlen, "DinD: cannot create a socket directory: "
		    "%s", strerror(errno));
		goto out;
	}
	memset(&dindsvc_dc, 0, sizeof(dindsvc_dc));
	dindsvc_dc.node = c->name;
	dindsvc_dc.image = c->dind_image;
	dindsvc_dc.unprivileged = c->dind_unprivileged;
	dindsvc_dc.cap_add = (const char *const *)c->dind_cap_add;
	dindsvc_dc.cap_drop = (const char *const *)c->dind_cap_drop;
	dindsvc_dc.security_opt = (const char *const *)c->dind_security_opt;
	dindsvc_dc.cgroup_rules = (const char *const *)c->dind_cgroup_rules;
	dindsvc_dc.runtime = c->dind_runtime;
	dindsvc_dc.binds = (const char *const *)c->dind_mounts;
	dindsvc_dc.work_dir = dindsvc_work[0] != '\0' ? dindsvc_work : NULL;
	dindsvc_dc.sock_dir = dindsvc_sock;
	dindsvc_dc.keep = c->dind_keep;
	dindsvc_dc.tls = c->dind_transport == DIND_T_TLS;
	dindsvc_dc.tls_port = c->dind_tls_port;
	if (dindsvc_host_paths(c->dind_transport, err, errlen) != 0)
		goto out;
	if (dindsvc_dc.tls) {
		if ((size_t)snprintf(dindsvc_tls, sizeof(dindsvc_tls), "%s/tls",
		    dindsvc_sock) >= sizeof(dindsvc_tls) ||
		    (size_t)snprintf(dindsvc_fwdsock, sizeof(dindsvc_fwdsock),
		    "%s/fwd.sock", dindsvc_sock) >= 100) {
			snprintf(err, errlen, "DinD: socket directory path too "
			    "long");
			goto out;
		}
		dindsvc_dc.tls_dir = dindsvc_tls;
	}
	log_info("starting the inner Docker daemon of node \"%.100s\" on %s",
	    c->name, host);
	if (dind_start(dindsvc_d, &dindsvc_dc, &dindsvc_x, err, errlen) != 0)
		goto out;
	log_info("inner Docker daemon %s answers at %s%s (storage driver %s)",
	    dind_name(dindsvc_x), dind_host(dindsvc_x), dindsvc_dc.tls ?
	    " with TLS" : "", dind_driver(dindsvc_x));
	if (dindsvc_dc.tls) {
		/* builds and their guards use a local socket to it */
		if (tlsfwd_start(dindsvc_fwdsock, "127.0.0.1",
		    dind_tls_port(dindsvc_x), dindsvc_tls, &dindsvc_fwd, err,
		    errlen) != 0) {
			dind_stop(dindsvc_x);
			dindsvc_x = NULL;
			goto out;
		}
		snprintf(dindsvc_fwdhost, sizeof(dindsvc_fwdhost), "unix://%.100s",
		    dindsvc_fwdsock);
		log_info("builds reach it through %s (TLS client certificate "
		    "in %s)", dindsvc_fwdhost, dindsvc_tls);
	}
	if (*dind_warning(dindsvc_x) != '\0')
		log_error("warning: %s", dind_warning(dindsvc_x));
done:
	snprintf(t->host, sizeof(t->host), "%s", dindsvc_fwd != NULL ?
	    dindsvc_fwdhost : dind_host(dindsvc_x));
	r = 0;
out:
	pthread_mutex_unlock(&dindsvc_lock);
	return r;
}

void
dindsvc_install(const struct agent_conf *conf)
{
	dindsvc_conf = conf;
	dockersel_set_dind(dindsvc_provide, NULL);
	/* The DooD daemon's socket, checked once at start (warning only). */
	(void)dockersel_report_socket(conf);
}

void
dindsvc_shutdown(void)
{
	dockersel_set_dind(NULL, NULL);
	pthread_mutex_lock(&dindsvc_lock);
	if (dindsvc_fwd != NULL) {
		tlsfwd_stop(dindsvc_fwd);
		dindsvc_fwd = NULL;
	}
	if (dindsvc_x != NULL) {
		log_info("%s the inner Docker daemon %s", dindsvc_dc.keep ?
		    "leaving running" : "removing", dind_name(dindsvc_x));
		dind_stop(dindsvc_x);
		dindsvc_x = NULL;
	}
	if (dindsvc_d != NULL) {
		docker_free(dindsvc_d);
		dindsvc_d = NULL;
		docker_global_cleanup();
	}
	if (dindsvc_tls[0] != '\0' && !dindsvc_dc.keep)
		certgen_docker_remove(dindsvc_tls);
	if (dindsvc_tmpdir && !dindsvc_dc.keep)
		(void)rmdir(dindsvc_sock);
	dindsvc_conf = NULL;
	pthread_mutex_unlock(&dindsvc_lock);
}
