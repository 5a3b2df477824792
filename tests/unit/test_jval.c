/*
 * test_jval: protocol/jval.c builders and readers.
 *
 * Builders are checked byte for byte against the validated payloads of the
 * remoting protocol notes (5.4, 5.5, appendix B), readers against a real
 * capture and against hand-made malformed graphs (error, no crash).  The
 * JDK comparison of the collection builders is in test_jdk_interop.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/jval.h"
#include "tests/unit/tap.h"

static const char *fixtures;

/* Encode doc; caller frees *out. */
static int
encode(struct jser_doc *doc, uint8_t **out, size_t *len)
{
	struct wbuf	 w;
	int		 r;

	wbuf_init(&w, 1 << 24);
	if ((r = jser_encode(doc, &w)) != PROTO_OK) {
		wbuf_free(&w);
		return r;
	}
	*out = wbuf_take(&w, len);
	return PROTO_OK;
}

static bool
same_bytes(struct jser_doc *doc, const uint8_t *want, size_t wlen)
{
	uint8_t	*got = NULL;
	size_t	 glen = 0, i;
	bool	 eq;

	if (encode(doc, &got, &glen) != PROTO_OK)
		return false;
	eq = glen == wlen && memcmp(got, want, wlen) == 0;
	if (!eq) {
		for (i = 0; i < glen && i < wlen && got[i] == want[i]; i++)
			;
		diag("length %zu, want %zu, first difference at %zu", glen,
		    wlen, i);
	}
	free(got);
	return eq;
}

