#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): install the
# dependencies, build jnagent, then run it against the bundled test
# controller (tests/controller, a Java program that plays Jenkins) and
# show the node coming online, answering the node-online calls, the node
# monitors and pings, and closing cleanly; then a short pipeline (sh,
# writeFile, stash, unstash, archiveArtifacts) with each step's result.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh"
export BUILD_DIR=${BUILD_DIR:-$top/build}
bash "$top/scripts/build.sh"
jn=$BUILD_DIR/agent/jnagent
"$jn" -version

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo
echo "== jnagent-jser on a stream written by the JDK's ObjectOutputStream"
mkdir -p "$work/peer"
javac -d "$work/peer" "$top"/tests/java/*.java $(find "$top/tests/java" -mindepth 2 -name '*.java')
java -cp "$work/peer" JserPeer write "$work/streams" >/dev/null
first=$(ls "$work/streams"/*.ser 2>/dev/null | grep -m1 hashmap || ls "$work/streams"/* | head -n1)
"$BUILD_DIR/tools/jnagent-jser" "$first" | head -n 40

echo
echo "== jnagent against the test controller (JNLP4-connect over TLS)"
mkdir -p "$work/ctl" "$work/agent"
javac -d "$work/ctl" $(find "$top/tests/controller/src" -name '*.java')
if ! java -cp "$work/ctl" jnagent.testctl.Main --scenario demo --timeout 60 \
	--exec-agent "$jn" --agent-arg -workDir --agent-arg "$work/agent" \
	2>"$work/controller.log"; then
	echo "== the controller's log"
	cat "$work/controller.log"
	exit 1
fi

echo
echo "== a short pipeline (sh, writeFile, stash, unstash, archiveArtifacts)"
echo "   replayed by the test controller against jnagent; every file"
echo "   transferred is checked by sha256 against the agent's disk"
mkdir -p "$work/pipeline"
if ! java -cp "$work/ctl" jnagent.testctl.Main --scenario pipeline \
	--timeout 180 --remote-root "$work/pipeline" \
	--exec-agent "$jn" --agent-arg -workDir --agent-arg "$work/pipeline" \
	>"$work/pipeline.out" 2>"$work/pipeline.log"; then
	cat "$work/pipeline.out"
	echo "== the controller's log (last 40 lines)"
	tail -n 40 "$work/pipeline.log"
	exit 1
fi
# one line per step: "STEP <name> ok <details>", then the verdict
grep -E '^(STEP|RESULT)' "$work/pipeline.out" | cut -c1-200
