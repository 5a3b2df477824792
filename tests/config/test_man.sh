#!/bin/sh
# man/jnagent.1 documents exactly the flags "jnagent -help" lists (aliases
# included), every variable -help lists or agent/conf.c reads, and no
# variable jnagent does not read; it renders without groff warnings.
. "$(dirname "$0")/../agent/lib.sh"
MAN=$top_srcdir/man/jnagent.1
[ -x "$JNAGENT" ] || skip_all "jnagent binary not built ($JNAGENT)"
[ -r "$MAN" ] || bail "no $MAN"
echo "1..7"
T=$(mktemp -d "${TMPDIR:-/tmp}/jnagent-man.XXXXXX") || bail "mktemp"
trap 'rm -rf "$T"' EXIT
"$JNAGENT" -help > "$T/help" || bail "jnagent -help failed"

# Flags of -help: first word of "  -flag ..." lines, and "(also -alias)".
awk '/^Environment/ { exit }
    /^  -[A-Za-z]/ { sub(/^  -/, ""); print $1
        if (match($0, /\(also -[A-Za-z][-A-Za-z]*\)/))
            print substr($0, RSTART + 7, RLENGTH - 8) }' "$T/help" |
    sort -u > "$T/help.flags"
# Variables of -help: the Environment section.
awk '/^Environment/ { on = 1; next } on && /^$/ { exit }
    on && /^  [A-Za-z_]/ { line = $0
        while (match(line, /[A-Za-z_][A-Za-z0-9_]*_[A-Za-z0-9_]*|REMOTING_OPTS/)) {
            print substr(line, RSTART, RLENGTH)
            line = substr(line, RSTART + RLENGTH) } }' "$T/help" |
    sort -u > "$T/help.vars"
# Variables conf.c reads.
grep -oE '(conf_env|conf_env_true|getenv)\("[A-Za-z_][A-Za-z0-9_]*"\)' \
    "$top_srcdir/agent/conf.c" | sed 's/.*("\(.*\)")/\1/' | sort -u > "$T/conf.vars"
# Variables read anywhere in jnagent's sources (agent/, docker/).
grep -rhoE '(conf_env|conf_env_true|getenv)\("[A-Za-z_][A-Za-z0-9_]*"\)' \
    "$top_srcdir/agent" "$top_srcdir/docker" |
    sed 's/.*("\(.*\)")/\1/' | sort -u > "$T/src.vars"

# man_items SECTION: the .B/.BI words right after .TP/.TQ in that section.
man_items() {
	awk -v sec="$1" '
	    /^\.SH / { on = ($2 == sec); next }
	    /^\.(TP|TQ)/ { tag = 1; next }
	    on && tag && /^\.BI? / { w = $2; gsub(/\\-/, "-", w); sub(/^-/, "", w)
	        print w }
	    { tag = 0 }' "$MAN" | sort -u
}
man_items OPTIONS > "$T/man.flags"
man_items ENVIRONMENT > "$T/man.vars"

check "-help lists flags (sanity: $(wc -l < "$T/help.flags") found)" \
    test "$(wc -l < "$T/help.flags")" -ge 20
check "every flag of jnagent -help is in the man page's OPTIONS" \
    sh -c 'comm -23 "$1" "$2" | sed "s/^/# missing in jnagent.1: -/" |
        grep . && exit 1; exit 0' _ "$T/help.flags" "$T/man.flags"
check "every flag of the man page's OPTIONS is in jnagent -help" \
    sh -c 'comm -13 "$1" "$2" | sed "s/^/# not in -help: -/" |
        grep . && exit 1; exit 0' _ "$T/help.flags" "$T/man.flags"
sort -u "$T/help.vars" "$T/conf.vars" > "$T/want.vars"
check "every variable of -help and agent/conf.c is in ENVIRONMENT ($(wc -l < "$T/want.vars") variables)" \
    sh -c 'comm -23 "$1" "$2" | sed "s/^/# missing in jnagent.1: /" |
        grep . && exit 1; exit 0' _ "$T/want.vars" "$T/man.vars"
sort -u "$T/want.vars" "$T/src.vars" > "$T/known.vars"
check "every variable of ENVIRONMENT is one jnagent reads" \
    sh -c 'comm -13 "$1" "$2" | sed "s/^/# never read: /" |
        grep . && exit 1; exit 0' _ "$T/known.vars" "$T/man.vars"
check "the man page names the version jnagent reports" \
    grep -q "\"jnagent $("$JNAGENT" -version | awk '{ print $2 }')\"" "$MAN"
if command -v groff >/dev/null 2>&1; then
	check "groff -man renders it without warnings" \
	    sh -c 'groff -man -ww -z "$1" 2>"$2"; r=$?; sed "s/^/# /" "$2";
	        [ $r -eq 0 ] && ! grep -q . "$2"' _ "$MAN" "$T/groff.err"
else
	ok "groff -man renders it # SKIP groff not installed"
fi
[ "$tap_failed" -eq 0 ]
