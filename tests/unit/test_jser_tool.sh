#!/bin/sh
# jnagent-jser (TAP): the text tree of real captures, the three input
# formats, options, and errors on bad input.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
tool=$top_builddir/tools/jnagent-jser
fx=${JNAGENT_FIXTURES:-$top_srcdir/../shared/fixtures}/remoting
if [ ! -x "$tool" ]; then
	echo "1..1"
	echo "not ok 1 - $tool not built"
	exit 1
fi
if [ ! -d "$fx/captures/jenkins-direct" ]; then
	echo "1..0 # SKIP fixtures not found ($fx); set JNAGENT_FIXTURES"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/jser-tool.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

n=0
failed=0
check() {	# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=1
	fi
}
has() {		# has FILE FIXED-STRING-LINE (exact whole line, any indent)
	grep -qxF -- "$2" "$1" || grep -qx -- "[ ]*$(printf '%s' "$2" |
	    sed 's/[][\.*^$/]/\\&/g')" "$1"
}
lacks() {
	! grep -qF -- "$2" "$1"
}
# bytes FILE HEX...: write raw bytes
bytes() {
	f=$1
	shift
	for h in $*; do
		printf "\\$(printf '%03o' "0x$h")"
	done >"$f"
}

cmd0=$fx/captures/jenkins-direct/conn1-tx-cmd000.bin
"$tool" "$cmd0" >"$work/cmd0.txt" 2>"$work/cmd0.err"
check "capture UserRequest prints, exit 0" [ $? -eq 0 ]
check "no stderr on success" [ ! -s "$work/cmd0.err" ]
check "stream header line" has "$work/cmd0.txt" "stream 2324 bytes, 1 contents"
check "root object hudson.remoting.UserRequest" \
    has "$work/cmd0.txt" "  object @7e0008 hudson.remoting.UserRequest"
check "class descriptor with suid, flags and field count" \
    has "$work/cmd0.txt" "class classdesc @7e0000 hudson.remoting.UserRequest suid 1 (0x0000000000000001) flags 0x02 SERIALIZABLE fields 3"
check "Throwable descriptor with negative suid in decimal and hex" \
    has "$work/cmd0.txt" "super classdesc @7e000c java.lang.Throwable suid -3042686055658047285 (0xd5c635273977b8cb) flags 0x03 WRITE_METHOD SERIALIZABLE fields 4"
check "field type string, first and referenced" \
    has "$work/cmd0.txt" "field L detailMessage \"Ljava/lang/String;\" -> @7e0003"
check "back-reference to the enclosing object" \
    has "$work/cmd0.txt" "L this\$0 = @7e0008 -> object hudson.remoting.UserRequest"
check "self cause as back-reference" \
    has "$work/cmd0.txt" "L cause = @7e0010 -> object hudson.remoting.Command\$Source"
check "primitive field values" has "$work/cmd0.txt" "I oid = 2"
check "boolean field values" has "$work/cmd0.txt" "Z goingHome = false"
check "proxy descriptor and interfaces" \
    has "$work/cmd0.txt" "interface hudson.remoting.RemoteClassLoader\$IClassLoader"
check "byte[] truncated with a count" \
    grep -q "bytes: aced0005737200.*\.\.\. (66 more)" "$work/cmd0.txt"
check "nested payload decoded" has "$work/cmd0.txt" "nested stream 130 bytes, 1 contents"
check "nested hudson.slaves.SlaveComputer\$SlaveVersion" \
    has "$work/cmd0.txt" "object @7e0002 hudson.slaves.SlaveComputer\$SlaveVersion"
check "payload annotation as block data" \
    has "$work/cmd0.txt" "blockdata 8 bytes: fffffffe00000002"
check "quoted string" \
    has "$work/cmd0.txt" "L toString = string @7e0045 \"hudson.slaves.SlaveComputer\$SlaveVersion@7dc4823b\""

"$tool" <"$cmd0" >"$work/stdin.txt"
check "stdin gives the same tree" cmp -s "$work/cmd0.txt" "$work/stdin.txt"
"$tool" --no-nested "$cmd0" >"$work/nonest.txt"
check "--no-nested leaves payloads as bytes" lacks "$work/nonest.txt" "nested stream"
"$tool" --full "$cmd0" >"$work/full.txt"
check "--full prints whole arrays" lacks "$work/full.txt" "more)"

"$tool" --records "$fx/vectors/controller-agent-basic.bin" >"$work/rec.txt"
check "--records exit 0" [ $? -eq 0 ]
check "--records marks" has "$work/rec.txt" "mark 0"
check "--records commands with direction" has "$work/rec.txt" "command 0 C>A (1754 bytes)"
check "--records nested ping callable" \
    grep -q "object @7e0001 hudson.remoting.PingThread\$Ping" "$work/rec.txt"

