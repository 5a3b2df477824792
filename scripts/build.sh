#!/usr/bin/env bash
# Configures and builds jnagent in build/ (or $BUILD_DIR).
# Extra arguments go to configure (e.g. --enable-sanitizers).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p "$build"
cd "$build"
want="$*"
if [ ! -f Makefile ] || [ "$(cat .configured-with 2>/dev/null)" != "$want" ]; then
	"$top/configure" "$@" >/dev/null
	printf '%s' "$want" > .configured-with
fi
make -j"$(nproc)" >/dev/null
