/*
 * h_durable.c: the durable-task callables of the Pipeline `sh` step in
 * its default polling mode (jenkins-callables.md section 6).
 *
 * The step itself runs as a detached shell wrapper launched through
 * Launcher$RemoteLaunchCallable (h_launch.c); the controller then polls
 * the control directory with the callables below and with ordinary
 * FilePath calls (IsDirectory, LastModified for the heartbeat, Exists,
 * DeleteRecursive: h_file.c).
 *
 * Watch mode (StartWatching, opt-in on the controller) is emulated as the
 * JVM agent's Watcher does it: a thread per control directory that every
 * 100 ms sends the new log bytes to the step's listener and, once the
 * exit code is there, calls ExecutionRemotable.exited(code, output) back
 * on the controller and removes the control directory.
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
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "agent/channel.h"
#include "agent/fsutil.h"
#include "agent/h_launch.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/command.h"
#include "protocol/jval.h"

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
 * The exit code in the result file path (StatusCheck's rules: trimmed
 * text as a long, capped to the int range).  1 with *code, 0 while there
 * is none (missing or empty), -1 with errno set or, for unparsable text,
 * errno 0 and the text in bad.
 */
static int
read_status(const char *path, int32_t *code, char *bad, size_t badlen)
{
	char		 buf[128], *s, *e, *end;
	long long	 v;
	ssize_t		 n;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
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
	if (errno != 0 || *end != '\0' || isspace((unsigned char)*s)) {
		snprintf(bad, badlen, "%s", s);
		errno = 0;
		return -1;
	}
	if (v > INT_MAX)
		v = INT_MAX;
	if (v < INT_MIN)
		v = INT_MIN;
	*code = (int32_t)v;
	return 1;
}

/*
 * FileMonitoringController$StatusCheck on jenkins-result.txt: the exit
 * code (capped at Integer.MAX_VALUE), or null while there is none.
 */
