/*
 * test_jdk_interop: the C side of the JDK interoperability test.
 *
 * usage: test_jdk_interop DIR
 *
 * DIR holds the streams tests/java/JserPeer.java wrote with
 * ObjectOutputStream (NAME.ser) and what each must contain (NAME.expect,
 * format in JserPeer.java).  For each: decode, check every stated value,
 * and check that encoding the decoded graph gives the same bytes.  Then
 * build the exact-* streams with the jval builders and compare them with
 * Java's bytes, and write c-NAME.ser streams for `JserPeer read DIR`.
 * Run by tests/unit/test_jdk_interop.sh.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/jval.h"
#include "tests/unit/tap.h"

static const char *dir;

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf = NULL, *nb;
	size_t	 cap = 0, n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		if ((n = fread(buf + *len, 1, cap - *len, f)) == 0)
			break;
		*len += n;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static int
write_file(const char *name, const uint8_t *p, size_t len)
{
	char	 path[4096];
	FILE	*f;
	int	 ok_;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || (f = fopen(path, "wb")) == NULL)
		return -1;
	ok_ = fwrite(p, 1, len, f) == len;
	return (fclose(f) == 0 && ok_) ? 0 : -1;
}

static int
unhex(const char *h, uint8_t **out, size_t *len)
{
	size_t	 n = strlen(h), i;
	uint8_t	*b;
	unsigned x;

	*out = NULL;
	*len = 0;
	if (strcmp(h, "-") == 0)
		return 0;
	if (n % 2 != 0 || (b = malloc(n / 2 + 1)) == NULL)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(h + 2 * i, "%2x", &x) != 1) {
			free(b);
			return -1;
		}
		b[i] = (uint8_t)x;
	}
	*out = b;
	*len = n / 2;
	return 0;
}

/* ---- path evaluation ---- */

static int
eval_path(struct jser_doc *doc, const char *path, struct jser_node **out)
{
	char			*copy, *step, *save = NULL;
	struct jser_node	*n = NULL, **items, **keys, **vals;
	unsigned long		 i;
	uint32_t		 cnt;
	int			 r = 0;

	if ((copy = strdup(path)) == NULL)
		return -1;
	for (step = strtok_r(copy, "/", &save); step != NULL;
	    step = strtok_r(NULL, "/", &save)) {
		if (step == copy) {
			if (step[0] != 't' ||
			    (i = strtoul(step + 1, NULL, 10)) >= doc->top.n) {
				r = -1;
				break;
			}
			n = doc->top.items[i];
		} else if (strncmp(step, "f=", 2) == 0) {
			if (jser_field_ref(n, step + 2, &n) != PROTO_OK) {
				r = -1;
				break;
			}
		} else if (strncmp(step, "a=", 2) == 0) {
			i = strtoul(step + 2, NULL, 10);
			if (n == NULL || n->type != JSER_ARRAY ||
			    (n->u.arr.elem != 'L' && n->u.arr.elem != '[') ||
			    i >= n->u.arr.length) {
				r = -1;
				break;
			}
			n = ((struct jser_node **)n->u.arr.data)[i];
		} else if (strncmp(step, "l=", 2) == 0) {
			i = strtoul(step + 2, NULL, 10);
			if (jval_list_items(doc, n, &items, &cnt) != PROTO_OK &&
			    jval_set_items(doc, n, &items, &cnt) != PROTO_OK) {
				r = -1;
				break;
			}
			if (i >= cnt) {
				r = -1;
				break;
			}
			n = items[i];
		} else if (strncmp(step, "k=", 2) == 0 ||
		    strncmp(step, "v=", 2) == 0) {
			i = strtoul(step + 2, NULL, 10);
			if (jval_map_entries(doc, n, &keys, &vals, &cnt) !=
			    PROTO_OK || i >= cnt) {
				r = -1;
				break;
			}
			n = step[0] == 'k' ? keys[i] : vals[i];
		} else if (strcmp(step, "exc") == 0) {
			if (n == NULL || n->type != JSER_EXCEPTION) {
				r = -1;
				break;
			}
			n = n->u.exc.throwable;
		} else {
			r = -1;
			break;
		}
	}
	free(copy);
	*out = n;
	return r;
}

