/*
 * jnagent-jser: print a Java serialization stream as a stable text tree.
 *
 * Input is one stream (default), a file of chunked remoting commands
 * (--chunked, remoting ChunkHeader framing, protocol notes 4.3), or the
 * record format of the remoting test vectors (--records, vectors/README.md).
 * Every node is printed in full where the stream first writes it and as
 * "@7e0003 -> <what>" where the stream refers back to it.  byte[] values
 * that hold a stream of their own (AC ED 00 05) are decoded and printed
 * nested, as remoting payloads are.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/buf.h"
#include "protocol/chunk.h"
#include "protocol/jser.h"
#include "protocol/limits.h"

#define JSERTOOL_MAX_INPUT	(1024UL * 1024 * 1024)
#define JSERTOOL_SHOW_BYTES	64	/* byte[] bytes shown without --full */
#define JSERTOOL_SHOW_ITEMS	32	/* array elements shown */
#define JSERTOOL_SHOW_CHARS	256	/* string bytes shown */
#define JSERTOOL_MAX_NEST	8	/* nested payload streams */
#define JSERTOOL_MAX_DEPTH	1500	/* indentation levels printed */

struct jsertool {
	FILE		*out;
	bool		 full;
	bool		 nested;
	int		 nest;
	/* nodes already printed, per stream: an open-addressing set */
	const struct jser_node **seen;
	size_t		 nseen, capseen;
};

static void jsertool_node(struct jsertool *, const struct jser_node *, int,
    const char *);
static int jsertool_stream(struct jsertool *, const uint8_t *, size_t, int,
    bool);

static void
jsertool_indent(struct jsertool *t, int depth)
{
	int	 i;

	for (i = 0; i < depth; i++)
		fputs("  ", t->out);
}

static void __attribute__((format(printf, 3, 4)))
jsertool_line(struct jsertool *t, int depth, const char *fmt, ...)
{
	va_list	 ap;

	jsertool_indent(t, depth);
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
}

static size_t
jsertool_hashp(const void *p, size_t cap)
{
	uintptr_t	 x = (uintptr_t)p;

	x ^= x >> 17;
	x *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 7) & (cap - 1);
}

/* Mark n as printed; false if it already was. */
static bool
jsertool_first(struct jsertool *t, const struct jser_node *n)
{
	const struct jser_node	**nw;
	size_t			 i, j, ncap;

	if (t->nseen * 2 >= t->capseen) {
		ncap = t->capseen ? t->capseen * 2 : 1024;
		if ((nw = calloc(ncap, sizeof(*nw))) == NULL) {
			fprintf(stderr, "jnagent-jser: out of memory\n");
			exit(1);
		}
		for (i = 0; i < t->capseen; i++) {
			if (t->seen[i] == NULL)
				continue;
			for (j = jsertool_hashp(t->seen[i], ncap); nw[j] != NULL;
			    j = (j + 1) & (ncap - 1))
				;
			nw[j] = t->seen[i];
		}
		free(t->seen);
		t->seen = nw;
		t->capseen = ncap;
	}
	for (i = jsertool_hashp(n, t->capseen); t->seen[i] != NULL;
	    i = (i + 1) & (t->capseen - 1)) {
		if (t->seen[i] == n)
			return false;
	}
	t->seen[i] = n;
	t->nseen++;
	return true;
}

static void
jsertool_hex(struct jsertool *t, const uint8_t *p, size_t len, size_t max)
{
	size_t	 i, n = len;

	if (!t->full && n > max)
		n = max;
	for (i = 0; i < n; i++)
		fprintf(t->out, "%02x", p[i]);
	if (n < len)
		fprintf(t->out, "... (%zu more)", len - n);
}

/*
 * A modified UTF-8 string, quoted: printable ASCII as is, the usual
 * escapes, every other UTF-16 unit as \uXXXX, undecodable bytes as \xNN.
 */
