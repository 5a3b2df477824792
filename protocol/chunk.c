/*
 * chunk.c: remoting chunk framing and the streaming command assembler
 * (see chunk.h).
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/chunk.h"

int
chunk_next(struct rbuf *in, struct rbuf *payload, int *more)
{
	struct rbuf	 save = *in;
	uint16_t	 hdr;
	int		 r;

	if ((r = rbuf_get_u16(in, &hdr)) != PROTO_OK ||
	    (r = rbuf_sub(in, hdr & 0x7fff, payload)) != PROTO_OK) {
		*in = save;
		return r;
	}
	*more = (hdr & 0x8000) != 0;
	return PROTO_OK;
}

int
chunk_put_all(struct wbuf *out, const uint8_t *p, size_t n)
{
	size_t	 save = out->len, take, total;
	int	 r;

	if (n == 0)
		return PROTO_OK;
	/* Reserve everything first so a failure leaves out unchanged. */
	total = n + 2 * ((n + CHUNK_WRITE_PAYLOAD - 1) / CHUNK_WRITE_PAYLOAD);
	if (total < n)
		return PROTO_TOO_BIG;
	if ((r = wbuf_reserve(out, total)) != PROTO_OK)
		return r;
	while (n > 0) {
		take = n > CHUNK_WRITE_PAYLOAD ? CHUNK_WRITE_PAYLOAD : n;
		if ((r = wbuf_put_u16(out, (uint16_t)(take |
		    (n > take ? 0x8000 : 0)))) != PROTO_OK ||
		    (r = wbuf_put(out, p, take)) != PROTO_OK) {
			out->len = save;
			return r;
		}
		p += take;
		n -= take;
	}
	return PROTO_OK;
}

void
chunk_asm_init(struct chunk_asm *a, const struct proto_limits *lim)
{
	if (lim == NULL)
		lim = &proto_limits_default;
	a->lim = lim;
	wbuf_init(&a->hold, 2);
	wbuf_init(&a->cmd, lim->max_command);
	a->need = 0;
	a->more = 0;
	a->in_payload = 0;
}

void
chunk_asm_free(struct chunk_asm *a)
{
	wbuf_free(&a->hold);
	wbuf_free(&a->cmd);
	a->need = 0;
	a->in_payload = 0;
}

int
chunk_asm_feed(struct chunk_asm *a, struct rbuf *in, uint8_t **cmd,
    size_t *cmdlen)
{
	uint16_t	 hdr;
	size_t		 take, len;
	int		 r;

	*cmd = NULL;
	*cmdlen = 0;
	while (in->len > 0 || (a->in_payload && a->need == 0)) {
		if (!a->in_payload) {
			/* Collect the two header bytes. */
			if (a->hold.len == 0 && in->len >= 2) {
				hdr = (uint16_t)((in->p[0] << 8) | in->p[1]);
				in->p += 2;
				in->len -= 2;
			} else {
				if ((r = wbuf_put(&a->hold, in->p, 1)) !=
				    PROTO_OK)
					return r;
				in->p++;
				in->len--;
				if (a->hold.len < 2)
					continue;
				hdr = (uint16_t)((a->hold.d[0] << 8) |
				    a->hold.d[1]);
				wbuf_reset(&a->hold);
			}
			len = hdr & 0x7fff;
			if (len > a->lim->max_chunk)
				return PROTO_TOO_BIG;
			if (len > a->cmd.max - a->cmd.len)
				return PROTO_TOO_BIG;
			a->need = len;
			a->more = (hdr & 0x8000) != 0;
			a->in_payload = 1;
		}
		take = in->len < a->need ? in->len : a->need;
		if (take > 0) {
			if ((r = wbuf_put(&a->cmd, in->p, take)) != PROTO_OK)
				return r;
			in->p += take;
			in->len -= take;
			a->need -= take;
		}
		if (a->need > 0)
			break;
		a->in_payload = 0;
		if (a->more)
			continue;
		if (a->cmd.len == 0)
			continue;	/* empty command: nothing to hand over */
		if ((*cmd = wbuf_take(&a->cmd, cmdlen)) == NULL)
			return PROTO_NOMEM;
		return PROTO_OK;
	}
	return PROTO_INCOMPLETE;
}
