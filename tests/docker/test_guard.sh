#!/bin/sh
# test_guard.sh: the Docker API guard (docker/guard.h, tools/jnagent-guard)
# against a private dockerd, driven by the docker CLI and raw curl.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
GUARD=$top_builddir/tools/jnagent-guard

command -v docker >/dev/null 2>&1 || { echo "1..0 # SKIP no docker CLI"; exit 0; }
[ -x "$GUARD" ] || { echo "1..0 # SKIP $GUARD not built"; exit 0; }
if ! docker_test_start; then
	echo "1..0 # SKIP $DOCKER_TEST_SKIP"; exit 0
fi
G1= G2= G3=
cleanup() {
	# only the guards: a bare `wait` would also wait for dockerd
	for p in $G1 $G2 $G3; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	docker_test_stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM
docker_test_image busybox || { echo "1..0 # SKIP image import failed"; exit 0; }

n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $* [$(date +%T)]"; }
nok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() { _d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$_d"; else nok "$_d"; fi; }

T=$DOCKER_TEST_DIR
WS=$T/ws/job1
mkdir -p "$WS" "$WS@tmp" "$T/ws/job2" "$T/outside" "$T/daemonview"
echo workspace-file > "$WS/in.txt"
echo mapped-file > "$T/daemonview/m.txt"
D="docker --log-level error"
export DOCKER_CLI_HINTS=false

# start_guard build ws [extra args]: sets GPID (a child of this shell)
start_guard() {
	_b=$1; _ws=$2; shift 2
	"$GUARD" -u "$DOCKER_TEST_HOST" -b "$_b" -n node1 -w "$_ws" \
	    -s "$T/$_b.sock" "$@" >"$T/$_b.out" 2>"$T/$_b.err" &
	GPID=$!
	_i=0
	while [ ! -S "$T/$_b.sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i+1)); done
}
start_guard b1 "$WS"; G1=$GPID
start_guard b2 "$T/ws/job2" -a privileged -m "$T/agentview=$T/daemonview" -w "$T/agentview"
G2=$GPID
H1="-H unix://$T/b1.sock"
H2="-H unix://$T/b2.sock"

# --- basics
out=$($D $H1 run --rm --network none busybox echo hello 2>&1)
[ "$out" = hello ] && ok "run --rm through the guard" || nok "run: $out"
check "run -d --name db (build 1)" $D $H1 run -d --name db --network none busybox sleep 300
check "run -d --name db (build 2, same name)" $D $H2 run -d --name db --network none busybox sleep 300
out=$($D $H1 ps --format '{{.Names}}')
[ "$out" = db ] && ok "ps lists only the build's container, unprefixed" || nok "ps: $out"
out=$($D -H "$DOCKER_TEST_HOST" ps --format '{{.Names}}' | sort | tr '\n' ' ')
case $out in *jn-b1-*_db*jn-b2-*_db*) ok "daemon sees prefixed names: $out";; *) nok "daemon names: $out";; esac
out=$($D $H1 inspect -f '{{.Name}} {{index .Config.Labels "io.jenkins.jnagent.build"}}' db)
[ "$out" = "/db b1" ] && ok "inspect by name: name and label" || nok "inspect: $out"
out=$($D $H1 exec db sh -c 'echo exec-out; echo err >&2' 2>&1 | sort | tr '\n' ' ')
[ "$out" = "err exec-out " ] && ok "exec (hijacked, multiplexed)" || nok "exec: $out"
out=$(echo piped | $D $H1 exec -i db cat)
[ "$out" = piped ] && ok "exec -i (stdin through the upgrade)" || nok "exec -i: $out"
$D $H1 run -d --name logger --network none busybox sh -c 'i=0; while [ $i -lt 5 ]; do echo line$i; i=$((i+1)); sleep 0.2; done' >/dev/null
out=$(timeout 20 $D $H1 logs -f logger | tr '\n' ' ')
[ "$out" = "line0 line1 line2 line3 line4 " ] && ok "logs -f streams to the end" || nok "logs -f: $out"
printf 'FROM busybox\nCOPY f /f\nRUN cat /f\n' > "$T/ctx.Dockerfile"
mkdir -p "$T/ctx" && mv "$T/ctx.Dockerfile" "$T/ctx/Dockerfile" && echo ctx-data > "$T/ctx/f"
head -c 3000000 /dev/urandom > "$T/ctx/big"
out=$(DOCKER_BUILDKIT=0 timeout 120 $D $H1 build -t guardtest:1 "$T/ctx" 2>&1)
case $out in *ctx-data*Successfully*) ok "build with a context (chunked body, progress stream)";; *) nok "build: $out";; esac
echo cp-data > "$T/cpin"
check "cp into a container" $D $H1 cp "$T/cpin" db:/tmp/cpin
$D $H1 cp db:/tmp/cpin "$T/cpout" && cmp -s "$T/cpin" "$T/cpout" && ok "cp out of a container" || nok "cp out"
check "other build's container is invisible (exec)" sh -c "! $D $H2 exec logger true"
out=$($D $H2 rm -f logger 2>&1)
case $out in *"No such container"*) ok "other build cannot remove it";; *) nok "rm other: $out";; esac
# --- remembered references (the guard resolves a name once): a name that
# comes to stand for another container, a rename and an id of another
# build must all be seen afresh
id1=$($D $H1 run -d --name again --network none busybox sleep 300)
$D $H1 inspect again >/dev/null 2>&1	# remembered now
$D $H1 rm -f again >/dev/null 2>&1
id2=$($D $H1 run -d --name again --network none busybox sleep 300)
out=$($D $H1 inspect -f '{{.Id}}' again 2>&1)
[ -n "$id2" ] && [ "$out" = "$id2" ] && [ "$id1" != "$id2" ] &&
    ok "a name removed and reused stands for the new container" ||
    nok "reused name: $out (old $id1, new $id2)"
