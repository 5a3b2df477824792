/*
 * selfctr.h: jnagent's own container, when it runs in one.
 *
 * A build's `docker run -v $WORKSPACE:/src` is resolved by the daemon on
 * the host, so when jnagent runs in a container the workspace path it
 * sees must be translated to the host path that backs it.  This finds
 * jnagent's container through the Engine API and reads its Mounts
 * (Destination inside -> Source on the host).  Used by `jnagent docker
 * doctor` (path parity), by the per-build guards (their path maps,
 * agent/guardsvc.c) and by the DinD service (the host paths to bind into
 * the inner daemon, agent/dindsvc.c).
 *
 * The container id comes from, in this order: $JNAGENT_CONTAINER (an id
 * or name given by the user), /proc/self/mountinfo (the daemon bind-mounts
 * <data-root>/containers/<id>/hostname, resolv.conf and hosts into every
 * container, so the id is in those mounts' roots: this also works with
 * --network host, where the hostname is the host's), /proc/self/cgroup
 * (cgroup v1 and systemd "docker-<id>.scope" paths), then the hostname
 * (Docker's default hostname is the short id; with it the inspected
 * container's Config.Hostname must match).
 */
#ifndef JNAGENT_AGENT_SELFCTR_H
#define JNAGENT_AGENT_SELFCTR_H

#include <stdbool.h>
#include <stddef.h>

struct docker;

#define SELFCTR_MAX_MOUNTS	64

struct selfctr_mount {
	char	*dst;		/* inside jnagent's container */
	char	*src;		/* on the daemon's host */
	char	 type[16];	/* "bind", "volume", ... */
};

struct selfctr {
	char			 id[65];
	char			 name[256];	/* without the leading '/' */
	char			 how[32];	/* where the id came from */
	struct selfctr_mount	 m[SELFCTR_MAX_MOUNTS];
	size_t			 nm;
};

/* Whether this process looks like it runs in a container. */
bool selfctr_in_container(void);

/*
 * Find this process's container on the daemon d and fill *s (free with
 * selfctr_free()).  1 found; 0 not found (the daemon does not know any
 * candidate id: not in a container, or another daemon); -1 an error the
 * daemon reported, with the reason in err.
 */
int selfctr_lookup(struct docker *d, struct selfctr *s, char *err,
    size_t errlen);

/*
 * The host path of dir (absolute, as jnagent sees it): the mount with the
 * longest Destination at or above dir, its Source + the rest.  1 mapped
 * (into host), 0 dir is under no mount (on the container's own file
 * system), -1 host too small.  *mnt (may be NULL): the mount used.
 */
int selfctr_host_path(const struct selfctr *s, const char *dir, char *host,
    size_t hostlen, const struct selfctr_mount **mnt);

void selfctr_free(struct selfctr *s);

/* ---- pure helpers (exposed for tests) ------------------------------- */

/*
 * The container id in one line of mountinfo (a root field containing
 * "/containers/<64 hex>/") or of /proc/self/cgroup (any run of exactly 64
 * hex digits).  1 with id (65 bytes) filled, else 0.
 */
int selfctr_id_from_mountinfo_line(const char *line, char id[65]);
int selfctr_id_from_cgroup_line(const char *line, char id[65]);

#endif
