/*
 * jser_enc.c: the Java serialization encoder and the builder API
 * (see jser.h).
 *
 * The encoder walks a doc as ObjectOutputStream would write it: a node is
 * written in full the first time it is met in the current stream (since
 * the last TC_RESET) and as TC_REFERENCE afterwards, with handles assigned
 * in the order of remoting-protocol.md §8.3.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/jser.h"
#include "protocol/jser_int.h"

#define ENC_MAX_DEPTH	2048
#define BLOCK_MAX	1024	/* ObjectOutputStream's block-data buffer */

struct enc {
	struct wbuf		*w;
	const void		**keys;	/* open addressing: node -> handle */
	uint32_t		*vals;
	size_t			 cap, n; /* cap: power of two or 0 */
	uint32_t		 next;	/* handles assigned so far */
	size_t			 depth;
};

static size_t
hslot(const void *k, size_t cap)
{
	uint64_t	 x = (uint64_t)(uintptr_t)k;

	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 17) & (cap - 1);
}

static int
h_find(const struct enc *e, const void *k, uint32_t *h)
{
	size_t	 i;

	if (e->n == 0)
		return 0;
	for (i = hslot(k, e->cap); e->keys[i] != NULL; i = (i + 1) &
	    (e->cap - 1)) {
		if (e->keys[i] == k) {
			*h = e->vals[i];
			return 1;
		}
	}
	return 0;
}

static int
h_grow(struct enc *e)
{
	const void	**ok = e->keys, **nk;
	uint32_t	 *ov = e->vals, *nv;
	size_t		  ocap = e->cap, ncap = ocap == 0 ? 64 : ocap * 2, i, j;

	if ((nk = calloc(ncap, sizeof(*nk))) == NULL)
		return PROTO_NOMEM;
	if ((nv = malloc(ncap * sizeof(*nv))) == NULL) {
		free(nk);
		return PROTO_NOMEM;
	}
	for (i = 0; i < ocap; i++) {
		if (ok[i] == NULL)
			continue;
		for (j = hslot(ok[i], ncap); nk[j] != NULL; j = (j + 1) &
		    (ncap - 1))
			;
		nk[j] = ok[i];
		nv[j] = ov[i];
	}
	free(ok);
	free(ov);
	e->keys = nk;
	e->vals = nv;
	e->cap = ncap;
	return PROTO_OK;
}

/* Give node k the next handle. */
static int
h_assign(struct enc *e, const void *k)
{
	size_t	 i;
	int	 r;

	if (e->next >= INT32_MAX - JSER_BASE_HANDLE)
		return PROTO_TOO_BIG;
	if ((e->n + 1) * 2 > e->cap && (r = h_grow(e)) != PROTO_OK)
		return r;
	for (i = hslot(k, e->cap); e->keys[i] != NULL; i = (i + 1) &
	    (e->cap - 1))
		;
	e->keys[i] = k;
	e->vals[i] = JSER_BASE_HANDLE + e->next++;
	e->n++;
	return PROTO_OK;
}

static void
h_reset(struct enc *e)
{
	if (e->cap > 0)
		memset(e->keys, 0, e->cap * sizeof(*e->keys));
	e->n = 0;
	e->next = 0;
}

static void
h_free(struct enc *e)
{
	free(e->keys);
	free(e->vals);
	e->keys = NULL;
	e->vals = NULL;
	e->cap = e->n = 0;
}

static int
put_ref_if_seen(struct enc *e, const void *k, int *done)
{
	uint32_t	 h;
	int		 r;

	*done = 0;
	if (!h_find(e, k, &h))
		return PROTO_OK;
	*done = 1;
	if ((r = wbuf_put_u8(e->w, TC_REFERENCE)) != PROTO_OK)
		return r;
	return wbuf_put_u32(e->w, h);
}

