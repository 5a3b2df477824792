/*
 * glob.c: Ant glob matching and directory scanning (see glob.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/glob.h"

#define GLOB_MAX_SEGS	256
#define GLOB_MAX_DEPTH	512

static const char *const default_excludes[] = {
	"**/*~", "**/#*#", "**/.#*", "**/%*%", "**/._*", "**/CVS",
	"**/CVS/**", "**/.cvsignore", "**/SCCS", "**/SCCS/**",
	"**/vssver.scc", "**/.svn", "**/.svn/**", "**/.git", "**/.git/**",
	"**/.gitattributes", "**/.gitignore", "**/.gitmodules", "**/.hg",
	"**/.hg/**", "**/.hgignore", "**/.hgsub", "**/.hgsubstate",
	"**/.hgtags", "**/.bzr", "**/.bzr/**", "**/.bzrignore",
	"**/.DS_Store",
};

/* A pattern split into segments. */
struct gpat {
	char		*buf;		/* the normalised pattern, '\0' split */
	const char	**seg;
	size_t		 nseg;
	bool		 absolute;	/* never matches a relative path */
};

struct glob {
	struct gpat	*inc, *exc;
	size_t		 ninc, nexc, cinc, cexc;
	bool		 cs;
};

/* Length of the UTF-8 sequence starting at s (1 for stray bytes). */
static size_t
u8len(const char *s)
{
	unsigned char	 c = (unsigned char)*s;
	size_t		 n, i;

	if (c < 0xc0)
		return 1;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static bool
ch_eq(const char *a, const char *b, size_t n, bool cs)
{
	size_t	 i;

	if (cs || n > 1)
		return memcmp(a, b, n) == 0;
	for (i = 0; i < n; i++)
		if ((a[i] | (a[i] >= 'A' && a[i] <= 'Z' ? 0x20 : 0)) !=
		    (b[i] | (b[i] >= 'A' && b[i] <= 'Z' ? 0x20 : 0)))
			return false;
	return true;
}

/* One segment against a name: '*' and '?' ("**" inside a segment is '*'). */
static bool
seg_match(const char *p, const char *s, bool cs)
{
	const char	*star_p = NULL, *star_s = NULL;
	size_t		 pl, sl;

	while (*s != '\0') {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		sl = u8len(s);
		if (*p == '?') {
			p++;
			s += sl;
			continue;
		}
		pl = u8len(p);
		if (*p != '\0' && pl == sl && ch_eq(p, s, pl, cs)) {
			p += pl;
			s += sl;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		star_s += u8len(star_s);
		s = star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static bool
segs_match(const char **ps, size_t np, const char **ss, size_t ns, bool cs)
{
	size_t	 i;

	while (np > 0 && strcmp(ps[0], "**") != 0) {
		if (ns == 0 || !seg_match(ps[0], ss[0], cs))
			return false;
		ps++, np--, ss++, ns--;
	}
	if (np == 0)
		return ns == 0;
	/* ps[0] is "**": collapse repeats, then try every split. */
	while (np > 1 && strcmp(ps[1], "**") == 0)
		ps++, np--;
	if (np == 1)
		return true;
	for (i = 0; i <= ns; i++)
		if (segs_match(ps + 1, np - 1, ss + i, ns - i, cs))
			return true;
	return false;
}

/* Split s (modified in place) on '/' into seg; empty segments dropped. */
static size_t
split(char *s, const char **seg, size_t max)
{
	size_t	 n = 0;
	char	*t, *save = NULL;

	for (t = strtok_r(s, "/", &save); t != NULL && n < max;
	    t = strtok_r(NULL, "/", &save))
		seg[n++] = t;
	return n;
}

/* Normalise a pattern: '\' -> '/', trailing separator -> "**". */
static int
gpat_init(struct gpat *gp, const char *pattern)
{
	size_t	 len = strlen(pattern), i, max;

	memset(gp, 0, sizeof(*gp));
	if ((gp->buf = malloc(len + 3)) == NULL)
		return -1;
	for (i = 0; i < len; i++)
		gp->buf[i] = pattern[i] == '\\' ? '/' : pattern[i];
	gp->buf[len] = '\0';
	if (len > 0 && gp->buf[len - 1] == '/')
		memcpy(gp->buf + len, "**", 3);
	gp->absolute = gp->buf[0] == '/';
	max = len / 2 + 3;
	if (max > GLOB_MAX_SEGS)
		max = GLOB_MAX_SEGS;
	if ((gp->seg = calloc(max, sizeof(*gp->seg))) == NULL) {
		free(gp->buf);
		return -1;
	}
	gp->nseg = split(gp->buf, gp->seg, max);
	return 0;
}

static void
gpat_free(struct gpat *gp)
{
	free(gp->buf);
	free(gp->seg);
}

/* Segments of a relative path (copied into buf). */
static size_t
path_segs(const char *path, char *buf, size_t size, const char **seg)
{
	size_t	 len = strlen(path);

	if (len >= size)
		len = size - 1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return split(buf, seg, GLOB_MAX_SEGS);
}

static bool
gpat_match(const struct gpat *gp, const char **ss, size_t ns, bool cs)
{
	return !gp->absolute && segs_match(gp->seg, gp->nseg, ss, ns, cs);
}

/* Ant matchPatternStart: could something at or below dir match? */
static bool
gpat_start(const struct gpat *gp, const char **ss, size_t ns, bool cs)
{
	size_t	 i;

	if (gp->absolute)
		return false;
	for (i = 0; i < gp->nseg && i < ns; i++) {
		if (strcmp(gp->seg[i], "**") == 0)
			return true;
		if (!seg_match(gp->seg[i], ss[i], cs))
			return false;
	}
	return i < gp->nseg;
}

/* Does an exclude ending in a "**" segment cover everything below dir? */
static bool
gpat_covers(const struct gpat *gp, const char **ss, size_t ns, bool cs)
{
	if (gp->absolute || gp->nseg == 0 ||
	    strcmp(gp->seg[gp->nseg - 1], "**") != 0)
		return false;
	return segs_match(gp->seg, gp->nseg - 1, ss, ns, cs);
}

bool
glob_match(const char *pattern, const char *path, bool cs)
{
	struct gpat	 gp;
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns;
	bool		 r;

	if (gpat_init(&gp, pattern) == -1)
		return false;
	ns = path_segs(path, buf, sizeof(buf), ss);
	r = gpat_match(&gp, ss, ns, cs);
	gpat_free(&gp);
	return r;
}

bool
glob_match_start(const char *pattern, const char *dir, bool cs)
{
	struct gpat	 gp;
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns;
	bool		 r;

	if (gpat_init(&gp, pattern) == -1)
		return false;
	ns = path_segs(dir, buf, sizeof(buf), ss);
	r = gpat_start(&gp, ss, ns, cs);
	gpat_free(&gp);
	return r;
}

static int
add_pat(struct gpat **v, size_t *n, size_t *cap, const char *p)
{
	struct gpat	*nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((nv = realloc(*v, *cap * sizeof(**v))) == NULL)
			return -1;
		*v = nv;
	}
	if (gpat_init(&(*v)[*n], p) == -1)
		return -1;
	(*n)++;
	return 0;
}

/* Comma-split, trim, skip empty tokens. */
static int
add_list(struct gpat **v, size_t *n, size_t *cap, const char *list)
{
	const char	*s = list, *e, *t;
	char		*tok;
	int		 r;

	while (s != NULL && *s != '\0') {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		for (t = s; t < e && (unsigned char)*t <= ' '; t++)
			;
		while (e > t && (unsigned char)e[-1] <= ' ')
			e--;
		if (e > t) {
			if ((tok = strndup(t, (size_t)(e - t))) == NULL)
				return -1;
			r = add_pat(v, n, cap, tok);
			free(tok);
			if (r == -1)
				return -1;
		}
		s = strchr(s, ',');
		if (s != NULL)
			s++;
	}
	return 0;
}

struct glob *
glob_new(const char *includes, const char *excludes, bool defexc, bool cs)
{
	struct glob	*g;
	size_t		 i;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->cs = cs;
	if (add_list(&g->inc, &g->ninc, &g->cinc, includes) == -1 ||
	    add_list(&g->exc, &g->nexc, &g->cexc, excludes) == -1)
		goto fail;
	if (defexc)
		for (i = 0; i < sizeof(default_excludes) /
		    sizeof(default_excludes[0]); i++)
			if (add_pat(&g->exc, &g->nexc, &g->cexc,
			    default_excludes[i]) == -1)
				goto fail;
	return g;
fail:
	glob_free(g);
	return NULL;
}

int
glob_add_include(struct glob *g, const char *pattern)
{
	return add_pat(&g->inc, &g->ninc, &g->cinc, pattern);
}

void
glob_free(struct glob *g)
{
	size_t	 i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ninc; i++)
		gpat_free(&g->inc[i]);
	for (i = 0; i < g->nexc; i++)
		gpat_free(&g->exc[i]);
	free(g->inc);
	free(g->exc);
	free(g);
}

static bool
inc_segs(const struct glob *g, const char **ss, size_t ns)
{
	size_t	 i;

	if (g->ninc == 0)
		return true;
	for (i = 0; i < g->ninc; i++)
		if (gpat_match(&g->inc[i], ss, ns, g->cs))
			return true;
	return false;
}

static bool
exc_segs(const struct glob *g, const char **ss, size_t ns)
{
	size_t	 i;

	for (i = 0; i < g->nexc; i++)
		if (gpat_match(&g->exc[i], ss, ns, g->cs))
			return true;
	return false;
}

bool
glob_included(const struct glob *g, const char *path)
{
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns = path_segs(path, buf, sizeof(buf), ss);

	return inc_segs(g, ss, ns);
}

bool
glob_excluded(const struct glob *g, const char *path)
{
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns = path_segs(path, buf, sizeof(buf), ss);

	return exc_segs(g, ss, ns);
}

/* Worth descending into dir (given as segments)? */
static bool
descend(const struct glob *g, const char **ss, size_t ns)
{
	size_t	 i;
	bool	 could = g->ninc == 0;

	for (i = 0; !could && i < g->ninc; i++)
		if (gpat_start(&g->inc[i], ss, ns, g->cs))
			could = true;
	if (!could)
		return false;
	for (i = 0; i < g->nexc; i++)
		if (gpat_covers(&g->exc[i], ss, ns, g->cs))
			return false;
	return true;
}

struct scan {
	const struct glob	*g;
	int			 flags;
	long			*budget;
	glob_visit_fn		 fn;
	void			*arg;
	char			 abs[PATH_MAX];	/* base + "/" + rel */
	size_t			 baselen;
	dev_t			 dev[GLOB_MAX_DEPTH];
	ino_t			 ino[GLOB_MAX_DEPTH];
	int			 depth;
};

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry at s->abs (rel starts at abs + baselen + 1). */
static int
report(struct scan *s, bool is_dir)
{
	const char	*rel = s->abs + s->baselen;
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns;

	if (*rel == '/')
		rel++;
	if (!(s->flags & (is_dir ? GLOB_DIRS : GLOB_FILES)))
		return 0;
	ns = path_segs(rel, buf, sizeof(buf), ss);
	if (!inc_segs(s->g, ss, ns) || exc_segs(s->g, ss, ns))
		return 0;
	return s->fn(s->arg, rel, is_dir);
}

static int
scan_dir(struct scan *s)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn;
	size_t		 n = 0, cap = 0, i, len = strlen(s->abs), nl;
	char		 buf[PATH_MAX];
	const char	*ss[GLOB_MAX_SEGS];
	size_t		 ns;
	int		 r = 0, k, saved;

	if ((d = opendir(s->abs)) == NULL)
		return s->depth == 1 ? -1 : 0;	/* unreadable subdir: skip */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nn = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				goto nomem;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && r == 0; i++) {
		if (s->budget != NULL && (*s->budget)-- <= 0) {
			r = 2;
			break;
		}
		nl = strlen(names[i]);
		if (len + 1 + nl >= sizeof(s->abs))
			continue;
		s->abs[len] = '/';
		memcpy(s->abs + len + 1, names[i], nl + 1);
		if (lstat(s->abs, &st) == -1)
			continue;
		if (S_ISLNK(st.st_mode)) {
			if ((s->flags & GLOB_NOFOLLOW) ||
			    stat(s->abs, &st) == -1)
				continue;	/* not followed / dangling */
		}
		if (S_ISDIR(st.st_mode)) {
			if ((s->flags & GLOB_NOTMP) && nl >= 4 &&
			    strcmp(names[i] + nl - 4, "@tmp") == 0)
				continue;
			if ((r = report(s, true)) != 0)
				break;
			for (k = 0; k < s->depth; k++)
				if (s->dev[k] == st.st_dev &&
				    s->ino[k] == st.st_ino)
					break;
			if (k < s->depth || s->depth >= GLOB_MAX_DEPTH)
				continue;	/* a loop */
			ns = path_segs(s->abs + s->baselen + 1, buf,
			    sizeof(buf), ss);
			if (!descend(s->g, ss, ns))
				continue;
			s->dev[s->depth] = st.st_dev;
			s->ino[s->depth] = st.st_ino;
			s->depth++;
			r = scan_dir(s);
			s->depth--;
		} else if (S_ISREG(st.st_mode))
			r = report(s, false);
	}
	s->abs[len] = '\0';
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;

nomem:
	saved = ENOMEM;
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	errno = saved;
	return -1;
}

