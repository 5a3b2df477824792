#!/bin/sh
# The controller drops the connection abruptly after the node is online and
# still considers the old channel live: jnagent reconnects presenting the
# cookie of the old channel, which makes the controller replace it, and the
# node comes online again.
. "$(dirname "$0")/lib.sh"
e2e_init 8
ctl_start --restart || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work"
check "first channel online" wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 30
check "reconnect presents the cookie of the dropped channel" \
    wait_line "$T/ctl.out" '^COOKIE 2 matches channel 1$' 30
online_checks 2 "after reconnect"
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