static int
put_utf(struct enc *e, const char *s)
{
	size_t	 n = strlen(s);
	int	 r;

	if (n > 0xffff)
		return PROTO_TOO_BIG;
	if ((r = wbuf_put_u16(e->w, (uint16_t)n)) != PROTO_OK)
		return r;
	return wbuf_put(e->w, s, n);
}

static int
enc_string(struct enc *e, const struct jser_node *n)
{
	int	 r;

	if ((r = h_assign(e, n)) != PROTO_OK)
		return r;
	if (n->u.str.is_long || n->u.str.len > 0xffff) {
		if ((r = wbuf_put_u8(e->w, TC_LONGSTRING)) != PROTO_OK ||
		    (r = wbuf_put_u64(e->w, n->u.str.len)) != PROTO_OK)
			return r;
	} else {
		if ((r = wbuf_put_u8(e->w, TC_STRING)) != PROTO_OK ||
		    (r = wbuf_put_u16(e->w, (uint16_t)n->u.str.len)) !=
		    PROTO_OK)
			return r;
	}
	if (n->u.str.len > SIZE_MAX)
		return PROTO_TOO_BIG;
	return wbuf_put(e->w, n->u.str.s, (size_t)n->u.str.len);
}

/* A string position (field type, enum constant): reference or string. */
static int
enc_strpos(struct enc *e, const struct jser_node *n)
{
	int	 r, done;

	if (n == NULL || n->type != JSER_STRING)
		return PROTO_MALFORMED;
	if ((r = put_ref_if_seen(e, n, &done)) != PROTO_OK || done)
		return r;
	return enc_string(e, n);
}

static int enc_obj(struct enc *, const struct jser_node *);
static int enc_list(struct enc *, const struct jser_content *, int);

/* A class descriptor position (NULL writes TC_NULL). */
static int
enc_desc(struct enc *e, const struct jser_node *n)
{
	const struct jser_fielddesc	*f;
	uint32_t			 i;
	int				 r, done;

	if (n == NULL)
		return wbuf_put_u8(e->w, TC_NULL);
	if ((r = put_ref_if_seen(e, n, &done)) != PROTO_OK || done)
		return r;
	if (++e->depth > ENC_MAX_DEPTH)
		return PROTO_TOO_BIG;
	if (n->type == JSER_CLASSDESC) {
		if ((r = wbuf_put_u8(e->w, TC_CLASSDESC)) != PROTO_OK ||
		    (r = h_assign(e, n)) != PROTO_OK ||
		    (r = put_utf(e, n->u.desc.name)) != PROTO_OK ||
		    (r = wbuf_put_u64(e->w, (uint64_t)n->u.desc.suid)) !=
		    PROTO_OK ||
		    (r = wbuf_put_u8(e->w, n->u.desc.flags)) != PROTO_OK ||
		    (r = wbuf_put_u16(e->w, n->u.desc.nfields)) != PROTO_OK)
			return r;
		for (i = 0; i < n->u.desc.nfields; i++) {
			f = &n->u.desc.fields[i];
			if ((r = wbuf_put_u8(e->w, (uint8_t)f->type)) !=
			    PROTO_OK || (r = put_utf(e, f->name)) != PROTO_OK)
				return r;
			if (jser_elem_size(f->type) == 0 &&
			    (r = enc_strpos(e, f->class_name)) != PROTO_OK)
				return r;
		}
		if ((r = enc_list(e, &n->u.desc.annotation, 0)) != PROTO_OK ||
		    (r = wbuf_put_u8(e->w, TC_ENDBLOCKDATA)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.desc.super)) != PROTO_OK)
			return r;
	} else if (n->type == JSER_PROXYDESC) {
		if ((r = wbuf_put_u8(e->w, TC_PROXYCLASSDESC)) != PROTO_OK ||
		    (r = h_assign(e, n)) != PROTO_OK ||
		    (r = wbuf_put_u32(e->w, n->u.proxy.ninterfaces)) !=
		    PROTO_OK)
			return r;
		for (i = 0; i < n->u.proxy.ninterfaces; i++)
			if ((r = put_utf(e, n->u.proxy.interfaces[i])) !=
			    PROTO_OK)
				return r;
		if ((r = enc_list(e, &n->u.proxy.annotation, 0)) != PROTO_OK ||
		    (r = wbuf_put_u8(e->w, TC_ENDBLOCKDATA)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.proxy.super)) != PROTO_OK)
			return r;
	} else
		return PROTO_MALFORMED;
	e->depth--;
	return PROTO_OK;
}

