#!/bin/sh
# jnagent -url -webSocket: GET login, upgrade on wsagents/ with
# Node-Name/Secret-Key/X-Remoting-Capability, chunks as binary messages,
# WebSocket pings answered with pongs, the node-online set.  At -loglevel
# debug the Secret-Key header must still appear in no log.
. "$(dirname "$0")/lib.sh"
e2e_init 8
ctl_start --ws-ping 1 || bail "test controller did not start"
agent_start -url "$URL" -webSocket -name "$NODE" -secret "$SECRET" \
    -workDir "$T/work" -loglevel debug -agentLog "$T/agent.log"
wait_line "$T/ctl.out" '^ONLINE 1$' 30
check "-webSocket: secret not in /proc/<pid>/cmdline while online" \
    secret_not_in_cmdline "$AGENT_PID"
online_checks 1 "-webSocket"
check "-webSocket: controller verdict RESULT ok (incl. WebSocket pongs)" \
    ctl_finished 10
ctl_verdict
check "-webSocket: secret in no log at -loglevel debug" \
    eval 'secret_not_logged && ! grep -qF -- "$SECRET" "$T/agent.log"'
e2e_done