static bool
check_string(struct jser_doc *doc, const struct jser_node *n,
    const char *hex)
{
	uint8_t	*want;
	size_t	 wlen, glen;
	char	*got;
	bool	 good;

	if (unhex(hex, &want, &wlen) != 0)
		return false;
	good = jval_get_utf8(doc, n, &got, &glen) == PROTO_OK &&
	    glen == wlen && (wlen == 0 || memcmp(got, want, wlen) == 0);
	free(want);
	return good;
}

/* "custom CLASS SPEC..." */
static bool
check_custom(const struct jser_node *n, char *args)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct jser_node		*o;
	char				*tok, *save = NULL, *cls;
	uint8_t				 u8, *want, buf[65536];
	uint16_t			 u16;
	uint32_t			 u32;
	uint64_t			 u64;
	size_t				 wlen;
	bool				 good;

	if ((cls = strtok_r(args, " ", &save)) == NULL ||
	    (c = jser_custom(n, cls)) == NULL)
		return false;
	jser_cursor_init(&cur, c);
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		if (strcmp(tok, "end") == 0) {
			if (!jser_cursor_end(&cur))
				return false;
		} else if (strncmp(tok, "i:", 2) == 0) {
			if (jser_cursor_u32(&cur, &u32) != PROTO_OK ||
			    (int32_t)u32 != (int32_t)strtol(tok + 2, NULL, 10))
				return false;
		} else if (strncmp(tok, "j:", 2) == 0) {
			if (jser_cursor_u64(&cur, &u64) != PROTO_OK ||
			    (int64_t)u64 != strtoll(tok + 2, NULL, 10))
				return false;
		} else if (strncmp(tok, "z:", 2) == 0) {
			if (jser_cursor_u8(&cur, &u8) != PROTO_OK ||
			    u8 != (uint8_t)strtoul(tok + 2, NULL, 10))
				return false;
		} else if (strncmp(tok, "d:", 2) == 0) {
			if (jser_cursor_u64(&cur, &u64) != PROTO_OK ||
			    u64 != strtoull(tok + 2, NULL, 16))
				return false;
		} else if (strncmp(tok, "utf:", 4) == 0) {
			if (jser_cursor_u16(&cur, &u16) != PROTO_OK ||
			    jser_cursor_bytes(&cur, buf, u16) != PROTO_OK ||
			    unhex(tok + 4, &want, &wlen) != 0)
				return false;
			good = wlen == u16 && (wlen == 0 ||
			    memcmp(buf, want, wlen) == 0);
			free(want);
			if (!good)
				return false;
		} else if (strcmp(tok, "o:null") == 0) {
			if (jser_cursor_obj(&cur, &o) != PROTO_OK || o != NULL)
				return false;
		} else if (strncmp(tok, "o:str:", 6) == 0) {
			if (jser_cursor_obj(&cur, &o) != PROTO_OK || o == NULL ||
			    o->type != JSER_STRING ||
			    unhex(tok + 6, &want, &wlen) != 0)
				return false;
			good = o->u.str.len == wlen && (wlen == 0 ||
			    memcmp(o->u.str.s, want, wlen) == 0);
			free(want);
			if (!good)
				return false;
		} else
			return false;
	}
	return true;
}

static bool
check_length(struct jser_doc *doc, const struct jser_node *n,
    unsigned long want)
{
	struct jser_node	**a, **b;
	uint32_t		 cnt;

	if (n != NULL && n->type == JSER_ARRAY)
		return n->u.arr.length == want;
	if (jval_map_entries(doc, n, &a, &b, &cnt) == PROTO_OK ||
	    jval_list_items(doc, n, &a, &cnt) == PROTO_OK ||
	    jval_set_items(doc, n, &a, &cnt) == PROTO_OK)
		return cnt == want;
	return false;
}