static int
put_prim(struct wbuf *w, char type, uint64_t v)
{
	switch (type) {
	case 'B':
	case 'Z':
		return wbuf_put_u8(w, (uint8_t)v);
	case 'C':
	case 'S':
		return wbuf_put_u16(w, (uint16_t)v);
	case 'I':
	case 'F':
		return wbuf_put_u32(w, (uint32_t)v);
	default:
		return wbuf_put_u64(w, v);
	}
}

static int
enc_classdata(struct enc *e, const struct jser_classdata *cd)
{
	const struct jser_node	*d = cd->desc;
	uint16_t		 i;
	int			 r;

	if (cd->has_fields) {
		for (i = 0; i < d->u.desc.nfields; i++) {
			char t = d->u.desc.fields[i].type;

			if (jser_elem_size(t) == 0)
				r = enc_obj(e, cd->values != NULL ?
				    cd->values[i].ref : NULL);
			else
				r = put_prim(e->w, t, cd->values != NULL ?
				    cd->values[i].prim : 0);
			if (r != PROTO_OK)
				return r;
		}
	}
	if (cd->has_custom) {
		if ((r = enc_list(e, &cd->custom, 0)) != PROTO_OK ||
		    (r = wbuf_put_u8(e->w, TC_ENDBLOCKDATA)) != PROTO_OK)
			return r;
	}
	return PROTO_OK;
}

static int
need_desc(const struct jser_node *d, int classdesc_only)
{
	if (d == NULL)
		return 0;
	if (d->type == JSER_CLASSDESC)
		return 1;
	return !classdesc_only && d->type == JSER_PROXYDESC;
}

/* An object position (NULL writes TC_NULL). */
static int
enc_obj(struct enc *e, const struct jser_node *n)
{
	uint32_t	 i;
	int		 r, done, sz;

	if (n == NULL)
		return wbuf_put_u8(e->w, TC_NULL);
	if ((r = put_ref_if_seen(e, n, &done)) != PROTO_OK || done)
		return r;
	if (++e->depth > ENC_MAX_DEPTH)
		return PROTO_TOO_BIG;
	switch (n->type) {
	case JSER_STRING:
		r = enc_string(e, n);
		break;
	case JSER_CLASSDESC:
	case JSER_PROXYDESC:
		r = enc_desc(e, n);
		break;
	case JSER_OBJECT:
		if (!need_desc(n->u.obj.desc, 0))
			return PROTO_MALFORMED;
		if ((r = wbuf_put_u8(e->w, TC_OBJECT)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.obj.desc)) != PROTO_OK ||
		    (r = h_assign(e, n)) != PROTO_OK)
			return r;
		for (i = 0; i < n->u.obj.nclasses; i++)
			if ((r = enc_classdata(e, &n->u.obj.classes[i])) !=
			    PROTO_OK)
				return r;
		break;
	case JSER_ARRAY:
		if (!need_desc(n->u.arr.desc, 1) ||
		    (sz = jser_elem_size(n->u.arr.elem)) < 0 ||
		    n->u.arr.length > INT32_MAX)
			return PROTO_MALFORMED;
		if ((r = wbuf_put_u8(e->w, TC_ARRAY)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.arr.desc)) != PROTO_OK ||
		    (r = h_assign(e, n)) != PROTO_OK ||
		    (r = wbuf_put_u32(e->w, n->u.arr.length)) != PROTO_OK)
			return r;
		if (sz > 0)
			r = wbuf_put(e->w, n->u.arr.data,
			    (size_t)n->u.arr.length * sz);
		else {
			struct jser_node **v = n->u.arr.data;

			for (i = 0; i < n->u.arr.length; i++)
				if ((r = enc_obj(e, v[i])) != PROTO_OK)
					return r;
		}
		break;
	case JSER_ENUM:
		if (!need_desc(n->u.en.desc, 1))
			return PROTO_MALFORMED;
		if ((r = wbuf_put_u8(e->w, TC_ENUM)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.en.desc)) != PROTO_OK ||
		    (r = h_assign(e, n)) != PROTO_OK)
			return r;
		r = enc_strpos(e, n->u.en.name);
		break;
	case JSER_CLASS:
		if (!need_desc(n->u.cls.desc, 0))
			return PROTO_MALFORMED;
		if ((r = wbuf_put_u8(e->w, TC_CLASS)) != PROTO_OK ||
		    (r = enc_desc(e, n->u.cls.desc)) != PROTO_OK)
			return r;
		r = h_assign(e, n);
		break;
	default:
		/* block data, reset and exception live in content lists */
		return PROTO_MALFORMED;
	}
	if (r != PROTO_OK)
		return r;
	e->depth--;
	return PROTO_OK;
}

