#!/bin/sh
# bench/connect.sh: connection figures for jnagent against the Java test
# controller (tests/controller).  Figures only, no pass/fail.
#
# One controller JVM stays up for all runs (--scenario connect-bench) and
# is warmed up first, so the times are the agent's, not a cold JVM's.
# Each run starts a fresh agent process (-noReconnect), which the
# controller brings online (SlaveComputer.setChannel's calls and the
# preOnline set) and then closes with CloseCommand; the agent exits.
# Per run, from the agent's exec to (controller clock, same host):
#   first contact   the controller accepted the agent's first socket
#                   (discovery GET, or the TCP connection with -d)
#   TLS done        JNLP4-connect's TLS handshake finished (not for -w)
#   channel up      headers and capability exchanged: commands may flow
#   online          the connect set and preOnline set were answered
# and the agent's peak RSS (ru_maxrss).  The clock for "agent exec" is
# read in the child just before execve (bench/spawn.c, compiled on the
# fly), so no shell or /usr/bin/time start-up is counted.  Its CPU time
# (perf stat task-clock, when perf works; includes the launcher's own
# fraction of a ms) is taken in separate runs, since perf's set-up would delay the
# exec; unlike the times above it does not depend on the host's load.
# Median, 90th percentile, min and max over RUNS runs after WARM
# discarded warm-up runs.  Baseline in
# the same controller: jnagent.testctl.TestAgent, a minimal Java agent on
# the same protocol (a lower bound for the official agent.jar), JRUNS runs.
# Then one more jnagent run under --scenario bench: ping round trip and
# callable rates (SlaveVersion back to back, and pipelined).
#
# Usage: bench/connect.sh [-n RUNS] [-W WARM] [-j JRUNS] [-c CALLS] [-w] [-d] [-N]
#   -w  WebSocket instead of JNLP4-connect
#   -d  JNLP4-connect with -direct HOST:PORT -instanceIdentity (no HTTP
#       discovery)
#   -N  run the controller and the agents at nice -10 (needs root): on a
#       busy host, wall times otherwise mostly measure the CPU queue
#   -j 0 skips the JVM baseline, -c 0 the ping/call-rate run.
# Environment: top_builddir (default: ./build or .), JAVAC, JAVA, JNAGENT.
# jnagent must be a build without sanitizers.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

RUNS=20
WARM=2
JRUNS=5
CALLS=2000
WS=
DIRECT=
NICE=
while getopts n:W:j:c:wdN o; do
	case $o in
	n) RUNS=$OPTARG ;;
	W) WARM=$OPTARG ;;
	j) JRUNS=$OPTARG ;;
	c) CALLS=$OPTARG ;;
	w) WS=-webSocket ;;
	d) DIRECT=1 ;;
	N) NICE="nice -n -10" ;;
	*) echo "usage: $0 [-n RUNS] [-W WARM] [-j JRUNS] [-c CALLS] [-w] [-d] [-N]" >&2
	   exit 2 ;;
	esac
done
[ "$RUNS" -ge 1 ] 2>/dev/null || { echo "bench: -n must be >= 1" >&2; exit 2; }
if [ -n "$WS" ] && [ -n "$DIRECT" ]; then
	echo "bench: -w and -d exclude each other" >&2
	exit 2
fi
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/build/agent/jnagent" ] && top_builddir=$top_srcdir/build
fi
: "${JAVAC:=$(command -v javac)}"
: "${JAVA:=$(command -v java)}"
export top_srcdir top_builddir JAVAC JAVA
JWARM=$((JRUNS > 0 ? 1 : 0))
CRUNS=$((RUNS < 5 ? RUNS : 5))
JCRUNS=$((JRUNS < 2 ? JRUNS : 2))
TOTAL=$((WARM + RUNS + JWARM + JRUNS))
E2E_TIMEOUT=$((120 + TOTAL * 20 + CALLS / 20))
# full JIT in the controller: the figures are the agent's
CTL_JVM_FLAGS=-XX:+UseSerialGC
. "$top_srcdir/tests/agent/lib.sh"
[ -n "$JAVAC" ] && [ -n "$JAVA" ] || { echo "bench: needs a JDK" >&2; exit 1; }
[ -x "$JNAGENT" ] || { echo "bench: no jnagent at $JNAGENT" >&2; exit 1; }
if nm -D "$JNAGENT" 2>/dev/null | grep -q __asan_init; then
	echo "bench: $JNAGENT is a sanitizer build; use a plain one" >&2
	exit 1
fi
PERF=
if command -v perf >/dev/null 2>&1 &&
    perf stat -x, -e task-clock -o /dev/null true >/dev/null 2>&1; then
	PERF=perf
	TOTAL=$((TOTAL + CRUNS + JCRUNS))
