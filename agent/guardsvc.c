/*
 * guardsvc.c: per-build Docker API guards for launched processes
 * (guardsvc.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dockersel.h"
#include "agent/guardsvc.h"
#include "agent/h_launch.h"
#include "agent/log.h"
#include "agent/selfctr.h"
#include "docker/docker.h"
#include "docker/guard.h"

#define GUARDSVC_MAX_UPSTREAMS	8

/* Build id variables, most durable first (see guardsvc.h). */
static const char *const guardsvc_vars[] = {
	"JENKINS_NODE_COOKIE", "BUILD_TAG", "JENKINS_SERVER_COOKIE",
};

struct guardsvc_build {
	char			*var;		/* which variable named it */
	char			*id;		/* its value: the guard's build */
	char			*upstream;
	struct guard		*g;
	struct guardsvc_build	*next;
};

static pthread_mutex_t		 guardsvc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 guardsvc_cv = PTHREAD_COND_INITIALIZER;
static const struct agent_conf	*guardsvc_conf;
static struct guardsvc_build	*guardsvc_builds;
static char			*guardsvc_ups[GUARDSVC_MAX_UPSTREAMS];
static char			 guardsvc_warned[512];
static pthread_t		 guardsvc_thread;
static bool			 guardsvc_running, guardsvc_pending,
				 guardsvc_stop, guardsvc_sweeping;
/* jnagent's own container on the DooD daemon (looked up once). */
static struct selfctr		 guardsvc_self;
static int			 guardsvc_self_state;	/* 0 not yet, 1, -1 */
static bool			 guardsvc_curl;

static void
guardsvc_log(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level <= 0)
		log_error("%s", msg);
	else if (level == 1)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

/* Remember a daemon the guards used, for the stale sweeps.  Locked. */
static void
guardsvc_note_upstream(const char *up)
{
	size_t	i;

	for (i = 0; i < GUARDSVC_MAX_UPSTREAMS && guardsvc_ups[i]; i++)
		if (strcmp(guardsvc_ups[i], up) == 0)
			return;
	if (i < GUARDSVC_MAX_UPSTREAMS)
		guardsvc_ups[i] = strdup(up);	/* NULL: just not swept */
}

/*
 * Look up jnagent's own container on the DooD daemon host, once.
 * Locked.  1 found (guardsvc_self), else -1 (not in a container, or the
 * daemon does not know it: a warning).
 */
static int
guardsvc_self_lookup(const char *host)
{
	struct docker	*d;
	char		 err[512];
	int		 r;

	if (guardsvc_self_state != 0)
		return guardsvc_self_state;
	guardsvc_self_state = -1;
	if (!selfctr_in_container())
		return -1;
	err[0] = '\0';
	/* libcurl is loaded here, on first use, never at start. */
	if (!guardsvc_curl)
		guardsvc_curl = docker_global_init() == 0;
	if ((d = docker_new()) == NULL) {
		log_error("docker guard: out of memory");
		return -1;
	}
	docker_set_timeouts(d, 5000, 30000);
	if (docker_set_host(d, host) != 0) {
		snprintf(err, sizeof(err), "%s", docker_errmsg(d));
		r = -1;
	} else
		r = selfctr_lookup(d, &guardsvc_self, err, sizeof(err));
	docker_free(d);
	if (r == 1) {
		guardsvc_self_state = 1;
		log_info("docker guard: jnagent runs in container %.100s "
		    "(%.12s, found by %s) with %zu mount(s): builds' bind "
		    "mounts are mapped to its host paths", guardsvc_self.name,
		    guardsvc_self.id, guardsvc_self.how, guardsvc_self.nm);
	} else
		log_error("warning: jnagent seems to run in a container but "
		    "%.200s does not know it%s%.300s: builds' bind mounts are "
		    "passed on unmapped (run `jnagent docker doctor`)", host,
		    r < 0 ? ": " : "", r < 0 ? err : "");
	return guardsvc_self_state;
}

/* path is dir or below it. */
static bool
guardsvc_under(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return (n == 1 && dir[0] == '/') || (strncmp(path, dir, n) == 0 &&
	    (path[n] == '/' || path[n] == '\0'));
}

/*
 * The guard's path maps for a build on the DooD daemon when jnagent runs
 * in a container: its bind mounts (Destination -> Source), those at or
 * under the workspace's parents first, at most GUARD_MAX_PATHS.  DinD
 * needs none: the inner daemon has the work directory at the same path
 * (agent/dindsvc.c).  Locked.
 */
