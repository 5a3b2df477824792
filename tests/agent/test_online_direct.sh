#!/bin/sh
# jnagent -direct HOST:PORT -instanceIdentity KEY against the test
# controller: JNLP4-connect, the node-online set, pings both ways, an
# unknown callable, orderly close; the secret stays out of cmdline/logs.
. "$(dirname "$0")/lib.sh"
e2e_init 8
ctl_start || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "secret not visible in /proc/<pid>/cmdline while online" \
    secret_not_in_cmdline "$AGENT_PID"
online_checks 1 "-direct"
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
check "secret in no log file or agent output" secret_not_logged
e2e_done
