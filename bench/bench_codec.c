/*
 * bench_codec: throughput of the Java serialization codec (figures only,
 * no pass/fail).
 *
 * usage: bench_codec [-s SECONDS] [-m MEGABYTES] [FIXTURES_DIR]
 *
 * 1. Every de-chunked capture command of FIXTURES_DIR/remoting/captures
 *    (default $JNAGENT_FIXTURES), decoded and encoded over and over for
 *    about SECONDS each.
 * 2. A synthetic stream of about MEGABYTES (default 64): an ArrayList of
 *    objects with a String and a byte[] each, built with jval and encoded,
 *    then decoded and re-encoded.
 * Prints MB/s (10^6 bytes per second) and the peak RSS.  Freed memory is
 * kept in the heap (mallopt) so that repeated rounds measure the codec;
 * the first decode of the synthetic stream is reported separately.
 */
#include <dirent.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/jval.h"
#include "protocol/limits.h"

struct bench_cmd {
	uint8_t		*p;
	size_t		 len;
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*b;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
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

/* All connN-*-cmdKKK.bin below dir/remoting/captures/<scenario>/. */
static int
load_commands(const char *fixtures, struct bench_cmd **out, size_t *n)
{
	char			 path[4096], sub[4096];
	DIR			*top, *d;
	struct dirent		*e, *f;
	struct bench_cmd	*v = NULL, *nv;
	size_t			 cnt = 0, cap = 0;

	snprintf(path, sizeof(path), "%s/remoting/captures", fixtures);
	if ((top = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(top)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >=
		    (int)sizeof(sub) || (d = opendir(sub)) == NULL)
			continue;
		while ((f = readdir(d)) != NULL) {
			char	 file[8192];
			size_t	 l = strlen(f->d_name);

			if (strstr(f->d_name, "-cmd") == NULL || l < 4 ||
			    strcmp(f->d_name + l - 4, ".bin") != 0)
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
					break;
				v = nv;
			}
			snprintf(file, sizeof(file), "%s/%s", sub, f->d_name);
			if ((v[cnt].p = slurp(file, &v[cnt].len)) != NULL)
				cnt++;
		}
		closedir(d);
	}
	closedir(top);
	*out = v;
	*n = cnt;
	return 0;
}

static void
bench_fixtures(const char *fixtures, double seconds)
{
	struct bench_cmd	*cmds = NULL;
	struct jser_doc		**docs;
	struct wbuf		 w;
	size_t			 n = 0, i, total = 0, rounds;
	double			 t0, t, bytes;

	if (load_commands(fixtures, &cmds, &n) != 0 || n == 0) {
		printf("fixtures: none found under %s/remoting/captures\n",
		    fixtures);
		free(cmds);
		return;
	}
	if ((docs = calloc(n, sizeof(*docs))) == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		total += cmds[i].len;
		if (jser_decode(cmds[i].p, cmds[i].len, NULL, &docs[i],
		    NULL) != PROTO_OK) {
			printf("fixtures: %zu does not decode\n", i);
			exit(1);
		}
	}

	/* decode */
	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			struct jser_doc	*doc = NULL;

			if (jser_decode(cmds[i].p, cmds[i].len, NULL, &doc,
			    NULL) != PROTO_OK)
				exit(1);
			jser_doc_free(doc);
		}
		rounds++;
	} while ((t = now() - t0) < seconds);
	bytes = (double)total * rounds;
	printf("fixtures: %zu commands, %.2f MB; decode %.1f MB/s "
	    "(%zu rounds, %.2f s)\n", n, total / 1e6, bytes / t / 1e6,
	    rounds, t);

	/* encode */
	wbuf_init(&w, 1u << 30);
	rounds = 0;
	t0 = now();
	do {
		for (i = 0; i < n; i++) {
			wbuf_reset(&w);
			if (jser_encode(docs[i], &w) != PROTO_OK ||
			    w.len != cmds[i].len)
				exit(1);
		}
		rounds++;
	} while ((t = now() - t0) < seconds);
	bytes = (double)total * rounds;
	printf("fixtures: encode %.1f MB/s (%zu rounds, %.2f s)\n",
	    bytes / t / 1e6, rounds, t);
	wbuf_free(&w);
	for (i = 0; i < n; i++) {
		jser_doc_free(docs[i]);
		free(cmds[i].p);
	}
	free(docs);
	free(cmds);
}

static struct jser_node *
bench_item(struct jval_ctx *c, uint32_t id, const uint8_t *payload,
    uint32_t plen)
{
	static const struct jval_field f[] = {
		{ 'I', "id", NULL },
		{ 'L', "name", "Ljava/lang/String;" },
		{ '[', "data", "[B" },
	};
	struct jser_node	*d, *o, *s, *b;
	char			 name[64];
	int			 l;

	l = snprintf(name, sizeof(name), "workspace/job-%08" PRIu32
	    "/file.txt", id);
	if ((d = jval_class(c, "bench.Item", 1, SC_SERIALIZABLE, NULL, f,
	    3)) == NULL || (o = jser_new_object(c->doc, d)) == NULL ||
	    (s = jval_string(c, name, (size_t)l)) == NULL ||
	    (b = jval_bytes(c, payload, plen)) == NULL ||
	    jser_set_prim(o, "id", id) != PROTO_OK ||
	    jser_set_ref(o, "name", s) != PROTO_OK ||
	    jser_set_ref(o, "data", b) != PROTO_OK)
		return NULL;
	return o;
}

