#!/bin/sh
# The controller sends a command that is not a valid serialization stream:
# jnagent drops the channel (it cannot know the request id) and
# reconnects; the node comes online again.  WebSocket transport.
. "$(dirname "$0")/lib.sh"
e2e_init 7
ctl_start --malformed-frame --ws-ping 1 || bail "test controller did not start"
agent_start -url "$URL" -webSocket \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
check "agent dropped the channel after the malformed command" \
    wait_line "$T/ctl.out" '^DROPPED 1' 30
online_checks 2 "after reconnect"
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