static void
ctx_init(struct jval_ctx *c, bool payload, int32_t oid)
{
	memset(c, 0, sizeof(*c));
	if ((c->doc = jser_doc_new()) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	c->payload = payload;
	c->loader_oid = oid;
}

#define S(x) x, sizeof(x) - 1

static void
test_spec_payloads(void)
{
	static const uint8_t boolean_true[] = "\xac\xed\x00\x05\x73\x72\x00\x11"
	    "java.lang.Boolean\xcd\x20\x72\x80\xd5\x9c\xfa\xee\x02\x00\x01"
	    "\x5a\x00\x05value\x77\x04\xff\xff\xff\xfd\x78\x70\x01";
	static const uint8_t integer_10[] = "\xac\xed\x00\x05\x73\x72\x00\x11"
	    "java.lang.Integer\x12\xe2\xa0\xa4\xf7\x81\x87\x38\x02\x00\x01"
	    "\x49\x00\x05value\x77\x04\xff\xff\xff\xfd\x78\x72\x00\x10"
	    "java.lang.Number\x86\xac\x95\x1d\x0b\x94\xe0\x8b\x02\x00\x00"
	    "\x77\x04\xff\xff\xff\xfd\x78\x70\x00\x00\x00\x0a";
	static const uint8_t version[] = "\xac\xed\x00\x05\x74\x00\x15"
	    "3386.v353e57a_1b_ea_0";
	struct jval_ctx	 c;

	ctx_init(&c, true, 0);
	ok(jser_doc_add(c.doc, jval_boolean(&c, true)) == PROTO_OK &&
	    same_bytes(c.doc, S(boolean_true)),
	    "Boolean.TRUE payload equals the validated bytes (5.4)");
	jser_doc_free(c.doc);

	ctx_init(&c, true, 7);	/* JDK classes stay SYSTEM with a loader */
	ok(jser_doc_add(c.doc, jval_int(&c, 10)) == PROTO_OK &&
	    same_bytes(c.doc, S(integer_10)),
	    "Integer 10 payload equals the validated bytes (5.4)");
	jser_doc_free(c.doc);

	ctx_init(&c, true, 0);
	ok(jser_doc_add(c.doc, jval_cstring(&c, "3386.v353e57a_1b_ea_0")) ==
	    PROTO_OK && same_bytes(c.doc, S(version)),
	    "String payload equals the validated bytes (5.4)");
	jser_doc_free(c.doc);
}

static void
test_proxy_exception(void)
{
	static const struct jval_classref chain[] = {
		{ "hudson.remoting.ProxyException", JVAL_SUID_PROXYEXCEPTION },
		{ "java.io.IOException", JVAL_SUID_IOEXCEPTION },
		{ "java.lang.Exception", JVAL_SUID_EXCEPTION },
	};
	struct jval_ctx		 c;
	struct jser_node	*e, *cause;
	const char		*cls, *msg;
	int			 local;

	for (local = 0; local <= 1; local++) {
		struct wbuf	 want;
		uint8_t		 tmp[8];

		/* assemble the expected bytes by hand from 5.5 */
		wbuf_init(&want, 4096);
		wbuf_put(&want, "\xac\xed\x00\x05\x73\x72\x00\x1e", 8);
		wbuf_put(&want, "hudson.remoting.ProxyException", 30);
		wbuf_put(&want, "\x12\x7f\x08\x49\x3c\x33\x37\xbd\x02\x00\x00",
		    11);
		if (local) {
			wbuf_put(&want, "\x77\x08\xff\xff\xff\xff", 6);
			tmp[0] = 0, tmp[1] = 0, tmp[2] = 0, tmp[3] = 2;
			wbuf_put(&want, tmp, 4);
		} else
			wbuf_put(&want, "\x77\x04\xff\xff\xff\xfd", 6);
		wbuf_put(&want, "\x78\x72\x00\x13java.io.IOException", 23);
		wbuf_put(&want, "\x6c\x80\x73\x64\x65\x25\xf0\xab\x02\x00\x00"
		    "\x77\x04\xff\xff\xff\xfd\x78", 18);
		wbuf_put(&want, "\x72\x00\x13java.lang.Exception", 22);
		wbuf_put(&want, "\xd0\xfd\x1f\x3e\x1a\x3b\x1c\xc4\x02\x00\x00"
		    "\x77\x04\xff\xff\xff\xfd\x78", 18);
		wbuf_put(&want, "\x72\x00\x13java.lang.Throwable", 22);
		wbuf_put(&want, "\xd5\xc6\x35\x27\x39\x77\xb8\xcb\x03\x00\x04",
		    11);
		wbuf_put(&want, "\x4c\x00\x05" "cause\x74\x00\x15"
		    "Ljava/lang/Throwable;", 32);
		wbuf_put(&want, "\x4c\x00\x0d" "detailMessage\x74\x00\x12"
		    "Ljava/lang/String;", 37);
		wbuf_put(&want, "\x5b\x00\x0a" "stackTrace\x74\x00\x1e"
		    "[Ljava/lang/StackTraceElement;", 46);
		wbuf_put(&want, "\x4c\x00\x14" "suppressedExceptions\x74\x00\x10"
		    "Ljava/util/List;", 42);
		wbuf_put(&want, "\x77\x04\xff\xff\xff\xfd\x78\x70", 8);
		wbuf_put(&want, "\x70\x74\x00\x36", 4);
		wbuf_put(&want, "java.lang.UnsupportedOperationException: "
		    "not supported", 54);
		wbuf_put(&want, "\x70\x70\x78", 3);
		ok(want.len == (local ? 399u : 395u),
		    "hand-made 5.5 vector has %zu bytes", want.len);

		ctx_init(&c, true, local ? 2 : 0);
		e = jval_throwable(&c, chain, 3, "java.lang."
		    "UnsupportedOperationException: not supported", NULL, NULL,
		    -1, JVAL_SUPPRESSED_NULL);
		/* 5.5's example has cause = TC_NULL rather than itself */
		ok(e != NULL && jser_set_ref(e, "cause", NULL) == PROTO_OK &&
		    jser_doc_add(c.doc, e) == PROTO_OK &&
		    same_bytes(c.doc, want.d, want.len),
		    "ProxyException equals the 5.5 payload (%s annotation)",
		    local ? "LOCAL oid 2" : "SYSTEM");
		jser_doc_free(c.doc);
		wbuf_free(&want);
	}

	/* jval_proxy_exception: message, self cause, nested cause */
	ctx_init(&c, false, 0);
	cause = jval_proxy_exception(&c, "java.lang.IllegalStateException",
	    NULL, NULL, 0, NULL);
	e = jval_proxy_exception(&c, "java.io.IOException", "disk full", NULL,
	    -1, cause);
	ok(e != NULL && cause != NULL &&
	    jval_throwable_info(e, &cls, &msg, NULL) == PROTO_OK &&
	    strcmp(cls, "hudson.remoting.ProxyException") == 0 &&
	    strcmp(msg, "java.io.IOException: disk full") == 0,
	    "ProxyException message is \"class: message\"");
	{
		struct jser_node *cc = NULL;
		const char	 *cm = NULL;

		ok(jval_throwable_info(e, NULL, NULL, &cc) == PROTO_OK &&
		    cc == cause && jval_throwable_info(cause, NULL, &cm, &cc) ==
		    PROTO_OK && cc == NULL &&
		    strcmp(cm, "java.lang.IllegalStateException") == 0,
		    "cause chain; no message gives the class name alone; "
		    "self cause reads as none");
	}
	ok(jser_desc_find(c.doc, "java.lang.Throwable") != NULL &&
	    jser_desc_find(c.doc, "java.lang.Throwable") ==
	    jser_desc_find(c.doc, "java.io.IOException")->u.desc.super->
	    u.desc.super, "descriptors are shared within a doc");
	jser_doc_free(c.doc);
}

static void
test_loader_tags(void)
{
	static const struct {
		const char	*name;
		int32_t		 tag;
	} cases[] = {
		{ "java.lang.String", JVAL_LOADER_SYSTEM },
		{ "javax.management.ObjectName", JVAL_LOADER_SYSTEM },
		{ "[B", JVAL_LOADER_SYSTEM },
		{ "[[I", JVAL_LOADER_SYSTEM },
		{ "[Ljava.lang.String;", JVAL_LOADER_SYSTEM },
		{ "[[Ljava.util.List;", JVAL_LOADER_SYSTEM },
		{ "[Lhudson.FilePath;", JVAL_LOADER_LOCAL },
		{ "hudson.remoting.ProxyException", JVAL_LOADER_LOCAL },
		{ "javafx.Foo", JVAL_LOADER_LOCAL },
		{ "Lava", JVAL_LOADER_LOCAL },
	};
	struct jval_ctx	 c;
	int32_t		 tag, oid;
	size_t		 i;
	bool		 good = true;

	memset(&c, 0, sizeof(c));
	c.loader_oid = 9;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jval_loader_for(&c, cases[i].name, &tag, &oid);
		if (tag != cases[i].tag ||
		    oid != (tag == JVAL_LOADER_LOCAL ? 9 : 0)) {
			diag("%s: tag %d oid %d", cases[i].name, tag, oid);
			good = false;
		}
	}
	ok(good, "class-loader tags of 5.1 for %zu class names", i);
	c.loader_oid = 0;
	jval_loader_for(&c, "hudson.remoting.ProxyException", &tag, &oid);
	ok(tag == JVAL_LOADER_SYSTEM, "no loader oid: SYSTEM for all");

	/* command streams: no annotations at all */
	ctx_init(&c, false, 9);
	{
		static const uint8_t want[] = "\xac\xed\x00\x05\x73\x72\x00\x11"
		    "java.lang.Boolean\xcd\x20\x72\x80\xd5\x9c\xfa\xee\x02\x00"
		    "\x01\x5a\x00\x05value\x78\x70\x00";

		ok(jser_doc_add(c.doc, jval_boolean(&c, false)) == PROTO_OK &&
		    same_bytes(c.doc, S(want)),
		    "command-stream descriptors have empty annotations");
	}
	jser_doc_free(c.doc);

	/* proxy descriptors get the interface's loader */
	ctx_init(&c, true, 4);
	{
		const char		*ifs[] = { "hudson.remoting.IReadResolve" };
		struct jser_node	*pd = jval_proxy_class(&c, ifs, 1);
		const struct jser_content *a = pd != NULL ?
		    &pd->u.proxy.annotation : NULL;

		ok(pd != NULL && a->n == 1 && a->items[0]->type ==
		    JSER_BLOCKDATA && a->items[0]->u.block.len == 8 &&
		    memcmp(a->items[0]->u.block.data,
		    "\xff\xff\xff\xff\x00\x00\x00\x04", 8) == 0 &&
		    pd->u.proxy.super != NULL &&
		    strcmp(pd->u.proxy.super->u.desc.name,
		    "java.lang.reflect.Proxy") == 0,
		    "proxy descriptor: LOCAL annotation, Proxy super");
	}
	jser_doc_free(c.doc);
}

