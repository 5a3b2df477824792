#!/bin/sh
# jnagent -url: discovery (GET tcpSlaveAgentListener/ headers, identity),
# then JNLP4-connect and the node-online set.
. "$(dirname "$0")/lib.sh"
e2e_init 6
ctl_start || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work"
online_checks 1 "-url"
check "controller verdict RESULT ok" ctl_finished 10
ctl_verdict
e2e_done
