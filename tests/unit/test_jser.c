/*
 * test_jser: hand-built streams for each grammar element, the builder,
 * lookups, strings, the cursor, limits and error cases.
 *
 * Streams are written byte by byte here (not with jser_encode) so that
 * the decoder is checked against the grammar, and then each decoded doc
 * must re-encode to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "tests/unit/tap.h"

static struct wbuf S;		/* the stream being written */
static size_t bounds[16];	/* lengths that end a top-level content */
static int nbounds;

/* The stream so far ends a top-level content: a valid prefix. */
static void
mark(void)
{
	if (nbounds < 16)
		bounds[nbounds++] = S.len;
}

static void
raw(const void *p, size_t n)
{
	if (wbuf_put(&S, p, n) != PROTO_OK)
		abort();
}

static void
u8(unsigned v)
{
	uint8_t b = (uint8_t)v;

	raw(&b, 1);
}

static void
u16(unsigned v)
{
	u8(v >> 8);
	u8(v);
}

static void
u32(uint32_t v)
{
	u16(v >> 16);
	u16(v & 0xffff);
}

static void
u64(uint64_t v)
{
	u32((uint32_t)(v >> 32));
	u32((uint32_t)v);
}

static void
utf(const char *s)
{
	u16((unsigned)strlen(s));
	raw(s, strlen(s));
}

static void
begin(void)
{
	wbuf_reset(&S);
	raw("\xac\xed\x00\x05", 4);
	nbounds = 0;
	mark();
}

/* TC_CLASSDESC header: name, suid, flags, field count. */
static void
desc(const char *name, uint64_t suid, unsigned flags, unsigned nfields)
{
	u8(TC_CLASSDESC);
	utf(name);
	u64(suid);
	u8(flags);
	u16(nfields);
}

static void
field_prim(char t, const char *name)
{
	u8((unsigned)t);
	utf(name);
}

static void
field_obj(char t, const char *name, const char *sig)
{
	u8((unsigned)t);
	utf(name);
	u8(TC_STRING);
	utf(sig);
}

static void
ref(uint32_t h)
{
	u8(TC_REFERENCE);
	u32(JSER_BASE_HANDLE + h);
}

/* Decode from an exact-size copy (so ASan sees any over-read). */
static int
decode_copy(const uint8_t *p, size_t len, const struct proto_limits *lim,
    struct jser_doc **doc, struct jser_err *err)
{
	uint8_t	*c = malloc(len ? len : 1);
	int	 r;

	if (c == NULL)
		abort();
	if (len > 0)
		memcpy(c, p, len);
	r = jser_decode(c, len, lim, doc, err);
	free(c);
	return r;
}

/* Decode S, require success and an exact re-encoding. */
static struct jser_doc *
dec_ok(const char *what)
{
	struct jser_doc	*doc = NULL;
	struct jser_err	 err;
	struct wbuf	 w;
	int		 r, same;

	if ((r = decode_copy(S.d, S.len, NULL, &doc, &err)) != PROTO_OK) {
		ok(0, "%s: decode: %s at %zu: %s", what, proto_strerror(r),
		    err.offset, err.msg);
		return NULL;
	}
	wbuf_init(&w, 1u << 28);
	r = jser_encode(doc, &w);
	same = r == PROTO_OK && w.len == S.len && memcmp(w.d, S.d, S.len) == 0;
	ok(same, "%s: decodes and re-encodes to the same %zu bytes", what,
	    S.len);
	wbuf_free(&w);
	return doc;
}

static int
dec_err(const struct proto_limits *lim, struct jser_err *err)
{
	struct jser_doc	*doc = NULL;
	struct jser_err	 lerr;
	int		 r;

	r = decode_copy(S.d, S.len, lim, &doc, err ? err : &lerr);
	jser_doc_free(doc);
	if (r == PROTO_OK)
		return PROTO_OK;
	return r;
}

/* Every proper prefix of S must be INCOMPLETE, except those ending a
 * top-level content (see mark()), which decode to that many contents. */
static void
trunc_all(const char *what)
{
	struct jser_doc	*doc;
	size_t		 l, bad = 0, first = 0;
	int		 r, i, at;

	for (l = 0; l < S.len; l++) {
		doc = NULL;
		r = decode_copy(S.d, l, NULL, &doc, NULL);
		for (at = -1, i = 0; i < nbounds; i++)
			if (bounds[i] == l)
				at = i;
		if ((at >= 0 && (r != PROTO_OK || doc->top.n != (uint32_t)at)) ||
		    (at < 0 && r != PROTO_INCOMPLETE)) {
			if (bad++ == 0)
				first = l;
		}
		jser_doc_free(doc);
	}
	ok(bad == 0, "%s: all %zu truncations are INCOMPLETE (first bad: "
	    "%zu)", what, S.len, first);
}

/* ---- grammar elements ---- */

static const uint8_t capability[] = {
	0xac, 0xed, 0x00, 0x05, 0x73, 0x72, 0x00, 0x1a, 'h', 'u', 'd', 's',
	'o', 'n', '.', 'r', 'e', 'm', 'o', 't', 'i', 'n', 'g', '.', 'C', 'a',
	'p', 'a', 'b', 'i', 'l', 'i', 't', 'y', 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 0x4a, 0x00, 0x04, 'm', 'a', 's',
	'k', 0x78, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe,
};

static void
test_capability(void)
{
	struct jser_doc		*doc;
	struct jser_node	*root, *d, *o;
	struct wbuf		 w;
	int64_t			 mask = 0;

	begin();
	raw(capability + 4, sizeof(capability) - 4);
	if ((doc = dec_ok("capability")) == NULL)
		return;
	root = jser_root(doc);
	ok(root != NULL && root->type == JSER_OBJECT &&
	    root->handle == JSER_BASE_HANDLE + 1 &&
	    root->u.obj.desc->handle == JSER_BASE_HANDLE &&
	    strcmp(jser_class_name(root), "hudson.remoting.Capability") == 0,
	    "capability: object, handles desc 0, object 1");
	ok(jser_field_long(root, "mask", &mask) == PROTO_OK && mask == 0x1fe,
	    "capability: mask 0x1fe");
	ok(jser_field_long(root, "nope", &mask) == PROTO_NOTFOUND,
	    "missing field: NOTFOUND");
	ok(jser_field_ref(root, "mask", &o) == PROTO_TYPE,
	    "primitive field as ref: TYPE");
	trunc_all("capability");
	jser_doc_free(doc);

	/* the same bytes from the builder */
	doc = jser_doc_new();
	d = jser_new_desc(doc, "hudson.remoting.Capability", 1,
	    SC_SERIALIZABLE, NULL);
	ok(d != NULL && jser_desc_add_field(doc, d, 'J', "mask", NULL) ==
	    PROTO_OK && jser_desc_find(doc, "hudson.remoting.Capability") == d,
	    "builder: descriptor");
	o = jser_new_object(doc, d);
	ok(o != NULL && jser_set_prim(o, "mask", 0x1fe) == PROTO_OK &&
	    jser_doc_add(doc, o) == PROTO_OK, "builder: object");
	wbuf_init(&w, 1024);
	ok(jser_encode(doc, &w) == PROTO_OK && w.len == sizeof(capability) &&
	    memcmp(w.d, capability, w.len) == 0,
	    "builder: capability encodes to the validated 62 bytes");
	wbuf_reset(&w);
	ok(jser_encode_node(o, &w) == PROTO_OK &&
	    w.len == sizeof(capability) &&
	    memcmp(w.d, capability, w.len) == 0, "jser_encode_node: same");
	wbuf_free(&w);
	jser_doc_free(doc);
}