static void
test_scalars(void)
{
	struct jval_ctx		 c;
	struct jser_node	*n;
	int64_t			 iv;
	double			 dv;
	bool			 bv;
	const char		*s;
	char			*u;
	size_t			 len;

	ctx_init(&c, false, 0);
	ok(jval_get_int(jval_byte(&c, -5), &iv) == PROTO_OK && iv == -5 &&
	    jval_get_int(jval_short(&c, INT16_MIN), &iv) == PROTO_OK &&
	    iv == INT16_MIN &&
	    jval_get_int(jval_char(&c, 0xffff), &iv) == PROTO_OK &&
	    iv == 0xffff &&
	    jval_get_int(jval_int(&c, INT32_MIN), &iv) == PROTO_OK &&
	    iv == INT32_MIN &&
	    jval_get_int(jval_long(&c, INT64_MIN), &iv) == PROTO_OK &&
	    iv == INT64_MIN, "boxed integers read back with sign");
	ok(jval_get_double(jval_float(&c, 1.25f), &dv) == PROTO_OK &&
	    dv == 1.25 && jval_get_double(jval_double(&c, -3.5), &dv) ==
	    PROTO_OK && dv == -3.5 && jval_get_double(jval_int(&c, 3), &dv) ==
	    PROTO_OK && dv == 3.0, "floating point and integers as double");
	ok(jval_get_bool(jval_boolean(&c, true), &bv) == PROTO_OK && bv &&
	    jval_get_bool(jval_boolean(&c, false), &bv) == PROTO_OK && !bv,
	    "booleans");
	n = jval_string(&c, "a\0\xf0\x9f\x98\x80", 6);
	ok(n != NULL && jval_get_string(n, &s, &len) == PROTO_OK &&
	    len == 9 && memcmp(s, "a\xc0\x80\xed\xa0\xbd\xed\xb8\x80", 9) ==
	    0, "string is stored as modified UTF-8 (C0 80, surrogates)");
	ok(jval_get_utf8(c.doc, n, &u, &len) == PROTO_OK && len == 6 &&
	    memcmp(u, "a\0\xf0\x9f\x98\x80", 6) == 0,
	    "string reads back as UTF-8");
	ok(jval_get_int(n, &iv) == PROTO_TYPE &&
	    jval_get_int(NULL, &iv) == PROTO_TYPE &&
	    jval_get_bool(jval_int(&c, 1), &bv) == PROTO_TYPE &&
	    jval_get_double(jval_boolean(&c, true), &dv) == PROTO_TYPE &&
	    jval_get_string(jval_int(&c, 1), &s, &len) == PROTO_TYPE &&
	    jval_get_utf8(c.doc, NULL, &u, &len) == PROTO_TYPE,
	    "readers refuse other types with PROTO_TYPE");
	ok(jval_cstring(&c, NULL) == NULL && jval_prim_array(&c, 'X', NULL,
	    1) == NULL && jval_class(&c, NULL, 0, 0, NULL, NULL, 0) == NULL,
	    "bad builder arguments give NULL");
	jser_doc_free(c.doc);
}