static void
guardsvc_maps(struct guard_conf *gc, const char *host, const char *ws)
{
	const struct selfctr_mount	*m;
	size_t				 i, n = 0, pass;
	char				 hp[4096];
	int				 r;

	if (guardsvc_self_lookup(host) != 1)
		return;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < guardsvc_self.nm && n < GUARD_MAX_PATHS; i++) {
			m = &guardsvc_self.m[i];
			/* pass 0: the mounts the workspace is in or above */
			if ((pass == 0) != (ws != NULL &&
			    (guardsvc_under(ws, m->dst) ||
			    guardsvc_under(m->dst, ws))))
				continue;
			gc->maps[n].agent = m->dst;
			gc->maps[n].daemon = m->src;
			n++;
		}
	gc->maps_only = 1;
	if (ws != NULL) {
		r = selfctr_host_path(&guardsvc_self, ws, hp, sizeof(hp),
		    NULL);
		if (r == 1)
			log_debug("docker guard: workspace %.300s is %.300s on "
			    "the host", ws, hp);
		else
			log_error("warning: workspace %.300s is on no bind "
			    "mount of jnagent's container: the guard refuses "
			    "builds' bind mounts of it (bind-mount the work "
			    "directory into the container)", ws);
	}
}

/*
 * How a tcp:// daemon is reached, as the docker CLI reads it from the
 * agent's environment: verify (DOCKER_TLS_VERIFY), tls (or DOCKER_TLS),
 * the certificates in cert_path, else DOCKER_CERT_PATH, else
 * $HOME/.docker (buf holds it).
 */
static void
guardsvc_tcp_tls(struct guard_conf *gc, bool verify, const char *cert_path,
    char *buf, size_t buflen)
{
	const char	*v;

	if ((v = getenv("DOCKER_TLS_VERIFY")) != NULL && *v != '\0' &&
	    strcmp(v, "0") != 0)
		verify = true;
	gc->tls_verify = verify;
	v = getenv("DOCKER_TLS");
	gc->tls = verify || (v != NULL && *v != '\0' && strcmp(v, "0") != 0);
	if (cert_path == NULL || *cert_path == '\0')
		cert_path = getenv("DOCKER_CERT_PATH");
	if (cert_path != NULL && *cert_path != '\0')
		gc->cert_path = cert_path;
	else if ((v = getenv("HOME")) != NULL && *v != '\0' &&
	    (size_t)snprintf(buf, buflen, "%s/.docker", v) < buflen)
		gc->cert_path = buf;
}

static int
guardsvc_rewrite(void *arg, const struct launch_env *env,
    struct dockersel_target *t, char *err, size_t errlen)
{
	const struct agent_conf	*c = guardsvc_conf;
	struct guardsvc_build	*b;
	struct guard_conf	 gc;
	const char		*var = NULL, *id = NULL, *ws, *labels;
	char			 home_docker[PATH_MAX];
	size_t			 i;
	int			 r = -1;

