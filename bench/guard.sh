#!/bin/sh
# bench/guard.sh: figures only.  Added latency of an API call through the
# Docker guard against the daemon's own socket, and throughput of a large
# log stream and of docker cp through it.  Needs root and dockerd
# (tests/docker/lib.sh).  Usage: bench/guard.sh [-n calls] [-r rounds]
# [-m log MiB] [-c cp MiB].  Direct and guarded runs alternate in every
# round (the machine's noise hits both); medians over the rounds and the
# guard/direct ratio are printed.  Aim: under 10% overhead.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
N=300 R=7 MB=1024 CB=256
while getopts n:r:m:c: o; do case $o in n) N=$OPTARG;; r) R=$OPTARG;; m) MB=$OPTARG;; c) CB=$OPTARG;; *) exit 2;; esac; done
docker_test_start || { echo "bench/guard.sh: skipped: $DOCKER_TEST_SKIP"; exit 0; }
G=
trap '[ -n "$G" ] && kill -TERM $G 2>/dev/null && wait $G; docker_test_stop' EXIT  # not a bare wait: dockerd is a child too
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
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
ratio() { awk -v g="$1" -v d="$2" 'BEGIN { if (d > 0) printf "%.3f (%+.1f%%)", g / d, (g / d - 1) * 100; else print "n/a" }'; }
lat() { # socket path: nanoseconds per call over N keep-alive calls
	_u=
	_i=0; while [ $_i -lt "$N" ]; do _u="$_u http://d$2"; _i=$((_i+1)); done
	_t0=$(now)
	# shellcheck disable=SC2086
	curl -s --unix-socket "$1" $_u >/dev/null
	echo $(( ($(now) - _t0) / N ))
}
echo "jnagent docker guard bench: $R rounds (direct and guard alternate), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
docker -H "unix://$GS" run -d --name c1 --network none busybox sleep 3600 >/dev/null
c1=$(docker -H "$DOCKER_TEST_HOST" ps -q --filter name=c1)
for ep in /_ping /v1.41/containers/json /v1.41/containers/c1/json; do
	dp=$ep; [ "$ep" = /v1.41/containers/c1/json ] && dp=/v1.41/containers/$c1/json
	: >"$T/d" ; : >"$T/g"
	r=0; while [ $r -lt "$R" ]; do
		lat "$DS" "$dp" >>"$T/d"; lat "$GS" "$ep" >>"$T/g"; r=$((r+1))
	done
	d=$(median <"$T/d"); g=$(median <"$T/g")
	printf 'latency %-26s direct %6d us  guard %6d us  added %5d us  ratio %s  (%d calls x %d rounds, keep-alive)\n' \
	    "$ep" $((d / 1000)) $((g / 1000)) $(((g - d) / 1000)) "$(ratio "$g" "$d")" "$N" "$R"
done
docker -H "unix://$GS" run -d --name big --network none busybox sh -c \
    "head -c $((MB * 1024 * 1024)) /dev/zero | tr '\\0' x | fold -w 1000" >/dev/null
docker -H "unix://$GS" wait big >/dev/null
big=$(docker -H "$DOCKER_TEST_HOST" ps -aq --filter name=big)
logrun() { # socket id: "bytes ns"
	_t0=$(now)
	_b=$(curl -s --unix-socket "$1" "http://d/v1.41/containers/$2/logs?stdout=1" | wc -c)
	echo "$_b $(( $(now) - _t0 ))"
}
: >"$T/d"; : >"$T/g"; LR=$(( R < 3 ? R : 3 ))
r=0; while [ $r -lt "$LR" ]; do
	logrun "$DS" "$big" >>"$T/d"; logrun "$GS" big >>"$T/g"; r=$((r+1))
done
bytes=$(head -n1 "$T/g" | cut -d' ' -f1)
d=$(cut -d' ' -f2 "$T/d" | median); g=$(cut -d' ' -f2 "$T/g" | median)
# MiB/s from bytes and ns
mibs() { awk -v b="$1" -v ns="$2" 'BEGIN { if (ns > 0) printf "%.0f", b / 1048576 / (ns / 1e9); else print 0 }'; }
printf 'log stream %d MiB: direct %d ms (%s MiB/s)  guard %d ms (%s MiB/s)  time ratio %s  (median of %d)\n' \
    $((bytes / 1048576)) $((d / 1000000)) "$(mibs "$bytes" "$d")" \
    $((g / 1000000)) "$(mibs "$bytes" "$g")" "$(ratio "$g" "$d")" "$LR"
head -c $((CB * 1024 * 1024)) /dev/urandom > "$T/ws/blob"
: >"$T/d"; : >"$T/g"
r=0; while [ $r -lt "$LR" ]; do
	t0=$(now); docker -H "$DOCKER_TEST_HOST" cp "$T/ws/blob" "$c1:/tmp/blob"; echo $(( $(now) - t0 )) >>"$T/d"
	t0=$(now); docker -H "unix://$GS" cp "$T/ws/blob" "c1:/tmp/blob"; echo $(( $(now) - t0 )) >>"$T/g"
	r=$((r+1))
done
d=$(median <"$T/d"); g=$(median <"$T/g")
printf 'docker cp in %d MiB: direct %d ms  guard %d ms  time ratio %s  (median of %d)\n' \
    "$CB" $((d / 1000000)) $((g / 1000000)) "$(ratio "$g" "$d")" "$LR"
