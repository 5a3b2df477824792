/*
 * jser_str.c: modified UTF-8, lookups, the custom-data cursor and float
 * bit conversions (see jser.h).
 */
#include <string.h>

#include "protocol/jser.h"
#include "protocol/jser_int.h"

/* ---- modified UTF-8 ---- */

bool
jser_mutf8_valid(const char *m, size_t mlen)
{
	const uint8_t	*p = (const uint8_t *)m, *end = p + mlen;
	uint64_t	 w;
	unsigned	 c, cp;

	while (p < end) {
		/* Fast path: eight ASCII bytes, none of them zero. */
		while ((size_t)(end - p) >= 8) {
			memcpy(&w, p, 8);
			if ((w & 0x8080808080808080ULL) != 0 ||
			    ((w - 0x0101010101010101ULL) & ~w &
			    0x8080808080808080ULL) != 0)
				break;
			p += 8;
		}
		if (p == end)
			break;
		c = *p;
		if (c < 0x80) {
			if (c == 0)
				return false;	/* NUL must be C0 80 */
			p++;
		} else if ((c & 0xe0) == 0xc0) {
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return false;
			cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
			if (cp < 0x80 && cp != 0)
				return false;	/* overlong */
			p += 2;
		} else if ((c & 0xf0) == 0xe0) {
			if (end - p < 3 || (p[1] & 0xc0) != 0x80 ||
			    (p[2] & 0xc0) != 0x80)
				return false;
			cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) |
			    (p[2] & 0x3f);
			if (cp < 0x800)
				return false;	/* overlong */
			p += 3;
		} else
			return false;	/* 4-byte forms and stray bytes */
	}
	return true;
}

static size_t
put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* One code unit of valid MUTF-8 at *p (advanced). */
static unsigned
mutf8_unit(const uint8_t **pp)
{
	const uint8_t	*p = *pp;
	unsigned	 c = p[0];

	if (c < 0x80) {
		*pp = p + 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		*pp = p + 2;
		return ((c & 0x1f) << 6) | (p[1] & 0x3f);
	}
	*pp = p + 3;
	return ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
}

int
jser_mutf8_to_utf8(struct jser_doc *doc, const char *m, size_t mlen,
    char **out, size_t *outlen)
{
	const uint8_t	*p = (const uint8_t *)m, *end = p + mlen, *q;
	unsigned	 u, u2;
	char		*o;
	size_t		 n = 0;

	if (!jser_mutf8_valid(m, mlen))
		return PROTO_MALFORMED;
	/* Never longer than the input: C0 80 -> 1, 6-byte pairs -> 4. */
	if ((o = jser_alloc(doc, mlen + 1)) == NULL)
		return PROTO_NOMEM;
	while (p < end) {
		u = mutf8_unit(&p);
		if (u >= 0xd800 && u <= 0xdbff && p < end) {
			q = p;
			u2 = mutf8_unit(&q);
			if (u2 >= 0xdc00 && u2 <= 0xdfff) {
				p = q;
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (u2 - 0xdc00);
			}
		}
		if (u >= 0xd800 && u <= 0xdfff)
			u = 0xfffd;	/* a lone surrogate has no UTF-8 */
		n += put_utf8(o + n, u);
	}
	o[n] = '\0';
	*out = o;
	if (outlen != NULL)
		*outlen = n;
	return PROTO_OK;
}

