/*
 * jval.c: Java values on top of the jser object graph (see jval.h).
 *
 * The layouts written here are those of the JDK 17 classes' writeObject
 * methods (java.util.ArrayList, HashMap, TreeMap, java.lang.Throwable),
 * checked byte for byte against ObjectOutputStream by
 * tests/unit/test_jdk_interop.  The readers follow the same layouts and
 * drive everything from what the stream holds: declared counts are checked
 * against the items actually present before anything is allocated.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/jval.h"

#define JVAL_MAX_NEST	32	/* wrappers (unmodifiable of unmodifiable...) */

static const struct jval_field jval_value_B[] = { { 'B', "value", NULL } };
static const struct jval_field jval_value_C[] = { { 'C', "value", NULL } };
static const struct jval_field jval_value_D[] = { { 'D', "value", NULL } };
static const struct jval_field jval_value_F[] = { { 'F', "value", NULL } };
static const struct jval_field jval_value_I[] = { { 'I', "value", NULL } };
static const struct jval_field jval_value_J[] = { { 'J', "value", NULL } };
static const struct jval_field jval_value_S[] = { { 'S', "value", NULL } };
static const struct jval_field jval_value_Z[] = { { 'Z', "value", NULL } };

static const struct jval_field jval_throwable_fields[] = {
	{ 'L', "cause", "Ljava/lang/Throwable;" },
	{ 'L', "detailMessage", "Ljava/lang/String;" },
	{ '[', "stackTrace", "[Ljava/lang/StackTraceElement;" },
	{ 'L', "suppressedExceptions", "Ljava/util/List;" },
};

static const struct jval_field jval_ste_fields[] = {
	{ 'B', "format", NULL },
	{ 'I', "lineNumber", NULL },
	{ 'L', "classLoaderName", "Ljava/lang/String;" },
	{ 'L', "declaringClass", "Ljava/lang/String;" },
	{ 'L', "fileName", "Ljava/lang/String;" },
	{ 'L', "methodName", "Ljava/lang/String;" },
	{ 'L', "moduleName", "Ljava/lang/String;" },
	{ 'L', "moduleVersion", "Ljava/lang/String;" },
};

/* Primitive array classes: element code, binary name, suid. */
static const struct {
	char		 elem;
	const char	*name;
	int64_t		 suid;
	size_t		 size;
} jval_prim_arrays[] = {
	{ 'B', "[B", INT64_C(-5984413125824719648), 1 },
	{ 'C', "[C", INT64_C(-5753798564021173076), 2 },
	{ 'D', "[D", INT64_C(4514449696888150558), 8 },
	{ 'F', "[F", INT64_C(836686056779680834), 4 },
	{ 'I', "[I", INT64_C(5600894804908749477), 4 },
	{ 'J', "[J", INT64_C(8655923659555304851), 8 },
	{ 'S', "[S", INT64_C(-1188055269542874886), 2 },
	{ 'Z', "[Z", INT64_C(6309297032502205922), 1 },
};

static void
jval_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
jval_put64(uint8_t *p, uint64_t v)
{
	jval_put32(p, (uint32_t)(v >> 32));
	jval_put32(p + 4, (uint32_t)v);
}

/* ---- descriptors ---- */

static bool
jval_is_jdk_class(const char *name)
{
	bool	 array = false;

	while (*name == '[') {
		name++;
		array = true;
	}
	if (array) {
		if (name[0] != 'L')
			return true;	/* primitive element: [B, [[I ... */
		name++;
	}
	return strncmp(name, "java.", 5) == 0 ||
	    strncmp(name, "javax.", 6) == 0;
}

void
jval_loader_for(const struct jval_ctx *ctx, const char *name, int32_t *tag,
    int32_t *oid)
{
	if (jval_is_jdk_class(name) || ctx->loader_oid <= 0) {
		*tag = JVAL_LOADER_SYSTEM;
		*oid = 0;
	} else {
		*tag = JVAL_LOADER_LOCAL;
		*oid = ctx->loader_oid;
	}
}

static int
jval_annotate(struct jval_ctx *ctx, struct jser_content *ann, int32_t tag,
    int32_t oid)
{
	uint8_t	 b[8];
	size_t	 n = 4;

	jval_put32(b, (uint32_t)tag);
	if (tag != JVAL_LOADER_SYSTEM) {
		jval_put32(b + 4, (uint32_t)oid);
		n = 8;
	}
	return jser_content_add_block(ctx->doc, ann, b, n);
}

struct jser_node *
jval_class(struct jval_ctx *ctx, const char *name, int64_t suid,
    uint8_t flags, struct jser_node *super, const struct jval_field *fields,
    size_t nfields)
{
	struct jser_node	*d;
	int32_t			 tag, oid;
	size_t			 i;

	if (ctx == NULL || ctx->doc == NULL || name == NULL)
		return NULL;
	if ((d = jser_desc_find(ctx->doc, name)) != NULL)
		return d;
	if ((d = jser_new_desc(ctx->doc, name, suid, flags, super)) == NULL)
		return NULL;
	for (i = 0; i < nfields; i++) {
		if (jser_desc_add_field(ctx->doc, d, fields[i].type,
		    fields[i].name, fields[i].sig) != PROTO_OK)
			return NULL;
	}
	if (ctx->payload) {
		jval_loader_for(ctx, name, &tag, &oid);
		if (jval_annotate(ctx, &d->u.desc.annotation, tag, oid) !=
		    PROTO_OK)
			return NULL;
	}
	return d;
}

struct jser_node *
jval_proxy_class(struct jval_ctx *ctx, const char *const *interfaces,
    uint32_t n)
{
	static const struct jval_field h[] = {
		{ 'L', "h", "Ljava/lang/reflect/InvocationHandler;" },
	};
	struct jser_node	*proxy, *d;
	int32_t			 tag, oid;

	if ((proxy = jval_class(ctx, "java.lang.reflect.Proxy",
	    INT64_C(-2222568056686623797), SC_SERIALIZABLE, NULL, h, 1)) == NULL)
		return NULL;
	if ((d = jser_new_proxydesc(ctx->doc, interfaces, n, proxy)) == NULL)
		return NULL;
	if (ctx->payload) {
		/* The proxy class comes from the loader of its interfaces. */
		jval_loader_for(ctx, n > 0 ? interfaces[0] : "java.lang.Object",
		    &tag, &oid);
		if (jval_annotate(ctx, &d->u.proxy.annotation, tag, oid) !=
		    PROTO_OK)
			return NULL;
	}
	return d;
}

