# lib.sh: shared helpers for the end-to-end tests in tests/agent/.
# Sourced by each test_*.sh; the test then calls
#   e2e_init <plan>              skip unless JAVAC/JAVA and jnagent exist,
#                                compile the controller, make a temp dir
#   ctl_start [controller options]   start the test controller
#   agent_start [jnagent options]    start jnagent (stdout/stderr logged)
#   wait_line FILE REGEX SECONDS, wait_exit PID SECONDS, ok/not_ok/check
# Every test is bounded (E2E_TIMEOUT, 60 s) and always kills what it started.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${E2E_TIMEOUT:=60}"
# quick start matters more than peak speed for a test peer
: "${CTL_JVM_FLAGS:=-XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
JNAGENT=${JNAGENT:-$top_builddir/agent/jnagent}
CTL_SRC=$top_srcdir/tests/controller/src
CTL_CLASSES=$top_builddir/tests/controller/classes

tap_n=0
tap_failed=0
T=
CTL_PID=
AGENT_PID=
WATCHDOG_PID=
SECRET=5ca1ab1e0ddba11c0ffee0ddf00dd00d5ca1ab1e0ddba11c0ffee0ddf00dd00d
NODE=agent-e2e

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 99
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# check DESCRIPTION COMMAND...: ok if the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# Compile the controller into $CTL_CLASSES when missing or stale.  Tests
# run in parallel: one compiles under the lock, the others wait for it.
compile_controller() {
	mkdir -p "$top_builddir/tests/controller" || return 1
	(
		flock -w 120 9 || { echo "# cannot lock the controller build" >&2; exit 1; }
		stamp=$CTL_CLASSES/.stamp
		if [ -f "$stamp" ] &&
		    [ -z "$(find "$CTL_SRC" -name '*.java' -newer "$stamp" | head -n 1)" ]; then
			exit 0
		fi
		tmp=$CTL_CLASSES.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		find "$CTL_SRC" -name '*.java' > "$tmp.list"
		if ! "$JAVAC" -nowarn -encoding UTF-8 -d "$tmp" @"$tmp.list" >"$tmp.log" 2>&1; then
			sed 's/^/# javac: /' "$tmp.log" >&2
			rm -rf "$tmp" "$tmp.list" "$tmp.log"
			exit 1
		fi
		rm -f "$tmp.list" "$tmp.log"
		touch "$tmp/.stamp"
		rm -rf "$CTL_CLASSES"
		mv "$tmp" "$CTL_CLASSES"
	) 9>"$top_builddir/tests/controller/.lock"
}

# Print the logs as TAP comments (on failure).
dump_logs() {
	local f
	for f in "$T"/ctl.out "$T"/ctl.err "$T"/agent.out "$T"/agent.err; do
		[ -s "$f" ] || continue
		echo "# ---- ${f##*/} (last 40 lines)"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
}

stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

e2e_cleanup() {
	stop_pid "$AGENT_PID"
	stop_pid "$CTL_PID"
	AGENT_PID=
	CTL_PID=
	if [ -n "$WATCHDOG_PID" ]; then
		kill "$WATCHDOG_PID" 2>/dev/null
		wait "$WATCHDOG_PID" 2>/dev/null
		WATCHDOG_PID=
	fi
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "$tap_failed" -ne 0 ] || [ -n "$E2E_KEEP" ]; then
			dump_logs
			echo "# logs kept in $T"
		else
			rm -rf "$T"
		fi
	fi
}

e2e_timeout() {
	not_ok "test finished within ${E2E_TIMEOUT} s"
	exit 1
}

# e2e_init PLAN [nojnagent]: skip or set up; prints the plan.
e2e_init() {
	[ -n "$JAVAC" ] && [ -n "$JAVA" ] ||
		skip_all "no JDK (JAVAC/JAVA empty): the test controller is Java"
	[ "$2" = nojnagent ] || [ -x "$JNAGENT" ] ||
		skip_all "jnagent binary not built ($JNAGENT)"
	compile_controller || bail "cannot compile the test controller"
	T=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-e2e.XXXXXX") || bail "mktemp"
	mkdir -p "$T/work"
	trap e2e_cleanup EXIT
	trap e2e_timeout USR1
	trap 'exit 1' INT TERM
	(
		trap 'kill $sp 2>/dev/null; exit 0' TERM
		sleep "$E2E_TIMEOUT" &
		sp=$!
		wait $sp && kill -USR1 $$
	) 2>/dev/null &
	WATCHDOG_PID=$!
	echo "1..$(($1 + 1))"	# + the sanitizer check of e2e_done
}

