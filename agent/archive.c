/*
 * archive.c: tar/tar.gz/zip writer and safe extractor (see archive.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/archive.h"
#include "agent/fsutil.h"

#define ARC_BUF		65536
#define ARC_MAX_SEGS	1024

struct arc_writer {
	struct archive	*a;
	arc_sink_fn	 sink;
	void		*arg;
	long		 count;
	bool		 failed;
	bool		 finished;
	char		 err[512];
	uint8_t		 buf[ARC_BUF];
};

static void
werr(struct arc_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
werr(struct arc_writer *w, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	w->failed = true;
}

static la_ssize_t
w_write(struct archive *a, void *arg, const void *p, size_t n)
{
	struct arc_writer	*w = arg;

	if (w->sink(w->arg, p, n) != 0) {
		archive_set_error(a, EPIPE, "the output stream was closed");
		return -1;
	}
	return (la_ssize_t)n;
}

struct arc_writer *
arc_writer_new(enum arc_format fmt, arc_sink_fn sink, void *arg)
{
	struct arc_writer	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->sink = sink;
	w->arg = arg;
	if ((w->a = archive_write_new()) == NULL) {
		free(w);
		return NULL;
	}
	if (fmt == ARC_ZIP) {
		if (archive_write_set_format_zip(w->a) != ARCHIVE_OK)
			goto fail;
	} else if (archive_write_set_format_gnutar(w->a) != ARCHIVE_OK)
		goto fail;
	if (fmt == ARC_TGZ && archive_write_add_filter_gzip(w->a) !=
	    ARCHIVE_OK)
		goto fail;
	/*
	 * No zero padding after the gzip trailer or the zip directory:
	 * libarchive pads the last block of the (compressed) output to
	 * 10240 bytes by default, which Java's readers skip but which is
	 * not what a Java agent writes.  A plain tar keeps its record
	 * padding, as commons-compress writes it.
	 */
	if (fmt != ARC_TAR &&
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK)
		goto fail;
	if (archive_write_open2(w->a, w, NULL, w_write, NULL, NULL) !=
	    ARCHIVE_OK)
		goto fail;
	return w;
fail:
	archive_write_free(w->a);
	free(w);
	return NULL;
}

