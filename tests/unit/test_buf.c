/*
 * test_buf: the bounded reader and the capped writer.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/limits.h"
#include "tests/unit/tap.h"

static void
test_reader(void)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
	    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	struct rbuf	 in = rbuf_make(b, sizeof(b)), sub, save;
	uint8_t		 u8;
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;

	ok(rbuf_peek_u8(&in, &u8) == PROTO_OK && u8 == 1 && in.len == 15,
	    "peek does not consume");
	ok(rbuf_get_u8(&in, &u8) == PROTO_OK && u8 == 1, "u8");
	ok(rbuf_get_u16(&in, &u16) == PROTO_OK && u16 == 0x0203, "u16 BE");
	ok(rbuf_get_u32(&in, &u32) == PROTO_OK && u32 == 0x04050607,
	    "u32 BE");
	ok(rbuf_get_u64(&in, &u64) == PROTO_OK &&
	    u64 == 0x08090a0b0c0d0e0fULL && in.len == 0, "u64 BE, all used");
	ok(rbuf_get_u8(&in, &u8) == PROTO_INCOMPLETE, "u8 past the end");
	ok(rbuf_peek_u8(&in, &u8) == PROTO_INCOMPLETE, "peek past the end");

	in = rbuf_make(b, 3);
	save = in;
	ok(rbuf_get_u32(&in, &u32) == PROTO_INCOMPLETE &&
	    in.p == save.p && in.len == 3, "short u32: INCOMPLETE, untouched");
	ok(rbuf_get_u64(&in, &u64) == PROTO_INCOMPLETE && in.len == 3,
	    "short u64: INCOMPLETE, untouched");
	in = rbuf_make(b, 1);
	ok(rbuf_get_u16(&in, &u16) == PROTO_INCOMPLETE && in.len == 1,
	    "short u16: INCOMPLETE, untouched");

	in = rbuf_make(b, sizeof(b));
	ok(rbuf_sub(&in, 4, &sub) == PROTO_OK && sub.p == b && sub.len == 4 &&
	    in.len == 11 && in.p == b + 4, "sub splits off a window");
	ok(rbuf_sub(&in, 12, &sub) == PROTO_INCOMPLETE && in.len == 11,
	    "sub too long: INCOMPLETE");
	ok(rbuf_skip(&in, 11) == PROTO_OK && in.len == 0, "skip");
	ok(rbuf_skip(&in, 1) == PROTO_INCOMPLETE, "skip past the end");
	ok(rbuf_skip(&in, SIZE_MAX) == PROTO_INCOMPLETE, "huge skip");
	ok(rbuf_sub(&in, 0, &sub) == PROTO_OK && sub.len == 0,
	    "empty sub at the end");
}

static void
test_writer(void)
{
	struct wbuf	 w;
	uint8_t		*d, big[300];
	size_t		 len;
	static const uint8_t want[] = { 0xab, 0x12, 0x34, 0xde, 0xad, 0xbe,
	    0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 'x', 'y' };

	wbuf_init(&w, 64);
	ok(w.d == NULL && w.len == 0, "init allocates nothing");
	ok(wbuf_put_u8(&w, 0xab) == PROTO_OK &&
	    wbuf_put_u16(&w, 0x1234) == PROTO_OK &&
	    wbuf_put_u32(&w, 0xdeadbeef) == PROTO_OK &&
	    wbuf_put_u64(&w, 0x0102030405060708ULL) == PROTO_OK &&
	    wbuf_put(&w, "xy", 2) == PROTO_OK, "puts");
	ok(w.len == sizeof(want) && memcmp(w.d, want, sizeof(want)) == 0,
	    "big-endian layout");
	memset(big, 'z', sizeof(big));
	ok(wbuf_put(&w, big, 64 - w.len + 1) == PROTO_TOO_BIG &&
	    w.len == sizeof(want), "a put past max fails, buffer unchanged");
	ok(wbuf_put(&w, big, 64 - w.len) == PROTO_OK && w.len == 64,
	    "a put up to max succeeds");
	ok(wbuf_put_u8(&w, 1) == PROTO_TOO_BIG && w.len == 64,
	    "full: u8 fails");
	ok(wbuf_reserve(&w, SIZE_MAX) == PROTO_TOO_BIG, "huge reserve");
	wbuf_reset(&w);
	ok(w.len == 0 && w.d != NULL, "reset keeps the storage");
	ok(wbuf_put(&w, "abc", 3) == PROTO_OK, "put after reset");
	d = wbuf_take(&w, &len);
	ok(d != NULL && len == 3 && memcmp(d, "abc", 3) == 0 && w.d == NULL &&
	    w.len == 0, "take hands over the bytes");
	free(d);
	d = wbuf_take(&w, &len);
	ok(d != NULL && len == 0, "take of an empty buffer");
	free(d);
	wbuf_free(&w);
	wbuf_free(&w);
	ok(w.d == NULL, "double free is fine");

	wbuf_init(&w, 1u << 20);
	for (len = 0; len < 100000; len++)
		if (wbuf_put_u8(&w, (uint8_t)len) != PROTO_OK)
			break;
	ok(len == 100000 && w.len == 100000 && w.d[99999] == (uint8_t)99999,
	    "growth over many puts");
	wbuf_free(&w);
}

int
main(void)
{
	int	 e;

	test_reader();
	test_writer();
	for (e = PROTO_TYPE; e <= PROTO_OK; e++)
		ok(proto_strerror(e) != NULL && *proto_strerror(e) != '\0',
		    "strerror(%d) = %s", e, proto_strerror(e));
	ok(strcmp(proto_strerror(-99), "unknown error") == 0, "unknown code");
	ok(proto_limits_default.max_chunk <= 32767 &&
	    proto_limits_default.max_depth > 0 &&
	    proto_limits_default.max_command >= proto_limits_default.max_bytes,
	    "default limits are consistent");
	return done_testing();
}