# ctl_start [options]: start the controller, wait for its ports.
ctl_start() {
	"$JAVA" $CTL_JVM_FLAGS -cp "$CTL_CLASSES" jnagent.testctl.Main --port-file "$T/ports" \
	    --name "$NODE" --secret "$SECRET" --timeout $((E2E_TIMEOUT - 10)) \
	    --remote-root "$T/work" \
	    --identity-cache "$top_builddir/tests/controller/identity.p12" \
	    "$@" >"$T/ctl.out" 2>"$T/ctl.err" &
	CTL_PID=$!
	local i=0
	while [ ! -s "$T/ports" ]; do
		kill -0 "$CTL_PID" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -gt 300 ] && return 1
		sleep 0.1
	done
	HTTP_PORT=$(sed -n 's/^http=//p' "$T/ports")
	TCP_PORT=$(sed -n 's/^tcp=//p' "$T/ports")
	IDENTITY=$(sed -n 's/^identity=//p' "$T/ports")
	URL=http://127.0.0.1:$HTTP_PORT/
	[ -n "$HTTP_PORT" ] && [ -n "$TCP_PORT" ] && [ -n "$IDENTITY" ]
}

# agent_start [options]: run jnagent in the background.
agent_start() {
	"$JNAGENT" "$@" >"$T/agent.out" 2>"$T/agent.err" &
	AGENT_PID=$!
}

# wait_line FILE ERE SECONDS: until a line of FILE matches.
wait_line() {
	local file=$1 re=$2 n=$(($3 * 10))
	while [ $n -gt 0 ]; do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_exit PID SECONDS: wait for the process; sets EXIT_CODE (124 = still
# running after SECONDS).
wait_exit() {
	local pid=$1 n=$(($2 * 10))
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		EXIT_CODE=124
		return 1
	fi
	wait "$pid"
	EXIT_CODE=$?
	return 0
}

# ctl_result SECONDS: wait for the controller's RESULT line and exit.
ctl_finished() {
	wait_exit "$CTL_PID" "$1"
	CTL_RC=$EXIT_CODE
	CTL_PID=
	[ "$CTL_RC" -eq 0 ] && grep -qx 'RESULT ok' "$T/ctl.out"
}

ctl_says() {
	grep -Eq -- "$1" "$T/ctl.out"
}

# The secret must not be in any file the agent wrote, nor in its output.
secret_not_logged() {
	! grep -rlF -- "$SECRET" "$T/work" "$T/agent.out" "$T/agent.err" \
	    >/dev/null 2>&1
}

# The secret must not be visible in /proc/<pid>/cmdline of a live agent.
secret_not_in_cmdline() {
	[ -r "/proc/$1/cmdline" ] || return 1
	! tr '\0' '\n' < "/proc/$1/cmdline" | grep -qF -- "$SECRET"
}

# next_run NAME: stop both processes, keep their logs under $T/NAME/.
next_run() {
	stop_pid "$AGENT_PID"
	stop_pid "$CTL_PID"
	AGENT_PID=
	CTL_PID=
	mkdir -p "$T/$1"
	mv -f "$T"/ctl.out "$T"/ctl.err "$T"/agent.out "$T"/agent.err "$T/$1/" \
	    2>/dev/null
	rm -f "$T/ports"
}

# The standard sequence of checks for channel N of an "online" scenario.
online_checks() {
	local n=$1 how=$2
	check "$how: channel $n up, SlaveComputer.setChannel callables and preOnline set answered" \
	    wait_line "$T/ctl.out" "^ONLINE $n\$" 30
	check "$how: onOnline restarter probe and node monitors (arch, clock, response time, swap, disk, temp) answered with the right types" \
	    wait_line "$T/ctl.out" "^NODE-MONITORS $n\$" 20
	check "$how: pings both ways (controller ping; agent pings after SetUpRemotePing)" \
	    wait_line "$T/ctl.out" "^PINGS $n " 20
	check "$how: unknown callable answered with an ExceptionResponse naming it, channel still up" \
	    wait_line "$T/ctl.out" "^UNKNOWN-CALLABLE $n\$" 20
	check "$how: controller CloseCommand answered with the agent's CloseCommand" \
	    wait_line "$T/ctl.out" "^CLOSED $n\$" 15
}

# Print the controller's verdict as a comment when it is not ok.
ctl_verdict() {
	grep -h '^RESULT' "$T/ctl.out" 2>/dev/null | sed 's/^/# controller: /'
}

# Stop jnagent, then the last check of every test: no AddressSanitizer,
# LeakSanitizer or UBSan report in any jnagent output (sanitizer builds).
e2e_done() {
	stop_pid "$AGENT_PID"
	AGENT_PID=
	if grep -rlE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
	    "$T" --include='agent*.err' --include='agent*.out' >/dev/null 2>&1; then
		grep -rhE -A3 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
		    "$T" --include='agent*.err' --include='agent*.out' |
		    head -n 20 | sed 's/^/# /'
		not_ok "no sanitizer report in jnagent output"
	else
		ok "no sanitizer report in jnagent output"
	fi
	[ "$tap_failed" -eq 0 ]
}
