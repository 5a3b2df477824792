#!/bin/sh
# The jenkins/inbound-agent image's environment instead of flags:
# JENKINS_SECRET, JENKINS_AGENT_NAME, JENKINS_AGENT_WORKDIR and
# JENKINS_URL with JENKINS_WEB_SOCKET=true; no command-line arguments at all.
. "$(dirname "$0")/lib.sh"
e2e_init 7
ctl_start --ws-ping 1 || bail "test controller did not start"
env -u JENKINS_URL -u JENKINS_WEB_SOCKET -u JENKINS_DIRECT_CONNECTION \
    -u JENKINS_INSTANCE_IDENTITY -u REMOTING_OPTS JENKINS_SECRET="$SECRET" \
    JENKINS_AGENT_NAME="$NODE" JENKINS_AGENT_WORKDIR="$T/work" \
    JENKINS_URL="$URL" JENKINS_WEB_SOCKET=true \
    "$JNAGENT" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
online_checks 1 "env websocket"
check "env websocket: controller verdict RESULT ok" ctl_finished 10
ctl_verdict
check "env websocket: secret in no log file or agent output" secret_not_logged
e2e_done