static int
h_status_check(struct hctx *h, const struct jser_node *callable)
{
	char	 bad[128];
	int32_t	 code;

	(void)callable;
	h->value = NULL;
	switch (read_status(h->file_path, &code, bad, sizeof(bad))) {
	case 0:
		return 0;
	case 1:
		h->value = cmd_new_integer(h->out, code);
		return h->value != NULL ? 0 : -1;
	default:
		if (errno != 0)
			return fail_errno(h, errno, h->file_path);
		return hctx_fail(h, "java.io.IOException",
		    "corrupted content in %.800s: %.60s", h->file_path, bad);
	}
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

/* ---- watch mode (section 6.5) ---- */

#define WATCH_PERIOD_MS		100	/* the JVM Watcher's delay */
#define WATCH_CALL_MS		60000	/* wait for exited()'s Response */
#define WATCH_EXEC_REMOTABLE	"org.jenkinsci.plugins.workflow.steps." \
	"durable_task.DurableTaskStep$ExecutionRemotable"

/* One watched control directory. */
struct watcher {
	struct watcher	*next;
	struct channel	*ch;		/* held */
	struct hctx	 wh;		/* our pipe writes; cancelled to stop */
	char		*dir;		/* C */
	char		 charset[64];	/* of the log; "": UTF-8 */
	int32_t		 log_oid;	/* the listener's stream, -1 none */
	int32_t		 exec_oid;	/* the ExecutionRemotable proxy */
	int32_t		 loader_oid;	/* for annotations of our calls */
	bool		 problem_sent;
};

static pthread_mutex_t	 watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 watch_cond = PTHREAD_COND_INITIALIZER;
static struct watcher	*watchers;

static void
watch_free(struct watcher *w)
{
	channel_drop(w->ch);
	free(w->dir);
	free(w);
}

/*
 * Call method(types) with args (in doc) on the controller's
 * ExecutionRemotable: a UserRequest wrapping a UserRPCRequest, sent after
 * every log chunk we wrote (lastIoId).  0, or -1 (logged).
 */
static int
watch_call(struct watcher *w, struct jser_doc *doc, const char *method,
    const char *const *types, uint32_t ntypes, struct jser_node *const *args,
    uint32_t nargs)
{
	static const struct jval_field cmdf[] = {
		{ 'L', "createdAt", "Ljava/lang/Exception;" },
	};
	static const struct jval_field reqf[] = {
		{ 'I', "id", NULL },
		{ 'I', "lastIoId", NULL },
		{ 'L', "response", "Lhudson/remoting/Response;" },
	};
	static const struct jval_field rpcf[] = {
		{ 'I', "oid", NULL },
		{ '[', "arguments", "[Ljava/lang/Object;" },
		{ 'L', "declaringClassName", "Ljava/lang/String;" },
		{ 'L', "methodName", "Ljava/lang/String;" },
		{ '[', "types", "[Ljava/lang/String;" },
	};
	struct jval_ctx		 ctx;
	struct jser_node	*cd, *rd, *pd, *ud, *o;
	struct wbuf		 pl, wr;
	struct cmd		 resp;
	char			 ts[512];
	size_t			 off;
	uint32_t		 i;
	int32_t			 id;
	int			 r = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.doc = doc;
	id = channel_new_request_id(w->ch);
	if ((cd = jval_class(&ctx, "hudson.remoting.Command", 1,
	    SC_SERIALIZABLE, NULL, cmdf, NF(cmdf))) == NULL ||
	    (rd = jval_class(&ctx, "hudson.remoting.Request", 1,
	    SC_SERIALIZABLE, cd, reqf, NF(reqf))) == NULL ||
	    (pd = jval_class(&ctx, CMD_CLS_RPC_REQUEST, 1, SC_SERIALIZABLE, rd,
	    rpcf, NF(rpcf))) == NULL ||
	    (ud = jval_class(&ctx, CMD_CLS_USER_RPC_REQUEST,
	    INT64_C(-9185841650347902580), SC_SERIALIZABLE, pd, NULL, 0)) ==
	    NULL || (o = jser_new_object(doc, ud)) == NULL ||
	    jser_set_prim(o, "id", (uint32_t)id) != PROTO_OK ||
	    jser_set_prim(o, "oid", (uint32_t)w->exec_oid) != PROTO_OK ||
	    jser_set_ref(o, "arguments", jval_object_array(&ctx, args,
	    nargs)) != PROTO_OK ||
	    jser_set_ref(o, "declaringClassName", jval_cstring(&ctx,
	    WATCH_EXEC_REMOTABLE)) != PROTO_OK ||
	    jser_set_ref(o, "methodName", jval_cstring(&ctx, method)) !=
	    PROTO_OK ||
	    jser_set_ref(o, "types", jval_string_array(&ctx, types, ntypes)) !=
	    PROTO_OK) {
		log_error("watch %s: cannot build %s()", w->dir, method);
		return -1;
	}
	/* Arrays.toString(types), as RPCRequest.toString() has it */
	off = (size_t)snprintf(ts, sizeof(ts), "UserRPCRequest:%s.%s[",
	    WATCH_EXEC_REMOTABLE, method);
	for (i = 0; i < ntypes && off < sizeof(ts); i++)
		off += (size_t)snprintf(ts + off, sizeof(ts) - off, "%s%s",
		    i > 0 ? ", " : "", types[i]);
	if (off < sizeof(ts))
		snprintf(ts + off, sizeof(ts) - off, "](%d)", w->exec_oid);
	wbuf_init(&pl, (size_t)1 << 30);
	wbuf_init(&wr, (size_t)1 << 30);
	memset(&resp, 0, sizeof(resp));
	if (cmd_payload_encode(doc, o, w->loader_oid, &pl) != PROTO_OK ||
	    cmd_put_user_request(&wr, id, w->wh.last_io_id, w->loader_oid,
	    pl.d, pl.len, ts) != PROTO_OK)
		log_error("watch %s: cannot encode %s()", w->dir, method);
	else if (channel_call(w->ch, id, wr.d, wr.len, &resp, WATCH_CALL_MS) !=
	    0)
		log_info("watch %s: no answer to %s()", w->dir, method);
	else if (resp.exc != NULL || resp.resp == CMD_RESP_EXCEPTION ||
	    (resp.resp == CMD_RESP_USER && resp.user_exc))
		log_info("watch %s: the controller failed %s()", w->dir,
		    method);
	else
		r = 0;
	cmd_free(&resp);
	wbuf_free(&pl);
	wbuf_free(&wr);
	return r;
}

/* problem(Exception): a non-fatal trouble with the output, once. */
static void
watch_problem(struct watcher *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
watch_problem(struct watcher *w, const char *fmt, ...)
{
	static const char *const types[] = { "java.lang.Exception" };
	struct jser_doc		*doc;
	struct jser_node	*e;
	va_list			 ap;
	char			 msg[1024];

	if (w->problem_sent)
		return;
	w->problem_sent = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("watch %s: %s", w->dir, msg);
	if ((doc = jser_doc_new()) == NULL)
		return;
	if ((e = cmd_new_exception(doc, "java.io.IOException", msg)) != NULL)
		(void)watch_call(w, doc, "problem", types, 1, &e, 1);
	jser_doc_free(doc);
}

/* C/<name> into buf. */
static const char *
watch_path(const struct watcher *w, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", w->dir, name);
	return buf;
}

/* Send log bytes [from, to) of fd to the listener, transcoded.  0, or -1
 * when reading fails (the stream's own failures only drop the output). */
static int
watch_send_log(struct watcher *w, int fd, off_t from, off_t to)
{
	uint8_t	*buf, *u;
	size_t	 ulen, want;
	ssize_t	 n;
	off_t	 pos;
	int	 r = 0;

	if ((buf = malloc(DURABLE_CHUNK)) == NULL)
		return -1;
	for (pos = from; pos < to; pos += n) {
		want = (size_t)(to - pos) < DURABLE_CHUNK ? (size_t)(to - pos) :
		    DURABLE_CHUNK;
		n = pread(fd, buf, want, pos);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			r = -1;
			break;
		}
		if (w->log_oid < 0)
			continue;
		u = NULL;
		if (w->charset[0] != '\0' &&
		    (u = to_utf8(w->charset, buf, (size_t)n, &ulen)) == NULL) {
			watch_problem(w, "cannot transcode the log from %s",
			    w->charset);
			w->charset[0] = '\0';
		}
		if (channel_pipe_write(&w->wh, w->log_oid, u != NULL ? u : buf,
		    u != NULL ? ulen : (size_t)n) != 0) {
			log_info("watch %s: the log stream is gone", w->dir);
			w->log_oid = -1;
		}
		free(u);
	}
	free(buf);
	return r;
}

/*
 * One round of the Watcher.  Returns 1 when the watch is over (exit code
 * delivered, or the control directory is gone), else 0.
 */
static int
watch_round(struct watcher *w)
{
	static const char *const types[] = { "int", "[B" };
	struct jser_doc		*doc;
	struct jser_node	*args[2];
	struct stat		 sb;
	char			 p[PATH_MAX], num[32], bad[128], *txt, *out;
	uint8_t			 last = '\n';
	size_t			 len, olen = 0;
	int64_t			 off = 0;
	int32_t			 code = 0;
	int			 st, fd;

	if (stat(w->dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		log_debug("watch %s: the control directory is gone", w->dir);
		return 1;
	}
	/* the exit code first, then the log up to its end (so that
	 * nothing written before the code is missed) */
	st = read_status(watch_path(w, "jenkins-result.txt", p, sizeof(p)),
	    &code, bad, sizeof(bad));
	if (st == -1) {
		watch_problem(w, "corrupted content in %s: %s", p,
		    errno != 0 ? strerror(errno) : bad);
		st = 0;
	}
	if (fsutil_read_file(watch_path(w, "last-location.txt", p, sizeof(p)),
	    64, &txt, &len) == 0) {
		off = strtoll(txt, NULL, 10);
		free(txt);
		if (off < 0)
			off = 0;
	}
	if ((fd = open(watch_path(w, "jenkins-log.txt", p, sizeof(p)),
	    O_RDONLY | O_CLOEXEC)) != -1) {
		if (fstat(fd, &sb) == 0 && sb.st_size > off) {
			if (watch_send_log(w, fd, (off_t)off, sb.st_size) ==
			    -1)
				watch_problem(w, "cannot read %s: %s", p,
				    strerror(errno));
			else {
				off = sb.st_size;
				len = (size_t)snprintf(num, sizeof(num),
				    "%lld", (long long)off);
				(void)fsutil_write_atomic(watch_path(w,
				    "last-location.txt", p, sizeof(p)), num,
				    len, 0644);
			}
		}
		if (off > 0 && pread(fd, &last, 1, (off_t)off - 1) != 1)
			last = '\n';
		close(fd);
	}
	if (st != 1)
		return 0;
	/* done: output.txt (returnStdout), a final newline, exited() */
	out = NULL;
	if (fsutil_read_file(watch_path(w, "output.txt", p, sizeof(p)),
	    DURABLE_OUTPUT_MAX, &out, &olen) == -1 && errno != ENOENT)
		watch_problem(w, "cannot read %s: %s", p, strerror(errno));
	if (w->log_oid >= 0) {
		if (last != '\n')
			(void)channel_pipe_write(&w->wh, w->log_oid,
			    (const uint8_t *)"\n", 1);
		(void)channel_pipe_flush(&w->wh, w->log_oid);
	}
	if ((doc = jser_doc_new()) != NULL) {
		args[0] = cmd_new_integer(doc, code);
		args[1] = out != NULL ? cmd_new_bytes(doc, out,
		    (uint32_t)olen) : NULL;
		if (args[0] != NULL && (out == NULL || args[1] != NULL) &&
		    watch_call(w, doc, "exited", types, 2, args, 2) == 0)
			log_debug("watch %s: exited(%d) delivered", w->dir,
			    code);
		jser_doc_free(doc);
	}
	free(out);
	if (fsutil_rmtree(w->dir) == -1)
		log_info("watch %s: cannot remove it: %s", w->dir,
		    strerror(errno));
	return 1;
}

static void *
watch_main(void *arg)
{
	struct watcher	 *w = arg, **wp, *o;
	struct timespec	  ts;
	struct wbuf	  u;
	bool		  other;

	/* a watcher this one replaces finishes first */
	pthread_mutex_lock(&watch_lock);
	do {
		other = false;
		for (o = watchers; o != NULL; o = o->next)
			if (o != w && strcmp(o->dir, w->dir) == 0)
				other = true;
		if (other) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
		}
	} while (other && !hctx_cancelled(&w->wh));
	pthread_mutex_unlock(&watch_lock);
	while (!hctx_cancelled(&w->wh) && !channel_closing(w->ch) &&
	    watch_round(w) == 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = WATCH_PERIOD_MS * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	/* release the controller's objects we were given */
	if (!channel_closing(w->ch)) {
		if (w->log_oid >= 0)
			(void)channel_pipe_unexport(&w->wh, w->log_oid);
		wbuf_init(&u, 4096);
		if (cmd_put_unexport(&u, w->exec_oid) == PROTO_OK)
			(void)channel_send(w->ch, u.d, u.len);
		wbuf_free(&u);
	}
	pthread_mutex_lock(&watch_lock);
	for (wp = &watchers; *wp != NULL; wp = &(*wp)->next)
		if (*wp == w) {
			*wp = w->next;
			break;
		}
	pthread_cond_broadcast(&watch_cond);
	pthread_mutex_unlock(&watch_lock);
	watch_free(w);
	return NULL;
}

/* The oid in a proxy's RemoteInvocationHandler, or -1. */
static int32_t
proxy_oid(const struct jser_node *px)
{
	struct jser_node	*ih = NULL;
	int32_t			 oid;

	if (px == NULL || jser_field_ref(px, "h", &ih) != PROTO_OK ||
	    ih == NULL || !jser_instance_of(ih,
	    "hudson.remoting.RemoteInvocationHandler") ||
	    jser_field_int(ih, "oid", &oid) != PROTO_OK)
		return -1;
	return oid;
}

/*
 * FileMonitoringTask$StartWatching{controller, handler, listener} on the
 * workspace: start (or restart) the Watcher of controller.controlDir and
 * return null at once.
 */
static int
h_start_watching(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*ctl = NULL, *hd = NULL, *ls = NULL, *ex = NULL;
	struct watcher		*w, *o;
	pthread_attr_t		 attr;
	pthread_t		 t;
	const char		*dir, *cs;
	int32_t			 exec_oid;
	int			 rc;

	if (h->ch == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "StartWatching needs a channel");
	(void)jser_field_ref(callable, "controller", &ctl);
	(void)jser_field_ref(callable, "handler", &hd);
	(void)jser_field_ref(callable, "listener", &ls);
	if (ctl == NULL || !jser_instance_of(ctl, "org.jenkinsci.plugins."
	    "durabletask.FileMonitoringTask$FileMonitoringController") ||
	    (dir = hctx_field_string(h, ctl, "controlDir")) == NULL ||
	    dir[0] != '/')
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "StartWatching without a FileMonitoringController and "
		    "its control directory");
	if (hd == NULL || jser_field_ref(hd, "execution", &ex) != PROTO_OK ||
	    (exec_oid = proxy_oid(ex)) < 0)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "StartWatching without a handler to call back");
	/* the log's charset (null: the agent's default), to UTF-8 */
	cs = hctx_field_string(h, ctl, "charset");
	if (cs == NULL || strcmp(cs, "SYSTEM_DEFAULT") == 0)
		cs = default_charset();
	if (cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "UTF8") == 0))
		cs = NULL;
	if (cs != NULL) {
		iconv_t	 cd;

		if (strlen(cs) >= sizeof(w->charset) ||
		    (cd = iconv_open("UTF-8", cs)) == (iconv_t)-1)
			return hctx_fail(h,
			    "java.nio.charset.UnsupportedCharsetException",
			    "%.100s", cs);
		iconv_close(cd);
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->dir = strdup(dir)) == NULL) {
		free(w);
		return hctx_fail(h, "java.lang.OutOfMemoryError",
		    "out of memory");
	}
	if (cs != NULL)
		snprintf(w->charset, sizeof(w->charset), "%s", cs);
	w->ch = channel_hold(h->ch);
	w->wh.ch = h->ch;
	w->wh.conf = h->conf;
	w->wh.loader_oid = h->loader_oid;
	atomic_init(&w->wh.cancelled, false);
	w->log_oid = launch_find_ros(ls);
	if (w->log_oid < 0)
		w->log_oid = launch_find_ros(hd);
	w->exec_oid = exec_oid;
	w->loader_oid = h->loader_oid;
	pthread_mutex_lock(&watch_lock);
	for (o = watchers; o != NULL; o = o->next)
		if (strcmp(o->dir, w->dir) == 0)
			channel_cancel(o->ch, &o->wh);
	w->next = watchers;
	watchers = w;
	pthread_mutex_unlock(&watch_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, watch_main, w);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		struct watcher	**wp;

		pthread_mutex_lock(&watch_lock);
		for (wp = &watchers; *wp != NULL; wp = &(*wp)->next)
			if (*wp == w) {
				*wp = w->next;
				break;
			}
		pthread_mutex_unlock(&watch_lock);
		watch_free(w);
		return hctx_fail(h, "java.io.IOException",
		    "cannot start watching %s", dir);
	}
	log_info("watching %s (log stream %d, callback %d)", dir, w->log_oid,
	    exec_oid);
	h->value = NULL;
	return 0;
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
	{ "org.jenkinsci.plugins.durabletask.FileMonitoringTask$StartWatching",
	    h_start_watching, HANDLER_FILE },
	{ NULL, NULL, 0 },
};
