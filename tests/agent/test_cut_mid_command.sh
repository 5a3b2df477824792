#!/bin/sh
# The controller sends the first chunk of a multi-chunk command and cuts
# the connection: jnagent treats the truncated command as a dead channel
# and reconnects; the node comes online again.
. "$(dirname "$0")/lib.sh"
e2e_init 7
ctl_start --cut-mid-command || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
check "connection cut in the middle of a chunked command" \
    wait_line "$T/ctl.out" '^CUT 1$' 30
online_checks 2 "after reconnect"
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
