#!/usr/bin/env bash
# bench/tls.sh: jnagent built on each TLS library (configure --with-tls),
# side by side in one run: connection figures (bench/connect.sh: start to
# online, peak RSS, CPU, ping, call rates) and data-path figures
# (bench/pipeline.sh: sh output, stash, unstash over the TLS channel,
# with the controller JVM's own TLS loopback as the baseline).  Figures
# only, no pass/fail.
#
# Builds optimised, sanitizer-free trees in build-bench-openssl and
# build-bench-mbedtls (or $BUILD_PREFIX-openssl/-mbedtls) first.
#
# Usage: bench/tls.sh [-n RUNS] [-m MB] [-r ROUNDS]
#   -n  connect runs per library per round (default 10)
#   -m  MiB for the pipeline phases (default 256; 0 skips them)
#   -r  rounds; the libraries alternate within each round (default 2)
set -u
RUNS=10
MB=256
ROUNDS=2
while getopts n:m:r:h o; do
	case $o in
	n) RUNS=$OPTARG ;;
	m) MB=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
[ "$RUNS" -ge 1 ] 2>/dev/null && [ "$MB" -ge 0 ] 2>/dev/null &&
    [ "$ROUNDS" -ge 1 ] 2>/dev/null ||
	{ echo "bench: -n and -r must be >= 1, -m >= 0" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${BUILD_PREFIX:-$top/build-bench}
libs="openssl mbedtls"

for lib in $libs; do
	echo "# building $prefix-$lib (--with-tls=$lib)" >&2
	CFLAGS=${CFLAGS:--O2 -g} BUILD_DIR=$prefix-$lib \
	    bash "$top/scripts/build.sh" --with-tls=$lib ||
		{ echo "bench: build with --with-tls=$lib failed" >&2; exit 1; }
done
# The Java controller is compiled once, into the first tree; the other
# tree's agent runs against the same classes.
ctl_tree=$prefix-openssl

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $(seq 1 "$ROUNDS"); do
	for lib in $libs; do
		echo "# round $r: $lib connect" >&2
		JNAGENT=$prefix-$lib/agent/jnagent top_builddir=$ctl_tree \
		    bash "$top/bench/connect.sh" -n "$RUNS" -j 0 -c 1000 \
		    >"$out/connect.$lib.$r" 2>&1 ||
			{ cat "$out/connect.$lib.$r"; exit 1; }
		[ "$MB" -gt 0 ] || continue
		echo "# round $r: $lib pipeline" >&2
		mkdir -p "$out/tree.$lib/agent"
		ln -sfn "$prefix-$lib/agent/jnagent" "$out/tree.$lib/agent/jnagent"
		ln -sfn "$ctl_tree/tests" "$out/tree.$lib/tests"
		top_builddir=$out/tree.$lib bash "$top/bench/pipeline.sh" \
		    -m "$MB" -f 1000 >"$out/pipe.$lib.$r" 2>&1 ||
			{ cat "$out/pipe.$lib.$r"; exit 1; }
	done
done

# median of the numbers on stdin
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	else if (NR % 2) print v[(NR + 1) / 2];
	else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# conn_fig LIB PATTERN FIELD: FIELD of the line matching PATTERN, each round
conn_fig() {
	cat "$out"/connect."$1".* | grep -E "$2" |
	    awk -v f="$3" '{ print $f }' | med
}
pipe_fig() {	# pipe_fig LIB PHASE: MiB/s
	cat "$out"/pipe."$1".* 2>/dev/null | awk -v p="$2" '$1 == p { print $4 }' | med
}
pipe_rss() {	# pipe_rss LIB PHASE: agent VmHWM kB
	cat "$out"/pipe."$1".* 2>/dev/null | awk -v p="$2" '$1 == p { print $5 }' | med
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0)
	printf "%.2f", b / a; else print "-" }'; }

echo "jnagent TLS libraries: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)," \
    "$ROUNDS round(s) x $RUNS connects, pipeline $MB MiB"
echo "  medians over rounds of each round's median          openssl    mbedtls  mbedtls/openssl"
row() {	# row LABEL A B
	printf "  %-48s %9s  %9s  %s\n" "$1" "$2" "$3" "$(ratio "$2" "$3")"
}
for k in "first contact:start -> first contact:5" "TLS done:start -> TLS done:5" \
    "online:start -> online:4" "peak RSS (kB):peak RSS:4" \
    "CPU time (ms):CPU time:4"; do
	label=${k%%:*}; rest=${k#*:}; pat=${rest%:*}; f=${rest##*:}
	row "$label" "$(conn_fig openssl "$pat" "$f")" \
	    "$(conn_fig mbedtls "$pat" "$f")"
done
row "ping round trip median (us)" \
    "$(conn_fig openssl 'ping round trip' 5)" \
    "$(conn_fig mbedtls 'ping round trip' 5)"
row "SlaveVersion calls/s, pipelined" \
    "$(conn_fig openssl 'pipelined' 4)" "$(conn_fig mbedtls 'pipelined' 4)"
if [ "$MB" -gt 0 ]; then
	for p in tls-baseline sh-output stash unstash; do
		row "$p (MiB/s)" "$(pipe_fig openssl $p)" "$(pipe_fig mbedtls $p)"
	done
	row "peak RSS during unstash (kB)" "$(pipe_rss openssl unstash)" \
	    "$(pipe_rss mbedtls unstash)"
fi
echo "  (tls-baseline: the controller JVM's own TLS loopback, the ceiling" \
    "for the channel)"