static void
test_strings(void)
{
	struct jser_doc		*doc;
	struct jser_node	*n;
	char			*big, *u;
	size_t			 i, ul;
	static const uint8_t nul[] = { 'a', 0xc0, 0x80, 'b' };
	static const uint8_t pair[] = { 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80 };
	static const uint8_t smile[] = { 0xf0, 0x9f, 0x98, 0x80 };

	begin();
	u8(TC_STRING);
	utf("hello");
	if ((doc = dec_ok("short string")) == NULL)
		return;
	n = jser_root(doc);
	ok(n->type == JSER_STRING && n->u.str.len == 5 &&
	    strcmp(n->u.str.s, "hello") == 0 && !n->u.str.is_long,
	    "short string value");
	trunc_all("short string");
	jser_doc_free(doc);

	big = malloc(70001);
	for (i = 0; i < 70000; i++)
		big[i] = (char)('a' + i % 26);
	big[70000] = '\0';
	begin();
	u8(TC_LONGSTRING);
	u64(70000);
	raw(big, 70000);
	if ((doc = dec_ok("long string")) != NULL) {
		n = jser_root(doc);
		ok(n->u.str.is_long && n->u.str.len == 70000 &&
		    memcmp(n->u.str.s, big, 70000) == 0 &&
		    n->u.str.s[70000] == '\0', "long string value");
		jser_doc_free(doc);
	}
	/* a long string that is short */
	begin();
	u8(TC_LONGSTRING);
	u64(3);
	raw("abc", 3);
	if ((doc = dec_ok("short TC_LONGSTRING")) != NULL)
		jser_doc_free(doc);
	trunc_all("short TC_LONGSTRING");

	/* builder: > 65535 bytes becomes TC_LONGSTRING */
	doc = jser_doc_new();
	n = jser_new_string(doc, big, 70000);
	ok(n != NULL && n->u.str.is_long && n->u.str.len == 70000,
	    "builder: long string");
	jser_doc_add(doc, n);
	wbuf_reset(&S);
	ok(jser_encode(doc, &S) == PROTO_OK && S.len == 4 + 9 + 70000 &&
	    S.d[4] == TC_LONGSTRING, "builder: long string encodes as "
	    "TC_LONGSTRING");
	jser_doc_free(doc);
	free(big);

	/* NUL as C0 80 */
	begin();
	u8(TC_STRING);
	u16(sizeof(nul));
	raw(nul, sizeof(nul));
	if ((doc = dec_ok("C0 80 string")) != NULL) {
		n = jser_root(doc);
		ok(jser_mutf8_to_utf8(doc, n->u.str.s, n->u.str.len, &u,
		    &ul) == PROTO_OK && ul == 3 && memcmp(u, "a\0b", 3) == 0,
		    "C0 80 -> U+0000");
		ok(jser_utf8_to_mutf8(doc, "a\0b", 3, &u, &ul) == PROTO_OK &&
		    ul == 4 && memcmp(u, nul, 4) == 0, "U+0000 -> C0 80");
		n = jser_new_string(doc, "a\0b", 3);
		ok(n != NULL && n->u.str.len == 4 &&
		    memcmp(n->u.str.s, nul, 4) == 0, "builder: NUL as C0 80");
		jser_doc_free(doc);
	}
	/* surrogate pairs */
	begin();
	u8(TC_STRING);
	u16(sizeof(pair));
	raw(pair, sizeof(pair));
	if ((doc = dec_ok("surrogate pair")) != NULL) {
		n = jser_root(doc);
		ok(jser_mutf8_to_utf8(doc, n->u.str.s, n->u.str.len, &u,
		    &ul) == PROTO_OK && ul == 4 && memcmp(u, smile, 4) == 0,
		    "surrogate pair -> U+1F600");
		ok(jser_utf8_to_mutf8(doc, (const char *)smile, 4, &u, &ul) ==
		    PROTO_OK && ul == 6 && memcmp(u, pair, 6) == 0,
		    "U+1F600 -> surrogate pair");
		ok(jser_mutf8_to_utf8(doc, (const char *)pair, 3, &u, &ul) ==
		    PROTO_OK && ul == 3 && memcmp(u, "\xef\xbf\xbd", 3) == 0,
		    "lone surrogate -> U+FFFD");
		ok(jser_utf8_to_mutf8(doc, "\xed\xa0\xbd", 3, &u, &ul) ==
		    PROTO_MALFORMED, "UTF-8 with an encoded surrogate: "
		    "MALFORMED");
		ok(jser_utf8_to_mutf8(doc, "\xc0\xaf", 2, &u, &ul) ==
		    PROTO_MALFORMED && jser_utf8_to_mutf8(doc, "\xe2\x82", 2,
		    &u, &ul) == PROTO_MALFORMED && jser_utf8_to_mutf8(doc,
		    "\xf4\x90\x80\x80", 4, &u, &ul) == PROTO_MALFORMED,
		    "bad UTF-8 input: MALFORMED");
		ok(jser_utf8_to_mutf8(doc, "h\xc3\xa9\xe2\x82\xac", 6, &u,
		    &ul) == PROTO_OK && ul == 6 && jser_new_string(doc, "\xff",
		    1) == NULL, "2- and 3-byte forms pass; invalid -> NULL");
		jser_doc_free(doc);
	}
	ok(jser_mutf8_valid("abcdefghijklmnopq", 17) &&
	    !jser_mutf8_valid("abcdefgh\0ijklmnop", 17) &&
	    !jser_mutf8_valid("\xc1\x81", 2) &&
	    !jser_mutf8_valid("\xe0\x80\x80", 3) &&
	    !jser_mutf8_valid("\xf0\x9f\x98\x80", 4) &&
	    !jser_mutf8_valid("\x80", 1) && !jser_mutf8_valid("\xc3", 1) &&
	    !jser_mutf8_valid("abcdefgh\xe2\x82", 10) &&
	    jser_mutf8_valid("\xc0\x80", 2) && jser_mutf8_valid("", 0),
	    "mutf8_valid: raw NUL, overlongs, 4-byte forms, truncation");
}

