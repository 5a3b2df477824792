/*
 * archive.h: tar, tar.gz and zip streams (libarchive) for the FilePath
 * archive callables (jenkins-callables.md section 4.5, Appendix B).
 *
 * The writer produces GNU tar (names over 100 bytes in ././@LongLink
 * entries), optionally gzip-compressed, or zip, into a caller's sink.  The
 * extractor reads such a stream from a caller's source into a target
 * directory and never writes outside it: absolute names, ".." escapes and
 * writes through symlinks that lead out of the target are refused.
 */
#ifndef JNAGENT_AGENT_ARCHIVE_H
#define JNAGENT_AGENT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum arc_format {
	ARC_TAR = 0,	/* plain tar (TarCompression NONE) */
	ARC_TGZ,	/* gzip-compressed tar (GZIP) */
	ARC_ZIP,
};

/* Sink: 0, or -1 to fail the archive (the stream was closed). */
typedef int (*arc_sink_fn)(void *arg, const void *p, size_t n);
/* Source: bytes read (> 0), 0 at end of stream, -1 on error. */
typedef ssize_t (*arc_source_fn)(void *arg, void *p, size_t n);

struct arc_writer;

/* A writer into sink (nothing is written before the first entry).  NULL
 * when out of memory. */
struct arc_writer *arc_writer_new(enum arc_format fmt, arc_sink_fn sink,
    void *arg);
/*
 * Add the file-system object at path under the archive name: directories
 * (name gets a trailing '/', no content), regular files (permission bits,
 * mtime, content), and symlinks as link entries when keep_links is true
 * (else the target is archived).  0, or -1 with arc_writer_error() set.
 */
int arc_writer_add(struct arc_writer *w, const char *name, const char *path,
    bool keep_links);
/* Finish the archive (end blocks, gzip trailer).  0 or -1. */
int arc_writer_finish(struct arc_writer *w);
/* Entries written so far. */
long arc_writer_count(const struct arc_writer *w);
const char *arc_writer_error(const struct arc_writer *w);
void arc_writer_free(struct arc_writer *w);	/* NULL is fine */

/*
 * Extract the stream into target (created if missing).  fmt ARC_TAR
 * accepts plain or compressed tar, ARC_TGZ requires gzip, ARC_ZIP reads
 * zip.  Files get their mtime and, when non-zero, mode & 0777; symlinks
 * are created (replacing what is there); existing files are replaced, not
 * written through.  *count (may be NULL) receives the entries extracted.
 * 0, or -1 with a one-line reason in err.
 */
int arc_extract(enum arc_format fmt, arc_source_fn src, void *arg,
    const char *target, long *count, char *err, size_t errlen);

#endif