	(void)arg;
	for (i = 0; i < sizeof(guardsvc_vars) / sizeof(*guardsvc_vars); i++)
		if ((id = launch_env_get(env, guardsvc_vars[i])) != NULL &&
		    *id != '\0') {
			var = guardsvc_vars[i];
			break;
		}
	if (var == NULL || c == NULL || c->name == NULL)
		return 0;	/* not a build: the daemon itself */
	pthread_mutex_lock(&guardsvc_lock);
	if (strncmp(t->host, "unix://", 7) != 0 &&
	    strncmp(t->host, "tcp://", 6) != 0) {
		if (strcmp(guardsvc_warned, t->host) != 0) {
			snprintf(guardsvc_warned, sizeof(guardsvc_warned),
			    "%s", t->host);
			log_error("warning: Docker daemon %.200s is neither "
			    "unix:// nor tcp://: builds use it without the "
			    "Docker guard", t->host);
		}
		r = 0;
		goto out;
	}
	for (b = guardsvc_builds; b != NULL; b = b->next)
		if (strcmp(b->var, var) == 0 && strcmp(b->id, id) == 0 &&
		    strcmp(b->upstream, t->host) == 0)
			goto found;
	/* A sweep running now does not know this build: let it finish. */
	while (guardsvc_sweeping)
		pthread_cond_wait(&guardsvc_cv, &guardsvc_lock);
	for (b = guardsvc_builds; b != NULL; b = b->next)
		if (strcmp(b->var, var) == 0 && strcmp(b->id, id) == 0 &&
		    strcmp(b->upstream, t->host) == 0)
			goto found;
	memset(&gc, 0, sizeof(gc));
	gc.upstream = t->host;
	if (strncmp(t->host, "tcp://", 6) == 0)	/* as the docker CLI */
		guardsvc_tcp_tls(&gc, t->tls_verify, t->cert_path, home_docker,
		    sizeof(home_docker));
	gc.build = id;
	gc.node = c->name;
	if ((ws = launch_env_get(env, "WORKSPACE")) != NULL && ws[0] == '/')
		gc.workspaces[0] = ws;
	if (strcmp(t->host, dockersel_dood_host(c)) == 0)
		guardsvc_maps(&gc, t->host, gc.workspaces[0]);
	labels = launch_env_get(env, "NODE_LABELS");
	gc.allow = guard_policy_from_labels(labels != NULL ? labels :
	    c->labels != NULL ? c->labels : "");
	gc.log = guardsvc_log;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->var = strdup(var)) == NULL || (b->id = strdup(id)) == NULL ||
	    (b->upstream = strdup(t->host)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((b->g = guard_start(&gc, err, errlen)) == NULL)
		goto fail;
	guardsvc_note_upstream(t->host);
	b->next = guardsvc_builds;
	guardsvc_builds = b;
	log_info("docker guard for build %.100s=%.100s on %.200s at %s%s",
	    var, id, t->host, guard_socket(b->g), gc.allow != 0 ?
	    " (policy relaxed by docker-allow-* labels)" : "");
found:
	if ((size_t)snprintf(t->host, sizeof(t->host), "unix://%s",
	    guard_socket(b->g)) >= sizeof(t->host)) {
		snprintf(err, errlen, "docker guard: socket path too long");
		goto out;
	}
	/* the build talks plain HTTP to its guard's socket */
	t->tls_verify = false;
	t->cert_path[0] = '\0';
	r = 0;
	goto out;
fail:
	if (b != NULL) {
		free(b->var);
		free(b->id);
		free(b->upstream);
		free(b);
	}
	if (strncmp(err, "docker guard", 12) != 0) {
		char	tmp[512];

		snprintf(tmp, sizeof(tmp), "%s", err);
		snprintf(err, errlen, "docker guard: %s", tmp);
	}
out:
	pthread_mutex_unlock(&guardsvc_lock);
	return r;
}

static void
guardsvc_end(struct guardsvc_build *b, const char *why)
{
	int	 left;

	left = guard_end(b->g);
	if (left == 0)
		log_info("docker guard for build %.100s=%.100s ended (%s): "
		    "its containers, networks and volumes are gone", b->var,
		    b->id, why);
	else
		log_error("docker guard for build %.100s=%.100s ended (%s): "
		    "%s", b->var, b->id, why, left < 0 ? "the daemon could "
		    "not be reached for the cleanup" : "some objects could not "
		    "be removed");
	free(b->var);
	free(b->id);
	free(b->upstream);
	free(b);
}

static void
guardsvc_killed(const char *name, const char *value)
{
	struct guardsvc_build	**pp, *b, *gone = NULL;

	pthread_mutex_lock(&guardsvc_lock);
	for (pp = &guardsvc_builds; (b = *pp) != NULL; ) {
		if (strcmp(b->var, name) == 0 && strcmp(b->id, value) == 0) {
			*pp = b->next;
			b->next = gone;
			gone = b;
		} else
			pp = &b->next;
	}
	pthread_mutex_unlock(&guardsvc_lock);
	while ((b = gone) != NULL) {
		gone = b->next;
		guardsvc_end(b, "KillTask");
	}
}

static void
guardsvc_connected_hook(void)
{
	pthread_mutex_lock(&guardsvc_lock);
	guardsvc_pending = true;
	pthread_cond_broadcast(&guardsvc_cv);
	pthread_mutex_unlock(&guardsvc_lock);
}