int
glob_scan(const char *base, const struct glob *g, int flags, long *budget,
    glob_visit_fn fn, void *arg)
{
	struct scan	*s;
	struct stat	 st;
	size_t		 len = strlen(base);
	int		 r;

	if (stat(base, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (len >= PATH_MAX - 2) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->g = g;
	s->flags = flags;
	s->budget = budget;
	s->fn = fn;
	s->arg = arg;
	memcpy(s->abs, base, len + 1);
	while (len > 1 && s->abs[len - 1] == '/')
		s->abs[--len] = '\0';
	s->baselen = len;
	s->dev[0] = st.st_dev;
	s->ino[0] = st.st_ino;
	s->depth = 1;
	r = report(s, true);		/* the base itself is "" */
	if (r == 0) {
		r = scan_dir(s);
	}
	free(s);
	return r;
}

/* ---- ValidateAntFileMask ---- */

static int
found_one(void *arg, const char *rel, bool is_dir)
{
	*(bool *)arg = true;
	return 1;
}

/* 1 match, 0 none, 2 out of budget, -1 error. */
static int
has_match(const char *base, const char *pattern, int bound, bool cs)
{
	struct glob	*g;
	long		 budget = bound;
	bool		 found = false;
	int		 r;

	if ((g = glob_new(NULL, NULL, false, cs)) == NULL ||
	    glob_add_include(g, pattern) == -1) {
		glob_free(g);
		errno = ENOMEM;
		return -1;
	}
	r = glob_scan(base, g, GLOB_FILES | GLOB_DIRS,
	    bound == INT_MAX ? NULL : &budget, found_one, &found);
	glob_free(g);
	if (found)
		return 1;
	return r == 2 ? 2 : r == -1 ? -1 : 0;
}

static int
find_sep(const char *s)
{
	const char	*a = strchr(s, '/'), *b = strchr(s, '\\');

	if (a == NULL)
		return b == NULL ? -1 : (int)(b - s);
	if (b == NULL || a < b)
		return (int)(a - s);
	return (int)(b - s);
}

struct collect {
	char	**v;
	size_t	 n, cap;
};

static int
collect_one(void *arg, const char *rel, bool is_dir)
{
	struct collect	*c = arg;
	char		**nv;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		if ((nv = realloc(c->v, c->cap * sizeof(*nv))) == NULL)
			return -1;
		c->v = nv;
	}
	if ((c->v[c->n] = strdup(rel)) == NULL)
		return -1;
	c->n++;
	return 0;
}

static int
shorter_first(const void *a, const void *b)
{
	size_t	 la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? -1 : la > lb;
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	va_list	 ap;
	char	*s;
	int	 r;

	va_start(ap, f);
	r = vasprintf(&s, f, ap);
	va_end(ap);
	return r == -1 ? NULL : s;
}

#define PROBE(pat)	do {						\
	r = has_match(base, (pat), bound, cs);				\
	if (r == -1)							\
		goto fail;						\
	if (r == 2) {							\
		*overrun = true;					\
		goto fail;						\
	}								\
} while (0)

