#!/bin/sh
# test_docker_e2e.sh: jnagent against the test controller (--scenario
# docker) with a private dockerd as the host daemon: a launched step whose
# NODE_LABELS select DooD runs `docker run` on the host daemon, one whose
# NODE_LABELS select DinD runs it on the node's inner daemon, which
# jnagent starts on first use from the image mkdind.sh assembles (with
# the unprivileged flags DEVELOPERS.md explains) and removes at exit.
# Each container is looked for with `docker ps` on both daemons.
: "${E2E_TIMEOUT:=300}"
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/docker/lib.sh"

dind_e2e_start
e2e_init 8
trap 'e2e_cleanup; docker_test_stop' EXIT

ps_count() {	# ps_count SOCKET LABEL
	docker -H "unix://$1" ps -q --filter "label=$2" 2>/dev/null | wc -l
}
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
export DOCKER_CLI_HINTS=false JNAGENT_E2E_ROOTFS=$DOCKER_TEST_ROOTFS
OUTER=$DOCKER_TEST_DIR/docker.sock

ctl_start --scenario docker || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work" -labels linux \
    -dockerHost "unix://$OUTER" -dindImage jnagent-dind:test \
    -dindPrivileged false -dindCapAdd ALL -dindCapDrop SYS_RESOURCE \
    -dindSecurityOpt seccomp=unconfined -dindSecurityOpt apparmor=unconfined \
    -dindDeviceCgroupRule 'a *:* rwm' -dindMount /sys/fs/cgroup:/sys/fs/cgroup
INNER=$(cd "$T/work" && pwd -P)/remoting/dind/docker.sock
check "DooD step (NODE_LABELS 'linux dood'): DOCKER_HOST is the host daemon" \
    wait_line "$T/ctl.out" "^STEP docker-dood ok host=unix://$OUTER\$" 90
check "DinD step (NODE_LABELS 'linux dind'): DOCKER_HOST is the inner daemon" \
    wait_line "$T/ctl.out" "^STEP docker-dind ok host=unix://$INNER\$" 180
check "the DooD container is in the host daemon's ps" \
    test "$(ps_count "$OUTER" jnagent.e2e=dood)" = 1
check "the DinD container is in the inner daemon's ps" \
    test "$(ps_count "$INNER" jnagent.e2e=dind)" = 1
check "and neither is on the other daemon" \
    test "$(ps_count "$OUTER" jnagent.e2e=dind)$(ps_count "$INNER" jnagent.e2e=dood)" = 00
check "the inner daemon runs on the host daemon, volume jnagent-dind-$NODE" \
    sh -c "docker -H unix://$OUTER ps --filter label=jnagent.dind=$NODE -q | grep -q . &&
        docker -H unix://$OUTER volume inspect jnagent-dind-$NODE >/dev/null"
check "controller verdict RESULT ok" ctl_finished 60
ctl_verdict
stop_pid "$AGENT_PID"
check "jnagent's exit removed the inner daemon's container" \
    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=jnagent.dind=$NODE" | wc -l)" = 0
e2e_done