static int
enc_list(struct enc *e, const struct jser_content *c, int top)
{
	const struct jser_node	*n;
	uint32_t		 i;
	int			 r;

	for (i = 0; i < c->n; i++) {
		n = c->items[i];
		if (n != NULL && n->type == JSER_BLOCKDATA) {
			if (n->u.block.is_long || n->u.block.len > 255) {
				if (n->u.block.len > INT32_MAX)
					return PROTO_MALFORMED;
				r = wbuf_put_u8(e->w, TC_BLOCKDATALONG);
				if (r == PROTO_OK)
					r = wbuf_put_u32(e->w, n->u.block.len);
			} else {
				r = wbuf_put_u8(e->w, TC_BLOCKDATA);
				if (r == PROTO_OK)
					r = wbuf_put_u8(e->w,
					    (uint8_t)n->u.block.len);
			}
			if (r == PROTO_OK)
				r = wbuf_put(e->w, n->u.block.data,
				    n->u.block.len);
		} else if (n != NULL && n->type == JSER_RESET) {
			if (!top)
				return PROTO_MALFORMED;
			r = wbuf_put_u8(e->w, TC_RESET);
			h_reset(e);
		} else if (n != NULL && n->type == JSER_EXCEPTION) {
			if (!top)
				return PROTO_MALFORMED;
			h_reset(e);
			if ((r = wbuf_put_u8(e->w, TC_EXCEPTION)) == PROTO_OK)
				r = enc_obj(e, n->u.exc.throwable);
			h_reset(e);
		} else
			r = enc_obj(e, n);
		if (r != PROTO_OK)
			return r;
	}
	return PROTO_OK;
}

static int
enc_run(const struct jser_content *top, const struct jser_node *root,
    struct wbuf *out, size_t hint)
{
	static const uint8_t	 hdr[4] = { 0xac, 0xed, 0x00, 0x05 };
	struct enc		 e;
	size_t			 save = out->len;
	int			 r;

	memset(&e, 0, sizeof(e));
	e.w = out;
	/* Size the handle table from the decoded size, if known: decoded
	 * remoting streams have about one handle per 16 bytes. */
	if (hint / 16 > 32) {
		size_t cap = 64;

		while (cap < 1024 * 1024 && cap < hint / 8)
			cap *= 2;
		e.keys = calloc(cap, sizeof(*e.keys));
		e.vals = malloc(cap * sizeof(*e.vals));
		if (e.keys == NULL || e.vals == NULL) {
			h_free(&e);
			return PROTO_NOMEM;
		}
		e.cap = cap;
	}
	if ((r = wbuf_put(out, hdr, sizeof(hdr))) == PROTO_OK)
		r = top != NULL ? enc_list(&e, top, 1) : enc_obj(&e, root);
	h_free(&e);
	if (r != PROTO_OK)
		out->len = save;
	return r;
}

