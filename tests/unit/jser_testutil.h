/*
 * jser_testutil.h: helpers shared by the protocol unit tests: reading
 * fixture files, listing the captured commands, finding the nested
 * payload streams inside a decoded command.
 */
#ifndef JNAGENT_TESTS_JSER_TESTUTIL_H
#define JNAGENT_TESTS_JSER_TESTUTIL_H

#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "protocol/jser.h"

/* The fixtures' remoting directory, or NULL (static storage). */
static inline const char *
tu_fixtures(void)
{
	static char	 path[4096];
	const char	*f = getenv("JNAGENT_FIXTURES");
	struct stat	 st;

	if (f == NULL || *f == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/remoting", f);
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return path;
}

/* Whole file (caller frees), NULL on error. */
static inline uint8_t *
tu_read(const char *path, size_t *len)
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

/* glob() relative to the fixtures directory; caller globfree()s. */
static inline int
tu_glob(const char *fix, const char *pat, glob_t *g)
{
	char	 p[4096];

	snprintf(p, sizeof(p), "%s/%s", fix, pat);
	memset(g, 0, sizeof(*g));
	return glob(p, 0, NULL, g) == 0 ? 0 : -1;
}

/*
 * Call fn for every byte[] field named request, response, proxyResponse
 * or rawResponse that holds a serialization stream, anywhere in the graph
 * (each node visited once).
 */
struct tu_seen {
	const void	**k;
	size_t		  n, cap;
};

static inline int
tu_seen_add(struct tu_seen *s, const void *p)
{
	size_t	 i, j, ncap;
	const void **nk;

	if (s->cap == 0 || (s->n + 1) * 2 > s->cap) {
		ncap = s->cap == 0 ? 256 : s->cap * 2;
		if ((nk = calloc(ncap, sizeof(*nk))) == NULL)
			abort();
		for (i = 0; i < s->cap; i++) {
			if (s->k[i] == NULL)
				continue;
			for (j = ((uintptr_t)s->k[i] >> 4) % ncap; nk[j] != NULL;
			    j = (j + 1) % ncap)
				;
			nk[j] = s->k[i];
		}
		free(s->k);
		s->k = nk;
		s->cap = ncap;
	}
	for (i = ((uintptr_t)p >> 4) % s->cap; s->k[i] != NULL;
	    i = (i + 1) % s->cap)
		if (s->k[i] == p)
			return 0;
	s->k[i] = p;
	s->n++;
	return 1;
}

typedef void (*tu_payload_fn)(const char *field, const uint8_t *p,
    uint32_t len, void *arg);

static inline void tu_walk(struct tu_seen *, const struct jser_node *,
    tu_payload_fn, void *);

static inline void
tu_walk_list(struct tu_seen *s, const struct jser_content *c,
    tu_payload_fn fn, void *arg)
{
	uint32_t	 i;

	for (i = 0; i < c->n; i++)
		tu_walk(s, c->items[i], fn, arg);
}

static inline int
tu_is_payload_name(const char *n)
{
	return strcmp(n, "request") == 0 || strcmp(n, "response") == 0 ||
	    strcmp(n, "proxyResponse") == 0 || strcmp(n, "rawResponse") == 0;
}

static inline void
tu_walk(struct tu_seen *s, const struct jser_node *n, tu_payload_fn fn,
    void *arg)
{
	const struct jser_classdata	*cd;
	const struct jser_fielddesc	*f;
	const struct jser_node		*v;
	uint32_t			 i, j;

	if (n == NULL || !tu_seen_add(s, n))
		return;
	switch (n->type) {
	case JSER_OBJECT:
		tu_walk(s, n->u.obj.desc, fn, arg);
		for (i = 0; i < n->u.obj.nclasses; i++) {
			cd = &n->u.obj.classes[i];
			for (j = 0; cd->has_fields && j <
			    cd->desc->u.desc.nfields; j++) {
				f = &cd->desc->u.desc.fields[j];
				if (f->type != 'L' && f->type != '[')
					continue;
				v = cd->values[j].ref;
				if (v != NULL && v->type == JSER_ARRAY &&
				    v->u.arr.elem == 'B' &&
				    tu_is_payload_name(f->name) &&
				    v->u.arr.length >= 4 &&
				    memcmp(v->u.arr.data, "\xac\xed\x00\x05",
				    4) == 0)
					fn(f->name, v->u.arr.data,
					    v->u.arr.length, arg);
				tu_walk(s, v, fn, arg);
			}
			if (cd->has_custom)
				tu_walk_list(s, &cd->custom, fn, arg);
		}
		break;
	case JSER_ARRAY:
		if (n->u.arr.elem == 'L' || n->u.arr.elem == '[')
			for (i = 0; i < n->u.arr.length; i++)
				tu_walk(s, ((struct jser_node **)
				    n->u.arr.data)[i], fn, arg);
		break;
	case JSER_CLASSDESC:
		tu_walk_list(s, &n->u.desc.annotation, fn, arg);
		tu_walk(s, n->u.desc.super, fn, arg);
		break;
	case JSER_PROXYDESC:
		tu_walk_list(s, &n->u.proxy.annotation, fn, arg);
		tu_walk(s, n->u.proxy.super, fn, arg);
		break;
	case JSER_EXCEPTION:
		tu_walk(s, n->u.exc.throwable, fn, arg);
		break;
	default:
		break;
	}
}

static inline void
tu_payloads(const struct jser_doc *doc, tu_payload_fn fn, void *arg)
{
	struct tu_seen	 s = { NULL, 0, 0 };

	tu_walk_list(&s, &doc->top, fn, arg);
	free(s.k);
}

#endif