static void
jsertool_quote(struct jsertool *t, const char *s, uint64_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	uint64_t	 i = 0, shown = len;
	unsigned	 u;

	if (!t->full && shown > JSERTOOL_SHOW_CHARS)
		shown = JSERTOOL_SHOW_CHARS;
	fputc('"', t->out);
	while (i < shown) {
		if (p[i] < 0x80) {
			u = p[i];
			i += 1;
		} else if ((p[i] & 0xe0) == 0xc0 && i + 1 < len) {
			u = ((p[i] & 0x1fu) << 6) | (p[i + 1] & 0x3fu);
			i += 2;
		} else if ((p[i] & 0xf0) == 0xe0 && i + 2 < len) {
			u = ((p[i] & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) |
			    (p[i + 2] & 0x3fu);
			i += 3;
		} else {
			fprintf(t->out, "\\x%02x", p[i]);
			i += 1;
			continue;
		}
		switch (u) {
		case '"':
			fputs("\\\"", t->out);
			break;
		case '\\':
			fputs("\\\\", t->out);
			break;
		case '\n':
			fputs("\\n", t->out);
			break;
		case '\r':
			fputs("\\r", t->out);
			break;
		case '\t':
			fputs("\\t", t->out);
			break;
		default:
			if (u >= 0x20 && u < 0x7f)
				fputc((int)u, t->out);
			else
				fprintf(t->out, "\\u%04x", u);
		}
	}
	fputc('"', t->out);
	if (i < len)
		fprintf(t->out, "... (%" PRIu64 " bytes)", len);
}

static void
jsertool_handle(struct jsertool *t, const struct jser_node *n)
{
	if (n->handle >= 0)
		fprintf(t->out, " @%" PRIx32, (uint32_t)n->handle);
}

static const char *
jsertool_kind(const struct jser_node *n)
{
	switch (n->type) {
	case JSER_STRING:
		return "string";
	case JSER_OBJECT:
		return "object";
	case JSER_ARRAY:
		return "array";
	case JSER_CLASSDESC:
		return "classdesc";
	case JSER_PROXYDESC:
		return "proxydesc";
	case JSER_ENUM:
		return "enum";
	case JSER_CLASS:
		return "class";
	case JSER_BLOCKDATA:
		return "blockdata";
	case JSER_RESET:
		return "reset";
	case JSER_EXCEPTION:
		return "exception";
	}
	return "?";
}

/* What a back-reference points at, on one line. */
static void
jsertool_what(struct jsertool *t, const struct jser_node *n)
{
	const char	*cn;

	fputs(jsertool_kind(n), t->out);
	switch (n->type) {
	case JSER_STRING:
		fputc(' ', t->out);
		jsertool_quote(t, n->u.str.s, n->u.str.len);
		break;
	case JSER_CLASSDESC:
		fprintf(t->out, " %s", n->u.desc.name);
		break;
	case JSER_PROXYDESC:
		fprintf(t->out, " (%" PRIu32 " interfaces)",
		    n->u.proxy.ninterfaces);
		break;
	case JSER_ENUM:
		cn = jser_class_name(n);
		fprintf(t->out, " %s.%s", cn != NULL ? cn : "?",
		    n->u.en.name != NULL && n->u.en.name->type == JSER_STRING ?
		    n->u.en.name->u.str.s : "?");
		break;
	default:
		cn = jser_class_name(n);
		if (cn != NULL)
			fprintf(t->out, " %s", cn);
		break;
	}
}

static void
jsertool_flags(struct jsertool *t, uint8_t f)
{
	fprintf(t->out, " flags 0x%02x", f);
	if (f & SC_WRITE_METHOD)
		fputs(" WRITE_METHOD", t->out);
	if (f & SC_SERIALIZABLE)
		fputs(" SERIALIZABLE", t->out);
	if (f & SC_EXTERNALIZABLE)
		fputs(" EXTERNALIZABLE", t->out);
	if (f & SC_BLOCK_DATA)
		fputs(" BLOCK_DATA", t->out);
	if (f & SC_ENUM)
		fputs(" ENUM", t->out);
}

static void
jsertool_content(struct jsertool *t, const struct jser_content *c, int depth,
    const char *label)
{
	uint32_t	 i;

	if (c->n == 0) {
		jsertool_line(t, depth, "%s: empty", label);
		return;
	}
	jsertool_line(t, depth, "%s: %" PRIu32 " items", label, c->n);
	for (i = 0; i < c->n; i++)
		jsertool_node(t, c->items[i], depth + 1, NULL);
}

static void
jsertool_prim(struct jsertool *t, char type, uint64_t v)
{
	switch (type) {
	case 'B':
		fprintf(t->out, "%d", (int)(int8_t)(uint8_t)v);
		break;
	case 'S':
		fprintf(t->out, "%d", (int)(int16_t)(uint16_t)v);
		break;
	case 'C':
		v = (uint16_t)v;
		if (v >= 0x20 && v < 0x7f && v != '\'' && v != '\\')
			fprintf(t->out, "'%c'", (int)v);
		else
			fprintf(t->out, "'\\u%04x'", (unsigned)v);
		break;
	case 'I':
		fprintf(t->out, "%" PRId32, (int32_t)(uint32_t)v);
		break;
	case 'J':
		fprintf(t->out, "%" PRId64, (int64_t)v);
		break;
	case 'Z':
		fputs((v & 0xff) ? "true" : "false", t->out);
		break;
	case 'F':
		fprintf(t->out, "%.9g (0x%08" PRIx32 ")",
		    (double)jser_bits_float(v), (uint32_t)v);
		break;
	case 'D':
		fprintf(t->out, "%.17g (0x%016" PRIx64 ")", jser_bits_double(v),
		    v);
		break;
	default:
		fprintf(t->out, "0x%" PRIx64, v);
	}
}

static size_t
jsertool_elem_size(char e)
{
	switch (e) {
	case 'B':
	case 'Z':
		return 1;
	case 'C':
	case 'S':
		return 2;
	case 'I':
	case 'F':
		return 4;
	case 'J':
	case 'D':
		return 8;
	}
	return 0;
}

static void
jsertool_desc_body(struct jsertool *t, const struct jser_node *d, int depth)
{
	const struct jser_fielddesc *f;
	uint16_t	 i;
	uint32_t	 k;

	if (d->type == JSER_PROXYDESC) {
		for (k = 0; k < d->u.proxy.ninterfaces; k++)
			jsertool_line(t, depth, "interface %s",
			    d->u.proxy.interfaces[k]);
		jsertool_content(t, &d->u.proxy.annotation, depth,
		    "annotation");
		jsertool_node(t, d->u.proxy.super, depth, "super");
		return;
	}
	for (i = 0; i < d->u.desc.nfields; i++) {
		f = &d->u.desc.fields[i];
		if (f->class_name == NULL) {
			jsertool_line(t, depth, "field %c %s", f->type,
			    f->name);
			continue;
		}
		jsertool_indent(t, depth);
		fprintf(t->out, "field %c %s ", f->type, f->name);
		if (f->class_name->type == JSER_STRING &&
		    jsertool_first(t, f->class_name)) {
			jsertool_quote(t, f->class_name->u.str.s,
			    f->class_name->u.str.len);
			jsertool_handle(t, f->class_name);
		} else if (f->class_name->type == JSER_STRING) {
			jsertool_quote(t, f->class_name->u.str.s,
			    f->class_name->u.str.len);
			fprintf(t->out, " -> @%" PRIx32,
			    (uint32_t)f->class_name->handle);
		} else
			fputs("(not a string)", t->out);
		fputc('\n', t->out);
	}
	jsertool_content(t, &d->u.desc.annotation, depth, "annotation");
	jsertool_node(t, d->u.desc.super, depth, "super");
}

static void
jsertool_bytes(struct jsertool *t, const struct jser_node *n, int depth)
{
	const uint8_t	*p = n->u.arr.data;
	uint32_t	 len = n->u.arr.length;

	jsertool_indent(t, depth);
	fputs("bytes: ", t->out);
	jsertool_hex(t, p, len, JSERTOOL_SHOW_BYTES);
	fputc('\n', t->out);
	if (t->nested && len >= 4 && p[0] == 0xac && p[1] == 0xed &&
	    p[2] == 0x00 && p[3] == 0x05 && t->nest < JSERTOOL_MAX_NEST) {
		t->nest++;
		(void)jsertool_stream(t, p, len, depth, true);
		t->nest--;
	}
}

static void
jsertool_array(struct jsertool *t, const struct jser_node *n, int depth)
{
	uint32_t	 i, shown = n->u.arr.length;
	uint64_t	 v;
	char		 e = n->u.arr.elem;
	char		 label[32];

	if (e == 'B') {
		jsertool_bytes(t, n, depth);
		return;
	}
	if (!t->full && shown > JSERTOOL_SHOW_ITEMS)
		shown = JSERTOOL_SHOW_ITEMS;
	for (i = 0; i < shown; i++) {
		if (e == 'L' || e == '[') {
			snprintf(label, sizeof(label), "[%" PRIu32 "]", i);
			jsertool_node(t, ((struct jser_node **)n->u.arr.data)[i],
			    depth, label);
			continue;
		}
		if (jser_array_get(n, i, &v) != PROTO_OK) {
			/* floating point: the raw bits */
			const uint8_t	*p = (const uint8_t *)n->u.arr.data +
			    (size_t)i * jsertool_elem_size(e);
			size_t		 k;

			v = 0;
			for (k = 0; k < jsertool_elem_size(e); k++)
				v = (v << 8) | p[k];
		}
		jsertool_indent(t, depth);
		fprintf(t->out, "[%" PRIu32 "] ", i);
		jsertool_prim(t, e, v);
		fputc('\n', t->out);
	}
	if (shown < n->u.arr.length)
		jsertool_line(t, depth, "... (%" PRIu32 " more)",
		    n->u.arr.length - shown);
}

static void
jsertool_object(struct jsertool *t, const struct jser_node *n, int depth)
{
	const struct jser_classdata	*cd;
	const struct jser_fielddesc	*f;
	uint32_t			 c;
	uint16_t			 i;

	jsertool_node(t, n->u.obj.desc, depth, "class");
	for (c = 0; c < n->u.obj.nclasses; c++) {
		cd = &n->u.obj.classes[c];
		jsertool_line(t, depth, "data %s%s%s",
		    cd->desc != NULL && cd->desc->type == JSER_CLASSDESC ?
		    cd->desc->u.desc.name : "?",
		    cd->has_fields ? "" : " (no fields written)",
		    cd->has_custom ? " (custom)" : "");
		if (cd->has_fields && cd->values != NULL && cd->desc != NULL &&
		    cd->desc->type == JSER_CLASSDESC) {
			for (i = 0; i < cd->desc->u.desc.nfields; i++) {
				f = &cd->desc->u.desc.fields[i];
				if (f->type == 'L' || f->type == '[') {
					char	 label[300];

					snprintf(label, sizeof(label),
					    "%c %s =", f->type, f->name);
					jsertool_node(t, cd->values[i].ref,
					    depth + 1, label);
					continue;
				}
				jsertool_indent(t, depth + 1);
				fprintf(t->out, "%c %s = ", f->type, f->name);
				jsertool_prim(t, f->type, cd->values[i].prim);
				fputc('\n', t->out);
			}
		}
		if (cd->has_custom)
			jsertool_content(t, &cd->custom, depth + 1, "custom");
	}
}

/* Print one node (or null), with an optional label in front. */
static void
jsertool_node(struct jsertool *t, const struct jser_node *n, int depth,
    const char *label)
{
	const char	*cn;

	jsertool_indent(t, depth);
	if (label != NULL)
		fprintf(t->out, "%s ", label);
	if (n == NULL) {
		fputs("null\n", t->out);
		return;
	}
	if (depth > JSERTOOL_MAX_DEPTH) {
		/* the decoder caps depth per stream; nested streams add up */
		fputs("... (nested too deep to print)\n", t->out);
		return;
	}
	if (n->type == JSER_RESET || n->type == JSER_BLOCKDATA ||
	    n->type == JSER_EXCEPTION) {
		/* not handles: never referred to */
	} else if (!jsertool_first(t, n)) {
		if (n->handle >= 0)
			fprintf(t->out, "@%" PRIx32 " -> ", (uint32_t)n->handle);
		else
			fputs("-> ", t->out);
		jsertool_what(t, n);
		fputc('\n', t->out);
		return;
	}
	switch (n->type) {
	case JSER_STRING:
		fprintf(t->out, "%s", n->u.str.is_long ? "longstring" : "string");
		jsertool_handle(t, n);
		fputc(' ', t->out);
		jsertool_quote(t, n->u.str.s, n->u.str.len);
		fputc('\n', t->out);
		break;
	case JSER_CLASSDESC:
		fprintf(t->out, "classdesc");
		jsertool_handle(t, n);
		fprintf(t->out, " %s suid %" PRId64 " (0x%016" PRIx64 ")",
		    n->u.desc.name, n->u.desc.suid, (uint64_t)n->u.desc.suid);
		jsertool_flags(t, n->u.desc.flags);
		fprintf(t->out, " fields %u\n", (unsigned)n->u.desc.nfields);
		jsertool_desc_body(t, n, depth + 1);
		break;
	case JSER_PROXYDESC:
		fputs("proxydesc", t->out);
		jsertool_handle(t, n);
		fprintf(t->out, " interfaces %" PRIu32 "\n",
		    n->u.proxy.ninterfaces);
		jsertool_desc_body(t, n, depth + 1);
		break;
	case JSER_OBJECT:
		cn = jser_class_name(n);
		fputs("object", t->out);
		jsertool_handle(t, n);
		fprintf(t->out, " %s\n", cn != NULL ? cn : "(proxy)");
		jsertool_object(t, n, depth + 1);
		break;
	case JSER_ARRAY:
		cn = jser_class_name(n);
		fputs("array", t->out);
		jsertool_handle(t, n);
		fprintf(t->out, " %s length %" PRIu32 "\n", cn != NULL ? cn : "?",
		    n->u.arr.length);
		jsertool_node(t, n->u.arr.desc, depth + 1, "class");
		jsertool_array(t, n, depth + 1);
		break;
	case JSER_ENUM:
		fputs("enum", t->out);
		jsertool_handle(t, n);
		fputc(' ', t->out);
		jsertool_what(t, n);
		fputc('\n', t->out);
		jsertool_node(t, n->u.en.desc, depth + 1, "class");
		jsertool_node(t, n->u.en.name, depth + 1, "name");
		break;
	case JSER_CLASS:
		cn = jser_class_name(n);
		fputs("class", t->out);
		jsertool_handle(t, n);
		fprintf(t->out, " %s\n", cn != NULL ? cn : "?");
		jsertool_node(t, n->u.cls.desc, depth + 1, "desc");
		break;
	case JSER_BLOCKDATA:
		fprintf(t->out, "%s %" PRIu32 " bytes: ",
		    n->u.block.is_long ? "blockdatalong" : "blockdata",
		    n->u.block.len);
		jsertool_hex(t, n->u.block.data, n->u.block.len,
		    JSERTOOL_SHOW_BYTES);
		fputc('\n', t->out);
		break;
	case JSER_RESET:
		fputs("reset\n", t->out);
		/* handles start again: what follows is new */
		t->nseen = 0;
		if (t->seen != NULL)
			memset(t->seen, 0, t->capseen * sizeof(*t->seen));
		break;
	case JSER_EXCEPTION:
		fputs("exception\n", t->out);
		/* the exception's handles are reset before and after */
		t->nseen = 0;
		if (t->seen != NULL)
			memset(t->seen, 0, t->capseen * sizeof(*t->seen));
		jsertool_node(t, n->u.exc.throwable, depth + 1, "throwable");
		break;
	}
}

/*
 * Decode and print one stream.  A nested stream that does not decode is
 * reported inline; a top-level one makes the caller fail.
 */
static int
jsertool_stream(struct jsertool *t, const uint8_t *p, size_t len, int depth,
    bool nested)
{
	struct jser_doc		*doc = NULL;
	struct jser_err		 err;
	struct jsertool		 sub;
	uint32_t		 i;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = jser_decode(p, len, NULL, &doc, &err)) != PROTO_OK) {
		if (nested) {
			jsertool_line(t, depth, "nested stream: not decodable "
			    "(%s at offset %zu: %s)", proto_strerror(r),
			    err.offset, err.msg);
			return r;
		}
		fflush(t->out);
		fprintf(stderr, "jnagent-jser: %s at offset %zu: %s\n",
		    proto_strerror(r), err.offset, err.msg);
		return r;
	}
	/* a nested stream has its own handles */
	sub = *t;
	sub.seen = NULL;
	sub.nseen = sub.capseen = 0;
	jsertool_line(&sub, depth, "%sstream %zu bytes, %" PRIu32 " contents",
	    nested ? "nested " : "", len, doc->top.n);
	for (i = 0; i < doc->top.n; i++)
		jsertool_node(&sub, doc->top.items[i], depth + 1, NULL);
	free(sub.seen);
	jser_doc_free(doc);
	return PROTO_OK;
}