int
jser_utf8_to_mutf8(struct jser_doc *doc, const char *u, size_t ulen,
    char **out, size_t *outlen)
{
	const uint8_t	*p = (const uint8_t *)u, *end = p + ulen;
	unsigned	 c, cp, hi, lo;
	char		*o;
	size_t		 n = 0, need;

	if (ulen > (SIZE_MAX - 1) / 2)
		return PROTO_TOO_BIG;
	/* Worst case: every NUL doubles (1 -> 2 bytes). */
	if ((o = jser_alloc(doc, 2 * ulen + 1)) == NULL)
		return PROTO_NOMEM;
	while (p < end) {
		c = *p;
		if (c < 0x80) {
			if (c == 0) {
				o[n++] = (char)0xc0;
				o[n++] = (char)0x80;
			} else
				o[n++] = (char)c;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3;
		else
			return PROTO_MALFORMED;
		if ((size_t)(end - p) <= need)
			return PROTO_MALFORMED;
		cp = c & (need == 1 ? 0x1f : need == 2 ? 0x0f : 0x07);
		for (size_t i = 1; i <= need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return PROTO_MALFORMED;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return PROTO_MALFORMED;
		p += need + 1;
		if (cp >= 0x10000) {
			hi = 0xd800 + ((cp - 0x10000) >> 10);
			lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
			n += put_utf8(o + n, hi);
			n += put_utf8(o + n, lo);
		} else
			n += put_utf8(o + n, cp);
	}
	o[n] = '\0';
	*out = o;
	if (outlen != NULL)
		*outlen = n;
	return PROTO_OK;
}

/* ---- lookup ---- */

static const char *
desc_name(const struct jser_node *d)
{
	if (d == NULL || d->type != JSER_CLASSDESC)
		return NULL;
	return d->u.desc.name;
}

static const struct jser_node *
desc_super(const struct jser_node *d)
{
	return d->type == JSER_CLASSDESC ? d->u.desc.super : d->u.proxy.super;
}

const char *
jser_class_name(const struct jser_node *n)
{
	if (n == NULL)
		return NULL;
	switch (n->type) {
	case JSER_OBJECT:
		return desc_name(n->u.obj.desc);
	case JSER_ENUM:
		return desc_name(n->u.en.desc);
	case JSER_ARRAY:
		return desc_name(n->u.arr.desc);
	case JSER_CLASS:
		return desc_name(n->u.cls.desc);
	case JSER_CLASSDESC:
		return n->u.desc.name;
	default:
		return NULL;
	}
}

bool
jser_instance_of(const struct jser_node *n, const char *cls)
{
	const struct jser_node	*d;

	if (n == NULL || n->type != JSER_OBJECT)
		return false;
	for (d = n->u.obj.desc; d != NULL; d = desc_super(d))
		if (d->type == JSER_CLASSDESC &&
		    strcmp(d->u.desc.name, cls) == 0)
			return true;
	return false;
}

const union jser_value *
jser_field(const struct jser_node *obj, const char *name,
    const struct jser_fielddesc **fd)
{
	const struct jser_classdata	*cd;
	const struct jser_node		*d;
	uint32_t			 i;
	uint16_t			 j;

	if (fd != NULL)
		*fd = NULL;
	if (obj == NULL || obj->type != JSER_OBJECT)
		return NULL;
	for (i = obj->u.obj.nclasses; i-- > 0;) {
		cd = &obj->u.obj.classes[i];
		d = cd->desc;
		for (j = 0; j < d->u.desc.nfields; j++) {
			if (strcmp(d->u.desc.fields[j].name, name) != 0)
				continue;
			if (!cd->has_fields || cd->values == NULL)
				return NULL;
			if (fd != NULL)
				*fd = &d->u.desc.fields[j];
			return &cd->values[j];
		}
	}
	return NULL;
}

static int
field_prim(const struct jser_node *obj, const char *name, char *type,
    uint64_t *bits)
{
	const struct jser_fielddesc	*fd;
	const union jser_value		*v;

	if ((v = jser_field(obj, name, &fd)) == NULL)
		return PROTO_NOTFOUND;
	if (jser_elem_size(fd->type) <= 0)
		return PROTO_TYPE;
	*type = fd->type;
	*bits = v->prim;
	return PROTO_OK;
}

int
jser_field_int(const struct jser_node *obj, const char *name, int32_t *v)
{
	uint64_t	 b;
	char		 t;
	int		 r;

	if ((r = field_prim(obj, name, &t, &b)) != PROTO_OK)
		return r;
	switch (t) {
	case 'B':
		*v = (int8_t)(uint8_t)b;
		return PROTO_OK;
	case 'S':
		*v = (int16_t)(uint16_t)b;
		return PROTO_OK;
	case 'C':
		*v = (uint16_t)b;
		return PROTO_OK;
	case 'I':
		*v = (int32_t)(uint32_t)b;
		return PROTO_OK;
	}
	return PROTO_TYPE;
}

int
jser_field_long(const struct jser_node *obj, const char *name, int64_t *v)
{
	int32_t		 i;
	uint64_t	 b;
	char		 t;
	int		 r;

	if ((r = field_prim(obj, name, &t, &b)) != PROTO_OK)
		return r;
	if (t == 'J') {
		*v = (int64_t)b;
		return PROTO_OK;
	}
	if ((r = jser_field_int(obj, name, &i)) != PROTO_OK)
		return r;
	*v = i;
	return PROTO_OK;
}

int
jser_field_bool(const struct jser_node *obj, const char *name, bool *v)
{
	uint64_t	 b;
	char		 t;
	int		 r;

	if ((r = field_prim(obj, name, &t, &b)) != PROTO_OK)
		return r;
	if (t != 'Z')
		return PROTO_TYPE;
	*v = b != 0;
	return PROTO_OK;
}

int
jser_field_double(const struct jser_node *obj, const char *name, double *v)
{
	uint64_t	 b;
	char		 t;
	int		 r;

	if ((r = field_prim(obj, name, &t, &b)) != PROTO_OK)
		return r;
	if (t == 'D')
		*v = jser_bits_double(b);
	else if (t == 'F')
		*v = jser_bits_float(b);
	else
		return PROTO_TYPE;
	return PROTO_OK;
}

int
jser_field_ref(const struct jser_node *obj, const char *name,
    struct jser_node **v)
{
	const struct jser_fielddesc	*fd;
	const union jser_value		*val;

	if ((val = jser_field(obj, name, &fd)) == NULL)
		return PROTO_NOTFOUND;
	if (jser_elem_size(fd->type) != 0)
		return PROTO_TYPE;
	*v = val->ref;
	return PROTO_OK;
}

int
jser_field_string(const struct jser_node *obj, const char *name,
    const char **v)
{
	struct jser_node	*n;
	int			 r;

	if ((r = jser_field_ref(obj, name, &n)) != PROTO_OK)
		return r;
	if (n != NULL && n->type != JSER_STRING)
		return PROTO_TYPE;
	*v = n != NULL ? n->u.str.s : NULL;
	return PROTO_OK;
}

const struct jser_content *
jser_custom(const struct jser_node *obj, const char *cls)
{
	const struct jser_classdata	*cd;
	uint32_t			 i;

	if (obj == NULL || obj->type != JSER_OBJECT || obj->u.obj.nclasses == 0)
		return NULL;
	for (i = obj->u.obj.nclasses; i-- > 0;) {
		cd = &obj->u.obj.classes[i];
		if (cls != NULL && strcmp(cd->desc->u.desc.name, cls) != 0)
			continue;
		return cd->has_custom ? &cd->custom : NULL;
	}
	return NULL;
}

int
jser_array_get(const struct jser_node *arr, uint32_t i, uint64_t *v)
{
	const uint8_t	*p;
	uint64_t	 x = 0;
	int		 sz, k;

	if (arr == NULL || arr->type != JSER_ARRAY ||
	    (sz = jser_elem_size(arr->u.arr.elem)) <= 0)
		return PROTO_TYPE;
	if (i >= arr->u.arr.length)
		return PROTO_NOTFOUND;
	p = (const uint8_t *)arr->u.arr.data + (size_t)i * sz;
	for (k = 0; k < sz; k++)
		x = (x << 8) | p[k];
	switch (arr->u.arr.elem) {
	case 'B':
		x = (uint64_t)(int64_t)(int8_t)(uint8_t)x;
		break;
	case 'S':
		x = (uint64_t)(int64_t)(int16_t)(uint16_t)x;
		break;
	case 'I':
		x = (uint64_t)(int64_t)(int32_t)(uint32_t)x;
		break;
	}
	*v = x;
	return PROTO_OK;
}

int
jser_array_bytes(const struct jser_node *arr, const uint8_t **p,
    uint32_t *len)
{
	if (arr == NULL || arr->type != JSER_ARRAY || arr->u.arr.elem != 'B')
		return PROTO_TYPE;
	*p = arr->u.arr.data;
	*len = arr->u.arr.length;
	return PROTO_OK;
}

/* ---- floating point bits ---- */

float
jser_bits_float(uint64_t bits)
{
	uint32_t	 b = (uint32_t)bits;
	float		 f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

double
jser_bits_double(uint64_t bits)
{
	double	 d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

uint64_t
jser_float_bits(float f)
{
	uint32_t	 b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

uint64_t
jser_double_bits(double d)
{
	uint64_t	 b;

	memcpy(&b, &d, sizeof(b));
	return b;
}

/* ---- cursor over custom data ---- */

void
jser_cursor_init(struct jser_cursor *cur, const struct jser_content *c)
{
	cur->c = c;
	cur->item = 0;
	cur->off = 0;
}

/* Skip exhausted block-data items. */
static void
cursor_settle(struct jser_cursor *cur)
{
	const struct jser_node	*n;

	while (cur->c != NULL && cur->item < cur->c->n) {
		n = cur->c->items[cur->item];
		if (n == NULL || n->type != JSER_BLOCKDATA ||
		    cur->off < n->u.block.len)
			return;
		cur->item++;
		cur->off = 0;
	}
}

int
jser_cursor_bytes(struct jser_cursor *cur, void *p, size_t n)
{
	struct jser_cursor	 save = *cur;
	const struct jser_node	*b;
	uint8_t			*o = p;
	size_t			 take;

	while (n > 0) {
		cursor_settle(cur);
		if (cur->c == NULL || cur->item >= cur->c->n) {
			*cur = save;
			return PROTO_MALFORMED;
		}
		b = cur->c->items[cur->item];
		if (b == NULL || b->type != JSER_BLOCKDATA) {
			*cur = save;
			return PROTO_TYPE;
		}
		take = b->u.block.len - cur->off;
		if (take > n)
			take = n;
		memcpy(o, b->u.block.data + cur->off, take);
		o += take;
		n -= take;
		cur->off += (uint32_t)take;
	}
	return PROTO_OK;
}

int
jser_cursor_u8(struct jser_cursor *cur, uint8_t *v)
{
	return jser_cursor_bytes(cur, v, 1);
}

int
jser_cursor_u16(struct jser_cursor *cur, uint16_t *v)
{
	uint8_t	 b[2];
	int	 r;

	if ((r = jser_cursor_bytes(cur, b, 2)) != PROTO_OK)
		return r;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	return PROTO_OK;
}

int
jser_cursor_u32(struct jser_cursor *cur, uint32_t *v)
{
	uint8_t	 b[4];
	int	 r;

	if ((r = jser_cursor_bytes(cur, b, 4)) != PROTO_OK)
		return r;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	    ((uint32_t)b[2] << 8) | b[3];
	return PROTO_OK;
}

int
jser_cursor_u64(struct jser_cursor *cur, uint64_t *v)
{
	uint8_t		 b[8];
	uint64_t	 x = 0;
	int		 r, i;

	if ((r = jser_cursor_bytes(cur, b, 8)) != PROTO_OK)
		return r;
	for (i = 0; i < 8; i++)
		x = (x << 8) | b[i];
	*v = x;
	return PROTO_OK;
}

int
jser_cursor_obj(struct jser_cursor *cur, struct jser_node **v)
{
	struct jser_node	*n;

	cursor_settle(cur);
	if (cur->c == NULL || cur->item >= cur->c->n)
		return PROTO_MALFORMED;
	n = cur->c->items[cur->item];
	if (n != NULL && (n->type == JSER_BLOCKDATA ||
	    n->type == JSER_RESET || n->type == JSER_EXCEPTION))
		return PROTO_TYPE;
	*v = n;
	cur->item++;
	cur->off = 0;
	return PROTO_OK;
}

bool
jser_cursor_end(const struct jser_cursor *cur)
{
	struct jser_cursor	 c = *cur;

	cursor_settle(&c);
	return c.c == NULL || c.item >= c.c->n;
}