static void
test_reset_refs(void)
{
	struct jser_doc		*doc;
	struct jser_node	*a, *b;

	/* "a", ref 0, reset, "b", ref 0 -> "b" */
	begin();
	u8(TC_STRING);
	utf("a");
	ref(0);
	u8(TC_RESET);
	u8(TC_STRING);
	utf("b");
	ref(0);
	if ((doc = dec_ok("TC_RESET")) == NULL)
		return;
	a = doc->top.items[0];
	b = doc->top.items[3];
	ok(doc->top.n == 5 && doc->top.items[1] == a &&
	    doc->top.items[2]->type == JSER_RESET && doc->top.items[4] == b &&
	    strcmp(b->u.str.s, "b") == 0 && b->handle == JSER_BASE_HANDLE,
	    "reset clears the handle table");
	jser_doc_free(doc);
	ok(jser_root(NULL) == NULL, "root of NULL");

	begin();
	u8(TC_STRING);
	utf("a");
	u8(TC_RESET);
	ref(0);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED,
	    "reference to a handle cleared by reset: MALFORMED");
}

static void
test_exception(void)
{
	struct jser_doc		*doc;
	struct jser_node	*e;

	begin();
	u8(TC_STRING);
	utf("before");
	u8(TC_EXCEPTION);
	u8(TC_OBJECT);
	desc("java.io.IOException", 7818375828146090155ULL, SC_SERIALIZABLE,
	    1);
	field_obj('L', "detailMessage", "Ljava/lang/String;");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_STRING);
	utf("boom");
	u8(TC_STRING);
	utf("after");
	ref(0);		/* handles restart after the exception */
	if ((doc = dec_ok("TC_EXCEPTION")) == NULL)
		return;
	e = doc->top.items[1];
	ok(doc->top.n == 4 && e->type == JSER_EXCEPTION &&
	    e->u.exc.throwable->u.obj.desc->handle == JSER_BASE_HANDLE &&
	    jser_root(doc) == doc->top.items[0], "exception node, handles "
	    "restart at 0");
	ok(doc->top.items[3] == doc->top.items[2] &&
	    doc->top.items[2]->handle == JSER_BASE_HANDLE,
	    "after the exception handles restart again");
	jser_doc_free(doc);
}

static void
test_enum_class(void)
{
	struct jser_doc		*doc;
	struct jser_node	*e1, *e2, *c;

	begin();
	u8(TC_ENUM);
	desc("java.util.concurrent.TimeUnit", 0, SC_SERIALIZABLE | SC_ENUM, 0);
	u8(TC_ENDBLOCKDATA);
	desc("java.lang.Enum", 0, SC_SERIALIZABLE | SC_ENUM, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_STRING);
	utf("SECONDS");
	mark();
	u8(TC_ENUM);
	ref(0);
	u8(TC_STRING);
	utf("MINUTES");
	mark();
	u8(TC_CLASS);
	desc("java.lang.String", 0xa0f0a4387a3bb342ULL, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	mark();
	u8(TC_CLASS);
	ref(0);
	if ((doc = dec_ok("enums and classes")) == NULL)
		return;
	e1 = doc->top.items[0];
	e2 = doc->top.items[1];
	c = doc->top.items[2];
	ok(e1->type == JSER_ENUM && e1->handle == JSER_BASE_HANDLE + 2 &&
	    strcmp(e1->u.en.name->u.str.s, "SECONDS") == 0 &&
	    e1->u.en.name->handle == JSER_BASE_HANDLE + 3 &&
	    strcmp(jser_class_name(e1), "java.util.concurrent.TimeUnit") == 0,
	    "enum: handle after desc, before name");
	ok(e2->u.en.desc == e1->u.en.desc &&
	    strcmp(e2->u.en.name->u.str.s, "MINUTES") == 0,
	    "second enum shares the descriptor");
	ok(c->type == JSER_CLASS && c->handle == JSER_BASE_HANDLE + 7 &&
	    strcmp(jser_class_name(c), "java.lang.String") == 0 &&
	    doc->top.items[3]->u.cls.desc == e1->u.en.desc,
	    "TC_CLASS nodes");
	jser_doc_free(doc);
	trunc_all("enums and classes");

	/* enum constant must be a string */
	begin();
	u8(TC_ENUM);
	desc("E", 0, SC_SERIALIZABLE | SC_ENUM, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "enum without a name: "
	    "MALFORMED");
}

static void
proxy_stream(void)
{
	begin();
	u8(TC_OBJECT);
	u8(TC_PROXYCLASSDESC);
	u32(2);
	utf("hudson.remoting.RemoteClassLoader$IClassLoader");
	utf("hudson.remoting.IReadResolve");
	u8(TC_ENDBLOCKDATA);
	desc("java.lang.reflect.Proxy", 0xe127da20cc1043cbULL, SC_SERIALIZABLE,
	    1);
	field_obj('L', "h", "Ljava/lang/reflect/InvocationHandler;");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_NULL);
}

static void
test_proxy(void)
{
	struct jser_doc		*doc;
	struct jser_node	*o, *h = (void *)1, *pd, *px;
	const char		*ifs[2] = {
		"hudson.remoting.RemoteClassLoader$IClassLoader",
		"hudson.remoting.IReadResolve" };
	struct wbuf		 w;

	proxy_stream();
	if ((doc = dec_ok("proxy")) == NULL)
		return;
	o = jser_root(doc);
	pd = o->u.obj.desc;
	ok(pd->type == JSER_PROXYDESC && pd->u.proxy.ninterfaces == 2 &&
	    strcmp(pd->u.proxy.interfaces[1], "hudson.remoting.IReadResolve")
	    == 0 && o->u.obj.nclasses == 1 &&
	    jser_field_ref(o, "h", &h) == PROTO_OK && h == NULL &&
	    jser_class_name(o) == NULL &&
	    jser_instance_of(o, "java.lang.reflect.Proxy"),
	    "proxy: interfaces, Proxy.h");
	jser_doc_free(doc);
	trunc_all("proxy");

	/* builder */
	doc = jser_doc_new();
	px = jser_new_desc(doc, "java.lang.reflect.Proxy",
	    (int64_t)0xe127da20cc1043cbULL, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, px, 'L', "h",
	    "Ljava/lang/reflect/InvocationHandler;");
	pd = jser_new_proxydesc(doc, ifs, 2, px);
	o = jser_new_object(doc, pd);
	jser_doc_add(doc, o);
	wbuf_init(&w, 4096);
	proxy_stream();
	ok(jser_encode(doc, &w) == PROTO_OK && w.len == S.len &&
	    memcmp(w.d, S.d, S.len) == 0, "builder: proxy bytes");
	wbuf_free(&w);
	jser_doc_free(doc);
}

