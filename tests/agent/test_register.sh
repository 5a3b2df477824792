#!/bin/sh
# jnagent -register against the test controller's HTTP stand-in
# (RegisterServer.java), which checks every request exactly: Basic auth
# with the API token, the crumb header and its session cookie, the Swarm
# createSlave query, the core doCreateItem form and json, the JNLP file.
# Then the agent connects with the name and secret it read, as usual.
: "${E2E_TIMEOUT:=300}"
. "$(dirname "$0")/lib.sh"
e2e_init 40

TOKEN=11aa22bb33cc44dd55ee66ff77889900aa	# RegisterServer.TOKEN

# reg_start MODE SCENARIO [ctl options]: controller with the stand-in;
# sets REG_URL.
reg_start() {
	local mode=$1 scenario=$2
	shift 2
	ctl_start --scenario "$scenario" --register-mode "$mode" "$@" || return 1
	local i=0
	while [ ! -s "$T/ports.register" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
	REG_URL=http://127.0.0.1:$(sed -n 's/^register=//p' "$T/ports.register")/
}

# reg_agent [extra flags]: jnagent -register with the flags the stand-in
# expects.
reg_agent() {
	agent_start -register -url "$REG_URL" -username admin \
	    -passwordFile "$T/token.txt" -name "$NODE" -disableClientsUniqueId \
	    -executors 2 -mode exclusive -labels l1 -labels l2 \
	    -description "registered by test" -workDir "$T/work" \
	    -retry 0 "$@"
}

# The API token must appear nowhere the agent writes.
token_not_logged() {
	! grep -rlF -- "$TOKEN" "$T/work" "$T/agent.out" "$T/agent.err" \
	    >/dev/null 2>&1
}

# ... nor in the command line of a live agent (-password is scrubbed).
token_not_in_cmdline() {
	[ -r "/proc/$1/cmdline" ] || return 1
	! tr '\0' '\n' < "/proc/$1/cmdline" | grep -qF -- "$TOKEN"
}

printf '%s\n' "$TOKEN" > "$T/token.txt"
: > "$T/labels.txt"

# 1. Swarm plugin present: crumb, createSlave, JNLP secret, online.
reg_start swarm register || bail "test controller did not start"
reg_agent -labelsFile "$T/labels.txt"
check "swarm: crumb fetched with the API token" \
    wait_line "$T/ctl.out" '^REGISTER crumb$' 30
check "swarm: createSlave with the exact query, crumb and session cookie" \
    wait_line "$T/ctl.out" "^REGISTER swarm-create $NODE\$" 20
check "swarm: secret read from computer/$NODE/jenkins-agent.jnlp" \
    wait_line "$T/ctl.out" "^REGISTER jnlp $NODE\$" 20
online_checks 1 "swarm"
check "swarm: controller verdict RESULT ok (every request as expected)" \
    ctl_finished 15
ctl_verdict
check "swarm: the API token is not in any log or output" token_not_logged
next_run swarm

# The unique-id suffix: 8 hex digits of SHA-256(host name, NUL, fsroot).
UID8=$(printf '%s\000%s' "$(hostname)" "$T/work" | sha256sum | cut -c1-8)

# 2. Swarm with the unique id (name + hash), -labelsFile changes while
#    online: addSlaveLabels, then removeSlaveLabels; the token given with
#    -password is scrubbed.
reg_start swarm wait-close --name "$NODE-$UID8" ||
    bail "test controller did not start"
agent_start -register -url "$REG_URL" -username admin -password "$TOKEN" \
    -name "$NODE" -executors 2 -mode exclusive \
    -labels "l1 l2" -description "registered by test" -workDir "$T/work" \
    -labelsFile "$T/labels.txt"
check "labels: swarm node named <name>-<unique id> online" \
    wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 40
check "labels: -password scrubbed from /proc/<pid>/cmdline" \
    token_not_in_cmdline "$AGENT_PID"
printf 'f1\n  f2 \n' > "$T/labels.txt"
check "labels: new labels in -labelsFile added through addSlaveLabels" \
    wait_line "$T/ctl.out" '^LABELS add f1 f2$' 20
printf 'f2\n' > "$T/labels.txt"
check "labels: a label gone from -labelsFile removed (removeSlaveLabels)" \
    wait_line "$T/ctl.out" '^LABELS remove f1$' 20
kill -TERM "$AGENT_PID"
wait_exit "$AGENT_PID" 15
AGENT_PID=
check "labels: agent exits 0 after SIGTERM (status $EXIT_CODE)" \
    test "$EXIT_CODE" -eq 0
check "labels: controller verdict RESULT ok" ctl_finished 15
ctl_verdict
check "labels: the API token is not in any log or output" token_not_logged
next_run labels
: > "$T/labels.txt"

# 3. No Swarm plugin: core REST (api/json, doCreateItem) with the
#    unique-id suffix added by jnagent, labels through config.xml, over
#    -passwordEnvVariable.
reg_start core wait-close --name "$NODE-$UID8" ||
    bail "test controller did not start"
REG_TOKEN=$TOKEN
export REG_TOKEN
agent_start -register -url "$REG_URL" -username admin \
    -passwordEnvVariable REG_TOKEN -name "$NODE" \
    -executors 2 -mode exclusive -labels "l1 l2" \
    -description "registered by test" -workDir "$T/work" \
    -labelsFile "$T/labels.txt"
unset REG_TOKEN
check "core: doCreateItem with name-<unique id>, type and json (inbound launcher)" \
    wait_line "$T/ctl.out" "^REGISTER core-create $NODE-$UID8\$" 30
check "core: secret read from the JNLP file" \
    wait_line "$T/ctl.out" "^REGISTER jnlp $NODE-$UID8\$" 20
check "core: node online" wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 40
printf 'c3\n' > "$T/labels.txt"
check "core: -labelsFile change written to the node's config.xml" \
    wait_line "$T/ctl.out" '^LABELS set l1 l2 c3$' 20
kill -TERM "$AGENT_PID"
wait_exit "$AGENT_PID" 15
AGENT_PID=
check "core: controller verdict RESULT ok" ctl_finished 15
ctl_verdict
next_run core

# 3b. Core REST, the node already there: -deleteExistingClients deletes
#     it (doDelete, with the crumb) before doCreateItem.
reg_start replace wait-close || bail "test controller did not start"
reg_agent -deleteExistingClients
check "replace: the existing node deleted through doDelete" \
    wait_line "$T/ctl.out" "^REGISTER core-delete $NODE\$" 30
recreated_online() {
	wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 40 &&
	    grep -q "^REGISTER core-create $NODE\$" "$T/ctl.out"
}
check "replace: node created again (doCreateItem after doDelete) and online" \
    recreated_online
kill -TERM "$AGENT_PID"
wait_exit "$AGENT_PID" 15
AGENT_PID=
check "replace: controller verdict RESULT ok" ctl_finished 15
ctl_verdict
next_run replace

# 3c. The Swarm plugin deletes the node when its channel ends (no
#     -keepDisconnectedClients): the reconnect is refused as an unknown
#     name, jnagent registers again (same name) and comes online again.
reg_start swarm-delete online --restart || bail "test controller did not start"
reg_agent
check "swarm-delete: node deleted when the first channel ended" \
    wait_line "$T/ctl.out" "^REGISTER swarm-deleted $NODE\$" 40
reregistered() {
	wait_line "$T/ctl.out" '^NODE-MONITORS 2$' 60 &&
	    [ "$(grep -c "^REGISTER swarm-create $NODE\$" "$T/ctl.out")" -eq 2 ]
}
check "swarm-delete: registered again after the refusal and online again" \
    reregistered
check "swarm-delete: controller verdict RESULT ok" ctl_finished 20
ctl_verdict
next_run swarm-delete

# 4. Refusals: one line naming the permission or flag, exit status 1.
reg_start deny wait-close || bail "test controller did not start"
reg_agent
wait_exit "$AGENT_PID" 30
AGENT_PID=
check "deny: exit status 1 (got $EXIT_CODE)" test "$EXIT_CODE" -eq 1
check "deny: one line naming Agent/Create" \
    grep -q 'HTTP 403: user "admin" lacks the Agent/Create' "$T/agent.err"
check "deny: the API token is not in the message" token_not_logged
next_run deny

reg_start taken wait-close || bail "test controller did not start"
reg_agent
wait_exit "$AGENT_PID" 30
AGENT_PID=
check "taken: exit status 1 (got $EXIT_CODE)" test "$EXIT_CODE" -eq 1
check "taken: the message points at -deleteExistingClients" \
    grep -q 'already exists (-deleteExistingClients replaces it)' \
    "$T/agent.err"
next_run taken

reg_start swarm wait-close || bail "test controller did not start"
printf 'wrong-token\n' > "$T/badtoken.txt"
agent_start -register -url "$REG_URL" -username admin \
    -passwordFile "$T/badtoken.txt" -name "$NODE" -retry 0
wait_exit "$AGENT_PID" 30
AGENT_PID=
check "bad token: exit status 1 (got $EXIT_CODE)" test "$EXIT_CODE" -eq 1
check "bad token: one line about HTTP 401 and -username/-password" \
    grep -q 'HTTP 401: the controller refused user "admin"' "$T/agent.err"
check "bad token: the wrong token is not echoed" \
    sh -c "! grep -q wrong-token '$T/agent.err' '$T/agent.out'"
next_run badtoken

# 5. Transient failures are retried as -retry/-retryBackOffStrategy say.
"$JNAGENT" -register -url "http://127.0.0.1:1/" -username admin \
    -passwordFile "$T/token.txt" -name "$NODE" -retry 2 \
    -retryInterval 200ms -retryBackOffStrategy linear \
    >"$T/agent.out" 2>"$T/agent.err"
check "retry: exit status 1 once -retry 2 is spent" test $? -eq 1
check "retry: two retries, linear delays bounded by 200 and 400 ms" \
    sh -c "grep -q 'retry 1 in 200 ms' '$T/agent.err' &&
    grep -q 'retry 2 in 400 ms' '$T/agent.err' &&
    ! grep -q 'retry 3' '$T/agent.err'"

# 6. Bad flags: exit status 2.
"$JNAGENT" -register -url "http://127.0.0.1:1/" -username admin \
    -password x -mode sometimes >"$T/agent.out" 2>"$T/agent.err"
check "bad -mode: exit status 2" test $? -eq 2
"$JNAGENT" -register -url "http://127.0.0.1:1/" -password x \
    >"$T/agent.out" 2>"$T/agent.err"
check "no -username: exit status 2 and a clear line" \
    grep -q -- '-register needs -username' "$T/agent.err"
e2e_done