/* An ArrayList whose size field claims more items than its data holds. */
static void
test_malformed_readers(void)
{
	struct jval_ctx		 c;
	struct jser_node	*items[2], *l, *m, **out, **out2, *w1, *w2, *d;
	struct jser_classdata	*cd;
	uint32_t		 n;
	static const struct jval_field cf[] = {
		{ 'L', "c", "Ljava/util/Collection;" },
	};

	ctx_init(&c, false, 0);
	items[0] = jval_cstring(&c, "x");
	items[1] = jval_cstring(&c, "y");
	l = jval_arraylist(&c, items, 2);
	ok(jval_list_items(c.doc, l, &out, &n) == PROTO_OK && n == 2 &&
	    out[1] == items[1], "ArrayList items");
	ok(jser_set_prim(l, "size", 1000000) == PROTO_OK &&
	    jval_list_items(c.doc, l, &out, &n) == PROTO_MALFORMED,
	    "ArrayList claiming more items than present: PROTO_MALFORMED");
	ok(jser_set_prim(l, "size", UINT32_C(0xffffffff)) == PROTO_OK &&
	    jval_list_items(c.doc, l, &out, &n) == PROTO_MALFORMED,
	    "ArrayList with negative size: PROTO_MALFORMED");
	cd = jser_obj_classdata(l, "java.util.ArrayList");
	cd->custom.n = 0;
	ok(jser_set_prim(l, "size", 0) == PROTO_OK &&
	    jval_list_items(c.doc, l, &out, &n) == PROTO_MALFORMED,
	    "ArrayList without its capacity int: PROTO_MALFORMED");

	m = jval_hashmap(&c, items, items, 2);
	ok(jval_map_entries(c.doc, m, &out, &out2, &n) == PROTO_OK && n == 2,
	    "HashMap entries");
	cd = jser_obj_classdata(m, "java.util.HashMap");
	cd->custom.n -= 1;	/* drop the last value */
	ok(jval_map_entries(c.doc, m, &out, &out2, &n) == PROTO_MALFORMED,
	    "HashMap missing a value: PROTO_MALFORMED");
	ok(jval_map_entries(c.doc, l, &out, &out2, &n) == PROTO_TYPE &&
	    jval_list_items(c.doc, items[0], &out, &n) == PROTO_TYPE &&
	    jval_set_items(c.doc, NULL, &out, &n) == PROTO_TYPE,
	    "readers refuse other classes with PROTO_TYPE");

	/* two unmodifiable wrappers pointing at each other */
	d = jval_class(&c, "java.util.Collections$UnmodifiableCollection",
	    1, SC_SERIALIZABLE, NULL, cf, 1);
	w1 = jser_new_object(c.doc, d);
	w2 = jser_new_object(c.doc, d);
	ok(w1 != NULL && w2 != NULL && jser_set_ref(w1, "c", w2) == PROTO_OK &&
	    jser_set_ref(w2, "c", w1) == PROTO_OK &&
	    jval_list_items(c.doc, w1, &out, &n) == PROTO_TOO_BIG,
	    "wrapper cycle stops at the nesting limit");
	ok(jser_set_ref(w1, "c", w1) == PROTO_OK &&
	    jval_list_items(c.doc, w1, &out, &n) == PROTO_MALFORMED,
	    "wrapper of itself: PROTO_MALFORMED");
	jser_doc_free(c.doc);
}

