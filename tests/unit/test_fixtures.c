/*
 * test_fixtures: every captured command decodes and re-encodes byte for
 * byte, nested payloads too; the raw connection captures de-chunk into
 * exactly the captured commands; the vector record files decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/buf.h"
#include "protocol/chunk.h"
#include "protocol/jser.h"
#include "tests/unit/tap.h"
#include "tests/unit/jser_testutil.h"

struct stats {
	size_t	 streams, nested, failed;
	char	 what[300];
};

/* Decode, re-encode and compare; 0 on success. */
static int
roundtrip(const uint8_t *p, size_t len, struct jser_doc **out, char *why,
    size_t whylen)
{
	struct jser_doc	*doc = NULL;
	struct jser_err	 err;
	struct wbuf	 w;
	int		 r;

	if ((r = jser_decode(p, len, NULL, &doc, &err)) != PROTO_OK) {
		snprintf(why, whylen, "decode: %s at %zu: %s",
		    proto_strerror(r), err.offset, err.msg);
		return -1;
	}
	wbuf_init(&w, 1u << 30);
	if ((r = jser_encode(doc, &w)) != PROTO_OK) {
		snprintf(why, whylen, "encode: %s", proto_strerror(r));
		wbuf_free(&w);
		jser_doc_free(doc);
		return -1;
	}
	if (w.len != len || memcmp(w.d, p, len) != 0) {
		size_t i = 0;

		while (i < len && i < w.len && w.d[i] == p[i])
			i++;
		snprintf(why, whylen, "re-encoding differs at byte %zu "
		    "(%zu vs %zu bytes)", i, w.len, len);
		wbuf_free(&w);
		jser_doc_free(doc);
		return -1;
	}
	wbuf_free(&w);
	if (out != NULL)
		*out = doc;
	else
		jser_doc_free(doc);
	return 0;
}

static void
nested_cb(const char *field, const uint8_t *p, uint32_t len, void *arg)
{
	struct stats	*st = arg;
	struct jser_doc	*doc = NULL;
	char		 why[200];

	st->nested++;
	if (roundtrip(p, len, &doc, why, sizeof(why)) != 0) {
		if (st->failed++ == 0)
			snprintf(st->what, sizeof(st->what), "nested %s: %s",
			    field, why);
		return;
	}
	tu_payloads(doc, nested_cb, st);	/* payloads inside payloads */
	jser_doc_free(doc);
}

/* One command: decode, round-trip, nested payloads. */
static int
check_command(const uint8_t *p, size_t len, struct stats *st, char *why,
    size_t whylen)
{
	struct jser_doc	*doc = NULL;
	size_t		 before = st->failed;

	st->streams++;
	if (roundtrip(p, len, &doc, why, whylen) != 0)
		return -1;
	if (jser_root(doc) == NULL) {
		snprintf(why, whylen, "no root object");
		jser_doc_free(doc);
		return -1;
	}
	tu_payloads(doc, nested_cb, st);
	jser_doc_free(doc);
	if (st->failed != before) {
		snprintf(why, whylen, "%.200s", st->what);
		return -1;
	}
	return 0;
}

static void
test_commands(const char *fix)
{
	glob_t		 g;
	struct stats	 st;
	size_t		 i, len, bad = 0;
	uint8_t		*p;
	char		 why[256];

	memset(&st, 0, sizeof(st));
	if (tu_glob(fix, "captures/*/conn*-[rt]x-cmd*.bin", &g) != 0) {
		ok(0, "no captured commands found under %s", fix);
		return;
	}
	for (i = 0; i < g.gl_pathc; i++) {
		if ((p = tu_read(g.gl_pathv[i], &len)) == NULL) {
			ok(0, "read %s", g.gl_pathv[i]);
			bad++;
			continue;
		}
		if (check_command(p, len, &st, why, sizeof(why)) != 0) {
			ok(0, "%s: %s", g.gl_pathv[i], why);
			bad++;
		}
		free(p);
	}
	ok(bad == 0 && g.gl_pathc > 0, "%zu captured commands decode and "
	    "re-encode byte for byte (%zu failed)", g.gl_pathc, bad);
	ok(st.failed == 0 && st.nested > 0, "%zu nested payloads decode and "
	    "re-encode byte for byte", st.nested);
	globfree(&g);
}

