#!/bin/sh
# The test controller itself: its mirror classes decode the real remoting
# captures, and it completes its scenarios against a minimal Java agent
# (jnagent.testctl.TestAgent), so a jnagent failure in the other tests is
# not a controller bug.  Needs only the JDK.
. "$(dirname "$0")/lib.sh"
e2e_init 2 nojnagent

test_agent() {
	"$JAVA" -cp "$CTL_CLASSES" jnagent.testctl.TestAgent "$@" \
	    >"$T/agent.out" 2>"$T/agent.err" &
	AGENT_PID=$!
}

if [ -d "$JNAGENT_FIXTURES/remoting/captures" ]; then
	if "$JAVA" -cp "$CTL_CLASSES" jnagent.testctl.SelfTest \
	    "$JNAGENT_FIXTURES" >"$T/selftest.out" 2>&1; then
		ok "mirror classes decode the captured remoting sessions"
	else
		sed 's/^/# /' "$T/selftest.out"
		not_ok "mirror classes decode the captured remoting sessions"
	fi
else
	ok "# SKIP no fixtures at $JNAGENT_FIXTURES"
fi

ctl_start || bail "test controller did not start"
test_agent -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
    -name "$NODE" -secret "$SECRET"
check "JNLP4 scenario against the Java test agent" ctl_finished 30
e2e_done