static void
test_treemap_order(void)
{
	struct jval_ctx		 c;
	struct jser_node	*k[4], *v[4], *m, **ko, **vo;
	uint32_t		 n;
	const char		*s;
	size_t			 len;
	bool			 good;

	ctx_init(&c, false, 0);
	k[0] = jval_cstring(&c, "b");
	k[1] = jval_cstring(&c, "B2");
	k[2] = jval_cstring(&c, "a");
	k[3] = jval_cstring(&c, "\xc3\xa9");
	v[0] = v[1] = v[2] = v[3] = NULL;
	m = jval_treemap(&c, NULL, k, v, 4);
	good = jval_map_entries(c.doc, m, &ko, &vo, &n) == PROTO_OK && n == 4;
	good = good && jval_get_string(ko[0], &s, &len) == PROTO_OK &&
	    strcmp(s, "B2") == 0 && ko[1] == k[2] && ko[2] == k[0] &&
	    ko[3] == k[3];
	ok(good, "TreeMap without comparator: String.compareTo order");
	m = jval_treemap(&c, jval_case_insensitive_order(&c), k, v, 4);
	good = jval_map_entries(c.doc, m, &ko, &vo, &n) == PROTO_OK &&
	    n == 4 && ko[0] == k[2] && ko[1] == k[0] && ko[2] == k[1] &&
	    ko[3] == k[3];
	ok(good, "TreeMap with CASE_INSENSITIVE_ORDER: a b B2 \\u00e9");
	jser_doc_free(c.doc);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	uint8_t	*b;
	long	 n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)n, f);
	fclose(f);
	return b;
}

