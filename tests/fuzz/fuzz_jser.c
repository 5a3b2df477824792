/*
 * fuzz_jser: libFuzzer target for the Java serialization decoder.
 *
 * Decode the input; if it decodes, encoding the graph must give back the
 * very same bytes (jser.h promises it), and every node reachable from the
 * top-level contents is walked with the lookup API and the jval readers,
 * including custom data through a cursor and nested byte[] payloads.
 * Either property failing aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/jval.h"

#define FUZZ_MAX_NESTED	2

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void fuzz_stream(const uint8_t *, size_t, int);

struct fuzz_walk {
	struct jser_doc		 *doc;
	const struct jser_node	**stack;
	size_t			  n, cap;
	const struct jser_node	**seen;	/* open addressing */
	size_t			  nseen, capseen;
	int			  nest;
};

static size_t
fuzz_hash(const void *p, size_t cap)
{
	uintptr_t	 x = (uintptr_t)p;

	x ^= x >> 15;
	x *= (uintptr_t)0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 9) & (cap - 1);
}

static bool
fuzz_mark(struct fuzz_walk *w, const struct jser_node *n)
{
	const struct jser_node	**nw;
	size_t			  i, j, ncap;

	if (w->nseen * 2 >= w->capseen) {
		ncap = w->capseen ? w->capseen * 2 : 256;
		if ((nw = calloc(ncap, sizeof(*nw))) == NULL)
			abort();
		for (i = 0; i < w->capseen; i++) {
			if (w->seen[i] == NULL)
				continue;
			for (j = fuzz_hash(w->seen[i], ncap); nw[j] != NULL;
			    j = (j + 1) & (ncap - 1))
				;
			nw[j] = w->seen[i];
		}
		free(w->seen);
		w->seen = nw;
		w->capseen = ncap;
	}
	for (i = fuzz_hash(n, w->capseen); w->seen[i] != NULL;
	    i = (i + 1) & (w->capseen - 1)) {
		if (w->seen[i] == n)
			return false;
	}
	w->seen[i] = n;
	w->nseen++;
	return true;
}

static void
fuzz_push(struct fuzz_walk *w, const struct jser_node *n)
{
	const struct jser_node	**ns;

	if (n == NULL || !fuzz_mark(w, n))
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		if ((ns = realloc(w->stack, w->cap * sizeof(*ns))) == NULL)
			abort();
		w->stack = ns;
	}
	w->stack[w->n++] = n;
}

static void
fuzz_content(struct fuzz_walk *w, const struct jser_content *c)
{
	struct jser_cursor	 cur;
	struct jser_node	*o;
	uint32_t		 i, u32;
	uint64_t		 u64;
	uint16_t		 u16;
	uint8_t			 u8, buf[16];
	int			 step = 0;

	for (i = 0; i < c->n; i++)
		fuzz_push(w, c->items[i]);
	/* read it as ObjectInputStream would, mixing primitive sizes */
	jser_cursor_init(&cur, c);
	while (!jser_cursor_end(&cur)) {
		int r;

		switch (step++ % 6) {
		case 0:
			r = jser_cursor_u32(&cur, &u32);
			break;
		case 1:
			r = jser_cursor_obj(&cur, &o);
			break;
		case 2:
			r = jser_cursor_u8(&cur, &u8);
			break;
		case 3:
			r = jser_cursor_u64(&cur, &u64);
			break;
		case 4:
			r = jser_cursor_u16(&cur, &u16);
			break;
		default:
			r = jser_cursor_bytes(&cur, buf, sizeof(buf));
			break;
		}
		if (r != PROTO_OK && jser_cursor_obj(&cur, &o) != PROTO_OK &&
		    jser_cursor_u8(&cur, &u8) != PROTO_OK)
			break;
	}
}

