#!/bin/sh
# test_guard_e2e.sh: jnagent's Docker guard in launches (agent/guardsvc.h)
# against the test controller (--scenario docker-guard) and a private
# dockerd as the host daemon.  Steps of one node block (same
# JENKINS_NODE_COOKIE, different JENKINS_SERVER_COOKIE) go through one
# per-build guard socket: `docker run --name db` lands labelled with the
# node and the cookie under the build's name prefix, `--privileged` gets
# the guard's 403, and the KillTask for the cookie removes the container;
# a stale build's container is swept at agent start; `jnagent docker
# doctor` reports the guard on or off.
: "${E2E_TIMEOUT:=240}"
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/docker/lib.sh"

command -v docker >/dev/null 2>&1 || skip_all "no docker CLI"
[ -n "$JAVAC" ] && [ -n "$JAVA" ] || skip_all "no JDK (JAVAC/JAVA empty)"
docker_test_start || skip_all "$DOCKER_TEST_SKIP"
trap docker_test_stop EXIT
docker_test_image busybox || skip_all "busybox import failed"
e2e_init 19
trap 'e2e_cleanup; docker_test_stop' EXIT

unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
export DOCKER_CLI_HINTS=false
OUTER=$DOCKER_TEST_DIR/docker.sock
LB=io.jenkins.jnagent.build

check "jnagent docker doctor reports the guard on, with the docker-allow-* rules of the labels" \
    sh -c '"$3" docker doctor --docker-host "unix://$1" --labels \
        "linux docker-allow-privileged docker-allow-cap-add" >"$2" 2>&1;
        grep -qx "guard: on (a Docker socket per build; allowed by docker-allow-\* labels: privileged, cap-add)" "$2"' \
    _ "$OUTER" "$T/doctor.out" "$JNAGENT"
check "and off with -dockerGuard false" \
    sh -c '"$2" docker doctor --docker-host "unix://$1" \
        -dockerGuard false 2>&1 | grep -q "^guard: off (-dockerGuard false"' \
    _ "$OUTER" "$JNAGENT"
# left by a build of this node that no longer exists (jnagent restarted)
docker -H "unix://$OUTER" run -d --label "io.jenkins.jnagent.node=$NODE" \
    --label "$LB=gone-build-1" --network none busybox sleep 300 >/dev/null ||
	bail "cannot start the stale container"
ctl_start --scenario docker-guard || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work" -labels linux \
    -dockerHost "unix://$OUTER" -loglevel debug
wait_line "$T/ctl.out" "^COOKIE " 60 || bail "no COOKIE line from the controller"
COOKIE=$(sed -n 's/^COOKIE //p' "$T/ctl.out")
check "step with JENKINS_NODE_COOKIE: docker run --name db through a guard socket (the build sees the name db)" \
    wait_line "$T/ctl.out" "^STEP guard-run ok name=/db \\| host=unix:///tmp/jnagent-guard\\.[^/]*/docker\\.sock\$" 90
check "the sweep at agent start removed the container of a build with no guard" \
    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=$LB=gone-build-1" | wc -l)" = 0
names=$(docker -H "unix://$OUTER" ps --filter "label=$LB=$COOKIE" \
    --format '{{.Names}}' 2>/dev/null)
check "the daemon holds one container labelled with the build: $names" \
    test "$(echo "$names" | grep -c .)" = 1
check "its daemon name carries the per-build prefix (jn-<cookie>-<hash>_db)" \
    sh -c 'echo "$1" | grep -Eq "^jn-[A-Za-z0-9.-]+-[0-9a-f]{6}_db\$"' _ "$names"
check "it is labelled with the node" \
    test "$(docker -H "unix://$OUTER" ps -q --filter "label=$LB=$COOKIE" \
        --filter "label=io.jenkins.jnagent.node=$NODE" | wc -l)" = 1
check "a second step of the node block (own JENKINS_SERVER_COOKIE): --privileged refused with the guard's 403 message" \
    wait_line "$T/ctl.out" "^STEP guard-privileged ok .*jnagent docker guard: .*refused by rule \"privileged\"; to allow it, give the node the label \"docker-allow-privileged\".* \\| rc=[1-9]" 60
check "the same guard lists the build's container as db" \
    ctl_says "^STEP guard-privileged ok .*\\| ps=db\$"
check "both steps shared one guard" \
    test "$(grep -c "docker guard for build JENKINS_NODE_COOKIE=$COOKIE on" "$T/agent.err")" = 1
touch "$T/work/workspace/docker-guard/go"
check "KillTask{JENKINS_NODE_COOKIE} answered" \
    wait_line "$T/ctl.out" "^STEP guard-killed\$" 60
check "the KillTask removed the build's container" \
    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=$LB=$COOKIE" | wc -l)" = 0
check "controller verdict RESULT ok" ctl_finished 60
ctl_verdict

# The host daemon on tcp:// with TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH in
# the agent's environment): the build's guard reaches it by TLS through a
# private socket of its own; the build talks plain HTTP to the guard.
next_run unix
if [ -n "$DOCKER_TEST_TLS_HOST" ] && [ -f "$DOCKER_TEST_CERTS/client/cert.pem" ]; then
	rm -f "$T/work/workspace/docker-guard/go"
	docker -H "unix://$OUTER" run -d --label "io.jenkins.jnagent.node=$NODE" \
	    --label "$LB=gone-build-2" --network none busybox sleep 300 >/dev/null ||
		bail "cannot start the stale container"
	ctl_start --scenario docker-guard || bail "test controller did not start"
	export DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_TEST_CERTS/client
	agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
	    -name "$NODE" -secret "$SECRET" -workDir "$T/work" -labels linux \
	    -dockerHost "$DOCKER_TEST_TLS_HOST" -loglevel debug
	unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH
	wait_line "$T/ctl.out" "^COOKIE " 60 || bail "no COOKIE line from the controller"
	COOKIE=$(sed -n 's/^COOKIE //p' "$T/ctl.out")
	check "tcp+TLS host daemon: docker run --name db through the build's guard socket" \
	    wait_line "$T/ctl.out" "^STEP guard-run ok name=/db \\| host=unix:///tmp/jnagent-guard\\.[^/]*/docker\\.sock\$" 90
	check "tcp+TLS host daemon: the sweep at agent start removed a gone build's container" \
	    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=$LB=gone-build-2" | wc -l)" = 0
	check "tcp+TLS host daemon: the guard was started on the tcp:// daemon" \
	    grep -q "docker guard for build JENKINS_NODE_COOKIE=$COOKIE on $DOCKER_TEST_TLS_HOST at " "$T/agent.err"
	check "tcp+TLS host daemon: the container is labelled with the build" \
	    test "$(docker -H "unix://$OUTER" ps -q --filter "label=$LB=$COOKIE" | wc -l)" = 1
	check "tcp+TLS host daemon: --privileged refused by the guard" \
	    wait_line "$T/ctl.out" "^STEP guard-privileged ok .*refused by rule \"privileged\"" 60
	touch "$T/work/workspace/docker-guard/go"
	wait_line "$T/ctl.out" "^STEP guard-killed\$" 60
	check "tcp+TLS host daemon: the KillTask removed the build's container" \
	    test "$(docker -H "unix://$OUTER" ps -aq --filter "label=$LB=$COOKIE" | wc -l)" = 0
	ctl_finished 60 >/dev/null 2>&1
else
	for i in 1 2 3 4 5 6; do ok "# SKIP no TLS daemon (openssl missing)"; done
fi
e2e_done
