/*
 * test_chunk: chunk framing and the streaming command assembler.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/chunk.h"
#include "tests/unit/tap.h"

static uint32_t rng = 0x5eed;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
test_next(void)
{
	static const uint8_t b[] = { 0x80, 0x02, 'a', 'b', 0x00, 0x01, 'c',
	    0x00, 0x05, 'x' };
	struct rbuf	 in = rbuf_make(b, sizeof(b)), pl;
	int		 more;

	ok(chunk_next(&in, &pl, &more) == PROTO_OK && more == 1 &&
	    pl.len == 2 && memcmp(pl.p, "ab", 2) == 0, "first chunk, more");
	ok(chunk_next(&in, &pl, &more) == PROTO_OK && more == 0 &&
	    pl.len == 1 && pl.p[0] == 'c', "last chunk");
	ok(chunk_next(&in, &pl, &more) == PROTO_INCOMPLETE && in.len == 3,
	    "partial payload: INCOMPLETE, input untouched");
	in = rbuf_make(b, 1);
	ok(chunk_next(&in, &pl, &more) == PROTO_INCOMPLETE && in.len == 1,
	    "partial header: INCOMPLETE");
}

static void
test_put(void)
{
	struct wbuf	 w;
	uint8_t		*cmd;
	struct rbuf	 in, pl;
	size_t		 i, total = 0;
	int		 more, n = 0;

	if ((cmd = malloc(20000)) == NULL)
		abort();
	for (i = 0; i < 20000; i++)
		cmd[i] = (uint8_t)(i * 7);
	wbuf_init(&w, 1u << 20);
	ok(chunk_put_all(&w, cmd, 20000) == PROTO_OK &&
	    w.len == 20000 + 6, "20000 bytes -> three chunks");
	ok(w.d[0] == 0xa0 && w.d[1] == 0x00 && w.d[8194] == 0xa0 &&
	    w.d[8195] == 0x00 && w.d[16388] == 0x0e && w.d[16389] == 0x20,
	    "headers a0 00, a0 00, 0e 20 (spec 4.3)");
	in = rbuf_make(w.d, w.len);
	while (chunk_next(&in, &pl, &more) == PROTO_OK) {
		ok(memcmp(pl.p, cmd + total, pl.len) == 0, "chunk %d payload",
		    n);
		total += pl.len;
		n++;
		if (!more)
			break;
	}
	ok(n == 3 && total == 20000 && in.len == 0, "chunks reassemble");
	wbuf_reset(&w);
	ok(chunk_put_all(&w, cmd, 323) == PROTO_OK && w.len == 325 &&
	    w.d[0] == 0x01 && w.d[1] == 0x43, "323 bytes: header 01 43");
	wbuf_reset(&w);
	ok(chunk_put_all(&w, cmd, 8192) == PROTO_OK && w.len == 8194 &&
	    w.d[0] == 0x20 && w.d[1] == 0x00, "8192 bytes: one final chunk");
	wbuf_reset(&w);
	ok(chunk_put_all(&w, cmd, 0) == PROTO_OK && w.len == 0,
	    "nothing for an empty command");
	wbuf_free(&w);
	wbuf_init(&w, 100);
	ok(chunk_put_all(&w, cmd, 200) == PROTO_TOO_BIG && w.len == 0,
	    "capped writer: TOO_BIG, nothing written");
	wbuf_free(&w);
	free(cmd);
}

/* Build a stream of ncmd commands of various sizes, chunked with
 * irregular chunk sizes. */
static uint8_t *
make_stream(size_t ncmd, size_t **lens, uint8_t ***cmds, size_t *slen)
{
	struct wbuf	 w;
	size_t		 i, j, len, off, take;
	uint8_t		*c;

	*lens = calloc(ncmd, sizeof(**lens));
	*cmds = calloc(ncmd, sizeof(**cmds));
	if (*lens == NULL || *cmds == NULL)
		abort();
	wbuf_init(&w, 1u << 26);
	for (i = 0; i < ncmd; i++) {
		len = i == 0 ? 1 : i == 1 ? 32767 : i == 2 ? 32768 :
		    1 + rnd() % 70000;
		if ((c = malloc(len)) == NULL)
			abort();
		for (j = 0; j < len; j++)
			c[j] = (uint8_t)rnd();
		(*lens)[i] = len;
		(*cmds)[i] = c;
		/* chunks of any legal size, not only 8192 */
		for (off = 0; off < len; off += take) {
			take = 1 + rnd() % 32767;
			if (take > len - off)
				take = len - off;
			if (wbuf_put_u16(&w, (uint16_t)(take |
			    (off + take < len ? 0x8000 : 0))) != PROTO_OK ||
			    wbuf_put(&w, c + off, take) != PROTO_OK)
				abort();
		}
	}
	*slen = w.len;
	return w.d;
}