/* Skip one u16-length string; -1 if it does not fit. */
static int
skip_lpstr(struct rbuf *in)
{
	uint16_t	 n;

	if (rbuf_get_u16(in, &n) != PROTO_OK || rbuf_skip(in, n) != PROTO_OK)
		return -1;
	return 0;
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* A raw capture: preamble, then chunks; compare with the cmd files. */
static void
test_raw(const char *path)
{
	char		 pat[4000], cmdpath[4100];
	struct chunk_asm a;
	struct rbuf	 in, part;
	uint8_t		*raw, *cmd, *want;
	size_t		 len, cmdlen, wantlen, ncmd = 0, step, bad = 0;
	int		 r, split;

	if ((raw = tu_read(path, &len)) == NULL) {
		ok(0, "read %s", path);
		return;
	}
	in = rbuf_make(raw, len);
	/* connection headers, header answer (OK), capability */
	if (skip_lpstr(&in) != 0 || skip_lpstr(&in) != 0 ||
	    skip_lpstr(&in) != 0) {
		ok(0, "%s: preamble", path);
		free(raw);
		return;
	}
	if (strlen(path) < 5 || strlen(path) >= sizeof(pat)) {
		ok(0, "%s: path too long", path);
		free(raw);
		return;
	}
	snprintf(pat, sizeof(pat), "%.*s", (int)(strlen(path) - 4), path);
	for (split = 0; split < 2; split++) {
		struct rbuf all = in;

		ncmd = 0;
		bad = 0;
		chunk_asm_init(&a, NULL);
		while (all.len > 0) {
			step = split == 0 ? all.len : 1 + rnd() % 9000;
			if (step > all.len)
				step = all.len;
			part = rbuf_make(all.p, step);
			rbuf_skip(&all, step);
			while ((r = chunk_asm_feed(&a, &part, &cmd,
			    &cmdlen)) == PROTO_OK) {
				snprintf(cmdpath, sizeof(cmdpath),
				    "%s-cmd%03zu.bin", pat, ncmd++);
				want = tu_read(cmdpath, &wantlen);
				if (want == NULL || wantlen != cmdlen ||
				    memcmp(want, cmd, cmdlen) != 0)
					bad++;
				free(want);
				free(cmd);
			}
			if (r != PROTO_INCOMPLETE) {
				bad++;
				break;
			}
		}
		/* no command file beyond the last one assembled */
		snprintf(cmdpath, sizeof(cmdpath), "%s-cmd%03zu.bin", pat,
		    ncmd);
		want = tu_read(cmdpath, &wantlen);
		if (want != NULL)
			bad++;
		free(want);
		ok(bad == 0 && ncmd > 0 && a.cmd.len == 0 && !a.in_payload,
		    "%s (%s): %zu commands equal the cmd files", path,
		    split ? "random splits" : "one piece", ncmd);
		chunk_asm_free(&a);
	}
	free(raw);
}

/* A vectors/ record file: records -> per-direction commands. */
static void
test_vector(const char *path)
{
	struct chunk_asm dir[2];
	struct stats	 st;
	struct rbuf	 in, tag, chunk;
	uint8_t		*raw, *cmd;
	size_t		 len, cmdlen, ncmd = 0, bad = 0, marks = 0;
	uint32_t	 n;
	char		 why[256];
	int		 d, r, broken = 0;

	memset(&st, 0, sizeof(st));
	if ((raw = tu_read(path, &len)) == NULL) {
		ok(0, "read %s", path);
		return;
	}
	chunk_asm_init(&dir[0], NULL);
	chunk_asm_init(&dir[1], NULL);
	in = rbuf_make(raw, len);
	while (in.len > 0 && !broken) {
		uint16_t tl;

		if (rbuf_get_u16(&in, &tl) != PROTO_OK ||
		    rbuf_sub(&in, tl, &tag) != PROTO_OK ||
		    rbuf_get_u32(&in, &n) != PROTO_OK) {
			broken = 1;
			break;
		}
		if (tag.len == 4 && memcmp(tag.p, "MARK", 4) == 0) {
			marks++;
			continue;
		}
		if (tag.len != 3 || (memcmp(tag.p, "C>A", 3) != 0 &&
		    memcmp(tag.p, "A>C", 3) != 0) ||
		    rbuf_sub(&in, n, &chunk) != PROTO_OK) {
			broken = 1;
			break;
		}
		d = tag.p[0] == 'A';
		while ((r = chunk_asm_feed(&dir[d], &chunk, &cmd, &cmdlen)) ==
		    PROTO_OK) {
			ncmd++;
			if (check_command(cmd, cmdlen, &st, why,
			    sizeof(why)) != 0) {
				if (bad++ == 0)
					diag("%s command %zu: %s", path, ncmd,
					    why);
			}
			free(cmd);
		}
		if (r != PROTO_INCOMPLETE)
			broken = 1;
	}
	ok(!broken && bad == 0 && ncmd > 0 && dir[0].cmd.len == 0 &&
	    dir[1].cmd.len == 0, "%s: %zu records' commands decode and "
	    "round-trip (%zu nested, %zu marks)", path, ncmd, st.nested, marks);
	chunk_asm_free(&dir[0]);
	chunk_asm_free(&dir[1]);
	free(raw);
}

int
main(void)
{
	const char	*fix;
	glob_t		 g;
	size_t		 i;

	if ((fix = tu_fixtures()) == NULL)
		skip_all("JNAGENT_FIXTURES not set or has no remoting/ "
		    "directory");
	test_commands(fix);
	if (tu_glob(fix, "captures/*/conn*-[rt]x.bin", &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			test_raw(g.gl_pathv[i]);
		globfree(&g);
	} else
		ok(0, "no raw captures found");
	if (tu_glob(fix, "vectors/*.bin", &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			test_vector(g.gl_pathv[i]);
		globfree(&g);
	} else
		ok(0, "no vector files found");
	return done_testing();
}