/* The HashMap result in basic-direct (Java agent's environment map). */
static void
test_fixture_map(void)
{
	char			 path[1024];
	uint8_t			*cmd;
	const uint8_t		*pl;
	uint32_t		 pllen, n;
	size_t			 len;
	struct jser_doc		*doc = NULL, *inner = NULL;
	struct jser_node	*rv, *resp, *v, *src, **ks, **vs;
	const char		*s, *cls;
	size_t			 sl;

	snprintf(path, sizeof(path), "%s/remoting/captures/basic-direct/"
	    "conn1-rx-cmd017.bin", fixtures);
	if ((cmd = slurp(path, &len)) == NULL) {
		ok(0, "read %s", path);
		return;
	}
	ok(jser_decode(cmd, len, NULL, &doc, NULL) == PROTO_OK &&
	    jser_field_ref(jser_root(doc), "returnValue", &rv) == PROTO_OK &&
	    jser_field_ref(rv, "response", &resp) == PROTO_OK &&
	    jser_array_bytes(resp, &pl, &pllen) == PROTO_OK &&
	    jser_decode(pl, pllen, NULL, &inner, NULL) == PROTO_OK,
	    "fixture Response with a HashMap payload decodes");
	ok(inner != NULL && jval_map_entries(inner, jser_root(inner), &ks, &vs,
	    &n) == PROTO_OK && n == 4 && jval_get_string(ks[0], &s, &sl) ==
	    PROTO_OK && strcmp(s, "PATH") == 0,
	    "fixture HashMap: 4 entries, first key PATH");
	ok(inner != NULL && jval_map_get(inner, jser_root(inner), "HOME", &v) ==
	    PROTO_OK && jval_get_string(v, &s, &sl) == PROTO_OK &&
	    strcmp(s, "/home/jenkins") == 0 &&
	    jval_map_get(inner, jser_root(inner), "NOPE", &v) ==
	    PROTO_NOTFOUND, "jval_map_get HOME, NOPE");
	ok(doc != NULL && jser_field_ref(jser_root(doc), "createdAt", &src) ==
	    PROTO_OK && jval_throwable_info(src, &cls, &s, &v) == PROTO_OK &&
	    strcmp(cls, "hudson.remoting.Command$Source") == 0 && s == NULL &&
	    v == NULL, "Command$Source: class, null message, self cause");
	{
		struct jser_node	*st, **items;
		uint32_t		 k;

		ok(src != NULL && jser_field_ref(src, "suppressedExceptions",
		    &st) == PROTO_OK && jval_list_items(doc, st, &items, &k) ==
		    PROTO_OK && k == 0, "suppressedExceptions EmptyList: "
		    "no items");
	}
	jser_doc_free(inner);
	jser_doc_free(doc);
	free(cmd);
}

int
main(void)
{
	fixtures = getenv("JNAGENT_FIXTURES");
	test_spec_payloads();
	test_proxy_exception();
	test_loader_tags();
	test_scalars();
	test_malformed_readers();
	test_treemap_order();
	if (fixtures != NULL && *fixtures != '\0' &&
	    access(fixtures, R_OK) == 0)
		test_fixture_map();
	else
		diag("no fixtures at JNAGENT_FIXTURES (%s): fixture checks "
		    "skipped", fixtures != NULL ? fixtures : "unset");
	return done_testing();
}
