/*
 * test_glob.c: Ant glob semantics (jenkins-callables.md Appendix A),
 * directory scans and ValidateAntFileMask hints.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/fsutil.h"
#include "agent/glob.h"
#include "tests/unit/tap.h"

static const struct {
	const char	*pat, *path;
	bool		 cs, want;
} match_cases[] = {
	{ "**/*.java", "Foo.java", true, true },
	{ "**/*.java", "a/b/Foo.java", true, true },
	{ "**/*.java", "a/b/Foo.javax", true, false },
	{ "*.java", "a/Foo.java", true, false },
	{ "*.java", "Foo.java", true, true },
	{ "src/**", "src", true, true },
	{ "src/**", "src/a/b", true, true },
	{ "src/", "src/x/y.c", true, true },		/* trailing / -> ** */
	{ "src\\*.c", "src/a.c", true, true },		/* backslash */
	{ "a/?.txt", "a/b.txt", true, true },
	{ "a/?.txt", "a/bc.txt", true, false },
	{ "a/?.txt", "a/\xc3\xa9.txt", true, true },	/* ? = one char */
	{ "target/*.jar", "target/app.jar", true, true },
	{ "target/*.jar", "target/lib/app.jar", true, false },
	{ "**/test/**/*.xml", "x/test/y/z/r.xml", true, true },
	{ "**/test/**/*.xml", "test/r.xml", true, true },
	{ "**/test/**/*.xml", "tests/r.xml", true, false },
	{ "a/**/b", "a/b", true, true },
	{ "a/**/b", "a/x/y/b", true, true },
	{ "a/**/b", "a/x/y/c", true, false },
	{ "README", "README", true, true },
	{ "README", "readme", true, false },
	{ "README", "readme", false, true },
	{ "*.TXT", "a.txt", false, true },
	{ "a*b*c", "aXXbYYc", true, true },
	{ "a*b*c", "aXXbYY", true, false },
	{ "a**b", "aZZb", true, true },			/* ** inside = * */
	{ "**", "", true, true },
	{ "*", "", true, false },
	{ "/abs/*.c", "abs/x.c", true, false },		/* absolute: never */
	{ "**/.git/**", "src/.git/config", true, true },
	{ "**/*~", "dir/file.c~", true, true },
};

static void
put(const char *dir, const char *rel, const char *text)
{
	char	 p[PATH_MAX];
	int	 fd;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	fsutil_mkdirs_parent(p, 0755);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
		if (write(fd, text, strlen(text)) < 0)
			perror(p);
		close(fd);
	}
}

struct list {
	char	 buf[4096];
	int	 n;
};

static int
add(void *arg, const char *rel, bool is_dir)
{
	struct list	*l = arg;
	size_t		 len = strlen(l->buf);

	snprintf(l->buf + len, sizeof(l->buf) - len, "%s%s%s",
	    l->n++ ? "," : "", rel, is_dir ? "/" : "");
	return 0;
}

static const char *
scan(const char *dir, const char *inc, const char *exc, bool defexc,
    bool cs, int flags, struct list *l)
{
	struct glob	*g = glob_new(inc, exc, defexc, cs);

	memset(l, 0, sizeof(*l));
	if (g == NULL || glob_scan(dir, g, flags, NULL, add, l) == -1)
		snprintf(l->buf, sizeof(l->buf), "ERROR");
	glob_free(g);
	return l->buf;
}