/* The hint for one mask that matched nothing, or NULL (*err on error). */
static char *
mask_hint(const char *base, const char *mask, int bound, bool cs,
    bool *overrun, int *err)
{
	struct collect	 c = { NULL, 0, 0 };
	struct glob	*g = NULL;
	char		*pat = NULL, *prev = NULL, *res = NULL, *p;
	const char	*f;
	size_t		 i, plen;
	int		 r, idx, all;

	/* Whitespace used as a separator (Jenkins < 1.172 syntax). */
	if (strpbrk(mask, " \t") != NULL) {
		char	*copy, *tok, *save = NULL;

		if ((copy = strdup(mask)) == NULL)
			goto fail;
		all = 1;
		for (tok = strtok_r(copy, " \t", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t", &save)) {
			r = has_match(base, tok, bound, cs);
			if (r == -1 || r == 2) {
				*overrun = r == 2;
				free(copy);
				goto fail;
			}
			if (r != 1)
				all = 0;
		}
		free(copy);
		if (all)
			return strdup("Whitespace can no longer be used as the"
			    " separator. Please use ',' as the"
			    " separator instead.");
	}
	/* (1) the user gave aa/bb/cc/dd where cc/dd was right. */
	for (f = mask; (idx = find_sep(f)) != -1; ) {
		f += idx + 1;
		PROBE(f);
		if (r == 1)
			return fmt("'%s' doesn't match anything,"
			    " but '%s' does. Perhaps that's what"
			    " you mean?", mask, f);
	}
	/* (2) the user gave cc/dd where aa/bb/cc/dd was right. */
	if (asprintf(&pat, "**/%s", mask) == -1) {
		pat = NULL;
		goto fail;
	}
	if ((g = glob_new(pat, NULL, true, true)) == NULL)
		goto fail;
	free(pat);
	pat = NULL;
	if (glob_scan(base, g, GLOB_FILES, NULL, collect_one, &c) == -1 &&
	    errno == ENOMEM)
		goto fail;
	glob_free(g);
	g = NULL;
	if (c.n > 1)	/* qsort is not stable: keep scan order for ties */
		for (i = 1; i < c.n; i++) {
			size_t j = i;
			char *t = c.v[i];

			while (j > 0 && shorter_first(&c.v[j - 1], &t) > 0) {
				c.v[j] = c.v[j - 1];
				j--;
			}
			c.v[j] = t;
		}
	for (i = 0; i < c.n && res == NULL; i++) {
		f = c.v[i];
		plen = 0;
		while ((idx = find_sep(f)) != -1) {
			plen += (size_t)idx + 1;
			f += idx + 1;
			if (asprintf(&p, "%.*s%s", (int)plen, c.v[i], mask) ==
			    -1)
				goto fail;
			r = has_match(base, p, bound, cs);
			if (r == -1) {
				free(p);
				goto fail;
			}
			if (r == 2) {
				*overrun = true;
				free(p);
				goto fail;
			}
			if (r == 1) {
				res = fmt("'%s' doesn't match "
				    "anything, but '%s' does. Perhaps"
				    " that's what you mean?", mask, p);
				free(p);
				if (res == NULL)
					goto fail;
				break;
			}
			free(p);
		}
	}
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	c.v = NULL;
	c.n = 0;
	if (res != NULL)
		return res;
	/* (3) find a leading portion that exists. */
	if ((pat = strdup(mask)) == NULL)
		goto fail;
	for (;;) {
		PROBE(pat);
		if (r == 1) {
			if (prev == NULL)
				res = fmt("'%s' doesn't match "
				    "anything, although '%s' exists",
				    mask, pat);
			else
				res = fmt("'%s' doesn't match "
				    "anything: '%s' exists but not "
				    "'%s'", mask, pat, prev);
			break;
		}
		if ((idx = find_sep(pat)) == -1) {
			if (strcmp(pat, mask) == 0)
				res = fmt("'%s' doesn't match "
				    "anything", mask);
			else
				res = fmt("'%s' doesn't match "
				    "anything: even '%s' doesn't "
				    "exist", mask, pat);
			break;
		}
		free(prev);
		prev = strdup(pat);
		pat[idx] = '\0';
		if (prev == NULL)
			goto fail;
	}
	free(pat);
	free(prev);
	if (res == NULL)
		*err = ENOMEM;
	return res;

fail:
	*err = *overrun ? 0 : errno != 0 ? errno : ENOMEM;
	for (i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	glob_free(g);
	free(pat);
	free(prev);
	return NULL;
}

char *
glob_validate_mask(const char *base, const char *masks, int bound, bool cs,
    bool *overrun, int *err)
{
	const char	*s, *e, *t;
	char		*tok, *res = NULL;
	int		 r;

	*overrun = false;
	*err = 0;
	if (masks[0] == '~')
		return strdup("'~' is only supported in a Unix shell"
		    " and nowhere else.");
	for (s = masks; *s != '\0' && res == NULL; s = *e ? e + 1 : e) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		for (t = s; t < e && (unsigned char)*t <= ' '; t++)
			;
		while (e > t && (unsigned char)e[-1] <= ' ')
			e--;
		if ((tok = strndup(t, (size_t)(e - t))) == NULL) {
			*err = ENOMEM;
			return NULL;
		}
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		r = has_match(base, tok, bound, cs);
		if (r == -1) {
			*err = errno;
			free(tok);
			return NULL;
		}
		if (r == 2) {
			*overrun = true;
			free(tok);
			return NULL;
		}
		if (r != 1) {
			res = mask_hint(base, tok, bound, cs, overrun, err);
			if (res != NULL || *err != 0 || *overrun) {
				free(tok);
				return res;
			}
		}
		free(tok);
	}
	return NULL;
}
