/*
 * h_durable.c: the durable-task callables of the Pipeline `sh` step in
 * its default polling mode (jenkins-callables.md section 6).
 *
 * The step itself runs as a detached shell wrapper launched through
 * Launcher$RemoteLaunchCallable (h_launch.c); the controller then polls
 * the control directory with the callables below and with ordinary
 * FilePath calls (IsDirectory, LastModified for the heartbeat, Exists,
 * DeleteRecursive: h_file.c).  Watch mode (StartWatching) is not
 * supported: controllers keep USE_WATCHING off by default.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/utsname.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/channel.h"
#include "agent/h_launch.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/command.h"

#define NF(a)			(sizeof(a) / sizeof((a)[0]))
#define DURABLE_OUTPUT_MAX	(256 * 1024 * 1024)	/* returnStdout */
#define DURABLE_CHUNK		(64 * 1024)

/* mkdir -p; 0 or -1 with errno. */
static int
mkdirs(const char *path)
{
	char	*p, *s;
	int	 r = 0;

	if ((p = strdup(path)) == NULL)
		return -1;
	for (s = p + 1; r == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char	 c = *s;

		*s = '\0';
		if (mkdir(p, 0777) == -1 && errno != EEXIST)
			r = -1;
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return r;
}

/* durable-task's AgentInfo architecture from os.arch. */
static const char *
durable_arch(void)
{
	struct utsname	 u;

	if (uname(&u) == -1)
		return "64";
	if (strstr(u.machine, "aarch64") != NULL ||
	    strstr(u.machine, "arm64") != NULL)
		return "aarch64";
	if (strstr(u.machine, "ppc64le") != NULL)
		return "ppc64le";
	if (strstr(u.machine, "64") != NULL)
		return "64";
	return "32";
}

/*
 * AgentInfo$GetAgentInfo on the node root: create caches/durable-task and
 * describe the agent (section 6.4).  binaryCompatible is false so that
 * the controller always uses the shell wrapper, never a foreign binary.
 */
static int
h_get_agent_info(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f[] = {
		{ 'Z', "binaryCached", NULL },
		{ 'Z', "binaryCompatible", NULL },
		{ 'Z', "cachingAvailable", NULL },
		{ 'L', "architecture", "Ljava/lang/String;" },
		{ 'L', "binaryPath", "Ljava/lang/String;" },
		{ 'L', "os", "Lorg/jenkinsci/plugins/durabletask/AgentInfo$OsType;" },
	};
	struct jser_node	*o, *ed, *en;
	const char		*ver, *arch = durable_arch();
	char			*dir = NULL, *bin = NULL;
	bool			 caching;
	int			 r = -1;

	if ((ver = hctx_field_string(h, callable, "binaryVersion")) == NULL)
		ver = "";
	if (asprintf(&dir, "%s/caches/durable-task", h->file_path) == -1) {
		dir = NULL;
		goto out;
	}
	if (asprintf(&bin, "%s/durable_task_monitor_%s_linux_%s", dir, ver,
	    arch) == -1) {
		bin = NULL;
		goto out;
	}
	caching = mkdirs(dir) == 0;
	if (!caching)
		log_info("cannot create %.200s: %s", dir, strerror(errno));
	if ((o = hctx_object(h, hctx_desc(h,
	    "org.jenkinsci.plugins.durabletask.AgentInfo",
	    INT64_C(7599995179651071957), SC_SERIALIZABLE, NULL, f,
	    NF(f)))) == NULL)
		goto out;
	if ((ed = jser_desc_find(h->out, "java.lang.Enum")) == NULL &&
	    (ed = jser_new_desc(h->out, "java.lang.Enum", 0,
	    SC_SERIALIZABLE | SC_ENUM, NULL)) == NULL)
		goto out;
	if ((ed = hctx_desc(h, "org.jenkinsci.plugins.durabletask.AgentInfo"
	    "$OsType", 0, SC_SERIALIZABLE | SC_ENUM, ed, NULL, 0)) == NULL ||
	    (en = jser_new_enum(h->out, ed, "LINUX")) == NULL)
		goto out;
	if (jser_set_prim(o, "binaryCached", 0) != PROTO_OK ||
	    jser_set_prim(o, "binaryCompatible", 0) != PROTO_OK ||
	    jser_set_prim(o, "cachingAvailable", caching) != PROTO_OK ||
	    jser_set_ref(o, "architecture", hctx_string(h, arch)) != PROTO_OK ||
	    jser_set_ref(o, "binaryPath", hctx_string(h, bin)) != PROTO_OK ||
	    jser_set_ref(o, "os", en) != PROTO_OK)
		goto out;
	h->value = o;
	r = 0;
out:
	free(dir);
	free(bin);
	return r;
}

/*
 * The agent's default charset as Java names it, or NULL for UTF-8 (also
 * for the C/POSIX locale: jnagent treats text as UTF-8 there, like
 * JDK 18+).
 */
static const char *
default_charset(void)
{
	static const struct {
		const char	*codeset;	/* lower case, no '-' or '_' */
		const char	*java;
	} map[] = {
		{ "iso88591", "ISO-8859-1" },
		{ "iso885915", "ISO-8859-15" },
		{ "iso88592", "ISO-8859-2" },
		{ "iso88595", "ISO-8859-5" },
		{ "iso88597", "ISO-8859-7" },
		{ "iso88599", "ISO-8859-9" },
		{ "koi8r", "KOI8-R" },
		{ "koi8u", "KOI8-U" },
		{ "eucjp", "EUC-JP" },
		{ "euckr", "EUC-KR" },
		{ "gb2312", "GB2312" },
		{ "gbk", "GBK" },
		{ "gb18030", "GB18030" },
		{ "big5", "Big5" },
		{ "sjis", "Shift_JIS" },
		{ "cp1252", "windows-1252" },
		{ "cp1251", "windows-1251" },
	};
	const char	*loc, *dot;
	char		 cs[32];
	size_t		 i, n = 0;

	if (((loc = getenv("LC_ALL")) == NULL || *loc == '\0') &&
	    ((loc = getenv("LC_CTYPE")) == NULL || *loc == '\0') &&
	    ((loc = getenv("LANG")) == NULL || *loc == '\0'))
		return NULL;
	if ((dot = strchr(loc, '.')) == NULL)
		return NULL;
	for (dot++; *dot != '\0' && *dot != '@' && n < sizeof(cs) - 1; dot++)
		if (*dot != '-' && *dot != '_')
			cs[n++] = (char)tolower((unsigned char)*dot);
	cs[n] = '\0';
	for (i = 0; i < NF(map); i++)
		if (strcmp(cs, map[i].codeset) == 0)
			return map[i].java;
	return NULL;
}

/* FileMonitoringController$TranscodingCharsetForSystemDefault. */
static int
h_transcoding_charset(struct hctx *h, const struct jser_node *callable)
{
	const char	*cs = default_charset();

	(void)callable;
	h->value = cs == NULL ? NULL : hctx_string(h, cs);
	return cs == NULL || h->value != NULL ? 0 : -1;
}

static int
fail_errno(struct hctx *h, int e, const char *path)
{
	if (e == ENOENT)
		return hctx_fail(h, "java.nio.file.NoSuchFileException", "%s",
		    path);
	if (e == EACCES || e == EPERM)
		return hctx_fail(h, "java.nio.file.AccessDeniedException", "%s",
		    path);
	return hctx_fail(h, "java.io.IOException", "%s: %s", path,
	    strerror(e));
}

/*
 * FileMonitoringController$WriteLog{lastLocation, sink} on the log file:
 * send the bytes written since lastLocation to sink, then release the
 * sink without closing it (it wraps the step's log).  Returns null; the
 * controller advances lastLocation by what it received.
 */
static int
h_write_log(struct hctx *h, const struct jser_node *callable)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct jser_node		*sink = NULL;
	struct stat			 sb;
	uint8_t				*buf = NULL;
	uint32_t			 oid;
	int64_t				 last = 0;
	off_t				 end, pos;
	ssize_t				 n;
	int				 fd = -1, r = -1;

	if (jser_field_long(callable, "lastLocation", &last) != PROTO_OK ||
	    jser_field_ref(callable, "sink", &sink) != PROTO_OK ||
	    sink == NULL || !jser_instance_of(sink,
	    "hudson.remoting.RemoteOutputStream") ||
	    (c = jser_custom(sink, "hudson.remoting.RemoteOutputStream")) ==
	    NULL)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "malformed WriteLog");
	jser_cursor_init(&cur, c);
	if (jser_cursor_u32(&cur, &oid) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "malformed WriteLog sink");
	if ((fd = open(h->file_path, O_RDONLY | O_CLOEXEC)) == -1) {
		/* File.length() of a missing file is 0: nothing new yet. */
		if (errno == ENOENT)
			r = 0;
		else
			r = fail_errno(h, errno, h->file_path);
		goto done;
	}
	if (fstat(fd, &sb) == -1) {
		r = fail_errno(h, errno, h->file_path);
		goto done;
	}
	end = sb.st_size;
	if (last < 0)
		last = 0;
	if ((int64_t)end <= last) {
		r = 0;
		goto done;
	}
	if ((buf = malloc(DURABLE_CHUNK)) == NULL) {
		r = hctx_fail(h, "java.lang.OutOfMemoryError", "out of memory");
		goto done;
	}
	for (pos = (off_t)last; pos < end; pos += n) {
		size_t	 want = (size_t)(end - pos) < DURABLE_CHUNK ?
		    (size_t)(end - pos) : DURABLE_CHUNK;

		n = pread(fd, buf, want, pos);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1) {
			r = fail_errno(h, errno, h->file_path);
			goto done;
		}
		if (n == 0)
			break;	/* truncated meanwhile */
		if (channel_pipe_write(h, (int32_t)oid, buf, (size_t)n) != 0) {
			r = hctx_fail(h, "java.io.IOException",
			    "the log stream was closed");
			goto done;
		}
	}
	(void)channel_pipe_flush(h, (int32_t)oid);
	r = 0;
