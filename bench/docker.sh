#!/bin/sh
# bench/docker.sh: figures only.  (a) Time from dind_start() until a DinD
# node's inner daemon answers /_ping (the image is assembled locally by
# tests/docker/mkdind.sh; unprivileged options as in tests/docker/
# test_dind.c), several runs and the median; (b) per-call round trip of
# the Engine API client (docker/docker.h) against the docker CLI for the
# same operations.  Both on the private dockerd of tests/docker/lib.sh.
# Needs root and dockerd.  Usage: bench/docker.sh [-r dind-runs] [-n calls]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
R=5 N=50
while getopts r:n: o; do case $o in r) R=$OPTARG;; n) N=$OPTARG;; *) exit 2;; esac; done
B=$top_builddir/bench/bench_docker
[ -x "$B" ] || { echo "bench/docker.sh: $B not built"; exit 1; }
docker_test_start || { echo "bench/docker.sh: skipped: $DOCKER_TEST_SKIP"; exit 0; }
trap docker_test_stop EXIT
trap 'exit 1' INT TERM
docker_test_image busybox
echo "== Engine API client vs docker CLI ($(docker --version 2>/dev/null))"
DOCKER_HOST=$DOCKER_TEST_HOST "$B" api "$N" busybox
echo "== DinD: dind_start() to the inner daemon's /_ping"
if why=$(sh "$top_srcdir/tests/docker/mkdind.sh" "$DOCKER_TEST_DIR" \
    jnagent-dind:bench "$DOCKER_TEST_DIR/docker.sock" 2>&1); then
	DIND_OUTER=$DOCKER_TEST_HOST DIND_IMAGE=jnagent-dind:bench \
	    DIND_DIR=$DOCKER_TEST_DIR "$B" dind "$R"
else
	echo "bench/docker.sh: DinD skipped: cannot assemble the image: $why"
fi
