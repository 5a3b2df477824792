#!/bin/sh
# test_docker.sh: runs tests/unit/test_docker against a private dockerd
# (tests/docker/lib.sh).  Without a daemon the program still runs its
# offline part (parsers, fake engine) and skips the daemon part.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"

if docker_test_start; then
	trap 'docker_test_stop' EXIT
	trap 'exit 1' INT TERM
else
	DOCKER_TEST_HOST=
	export DOCKER_TEST_HOST DOCKER_TEST_SKIP
fi
"$top_builddir/tests/unit/test_docker"
exit $?
