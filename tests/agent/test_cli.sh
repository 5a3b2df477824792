#!/bin/sh
# test_cli.sh: the real jnagent binary: -version/-help, exit status 2 for
# bad command lines, work directory and log layout, -noReconnect,
# -noReconnectAfter, SIGTERM, the secret absent from logs, errors and
# /proc/<pid>/cmdline.  Prints TAP.
bin=${top_builddir:-.}/agent/jnagent
n=0
fail=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl command not available"
	exit 0
fi
tmp=$(mktemp -d /tmp/jnagent-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
SECRET=5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70000
unset JENKINS_URL JENKINS_SECRET JENKINS_AGENT_NAME JENKINS_NAME \
	JENKINS_AGENT_WORKDIR JENKINS_WEB_SOCKET JENKINS_TUNNEL \
	JENKINS_DIRECT_CONNECTION JENKINS_INSTANCE_IDENTITY JENKINS_PROTOCOLS \
	REMOTING_OPTS http_proxy https_proxy HTTP_PROXY
ID=$(openssl genrsa 2048 2>/dev/null | openssl rsa -pubout -outform DER 2>/dev/null | base64 -w0)

out=$("$bin" -version); rc=$?
case $out in "jnagent "*" (remoting "*")") m=0 ;; *) m=1 ;; esac
ok $((rc + m)) "-version prints '$out'"
"$bin" --help > "$tmp/help"; rc=$?
m=0
for w in -url -name -secret -workDir -internalDir -failIfWorkDirIsMissing \
	-direct -instanceIdentity -protocols -tunnel -webSocket \
	-webSocketHeader -credentials -proxyCredentials -cert \
	-noCertificateCheck -noKeepAlive -noReconnect -noReconnectAfter \
	-agentLog -version -help -labels -loglevel -backoffStart -backoffCap \
	JENKINS_URL JENKINS_SECRET JENKINS_AGENT_NAME JENKINS_AGENT_WORKDIR \
	JENKINS_WEB_SOCKET JENKINS_TUNNEL JENKINS_DIRECT_CONNECTION \
	JENKINS_INSTANCE_IDENTITY JENKINS_PROTOCOLS REMOTING_OPTS; do
	grep -q -- "$w" "$tmp/help" || { echo "# -help lacks $w"; m=1; }
done
ok $((rc + m)) "-help lists every flag and variable"

# Bad command lines: exit 2, one line on stderr, no secret.
bad() {
	desc=$1; shift
	"$@" > /dev/null 2> "$tmp/err"; rc=$?
	lines=$(wc -l < "$tmp/err")
	if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && ! grep -q "$SECRET" "$tmp/err"; then
		ok 0 "$desc: $(cat "$tmp/err")"
	else
		ok 1 "$desc (rc=$rc, $lines lines)"; sed 's/^/# /' "$tmp/err"
	fi
}
bad "unknown flag" "$bin" -url http://127.0.0.1:1/ -name a -secret "$SECRET" -bogus
bad "missing secret" "$bin" -url http://127.0.0.1:1/ -name a
bad "missing name" "$bin" -url http://127.0.0.1:1/ -secret "$SECRET"
bad "unreadable @file" "$bin" -url http://127.0.0.1:1/ -name a -secret @"$tmp/nonexistent"
bad "-direct without -instanceIdentity" "$bin" -direct 127.0.0.1:1 -name a -secret "$SECRET"
bad "bad duration" "$bin" -url http://127.0.0.1:1/ -name a -secret "$SECRET" -noReconnectAfter soon
bad "work directory missing" "$bin" -direct 127.0.0.1:1 -instanceIdentity "$ID" \
	-name a -secret "$SECRET" -workDir "$tmp/missing" -failIfWorkDirIsMissing
bad "unknown -dindTransport" "$bin" -url http://127.0.0.1:1/ -name a -secret "$SECRET" -dindTransport ssh
bad "-dindTlsPort out of range" "$bin" -url http://127.0.0.1:1/ -name a -secret "$SECRET" -dindTlsPort 70000

# A failed connection with -noReconnect: exit 1, logs in the work directory.
printf '%s\n' "$SECRET" > "$tmp/secret"
"$bin" -direct 127.0.0.1:1 -instanceIdentity "$ID" -name agent1 \
	-secret @"$tmp/secret" -workDir "$tmp/wd" -noReconnect -loglevel debug \
	2> "$tmp/stderr"; rc=$?
ok $((rc == 1 ? 0 : 1)) "-noReconnect exits 1 after a failed attempt (rc=$rc)"
[ -s "$tmp/wd/remoting/logs/remoting.log.0" ]; ok $? "log file <workDir>/remoting/logs/remoting.log.0"
grep -q "Connection refused" "$tmp/wd/remoting/logs/remoting.log.0"; ok $? "log names the failure"
! grep -rq "$SECRET" "$tmp/wd" "$tmp/stderr"; ok $? "no secret in log files or stderr"

# -agentLog instead of the work directory; environment variables.
JENKINS_DIRECT_CONNECTION=127.0.0.1:1 JENKINS_INSTANCE_IDENTITY=$ID \
JENKINS_SECRET=$SECRET JENKINS_AGENT_NAME=envagent \
	"$bin" -noReconnect -agentLog "$tmp/agent.log" -internalDir internal \
	-workDir "$tmp/wd2" 2>/dev/null; rc=$?
ok $((rc == 1 ? 0 : 1)) "configuration from JENKINS_* variables (rc=$rc)"
grep -q envagent "$tmp/agent.log" && [ ! -e "$tmp/wd2/internal/logs/remoting.log.0" ] &&
	[ -d "$tmp/wd2/internal" ]
ok $? "-agentLog file used, <workDir>/<internalDir> created"
! grep -q "$SECRET" "$tmp/agent.log"; ok $? "no secret in -agentLog"

# -noReconnectAfter gives up.
start=$(date +%s)
"$bin" -direct 127.0.0.1:1 -instanceIdentity "$ID" -name a -secret "$SECRET" \
	-noReconnectAfter 2s -backoffStart 100ms -backoffCap 500ms 2>/dev/null; rc=$?
el=$(( $(date +%s) - start ))
ok $((rc == 1 && el < 20 ? 0 : 1)) "-noReconnectAfter 2s gives up with 1 (rc=$rc, ${el}s)"

# While retrying: the command line hides the secret; SIGTERM exits 0.
"$bin" -direct 127.0.0.1:1 -instanceIdentity "$ID" -name a -secret "$SECRET" \
	-backoffStart 20s -backoffCap 20s 2> "$tmp/bg.err" &
pid=$!
# Wait until it has failed once (long after parsing the command line).
i=0
while [ $i -lt 100 ] && ! grep -q "reconnecting in" "$tmp/bg.err"; do
	sleep 0.1; i=$((i + 1))
done
tr '\0' ' ' < /proc/$pid/cmdline > "$tmp/cmdline"
grep -q -- "-secret" "$tmp/cmdline" && ! grep -q "$SECRET" "$tmp/cmdline"
ok $? "/proc/<pid>/cmdline does not show the secret"
start=$(date +%s)
kill -TERM $pid
wait $pid; rc=$?
el=$(( $(date +%s) - start ))
ok $((rc == 0 && el < 10 ? 0 : 1)) "SIGTERM during backoff exits 0 (rc=$rc, ${el}s)"

echo "1..$n"
exit $fail