static void
test_arrays(void)
{
	static const struct {
		const char	*name;
		int		 size;
		uint64_t	 want[3];
	} t[] = {
		{ "[B", 1, { 1, (uint64_t)-2, 0x7f } },
		{ "[C", 2, { 0x41, 0xffff, 0 } },
		{ "[D", 8, { 0x3ff8000000000000ULL, 0, 1 } },
		{ "[F", 4, { 0x3fc00000, 0x80000000, 1 } },
		{ "[I", 4, { 1, (uint64_t)-1, 0x7fffffff } },
		{ "[J", 8, { (uint64_t)-5, 0x123456789abcdefULL, 0 } },
		{ "[S", 2, { (uint64_t)-2, 0x7fff, 3 } },
		{ "[Z", 1, { 1, 0, 1 } },
	};
	struct jser_doc		*doc;
	struct jser_node	*a, *s, **v;
	const uint8_t		*bp;
	uint64_t		 x;
	uint32_t		 bl;
	size_t			 i, j;
	int			 k, good;
	char			 what[64];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		begin();
		u8(TC_ARRAY);
		desc(t[i].name, 0x1234, SC_SERIALIZABLE, 0);
		u8(TC_ENDBLOCKDATA);
		u8(TC_NULL);
		u32(3);
		for (j = 0; j < 3; j++)
			for (k = t[i].size - 1; k >= 0; k--)
				u8((unsigned)(t[i].want[j] >> (8 * k)));
		snprintf(what, sizeof(what), "array %s", t[i].name);
		if ((doc = dec_ok(what)) == NULL)
			continue;
		a = jser_root(doc);
		good = a->type == JSER_ARRAY && a->u.arr.elem == t[i].name[1] &&
		    a->u.arr.length == 3;
		for (j = 0; good && j < 3; j++)
			good = jser_array_get(a, (uint32_t)j, &x) == PROTO_OK &&
			    x == t[i].want[j];
		ok(good && jser_array_get(a, 3, &x) == PROTO_NOTFOUND,
		    "%s: elements", what);
		if (t[i].name[1] == 'B')
			ok(jser_array_bytes(a, &bp, &bl) == PROTO_OK &&
			    bl == 3 && bp[1] == 0xfe, "byte[] bytes");
		else
			ok(jser_array_bytes(a, &bp, &bl) == PROTO_TYPE,
			    "%s: not a byte[]", what);
		trunc_all(what);
		jser_doc_free(doc);
	}
	ok(jser_bits_double(0x3ff8000000000000ULL) == 1.5 &&
	    jser_bits_float(0x3fc00000) == 1.5f &&
	    jser_double_bits(-2.0) == 0xc000000000000000ULL &&
	    jser_float_bits(-2.0f) == 0xc0000000, "float/double bits");

	/* String[] with a back-reference and a null; int[][] */
	begin();
	u8(TC_ARRAY);
	desc("[Ljava.lang.String;", 0xadd256e7e91d7b47ULL, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(4);
	u8(TC_STRING);
	utf("x");
	ref(2);
	u8(TC_NULL);
	ref(1);		/* the array itself */
	if ((doc = dec_ok("String[]")) != NULL) {
		a = jser_root(doc);
		v = a->u.arr.data;
		ok(a->u.arr.elem == 'L' && a->u.arr.length == 4 &&
		    v[0] == v[1] && v[0]->type == JSER_STRING && v[2] == NULL &&
		    v[3] == a && jser_array_get(a, 0, &x) == PROTO_TYPE,
		    "String[]: shared element, null, self reference");
		jser_doc_free(doc);
	}
	trunc_all("String[]");
	begin();
	u8(TC_ARRAY);
	desc("[[I", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(2);
	u8(TC_ARRAY);
	desc("[I", 2, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(1);
	u32(7);
	u8(TC_ARRAY);
	ref(2);
	u32(0);
	if ((doc = dec_ok("int[][]")) != NULL) {
		a = jser_root(doc);
		v = a->u.arr.data;
		ok(a->u.arr.elem == '[' && v[0]->u.arr.elem == 'I' &&
		    v[1]->u.arr.length == 0 && v[1]->u.arr.desc ==
		    v[0]->u.arr.desc, "int[][]");
		jser_doc_free(doc);
	}
	/* 100 elements: incremental growth */
	begin();
	u8(TC_ARRAY);
	desc("[Ljava.lang.Object;", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(100);
	for (i = 0; i < 100; i++) {
		u8(TC_STRING);
		u16(1);
		u8((unsigned)('0' + i % 10));
	}
	if ((doc = dec_ok("Object[100]")) != NULL) {
		a = jser_root(doc);
		v = a->u.arr.data;
		s = v[99];
		ok(s->u.str.s[0] == '9' && s->handle == JSER_BASE_HANDLE + 101,
		    "Object[100] elements");
		jser_doc_free(doc);
	}
	/* bad array descriptors */
	begin();
	u8(TC_ARRAY);
	desc("[Q", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(0);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "array class [Q: "
	    "MALFORMED");
	begin();
	u8(TC_ARRAY);
	desc("java.lang.String", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(0);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "array of a non-array "
	    "class: MALFORMED");
	begin();
	u8(TC_ARRAY);
	desc("[I", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(0x80000000u);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "negative array length: "
	    "MALFORMED");
	begin();
	u8(TC_ARRAY);
	desc("[J", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(0x01000000u);
	u64(1);
	ok(dec_err(NULL, NULL) == PROTO_INCOMPLETE, "array longer than the "
	    "input: INCOMPLETE, not allocated");
}

/* An ArrayList-like object: SC_WRITE_METHOD, fields then custom data. */
static void
list_stream(int longblock)
{
	int	 i;

	begin();
	u8(TC_OBJECT);
	desc("java.util.ArrayList", 0x7881d21d99c7619dULL,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, 1);
	field_prim('I', "size");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(2);			/* size */
	u8(TC_BLOCKDATA);
	u8(4);
	u32(10);		/* capacity */
	u8(TC_STRING);
	utf("one");
	if (longblock) {
		u8(TC_BLOCKDATALONG);
		u32(300);
		for (i = 0; i < 300; i++)
			u8((unsigned)i);
	}
	u8(TC_BLOCKDATA);
	u8(2);
	u16(0x0102);
	u8(TC_NULL);
	u8(TC_ENDBLOCKDATA);
}

static void
test_blockdata(void)
{
	struct jser_doc		*doc;
	struct jser_node	*o, *n;
	const struct jser_content *c;
	struct jser_cursor	 cur;
	uint32_t		 v32 = 0;
	uint16_t		 v16 = 0;
	uint8_t			 v8 = 0, buf[300];
	uint64_t		 v64 = 0;
	int32_t			 size = 0;

	list_stream(0);
	if ((doc = dec_ok("ArrayList (writeObject)")) == NULL)
		return;
	o = jser_root(doc);
	c = jser_custom(o, "java.util.ArrayList");
	ok(jser_field_int(o, "size", &size) == PROTO_OK && size == 2 &&
	    c != NULL && c->n == 4 && jser_custom(o, NULL) == c &&
	    jser_custom(o, "java.lang.Object") == NULL,
	    "fields then custom data");
	jser_cursor_init(&cur, c);
	ok(jser_cursor_obj(&cur, &n) == PROTO_TYPE, "cursor: object "
	    "where bytes are");
	ok(jser_cursor_u32(&cur, &v32) == PROTO_OK && v32 == 10,
	    "cursor: capacity");
	ok(jser_cursor_u8(&cur, &v8) == PROTO_TYPE, "cursor: bytes where an "
	    "object is: TYPE");
	ok(jser_cursor_obj(&cur, &n) == PROTO_OK && n->type == JSER_STRING &&
	    strcmp(n->u.str.s, "one") == 0, "cursor: object");
	ok(jser_cursor_u16(&cur, &v16) == PROTO_OK && v16 == 0x0102,
	    "cursor: u16");
	ok(!jser_cursor_end(&cur) && jser_cursor_obj(&cur, &n) == PROTO_OK &&
	    n == NULL && jser_cursor_end(&cur), "cursor: null, end");
	ok(jser_cursor_u8(&cur, &v8) == PROTO_MALFORMED &&
	    jser_cursor_obj(&cur, &n) == PROTO_MALFORMED,
	    "cursor: past the end");
	jser_doc_free(doc);
	trunc_all("ArrayList");

	list_stream(1);
	if ((doc = dec_ok("custom data with TC_BLOCKDATALONG")) == NULL)
		return;
	o = jser_root(doc);
	c = jser_custom(o, NULL);
	ok(c->n == 5 && c->items[2]->u.block.is_long &&
	    c->items[2]->u.block.len == 300, "TC_BLOCKDATALONG item");
	jser_cursor_init(&cur, c);
	jser_cursor_u32(&cur, &v32);
	jser_cursor_obj(&cur, &n);
	ok(jser_cursor_bytes(&cur, buf, 299) == PROTO_OK && buf[298] == 42 &&
	    jser_cursor_u16(&cur, &v16) == PROTO_OK && v16 == (0x2b << 8 | 1),
	    "cursor: reads span block segments");
	ok(jser_cursor_u64(&cur, &v64) == PROTO_TYPE, "cursor: failed read "
	    "consumes nothing");
	ok(jser_cursor_u8(&cur, &v8) == PROTO_OK && v8 == 2, "cursor: after a "
	    "failed read");
	jser_doc_free(doc);
	trunc_all("TC_BLOCKDATALONG");

	/* block data at the top level */
	begin();
	u8(TC_BLOCKDATA);
	u8(0);
	u8(TC_BLOCKDATALONG);
	u32(1);
	u8(9);
	if ((doc = dec_ok("top-level block data")) != NULL) {
		ok(jser_root(doc) == NULL && doc->top.n == 2,
		    "block data is no root");
		jser_doc_free(doc);
	}
	begin();
	u8(TC_BLOCKDATALONG);
	u32(0xffffffffu);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "negative block length: "
	    "MALFORMED");
	begin();
	u8(TC_BLOCKDATALONG);
	u32(0x7fffffffu);
	u8(1);
	ok(dec_err(NULL, NULL) == PROTO_INCOMPLETE, "huge block length: "
	    "INCOMPLETE");
}

static void
test_chain_annotation(void)
{
	struct jser_doc		*doc;
	struct jser_node	*o, *a, *self;
	int32_t			 x = 0;
	const char		*s = NULL;

	/* class B extends A, with a class annotation on A */
	begin();
	u8(TC_OBJECT);
	desc("B", 2, SC_SERIALIZABLE, 3);
	field_prim('I', "x");
	field_obj('L', "s", "Ljava/lang/String;");
	field_obj('L', "self", "LB;");
	u8(TC_ENDBLOCKDATA);
	desc("A", 1, SC_SERIALIZABLE, 2);
	field_prim('I', "x");
	u8('L');
	utf("t");
	ref(1);
	u8(TC_BLOCKDATA);
	u8(4);
	u32(0xfffffffd);
	u8(TC_STRING);
	utf("annot");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	/* handles: B 0, "Ljava/lang/String;" 1, "LB;" 2, A 3, "annot" 4,
	 * object 5 */
	u32(11);		/* A.x */
	ref(1);			/* A.t = the type string */
	u32(22);		/* B.x */
	u8(TC_STRING);
	utf("bee");
	ref(5);			/* self */
	if ((doc = dec_ok("superclass chain with annotation")) == NULL)
		return;
	o = jser_root(doc);
	a = o->u.obj.classes[0].desc;
	ok(o->u.obj.nclasses == 2 && strcmp(a->u.desc.name, "A") == 0 &&
	    a->u.desc.annotation.n == 2 && o->handle == JSER_BASE_HANDLE + 5,
	    "chain root first; annotation kept");
	ok(jser_field_int(o, "x", &x) == PROTO_OK && x == 22,
	    "leaf field wins");
	ok(jser_field_string(o, "t", &s) == PROTO_OK &&
	    strcmp(s, "Ljava/lang/String;") == 0 &&
	    o->u.obj.classes[0].values[1].ref ==
	    o->u.obj.desc->u.desc.fields[1].class_name,
	    "field type string gets its handle before the next one");
	ok(jser_field_ref(o, "self", &self) == PROTO_OK && self == o,
	    "cyclic self reference");
	ok(jser_instance_of(o, "A") && jser_instance_of(o, "B") &&
	    !jser_instance_of(o, "C") && jser_field_string(o, "x", &s) ==
	    PROTO_TYPE && jser_field_string(o, "self", &s) == PROTO_TYPE,
	    "instance_of; string of a non-string: TYPE");
	jser_doc_free(doc);
	trunc_all("superclass chain");
}

static void
test_externalizable_custom(void)
{
	struct jser_doc		*doc;
	struct jser_node	*o;
	const struct jser_content *c;
	struct jser_classdata	*cd;

	begin();
	u8(TC_OBJECT);
	desc("x.Ext", 5, SC_EXTERNALIZABLE | SC_BLOCK_DATA, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_BLOCKDATA);
	u8(3);
	raw("abc", 3);
	u8(TC_STRING);
	utf("inner");
	u8(TC_ENDBLOCKDATA);
	if ((doc = dec_ok("externalizable (block data)")) != NULL) {
		o = jser_root(doc);
		c = jser_custom(o, "x.Ext");
		ok(o->u.obj.nclasses == 1 && c != NULL && c->n == 2 &&
		    !o->u.obj.classes[0].has_fields, "external data kept as "
		    "custom content");
		jser_doc_free(doc);
	}
	trunc_all("externalizable");
	begin();
	u8(TC_OBJECT);
	desc("x.OldExt", 5, SC_EXTERNALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(1);
	ok(dec_err(NULL, NULL) == PROTO_UNSUPPORTED, "externalizable without "
	    "SC_BLOCK_DATA: UNSUPPORTED");

	/* hudson.remoting.Pipe: declared fields are not written */
	begin();
	u8(TC_OBJECT);
	desc("hudson.remoting.Pipe", 1, SC_SERIALIZABLE | SC_WRITE_METHOD, 2);
	field_obj('L', "in", "Lhudson/remoting/RemoteInputStream;");
	field_obj('L', "out", "Lhudson/remoting/RemoteOutputStream;");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_BLOCKDATA);
	u8(5);
	u8(1);
	u32(5);
	u8(TC_ENDBLOCKDATA);
	if ((doc = dec_ok("Pipe (custom data only)")) != NULL) {
		o = jser_root(doc);
		cd = jser_obj_classdata(o, "hudson.remoting.Pipe");
		ok(cd != NULL && !cd->has_fields && cd->has_custom &&
		    cd->custom.n == 1 && jser_field(o, "in", NULL) == NULL,
		    "Pipe: no field values, custom block");
		jser_doc_free(doc);
	}
	trunc_all("Pipe");

	/*
	 * Unknown writeObject class without default fields: reading the
	 * fields takes "in" (a handle) and then fails; the fallback must
	 * rewind the position and the handle table.
	 */
	begin();
	u8(TC_OBJECT);
	desc("x.Custom", 9, SC_SERIALIZABLE | SC_WRITE_METHOD, 2);
	field_obj('L', "s", "Ljava/lang/String;");
	field_prim('I', "a");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_STRING);
	utf("in");
	u8(TC_BLOCKDATA);
	u8(1);
	u8('z');
	u8(TC_ENDBLOCKDATA);
	mark();
	u8(TC_STRING);
	utf("after");
	mark();
	ref(3);			/* "in" */
	if ((doc = dec_ok("writeObject without default fields "
	    "(fallback)")) != NULL) {
		o = jser_root(doc);
		cd = jser_obj_classdata(o, NULL);
		ok(!cd->has_fields && cd->custom.n == 2 && doc->top.n == 3 &&
		    doc->top.items[2] == cd->custom.items[0] &&
		    cd->custom.items[0]->handle == JSER_BASE_HANDLE + 3,
		    "fallback rewinds position and handles");
		jser_doc_free(doc);
	}
	trunc_all("fallback");
	/* the same class with its fields written first */
	begin();
	u8(TC_OBJECT);
	desc("x.Custom", 9, SC_SERIALIZABLE | SC_WRITE_METHOD, 2);
	field_prim('I', "a");
	field_obj('L', "s", "Ljava/lang/String;");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(77);
	u8(TC_NULL);
	u8(TC_ENDBLOCKDATA);
	if ((doc = dec_ok("writeObject with default fields")) != NULL) {
		int32_t a = 0;

		o = jser_root(doc);
		ok(jser_field_int(o, "a", &a) == PROTO_OK && a == 77 &&
		    jser_obj_classdata(o, "x.Custom")->has_custom &&
		    jser_obj_classdata(o, "x.Custom")->custom.n == 0,
		    "default fields, empty custom section");
		jser_doc_free(doc);
	}
	trunc_all("writeObject with default fields");
}

static void
test_errors(void)
{
	struct jser_err	 err;
	struct jser_doc	*doc = (void *)1;

	begin();
	ok(dec_err(NULL, NULL) == PROTO_OK, "empty stream is a valid doc");
	wbuf_reset(&S);
	raw("\xac\xed\x00\x04", 4);
	ok(dec_err(NULL, &err) == PROTO_MALFORMED && err.code ==
	    PROTO_MALFORMED && err.msg[0] != '\0', "version 4: MALFORMED "
	    "(%s)", err.msg);
	wbuf_reset(&S);
	raw("\xac\xee", 2);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "bad magic: MALFORMED");
	ok(jser_decode((const uint8_t *)"\xac", 1, NULL, &doc, NULL) ==
	    PROTO_INCOMPLETE && doc == NULL, "one byte: INCOMPLETE");

	begin();
	u8(0x00);
	ok(dec_err(NULL, &err) == PROTO_MALFORMED && err.offset == 4,
	    "bad tag 0x00: MALFORMED at offset 4");
	begin();
	u8(0x7f);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "bad tag 0x7f");
	begin();
	u8(TC_ENDBLOCKDATA);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "TC_ENDBLOCKDATA at top");
	begin();
	ref(0);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "reference without "
	    "handles");
	begin();
	u8(TC_STRING);
	utf("s");
	u8(TC_REFERENCE);
	u32(0);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "reference below base");
	begin();
	u8(TC_STRING);
	utf("s");
	u8(TC_OBJECT);
	ref(0);
	ok(dec_err(NULL, &err) == PROTO_MALFORMED, "object whose descriptor "
	    "reference is a string: MALFORMED (%s)", err.msg);
	begin();
	u8(TC_OBJECT);
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "object with null "
	    "descriptor");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 1);
	u8('Q');
	utf("f");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "bad field type code");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 1);
	u8('L');
	utf("f");
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "null field type string");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 1);
	field_obj('L', "f", "java.lang.String");
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "field type string "
	    "not a signature");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	ref(0);			/* super = itself, unfinished */
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "descriptor that is its "
	    "own superclass: MALFORMED");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE | SC_EXTERNALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "serializable and "
	    "externalizable");
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE | SC_WRITE_METHOD, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u8(TC_RESET);
	u8(TC_ENDBLOCKDATA);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "reset inside custom data");
	begin();
	u8(TC_PROXYCLASSDESC);
	u32(0xffffffffu);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "negative interface "
	    "count");
	/* bad modified UTF-8 */
	begin();
	u8(TC_STRING);
	u16(2);
	raw("a\xff", 2);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "string with 0xff");
	begin();
	u8(TC_STRING);
	u16(2);
	raw("a\0", 2);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "string with a raw NUL");
	begin();
	u8(TC_STRING);
	u16(2);
	raw("\xc1\x81", 2);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "overlong string");
	begin();
	u8(TC_STRING);
	u16(4);
	raw("\xf0\x9f\x98\x80", 4);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "4-byte UTF-8 in a string");
	begin();
	desc("a\xe2\x82", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	ok(dec_err(NULL, NULL) == PROTO_MALFORMED, "class name with a "
	    "truncated sequence");
	begin();
	u8(TC_LONGSTRING);
	u64(0x8000000000000000ULL);
	ok(dec_err(NULL, NULL) == PROTO_TOO_BIG, "huge long string: TOO_BIG");
	begin();
	u8(TC_STRING);
	u16(1000);
	raw("abc", 3);
	ok(dec_err(NULL, NULL) == PROTO_INCOMPLETE, "string past the end: "
	    "INCOMPLETE");
}

