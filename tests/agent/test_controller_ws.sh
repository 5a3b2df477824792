#!/bin/sh
# The test controller's WebSocket side against the minimal Java agent
# (jnagent.testctl.TestAgent, java.net.http's WebSocket client): upgrade,
# binary messages, pings, the node-online set.  Needs only the JDK.
. "$(dirname "$0")/lib.sh"
e2e_init 1 nojnagent
ctl_start --ws-ping 1 || bail "test controller did not start"
"$JAVA" -cp "$CTL_CLASSES" jnagent.testctl.TestAgent -url "$URL" -webSocket \
    -name "$NODE" -secret "$SECRET" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
check "WebSocket scenario against the Java test agent" ctl_finished 45
e2e_done
