/*
 * fuzz_chunk: libFuzzer target for remoting chunk framing.
 *
 * The input is fed to a chunk_asm in pieces whose sizes come from the
 * input itself (so partial headers and payloads are exercised), every
 * assembled command is decoded as a Java serialization stream, and the
 * plain chunk_next() loop runs over the same bytes.  Re-chunking each
 * command with chunk_put_all() must reassemble to the same command.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/chunk.h"
#include "protocol/jser.h"
#include "protocol/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_rechunk(const uint8_t *cmd, size_t len)
{
	struct chunk_asm	 a;
	struct wbuf		 w;
	struct rbuf		 in;
	uint8_t			*again = NULL;
	size_t			 alen = 0;

	wbuf_init(&w, len + len / 4096 * 2 + 16);
	if (chunk_put_all(&w, cmd, len) != PROTO_OK)
		abort();
	chunk_asm_init(&a, &proto_limits_default);
	in = rbuf_make(w.d, w.len);
	if (len > 0 && (chunk_asm_feed(&a, &in, &again, &alen) != PROTO_OK ||
	    alen != len || memcmp(again, cmd, len) != 0 || in.len != 0))
		abort();
	free(again);
	chunk_asm_free(&a);
	wbuf_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunk_asm	 a;
	struct rbuf		 in = rbuf_make(data, size), piece, pl;
	struct jser_doc		*doc;
	uint8_t			*cmd;
	size_t			 cmdlen, off = 0, step;
	int			 r, more;

	chunk_asm_init(&a, &proto_limits_default);
	while (off < size) {
		/* piece sizes 1..64 taken from the data itself */
		step = 1 + data[off] % 64;
		if (step > size - off)
			step = size - off;
		piece = rbuf_make(data + off, step);
		off += step;
		for (;;) {
			r = chunk_asm_feed(&a, &piece, &cmd, &cmdlen);
			if (r != PROTO_OK)
				break;
			doc = NULL;
			(void)jser_decode(cmd, cmdlen, NULL, &doc, NULL);
			jser_doc_free(doc);
			fuzz_rechunk(cmd, cmdlen);
			free(cmd);
		}
		if (r != PROTO_INCOMPLETE)
			break;	/* framing error: the connection would drop */
		if (piece.len != 0)
			abort();	/* INCOMPLETE must consume everything */
	}
	chunk_asm_free(&a);

	while (chunk_next(&in, &pl, &more) == PROTO_OK && in.len > 0)
		;
	return 0;
}
