#!/bin/sh
# A node name the controller does not know: "ERROR: Unknown client name:
# <name>" (JNLP4) or 400 "no such agent" (WebSocket); with -noReconnect
# jnagent reports it and exits non-zero.
. "$(dirname "$0")/lib.sh"
e2e_init 6
ctl_start --scenario reject || bail "test controller did not start"
agent_start -url "$URL" -name no-such-node -secret "$SECRET" \
    -workDir "$T/work" -noReconnect
check "JNLP4: controller refused with ERROR: Unknown client name: no-such-node" \
    wait_line "$T/ctl.out" '^REFUSED Unknown client name: no-such-node' 30
wait_exit "$AGENT_PID" 20
AGENT_PID=
check "JNLP4: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "JNLP4: agent reports the refusal" \
    grep -rqF "Unknown client name" "$T/agent.err" "$T/agent.out" "$T/work"

next_run tcp
ctl_start --scenario reject || bail "test controller did not start"
agent_start -url "$URL" -webSocket -name no-such-node -secret "$SECRET" \
    -workDir "$T/work" -noReconnect
check "WebSocket: controller refused the upgrade: no such agent" \
    wait_line "$T/ctl.out" '^REFUSED no such agent no-such-node' 30
wait_exit "$AGENT_PID" 20
AGENT_PID=
check "WebSocket: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "WebSocket: agent reports the refusal" \
    grep -rqE "no such agent|400" "$T/agent.err" "$T/agent.out" "$T/work"
e2e_done
