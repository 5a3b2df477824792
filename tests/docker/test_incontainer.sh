#!/bin/sh
# test_incontainer.sh: jnagent running in a container on a private dockerd
# (the jnagent image, built as test_image.sh does), with that daemon's
# socket mounted: it finds its own container through the API
# (agent/selfctr.h) and
#   - `jnagent docker doctor`: work directory bind-mounted from a
#     different host path -> FAIL naming the host path and the remedy;
#     at the same path -> parity passes; on no bind mount -> FAIL; in
#     DinD mode the inner daemon gets the host path (no FAIL);
#   - builds through the per-build guard (test controller, --scenario
#     docker-path, network host): `docker run -v $WORKSPACE:/src busybox
#     cat /src/file` sees the file the agent wrote, because the guard maps
#     the workspace to the host path behind the container's bind mount; a
#     workspace on the container's own file system is refused by the
#     guard with a message saying why;
#   - the same with DinD (an image assembled by mkdind.sh): the inner
#     daemon mounts the work directory's host path at its path, its socket
#     is in the bind-mounted work directory, and the build's container on
#     the inner daemon reads the agent's file.
: "${E2E_TIMEOUT:=300}"
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/docker/lib.sh"

[ -n "$JAVAC" ] && [ -n "$JAVA" ] ||
	skip_all "no JDK (JAVAC/JAVA empty): the test controller is Java"
[ -x "$JNAGENT" ] || skip_all "jnagent binary not built ($JNAGENT)"
DOCKER_CLI=$(command -v docker) || skip_all "no docker CLI"
docker_test_start || skip_all "$DOCKER_TEST_SKIP"
unset DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_TLS
DOCKER_HOST=$DOCKER_TEST_HOST
DOCKER_BUILDKIT=0	# the classic builder: no buildx plugin needed
DOCKER_CLI_HINTS=false
export DOCKER_HOST DOCKER_BUILDKIT DOCKER_CLI_HINTS
CTR=jnagent-incontainer-$$
TAG=jnagent-incontainer:$$
BASE=jnagent-incontainer-rootfs:$$
SOCK=$DOCKER_TEST_DIR/docker.sock

ic_cleanup() {
	"$DOCKER_CLI" rm -f -v "$CTR" >/dev/null 2>&1
	docker_test_stop
	e2e_cleanup
}

e2e_init 33
trap ic_cleanup EXIT

dk() {
	"$DOCKER_CLI" "$@" 2>>"$T/docker.err"
}

docker_test_image busybox || bail "busybox import failed"
sh "$top_srcdir/packaging/mkrootfs.sh" "$JNAGENT" "$T/rootfs.tar" \
    "$DOCKER_CLI" >"$T/mkrootfs.out" 2>&1 || bail "mkrootfs.sh failed"
dk import "$T/rootfs.tar" "$BASE" >/dev/null || bail "docker import failed"
rm -f "$T/rootfs.tar"
mkdir -p "$T/ctx"
dk build -q --build-arg "BASE=$BASE" -t "$TAG" \
    -f "$top_srcdir/packaging/Dockerfile" "$T/ctx" >/dev/null ||
	bail "docker build of the jnagent image failed"
ok "the jnagent image is built from local files"