static int
jsertool_chunked(struct jsertool *t, const uint8_t *p, size_t len)
{
	struct chunk_asm	 a;
	struct rbuf		 in = rbuf_make(p, len);
	uint8_t			*cmd;
	size_t			 cmdlen;
	unsigned		 k = 0;
	int			 r, rc = 0;

	chunk_asm_init(&a, &proto_limits_default);
	for (;;) {
		r = chunk_asm_feed(&a, &in, &cmd, &cmdlen);
		if (r == PROTO_INCOMPLETE)
			break;
		if (r != PROTO_OK) {
			fprintf(stderr, "jnagent-jser: chunk framing: %s "
			    "at offset %zu\n", proto_strerror(r),
			    len - in.len);
			rc = 1;
			break;
		}
		fprintf(t->out, "command %u (%zu bytes)\n", k++, cmdlen);
		if (jsertool_stream(t, cmd, cmdlen, 1, false) != PROTO_OK)
			rc = 1;
		free(cmd);
		if (rc != 0)
			break;
	}
	if (rc == 0 && (a.hold.len > 0 || a.cmd.len > 0)) {
		fprintf(stderr, "jnagent-jser: input ends inside a command\n");
		rc = 1;
	}
	chunk_asm_free(&a);
	return rc;
}

/* vectors/README.md: tag (u16 + UTF-8), then s32 length + one chunk, or
 * s32 step for MARK. */
