#!/usr/bin/env bash
# bench/pipeline.sh: pipeline data-path figures for jnagent against the
# Java test controller (--scenario pipeline-bench), with the agent's peak
# RSS (VmHWM from /proc/<pid>/status, reset before each phase through
# /proc/<pid>/clear_refs when running as root):
#
#   sh-output         a sh step printing MB MiB, fetched by WriteLog polling
#   stash / unstash   a tree of MB MiB (64 files, half random) as tar.gz
#                     through a RemoteOutputStream / a greedy pipe
#   archiveArtifacts  FILES small files: ListFiles + CopyRecursiveRemoteToLocal
#
# and, measured first in the same run, a loopback TLS baseline: MB MiB
# between two TLS sockets of the controller JVM (the TLS stack the agent's
# channel talks to).  Figures only: no assertion on any timing.
#
# Usage: bench/pipeline.sh [-m MB] [-f FILES]   (defaults 1024 and 10000)
# Env: top_builddir (where agent/jnagent is; a non-sanitizer build),
#      JAVAC, JAVA, TMPDIR (needs about 3 x MB of free space).
set -u
MB=1024
FILES=10000
while getopts m:f:h o; do
	case $o in
	m) MB=$OPTARG ;;
	f) FILES=$OPTARG ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
[ "$MB" -ge 1 ] 2>/dev/null && [ "$FILES" -ge 1 ] 2>/dev/null ||
	{ echo "bench: -m and -f must be >= 1" >&2; exit 2; }
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/build/agent/jnagent" ] && top_builddir=$top_srcdir/build
fi
: "${JAVAC:=$(command -v javac)}"
: "${JAVA:=$(command -v java)}"
export top_srcdir top_builddir JAVAC JAVA
E2E_TIMEOUT=$((600 + MB * 2))
CTL_JVM_FLAGS=-XX:+UseSerialGC
. "$top_srcdir/tests/agent/lib.sh"
[ -n "$JAVAC" ] && [ -n "$JAVA" ] || { echo "bench: needs a JDK" >&2; exit 1; }
[ -x "$JNAGENT" ] || { echo "bench: no jnagent at $JNAGENT" >&2; exit 1; }
if nm -D "$JNAGENT" 2>/dev/null | grep -q __asan_init; then
	echo "bench: $JNAGENT is a sanitizer build; use a plain one" >&2
	exit 1
fi
compile_controller || { echo "bench: cannot compile the controller" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-pbench.XXXXXX") || exit 1
mkdir -p "$T/work"
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

echo "jnagent pipeline bench: ${MB} MiB, $FILES artifacts, $(nproc) CPUs," \
    "load $(cut -d' ' -f1 /proc/loadavg), $("$JNAGENT" -version 2>&1 | head -n 1)"

"$JAVA" $CTL_JVM_FLAGS -cp "$CTL_CLASSES" jnagent.testctl.Main \
    --scenario pipeline-bench --bench-mb "$MB" --bench-files "$FILES" \
    --timeout $((E2E_TIMEOUT - 30)) --name "$NODE" --secret "$SECRET" \
    --remote-root "$T/work" --exec-agent "$JNAGENT" \
    --agent-arg -workDir --agent-arg "$T/work" --agent-log "$T/agent.log" \
    >"$T/ctl.out" 2>"$T/ctl.err"
rc=$?
if [ $rc -ne 0 ] || ! grep -qx 'RESULT ok' "$T/ctl.out"; then
	echo "bench: the pipeline bench failed (status $rc):" >&2
	grep -E '^(PBENCH|RESULT)' "$T/ctl.out" >&2
	tail -n 20 "$T/ctl.err" >&2
	exit 1
fi
printf '%-17s %12s %9s %10s %14s  %s\n' phase bytes seconds MiB/s \
    agent_VmHWM_kB details
grep '^PBENCH ' "$T/ctl.out" | while read -r _ line; do
	get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	rest=$(echo "$line" | tr ' ' '\n' | grep -vE '^(phase|bytes|seconds|mb_per_s|agent_vmhwm_kb)=' | tr '\n' ' ')
	printf '%-17s %12s %9s %10s %14s  %s\n' "$(get phase)" "$(get bytes)" \
	    "$(get seconds)" "$(get mb_per_s)" "$(get agent_vmhwm_kb)" "$rest"
done
