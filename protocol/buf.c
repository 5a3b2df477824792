/*
 * buf.c: bounded reader and capped writer (see buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"

const char *
proto_strerror(int err)
{
	switch (err) {
	case PROTO_OK:
		return "success";
	case PROTO_INCOMPLETE:
		return "need more bytes";
	case PROTO_MALFORMED:
		return "malformed input";
	case PROTO_TOO_BIG:
		return "limit exceeded";
	case PROTO_NOMEM:
		return "out of memory";
	case PROTO_UNSUPPORTED:
		return "unsupported";
	case PROTO_NOTFOUND:
		return "not found";
	case PROTO_TYPE:
		return "wrong type";
	}
	return "unknown error";
}

int
rbuf_get_u8(struct rbuf *in, uint8_t *v)
{
	if (in->len < 1)
		return PROTO_INCOMPLETE;
	*v = in->p[0];
	in->p++;
	in->len--;
	return PROTO_OK;
}

int
rbuf_get_u16(struct rbuf *in, uint16_t *v)
{
	if (in->len < 2)
		return PROTO_INCOMPLETE;
	*v = (uint16_t)((in->p[0] << 8) | in->p[1]);
	in->p += 2;
	in->len -= 2;
	return PROTO_OK;
}

int
rbuf_get_u32(struct rbuf *in, uint32_t *v)
{
	if (in->len < 4)
		return PROTO_INCOMPLETE;
	*v = ((uint32_t)in->p[0] << 24) | ((uint32_t)in->p[1] << 16) |
	    ((uint32_t)in->p[2] << 8) | in->p[3];
	in->p += 4;
	in->len -= 4;
	return PROTO_OK;
}

int
rbuf_get_u64(struct rbuf *in, uint64_t *v)
{
	uint64_t	 x = 0;
	size_t		 i;

	if (in->len < 8)
		return PROTO_INCOMPLETE;
	for (i = 0; i < 8; i++)
		x = (x << 8) | in->p[i];
	*v = x;
	in->p += 8;
	in->len -= 8;
	return PROTO_OK;
}

int
rbuf_peek_u8(const struct rbuf *in, uint8_t *v)
{
	if (in->len < 1)
		return PROTO_INCOMPLETE;
	*v = in->p[0];
	return PROTO_OK;
}

int
rbuf_sub(struct rbuf *in, size_t n, struct rbuf *sub)
{
	if (in->len < n)
		return PROTO_INCOMPLETE;
	sub->p = in->p;
	sub->len = n;
	in->p += n;
	in->len -= n;
	return PROTO_OK;
}

int
rbuf_skip(struct rbuf *in, size_t n)
{
	if (in->len < n)
		return PROTO_INCOMPLETE;
	in->p += n;
	in->len -= n;
	return PROTO_OK;
}

void
wbuf_init(struct wbuf *w, size_t max)
{
	w->d = NULL;
	w->len = w->cap = 0;
	w->max = max;
}

void
wbuf_free(struct wbuf *w)
{
	free(w->d);
	w->d = NULL;
	w->len = w->cap = 0;
}

void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
}

int
wbuf_reserve(struct wbuf *w, size_t n)
{
	uint8_t	*nd;
	size_t	 ncap;

	if (n > w->max || w->len > w->max - n)
		return PROTO_TOO_BIG;
	if (n <= w->cap - w->len)
		return PROTO_OK;
	ncap = w->cap < 256 ? 256 : w->cap;
	while (ncap - w->len < n) {
		if (ncap > SIZE_MAX / 2) {
			ncap = w->len + n;
			break;
		}
		ncap *= 2;
	}
	if (ncap > w->max)
		ncap = w->max;
	if ((nd = realloc(w->d, ncap)) == NULL)
		return PROTO_NOMEM;
	w->d = nd;
	w->cap = ncap;
	return PROTO_OK;
}

int
wbuf_put(struct wbuf *w, const void *p, size_t n)
{
	int	 r;

	if (n == 0)
		return PROTO_OK;
	if (n > w->cap - w->len && (r = wbuf_reserve(w, n)) != PROTO_OK)
		return r;
	if (w->len + n > w->max)
		return PROTO_TOO_BIG;
	memcpy(w->d + w->len, p, n);
	w->len += n;
	return PROTO_OK;
}

int
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	return wbuf_put(w, &v, 1);
}

int
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, sizeof(b));
}

int
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t	 b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return wbuf_put(w, b, sizeof(b));
}

int
wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t	 b[8];
	int	 i;

	for (i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v;
		v >>= 8;
	}
	return wbuf_put(w, b, sizeof(b));
}

uint8_t *
wbuf_take(struct wbuf *w, size_t *len)
{
	uint8_t	*d = w->d;

	*len = w->len;
	if (d == NULL)
		d = malloc(1);	/* an empty result is still a valid pointer */
	w->d = NULL;
	w->len = w->cap = 0;
	return d;
}