# The container's user (uid 1000) reaches the daemon through the socket's
# group, as a real deployment would (--group-add).
GID=$(stat -c %g "$SOCK")
# jnagent in a container, running `jnagent docker doctor ARGS`.
# run_doctor OUT RUN-OPTIONS... -- DOCTOR-ARGS...
run_doctor() {
	_out=$1; shift
	_ro=
	while [ "$1" != -- ]; do _ro="$_ro $1"; shift; done
	shift
	# shellcheck disable=SC2086
	dk run --rm --network none --group-add "$GID" \
	    -v "$SOCK:/var/run/docker.sock" $_ro \
	    ${ASAN_OPTIONS:+-e ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    "$TAG" docker doctor --docker-host unix:///var/run/docker.sock \
	    "$@" >"$_out" 2>&1
}

# grep_all FILE PATTERN...: every pattern in FILE (else the file as TAP
# comments).
grep_all() {
	_f=$1; shift
	for _p in "$@"; do
		if ! grep -q -- "$_p" "$_f"; then
			echo "# no '$_p' in:"; sed 's/^/#   /' "$_f"; return 1
		fi
	done
}

# (a) the work directory bind-mounted from a different host path
mkdir -p "$T/elsewhere/agent"
run_doctor "$T/agent-doc-a.out" -v "$T/elsewhere/agent:/home/jenkins/agent" -- \
    --workdir /home/jenkins/agent
rc=$?
check "doctor in a container, workDir from another host path: exits non-zero (rc $rc)" \
    test "$rc" != 0
check "it found its own container through the API (mountinfo id)" \
    grep_all "$T/agent-doc-a.out" "^own container: jnagent runs in .*found by mountinfo"
check "it names the mismatch (the host path) and the remedy" \
    grep_all "$T/agent-doc-a.out" \
    "^FAIL: path parity: /home/jenkins/agent is $T/elsewhere/agent on the host" \
    "fix: bind-mount the work directory at the same path" "^result: FAILED"
# (b) the same path on the host and in the container
mkdir -p "$T/same"
run_doctor "$T/agent-doc-b.out" -v "$T/same:$T/same" -- --workdir "$T/same"
rc=$?
check "doctor in a container, workDir at the same host path: parity passes, exit 0 (rc $rc)" \
    sh -c '[ "$1" = 0 ] && grep -q "^path parity: $2 is the same path on the host (container mounts)" "$3" &&
        grep -q "^result: OK" "$3"' _ "$rc" "$T/same" "$T/agent-doc-b.out"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/agent-doc-b.out"
# (c) a work directory on no bind mount (the container's own layer)
run_doctor "$T/agent-doc-c.out" -- --workdir /opt
rc=$?
check "doctor: a work directory on no bind mount fails (rc $rc)" \
    sh -c '[ "$1" != 0 ] && grep -q "^FAIL: path parity: /opt is inside jnagent.s container (on no bind mount)" "$2"' \
    _ "$rc" "$T/agent-doc-c.out"

# (d) DinD mode: no same path needed, the inner daemon gets the host path
run_doctor "$T/agent-doc-d.out" -v "$T/elsewhere/agent:/home/jenkins/agent" -- \
    --workdir /home/jenkins/agent --labels dind --dind-image busybox
rc=$?
check "doctor, DinD mode, workDir from another host path: the inner daemon gets the host path, exit 0 (rc $rc)" \
    sh -c '[ "$1" = 0 ] && grep -q "^path parity: DinD: the inner daemon gets $2 (host) at /home/jenkins/agent" "$3"' \
    _ "$rc" "$T/elsewhere/agent" "$T/agent-doc-d.out"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/agent-doc-d.out"

# End to end: jnagent in a container (network host: the controller is on
# 127.0.0.1) with its workDir bind-mounted from a different host path.
HW=$T/hostwork
mkdir -p "$HW"
chown 1000:1000 "$HW"
AW=/home/jenkins/agent
ctl_start --scenario docker-path --remote-root "$AW" ||
	bail "test controller did not start"
# shellcheck disable=SC2086
dk run -d --name "$CTR" --network host --group-add "$GID" \
    -v "$SOCK:/var/run/docker.sock" -v "$HW:$AW" \
    ${ASAN_OPTIONS:+-e ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$TAG" -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$AW" -labels linux \
    -dockerHost unix:///var/run/docker.sock -loglevel debug >/dev/null ||
	bail "docker run of the agent failed"
check "the containerised agent comes online" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 60
check "the mapped build's step ran" \
    wait_line "$T/ctl.out" '^STEP path-mapped ok ' 120
line=$(sed -n 's/^STEP path-mapped ok //p' "$T/ctl.out")
echo "# $line"
wrote=$(echo "$line" | sed -n 's/^agent=\([^ ]*\) .*/\1/p')
seen=$(echo "$line" | sed -n 's/.* | container=\(.*\)$/\1/p')
check "docker run -v \$WORKSPACE:/src through the guard exits 0" \
    sh -c 'echo "$1" | grep -q " | rc=0 | "' _ "$line"
check "the build's container reads the file the agent wrote ($wrote = $seen)" \
    sh -c 'case $1 in agent-wrote-?*) test "$1" = "$2";; *) exit 1;; esac' \
    _ "$wrote" "$seen"
check "the file is on the host under the bind mount's source ($HW)" \
    test "$(cat "$HW/workspace/docker-path/file" 2>/dev/null)" = "$wrote"
dk logs "$CTR" >"$T/agent-live.log" 2>&1
cat "$HW"/remoting/logs/remoting.log.* >>"$T/agent-live.log" 2>/dev/null
check "the guard took its path maps from the container's own mounts" \
    grep -q "docker guard: jnagent runs in container $CTR .*found by mountinfo" \
    "$T/agent-live.log"
check "a workspace on the container's own file system: the step ran" \
    wait_line "$T/ctl.out" '^STEP path-unmapped ok ' 60
line=$(sed -n 's/^STEP path-unmapped ok //p' "$T/ctl.out")
echo "# $line"
check "... and its docker run -v is refused by the guard, saying why" \
    sh -c 'echo "$1" | grep -q " | rc=[1-9][0-9]* | container=.*jnagent docker guard: bind mount of /tmp/jnagent-unmapped-ws refused: jnagent runs in a container and this path is on none of its bind mounts"' \
    _ "$line"
check "KillTasks answered" wait_line "$T/ctl.out" '^STEP path-killed$' 60
check "controller verdict RESULT ok" ctl_finished 60
ctl_verdict
left=$(dk ps -aq --filter label=io.jenkins.jnagent.node="$NODE" | wc -l)
check "no build container left on the daemon ($left)" test "$left" = 0
dk stop -t 20 "$CTR" >/dev/null
dk logs "$CTR" >"$T/agent.out" 2>"$T/agent.err"
check "secret not in the agent container's output" \
    sh -c '! grep -qF -- "$1" "$2" "$3"' _ "$SECRET" "$T/agent.out" "$T/agent.err"

# DinD with jnagent in a container: the inner daemon gets the work
# directory from its host path (the bind source of jnagent's container)
# at the same path, so the guard's identity mapping holds.  Inner daemons
# run unprivileged with what they need (DEVELOPERS.md); jnagent as root,
# the inner daemon's socket being root's.
dk rm -f -v "$CTR" >/dev/null
next_run dood
if ! why=$(sh "$top_srcdir/tests/docker/mkdind.sh" "$DOCKER_TEST_DIR" \
    jnagent-dind:test "$SOCK" 2>&1); then
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
		ok "# SKIP cannot assemble the DinD image: $why"
	done
	e2e_done
	exit
fi
HW=$T/hostwork-dind
mkdir -p "$HW"
cp "$DOCKER_TEST_ROOTFS" "$HW/rootfs.tar"
# dind_run WHAT [JNAGENT-ARG...]: the controller's docker-path scenario
# and jnagent in its container (network host, work directory from $HW)
# with DinD labels; then the three checks every DinD run makes (online,
# the mapped step ran, the inner daemon's container read the agent's file).
dind_run() {
	_what=$1; shift
	JNAGENT_PATH_LABELS="linux dind" JNAGENT_PATH_ROOTFS=$AW/rootfs.tar \
	    ctl_start --scenario docker-path --remote-root "$AW" ||
		bail "test controller did not start ($_what)"
	# shellcheck disable=SC2086
	dk run -d --name "$CTR" --network host --user 0:0 \
	    -v "$SOCK:/var/run/docker.sock" -v "$HW:$AW" \
	    ${ASAN_OPTIONS:+-e ASAN_OPTIONS="$ASAN_OPTIONS"} \
	    "$TAG" -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
	    -name "$NODE" -secret "$SECRET" -workDir "$AW" -labels "linux dind" \
	    -dockerHost unix:///var/run/docker.sock -loglevel debug \
	    -dindImage jnagent-dind:test -dindPrivileged false -dindCapAdd ALL \
	    -dindCapDrop SYS_RESOURCE -dindSecurityOpt seccomp=unconfined \
	    -dindSecurityOpt apparmor=unconfined -dindDeviceCgroupRule 'a *:* rwm' \
	    -dindMount /sys/fs/cgroup:/sys/fs/cgroup "$@" >/dev/null ||
		bail "docker run of the agent failed ($_what)"
	check "$_what: the containerised agent comes online" \
	    wait_line "$T/ctl.out" '^ONLINE 1$' 60
	check "$_what: the mapped build's step ran" \
	    wait_line "$T/ctl.out" '^STEP path-mapped ok ' 180
	line=$(sed -n 's/^STEP path-mapped ok //p' "$T/ctl.out")
	echo "# $line"
	wrote=$(echo "$line" | sed -n 's/^agent=\([^ ]*\) .*/\1/p')
	seen=$(echo "$line" | sed -n 's/.* | container=\(.*\)$/\1/p')
	check "$_what: the inner daemon's container reads the file the agent wrote ($seen)" \
	    sh -c 'case $1 in agent-wrote-?*) test "$1" = "$2";; *) exit 1;; esac' \
	    _ "$wrote" "$seen"
}
dind_run DinD
dk logs "$CTR" >"$T/agent-live.log" 2>&1
cat "$HW"/remoting/logs/remoting.log.* >>"$T/agent-live.log" 2>/dev/null
check "DinD: the inner daemon mounts the host path of the work directory at its path" \
    grep -q "jnagent runs in container $CTR: the inner daemon mounts $HW (host) at $AW" \
    "$T/agent-live.log"
check "DinD: the build's guard forwards to the inner daemon's socket" \
    grep -q "docker guard for build JENKINS_NODE_COOKIE=.* on unix://$AW/remoting/dind/docker.sock at " \
    "$T/agent-live.log"
check "DinD: the inner daemon's socket is in the bind-mounted work directory" \
    test -S "$HW/remoting/dind/docker.sock"
wait_line "$T/ctl.out" '^STEP path-killed$' 60
check "DinD: controller verdict RESULT ok" ctl_finished 60
ctl_verdict
dk stop -t 30 "$CTR" >/dev/null
dk logs "$CTR" >"$T/agent.out" 2>"$T/agent.err"
dk rm -f -v jnagent-dind-"$NODE" >/dev/null 2>&1
dk volume rm jnagent-dind-"$NODE" >/dev/null 2>&1

# DinD with jnagent in a container whose inner-daemon socket directory is
# on no bind mount (an internal directory name long enough that the
# socket goes to the container's /tmp): -dindTransport auto picks TLS on
# a loopback port (both containers use the host's network), the builds'
# guard forwards to jnagent's local socket in front of it.
dk rm -f -v "$CTR" >/dev/null
next_run dind-unix
LONG=internal-directory-with-a-name-long-enough-to-push-the-socket-path-past-the-limit
dind_run "DinD over TLS" -internalDir "$LONG"
dk logs "$CTR" >"$T/agent-live.log" 2>&1
cat "$HW/$LONG"/logs/remoting.log.* >>"$T/agent-live.log" 2>/dev/null
check "DinD over TLS: auto chose TLS, saying why" \
    grep -q "is on none of its bind mounts: reaching the inner daemon by TLS on a loopback port" \
    "$T/agent-live.log"
check "DinD over TLS: the build's guard forwards to jnagent's local TLS socket" \
    grep -q "docker guard for build JENKINS_NODE_COOKIE=.* on unix:///tmp/jnagent-dind\.[^/]*/fwd\.sock at " \
    "$T/agent-live.log"
c=$(dk ps -q --filter "label=jnagent.dind=$NODE")
check "DinD over TLS: the inner daemon uses the host's network, listens with --tlsverify" \
    sh -c '[ "$(docker -H "unix://$1" inspect -f "{{.HostConfig.NetworkMode}}" "$2")" = host ] &&
        docker -H "unix://$1" inspect -f "{{json .Config.Cmd}}" "$2" | grep -q -- "--tlsverify"' \
    _ "$SOCK" "$c"
wait_line "$T/ctl.out" '^STEP path-killed$' 60
check "DinD over TLS: controller verdict RESULT ok" ctl_finished 60
ctl_verdict
dk stop -t 30 "$CTR" >/dev/null
dk logs "$CTR" >"$T/agent.out" 2>"$T/agent.err"
dk rm -f -v jnagent-dind-"$NODE" >/dev/null 2>&1
dk volume rm jnagent-dind-"$NODE" >/dev/null 2>&1
e2e_done
