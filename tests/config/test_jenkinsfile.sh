#!/bin/sh
# jenkins-config/Jenkinsfile: lexically sound Groovy (strings, comments,
# brackets), a declarative pipeline on agent { label 'c-docker' }, and its
# steps are the ones the test controller's pipeline scenario replays
# (tests/controller/src/jnagent/testctl/Pipeline.java), through the one
# correspondence list tests/config/pipeline-steps.txt.
. "$(dirname "$0")/../agent/lib.sh"
. "$top_srcdir/tests/config/lib.sh"
cfg_python
JF=$CFG_DIR/Jenkinsfile
LIST=$top_srcdir/tests/config/pipeline-steps.txt
PIPE=$top_srcdir/tests/controller/src/jnagent/testctl/Pipeline.java
echo "1..8"
T=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-jf.XXXXXX") || bail "mktemp"
trap 'rm -rf "$T"' EXIT

check "the Jenkinsfile lexes (strings, comments, balanced brackets)" \
    sh -c '"$1" "$2" jenkinsfile "$3" > "$4"' _ "$PY" "$CFGTOOL" "$JF" "$T/jf"
check "declarative pipeline { ... } on agent { label 'c-docker' } only" \
    sh -c 'grep -q "^pipeline *{" "$1" && [ "$(grep "^AGENT " "$2" | sort -u)" = "AGENT c-docker" ]' \
    _ "$JF" "$T/jf"

# The kind of each step (the rules are in pipeline-steps.txt's header).
awk '
    /^AGENT / { print "node"; next }
    !/^STEP / { next }
    { name = $2; ctx = "," $3 ","; args = $0 }
    name == "error" || name == "echo" || name == "catchError" ||
        name == "timeout" { next }
    name == "sh" {
        if (ctx ~ /,timeout,/) print "abort"
        else if (ctx ~ /,catchError,/) print "sh-exit-code"
        else if (args ~ /returnStdout : true/) print "sh-returnStdout"
        else if (args ~ /returnStatus : true/) print "sh-returnStatus"
        else if (args ~ /'\''#!/) print "sh-shebang"
        else if (args ~ /'\''docker build /) print "docker-build"
        else if (args ~ /'\''docker run /) print "docker-run"
        else print "sh"
        next }
    name == "stash" && ctx ~ /,catchError,/ { print "stash-empty"; next }
    name == "archiveArtifacts" && ctx ~ /,catchError,/ {
        print "archiveArtifacts-nomatch"; next }
    { print name }' "$T/jf" | sort -u > "$T/jf.kinds"
grep -v '^[#!]' "$LIST" | awk 'NF { print $1 }' | sort -u > "$T/list.kinds"
check "the Jenkinsfile has a step of every kind of pipeline-steps.txt" \
    sh -c 'comm -13 "$1" "$2" | sed "s/^/# not in the Jenkinsfile: /" | grep . && exit 1; exit 0' \
    _ "$T/jf.kinds" "$T/list.kinds"
check "every step of the Jenkinsfile has its line in pipeline-steps.txt" \
    sh -c 'comm -23 "$1" "$2" | sed "s/^/# not in pipeline-steps.txt: /" | grep . && exit 1; exit 0' \
    _ "$T/jf.kinds" "$T/list.kinds"
need="sh writeFile readFile stash unstash archiveArtifacts docker-build docker-run docker.image.inside"
check "the Jenkinsfile has the steps the issue asks for ($need)" \
    sh -c 'for k in $1; do grep -qx "$k" "$2" || { echo "# missing $k"; exit 1; }; done' \
    _ "$need" "$T/jf.kinds"

# The controller's steps: step("NAME", ...) in Pipeline.java ("hostile-"
# + a name counts as hostile-*).
if [ -r "$PIPE" ]; then
	grep -oE 'step\("[A-Za-z0-9.-]+"' "$PIPE" | sed 's/^step("//; s/"$//' |
	    sed 's/-$/-*/' | sort -u > "$T/ctl.steps"
	grep -v '^[#!]' "$LIST" | awk 'NF { for (i = 2; i <= NF; i++) print $i }' |
	    sort -u > "$T/mapped.steps"
	sed -n 's/^!\([^ ]*\).*/\1/p' "$LIST" > "$T/excluded"
	check "the controller replays $(wc -l < "$T/ctl.steps") kinds of step (sanity: at least 10)" \
	    test "$(wc -l < "$T/ctl.steps")" -ge 10
	check "every step pipeline-steps.txt maps to is one the controller replays" \
	    sh -c 'comm -23 "$1" "$2" | sed "s/^/# the controller has no step /" | grep . && exit 1; exit 0' \
	    _ "$T/mapped.steps" "$T/ctl.steps"
	unmapped() {
		local s e found bad=0
		for s in $(comm -13 "$T/mapped.steps" "$T/ctl.steps"); do
			found=
			while read -r e; do
				# shellcheck disable=SC2254
				case $s in $e) found=1 ;; esac
			done < "$T/excluded"
			[ -n "$found" ] && continue
			echo "# controller step $s: no Jenkinsfile step, not excluded"
			bad=1
		done
		return $bad
	}
	check "every step the controller replays is a Jenkinsfile step (or listed as none)" \
	    unmapped
else
	ok "controller steps # SKIP no $PIPE"
	ok "mapped steps # SKIP no $PIPE"
	ok "unmapped steps # SKIP no $PIPE"
fi
[ "$tap_failed" -eq 0 ]
