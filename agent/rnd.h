/*
 * rnd.h: random bytes from the kernel (getrandom), for nonces, masks and
 * jitter; no crypto library needed.
 */
#ifndef JNAGENT_AGENT_RND_H
#define JNAGENT_AGENT_RND_H

#include <sys/random.h>

#include <errno.h>
#include <stddef.h>

/* Fill p with n random bytes: 0, or -1 (errno set). */
static inline int
rnd_bytes(void *p, size_t n)
{
	unsigned char	*b = p;
	ssize_t		 r;

	while (n > 0) {
		if ((r = getrandom(b, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

#endif
