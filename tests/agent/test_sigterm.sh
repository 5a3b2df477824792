#!/bin/sh
# SIGTERM while online: jnagent sends CloseCommand, closes and exits 0.
. "$(dirname "$0")/lib.sh"
e2e_init 4
ctl_start --scenario wait-close || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
check "node online" wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 30
kill -TERM "$AGENT_PID"
wait_exit "$AGENT_PID" 15
AGENT_PID=
check "agent exits 0 after SIGTERM (status $EXIT_CODE)" test "$EXIT_CODE" -eq 0
check "agent closed the channel with CloseCommand" \
    wait_line "$T/ctl.out" '^CLOSED-BY-AGENT 1$' 10
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