static int
jsertool_records(struct jsertool *t, const uint8_t *p, size_t len)
{
	struct chunk_asm	 dir[2];
	struct rbuf		 in = rbuf_make(p, len), tag, chunk;
	uint8_t			*cmd;
	size_t			 cmdlen;
	uint32_t		 v;
	uint16_t		 tl;
	unsigned		 k = 0;
	int			 d, r, rc = 0;

	chunk_asm_init(&dir[0], &proto_limits_default);
	chunk_asm_init(&dir[1], &proto_limits_default);
	while (in.len > 0 && rc == 0) {
		if (rbuf_get_u16(&in, &tl) != PROTO_OK ||
		    rbuf_sub(&in, tl, &tag) != PROTO_OK ||
		    rbuf_get_u32(&in, &v) != PROTO_OK) {
			fprintf(stderr, "jnagent-jser: truncated record at "
			    "offset %zu\n", len - in.len);
			rc = 1;
			break;
		}
		if (tag.len == 4 && memcmp(tag.p, "MARK", 4) == 0) {
			fprintf(t->out, "mark %" PRId32 "\n", (int32_t)v);
			continue;
		}
		if (tag.len == 3 && memcmp(tag.p, "C>A", 3) == 0)
			d = 0;
		else if (tag.len == 3 && memcmp(tag.p, "A>C", 3) == 0)
			d = 1;
		else {
			fprintf(stderr, "jnagent-jser: unknown record tag at "
			    "offset %zu\n", len - in.len);
			rc = 1;
			break;
		}
		if (v > CHUNK_MAX_PAYLOAD + 2 ||
		    rbuf_sub(&in, v, &chunk) != PROTO_OK) {
			fprintf(stderr, "jnagent-jser: bad record length at "
			    "offset %zu\n", len - in.len);
			rc = 1;
			break;
		}
		while (chunk.len > 0) {
			r = chunk_asm_feed(&dir[d], &chunk, &cmd, &cmdlen);
			if (r == PROTO_INCOMPLETE)
				break;
			if (r != PROTO_OK) {
				fprintf(stderr, "jnagent-jser: chunk framing: "
				    "%s\n", proto_strerror(r));
				rc = 1;
				break;
			}
			fprintf(t->out, "command %u %s (%zu bytes)\n", k++,
			    d == 0 ? "C>A" : "A>C", cmdlen);
			if (jsertool_stream(t, cmd, cmdlen, 1, false) !=
			    PROTO_OK)
				rc = 1;
			free(cmd);
			if (rc != 0)
				break;
		}
	}
	chunk_asm_free(&dir[0]);
	chunk_asm_free(&dir[1]);
	return rc;
}

