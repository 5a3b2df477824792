/*
 * h_file.c: FilePath callables (jenkins-callables.md section 4).
 *
 * Each handler acts on h->file_path (set by the FilePath wrappers in
 * h_monitor.c) and answers with the Java type the JVM agent returns, or
 * fails with the exception it would raise (path in the message).  Streams
 * go through the channel: RemoteOutputStream / Pipe(marker true) targets
 * are written with channel_pipe_*(); RemoteInputStreams and Pipes
 * (marker false) are read with channel_instream_*(), which buffers at
 * most the pipe window.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "agent/archive.h"
#include "agent/channel.h"
#include "agent/fsutil.h"
#include "agent/glob.h"
#include "agent/h_file.h"
#include "agent/handlers.h"
#include "protocol/command.h"
#include "protocol/jval.h"

#define NF(a)		(sizeof(a) / sizeof((a)[0]))
#define IO_CHUNK	65536
#define READ_MAX	(256 * 1024 * 1024)	/* ReadToString ceiling */

#define EXC_IO		"java.io.IOException"
#define EXC_FNF		"java.io.FileNotFoundException"
#define EXC_NOSUCH	"java.nio.file.NoSuchFileException"
#define EXC_DENIED	"java.nio.file.AccessDeniedException"
#define EXC_EXISTS	"java.nio.file.FileAlreadyExistsException"
#define EXC_NOTEMPTY	"java.nio.file.DirectoryNotEmptyException"
#define EXC_FS		"java.nio.file.FileSystemException"
#define EXC_ARG		"java.lang.IllegalArgumentException"
#define EXC_STATE	"java.lang.IllegalStateException"

/* ---- results ---- */

static int
ret(struct hctx *h, struct jser_node *n)
{
	h->value = n;
	return n != NULL ? 0 : -1;
}

static int
ret_null(struct hctx *h)
{
	h->value = NULL;
	return 0;
}

/*
 * UTF-8 text with every invalid sequence replaced by U+FFFD (as Java's
 * decoder does); malloc'd, NUL-terminated, *olen its length.
 */
static char *
utf8_fix(const char *s, size_t n, size_t *olen)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*o, *q;
	size_t			 i = 0, k, len;
	uint32_t		 cp, min;

	if ((o = malloc(n * 3 + 1)) == NULL)
		return NULL;
	q = o;
	while (i < n) {
		if (p[i] < 0x80) {
			*q++ = (char)p[i++];
			continue;
		}
		if (p[i] >= 0xc2 && p[i] < 0xe0) {
			len = 2; cp = p[i] & 0x1f; min = 0x80;
		} else if (p[i] >= 0xe0 && p[i] < 0xf0) {
			len = 3; cp = p[i] & 0x0f; min = 0x800;
		} else if (p[i] >= 0xf0 && p[i] < 0xf5) {
			len = 4; cp = p[i] & 0x07; min = 0x10000;
		} else
			goto bad;
		if (i + len > n)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			goto bad;
		memcpy(q, p + i, len);
		q += len;
		i += len;
		continue;
bad:
		memcpy(q, "\xef\xbf\xbd", 3);
		q += 3;
		i++;
	}
	*q = '\0';
	*olen = (size_t)(q - o);
	return o;
}

/* A String from bytes that should be UTF-8 (file names, file text). */
static struct jser_node *
new_str(struct hctx *h, const char *s, size_t n)
{
	struct jval_ctx		 c = { .doc = h->out };
	struct jser_node	*r;
	char			*f;
	size_t			 fl;

	if ((f = utf8_fix(s, n, &fl)) == NULL)
		return NULL;
	r = jval_string(&c, f, fl);
	free(f);
	return r;
}

static struct jser_node *
new_cstr(struct hctx *h, const char *s)
{
	return new_str(h, s, strlen(s));
}

/* hudson.FilePath{remote} with the custom "local to the sender" true. */
static struct jser_node *
new_file_path(struct hctx *h, const char *remote)
{
	static const struct hfield f[] = {
		{ 'L', "remote", "Ljava/lang/String;" },
	};
	struct jser_node	*d, *o, *s;
	struct jser_classdata	*cd;
	uint8_t			 one = 1;

	if ((d = hctx_desc(h, "hudson.FilePath", 1, SC_WRITE_METHOD |
	    SC_SERIALIZABLE, NULL, f, NF(f))) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (s = new_cstr(h, remote)) == NULL ||
	    jser_set_ref(o, "remote", s) != PROTO_OK ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL ||
	    jser_content_add_block(h->out, &cd->custom, &one, 1) != PROTO_OK)
		return NULL;
	cd->has_custom = true;
	return o;
}

/* "dir/name" as java.io.File(dir, name) spells it. */
static char *
path_join(const char *dir, const char *name)
{
	char	*s;
	size_t	 dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	if (asprintf(&s, "%.*s%s%s", (int)dl, dir,
	    dl == 1 && dir[0] == '/' ? "" : "/", name) == -1)
		return NULL;
	return s;
}

/* ---- exceptions ---- */

/* The NIO exception a failed system call on path maps to. */
static int
fail_nio(struct hctx *h, int e, const char *path)
{
	switch (e) {
	case ENOENT:
		return hctx_fail(h, EXC_NOSUCH, "%s", path);
	case EACCES:
	case EPERM:
		return hctx_fail(h, EXC_DENIED, "%s", path);
	case EEXIST:
		return hctx_fail(h, EXC_EXISTS, "%s", path);
	case ENOTEMPTY:
		return hctx_fail(h, EXC_NOTEMPTY, "%s", path);
	case ENOMEM:
		return hctx_fail(h, EXC_IO, "out of memory");
	default:
		return hctx_fail(h, EXC_IO, "%s: %s", path, strerror(e));
	}
}

/* java.io.FileNotFoundException as FileInputStream/FileOutputStream
 * words it: "path (reason)". */
static int
fail_fnf(struct hctx *h, int e, const char *path)
{
	return hctx_fail(h, EXC_FNF, "%s (%s)", path, strerror(e));
}

/* ---- reading the request ---- */

static bool
field_bool(const struct jser_node *o, const char *name, bool dflt)
{
	bool	 v;

	return jser_field_bool(o, name, &v) == PROTO_OK ? v : dflt;
}

static struct jser_node *
field_ref(const struct jser_node *o, const char *name)
{
	struct jser_node	*n;

	return jser_field_ref(o, name, &n) == PROTO_OK ? n : NULL;
}

/* The constant name of an enum node (ASCII), or NULL. */
static const char *
enum_name(const struct jser_node *n)
{
	if (n == NULL || n->type != JSER_ENUM || n->u.en.name == NULL ||
	    n->u.en.name->type != JSER_STRING)
		return NULL;
	return n->u.en.name->u.str.s;
}

/* Does an OpenOption[] hold the enum constant name? */
static bool
opts_has(const struct jser_node *arr, const char *name)
{
	struct jser_node	**v;
	const char		*s;
	uint32_t		 i;

	if (arr == NULL || arr->type != JSER_ARRAY || arr->u.arr.elem == 0 ||
	    (arr->u.arr.elem != 'L' && arr->u.arr.elem != '['))
		return false;
	v = arr->u.arr.data;
	for (i = 0; i < arr->u.arr.length; i++)
		if ((s = enum_name(v[i])) != NULL && strcmp(s, name) == 0)
			return true;
	return false;
}

/* The agent-side path of a hudson.FilePath node (custom boolean false). */
static const char *
fp_remote(struct hctx *h, const struct jser_node *fp)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint8_t				 on_controller = 0;

	if (fp == NULL || !jser_instance_of(fp, "hudson.FilePath"))
		return NULL;
	if ((c = jser_custom(fp, "hudson.FilePath")) != NULL) {
		jser_cursor_init(&cur, c);
		if (jser_cursor_u8(&cur, &on_controller) != PROTO_OK)
			on_controller = 0;
	}
	return on_controller ? NULL : hctx_field_string(h, fp, "remote");
}

/* Pipe custom data: boolean marker, int oid. */
static int
pipe_info(const struct jser_node *pipe, bool *marker, int32_t *oid)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint8_t				 m;
	uint32_t			 o;

	if (pipe == NULL || (c = jser_custom(pipe, "hudson.remoting.Pipe")) ==
	    NULL)
		return -1;
	jser_cursor_init(&cur, c);
	if (jser_cursor_u8(&cur, &m) != PROTO_OK ||
	    jser_cursor_u32(&cur, &o) != PROTO_OK)
		return -1;
	*marker = m != 0;
	*oid = (int32_t)o;
	return 0;
}

/* RemoteOutputStream custom data: int oid. */
static int
ros_oid(const struct jser_node *ros, int32_t *oid)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint32_t			 o;

	if (ros == NULL || (c = jser_custom(ros,
	    "hudson.remoting.RemoteOutputStream")) == NULL)
		return -1;
	jser_cursor_init(&cur, c);
	if (jser_cursor_u32(&cur, &o) != PROTO_OK)
		return -1;
	*oid = (int32_t)o;
	return 0;
}

static int
need_channel(struct hctx *h)
{
	if (h->ch == NULL)
		return hctx_fail(h, EXC_IO, "%s needs a channel for its stream",
		    h->cls);
	return 0;
}

/* ---- 4.1 queries ---- */

static int
h_exists(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;

	return ret(h, cmd_new_boolean(h->out, stat(h->file_path, &st) == 0));
}

static int
h_is_directory(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;

	return ret(h, cmd_new_boolean(h->out, stat(h->file_path, &st) == 0 &&
	    S_ISDIR(st.st_mode)));
}

static int
h_last_modified(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;
	int64_t		 ms = 0;

	if (stat(h->file_path, &st) == 0)
		ms = (int64_t)st.st_mtim.tv_sec * 1000 +
		    st.st_mtim.tv_nsec / 1000000;
	return ret(h, cmd_new_long(h->out, ms));
}

static int
h_length(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;

	return ret(h, cmd_new_long(h->out, stat(h->file_path, &st) == 0 ?
	    (int64_t)st.st_size : 0));
}

static int
h_mode(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;

	/* IOUtils.mode() wraps the NIO failure in a PosixException. */
	if (stat(h->file_path, &st) == -1)
		return hctx_fail(h, "hudson.os.PosixException", "Unable to get "
		    "file permissions of %s: %s", h->file_path,
		    strerror(errno));
	return ret(h, cmd_new_integer(h->out, (int32_t)(st.st_mode & 0777)));
}

static int
disk_space(struct hctx *h, int which)
{
	struct statvfs	 sv;
	uint64_t	 v = 0;

	if (statvfs(h->file_path, &sv) == 0)
		v = (which == 0 ? sv.f_bfree : which == 1 ? sv.f_blocks :
		    sv.f_bavail) * (uint64_t)sv.f_frsize;
	if (v > INT64_MAX)
		v = INT64_MAX;
	return ret(h, cmd_new_long(h->out, (int64_t)v));
}

static int
h_free_space(struct hctx *h, const struct jser_node *c)
{
	return disk_space(h, 0);
}

static int
h_total_space(struct hctx *h, const struct jser_node *c)
{
	return disk_space(h, 1);
}

static int
h_usable_space(struct hctx *h, const struct jser_node *c)
{
	return disk_space(h, 2);
}

/*
 * MD5 of the file at path as lower-case hex into hex[33].  0; -1 when it
 * cannot be opened, -2 when reading fails, -3 when MD5 is unavailable;
 * errno tells why.
 */
static int
md5_file(const char *path, char *hex)
{
	EVP_MD_CTX	*md = NULL;
	uint8_t		 buf[IO_CHUNK], out[EVP_MAX_MD_SIZE];
	unsigned int	 olen = 0, i;
	ssize_t		 n;
	int		 fd, r = -3, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
		errno = ENOSYS;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = -2;
			goto out;
		}
		EVP_DigestUpdate(md, buf, (size_t)n);
	}
	if (EVP_DigestFinal_ex(md, out, &olen) != 1 || olen != 16) {
		errno = ENOSYS;
		goto out;
	}
	for (i = 0; i < olen; i++)
		snprintf(hex + i * 2, 3, "%02x", out[i]);
	hex[olen * 2] = '\0';
	r = 0;
out:
	e = errno;
	EVP_MD_CTX_free(md);
	close(fd);
	errno = e;
	return r;
}

