/*
 * fsutil.c: file-system helpers (see fsutil.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/fsutil.h"

int
fsutil_write_all(int fd, const void *p, size_t n)
{
	const uint8_t	*b = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, b, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

void
fsutil_dirname(const char *path, char *buf, size_t size)
{
	const char	*s = strrchr(path, '/');
	size_t		 n;

	if (s == NULL) {
		snprintf(buf, size, ".");
		return;
	}
	n = (size_t)(s - path);
	if (n == 0)
		n = 1;			/* "/x" -> "/" */
	snprintf(buf, size, "%.*s", (int)n, path);
}

static uint64_t
rand64(void)
{
	uint64_t	 v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)random() << 32 ^ (uint64_t)random() ^
		    (uint64_t)getpid();
	return v;
}

int
fsutil_mktemp(const char *dir, const char *prefix, const char *suffix,
    bool directory, mode_t mode, char *out, size_t size)
{
	int	 i, fd, n;

	for (i = 0; i < 100; i++) {
		n = snprintf(out, size, "%s/%s%llu%s", dir, prefix,
		    (unsigned long long)(rand64() >> 1), suffix);
		if (n < 0 || (size_t)n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (directory) {
			if (mkdir(out, mode) == 0)
				return 0;
		} else if ((fd = open(out, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, mode)) != -1) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int
fsutil_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	char		 real[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 32];
	const char	*target = path;
	struct stat	 st;
	int		 fd = -1, dfd, saved, have_old = 0, i;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			/* Write through the link as Java would, but still
			 * atomically: replace the file it points to. */
			if (realpath(path, real) != NULL)
				target = real;
			else if (errno != ENOENT)
				return -1;
		}
		if (stat(target, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				errno = EISDIR;
				return -1;
			}
			have_old = 1;
		}
	} else if (errno != ENOENT)
		return -1;
	fsutil_dirname(target, dir, sizeof(dir));
	/* open(O_EXCL) with mode applies the umask (umask() itself would
	 * race with other threads). */
	for (i = 0; ; i++) {
		if (snprintf(tmp, sizeof(tmp), "%s/.jnagent-%016llx", dir,
		    (unsigned long long)rand64()) >= (int)sizeof(tmp)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    mode)) != -1)
			break;
		if (errno != EEXIST || i == 100)
			return -1;
	}
	if ((have_old && fchmod(fd, st.st_mode & 07777) == -1) ||
	    fsutil_write_all(fd, p, n) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) == -1)
		goto fail;
	/* Make the rename itself durable. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	return 0;

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
fsutil_mkdirs(const char *path, mode_t mode)
{
	char		 buf[PATH_MAX];
	char		*s;
	struct stat	 st;
	size_t		 len = strlen(path);

	if (len == 0) {
		errno = ENOENT;
		return -1;
	}
	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	if (stat(buf, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
		return -1;
	}
	for (s = buf + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			if (mkdir(buf, mode) == -1 && errno != EEXIST)
				return -1;
			if (stat(buf, &st) == -1)
				return -1;
			if (!S_ISDIR(st.st_mode)) {
				errno = ENOTDIR;
				return -1;
			}
			*s = c;
		}
		if (*s == '\0')
			break;
	}
	return 0;
}

int
fsutil_mkdirs_parent(const char *path, mode_t mode)
{
	char	 dir[PATH_MAX];

	if (strchr(path, '/') == NULL)
		return 0;
	fsutil_dirname(path, dir, sizeof(dir));
	if (strcmp(dir, "/") == 0)
		return 0;
	return fsutil_mkdirs(dir, mode);
}

static int rm_children(int dfd);

/* Remove entry name of directory dfd, recursively, without following. */
static int
rm_at(int dfd, const char *name)
{
	struct stat	 st;
	int		 fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
			return 0;
		if (errno != EACCES && errno != EPERM)
			return -1;
		/* The directory may be read-only: make it writable. */
		fchmod(dfd, 0700);
		return unlinkat(dfd, name, 0) == 0 || errno == ENOENT ? 0 : -1;
	}
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		if (errno != EACCES)
			return -1;
		if (fchmodat(dfd, name, 0700, 0) == -1 ||
		    (fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			return -1;
	}
	if ((st.st_mode & 0700) != 0700)
		fchmod(fd, 0700);
	r = rm_children(fd);	/* closes fd */
	if (r == -1)
		return -1;
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (errno != EACCES && errno != EPERM)
		return -1;
	fchmod(dfd, 0700);
	return unlinkat(dfd, name, AT_REMOVEDIR) == 0 ? 0 : -1;
}

/* Remove all entries of the directory open as dfd; closes dfd. */
static int
rm_children(int dfd)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nn;
	size_t		 n = 0, cap = 0, i;
	int		 r = 0, saved = 0;

	if ((d = fdopendir(dfd)) == NULL) {
		saved = errno;
		close(dfd);
		errno = saved;
		return -1;
	}
	/* Collect the names first: removing while reading skips entries. */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nn = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				r = -1;
				saved = ENOMEM;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			r = -1;
			saved = ENOMEM;
			break;
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		if (r == 0 && rm_at(dirfd(d), names[i]) == -1) {
			r = -1;
			saved = errno;
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
	if (r == -1)
		errno = saved;
	return r;
}

int
fsutil_rmtree(const char *path)
{
	char	 dir[PATH_MAX];
	char	*base;
	int	 dfd, r, saved;
	size_t	 len = strlen(path);

	if (len == 0 || len >= sizeof(dir)) {
		errno = len == 0 ? ENOENT : ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len + 1);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if (strcmp(dir, "/") == 0) {
		errno = EPERM;
		return -1;
	}
	if ((base = strrchr(dir, '/')) == NULL) {
		base = dir;
		dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		*base++ = '\0';
		dfd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
	}
	if (dfd == -1)
		return errno == ENOENT ? 0 : -1;
	r = rm_at(dfd, base);
	saved = errno;
	close(dfd);
	errno = saved;
	return r;
}

int
fsutil_delete_contents(const char *path)
{
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return errno == ENOENT || errno == ENOTDIR ||
		    errno == ELOOP ? 0 : -1;
	return rm_children(fd);
}

int
fsutil_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char		*buf = NULL, *nb;
	size_t		 n = 0, cap = 0;
	ssize_t		 r;
	int		 fd, saved;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (cap - n < 65536 + 1) {
			cap = cap ? cap * 2 : 65536 + 1;
			if (cap > max + 65536 + 1)
				cap = max + 65536 + 1;
			if ((nb = realloc(buf, cap)) == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;

fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}