# a chunked file: two commands, the second cut in two chunks
c1=$fx/captures/jenkins-direct/conn1-rx-cmd000.bin
s1=$(wc -c <"$c1")
s0=$(wc -c <"$cmd0")
hi=$((s0 / 2))
{
	bytes "$work/h1" "$(printf '%02x %02x' $((s1 >> 8)) $((s1 & 255)))"
	cat "$work/h1" "$c1"
	bytes "$work/h2" "$(printf '%02x %02x' $(((hi >> 8) | 128)) $((hi & 255)))"
	cat "$work/h2"
	head -c "$hi" "$cmd0"
	rest=$((s0 - hi))
	bytes "$work/h3" "$(printf '%02x %02x' $((rest >> 8)) $((rest & 255)))"
	cat "$work/h3"
	tail -c "$rest" "$cmd0"
} >"$work/chunked.bin"
"$tool" --chunked "$work/chunked.bin" >"$work/chunked.txt"
check "--chunked exit 0" [ $? -eq 0 ]
check "--chunked first command" has "$work/chunked.txt" "command 0 ($s1 bytes)"
check "--chunked reassembles a split command" has "$work/chunked.txt" "command 1 ($s0 bytes)"
check "--chunked nested payload" \
    grep -q "object @7e0002 hudson.slaves.SlaveComputer\$SlaveVersion" "$work/chunked.txt"

# hand-made streams: escapes, references, reset, floats
bytes "$work/esc.bin" ac ed 00 05 74 00 08 61 0a 22 c0 80 e2 82 ac 74 00 01 78 71 00 7e 00 01 79 74 00 01 78
"$tool" "$work/esc.bin" >"$work/esc.txt"
check "string escapes (newline, quote, NUL, BMP)" \
    has "$work/esc.txt" "string @7e0000 \"a\\n\\\"\\u0000\\u20ac\""
check "reference to a string" has "$work/esc.txt" "@7e0001 -> string \"x\""
check "reset, handles restart" has "$work/esc.txt" "reset"
check "new string after reset has the first handle" \
    has "$work/esc.txt" "string @7e0000 \"x\""

# every capture command decodes
bad=0
for f in "$fx"/captures/*/conn*-cmd*.bin; do
	"$tool" "$f" >/dev/null 2>"$work/all.err" || { bad=$((bad + 1)); echo "# $f: $(cat "$work/all.err")"; }
done
check "every capture command prints without error" [ $bad -eq 0 ]

# errors
printf 'garbage' >"$work/garbage.bin"
"$tool" "$work/garbage.bin" >"$work/out" 2>"$work/err"
check "garbage: exit 1" [ $? -eq 1 ]
check "garbage: one line on stderr" [ "$(wc -l <"$work/err")" -eq 1 ]
check "garbage: says bad magic" grep -q "^jnagent-jser: .*magic" "$work/err"
head -c 100 "$cmd0" >"$work/trunc.bin"
"$tool" "$work/trunc.bin" >"$work/out" 2>"$work/err"
check "truncated stream: exit 1" [ $? -eq 1 ]
check "truncated stream: offset and reason" grep -q "^jnagent-jser: .* at offset [0-9]*: " "$work/err"
"$tool" </dev/null >"$work/out" 2>"$work/err"
check "empty input: exit 1" [ $? -eq 1 ]
"$tool" --chunked "$work/trunc.bin" >"$work/out" 2>"$work/err"
check "--chunked with a cut chunk: exit 1" [ $? -eq 1 ]
"$tool" --records "$work/garbage.bin" >"$work/out" 2>"$work/err"
check "--records garbage: exit 1, one line" [ $? -eq 1 ] && [ "$(wc -l <"$work/err")" -eq 1 ]
"$tool" "$work/nonexistent" >"$work/out" 2>"$work/err"
check "missing file: exit 1" [ $? -eq 1 ]
"$tool" --bogus >"$work/out" 2>"$work/err"
check "unknown option: exit 2, one line" [ $? -eq 2 ] && [ "$(wc -l <"$work/err")" -eq 1 ]
"$tool" a b >"$work/out" 2>"$work/err"
check "two files: exit 2" [ $? -eq 2 ]
"$tool" --chunked --records a >"$work/out" 2>"$work/err"
check "--chunked with --records: exit 2" [ $? -eq 2 ]
"$tool" --help >"$work/out" 2>"$work/err"
check "--help: exit 0, usage on stdout" [ $? -eq 0 ] && grep -q "^usage: jnagent-jser" "$work/out"
"$tool" --version >"$work/out"
check "--version" grep -q "^jnagent-jser [0-9]" "$work/out"

echo "1..$n"
exit $failed
