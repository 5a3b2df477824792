/*
 * fsutil.h: file-system helpers for the FilePath callables.
 *
 * All functions return 0 on success or -1 with errno set; none of them
 * logs.  Paths are plain C strings (UTF-8 on the agent).
 */
#ifndef JNAGENT_AGENT_FSUTIL_H
#define JNAGENT_AGENT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with n bytes atomically: a temporary file in the same
 * directory is written, fsync()ed and renamed over path.  A symlink at
 * path is resolved first (the link stays, its target is replaced, as a
 * Java write through the link would); an existing file keeps its
 * permission bits, a new one gets mode & ~umask.  On failure path is left
 * as it was and the temporary file is removed.
 */
int fsutil_write_atomic(const char *path, const void *p, size_t n,
    mode_t mode);

/* mkdir -p with mode (& ~umask); fine if path already is a directory;
 * ENOTDIR/EEXIST when a component is not one. */
int fsutil_mkdirs(const char *path, mode_t mode);
/* mkdirs of the parent directory of path (nothing for "/x" or "x"). */
int fsutil_mkdirs_parent(const char *path, mode_t mode);

/*
 * rm -rf: never follows symlinks (a link is removed, not its target),
 * makes read-only directories writable to empty them, and succeeds when
 * path does not exist.
 */
int fsutil_rmtree(const char *path);
/* Remove everything inside directory path (path stays; missing is fine;
 * a symlink to a directory is left alone, as Jenkins does). */
int fsutil_delete_contents(const char *path);

/* Read a whole file (malloc'd, NUL-terminated; caller frees *out).
 * EFBIG above max bytes. */
int fsutil_read_file(const char *path, size_t max, char **out, size_t *len);

/* write(2) all of n bytes (retrying on EINTR and short writes). */
int fsutil_write_all(int fd, const void *p, size_t n);

/* The directory part of path in buf ("." when it has none). */
void fsutil_dirname(const char *path, char *buf, size_t size);

/* Create a unique file or directory "<prefix><digits><suffix>" in dir
 * (O_EXCL; mode & ~umask); the full path goes to out. */
int fsutil_mktemp(const char *dir, const char *prefix, const char *suffix,
    bool directory, mode_t mode, char *out, size_t size);

#endif
