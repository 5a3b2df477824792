#!/bin/sh
# jenkins-config/systemd/jnagent.service: parses, carries the hardening it
# claims without blocking the docker CLI, passes "systemd-analyze verify"
# and "security" (when systemd is installed), and its ExecStart, with the
# EnvironmentFile's variables (jnagent.env, values pointed at the test
# controller) and the variables systemd sets, brings a node online.
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/config/lib.sh"
cfg_python
UNIT=$CFG_DIR/systemd/jnagent.service
ENVF=$CFG_DIR/systemd/jnagent.env
e2e_init 11

svc=$(cfg unit "$UNIT") || bail "cannot parse $UNIT"
setting() {
	printf '%s\n' "$svc" | sed -n "s/^$1=//p" | tail -n 1
}

hardening() {
	local kv bad=
	for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
	    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
	    ProtectKernelModules=yes ProtectKernelLogs=yes \
	    ProtectControlGroups=yes RestrictSUIDSGID=yes \
	    RestrictRealtime=yes LockPersonality=yes \
	    SystemCallArchitectures=native CapabilityBoundingSet= \
	    AmbientCapabilities=; do
		[ "$(setting "${kv%%=*}")" = "${kv#*=}" ] || bad="$bad ${kv%%=*}"
	done
	[ -z "$bad" ] || { echo "# missing or different:$bad"; return 1; }
}
check "hardening: NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, PrivateDevices, Protect*, no capabilities" \
    hardening

# The docker CLI needs AF_UNIX to reach /var/run/docker.sock; nothing may
# hide /run or cut the network, and the process must not run as root.
docker_ok() {
	printf '%s\n' "$svc" | grep -E '^RestrictAddressFamilies=' | grep -qw AF_UNIX ||
		{ echo "# RestrictAddressFamilies without AF_UNIX"; return 1; }
	if printf '%s\n' "$svc" | grep -Eq \
	    '^(PrivateNetwork=yes|InaccessiblePaths=.*/run|TemporaryFileSystem=.*/run|IPAddressDeny=any|PrivateUsers=yes|DynamicUser=yes)'; then
		echo "# a setting blocks the docker socket or its group"; return 1
	fi
	[ -n "$(setting User)" ] && [ "$(setting User)" != root ] ||
		{ echo "# runs as root"; return 1; }
}
check "docker CLI keeps working: AF_UNIX allowed, /run visible, network shared, a static non-root user (docker group)" \
    docker_ok

envfile=$(setting EnvironmentFile)
check "the secret comes from EnvironmentFile=/etc/jnagent/jnagent.env (example: systemd/jnagent.env)" \
    test "${envfile#-}" = /etc/jnagent/jnagent.env
vars=$(cfg envfile "$ENVF") || vars=
need_vars() {
	local v
	for v in JENKINS_URL JENKINS_AGENT_NAME JENKINS_SECRET; do
		printf '%s\n' "$vars" | grep -q "^$v=" ||
			{ echo "# jnagent.env lacks $v"; return 1; }
	done
	# Only variables jnagent reads (jnagent -help lists them).
	for v in $(printf '%s\n' "$vars" | sed 's/=.*//'); do
		"$JNAGENT" -help | grep -Eq "^  $v( |=|\$)" ||
			{ echo "# jnagent.env sets $v, which jnagent does not read"; return 1; }
	done
}
check "jnagent.env sets JENKINS_URL, JENKINS_AGENT_NAME, JENKINS_SECRET, only variables jnagent reads" \
    need_vars

if command -v systemd-analyze >/dev/null 2>&1; then
	# verify needs ExecStart's binary to exist: the built one stands in.
	sed "s|^ExecStart=/usr/local/bin/jnagent|ExecStart=$JNAGENT|" "$UNIT" \
	    > "$T/jnagent.service"
	check "systemd-analyze verify (ExecStart pointed at the built jnagent)" \
	    sh -c 'systemd-analyze verify --man=no "$1" 2>"$2"; r=$?;
	        sed "s/^/# /" "$2"; [ $r -eq 0 ] && ! grep -q . "$2"' _ \
	    "$T/jnagent.service" "$T/verify.err"
	exposure=$(systemd-analyze security --offline=yes --no-pager \
	    "$T/jnagent.service" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure ${exposure:-?} at most 4.0 (OK)" \
	    awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 4.0) }'
else
	ok "systemd-analyze verify # SKIP systemd-analyze not installed"
	ok "systemd-analyze security # SKIP systemd-analyze not installed"
fi

ctl_start || bail "test controller did not start"
mkdir -p "$T/state" "$T/home"
# What systemd gives ExecStart: the EnvironmentFile, Environment=, and
# STATE_DIRECTORY for StateDirectory=jnagent.  The example's URL, name and
# secret are replaced with the test controller's.
{
	printf '%s\n' "$vars" | grep -Ev '^(JENKINS_URL|JENKINS_AGENT_NAME|JENKINS_SECRET)='
	echo "JENKINS_URL=$URL"
	echo "JENKINS_AGENT_NAME=$NODE"
	echo "JENKINS_SECRET=$SECRET"
	printf '%s\n' "$svc" | sed -n 's/^Environment=//p' | tr ' ' '\n' |
	    sed "s|^HOME=.*|HOME=$T/home|"
	[ "$(setting StateDirectory)" = jnagent ] && echo "STATE_DIRECTORY=$T/state"
} > "$T/env"
exec_start=$(setting ExecStart)
check "ExecStart runs /usr/local/bin/jnagent" \
    sh -c 'case "$1" in /usr/local/bin/jnagent|/usr/local/bin/jnagent\ *) exit 0;; esac; exit 1' _ "$exec_start"
# shellcheck disable=SC2046
words=$(env -i $(cat "$T/env") "$PY" "$CFGTOOL" execstart "$exec_start")
set -f
# shellcheck disable=SC2086
set -- $(printf '%s\n' "$words" | sed "1s|^/usr/local/bin/jnagent\$|$JNAGENT|")
set +f
# shellcheck disable=SC2046
env -i $(cat "$T/env") "$@" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
check "the unit's command and environment bring the node online" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 30
ws=$(sed -n 's/^JENKINS_WEB_SOCKET=//p' "$T/env")
if [ "$ws" = true ]; then
	check "over WebSocket, as JENKINS_WEB_SOCKET=true in jnagent.env asks" \
	    grep -q 'channel up over WebSocket' "$T/agent.err"
else
	check "over JNLP4-connect (no JENKINS_WEB_SOCKET in jnagent.env)" \
	    grep -q 'channel up over JNLP4-connect' "$T/agent.err"
fi
check "logs in the StateDirectory (-workDir \${STATE_DIRECTORY})" \
    test -s "$T/state/remoting/logs/remoting.log.0"
check "controller verdict RESULT ok" ctl_finished 30
ctl_verdict
e2e_done