static bool
check_field(const struct jser_node *n, const char *name, const char *val)
{
	const union jser_value		*v;
	const struct jser_fielddesc	*fd;
	int64_t				 want = strtoll(val, NULL, 0);

	if ((v = jser_field(n, name, &fd)) == NULL || fd == NULL)
		return false;
	switch (fd->type) {
	case 'B':
		return (int8_t)v->prim == want;
	case 'S':
		return (int16_t)v->prim == want;
	case 'C':
		return (uint16_t)v->prim == want;
	case 'Z':
		return (v->prim & 0xff) == (uint64_t)want;
	case 'I':
		return (int32_t)(uint32_t)v->prim == want;
	case 'J':
		return (int64_t)v->prim == want;
	case 'F':
		return (uint32_t)v->prim == strtoul(val, NULL, 16);
	case 'D':
		return v->prim == strtoull(val, NULL, 16);
	}
	return false;
}

/* One expect line: true if it holds. */
static bool
check_line(struct jser_doc *doc, char *line)
{
	struct jser_node	*n, *m;
	char			*path, *what, *args, *a2, *save = NULL;
	const char		*cls, *msg;
	int64_t			 iv;
	bool			 bv;
	uint8_t			*want;
	size_t			 wlen;

	if ((path = strtok_r(line, " ", &save)) == NULL ||
	    (what = strtok_r(NULL, " ", &save)) == NULL)
		return false;
	args = save != NULL ? save : (char *)"";
	if (strcmp(path, "top") == 0)
		return doc->top.n == strtoul(what, NULL, 10);
	if (eval_path(doc, path, &n) != 0)
		return false;
	if (strcmp(what, "null") == 0)
		return n == NULL;
	if (strcmp(what, "class") == 0)
		return n != NULL && (cls = jser_class_name(n)) != NULL &&
		    strcmp(cls, args) == 0;
	if (strcmp(what, "string") == 0)
		return check_string(doc, n, args);
	if (strcmp(what, "short-string") == 0 ||
	    strcmp(what, "long-string") == 0)
		return n != NULL && n->type == JSER_STRING &&
		    n->u.str.is_long == (what[0] == 'l');
	if (strcmp(what, "int") == 0)
		return jval_get_int(n, &iv) == PROTO_OK &&
		    iv == strtoll(args, NULL, 10);
	if (strcmp(what, "bool") == 0)
		return jval_get_bool(n, &bv) == PROTO_OK &&
		    bv == (strcmp(args, "1") == 0);
	if (strcmp(what, "bits") == 0) {
		const union jser_value *v = jser_field(n, "value", NULL);

		return v != NULL && v->prim == strtoull(args, NULL, 16);
	}
	if (strcmp(what, "length") == 0)
		return check_length(doc, n, strtoul(args, NULL, 10));
	if (strcmp(what, "prim") == 0) {
		const uint8_t	*p = n != NULL && n->type == JSER_ARRAY ?
		    n->u.arr.data : NULL;
		bool		 good;
		int		 es;

		if (p == NULL || unhex(args, &want, &wlen) != 0)
			return false;
		switch (n->u.arr.elem) {
		case 'B': case 'Z': es = 1; break;
		case 'C': case 'S': es = 2; break;
		case 'I': case 'F': es = 4; break;
		case 'J': case 'D': es = 8; break;
		default: es = 0;
		}
		good = es > 0 && (size_t)n->u.arr.length * es == wlen &&
		    (wlen == 0 || memcmp(p, want, wlen) == 0);
		free(want);
		return good;
	}
	if (strcmp(what, "same") == 0)
		return eval_path(doc, args, &m) == 0 && m == n && n != NULL;
	if (strcmp(what, "enum") == 0) {
		if ((a2 = strchr(args, ' ')) == NULL || n == NULL ||
		    n->type != JSER_ENUM)
			return false;
		*a2++ = '\0';
		return strcmp(jser_class_name(n), args) == 0 &&
		    n->u.en.name != NULL && n->u.en.name->type == JSER_STRING &&
		    strcmp(n->u.en.name->u.str.s, a2) == 0;
	}
	if (strcmp(what, "classobj") == 0)
		return n != NULL && n->type == JSER_CLASS &&
		    (cls = jser_class_name(n)) != NULL && strcmp(cls, args) == 0;
	if (strcmp(what, "proxy") == 0) {
		const struct jser_node	*d;
		char			*tok, *s2 = NULL;
		uint32_t		 k = 0;

		if (n == NULL || n->type != JSER_OBJECT ||
		    (d = n->u.obj.desc) == NULL || d->type != JSER_PROXYDESC)
			return false;
		for (tok = strtok_r(args, ",", &s2); tok != NULL;
		    tok = strtok_r(NULL, ",", &s2), k++) {
			if (k >= d->u.proxy.ninterfaces ||
			    strcmp(d->u.proxy.interfaces[k], tok) != 0)
				return false;
		}
		return k == d->u.proxy.ninterfaces;
	}
	if (strcmp(what, "throwable") == 0) {
		if ((a2 = strchr(args, ' ')) == NULL ||
		    jval_throwable_info(n, &cls, &msg, NULL) != PROTO_OK)
			return false;
		*a2++ = '\0';
		if (strcmp(cls, args) != 0)
			return false;
		if (strcmp(a2, "-null") == 0)
			return msg == NULL;
		if (unhex(a2, &want, &wlen) != 0)
			return false;
		bv = msg != NULL && strlen(msg) == wlen &&
		    memcmp(msg, want, wlen) == 0;
		free(want);
		return bv;
	}
	if (strcmp(what, "nocause") == 0)
		return jval_throwable_info(n, NULL, NULL, &m) == PROTO_OK &&
		    m == NULL;
	if (strcmp(what, "field") == 0) {
		if ((a2 = strchr(args, ' ')) == NULL)
			return false;
		*a2++ = '\0';
		return check_field(n, args, a2);
	}
	if (strcmp(what, "custom") == 0)
		return check_custom(n, args);
	if (strcmp(what, "nofields") == 0) {
		const struct jser_classdata *cd;

		return n != NULL && n->type == JSER_OBJECT &&
		    (cd = jser_obj_classdata(n, args)) != NULL &&
		    !cd->has_fields;
	}
	if (strcmp(what, "reset") == 0)
		return n != NULL && n->type == JSER_RESET;
	if (strcmp(what, "exception") == 0)
		return n != NULL && n->type == JSER_EXCEPTION;
	return false;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_java_stream(const char *name)
{
	char		 path[4096];
	uint8_t		*ser, *exp;
	size_t		 slen, elen;
	struct jser_doc	*doc = NULL;
	struct jser_err	 err;
	struct wbuf	 w;
	char		*line, *save = NULL, *copy;
	int		 r;

	ser = exp = NULL;
	if (snprintf(path, sizeof(path), "%s/%s.ser", dir, name) <
	    (int)sizeof(path))
		ser = read_file(path, &slen);
	if (snprintf(path, sizeof(path), "%s/%s.expect", dir, name) <
	    (int)sizeof(path))
		exp = read_file(path, &elen);
	if (ser == NULL || exp == NULL) {
		ok(0, "%s: read stream and expect file", name);
		free(ser);
		free(exp);
		return;
	}
	r = jser_decode(ser, slen, NULL, &doc, &err);
	if (strstr((char *)exp, "decode-error") != NULL) {
		ok(r != PROTO_OK, "%s: rejected (%s: %s)", name,
		    proto_strerror(r), r != PROTO_OK ? err.msg : "");
		jser_doc_free(doc);
		free(ser);
		free(exp);
		return;
	}
	ok(r == PROTO_OK, "%s: decodes (%s%s%s)", name, proto_strerror(r),
	    r != PROTO_OK ? ": " : "", r != PROTO_OK ? err.msg : "");
	if (r != PROTO_OK) {
		free(ser);
		free(exp);
		return;
	}
	wbuf_init(&w, slen * 2 + 1024);
	r = jser_encode(doc, &w);
	ok(r == PROTO_OK && w.len == slen && memcmp(w.d, ser, slen) == 0,
	    "%s: re-encodes to the same %zu bytes", name, slen);
	wbuf_free(&w);
	for (line = strtok_r((char *)exp, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((copy = strdup(line)) == NULL)
			break;
		ok(check_line(doc, copy), "%s: %s", name, line);
		free(copy);
	}
	jser_doc_free(doc);
	free(ser);
	free(exp);
}

static void
check_java_streams(void)
{
	DIR		*d;
	struct dirent	*e;
	char		**names = NULL, **nn;
	size_t		 n = 0, i, l;

	if ((d = opendir(dir)) == NULL) {
		ok(0, "open %s: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".ser") != 0 ||
		    strncmp(e->d_name, "c-", 2) == 0)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL)
			break;
		names = nn;
		if ((names[n] = strndup(e->d_name, l - 4)) == NULL)
			break;
		n++;
	}
	closedir(d);
	ok(n >= 40, "found %zu Java streams", n);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		check_java_stream(names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---- streams built in C ---- */

static struct jser_doc *
new_doc(struct jval_ctx *c, bool payload, int32_t oid)
{
	memset(c, 0, sizeof(*c));
	if ((c->doc = jser_doc_new()) == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	c->payload = payload;
	c->loader_oid = oid;
	return c->doc;
}

/* Add nodes as top-level contents (a NULL ends the list). */
static bool
add_all(struct jval_ctx *c, struct jser_node **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] == NULL || jser_doc_add(c->doc, v[i]) != PROTO_OK)
			return false;
	}
	return true;
}

/* Encode c's doc; compare with Java's NAME.ser or write c-NAME.ser. */
static void
finish(struct jval_ctx *c, bool built, const char *name, bool exact)
{
	struct wbuf	 w;
	uint8_t		*java = NULL;
	size_t		 jlen = 0;
	char		 path[4096];
	int		 r = PROTO_MALFORMED;

	wbuf_init(&w, 256 * 1024 * 1024);
	if (built)
		r = jser_encode(c->doc, &w);
	if (exact) {
		if (snprintf(path, sizeof(path), "%s/%s.ser", dir, name) <
		    (int)sizeof(path))
			java = read_file(path, &jlen);
		ok(built && r == PROTO_OK && java != NULL && w.len == jlen &&
		    memcmp(w.d, java, jlen) == 0,
		    "%s: C builder bytes equal ObjectOutputStream's (%zu/%zu)",
		    name, w.len, jlen);
		if (java != NULL && (w.len != jlen ||
		    memcmp(w.d, java, jlen) != 0)) {
			size_t	 i;

			for (i = 0; i < w.len && i < jlen &&
			    w.d[i] == java[i]; i++)
				;
			diag("first difference at byte %zu", i);
		}
		free(java);
	} else {
		(void)snprintf(path, sizeof(path), "c-%s.ser", name);
		ok(built && r == PROTO_OK && write_file(path, w.d, w.len) == 0,
		    "%s: built and written (%zu bytes)", path, w.len);
	}
	wbuf_free(&w);
	jser_doc_free(c->doc);
	c->doc = NULL;
}

static void
exact_streams(void)
{
	struct jval_ctx		 c;
	struct jser_node	*v[64], *k[64], *ci;
	char			 ks[32], vs[32];
	bool			 b;
	int			 i;

	new_doc(&c, false, 0);
	v[0] = jval_string(&c, "hello\0w\xc3\xb6rld\xf0\x9f\x98\x80", 16);
	finish(&c, add_all(&c, v, 1), "exact-string", true);

	new_doc(&c, false, 0);
	v[0] = jval_int(&c, 10);
	finish(&c, add_all(&c, v, 1), "exact-integer", true);

	new_doc(&c, false, 0);
	k[0] = jval_cstring(&c, "a");
	k[1] = jval_int(&c, 1);
	k[2] = NULL;
	k[3] = jval_long(&c, 5);
	k[4] = jval_boolean(&c, true);
	v[0] = jval_arraylist(&c, k, 5);
	finish(&c, add_all(&c, v, 1), "exact-arraylist", true);

	new_doc(&c, false, 0);
	b = true;
	for (i = 0; i < 30; i++) {
		snprintf(ks, sizeof(ks), "k%d", i);
		snprintf(vs, sizeof(vs), "v%d", i);
		k[i] = jval_cstring(&c, ks);
		v[32 + i] = jval_cstring(&c, vs);
		b = b && k[i] != NULL && v[32 + i] != NULL;
	}
	v[0] = b ? jval_hashmap(&c, k, v + 32, 30) : NULL;
	finish(&c, add_all(&c, v, 1), "exact-hashmap", true);

	new_doc(&c, false, 0);
	k[0] = jval_cstring(&c, "PATH");
	k[1] = jval_int(&c, 7);
	k[2] = jval_cstring(&c, "HOME");
	v[10] = jval_cstring(&c, "/usr/bin");
	v[11] = jval_long(&c, 8);
	v[12] = jval_cstring(&c, "/root");
	v[0] = jval_hashmap(&c, k, v + 10, 3);
	v[1] = jval_hashmap(&c, NULL, NULL, 0);
	finish(&c, add_all(&c, v, 2), "exact-hashmap-small", true);

	new_doc(&c, false, 0);
	b = true;
	for (i = 0; i < 10; i++) {
		k[i] = jval_int(&c, i * 64);
		v[32 + i] = jval_int(&c, i);
		b = b && k[i] != NULL && v[32 + i] != NULL;
	}
	k[10] = jval_double(&c, 1.5);
	v[42] = jval_cstring(&c, "d");
	k[11] = jval_boolean(&c, true);
	v[43] = jval_cstring(&c, "z");
	k[12] = jval_float(&c, 2.5f);
	v[44] = jval_cstring(&c, "f");
	v[32] = k[0];	/* Integer.valueOf(0): key and value are one object */
	v[0] = b ? jval_hashmap(&c, k, v + 32, 13) : NULL;
	finish(&c, add_all(&c, v, 1), "exact-hashmap-collide", true);

	new_doc(&c, false, 0);
	ci = jval_case_insensitive_order(&c);
	k[0] = jval_cstring(&c, "b");
	k[1] = jval_cstring(&c, "A");
	k[2] = jval_cstring(&c, "c");
	v[10] = jval_int(&c, 1);
	v[11] = jval_int(&c, 2);
	v[12] = jval_cstring(&c, "three");
	v[0] = ci != NULL ? jval_treemap(&c, ci, k, v + 10, 3) : NULL;
	finish(&c, add_all(&c, v, 1), "exact-treemap-ci", true);
}

static struct jser_node *
custom_object(struct jval_ctx *c)
{
	static const struct jval_field f[] = {
		{ 'I', "a", NULL },
		{ 'L', "s", "Ljava/lang/String;" },
	};
	struct jser_node	*d, *o, *s;
	struct jser_classdata	*cd;
	uint8_t			 b1[4] = { 0, 0, 0, 7 }, b2[24];
	uint64_t		 bits = jser_double_bits(1.5);
	int			 i;

	if ((d = jval_class(c, "JserPeer$Custom", 42,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, 2)) == NULL ||
	    (o = jser_new_object(c->doc, d)) == NULL ||
	    (s = jval_cstring(c, "field")) == NULL ||
	    jser_set_prim(o, "a", 77) != PROTO_OK ||
	    jser_set_ref(o, "s", s) != PROTO_OK ||
	    (cd = jser_obj_classdata(o, "JserPeer$Custom")) == NULL)
		return NULL;
	/* writeLong(-1), writeUTF("utf\u00e9"), writeBoolean, writeDouble */
	memset(b2, 0xff, 8);
	memcpy(b2 + 8, "\x00\x05utf\xc3\xa9", 7);
	b2[15] = 1;
	for (i = 0; i < 8; i++)
		b2[16 + i] = (uint8_t)(bits >> (56 - 8 * i));
	cd->has_custom = true;
	if (jser_content_add_block(c->doc, &cd->custom, b1, 4) != PROTO_OK ||
	    (s = jval_cstring(c, "extra")) == NULL ||
	    jser_content_add(c->doc, &cd->custom, s) != PROTO_OK ||
	    jser_content_add_block(c->doc, &cd->custom, b2, 24) != PROTO_OK)
		return NULL;
	return o;
}

static struct jser_node *
enum_const(struct jval_ctx *c, const char *cls, const char *name)
{
	struct jser_node	*e, *d;

	if ((e = jval_class(c, "java.lang.Enum", 0, SC_SERIALIZABLE | SC_ENUM,
	    NULL, NULL, 0)) == NULL || (d = jval_class(c, cls, 0,
	    SC_SERIALIZABLE | SC_ENUM, e, NULL, 0)) == NULL)
		return NULL;
	return jser_new_enum(c->doc, d, name);
}

static void
c_streams(void)
{
	static const struct jval_classref fnf[] = {
		{ "java.io.FileNotFoundException", INT64_C(-897856973823710492) },
		{ "java.io.IOException", JVAL_SUID_IOEXCEPTION },
		{ "java.lang.Exception", JVAL_SUID_EXCEPTION },
	};
	static const struct jval_classref uoe[] = {
		{ "java.lang.UnsupportedOperationException",
		    INT64_C(-1242599979055084673) },
		{ "java.lang.RuntimeException", JVAL_SUID_RUNTIMEEXCEPTION },
		{ "java.lang.Exception", JVAL_SUID_EXCEPTION },
		{ "java.lang.Throwable", JVAL_SUID_THROWABLE },
	};
	static const struct jval_classref ise[] = {
		{ "java.lang.IllegalStateException",
		    INT64_C(-1848914673093119416) },
		{ "java.lang.RuntimeException", JVAL_SUID_RUNTIMEEXCEPTION },
		{ "java.lang.Exception", JVAL_SUID_EXCEPTION },
	};
	static const struct jval_frame frames[] = {
		{ NULL, "agent.Files", "files.c", "open", NULL, NULL, 42, 0 },
		{ "app", "agent.Main", NULL, "main", "mod", "1.0", -2, 1 },
	};
	static const int8_t by[] = { 1, -2, 3 };
	static const int32_t in[] = { -1, 0, INT32_MAX };
	static const int64_t lo[] = { INT64_MIN };
	static const double db[] = { 0.5, -2 };
	static const uint16_t ch[] = { 'x', 0xe9 };
	static const bool bo[] = { true, false };
	static const int16_t sh[] = { -7 };
	static const float fl[] = { 2.25f };
	static const char *const strs[] = { "s0", NULL, "s2" };
	struct jval_ctx		 c;
	struct jser_node	*v[64], *k[64], *cause;
	char			 ks[32], vs[32];
	bool			 b;
	int			 i;

	new_doc(&c, true, 0);
	v[0] = jval_cstring(&c, "hello");
	v[1] = jval_string(&c, "nul\0in", 6);
	v[2] = jval_cstring(&c, "\xc3\xa4\xe2\x82\xac \xf0\x9f\x98\x80");
	finish(&c, add_all(&c, v, 3), "string", false);

	new_doc(&c, true, 0);
	v[0] = jval_boolean(&c, true);
	v[1] = jval_byte(&c, -128);
	v[2] = jval_short(&c, -2);
	v[3] = jval_char(&c, 0x20ac);
	v[4] = jval_int(&c, INT32_MIN);
	v[5] = jval_long(&c, INT64_MAX);
	v[6] = jval_float(&c, -0.0f);
	v[7] = jval_double(&c, jser_bits_double(UINT64_C(0x7ff8000000000000)));
	v[8] = jval_double(&c, 3.141592653589793);
	finish(&c, add_all(&c, v, 9), "boxed", false);

	new_doc(&c, true, 0);
	v[0] = jval_bytes(&c, by, 3);
	v[1] = jval_prim_array(&c, 'I', in, 3);
	v[2] = jval_prim_array(&c, 'J', lo, 1);
	v[3] = jval_prim_array(&c, 'D', db, 2);
	v[4] = jval_prim_array(&c, 'C', ch, 2);
	v[5] = jval_prim_array(&c, 'Z', bo, 2);
	v[6] = jval_prim_array(&c, 'S', sh, 1);
	v[7] = jval_prim_array(&c, 'F', fl, 1);
	v[8] = jval_string_array(&c, strs, 3);
	k[0] = jval_cstring(&c, "o");
	k[1] = jval_int(&c, 4);
	k[2] = NULL;
	v[9] = jval_object_array(&c, k, 3);
	finish(&c, add_all(&c, v, 10), "arrays", false);

	new_doc(&c, true, 0);
	k[0] = jval_cstring(&c, "a");
	k[1] = jval_int(&c, 7);
	k[2] = NULL;
	k[3] = jval_cstring(&c, "b");
	v[0] = jval_arraylist(&c, k, 4);
	v[1] = jval_arraylist(&c, NULL, 0);
	finish(&c, add_all(&c, v, 2), "arraylist", false);

	new_doc(&c, true, 0);
	b = true;
	for (i = 0; i < 40; i++) {
		snprintf(ks, sizeof(ks), "ENV_%d", i);
		snprintf(vs, sizeof(vs), "val%d", i);
		k[i] = jval_cstring(&c, ks);
		v[i] = jval_cstring(&c, vs);
		b = b && k[i] != NULL && v[i] != NULL;
	}
	v[62] = b ? jval_hashmap(&c, k, v, 40) : NULL;
	v[63] = jval_hashmap(&c, NULL, NULL, 0);
	finish(&c, add_all(&c, v + 62, 2), "hashmap", false);

	new_doc(&c, true, 0);
	k[0] = jval_cstring(&c, "PATH");
	k[1] = jval_cstring(&c, "zz");
	k[2] = jval_cstring(&c, "Home");
	v[1] = jval_cstring(&c, "1");
	v[2] = jval_cstring(&c, "3");
	v[3] = jval_cstring(&c, "2");
	v[0] = jval_treemap(&c, jval_case_insensitive_order(&c), k, v + 1, 3);
	finish(&c, add_all(&c, v, 1), "treemap", false);

	new_doc(&c, true, 5);
	cause = jval_proxy_exception(&c, "java.lang.IllegalStateException",
	    "root", NULL, 0, NULL);
	v[0] = cause == NULL ? NULL : jval_proxy_exception(&c,
	    "java.io.FileNotFoundException", "/nope (No such file)", frames, 2,
	    cause);
	finish(&c, add_all(&c, v, 1), "proxyexc", false);

	new_doc(&c, true, 0);
	v[0] = jval_throwable(&c, fnf, 3, "gone", NULL, NULL, 0,
	    JVAL_SUPPRESSED_EMPTY);
	cause = jval_throwable(&c, ise, 3, "x", NULL, frames, 1,
	    JVAL_SUPPRESSED_NULL);
	v[1] = cause == NULL ? NULL : jval_throwable(&c, uoe, 4, NULL, cause,
	    frames, -1, JVAL_SUPPRESSED_EMPTY);
	finish(&c, add_all(&c, v, 2), "throwable", false);

	new_doc(&c, true, 3);
	v[0] = custom_object(&c);
	finish(&c, add_all(&c, v, 1), "custom", false);

	new_doc(&c, true, 0);
	v[0] = enum_const(&c, "JserPeer$Color", "BLUE");
	v[1] = enum_const(&c, "java.util.concurrent.TimeUnit", "MILLISECONDS");
	v[2] = v[0];
	finish(&c, add_all(&c, v, 3), "enum", false);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_jdk_interop DIR\n");
		return 2;
	}
	dir = argv[1];
	check_java_streams();
	exact_streams();
	c_streams();
	return done_testing();
}