int
jser_encode(const struct jser_doc *doc, struct wbuf *out)
{
	return enc_run(&doc->top, NULL, out, doc->bytes);
}

int
jser_encode_node(const struct jser_node *root, struct wbuf *out)
{
	return enc_run(NULL, root, out, 0);
}

/* ---- builder ---- */

static struct jser_node *
b_node(struct jser_doc *doc, enum jser_type t)
{
	struct jser_node	*n;

	if ((n = jser_alloc(doc, sizeof(*n))) == NULL)
		return NULL;
	n->type = t;
	n->handle = -1;
	return n;
}

/* A string node holding MUTF-8 text m as is. */
static struct jser_node *
b_mstring(struct jser_doc *doc, char *m, size_t mlen)
{
	struct jser_node	*n;

	if ((n = b_node(doc, JSER_STRING)) == NULL)
		return NULL;
	n->u.str.s = m;
	n->u.str.len = mlen;
	n->u.str.is_long = mlen > 0xffff;
	return n;
}

struct jser_node *
jser_new_string(struct jser_doc *doc, const char *utf8, size_t len)
{
	char	*m;
	size_t	 mlen;

	if (jser_utf8_to_mutf8(doc, utf8, len, &m, &mlen) != PROTO_OK)
		return NULL;
	return b_mstring(doc, m, mlen);
}

static int
reg_add(struct jser_doc *doc, const char *key, struct jser_node *n,
    int is_sig)
{
	struct jser_descreg	*r;

	if ((r = jser_alloc(doc, sizeof(*r))) == NULL)
		return PROTO_NOMEM;
	r->key = key;
	r->node = n;
	r->is_sig = is_sig;
	r->next = doc->descs;
	doc->descs = r;
	return PROTO_OK;
}

static struct jser_node *
reg_find(const struct jser_doc *doc, const char *key, int is_sig)
{
	const struct jser_descreg	*r;

	for (r = doc->descs; r != NULL; r = r->next)
		if (r->is_sig == is_sig && strcmp(r->key, key) == 0)
			return r->node;
	return NULL;
}

static uint32_t
chain_of(const struct jser_node *super)
{
	if (super == NULL)
		return 0;
	return super->type == JSER_CLASSDESC ? super->u.desc.chain :
	    super->u.proxy.chain;
}

struct jser_node *
jser_new_desc(struct jser_doc *doc, const char *name, int64_t suid,
    uint8_t flags, struct jser_node *super)
{
	struct jser_node	*n;
	size_t			 len;

	if (name == NULL || (len = strlen(name)) > 0xffff ||
	    !jser_mutf8_valid(name, len) || (super != NULL &&
	    super->type != JSER_CLASSDESC && super->type != JSER_PROXYDESC))
		return NULL;
	if ((n = b_node(doc, JSER_CLASSDESC)) == NULL ||
	    (n->u.desc.name = jser_strdup(doc, name, len)) == NULL)
		return NULL;
	n->u.desc.suid = suid;
	n->u.desc.flags = flags;
	n->u.desc.super = super;
	n->u.desc.chain = chain_of(super) + 1;
	if (reg_find(doc, name, 0) == NULL &&
	    reg_add(doc, n->u.desc.name, n, 0) != PROTO_OK)
		return NULL;
	return n;
}

struct jser_node *
jser_desc_find(const struct jser_doc *doc, const char *name)
{
	return reg_find(doc, name, 0);
}

