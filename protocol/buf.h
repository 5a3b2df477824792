/*
 * buf.h: a bounded reader and a capped writer for untrusted bytes.
 *
 * Every parser in protocol/ reads peer bytes only through struct rbuf and
 * writes only through struct wbuf.  "Need more bytes" (PROTO_INCOMPLETE) is
 * distinct from "the bytes are wrong" (PROTO_MALFORMED): a caller feeding a
 * partial read keeps the input and tries again later; a malformed input
 * closes the connection.
 */
#ifndef JNAGENT_PROTOCOL_BUF_H
#define JNAGENT_PROTOCOL_BUF_H

#include <stddef.h>
#include <stdint.h>

enum proto_err {
	PROTO_OK = 0,
	PROTO_INCOMPLETE = -1,	/* need more bytes; input untouched */
	PROTO_MALFORMED = -2,	/* the bytes break the grammar: drop peer */
	PROTO_TOO_BIG = -3,	/* a limit of struct proto_limits was hit */
	PROTO_NOMEM = -4,	/* an allocation failed */
	PROTO_UNSUPPORTED = -5,	/* legal but not handled (e.g. old externalizable) */
	PROTO_NOTFOUND = -6,	/* a lookup found nothing */
	PROTO_TYPE = -7,	/* a value has another type than asked for */
};

/* Static text for an enum proto_err value; never NULL. */
const char *proto_strerror(int err);

/* A read-only window on bytes someone else owns.  Copy it freely. */
struct rbuf {
	const uint8_t	*p;
	size_t		 len;
};

static inline struct rbuf
rbuf_make(const void *p, size_t len)
{
	struct rbuf r = { (const uint8_t *)p, len };
	return r;
}

/*
 * Getters: big-endian.  On PROTO_INCOMPLETE nothing is consumed.
 */
int rbuf_get_u8(struct rbuf *in, uint8_t *v);
int rbuf_get_u16(struct rbuf *in, uint16_t *v);
int rbuf_get_u32(struct rbuf *in, uint32_t *v);
int rbuf_get_u64(struct rbuf *in, uint64_t *v);
/* Peek one byte without consuming it. */
int rbuf_peek_u8(const struct rbuf *in, uint8_t *v);
/* Split off the next n bytes as *sub (borrowed from in). */
int rbuf_sub(struct rbuf *in, size_t n, struct rbuf *sub);
int rbuf_skip(struct rbuf *in, size_t n);

/*
 * A growable output buffer with a ceiling.  wbuf_init() allocates nothing;
 * a put that would pass max fails with PROTO_TOO_BIG and leaves the buffer
 * as it was.  wbuf_free() is fine on an empty or already freed wbuf.
 */
struct wbuf {
	uint8_t	*d;
	size_t	 len, cap, max;
};

void wbuf_init(struct wbuf *w, size_t max);
void wbuf_free(struct wbuf *w);
void wbuf_reset(struct wbuf *w);	/* len = 0, keeps the storage */
int wbuf_reserve(struct wbuf *w, size_t n);	/* room for n more bytes */
int wbuf_put(struct wbuf *w, const void *p, size_t n);
int wbuf_put_u8(struct wbuf *w, uint8_t v);
int wbuf_put_u16(struct wbuf *w, uint16_t v);
int wbuf_put_u32(struct wbuf *w, uint32_t v);
int wbuf_put_u64(struct wbuf *w, uint64_t v);
/* Hand the bytes to the caller (caller frees); the wbuf becomes empty. */
uint8_t *wbuf_take(struct wbuf *w, size_t *len);

#endif
