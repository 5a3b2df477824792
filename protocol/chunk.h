/*
 * chunk.h: remoting chunk framing (remoting ChunkHeader.java).
 *
 * Each command is a Java serialization stream cut into chunks:
 * u16 big-endian header, bit 15 = more chunks of this command follow,
 * bits 14..0 = payload length (0..32767).  Writers use at most 8192 bytes
 * of payload per chunk and never write empty chunks.
 */
#ifndef JNAGENT_PROTOCOL_CHUNK_H
#define JNAGENT_PROTOCOL_CHUNK_H

#include "protocol/buf.h"
#include "protocol/limits.h"

#define CHUNK_MAX_PAYLOAD	32767
#define CHUNK_WRITE_PAYLOAD	8192

/*
 * Take the next chunk from in.  On PROTO_OK *payload borrows from in and
 * *more tells whether further chunks of the same command follow.  On
 * PROTO_INCOMPLETE in is untouched.
 */
int chunk_next(struct rbuf *in, struct rbuf *payload, int *more);

/* Append n bytes to out as chunks of at most CHUNK_WRITE_PAYLOAD bytes. */
int chunk_put_all(struct wbuf *out, const uint8_t *p, size_t n);

/*
 * A command assembler: feed it bytes as they arrive, take whole commands.
 * It copies what it needs, so the caller's buffer can be reused.
 */
struct chunk_asm {
	struct wbuf	 hold;	/* bytes of an unfinished chunk header */
	struct wbuf	 cmd;	/* payloads of the command being assembled */
	const struct proto_limits *lim;
	size_t		 need;	/* payload bytes of the current chunk still due */
	int		 more;	/* current chunk has the "more" bit */
	int		 in_payload; /* header read, payload bytes pending */
};

/* lim may be NULL for proto_limits_default; it must outlive a. */
void chunk_asm_init(struct chunk_asm *a, const struct proto_limits *lim);
void chunk_asm_free(struct chunk_asm *a);
/*
 * Consume bytes from *in (advancing it) until one command is complete or
 * in is empty.  PROTO_OK: *cmd (caller frees) holds a whole command of
 * *cmdlen bytes; call again with the rest of in.  PROTO_INCOMPLETE: all
 * of in was consumed, no command yet.  PROTO_TOO_BIG (a chunk longer
 * than lim->max_chunk or a command longer than lim->max_command) /
 * PROTO_NOMEM: the connection must be dropped.  An empty command (a lone
 * empty final chunk, which Java never writes) is skipped.
 */
int chunk_asm_feed(struct chunk_asm *a, struct rbuf *in, uint8_t **cmd,
    size_t *cmdlen);

#endif
