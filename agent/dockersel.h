/*
 * dockersel.h: which Docker daemon a node's builds use, chosen by label.
 *
 * A node carrying the DinD label (-dindLabel, default "dind") sends the
 * Docker work of its builds to an inner daemon that jnagent runs for this
 * node (docker/dind.h); every other node, and a node carrying the DooD
 * label (-doodLabel, default "dood"), uses the host's daemon (-dockerHost,
 * default $DOCKER_HOST or unix:///var/run/docker.sock).  When a node
 * carries both labels, DooD wins: it needs no privileges.
 *
 * The labels are the agent's own (-labels) unless the launch environment
 * has NODE_LABELS (Jenkins sets it for builds): then those, so a relabelled
 * node follows without a restart.
 *
 * dockersel_launch_env() is the one hook h_launch.c calls for every process
 * the controller launches: it sets DOCKER_HOST (and DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH for a TLS daemon, removing them otherwise) unless the
 * build itself set DOCKER_HOST (docker.withServer, withEnv).
 *
 * Seams, both process-wide and set once at start-up before the channel
 * runs (a mutex guards them anyway):
 * - the DinD provider (dockersel_set_dind()) answers the address of the
 *   node's inner daemon, starting or restarting it as needed; without one,
 *   a launch that selects DinD fails with a clear message.
 * - the host rewrite hook (dockersel_set_rewrite()) runs last and may
 *   replace the chosen address, e.g. with a per-build guard socket that
 *   proxies the Engine API (docker/guard.h) for this one process tree.
 */
#ifndef JNAGENT_AGENT_DOCKERSEL_H
#define JNAGENT_AGENT_DOCKERSEL_H

#include <stdbool.h>
#include <stddef.h>

struct agent_conf;
struct launch_env;

enum dockersel_mode {
	DOCKERSEL_DOOD = 0,
	DOCKERSEL_DIND = 1,
};

#define DOCKERSEL_DIND_LABEL	"dind"
#define DOCKERSEL_DOOD_LABEL	"dood"
#define DOCKERSEL_DIND_IMAGE	"docker:dind"

/* "dood" or "dind" (static). */
const char *dockersel_mode_name(enum dockersel_mode m);

/*
 * Pure selection: node_labels (may be NULL; when non-NULL it is used
 * instead of labels, even when empty) or labels (may be NULL), each a
 * whitespace separated label list; dind_label / dood_label NULL mean the
 * defaults.
 */
enum dockersel_mode dockersel_select(const char *labels,
    const char *node_labels, const char *dind_label, const char *dood_label);

/* Whether the whitespace separated list holds label exactly. */
bool dockersel_has_label(const char *list, const char *label);

/*
 * The DooD daemon address: conf->docker_host, else $DOCKER_HOST, else
 * unix:///var/run/docker.sock.  Borrowed (conf or environ).
 */
const char *dockersel_dood_host(const struct agent_conf *conf);

/* Where a launched process's docker CLI should go. */
struct dockersel_target {
	enum dockersel_mode	 mode;
	char			 host[512];	/* DOCKER_HOST value */
	bool			 tls_verify;	/* DOCKER_TLS_VERIFY=1 */
	char			 cert_path[512];	/* "" = none */
};

/*
 * DinD provider: fill t->host (and the TLS members) with the address of
 * the node's inner daemon, starting it if needed.  env is the launch
 * environment (borrowed).  0, or -1 with a one-line reason in err.
 */
typedef int (*dockersel_dind_fn)(void *arg, const struct agent_conf *conf,
    const struct launch_env *env, struct dockersel_target *t, char *err,
    size_t errlen);
void dockersel_set_dind(dockersel_dind_fn fn, void *arg);

/*
 * Rewrite hook: called with the chosen target just before it goes into
 * env; may change t (e.g. t->host = a per-build guard socket).  0, or -1
 * with a reason in err (the launch fails with it).
 */
typedef int (*dockersel_rewrite_fn)(void *arg, const struct launch_env *env,
    struct dockersel_target *t, char *err, size_t errlen);
void dockersel_set_rewrite(dockersel_rewrite_fn fn, void *arg);

/*
 * Choose the daemon for a launch and put it into env (see top).  conf may
 * be NULL (defaults).  build_set_host: the build's own overrides set
 * DOCKER_HOST, which is then left alone.  0, or -1 with a one-line reason
 * in err (no DinD daemon, out of memory, a hook failed).
 */
int dockersel_launch_env(const struct agent_conf *conf, struct launch_env *env,
    bool build_set_host, char *err, size_t errlen);

/*
 * The DooD socket check (at start and before each launch that selects
 * DooD): for a unix:// host, whether this user can connect to it.  0 when
 * fine (or not a unix socket), else -1 with "<what>; fix: <remedy>" in msg
 * (a permission problem names the socket's group and the exact
 * `usermod -aG <group> <user>`).  No libcurl: a plain connect().
 */
int dockersel_check_socket(const char *host, char *msg, size_t msglen);

/*
 * Log the result of dockersel_check_socket() for the DooD daemon of conf
 * when it differs from the last one logged (a warning, never fatal: the
 * build may not use Docker at all).  Returns its result.
 */
int dockersel_report_socket(const struct agent_conf *conf);

/* Whether one of the n "KEY=VALUE" overrides sets DOCKER_HOST. */
bool dockersel_overrides_host(const char *const *ov, size_t n);

#endif