int
jser_desc_add_field(struct jser_doc *doc, struct jser_node *desc,
    char type, const char *name, const char *sig)
{
	struct jser_fielddesc	*f, *nf;
	struct jser_node	*s = NULL;
	uint16_t		 n;
	size_t			 len, cap;
	char			*m;
	int			 sz;

	if (desc == NULL || desc->type != JSER_CLASSDESC || name == NULL ||
	    (sz = jser_elem_size(type)) < 0 || (len = strlen(name)) > 0xffff ||
	    !jser_mutf8_valid(name, len))
		return PROTO_TYPE;
	n = desc->u.desc.nfields;
	if (n == 0xffff)
		return PROTO_TOO_BIG;
	if (sz == 0) {
		if (sig == NULL || (sig[0] != 'L' && sig[0] != '['))
			return PROTO_TYPE;
		if ((s = reg_find(doc, sig, 1)) == NULL) {
			size_t mlen;

			if (jser_utf8_to_mutf8(doc, sig, strlen(sig), &m,
			    &mlen) != PROTO_OK)
				return PROTO_TYPE;
			if ((s = b_mstring(doc, m, mlen)) == NULL ||
			    reg_add(doc, m, s, 1) != PROTO_OK)
				return PROTO_NOMEM;
		}
	}
	/* Capacity is the next power of two: grow when n is one. */
	f = desc->u.desc.fields;
	if (n == 0 || (n & (n - 1)) == 0) {
		cap = n == 0 ? 4 : (size_t)n * 2;
		if ((nf = jser_alloc(doc, cap * sizeof(*nf))) == NULL)
			return PROTO_NOMEM;
		if (n > 0)
			memcpy(nf, f, n * sizeof(*f));
		f = desc->u.desc.fields = nf;
	}
	if ((f[n].name = jser_strdup(doc, name, len)) == NULL)
		return PROTO_NOMEM;
	f[n].type = type;
	f[n].class_name = s;
	desc->u.desc.nfields = n + 1;
	return PROTO_OK;
}

int
jser_content_add(struct jser_doc *doc, struct jser_content *c,
    struct jser_node *item)
{
	return jser_content_push(doc->arena, c, item);
}

int
jser_content_add_block(struct jser_doc *doc, struct jser_content *c,
    const void *p, size_t len)
{
	const uint8_t		*src = p;
	struct jser_node	*last, *n;
	uint8_t			*d;
	size_t			 take;
	int			 r;

	/*
	 * Like ObjectOutputStream: consecutive primitive writes share one
	 * block of up to 1024 bytes; a full block starts the next one.
	 */
	last = c->n > 0 ? c->items[c->n - 1] : NULL;
	if (last != NULL && last->type == JSER_BLOCKDATA &&
	    last->u.block.len < BLOCK_MAX && len > 0) {
		take = BLOCK_MAX - last->u.block.len;
		if (take > len)
			take = len;
		if ((d = jser_alloc(doc, last->u.block.len + take)) == NULL)
			return PROTO_NOMEM;
		memcpy(d, last->u.block.data, last->u.block.len);
		memcpy(d + last->u.block.len, src, take);
		last->u.block.data = d;
		last->u.block.len += (uint32_t)take;
		last->u.block.is_long = last->u.block.len > 255;
		src += take;
		len -= take;
	}
	while (len > 0) {
		take = len > BLOCK_MAX ? BLOCK_MAX : len;
		if ((n = b_node(doc, JSER_BLOCKDATA)) == NULL ||
		    (d = jser_alloc(doc, take)) == NULL)
			return PROTO_NOMEM;
		memcpy(d, src, take);
		n->u.block.data = d;
		n->u.block.len = (uint32_t)take;
		n->u.block.is_long = take > 255;
		if ((r = jser_content_push(doc->arena, c, n)) != PROTO_OK)
			return r;
		src += take;
		len -= take;
	}
	return PROTO_OK;
}