/* One stale sweep of every daemon seen, keeping the builds with a guard. */
static void
guardsvc_sweep(void)
{
	struct guardsvc_build	*b;
	struct guard_conf	 gc;
	char			**live = NULL, *ups[GUARDSVC_MAX_UPSTREAMS];
	char			 home_docker[PATH_MAX];
	size_t			 n = 0, i, nups = 0;
	int			 r;

	pthread_mutex_lock(&guardsvc_lock);
	guardsvc_sweeping = true;	/* no new build until it is done */
	for (b = guardsvc_builds; b != NULL; b = b->next)
		n++;
	if ((live = calloc(n + 1, sizeof(*live))) != NULL)
		for (b = guardsvc_builds, n = 0; b != NULL; b = b->next)
			if ((live[n] = strdup(b->id)) != NULL)
				n++;
	for (i = 0; i < GUARDSVC_MAX_UPSTREAMS && guardsvc_ups[i]; i++)
		if ((ups[nups] = strdup(guardsvc_ups[i])) != NULL)
			nups++;
	pthread_mutex_unlock(&guardsvc_lock);
	/* A live id that could not be copied must not be swept: skip. */
	/*
	 * A unix socket that is not there has no daemon to sweep: skip it
	 * without loading libcurl (a node that never runs Docker work).
	 */
	if (live != NULL)
		for (i = 0; i < nups; i++) {
			if (strncmp(ups[i], "unix://", 7) == 0 &&
			    access(ups[i] + 7, F_OK) != 0) {
				log_debug("docker guard: no stale sweep of "
				    "%.200s (no socket)", ups[i]);
				continue;
			}
			memset(&gc, 0, sizeof(gc));
			gc.upstream = ups[i];
			gc.node = guardsvc_conf->name;
			if (strncmp(ups[i], "tcp://", 6) == 0)
				guardsvc_tcp_tls(&gc, false, NULL, home_docker,
				    sizeof(home_docker));
			r = guard_sweep_stale_conf(&gc,
			    (const char *const *)live);
			if (r > 0)
				log_error("docker guard: stale sweep of %.200s "
				    "left %d object(s)", ups[i], r);
			else if (r < 0)
				log_debug("docker guard: no stale sweep of "
				    "%.200s (daemon not reachable)", ups[i]);
		}
	pthread_mutex_lock(&guardsvc_lock);
	guardsvc_sweeping = false;
	pthread_cond_broadcast(&guardsvc_cv);
	pthread_mutex_unlock(&guardsvc_lock);
	for (i = 0; i < nups; i++)
		free(ups[i]);
	for (i = 0; live != NULL && live[i] != NULL; i++)
		free(live[i]);
	free(live);
}

static void *
guardsvc_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&guardsvc_lock);
	for (;;) {
		while (!guardsvc_pending && !guardsvc_stop)
			pthread_cond_wait(&guardsvc_cv, &guardsvc_lock);
		if (guardsvc_stop)
			break;
		guardsvc_pending = false;
		pthread_mutex_unlock(&guardsvc_lock);
		guardsvc_sweep();
		pthread_mutex_lock(&guardsvc_lock);
	}
	pthread_mutex_unlock(&guardsvc_lock);
	return NULL;
}

void
guardsvc_install(const struct agent_conf *conf)
{
	static const struct guardsvc_hooks hooks = {
		guardsvc_killed, guardsvc_connected_hook,
	};
	const char	*dood;

	if (conf->docker_no_guard) {
		log_info("docker guard off (-dockerGuard false): builds reach "
		    "the Docker daemon directly");
		return;
	}
	if (conf->name == NULL)
		return;
	guardsvc_conf = conf;
	dood = dockersel_dood_host(conf);
	pthread_mutex_lock(&guardsvc_lock);
	if (strncmp(dood, "unix://", 7) == 0 || strncmp(dood, "tcp://", 6) == 0)
		guardsvc_note_upstream(dood);
	guardsvc_pending = true;	/* the sweep at start */
	guardsvc_stop = false;
	pthread_mutex_unlock(&guardsvc_lock);
	if (pthread_create(&guardsvc_thread, NULL, guardsvc_main, NULL) == 0)
		guardsvc_running = true;
	else
		log_error("docker guard: cannot start the sweep thread");
	dockersel_set_rewrite(guardsvc_rewrite, NULL);
	guardsvc_set_hooks(&hooks);
}

void
guardsvc_shutdown(void)
{
	struct guardsvc_build	*b, *all;
	size_t			 i;

	if (guardsvc_conf == NULL)
		return;
	dockersel_set_rewrite(NULL, NULL);
	guardsvc_set_hooks(NULL);
	pthread_mutex_lock(&guardsvc_lock);
	guardsvc_stop = true;
	pthread_cond_broadcast(&guardsvc_cv);
	all = guardsvc_builds;
	guardsvc_builds = NULL;
	pthread_mutex_unlock(&guardsvc_lock);
	if (guardsvc_running)
		pthread_join(guardsvc_thread, NULL);
	guardsvc_running = false;
	while ((b = all) != NULL) {
		all = b->next;
		guardsvc_end(b, "jnagent exits");
	}
	for (i = 0; i < GUARDSVC_MAX_UPSTREAMS; i++) {
		free(guardsvc_ups[i]);
		guardsvc_ups[i] = NULL;
	}
	selfctr_free(&guardsvc_self);
	guardsvc_self_state = 0;
	if (guardsvc_curl)
		docker_global_cleanup();
	guardsvc_curl = false;
	guardsvc_conf = NULL;
}
