/*
 * stream.c: the multiplexed stream of logs, attach and exec (Engine API,
 * "Attach to a container", "Stream format"): each frame is an 8-byte
 * header { type, 0, 0, 0, u32 BE length } then length payload bytes; type
 * 0 stdin (written to stdout), 1 stdout, 2 stderr, 3 a daemon system
 * error (moby stdcopy.Systemerr).  The decoder is a byte-at-a-time state
 * machine, so any split of the input gives the same result.
 */
#include <string.h>

#include "docker/internal.h"

void
docker_demux_init(struct docker_demux *dm, docker_data_cb out,
    docker_data_cb err, void *arg)
{
	memset(dm, 0, sizeof(*dm));
	dm->out = out;
	dm->err = err;
	dm->arg = arg;
}

const char *
docker_demux_syserr(const struct docker_demux *dm)
{
	return dm->syserr;
}

int
docker_demux_finish(const struct docker_demux *dm)
{
	return dm->hlen != 0 || dm->left != 0 ? DOCKER_ERR_MALFORMED : 0;
}

int
docker_demux_feed(struct docker_demux *dm, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	docker_data_cb	 cb;
	size_t		 k;

	while (len > 0) {
		if (dm->left == 0) {
			k = sizeof(dm->hdr) - dm->hlen;
			if (k > len)
				k = len;
			memcpy(dm->hdr + dm->hlen, p, k);
			dm->hlen += k;
			p += k;
			len -= k;
			if (dm->hlen < sizeof(dm->hdr))
				break;
			if (dm->hdr[0] > 3 || dm->hdr[1] != 0 ||
			    dm->hdr[2] != 0 || dm->hdr[3] != 0)
				return DOCKER_ERR_MALFORMED;
			dm->type = dm->hdr[0];
			dm->left = (uint32_t)dm->hdr[4] << 24 |
			    (uint32_t)dm->hdr[5] << 16 |
			    (uint32_t)dm->hdr[6] << 8 | dm->hdr[7];
			dm->hlen = 0;
			if (dm->type == 3)
				dm->syslen = 0;
			if (dm->left == 0 && dm->type == 3)
				return DOCKER_ERR_DAEMON;
			continue;
		}
		k = dm->left < len ? dm->left : len;
		if (dm->type == 3) {
			size_t room = sizeof(dm->syserr) - 1 - dm->syslen;

			docker_clean_text(dm->syserr + dm->syslen, room + 1,
			    (const char *)p, k < room ? k : room);
			dm->syslen = strlen(dm->syserr);
		} else {
			cb = dm->type == 2 ? dm->err : dm->out;
			if (cb != NULL && cb(dm->arg, p, k) != 0)
				return DOCKER_ERR_ABORTED;
		}
		dm->left -= (uint32_t)k;
		p += k;
		len -= k;
		if (dm->left == 0 && dm->type == 3)
			return DOCKER_ERR_DAEMON;
	}
	return 0;
}