struct jser_node *
jser_new_proxydesc(struct jser_doc *doc, const char *const *interfaces,
    uint32_t n, struct jser_node *super)
{
	struct jser_node	*p;
	uint32_t		 i;
	size_t			 len;

	if ((n > 0 && interfaces == NULL) || n > INT32_MAX || (super != NULL &&
	    super->type != JSER_CLASSDESC && super->type != JSER_PROXYDESC))
		return NULL;
	if ((p = b_node(doc, JSER_PROXYDESC)) == NULL)
		return NULL;
	if (n > 0 && (p->u.proxy.interfaces = jser_alloc(doc,
	    n * sizeof(*p->u.proxy.interfaces))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((len = strlen(interfaces[i])) > 0xffff ||
		    !jser_mutf8_valid(interfaces[i], len) ||
		    (p->u.proxy.interfaces[i] = jser_strdup(doc, interfaces[i],
		    len)) == NULL)
			return NULL;
	}
	p->u.proxy.ninterfaces = n;
	p->u.proxy.super = super;
	p->u.proxy.chain = chain_of(super) + 1;
	return p;
}

static const struct jser_node *
super_of(const struct jser_node *d)
{
	return d->type == JSER_CLASSDESC ? d->u.desc.super : d->u.proxy.super;
}

struct jser_node *
jser_new_object(struct jser_doc *doc, struct jser_node *desc)
{
	struct jser_node	*n;
	struct jser_classdata	*cd;
	const struct jser_node	*c;
	uint32_t		 ncl = 0, i;
	uint8_t			 fl;

	if (desc == NULL || (desc->type != JSER_CLASSDESC &&
	    desc->type != JSER_PROXYDESC))
		return NULL;
	if ((n = b_node(doc, JSER_OBJECT)) == NULL)
		return NULL;
	n->u.obj.desc = desc;
	if (desc->type == JSER_CLASSDESC &&
	    (desc->u.desc.flags & SC_EXTERNALIZABLE)) {
		if ((cd = jser_alloc(doc, sizeof(*cd))) == NULL)
			return NULL;
		cd->desc = desc;
		cd->has_custom = true;
		n->u.obj.classes = cd;
		n->u.obj.nclasses = 1;
		return n;
	}
	for (c = desc; c != NULL; c = super_of(c))
		if (c->type == JSER_CLASSDESC)
			ncl++;
	if (ncl == 0)
		return n;
	if ((cd = jser_alloc(doc, ncl * sizeof(*cd))) == NULL)
		return NULL;
	n->u.obj.classes = cd;
	n->u.obj.nclasses = ncl;
	i = ncl;
	for (c = desc; c != NULL; c = super_of(c))
		if (c->type == JSER_CLASSDESC)
			cd[--i].desc = (struct jser_node *)(uintptr_t)c;
	for (i = 0; i < ncl; i++) {
		fl = cd[i].desc->u.desc.flags;
		if (!(fl & SC_SERIALIZABLE))
			continue;
		cd[i].has_custom = (fl & SC_WRITE_METHOD) != 0;
		if (cd[i].has_custom &&
		    jser_custom_only(cd[i].desc->u.desc.name))
			continue;
		cd[i].has_fields = true;
		if (cd[i].desc->u.desc.nfields > 0 && (cd[i].values =
		    jser_alloc(doc, cd[i].desc->u.desc.nfields *
		    sizeof(*cd[i].values))) == NULL)
			return NULL;
	}
	return n;
}

struct jser_classdata *
jser_obj_classdata(struct jser_node *obj, const char *cls)
{
	uint32_t	 i;

	if (obj == NULL || obj->type != JSER_OBJECT || obj->u.obj.nclasses == 0)
		return NULL;
	for (i = obj->u.obj.nclasses; i-- > 0;)
		if (cls == NULL ||
		    strcmp(obj->u.obj.classes[i].desc->u.desc.name, cls) == 0)
			return &obj->u.obj.classes[i];
	return NULL;
}

static union jser_value *
field_slot(struct jser_node *obj, const char *name, char *type)
{
	const union jser_value		*v;
	const struct jser_fielddesc	*fd;

	if ((v = jser_field(obj, name, &fd)) == NULL)
		return NULL;
	*type = fd->type;
	return (union jser_value *)(uintptr_t)v;
}

int
jser_set_prim(struct jser_node *obj, const char *name, uint64_t bits)
{
	union jser_value	*v;
	char			 t;
	int			 sz;

	if ((v = field_slot(obj, name, &t)) == NULL)
		return PROTO_NOTFOUND;
	if ((sz = jser_elem_size(t)) <= 0)
		return PROTO_TYPE;
	if (t == 'Z')
		bits = bits != 0;
	else if (sz < 8)
		bits &= ((uint64_t)1 << (sz * 8)) - 1;
	v->prim = bits;
	return PROTO_OK;
}

int
jser_set_ref(struct jser_node *obj, const char *name, struct jser_node *val)
{
	union jser_value	*v;
	char			 t;

	if ((v = field_slot(obj, name, &t)) == NULL)
		return PROTO_NOTFOUND;
	if (jser_elem_size(t) != 0)
		return PROTO_TYPE;
	v->ref = val;
	return PROTO_OK;
}

struct jser_node *
jser_new_array(struct jser_doc *doc, struct jser_node *desc, uint32_t length,
    const void *data)
{
	struct jser_node	*n;
	const char		*name;
	size_t			 bytes;
	int			 sz;

	if (desc == NULL || desc->type != JSER_CLASSDESC ||
	    length > INT32_MAX)
		return NULL;
	name = desc->u.desc.name;
	if (name[0] != '[' || (sz = jser_elem_size(name[1])) < 0)
		return NULL;
	bytes = (size_t)length * (sz > 0 ? (size_t)sz : sizeof(void *));
	if ((n = b_node(doc, JSER_ARRAY)) == NULL)
		return NULL;
	n->u.arr.desc = desc;
	n->u.arr.elem = name[1];
	n->u.arr.length = length;
	if (bytes > 0 && (n->u.arr.data = jser_alloc(doc, bytes)) == NULL)
		return NULL;
	if (sz > 0 && data != NULL && bytes > 0)
		memcpy(n->u.arr.data, data, bytes);
	return n;
}

int
jser_array_set(struct jser_node *arr, uint32_t i, struct jser_node *v)
{
	if (arr == NULL || arr->type != JSER_ARRAY ||
	    jser_elem_size(arr->u.arr.elem) != 0)
		return PROTO_TYPE;
	if (i >= arr->u.arr.length)
		return PROTO_NOTFOUND;
	((struct jser_node **)arr->u.arr.data)[i] = v;
	return PROTO_OK;
}

struct jser_node *
jser_new_enum(struct jser_doc *doc, struct jser_node *desc,
    const char *constant)
{
	struct jser_node	*n;

	if (desc == NULL || desc->type != JSER_CLASSDESC || constant == NULL)
		return NULL;
	if ((n = b_node(doc, JSER_ENUM)) == NULL ||
	    (n->u.en.name = jser_new_string(doc, constant,
	    strlen(constant))) == NULL)
		return NULL;
	n->u.en.desc = desc;
	return n;
}

struct jser_node *
jser_new_class(struct jser_doc *doc, struct jser_node *desc)
{
	struct jser_node	*n;

	if (desc == NULL || (desc->type != JSER_CLASSDESC &&
	    desc->type != JSER_PROXYDESC))
		return NULL;
	if ((n = b_node(doc, JSER_CLASS)) == NULL)
		return NULL;
	n->u.cls.desc = desc;
	return n;
}

int
jser_doc_add(struct jser_doc *doc, struct jser_node *n)
{
	return jser_content_push(doc->arena, &doc->top, n);
}
