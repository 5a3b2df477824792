/*
 * test_mutation: deterministic mutations of every captured command.
 * Each mutated stream must decode to an error or to a valid doc (which
 * re-encodes to exactly the mutated bytes: checked for every valid doc,
 * except for bit flips where every 4th is checked); never crash, never leak (run
 * under ASan).  Fixed PRNG seed; the whole run stays well under a minute
 * with sanitizers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "tests/unit/tap.h"
#include "tests/unit/jser_testutil.h"

#define FLIP_HEAD	512	/* every bit of the first bytes */
#define FLIP_STRIDE	97	/* then one bit every this many bytes */
#define TRUNC_EVERY	16	/* every truncation of every 16th command */
#define TRUNC_MAX	4000	/* ...that is at most this long */

/*
 * Millions of short-lived arenas: with ASan's default 256 MB quarantine
 * every allocation touches fresh pages and the run is dominated by page
 * faults.  A small quarantine keeps use-after-free detection for recent
 * frees.  (Read by the ASan runtime only; harmless otherwise.)
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=8";
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct counts {
	size_t	 runs, ok, err, bad;
	char	 first[256];
};

static struct wbuf out;

/* Decode p[0..len); a success must re-encode to the same bytes. */
static void
try_one(const uint8_t *p, size_t len, struct counts *c, const char *what,
    size_t at)
{
	struct jser_doc	*doc = NULL;
	int		 r;

	c->runs++;
	r = jser_decode(p, len, NULL, &doc, NULL);
	if (r != PROTO_OK) {
		c->err++;
		if (doc != NULL || r > 0 || r < PROTO_TYPE) {
			if (c->bad++ == 0)
				snprintf(c->first, sizeof(c->first), "%s at "
				    "%zu: bad result %d", what, at, r);
		}
		return;
	}
	c->ok++;
	/* bit flips are the bulk: re-encode every 4th valid one of them */
	if (what[0] == 'b' && c->ok % 4 != 0) {
		jser_doc_free(doc);
		return;
	}
	wbuf_reset(&out);
	if (jser_encode(doc, &out) != PROTO_OK || out.len != len ||
	    memcmp(out.d, p, len) != 0) {
		if (c->bad++ == 0)
			snprintf(c->first, sizeof(c->first), "%s at %zu: "
			    "decoded but does not re-encode to the same bytes",
			    what, at);
	}
	jser_doc_free(doc);
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

/* Huge declared lengths after length-bearing tags. */
static void
huge_lengths(uint8_t *m, const uint8_t *p, size_t len, struct counts *c)
{
	static const uint64_t vals[] = { 0xffffffffffffffffULL,
	    0x7fffffff, 0x100000 };
	size_t	 i, v, n;
	int	 w;

	for (i = 4; i < len; i++) {
		switch (p[i]) {
		case TC_STRING:
			w = 2;
			break;
		case TC_LONGSTRING:
			w = 8;
			break;
		case TC_BLOCKDATA:
			w = 1;
			break;
		case TC_BLOCKDATALONG:
		case TC_PROXYCLASSDESC:
			w = 4;
			break;
		case TC_NULL:	/* "78 70": end of a new array descriptor */
			w = i > 0 && p[i - 1] == TC_ENDBLOCKDATA ? 4 : 0;
			break;
		default:
			w = 0;
			break;
		}
		if (w == 0 || i + 1 + (size_t)w > len)
			continue;
		for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			n = i + 1;
			put_be(m + n, vals[v], w);
			try_one(m, len, c, "huge length", i);
			memcpy(m + n, p + n, (size_t)w);
		}
		/* array length after a descriptor reference "75 71 h h h h" */
		if (p[i] == TC_REFERENCE && i > 0 && p[i - 1] == TC_ARRAY &&
		    i + 9 <= len) {
			put_be(m + i + 5, 0x7ffffff0, 4);
			try_one(m, len, c, "huge array length", i);
			memcpy(m + i + 5, p + i + 5, 4);
		}
	}
}

