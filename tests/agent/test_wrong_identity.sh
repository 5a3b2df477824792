#!/bin/sh
# The controller's TLS certificate key differs from the advertised
# identity: jnagent must abort the TLS session and never send its headers
# (the secret travels in them), via discovery and via -instanceIdentity.
. "$(dirname "$0")/lib.sh"
e2e_init 6
ctl_start --wrong-identity || bail "test controller did not start"
agent_start -url "$URL" -name "$NODE" -secret "$SECRET" -workDir "$T/work" \
    -noReconnect
wait_exit "$AGENT_PID" 30
AGENT_PID=
check "-url: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "-url: controller saw the TLS session refused and received no headers" \
    ctl_finished 15
ctl_verdict
check "-url: secret in no log file or agent output" secret_not_logged

next_run url
ctl_start --wrong-identity || bail "test controller did not start"
agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET" -workDir "$T/work" -noReconnect
wait_exit "$AGENT_PID" 30
AGENT_PID=
check "-direct: -noReconnect agent exits non-zero (status $EXIT_CODE)" \
    test "$EXIT_CODE" -ne 0 -a "$EXIT_CODE" -ne 124
check "-direct: controller saw the TLS session refused and received no headers" \
    ctl_finished 15
ctl_verdict
check "-direct: secret in no log file or agent output" secret_not_logged
e2e_done
