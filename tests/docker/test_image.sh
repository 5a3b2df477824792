#!/bin/sh
# The jnagent image (packaging/mkrootfs.sh + packaging/Dockerfile), built
# from local files in a private dockerd, run as jenkins/inbound-agent is:
# JENKINS_URL/JENKINS_SECRET/JENKINS_AGENT_NAME against the test
# controller (--network host, 127.0.0.1).  Checks the image's config,
# that the node comes online, that jnagent is PID 1 as uid 1000, reaps
# orphans, and stops cleanly on "docker stop".
: "${E2E_TIMEOUT:=240}"
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/docker/lib.sh"

[ -n "$JAVAC" ] && [ -n "$JAVA" ] ||
	skip_all "no JDK (JAVAC/JAVA empty): the test controller is Java"
[ -x "$JNAGENT" ] || skip_all "jnagent binary not built ($JNAGENT)"
DOCKER_CLI=$(command -v docker) || skip_all "no docker CLI"
docker_test_start || skip_all "$DOCKER_TEST_SKIP"
DOCKER_HOST=$DOCKER_TEST_HOST
DOCKER_BUILDKIT=0	# the classic builder: no buildx plugin needed
export DOCKER_HOST DOCKER_BUILDKIT
CTR=jnagent-image-test-$$
TAG=jnagent-test:$$
BASE=jnagent-rootfs-test:$$

img_cleanup() {
	"$DOCKER_CLI" rm -f -v "$CTR" >/dev/null 2>&1
	docker_test_stop
	e2e_cleanup
}

e2e_init 15
trap img_cleanup EXIT

dk() {
	"$DOCKER_CLI" "$@" 2>>"$T/docker.err"
}

# dkq ARGS: dk with its standard output discarded (for check)
dkq() {
	dk "$@" >/dev/null
}

# proc_state PID: "<PPid> <State letter>" of a process in the container,
# nothing once it is gone.
proc_state() {
	dk exec "$CTR" awk '/^PPid:/ { pp = $2 } /^State:/ { st = $2 }
	    END { if (st != "") print pp, st }' "/proc/$1/status" 2>/dev/null
}

# orphan_reaped PID: the orphan was re-parented to PID 1 and, once it
# exited, was reaped (its /proc entry is gone, no zombie left).
orphan_reaped() {
	local i=0 st
	st=$(proc_state "$1")
	case $st in "1 "[RS]) ;; *) echo "# orphan $1: '$st', not a live child of PID 1"; return 1;; esac
	while [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
		st=$(proc_state "$1")
		[ -z "$st" ] && return 0
	done
	echo "# orphan $1 still there after 10 s: '$st'"
	return 1
}

check "mkrootfs.sh assembles the root file system from local files" \
    sh "$top_srcdir/packaging/mkrootfs.sh" "$JNAGENT" "$T/rootfs.tar" "$DOCKER_CLI"
check "docker import makes the base image" \
    dkq import "$T/rootfs.tar" "$BASE"
mkdir -p "$T/ctx"
check "docker build -f packaging/Dockerfile builds the image (nothing pulled)" \
    dkq build -q --build-arg "BASE=$BASE" -t "$TAG" \
    -f "$top_srcdir/packaging/Dockerfile" "$T/ctx"

cfg=$(dk image inspect --format \
    '{{.Config.User}}|{{.Config.WorkingDir}}|{{json .Config.Entrypoint}}' "$TAG")
check "image config: user 1000, WORKDIR /home/jenkins/agent, ENTRYPOINT jnagent (got $cfg)" \
    test "$cfg" = '1000:1000|/home/jenkins/agent|["/usr/local/bin/jnagent"]'
env=$(dk image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$TAG")
check "image environment: AGENT_WORKDIR as jenkins/inbound-agent's" \
    sh -c 'printf "%s\n" "$1" | grep -qx AGENT_WORKDIR=/home/jenkins/agent' _ "$env"
ver=$(dk run --rm "$TAG" -version)
check "arguments go to jnagent (docker run IMAGE -version: $ver)" \
    sh -c 'case "$1" in "jnagent "*) exit 0;; esac; exit 1' _ "$ver"

ctl_start --remote-root "$T/work" || bail "test controller did not start"
# The controller compares disk figures of its --remote-root with the
# agent's: the container sees the same directory at the same path.
dk run -d --name "$CTR" --network host -v "$T/work:$T/work:ro" \
    -e JENKINS_URL="$URL" -e JENKINS_SECRET="$SECRET" \
    -e JENKINS_AGENT_NAME="$NODE" -e JENKINS_AGENT_WORKDIR=/home/jenkins/agent \
    ${ASAN_OPTIONS:+-e ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$TAG" >/dev/null || not_ok "docker run"
check "container: the node comes online (JENKINS_URL, JENKINS_SECRET, JENKINS_AGENT_NAME)" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 60
check "container: node monitors and pings answered" \
    wait_line "$T/ctl.out" '^PINGS 1 ' 30
comm=$(dk exec "$CTR" cat /proc/1/comm)
check "PID 1 is jnagent (got $comm)" test "$comm" = jnagent
uid=$(dk exec "$CTR" awk '/^Uid:/ { print $2 }' /proc/1/status)
who=$(dk exec "$CTR" id -un)
check "jnagent runs as uid 1000, user jenkins (got $uid, $who)" \
    test "$uid" = 1000 -a "$who" = jenkins
check "logs under JENKINS_AGENT_WORKDIR (/home/jenkins/agent/remoting/logs)" \
    dk exec "$CTR" test -s /home/jenkins/agent/remoting/logs/remoting.log.0
# An orphan (its parent sh exits at once) is re-parented to PID 1, which
# must reap it once it exits: no zombie left behind.
orphan=$(dk exec "$CTR" sh -c 'sleep 2 >/dev/null 2>&1 & echo $!')
check "PID 1 adopts an orphaned process and reaps it when it exits" \
    orphan_reaped "$orphan"
check "controller verdict RESULT ok" ctl_finished 30
ctl_verdict
start=$(date +%s)
dk stop -t 20 "$CTR" >/dev/null
took=$(($(date +%s) - start))
code=$(dk inspect --format '{{.State.ExitCode}}' "$CTR")
check "docker stop: SIGTERM to PID 1, exit status 0 in ${took}s (status $code)" \
    test "$code" = 0 -a "$took" -lt 20
dk logs "$CTR" >"$T/agent.out" 2>"$T/agent.err"
check "secret not in the container's output" \
    sh -c '! grep -qF -- "$1" "$2" "$3"' _ "$SECRET" "$T/agent.out" "$T/agent.err"
e2e_done