static int
h_digest(struct hctx *h, const struct jser_node *c)
{
	char	 hex[33];

	switch (md5_file(h->file_path, hex)) {
	case 0:
		return ret(h, hctx_string(h, hex));
	case -1:
		return fail_nio(h, errno, h->file_path);
	case -2:
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
		    strerror(errno));
	default:
		return hctx_fail(h, EXC_IO, "MD5 is not available");
	}
}

/* The absolute form of h->file_path (not canonicalised); malloc'd. */
static char *
absolute(const char *p)
{
	char	 cwd[PATH_MAX];

	if (p[0] == '/')
		return strdup(p);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	return path_join(cwd, p);
}

static int
h_absolutize(struct hctx *h, const struct jser_node *c)
{
	char	*a;
	int	 r;

	if ((a = absolute(h->file_path)) == NULL)
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
		    strerror(errno));
	r = ret(h, new_cstr(h, a));
	free(a);
	return r;
}

/* java.net.URI{string} of File.toURI(). */
static int
h_to_uri(struct hctx *h, const struct jser_node *c)
{
	static const struct hfield f[] = {
		{ 'L', "string", "Ljava/lang/String;" },
	};
	static const char	 ok[] = "-_.!~*'()/:@&=+$,;";
	struct jser_node	*d, *o, *s;
	struct stat		 st;
	char			*a, *u;
	const unsigned char	*p;
	size_t			 n = 0;
	int			 r = -1;

	if ((a = absolute(h->file_path)) == NULL)
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
		    strerror(errno));
	if ((u = malloc(strlen(a) * 3 + 8)) == NULL) {
		free(a);
		return -1;
	}
	n = (size_t)sprintf(u, "file:");
	for (p = (const unsigned char *)a; *p != '\0'; p++) {
		if (*p >= 0x80 || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(ok, *p) != NULL)
			u[n++] = (char)*p;
		else
			n += (size_t)sprintf(u + n, "%%%02X", *p);
	}
	if (stat(a, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (n == 0 || u[n - 1] != '/'))
		u[n++] = '/';
	u[n] = '\0';
	if ((d = hctx_desc(h, "java.net.URI", -6052424284110960213LL,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL, f, NF(f))) != NULL &&
	    (o = hctx_object(h, d)) != NULL && (s = new_cstr(h, u)) != NULL &&
	    jser_set_ref(o, "string", s) == PROTO_OK)
		r = ret(h, o);
	free(a);
	free(u);
	return r;
}

static int
h_read_link(struct hctx *h, const struct jser_node *c)
{
	char	 buf[PATH_MAX];
	ssize_t	 n;

	if ((n = readlink(h->file_path, buf, sizeof(buf) - 1)) == -1)
		return ret_null(h);
	return ret(h, new_str(h, buf, (size_t)n));
}

/* ---- 4.2 listing and globbing ---- */

/* ListFilter: immediate children accepted by a known FileFilter. */
static int
h_list_filter(struct hctx *h, const struct jser_node *c)
{
	struct jval_ctx		 jc = { .doc = h->out };
	struct jser_node	*filter, *opts = NULL, **items = NULL, **ni;
	const char		*fcls = NULL;
	struct dirent		*de;
	struct stat		 st, lst;
	DIR			*d;
	char			*child;
	size_t			 n = 0, cap = 0, nl;
	bool			 dirs_only = false, links_only = false;
	bool			 no_links = false, no_tmp = false, keep;
	int			 r = -1;

	filter = field_ref(c, "filter");
	if (filter != NULL) {
		fcls = jser_class_name(filter);
		if (fcls == NULL)
			return hctx_unsupported(h, "FilePath$ListFilter filter");
		if (strcmp(fcls, "hudson.FilePath$DirectoryFilter") == 0)
			dirs_only = true;
		else if (strcmp(fcls,
		    "hudson.FilePath$SymlinkRetainingFileFilter") == 0)
			links_only = true;
		else if (strcmp(fcls,
		    "hudson.FilePath$OptionalDiscardingFileFilter") == 0) {
			opts = field_ref(filter, "openOptions");
			no_links = opts_has(opts, "NOFOLLOW_LINKS");
			no_tmp = opts_has(opts, "IGNORE_TMP_DIRS");
		} else
			return hctx_unsupported(h, fcls);
	}
	if ((d = opendir(h->file_path)) == NULL)
		return ret(h, jval_empty_list(&jc));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((child = path_join(h->file_path, de->d_name)) == NULL)
			goto out;
		if (lstat(child, &lst) == -1) {
			free(child);
			continue;
		}
		keep = true;
		if (S_ISLNK(lst.st_mode)) {
			if (stat(child, &st) == -1)
				memset(&st, 0, sizeof(st));
		} else
			st = lst;
		if (dirs_only && !S_ISDIR(st.st_mode))
			keep = false;
		if (links_only && !S_ISLNK(lst.st_mode))
			keep = false;
		if (no_links && S_ISLNK(lst.st_mode))
			keep = false;
		nl = strlen(de->d_name);
		if (no_tmp && S_ISDIR(st.st_mode) && nl >= 4 &&
		    strcmp(de->d_name + nl - 4, "@tmp") == 0)
			keep = false;
		if (keep) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if ((ni = realloc(items, cap *
				    sizeof(*items))) == NULL) {
					free(child);
					goto out;
				}
				items = ni;
			}
			if ((items[n] = new_file_path(h, child)) == NULL) {
				free(child);
				goto out;
			}
			n++;
		}
		free(child);
	}
	r = ret(h, jval_arraylist(&jc, items, (uint32_t)n));
out:
	closedir(d);
	free(items);
	return r;
}

struct names {
	char	**v;
	size_t	 n, cap;
	bool	 oom;
};

static int
names_add(void *arg, const char *rel, bool is_dir)
{
	struct names	*l = arg;
	char		**nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		if ((nv = realloc(l->v, l->cap * sizeof(*nv))) == NULL) {
			l->oom = true;
			return -1;
		}
		l->v = nv;
	}
	if ((l->v[l->n] = strdup(rel)) == NULL) {
		l->oom = true;
		return -1;
	}
	l->n++;
	return 0;
}

static void
names_free(struct names *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Ant scan of h->file_path into l; fails the call as Ant/Jenkins do. */
static int
glob_files(struct hctx *h, const char *inc, const char *exc, bool defexc,
    bool cs, int flags, struct names *l)
{
	struct glob	*g;
	int		 r;

	if ((g = glob_new(inc, exc, defexc, cs)) == NULL)
		return hctx_fail(h, EXC_IO, "out of memory");
	r = glob_scan(h->file_path, g, GLOB_FILES | flags, NULL, names_add, l);
	glob_free(g);
	if (r == -1) {
		if (l->oom)
			return hctx_fail(h, EXC_IO, "out of memory");
		if (errno == ENOENT || errno == ENOTDIR)
			return hctx_fail(h, EXC_IO, "%s does not exist.",
			    h->file_path);
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
		    strerror(errno));
	}
	return 0;
}