$D $H1 inspect again >/dev/null 2>&1
check "rename through the guard" $D $H1 rename again renamed
out=$($D $H1 container inspect -f '{{.Id}}' again 2>&1)
case $out in *"No such container"*) ok "the old name is gone after a rename";; *) nok "old name: $out";; esac
out=$($D $H1 container inspect -f '{{.Id}} {{.Name}}' renamed 2>&1)
[ "$out" = "$id2 /renamed" ] && ok "the new name resolves" || nok "new name: $out"
out=$($D -H "$DOCKER_TEST_HOST" ps --format '{{.Names}}' --filter "id=$id2")
case $out in jn-b1-*_renamed) ok "the new name is prefixed like a created one: $out";; *) nok "renamed on the daemon: $out";; esac
b2db=$($D $H2 container inspect -f '{{.Id}}' db 2>&1)
out=$($D $H1 container inspect "$b2db" 2>&1)
case $out in *"No such container"*) ok "another build's container id stays refused";; *) nok "b2 id via b1: $out";; esac
$D $H1 rm -f renamed >/dev/null 2>&1
# --- networks and volumes
check "network create" $D $H1 network create net1
check "same network name in build 2" $D $H2 network create net1
out=$($D $H1 network ls --format '{{.Name}}')
[ "$out" = net1 ] && ok "network ls filtered" || nok "network ls: $out"
check "containers on a user network" $D $H1 run -d --name web --network net1 busybox sleep 300
out=$($D $H1 run --rm --network net1 busybox sh -c 'ping -c1 -W2 web >/dev/null && echo reach' 2>&1)
[ "$out" = reach ] && ok "name resolution on the user network" || ok "# user network DNS not available here ($out)"
check "volume create" $D $H1 volume create vol1
check "run with a named volume" $D $H1 run --rm --network none -v vol1:/data busybox sh -c 'echo v > /data/v'
out=$($D $H1 volume ls -q)
[ "$out" = vol1 ] && ok "volume ls filtered, unprefixed" || nok "volume ls: $out"
# --- policy
refused() { # desc rule cmd...
	_d=$1; _r=$2; shift 2
	_o=$("$@" 2>&1)
	case $_o in *"rule \"$_r\""*"docker-allow-$_r"*) ok "$_d refused ($_r)";; *) nok "$_d: $_o";; esac
}
refused "--privileged" privileged $D $H1 run --rm --network none --privileged busybox true
refused "--pid=host" host-pid $D $H1 run --rm --network none --pid host busybox true
refused "--network=host" host-network $D $H1 run --rm --network host busybox true
refused "--ipc=host" host-ipc $D $H1 run --rm --network none --ipc host busybox true
refused "--cap-add" cap-add $D $H1 run --rm --network none --cap-add NET_ADMIN busybox true
refused "--device" devices $D $H1 run --rm --network none --device /dev/null:/dev/xnull busybox true
refused "seccomp=unconfined" security-opt $D $H1 run --rm --network none --security-opt seccomp=unconfined busybox true
refused "bind of /etc" bind-outside-workspace $D $H1 run --rm --network none -v /etc:/x busybox true
refused "bind via .." bind-outside-workspace $D $H1 run --rm --network none -v "$WS/../../outside:/x" busybox true
refused "--mount type=bind" bind-outside-workspace $D $H1 run --rm --network none --mount "type=bind,src=$T/outside,dst=/x" busybox true
refused "exec --privileged" privileged $D $H1 exec --privileged db true
refused "volume bound to a host dir" bind-outside-workspace $D $H1 volume create -o type=none -o o=bind -o "device=$T/outside" badvol
out=$($D $H1 run --rm --network none -v "$WS:/src" busybox cat /src/in.txt 2>&1)
[ "$out" = workspace-file ] && ok "bind of the workspace allowed" || nok "ws bind: $out"
check "bind of workspace@tmp allowed" $D $H1 run --rm --network none -v "$WS@tmp:/t" busybox true
# (create only: a nested dockerd may not be able to run it)
out=$($D $H2 create --network none --privileged busybox true 2>&1)
case $out in *guard*|"") nok "opt-in: $out";; *) ok "opt-in: --privileged allowed with docker-allow-privileged";; esac
out=$($D $H2 run --rm --network none -v "$T/agentview:/m" busybox cat /m/m.txt 2>&1)
[ "$out" = mapped-file ] && ok "path map: agent view mounted as the daemon's view" || nok "path map: $out"
# --- ports
if $D $H1 run -d --name p1 --network net1 -p 18765:80 busybox sleep 300 >/dev/null 2>&1; then
	out=$($D $H2 run -d --name p2 --network net1 -p 18765:80 busybox sleep 300 2>&1)
	case $out in *"18765/tcp is already taken by container"*"build b1"*) ok "taken host port names the holder";; *) nok "port: $out";; esac
	out=$($D $H1 run -d --network net1 -P --expose 80 busybox sleep 1 2>&1)
	[ -n "$out" ] && ok "-P passes through" || nok "-P: $out"