static void
test_limits(void)
{
	struct proto_limits	 lim = proto_limits_default;
	struct jser_err		 err;
	int			 i;

	/* nesting: arrays of arrays */
	begin();
	for (i = 0; i < 2000; i++) {
		u8(TC_ARRAY);
		if (i == 0) {
			desc("[Ljava.lang.Object;", 1, SC_SERIALIZABLE, 0);
			u8(TC_ENDBLOCKDATA);
			u8(TC_NULL);
		} else
			ref(0);
		u32(1);
	}
	u8(TC_NULL);
	ok(dec_err(NULL, &err) == PROTO_TOO_BIG, "2000 nested arrays: "
	    "TOO_BIG (%s)", err.msg);
	lim.max_depth = 5000;
	ok(dec_err(&lim, NULL) == PROTO_OK, "allowed with max_depth 5000");
	lim = proto_limits_default;

	begin();
	for (i = 0; i < 100; i++) {
		u8(TC_STRING);
		utf("x");
	}
	lim.max_handles = 99;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_handles");
	lim.max_handles = 100;
	ok(dec_err(&lim, NULL) == PROTO_OK, "max_handles exactly");
	lim = proto_limits_default;
	lim.max_bytes = S.len - 1;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_bytes");
	lim = proto_limits_default;

	begin();
	u8(TC_STRING);
	utf("0123456789");
	lim.max_string = 9;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_string");
	lim = proto_limits_default;

	begin();
	u8(TC_ARRAY);
	desc("[B", 1, SC_SERIALIZABLE, 0);
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(10);
	raw("0123456789", 10);
	lim.max_array = 9;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_array");
	lim = proto_limits_default;

	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 3);
	field_prim('I', "a");
	field_prim('I', "b");
	field_prim('I', "c");
	u8(TC_ENDBLOCKDATA);
	u8(TC_NULL);
	u32(1);
	u32(2);
	u32(3);
	lim.max_fields = 2;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_fields");
	lim = proto_limits_default;

	proxy_stream();
	lim.max_interfaces = 1;
	ok(dec_err(&lim, NULL) == PROTO_TOO_BIG, "max_interfaces");
	lim = proto_limits_default;

	/* 65535 declared fields, but no bytes for them */
	begin();
	u8(TC_OBJECT);
	desc("A", 1, SC_SERIALIZABLE, 0xffff);
	lim.max_fields = 0xffff;
	ok(dec_err(&lim, NULL) == PROTO_INCOMPLETE, "declared field count "
	    "beyond the input: INCOMPLETE");
}