int
arc_writer_add(struct arc_writer *w, const char *name, const char *path,
    bool keep_links)
{
	struct archive_entry	*e;
	struct stat		 st;
	char			*dname = NULL, link[PATH_MAX];
	ssize_t			 n, ll;
	int			 fd = -1, r = -1;

	if (w->failed)
		return -1;
	if (lstat(path, &st) == -1) {
		werr(w, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) && !keep_links && stat(path, &st) == -1) {
		werr(w, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((e = archive_entry_new()) == NULL) {
		werr(w, "out of memory");
		return -1;
	}
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	if (S_ISLNK(st.st_mode)) {
		if ((ll = readlink(path, link, sizeof(link) - 1)) == -1) {
			werr(w, "%s: %s", path, strerror(errno));
			goto out;
		}
		link[ll] = '\0';
		archive_entry_copy_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_copy_symlink(e, link);
	} else if (S_ISDIR(st.st_mode)) {
		size_t	 len = strlen(name);

		if ((dname = malloc(len + 2)) == NULL) {
			werr(w, "out of memory");
			goto out;
		}
		memcpy(dname, name, len);
		if (len == 0 || name[len - 1] != '/')
			dname[len++] = '/';
		dname[len] = '\0';
		archive_entry_copy_pathname(e, dname);
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, st.st_mode & 0777);
	} else if (S_ISREG(st.st_mode)) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			werr(w, "%s: %s", path, strerror(errno));
			goto out;
		}
		archive_entry_copy_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, st.st_mode & 0777);
		archive_entry_set_size(e, st.st_size);
	} else {
		werr(w, "%s: not a file, directory or symlink", path);
		goto out;
	}
	if (archive_write_header(w->a, e) != ARCHIVE_OK) {
		werr(w, "%s: %s", name, archive_error_string(w->a));
		goto out;
	}
	while (fd != -1) {
		n = read(fd, w->buf, sizeof(w->buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			werr(w, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (archive_write_data(w->a, w->buf, (size_t)n) < 0) {
			werr(w, "%s: %s", name, archive_error_string(w->a));
			goto out;
		}
	}
	if (archive_write_finish_entry(w->a) != ARCHIVE_OK) {
		werr(w, "%s: %s", name, archive_error_string(w->a));
		goto out;
	}
	w->count++;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	free(dname);
	archive_entry_free(e);
	return r;
}

int
arc_writer_finish(struct arc_writer *w)
{
	if (w->finished)
		return w->failed ? -1 : 0;
	w->finished = true;
	if (archive_write_close(w->a) != ARCHIVE_OK && !w->failed)
		werr(w, "%s", archive_error_string(w->a) != NULL ?
		    archive_error_string(w->a) : "archive write failed");
	return w->failed ? -1 : 0;
}

long
arc_writer_count(const struct arc_writer *w)
{
	return w->count;
}

const char *
arc_writer_error(const struct arc_writer *w)
{
	return w->err[0] != '\0' ? w->err : "no error";
}

void
arc_writer_free(struct arc_writer *w)
{
	if (w == NULL)
		return;
	archive_write_free(w->a);	/* closes if still open */
	free(w);
}

/* ---- extraction ---- */

struct xsrc {
	arc_source_fn	 fn;
	void		*arg;
	uint8_t		 buf[ARC_BUF];
};

static la_ssize_t
x_read(struct archive *a, void *arg, const void **p)
{
	struct xsrc	*s = arg;
	ssize_t		 n;

	n = s->fn(s->arg, s->buf, sizeof(s->buf));
	if (n < 0) {
		archive_set_error(a, EIO, "the input stream failed");
		return -1;
	}
	*p = s->buf;
	return n;
}

struct xctx {
	const char	*target;
	char		 root_real[PATH_MAX];
	int		 rootfd;
	char		*err;
	size_t		 errlen;
};

static int
xerr(struct xctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
xerr(struct xctx *x, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Split name into normalised segments (resolving "." and ".."); -1 if it
 * is absolute or climbs above the root.  buf receives the copy.
 */
static int
norm_name(const char *name, char *buf, size_t size, const char **seg,
    size_t *nseg)
{
	char	*t, *save = NULL;
	size_t	 n = 0;

	if (name[0] == '/' || strlen(name) >= size)
		return -1;
	strcpy(buf, name);
	for (t = strtok_r(buf, "/", &save); t != NULL;
	    t = strtok_r(NULL, "/", &save)) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0) {
			if (n == 0)
				return -1;
			n--;
			continue;
		}
		if (n == ARC_MAX_SEGS)
			return -1;
		seg[n++] = t;
	}
	*nseg = n;
	return 0;
}

static bool
inside_root(const struct xctx *x, const char *real)
{
	size_t	 l = strlen(x->root_real);

	if (strcmp(x->root_real, "/") == 0)
		return true;
	return strncmp(real, x->root_real, l) == 0 &&
	    (real[l] == '\0' || real[l] == '/');
}

/*
 * Open (creating as needed) the directory seg[0..n) below the root, never
 * leaving it: a symlinked component is accepted only if it resolves
 * inside the root.  Returns an fd or -1 (error in x->err).
 */
static int
open_dirs(struct xctx *x, const char *name, const char **seg, size_t n)
{
	char		 path[PATH_MAX], real[PATH_MAX];
	struct stat	 st;
	size_t		 i, len;
	int		 fd, nfd;

	if ((fd = dup(x->rootfd)) == -1)
		return xerr(x, "%s: %s", x->target, strerror(errno));
	len = (size_t)snprintf(path, sizeof(path), "%s", x->target);
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s",
		    seg[i]);
		if (len >= sizeof(path)) {
			close(fd);
			return xerr(x, "%s: name too long", name);
		}
		if (fstatat(fd, seg[i], &st, AT_SYMLINK_NOFOLLOW) == -1) {
			if (errno != ENOENT ||
			    (mkdirat(fd, seg[i], 0777) == -1 &&
			    errno != EEXIST) ||
			    fstatat(fd, seg[i], &st, AT_SYMLINK_NOFOLLOW) ==
			    -1) {
				xerr(x, "%s: %s", path, strerror(errno));
				close(fd);
				return -1;
			}
		}
		if (S_ISLNK(st.st_mode)) {
			if (realpath(path, real) == NULL ||
			    !inside_root(x, real)) {
				close(fd);
				return xerr(x, "%s would be written through "
				    "the symlink %s, which leads out of the "
				    "target directory", name, path);
			}
			nfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else if (S_ISDIR(st.st_mode))
			nfd = openat(fd, seg[i], O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		else {
			close(fd);
			return xerr(x, "%s: %s is not a directory", name,
			    path);
		}
		if (nfd == -1) {
			xerr(x, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
		fd = nfd;
	}
	return fd;
}

/* Remove a non-directory leaf so that it is replaced, not written
 * through. */
static int
clear_leaf(struct xctx *x, int dfd, const char *leaf, const char *name)
{
	struct stat	 st;

	if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : xerr(x, "%s: %s", name,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return xerr(x, "%s: a directory is in the way", name);
	if (unlinkat(dfd, leaf, 0) == -1)
		return xerr(x, "%s: %s", name, strerror(errno));
	return 0;
}

static int
copy_data(struct xctx *x, struct archive *a, int fd, const char *name)
{
	uint8_t		 buf[ARC_BUF];
	la_ssize_t	 n;

	for (;;) {
		n = archive_read_data(a, buf, sizeof(buf));
		if (n < 0)
			return xerr(x, "%s: %s", name, archive_error_string(a));
		if (n == 0)
			return 0;
		if (fsutil_write_all(fd, buf, (size_t)n) == -1)
			return xerr(x, "%s: %s", name, strerror(errno));
	}
}

/* A hard link: copy the (already extracted) file it names. */
static int
copy_hardlink(struct xctx *x, const char *link, int dst, const char *name)
{
	char		 buf[PATH_MAX];
	const char	*seg[ARC_MAX_SEGS];
	uint8_t		 data[ARC_BUF];
	size_t		 n;
	ssize_t		 r;
	int		 dfd, src;

	if (norm_name(link, buf, sizeof(buf), seg, &n) == -1 || n == 0)
		return xerr(x, "%s: illegal hard link target %s", name, link);
	if ((dfd = open_dirs(x, name, seg, n - 1)) == -1)
		return -1;
	src = openat(dfd, seg[n - 1], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (src == -1)
		return xerr(x, "%s: hard link target %s: %s", name, link,
		    strerror(errno));
	while ((r = read(src, data, sizeof(data))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || fsutil_write_all(dst, data, (size_t)r) == -1) {
			close(src);
			return xerr(x, "%s: %s", name, strerror(errno));
		}
	}
	close(src);
	return 0;
}

static int
extract_entry(struct xctx *x, struct archive *a, struct archive_entry *e)
{
	const char	*name = archive_entry_pathname(e);
	const char	*seg[ARC_MAX_SEGS], *leaf, *hl;
	char		 buf[PATH_MAX];
	struct timespec	 ts[2];
	size_t		 n;
	mode_t		 type = archive_entry_filetype(e), perm;
	int		 dfd, fd, r = 0;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (norm_name(name, buf, sizeof(buf), seg, &n) == -1)
		return xerr(x, "contains illegal file name that breaks out of"
		    " the target directory: %s", name);
	hl = archive_entry_hardlink(e);
	if (n == 0) {
		if (type == AE_IFDIR && hl == NULL)
			return 0;		/* the target itself */
		return xerr(x, "contains illegal file name that breaks out of"
		    " the target directory: %s", name);
	}
	if (type == AE_IFDIR && hl == NULL) {
		if ((dfd = open_dirs(x, name, seg, n)) == -1)
			return -1;
		close(dfd);
		return 0;
	}
	if ((dfd = open_dirs(x, name, seg, n - 1)) == -1)
		return -1;
	leaf = seg[n - 1];
	if (clear_leaf(x, dfd, leaf, name) == -1) {
		close(dfd);
		return -1;
	}
	if (type == AE_IFLNK && hl == NULL) {
		if (symlinkat(archive_entry_symlink(e) != NULL ?
		    archive_entry_symlink(e) : "", dfd, leaf) == -1)
			r = xerr(x, "%s: %s", name, strerror(errno));
		close(dfd);
		return r;
	}
	if (hl == NULL && type != AE_IFREG) {
		close(dfd);
		return 0;		/* devices, fifos: not extracted */
	}
	if ((fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0666)) == -1) {
		r = xerr(x, "%s: %s", name, strerror(errno));
		close(dfd);
		return r;
	}
	close(dfd);
	if (hl != NULL)
		r = copy_hardlink(x, hl, fd, name);
	else
		r = copy_data(x, a, fd, name);
	perm = archive_entry_perm(e) & 0777;
	if (r == 0 && perm != 0 && fchmod(fd, perm) == -1)
		r = xerr(x, "%s: %s", name, strerror(errno));
	if (r == 0 && archive_entry_mtime_is_set(e)) {
		ts[0].tv_sec = 0;
		ts[0].tv_nsec = UTIME_OMIT;
		ts[1].tv_sec = archive_entry_mtime(e);
		ts[1].tv_nsec = archive_entry_mtime_nsec(e);
		futimens(fd, ts);
	}
	if (close(fd) == -1 && r == 0)
		r = xerr(x, "%s: %s", name, strerror(errno));
	return r;
}

/* Copy the whole source into an unlinked temporary file; its fd or -1. */
static int
spool_zip(struct xsrc *s, struct xctx *x)
{
	char		 tmp[PATH_MAX];
	const char	*td = getenv("TMPDIR");
	ssize_t		 n;
	int		 fd;

	snprintf(tmp, sizeof(tmp), "%s/jnagent-zip-XXXXXX",
	    td != NULL && td[0] == '/' ? td : "/tmp");
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return xerr(x, "cannot spool the zip: %s", strerror(errno));
	unlink(tmp);
	while ((n = s->fn(s->arg, s->buf, sizeof(s->buf))) > 0)
		if (fsutil_write_all(fd, s->buf, (size_t)n) == -1) {
			xerr(x, "cannot spool the zip: %s", strerror(errno));
			close(fd);
			return -1;
		}
	if (n < 0 || lseek(fd, 0, SEEK_SET) == -1) {
		xerr(x, "the input stream failed");
		close(fd);
		return -1;
	}
	return fd;
}

int
arc_extract(enum arc_format fmt, arc_source_fn src, void *arg,
    const char *target, long *count, char *err, size_t errlen)
{
	struct archive		*a;
	struct archive_entry	*e;
	struct xsrc		*s;
	struct xctx		 x;
	long			 cnt = 0;
	int			 r = -1, rr, zfd = -1;

	memset(&x, 0, sizeof(x));
	x.target = target;
	x.err = err;
	x.errlen = errlen;
	x.rootfd = -1;
	err[0] = '\0';
	if (count != NULL)
		*count = 0;
	if (fsutil_mkdirs(target, 0777) == -1 ||
	    realpath(target, x.root_real) == NULL ||
	    (x.rootfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return xerr(&x, "%s: %s", target, strerror(errno));
	if ((s = malloc(sizeof(*s))) == NULL || (a = archive_read_new()) ==
	    NULL) {
		free(s);
		close(x.rootfd);
		return xerr(&x, "out of memory");
	}
	s->fn = src;
	s->arg = arg;
	if (fmt == ARC_ZIP)
		archive_read_support_format_zip(a);
	else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
	}
	if (fmt == ARC_TGZ)
		archive_read_support_filter_gzip(a);
	else if (fmt == ARC_TAR) {
		archive_read_support_filter_gzip(a);
		archive_read_support_filter_none(a);
	} else
		archive_read_support_filter_none(a);
	if (fmt == ARC_ZIP) {
		/* Modes live in the central directory at the end: spool the
		 * stream to a file and read it seekable (as the JVM does). */
		if ((zfd = spool_zip(s, &x)) == -1)
			goto out;
		rr = archive_read_open_fd(a, zfd, ARC_BUF);
	} else
		rr = archive_read_open(a, s, NULL, x_read, NULL);
	if (rr != ARCHIVE_OK) {
		xerr(&x, "%s", archive_error_string(a) != NULL ?
		    archive_error_string(a) : "not an archive");
		goto out;
	}
	for (;;) {
		rr = archive_read_next_header(a, &e);
		if (rr == ARCHIVE_EOF)
			break;
		if (rr != ARCHIVE_OK && rr != ARCHIVE_WARN) {
			xerr(&x, "%s", archive_error_string(a) != NULL ?
			    archive_error_string(a) : "corrupt archive");
			goto out;
		}
		if (extract_entry(&x, a, e) == -1)
			goto out;
		cnt++;
	}
	r = 0;
out:
	archive_read_free(a);
	if (zfd != -1)
		close(zfd);
	free(s);
	close(x.rootfd);
	if (count != NULL)
		*count = cnt;
	return r;
}
