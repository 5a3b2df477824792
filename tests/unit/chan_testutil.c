/*
 * chan_testutil.c: the controller side of a channel in unit tests (see
 * chan_testutil.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "tests/unit/chan_testutil.h"

static int
tt_fd(struct transport *t)
{
	return ((struct ttrans *)t)->fd;
}

static size_t
tt_pending(struct transport *t)
{
	(void)t;
	return 0;
}

static ssize_t
tt_recv(struct transport *t, uint8_t *p, size_t n)
{
	ssize_t	 r = recv(((struct ttrans *)t)->fd, p, n, MSG_DONTWAIT);

	if (r < 0 && errno != EAGAIN)
		snprintf(t->err, sizeof(t->err), "recv: %s", strerror(errno));
	return r;
}

static int
tt_send(struct transport *t, const uint8_t *p, size_t n)
{
	if (chan_send_all(((struct ttrans *)t)->fd, p, n) == -1) {
		snprintf(t->err, sizeof(t->err), "send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void
tt_close(struct transport *t)
{
	close(((struct ttrans *)t)->fd);
	free(t);
}

static const struct transport_ops tt_ops = {
	tt_fd, tt_pending, tt_recv, tt_send, NULL, tt_close,
};

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
chan_pair(struct ttrans **tt, int *ctl_fd)
{
	int	 sv[2];

	*tt = NULL;
	*ctl_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((*tt = calloc(1, sizeof(**tt))) == NULL) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	(*tt)->t.ops = &tt_ops;
	(*tt)->t.name = "JNLP4-connect";
	(*tt)->t.peer_capability = JNAGENT_CAPABILITY;
	(*tt)->fd = sv[0];
	*ctl_fd = sv[1];
	return 0;
}

int
chan_send_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t	 r;

	while (n > 0) {
		r = send(fd, p, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
chan_send_cmd(int fd, const uint8_t *cmd, size_t len, size_t max)
{
	struct wbuf	 w;
	int		 rc = 0;

	wbuf_init(&w, max);
	if (chunk_put_all(&w, cmd, len) != PROTO_OK ||
	    chan_send_all(fd, w.d, w.len) == -1)
		rc = -1;
	wbuf_free(&w);
	return rc;
}

void
chan_rx_init(struct chan_rx *rx)
{
	rx->off = rx->len = 0;
	chunk_asm_init(&rx->as, NULL);
}

void
chan_rx_free(struct chan_rx *rx)
{
	chunk_asm_free(&rx->as);
}

int
chan_rx_next(struct chan_rx *rx, int fd, int ms, bool idle, struct cmd *c)
{
	struct pollfd	 pfd;
	struct rbuf	 in;
	uint8_t		*cmd;
	size_t		 cmdlen;
	uint64_t	 dl = now_ms() + (uint64_t)ms;
	ssize_t		 n;
	int		 rc;

	for (;;) {
		if (rx->len > 0) {
			in = rbuf_make(rx->buf + rx->off, rx->len);
			rc = chunk_asm_feed(&rx->as, &in, &cmd, &cmdlen);
			rx->off += rx->len - in.len;
			rx->len = in.len;
			if (rc == PROTO_OK) {
				memset(c, 0, sizeof(*c));
				rc = cmd_parse(cmd, cmdlen, NULL, c, NULL);
				free(cmd);
				return rc == PROTO_OK ? 0 : -2;
			}
			if (rc != PROTO_INCOMPLETE)
				return -2;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (idle) {
			if ((rc = poll(&pfd, 1, ms)) <= 0)
				return -1;
		} else {
			if (now_ms() >= dl)
				return -1;
			if (poll(&pfd, 1, (int)(dl - now_ms())) <= 0)
				continue;
		}
		if ((n = read(fd, rx->buf, sizeof(rx->buf))) <= 0)
			return -2;
		rx->off = 0;
		rx->len = (size_t)n;
	}
}