fi
compile_controller || { echo "bench: cannot compile the controller" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-bench.XXXXXX") || exit 1
mkdir -p "$T/work"
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM
tap_failed=0

# epoch microseconds, no fork (bash >= 5)
now_us() {
	local t=${EPOCHREALTIME/[.,]/}
	echo "$t"
}

field() {	# field LINE NAME
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# stats "v1 v2 ...": "median p90 min max" of integers (nearest rank)
stats() {
	echo "$1" | tr ' ' '\n' | grep . | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) { p = int((NR * 9 + 9) / 10);
		if (p > NR) p = NR; print v[int((NR + 1) / 2)], v[p], v[1], v[NR] } }'
}

# ms with one decimal from µs
ms() {
	awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'
}

fail_run() {
	echo "bench: $1" >&2
	tail -n 5 "$T/ctl.err" "$T/agent.err" >&2 2>/dev/null
	tap_failed=1	# keep the logs
	exit 1
}

# bench/spawn.c: reads the clock in the child just before execve and
# reports ru_maxrss, so no shell or /usr/bin/time start-up is counted.
SPAWN=$T/spawn
${CC:-cc} -O2 -o "$SPAWN" "$top_srcdir/bench/spawn.c" ||
    { echo "bench: cannot compile bench/spawn.c" >&2; exit 1; }

ctl_start --scenario connect-bench --expect-connections "$TOTAL" \
    --agent-pings 1 --ws-ping 30 --timeout $((E2E_TIMEOUT - 10)) >/dev/null ||
    fail_run "controller did not start"

# -N: the controller's threads (new ones inherit from their creator)
ctl_nice() {
	local t
	[ -n "$NICE" ] || return 0
	[ "$(id -u)" = 0 ] || { echo "bench: -N needs root" >&2; exit 1; }
	for t in /proc/"$CTL_PID"/task/*; do
		renice -n -10 -p "${t##*/}" >/dev/null 2>&1	# may have ended
	done
}

# the agents' connection options for the controller just started
connect_opts() {
	if [ -n "$DIRECT" ]; then
		JN_CONNECT="-direct 127.0.0.1:$TCP_PORT -instanceIdentity $IDENTITY"
		TA_CONNECT=$JN_CONNECT
	else
		JN_CONNECT="-url $URL $WS"
		TA_CONNECT="${WS:+$WS }-url $URL"
	fi
}
connect_opts
ctl_nice

# run_one KIND CMD...: one fresh agent until the controller closed its
# channel and the agent exited; appends "first tls up online rss cpu"
# (µs from start, kB, µs) to $T/<KIND>.runs.  Kinds ending in "-cpu" run
# under perf stat.
conn=0
run_one() {
	local kind=$1 t0 line fc tls up on rss cpu
	shift
	conn=$((conn + 1))
	rm -f "$T/rss" "$T/cpu"
	(
		if [ "${kind%-cpu}" != "$kind" ]; then
			exec $NICE perf stat -x, -e task-clock -o "$T/cpu" \
			    "$SPAWN" "$T/t0" "$T/rss" "$@"
		fi
		exec $NICE "$SPAWN" "$T/t0" "$T/rss" "$@"
	) >"$T/agent.out" 2>"$T/agent.err" </dev/null &
	AGENT_PID=$!
	wait_line "$T/ctl.out" "^CLOSED $conn\$" 60 ||
	    fail_run "$kind run $conn did not complete"
	wait_exit "$AGENT_PID" 20 || fail_run "$kind did not exit after close"
	AGENT_PID=
	t0=$(cat "$T/t0")
	line=$(grep "^TIMING $conn " "$T/ctl.out")
	fc=$(field "$line" first_contact_us)
	tls=$(field "$line" tls_us)
	up=$(field "$line" channel_up_us)
	on=$(field "$line" online_us)
	rss=$(tail -n 1 "$T/rss")
	cpu=-
	[ -s "$T/cpu" ] && cpu=$(awk -F, '$3 == "task-clock" { printf "%.0f", $1 * 1000 }' "$T/cpu")
	[ "$tls" -gt 0 ] && tls=$((tls - t0)) || tls=
	echo "$((fc - t0)) ${tls:--} $((up - t0)) $((on - t0)) $rss ${cpu:--}" \
	    >> "$T/$kind.runs"
	mv -f "$T/agent.err" "$T/$kind.$conn.err"
}

jnagent_run() {
	# shellcheck disable=SC2086
	run_one "$1" "$JNAGENT" $JN_CONNECT -name "$NODE" -secret "$SECRET" \
	    -workDir "$T/work" -noReconnect
}

jvm_run() {
	# shellcheck disable=SC2086
	run_one "$1" "$JAVA" -cp "$CTL_CLASSES" jnagent.testctl.TestAgent \
	    $TA_CONNECT -name "$NODE" -secret "$SECRET"
}

