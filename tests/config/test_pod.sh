#!/bin/sh
# jenkins-config/kubernetes/pod-template.yaml: the "jnlp" container runs
# jnagent's image (packaging/Dockerfile) with no command or args of its
# own, so the image's ENTRYPOINT starts jnagent; with the variables the
# Kubernetes plugin injects (JENKINS_URL, JENKINS_SECRET, JENKINS_AGENT_NAME,
# JENKINS_NAME, JENKINS_AGENT_WORKDIR) plus the container's own env and the
# image's ENV, that command brings the node online.
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/config/lib.sh"
cfg_python
POD=$CFG_DIR/kubernetes/pod-template.yaml
DF=$top_srcdir/packaging/Dockerfile
e2e_init 9

pod=$(cfg pod "$POD") || bail "cannot read the jnlp container of $POD"
df=$(cfg dockerfile "$DF") || bail "cannot read $DF"
get() {
	printf '%s\n' "$1" | sed -n "s/^$2//p"
}

version=$("$JNAGENT" -version | awk '{ print $2 }')
image=$(get "$pod" IMAGE=)
check "the jnlp container runs jnagent's image (jnagent:$version, as make docker-image tags it; got $image)" \
    test "$image" = "jnagent:$version"
check "no command or args: the image's ENTRYPOINT starts jnagent" \
    test -z "$(get "$pod" CMD=)$(get "$pod" ARG=)"
entry=$(get "$df" ENTRYPOINT=)
check "packaging/Dockerfile's ENTRYPOINT is jnagent ($entry)" \
    test "$entry" = /usr/local/bin/jnagent
uid=$(get "$pod" UID=)
user=$(get "$df" USER=)
check "runAsUser $uid is the image's USER ($user)" \
    test -n "$uid" -a "${user%%:*}" = "$uid"
# Every variable the container sets is one jnagent (or its docker client,
# the docker CLI) reads.
pod_vars() {
	local v
	for v in $(get "$pod" 'ENV ' | sed 's/=.*//'); do
		case $v in DOCKER_*) continue ;; esac
		"$JNAGENT" -help | grep -Eq "^  $v( |=|\$)" ||
			{ echo "# the pod sets $v, which jnagent does not read"; return 1; }
	done
}
check "the container's env only sets variables jnagent or docker read" pod_vars

ctl_start || bail "test controller did not start"
mkdir -p "$T/agent-workdir"
# Environment, lowest precedence first: image ENV, the plugin's variables,
# the container's env (as Kubernetes merges them).
{
	get "$df" 'ENV ' | sed "s|^HOME=.*|HOME=$T|"
	echo "JENKINS_URL=$URL"
	echo "JENKINS_SECRET=$SECRET"
	echo "JENKINS_AGENT_NAME=$NODE"
	echo "JENKINS_NAME=$NODE"
	echo "JENKINS_AGENT_WORKDIR=$T/agent-workdir"
	get "$pod" 'ENV '
} > "$T/env"
# shellcheck disable=SC2046
env -i $(cat "$T/env") "$JNAGENT" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
check "the pod's jnlp container brings the node online" \
    wait_line "$T/ctl.out" '^ONLINE 1$' 30
if get "$pod" 'ENV ' | grep -qx 'JENKINS_WEB_SOCKET=true'; then
	check "over WebSocket (JENKINS_WEB_SOCKET=true in the template)" \
	    grep -q 'channel up over WebSocket' "$T/agent.err"
else
	check "over JNLP4-connect" grep -q 'channel up over JNLP4-connect' "$T/agent.err"
fi
check "logs in JENKINS_AGENT_WORKDIR/remoting/logs" \
    test -s "$T/agent-workdir/remoting/logs/remoting.log.0"
check "controller verdict RESULT ok" ctl_finished 30
ctl_verdict
e2e_done
