/*
 * test_command.c: protocol/command.c against the captures of the official
 * Java agent and the validated byte strings of remoting-protocol.md.
 */
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "protocol/command.h"
#include "tests/unit/tap.h"

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*d = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (d = malloc((size_t)n + 1)) != NULL) {
		if (fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else
			*len = (size_t)n;
	}
	fclose(f);
	return d;
}

/* Hex text (spaces and newlines allowed) to bytes; returns the length. */
static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t	 n = 0;
	int	 hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			if (n < max)
				out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* Append a Java modified-UTF-8 short string: u16 length + bytes. */
static size_t
put_utf(uint8_t *p, const char *s)
{
	size_t	 n = strlen(s);

	p[0] = (uint8_t)(n >> 8);
	p[1] = (uint8_t)n;
	memcpy(p + 2, s, n);
	return n + 2;
}

static bool
same(const struct wbuf *w, const uint8_t *p, size_t n)
{
	return w->len == n && memcmp(w->d, p, n) == 0;
}

static void
dump_diff(const struct wbuf *w, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < w->len && i < n && w->d[i] == p[i]; i++)
		;
	diag("got %zu bytes, want %zu; first difference at %zu", w->len, n,
	    i);
}

/* ---- transcripts ---- */

struct tr_entry {
	char	 dir;		/* 't' controller->agent, 'r' agent->controller */
	int	 idx;
	char	 cls[160];
};

struct transcript {
	struct tr_entry	*e;
	size_t		 n;
};

static int
transcript_load(const char *path, struct transcript *t)
{
	FILE	*f;
	char	 line[4096], *p, *q;
	char	 dir = 0;
	int	 pending = -1;
	size_t	 cap = 0;

	memset(t, 0, sizeof(*t));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "==== controller -> agent", 24) == 0)
			dir = 't';
		else if (strncmp(line, "==== agent -> controller", 24) == 0)
			dir = 'r';
		else if (strncmp(line, "[command ", 9) == 0)
			pending = atoi(line + 9);
		else if (pending >= 0 &&
		    (p = strstr(line, "channel event: ")) != NULL) {
			p += 15;
			if ((q = strchr(p, ' ')) != NULL)
				*q = '\0';
			if (t->n == cap) {
				cap = cap ? cap * 2 : 256;
				t->e = realloc(t->e, cap * sizeof(*t->e));
				if (t->e == NULL)
					abort();
			}
			t->e[t->n].dir = dir;
			t->e[t->n].idx = pending;
			snprintf(t->e[t->n].cls, sizeof(t->e[t->n].cls), "%s",
			    p);
			t->n++;
			pending = -1;
		}
	}
	fclose(f);
	return 0;
}

static const char *
transcript_class(const struct transcript *t, char dir, int idx)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (t->e[i].dir == dir && t->e[i].idx == idx)
			return t->e[i].cls;
	return NULL;
}

/* ---- descriptor comparison ---- */

static const struct jser_node *
desc_of(const struct jser_node *n)
{
	if (n == NULL)
		return NULL;
	if (n->type == JSER_OBJECT)
		return n->u.obj.desc;
	if (n->type == JSER_ARRAY)
		return n->u.arr.desc;
	return NULL;
}

/* Same class chain: names, suids, flags, fields (name, type, signature). */
static bool
same_chain(const struct jser_node *a, const struct jser_node *b,
    char *why, size_t whylen)
{
	uint16_t	 i;

	for (; a != NULL || b != NULL; a = a->u.desc.super,
	    b = b->u.desc.super) {
		if (a == NULL || b == NULL || a->type != JSER_CLASSDESC ||
		    b->type != JSER_CLASSDESC) {
			snprintf(why, whylen, "chain length or kind differs");
			return false;
		}
		if (strcmp(a->u.desc.name, b->u.desc.name) != 0 ||
		    a->u.desc.suid != b->u.desc.suid ||
		    a->u.desc.flags != b->u.desc.flags ||
		    a->u.desc.nfields != b->u.desc.nfields) {
			snprintf(why, whylen, "%s vs %s (suid/flags/nfields)",
			    a->u.desc.name, b->u.desc.name);
			return false;
		}
		for (i = 0; i < a->u.desc.nfields; i++) {
			const struct jser_fielddesc *fa = &a->u.desc.fields[i];
			const struct jser_fielddesc *fb = &b->u.desc.fields[i];

			if (fa->type != fb->type ||
			    strcmp(fa->name, fb->name) != 0 ||
			    (fa->class_name == NULL) !=
			    (fb->class_name == NULL) ||
			    (fa->class_name != NULL && strcmp(
			    fa->class_name->u.str.s,
			    fb->class_name->u.str.s) != 0)) {
				snprintf(why, whylen, "%s field %u differs",
				    a->u.desc.name, i);
				return false;
			}
		}
	}
	return true;
}

/* ---- fixtures: every captured command parses to its transcript kind ---- */

