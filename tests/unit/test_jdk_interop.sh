#!/bin/sh
# JDK interop (TAP): JserPeer writes streams with ObjectOutputStream, the C
# test decodes and checks them and writes its own, JserPeer reads those
# back with ObjectInputStream.  Skips when configure found no JDK.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
if [ -z "$JAVAC" ] || [ -z "$JAVA" ]; then
	echo "1..0 # SKIP no JDK: configure found no javac/java (JAVAC/JAVA empty)"
	exit 0
fi
ctest=$top_builddir/tests/unit/test_jdk_interop
if [ ! -x "$ctest" ]; then
	echo "1..1"
	echo "not ok 1 - $ctest not built"
	exit 1
fi
src=$top_srcdir/tests/java
classes=$top_builddir/tests/java/classes
stamp=$classes/JserPeer.class
work=$(mktemp -d "${TMPDIR:-/tmp}/jdk-interop.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

n=0
failed=0
emit() {	# emit OK|NOTOK description
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}
# Renumber the ok/not ok lines of a TAP producer into ours.
relay() {
	while IFS= read -r line; do
		case $line in
		"ok "*)
			emit OK "${line#* - }" ;;
		"not ok "*)
			emit NOTOK "${line#* - }" ;;
		"#"*)
			echo "$line" ;;
		esac
	done
}

stale=
if [ -f "$stamp" ]; then
	stale=$(find "$src" -name '*.java' -newer "$stamp" | head -n 1)
fi
if [ ! -f "$stamp" ] || [ -n "$stale" ]; then
	mkdir -p "$classes"
	if "$JAVAC" -d "$classes" "$src/JserPeer.java" \
	    "$src/hudson/remoting/ProxyException.java" >"$work/javac.log" 2>&1; then
		emit OK "compiled tests/java with $JAVAC"
	else
		sed 's/^/# /' "$work/javac.log"
		emit NOTOK "compiled tests/java with $JAVAC"
		echo "1..$n"
		exit 1
	fi
fi

if "$JAVA" -cp "$classes" JserPeer write "$work" >"$work/write.log" 2>&1; then
	emit OK "JserPeer write: $(cat "$work/write.log")"
else
	sed 's/^/# /' "$work/write.log"
	emit NOTOK "JserPeer write"
	echo "1..$n"
	exit 1
fi

"$ctest" "$work" >"$work/c.tap" 2>"$work/c.err"
rc=$?
relay <"$work/c.tap"
sed 's/^/# /' "$work/c.err"
[ $rc -eq 0 ] || emit NOTOK "test_jdk_interop exited with status $rc"
plan=$(grep -c '^1\.\.' "$work/c.tap")
[ "$plan" -eq 1 ] || emit NOTOK "test_jdk_interop printed its plan"

"$JAVA" -cp "$classes" JserPeer read "$work" >"$work/j.tap" 2>"$work/j.err"
rc=$?
relay <"$work/j.tap"
sed 's/^/# /' "$work/j.err"
[ $rc -eq 0 ] || emit NOTOK "JserPeer read exited with status $rc"
[ "$(grep -c '^ok' "$work/j.tap")" -ge 40 ] ||
	emit NOTOK "JserPeer read checked at least 40 values"

echo "1..$n"
exit $failed