static void
test_builder(void)
{
	struct jser_doc		*doc, *back;
	struct jser_node	*cmd, *req, *ur, *o, *arr, *sarr, *en, *cls,
				*bytes, *ed, *v, *strd;
	struct jser_classdata	*cd;
	struct jser_cursor	 cur;
	struct wbuf		 w;
	struct jser_err		 err;
	const char		*s;
	const uint8_t		*bp;
	uint32_t		 bl, u;
	int32_t			 id = 0;
	bool			 b = false;
	double			 dbl = 0;
	int			 r;
	uint8_t			 blk[2000];

	doc = jser_doc_new();
	cmd = jser_new_desc(doc, "hudson.remoting.Command", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, cmd, 'L', "createdAt",
	    "Ljava/lang/Exception;");
	req = jser_new_desc(doc, "hudson.remoting.Request", 1,
	    SC_SERIALIZABLE, cmd);
	jser_desc_add_field(doc, req, 'I', "id", NULL);
	jser_desc_add_field(doc, req, 'I', "lastIoId", NULL);
	jser_desc_add_field(doc, req, 'L', "response",
	    "Lhudson/remoting/Response;");
	ur = jser_new_desc(doc, "x.Req", 1, SC_SERIALIZABLE | SC_WRITE_METHOD,
	    req);
	jser_desc_add_field(doc, ur, 'Z', "flag", NULL);
	jser_desc_add_field(doc, ur, 'D', "ratio", NULL);
	jser_desc_add_field(doc, ur, '[', "request", "[B");
	jser_desc_add_field(doc, ur, 'L', "name", "Ljava/lang/String;");
	jser_desc_add_field(doc, ur, 'L', "other", "Ljava/lang/String;");
	jser_desc_add_field(doc, ur, 'L', "unit",
	    "Ljava/util/concurrent/TimeUnit;");
	jser_desc_add_field(doc, ur, 'L', "cls", "Ljava/lang/Class;");
	jser_desc_add_field(doc, ur, '[', "names", "[Ljava/lang/String;");
	ok(ur->u.desc.nfields == 8 && ur->u.desc.fields[3].class_name ==
	    ur->u.desc.fields[4].class_name && ur->u.desc.fields[3].class_name
	    != req->u.desc.fields[2].class_name,
	    "builder: identical signatures share one string node");
	ok(jser_desc_add_field(doc, ur, 'L', "bad", NULL) == PROTO_TYPE &&
	    jser_desc_add_field(doc, ur, 'Q', "bad", NULL) == PROTO_TYPE &&
	    jser_desc_add_field(doc, ur, 'L', "bad", "Foo") == PROTO_TYPE,
	    "builder: bad fields refused");
	o = jser_new_object(doc, ur);
	ok(o != NULL && o->u.obj.nclasses == 3 &&
	    o->u.obj.classes[2].has_custom && !o->u.obj.classes[0].has_custom,
	    "builder: object chain, custom for SC_WRITE_METHOD");
	bytes = jser_new_desc(doc, "[B", (int64_t)0xacf317f8060854e0ULL,
	    SC_SERIALIZABLE, NULL);
	arr = jser_new_array(doc, bytes, 5, "\xac\xed\x00\x05\x70");
	strd = jser_new_desc(doc, "[Ljava.lang.String;",
	    (int64_t)0xadd256e7e91d7b47ULL, SC_SERIALIZABLE, NULL);
	sarr = jser_new_array(doc, strd, 2, NULL);
	v = jser_new_string(doc, "caf\xc3\xa9", 5);
	ok(jser_array_set(sarr, 0, v) == PROTO_OK &&
	    jser_array_set(sarr, 1, v) == PROTO_OK &&
	    jser_array_set(sarr, 2, v) == PROTO_NOTFOUND &&
	    jser_array_set(arr, 0, v) == PROTO_TYPE, "builder: array_set");
	ed = jser_new_desc(doc, "java.util.concurrent.TimeUnit", 0,
	    SC_SERIALIZABLE | SC_ENUM, jser_new_desc(doc, "java.lang.Enum", 0,
	    SC_SERIALIZABLE | SC_ENUM, NULL));
	en = jser_new_enum(doc, ed, "SECONDS");
	cls = jser_new_class(doc, strd);
	ok(jser_set_prim(o, "id", 42) == PROTO_OK &&
	    jser_set_prim(o, "lastIoId", (uint64_t)-1) == PROTO_OK &&
	    jser_set_prim(o, "flag", 5) == PROTO_OK &&
	    jser_set_prim(o, "ratio", jser_double_bits(0.25)) == PROTO_OK &&
	    jser_set_ref(o, "request", arr) == PROTO_OK &&
	    jser_set_ref(o, "name", v) == PROTO_OK &&
	    jser_set_ref(o, "other", jser_new_string(doc, "x", 1)) ==
	    PROTO_OK &&
	    jser_set_ref(o, "unit", en) == PROTO_OK &&
	    jser_set_ref(o, "cls", cls) == PROTO_OK &&
	    jser_set_ref(o, "names", sarr) == PROTO_OK,
	    "builder: set fields");
	ok(jser_set_prim(o, "name", 1) == PROTO_TYPE &&
	    jser_set_ref(o, "id", NULL) == PROTO_TYPE &&
	    jser_set_prim(o, "nope", 1) == PROTO_NOTFOUND,
	    "builder: set type errors");
	cd = jser_obj_classdata(o, "x.Req");
	memset(blk, 7, sizeof(blk));
	u = 0x01020304;
	ok(cd == jser_obj_classdata(o, NULL) &&
	    jser_content_add_block(doc, &cd->custom, "\x00\x00\x00\x02", 4) ==
	    PROTO_OK && jser_content_add_block(doc, &cd->custom, &u, 4) ==
	    PROTO_OK && cd->custom.n == 1 && cd->custom.items[0]->u.block.len
	    == 8, "builder: consecutive blocks merge");
	ok(jser_content_add(doc, &cd->custom, o) == PROTO_OK &&
	    jser_content_add(doc, &cd->custom, NULL) == PROTO_OK &&
	    jser_content_add_block(doc, &cd->custom, blk, sizeof(blk)) ==
	    PROTO_OK && cd->custom.n == 5 &&
	    cd->custom.items[3]->u.block.len == 1024 &&
	    cd->custom.items[3]->u.block.is_long &&
	    cd->custom.items[4]->u.block.len == 976,
	    "builder: objects, null, 1024-byte block segments");
	jser_content_add(doc, &cmd->u.desc.annotation, jser_new_string(doc,
	    "ann", 3));
	jser_doc_add(doc, o);
	jser_doc_add(doc, v);
	jser_doc_add(doc, NULL);
	wbuf_init(&w, 1u << 20);
	ok((r = jser_encode(doc, &w)) == PROTO_OK, "builder: encode (%s)",
	    proto_strerror(r));
	back = NULL;
	ok((r = jser_decode(w.d, w.len, NULL, &back, &err)) == PROTO_OK,
	    "builder: decode back (%s %s)", proto_strerror(r), err.msg);
	if (back != NULL) {
		struct jser_node *ro = jser_root(back), *rv;
		const struct jser_content *c;

		ok(jser_field_int(ro, "id", &id) == PROTO_OK && id == 42 &&
		    jser_field_int(ro, "lastIoId", &id) == PROTO_OK &&
		    id == -1 && jser_field_bool(ro, "flag", &b) == PROTO_OK &&
		    b && jser_field_double(ro, "ratio", &dbl) == PROTO_OK &&
		    dbl == 0.25, "round trip: primitives");
		ok(jser_field_string(ro, "name", &s) == PROTO_OK &&
		    strcmp(s, "caf\xc3\xa9") == 0 &&
		    jser_field_ref(ro, "request", &rv) == PROTO_OK &&
		    jser_array_bytes(rv, &bp, &bl) == PROTO_OK && bl == 5 &&
		    bp[4] == 0x70 && jser_field_ref(ro, "createdAt", &rv) ==
		    PROTO_OK && rv == NULL, "round trip: strings and arrays");
		ok(jser_field_ref(ro, "unit", &rv) == PROTO_OK &&
		    rv->type == JSER_ENUM &&
		    strcmp(rv->u.en.name->u.str.s, "SECONDS") == 0 &&
		    jser_field_ref(ro, "cls", &rv) == PROTO_OK &&
		    rv->type == JSER_CLASS && strcmp(jser_class_name(rv),
		    "[Ljava.lang.String;") == 0, "round trip: enum, class");
		ok(jser_field_ref(ro, "names", &rv) == PROTO_OK &&
		    ((struct jser_node **)rv->u.arr.data)[0] ==
		    ((struct jser_node **)rv->u.arr.data)[1] &&
		    back->top.items[1] == ((struct jser_node **)
		    rv->u.arr.data)[0] && back->top.items[2] == NULL,
		    "round trip: shared nodes become references");
		ok(ro->u.obj.desc->u.desc.fields[3].class_name ==
		    ro->u.obj.desc->u.desc.fields[4].class_name,
		    "round trip: shared signature written once");
		c = jser_custom(ro, "x.Req");
		jser_cursor_init(&cur, c);
		ok(c != NULL && jser_cursor_u32(&cur, &u) == PROTO_OK &&
		    u == 2 && jser_cursor_u32(&cur, &u) == PROTO_OK &&
		    jser_cursor_obj(&cur, &rv) == PROTO_OK && rv == ro &&
		    jser_cursor_obj(&cur, &rv) == PROTO_OK && rv == NULL &&
		    jser_cursor_bytes(&cur, blk, sizeof(blk)) == PROTO_OK &&
		    jser_cursor_end(&cur), "round trip: custom data");
		ok(strcmp(ro->u.obj.classes[0].desc->u.desc.annotation.items[0]
		    ->u.str.s, "ann") == 0, "round trip: annotation");
		jser_doc_free(back);
	}
	/* a capped writer fails cleanly */
	{
		struct wbuf small;

		wbuf_init(&small, 20);
		ok(jser_encode(doc, &small) == PROTO_TOO_BIG &&
		    small.len == 0, "encode into a small wbuf: TOO_BIG, "
		    "nothing left");
		wbuf_free(&small);
	}
	/* content that cannot appear in an object position */
	{
		struct jser_node *bad = jser_alloc(doc, sizeof(*bad));

		bad->type = JSER_RESET;
		jser_set_ref(o, "other", bad);
		wbuf_reset(&w);
		ok(jser_encode(doc, &w) == PROTO_MALFORMED,
		    "reset node in a field: MALFORMED");
	}
	ok(jser_new_array(doc, ur, 1, NULL) == NULL &&
	    jser_new_enum(doc, NULL, "X") == NULL &&
	    jser_new_object(doc, NULL) == NULL,
	    "builder: bad arguments give NULL");
	wbuf_free(&w);
	jser_doc_free(doc);
	jser_doc_free(NULL);
}

int
main(void)
{
	wbuf_init(&S, 1u << 24);
	test_capability();
	test_strings();
	test_reset_refs();
	test_exception();
	test_enum_class();
	test_proxy();
	test_arrays();
	test_blockdata();
	test_chain_annotation();
	test_externalizable_custom();
	test_errors();
	test_limits();
	test_builder();
	wbuf_free(&S);
	return done_testing();
}