static void
test_captures(const char *fix)
{
	char		 pat[4096], tpath[4096], *dir, *base;
	glob_t		 dirs, files;
	struct transcript tr;
	struct cmd	 c;
	struct jser_err	 err;
	const char	*want;
	uint8_t		*d;
	size_t		 i, j, len;
	int		 nok, nbad, idx, conn, cn;
	char		 direction;

	snprintf(pat, sizeof(pat), "%s/remoting/captures/*", fix);
	if (glob(pat, GLOB_ONLYDIR, NULL, &dirs) != 0) {
		ok(0, "captures found under %s", pat);
		return;
	}
	for (i = 0; i < dirs.gl_pathc; i++) {
		dir = dirs.gl_pathv[i];
		snprintf(pat, sizeof(pat), "%s/conn*-[tr]x-cmd*.bin", dir);
		if (glob(pat, 0, NULL, &files) != 0)
			continue;
		nok = nbad = 0;
		memset(&tr, 0, sizeof(tr));
		conn = -1;
		for (j = 0; j < files.gl_pathc; j++) {
			base = strrchr(files.gl_pathv[j], '/') + 1;
			if (sscanf(base, "conn%d-%cx-cmd%d.bin", &cn, &direction,
			    &idx) != 3) {
				nbad++;
				continue;
			}
			if (cn != conn) {
				free(tr.e);
				conn = cn;
				snprintf(tpath, sizeof(tpath),
				    "%s/conn%d-transcript.txt", dir, conn);
				if (transcript_load(tpath, &tr) != 0)
					memset(&tr, 0, sizeof(tr));
			}
			want = transcript_class(&tr, direction, idx);
			if ((d = read_file(files.gl_pathv[j], &len)) == NULL) {
				nbad++;
				continue;
			}
			memset(&err, 0, sizeof(err));
			if (cmd_parse(d, len, NULL, &c, &err) != PROTO_OK) {
				diag("%s: %s", base, err.msg);
				nbad++;
			} else if (want == NULL || strcmp(want, c.cls) != 0 ||
			    (cmd_kind_class(c.kind) != NULL &&
			    strcmp(cmd_kind_class(c.kind), c.cls) != 0)) {
				diag("%s: parsed %s, transcript says %s", base,
				    c.cls, want ? want : "(nothing)");
				nbad++;
			} else if (c.kind == CMD_UNKNOWN) {
				diag("%s: %s parsed as unknown", base, c.cls);
				nbad++;
			} else if (c.kind == CMD_USER_REQUEST &&
			    (!c.has_payload || c.loader_oid <= 0)) {
				diag("%s: UserRequest without payload/loader",
				    base);
				nbad++;
			} else
				nok++;
			cmd_free(&c);
			free(d);
		}
		free(tr.e);
		ok(nbad == 0 && nok > 0, "%s: %d commands parse to the kind "
		    "the transcript names (%d bad)", strrchr(dir, '/') + 1,
		    nok, nbad);
		globfree(&files);
	}
	globfree(&dirs);
}

/* A captured command of a kind, parsed (caller cmd_free()s), or -1. */
static int
find_capture(const char *fix, const char *glob_pat, enum cmd_kind kind,
    const char *ret_class, struct cmd *out)
{
	char		 pat[4096];
	glob_t		 g;
	uint8_t		*d;
	size_t		 i, len;
	int		 r = -1;

	snprintf(pat, sizeof(pat), "%s/remoting/captures/%s", fix, glob_pat);
	if (glob(pat, 0, NULL, &g) != 0)
		return -1;
	for (i = 0; i < g.gl_pathc && r != 0; i++) {
		if ((d = read_file(g.gl_pathv[i], &len)) == NULL)
			continue;
		if (cmd_parse(d, len, NULL, out, NULL) == PROTO_OK) {
			if (out->kind == kind && (ret_class == NULL ||
			    (jser_class_name(out->ret) != NULL &&
			    strcmp(jser_class_name(out->ret), ret_class) ==
			    0)))
				r = 0;
			else
				cmd_free(out);
		}
		free(d);
	}
	globfree(&g);
	return r;
}

/* Our built command against the Java agent's (or controller's). */
static void
compare_built(const char *fix, const char *what, const char *glob_pat,
    enum cmd_kind kind, const char *ret_class, const struct wbuf *built)
{
	struct cmd	 java, mine;
	char		 why[256] = "";
	bool		 good;

	if (find_capture(fix, glob_pat, kind, ret_class, &java) != 0) {
		ok(0, "%s: a captured %s exists", what, cmd_kind_class(kind));
		return;
	}
	if (cmd_parse(built->d, built->len, NULL, &mine, NULL) != PROTO_OK) {
		ok(0, "%s: ours parses", what);
		cmd_free(&java);
		return;
	}
	good = same_chain(desc_of(mine.root), desc_of(java.root), why,
	    sizeof(why));
	if (good && ret_class != NULL)
		good = same_chain(desc_of(mine.ret), desc_of(java.ret), why,
		    sizeof(why));
	ok(good, "%s: same descriptors as the Java peer's %s", what,
	    why[0] ? why : "");
	cmd_free(&mine);
	cmd_free(&java);
}