/* ListGlob -> hudson.FilePath[] of the matching files. */
static int
h_list_glob(struct hctx *h, const struct jser_node *c)
{
	struct names		 l = { NULL, 0, 0, false };
	struct jser_node	*d, *arr, *fp;
	const char		*inc, *exc;
	char			*p;
	size_t			 i;
	int			 r = -1;

	inc = hctx_field_string(h, c, "includes");
	exc = hctx_field_string(h, c, "excludes");
	if (inc == NULL)
		inc = "";
	if (inc[0] == '/')
		return hctx_fail(h, EXC_IO, "Expecting Ant GLOB pattern, but "
		    "saw '%s'. See https://ant.apache.org/manual/Types/"
		    "fileset.html for syntax", inc);
	if (glob_files(h, inc, exc, field_bool(c, "defaultExcludes", true),
	    true, 0, &l) == -1)
		return -1;
	if ((d = hctx_desc(h, "[Lhudson.FilePath;", -1988419466279868382LL,
	    SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (arr = jser_new_array(h->out, d, (uint32_t)l.n, NULL)) == NULL)
		goto out;
	for (i = 0; i < l.n; i++) {
		if ((p = path_join(h->file_path, l.v[i])) == NULL)
			goto out;
		fp = new_file_path(h, p);
		free(p);
		if (fp == NULL || jser_array_set(arr, (uint32_t)i, fp) !=
		    PROTO_OK)
			goto out;
	}
	r = ret(h, arr);
out:
	names_free(&l);
	return r;
}

/* ---- workspace browsing (DirectoryBrowserSupport, VirtualFile) ---- */

/* One child of a browsed directory, as VirtualFile reports it. */
struct bentry {
	char	*name;
	bool	 dir;		/* isDirectory() (follows links) */
	bool	 link;
	bool	 readable;	/* canRead() */
	int64_t	 size;		/* length() */
	int64_t	 mtime;		/* lastModified(), ms */
};

static void
bentries_free(struct bentry *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* FileComparator: directories first, then Collator order (letters
 * compared without case first, lower case before upper on ties). */
static int
bentry_cmp(const void *a, const void *b)
{
	const struct bentry	*x = a, *y = b;
	int			 r;

	if (x->dir != y->dir)
		return x->dir ? -1 : 1;
	if ((r = strcasecmp(x->name, y->name)) != 0)
		return r;
	return -strcmp(x->name, y->name);
}

/*
 * The children of dir as FilePath.list(root, options) gives them with
 * the agent's default browsing options (NOFOLLOW_LINKS, IGNORE_TMP_DIRS:
 * symlinks and *@tmp directories are left out) when filtered, sorted
 * with FileComparator.  0, or -1 with errno (ENOMEM); a directory that
 * cannot be read has no children.
 */
static int
browse_children(const char *dir, bool filtered, struct bentry **out,
    size_t *outn)
{
	struct bentry	*v = NULL, *nv;
	struct dirent	*de;
	struct stat	 st, lst;
	DIR		*d;
	char		*p;
	size_t		 n = 0, cap = 0, nl;

	*out = NULL;
	*outn = 0;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((p = path_join(dir, de->d_name)) == NULL)
			goto nomem;
		if (lstat(p, &lst) == -1) {
			free(p);
			continue;
		}
		if (!S_ISLNK(lst.st_mode))
			st = lst;
		else if (stat(p, &st) == -1)
			memset(&st, 0, sizeof(st));
		nl = strlen(de->d_name);
		if (filtered && (S_ISLNK(lst.st_mode) || (S_ISDIR(st.st_mode) &&
		    nl > 4 && strcmp(de->d_name + nl - 4, "@tmp") == 0))) {
			free(p);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(p);
				goto nomem;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if ((v[n].name = strdup(de->d_name)) == NULL) {
			free(p);
			goto nomem;
		}
		v[n].dir = S_ISDIR(st.st_mode);
		v[n].link = S_ISLNK(lst.st_mode);
		v[n].readable = access(p, R_OK) == 0;
		v[n].size = (int64_t)st.st_size;
		v[n].mtime = (int64_t)st.st_mtim.tv_sec * 1000 +
		    st.st_mtim.tv_nsec / 1000000;
		n++;
		free(p);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), bentry_cmp);
	*out = v;
	*outn = n;
	return 0;
nomem:
	closedir(d);
	bentries_free(v, n);
	errno = ENOMEM;
	return -1;
}

/* Util.rawEncode() of one path component (UTF-8 in, malloc'd). */
static char *
raw_encode(const char *s)
{
	static const char	 safe[] = "!$&'()*+,-.=@_";
	const unsigned char	*p;
	char			*o, *r;

	if ((r = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (o = r, p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(safe, *p) != NULL)
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = '\0';
	return r;
}

/* The agent path of a jenkins.util.VirtualFile$FilePathVF{f, root}
 * (*root may be NULL); NULL after hctx_fail(). */
static const char *
vf_path(struct hctx *h, const struct jser_node *vf, const char **root)
{
	const char	*cls = vf != NULL ? jser_class_name(vf) : NULL;
	const char	*p;

	if (root != NULL)
		*root = NULL;
	if (vf == NULL) {
		hctx_fail(h, "java.lang.NullPointerException", "no VirtualFile");
		return NULL;
	}
	if (cls == NULL || strcmp(cls, "jenkins.util.VirtualFile$FilePathVF")
	    != 0) {
		hctx_unsupported(h, cls != NULL ? cls : "this VirtualFile");
		return NULL;
	}
	if ((p = fp_remote(h, field_ref(vf, "f"))) == NULL) {
		hctx_fail(h, EXC_IO, "the VirtualFile is not an agent path");
		return NULL;
	}
	if (root != NULL)
		*root = fp_remote(h, field_ref(vf, "root"));
	return p;
}

/* DirectoryBrowserSupport$Path record {isFolder, isReadable,
 * lastModified, size, href, title}. */
static struct jser_node *
new_browse_path(struct hctx *h, const char *href, const struct bentry *e)
{
	static const struct hfield f[] = {
		{ 'Z', "isFolder", NULL },
		{ 'Z', "isReadable", NULL },
		{ 'J', "lastModified", NULL },
		{ 'J', "size", NULL },
		{ 'L', "href", "Ljava/lang/String;" },
		{ 'L', "title", "Ljava/lang/String;" },
	};
	struct jser_node	*d, *o, *sh, *st;

	if ((d = hctx_desc(h, "hudson.model.DirectoryBrowserSupport$Path", 0,
	    SC_SERIALIZABLE, NULL, f, NF(f))) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (sh = new_cstr(h, href)) == NULL ||
	    (st = new_cstr(h, e->name)) == NULL ||
	    jser_set_prim(o, "isFolder", e->dir) != PROTO_OK ||
	    jser_set_prim(o, "isReadable", e->readable) != PROTO_OK ||
	    jser_set_prim(o, "lastModified", (uint64_t)e->mtime) != PROTO_OK ||
	    jser_set_prim(o, "size", (uint64_t)e->size) != PROTO_OK ||
	    jser_set_ref(o, "href", sh) != PROTO_OK ||
	    jser_set_ref(o, "title", st) != PROTO_OK)
		return NULL;
	return o;
}

/*
 * The List<Path> of one child: the child, then, for a directory, the
 * chain of directories that are the only meaningful entry of their
 * parent (names starting with "." and CVS are not meaningful), so that
 * empty intermediate directories are skipped in the listing.
 */
static struct jser_node *
browse_item(struct hctx *h, const char *dir, const struct bentry *e)
{
	struct jval_ctx		 jc = { .doc = h->out };
	struct jser_node	**items = NULL, **ni, *list = NULL;
	struct bentry		*sub = NULL, cur, *only;
	char			*path = NULL, *rel = NULL, *enc, *np;
	size_t			 n = 0, cap = 0, ns = 0, i, meaningful;

	if ((rel = raw_encode(e->name)) == NULL ||
	    (path = path_join(dir, e->name)) == NULL)
		goto out;
	cur = *e;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((ni = realloc(items, cap * sizeof(*items))) ==
			    NULL)
				goto out;
			items = ni;
		}
		if ((items[n++] = new_browse_path(h, rel, &cur)) == NULL)
			goto out;
		if (!cur.dir || n > 256)
			break;
		bentries_free(sub, ns);
		sub = NULL;
		if (browse_children(path, true, &sub, &ns) == -1)
			goto out;
		only = NULL;
		for (meaningful = 0, i = 0; i < ns; i++)
			if (sub[i].name[0] != '.' &&
			    strcmp(sub[i].name, "CVS") != 0) {
				meaningful++;
				only = &sub[i];
			}
		if (meaningful != 1 || !only->dir)
			break;
		if ((enc = raw_encode(only->name)) == NULL)
			goto out;
		np = NULL;
		if (asprintf(&np, "%s/%s", rel, enc) == -1)
			np = NULL;
		free(enc);
		if (np == NULL)
			goto out;
		free(rel);
		rel = np;
		if ((np = path_join(path, only->name)) == NULL)
			goto out;
		free(path);
		path = np;
		cur = *only;
	}
	list = jval_arraylist(&jc, items, (uint32_t)n);
out:
	bentries_free(sub, ns);
	free(items);
	free(rel);
	free(path);
	return list;
}

/*
 * DirectoryBrowserSupport$BuildChildPaths{cur, locale, openOptions}
 * (a record, bare): the children of cur for the workspace page, as a
 * BuildChildPathsResult{containsSymLink, containsTmpDir, glob}.
 */
static int
h_build_child_paths(struct hctx *h, const struct jser_node *c)
{
	static const struct hfield f[] = {
		{ 'Z', "containsSymLink", NULL },
		{ 'Z', "containsTmpDir", NULL },
		{ 'L', "glob", "Ljava/util/List;" },
	};
	struct jval_ctx		 jc = { .doc = h->out };
	struct jser_node	*opts, **items = NULL, *d, *o, *gl;
	struct bentry		*v = NULL, *all = NULL;
	const char		*dir;
	size_t			 n = 0, na = 0, i;
	bool			 links = false, tmps = false;
	int			 r = -1;

	if ((dir = vf_path(h, field_ref(c, "cur"), NULL)) == NULL)
		return -1;
	opts = field_ref(c, "openOptions");
	if (browse_children(dir, true, &v, &n) == -1 ||
	    browse_children(dir, false, &all, &na) == -1) {
		r = hctx_fail(h, EXC_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < na; i++) {
		if (all[i].link && opts_has(opts, "NOFOLLOW_LINKS"))
			links = true;
		if (all[i].dir && strlen(all[i].name) > 4 &&
		    strcmp(all[i].name + strlen(all[i].name) - 4, "@tmp") ==
		    0 && opts_has(opts, "IGNORE_TMP_DIRS"))
			tmps = true;
	}
	if ((items = calloc(n ? n : 1, sizeof(*items))) == NULL) {
		r = hctx_fail(h, EXC_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((items[i] = browse_item(h, dir, &v[i])) == NULL)
			goto out;
	if ((gl = jval_arraylist(&jc, items, (uint32_t)n)) == NULL ||
	    (d = hctx_desc(h, "hudson.model.DirectoryBrowserSupport$"
	    "BuildChildPathsResult", 0, SC_SERIALIZABLE, NULL, f, NF(f))) ==
	    NULL || (o = hctx_object(h, d)) == NULL ||
	    jser_set_prim(o, "containsSymLink", links) != PROTO_OK ||
	    jser_set_prim(o, "containsTmpDir", tmps) != PROTO_OK ||
	    jser_set_ref(o, "glob", gl) != PROTO_OK)
		goto out;
	r = ret(h, o);
out:
	free(items);
	bentries_free(v, n);
	bentries_free(all, na);
	return r;
}

/* DirectoryBrowserSupport$IsAbsolute{fragment} (record, bare): whether
 * new File(fragment).isAbsolute(). */
static int
h_is_absolute(struct hctx *h, const struct jser_node *c)
{
	const char	*s = hctx_field_string(h, c, "fragment");

	if (s == NULL)
		return hctx_fail(h, "java.lang.NullPointerException",
		    "IsAbsolute without a fragment");
	return ret(h, cmd_new_boolean(h->out, s[0] == '/'));
}

/* Every file under dir (depth first, directories followed), as
 * prefix + relative name.  0 or -1 (ENOMEM). */
static int
collect_files(const char *dir, const char *prefix, struct names *l,
    int depth)
{
	struct bentry	*v;
	size_t		 n, i;
	char		*p, *pre;
	int		 r = 0;

	if (depth > 64)
		return 0;
	if (browse_children(dir, false, &v, &n) == -1)
		return -1;
	for (i = 0; r == 0 && i < n; i++) {
		pre = NULL;
		if (asprintf(&pre, "%s%s%s", prefix, v[i].name, v[i].dir ?
		    "/" : "") == -1) {
			r = -1;
			break;
		}
		if (!v[i].dir) {
			/* isFile(): a regular file (through links) */
			if ((p = path_join(dir, v[i].name)) != NULL) {
				struct stat	 st;

				if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
					r = names_add(l, pre, false);
				free(p);
			} else
				r = -1;
		} else if ((p = path_join(dir, v[i].name)) == NULL)
			r = -1;
		else {
			r = collect_files(p, pre, l, depth + 1);
			free(p);
		}
		free(pre);
	}
	bentries_free(v, n);
	return r == 0 && !l->oom ? 0 : -1;
}

/* VirtualFile$CollectFiles{root} (bare): every file under root,
 * relative, in an ArrayList<String>. */
static int
h_collect_files(struct hctx *h, const struct jser_node *c)
{
	struct jval_ctx		 jc = { .doc = h->out };
	struct names		 l = { NULL, 0, 0, false };
	struct jser_node	**items = NULL;
	const char		*dir;
	size_t			 i;
	int			 r = -1;

	if ((dir = vf_path(h, field_ref(c, "root"), NULL)) == NULL)
		return -1;
	if (collect_files(dir, "", &l, 0) == -1) {
		r = hctx_fail(h, EXC_IO, "out of memory");
		goto out;
	}
	if ((items = calloc(l.n ? l.n : 1, sizeof(*items))) == NULL)
		goto out;
	for (i = 0; i < l.n; i++)
		if ((items[i] = new_cstr(h, l.v[i])) == NULL)
			goto out;
	r = ret(h, jval_arraylist(&jc, items, (uint32_t)l.n));
out:
	free(items);
	names_free(&l);
	return r;
}

/*
 * VirtualFile$Scanner{includes, excludes, useDefaultExcludes,
 * verificationRoot, openOptions} on a directory: the relative paths of
 * the files the Ant glob matches (none for empty includes), leaving out
 * symlinks / @tmp directories when the options ask.
 */
static int
h_vf_scanner(struct hctx *h, const struct jser_node *c)
{
	struct jval_ctx		 jc = { .doc = h->out };
	struct names		 l = { NULL, 0, 0, false };
	struct jser_node	**items = NULL, *opts;
	const char		*inc, *exc;
	size_t			 i;
	int			 flags = 0, r = -1;

	inc = hctx_field_string(h, c, "includes");
	exc = hctx_field_string(h, c, "excludes");
	if (inc == NULL || inc[0] == '\0')
		return ret(h, jval_empty_list(&jc));
	opts = field_ref(c, "openOptions");
	if (opts_has(opts, "NOFOLLOW_LINKS"))
		flags |= GLOB_NOFOLLOW;
	if (opts_has(opts, "IGNORE_TMP_DIRS"))
		flags |= GLOB_NOTMP;
	if (glob_files(h, inc, exc, field_bool(c, "useDefaultExcludes", true),
	    true, flags, &l) == -1)
		return -1;
	if ((items = calloc(l.n ? l.n : 1, sizeof(*items))) == NULL)
		goto out;
	for (i = 0; i < l.n; i++)
		if ((items[i] = new_cstr(h, l.v[i])) == NULL)
			goto out;
	r = ret(h, jval_arraylist(&jc, items, (uint32_t)l.n));
out:
	free(items);
	names_free(&l);
	return r;
}

/* VirtualFile$Readable: File.canRead(). */
static int
h_vf_readable(struct hctx *h, const struct jser_node *c)
{
	(void)c;
	return ret(h, cmd_new_boolean(h->out, access(h->file_path, R_OK) ==
	    0));
}

/* String.hashCode() of UTF-8 text (over its UTF-16 code units). */
static int32_t
java_hash(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 h = 0, cp;
	size_t			 len;

	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p;
			len = 1;
		} else if (*p < 0xe0 && p[1] != '\0') {
			cp = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			len = 2;
		} else if (*p < 0xf0 && p[1] != '\0' && p[2] != '\0') {
			cp = (uint32_t)(*p & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			len = 3;
		} else if (p[1] != '\0' && p[2] != '\0' && p[3] != '\0') {
			cp = (uint32_t)(*p & 0x07) << 18 |
			    (uint32_t)(p[1] & 0x3f) << 12 |
			    (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
			len = 4;
		} else {
			cp = 0xfffd;
			len = 1;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			h = h * 31 + (0xd800 + (cp >> 10));
			h = h * 31 + (0xdc00 + (cp & 0x3ff));
		} else
			h = h * 31 + cp;
		p += len;
	}
	return (int32_t)h;
}

struct hs_item {
	uint32_t	 bucket;
	size_t		 order;
	const char	*s;
};

static int
hs_cmp(const void *a, const void *b)
{
	const struct hs_item	*x = a, *y = b;

	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * java.util.HashSet<String> filled by add() in the given order: capacity,
 * load factor 0.75, size, then the elements in HashMap iteration order.
 */
static struct jser_node *
new_hashset(struct hctx *h, char *const *v, size_t n)
{
	struct jser_node	*d, *o, *s;
	struct jser_classdata	*cd;
	struct hs_item		*it;
	uint32_t		 cap = 16, hash, be[3];
	size_t			 i;

	while ((double)n > cap * 0.75 && cap < (1u << 30))
		cap *= 2;
	if ((d = hctx_desc(h, "java.util.HashSet", -5024744406713321676LL,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL)
		return NULL;
	be[0] = htobe32(cap);
	be[1] = htobe32((uint32_t)jser_float_bits(0.75f));
	be[2] = htobe32((uint32_t)n);
	if (jser_content_add_block(h->out, &cd->custom, be, sizeof(be)) !=
	    PROTO_OK)
		return NULL;
	cd->has_custom = true;
	if (n == 0)
		return o;
	if ((it = calloc(n, sizeof(*it))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		hash = (uint32_t)java_hash(v[i]);
		hash ^= hash >> 16;
		it[i].bucket = hash & (cap - 1);
		it[i].order = i;
		it[i].s = v[i];
	}
	qsort(it, n, sizeof(*it), hs_cmp);
	for (i = 0; i < n; i++)
		if ((s = new_cstr(h, it[i].s)) == NULL ||
		    jser_content_add(h->out, &cd->custom, s) != PROTO_OK) {
			free(it);
			return NULL;
		}
	free(it);
	return o;
}

/* ArtifactArchiver$ListFiles -> HashSet<String> of relative paths. */
static int
h_artifact_list_files(struct hctx *h, const struct jser_node *c)
{
	struct names	 l = { NULL, 0, 0, false };
	const char	*inc, *exc;
	int		 r;

	inc = hctx_field_string(h, c, "includes");
	exc = hctx_field_string(h, c, "excludes");
	if (glob_files(h, inc != NULL ? inc : "", exc,
	    field_bool(c, "defaultExcludes", true),
	    field_bool(c, "caseSensitive", true),
	    field_bool(c, "followSymlinks", true) ? 0 : GLOB_NOFOLLOW,
	    &l) == -1)
		return -1;
	r = ret(h, new_hashset(h, l.v, l.n));
	names_free(&l);
	return r;
}

/* A hudson.tasks.Fingerprinter$Record. */
static struct jser_node *
new_fp_record(struct hctx *h, bool produced, const char *rel,
    const char *name, const char *md5)
{
	static const struct hfield f[] = {
		{ 'Z', "produced", NULL },
		{ 'L', "fileName", "Ljava/lang/String;" },
		{ 'L', "md5sum", "Ljava/lang/String;" },
		{ 'L', "relativePath", "Ljava/lang/String;" },
	};
	struct jser_node	*d, *o, *sn, *sm, *sr;

	if ((d = hctx_desc(h, "hudson.tasks.Fingerprinter$Record", 1,
	    SC_SERIALIZABLE, NULL, f, NF(f))) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (sn = new_cstr(h, name)) == NULL ||
	    (sm = hctx_string(h, md5)) == NULL ||
	    (sr = new_cstr(h, rel)) == NULL ||
	    jser_set_prim(o, "produced", produced) != PROTO_OK ||
	    jser_set_ref(o, "fileName", sn) != PROTO_OK ||
	    jser_set_ref(o, "md5sum", sm) != PROTO_OK ||
	    jser_set_ref(o, "relativePath", sr) != PROTO_OK)
		return NULL;
	return o;
}

/*
 * Fingerprinter$FindRecords{targets, excludes, defaultExcludes,
 * caseSensitive, buildTimestamp} -> ArrayList<Fingerprinter$Record>:
 * for each file of the Ant scan, its MD5 and whether it was produced by
 * this build (buildTimestamp <= mtime + 2 s, the VFAT margin).
 */
static int
h_find_records(struct hctx *h, const struct jser_node *c)
{
	struct jval_ctx		 jc = { .doc = h->out };
	struct names		 l = { NULL, 0, 0, false };
	struct jser_node	**items = NULL;
	struct stat		 st;
	const char		*inc, *exc, *name;
	char			*p, hex[33];
	int64_t			 ts, mtime;
	size_t			 i;
	int			 r = -1, mr;

	inc = hctx_field_string(h, c, "targets");
	exc = hctx_field_string(h, c, "excludes");
	if (jser_field_long(c, "buildTimestamp", &ts) != PROTO_OK)
		ts = 0;
	if (glob_files(h, inc != NULL ? inc : "", exc,
	    field_bool(c, "defaultExcludes", true),
	    field_bool(c, "caseSensitive", true), 0, &l) == -1)
		return -1;
	if (l.n > 0 && (items = calloc(l.n, sizeof(*items))) == NULL) {
		hctx_fail(h, EXC_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if ((p = path_join(h->file_path, l.v[i])) == NULL) {
			hctx_fail(h, EXC_IO, "out of memory");
			goto out;
		}
		mtime = 0;
		if (stat(p, &st) == 0)
			mtime = (int64_t)st.st_mtim.tv_sec * 1000 +
			    st.st_mtim.tv_nsec / 1000000;
		if ((mr = md5_file(p, hex)) != 0) {
			hctx_fail(h, EXC_IO, "Failed to compute digest for "
			    "%s: %s", p, mr == -3 ? "MD5 is not available" :
			    strerror(errno));
			free(p);
			goto out;
		}
		free(p);
		name = strrchr(l.v[i], '/');
		name = name != NULL ? name + 1 : l.v[i];
		if ((items[i] = new_fp_record(h, ts <= mtime + 2000, l.v[i],
		    name, hex)) == NULL) {
			hctx_fail(h, EXC_IO, "out of memory");
			goto out;
		}
	}
	r = ret(h, jval_arraylist(&jc, items, (uint32_t)l.n));
out:
	free(items);
	names_free(&l);
	return r;
}

/* ValidateAntFileMask -> null or a hint String. */
static int
h_validate_mask(struct hctx *h, const struct jser_node *c)
{
	const char	*masks;
	char		*hint;
	int32_t		 bound;
	bool		 overrun;
	int		 err, r;

	if ((masks = hctx_field_string(h, c, "fileMasks")) == NULL)
		return hctx_fail(h, EXC_ARG, "ValidateAntFileMask without "
		    "fileMasks");
	if (jser_field_int(c, "bound", &bound) != PROTO_OK || bound <= 0)
		bound = INT_MAX;
	hint = glob_validate_mask(h->file_path, masks, bound,
	    field_bool(c, "caseSensitive", true), &overrun, &err);
	if (hint == NULL && overrun)
		return hctx_fail(h, "hudson.FilePath$FileMaskNoMatchesFound"
		    "Exception", "no matches found within %d", (int)bound);
	if (hint == NULL && err != 0) {
		if (err == ENOENT || err == ENOTDIR)
			return hctx_fail(h, EXC_STATE, "basedir %s does not "
			    "exist.", h->file_path);
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
		    strerror(err));
	}
	if (hint == NULL)
		return ret_null(h);
	r = ret(h, new_cstr(h, hint));
	free(hint);
	return r;
}

/* ---- 4.3 mutations ---- */

static int
h_mkdirs(struct hctx *h, const struct jser_node *c)
{
	if (fsutil_mkdirs(h->file_path, 0777) == -1) {
		if (errno == ENOTDIR || errno == EEXIST)
			return hctx_fail(h, EXC_EXISTS, "%s", h->file_path);
		return fail_nio(h, errno, h->file_path);
	}
	return ret(h, cmd_new_boolean(h->out, true));
}

static int
h_delete(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;
	char		 dir[PATH_MAX];
	int		 r;

	if (lstat(h->file_path, &st) == -1)
		return errno == ENOENT ? ret_null(h) :
		    fail_nio(h, errno, h->file_path);
	r = S_ISDIR(st.st_mode) ? rmdir(h->file_path) : unlink(h->file_path);
	if (r == -1 && (errno == EACCES || errno == EPERM)) {
		/* Make the parent writable, as Util.deleteFile does. */
		fsutil_dirname(h->file_path, dir, sizeof(dir));
		chmod(dir, 0700);
		r = S_ISDIR(st.st_mode) ? rmdir(h->file_path) :
		    unlink(h->file_path);
	}
	if (r == -1 && errno != ENOENT) {
		if (errno == EEXIST)
			errno = ENOTEMPTY;
		return fail_nio(h, errno, h->file_path);
	}
	return ret_null(h);
}

static int
h_delete_recursive(struct hctx *h, const struct jser_node *c)
{
	if (fsutil_rmtree(h->file_path) == -1)
		return hctx_fail(h, EXC_IO, "Unable to delete '%s': %s",
		    h->file_path, strerror(errno));
	return ret_null(h);
}

/*
 * WorkspaceCleanupThread$CleanupOldWorkspaces{retentionInDays} on a
 * workspace W: delete the directories next to W named W or W@<suffix>
 * that were not modified for retentionInDays days (the controller has
 * already checked that no build uses them).  Returns null; a directory
 * that cannot be deleted fails the call, as Util.deleteRecursive does.
 */
static int
h_cleanup_old_workspaces(struct hctx *h, const struct jser_node *c)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 parent[PATH_MAX], *base, *path;
	size_t		 bl;
	int32_t		 days = 30;
	int64_t		 now, mtime;
	int		 r = 0;

	if (jser_field_int(c, "retentionInDays", &days) != PROTO_OK)
		days = 30;
	fsutil_dirname(h->file_path, parent, sizeof(parent));
	if ((base = strrchr(h->file_path, '/')) == NULL)
		base = (char *)h->file_path;
	else
		base++;
	bl = strlen(base);
	if (bl == 0 || (d = opendir(parent)) == NULL)
		return ret_null(h);	/* File.listFiles(): null, nothing */
	now = (int64_t)time(NULL) * 1000;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, base, bl) != 0 ||
		    (de->d_name[bl] != '\0' && de->d_name[bl] != '@'))
			continue;
		if ((path = path_join(parent, de->d_name)) == NULL) {
			r = hctx_fail(h, EXC_IO, "out of memory");
			break;
		}
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			mtime = (int64_t)st.st_mtim.tv_sec * 1000 +
			    st.st_mtim.tv_nsec / 1000000;
			if (mtime + (int64_t)days * 86400000 <= now &&
			    fsutil_rmtree(path) == -1)
				r = hctx_fail(h, EXC_IO, "Unable to delete "
				    "'%s': %s", path, strerror(errno));
		}
		free(path);
	}
	closedir(d);
	return r == 0 ? ret_null(h) : -1;
}

/* FilePath$GetHomeDirectory (bare): FilePath(user.home). */
static int
h_get_home_directory(struct hctx *h, const struct jser_node *c)
{
	struct passwd	*pw;
	const char	*home = NULL;

	(void)c;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/')
		home = pw->pw_dir;
	else if ((home = getenv("HOME")) == NULL || home[0] != '/')
		home = "?";	/* what Java reports when it cannot tell */
	return ret(h, new_file_path(h, home));
}

static int
h_delete_contents(struct hctx *h, const struct jser_node *c)
{
	if (fsutil_delete_contents(h->file_path) == -1)
		return hctx_fail(h, EXC_IO, "Unable to delete the contents of "
		    "'%s': %s", h->file_path, strerror(errno));
	return ret_null(h);
}

static int
set_mtime(const char *path, int64_t ms)
{
	struct timespec	 ts[2];

	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)(ms / 1000);
	ts[1].tv_nsec = (long)(ms % 1000) * 1000000;
	if (ts[1].tv_nsec < 0) {
		ts[1].tv_sec--;
		ts[1].tv_nsec += 1000000000;
	}
	return utimensat(AT_FDCWD, path, ts, 0);
}

static int
h_touch(struct hctx *h, const struct jser_node *c)
{
	struct stat	 st;
	int64_t		 ts;
	int		 fd;

	if (jser_field_long(c, "timestamp", &ts) != PROTO_OK)
		return hctx_fail(h, EXC_ARG, "FilePath$Touch without timestamp");
	if (stat(h->file_path, &st) == -1) {
		if ((fd = open(h->file_path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0666)) == -1)
			return fail_fnf(h, errno, h->file_path);
		close(fd);
	}
	if (set_mtime(h->file_path, ts) == -1)
		return hctx_fail(h, EXC_IO, "Failed to set the timestamp of "
		    "%s to %lld", h->file_path, (long long)ts);
	return ret_null(h);
}

static int
h_set_last_modified(struct hctx *h, const struct jser_node *c)
{
	int64_t	 ts;
	char	 msg[PATH_MAX + 128];

	if (jser_field_long(c, "timestamp", &ts) != PROTO_OK)
		return hctx_fail(h, EXC_ARG,
		    "FilePath$SetLastModified without timestamp");
	if (set_mtime(h->file_path, ts) == 0)
		return ret_null(h);
	snprintf(msg, sizeof(msg), "Failed to set the timestamp of %s to %lld",
	    h->file_path, (long long)ts);
	return ret(h, new_cstr(h, msg));
}

static int
h_chmod(struct hctx *h, const struct jser_node *c)
{
	int32_t	 mask;

	if (jser_field_int(c, "mask", &mask) != PROTO_OK)
		return hctx_fail(h, EXC_ARG, "FilePath$Chmod without mask");
	mask &= 07777;
	if ((mask & 0777) != mask)
		return hctx_fail(h, EXC_IO, "Invalid mode: %o; only 0777 bits "
		    "are supported", (unsigned)mask);
	if (chmod(h->file_path, (mode_t)mask) == -1)
		return fail_nio(h, errno, h->file_path);
	return ret_null(h);
}

static int
h_rename_to(struct hctx *h, const struct jser_node *c)
{
	const char	*to;
	struct stat	 a, b;

	if ((to = fp_remote(h, field_ref(c, "target"))) == NULL)
		return hctx_fail(h, EXC_IO,
		    "FilePath$RenameTo: the target is not an agent path");
	if (lstat(h->file_path, &a) == -1)
		return fail_nio(h, errno, h->file_path);
	if (lstat(to, &b) == 0) {
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return ret_null(h);	/* the same file */
		return hctx_fail(h, EXC_EXISTS, "%s", to);
	}
	if (renameat2(AT_FDCWD, h->file_path, AT_FDCWD, to,
	    RENAME_NOREPLACE) == -1) {
		if (errno != EINVAL && errno != ENOSYS)
			return fail_nio(h, errno, errno == EEXIST ? to :
			    h->file_path);
		if (rename(h->file_path, to) == -1)
			return fail_nio(h, errno, h->file_path);
	}
	return ret_null(h);
}

static int
h_symlink_to(struct hctx *h, const struct jser_node *c)
{
	const char	*target;
	struct stat	 st;

	if ((target = hctx_field_string(h, c, "target")) == NULL)
		return hctx_fail(h, EXC_ARG, "FilePath$SymlinkTo without target");
	if (lstat(h->file_path, &st) == 0 && !S_ISDIR(st.st_mode))
		unlink(h->file_path);
	if (symlink(target, h->file_path) == -1)
		return fail_nio(h, errno, h->file_path);
	return ret_null(h);
}

/* File.createTempFile(prefix, suffix, dir): the full path in out. */
static int
create_temp_file(struct hctx *h, const char *dir, const char *prefix,
    const char *suffix, char *out, size_t size)
{
	if (prefix == NULL || strlen(prefix) < 3)
		return hctx_fail(h, EXC_ARG, "Prefix string \"%s\" too short: "
		    "length must be at least 3", prefix != NULL ? prefix : "");
	if (strchr(prefix, '/') != NULL || (suffix != NULL &&
	    strchr(suffix, '/') != NULL))
		return hctx_fail(h, EXC_IO, "Unable to create temporary file, "
		    "%s/%s", dir, prefix);
	if (fsutil_mktemp(dir, prefix, suffix != NULL ? suffix : ".tmp", false,
	    0666, out, size) == -1)
		return hctx_fail(h, EXC_IO, "Failed to create a temporary file "
		    "in %s: %s", dir, strerror(errno));
	return 0;
}

static int
h_create_temp_file(struct hctx *h, const struct jser_node *c)
{
	char	 path[PATH_MAX];

	if (create_temp_file(h, h->file_path, hctx_field_string(h, c,
	    "prefix"), hctx_field_string(h, c, "suffix"), path,
	    sizeof(path)) == -1)
		return -1;
	return ret(h, new_cstr(h, strrchr(path, '/') + 1));
}

static int
h_create_text_temp_file(struct hctx *h, const struct jser_node *c)
{
	const char	*contents, *dir = h->file_path;
	char		 path[PATH_MAX], *abs;
	int		 r;

	if ((contents = hctx_field_string(h, c, "contents")) == NULL)
		contents = "";
	if (!field_bool(c, "inThisDirectory", true)) {
		dir = getenv("TMPDIR");
		if (dir == NULL || dir[0] != '/')
			dir = "/tmp";
	} else if (fsutil_mkdirs(dir, 0777) == -1)
		return fail_nio(h, errno, dir);
	if (create_temp_file(h, dir, hctx_field_string(h, c, "prefix"),
	    hctx_field_string(h, c, "suffix"), path, sizeof(path)) == -1)
		return -1;
	if (fsutil_write_atomic(path, contents, strlen(contents), 0666) ==
	    -1) {
		r = errno;
		unlink(path);
		return fail_nio(h, r, path);
	}
	if ((abs = absolute(path)) == NULL)
		return hctx_fail(h, EXC_IO, "out of memory");
	r = ret(h, new_cstr(h, abs));
	free(abs);
	return r;
}

static int
h_create_temp_dir(struct hctx *h, const struct jser_node *c)
{
	const char	*name;
	char		 path[PATH_MAX];

	if ((name = hctx_field_string(h, c, "name")) == NULL)
		name = "";
	if (strchr(name, '/') != NULL)
		return hctx_fail(h, EXC_ARG, "Invalid prefix or suffix");
	if (fsutil_mktemp(h->file_path, name, "", true, 0777, path,
	    sizeof(path)) == -1)
		return fail_nio(h, errno, h->file_path);
	return ret(h, new_cstr(h, strrchr(path, '/') + 1));
}

/*
 * content (UTF-8) in the Java charset enc (NULL: the agent default,
 * UTF-8); unmappable characters become '?', as Java's encoder does.
 * *out is malloc'd unless it is content itself (*copied false).
 */
static int
encode_text(struct hctx *h, const char *content, const char *enc,
    char **out, size_t *olen, bool *copied)
{
	iconv_t	 cd;
	char	*in = (char *)content, *o, *buf;
	size_t	 il = strlen(content), ol, cap;

	*copied = false;
	if (enc == NULL || strcasecmp(enc, "UTF-8") == 0 ||
	    strcasecmp(enc, "UTF8") == 0) {
		*out = (char *)content;
		*olen = il;
		return 0;
	}
	if ((cd = iconv_open(enc, "UTF-8")) == (iconv_t)-1)
		return hctx_fail(h, "java.nio.charset.UnsupportedCharsetException",
		    "%s", enc);
	cap = il * 4 + 16;
	if ((buf = malloc(cap)) == NULL) {
		iconv_close(cd);
		return hctx_fail(h, EXC_IO, "out of memory");
	}
	o = buf;
	ol = cap;
	while (il > 0) {
		if (iconv(cd, &in, &il, &o, &ol) != (size_t)-1)
			break;
		if (errno == EILSEQ || errno == EINVAL) {
			size_t	 k = 1;

			while (k < il && ((unsigned char)in[k] & 0xc0) == 0x80)
				k++;
			in += k;
			il -= k;
			if (ol == 0)
				break;
			*o++ = '?';
			ol--;
		} else
			break;
	}
	iconv(cd, NULL, NULL, &o, &ol);
	iconv_close(cd);
	*out = buf;
	*olen = (size_t)(o - buf);
	*copied = true;
	return 0;
}

/* Write{content, encoding}: parents created, file replaced atomically. */
static int
h_write(struct hctx *h, const struct jser_node *c)
{
	const char	*content, *enc;
	char		*data = NULL;
	size_t		 len = 0;
	bool		 copied = false;
	int		 r;

	if ((content = hctx_field_string(h, c, "content")) == NULL)
		content = "";
	enc = hctx_field_string(h, c, "encoding");
	if (encode_text(h, content, enc, &data, &len, &copied) == -1)
		return -1;
	if (fsutil_mkdirs_parent(h->file_path, 0777) == -1 ||
	    fsutil_write_atomic(h->file_path, data, len, 0666) == -1)
		r = fail_nio(h, errno, h->file_path);
	else
		r = ret_null(h);
	if (copied)
		free(data);
	return r;
}

/* The local file a WritePipe exported; writes happen on the loop thread. */
struct wsink {
	int	 fd;
};

static int
wsink_write(void *obj, const uint8_t *p, size_t n)
{
	struct wsink	*s = obj;

	return s->fd == -1 ? -1 : fsutil_write_all(s->fd, p, n);
}

static void
wsink_close(void *obj, bool error)
{
	struct wsink	*s = obj;

	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
}

static void
wsink_release(void *obj)
{
	wsink_close(obj, false);
	free(obj);
}

static const struct chan_export_ops wsink_ops = {
	.write = wsink_write,
	.close = wsink_close,
	.release = wsink_release,
};

/* hudson.remoting.RemoteOutputStream holding our oid. */
static struct jser_node *
new_remote_output_stream(struct hctx *h, int32_t oid)
{
	struct jser_node	*d, *o;
	struct jser_classdata	*cd;
	uint32_t		 be = htobe32((uint32_t)oid);

	if ((d = hctx_desc(h, "hudson.remoting.RemoteOutputStream", 1,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL ||
	    jser_content_add_block(h->out, &cd->custom, &be, 4) != PROTO_OK)
		return NULL;
	cd->has_fields = false;
	cd->has_custom = true;
	return o;
}

static int
h_write_pipe(struct hctx *h, const struct jser_node *c)
{
	struct wsink	*s;
	int32_t		 oid;
	int		 fd;

	if (need_channel(h) == -1)
		return -1;
	if (fsutil_mkdirs_parent(h->file_path, 0777) == -1)
		return fail_nio(h, errno, h->file_path);
	if ((fd = open(h->file_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1)
		return fail_nio(h, errno, h->file_path);
	if ((s = malloc(sizeof(*s))) == NULL) {
		close(fd);
		return hctx_fail(h, EXC_IO, "out of memory");
	}
	s->fd = fd;
	if ((oid = channel_export(h->ch, s, &wsink_ops)) < 0) {
		wsink_release(s);
		return hctx_fail(h, EXC_IO, "cannot export the output stream");
	}
	if (ret(h, new_remote_output_stream(h, oid)) == -1) {
		channel_unexport(h->ch, oid);
		return -1;
	}
	return 0;
}

/* ---- 4.4 reading ---- */

static int
h_read_to_string(struct hctx *h, const struct jser_node *c)
{
	char	*data;
	size_t	 len;
	int	 r;

	if (fsutil_read_file(h->file_path, READ_MAX, &data, &len) == -1) {
		if (errno == EFBIG)
			return hctx_fail(h, EXC_IO, "%s: file too large",
			    h->file_path);
		return fail_nio(h, errno, h->file_path);
	}
	r = ret(h, new_str(h, data, len));
	free(data);
	return r;
}

/* Copy fd into the controller stream oid.  0, or -1 (stream dead). */
static int
stream_fd(struct hctx *h, int fd, int32_t oid, char *err, size_t errlen)
{
	uint8_t	*buf;
	ssize_t	 n;
	int	 r = 0;

	if ((buf = malloc(IO_CHUNK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		n = read(fd, buf, IO_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			r = -1;
			break;
		}
		if (n == 0)
			break;
		if (channel_pipe_write(h, oid, buf, (size_t)n) == -1) {
			snprintf(err, errlen, "the remote stream was closed");
			r = -2;
			break;
		}
	}
	free(buf);
	return r;
}

/* Read{p, openOptions}: stream into the pipe; errors go in its EOF. */
static int
h_read(struct hctx *h, const struct jser_node *c)
{
	char	 err[256], msg[PATH_MAX + 128];
	bool	 marker;
	int32_t	 oid;
	int	 fd, flags = O_RDONLY | O_CLOEXEC, r;

	if (need_channel(h) == -1)
		return -1;
	if (pipe_info(field_ref(c, "p"), &marker, &oid) == -1 || !marker)
		return hctx_fail(h, EXC_ARG, "FilePath$Read without a pipe");
	if (opts_has(field_ref(c, "openOptions"), "NOFOLLOW_LINKS"))
		flags |= O_NOFOLLOW;
	if ((fd = open(h->file_path, flags)) == -1) {
		/* The exception Files.newInputStream() would raise. */
		fail_nio(h, errno, h->file_path);
		channel_pipe_close_exc(h, oid, h->exc_class, h->exc_msg);
		/* The call itself succeeds: the reader sees the error. */
		h->exc_class = NULL;
		h->exc_msg[0] = '\0';
		return ret_null(h);
	}
	r = stream_fd(h, fd, oid, err, sizeof(err));
	close(fd);
	if (r == -1) {
		snprintf(msg, sizeof(msg), "%s: %s", h->file_path, err);
		channel_pipe_close(h, oid, msg);
	} else if (r == 0)
		channel_pipe_close(h, oid, NULL);
	return ret_null(h);
}

/* CopyTo{out}: stream the file, then close out (EOF) as Java does. */
static int
h_copy_to(struct hctx *h, const struct jser_node *c)
{
	char	 err[256];
	int32_t	 oid;
	int	 fd, r, e;

	if (need_channel(h) == -1)
		return -1;
	if (ros_oid(field_ref(c, "out"), &oid) == -1)
		return hctx_fail(h, EXC_ARG,
		    "FilePath$CopyTo without a RemoteOutputStream");
	if ((fd = open(h->file_path, O_RDONLY | O_CLOEXEC)) == -1) {
		e = errno;
		channel_pipe_close(h, oid, NULL);
		return fail_nio(h, e, h->file_path);
	}
	r = stream_fd(h, fd, oid, err, sizeof(err));
	close(fd);
	if (r != -2)
		channel_pipe_close(h, oid, r == 0 ? NULL : err);
	if (r != 0)
		return hctx_fail(h, EXC_IO, "%s: %s", h->file_path, err);
	return ret_null(h);
}

/* ---- 4.5 archives ---- */

struct pipe_sink {
	struct hctx	*h;
	int32_t		 oid;
};

static int
pipe_sink_write(void *arg, const void *p, size_t n)
{
	struct pipe_sink	*s = arg;

	return channel_pipe_write(s->h, s->oid, p, n);
}

struct scan_ctx {
	struct arc_writer	*w;		/* archive into w, or ... */
	const char		*dest;		/* ... copy below dest */
	long			 copied;	/* files and links copied */
	char			 err[PATH_MAX + 128];
	const char		*base;
	const char		*prefix;	/* zip prefix or "" */
	bool			 keep_links;
};

static int copy_with_attrs(const char *, const char *, bool,
    const char **);

/*
 * Copy what path holds to dest/name as CopyRecursiveLocal's visitor does:
 * regular files with their mode and times (replacing what is there),
 * symlinks re-created when keep_links, directories only as parents.
 */
static int
scan_copy(struct scan_ctx *s, const char *name, const char *path)
{
	struct stat	 st;
	const char	*bad = NULL;
	char		*to, lt[PATH_MAX];
	ssize_t		 n;
	int		 r = -1;

	if (lstat(path, &st) == -1)
		return 0;			/* gone meanwhile */
	if (S_ISLNK(st.st_mode) && !s->keep_links && stat(path, &st) == -1)
		return 0;			/* dangling: not a file */
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	if ((to = path_join(s->dest, name)) == NULL) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return -1;
	}
	if (fsutil_mkdirs_parent(to, 0777) == -1) {
		snprintf(s->err, sizeof(s->err), "%s: %s", to,
		    strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(path, lt, sizeof(lt) - 1)) == -1) {
			snprintf(s->err, sizeof(s->err), "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		lt[n] = '\0';
		if ((unlink(to) == -1 && errno != ENOENT) ||
		    symlink(lt, to) == -1) {
			snprintf(s->err, sizeof(s->err), "%s: %s", to,
			    strerror(errno));
			goto out;
		}
	} else if (copy_with_attrs(path, to, true, &bad) == -1) {
		snprintf(s->err, sizeof(s->err), "%s: %s", bad,
		    strerror(errno));
		goto out;
	}
	s->copied++;
	r = 0;
out:
	free(to);
	return r;
}

/* One scanned entry: into the archive, or copied. */
static int
scan_add(struct scan_ctx *s, const char *name, const char *path)
{
	if (s->w == NULL)
		return scan_copy(s, name, path);
	return arc_writer_add(s->w, name, path, s->keep_links);
}

static const char *
scan_error(const struct scan_ctx *s)
{
	return s->w != NULL ? arc_writer_error(s->w) : s->err;
}

static int
scan_visit(void *arg, const char *rel, bool is_dir)
{
	struct scan_ctx	*s = arg;
	char		*path, *name;
	int		 r;

	if ((path = path_join(s->base, rel)) == NULL)
		return -1;
	if (asprintf(&name, "%s%s", s->prefix, rel) == -1) {
		free(path);
		return -1;
	}
	r = scan_add(s, name, path);
	free(path);
	free(name);
	return r;
}

/* DirScanner$Full: the directory itself and everything below, named
 * from the directory's own name. */
static int
scan_full(struct scan_ctx *s, const char *path, const char *name, int depth)
{
	struct stat	 st;
	struct dirent	*de;
	struct names	 l = { NULL, 0, 0, false };
	char		*cp, *cn, *full;
	DIR		*d;
	size_t		 i;
	int		 r = 0;

	if (access(path, R_OK) == -1 || lstat(path, &st) == -1)
		return 0;			/* !canRead(): skipped */
	if (asprintf(&full, "%s%s", s->prefix, name) == -1)
		return -1;
	r = scan_add(s, full, path);
	free(full);
	if (r == -1)
		return -1;
	if (S_ISLNK(st.st_mode) && s->keep_links)
		return 0;
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode) || depth > 256)
		return 0;
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    names_add(&l, de->d_name, false) == -1) {
			r = -1;
			break;
		}
	closedir(d);
	for (i = 0; i < l.n && r == 0; i++) {
		cp = path_join(path, l.v[i]);
		cn = path_join(name, l.v[i]);
		r = cp != NULL && cn != NULL ?
		    scan_full(s, cp, cn, depth + 1) : -1;
		free(cp);
		free(cn);
	}
	names_free(&l);
	return r;
}

static const char *
base_name(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : p;
}

/*
 * Run a hudson.util.DirScanner over dir into the writer.  open_opts: the
 * callable's OpenOption[] (NOFOLLOW_LINKS, IGNORE_TMP_DIRS).  0, or -1
 * after hctx_fail().
 */
static int
run_scanner(struct hctx *h, const char *dir, const struct jser_node *scanner,
    const struct jser_node *open_opts, struct scan_ctx *s)
{
	const char		*cls, *inc, *exc;
	struct jser_node	**keys, **vals, *filter;
	struct glob		*g;
	struct stat		 st;
	char			*path, *name;
	uint32_t		 n, i;
	int			 flags = GLOB_FILES, r;

	if (opts_has(open_opts, "NOFOLLOW_LINKS"))
		flags |= GLOB_NOFOLLOW;
	if (opts_has(open_opts, "IGNORE_TMP_DIRS"))
		flags |= GLOB_NOTMP;
	if ((cls = jser_class_name(scanner)) == NULL)
		return hctx_fail(h, EXC_ARG, "%s without a DirScanner", h->cls);
	if (strcmp(cls, "hudson.util.DirScanner$Glob") == 0) {
		inc = hctx_field_string(h, scanner, "includes");
		exc = hctx_field_string(h, scanner, "excludes");
		if (opts_has(field_ref(scanner, "openOptions"),
		    "NOFOLLOW_LINKS"))
			flags |= GLOB_NOFOLLOW;
		if ((inc == NULL || inc[strspn(inc, " \t")] == '\0') &&
		    exc == NULL)
			goto full;
		if (stat(dir, &st) == -1)
			return 0;		/* dir.exists() false: nothing */
		if ((g = glob_new(inc, exc, field_bool(scanner,
		    "useDefaultExcludes", true), true)) == NULL)
			return hctx_fail(h, EXC_IO, "out of memory");
		r = glob_scan(dir, g, flags, NULL, scan_visit, s);
		glob_free(g);
		if (r == -1)
			return hctx_fail(h, EXC_IO, "%s: %s", dir,
			    scan_error(s));
		return 0;
	}
	if (strcmp(cls, "hudson.FilePath$ExplicitlySpecifiedDirScanner") ==
	    0) {
		if (jval_map_entries(h->out, field_ref(scanner, "files"),
		    &keys, &vals, &n) != PROTO_OK)
			return hctx_fail(h, EXC_ARG, "malformed %s", cls);
		for (i = 0; i < n; i++) {
			char	*k, *v;

			if (jval_get_utf8(h->out, keys[i], &k, NULL) !=
			    PROTO_OK || jval_get_utf8(h->out, vals[i], &v,
			    NULL) != PROTO_OK)
				return hctx_fail(h, EXC_ARG, "malformed %s",
				    cls);
			if ((path = path_join(dir, v)) == NULL ||
			    asprintf(&name, "%s%s", s->prefix, k) == -1) {
				free(path);
				return hctx_fail(h, EXC_IO, "out of memory");
			}
			r = scan_add(s, name, path);
			free(path);
			free(name);
			if (r == -1)
				return hctx_fail(h, EXC_IO, "%s",
				    scan_error(s));
		}
		return 0;
	}
	if (strcmp(cls, "hudson.util.DirScanner$Filter") == 0) {
		filter = field_ref(scanner, "filter");
		if (filter != NULL)
			return hctx_unsupported(h, jser_class_name(filter) !=
			    NULL ? jser_class_name(filter) : cls);
		goto full;
	}
	if (strcmp(cls, "hudson.util.DirScanner$Full") != 0)
		return hctx_unsupported(h, cls);
full:
	if (scan_full(s, dir, base_name(dir), 0) == -1)
		return hctx_fail(h, EXC_IO, "%s", scan_error(s));
	return 0;
}

/* A TarCompression enum -> format. */
static enum arc_format
tar_format(const struct jser_node *compression)
{
	const char	*n = enum_name(compression);

	return n != NULL && strcmp(n, "GZIP") == 0 ? ARC_TGZ : ARC_TAR;
}

/* Write an archive of dir to the controller stream oid; then EOF. */
static int
archive_to(struct hctx *h, int32_t oid, enum arc_format fmt,
    const char *prefix, const struct jser_node *scanner,
    const struct jser_node *open_opts)
{
	struct pipe_sink	 ps = { h, oid };
	struct scan_ctx		 s;
	long			 count;

	memset(&s, 0, sizeof(s));
	s.base = h->file_path;
	s.prefix = prefix;
	s.keep_links = fmt != ARC_ZIP;
	if ((s.w = arc_writer_new(fmt, pipe_sink_write, &ps)) == NULL) {
		channel_pipe_close(h, oid, "out of memory");
		return hctx_fail(h, EXC_IO, "out of memory");
	}
	if (run_scanner(h, h->file_path, scanner, open_opts, &s) == -1) {
		channel_pipe_close_exc(h, oid, h->exc_class, h->exc_msg);
		arc_writer_free(s.w);
		return -1;
	}
	if (arc_writer_finish(s.w) == -1) {
		hctx_fail(h, EXC_IO, "%s", arc_writer_error(s.w));
		channel_pipe_close_exc(h, oid, h->exc_class, h->exc_msg);
		arc_writer_free(s.w);
		return -1;
	}
	count = arc_writer_count(s.w);
	arc_writer_free(s.w);
	if (channel_pipe_close(h, oid, NULL) == -1)
		return hctx_fail(h, EXC_IO, "the remote stream was closed");
	return ret(h, cmd_new_integer(h->out, (int32_t)count));
}

/* Archive{factory, out, scanner, openOptions} -> Integer entries. */
static int
h_archive(struct hctx *h, const struct jser_node *c)
{
	const struct jser_node	*factory = field_ref(c, "factory");
	const char		*fcls, *prefix;
	char			 zp[PATH_MAX];
	enum arc_format		 fmt;
	int32_t			 oid;
	size_t			 l;

	if (need_channel(h) == -1)
		return -1;
	if (ros_oid(field_ref(c, "out"), &oid) == -1)
		return hctx_fail(h, EXC_ARG,
		    "FilePath$Archive without a RemoteOutputStream");
	zp[0] = '\0';
	if ((fcls = jser_class_name(factory)) == NULL)
		fcls = "";
	if (strcmp(fcls, "hudson.util.io.ArchiverFactory$TarArchiverFactory")
	    == 0)
		fmt = tar_format(field_ref(factory, "method"));
	else if (strcmp(fcls,
	    "hudson.util.io.ArchiverFactory$ZipArchiverFactory") == 0) {
		fmt = ARC_ZIP;
		prefix = hctx_field_string(h, factory, "prefix");
		if (prefix != NULL) {
			prefix += strspn(prefix, " \t");
			snprintf(zp, sizeof(zp) - 1, "%s", prefix);
			l = strlen(zp);
			while (l > 0 && (zp[l - 1] == ' ' || zp[l - 1] == '\t'))
				zp[--l] = '\0';
			if (l > 0 && zp[l - 1] != '/')
				memcpy(zp + l, "/", 2);
		}
	} else {
		channel_pipe_close(h, oid, NULL);
		return hctx_unsupported(h, fcls[0] != '\0' ? fcls :
		    "FilePath$Archive without a factory");
	}
	return archive_to(h, oid, fmt, zp, field_ref(c, "scanner"),
	    field_ref(c, "openOptions"));
}

/* CopyRecursiveRemoteToLocal{pipe, compression, scanner} -> Integer. */
static int
h_copy_recursive_remote_to_local(struct hctx *h, const struct jser_node *c)
{
	bool	 marker;
	int32_t	 oid;

	if (need_channel(h) == -1)
		return -1;
	if (pipe_info(field_ref(c, "pipe"), &marker, &oid) == -1 || !marker)
		return hctx_fail(h, EXC_ARG, "%s without a pipe", h->cls);
	return archive_to(h, oid, tar_format(field_ref(c, "compression")), "",
	    field_ref(c, "scanner"), NULL);
}

static ssize_t
instream_read(void *arg, void *p, size_t n)
{
	return channel_instream_read(arg, p, n);
}

/*
 * Extract what the controller sends into h->file_path: in is the
 * RemoteInputStream (greedy: the controller pushes into a Pipe we
 * connect; non-greedy: we pull) or, for ReadFromTar, the Pipe itself.
 * The channel buffers at most the 1 MiB pipe window, whatever the size
 * of the stream or the speed of the disk.
 */
static int
extract_remote(struct hctx *h, const struct jser_node *in,
    enum arc_format fmt, const char *what)
{
	struct chan_instream	*s;
	uint8_t			 sink[4096];
	char			 err[1024];
	const char		*why;
	int			 r;

	if (need_channel(h) == -1)
		return -1;
	if (in == NULL)
		return hctx_fail(h, EXC_ARG, "%s without an input stream",
		    h->cls);
	if ((s = channel_instream_open(h, in)) == NULL)
		return -1;
	r = arc_extract(fmt, instream_read, s, h->file_path, NULL, err,
	    sizeof(err));
	if (r == 0)
		/* Consume the rest (tar padding after the end blocks) as
		 * Java's stream does, so the controller's writer finishes
		 * cleanly instead of seeing a dead pipe. */
		while (channel_instream_read(s, sink, sizeof(sink)) > 0)
			;
	why = channel_instream_error(s);
	if (r == -1 && why != NULL)
		hctx_fail(h, EXC_IO, "Failed to extract %s: %s", what, why);
	else if (r == -1)
		hctx_fail(h, EXC_IO, "Failed to extract %s: %s", what, err);
	channel_instream_close(s);
	return r == -1 ? -1 : ret_null(h);
}

static int
h_untar_remote(struct hctx *h, const struct jser_node *c)
{
	const char	*name = hctx_field_string(h, c, "name");

	return extract_remote(h, field_ref(c, "in"),
	    tar_format(field_ref(c, "compression")),
	    name != NULL ? name : "input stream");
}

static int
h_unzip_remote(struct hctx *h, const struct jser_node *c)
{
	return extract_remote(h, field_ref(c, "in"), ARC_ZIP, "input stream");
}

static ssize_t
fd_read(void *arg, void *p, size_t n)
{
	ssize_t	 r;

	do
		r = read(*(int *)arg, p, n);
	while (r == -1 && errno == EINTR);
	return r;
}

/* UntarLocal / UnzipLocal: the archive is an agent file. */
static int
extract_local(struct hctx *h, const struct jser_node *c, enum arc_format fmt)
{
	const char	*src = fp_remote(h, field_ref(c, "filePath"));
	char		 err[1024];
	int		 fd, r;

	if (src == NULL)
		return hctx_fail(h, EXC_IO, "%s: the archive is not an agent "
		    "path", h->cls);
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return fail_nio(h, errno, src);
	r = arc_extract(fmt, fd_read, &fd, h->file_path, NULL, err,
	    sizeof(err));
	close(fd);
	if (r == -1)
		return hctx_fail(h, EXC_IO, "Failed to extract %s: %s", src,
		    err);
	return ret_null(h);
}

static int
h_untar_local(struct hctx *h, const struct jser_node *c)
{
	return extract_local(h, c, tar_format(field_ref(c, "compression")));
}

static int
h_unzip_local(struct hctx *h, const struct jser_node *c)
{
	return extract_local(h, c, ARC_ZIP);
}

/*
 * java.net.URL.toExternalForm() of a serialized URL: protocol ":" ["//"
 * authority] file ["#" ref]; malloc'd, NULL when it has no protocol.
 */
static char *
url_external_form(struct hctx *h, const struct jser_node *u)
{
	const char	*proto, *auth, *file, *ref;
	char		*s;

	if (u == NULL || (proto = hctx_field_string(h, u, "protocol")) ==
	    NULL || *proto == '\0')
		return NULL;
	auth = hctx_field_string(h, u, "authority");
	file = hctx_field_string(h, u, "file");
	ref = hctx_field_string(h, u, "ref");
	if (asprintf(&s, "%s:%s%s%s%s%s", proto,
	    auth != NULL && *auth != '\0' ? "//" : "", auth ? auth : "",
	    file ? file : "", ref ? "#" : "", ref ? ref : "") == -1)
		return NULL;
	return s;
}

struct dl_sink {
	int		 fd;
	curl_off_t	 n;
	bool		 failed;
	int		 err;
};

static size_t
dl_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct dl_sink	*d = arg;

	if (fsutil_write_all(d->fd, p, size * nmemb) == -1) {
		d->failed = true;
		d->err = errno;
		return 0;
	}
	d->n += (curl_off_t)(size * nmemb);
	return size * nmemb;
}

/*
 * Unpack{archive}: what a tool installer asks (FilePath.
 * installIfNecessaryFrom): download the URL from the agent and extract
 * it into f, as a zip when the URL ends in ".zip", else as a tar.gz.
 * The download goes to a temporary file next to f, removed afterwards.
 */
static int
h_unpack(struct hctx *h, const struct jser_node *c)
{
	struct dl_sink	 d = { -1, 0, false, 0 };
	char		*url, dir[PATH_MAX], tmp[PATH_MAX], err[1024];
	CURL		*cu = NULL;
	CURLcode	 cr;
	long		 status = 0;
	size_t		 ul;
	int		 r = -1;

	if ((url = url_external_form(h, field_ref(c, "archive"))) == NULL)
		return hctx_fail(h, EXC_ARG, "%s without an archive URL",
		    h->cls);
	fsutil_dirname(h->file_path, dir, sizeof(dir));
	if (fsutil_mkdirs(dir, 0777) == -1 || fsutil_mktemp(dir, ".unpack",
	    ".tmp", false, 0600, tmp, sizeof(tmp)) == -1) {
		fail_nio(h, errno, dir);
		free(url);
		return -1;
	}
	if ((d.fd = open(tmp, O_RDWR | O_TRUNC | O_CLOEXEC)) == -1) {
		fail_nio(h, errno, tmp);
		goto out;
	}
	if ((cu = curl_easy_init()) == NULL) {
		hctx_fail(h, EXC_IO, "cannot download %s: no libcurl handle",
		    url);
		goto out;
	}
	curl_easy_setopt(cu, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https,ftp,file");
	curl_easy_setopt(cu, CURLOPT_REDIR_PROTOCOLS_STR, "http,https,ftp");
#endif
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(cu, CURLOPT_MAXREDIRS, 20L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 60L);
	curl_easy_setopt(cu, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(cu, CURLOPT_LOW_SPEED_TIME, 300L);
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, &d);
	cr = curl_easy_perform(cu);
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	if (cr == CURLE_OK && status >= 400) {
		/* What HttpURLConnection.getInputStream() throws. */
		if (status == 404 || status == 410)
			hctx_fail(h, EXC_FNF, "%s", url);
		else
			hctx_fail(h, EXC_IO, "Server returned HTTP response "
			    "code: %ld for URL: %s", status, url);
		goto out;
	}
	if (cr != CURLE_OK) {
		if (d.failed)
			hctx_fail(h, EXC_IO, "Failed to unpack %s (%lld bytes "
			    "read): %s: %s", url, (long long)d.n, tmp,
			    strerror(d.err));
		else if (cr == CURLE_FILE_COULDNT_READ_FILE)
			/* as FileInputStream words it, on the path */
			hctx_fail(h, EXC_FNF, "%s (No such file or directory)",
			    strncmp(url, "file:", 5) == 0 ? url + 5 : url);
		else
			hctx_fail(h, EXC_IO, "Failed to unpack %s (%lld bytes "
			    "read): %s", url, (long long)d.n,
			    curl_easy_strerror(cr));
		goto out;
	}
	if (lseek(d.fd, 0, SEEK_SET) == -1) {
		fail_nio(h, errno, tmp);
		goto out;
	}
	ul = strlen(url);
	if (arc_extract(ul >= 4 && strcmp(url + ul - 4, ".zip") == 0 ?
	    ARC_ZIP : ARC_TGZ, fd_read, &d.fd, h->file_path, NULL, err,
	    sizeof(err)) == -1) {
		hctx_fail(h, EXC_IO, "Failed to unpack %s (%lld bytes read): "
		    "%s", url, (long long)d.n, err);
		goto out;
	}
	r = ret_null(h);
out:
	if (cu != NULL)
		curl_easy_cleanup(cu);
	if (d.fd != -1)
		close(d.fd);
	unlink(tmp);
	free(url);
	return r;
}

/* ReadFromTar{pipe (marker false), compression, description}: the
 * controller writes a tar into the pipe; extract it into f. */
static int
h_read_from_tar(struct hctx *h, const struct jser_node *c)
{
	const char	*desc = hctx_field_string(h, c, "description");

	return extract_remote(h, field_ref(c, "pipe"),
	    tar_format(field_ref(c, "compression")),
	    desc != NULL ? desc : "input stream");
}

/* OffsetPipeSecureFileCallable{offset, p}: gzip of the file from offset
 * into the pipe, then EOF. */
static int
h_offset_pipe(struct hctx *h, const struct jser_node *c)
{
	z_stream	 z;
	uint8_t		*in = NULL, *out = NULL;
	int64_t		 off;
	ssize_t		 n;
	bool		 marker;
	int32_t		 oid;
	int		 fd, zr, flush, r = -1, e;

	if (need_channel(h) == -1)
		return -1;
	if (pipe_info(field_ref(c, "p"), &marker, &oid) == -1 || !marker)
		return hctx_fail(h, EXC_ARG, "%s without a pipe", h->cls);
	if (jser_field_long(c, "offset", &off) != PROTO_OK || off < 0)
		off = 0;
	if ((fd = open(h->file_path, O_RDONLY | O_CLOEXEC)) == -1) {
		e = errno;
		channel_pipe_close(h, oid, NULL);
		return fail_fnf(h, e, h->file_path);
	}
	memset(&z, 0, sizeof(z));
	if (lseek(fd, (off_t)off, SEEK_SET) == -1 ||
	    (in = malloc(IO_CHUNK)) == NULL ||
	    (out = malloc(IO_CHUNK)) == NULL ||
	    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		close(fd);
		free(in);
		free(out);
		channel_pipe_close(h, oid, "cannot compress");
		return hctx_fail(h, EXC_IO, "%s: cannot compress", h->file_path);
	}
	do {
		n = read(fd, in, IO_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			hctx_fail(h, EXC_IO, "%s: %s", h->file_path,
			    strerror(errno));
			goto out;
		}
		flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = IO_CHUNK;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR) {
				hctx_fail(h, EXC_IO, "compression failed");
				goto out;
			}
			if (IO_CHUNK - z.avail_out > 0 && channel_pipe_write(h,
			    oid, out, IO_CHUNK - z.avail_out) == -1) {
				hctx_fail(h, EXC_IO, "the remote stream was "
				    "closed");
				goto out;
			}
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	r = 0;
out:
	deflateEnd(&z);
	close(fd);
	free(in);
	free(out);
	if (r == 0)
		channel_pipe_close(h, oid, NULL);
	else
		channel_pipe_close_exc(h, oid, h->exc_class, h->exc_msg);
	return r == 0 ? ret_null(h) : -1;
}

/* MoveAllChildrenTo{target}: f -> f.__rename, children into target. */
static int
h_move_all_children(struct hctx *h, const struct jser_node *c)
{
	struct names	 l = { NULL, 0, 0, false };
	struct dirent	*de;
	const char	*to;
	char		*tmp, *from, *dst;
	DIR		*d;
	size_t		 i;
	int		 r = 0;

	if ((to = fp_remote(h, field_ref(c, "target"))) == NULL)
		return hctx_fail(h, EXC_IO, "%s: the target is not an agent "
		    "path", h->cls);
	if (asprintf(&tmp, "%s.__rename", h->file_path) == -1)
		return hctx_fail(h, EXC_IO, "out of memory");
	if (rename(h->file_path, tmp) == -1) {
		hctx_fail(h, EXC_IO, "Failed to rename %s to %s", h->file_path,
		    tmp);
		free(tmp);
		return -1;
	}
	if ((d = opendir(tmp)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				names_add(&l, de->d_name, false);
		closedir(d);
	}
	for (i = 0; i < l.n && r == 0; i++) {
		from = path_join(tmp, l.v[i]);
		dst = path_join(to, l.v[i]);
		if (from == NULL || dst == NULL || rename(from, dst) == -1)
			r = hctx_fail(h, EXC_IO, "Failed to rename %s to %s",
			    from != NULL ? from : "?", dst != NULL ? dst : "?");
		free(from);
		free(dst);
	}
	if (r == 0)
		rmdir(tmp);
	names_free(&l);
	free(tmp);
	return r == 0 ? ret_null(h) : -1;
}

/* DeleteSuffixesRecursive: remove the siblings named "<name>@...". */
static int
h_delete_suffixes(struct hctx *h, const struct jser_node *c)
{
	char		 dir[PATH_MAX], *p;
	const char	*name = base_name(h->file_path);
	struct dirent	*de;
	DIR		*d;
	size_t		 nl = strlen(name);
	int		 r = 0;

	fsutil_dirname(h->file_path, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return ret_null(h);
	while ((de = readdir(d)) != NULL && r == 0) {
		if (strncmp(de->d_name, name, nl) != 0 || de->d_name[nl] != '@')
			continue;
		if ((p = path_join(dir, de->d_name)) == NULL ||
		    fsutil_rmtree(p) == -1)
			r = hctx_fail(h, EXC_IO, "Unable to delete '%s'",
			    p != NULL ? p : de->d_name);
		free(p);
	}
	closedir(d);
	return r == 0 ? ret_null(h) : -1;
}

/* CopyToWithPermission{target}: content, mode and mtime. */
/*
 * Copy the regular file from to to with its permission bits and times,
 * creating to's parents.  replace: unlink to first (Files.copy with
 * REPLACE_EXISTING replaces a link or a read-only file).  0, or -1 with
 * errno set and *bad the path that failed.
 */
static int
copy_with_attrs(const char *from, const char *to, bool replace,
    const char **bad)
{
	struct timespec	 ts[2];
	struct stat	 st;
	uint8_t		 buf[IO_CHUNK];
	ssize_t		 n;
	int		 in, out, r = 0, e = 0;

	*bad = from;
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	*bad = to;
	if (fstat(in, &st) == -1 || fsutil_mkdirs_parent(to, 0777) == -1 ||
	    (replace && unlink(to) == -1 && errno != ENOENT) ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    st.st_mode & 0777)) == -1) {
		e = errno;
		close(in);
		errno = e;
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || fsutil_write_all(out, buf, (size_t)n) == -1) {
			e = errno;
			*bad = n == -1 ? from : to;
			r = -1;
			break;
		}
	}
	if (r == 0) {
		fchmod(out, st.st_mode & 07777);
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		futimens(out, ts);
	}
	if (close(out) == -1 && r == 0) {
		e = errno;
		r = -1;
	}
	close(in);
	errno = e;
	return r;
}

static int
h_copy_with_permission(struct hctx *h, const struct jser_node *c)
{
	const char	*to, *bad;

	if ((to = fp_remote(h, field_ref(c, "target"))) == NULL)
		return hctx_fail(h, EXC_IO, "%s: the target is not an agent "
		    "path", h->cls);
	if (copy_with_attrs(h->file_path, to, false, &bad) == -1)
		return fail_nio(h, errno, bad);
	return ret_null(h);
}

/*
 * CopyRecursiveLocal{scanner, target} -> Integer: copy what the scanner
 * finds below f to target (same agent), files with their attributes,
 * symlinks as symlinks; the count of both.  0 when f does not exist.
 */
static int
h_copy_recursive_local(struct hctx *h, const struct jser_node *c)
{
	struct scan_ctx	 s;
	struct stat	 st;
	const char	*to;

	if ((to = fp_remote(h, field_ref(c, "target"))) == NULL)
		return hctx_fail(h, EXC_IO, "%s: the target is not an agent "
		    "path", h->cls);
	if (stat(h->file_path, &st) == -1)
		return ret(h, cmd_new_integer(h->out, 0));
	memset(&s, 0, sizeof(s));
	s.dest = to;
	s.base = h->file_path;
	s.prefix = "";
	s.keep_links = true;
	if (run_scanner(h, h->file_path, field_ref(c, "scanner"), NULL,
	    &s) == -1)
		return -1;
	if (s.copied > INT32_MAX)
		s.copied = INT32_MAX;
	return ret(h, cmd_new_integer(h->out, (int32_t)s.copied));
}

/* IsDescendant{potentialChildRelativePath}: does it stay inside f once
 * symlinks are resolved? */
static int
h_is_descendant(struct hctx *h, const struct jser_node *c)
{
	const char	*rel = hctx_field_string(h, c,
			    "potentialChildRelativePath");
	char		 base[PATH_MAX], path[PATH_MAX * 2], real[PATH_MAX];
	char		*cut;
	size_t		 bl;

	if (rel == NULL)
		rel = "";
	if (rel[0] == '/')
		return hctx_fail(h, EXC_ARG, "Only a relative path is "
		    "supported, the given path is absolute: %s", rel);
	if (realpath(h->file_path, base) == NULL)
		return ret(h, cmd_new_boolean(h->out, false));
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	/* Resolve the longest existing prefix. */
	for (;;) {
		if (realpath(path, real) != NULL)
			break;
		if ((cut = strrchr(path, '/')) == NULL || cut == path)
			return ret(h, cmd_new_boolean(h->out, false));
		*cut = '\0';
	}
	bl = strlen(base);
	return ret(h, cmd_new_boolean(h->out, strcmp(base, "/") == 0 ||
	    (strncmp(real, base, bl) == 0 && (real[bl] == '\0' ||
	    real[bl] == '/'))));
}

/* HasSymlink{openOptions, verificationRoot}: with NOFOLLOW_LINKS, is f
 * or an ancestor below verificationRoot a symlink? */
static int
h_has_symlink(struct hctx *h, const struct jser_node *c)
{
	const char	*root = hctx_field_string(h, c, "verificationRoot");
	char		 p[PATH_MAX], *s;
	struct stat	 st;
	size_t		 rl = root != NULL ? strlen(root) : 0;

	if (!opts_has(field_ref(c, "openOptions"), "NOFOLLOW_LINKS"))
		return ret(h, cmd_new_boolean(h->out, false));
	snprintf(p, sizeof(p), "%s", h->file_path);
	while (p[0] != '\0' && strcmp(p, "/") != 0) {
		if (root != NULL && strlen(p) <= rl)
			break;
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			return ret(h, cmd_new_boolean(h->out, true));
		if (root == NULL || (s = strrchr(p, '/')) == NULL)
			break;
		*s = '\0';
	}
	return ret(h, cmd_new_boolean(h->out, false));
}

#define F	HANDLER_FILE
const struct handler h_file_handlers[] = {
	/* 4.1 queries */
	{ "hudson.FilePath$Exists", h_exists, F },
	{ "hudson.FilePath$IsDirectory", h_is_directory, F },
	{ "hudson.FilePath$LastModified", h_last_modified, F },
	{ "hudson.FilePath$Length", h_length, F },
	{ "hudson.FilePath$Mode", h_mode, F },
	{ "hudson.FilePath$GetFreeDiskSpace", h_free_space, F },
	{ "hudson.FilePath$GetTotalDiskSpace", h_total_space, F },
	{ "hudson.FilePath$GetUsableDiskSpace", h_usable_space, F },
	{ "hudson.FilePath$Digest", h_digest, F },
	{ "hudson.FilePath$ToURI", h_to_uri, F },
	{ "hudson.FilePath$Absolutize", h_absolutize, F },
	{ "hudson.FilePath$ReadLink", h_read_link, F },
	{ "hudson.FilePath$ValidateAntFileMask", h_validate_mask, F },
	/* 4.2 listing */
	{ "hudson.FilePath$ListFilter", h_list_filter, F },
	{ "hudson.FilePath$ListGlob", h_list_glob, F },
	{ "hudson.tasks.ArtifactArchiver$ListFiles", h_artifact_list_files,
	    F },
	{ "hudson.tasks.Fingerprinter$FindRecords", h_find_records, F },
	/* 4.3 mutations */
	{ "hudson.FilePath$Mkdirs", h_mkdirs, F },
	{ "hudson.FilePath$Delete", h_delete, F },
	{ "hudson.FilePath$DeleteRecursive", h_delete_recursive, F },
	{ "hudson.FilePath$DeleteContents", h_delete_contents, F },
	{ "hudson.model.WorkspaceCleanupThread$CleanupOldWorkspaces",
	    h_cleanup_old_workspaces, F },
	{ "hudson.FilePath$GetHomeDirectory", h_get_home_directory, 0 },
	{ "hudson.model.DirectoryBrowserSupport$IsAbsolute", h_is_absolute, 0 },
	{ "hudson.model.DirectoryBrowserSupport$BuildChildPaths",
	    h_build_child_paths, 0 },
	{ "jenkins.util.VirtualFile$CollectFiles", h_collect_files, 0 },
	{ "jenkins.util.VirtualFile$Scanner", h_vf_scanner, F },
	{ "jenkins.util.VirtualFile$Readable", h_vf_readable, F },
	{ "hudson.FilePath$Touch", h_touch, F },
	{ "hudson.FilePath$SetLastModified", h_set_last_modified, F },
	{ "hudson.FilePath$Chmod", h_chmod, F },
	{ "hudson.FilePath$RenameTo", h_rename_to, F },
	{ "hudson.FilePath$SymlinkTo", h_symlink_to, F },
	{ "hudson.FilePath$CreateTempFile", h_create_temp_file, F },
	{ "hudson.FilePath$CreateTextTempFile", h_create_text_temp_file, F },
	{ "hudson.FilePath$CreateTempDir", h_create_temp_dir, F },
	{ "hudson.FilePath$Write", h_write, F },
	{ "hudson.FilePath$WritePipe", h_write_pipe, F },
	{ "hudson.FilePath$CopyTo", h_copy_to, F },
	/* 4.4 reading */
	{ "hudson.FilePath$ReadToString", h_read_to_string, F },
	{ "hudson.FilePath$Read", h_read, F },
	/* 4.5 archives */
	{ "hudson.FilePath$Archive", h_archive, F },
	{ "hudson.FilePath$CopyRecursiveRemoteToLocal",
	    h_copy_recursive_remote_to_local, F },
	{ "hudson.FilePath$UntarRemote", h_untar_remote, F },
	{ "hudson.FilePath$UntarFrom", h_untar_remote, F },
	{ "hudson.FilePath$UnzipRemote", h_unzip_remote, F },
	{ "hudson.FilePath$UnzipFrom", h_unzip_remote, F },
	{ "hudson.FilePath$UntarLocal", h_untar_local, F },
	{ "hudson.FilePath$UnzipLocal", h_unzip_local, F },
	{ "hudson.FilePath$ReadFromTar", h_read_from_tar, F },
	{ "hudson.FilePath$Unpack", h_unpack, F },
	{ "hudson.FilePath$CopyRecursiveLocal", h_copy_recursive_local, F },
	{ "hudson.FilePath$OffsetPipeSecureFileCallable", h_offset_pipe, F },
	{ "hudson.FilePath$MoveAllChildrenTo", h_move_all_children, F },
	{ "hudson.FilePath$DeleteSuffixesRecursive", h_delete_suffixes, F },
	{ "hudson.FilePath$CopyToWithPermission", h_copy_with_permission, F },
	{ "hudson.FilePath$IsDescendant", h_is_descendant, F },
	{ "hudson.FilePath$HasSymlink", h_has_symlink, F },
	{ NULL, NULL, 0 },
};
#undef F
