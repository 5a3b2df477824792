/*
 * test_selfctr.c: the pure parts of agent/selfctr.h: the container id in
 * mountinfo and cgroup lines, and host paths from a container's mounts.
 * (The lookup through a real daemon: tests/docker/test_incontainer.sh.)
 */
#include <string.h>

#include "agent/selfctr.h"
#include "tests/unit/tap.h"

#define ID	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void
test_ids(void)
{
	char	id[65];

	memset(id, 0, sizeof(id));
	ok(selfctr_id_from_mountinfo_line("612 598 8:1 /var/lib/docker/"
	    "containers/" ID "/hostname /etc/hostname rw,relatime - ext4 "
	    "/dev/sda1 rw\n", id) == 1 && strcmp(id, ID) == 0,
	    "mountinfo: id from the root of the /etc/hostname mount");
	ok(selfctr_id_from_mountinfo_line("612 598 0:31 /tmp/jnagent-docker."
	    "Ab1/root/containers/" ID "/resolv.conf /etc/resolv.conf rw - "
	    "tmpfs tmpfs rw\n", id) == 1 && strcmp(id, ID) == 0,
	    "mountinfo: id under a private data root");
	ok(selfctr_id_from_mountinfo_line("612 598 8:1 /var/lib/docker/"
	    "containers/" ID "0/hostname /etc/hostname rw - ext4 x rw\n",
	    id) == 0, "mountinfo: 65 hex digits are not an id");
	ok(selfctr_id_from_mountinfo_line("612 598 8:1 /srv/containers/"
	    "abc/hostname /etc/hostname rw - ext4 x rw\n", id) == 0,
	    "mountinfo: a short name is not an id");
	ok(selfctr_id_from_mountinfo_line("20 1 0:50 / / rw - overlay "
	    "overlay rw,lowerdir=/var/lib/docker/containers/" ID "/x\n",
	    id) == 0, "mountinfo: only the root field counts");
	ok(selfctr_id_from_mountinfo_line("garbage", id) == 0,
	    "mountinfo: a short line");
	ok(selfctr_id_from_cgroup_line("12:pids:/docker/" ID "\n", id) == 1 &&
	    strcmp(id, ID) == 0, "cgroup v1: /docker/<id>");
	ok(selfctr_id_from_cgroup_line("0::/system.slice/docker-" ID
	    ".scope\n", id) == 1 && strcmp(id, ID) == 0,
	    "cgroup v2 systemd: docker-<id>.scope");
	ok(selfctr_id_from_cgroup_line("0::/\n", id) == 0,
	    "cgroup namespace root: no id");
	ok(selfctr_id_from_cgroup_line("0::/" ID "ff\n", id) == 0,
	    "cgroup: 66 hex digits are not an id");
}

static void
test_paths(void)
{
	struct selfctr			 s;
	const struct selfctr_mount	*m;
	char				 h[64];

	memset(&s, 0, sizeof(s));
	s.m[0].dst = "/home/jenkins/agent";
	s.m[0].src = "/srv/agents/a1";
	s.m[1].dst = "/home/jenkins/agent/cache";
	s.m[1].src = "/var/cache/a1";
	s.m[2].dst = "/data";
	s.m[2].src = "/";
	s.m[3].dst = "/home/jenkins/agent2";
	s.m[3].src = "/elsewhere";
	s.nm = 4;
	ok(selfctr_host_path(&s, "/home/jenkins/agent/workspace/j", h,
	    sizeof(h), &m) == 1 && strcmp(h, "/srv/agents/a1/workspace/j") ==
	    0 && m == &s.m[0], "under a bind mount: its source + the rest");
	ok(selfctr_host_path(&s, "/home/jenkins/agent", h, sizeof(h),
	    NULL) == 1 && strcmp(h, "/srv/agents/a1") == 0,
	    "the mount point itself");
	ok(selfctr_host_path(&s, "/home/jenkins/agent/cache/x", h, sizeof(h),
	    NULL) == 1 && strcmp(h, "/var/cache/a1/x") == 0,
	    "the longest (innermost) mount wins");
	ok(selfctr_host_path(&s, "/home/jenkins/agent2/x", h, sizeof(h),
	    NULL) == 1 && strcmp(h, "/elsewhere/x") == 0,
	    "component boundary: agent2 is not under agent");
	ok(selfctr_host_path(&s, "/data/x", h, sizeof(h), NULL) == 1 &&
	    strcmp(h, "/x") == 0, "a source of / gives no doubled slash");
	ok(selfctr_host_path(&s, "/data", h, sizeof(h), NULL) == 1 &&
	    strcmp(h, "/") == 0, "and / itself");
	ok(selfctr_host_path(&s, "/opt/ws", h, sizeof(h), &m) == 0 &&
	    m == NULL, "under no mount: 0");
	ok(selfctr_host_path(&s, "/home/jenkins/agent/a-rather-long-"
	    "directory-name/and-more", h, 24, NULL) == -1,
	    "a host path longer than the buffer: -1");
}

int
main(void)
{
	test_ids();
	test_paths();
	return done_testing();
}