/* Our ProxyException payload against the Java agent's proxyResponse. */
static void
compare_proxy_exception(const char *fix)
{
	struct cmd		 java;
	struct jser_doc		*jdoc = NULL, *mdoc = NULL;
	char			 why[256] = "";
	uint8_t			*proxy, *raw;
	size_t			 plen, rlen;
	bool			 good = false;

	if (find_capture(fix, "*/conn*-rx-cmd*.bin", CMD_RESPONSE,
	    CMD_CLS_EXC_RESPONSE, &java) != 0) {
		ok(0, "a captured ExceptionResponse exists");
		return;
	}
	if (cmd_payload_exception("java.io.IOException", "boom", 2, &proxy,
	    &plen, &raw, &rlen) == PROTO_OK) {
		if (jser_decode(java.payload, java.payload_len, NULL, &jdoc,
		    NULL) == PROTO_OK && jser_decode(proxy, plen, NULL, &mdoc,
		    NULL) == PROTO_OK)
			good = same_chain(desc_of(jser_root(mdoc)),
			    desc_of(jser_root(jdoc)), why, sizeof(why));
		free(proxy);
		free(raw);
	}
	ok(good, "ProxyException payload: same descriptors as the Java "
	    "agent's proxyResponse %s", why);
	jser_doc_free(jdoc);
	jser_doc_free(mdoc);
	cmd_free(&java);
}