static int
feed_all(const uint8_t *s, size_t slen, int mode, size_t ncmd,
    size_t *lens, uint8_t **cmds)
{
	struct chunk_asm a;
	struct rbuf	 part;
	uint8_t		*cmd;
	size_t		 off = 0, step, cmdlen, got = 0;
	int		 r, bad = 0;

	chunk_asm_init(&a, NULL);
	while (off < slen) {
		step = mode == 0 ? 1 : mode == 1 ? 1 + rnd() % 5000 :
		    slen - off;
		if (step > slen - off)
			step = slen - off;
		part = rbuf_make(s + off, step);
		off += step;
		while ((r = chunk_asm_feed(&a, &part, &cmd, &cmdlen)) ==
		    PROTO_OK) {
			if (got >= ncmd || cmdlen != lens[got] ||
			    memcmp(cmd, cmds[got], cmdlen) != 0)
				bad++;
			got++;
			free(cmd);
		}
		if (r != PROTO_INCOMPLETE || part.len != 0)
			bad++;
	}
	chunk_asm_free(&a);
	return bad == 0 && got == ncmd;
}

static void
test_asm(void)
{
	struct chunk_asm a;
	struct proto_limits lim = proto_limits_default;
	struct rbuf	 in;
	uint8_t		*s, **cmds, *cmd, buf[70000];
	size_t		*lens, slen, i, cmdlen, ncmd = 12;
	int		 r;

	s = make_stream(ncmd, &lens, &cmds, &slen);
	ok(feed_all(s, slen, 2, ncmd, lens, cmds), "assembler: one piece");
	ok(feed_all(s, slen, 1, ncmd, lens, cmds), "assembler: random splits");
	ok(feed_all(s, slen, 0, ncmd, lens, cmds), "assembler: byte by byte");
	for (i = 0; i < ncmd; i++)
		free(cmds[i]);
	free(cmds);
	free(lens);
	free(s);

	/* oversized command */
	lim.max_command = 10000;
	chunk_asm_init(&a, &lim);
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x80 | (8000 >> 8);
	buf[1] = 8000 & 0xff;
	buf[8002] = 8000 >> 8;
	buf[8003] = 8000 & 0xff;
	in = rbuf_make(buf, 16004);
	r = chunk_asm_feed(&a, &in, &cmd, &cmdlen);
	ok(r == PROTO_TOO_BIG, "command over max_command: TOO_BIG");
	chunk_asm_free(&a);

	/* oversized command fed byte by byte */
	chunk_asm_init(&a, &lim);
	r = PROTO_INCOMPLETE;
	for (i = 0; i < 16004 && r == PROTO_INCOMPLETE; i++) {
		in = rbuf_make(buf + i, 1);
		r = chunk_asm_feed(&a, &in, &cmd, &cmdlen);
	}
	ok(r == PROTO_TOO_BIG && i <= 8006, "byte by byte: TOO_BIG as soon "
	    "as the second header is read (%zu bytes)", i);
	chunk_asm_free(&a);

	/* chunk longer than max_chunk */
	lim = proto_limits_default;
	lim.max_chunk = 100;
	chunk_asm_init(&a, &lim);
	buf[0] = 0x00;
	buf[1] = 101;
	in = rbuf_make(buf, 2);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_TOO_BIG,
	    "chunk over max_chunk: TOO_BIG");
	chunk_asm_free(&a);

	/* empty final chunk after a command, and two commands in one feed */
	chunk_asm_init(&a, NULL);
	memcpy(buf, "\x00\x02hi\x00\x00\x80\x01x\x00\x01y", 12);
	in = rbuf_make(buf, 12);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_OK &&
	    cmdlen == 2 && memcmp(cmd, "hi", 2) == 0, "first command");
	free(cmd);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_OK &&
	    cmdlen == 2 && memcmp(cmd, "xy", 2) == 0 && in.len == 0,
	    "empty chunk skipped, second command");
	free(cmd);
	in = rbuf_make(buf, 0);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_INCOMPLETE &&
	    cmd == NULL, "nothing more: INCOMPLETE");
	/* a partial command is kept across calls */
	in = rbuf_make("\x80\x03" "abc" "\x00", 6);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_INCOMPLETE &&
	    in.len == 0, "partial: INCOMPLETE, all consumed");
	in = rbuf_make("\x02" "de", 3);
	ok(chunk_asm_feed(&a, &in, &cmd, &cmdlen) == PROTO_OK &&
	    cmdlen == 5 && memcmp(cmd, "abcde", 5) == 0,
	    "completed across calls, header split");
	free(cmd);
	chunk_asm_free(&a);
}

int
main(void)
{
	test_next();
	test_put();
	test_asm();
	return done_testing();
}