static void
mutate(const uint8_t *p, size_t len, size_t idx, struct counts *c)
{
	uint8_t		*m;
	size_t		 i, l;
	unsigned	 b, t, k;

	if ((m = malloc(len)) == NULL)
		abort();
	memcpy(m, p, len);
	/* bit flips: all in the head, strided beyond */
	for (i = 0; i < len; i += i < FLIP_HEAD ? 1 : FLIP_STRIDE) {
		for (b = 0; b < 8; b++) {
			if (i >= FLIP_HEAD && b != (i / FLIP_STRIDE) % 8)
				continue;
			m[i] ^= (uint8_t)(1u << b);
			try_one(m, len, c, "bit flip", i);
			m[i] = p[i];
		}
	}
	/* tag swaps: every tag byte in the head becomes four random tags;
	 * a random sample of tag bytes beyond */
	for (i = 4; i < len; i++) {
		if (p[i] < TC_NULL || p[i] > TC_ENUM)
			continue;
		if (i >= FLIP_HEAD && rnd() % 32 != 0)
			continue;
		for (k = 0; k < 4; k++) {
			t = TC_NULL + rnd() % (TC_ENUM - TC_NULL + 1);
			if (t == p[i])
				continue;
			m[i] = (uint8_t)t;
			try_one(m, len, c, "tag swap", i);
		}
		m[i] = p[i];
	}
	huge_lengths(m, p, len, c);
	free(m);
	/* truncations: exact-size copies so that ASan sees over-reads */
	if (idx % TRUNC_EVERY == 0 && len <= TRUNC_MAX) {
		for (l = 0; l < len; l++) {
			if ((m = malloc(l ? l : 1)) == NULL)
				abort();
			memcpy(m, p, l);
			try_one(m, l, c, "truncation", l);
			free(m);
		}
	} else {
		for (i = 0; i < 16; i++) {
			l = rnd() % len;
			if ((m = malloc(l ? l : 1)) == NULL)
				abort();
			memcpy(m, p, l);
			try_one(m, l, c, "truncation", l);
			free(m);
		}
	}
}

/* FNV-1a, to skip commands identical to one already mutated. */
static uint64_t
fnv(const uint8_t *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	while (len-- > 0)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

int
main(void)
{
	uint64_t	*seen;
	size_t		 nseen = 0, k, dup = 0;
	const char	*fix;
	glob_t		 g;
	struct counts	 c;
	size_t		 i, len;
	uint8_t		*p;
	clock_t		 t0 = clock();
	double		 secs;

	if ((fix = tu_fixtures()) == NULL)
		skip_all("JNAGENT_FIXTURES not set or has no remoting/ "
		    "directory");
	if (tu_glob(fix, "captures/*/conn*-[rt]x-cmd*.bin", &g) != 0)
		skip_all("no captured commands under %s", fix);
	memset(&c, 0, sizeof(c));
	wbuf_init(&out, 1u << 28);
	if ((seen = calloc(g.gl_pathc, sizeof(*seen))) == NULL)
		abort();
	for (i = 0; i < g.gl_pathc; i++) {
		uint64_t h;

		if ((p = tu_read(g.gl_pathv[i], &len)) == NULL || len < 5) {
			ok(0, "read %s", g.gl_pathv[i]);
			free(p);
			continue;
		}
		h = fnv(p, len) ^ len;
		for (k = 0; k < nseen && seen[k] != h; k++)
			;
		if (k < nseen) {
			dup++;		/* same bytes: same results */
			free(p);
			continue;
		}
		seen[nseen++] = h;
		mutate(p, len, nseen, &c);
		free(p);
	}
	free(seen);
	diag("%zu commands, %zu of them duplicates of earlier ones", g.gl_pathc,
	    dup);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ok(c.bad == 0, "%zu mutated decodes of %zu distinct commands: %zu "
	    "errors, %zu valid docs (re-encodings exact)%s%s", c.runs, nseen,
	    c.err, c.ok, c.bad ? "; first failure: " : "", c.first);
	ok(c.err > 0 && c.ok > 0, "mutations produce both errors and valid "
	    "docs");
	/*
	 * Designed for < 60 s CPU under ASan (47 s measured on a loaded
	 * 2-core box); the assertion only catches pathological slowdowns,
	 * since CPU time on a shared machine varies.
	 */
	diag("%.1f s CPU", secs);
	ok(secs < 240, "finished in %.1f s CPU (target < 60 s, fail > 240 s)",
	    secs);
	wbuf_free(&out);
	globfree(&g);
	return done_testing();
}