static void
test_structure(const char *fix)
{
	struct wbuf	 w;
	static const uint8_t null_pl[] = { 0xac, 0xed, 0x00, 0x05, 0x70 };
	static const uint8_t buf[] = "hello";

	wbuf_init(&w, 1 << 20);
	cmd_put_response_normal(&w, 3, 0, null_pl, sizeof(null_pl));
	compare_built(fix, "Response(NormalResponse)", "*/conn*-rx-cmd*.bin",
	    CMD_RESPONSE, CMD_CLS_NORMAL_RESPONSE, &w);
	wbuf_reset(&w);
	cmd_put_response_exception(&w, 3, 0, null_pl, sizeof(null_pl),
	    null_pl, sizeof(null_pl));
	compare_built(fix, "Response(ExceptionResponse)",
	    "*/conn*-rx-cmd*.bin", CMD_RESPONSE, CMD_CLS_EXC_RESPONSE, &w);
	wbuf_reset(&w);
	cmd_put_pos_chunk(&w, 1, 4, 0, buf, 5);
	compare_built(fix, "ProxyOutputStream$Chunk", "*/conn*-rx-cmd*.bin",
	    CMD_POS_CHUNK, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pos_flush(&w, 2, 4, 0);
	compare_built(fix, "ProxyOutputStream$Flush", "*/conn*-rx-cmd*.bin",
	    CMD_POS_FLUSH, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pos_eof(&w, 3, 4, 0, NULL, NULL);
	compare_built(fix, "ProxyOutputStream$EOF", "*/conn*-rx-cmd*.bin",
	    CMD_POS_EOF, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pos_unexport(&w, 3, 4);
	compare_built(fix, "ProxyOutputStream$Unexport", "*/conn*-rx-cmd*.bin",
	    CMD_POS_UNEXPORT, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pos_ack(&w, 3, 8192);
	compare_built(fix, "ProxyOutputStream$Ack", "*/conn*-tx-cmd*.bin",
	    CMD_POS_ACK, NULL, &w);
	wbuf_reset(&w);
	cmd_put_unexport(&w, 7);
	compare_built(fix, "UnexportCommand", "*/conn*-rx-cmd*.bin",
	    CMD_UNEXPORT, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pipe_connect(&w, 5, 6);
	compare_built(fix, "Pipe$ConnectCommand", "*/conn*-rx-cmd*.bin",
	    CMD_PIPE_CONNECT, NULL, &w);
	wbuf_reset(&w);
	cmd_put_pis_eof(&w, 5);
	compare_built(fix, "ProxyInputStream$EOF", "*/conn*-[tr]x-cmd*.bin",
	    CMD_PIS_EOF, NULL, &w);
	wbuf_reset(&w);
	compare_proxy_exception(fix);
	cmd_put_close(&w);
	compare_built(fix, "Channel$CloseCommand", "*/conn*-[tr]x-cmd*.bin",
	    CMD_CLOSE, NULL, &w);
	wbuf_reset(&w);
	cmd_put_user_request(&w, 1, 0, 2, null_pl, sizeof(null_pl),
	    "hudson.remoting.PingThread$Ping@1");
	compare_built(fix, "UserRequest", "*/conn*-rx-cmd*.bin",
	    CMD_USER_REQUEST, NULL, &w);
	wbuf_free(&w);
}

/* ---- validated byte strings of the spec ---- */

static const char close_hex[] =
"ac ed 00 05 73 72 00 24 68 75 64 73 6f 6e 2e 72 65 6d 6f 74 69 6e 67 2e 43 68 61 6e 6e 65 6c"
"24 43 6c 6f 73 65 43 6f 6d 6d 61 6e 64 0d 80 48 88 bb 5b d9 83 02 00 00 78 72 00 17 68 75 64"
"73 6f 6e 2e 72 65 6d 6f 74 69 6e 67 2e 43 6f 6d 6d 61 6e 64 00 00 00 00 00 00 00 01 02 00 01"
"4c 00 09 63 72 65 61 74 65 64 41 74 74 00 15 4c 6a 61 76 61 2f 6c 61 6e 67 2f 45 78 63 65 70"
"74 69 6f 6e 3b 78 70 70";

static const char ping_response_hex[] =
"ac ed 00 05 73 72 00 18 68 75 64 73 6f 6e 2e 72 65 6d 6f 74 69 6e 67 2e 52 65 73 70 6f 6e 73 65"
"00 00 00 00 00 00 00 01 02 00 04 49 00 02 69 64 49 00 08 6c 61 73 74 49 6f 49 64 4c 00 09 65 78"
"63 65 70 74 69 6f 6e 74 00 15 4c 6a 61 76 61 2f 6c 61 6e 67 2f 54 68 72 6f 77 61 62 6c 65 3b 4c"
"00 0b 72 65 74 75 72 6e 56 61 6c 75 65 74 00 16 4c 6a 61 76 61 2f 69 6f 2f 53 65 72 69 61 6c 69"
"7a 61 62 6c 65 3b 78 72 00 17 68 75 64 73 6f 6e 2e 72 65 6d 6f 74 69 6e 67 2e 43 6f 6d 6d 61 6e"
"64 00 00 00 00 00 00 00 01 02 00 01 4c 00 09 63 72 65 61 74 65 64 41 74 74 00 15 4c 6a 61 76 61"
"2f 6c 61 6e 67 2f 45 78 63 65 70 74 69 6f 6e 3b 78 70 70 00 00 00 05 00 00 00 00 70 73 72 00 2a"
"68 75 64 73 6f 6e 2e 72 65 6d 6f 74 69 6e 67 2e 55 73 65 72 52 65 71 75 65 73 74 24 4e 6f 72 6d"
"61 6c 52 65 73 70 6f 6e 73 65 00 00 00 00 00 00 00 01 02 00 01 5b 00 08 72 65 73 70 6f 6e 73 65"
"74 00 02 5b 42 78 70 75 72 00 02 5b 42 ac f3 17 f8 06 08 54 e0 02 00 00 78 70 00 00 00 05 ac ed"
"00 05 70";

static const char boolean_true_hex[] =
"ac ed 00 05 73 72 00 11 6a 61 76 61 2e 6c 61 6e 67 2e 42 6f 6f 6c 65 61 6e cd 20 72 80 d5 9c fa"
"ee 02 00 01 5a 00 05 76 61 6c 75 65 77 04 ff ff ff fd 78 70 01";

static void
test_spec_bytes(void)
{
	struct wbuf		 w;
	struct jser_doc		*doc;
	struct jser_node	*n;
	struct cmd		 c;
	uint8_t			 want[2048], *p;
	size_t			 n_want;
	static const uint8_t	 null_pl[] = { 0xac, 0xed, 0x00, 0x05, 0x70 };
	static const uint8_t	 sysann[] = { 0x77, 0x04, 0xff, 0xff, 0xff,
				    0xfd, 0x78 };

	wbuf_init(&w, 1 << 20);

	n_want = unhex(close_hex, want, sizeof(want));
	ok(cmd_put_close(&w) == PROTO_OK && n_want == 132 &&
	    same(&w, want, n_want), "CloseCommand is the 132 bytes of 4.8");
	wbuf_reset(&w);

	n_want = unhex(ping_response_hex, want, sizeof(want));
	ok(cmd_put_response_normal(&w, 5, 0, null_pl, sizeof(null_pl)) ==
	    PROTO_OK && n_want == 323 && same(&w, want, n_want),
	    "ping Response id 5 is the 323 bytes of 5.4");
	if (!same(&w, want, n_want))
		dump_diff(&w, want, n_want);
	wbuf_reset(&w);

	/* payloads */
	doc = jser_doc_new();
	ok(cmd_payload_encode(doc, NULL, 7, &w) == PROTO_OK &&
	    same(&w, null_pl, sizeof(null_pl)), "null payload ac ed 00 05 70");
	wbuf_reset(&w);

	n_want = unhex(boolean_true_hex, want, sizeof(want));
	n = cmd_new_boolean(doc, true);
	ok(n != NULL && cmd_payload_encode(doc, n, 0, &w) == PROTO_OK &&
	    same(&w, want, n_want), "Boolean.TRUE payload of 5.4");
	wbuf_reset(&w);
	jser_doc_free(doc);

	/* Integer 10: two SYSTEM-annotated descriptors */
	p = want;
	memcpy(p, "\xac\xed\x00\x05\x73\x72", 6);
	p += 6;
	p += put_utf(p, "java.lang.Integer");
	memcpy(p, "\x12\xe2\xa0\xa4\xf7\x81\x87\x38\x02\x00\x01\x49", 12);
	p += 12;
	p += put_utf(p, "value");
	memcpy(p, sysann, 7);
	p += 7;
	*p++ = 0x72;
	p += put_utf(p, "java.lang.Number");
	memcpy(p, "\x86\xac\x95\x1d\x0b\x94\xe0\x8b\x02\x00\x00", 11);
	p += 11;
	memcpy(p, sysann, 7);
	p += 7;
	memcpy(p, "\x70\x00\x00\x00\x0a", 5);
	p += 5;
	doc = jser_doc_new();
	n = cmd_new_integer(doc, 10);
	ok(n != NULL && cmd_payload_encode(doc, n, 0, &w) == PROTO_OK &&
	    same(&w, want, (size_t)(p - want)), "Integer 10 payload of 5.4");
	wbuf_reset(&w);
	jser_doc_free(doc);

	/* String: no descriptor, no annotation */
	p = want;
	memcpy(p, "\xac\xed\x00\x05\x74", 5);
	p += 5;
	p += put_utf(p, "3386.v353e57a_1b_ea_0");
	doc = jser_doc_new();
	n = cmd_new_string(doc, "3386.v353e57a_1b_ea_0");
	ok(n != NULL && cmd_payload_encode(doc, n, 2, &w) == PROTO_OK &&
	    same(&w, want, (size_t)(p - want)), "String payload of 5.4");
	wbuf_reset(&w);
	jser_doc_free(doc);

	/* ProxyException minimal payload (5.5), all SYSTEM */
	p = want;
	memcpy(p, "\xac\xed\x00\x05\x73\x72", 6);
	p += 6;
	p += put_utf(p, "hudson.remoting.ProxyException");
	memcpy(p, "\x12\x7f\x08\x49\x3c\x33\x37\xbd\x02\x00\x00", 11);
	p += 11;
	memcpy(p, sysann, 7);
	p += 7;
	*p++ = 0x72;
	p += put_utf(p, "java.io.IOException");
	memcpy(p, "\x6c\x80\x73\x64\x65\x25\xf0\xab\x02\x00\x00", 11);
	p += 11;
	memcpy(p, sysann, 7);
	p += 7;
	*p++ = 0x72;
	p += put_utf(p, "java.lang.Exception");
	memcpy(p, "\xd0\xfd\x1f\x3e\x1a\x3b\x1c\xc4\x02\x00\x00", 11);
	p += 11;
	memcpy(p, sysann, 7);
	p += 7;
	*p++ = 0x72;
	p += put_utf(p, "java.lang.Throwable");
	memcpy(p, "\xd5\xc6\x35\x27\x39\x77\xb8\xcb\x03\x00\x04", 11);
	p += 11;
	*p++ = 0x4c;
	p += put_utf(p, "cause");
	*p++ = 0x74;
	p += put_utf(p, "Ljava/lang/Throwable;");
	*p++ = 0x4c;
	p += put_utf(p, "detailMessage");
	*p++ = 0x74;
	p += put_utf(p, "Ljava/lang/String;");
	*p++ = 0x5b;
	p += put_utf(p, "stackTrace");
	*p++ = 0x74;
	p += put_utf(p, "[Ljava/lang/StackTraceElement;");
	*p++ = 0x4c;
	p += put_utf(p, "suppressedExceptions");
	*p++ = 0x74;
	p += put_utf(p, "Ljava/util/List;");
	memcpy(p, sysann, 7);
	p += 7;
	*p++ = 0x70;		/* no super */
	*p++ = 0x70;		/* cause */
	*p++ = 0x74;
	p += put_utf(p, "java.lang.UnsupportedOperationException: "
	    "not supported");
	*p++ = 0x70;		/* stackTrace */
	*p++ = 0x70;		/* suppressedExceptions */
	*p++ = 0x78;		/* end of Throwable.writeObject data */
	doc = jser_doc_new();
	n = cmd_new_exception(doc, CMD_CLS_PROXY_EXCEPTION,
	    "java.lang.UnsupportedOperationException: not supported");
	ok(p - want == 395 && n != NULL &&
	    cmd_payload_encode(doc, n, 0, &w) == PROTO_OK &&
	    same(&w, want, (size_t)(p - want)),
	    "ProxyException minimal payload of 5.5 (395 bytes)");
	if (!same(&w, want, (size_t)(p - want)))
		dump_diff(&w, want, (size_t)(p - want));
	wbuf_reset(&w);
	jser_doc_free(doc);

	/* With a loader oid, the remoting class gets LOCAL, JDK ones SYSTEM. */
	doc = jser_doc_new();
	n = cmd_new_exception(doc, CMD_CLS_PROXY_EXCEPTION, "x");
	ok(n != NULL && cmd_payload_encode(doc, n, 2, &w) == PROTO_OK &&
	    w.len > 60 && memmem(w.d, w.len,
	    "\xbd\x02\x00\x00\x77\x08\xff\xff\xff\xff\x00\x00\x00\x02\x78", 15)
	    != NULL && memmem(w.d, w.len, "\xf0\xab\x02\x00\x00\x77\x04\xff"
	    "\xff\xff\xfd\x78", 12) != NULL,
	    "payload annotations: LOCAL for remoting, SYSTEM for java.*");
	wbuf_reset(&w);
	jser_doc_free(doc);

	/* The agent's ping payload of 5.8: 62 bytes with LOCAL oid X */
	p = want;
	memcpy(p, "\xac\xed\x00\x05\x73\x72", 6);
	p += 6;
	p += put_utf(p, "hudson.remoting.PingThread$Ping");
	memcpy(p, "\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00"
	    "\x77\x08\xff\xff\xff\xff\x00\x00\x00\x09\x78\x70", 23);
	p += 23;
	doc = jser_doc_new();
	n = jser_new_object(doc, jser_new_desc(doc, CMD_CLS_PING, 1,
	    SC_SERIALIZABLE, NULL));
	ok(p - want == 62 && n != NULL &&
	    cmd_payload_encode(doc, n, 9, &w) == PROTO_OK &&
	    same(&w, want, 62), "agent ping payload of 5.8 (62 bytes)");
	jser_doc_free(doc);

	/* ... inside the agent's UserRequest (543 bytes validated) */
	{
		struct wbuf	 u;

		wbuf_init(&u, 1 << 20);
		ok(cmd_put_user_request(&u, 1, 0, 9, w.d, w.len,
		    "hudson.remoting.PingThread$Ping@1") == PROTO_OK &&
		    u.len == 543, "agent ping UserRequest is 543 bytes (%zu)",
		    u.len);
		ok(cmd_parse(u.d, u.len, NULL, &c, NULL) == PROTO_OK &&
		    c.kind == CMD_USER_REQUEST && c.id == 1 &&
		    c.loader_oid == 9 && c.payload_len == 62 &&
		    memcmp(c.payload, want, 62) == 0 && c.to_string != NULL &&
		    strcmp(c.to_string, "hudson.remoting.PingThread$Ping@1") ==
		    0, "agent ping UserRequest parses back");
		cmd_free(&c);
		wbuf_free(&u);
	}
	wbuf_free(&w);
}

/* Every builder round-trips through cmd_parse(). */
static void
test_roundtrip(void)
{
	struct wbuf		 w;
	struct cmd		 c;
	struct jser_doc		*doc;
	struct jser_node	*b;
	const char		*s;
	static const uint8_t	 data[] = { 1, 2, 3, 4, 5, 6, 7 };
	uint8_t			*proxy, *raw;
	size_t			 plen, rlen;

	wbuf_init(&w, 1 << 20);
#define RT(call, cond, what) do {					\
	wbuf_reset(&w);							\
	memset(&c, 0, sizeof(c));					\
	ok((call) == PROTO_OK &&					\
	    cmd_parse(w.d, w.len, NULL, &c, NULL) == PROTO_OK && (cond),	\
	    "round trip: %s", what);					\
	cmd_free(&c);							\
} while (0)

	RT(cmd_put_cancel(&w, 42), c.kind == CMD_CANCEL && c.id == 42,
	    "Request$Cancel");
	RT(cmd_put_unexport(&w, 9), c.kind == CMD_UNEXPORT && c.oid == 9,
	    "UnexportCommand");
	RT(cmd_put_pipe_connect(&w, 5, 6), c.kind == CMD_PIPE_CONNECT &&
	    c.oid_pos == 5 && c.oid_ros == 6, "Pipe$ConnectCommand");
	RT(cmd_put_pos_chunk(&w, 11, 4, 3, data, sizeof(data)),
	    c.kind == CMD_POS_CHUNK && c.io_id == 11 && c.oid == 4 &&
	    c.request_id == 3 && c.buf_len == sizeof(data) &&
	    memcmp(c.buf, data, sizeof(data)) == 0, "ProxyOutputStream$Chunk");
	RT(cmd_put_pos_flush(&w, 12, 4, 3), c.kind == CMD_POS_FLUSH &&
	    c.io_id == 12 && c.oid == 4 && c.request_id == 3,
	    "ProxyOutputStream$Flush");
	RT(cmd_put_pos_eof(&w, 13, 4, 3, NULL, NULL), c.kind == CMD_POS_EOF &&
	    c.io_id == 13 && c.error == NULL, "ProxyOutputStream$EOF");
	RT(cmd_put_pos_eof(&w, 14, 4, 3, NULL, "broken"),
	    c.kind == CMD_POS_EOF && c.error != NULL &&
	    strcmp(jser_class_name(c.error), "java.io.IOException") == 0 &&
	    jser_field_string(c.error, "detailMessage", &s) == PROTO_OK &&
	    s != NULL && strcmp(s, "broken") == 0,
	    "ProxyOutputStream$EOF with an IOException");
	RT(cmd_put_pos_eof(&w, 15, 4, 3, "java.nio.file.NoSuchFileException",
	    "/w/missing"), c.kind == CMD_POS_EOF && c.error != NULL &&
	    strcmp(jser_class_name(c.error),
	    "java.nio.file.NoSuchFileException") == 0 &&
	    jser_instance_of(c.error, "java.io.IOException") &&
	    jser_field_string(c.error, "file", &s) == PROTO_OK && s != NULL &&
	    strcmp(s, "/w/missing") == 0 &&
	    jser_field_string(c.error, "detailMessage", &s) == PROTO_OK &&
	    s == NULL, "ProxyOutputStream$EOF with NoSuchFileException(path)");
	RT(cmd_put_pos_eof(&w, 16, 4, 3, "org.example.Weird", "odd"),
	    c.kind == CMD_POS_EOF && c.error != NULL &&
	    strcmp(jser_class_name(c.error), "java.io.IOException") == 0 &&
	    jser_field_string(c.error, "detailMessage", &s) == PROTO_OK &&
	    s != NULL && strcmp(s, "org.example.Weird: odd") == 0,
	    "ProxyOutputStream$EOF: unknown class -> IOException naming it");
	RT(cmd_put_pos_unexport(&w, 15, 4), c.kind == CMD_POS_UNEXPORT &&
	    c.io_id == 15 && c.oid == 4, "ProxyOutputStream$Unexport");
	RT(cmd_put_pos_ack(&w, 4, 8192), c.kind == CMD_POS_ACK &&
	    c.oid == 4 && c.size == 8192, "ProxyOutputStream$Ack");
	RT(cmd_put_pos_dead(&w, 4), c.kind == CMD_POS_DEAD && c.oid == 4,
	    "ProxyOutputStream$NotifyDeadWriter");
	RT(cmd_put_pw_ack(&w, 4, 10), c.kind == CMD_PW_ACK && c.size == 10,
	    "ProxyWriter$Ack");
	RT(cmd_put_pis_chunk(&w, 8, 15, 3, 100), c.kind == CMD_PIS_CHUNK &&
	    c.is_request && c.id == 8 && c.last_io_id == 15 && c.oid == 3 &&
	    c.size == 100, "ProxyInputStream$Chunk");
	RT(cmd_put_pis_eof(&w, 3), c.kind == CMD_PIS_EOF && c.oid == 3,
	    "ProxyInputStream$EOF");
	RT(cmd_put_close(&w), c.kind == CMD_CLOSE, "Channel$CloseCommand");
	RT(cmd_put_response_normal(&w, 7, 3, data, sizeof(data)),
	    c.kind == CMD_RESPONSE && c.id == 7 && c.last_io_id == 3 &&
	    c.resp == CMD_RESP_NORMAL && c.payload_len == sizeof(data),
	    "Response(NormalResponse)");
	RT(cmd_put_response_exception(&w, 7, 0, data, 3, NULL, 0),
	    c.kind == CMD_RESPONSE && c.resp == CMD_RESP_EXCEPTION &&
	    c.payload_len == 3 && !c.has_raw, "Response(ExceptionResponse)");

	doc = jser_doc_new();
	b = cmd_new_pis_buffer(doc, 3, data, 5);
	RT(cmd_put_response_raw(&w, doc, 9, 0, NULL, b),
	    c.kind == CMD_RESPONSE && c.resp == CMD_RESP_RAW && c.ret != NULL &&
	    strcmp(jser_class_name(c.ret), CMD_CLS_PIS_BUFFER) == 0,
	    "Response(ProxyInputStream$Buffer)");
	jser_doc_free(doc);
	doc = jser_doc_new();
	b = cmd_new_exception(doc, "java.lang.UnsupportedOperationException",
	    "no");
	RT(cmd_put_response_raw(&w, doc, 9, 0, b, NULL),
	    c.kind == CMD_RESPONSE && c.exc != NULL &&
	    jser_instance_of(c.exc, "java.lang.RuntimeException"),
	    "Response(exception)");
	jser_doc_free(doc);
#undef RT

	/* cmd_payload_exception: proxy + raw, both decodable */
	ok(cmd_payload_exception("java.lang.UnsupportedOperationException",
	    "X is not supported", 2, &proxy, &plen, &raw, &rlen) == PROTO_OK &&
	    proxy != NULL && raw != NULL &&
	    memmem(proxy, plen, "java.lang.UnsupportedOperationException: X "
	    "is not supported", 57) != NULL &&
	    memmem(raw, rlen, "java.lang.RuntimeException", 26) != NULL,
	    "ExceptionResponse payloads: ProxyException + the raw exception");
	free(proxy);
	free(raw);
	ok(cmd_payload_exception("com.example.Weird", "m", 2, &proxy, &plen,
	    &raw, &rlen) == PROTO_OK && proxy != NULL && raw == NULL,
	    "unknown exception class: ProxyException only");
	free(proxy);
	ok(cmd_payload_exception("java.nio.file.NoSuchFileException", "/x",
	    2, &proxy, &plen, &raw, &rlen) == PROTO_OK && raw != NULL &&
	    memmem(raw, rlen, "\x00\x04" "file", 6) != NULL,
	    "FileSystemException subclass carries the path in file");
	free(proxy);
	free(raw);
	wbuf_free(&w);
}

/* Bad input: errors, never crashes. */
static void
test_bad(void)
{
	struct cmd	 c;
	struct wbuf	 w;
	struct jser_doc	*doc;
	size_t		 i;
	int		 crashes = 0, accepted = 0;
	static const uint8_t junk[] = { 0xac, 0xed, 0x00, 0x05, 0x74, 0x00,
	    0x01, 'x' };
	static const uint8_t trunc[] = { 0xac, 0xed, 0x00, 0x05, 0x73 };

	ok(cmd_parse(junk, sizeof(junk), NULL, &c, NULL) == PROTO_MALFORMED,
	    "a String is not a command");
	ok(cmd_parse(trunc, sizeof(trunc), NULL, &c, NULL) != PROTO_OK,
	    "a truncated stream is an error");
	ok(cmd_parse((const uint8_t *)"GET /", 5, NULL, &c, NULL) != PROTO_OK,
	    "text is an error");

	/* A Boolean is an object but not a Command. */
	wbuf_init(&w, 1 << 20);
	doc = jser_doc_new();
	cmd_payload_encode(doc, cmd_new_boolean(doc, true), 0, &w);
	ok(cmd_parse(w.d, w.len, NULL, &c, NULL) == PROTO_MALFORMED,
	    "a Boolean is not a command");
	jser_doc_free(doc);

	/* Every truncation of a real command fails cleanly. */
	wbuf_reset(&w);
	cmd_put_pos_chunk(&w, 1, 2, 3, junk, sizeof(junk));
	for (i = 0; i < w.len; i++)
		if (cmd_parse(w.d, i, NULL, &c, NULL) == PROTO_OK) {
			accepted++;
			cmd_free(&c);
		}
	ok(accepted == 0 && crashes == 0, "all %zu truncations rejected",
	    w.len);
	wbuf_free(&w);
}

/*
 * A parsed mutant that the agent could build itself must survive a round
 * trip through its builder: same fields (the fuzz_command property).
 */
static bool
mutant_roundtrip(const struct cmd *c)
{
	struct cmd	 b;
	struct wbuf	 w;
	int		 r;
	bool		 same;

	wbuf_init(&w, 1 << 24);
	switch (c->kind) {
	case CMD_PIPE_CONNECT:
		r = cmd_put_pipe_connect(&w, c->oid_pos, c->oid_ros);
		break;
	case CMD_POS_ACK:
		r = cmd_put_pos_ack(&w, c->oid, c->size);
		break;
	case CMD_POS_CHUNK:
		r = cmd_put_pos_chunk(&w, c->io_id, c->oid, c->request_id,
		    c->buf, c->buf_len);
		break;
	case CMD_PIS_CHUNK:
		r = cmd_put_pis_chunk(&w, c->id, c->last_io_id, c->oid,
		    c->size);
		break;
	case CMD_PIS_EOF:
		r = cmd_put_pis_eof(&w, c->oid);
		break;
	default:
		wbuf_free(&w);
		return true;	/* nothing to compare */
	}
	if (r != PROTO_OK || cmd_parse(w.d, w.len, NULL, &b, NULL) !=
	    PROTO_OK) {
		wbuf_free(&w);
		return false;
	}
	same = b.kind == c->kind && b.oid == c->oid && b.size == c->size &&
	    b.io_id == c->io_id && b.request_id == c->request_id &&
	    b.oid_pos == c->oid_pos && b.oid_ros == c->oid_ros &&
	    b.id == c->id && b.buf_len == c->buf_len &&
	    (c->buf_len == 0 || memcmp(b.buf, c->buf, c->buf_len) == 0);
	cmd_free(&b);
	wbuf_free(&w);
	return same;
}

/*
 * Deterministic mutations of real commands (bit flips, then 00/FF/7F/80
 * byte substitutions at every offset): every result is an error or a
 * well-formed command whose class matches its kind, and the stream
 * commands the agent builds round-trip.
 */
static void
test_mutations(const char *fix)
{
	static const char *const names[] = {
		"jenkins-direct/conn1-tx-cmd000.bin",	/* UserRequest */
		"jenkins-direct/conn1-tx-cmd001.bin",	/* Response */
		"jenkins-direct/conn1-tx-cmd086.bin",	/* POS Chunk */
		"jenkins-direct/conn1-rx-cmd000.bin",	/* RPCRequest */
		"jenkins-direct/conn1-rx-cmd285.bin",	/* Pipe$ConnectCommand */
		"jenkins-direct/conn1-tx-cmd155.bin",	/* POS Ack */
	};
	static const uint8_t subst[] = { 0x00, 0xff, 0x7f, 0x80 };
	char		 path[4096];
	struct cmd	 c;
	uint8_t		*d, save;
	size_t		 i, k, m, len;
	int		 parsed = 0, rejected = 0, bad = 0, files = 0;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		snprintf(path, sizeof(path), "%s/remoting/captures/%s", fix,
		    names[k]);
		if ((d = read_file(path, &len)) == NULL)
			continue;
		files++;
		for (i = 0; i < len && i < 4096; i++) {
			save = d[i];
			for (m = 0; m <= sizeof(subst); m++) {
				d[i] = m == 0 ? save ^ (uint8_t)(1u << (i % 8))
				    : subst[m - 1];
				if (m > 0 && d[i] == save)
					continue;
				if (cmd_parse(d, len, NULL, &c, NULL) !=
				    PROTO_OK) {
					rejected++;
					continue;
				}
				parsed++;
				if (c.cls == NULL || c.root == NULL ||
				    (cmd_kind_class(c.kind) != NULL &&
				    strcmp(cmd_kind_class(c.kind), c.cls) !=
				    0) || !mutant_roundtrip(&c)) {
					if (bad++ < 3)
						diag("%s: mutant at %zu: %s",
						    names[k], i, c.cls);
				}
				cmd_free(&c);
			}
			d[i] = save;
		}
		free(d);
	}
	ok(files == 6 && parsed + rejected > 10000 && bad == 0,
	    "%d mutated commands: %d parsed (all consistent, stream commands "
	    "round-trip), %d rejected, no crash", parsed + rejected, parsed,
	    rejected);
}

int
main(void)
{
	const char	*fix = getenv("JNAGENT_FIXTURES");
	char		 p[4096];
	struct stat	 st;

	test_spec_bytes();
	test_roundtrip();
	test_bad();
	if (fix != NULL && *fix != '\0') {
		snprintf(p, sizeof(p), "%s/remoting/captures", fix);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			test_captures(fix);
			test_structure(fix);
			test_mutations(fix);
		} else
			diag("no captures under %s: capture tests skipped", p);
	} else
		diag("JNAGENT_FIXTURES unset: capture tests skipped");
	return done_testing();
}