static int
jsertool_read(const char *path, uint8_t **out, size_t *outlen)
{
	FILE	*f = stdin;
	uint8_t	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0, n;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "jnagent-jser: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= JSERTOOL_MAX_INPUT) {
				fprintf(stderr, "jnagent-jser: input too large\n");
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "jnagent-jser: out of memory\n");
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "jnagent-jser: %s: read error\n",
		    path != NULL ? path : "stdin");
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: jnagent-jser [--chunked | --records] [--full] "
	    "[--no-nested] [FILE]\n"
	    "Print a Java serialization stream (default), a file of chunked\n"
	    "remoting commands (--chunked) or remoting test-vector records\n"
	    "(--records) as a text tree.  Reads FILE or standard input.\n"
	    "  --full       print whole byte arrays, strings and arrays\n"
	    "  --no-nested  do not decode byte[] values holding a stream\n"
	    "  --help       this text\n"
	    "  --version    print the version\n");
}

int
main(int argc, char **argv)
{
	struct jsertool	 t;
	const char	*path = NULL;
	uint8_t		*buf = NULL;
	size_t		 len = 0;
	int		 i, mode = 0, rc;
	bool		 opts = true;

	memset(&t, 0, sizeof(t));
	t.out = stdout;
	t.nested = true;
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = false;
		else if (opts && strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (opts && strcmp(argv[i], "--version") == 0) {
			printf("jnagent-jser %s\n", PACKAGE_VERSION);
			return 0;
		} else if (opts && strcmp(argv[i], "--chunked") == 0)
			mode = mode == 2 ? -1 : 1;
		else if (opts && strcmp(argv[i], "--records") == 0)
			mode = mode == 1 ? -1 : 2;
		else if (opts && strcmp(argv[i], "--full") == 0)
			t.full = true;
		else if (opts && strcmp(argv[i], "--no-nested") == 0)
			t.nested = false;
		else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "jnagent-jser: unknown option %s "
			    "(try --help)\n", argv[i]);
			return 2;
		} else if (path == NULL)
			path = argv[i];
		else {
			fprintf(stderr, "jnagent-jser: one input file only "
			    "(try --help)\n");
			return 2;
		}
	}
	if (mode < 0) {
		fprintf(stderr, "jnagent-jser: --chunked and --records "
		    "exclude each other\n");
		return 2;
	}
	if (jsertool_read(path, &buf, &len) != 0)
		return 1;
	if (mode == 1)
		rc = jsertool_chunked(&t, buf, len);
	else if (mode == 2)
		rc = jsertool_records(&t, buf, len);
	else
		rc = jsertool_stream(&t, buf, len, 0, false) == PROTO_OK ? 0 : 1;
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "jnagent-jser: write error\n");
		rc = 1;
	}
	return rc;
}