static void
fuzz_node(struct fuzz_walk *w, const struct jser_node *n)
{
	struct jser_node		**a, **b, *ref;
	const struct jser_fielddesc	 *fd;
	const union jser_value		 *v;
	const char			 *cls, *msg, *s;
	const uint8_t			 *bytes;
	uint32_t			  i, cnt, len;
	uint64_t			  bits;
	int64_t				  iv;
	int32_t				  i32;
	double				  dv;
	bool				  bv;
	size_t				  sl;
	char				 *u;

	cls = jser_class_name(n);
	(void)jser_instance_of(n, "java.lang.Throwable");
	(void)jval_get_int(n, &iv);
	(void)jval_get_double(n, &dv);
	(void)jval_get_bool(n, &bv);
	if (jval_get_string(n, &s, &sl) == PROTO_OK)
		(void)jval_get_utf8(w->doc, n, &u, &sl);
	(void)jval_list_items(w->doc, n, &a, &cnt);
	(void)jval_set_items(w->doc, n, &a, &cnt);
	(void)jval_map_entries(w->doc, n, &a, &b, &cnt);
	(void)jval_map_get(w->doc, n, "PATH", &ref);
	(void)jval_throwable_info(n, &cls, &msg, &ref);
	switch (n->type) {
	case JSER_OBJECT:
		fuzz_push(w, n->u.obj.desc);
		for (i = 0; i < n->u.obj.nclasses; i++) {
			const struct jser_classdata *cd = &n->u.obj.classes[i];
			const struct jser_node *d = cd->desc;

			fuzz_push(w, d);
			if (cd->has_custom) {
				fuzz_content(w, &cd->custom);
				if (d != NULL && d->type == JSER_CLASSDESC)
					(void)jser_custom(n, d->u.desc.name);
			}
			if (d == NULL || d->type != JSER_CLASSDESC ||
			    !cd->has_fields || cd->values == NULL)
				continue;
			for (uint16_t f = 0; f < d->u.desc.nfields; f++) {
				const char *name = d->u.desc.fields[f].name;

				if ((v = jser_field(n, name, &fd)) == NULL)
					continue;
				(void)jser_field_int(n, name, &i32);
				(void)jser_field_long(n, name, &iv);
				(void)jser_field_bool(n, name, &bv);
				(void)jser_field_double(n, name, &dv);
				(void)jser_field_string(n, name, &s);
				if (jser_field_ref(n, name, &ref) == PROTO_OK)
					fuzz_push(w, ref);
			}
		}
		break;
	case JSER_CLASSDESC:
		fuzz_content(w, &n->u.desc.annotation);
		fuzz_push(w, n->u.desc.super);
		for (i = 0; i < n->u.desc.nfields; i++)
			fuzz_push(w, n->u.desc.fields[i].class_name);
		break;
	case JSER_PROXYDESC:
		fuzz_content(w, &n->u.proxy.annotation);
		fuzz_push(w, n->u.proxy.super);
		break;
	case JSER_ARRAY:
		fuzz_push(w, n->u.arr.desc);
		if (n->u.arr.elem == 'L' || n->u.arr.elem == '[') {
			for (i = 0; i < n->u.arr.length; i++)
				fuzz_push(w,
				    ((struct jser_node **)n->u.arr.data)[i]);
		} else {
			for (i = 0; i < n->u.arr.length && i < 64; i++)
				(void)jser_array_get(n, i, &bits);
		}
		if (jser_array_bytes(n, &bytes, &len) == PROTO_OK &&
		    len >= 4 && bytes[0] == 0xac && bytes[1] == 0xed &&
		    w->nest < FUZZ_MAX_NESTED)
			fuzz_stream(bytes, len, w->nest + 1);
		break;
	case JSER_ENUM:
		fuzz_push(w, n->u.en.desc);
		fuzz_push(w, n->u.en.name);
		break;
	case JSER_CLASS:
		fuzz_push(w, n->u.cls.desc);
		break;
	case JSER_EXCEPTION:
		fuzz_push(w, n->u.exc.throwable);
		break;
	case JSER_STRING:
		(void)jser_mutf8_valid(n->u.str.s, (size_t)n->u.str.len);
		break;
	default:
		break;
	}
}

static void
fuzz_stream(const uint8_t *data, size_t size, int nest)
{
	struct jser_doc		*doc = NULL;
	struct jser_err		 err;
	struct fuzz_walk	 w;
	struct wbuf		 out;
	uint32_t		 i;

	if (jser_decode(data, size, NULL, &doc, &err) != PROTO_OK) {
		jser_doc_free(doc);
		return;
	}
	/* a decoded doc encodes to the exact bytes it came from */
	wbuf_init(&out, size + 1);
	if (jser_encode(doc, &out) != PROTO_OK || out.len != size ||
	    memcmp(out.d, data, size) != 0)
		abort();
	wbuf_free(&out);
	(void)jser_root(doc);

	memset(&w, 0, sizeof(w));
	w.doc = doc;
	w.nest = nest;
	for (i = 0; i < doc->top.n; i++)
		fuzz_push(&w, doc->top.items[i]);
	while (w.n > 0)
		fuzz_node(&w, w.stack[--w.n]);
	free(w.stack);
	free(w.seen);
	jser_doc_free(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_stream(data, size, 0);
	return 0;
}
