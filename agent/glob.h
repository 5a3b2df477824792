/*
 * glob.h: Ant glob patterns and directory scanning as Jenkins uses them
 * (jenkins-callables.md Appendix A; Ant DirectoryScanner semantics).
 *
 * Patterns are relative, '/' or '\' separated; "**" as a whole segment
 * matches any number of segments, '*' any run of characters inside a
 * segment, '?' one character; a pattern ending in a separator gets "**"
 * appended.  An entry is included if it matches an include (all entries
 * when there is none) and no exclude.
 */
#ifndef JNAGENT_AGENT_GLOB_H
#define JNAGENT_AGENT_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Does pattern match the '/'-separated relative path? */
bool glob_match(const char *pattern, const char *path, bool case_sensitive);
/* Could a path below dir (dir itself excluded) match pattern? ("" = the
 * base directory.)  Used to prune the walk. */
bool glob_match_start(const char *pattern, const char *dir,
    bool case_sensitive);

struct glob;

/*
 * A pattern set.  includes/excludes are comma-separated lists (each token
 * trimmed, empty tokens ignored, as hudson.Util.createFileSet does);
 * either may be NULL.  default_excludes adds Ant's default excludes.
 * NULL when out of memory.  Free with glob_free().
 */
struct glob *glob_new(const char *includes, const char *excludes,
    bool default_excludes, bool case_sensitive);
/* Add one include pattern as is (no comma splitting). 0 or -1 (ENOMEM). */
int glob_add_include(struct glob *g, const char *pattern);
void glob_free(struct glob *g);	/* NULL is fine */

bool glob_included(const struct glob *g, const char *path);
bool glob_excluded(const struct glob *g, const char *path);

#define GLOB_FILES	0x01	/* report regular files (and links to them) */
#define GLOB_DIRS	0x02	/* report directories (base = "") */
#define GLOB_NOFOLLOW	0x04	/* skip symlinks entirely (Ant
				 * followSymlinks=false) */
#define GLOB_NOTMP	0x08	/* skip directories named "*@tmp" */

/*
 * Called for each included entry: rel is the relative path ('/'
 * separated), is_dir says which kind.  Return 0 to go on, 1 to stop the
 * scan (glob_scan then returns 1), -1 to fail it.
 */
typedef int (*glob_visit_fn)(void *arg, const char *rel, bool is_dir);

/*
 * Walk base (sorted, depth-first, symlinked directories followed unless
 * GLOB_NOFOLLOW, loops skipped) and report included entries.  budget, if
 * non-NULL, is decremented per directory entry examined; the scan stops
 * with 2 when it reaches 0.  Returns 0 when done, 1 or 2 when stopped,
 * -1 with errno on an I/O error (ENOENT/ENOTDIR: base is missing).
 */
int glob_scan(const char *base, const struct glob *g, int flags,
    long *budget, glob_visit_fn fn, void *arg);

/*
 * Jenkins' FilePath$ValidateAntFileMask for base: NULL when every
 * comma-separated mask matches a file or directory, else a malloc'd hint
 * in Jenkins' wording (caller frees).  bound limits the entries examined
 * per probe; *overrun is set when a probe ran out of budget without a
 * match (Java's FileMaskNoMatchesFoundException).  *err is set to errno
 * on an I/O error or allocation failure (and NULL returned).
 */
char *glob_validate_mask(const char *base, const char *masks, int bound,
    bool case_sensitive, bool *overrun, int *err);

#endif
