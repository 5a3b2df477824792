#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): install the
# dependencies, build jnagent, then run it against the bundled test
# controller (tests/controller, a Java program that plays Jenkins) and
# show the node coming online, answering the node-online calls, the node
# monitors and pings, and closing cleanly; then a short pipeline (sh,
# writeFile, stash, unstash, archiveArtifacts) with each step's result.
# Then (as root) one DooD and one DinD step, each running containers on
# a private dockerd and on the node's inner daemon.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh"
export BUILD_DIR=${BUILD_DIR:-$top/build}
bash "$top/scripts/build.sh"
jn=$BUILD_DIR/agent/jnagent
"$jn" -version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo
echo "== jnagent-jser on a stream written by the JDK's ObjectOutputStream"
mkdir -p "$work/peer"
javac -d "$work/peer" "$top"/tests/java/*.java $(find "$top/tests/java" -mindepth 2 -name '*.java')
java -cp "$work/peer" JserPeer write "$work/streams" >/dev/null
first=$(ls "$work/streams"/*.ser 2>/dev/null | grep -m1 hashmap || ls "$work/streams"/* | head -n1)
"$BUILD_DIR/tools/jnagent-jser" "$first" | head -n 40

echo
echo "== jnagent against the test controller (JNLP4-connect over TLS)"
mkdir -p "$work/ctl" "$work/agent"
javac -d "$work/ctl" $(find "$top/tests/controller/src" -name '*.java')
if ! java -cp "$work/ctl" jnagent.testctl.Main --scenario demo --timeout 60 \
	--exec-agent "$jn" --agent-arg -workDir --agent-arg "$work/agent" \
	2>"$work/controller.log"; then
	echo "== the controller's log"
	cat "$work/controller.log"
	exit 1
fi

echo
echo "== a short pipeline (sh, writeFile, stash, unstash, archiveArtifacts)"
echo "   replayed by the test controller against jnagent; every file"
echo "   transferred is checked by sha256 against the agent's disk"
mkdir -p "$work/pipeline"
if ! java -cp "$work/ctl" jnagent.testctl.Main --scenario pipeline \
	--timeout 180 --remote-root "$work/pipeline" \
	--exec-agent "$jn" --agent-arg -workDir --agent-arg "$work/pipeline" \
	>"$work/pipeline.out" 2>"$work/pipeline.log"; then
	cat "$work/pipeline.out"
	echo "== the controller's log (last 40 lines)"
	tail -n 40 "$work/pipeline.log"
	exit 1
fi
# one line per step: "STEP <name> ok <details>", then the verdict
grep -E '^(STEP|RESULT)' "$work/pipeline.out" | cut -c1-200

echo
echo "== Docker by label: a DooD step and a DinD step, each running containers"
echo "   on the daemon its NODE_LABELS select (a private dockerd stands in for"
echo "   the host's; the DinD image is assembled from this host's docker.io)"
if [ "$(id -u)" != 0 ]; then
	echo "   skipped: starting dockerd needs root"
	exit 0
fi
set +u	# tests/docker/lib.sh is plain sh
. "$top/tests/docker/lib.sh"
if ! docker_test_start; then
	echo "   cannot start a private dockerd: $DOCKER_TEST_SKIP"
	exit 1
fi
trap 'set +e; docker_test_stop; rm -rf "$work"' EXIT
outer=$DOCKER_TEST_DIR/docker.sock
docker_test_image busybox || { echo "   docker import of busybox failed"; exit 1; }
if ! why=$(sh "$top/tests/docker/mkdind.sh" "$DOCKER_TEST_DIR" \
    jnagent-dind:demo "$outer" 2>&1); then
	echo "   cannot assemble the DinD image: $why"
	exit 1
fi
mkdir -p "$work/docker"
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH
# The non-privileged DinD flags are for these build machines only
# (DEVELOPERS.md); a real node keeps the privileged default.
if ! JNAGENT_E2E_ROOTFS=$DOCKER_TEST_ROOTFS DOCKER_CLI_HINTS=false \
    timeout 600 java -cp "$work/ctl" jnagent.testctl.Main --scenario docker \
	--timeout 300 --remote-root "$work/docker" --exec-agent "$jn" \
	--agent-log "$work/docker-agent.log" \
	--agent-arg -workDir --agent-arg "$work/docker" \
	--agent-arg -labels --agent-arg linux \
	--agent-arg -dockerHost --agent-arg "unix://$outer" \
	--agent-arg -dindImage --agent-arg jnagent-dind:demo \
	--agent-arg -dindPrivileged --agent-arg false \
	--agent-arg -dindCapAdd --agent-arg ALL \
	--agent-arg -dindCapDrop --agent-arg SYS_RESOURCE \
	--agent-arg -dindSecurityOpt --agent-arg seccomp=unconfined \
	--agent-arg -dindSecurityOpt --agent-arg apparmor=unconfined \
	--agent-arg -dindDeviceCgroupRule --agent-arg 'a *:* rwm' \
	--agent-arg -dindMount --agent-arg /sys/fs/cgroup:/sys/fs/cgroup \
	>"$work/docker.out" 2>"$work/docker.log"; then
	cat "$work/docker.out"
	echo "== the controller's log (last 30 lines)"
	tail -n 30 "$work/docker.log"
	echo "== the agent's log (last 30 lines)"
	tail -n 30 "$work/docker-agent.log"
	exit 1
fi
grep -E '^(STEP|  docker-|RESULT)' "$work/docker.out" | cut -c1-200
inner=$(cd "$work/docker" && pwd -P)/remoting/dind/docker.sock
# Where each step's long-running container landed, asked of the host daemon.
echo "host daemon ($outer):"
docker -H "unix://$outer" ps -a --filter label=jnagent.e2e=dood \
    --format 'dood container {{.ID}} {{.Image}} {{.Status}}' | sed 's/^/  /'
if [ "$(docker -H "unix://$outer" ps -aq --filter label=jnagent.e2e=dood | wc -l)" != 1 ] ||
    [ -n "$(docker -H "unix://$outer" ps -aq --filter label=jnagent.e2e=dind)" ]; then
	echo "   FAIL: the DooD container is not (only) on the host daemon"
	exit 1
fi
grep -q "^STEP docker-dind ok host=unix://$inner\$" "$work/docker.out" || {
	echo "   FAIL: the DinD step did not reach the node's inner daemon"; exit 1; }
grep -q "^STEP docker-dood ok host=unix://$outer\$" "$work/docker.out" || {
	echo "   FAIL: the DooD step did not reach the host daemon"; exit 1; }
left=$(docker -H "unix://$outer" ps -aq --filter label=jnagent.dind | wc -l)
echo "  the DinD container ran on the node's inner daemon ($inner);"
echo "  jnagent removed that daemon's container at exit: $left left on the host daemon"
[ "$left" = 0 ] || { echo "   FAIL: the inner daemon's container outlived jnagent"; exit 1; }
echo "Docker by label: DooD and DinD steps ran their containers on the right daemons"
