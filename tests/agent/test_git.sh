#!/bin/sh
# `checkout scm` on jnagent (docs/git-checkout.md): the test controller
# (tests/controller/src/jnagent/testctl/GitScenario.java) replays the calls
# the git plugin makes through git-client: Git$GitAPIMasterToSlaveFileCallable
# answered with a RemoteGitImpl proxy, RPCs on it, and builder commands
# (clone_, fetch_, checkout, changelog) replayed by
# RemoteGitImpl$CommandInvocationHandler$GitCommandMasterToSlaveCallable,
# against a bare repository over file:// and over HTTP (git http-backend
# behind basic auth on loopback); then submodules over file:// (refused
# without protocol.file.allow, as git does), branch/tag/ls-remote lookups,
# and Git LFS over file:// (git lfs pull, and its failure as a
# GitException).  The workspace contents, the revision
# built and the changelog are checked; temporary credential files must be
# gone and the password never in the agent's logs.
: "${E2E_TIMEOUT:=240}"
. "$(dirname "$0")/lib.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed"
git lfs version >/dev/null 2>&1 ||
    skip_all "git-lfs is not installed (scripts/deps.sh installs it)"
steps="fixture client first-clone incremental-fetch changelog merge unsupported
git-exception http-noauth http-clone http-fetch sparse
submodule-file-protocol submodules branches ls-remote lfs lfs-failure build-log"
nsteps=$(echo $steps | wc -w)
e2e_init $((nsteps + 4))

mkdir -p "$T/tmp"
ctl_start --scenario git || bail "test controller did not start"
export TMPDIR="$T/tmp"
agent_start -direct "127.0.0.1:$TCP_PORT" \
    -instanceIdentity "$IDENTITY" -name "$NODE" -secret "$SECRET" \
    -workDir "$T/work"
check "node online before checkout" \
    wait_line "$T/ctl.out" '^NODE-MONITORS 1$' 60
for s in $steps; do
	if wait_line "$T/ctl.out" "^STEP git-$s ok" $((E2E_TIMEOUT - 30)); then
		ok "step $s: $(sed -n "s/^STEP git-$s ok //p" "$T/ctl.out" |
		    cut -c1-160)"
	else
		not_ok "step $s"
		ctl_verdict
		sed 's/^/# ctl: /' "$T/ctl.err" | tail -20
		break
	fi
done
while [ $tap_n -lt $((nsteps + 1)) ]; do
	not_ok "step not reached"
done
check "controller verdict RESULT ok, channel closed orderly" \
    ctl_finished 60
ctl_verdict
check "no temporary credential file left" \
    test -z "$(ls -A "$T/tmp")"
check "the HTTP password is not in the agent's logs" \
    sh -c "! grep -q 'p4ss-' '$T/agent.out' '$T/agent.err'"
e2e_done