i=0
while [ $i -lt "$WARM" ]; do jnagent_run warm; i=$((i + 1)); done
i=0
while [ $i -lt "$JWARM" ]; do jvm_run warm; i=$((i + 1)); done
# interleave, so that load changes on the host hit both alike
i=0
while [ $i -lt "$RUNS" ] || [ $i -lt "$JRUNS" ]; do
	[ $i -lt "$RUNS" ] && jnagent_run jnagent
	[ $i -lt "$JRUNS" ] && jvm_run jvm
	i=$((i + 1))
done
if [ -n "$PERF" ]; then
	i=0
	while [ $i -lt "$CRUNS" ]; do jnagent_run jnagent-cpu; i=$((i + 1)); done
	i=0
	while [ $i -lt "$JCRUNS" ]; do jvm_run jvm-cpu; i=$((i + 1)); done
fi
wait_exit "$CTL_PID" 10
CTL_PID=
grep -qx 'RESULT ok' "$T/ctl.out" || fail_run "controller: $(grep '^RESULT' "$T/ctl.out")"

# column K of $T/KIND.runs as "median p90 min max" (µs or kB)
col() {
	stats "$(awk -v k="$2" '$k != "-" { print $k }' "$T/$1.runs" 2>/dev/null)"
}

row() {	# row LABEL COLUMN UNIT [KIND-SUFFIX]
	local a b
	a=$(col "jnagent${4:-}" "$2")
	b=$(col "jvm${4:-}" "$2")
	[ -n "$a" ] || return 0
	# 1 label, 2 unit, 3-6 jnagent median p90 min max, 7-10 JVM's
	set -- "$1" "$3" $a $b
	if [ "$2" = ms ]; then
		printf '  %-22s %7s ms  p90 %7s  [%s .. %s]' "$1" "$(ms "$3")" \
		    "$(ms "$4")" "$(ms "$5")" "$(ms "$6")"
		[ -n "${7:-}" ] && printf '   JVM agent %7s ms  p90 %7s  (x%s)' \
		    "$(ms "$7")" "$(ms "$8")" \
		    "$(awk -v a="$3" -v b="$7" 'BEGIN { printf "%.0f", (a > 0 ? b / a : 0) }')"
	else
		printf '  %-22s %7s kB  p90 %7s  [%s .. %s]' "$1" "$3" "$4" "$5" "$6"
		[ -n "${7:-}" ] && printf '   JVM agent %7s kB  p90 %7s  (x%s)' \
		    "$7" "$8" \
		    "$(awk -v a="$3" -v b="$7" 'BEGIN { printf "%.0f", (a > 0 ? b / a : 0) }')"
	fi
	echo
}

transport=JNLP4-connect
[ -n "$WS" ] && transport=WebSocket
[ -n "$DIRECT" ] && transport="JNLP4-connect, -direct"
echo "jnagent connect bench: $transport, $RUNS runs (+$WARM warm-up), JVM baseline $JRUNS runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)${NICE:+, nice -10}"
echo "  warm controller JVM; from agent exec, median, p90 [min .. max]:"
row "start -> first contact" 1 ms
row "start -> TLS done" 2 ms
row "start -> channel up" 3 ms
row "start -> online" 4 ms
row "peak RSS (ru_maxrss)" 5 kB
row "CPU time (task-clock)" 6 ms -cpu
[ "$JRUNS" -gt 0 ] &&
    echo "  (JVM agent: jnagent.testctl.TestAgent, java $("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p'), default flags)"

[ "$CALLS" -gt 0 ] || exit 0
next_run connect
ctl_start --scenario bench --bench-count "$CALLS" --agent-pings 1 \
    --ws-ping 30 --timeout $((60 + CALLS / 20)) >/dev/null ||
    fail_run "controller did not start"
connect_opts
ctl_nice
# shellcheck disable=SC2086
$NICE "$JNAGENT" $JN_CONNECT -name "$NODE" -secret "$SECRET" \
    -workDir "$T/work" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
wait_line "$T/ctl.out" '^BENCH ' $((60 + CALLS / 20)) ||
    fail_run "bench scenario did not complete"
wait_line "$T/ctl.out" '^CLOSED 1$' 10
b=$(grep '^BENCH ' "$T/ctl.out")
printf '  ping round trip (median/p99):   %s / %s us   (%s pings)\n' \
    "$(field "$b" ping_rtt_us_median)" "$(field "$b" ping_rtt_us_p99)" "$CALLS"
printf '  SlaveVersion calls, sequential: %s /s\n' "$(field "$b" seq_calls_per_sec)"
printf '  SlaveVersion calls, pipelined:  %s /s\n' \
    "$(field "$b" pipelined_calls_per_sec)"
