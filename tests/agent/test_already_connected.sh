#!/bin/sh
# While the node is online, a second agent with the same name and no
# cookie is refused with "ERROR: <name> is already connected to this
# controller. Rejecting this connection."; the first channel is unharmed.
. "$(dirname "$0")/lib.sh"
e2e_init 6
ctl_start --scenario wait-close || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
FIRST=$AGENT_PID
check "first agent online" wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 30
mkdir -p "$T/work2"
"$JNAGENT" -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work2" -noReconnect \
    >"$T/agent2.out" 2>"$T/agent2.err" &
AGENT_PID=$!
wait_exit "$AGENT_PID" 20
AGENT_PID=$FIRST
check "second agent refused: already connected (controller side)" \
    grep -q "refused: $NODE is already connected to this controller. Rejecting this connection." "$T/ctl.err"
check "second agent with -noReconnect exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "second agent reports the refusal" \
    grep -rqF "already connected" "$T/agent2.err" "$T/agent2.out" "$T/work2"
kill -TERM "$FIRST"
wait_exit "$FIRST" 15
AGENT_PID=
check "first agent still online, then closes cleanly on SIGTERM" \
    wait_line "$T/ctl.out" '^CLOSED-BY-AGENT 1$' 10
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
