#!/bin/sh
# test_dind.sh: the DinD manager (docker/dind.h) on a private dockerd with
# a DinD image assembled from this host's docker.io files (mkdind.sh).
# --privileged fails on these machines (DEVELOPERS.md), so test_dind runs
# the inner daemons with cap-add ALL, cap-drop SYS_RESOURCE, unconfined
# seccomp/apparmor, device-cgroup-rule 'a *:* rwm' and /sys/fs/cgroup.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/docker/lib.sh"
P=$top_builddir/tests/docker/test_dind

[ -x "$P" ] || { echo "1..0 # SKIP $P not built"; exit 0; }
if ! docker_test_start; then
	echo "1..0 # SKIP $DOCKER_TEST_SKIP"; exit 0
fi
trap docker_test_stop EXIT
trap 'exit 1' INT TERM
if ! why=$(sh "$top_srcdir/tests/docker/mkdind.sh" "$DOCKER_TEST_DIR" \
    jnagent-dind:test "$DOCKER_TEST_DIR/docker.sock" 2>&1); then
	echo "1..0 # SKIP cannot assemble the DinD image: $why"; exit 0
fi
DIND_OUTER=$DOCKER_TEST_HOST DIND_IMAGE=jnagent-dind:test \
    DIND_ROOTFS=$DOCKER_TEST_ROOTFS DIND_DIR=$DOCKER_TEST_DIR "$P"
