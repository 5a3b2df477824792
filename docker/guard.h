/*
 * guard.h: a Docker Engine API guard between one build and the daemon.
 *
 * guard_start() listens on a per-build unix socket (give it to the build
 * as DOCKER_HOST=unix://<guard_socket()>) and forwards the Engine API to
 * the upstream daemon, applying these rules:
 *   - every container, network and volume created is labelled
 *     GUARD_LABEL_NODE=<node> and GUARD_LABEL_BUILD=<build>;
 *   - lists (containers, networks, volumes) and prunes are filtered to the
 *     build's labels; a container/network/volume/exec of anything else is
 *     "No such ..." (404);
 *   - names are prefixed per build (guard_prefix()), and the prefix is
 *     taken off again in names of inspect/list responses and errors;
 *   - bind-mount sources are checked against the workspaces (and their
 *     "@tmp"), then mapped from the agent's view to the daemon's view;
 *   - the policy (enum guard_rule) refuses privileged containers, host
 *     namespaces, added capabilities, devices, unconfined security
 *     options, binds outside the workspace and daemon administration, each
 *     with HTTP 403 {"message": "..."} naming the rule and the node label
 *     that allows it (GUARD_ALLOW_LABEL_PREFIX + rule name);
 *   - a host port already published by another running container of the
 *     daemon is refused (409) naming the holder;
 *   - everything else, and every stream (attach/exec upgrades, logs
 *     follow, build contexts, pull progress, chunked bodies), passes
 *     through byte for byte without being buffered whole.  JSON bodies
 *     that are rewritten are capped (guard_conf.max_json); malformed
 *     requests get 400, oversized ones 413/431.
 *
 * Threads: one accept thread and one thread per client connection (at
 * most guard_conf.max_conns).  Nothing depends on the remoting channel.
 * Upstream: unix sockets only for now (tcp+TLS is refused at start).
 */
#ifndef JNAGENT_DOCKER_GUARD_H
#define JNAGENT_DOCKER_GUARD_H

#include <stddef.h>

#define GUARD_LABEL_NODE	"io.jenkins.jnagent.node"
#define GUARD_LABEL_BUILD	"io.jenkins.jnagent.build"
#define GUARD_ALLOW_LABEL_PREFIX "docker-allow-"
#define GUARD_MAX_JSON		(4 * 1024 * 1024)
#define GUARD_MAX_CONNS		64
#define GUARD_MAX_PATHS		8

enum guard_rule {
	GUARD_RULE_PRIVILEGED = 0,	/* "privileged" */
	GUARD_RULE_HOST_PID,		/* "host-pid" */
	GUARD_RULE_HOST_NETWORK,	/* "host-network" */
	GUARD_RULE_HOST_IPC,		/* "host-ipc" */
	GUARD_RULE_HOST_UTS,		/* "host-uts" */
	GUARD_RULE_HOST_USERNS,		/* "host-userns" */
	GUARD_RULE_CAP_ADD,		/* "cap-add" */
	GUARD_RULE_DEVICES,		/* "devices" */
	GUARD_RULE_SECURITY_OPT,	/* "security-opt" */
	GUARD_RULE_BIND,		/* "bind-outside-workspace" */
	GUARD_RULE_DAEMON_ADMIN,	/* "daemon-admin" (plugins, swarm) */
	GUARD_RULE_COUNT
};

/* Name of a rule ("privileged"); NULL when out of range. */
const char *guard_rule_name(int rule);
/* The rule of a name, or -1. */
int guard_rule_lookup(const char *name);
/*
 * Allow-mask from node labels (space separated, as Jenkins gives them):
 * each "docker-allow-<rule>" allows that rule; "docker-allow-all" all.
 */
unsigned guard_policy_from_labels(const char *labels);

struct guard_map {
	const char	*agent;		/* path prefix as the agent sees it */
	const char	*daemon;	/* the same place as the daemon sees it */
};

struct guard_conf {
	/*
	 * "unix:///path" or "tcp://host[:port]" (DOCKER_HOST form).  For
	 * tcp, the guard reaches the daemon through a private local socket
	 * of its own (docker/tlsfwd.h): TLS when tls, checking the daemon
	 * against cert_path/ca.pem when tls_verify, with cert_path's client
	 * certificate when there is one.
	 */
	const char	*upstream;
	int		 tls;
	int		 tls_verify;
	const char	*cert_path;	/* DOCKER_CERT_PATH; NULL: none */
	const char	*build;		/* JENKINS_SERVER_COOKIE or BUILD_TAG */
	const char	*node;		/* node name */
	/* workspaces the build may bind (each also with "@tmp") */
	const char	*workspaces[GUARD_MAX_PATHS];
	struct guard_map maps[GUARD_MAX_PATHS];	/* agent -> daemon */
	/*
	 * maps_only: the maps are every place the daemon can see (jnagent
	 * runs in a container): a workspace bind source under no map is
	 * refused (403) rather than passed on as an empty host directory.
	 */
	int		 maps_only;
	unsigned	 allow;		/* bit (1u << rule): rule allowed */
	const char	*socket_path;	/* NULL: a new 0700 dir under /tmp */
	size_t		 max_json;	/* 0: GUARD_MAX_JSON */
	int		 max_conns;	/* 0: GUARD_MAX_CONNS */
	/* Optional: notes (refusals, errors); msg borrowed; any thread. */
	void		(*log)(void *arg, int level, const char *msg);
	void		*log_arg;
};

struct guard;

/*
 * Start a guard (strings in conf are copied).  NULL on failure with the
 * reason in err (errlen bytes, may be NULL/0).  Caller ends it with
 * guard_end().
 */
struct guard *guard_start(const struct guard_conf *conf, char *err,
    size_t errlen);
/* The socket path; borrowed until guard_end(). */
const char *guard_socket(const struct guard *g);
/* The name prefix of the build's objects; borrowed until guard_end(). */
const char *guard_prefix(const struct guard *g);
/*
 * Stop serving (open connections are closed; a request already sent to
 * the daemon gets its answer first, up to 10 s), then remove everything
 * labelled with the build: containers (forced, with anonymous volumes),
 * networks, volumes.  Frees g (fine on NULL).  Returns the number of
 * objects that could not be removed (0 = clean), or -1 when the daemon
 * could not be reached.
 */
int guard_end(struct guard *g);
/*
 * At agent start or after a reconnect: remove everything labelled with
 * node whose build label is not in live (NULL-terminated, may be NULL).
 * Returns the count of objects left that should have gone, or -1.
 */
int guard_sweep_stale(const char *upstream, const char *node,
    const char *const *live);
/* The same for any upstream, a tcp:// one reached with tls, tls_verify
 * and cert_path as in struct guard_conf. */
int guard_sweep_stale_conf(const struct guard_conf *c,
    const char *const *live);

/* ---- pure helpers (exposed for tests) ------------------------------- */

/*
 * Parse a request head (up to and including the blank line): 0, or an
 * HTTP status to answer (400 malformed, 431 too large, 501 method).
 */
struct guard_req {
	char		 method[16];
	char		 target[8192];
	int		 minor;		/* HTTP/1.<minor> */
	long long	 clen;		/* -1 none */
	int		 chunked;
	int		 upgrade;	/* Connection: Upgrade seen */
	int		 expect100;
	int		 close;		/* Connection: close */
};
int guard_parse_request(const char *head, size_t len, struct guard_req *r);
/*
 * Map an agent path to the daemon's view with the longest matching
 * prefix of maps (component boundary).  Caller frees; NULL on no memory.
 */
char *guard_map_path(const struct guard_map *maps, size_t nmaps,
    const char *path);

#endif
