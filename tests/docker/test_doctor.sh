#!/bin/sh
# test_doctor.sh: `jnagent docker doctor` against a private dockerd: the
# success case (DooD and DinD modes), a missing socket, a socket this user
# may not open, a missing image, and workspace path parity (with the
# test-only JNAGENT_TEST_MOUNTINFO standing in for /proc/self/mountinfo).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
J=$top_builddir/agent/jnagent

[ -x "$J" ] || { echo "1..0 # SKIP $J not built"; exit 0; }
if ! docker_test_start; then
	echo "1..0 # SKIP $DOCKER_TEST_SKIP"; exit 0
fi
PERM=
cleanup() {
	[ -n "$PERM" ] && rm -rf "$PERM"
	docker_test_stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM
docker_test_image busybox || { echo "1..0 # SKIP image import failed"; exit 0; }

n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
T=$DOCKER_TEST_DIR
H=$DOCKER_TEST_HOST
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_TLS

# doctor <expected rc> <description> <grep pattern>... -- args
doctor() {
	_rc=$1; _d=$2; shift 2
	_pats=
	while [ "$1" != -- ]; do _pats="$_pats
$1"; shift; done
	shift
	"$@" >"$T/out" 2>&1
	_got=$?
	_bad=
	[ "$_got" = "$_rc" ] || _bad="exit $_got, expected $_rc"
	_old=$IFS; IFS='
'
	for _p in $_pats; do
		grep -q -- "$_p" "$T/out" || _bad="$_bad; no '$_p'"
	done
	IFS=$_old
	if [ -z "$_bad" ]; then ok "$_d"; else
		nok "$_d: $_bad"; sed 's/^/# /' "$T/out"
	fi
}

doctor 0 "success (DooD): versions, driver, container" \
    "^mode: dood" "^daemon: $H" "^socket: .*accessible" "^api: 1\.[0-9]* (engine " \
    "^storage driver: " "^container: busybox ran and exited 0" "^result: OK" -- \
    "$J" docker doctor --docker-host "$H"
doctor 0 "DOCKER_HOST is the default daemon" "^daemon: $H" "^result: OK" -- \
    env DOCKER_HOST="$H" "$J" docker doctor
doctor 0 "--labels dind selects DinD and checks its image" \
    "^mode: dind (labels: linux dind)" "^dind image: busybox present" \
    "^result: OK" -- \
    "$J" docker doctor --docker-host "$H" --labels linux --labels dind \
    --dind-image busybox
doctor 1 "DinD with an absent image: the fix names -dindImage" \
    "^FAIL: DinD image jnagent-none:1" "fix: .*-dindImage" -- \
    "$J" docker doctor --docker-host "$H" --labels dind --dind-image jnagent-none:1
doctor 0 "dood label wins over dind" "^mode: dood" -- \
    "$J" docker doctor --docker-host "$H" --labels "dind dood"
doctor 1 "missing socket" "^FAIL: socket $T/nosuch.sock: No such file" \
    "fix: start the Docker daemon" "^result: FAILED" -- \
    "$J" docker doctor --docker-host "unix://$T/nosuch.sock"
doctor 1 "daemon not listening" "^FAIL: cannot connect to" \
    "fix: the daemon is not listening" -- \
    sh -c 'python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$1" &&
        exec "$2" docker doctor --docker-host "unix://$1"' sh "$T/dead.sock" "$J"
doctor 1 "missing image: the fix says how to get it" \
    "^FAIL: cannot create a jnagent-none:1 container: " "fix: make the image available" -- \
    "$J" docker doctor --docker-host "$H" --image jnagent-none:1

# Permission: a socket of group docker (or root), mode 660, opened by
# nobody.  Root passes every permission check, so this needs setpriv.
if command -v setpriv >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 &&
    [ "$(id -u)" = 0 ]; then
	PERM=$(mktemp -d /tmp/jnagent-doctor-perm.XXXXXX)
	chmod 755 "$PERM"
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" \
	    "$PERM/docker.sock"
	G=docker; getent group docker >/dev/null 2>&1 || G=root
	chgrp "$G" "$PERM/docker.sock"; chmod 660 "$PERM/docker.sock"
	NU=$(getent passwd 65534 | cut -d: -f1); NU=${NU:-65534}
	if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null &&
	    setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$J"; then
		doctor 1 "permission denied: group and the exact usermod fix" \
		    "^FAIL: permission denied on $PERM/docker.sock (mode 660, group $G) for user $NU" \
		    "fix: usermod -aG $G $NU " -- \
		    setpriv --reuid=65534 --regid=65534 --clear-groups \
		    env ASAN_OPTIONS=detect_leaks=0 "$J" docker doctor \
		    --docker-host "unix://$PERM/docker.sock"
	else
		ok "# SKIP cannot run $J as uid 65534"
	fi
else
	ok "# SKIP permission case needs root, setpriv and python3"
fi

# Path parity, with a mountinfo file standing in for the container's.
WS=/work/ws
cat > "$T/mi-bad" <<EOF
20 1 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/x
21 20 8:1 /srv/other\\040dir/ws $WS rw,relatime - ext4 /dev/sda1 rw
EOF
cat > "$T/mi-good" <<EOF
20 1 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/x
21 20 8:1 $WS $WS rw,relatime - ext4 /dev/sda1 rw
EOF
doctor 1 "path mismatch: host path and the bind-mount remedy" \
    "^FAIL: path parity: $WS/job is /srv/other dir/ws/job on the host" \
    "fix: bind-mount the work directory at the same path: docker run -v $WS/job:$WS/job" -- \
    env JNAGENT_TEST_MOUNTINFO="$T/mi-bad" "$J" docker doctor \
    --docker-host "$H" --workdir "$WS/job"
doctor 0 "path parity: same path on the host" \
    "^path parity: $WS/job is the same path on the host (mountinfo)" "^result: OK" -- \
    env JNAGENT_TEST_MOUNTINFO="$T/mi-good" "$J" docker doctor \
    --docker-host "$H" --workdir "$WS/job"
doctor 1 "workspace inside the container's own file system" \
    "^FAIL: path parity: /opt/ws is inside jnagent's container" -- \
    env JNAGENT_TEST_MOUNTINFO="$T/mi-good" "$J" docker doctor \
    --docker-host "$H" --workdir /opt/ws

# No container left behind by the doctor.
left=$(curl -sf --unix-socket "$T/docker.sock" \
    'http://docker/containers/json?all=1&filters=%7B%22label%22%3A%5B%22jnagent.doctor%3D1%22%5D%7D')
if [ "$left" = "[]" ]; then ok "doctor removed its containers"; else
	nok "containers left: $left"; fi

echo "1..$n"
[ $fail -eq 0 ]
