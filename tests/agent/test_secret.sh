#!/bin/sh
# The secret given on the command line is hidden from /proc/<pid>/cmdline
# and appears in no log (stderr, -agentLog, workDir logs), even at
# -loglevel debug (JNLP4-connect: the headers go inside TLS).  The
# WebSocket variant is in test_online_websocket.sh.
. "$(dirname "$0")/lib.sh"
e2e_init 5
ctl_start || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work" \
    -loglevel debug -agentLog "$T/agent.log"
check "node online" wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "secret not in /proc/<pid>/cmdline while online" \
    secret_not_in_cmdline "$AGENT_PID"
check "node-online set done, channel closed" \
    wait_line "$T/ctl.out" '^CLOSED 1$' 30
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
check "secret in no log at -loglevel debug (stderr, -agentLog, workDir)" \
    eval 'secret_not_logged && ! grep -qF -- "$SECRET" "$T/agent.log"'
e2e_done
