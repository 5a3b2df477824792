#!/bin/sh
# bench/guard.sh: figures only.  Added latency of an API call through the
# Docker guard against the daemon's own socket, and throughput of a large
# log stream and of docker cp through it.  Needs root and dockerd
# (tests/docker/lib.sh).  Usage: bench/guard.sh [-n calls] [-m MiB]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
N=300 MB=256
while getopts n:m: o; do case $o in n) N=$OPTARG;; m) MB=$OPTARG;; *) exit 2;; esac; done
docker_test_start || { echo "bench/guard.sh: skipped: $DOCKER_TEST_SKIP"; exit 0; }
G=
trap '[ -n "$G" ] && kill -TERM $G 2>/dev/null; wait; docker_test_stop' EXIT
docker_test_image busybox
T=$DOCKER_TEST_DIR
mkdir -p "$T/ws"
"$top_builddir/tools/jnagent-guard" -u "$DOCKER_TEST_HOST" -b bench -n bench \
    -w "$T/ws" -s "$T/g.sock" >/dev/null 2>&1 &
G=$!
sleep 0.5
DS=${DOCKER_TEST_HOST#unix://}
GS=$T/g.sock
now() { date +%s%N; }
lat() { # socket path: mean microseconds per call over N keep-alive calls
	_u=
	_i=0; while [ $_i -lt "$N" ]; do _u="$_u http://d$2"; _i=$((_i+1)); done
	_t0=$(now)
	# shellcheck disable=SC2086
	curl -s --unix-socket "$1" $_u >/dev/null
	echo $(( ($(now) - _t0) / N / 1000 ))
}
docker -H "unix://$GS" run -d --name c1 --network none busybox sleep 3600 >/dev/null
for ep in /_ping /v1.41/containers/json /v1.41/containers/c1/json; do
	# the direct path needs the daemon's name for c1
	dp=$ep; [ "$ep" = /v1.41/containers/c1/json ] && dp=$(printf '/v1.41/containers/%s/json' "$(docker -H "$DOCKER_TEST_HOST" ps -q)")
	d=$(lat "$DS" "$dp"); g=$(lat "$GS" "$ep")
	echo "latency $ep: direct ${d} us, guard ${g} us per call ($N calls, keep-alive)"
done
docker -H "unix://$GS" run -d --name big --network none busybox sh -c \
    "head -c $((MB * 1024 * 1024)) /dev/zero | tr '\\0' x | fold -w 1000" >/dev/null
docker -H "unix://$GS" wait big >/dev/null
for s in "$DS" "$GS"; do
	id=big; [ "$s" = "$DS" ] && id=$(docker -H "$DOCKER_TEST_HOST" ps -aq --filter name=big)
	t0=$(now)
	bytes=$(curl -s --unix-socket "$s" "http://d/v1.41/containers/$id/logs?stdout=1" | wc -c)
	ms=$(( ($(now) - t0) / 1000000 ))
	echo "log stream via $( [ "$s" = "$DS" ] && echo direct || echo guard): $bytes bytes in $ms ms ($((bytes / 1024 / (ms + 1) * 1000 / 1024)) MiB/s)"
done
head -c $((MB * 1024 * 1024)) /dev/urandom > "$T/ws/blob"
for h in "$DOCKER_TEST_HOST" "unix://$GS"; do
	id=c1; [ "$h" = "$DOCKER_TEST_HOST" ] && id=$(docker -H "$h" ps -q --filter name=c1)
	t0=$(now); docker -H "$h" cp "$T/ws/blob" "$id:/tmp/blob"; ms=$(( ($(now) - t0) / 1000000 ))
	echo "docker cp in via $( [ "$h" = "$DOCKER_TEST_HOST" ] && echo direct || echo guard): $MB MiB in $ms ms"
done