else
	ok "# SKIP port publishing unavailable"
fi
# --- raw requests
S1=$T/b1.sock
code=$(curl -s -o "$T/r" -w '%{http_code}' --unix-socket "$S1" -X POST -H 'Content-Type: application/json' --data '{"Image": "busybox", ' http://d/v1.41/containers/create)
[ "$code" = 400 ] && ok "malformed JSON: 400 $(cat "$T/r")" || nok "malformed: $code"
head -c 5000000 /dev/zero | tr '\0' ' ' > "$T/big.json"
code=$(curl -s -o "$T/r" -w '%{http_code}' --unix-socket "$S1" -X POST -H 'Expect:' -H 'Content-Type: application/json' --data-binary "@$T/big.json" http://d/v1.41/containers/create)
[ "$code" = 413 ] && ok "oversized JSON body: 413" || nok "oversized: $code"
code=$(printf 'GARBAGE\r\n\r\n' | curl -s -o /dev/null -w '%{http_code}' --unix-socket "$S1" -X 'BAD METHOD' http://d/_ping)
[ "$code" = 400 ] && ok "malformed request line: 400" || nok "bad line: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$S1" -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" http://d/_ping)
[ "$code" = 431 ] && ok "oversized head: 431" || nok "big head: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$S1" http://d/v1.41/_ping)
[ "$code" = 200 ] && ok "guard still serves after bad requests" || nok "after: $code"
# --- a daemon on tcp:// with TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH): the
# guard reaches it through a private socket of its own that speaks TLS
if [ -n "$DOCKER_TEST_TLS_HOST" ] && [ -f "$DOCKER_TEST_CERTS/client/cert.pem" ]; then
	mkdir -p "$T/ws/job3"
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_TEST_CERTS/client "$GUARD" -u "$DOCKER_TEST_TLS_HOST" -b b3 -n node1 -w "$T/ws/job3" \
	    -s "$T/b3.sock" >"$T/b3.out" 2>"$T/b3.err" &
	G3=$!
	_i=0
	while [ ! -S "$T/b3.sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i+1)); done
	out=$($D -H "unix://$T/b3.sock" run --rm --network none busybox echo over-tls 2>&1)
	[ "$out" = over-tls ] && ok "tcp+TLS daemon: run through the guard" || nok "tcp+TLS run: $out ($(cat "$T/b3.err"))"
	check "tcp+TLS daemon: run -d --name db" $D -H "unix://$T/b3.sock" run -d --name db --network none busybox sleep 300
	out=$($D -H "unix://$T/b3.sock" ps --format '{{.Names}}')
	[ "$out" = db ] && ok "tcp+TLS daemon: ps lists only the build's container" || nok "tcp+TLS ps: $out"
	refused "tcp+TLS daemon: --privileged" privileged $D -H "unix://$T/b3.sock" run --rm --network none --privileged busybox true
	out=$(echo piped | $D -H "unix://$T/b3.sock" exec -i db cat)
	[ "$out" = piped ] && ok "tcp+TLS daemon: exec -i through the upgrade" || nok "tcp+TLS exec -i: $out"
	kill -TERM "$G3"; wait "$G3"; rc=$?; G3=
	left=$($D -H "$DOCKER_TEST_HOST" ps -aq --filter label=io.jenkins.jnagent.build=b3)
	[ $rc = 0 ] && [ -z "$left" ] && ok "tcp+TLS daemon: guard end sweeps the build" || nok "tcp+TLS end rc=$rc left=$left"
	# a daemon whose certificate the CA does not vouch for: refused
	mkdir -p "$T/otherca" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -subj /CN=other -keyout "$T/otherca/k.pem" -out "$T/otherca/ca.pem" -days 1 >/dev/null 2>&1
	DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$T/otherca "$GUARD" -u "$DOCKER_TEST_TLS_HOST" \
	    -b b4 -n node1 -w "$T/ws/job3" -s "$T/b4.sock" >/dev/null 2>&1 &
	G3=$!
	_i=0
	while [ ! -S "$T/b4.sock" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i+1)); done
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$T/b4.sock" http://d/_ping)
	[ "$code" = 502 ] && ok "tcp+TLS daemon not vouched for by ca.pem: 502" || nok "other CA: $code"
	kill -TERM "$G3"; wait "$G3" 2>/dev/null; G3=
else
	for i in 1 2 3 4 5 6 7; do ok "# SKIP no TLS daemon (openssl missing)"; done
fi
# --- end of a build mid-run
$D $H1 run --network none --name midrun busybox sleep 300 >/dev/null 2>&1 &
RUNPID=$!
sleep 2
kill -TERM "$G1"; wait "$G1"; rc=$?; G1=
wait $RUNPID 2>/dev/null
[ $rc = 0 ] && ok "guard end: sweep reported clean" || nok "guard end rc=$rc: $(cat "$T/b1.err")"
left=$($D -H "$DOCKER_TEST_HOST" ps -aq --filter label=io.jenkins.jnagent.build=b1; \
    $D -H "$DOCKER_TEST_HOST" network ls -q --filter label=io.jenkins.jnagent.build=b1; \
    $D -H "$DOCKER_TEST_HOST" volume ls -q --filter label=io.jenkins.jnagent.build=b1)
[ -z "$left" ] && ok "build ended mid-run: nothing left behind" || nok "left: $left"
out=$($D -H "$DOCKER_TEST_HOST" ps -q --filter label=io.jenkins.jnagent.build=b2 | wc -l)
[ "$out" -ge 1 ] && ok "the other build's containers survive" || nok "b2 gone: $out"
# --- stale sweep: b2 is not live any more
kill -KILL "$G2"; wait "$G2" 2>/dev/null; G2=
"$GUARD" -u "$DOCKER_TEST_HOST" -n node1 -S -k someotherbuild >/dev/null 2>&1
left=$($D -H "$DOCKER_TEST_HOST" ps -aq --filter label=io.jenkins.jnagent.node=node1; \
    $D -H "$DOCKER_TEST_HOST" network ls -q --filter label=io.jenkins.jnagent.node=node1)
[ -z "$left" ] && ok "stale sweep removes builds that are gone" || nok "stale left: $left"
echo "1..$n"
[ $fail = 0 ]
