#!/bin/sh
# A wrong secret: the controller answers "ERROR: Authorization failure"
# (TCP) or 403 (WebSocket); with -noReconnect jnagent reports it and exits
# non-zero.  The wrong secret is not logged either.
. "$(dirname "$0")/lib.sh"
e2e_init 8
GOOD=$SECRET
SECRET=deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef

# the controller knows the good secret, the agent presents $SECRET
ctl_start_good() {
	ctl_start "$@" --secret "$GOOD"
}

ctl_start_good --scenario reject || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work" \
    -noReconnect
check "JNLP4: controller refused with ERROR: Authorization failure" \
    wait_line "$T/ctl.out" '^REFUSED Authorization failure' 30
wait_exit "$AGENT_PID" 20
AGENT_PID=
check "JNLP4: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "JNLP4: agent reports the Authorization failure" \
    grep -rqF "Authorization failure" "$T/agent.err" "$T/agent.out" "$T/work"
check "JNLP4: secret in no log file or agent output" secret_not_logged

next_run tcp
ctl_start_good --scenario reject || bail "test controller did not start"
agent_start -url "$URL" -webSocket -name "$NODE" -secret "$SECRET" \
    -workDir "$T/work" -noReconnect
check "WebSocket: controller refused the upgrade (403)" \
    wait_line "$T/ctl.out" '^REFUSED Authorization failure' 30
wait_exit "$AGENT_PID" 20
AGENT_PID=
check "WebSocket: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "WebSocket: agent reports the refusal (403)" \
    grep -rqE "403|Forbidden|Authorization" "$T/agent.err" "$T/agent.out" "$T/work"
check "WebSocket: secret in no log file or agent output" secret_not_logged
e2e_done
