#!/bin/sh
# Codec throughput figures (no pass/fail).  Builds an optimised,
# sanitizer-free tree in $BUILD_DIR (default build-bench) and runs
# bench/bench_codec on the fixtures and a 64 MB synthetic stream.
#   bench/run.sh [-s SECONDS] [-m MEGABYTES]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build-bench}
: "${JNAGENT_FIXTURES:=$top/../shared/fixtures}"
export JNAGENT_FIXTURES
CFLAGS=${CFLAGS:--O2 -g} BUILD_DIR=$build bash "$top/scripts/build.sh"
echo "# $(uname -m), $(nproc) cpus, CFLAGS=${CFLAGS:--O2 -g}"
exec "$build/bench/bench_codec" "$@"
