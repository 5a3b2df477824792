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
# The other TLS library (configure --with-tls=mbedtls): the connection
# tests again, the TLS client against the JDK's and OpenSSL's servers.
tls_tests="tests/unit/test_jnlp4 tests/unit/test_discovery tests/unit/test_ws
	tests/unit/test_lazy"
tls_e2e="tests/agent/test_lazy_libs.sh tests/agent/test_online_direct.sh
	tests/agent/test_online_url.sh tests/agent/test_wrong_identity.sh
	tests/agent/test_malformed_frame.sh tests/agent/test_restart.sh
	tests/agent/test_cut_mid_command.sh tests/agent/test_sigterm.sh
	tests/agent/test_pipeline.sh tests/docker/test_dind_tls.sh"
mbed=${BUILD_DIR}-mbedtls
if BUILD_DIR=$mbed bash "$top/scripts/build.sh" --enable-sanitizers \
    --with-tls=mbedtls >"$BUILD_DIR/mbedtls-build.out" 2>&1; then
	make -C "$mbed" -j"$(nproc)" check check_PROGRAMS="$(echo $tls_tests)" \
	    TESTS="$(echo $tls_tests $tls_e2e)" >"$mbed/check.out" 2>&1 || rc=1
	sed -n 's/^\(PASS\|FAIL\|ERROR\|XPASS\|SKIP\|XFAIL\): /&[mbedtls] /p' \
	    "$mbed/check.out" >> check.out
	grep -E '^# (PASS|FAIL|ERROR|XPASS):' "$mbed/check.out" >> check.out
else
	echo "FAIL: [mbedtls] build (see mbedtls-build.out)" >> check.out
	echo "# FAIL: 1" >> check.out
	tail -n 20 "$BUILD_DIR/mbedtls-build.out"
	rc=1
fi
# Per-test results, then the failing logs in full.
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' check.out | sed 's/^/  /' | tail -n 400
if [ $rc -ne 0 ]; then
	for f in $(grep -l -E '^(not ok|Bail out)' $(find . "$mbed" -name '*.log' -path '*tests*') 2>/dev/null); do
		echo "==== $f"; tail -n 60 "$f"
	done
	tail -n 40 check.out
fi
awk '/^# PASS:/{p+=$3} /^# (FAIL|ERROR|XPASS):/{f+=$3}
     END{print p+0" passed, "f+0" failed"}' check.out | tail -n 1 > .summary
[ $rc -ne 0 ] && ! grep -q ' [1-9][0-9]* failed' .summary && echo "0 passed, 1 failed" > .summary
cat .summary
exit $rc