/* ---- scalars ---- */

struct jser_node *
jval_string(struct jval_ctx *ctx, const char *utf8, size_t len)
{
	if (ctx == NULL || ctx->doc == NULL || (utf8 == NULL && len > 0))
		return NULL;
	return jser_new_string(ctx->doc, utf8 == NULL ? "" : utf8, len);
}

struct jser_node *
jval_cstring(struct jval_ctx *ctx, const char *s)
{
	if (s == NULL)
		return NULL;
	return jval_string(ctx, s, strlen(s));
}

static struct jser_node *
jval_number_class(struct jval_ctx *ctx)
{
	return jval_class(ctx, "java.lang.Number", JVAL_SUID_NUMBER,
	    SC_SERIALIZABLE, NULL, NULL, 0);
}

static struct jser_node *
jval_box(struct jval_ctx *ctx, const char *name, int64_t suid, bool number,
    const struct jval_field *field, uint64_t bits)
{
	struct jser_node	*super = NULL, *d, *o;

	if (number && (super = jval_number_class(ctx)) == NULL)
		return NULL;
	if ((d = jval_class(ctx, name, suid, SC_SERIALIZABLE, super, field,
	    1)) == NULL || (o = jser_new_object(ctx->doc, d)) == NULL)
		return NULL;
	if (jser_set_prim(o, "value", bits) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
jval_boolean(struct jval_ctx *ctx, bool v)
{
	return jval_box(ctx, "java.lang.Boolean", JVAL_SUID_BOOLEAN, false,
	    jval_value_Z, v ? 1 : 0);
}

struct jser_node *
jval_byte(struct jval_ctx *ctx, int8_t v)
{
	return jval_box(ctx, "java.lang.Byte", JVAL_SUID_BYTE, true,
	    jval_value_B, (uint8_t)v);
}

struct jser_node *
jval_short(struct jval_ctx *ctx, int16_t v)
{
	return jval_box(ctx, "java.lang.Short", JVAL_SUID_SHORT, true,
	    jval_value_S, (uint16_t)v);
}

struct jser_node *
jval_char(struct jval_ctx *ctx, uint16_t v)
{
	return jval_box(ctx, "java.lang.Character", JVAL_SUID_CHARACTER,
	    false, jval_value_C, v);
}

struct jser_node *
jval_int(struct jval_ctx *ctx, int32_t v)
{
	return jval_box(ctx, "java.lang.Integer", JVAL_SUID_INTEGER, true,
	    jval_value_I, (uint32_t)v);
}

struct jser_node *
jval_long(struct jval_ctx *ctx, int64_t v)
{
	return jval_box(ctx, "java.lang.Long", JVAL_SUID_LONG, true,
	    jval_value_J, (uint64_t)v);
}

struct jser_node *
jval_float(struct jval_ctx *ctx, float v)
{
	return jval_box(ctx, "java.lang.Float", JVAL_SUID_FLOAT, true,
	    jval_value_F, jser_float_bits(v));
}

struct jser_node *
jval_double(struct jval_ctx *ctx, double v)
{
	return jval_box(ctx, "java.lang.Double", JVAL_SUID_DOUBLE, true,
	    jval_value_D, jser_double_bits(v));
}

/* ---- arrays ---- */

struct jser_node *
jval_prim_array(struct jval_ctx *ctx, char elem, const void *values,
    uint32_t n)
{
	struct jser_node	*d, *a = NULL;
	uint8_t			*raw = NULL;
	size_t			 i, k, size = 0;

	for (k = 0; k < sizeof(jval_prim_arrays) / sizeof(jval_prim_arrays[0]);
	    k++) {
		if (jval_prim_arrays[k].elem == elem)
			break;
	}
	if (k == sizeof(jval_prim_arrays) / sizeof(jval_prim_arrays[0]))
		return NULL;
	size = jval_prim_arrays[k].size;
	if ((d = jval_class(ctx, jval_prim_arrays[k].name,
	    jval_prim_arrays[k].suid, SC_SERIALIZABLE, NULL, NULL, 0)) == NULL)
		return NULL;
	if (values != NULL && n > 0) {
		if ((raw = malloc((size_t)n * size)) == NULL)
			return NULL;
		for (i = 0; i < n; i++) {
			uint8_t	*p = raw + i * size;

			switch (elem) {
			case 'B':
				p[0] = (uint8_t)((const int8_t *)values)[i];
				break;
			case 'Z':
				p[0] = ((const bool *)values)[i] ? 1 : 0;
				break;
			case 'C':
			case 'S': {
				uint16_t v;

				memcpy(&v, (const uint8_t *)values + i * 2, 2);
				p[0] = v >> 8;
				p[1] = v;
				break;
			}
			case 'I':
				jval_put32(p,
				    (uint32_t)((const int32_t *)values)[i]);
				break;
			case 'F':
				jval_put32(p, (uint32_t)jser_float_bits(
				    ((const float *)values)[i]));
				break;
			case 'J':
				jval_put64(p,
				    (uint64_t)((const int64_t *)values)[i]);
				break;
			case 'D':
				jval_put64(p, jser_double_bits(
				    ((const double *)values)[i]));
				break;
			}
		}
	}
	a = jser_new_array(ctx->doc, d, n, raw);
	free(raw);
	return a;
}

struct jser_node *
jval_bytes(struct jval_ctx *ctx, const void *p, uint32_t n)
{
	struct jser_node	*d;

	if ((d = jval_class(ctx, "[B", jval_prim_arrays[0].suid,
	    SC_SERIALIZABLE, NULL, NULL, 0)) == NULL)
		return NULL;
	return jser_new_array(ctx->doc, d, n, p);
}

struct jser_node *
jval_string_array(struct jval_ctx *ctx, const char *const *strs, uint32_t n)
{
	struct jser_node	*d, *a, *s;
	uint32_t		 i;

	if ((d = jval_class(ctx, "[Ljava.lang.String;", JVAL_SUID_STRING_ARRAY,
	    SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (a = jser_new_array(ctx->doc, d, n, NULL)) == NULL)
		return NULL;
	for (i = 0; strs != NULL && i < n; i++) {
		if (strs[i] == NULL)
			continue;
		if ((s = jval_cstring(ctx, strs[i])) == NULL ||
		    jser_array_set(a, i, s) != PROTO_OK)
			return NULL;
	}
	return a;
}

struct jser_node *
jval_object_array(struct jval_ctx *ctx, struct jser_node *const *items,
    uint32_t n)
{
	struct jser_node	*d, *a;
	uint32_t		 i;

	if ((d = jval_class(ctx, "[Ljava.lang.Object;", JVAL_SUID_OBJECT_ARRAY,
	    SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (a = jser_new_array(ctx->doc, d, n, NULL)) == NULL)
		return NULL;
	for (i = 0; items != NULL && i < n; i++) {
		if (jser_array_set(a, i, items[i]) != PROTO_OK)
			return NULL;
	}
	return a;
}

/* ---- collections ---- */

/* Custom data of class cls in obj: a block of ints, then nodes. */
static int
jval_custom_fill(struct jval_ctx *ctx, struct jser_node *obj,
    const char *cls, const uint8_t *block, size_t blen,
    struct jser_node *const *a, struct jser_node *const *b, uint32_t n)
{
	struct jser_classdata	*cd;
	uint32_t		 i;
	int			 r;

	if ((cd = jser_obj_classdata(obj, cls)) == NULL)
		return PROTO_NOTFOUND;
	cd->has_custom = true;
	if (blen > 0 && (r = jser_content_add_block(ctx->doc, &cd->custom,
	    block, blen)) != PROTO_OK)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = jser_content_add(ctx->doc, &cd->custom,
		    a[i])) != PROTO_OK)
			return r;
		if (b != NULL && (r = jser_content_add(ctx->doc, &cd->custom,
		    b[i])) != PROTO_OK)
			return r;
	}
	return PROTO_OK;
}

struct jser_node *
jval_arraylist(struct jval_ctx *ctx, struct jser_node *const *items,
    uint32_t n)
{
	static const struct jval_field f[] = { { 'I', "size", NULL } };
	struct jser_node	*d, *o;
	uint8_t			 blk[4];

	if (n > INT32_MAX || (n > 0 && items == NULL))
		return NULL;
	if ((d = jval_class(ctx, "java.util.ArrayList", JVAL_SUID_ARRAYLIST,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, 1)) == NULL ||
	    (o = jser_new_object(ctx->doc, d)) == NULL)
		return NULL;
	/* ArrayList.writeObject: size field, then size again as "capacity". */
	jval_put32(blk, n);
	if (jser_set_prim(o, "size", n) != PROTO_OK ||
	    jval_custom_fill(ctx, o, "java.util.ArrayList", blk, 4, items, NULL,
	    n) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
jval_empty_list(struct jval_ctx *ctx)
{
	struct jser_node	*d;

	if (ctx == NULL || ctx->doc == NULL)
		return NULL;
	if (ctx->empty_list != NULL)
		return ctx->empty_list;
	if ((d = jval_class(ctx, "java.util.Collections$EmptyList",
	    JVAL_SUID_EMPTYLIST, SC_SERIALIZABLE, NULL, NULL, 0)) == NULL)
		return NULL;
	ctx->empty_list = jser_new_object(ctx->doc, d);
	return ctx->empty_list;
}

/*
 * Decode one modified UTF-8 string into UTF-16 code units (each 1-, 2- or
 * 3-byte sequence is exactly one unit).  *units is malloc'ed.
 */
static int
jval_utf16(const char *m, size_t len, uint16_t **units, size_t *n)
{
	const uint8_t	*p = (const uint8_t *)m;
	uint16_t	*u;
	size_t		 i = 0, k = 0;

	if ((u = malloc((len + 1) * sizeof(*u))) == NULL)
		return PROTO_NOMEM;
	while (i < len) {
		if (p[i] < 0x80) {
			u[k++] = p[i];
			i += 1;
		} else if ((p[i] & 0xe0) == 0xc0 && i + 1 < len) {
			u[k++] = (uint16_t)(((p[i] & 0x1f) << 6) |
			    (p[i + 1] & 0x3f));
			i += 2;
		} else if ((p[i] & 0xf0) == 0xe0 && i + 2 < len) {
			u[k++] = (uint16_t)(((p[i] & 0x0f) << 12) |
			    ((p[i + 1] & 0x3f) << 6) | (p[i + 2] & 0x3f));
			i += 3;
		} else {
			free(u);
			return PROTO_MALFORMED;
		}
	}
	*units = u;
	*n = k;
	return PROTO_OK;
}

/* Java's hashCode() of a key, when it is one we know how to compute. */
static bool
jval_hash(const struct jser_node *k, int32_t *h)
{
	const char	*cls;
	uint16_t	*u;
	uint32_t	 x = 0;
	size_t		 n, i;
	int64_t		 v;
	bool		 b;

	if (k == NULL) {
		*h = 0;
		return true;
	}
	if (k->type == JSER_STRING) {
		if (jval_utf16(k->u.str.s, k->u.str.len, &u, &n) != PROTO_OK)
			return false;
		for (i = 0; i < n; i++)
			x = x * 31 + u[i];
		free(u);
		*h = (int32_t)x;
		return true;
	}
	if ((cls = jser_class_name(k)) == NULL)
		return false;
	if (strcmp(cls, "java.lang.Boolean") == 0 &&
	    jval_get_bool(k, &b) == PROTO_OK) {
		*h = b ? 1231 : 1237;
		return true;
	}
	if (strcmp(cls, "java.lang.Float") == 0 ||
	    strcmp(cls, "java.lang.Double") == 0) {
		const union jser_value		*val;
		const struct jser_fielddesc	*fd;
		uint64_t			 bits;

		if ((val = jser_field(k, "value", &fd)) == NULL || fd == NULL)
			return false;
		/* floatToIntBits / doubleToLongBits: one canonical NaN */
		if (fd->type == 'F') {
			bits = (uint32_t)val->prim;
			if ((bits & 0x7f800000) == 0x7f800000 &&
			    (bits & 0x007fffff) != 0)
				bits = 0x7fc00000;
			*h = (int32_t)(uint32_t)bits;
			return true;
		}
		if (fd->type != 'D')
			return false;
		bits = val->prim;
		if ((bits & UINT64_C(0x7ff0000000000000)) ==
		    UINT64_C(0x7ff0000000000000) &&
		    (bits & UINT64_C(0x000fffffffffffff)) != 0)
			bits = UINT64_C(0x7ff8000000000000);
		*h = (int32_t)(uint32_t)(bits ^ (bits >> 32));
		return true;
	}
	if (jval_get_int(k, &v) != PROTO_OK)
		return false;
	if (strcmp(cls, "java.lang.Long") == 0)
		*h = (int32_t)(uint32_t)((uint64_t)v ^ ((uint64_t)v >> 32));
	else
		*h = (int32_t)v;
	return true;
}

struct jval_entry {
	struct jser_node	*k, *v;
	uint32_t		 seq;	/* insertion order */
	uint32_t		 hash;	/* HashMap.hash(): h ^ (h >>> 16) */
	uint32_t		 bucket;
	uint16_t		*units;	/* TreeMap: key as UTF-16 */
	size_t			 nunits;
	bool			 ci;	/* case-insensitive comparison */
};

static int
jval_cmp_bucket(const void *a, const void *b)
{
	const struct jval_entry *x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sizes of HashMap's table after n puts into `new HashMap<>()`. */
static void
jval_hashmap_shape(struct jval_entry *e, uint32_t n, uint32_t *cap,
    uint32_t *thr)
{
	uint32_t	 c = 16, t = 12, i, j, inbucket;

	if (n == 0) {
		/* table never allocated: capacity() is the default, the
		 * threshold field still 0 */
		*cap = 16;
		*thr = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		/*
		 * putVal: appending the 9th node to one bin calls treeifyBin,
		 * which resizes while the table has fewer than 64 bins.
		 */
		inbucket = 0;
		for (j = 0; j < i && c < 64; j++) {
			if ((e[j].hash & (c - 1)) == (e[i].hash & (c - 1)))
				inbucket++;
		}
		if (c < 64 && inbucket >= 8 && c < (1u << 30)) {
			c <<= 1;
			t <<= 1;
		}
		if (i + 1 > t && c < (1u << 30)) {
			c <<= 1;
			t <<= 1;
		}
	}
	*cap = c;
	*thr = t;
}

struct jser_node *
jval_hashmap(struct jval_ctx *ctx, struct jser_node *const *keys,
    struct jser_node *const *values, uint32_t n)
{
	static const struct jval_field f[] = {
		{ 'F', "loadFactor", NULL },
		{ 'I', "threshold", NULL },
	};
	struct jser_node	*d, *o = NULL, **ks = NULL, **vs = NULL;
	struct jval_entry	*e = NULL;
	uint32_t		 i, cap, thr;
	uint8_t			 blk[8];
	bool			 hashed = true;
	int32_t			 h = 0;

	if (n > INT32_MAX / 2 || (n > 0 && (keys == NULL || values == NULL)))
		return NULL;
	if ((d = jval_class(ctx, "java.util.HashMap", JVAL_SUID_HASHMAP,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, 2)) == NULL)
		return NULL;
	if (n > 0 && ((e = calloc(n, sizeof(*e))) == NULL ||
	    (ks = calloc(n, sizeof(*ks))) == NULL ||
	    (vs = calloc(n, sizeof(*vs))) == NULL))
		goto out;
	for (i = 0; i < n; i++) {
		e[i].k = keys[i];
		e[i].v = values[i];
		e[i].seq = i;
		if (!jval_hash(keys[i], &h))
			hashed = false;
		e[i].hash = (uint32_t)h ^ ((uint32_t)h >> 16);
	}
	if (!hashed) {
		/* Unknown hashCode(): keep the caller's order. */
		cap = 16;
		thr = 12;
		while (n > thr && cap < (1u << 30)) {
			cap <<= 1;
			thr <<= 1;
		}
	} else
		jval_hashmap_shape(e, n, &cap, &thr);
	if (hashed) {
		for (i = 0; i < n; i++)
			e[i].bucket = e[i].hash & (cap - 1);
		if (n > 1)
			qsort(e, n, sizeof(*e), jval_cmp_bucket);
	}
	for (i = 0; i < n; i++) {
		ks[i] = e[i].k;
		vs[i] = e[i].v;
	}
	if ((o = jser_new_object(ctx->doc, d)) == NULL)
		goto out;
	jval_put32(blk, cap);
	jval_put32(blk + 4, n);
	if (jser_set_prim(o, "loadFactor", jser_float_bits(0.75f)) !=
	    PROTO_OK || jser_set_prim(o, "threshold", thr) != PROTO_OK ||
	    jval_custom_fill(ctx, o, "java.util.HashMap", blk, 8, ks, vs, n) !=
	    PROTO_OK)
		o = NULL;
out:
	free(e);
	free(ks);
	free(vs);
	return o;
}

static uint16_t
jval_upper(uint16_t c)
{
	return (c >= 'a' && c <= 'z') ? c - 32 : c;
}

static uint16_t
jval_lower(uint16_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* String.compareTo, or CaseInsensitiveComparator.compare (ASCII folding). */
static int
jval_cmp_key(const void *a, const void *b)
{
	const struct jval_entry *x = a, *y = b;
	size_t			 i, n;
	uint16_t		 c1, c2;

	n = x->nunits < y->nunits ? x->nunits : y->nunits;
	for (i = 0; i < n; i++) {
		c1 = x->units[i];
		c2 = y->units[i];
		if (c1 == c2)
			continue;
		if (x->ci) {
			c1 = jval_upper(c1);
			c2 = jval_upper(c2);
			if (c1 == c2)
				continue;
			c1 = jval_lower(c1);
			c2 = jval_lower(c2);
			if (c1 == c2)
				continue;
		}
		return c1 < c2 ? -1 : 1;
	}
	if (x->nunits != y->nunits)
		return x->nunits < y->nunits ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct jser_node *
jval_treemap(struct jval_ctx *ctx, struct jser_node *comparator,
    struct jser_node *const *keys, struct jser_node *const *values,
    uint32_t n)
{
	static const struct jval_field f[] = {
		{ 'L', "comparator", "Ljava/util/Comparator;" },
	};
	struct jser_node	*d, *o = NULL, **ks = NULL, **vs = NULL;
	struct jval_entry	*e = NULL;
	const char		*cn;
	uint32_t		 i;
	uint8_t			 blk[4];
	bool			 strings = true, ci = false;

	if (n > INT32_MAX / 2 || (n > 0 && (keys == NULL || values == NULL)))
		return NULL;
	if ((d = jval_class(ctx, "java.util.TreeMap", JVAL_SUID_TREEMAP,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, 1)) == NULL)
		return NULL;
	if (comparator != NULL) {
		cn = jser_class_name(comparator);
		ci = cn != NULL &&
		    strcmp(cn, "java.lang.String$CaseInsensitiveComparator") == 0;
		strings = ci;	/* an unknown comparator: caller's order */
	}
	if (n > 0 && ((e = calloc(n, sizeof(*e))) == NULL ||
	    (ks = calloc(n, sizeof(*ks))) == NULL ||
	    (vs = calloc(n, sizeof(*vs))) == NULL))
		goto out;
	for (i = 0; i < n; i++) {
		e[i].k = keys[i];
		e[i].v = values[i];
		e[i].seq = i;
		e[i].ci = ci;
		if (strings && (keys[i] == NULL ||
		    keys[i]->type != JSER_STRING ||
		    jval_utf16(keys[i]->u.str.s, keys[i]->u.str.len,
		    &e[i].units, &e[i].nunits) != PROTO_OK))
			strings = false;
	}
	if (strings && n > 1)
		qsort(e, n, sizeof(*e), jval_cmp_key);
	for (i = 0; i < n; i++) {
		ks[i] = e[i].k;
		vs[i] = e[i].v;
	}
	if ((o = jser_new_object(ctx->doc, d)) == NULL)
		goto out;
	jval_put32(blk, n);
	if (jser_set_ref(o, "comparator", comparator) != PROTO_OK ||
	    jval_custom_fill(ctx, o, "java.util.TreeMap", blk, 4, ks, vs, n) !=
	    PROTO_OK)
		o = NULL;
out:
	for (i = 0; e != NULL && i < n; i++)
		free(e[i].units);
	free(e);
	free(ks);
	free(vs);
	return o;
}

struct jser_node *
jval_case_insensitive_order(struct jval_ctx *ctx)
{
	struct jser_node	*d;

	if ((d = jval_class(ctx, "java.lang.String$CaseInsensitiveComparator",
	    JVAL_SUID_CASEINSENSITIVE, SC_SERIALIZABLE, NULL, NULL, 0)) == NULL)
		return NULL;
	return jser_new_object(ctx->doc, d);
}

/* ---- exceptions ---- */

static struct jser_node *
jval_frames(struct jval_ctx *ctx, const struct jval_frame *frames, int n)
{
	struct jser_node	*ad, *sd, *a, *o, *s;
	const char		*v[6];
	static const char	*names[6] = { "classLoaderName",
	    "declaringClass", "fileName", "methodName", "moduleName",
	    "moduleVersion" };
	int			 i, k;

	if ((sd = jval_class(ctx, "java.lang.StackTraceElement",
	    JVAL_SUID_STACKTRACEELEMENT, SC_SERIALIZABLE, NULL, jval_ste_fields,
	    sizeof(jval_ste_fields) / sizeof(jval_ste_fields[0]))) == NULL ||
	    (ad = jval_class(ctx, "[Ljava.lang.StackTraceElement;",
	    JVAL_SUID_STACKTRACEELEMENT_ARRAY, SC_SERIALIZABLE, NULL, NULL,
	    0)) == NULL || (a = jser_new_array(ctx->doc, ad, (uint32_t)n,
	    NULL)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((o = jser_new_object(ctx->doc, sd)) == NULL ||
		    jser_set_prim(o, "format", frames[i].format) != PROTO_OK ||
		    jser_set_prim(o, "lineNumber",
		    (uint32_t)frames[i].line) != PROTO_OK)
			return NULL;
		v[0] = frames[i].class_loader_name;
		v[1] = frames[i].declaring_class;
		v[2] = frames[i].file_name;
		v[3] = frames[i].method_name;
		v[4] = frames[i].module_name;
		v[5] = frames[i].module_version;
		for (k = 0; k < 6; k++) {
			if (v[k] == NULL)
				continue;
			if ((s = jval_cstring(ctx, v[k])) == NULL ||
			    jser_set_ref(o, names[k], s) != PROTO_OK)
				return NULL;
		}
		if (jser_array_set(a, (uint32_t)i, o) != PROTO_OK)
			return NULL;
	}
	return a;
}

struct jser_node *
jval_throwable(struct jval_ctx *ctx, const struct jval_classref *chain,
    size_t nchain, const char *message, struct jser_node *cause,
    const struct jval_frame *frames, int nframes,
    enum jval_suppressed suppressed)
{
	struct jser_node	*d, *o, *msg = NULL, *st = NULL, *sup = NULL;
	size_t			 i;

	if (chain == NULL || nchain == 0 || (nframes > 0 && frames == NULL))
		return NULL;
	if ((d = jval_class(ctx, "java.lang.Throwable", JVAL_SUID_THROWABLE,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, jval_throwable_fields,
	    4)) == NULL)
		return NULL;
	for (i = nchain; i-- > 0;) {
		if (chain[i].name == NULL)
			return NULL;
		if (strcmp(chain[i].name, "java.lang.Throwable") == 0)
			continue;
		if ((d = jval_class(ctx, chain[i].name, chain[i].suid,
		    SC_SERIALIZABLE, d, NULL, 0)) == NULL)
			return NULL;
	}
	if ((o = jser_new_object(ctx->doc, d)) == NULL)
		return NULL;
	if (message != NULL && (msg = jval_cstring(ctx, message)) == NULL)
		return NULL;
	if (nframes >= 0 && (st = jval_frames(ctx, frames, nframes)) == NULL)
		return NULL;
	if (suppressed == JVAL_SUPPRESSED_EMPTY &&
	    (sup = jval_empty_list(ctx)) == NULL)
		return NULL;
	if (jser_set_ref(o, "cause", cause != NULL ? cause : o) != PROTO_OK ||
	    jser_set_ref(o, "detailMessage", msg) != PROTO_OK ||
	    jser_set_ref(o, "stackTrace", st) != PROTO_OK ||
	    jser_set_ref(o, "suppressedExceptions", sup) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
jval_proxy_exception(struct jval_ctx *ctx, const char *cls, const char *msg,
    const struct jval_frame *frames, int nframes, struct jser_node *cause)
{
	static const struct jval_classref chain[] = {
		{ "hudson.remoting.ProxyException", JVAL_SUID_PROXYEXCEPTION },
		{ "java.io.IOException", JVAL_SUID_IOEXCEPTION },
		{ "java.lang.Exception", JVAL_SUID_EXCEPTION },
		{ "java.lang.Throwable", JVAL_SUID_THROWABLE },
	};
	struct jser_node	*o;
	char			*text;
	size_t			 cl, ml;

	if (cls == NULL)
		return NULL;
	cl = strlen(cls);
	ml = msg != NULL ? strlen(msg) : 0;
	if (cl > SIZE_MAX / 2 || ml > SIZE_MAX / 2 ||
	    (text = malloc(cl + ml + 3)) == NULL)
		return NULL;
	/* Throwable.toString(): "class: message", or the class alone. */
	memcpy(text, cls, cl);
	if (msg != NULL) {
		memcpy(text + cl, ": ", 2);
		memcpy(text + cl + 2, msg, ml);
		text[cl + 2 + ml] = '\0';
	} else
		text[cl] = '\0';
	o = jval_throwable(ctx, chain, 4, text, cause, frames, nframes,
	    JVAL_SUPPRESSED_EMPTY);
	free(text);
	return o;
}

/* ---- readers ---- */

static bool
jval_class_is(const struct jser_node *n, const char *cls)
{
	const char	*c;

	return n != NULL && n->type == JSER_OBJECT &&
	    (c = jser_class_name(n)) != NULL && strcmp(c, cls) == 0;
}

static bool
jval_class_in(const struct jser_node *n, const char *const *names)
{
	for (; *names != NULL; names++) {
		if (jval_class_is(n, *names))
			return true;
	}
	return false;
}

int
jval_get_int(const struct jser_node *n, int64_t *v)
{
	static const char *const boxes[] = { "java.lang.Integer",
	    "java.lang.Long", "java.lang.Short", "java.lang.Byte",
	    "java.lang.Character", NULL };
	const union jser_value		*val;
	const struct jser_fielddesc	*fd;

	if (!jval_class_in(n, boxes) ||
	    (val = jser_field(n, "value", &fd)) == NULL || fd == NULL)
		return PROTO_TYPE;
	switch (fd->type) {
	case 'B':
		*v = (int8_t)(uint8_t)val->prim;
		break;
	case 'S':
		*v = (int16_t)(uint16_t)val->prim;
		break;
	case 'C':
		*v = (uint16_t)val->prim;
		break;
	case 'I':
		*v = (int32_t)(uint32_t)val->prim;
		break;
	case 'J':
		*v = (int64_t)val->prim;
		break;
	default:
		return PROTO_TYPE;
	}
	return PROTO_OK;
}

int
jval_get_double(const struct jser_node *n, double *v)
{
	const union jser_value		*val;
	const struct jser_fielddesc	*fd;
	int64_t				 i;

	if (jval_get_int(n, &i) == PROTO_OK) {
		*v = (double)i;
		return PROTO_OK;
	}
	if (!(jval_class_is(n, "java.lang.Double") ||
	    jval_class_is(n, "java.lang.Float")) ||
	    (val = jser_field(n, "value", &fd)) == NULL || fd == NULL)
		return PROTO_TYPE;
	if (fd->type == 'D')
		*v = jser_bits_double(val->prim);
	else if (fd->type == 'F')
		*v = jser_bits_float(val->prim);
	else
		return PROTO_TYPE;
	return PROTO_OK;
}

int
jval_get_bool(const struct jser_node *n, bool *v)
{
	const union jser_value		*val;
	const struct jser_fielddesc	*fd;

	if (!jval_class_is(n, "java.lang.Boolean") ||
	    (val = jser_field(n, "value", &fd)) == NULL || fd == NULL ||
	    fd->type != 'Z')
		return PROTO_TYPE;
	*v = (val->prim & 0xff) != 0;
	return PROTO_OK;
}

int
jval_get_string(const struct jser_node *n, const char **s, size_t *len)
{
	if (n == NULL || n->type != JSER_STRING)
		return PROTO_TYPE;
	*s = n->u.str.s;
	if (len != NULL)
		*len = (size_t)n->u.str.len;
	return PROTO_OK;
}

int
jval_get_utf8(struct jser_doc *doc, const struct jser_node *n, char **s,
    size_t *len)
{
	size_t	 l;

	if (n == NULL || n->type != JSER_STRING)
		return PROTO_TYPE;
	return jser_mutf8_to_utf8(doc, n->u.str.s, (size_t)n->u.str.len, s,
	    len != NULL ? len : &l);
}

/* Items of an object/array-typed array node. */
static int
jval_array_items(struct jser_doc *doc, const struct jser_node *a,
    uint32_t limit, struct jser_node ***items, uint32_t *n)
{
	struct jser_node	**v;
	uint32_t		 len;

	if (a == NULL || a->type != JSER_ARRAY ||
	    (a->u.arr.elem != 'L' && a->u.arr.elem != '['))
		return PROTO_TYPE;
	len = a->u.arr.length < limit ? a->u.arr.length : limit;
	*items = NULL;
	*n = len;
	if (len == 0)
		return PROTO_OK;
	if ((v = jser_alloc(doc, (size_t)len * sizeof(*v))) == NULL)
		return PROTO_NOMEM;
	memcpy(v, a->u.arr.data, (size_t)len * sizeof(*v));
	*items = v;
	return PROTO_OK;
}

/*
 * Read count objects (pairs when two) from a cursor into doc-allocated
 * arrays.  The count is checked against the items the content holds.
 */
static int
jval_read_objs(struct jser_doc *doc, struct jser_cursor *cur, int64_t count,
    bool pairs, struct jser_node ***a, struct jser_node ***b, uint32_t *n)
{
	struct jser_node	**x = NULL, **y = NULL;
	int64_t			 i, per = pairs ? 2 : 1;
	int			 r;

	if (count < 0 || count * per > (int64_t)cur->c->n)
		return PROTO_MALFORMED;
	if (count > 0) {
		if ((x = jser_alloc(doc, (size_t)count * sizeof(*x))) == NULL ||
		    (pairs && (y = jser_alloc(doc,
		    (size_t)count * sizeof(*y))) == NULL))
			return PROTO_NOMEM;
	}
	for (i = 0; i < count; i++) {
		if ((r = jser_cursor_obj(cur, &x[i])) != PROTO_OK)
			return r == PROTO_NOMEM ? r : PROTO_MALFORMED;
		if (pairs && (r = jser_cursor_obj(cur, &y[i])) != PROTO_OK)
			return r == PROTO_NOMEM ? r : PROTO_MALFORMED;
	}
	*a = x;
	if (b != NULL)
		*b = y;
	*n = (uint32_t)count;
	return PROTO_OK;
}

static int
jval_custom_cursor(const struct jser_node *obj, const char *cls,
    struct jser_cursor *cur)
{
	const struct jser_content *c;

	if ((c = jser_custom(obj, cls)) == NULL)
		return PROTO_MALFORMED;
	jser_cursor_init(cur, c);
	return PROTO_OK;
}

static int
jval_list_items_depth(struct jser_doc *doc, const struct jser_node *l,
    struct jser_node ***items, uint32_t *n, int depth);

/* A single-element collection from field name. */
static int
jval_single(struct jser_doc *doc, const struct jser_node *o,
    const char *field, struct jser_node ***items, uint32_t *n)
{
	struct jser_node	*v, **x;

	if (jser_field_ref(o, field, &v) != PROTO_OK)
		return PROTO_MALFORMED;
	if ((x = jser_alloc(doc, sizeof(*x))) == NULL)
		return PROTO_NOMEM;
	x[0] = v;
	*items = x;
	*n = 1;
	return PROTO_OK;
}

/* The wrapped collection of a Collections$Unmodifiable... / Synchronized... */
static int
jval_wrapped(const struct jser_node *o, const char *field,
    struct jser_node **inner)
{
	if (jser_field_ref(o, field, inner) != PROTO_OK || *inner == NULL ||
	    *inner == o)
		return PROTO_MALFORMED;
	return PROTO_OK;
}

static int
jval_list_items_depth(struct jser_doc *doc, const struct jser_node *l,
    struct jser_node ***items, uint32_t *n, int depth)
{
	struct jser_cursor	 cur;
	struct jser_node	*inner;
	uint32_t		 u32;
	int32_t			 size;
	int			 r;

	*items = NULL;
	*n = 0;
	if (depth > JVAL_MAX_NEST)
		return PROTO_TOO_BIG;
	if (l != NULL && l->type == JSER_ARRAY)
		return jval_array_items(doc, l, UINT32_MAX, items, n);
	if (l == NULL || l->type != JSER_OBJECT)
		return PROTO_TYPE;
	if (jval_class_is(l, "java.util.ArrayList")) {
		if (jser_field_int(l, "size", &size) != PROTO_OK)
			return PROTO_MALFORMED;
		if ((r = jval_custom_cursor(l, "java.util.ArrayList",
		    &cur)) != PROTO_OK ||
		    (r = jser_cursor_u32(&cur, &u32)) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, size, false, items, NULL, n);
	}
	if (jval_class_is(l, "java.util.LinkedList") ||
	    jval_class_is(l, "java.util.ArrayDeque") ||
	    jval_class_is(l, "java.util.concurrent.CopyOnWriteArrayList")) {
		if ((r = jval_custom_cursor(l, jser_class_name(l),
		    &cur)) != PROTO_OK ||
		    (r = jser_cursor_u32(&cur, &u32)) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)u32, false, items,
		    NULL, n);
	}
	if (jval_class_is(l, "java.util.Vector") ||
	    jval_class_is(l, "java.util.Stack")) {
		if (jser_field_int(l, "elementCount", &size) != PROTO_OK ||
		    jser_field_ref(l, "elementData", &inner) != PROTO_OK ||
		    size < 0 || (inner == NULL && size > 0))
			return PROTO_MALFORMED;
		if (inner == NULL)
			return PROTO_OK;
		if ((r = jval_array_items(doc, inner, (uint32_t)size, items,
		    n)) != PROTO_OK)
			return r == PROTO_TYPE ? PROTO_MALFORMED : r;
		return *n == (uint32_t)size ? PROTO_OK : PROTO_MALFORMED;
	}
	if (jval_class_is(l, "java.util.Arrays$ArrayList")) {
		if (jser_field_ref(l, "a", &inner) != PROTO_OK)
			return PROTO_MALFORMED;
		r = jval_array_items(doc, inner, UINT32_MAX, items, n);
		return r == PROTO_TYPE ? PROTO_MALFORMED : r;
	}
	if (jval_class_is(l, "java.util.Collections$EmptyList") ||
	    jval_class_is(l, "java.util.Collections$EmptySet"))
		return PROTO_OK;
	if (jval_class_is(l, "java.util.Collections$SingletonList") ||
	    jval_class_is(l, "java.util.Collections$SingletonSet"))
		return jval_single(doc, l, "element", items, n);
	if (jser_instance_of(l, "java.util.Collections$UnmodifiableCollection") ||
	    jser_instance_of(l, "java.util.Collections$SynchronizedCollection") ||
	    jser_instance_of(l, "java.util.Collections$CheckedCollection")) {
		if ((r = jval_wrapped(l, "c", &inner)) != PROTO_OK)
			return r;
		return jval_list_items_depth(doc, inner, items, n, depth + 1);
	}
	if (jser_instance_of(l, "java.util.HashSet") ||
	    jval_class_is(l, "java.util.TreeSet") ||
	    jval_class_is(l, "java.util.concurrent.CopyOnWriteArraySet"))
		return jval_set_items(doc, l, items, n);
	return PROTO_TYPE;
}

int
jval_list_items(struct jser_doc *doc, const struct jser_node *list,
    struct jser_node ***items, uint32_t *n)
{
	return jval_list_items_depth(doc, list, items, n, 0);
}

int
jval_set_items(struct jser_doc *doc, const struct jser_node *s,
    struct jser_node ***items, uint32_t *n)
{
	struct jser_cursor	 cur;
	struct jser_node	*cmp, *inner;
	uint32_t		 cap, lf, size;

	*items = NULL;
	*n = 0;
	if (s == NULL || s->type != JSER_OBJECT)
		return PROTO_TYPE;
	if (jser_instance_of(s, "java.util.HashSet")) {
		/* capacity, loadFactor, size, then the elements */
		if (jval_custom_cursor(s, "java.util.HashSet", &cur) !=
		    PROTO_OK || jser_cursor_u32(&cur, &cap) != PROTO_OK ||
		    jser_cursor_u32(&cur, &lf) != PROTO_OK ||
		    jser_cursor_u32(&cur, &size) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)size, false, items,
		    NULL, n);
	}
	if (jval_class_is(s, "java.util.TreeSet")) {
		if (jval_custom_cursor(s, "java.util.TreeSet", &cur) !=
		    PROTO_OK || jser_cursor_obj(&cur, &cmp) != PROTO_OK ||
		    jser_cursor_u32(&cur, &size) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)size, false, items,
		    NULL, n);
	}
	if (jval_class_is(s, "java.util.concurrent.CopyOnWriteArraySet")) {
		if (jval_wrapped(s, "al", &inner) != PROTO_OK ||
		    !jval_class_is(inner,
		    "java.util.concurrent.CopyOnWriteArrayList"))
			return PROTO_MALFORMED;
		return jval_list_items_depth(doc, inner, items, n, 1);
	}
	if (jval_class_is(s, "java.util.Collections$EmptySet") ||
	    jval_class_is(s, "java.util.Collections$SingletonSet") ||
	    jser_instance_of(s, "java.util.Collections$UnmodifiableCollection") ||
	    jser_instance_of(s, "java.util.Collections$SynchronizedCollection"))
		return jval_list_items_depth(doc, s, items, n, 0);
	return PROTO_TYPE;
}

static int
jval_map_entries_depth(struct jser_doc *doc, const struct jser_node *m,
    struct jser_node ***keys, struct jser_node ***values, uint32_t *n,
    int depth)
{
	struct jser_cursor	 cur;
	struct jser_node	*inner, *k, *v, **ks, **vs;
	uint32_t		 a, count, i;
	int			 r;

	*keys = *values = NULL;
	*n = 0;
	if (depth > JVAL_MAX_NEST)
		return PROTO_TOO_BIG;
	if (m == NULL || m->type != JSER_OBJECT)
		return PROTO_TYPE;
	if (jser_instance_of(m, "java.util.HashMap")) {
		/* buckets, size, then key/value pairs (LinkedHashMap too) */
		if (jval_custom_cursor(m, "java.util.HashMap", &cur) !=
		    PROTO_OK || jser_cursor_u32(&cur, &a) != PROTO_OK ||
		    jser_cursor_u32(&cur, &count) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)count, true, keys,
		    values, n);
	}
	if (jval_class_is(m, "java.util.TreeMap")) {
		if (jval_custom_cursor(m, "java.util.TreeMap", &cur) !=
		    PROTO_OK || jser_cursor_u32(&cur, &count) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)count, true, keys,
		    values, n);
	}
	if (jser_instance_of(m, "java.util.Hashtable")) {
		/*
		 * Hashtable.writeObject: length, count, pairs.  Properties
		 * writes the same through its own writeObject (JDK 9+), so
		 * take whichever class of the chain carries the data.
		 */
		if (jval_custom_cursor(m, "java.util.Properties", &cur) !=
		    PROTO_OK || jser_cursor_end(&cur)) {
			if (jval_custom_cursor(m, "java.util.Hashtable",
			    &cur) != PROTO_OK)
				return PROTO_MALFORMED;
		}
		if (jser_cursor_u32(&cur, &a) != PROTO_OK ||
		    jser_cursor_u32(&cur, &count) != PROTO_OK)
			return PROTO_MALFORMED;
		return jval_read_objs(doc, &cur, (int32_t)count, true, keys,
		    values, n);
	}
	if (jval_class_is(m, "java.util.concurrent.ConcurrentHashMap")) {
		/* key/value pairs until a null key and a null value */
		if (jval_custom_cursor(m,
		    "java.util.concurrent.ConcurrentHashMap", &cur) != PROTO_OK)
			return PROTO_MALFORMED;
		count = cur.c->n / 2;
		ks = vs = NULL;
		if (count > 0 &&
		    ((ks = jser_alloc(doc, count * sizeof(*ks))) == NULL ||
		    (vs = jser_alloc(doc, count * sizeof(*vs))) == NULL))
			return PROTO_NOMEM;
		for (i = 0;; i++) {
			if (jser_cursor_obj(&cur, &k) != PROTO_OK ||
			    jser_cursor_obj(&cur, &v) != PROTO_OK)
				return PROTO_MALFORMED;
			if (k == NULL && v == NULL)
				break;
			if (i >= count)
				return PROTO_MALFORMED;
			ks[i] = k;
			vs[i] = v;
		}
		*keys = i > 0 ? ks : NULL;
		*values = i > 0 ? vs : NULL;
		*n = i;
		return PROTO_OK;
	}
	if (jval_class_is(m, "java.util.Collections$EmptyMap"))
		return PROTO_OK;
	if (jval_class_is(m, "java.util.Collections$SingletonMap")) {
		if (jser_field_ref(m, "k", &k) != PROTO_OK ||
		    jser_field_ref(m, "v", &v) != PROTO_OK)
			return PROTO_MALFORMED;
		if ((ks = jser_alloc(doc, sizeof(*ks))) == NULL ||
		    (vs = jser_alloc(doc, sizeof(*vs))) == NULL)
			return PROTO_NOMEM;
		ks[0] = k;
		vs[0] = v;
		*keys = ks;
		*values = vs;
		*n = 1;
		return PROTO_OK;
	}
	if (jser_instance_of(m, "java.util.Collections$UnmodifiableMap") ||
	    jser_instance_of(m, "java.util.Collections$SynchronizedMap") ||
	    jser_instance_of(m, "java.util.Collections$CheckedMap")) {
		if ((r = jval_wrapped(m, "m", &inner)) != PROTO_OK)
			return r;
		return jval_map_entries_depth(doc, inner, keys, values, n,
		    depth + 1);
	}
	return PROTO_TYPE;
}

int
jval_map_entries(struct jser_doc *doc, const struct jser_node *map,
    struct jser_node ***keys, struct jser_node ***values, uint32_t *n)
{
	return jval_map_entries_depth(doc, map, keys, values, n, 0);
}

int
jval_map_get(struct jser_doc *doc, const struct jser_node *map,
    const char *key, struct jser_node **v)
{
	struct jser_node	**ks, **vs;
	uint32_t		 n, i;
	char			*m;
	size_t			 mlen;
	int			 r;

	*v = NULL;
	if ((r = jval_map_entries(doc, map, &ks, &vs, &n)) != PROTO_OK)
		return r;
	if ((r = jser_utf8_to_mutf8(doc, key, strlen(key), &m,
	    &mlen)) != PROTO_OK)
		return r;
	for (i = 0; i < n; i++) {
		if (ks[i] != NULL && ks[i]->type == JSER_STRING &&
		    ks[i]->u.str.len == mlen &&
		    memcmp(ks[i]->u.str.s, m, mlen) == 0) {
			*v = vs[i];
			return PROTO_OK;
		}
	}
	return PROTO_NOTFOUND;
}

int
jval_throwable_info(const struct jser_node *n, const char **cls,
    const char **message, struct jser_node **cause)
{
	struct jser_node	*c = NULL;
	const char		*m = NULL;
	int			 r;

	if (n == NULL || !jser_instance_of(n, "java.lang.Throwable"))
		return PROTO_TYPE;
	if ((r = jser_field_string(n, "detailMessage", &m)) != PROTO_OK &&
	    r != PROTO_NOTFOUND)
		return r;
	if ((r = jser_field_ref(n, "cause", &c)) != PROTO_OK &&
	    r != PROTO_NOTFOUND)
		return r;
	if (c == n || (c != NULL &&
	    !jser_instance_of(c, "java.lang.Throwable")))
		c = NULL;
	if (cls != NULL)
		*cls = jser_class_name(n);
	if (message != NULL)
		*message = m;
	if (cause != NULL)
		*cause = c;
	return PROTO_OK;
}
