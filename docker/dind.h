/*
 * dind.h: one inner Docker daemon per node (Docker-in-Docker), run as a
 * container on the host daemon.
 *
 * The inner daemon's container is "jnagent-dind-<node>" (labelled
 * jnagent.dind=<node>); its /var/lib/docker is the named volume
 * "jnagent-dind-<node>", which belongs to this node alone and survives
 * restarts (the image cache).  It listens on a unix socket,
 * <sock_dir>/docker.sock, with sock_dir a host directory bind-mounted at
 * /run/jnagent-dind; the agent's work directory is bind-mounted at the
 * same path so workspace bind mounts of the builds resolve.
 *
 * With tls set, it listens on tcp://127.0.0.1:<tls_port> instead, with
 * --network host and --tlsverify: dind_start() generates a CA, server and
 * client certificates (docker/certgen.h) into tls_dir, copies the
 * server's into the container before it starts (no bind mount), and
 * talks to it with the client's; dind_host() is then the tcp:// address
 * and dind_tls_dir() the DOCKER_CERT_PATH.  This is for an agent that
 * runs in a container sharing the host's network, whose socket
 * directory no bind mount makes visible to the host daemon.
 *
 * dind_start() starts it (or adopts a running one of a previous -dindKeep
 * run) and waits for /_ping; dind_ensure() is the check before each launch
 * and restarts it if it died; dind_stop() removes the container unless
 * keep.  After start, /info's storage driver is checked: overlay2 is
 * expected, vfs works but is slow (dind_warning() says so).
 *
 * Thread safety: every function takes the struct dind's lock; the struct
 * docker given to dind_start() is used under that lock only, so it must
 * not be used elsewhere meanwhile.  Errors: 0 or -1 with a one-line
 * reason in err (the daemon's own message where there is one).
 */
#ifndef JNAGENT_DOCKER_DIND_H
#define JNAGENT_DOCKER_DIND_H

#include <stddef.h>

struct docker;

#define DIND_DEFAULT_IMAGE	"docker:dind"
#define DIND_SOCK_INSIDE_DIR	"/run/jnagent-dind"
#define DIND_TLS_INSIDE_DIR	"/jnagent-tls"	/* tls: the server's files */

/* Borrowed: must outlive the struct dind.  Vectors NULL-terminated. */
struct dind_conf {
	const char		*node;		/* required */
	const char		*image;		/* NULL: DIND_DEFAULT_IMAGE */
	int			 unprivileged;	/* else privileged */
	const char *const	*cap_add;
	const char *const	*cap_drop;
	const char *const	*security_opt;
	const char *const	*cgroup_rules;	/* device cgroup rules */
	const char		*runtime;	/* e.g. sysbox-runc; NULL: default */
	const char *const	*binds;		/* extra "src:dst[:opts]" */
	const char		*work_dir;	/* mounted at the same path */
	const char		*sock_dir;	/* required, must exist */
	/*
	 * The host paths of work_dir and sock_dir when the caller runs in a
	 * container (the daemon resolves bind sources on its host); NULL:
	 * the same paths.  work_dir is still mounted at work_dir inside.
	 */
	const char		*work_dir_host;
	const char		*sock_dir_host;
	const char *const	*dockerd_args;	/* after --host=... */
	int			 keep;		/* dind_stop() leaves it running */
	int			 tls;		/* TCP + TLS on loopback */
	int			 tls_port;	/* 0: a free port, picked once */
	const char		*tls_dir;	/* certificates (required w/ tls) */
	long			 ready_ms;	/* /_ping wait; 0: 60 s */
};

struct dind;

/* Start (or adopt) the node's inner daemon; *out caller frees with
 * dind_stop().  d: a handle on the host daemon, owned by the caller,
 * freed after dind_stop(). */
int dind_start(struct docker *d, const struct dind_conf *c,
    struct dind **out, char *err, size_t errlen);
/* Running and answering /_ping?  If not, start it again.  0 or -1. */
int dind_ensure(struct dind *x, char *err, size_t errlen);
/* "unix://<sock_dir>/docker.sock", or "tcp://127.0.0.1:<port>" with tls
 * (static storage of x). */
const char *dind_host(struct dind *x);
/* With tls: the directory with ca.pem, cert.pem, key.pem; else NULL. */
const char *dind_tls_dir(struct dind *x);
/* With tls: the port; else 0. */
int dind_tls_port(struct dind *x);
/* The inner daemon's storage driver ("" before start). */
const char *dind_driver(struct dind *x);
/* A warning about the inner daemon (vfs), or "" . */
const char *dind_warning(struct dind *x);
/* How many times dind_ensure() restarted it. */
int dind_restarts(struct dind *x);
/* The container and volume name: "jnagent-dind-<node>" with characters
 * Docker refuses replaced by '_'.  Static storage of x. */
const char *dind_name(struct dind *x);
/* Remove the container (unless keep; the volume stays) and free x. */
void dind_stop(struct dind *x);

#endif
