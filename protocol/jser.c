/*
 * jser.c: documents (arena) and the Java serialization stream decoder.
 *
 * The decoder reads the grammar of the Java Object Serialization
 * Specification, chapter 6, into the node graph of jser.h.  Peer input is
 * untrusted: every length is checked against the bytes left before it is
 * used, every count against struct proto_limits, and allocations only grow
 * with bytes actually consumed (the arena is also capped at a multiple of
 * the input size while decoding).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/jser.h"
#include "protocol/jser_int.h"

#define ARENA_FIRST	4096
#define ARENA_MAXBLK	(1024 * 1024)
#define ARENA_FIRST_MAX	(64 * 1024)
#define ARENA_PER_BYTE	64		/* decode cap: arena <= 64 x input */
#define ARENA_SLACK	(1024 * 1024)

/* ---- arena and documents ---- */

static size_t
round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

void *
jser_arena_slow(struct jser_arena *a, size_t n)
{
	struct jser_ablk	*b;
	size_t			 size;
	void			*p;

	if (n > SIZE_MAX / 2)
		return NULL;
	size = n > a->next_size / 4 ? n : a->next_size;
	if (a->limit != 0 && (size > a->limit || a->total > a->limit - size)) {
		a->limit_hit = 1;
		return NULL;
	}
	if ((b = malloc(sizeof(*b) + size)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = n;
	a->total += size;
	p = b->data;
	if (size == n && a->cur != NULL) {
		/* A dedicated block: keep filling the current one. */
		b->next = a->cur->next;
		a->cur->next = b;
		return p;
	}
	b->next = a->cur;
	a->cur = b;
	if (a->next_size < ARENA_MAXBLK)
		a->next_size *= 2;
	return p;
}

static struct jser_doc *
doc_new_sized(size_t first)
{
	struct jser_ablk	*b;
	struct jser_doc		*doc;
	struct jser_arena	*a;
	size_t			 head;

	head = round8(sizeof(*doc)) + round8(sizeof(*a));
	if (first < head + 256)
		first = head + 256;
	if ((b = malloc(sizeof(*b) + first)) == NULL)
		return NULL;
	b->next = NULL;
	b->size = first;
	b->used = head;
	doc = (struct jser_doc *)(void *)b->data;
	a = (struct jser_arena *)(void *)((uint8_t *)b->data +
	    round8(sizeof(*doc)));
	memset(doc, 0, head);
	a->cur = b;
	a->total = first;
	a->next_size = first < ARENA_FIRST ? ARENA_FIRST : first;
	if (a->next_size > ARENA_MAXBLK)
		a->next_size = ARENA_MAXBLK;
	doc->arena = a;
	return doc;
}

struct jser_doc *
jser_doc_new(void)
{
	return doc_new_sized(ARENA_FIRST);
}

void
jser_doc_free(struct jser_doc *doc)
{
	struct jser_ablk	*b, *next, *first = NULL;

	if (doc == NULL)
		return;
	/* The block holding doc and the arena itself goes last. */
	for (b = doc->arena->cur; b != NULL; b = next) {
		next = b->next;
		if ((void *)b->data == (void *)doc)
			first = b;
		else
			free(b);
	}
	free(first);
}

void *
jser_alloc(struct jser_doc *doc, size_t n)
{
	return jser_arena_alloc(doc->arena, n);
}

char *
jser_strdup(struct jser_doc *doc, const char *s, size_t len)
{
	char	*d;

	if (len == SIZE_MAX || (d = jser_arena_alloc(doc->arena, len + 1)) ==
	    NULL)
		return NULL;
	if (len > 0)
		memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

int
jser_content_push(struct jser_arena *a, struct jser_content *c,
    struct jser_node *item)
{
	struct jser_node	**items;
	uint32_t		  ncap;

	if (c->n == c->cap) {
		if (c->cap > UINT32_MAX / 2 / sizeof(*items))
			return PROTO_NOMEM;
		ncap = c->cap == 0 ? 4 : c->cap * 2;
		if ((items = jser_arena_alloc_raw(a, ncap * sizeof(*items))) ==
		    NULL)
			return PROTO_NOMEM;
		if (c->n > 0)
			memcpy(items, c->items, c->n * sizeof(*items));
		c->items = items;
		c->cap = ncap;
	}
	c->items[c->n++] = item;
	return PROTO_OK;
}

int
jser_elem_size(char t)
{
	switch (t) {
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
	case 'L':
	case '[':
		return 0;
	}
	return -1;
}

int
jser_custom_only(const char *name)
{
	/*
	 * Classes whose writeObject does not call defaultWriteObject (their
	 * descriptors still list the declared fields):
	 * remoting-protocol.md §8.4, jenkins-callables.md §1.8.
	 */
	static const char *const tab[] = {
		"hudson.remoting.RemoteInputStream",
		"hudson.remoting.Pipe",
		"hudson.remoting.RemoteOutputStream",
		"hudson.remoting.RemoteWriter",
		"hudson.remoting.ClassLoaderHolder",
		"hudson.util.StreamTaskListener",
	};
	size_t	 i;

	if (strncmp(name, "hudson.", 7) != 0)
		return 0;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(name, tab[i]) == 0)
			return 1;
	return 0;
}

struct jser_node *
jser_root(const struct jser_doc *doc)
{
	struct jser_node	*n;

	if (doc == NULL || doc->top.n == 0 || (n = doc->top.items[0]) == NULL)
		return NULL;
	switch (n->type) {
	case JSER_BLOCKDATA:
	case JSER_RESET:
	case JSER_EXCEPTION:
		return NULL;
	default:
		return n;
	}
}

/* ---- decoder ---- */

struct dec {
	const uint8_t		*start, *p, *end;
	const struct proto_limits *lim;
	struct jser_arena	*a;
	struct jser_node	**h;	/* handle table (in the arena) */
	size_t			 nh, hcap;
	size_t			 depth;
	size_t			 rewound, rewind_budget;
	struct jser_err		*err;
};

static int
derr(struct dec *d, int code, const char *fmt, ...)
{
	va_list	 ap;

	d->err->code = code;
	d->err->offset = (size_t)(d->p - d->start);
	va_start(ap, fmt);
	vsnprintf(d->err->msg, sizeof(d->err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static int
dnomem(struct dec *d)
{
	if (d->a->limit_hit)
		return derr(d, PROTO_TOO_BIG,
		    "decoded graph too large for the input size");
	return derr(d, PROTO_NOMEM, "out of memory");
}

static inline size_t
left(const struct dec *d)
{
	return (size_t)(d->end - d->p);
}

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
be64(const uint8_t *p)
{
	return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

static int
incomplete(struct dec *d, const char *what)
{
	return derr(d, PROTO_INCOMPLETE, "stream ends inside %s", what);
}

static inline void *
dalloc(struct dec *d, size_t n)
{
	return jser_arena_alloc(d->a, n);
}

/* For bytes about to be overwritten: not zeroed. */
static inline void *
dalloc_raw(struct dec *d, size_t n)
{
	return jser_arena_alloc_raw(d->a, n);
}

static struct jser_node *
new_node(struct dec *d, enum jser_type t)
{
	struct jser_node	*n;

	if ((n = dalloc(d, sizeof(*n))) == NULL)
		return NULL;
	n->type = t;
	n->handle = -1;
	return n;
}

static int
assign(struct dec *d, struct jser_node *n)
{
	struct jser_node	**nh;
	size_t			  ncap;

	if (d->nh >= d->lim->max_handles)
		return derr(d, PROTO_TOO_BIG, "more than %zu handles",
		    d->lim->max_handles);
	if (d->nh == d->hcap) {
		/* in the arena: no malloc per decode, freed with the doc */
		ncap = d->hcap == 0 ? 128 : d->hcap * 2;
		if ((nh = dalloc_raw(d, ncap * sizeof(*nh))) == NULL)
			return dnomem(d);
		if (d->nh > 0)
			memcpy(nh, d->h, d->nh * sizeof(*nh));
		d->h = nh;
		d->hcap = ncap;
	}
	n->handle = (int32_t)(JSER_BASE_HANDLE + d->nh);
	d->h[d->nh++] = n;
	return PROTO_OK;
}

/* After TC_REFERENCE: the handle's node. */
static int
rd_ref(struct dec *d, struct jser_node **out)
{
	uint32_t	 h;

	if (left(d) < 4)
		return incomplete(d, "a reference");
	h = be32(d->p);
	if (h < JSER_BASE_HANDLE || h - JSER_BASE_HANDLE >= d->nh)
		return derr(d, PROTO_MALFORMED, "reference to unknown handle "
		    "0x%x", h);
	d->p += 4;
	*out = d->h[h - JSER_BASE_HANDLE];
	return PROTO_OK;
}

/* A u16-length modified UTF-8 name, copied NUL-terminated. */
static int
rd_utf(struct dec *d, const char **out, const char *what)
{
	size_t	 n;
	char	*s;

	if (left(d) < 2)
		return incomplete(d, what);
	n = be16(d->p);
	if (left(d) - 2 < n)
		return incomplete(d, what);
	if (!jser_mutf8_valid((const char *)d->p + 2, n))
		return derr(d, PROTO_MALFORMED, "bad modified UTF-8 in %s",
		    what);
	if ((s = dalloc_raw(d, n + 1)) == NULL)
		return dnomem(d);
	memcpy(s, d->p + 2, n);
	s[n] = '\0';
	d->p += 2 + n;
	*out = s;
	return PROTO_OK;
}

/* After TC_STRING / TC_LONGSTRING. */
static int
rd_string(struct dec *d, int is_long, struct jser_node **out)
{
	struct jser_node	*n;
	uint64_t		 len;
	size_t			 hl = is_long ? 8 : 2;
	int			 r;

	if (left(d) < hl)
		return incomplete(d, "a string length");
	len = is_long ? be64(d->p) : be16(d->p);
	if (len > d->lim->max_string)
		return derr(d, PROTO_TOO_BIG, "string of %llu bytes",
		    (unsigned long long)len);
	if (left(d) - hl < len)
		return incomplete(d, "a string");
	if (!jser_mutf8_valid((const char *)d->p + hl, (size_t)len))
		return derr(d, PROTO_MALFORMED, "bad modified UTF-8 in string");
	if ((n = new_node(d, JSER_STRING)) == NULL ||
	    (n->u.str.s = dalloc_raw(d, (size_t)len + 1)) == NULL)
		return dnomem(d);
	memcpy(n->u.str.s, d->p + hl, (size_t)len);
	n->u.str.s[len] = '\0';
	n->u.str.len = len;
	n->u.str.is_long = is_long != 0;
	d->p += hl + (size_t)len;
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	*out = n;
	return PROTO_OK;
}

static int rd_obj(struct dec *, struct jser_node **);
static int rd_desc(struct dec *, int, struct jser_node **);
static int rd_list(struct dec *, struct jser_content *, int);

/* A field type string: TC_STRING, TC_LONGSTRING or a reference to one. */
static int
rd_typestring(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n;
	int			 r;

	if (left(d) < 1)
		return incomplete(d, "a field type");
	switch (*d->p++) {
	case TC_STRING:
		r = rd_string(d, 0, &n);
		break;
	case TC_LONGSTRING:
		r = rd_string(d, 1, &n);
		break;
	case TC_REFERENCE:
		if ((r = rd_ref(d, &n)) == PROTO_OK && n->type != JSER_STRING)
			return derr(d, PROTO_MALFORMED, "field type reference "
			    "is not a string");
		break;
	default:
		d->p--;
		return derr(d, PROTO_MALFORMED, "bad field type tag 0x%02x",
		    *d->p);
	}
	if (r != PROTO_OK)
		return r;
	if (n->u.str.len == 0 || (n->u.str.s[0] != 'L' && n->u.str.s[0] != '['))
		return derr(d, PROTO_MALFORMED, "bad field type signature");
	*out = n;
	return PROTO_OK;
}

static int
set_chain(struct dec *d, struct jser_node *n, struct jser_node *super,
    uint32_t *chain)
{
	uint32_t	 sc = 0;

	if (super != NULL)
		sc = super->type == JSER_CLASSDESC ? super->u.desc.chain :
		    super->u.proxy.chain;
	if ((size_t)sc + 1 > d->lim->max_depth)
		return derr(d, PROTO_TOO_BIG, "superclass chain too long");
	*chain = sc + 1;
	(void)n;
	return PROTO_OK;
}

/* After TC_CLASSDESC. */
static int
rd_classdesc(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n;
	struct jser_fielddesc	*f;
	uint16_t		 nf, i;
	int			 r, sz;

	if ((n = new_node(d, JSER_CLASSDESC)) == NULL)
		return dnomem(d);
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	n->u.desc.busy = true;
	if ((r = rd_utf(d, &n->u.desc.name, "a class name")) != PROTO_OK)
		return r;
	if (left(d) < 11)
		return incomplete(d, "a class descriptor");
	n->u.desc.suid = (int64_t)be64(d->p);
	n->u.desc.flags = d->p[8];
	nf = be16(d->p + 9);
	d->p += 11;
	if ((n->u.desc.flags & SC_SERIALIZABLE) &&
	    (n->u.desc.flags & SC_EXTERNALIZABLE))
		return derr(d, PROTO_MALFORMED, "class %.60s: serializable and "
		    "externalizable", n->u.desc.name);
	if (nf > d->lim->max_fields)
		return derr(d, PROTO_TOO_BIG, "class %.60s: %u fields",
		    n->u.desc.name, nf);
	if (left(d) < (size_t)nf * 3)
		return incomplete(d, "a field list");
	if (nf > 0) {
		if ((f = dalloc(d, nf * sizeof(*f))) == NULL)
			return dnomem(d);
		n->u.desc.fields = f;
		for (i = 0; i < nf; i++) {
			if (left(d) < 1)
				return incomplete(d, "a field");
			f[i].type = (char)*d->p;
			if ((sz = jser_elem_size(f[i].type)) < 0)
				return derr(d, PROTO_MALFORMED, "class %.60s: "
				    "bad field type code 0x%02x",
				    n->u.desc.name, *d->p);
			d->p++;
			if ((r = rd_utf(d, &f[i].name, "a field name")) !=
			    PROTO_OK)
				return r;
			if (sz == 0 && (r = rd_typestring(d,
			    &f[i].class_name)) != PROTO_OK)
				return r;
		}
		n->u.desc.nfields = nf;
	}
	if ((r = rd_list(d, &n->u.desc.annotation, 0)) != PROTO_OK ||
	    (r = rd_desc(d, 1, &n->u.desc.super)) != PROTO_OK ||
	    (r = set_chain(d, n, n->u.desc.super, &n->u.desc.chain)) !=
	    PROTO_OK)
		return r;
	n->u.desc.busy = false;
	*out = n;
	return PROTO_OK;
}

/* After TC_PROXYCLASSDESC. */
static int
rd_proxydesc(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n;
	uint32_t		 cnt, i;
	int			 r;

	if ((n = new_node(d, JSER_PROXYDESC)) == NULL)
		return dnomem(d);
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	n->u.proxy.busy = true;
	if (left(d) < 4)
		return incomplete(d, "a proxy descriptor");
	cnt = be32(d->p);
	if (cnt > INT32_MAX)
		return derr(d, PROTO_MALFORMED, "negative interface count");
	if (cnt > d->lim->max_interfaces)
		return derr(d, PROTO_TOO_BIG, "%u proxy interfaces", cnt);
	d->p += 4;
	if (left(d) < (size_t)cnt * 2)
		return incomplete(d, "an interface list");
	if (cnt > 0 && (n->u.proxy.interfaces = dalloc(d,
	    cnt * sizeof(*n->u.proxy.interfaces))) == NULL)
		return dnomem(d);
	for (i = 0; i < cnt; i++)
		if ((r = rd_utf(d, &n->u.proxy.interfaces[i],
		    "an interface name")) != PROTO_OK)
			return r;
	n->u.proxy.ninterfaces = cnt;
	if ((r = rd_list(d, &n->u.proxy.annotation, 0)) != PROTO_OK ||
	    (r = rd_desc(d, 1, &n->u.proxy.super)) != PROTO_OK ||
	    (r = set_chain(d, n, n->u.proxy.super, &n->u.proxy.chain)) !=
	    PROTO_OK)
		return r;
	n->u.proxy.busy = false;
	*out = n;
	return PROTO_OK;
}

static bool
desc_busy(const struct jser_node *n)
{
	return n->type == JSER_CLASSDESC ? n->u.desc.busy : n->u.proxy.busy;
}

/*
 * A class descriptor position: TC_CLASSDESC, TC_PROXYCLASSDESC, a
 * reference to a finished descriptor, or TC_NULL if allow_null.
 */
static int
rd_desc(struct dec *d, int allow_null, struct jser_node **out)
{
	struct jser_node	*n;
	int			 r;

	if (left(d) < 1)
		return incomplete(d, "a class descriptor");
	if (++d->depth > d->lim->max_depth)
		return derr(d, PROTO_TOO_BIG, "nesting deeper than %zu",
		    d->lim->max_depth);
	switch (*d->p++) {
	case TC_NULL:
		if (!allow_null) {
			d->p--;
			return derr(d, PROTO_MALFORMED, "null class "
			    "descriptor");
		}
		n = NULL;
		r = PROTO_OK;
		break;
	case TC_REFERENCE:
		if ((r = rd_ref(d, &n)) != PROTO_OK)
			return r;
		if (n->type != JSER_CLASSDESC && n->type != JSER_PROXYDESC)
			return derr(d, PROTO_MALFORMED, "reference to a "
			    "non-descriptor where a descriptor is due");
		if (desc_busy(n))
			return derr(d, PROTO_MALFORMED, "reference to an "
			    "unfinished class descriptor");
		break;
	case TC_CLASSDESC:
		r = rd_classdesc(d, &n);
		break;
	case TC_PROXYCLASSDESC:
		r = rd_proxydesc(d, &n);
		break;
	default:
		d->p--;
		return derr(d, PROTO_MALFORMED, "bad class descriptor tag "
		    "0x%02x", *d->p);
	}
	if (r != PROTO_OK)
		return r;
	d->depth--;
	*out = n;
	return PROTO_OK;
}

static int
rd_fields(struct dec *d, struct jser_classdata *cd)
{
	const struct jser_node	*desc = cd->desc;
	const struct jser_fielddesc *f = desc->u.desc.fields;
	union jser_value	*v;
	uint16_t		 i, nf = desc->u.desc.nfields;
	int			 r;

	cd->has_fields = true;
	if (nf == 0)
		return PROTO_OK;
	if (left(d) < nf)
		return incomplete(d, "field values");
	if ((v = dalloc(d, nf * sizeof(*v))) == NULL)
		return dnomem(d);
	cd->values = v;
	for (i = 0; i < nf; i++) {
		switch (f[i].type) {
		case 'B':
		case 'Z':
			if (left(d) < 1)
				return incomplete(d, "a field value");
			v[i].prim = *d->p++;
			break;
		case 'C':
		case 'S':
			if (left(d) < 2)
				return incomplete(d, "a field value");
			v[i].prim = be16(d->p);
			d->p += 2;
			break;
		case 'I':
		case 'F':
			if (left(d) < 4)
				return incomplete(d, "a field value");
			v[i].prim = be32(d->p);
			d->p += 4;
			break;
		case 'J':
		case 'D':
			if (left(d) < 8)
				return incomplete(d, "a field value");
			v[i].prim = be64(d->p);
			d->p += 8;
			break;
		default:
			if ((r = rd_obj(d, &v[i].ref)) != PROTO_OK)
				return r;
			break;
		}
	}
	return PROTO_OK;
}

/*
 * Class data of a class with writeObject.  Normally the declared fields
 * come first; for the classes of jser_custom_only() they don't.  If the
 * fields cannot be read, rewind and read the section as custom data only
 * (within a budget, so that nested retries stay linear in the input).
 */
static int
rd_writemethod(struct dec *d, struct jser_classdata *cd)
{
	const uint8_t	*save_p = d->p;
	size_t		 save_nh = d->nh, save_depth = d->depth, used;
	struct jser_err	 e1;
	int		 r, r2;

	cd->has_custom = true;
	if (jser_custom_only(cd->desc->u.desc.name))
		return rd_list(d, &cd->custom, 0);
	if ((r = rd_fields(d, cd)) == PROTO_OK &&
	    (r = rd_list(d, &cd->custom, 0)) == PROTO_OK)
		return PROTO_OK;
	if (r == PROTO_NOMEM || (r == PROTO_TOO_BIG && d->a->limit_hit))
		return r;
	used = (size_t)(d->p - save_p) + 1;
	if (d->rewound + used > d->rewind_budget)
		return r;
	d->rewound += used;
	e1 = *d->err;
	d->p = save_p;
	d->nh = save_nh;
	d->depth = save_depth;
	cd->values = NULL;
	cd->has_fields = false;
	memset(&cd->custom, 0, sizeof(cd->custom));
	if ((r2 = rd_list(d, &cd->custom, 0)) == PROTO_OK)
		return PROTO_OK;
	if (r2 == PROTO_NOMEM)
		return r2;
	if (r == PROTO_INCOMPLETE || r2 != PROTO_INCOMPLETE) {
		*d->err = e1;
		return r;
	}
	return r2;
}

/* After TC_OBJECT. */
static int
rd_object(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n, *desc, *c;
	struct jser_classdata	*cd;
	uint32_t		 ncl, i;
	int			 r;

	if ((r = rd_desc(d, 0, &desc)) != PROTO_OK)
		return r;
	if ((n = new_node(d, JSER_OBJECT)) == NULL)
		return dnomem(d);
	n->u.obj.desc = desc;
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	if (desc->type == JSER_CLASSDESC &&
	    (desc->u.desc.flags & SC_EXTERNALIZABLE)) {
		if (!(desc->u.desc.flags & SC_BLOCK_DATA))
			return derr(d, PROTO_UNSUPPORTED, "class %.60s: "
			    "externalizable without block data",
			    desc->u.desc.name);
		if ((cd = dalloc(d, sizeof(*cd))) == NULL)
			return dnomem(d);
		cd->desc = desc;
		cd->has_custom = true;
		n->u.obj.classes = cd;
		n->u.obj.nclasses = 1;
		if ((r = rd_list(d, &cd->custom, 0)) != PROTO_OK)
			return r;
		*out = n;
		return PROTO_OK;
	}
	ncl = 0;
	for (c = desc; c != NULL; c = c->type == JSER_CLASSDESC ?
	    c->u.desc.super : c->u.proxy.super)
		if (c->type == JSER_CLASSDESC)
			ncl++;
	if (ncl > 0 && (cd = dalloc(d, ncl * sizeof(*cd))) == NULL)
		return dnomem(d);
	n->u.obj.classes = ncl > 0 ? cd : NULL;
	n->u.obj.nclasses = ncl;
	i = ncl;
	for (c = desc; c != NULL; c = c->type == JSER_CLASSDESC ?
	    c->u.desc.super : c->u.proxy.super)
		if (c->type == JSER_CLASSDESC)
			n->u.obj.classes[--i].desc = c;
	for (i = 0; i < ncl; i++) {
		cd = &n->u.obj.classes[i];
		if (!(cd->desc->u.desc.flags & SC_SERIALIZABLE))
			continue;
		if (cd->desc->u.desc.flags & SC_WRITE_METHOD)
			r = rd_writemethod(d, cd);
		else
			r = rd_fields(d, cd);
		if (r != PROTO_OK)
			return r;
	}
	*out = n;
	return PROTO_OK;
}

/* Descriptor of an array (TC_ARRAY) or enum (TC_ENUM) or class (TC_CLASS). */
static int
rd_array(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n, *desc, **v, **nv;
	const char		*name;
	uint32_t		 len, i, cap;
	int			 r, sz;
	size_t			 nl;

	if ((r = rd_desc(d, 0, &desc)) != PROTO_OK)
		return r;
	if (desc->type != JSER_CLASSDESC)
		return derr(d, PROTO_MALFORMED, "array of a proxy class");
	name = desc->u.desc.name;
	nl = strlen(name);
	if (nl < 2 || name[0] != '[' || (sz = jser_elem_size(name[1])) < 0 ||
	    (sz > 0 && nl != 2) || (name[1] == 'L' && name[nl - 1] != ';'))
		return derr(d, PROTO_MALFORMED, "bad array class name %.60s",
		    name);
	if ((n = new_node(d, JSER_ARRAY)) == NULL)
		return dnomem(d);
	n->u.arr.desc = desc;
	n->u.arr.elem = name[1];
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	if (left(d) < 4)
		return incomplete(d, "an array length");
	len = be32(d->p);
	if (len > INT32_MAX)
		return derr(d, PROTO_MALFORMED, "negative array length");
	if (len > d->lim->max_array)
		return derr(d, PROTO_TOO_BIG, "array of %u elements", len);
	d->p += 4;
	n->u.arr.length = len;
	if (sz > 0) {
		if (left(d) / (size_t)sz < len)
			return incomplete(d, "array data");
		if ((n->u.arr.data = dalloc_raw(d, (size_t)len * sz)) == NULL)
			return dnomem(d);
		memcpy(n->u.arr.data, d->p, (size_t)len * sz);
		d->p += (size_t)len * sz;
		*out = n;
		return PROTO_OK;
	}
	/* Objects: at least one byte each; grow as elements arrive. */
	if (left(d) < len)
		return incomplete(d, "array elements");
	cap = len < 16 ? len : 16;
	v = NULL;
	if (cap > 0 && (v = dalloc_raw(d, cap * sizeof(*v))) == NULL)
		return dnomem(d);
	n->u.arr.data = v;
	for (i = 0; i < len; i++) {
		if (i == cap) {
			cap = cap > len / 2 ? len : cap * 2;
			if ((nv = dalloc_raw(d, cap * sizeof(*nv))) == NULL)
				return dnomem(d);
			memcpy(nv, v, i * sizeof(*v));
			v = nv;
			n->u.arr.data = v;
		}
		if ((r = rd_obj(d, &v[i])) != PROTO_OK)
			return r;
	}
	*out = n;
	return PROTO_OK;
}

/* After TC_ENUM. */
static int
rd_enum(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n, *desc, *s;
	int			 r;

	if ((r = rd_desc(d, 0, &desc)) != PROTO_OK)
		return r;
	if (desc->type != JSER_CLASSDESC)
		return derr(d, PROTO_MALFORMED, "enum of a proxy class");
	if ((n = new_node(d, JSER_ENUM)) == NULL)
		return dnomem(d);
	n->u.en.desc = desc;
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	if (left(d) < 1)
		return incomplete(d, "an enum constant");
	switch (*d->p++) {
	case TC_STRING:
		r = rd_string(d, 0, &s);
		break;
	case TC_LONGSTRING:
		r = rd_string(d, 1, &s);
		break;
	case TC_REFERENCE:
		if ((r = rd_ref(d, &s)) == PROTO_OK && s->type != JSER_STRING)
			return derr(d, PROTO_MALFORMED, "enum constant is "
			    "not a string");
		break;
	default:
		d->p--;
		return derr(d, PROTO_MALFORMED, "bad enum constant tag 0x%02x",
		    *d->p);
	}
	if (r != PROTO_OK)
		return r;
	n->u.en.name = s;
	*out = n;
	return PROTO_OK;
}

/* After TC_CLASS. */
static int
rd_class(struct dec *d, struct jser_node **out)
{
	struct jser_node	*n, *desc;
	int			 r;

	if ((r = rd_desc(d, 0, &desc)) != PROTO_OK)
		return r;
	if ((n = new_node(d, JSER_CLASS)) == NULL)
		return dnomem(d);
	n->u.cls.desc = desc;
	if ((r = assign(d, n)) != PROTO_OK)
		return r;
	*out = n;
	return PROTO_OK;
}

/* An object position (readObject): *out is NULL for TC_NULL. */
static int
rd_obj(struct dec *d, struct jser_node **out)
{
	int	 r;

	if (left(d) < 1)
		return incomplete(d, "an object");
	if (++d->depth > d->lim->max_depth)
		return derr(d, PROTO_TOO_BIG, "nesting deeper than %zu",
		    d->lim->max_depth);
	switch (*d->p++) {
	case TC_NULL:
		*out = NULL;
		r = PROTO_OK;
		break;
	case TC_REFERENCE:
		r = rd_ref(d, out);
		break;
	case TC_OBJECT:
		r = rd_object(d, out);
		break;
	case TC_STRING:
		r = rd_string(d, 0, out);
		break;
	case TC_LONGSTRING:
		r = rd_string(d, 1, out);
		break;
	case TC_ARRAY:
		r = rd_array(d, out);
		break;
	case TC_ENUM:
		r = rd_enum(d, out);
		break;
	case TC_CLASS:
		r = rd_class(d, out);
		break;
	case TC_CLASSDESC:
		r = rd_classdesc(d, out);
		break;
	case TC_PROXYCLASSDESC:
		r = rd_proxydesc(d, out);
		break;
	default:
		d->p--;
		return derr(d, PROTO_MALFORMED, "unexpected tag 0x%02x", *d->p);
	}
	if (r == PROTO_OK)
		d->depth--;
	return r;
}

/*
 * A content list: the top level (top != 0: until the input ends; TC_RESET
 * allowed) or a class annotation / custom section (until TC_ENDBLOCKDATA).
 */
static int
rd_list(struct dec *d, struct jser_content *c, int top)
{
	struct jser_node	*n;
	uint32_t		 len;
	int			 r, is_long;

	for (;;) {
		if (left(d) < 1) {
			if (top)
				return PROTO_OK;
			return incomplete(d, "a block-data section");
		}
		switch (*d->p) {
		case TC_ENDBLOCKDATA:
			if (top)
				return derr(d, PROTO_MALFORMED, "end of block "
				    "data at top level");
			d->p++;
			return PROTO_OK;
		case TC_BLOCKDATA:
		case TC_BLOCKDATALONG:
			is_long = *d->p == TC_BLOCKDATALONG;
			if (left(d) < (is_long ? 5u : 2u))
				return incomplete(d, "a block-data header");
			len = is_long ? be32(d->p + 1) : d->p[1];
			if (len > INT32_MAX)
				return derr(d, PROTO_MALFORMED,
				    "negative block data length");
			if (left(d) - (is_long ? 5 : 2) < len)
				return incomplete(d, "block data");
			d->p += is_long ? 5 : 2;
			if ((n = new_node(d, JSER_BLOCKDATA)) == NULL ||
			    (len > 0 && (n->u.block.data = dalloc_raw(d, len)) ==
			    NULL))
				return dnomem(d);
			if (len > 0)
				memcpy(n->u.block.data, d->p, len);
			n->u.block.len = len;
			n->u.block.is_long = is_long != 0;
			d->p += len;
			break;
		case TC_RESET:
			/* Java writes resets and fatal exceptions only at
			 * depth 0, i.e. in the top-level contents. */
			if (!top)
				return derr(d, PROTO_MALFORMED, "reset inside "
				    "an object");
			d->p++;
			if ((n = new_node(d, JSER_RESET)) == NULL)
				return dnomem(d);
			d->nh = 0;
			break;
		case TC_EXCEPTION:
			if (!top)
				return derr(d, PROTO_MALFORMED, "exception "
				    "marker inside an object");
			d->p++;
			if ((n = new_node(d, JSER_EXCEPTION)) == NULL)
				return dnomem(d);
			d->nh = 0;
			if ((r = rd_obj(d, &n->u.exc.throwable)) != PROTO_OK)
				return r;
			if (n->u.exc.throwable == NULL ||
			    n->u.exc.throwable->type != JSER_OBJECT)
				return derr(d, PROTO_MALFORMED, "exception "
				    "marker without a throwable object");
			d->nh = 0;
			break;
		default:
			if ((r = rd_obj(d, &n)) != PROTO_OK)
				return r;
			break;
		}
		if ((r = jser_content_push(d->a, c, n)) != PROTO_OK)
			return dnomem(d);
	}
}

int
jser_decode(const uint8_t *p, size_t len, const struct proto_limits *lim,
    struct jser_doc **out, struct jser_err *err)
{
	static const uint8_t	 hdr[4] = { 0xac, 0xed, 0x00, 0x05 };
	struct jser_err		 lerr;
	struct jser_doc		*doc = NULL;
	struct dec		 d;
	size_t			 first;
	int			 r;

	*out = NULL;
	if (lim == NULL)
		lim = &proto_limits_default;
	if (err == NULL)
		err = &lerr;
	memset(err, 0, sizeof(*err));
	memset(&d, 0, sizeof(d));
	d.start = d.p = p;
	d.end = p + len;
	d.lim = lim;
	d.err = err;
	if (len > lim->max_bytes)
		return derr(&d, PROTO_TOO_BIG, "stream of %zu bytes", len);
	if (len > 0 && memcmp(p, hdr, len < 4 ? len : 4) != 0) {
		if (len >= 2 && memcmp(p, hdr, 2) == 0)
			return derr(&d, PROTO_MALFORMED, "unsupported stream "
			    "version");
		return derr(&d, PROTO_MALFORMED, "bad stream magic");
	}
	if (len < 4)
		return incomplete(&d, "the stream header");
	d.p += 4;
	/*
	 * Decoded graphs of remoting traffic take 4-5 bytes per input byte;
	 * big arrays and strings get blocks of their own, so the first block
	 * stays small enough for malloc's fast path.
	 */
	first = len < ARENA_FIRST_MAX / 5 ? len * 5 + 2048 : ARENA_FIRST_MAX;
	if ((doc = doc_new_sized(first)) == NULL)
		return derr(&d, PROTO_NOMEM, "out of memory");
	d.a = doc->arena;
	d.a->limit = len < (SIZE_MAX - ARENA_SLACK) / ARENA_PER_BYTE ?
	    len * ARENA_PER_BYTE + ARENA_SLACK : SIZE_MAX;
	if (d.a->limit < d.a->total)
		d.a->limit = d.a->total;
	d.rewind_budget = len < SIZE_MAX / 4 - 65536 ? 4 * len + 65536 :
	    SIZE_MAX;
	r = rd_list(&d, &doc->top, 1);
	if (r != PROTO_OK) {
		jser_doc_free(doc);
		return r;
	}
	doc->arena->limit = 0;
	doc->bytes = len;
	*out = doc;
	return PROTO_OK;
}
