#!/bin/sh
# A short declarative pipeline replayed by the test controller against
# jnagent (tests/controller/src/jnagent/testctl/Pipeline.java): writeFile,
# fileExists, readFile, sh through durable-task polling (output, exit
# codes, returnStdout, returnStatus, withEnv, "$$"), dir, stash, deleteDir,
# unstash, archiveArtifacts, plain launches with join/kill, the abort of a
# running sh (no process survives, checked in /proc), the end of the node
# block, and hostile inputs (tar escapes, a 4 GB declared entry, an empty
# stash, a path outside the workspace).  Every transferred file is
# compared by sha256 with what the agent's file system holds.
# PIPELINE_TRANSPORT=websocket runs the same over WebSocket.
: "${E2E_TIMEOUT:=240}"
. "$(dirname "$0")/lib.sh"

steps="writeFile fileExists readFile sh sh-exit-code sh-returnStdout
sh-shebang sh-returnStatus dir stash deleteDir unstash stash-empty archiveArtifacts
archiveArtifacts-nomatch launch launch-kill abort node-end
hostile-tar-dotdot hostile-tar-absolute hostile-tar-symlink
hostile-tar-symlink-relative hostile-4GB hostile-4GB-string
hostile-outside-path"
nsteps=$(echo $steps | wc -w)
e2e_init $((nsteps + 3))

ctl_start --scenario pipeline || bail "test controller did not start"
if [ "${PIPELINE_TRANSPORT:-tcp}" = websocket ]; then
	agent_start -url "$URL" -webSocket -name "$NODE" -secret "$SECRET" \
	    -workDir "$T/work"
	how=WebSocket
else
	agent_start -direct "127.0.0.1:$TCP_PORT" -instanceIdentity "$IDENTITY" \
	    -name "$NODE" -secret "$SECRET" -workDir "$T/work"
	how=JNLP4
fi
check "$how: node online before the pipeline" \
    wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 60
for s in $steps; do
	if wait_line "$T/ctl.out" "^STEP $s ok" $((E2E_TIMEOUT - 30)); then
		ok "$how: step $s: $(sed -n "s/^STEP $s ok //p" "$T/ctl.out" |
		    cut -c1-160)"
	else
		not_ok "$how: step $s"
		ctl_verdict
		break
	fi
done
# steps after a failure are reported as failed too (keep the plan)

while [ $tap_n -lt $((nsteps + 1)) ]; do
	not_ok "$how: step not reached"
done
check "$how: controller verdict RESULT ok, channel closed orderly" \
    ctl_finished 60
ctl_verdict
check "workspace and control directories removed by the pipeline" \
    test ! -e "$T/work/workspace/pipeline-demo"
e2e_done