static void
bench_synthetic(size_t megabytes, double seconds)
{
	struct jval_ctx		 c;
	struct jser_node	**items, *list;
	struct jser_doc		*doc = NULL;
	struct proto_limits	 lim = proto_limits_default;
	struct jser_err		 err;
	struct wbuf		 w, w2;
	uint8_t			 payload[256];
	uint32_t		 n, i;
	size_t			 rounds;
	double			 t0, t;
	int			 r;

	/* about 310 bytes of stream per item */
	n = (uint32_t)(megabytes * 1024 * 1024 / 310);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	memset(&c, 0, sizeof(c));
	if ((c.doc = jser_doc_new()) == NULL ||
	    (items = calloc(n, sizeof(*items))) == NULL)
		exit(1);
	t0 = now();
	for (i = 0; i < n; i++) {
		payload[0] = (uint8_t)i;
		if ((items[i] = bench_item(&c, i, payload,
		    sizeof(payload))) == NULL)
			exit(1);
	}
	if ((list = jval_arraylist(&c, items, n)) == NULL ||
	    jser_doc_add(c.doc, list) != PROTO_OK)
		exit(1);
	t = now() - t0;
	wbuf_init(&w, (size_t)1 << 32);
	t0 = now();
	if (jser_encode(c.doc, &w) != PROTO_OK)
		exit(1);
	printf("synthetic: %" PRIu32 " items, %.1f MB stream; build %.2f s, "
	    "first encode %.1f MB/s\n", n, w.len / 1e6, t,
	    w.len / (now() - t0) / 1e6);
	jser_doc_free(c.doc);
	free(items);

	lim.max_bytes = w.len;
	lim.max_handles = (size_t)n * 4 + 64;
	lim.max_array = n + 1;
	/* the first decode pays for fresh pages; later ones reuse the heap */
	t0 = now();
	if ((r = jser_decode(w.d, w.len, &lim, &doc, &err)) != PROTO_OK) {
		printf("synthetic: decode failed: %s at %zu: %s\n",
		    proto_strerror(r), err.offset, err.msg);
		exit(1);
	}
	printf("synthetic: first decode %.1f MB/s (cold pages)\n",
	    w.len / (now() - t0) / 1e6);
	rounds = 0;
	t0 = now();
	do {
		jser_doc_free(doc);
		doc = NULL;
		if ((r = jser_decode(w.d, w.len, &lim, &doc, &err)) !=
		    PROTO_OK) {
			printf("synthetic: decode failed: %s at %zu: %s\n",
			    proto_strerror(r), err.offset, err.msg);
			exit(1);
		}
		rounds++;
	} while ((t = now() - t0) < seconds);
	printf("synthetic: decode %.1f MB/s (%zu rounds, %.2f s)\n",
	    (double)w.len * rounds / t / 1e6, rounds, t);

	wbuf_init(&w2, (size_t)1 << 32);
	rounds = 0;
	t0 = now();
	do {
		wbuf_reset(&w2);
		if (jser_encode(doc, &w2) != PROTO_OK || w2.len != w.len)
			exit(1);
		rounds++;
	} while ((t = now() - t0) < seconds);
	printf("synthetic: encode %.1f MB/s (%zu rounds, %.2f s)%s\n",
	    (double)w.len * rounds / t / 1e6, rounds, t,
	    memcmp(w.d, w2.d, w.len) == 0 ? "" : " (bytes differ!)");
	jser_doc_free(doc);
	wbuf_free(&w);
	wbuf_free(&w2);
}

int
main(int argc, char **argv)
{
	const char	*fixtures = getenv("JNAGENT_FIXTURES");
	double		 seconds = 2;
	size_t		 mb = 64;
	struct rusage	 ru;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			mb = (size_t)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-')
			fixtures = argv[i];
		else {
			fprintf(stderr, "usage: bench_codec [-s SECONDS] "
			    "[-m MEGABYTES] [FIXTURES_DIR]\n");
			return 2;
		}
	}
	if (mb == 0 || mb > 4000 || seconds <= 0) {
		fprintf(stderr, "bench_codec: bad -s or -m\n");
		return 2;
	}
	/*
	 * Keep freed arena blocks in the heap instead of unmapping them, so
	 * that repeated runs measure the codec rather than page faults (the
	 * agent's own allocations are small and behave this way anyway).
	 */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, INT32_MAX);
	if (fixtures != NULL)
		bench_fixtures(fixtures, seconds);
	else
		printf("fixtures: JNAGENT_FIXTURES unset, skipped\n");
	bench_synthetic(mb, seconds);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("peak RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
	return 0;
}