done:
	(void)channel_pipe_unexport(h, (int32_t)oid);
	if (fd != -1)
		close(fd);
	free(buf);
	if (r == 0)
		h->value = NULL;
	return r;
}

/*
 * FileMonitoringController$StatusCheck on jenkins-result.txt: the exit
 * code (capped at Integer.MAX_VALUE), or null while there is none.
 */
static int
h_status_check(struct hctx *h, const struct jser_node *callable)
{
	char		 buf[128], *s, *e, *end;
	long long	 v;
	ssize_t		 n;
	int		 fd;

	(void)callable;
	h->value = NULL;
	if ((fd = open(h->file_path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return fail_errno(h, errno, h->file_path);
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	close(fd);
	if (n < 0)
		return fail_errno(h, errno, h->file_path);
	buf[n] = '\0';
	/* String.trim(): everything <= ' ' at both ends. */
	for (s = buf; *s != '\0' && (unsigned char)*s <= ' '; s++)
		;
	for (e = s + strlen(s); e > s && (unsigned char)e[-1] <= ' '; e--)
		;
	*e = '\0';
	if (*s == '\0')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || isspace((unsigned char)*s))
		return hctx_fail(h, "java.io.IOException",
		    "corrupted content in %.800s: %.60s", h->file_path, s);
	if (v > INT_MAX)
		v = INT_MAX;
	if (v < INT_MIN)
		v = INT_MIN;
	h->value = cmd_new_integer(h->out, (int32_t)v);
	return h->value != NULL ? 0 : -1;
}

/* Convert p[0..n) from charset cs to UTF-8; malloc'ed, or NULL. */
static uint8_t *
to_utf8(const char *cs, const uint8_t *p, size_t n, size_t *outlen)
{
	iconv_t	 cd;
	char	*in = (char *)p, *o, *res;
	size_t	 inleft = n, cap = n * 4 + 16, oleft;

	if ((cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
		return NULL;
	if ((res = malloc(cap)) == NULL) {
		iconv_close(cd);
		return NULL;
	}
	o = res;
	oleft = cap;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1)
			continue;
		if (errno == EILSEQ || errno == EINVAL) {
			/* Java replaces malformed input with U+FFFD */
			if (oleft < 3)
				break;
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			oleft -= 3;
			in++;
			inleft--;
			continue;
		}
		break;
	}
	iconv_close(cd);
	if (inleft > 0) {
		free(res);
		return NULL;
	}
	*outlen = (size_t)(o - res);
	return (uint8_t *)res;
}

/*
 * FileMonitoringController$GetOutput{charset} on output.txt (returnStdout):
 * the bytes, transcoded to UTF-8 from charset ("SYSTEM_DEFAULT" = the
 * agent's default).
 */
static int
h_get_output(struct hctx *h, const struct jser_node *callable)
{
	const char	*cs;
	struct stat	 sb;
	uint8_t		*buf = NULL, *u = NULL;
	size_t		 len = 0, ulen;
	ssize_t		 n;
	int		 fd, r = -1;

	cs = hctx_field_string(h, callable, "charset");
	if (cs == NULL || strcmp(cs, "SYSTEM_DEFAULT") == 0)
		cs = default_charset();
	if (cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "UTF8") == 0))
		cs = NULL;
	if ((fd = open(h->file_path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail_errno(h, errno, h->file_path);
	if (fstat(fd, &sb) == -1) {
		r = fail_errno(h, errno, h->file_path);
		goto out;
	}
	if (sb.st_size > DURABLE_OUTPUT_MAX) {
		r = hctx_fail(h, "java.io.IOException",
		    "%s is too large to return (%lld bytes)", h->file_path,
		    (long long)sb.st_size);
		goto out;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		r = hctx_fail(h, "java.lang.OutOfMemoryError", "out of memory");
		goto out;
	}
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = fail_errno(h, errno, h->file_path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (cs != NULL) {
		if ((u = to_utf8(cs, buf, len, &ulen)) == NULL) {
			r = hctx_fail(h, "java.io.IOException",
			    "cannot transcode %s from %.60s", h->file_path, cs);
			goto out;
		}
		h->value = cmd_new_bytes(h->out, u, (uint32_t)ulen);
	} else
		h->value = cmd_new_bytes(h->out, buf, (uint32_t)len);
	r = h->value != NULL ? 0 : -1;
out:
	close(fd);
	free(buf);
	free(u);
	return r;
}

#define FMC "org.jenkinsci.plugins.durabletask.FileMonitoringTask" \
	"$FileMonitoringController"

const struct handler h_durable_handlers[] = {
	{ "org.jenkinsci.plugins.durabletask.AgentInfo$GetAgentInfo",
	    h_get_agent_info, HANDLER_FILE },
	{ FMC "$TranscodingCharsetForSystemDefault", h_transcoding_charset, 0 },
	{ FMC "$WriteLog", h_write_log, HANDLER_FILE },
	{ FMC "$StatusCheck", h_status_check, HANDLER_FILE },
	{ FMC "$GetOutput", h_get_output, HANDLER_FILE },
	{ NULL, NULL, 0 },
};
