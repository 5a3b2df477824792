#!/bin/sh
# test_dind_tls.sh: the inner daemon reached by TLS on a loopback port
# (-dindTransport tls), as jnagent does when it runs in a container whose
# socket directory no bind mount shows the host daemon.  jnagent runs on
# the host here, with the transport forced; the controller's docker
# scenario launches a DinD step whose `docker run` goes through the local
# forwarding socket to the inner daemon, which listens with --tlsverify
# on 127.0.0.1 in the host's network namespace.
: "${E2E_TIMEOUT:=300}"
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/docker/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "no curl"
dind_e2e_start
e2e_init 12
trap 'e2e_cleanup; docker_test_stop' EXIT

unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
export DOCKER_CLI_HINTS=false JNAGENT_E2E_ROOTFS=$DOCKER_TEST_ROOTFS
OUTER=$DOCKER_TEST_DIR/docker.sock
# a free loopback port for the inner daemon
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

ctl_start --scenario docker || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work" -labels linux \
    -dockerHost "unix://$OUTER" -dindImage jnagent-dind:test \
    -dindTransport tls -dindTlsPort "$PORT" \
    -dindPrivileged false -dindCapAdd ALL -dindCapDrop SYS_RESOURCE \
    -dindSecurityOpt seccomp=unconfined -dindSecurityOpt apparmor=unconfined \
    -dindDeviceCgroupRule 'a *:* rwm' -dindMount /sys/fs/cgroup:/sys/fs/cgroup
DIR=$(cd "$T/work" && pwd -P)/remoting/dind
TLS=$DIR/tls
check "DinD step: DOCKER_HOST is jnagent's forwarding socket" \
    wait_line "$T/ctl.out" "^STEP docker-dind ok host=unix://$DIR/fwd.sock\$" 180
inner() { docker --tlsverify --tlscacert "$TLS/ca.pem" --tlscert "$TLS/cert.pem" \
    --tlskey "$TLS/key.pem" -H "tcp://127.0.0.1:$PORT" "$@"; }
check "the step's container is on the inner daemon (docker CLI over TLS with the client certificate)" \
    test "$(inner ps -q --filter label=jnagent.e2e=dind | wc -l)" = 1
check "and not on the host daemon" \
    test "$(docker -H "unix://$OUTER" ps -q --filter label=jnagent.e2e=dind | wc -l)" = 0
check "the same container through the forwarding socket" \
    test "$(docker -H "unix://$DIR/fwd.sock" ps -q --filter label=jnagent.e2e=dind | wc -l)" = 1
check "no client certificate: refused" \
    sh -c "! curl -s -k --max-time 10 https://127.0.0.1:$PORT/_ping"
check "plain HTTP: refused" \
    sh -c "! curl -s --max-time 10 http://127.0.0.1:$PORT/_ping | grep -qx OK"
check "private files 0600 in a 0700 directory" \
    sh -c "[ \"\$(stat -c %a '$TLS')\" = 700 ] && [ \"\$(stat -c %a '$TLS/key.pem')\" = 600 ] && [ \"\$(stat -c %a '$DIR/fwd.sock')\" = 600 ]"
c=$(docker -H "unix://$OUTER" ps -q --filter "label=jnagent.dind=$NODE")
check "the inner daemon's container uses the host's network" \
    test "$(docker -H "unix://$OUTER" inspect -f '{{.HostConfig.NetworkMode}}' "$c")" = host
check "and no bind mount of the socket directory" \
    sh -c "! docker -H unix://$OUTER inspect -f '{{range .Mounts}}{{.Destination}} {{end}}' $c | grep -q /run/jnagent-dind"
check "controller verdict RESULT ok" ctl_finished 60
ctl_verdict
stop_pid "$AGENT_PID"
check "jnagent's exit removed the inner daemon's container" \
    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=jnagent.dind=$NODE" | wc -l)" = 0
check "and the client key and the forwarding socket" \
    sh -c "[ ! -e '$TLS/key.pem' ] && [ ! -e '$DIR/fwd.sock' ]"
e2e_done
