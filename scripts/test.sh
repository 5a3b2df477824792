#!/usr/bin/env bash
# Installs the dependencies, builds jnagent with ASan+UBSan and runs every
# test (unit, JDK interop, fixtures, mutation, end-to-end).  Ends with a
# line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bash "$top/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
export BUILD_DIR=${BUILD_DIR:-$top/build-san}
if ! bash "$top/scripts/build.sh" --enable-sanitizers; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi
cd "$BUILD_DIR"
make -j"$(nproc)" check >check.out 2>&1
rc=$?
# Per-test results, then the failing logs in full.
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' check.out | sed 's/^/  /' | tail -n 400
if [ $rc -ne 0 ]; then
	for f in $(grep -l -E '^(not ok|Bail out)' $(find . -name '*.log' -path '*tests*') 2>/dev/null); do
		echo "==== $f"; tail -n 60 "$f"
	done
	tail -n 40 check.out
fi
awk '/^# PASS:/{p+=$3} /^# (FAIL|ERROR|XPASS):/{f+=$3}
     END{print p+0" passed, "f+0" failed"}' check.out | tail -n 1 > .summary
[ $rc -ne 0 ] && ! grep -q ' [1-9][0-9]* failed' .summary && echo "0 passed, 1 failed" > .summary
cat .summary
exit $rc
