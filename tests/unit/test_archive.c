/*
 * test_archive.c: tar / tar.gz / zip round trips (modes, symlinks, long
 * names) and hostile archives that must not write outside the target.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/archive.h"
#include "agent/fsutil.h"
#include "tests/unit/tap.h"

struct mem {
	unsigned char	*p;
	size_t		 len, cap, off;
};

static int
mem_sink(void *arg, const void *p, size_t n)
{
	struct mem	*m = arg;
	unsigned char	*np;

	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		if ((np = realloc(m->p, m->cap)) == NULL)
			return -1;
		m->p = np;
	}
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return 0;
}

/* Hand out small pieces, as a pipe would. */
static ssize_t
mem_source(void *arg, void *p, size_t n)
{
	struct mem	*m = arg;

	if (n > 777)
		n = 777;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(p, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static void
put(const char *path, const char *text, mode_t mode)
{
	int	 fd;

	fsutil_mkdirs_parent(path, 0755);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)) != -1) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		fchmod(fd, mode);
		close(fd);
	}
}

static bool
has(const char *path, const char *text)
{
	char	*d;
	size_t	 n;
	bool	 r;

	if (fsutil_read_file(path, 1 << 20, &d, &n) == -1)
		return false;
	r = n == strlen(text) && memcmp(d, text, n) == 0;
	free(d);
	return r;
}

static bool
exists(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

/* A hostile archive built with libarchive directly. */
enum hkind { H_FILE, H_LINK, H_DIR };

static void
hostile_add(struct archive *a, enum hkind k, const char *name,
    const char *data)
{
	struct archive_entry	*e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_mtime(e, 1000000000, 0);
	if (k == H_LINK) {
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, data);
	} else if (k == H_DIR) {
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
	} else {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(data));
	}
	archive_write_header(a, e);
	if (k == H_FILE)
		archive_write_data(a, data, strlen(data));
	archive_entry_free(e);
}

static la_ssize_t
hostile_write(struct archive *a, void *arg, const void *p, size_t n)
{
	return mem_sink(arg, p, n) == 0 ? (la_ssize_t)n : -1;
}

static int
extract_mem(struct mem *m, enum arc_format fmt, const char *target,
    long *count, char *err, size_t errlen)
{
	m->off = 0;
	return arc_extract(fmt, mem_source, m, target, count, err, errlen);
}

