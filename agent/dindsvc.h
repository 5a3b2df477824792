/*
 * dindsvc.h: the jnagent binary's DinD provider for agent/dockersel.h.
 *
 * dindsvc_install() registers a provider that starts this node's inner
 * Docker daemon (docker/dind.h) at the first launch whose labels select
 * DinD, on the -dockerHost daemon, with the -dind* options; every later
 * DinD launch first checks it (dind_ensure: restarted if it died).  The
 * socket lives in <workDir>/<internalDir>/dind (or a private directory
 * under /tmp when that path is too long for a unix socket).
 * dindsvc_shutdown() stops and removes it unless -dindKeep.
 *
 * Kept out of libagent.a because it links libdocker; conf is borrowed
 * until dindsvc_shutdown().
 */
#ifndef JNAGENT_AGENT_DINDSVC_H
#define JNAGENT_AGENT_DINDSVC_H

struct agent_conf;

void dindsvc_install(const struct agent_conf *conf);
void dindsvc_shutdown(void);

#endif
