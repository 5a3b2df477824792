#!/bin/sh
# Build a seed corpus for a fuzz target from the fixtures.
#   tests/fuzz/seed.sh jser|chunk DIR
# jser:  every de-chunked capture command (one Java serialization stream
#        each), plus the JDK-written streams of tests/java/JserPeer when a
#        JDK and its compiled classes are available ($JAVA, $JSERPEER_CP).
# chunk: the same commands cut into remoting chunks (at most 8192 payload
#        bytes, bit 15 = more), two commands per seed.
set -eu
kind=${1:-}
out=${2:-}
if [ -z "$kind" ] || [ -z "$out" ] || { [ "$kind" != jser ] && [ "$kind" != chunk ]; }; then
	echo "usage: $0 jser|chunk DIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
fx=${JNAGENT_FIXTURES:-$top/../shared/fixtures}/remoting/captures
if [ ! -d "$fx" ]; then
	echo "$0: no fixtures in $fx (set JNAGENT_FIXTURES)" >&2
	exit 1
fi
mkdir -p "$out"

# hdr N MORE: a 2-byte chunk header
hdr() {
	v=$(($1 | ($2 << 15)))
	printf "\\$(printf '%03o' $((v >> 8)))\\$(printf '%03o' $((v & 255)))"
}
# chunked FILE: the file as remoting chunks
chunked() {
	size=$(wc -c <"$1")
	off=0
	while [ "$off" -lt "$size" ]; do
		n=$((size - off))
		more=0
		if [ "$n" -gt 8192 ]; then
			n=8192
			more=1
		fi
		hdr "$n" "$more"
		tail -c +$((off + 1)) "$1" | head -c "$n"
		off=$((off + n))
	done
}

count=0
prev=
for f in "$fx"/*/conn*-cmd*.bin; do
	name=$(basename "$(dirname "$f")")-$(basename "$f" .bin)
	if [ "$kind" = jser ]; then
		cp "$f" "$out/$name"
	else
		{
			[ -n "$prev" ] && chunked "$prev"
			chunked "$f"
		} >"$out/$name"
		prev=$f
	fi
	count=$((count + 1))
done
if [ "$kind" = jser ] && [ -n "${JAVA:-}" ] && [ -n "${JSERPEER_CP:-}" ]; then
	tmp=$(mktemp -d)
	if "$JAVA" -cp "$JSERPEER_CP" JserPeer write "$tmp" >/dev/null; then
		for s in "$tmp"/*.ser; do
			cp "$s" "$out/jdk-$(basename "$s" .ser)"
			count=$((count + 1))
		done
	fi
	rm -rf "$tmp"
fi
echo "$count seeds in $out"