int
main(void)
{
	char		 dir[] = "/tmp/test_glob.XXXXXX", p[PATH_MAX], q[PATH_MAX + 16];
	struct list	 l;
	struct glob	*g;
	char		*hint;
	bool		 over;
	int		 err;
	size_t		 i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
		ok(glob_match(match_cases[i].pat, match_cases[i].path,
		    match_cases[i].cs) == match_cases[i].want,
		    "'%s' %s '%s'%s", match_cases[i].pat,
		    match_cases[i].want ? "matches" : "does not match",
		    match_cases[i].path, match_cases[i].cs ? "" : " (ci)");

	ok(glob_match_start("src/main/**/*.java", "src", true),
	    "match_start: src could hold src/main/**");
	ok(!glob_match_start("src/main/*.java", "lib", true),
	    "match_start: lib cannot hold src/main/*");
	ok(!glob_match_start("a/b", "a/b/c", true),
	    "match_start: nothing below a full literal match");

	/* includes/excludes lists: comma separated, trimmed */
	g = glob_new(" *.c , *.h,,", "bad.*", false, true);
	ok(g != NULL && glob_included(g, "x.c") && glob_included(g, "x.h") &&
	    !glob_included(g, "x.o"), "comma-separated includes, trimmed");
	ok(g != NULL && glob_excluded(g, "bad.c") && !glob_excluded(g, "x.c"),
	    "excludes");
	glob_free(g);
	g = glob_new("", NULL, true, true);
	ok(g != NULL && glob_included(g, "any/thing"),
	    "no includes: everything included");
	ok(g != NULL && glob_excluded(g, "a/.git/HEAD") &&
	    glob_excluded(g, ".gitignore") && glob_excluded(g, "x/CVS") &&
	    glob_excluded(g, "d/.DS_Store") && !glob_excluded(g, "a/git"),
	    "default excludes");
	glob_free(g);

	if (mkdtemp(dir) == NULL)
		return 1;
	put(dir, "a.txt", "a");
	put(dir, "src/Main.java", "class Main {}");
	put(dir, "src/util/Helper.java", "class Helper {}");
	put(dir, "src/util/notes.txt", "n");
	put(dir, ".git/config", "x");
	put(dir, "build/out.jar", "jar");
	put(dir, "file.c~", "backup");
	snprintf(p, sizeof(p), "%s/src/util", dir);
	snprintf(q, sizeof(q), "%s/linked", dir);
	ok(symlink(p, q) == 0, "symlink to a directory");
	snprintf(q, sizeof(q), "%s/loop", p);
	ok(symlink("..", q) == 0, "a symlink loop");

	ok(strcmp(scan(dir, "**/*.java", NULL, true, true, GLOB_FILES, &l),
	    "linked/Helper.java,linked/loop/Main.java,src/Main.java,"
	    "src/util/Helper.java") == 0,
	    "**/*.java follows links, stops at loops: %s", l.buf);
	ok(strcmp(scan(dir, "**/*.java", NULL, true, true,
	    GLOB_FILES | GLOB_NOFOLLOW, &l),
	    "src/Main.java,src/util/Helper.java") == 0,
	    "NOFOLLOW: %s", l.buf);
	ok(strcmp(scan(dir, "**", "src/**, linked/", true, true,
	    GLOB_FILES, &l), "a.txt,build/out.jar") == 0,
	    "default excludes drop .git and *~: %s", l.buf);
	ok(strcmp(scan(dir, "**", NULL, false, true, GLOB_FILES |
	    GLOB_NOFOLLOW, &l), ".git/config,a.txt,build/out.jar,file.c~,"
	    "src/Main.java,src/util/Helper.java,src/util/notes.txt") == 0,
	    "without default excludes: %s", l.buf);
	ok(strcmp(scan(dir, "SRC/*.JAVA", NULL, true, false, GLOB_FILES, &l),
	    "src/Main.java") == 0, "case-insensitive scan: %s", l.buf);
	ok(strcmp(scan(dir, "src/", NULL, true, true, GLOB_FILES | GLOB_DIRS,
	    &l), "src/,src/Main.java,src/util/,src/util/Helper.java,"
	    "src/util/loop/,src/util/notes.txt") == 0,
	    "directory pattern with dirs: %s", l.buf);
	ok(strcmp(scan(dir, "nothing/**", NULL, true, true, GLOB_FILES, &l),
	    "") == 0, "no match: empty");
	snprintf(p, sizeof(p), "%s/missing", dir);
	ok(strcmp(scan(p, "**", NULL, true, true, GLOB_FILES, &l),
	    "ERROR") == 0, "missing base dir is an error");

	/* ValidateAntFileMask */
	hint = glob_validate_mask(dir, "src/**/*.java, a.txt", 10000, true,
	    &over, &err);
	ok(hint == NULL && !over && err == 0, "all masks match: null");
	free(hint);
	hint = glob_validate_mask(dir, "foo/src/Main.java", 10000, true,
	    &over, &err);
	ok(hint != NULL && strcmp(hint, "'foo/src/Main.java' doesn't match "
	    "anything, but 'src/Main.java' does. Perhaps that's what you "
	    "mean?") == 0, "leading junk: %s", hint ? hint : "(null)");
	free(hint);
	hint = glob_validate_mask(dir, "util/*.java", 10000, true, &over,
	    &err);
	ok(hint != NULL && strstr(hint, "but 'src/util/*.java' does") != NULL,
	    "missing leading dir: %s", hint ? hint : "(null)");
	free(hint);
	hint = glob_validate_mask(dir, "src/nope/*.java", 10000, true, &over,
	    &err);
	ok(hint != NULL && strcmp(hint, "'src/nope/*.java' doesn't match "
	    "anything: 'src' exists but not 'src/nope/*.java'") == 0,
	    "portion matches: %s", hint ? hint : "(null)");
	free(hint);
	hint = glob_validate_mask(dir, "zzz", 10000, true, &over, &err);
	ok(hint != NULL && strcmp(hint, "'zzz' doesn't match anything") == 0,
	    "nothing: %s", hint ? hint : "(null)");
	free(hint);
	hint = glob_validate_mask(dir, "a.txt build/out.jar", 10000, true,
	    &over, &err);
	ok(hint != NULL && strncmp(hint, "Whitespace can no longer", 24) == 0,
	    "whitespace separator: %s", hint ? hint : "(null)");
	free(hint);
	hint = glob_validate_mask(dir, "~/x", 10000, true, &over, &err);
	ok(hint != NULL && strstr(hint, "Unix shell") != NULL, "tilde");
	free(hint);
	hint = glob_validate_mask(dir, "**/nomatch.bin", 2, true, &over,
	    &err);
	ok(hint == NULL && over, "bounded search overruns");
	free(hint);

	fsutil_rmtree(dir);
	return done_testing();
}
