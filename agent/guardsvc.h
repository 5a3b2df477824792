/*
 * guardsvc.h: each build's Docker work goes through its own Engine API
 * guard (docker/guard.h).
 *
 * guardsvc_install() (jnagent binary only: it links libdocker) registers
 * a dockersel_set_rewrite() hook.  For a launch whose environment names a
 * build, the hook looks up or starts that build's guard on the daemon the
 * labels selected and sets DOCKER_HOST=unix://<guard socket>.  The build
 * id is, in this order:
 *   JENKINS_NODE_COOKIE   one per node {} block of a Pipeline; every sh
 *                         step of the block, and so all steps of one
 *                         docker.image().inside {}, share it, and the
 *                         controller kills by it when the block ends;
 *   BUILD_TAG             freestyle and other non-Pipeline builds;
 *   JENKINS_SERVER_COOKIE last: durable-task gives each sh step its own,
 *                         so a guard keyed by it would end, and sweep the
 *                         containers, between two steps of one inside {}.
 * The guard gets the node name, the workspace ($WORKSPACE, and so its
 * "@tmp") and the policy of the node's labels ($NODE_LABELS, else
 * -labels; guard_policy_from_labels()).  A daemon that is not unix:// gets
 * no guard (one warning per address).  -dockerGuard false: no hook.
 * When jnagent runs in a container, a guard on the DooD daemon also gets
 * path maps: the Destination -> Source of its own container's mounts
 * (agent/selfctr.h, looked up once), with guard_conf.maps_only, so a
 * workspace on no bind mount is refused rather than mounted empty.  DinD
 * guards need none: the inner daemon has the work directory at its path.
 *
 * The build ends when the controller's KillTask names the build id
 * (guardsvc_build_killed()): the guard stops and everything labelled with
 * the build is removed.  At install and after each reconnect
 * (guardsvc_connected()) a background thread sweeps the objects of this
 * node's builds that have no guard left (guard_sweep_stale()); a launch
 * that would start a new guard meanwhile waits for the sweep to finish, so
 * the sweep never takes the new build for a stale one.
 * guardsvc_shutdown() ends every guard (the builds cannot outlive jnagent)
 * and stops the thread.  conf is borrowed until then.
 */
#ifndef JNAGENT_AGENT_GUARDSVC_H
#define JNAGENT_AGENT_GUARDSVC_H

struct agent_conf;

void guardsvc_install(const struct agent_conf *conf);
void guardsvc_shutdown(void);

/*
 * These two live in libagent (agent/guardhook.c) so that h_launch.c and
 * connect.c need no libdocker; they do nothing until guardsvc_install().
 * guardsvc_build_killed(): one NAME=VALUE pair of a KillTask's environment
 * model; ends the guard of that build (blocks until it is swept).
 * guardsvc_connected(): a channel came up; schedules a stale sweep.
 */
void guardsvc_build_killed(const char *name, const char *value);
void guardsvc_connected(void);

struct guardsvc_hooks {
	void	(*killed)(const char *name, const char *value);
	void	(*connected)(void);
};
/* Set (or clear with NULL) the functions the two calls above run. */
void guardsvc_set_hooks(const struct guardsvc_hooks *h);

#endif