int
main(void)
{
	char		 top[] = "/tmp/test_archive.XXXXXX";
	char		 src[1024], dst[1024], p[PATH_MAX], q[PATH_MAX];
	char		 longname[300], err[1024], link[PATH_MAX];
	static const enum arc_format fmts[] = { ARC_TAR, ARC_TGZ, ARC_ZIP };
	static const char *const fnames[] = { "tar", "tar.gz", "zip" };
	struct arc_writer *w;
	struct mem	 m;
	struct stat	 st;
	struct archive	*a;
	long		 count;
	ssize_t		 ll;
	size_t		 i;
	int		 r;

	if (mkdtemp(top) == NULL)
		return 1;
	snprintf(src, sizeof(src), "%s/src", top);
	memset(longname, 'n', 150);
	memcpy(longname + 150, "/", 1);
	memset(longname + 151, 'f', 60);
	longname[211] = '\0';
	snprintf(p, sizeof(p), "%s/exec.sh", src);
	put(p, "#!/bin/sh\necho hi\n", 0751);
	snprintf(p, sizeof(p), "%s/sub/data.txt", src);
	put(p, "data\n", 0600);
	snprintf(p, sizeof(p), "%s/%s", src, longname);
	put(p, "long\n", 0644);
	snprintf(p, sizeof(p), "%s/link", src);
	if (symlink("sub/data.txt", p) == -1)
		perror(p);

	for (i = 0; i < 3; i++) {
		memset(&m, 0, sizeof(m));
		w = arc_writer_new(fmts[i], mem_sink, &m);
		snprintf(p, sizeof(p), "%s/exec.sh", src);
		r = arc_writer_add(w, "exec.sh", p, fmts[i] != ARC_ZIP);
		snprintf(p, sizeof(p), "%s/sub", src);
		r |= arc_writer_add(w, "sub", p, true);
		snprintf(p, sizeof(p), "%s/sub/data.txt", src);
		r |= arc_writer_add(w, "sub/data.txt", p, true);
		snprintf(p, sizeof(p), "%s/%s", src, longname);
		r |= arc_writer_add(w, longname, p, true);
		snprintf(p, sizeof(p), "%s/link", src);
		r |= arc_writer_add(w, "link", p, fmts[i] != ARC_ZIP);
		r |= arc_writer_finish(w);
		ok(r == 0 && arc_writer_count(w) == 5,
		    "%s: 5 entries written (%s)", fnames[i],
		    arc_writer_error(w));
		arc_writer_free(w);
		if (fmts[i] == ARC_TGZ)
			ok(m.len > 2 && m.p[0] == 0x1f && m.p[1] == 0x8b,
			    "tar.gz: gzip magic");
		if (fmts[i] == ARC_TAR)
			ok(m.len > 512 && memmem(m.p, m.len, "././@LongLink",
			    13) != NULL, "tar: GNU long name entry");

		snprintf(dst, sizeof(dst), "%s/out-%zu", top, i);
		r = extract_mem(&m, fmts[i], dst, &count, err, sizeof(err));
		ok(r == 0 && count == 5, "%s: extracted 5 entries (%s)",
		    fnames[i], err);
		snprintf(p, sizeof(p), "%s/exec.sh", dst);
		ok(has(p, "#!/bin/sh\necho hi\n") && stat(p, &st) == 0 &&
		    (st.st_mode & 0777) == 0751, "%s: content and mode 0751",
		    fnames[i]);
		snprintf(p, sizeof(p), "%s/sub/data.txt", dst);
		ok(has(p, "data\n") && stat(p, &st) == 0 &&
		    (st.st_mode & 0777) == 0600, "%s: nested file, mode 0600",
		    fnames[i]);
		snprintf(p, sizeof(p), "%s/%s", dst, longname);
		ok(has(p, "long\n"), "%s: name of %zu bytes kept", fnames[i],
		    strlen(longname));
		snprintf(p, sizeof(p), "%s/link", dst);
		if (fmts[i] != ARC_ZIP) {
			ll = readlink(p, link, sizeof(link) - 1);
			ok(ll == 12 && memcmp(link, "sub/data.txt", 12) == 0,
			    "%s: symlink kept", fnames[i]);
		} else
			ok(has(p, "data\n"), "zip: symlink followed");
		free(m.p);
	}

	/* hostile archives */
	for (i = 0; i < 5; i++) {
		static const char *const what[] = {
			"absolute path", "../ escape", "symlink then write "
			"through it", "symlink dir then nested write",
			"plain tar with a/../../ escape",
		};
		memset(&m, 0, sizeof(m));
		a = archive_write_new();
		archive_write_set_format_pax_restricted(a);
		archive_write_open2(a, &m, NULL, hostile_write, NULL, NULL);
		hostile_add(a, H_FILE, "ok.txt", "fine");
		switch (i) {
		case 0:
			snprintf(p, sizeof(p), "%s/abs-victim", top);
			hostile_add(a, H_FILE, p, "pwned");
			break;
		case 1:
			hostile_add(a, H_FILE, "../escape-victim", "pwned");
			break;
		case 2:
			snprintf(p, sizeof(p), "%s/outside", top);
			mkdir(p, 0755);
			hostile_add(a, H_LINK, "evil", p);
			hostile_add(a, H_FILE, "evil/victim", "pwned");
			break;
		case 3:
			hostile_add(a, H_LINK, "up", "..");
			hostile_add(a, H_FILE, "up/up-victim", "pwned");
			break;
		case 4:
			hostile_add(a, H_FILE, "a/../../dotdot-victim",
			    "pwned");
			break;
		}
		archive_write_close(a);
		archive_write_free(a);
		snprintf(dst, sizeof(dst), "%s/hostile-%zu", top, i);
		r = extract_mem(&m, ARC_TAR, dst, &count, err, sizeof(err));
		ok(r == -1 && err[0] != '\0', "hostile (%s) refused: %s",
		    what[i], err);
		snprintf(p, sizeof(p), "%s/abs-victim", top);
		snprintf(q, sizeof(q), "%s/outside/victim", top);
		ok(!exists(p) && !exists(q) && !exists("/tmp/escape-victim") &&
		    (snprintf(p, sizeof(p), "%s/escape-victim", top), 1) &&
		    !exists(p) && (snprintf(p, sizeof(p), "%s/up-victim", top),
		    1) && !exists(p) && (snprintf(p, sizeof(p),
		    "%s/dotdot-victim", top), 1) && !exists(p),
		    "hostile (%s): nothing written outside", what[i]);
		free(m.p);
	}

	/* an inside symlink may be written through */
	memset(&m, 0, sizeof(m));
	a = archive_write_new();
	archive_write_set_format_gnutar(a);
	archive_write_open2(a, &m, NULL, hostile_write, NULL, NULL);
	hostile_add(a, H_DIR, "real", NULL);
	hostile_add(a, H_LINK, "alias", "real");
	hostile_add(a, H_FILE, "alias/f", "via alias");
	hostile_add(a, H_FILE, "a/./b/../c.txt", "normalised");
	archive_write_close(a);
	archive_write_free(a);
	snprintf(dst, sizeof(dst), "%s/inside", top);
	r = extract_mem(&m, ARC_TAR, dst, &count, err, sizeof(err));
	snprintf(p, sizeof(p), "%s/real/f", dst);
	snprintf(q, sizeof(q), "%s/a/c.txt", dst);
	ok(r == 0 && has(p, "via alias") && has(q, "normalised"),
	    "symlink inside the target and a/./b/../ names are fine (%s)",
	    err);
	free(m.p);

	/* garbage is an error, not a crash */
	memset(&m, 0, sizeof(m));
	mem_sink(&m, "this is not a tar file at all, not even close......",
	    52);
	snprintf(dst, sizeof(dst), "%s/garbage", top);
	ok(extract_mem(&m, ARC_TGZ, dst, &count, err, sizeof(err)) == -1,
	    "garbage refused: %s", err);
	free(m.p);

	if (getenv("KEEP") == NULL) fsutil_rmtree(top);
	return done_testing();
}
