/*
 * fuzz_command: libFuzzer target for cmd_parse() (protocol/command.h).
 *
 * Parse the input as one de-chunked command.  If it parses, every pointer
 * the struct cmd hands out must lie inside its document (read them all so
 * that ASan sees any stray one), the helpers that take parsed nodes must
 * cope (cmd_parse_rpc, cmd_proxy_oid, nested payload decoding), and the
 * commands the agent can build must survive a round trip: built again
 * from the parsed fields with cmd_put_*(), re-parsed, same fields.  A
 * broken property aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/command.h"
#include "protocol/jser.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static volatile uint8_t fuzz_sink;

/* Touch every byte so that ASan checks the range. */
static void
fuzz_touch(const uint8_t *p, size_t n)
{
	uint8_t	 x = 0;
	size_t	 i;

	if (p == NULL && n > 0)
		abort();
	for (i = 0; i < n; i++)
		x ^= p[i];
	fuzz_sink = x;
}

static void
fuzz_payload(const uint8_t *p, size_t n)
{
	struct jser_doc	*doc = NULL;

	fuzz_touch(p, n);
	if (jser_decode(p, n, NULL, &doc, NULL) == PROTO_OK)
		(void)jser_root(doc);
	jser_doc_free(doc);
}

/* Rebuild c with the builder of its kind; -1 when there is none. */
static int
fuzz_rebuild(const struct cmd *c, struct wbuf *w)
{
	switch (c->kind) {
	case CMD_CANCEL:
		return cmd_put_cancel(w, c->id);
	case CMD_CLOSE:
		return cmd_put_close(w);
	case CMD_UNEXPORT:
		return cmd_put_unexport(w, c->oid);
	case CMD_PIPE_CONNECT:
		return cmd_put_pipe_connect(w, c->oid_pos, c->oid_ros);
	case CMD_POS_CHUNK:
		return cmd_put_pos_chunk(w, c->io_id, c->oid, c->request_id,
		    c->buf, c->buf_len);
	case CMD_POS_FLUSH:
		return cmd_put_pos_flush(w, c->io_id, c->oid, c->request_id);
	case CMD_POS_UNEXPORT:
		return cmd_put_pos_unexport(w, c->io_id, c->oid);
	case CMD_POS_ACK:
		return cmd_put_pos_ack(w, c->oid, c->size);
	case CMD_POS_DEAD:
		return cmd_put_pos_dead(w, c->oid);
	case CMD_PW_ACK:
		return cmd_put_pw_ack(w, c->oid, c->size);
	case CMD_PIS_CHUNK:
		return cmd_put_pis_chunk(w, c->id, c->last_io_id, c->oid,
		    c->size);
	case CMD_PIS_EOF:
		return cmd_put_pis_eof(w, c->oid);
	case CMD_RESPONSE:
		if (c->resp != CMD_RESP_NORMAL || !c->has_payload)
			return -1;
		return cmd_put_response_normal(w, c->id, c->last_io_id,
		    c->payload, c->payload_len);
	case CMD_USER_REQUEST:
		if (!c->has_payload)
			return -1;
		return cmd_put_user_request(w, c->id, c->last_io_id,
		    c->loader_oid, c->payload, c->payload_len, c->to_string);
	default:
		return -1;
	}
}

static bool
fuzz_same(const struct cmd *a, const struct cmd *b)
{
	if (a->kind != b->kind || a->id != b->id ||
	    a->oid != b->oid || a->io_id != b->io_id ||
	    a->request_id != b->request_id || a->size != b->size ||
	    a->oid_pos != b->oid_pos || a->oid_ros != b->oid_ros ||
	    a->buf_len != b->buf_len || a->payload_len != b->payload_len ||
	    a->has_payload != b->has_payload)
		return false;
	if (a->buf_len > 0 && memcmp(a->buf, b->buf, a->buf_len) != 0)
		return false;
	if (a->payload_len > 0 &&
	    memcmp(a->payload, b->payload, a->payload_len) != 0)
		return false;
	/* Request fields only travel in Requests */
	if (a->is_request && a->last_io_id != b->last_io_id)
		return false;
	if (a->kind == CMD_USER_REQUEST && a->loader_oid > 0 &&
	    a->loader_oid != b->loader_oid)
		return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmd	 c, again;
	struct cmd_rpc	 rpc;
	struct jser_err	 err;
	struct wbuf	 w;
	int32_t		 oid;

	memset(&err, 0, sizeof(err));
	if (cmd_parse(data, size, NULL, &c, &err) != PROTO_OK) {
		/* the error is one bounded line */
		if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
			abort();
		return 0;
	}
	if (c.doc == NULL || c.root == NULL || c.cls == NULL ||
	    (cmd_kind_class(c.kind) != NULL &&
	    strcmp(cmd_kind_class(c.kind), c.cls) != 0))
		abort();
	fuzz_touch((const uint8_t *)c.cls, strlen(c.cls));
	if (c.to_string != NULL)
		fuzz_touch((const uint8_t *)c.to_string, strlen(c.to_string));
	fuzz_touch(c.buf, c.buf_len);
	if (c.has_payload)
		fuzz_payload(c.payload, c.payload_len);
	if (c.has_raw)
		fuzz_payload(c.raw, c.raw_len);
	if (c.rpc.method != NULL)
		fuzz_touch((const uint8_t *)c.rpc.method,
		    strlen(c.rpc.method));
	(void)cmd_parse_rpc(c.root, &rpc);
	(void)cmd_proxy_oid(c.root, &oid);
	if (c.ret != NULL)
		(void)cmd_proxy_oid(c.ret, &oid);

	wbuf_init(&w, (size_t)64 << 20);
	if (fuzz_rebuild(&c, &w) == PROTO_OK) {
		if (cmd_parse(w.d, w.len, NULL, &again, NULL) != PROTO_OK ||
		    !fuzz_same(&c, &again))
			abort();
		cmd_free(&again);
	}
	wbuf_free(&w);
	cmd_free(&c);
	return 0;
}
