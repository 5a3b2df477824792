/*
 * test_files.c: the FilePath handlers against the real capture
 * (captures/jenkins-direct): each captured FilePath callable is decoded
 * from its UserRequest, its agent paths are moved to a temp dir, it runs
 * through the registry (FileCallableWrapper -> h_file.c) and its result
 * is compared with the Java agent's answer.  Plus direct tests of the
 * handlers (Write encodings, errors) and of atomic writes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "agent/agent.h"
#include "agent/archive.h"
#include "agent/channel.h"
#include "agent/fsutil.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "agent/transport.h"
#include "protocol/chunk.h"
#include "protocol/command.h"
#include "tests/unit/chan_testutil.h"
#include "protocol/jval.h"
#include "tests/unit/tap.h"

#define AGENT_ROOT	"/home/jenkins/agent"	/* 19 bytes, as our root */
#define MAX_CMDS	2048

static char	 root[] = "/tmp/jnfiles-XXXXXX";	/* 19 bytes too */

struct reply {
	int32_t	 id;
	char	 repr[4096];
};

static struct reply	*replies;
static size_t		 nreplies;

static uint8_t *
slurp(const char *path, size_t *len)
{
	char	*d;

	if (fsutil_read_file(path, 64 << 20, &d, len) == -1)
		return NULL;
	return (uint8_t *)d;
}

/* Replace every occurrence of from with to (same length) in p. */
static void
rewrite(uint8_t *p, size_t len, const char *from, const char *to)
{
	size_t	 n = strlen(from), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, from, n) == 0)
			memcpy(p + i, to, n);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A canonical text of a result value: type and content, paths moved back
 * under AGENT_ROOT, lists sorted (directory order differs between file
 * systems), times reduced to zero / non-zero when fuzzy.
 */
static void
repr(struct jser_doc *doc, const struct jser_node *n, bool fuzzy_time,
    char *out, size_t size)
{
	const char		*cls;
	struct jser_node	**items, **arr;
	char			*u, **parts, *p;
	size_t			 ul, i, len;
	uint32_t		 cnt;
	int64_t			 v;
	bool			 b;

	out[0] = '\0';
	if (n == NULL) {
		snprintf(out, size, "null");
		return;
	}
	if (n->type == JSER_STRING) {
		if (jval_get_utf8(doc, n, &u, &ul) != PROTO_OK) {
			snprintf(out, size, "String:?");
			return;
		}
		if ((p = strstr(u, root)) != NULL)
			memcpy(p, AGENT_ROOT, strlen(AGENT_ROOT));
		len = (size_t)snprintf(out, size, "String:");
		for (i = 0; i < ul && len + 3 < size; i++) {
			if (u[i] == '\n') {
				out[len++] = '\\';
				out[len++] = 'n';
			} else
				out[len++] = u[i];
		}
		out[len] = '\0';
		return;
	}
	cls = jser_class_name(n);
	if (cls == NULL)
		cls = "?";
	if (jval_get_bool(n, &b) == PROTO_OK) {
		snprintf(out, size, "Boolean:%s", b ? "true" : "false");
		return;
	}
	if (jval_get_int(n, &v) == PROTO_OK) {
		if (fuzzy_time)
			snprintf(out, size, "%s:%s", cls, v ? "nonzero" : "0");
		else
			snprintf(out, size, "%s:%lld", cls, (long long)v);
		return;
	}
	if (strcmp(cls, "hudson.tasks.Fingerprinter$Record") == 0) {
		const char	*rp, *fn, *md;

		if (jser_field_string(n, "relativePath", &rp) != PROTO_OK ||
		    jser_field_string(n, "fileName", &fn) != PROTO_OK ||
		    jser_field_string(n, "md5sum", &md) != PROTO_OK ||
		    jser_field_bool(n, "produced", &b) != PROTO_OK)
			snprintf(out, size, "Record:?");
		else
			snprintf(out, size, "Record:%s|%s|%s|%s",
			    rp ? rp : "null", fn ? fn : "null",
			    md ? md : "null", b ? "produced" : "old");
		return;
	}
	if (strcmp(cls, "hudson.FilePath") == 0) {
		const char	*m;

		if (jser_field_string(n, "remote", &m) != PROTO_OK ||
		    m == NULL)
			m = "?";
		snprintf(out, size, "FilePath:%s", m);
		if ((p = strstr(out, root)) != NULL)
			memcpy(p, AGENT_ROOT, strlen(AGENT_ROOT));
		return;
	}
	items = NULL;
	cnt = 0;
	if (n->type == JSER_ARRAY && n->u.arr.elem == 'L') {
		arr = n->u.arr.data;
		items = arr;
		cnt = n->u.arr.length;
	} else if (jval_list_items(doc, n, &items, &cnt) != PROTO_OK &&
	    jval_set_items(doc, n, &items, &cnt) != PROTO_OK) {
		snprintf(out, size, "%s:(opaque)", cls);
		return;
	}
	if (cnt == 0) {
		snprintf(out, size, "Collection[]");
		return;
	}
	parts = calloc(cnt, sizeof(*parts));
	for (i = 0; parts != NULL && i < cnt; i++) {
		parts[i] = malloc(1024);
		if (parts[i] != NULL)
			repr(doc, items[i], fuzzy_time, parts[i], 1024);
	}
	if (parts == NULL)
		return;
	qsort(parts, cnt, sizeof(*parts), str_cmp);
	len = (size_t)snprintf(out, size, "Collection[");
	for (i = 0; i < cnt; i++) {
		if (len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
			    i ? "," : "", parts[i] ? parts[i] : "?");
		free(parts[i]);
	}
	if (len < size)
		snprintf(out + len, size - len, "]");
	free(parts);
}

/* Load the Java agent's answers (rx) by request id. */
static void
load_replies(const char *dir)
{
	char		 path[PATH_MAX + 64];
	struct cmd	 c;
	struct jser_doc	*doc;
	const char	*cls, *msg;
	uint8_t		*p;
	size_t		 len;
	int		 k;

	replies = calloc(MAX_CMDS, sizeof(*replies));
	for (k = 0; k < MAX_CMDS && replies != NULL; k++) {
		snprintf(path, sizeof(path), "%s/conn1-rx-cmd%03d.bin", dir, k);
		if ((p = slurp(path, &len)) == NULL)
			break;
		memset(&c, 0, sizeof(c));
		if (cmd_parse(p, len, NULL, &c, NULL) == PROTO_OK &&
		    c.kind == CMD_RESPONSE) {
			struct reply	*r = &replies[nreplies];

			r->id = c.id;
			doc = NULL;
			if (c.resp == CMD_RESP_NORMAL && c.has_payload &&
			    jser_decode(c.payload, c.payload_len, NULL, &doc,
			    NULL) == PROTO_OK) {
				repr(doc, jser_root(doc), false, r->repr,
				    sizeof(r->repr));
				nreplies++;
			} else if (c.resp == CMD_RESP_NORMAL && !c.has_payload) {
				snprintf(r->repr, sizeof(r->repr), "null");
				nreplies++;
			} else if (c.resp == CMD_RESP_EXCEPTION && c.has_raw &&
			    jser_decode(c.raw, c.raw_len, NULL, &doc, NULL) ==
			    PROTO_OK && jval_throwable_info(jser_root(doc),
			    &cls, &msg, NULL) == PROTO_OK) {
				char	*um = NULL;

				if (msg != NULL)
					jser_mutf8_to_utf8(doc, msg,
					    strlen(msg), &um, NULL);
				snprintf(r->repr, sizeof(r->repr),
				    "throws %s: %s", cls, um != NULL ? um :
				    "(null)");
				nreplies++;
			}
			jser_doc_free(doc);
		}
		cmd_free(&c);
		free(p);
	}
}

static const struct reply *
find_reply(int32_t id)
{
	size_t	 i;

	for (i = 0; i < nreplies; i++)
		if (replies[i].id == id)
			return &replies[i];
	return NULL;
}

/* Run a callable through the registry as the channel would. */
static int
run(struct jser_node *callable, const char *file_path, char *out,
    size_t size, bool fuzzy, const char **inner_cls)
{
	struct hctx	 h;
	int		 r;

	memset(&h, 0, sizeof(h));
	h.loader_oid = -1;
	h.req_id = 1;
	h.file_path = file_path;
	if ((h.out = jser_doc_new()) == NULL)
		return -1;
	r = handlers_call(&h, callable);
	if (r == 0)
		repr(h.out, h.value, fuzzy, out, size);
	else {
		char	*q;

		snprintf(out, size, "throws %s: %s", h.exc_class, h.exc_msg);
		if ((q = strstr(out, root)) != NULL)
			memcpy(q, AGENT_ROOT, strlen(AGENT_ROOT));
	}
	jser_doc_free(h.out);
	(void)inner_cls;
	return r;
}

/* Class of the FileCallable inside a wrapper, or NULL. */
static const char *
inner_class(const struct jser_node *root_obj)
{
	struct jser_node	*in;

	if (jser_field_ref(root_obj, "callable", &in) == PROTO_OK ||
	    jser_field_ref(root_obj, "task", &in) == PROTO_OK)
		return jser_class_name(in);
	return NULL;
}

static bool
needs_channel(const char *cls)
{
	static const char *const streamed[] = {
		"hudson.FilePath$WritePipe", "hudson.FilePath$Read",
		"hudson.FilePath$CopyTo", "hudson.FilePath$UntarRemote",
		"hudson.FilePath$Archive",
		"hudson.FilePath$CopyRecursiveRemoteToLocal",
	};
	size_t	 i;

	for (i = 0; i < sizeof(streamed) / sizeof(streamed[0]); i++)
		if (strcmp(cls, streamed[i]) == 0)
			return true;
	return false;
}

static void
put(const char *rel, const char *text, mode_t mode)
{
	char	 p[PATH_MAX];
	int	 fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fsutil_mkdirs_parent(p, 0755);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode)) != -1) {
		if (write(fd, text, strlen(text)) < 0)
			diag("write %s: %s", p, strerror(errno));
		close(fd);
	}
}

/* The state the controller's other steps (sh, streams) left behind
 * before the captured FilePath calls; see conn1-transcript.txt. */
static void
prepare(void)
{
	static char	 big[12345 + 1];
	char		 p[PATH_MAX];

	put("workspace/fp-exists/present.txt", "x", 0644);
	put("workspace/fp-is-directory/file.txt", "x", 0644);
	put("workspace/fp-read-to-string/f.txt",
	    "first line\nsecond \xc3\xa9\xc3\xa8 line\n", 0644);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put("workspace/fp-length/f.bin", big, 0644);
	put("workspace/fp-list/a.txt", "a", 0644);
	put("workspace/fp-list/b.txt", "b", 0644);
	put("workspace/fp-list/d1/in.txt", "c", 0644);
	put("workspace/fp-list/d2/in.txt", "d", 0644);
	put("workspace/fp-list-glob/D.java", "d", 0644);
	put("workspace/fp-list-glob/src/A.java", "a", 0644);
	put("workspace/fp-list-glob/src/B.txt", "b", 0644);
	put("workspace/fp-list-glob/src/sub/C.java", "c", 0644);
	put("workspace/fp-list-glob/.git/E.java", "e", 0644);	/* excluded */
	put("workspace/fp-list-glob/src/F.java~", "f", 0644);
	put("workspace/fp-chmod-mode/f.sh", "#!/bin/sh\n", 0644);
	put("workspace/fp-rename-to/src.txt", "r", 0644);
	put("workspace/fp-delete-recursive/tree/a/b.txt", "b", 0644);
	put("workspace/fp-delete-contents/tree/a/b.txt", "b", 0644);
	snprintf(p, sizeof(p), "%s/workspace/fp-touch", root);
	fsutil_mkdirs(p, 0755);
}

static void
capture_tests(const char *fixtures)
{
	char		 dir[PATH_MAX], path[PATH_MAX + 64];
	char		 ours[4096];
	struct cmd	 c;
	struct jser_doc	*doc;
	struct jser_node *obj;
	const struct reply *rep;
	const char	*cls, *icls;
	uint8_t		*p;
	size_t		 len;
	int		 k, ran = 0, skipped = 0, same;

	snprintf(dir, sizeof(dir), "%s/remoting/captures/jenkins-direct",
	    fixtures);
	load_replies(dir);
	ok(nreplies > 0, "loaded %zu Java agent responses", nreplies);
	prepare();
	for (k = 0; k < MAX_CMDS; k++) {
		snprintf(path, sizeof(path), "%s/conn1-tx-cmd%03d.bin", dir, k);
		if ((p = slurp(path, &len)) == NULL)
			break;
		memset(&c, 0, sizeof(c));
		doc = NULL;
		if (cmd_parse(p, len, NULL, &c, NULL) != PROTO_OK ||
		    c.kind != CMD_USER_REQUEST || !c.has_payload)
			goto next;
		rewrite((uint8_t *)c.payload, c.payload_len, AGENT_ROOT, root);
		if (jser_decode(c.payload, c.payload_len, NULL, &doc, NULL) !=
		    PROTO_OK || (obj = jser_root(doc)) == NULL)
			goto next;
		cls = jser_class_name(obj);
		if (cls == NULL || (strcmp(cls,
		    "hudson.FilePath$FileCallableWrapper") != 0 &&
		    strcmp(cls, "hudson.FilePath$CallableWith") != 0))
			goto next;
		icls = inner_class(obj);
		if (icls == NULL || strncmp(icls, "hudson.FilePath$", 16) != 0)
			goto next;
		if (needs_channel(icls)) {
			skipped++;
			goto next;
		}
		rep = find_reply(c.id);
		run(obj, NULL, ours, sizeof(ours),
		    strcmp(icls, "hudson.FilePath$LastModified") == 0, NULL);
		ran++;
		if (rep == NULL) {
			diag("cmd%03d %s: no Java answer in the capture", k,
			    icls);
			goto next;
		}
		if (strcmp(icls, "hudson.FilePath$LastModified") == 0 &&
		    strncmp(rep->repr, "java.lang.Long:", 15) == 0)
			snprintf(((struct reply *)rep)->repr, sizeof(rep->repr),
			    "java.lang.Long:%s", strcmp(rep->repr + 15, "0") ?
			    "nonzero" : "0");
		same = strcmp(ours, rep->repr) == 0;
		ok(same, "cmd%03d %s: %s", k, icls + 16, ours);
		if (!same)
			diag("  Java agent: %s", rep->repr);
next:
		jser_doc_free(doc);
		cmd_free(&c);
		free(p);
	}
	ok(ran > 20, "ran %d captured FilePath callables (%d need a channel)",
	    ran, skipped);
}


/* ---- streaming callables through a live channel ---- */

static bool file_is(const char *rel, const char *data, size_t n);


struct live {
	pthread_t		 th;
	int			 fd;
	volatile int		 stop;
	struct agent_conf	 conf;
	struct ttrans		*tt;
	struct chan_rx		 rx;
	int32_t			 io;
};

static void *
live_main(void *arg)
{
	struct live	*l = arg;

	channel_run(&l->tt->t, &l->conf, &l->stop);
	return NULL;
}

static int
live_start(struct live *l)
{
	memset(l, 0, sizeof(*l));
	if (chan_pair(&l->tt, &l->fd) == -1)
		return -1;
	l->conf.work_dir = root;
	chan_rx_init(&l->rx);
	return pthread_create(&l->th, NULL, live_main, l) == 0 ? 0 : -1;
}

static void
live_stop(struct live *l)
{
	l->stop = 1;
	shutdown(l->fd, SHUT_RDWR);
	pthread_join(l->th, NULL);
	close(l->fd);
	chan_rx_free(&l->rx);
}

static int
live_send(struct live *l, const uint8_t *cmd, size_t len)
{
	return chan_send_cmd(l->fd, cmd, len, (size_t)1 << 28);
}

/* Next command from the agent (0), -1 on timeout or error. */
static int
live_next(struct live *l, int ms, struct cmd *c)
{
	return chan_rx_next(&l->rx, l->fd, ms, true, c) == 0 ? 0 : -1;
}

/* Send a captured request (paths moved under root); its id. */
static int32_t
live_request(struct live *l, const char *dir, int k)
{
	char		 path[PATH_MAX + 64];
	struct cmd	 c;
	uint8_t		*p;
	size_t		 len;
	int32_t		 id = -1;

	snprintf(path, sizeof(path), "%s/conn1-tx-cmd%03d.bin", dir, k);
	if ((p = slurp(path, &len)) == NULL)
		return -1;
	rewrite(p, len, AGENT_ROOT, root);
	memset(&c, 0, sizeof(c));
	if (cmd_parse(p, len, NULL, &c, NULL) == PROTO_OK &&
	    live_send(l, p, len) == 0)
		id = c.id;
	cmd_free(&c);
	free(p);
	return id;
}

/* "class: file-or-message" of the error the last EOF carried, or "". */
static char	live_eof_error[PATH_MAX + 256];

static void
describe_error(const struct jser_node *e, char *out, size_t outlen)
{
	const char	*cls = jser_class_name(e), *s = NULL;

	if (jser_field_string(e, "file", &s) != PROTO_OK || s == NULL)
		if (jser_field_string(e, "detailMessage", &s) != PROTO_OK)
			s = NULL;
	snprintf(out, outlen, "%s: %s", cls ? cls : "?", s ? s : "(null)");
}

/*
 * Collect what the agent writes to stream oid until its EOF, acking
 * chunks, and then wait for the Response to id.  *data is malloc'd.
 * Returns the response kind (CMD_RESP_*) or -1.
 */
static int
live_collect(struct live *l, int32_t id, int32_t oid, uint8_t **data,
    size_t *dlen, bool *eof_error, char *ret, size_t retlen)
{
	struct cmd	 c;
	struct wbuf	 w;
	struct jser_doc	*doc;
	uint8_t		*nd;
	int		 kind = -1;

	*data = NULL;
	*dlen = 0;
	*eof_error = false;
	live_eof_error[0] = '\0';
	snprintf(ret, retlen, "(none)");
	while (live_next(l, 20000, &c) == 0) {
		if (c.kind == CMD_POS_CHUNK && c.oid == oid) {
			if ((nd = realloc(*data, *dlen + c.buf_len + 1)) !=
			    NULL) {
				memcpy(nd + *dlen, c.buf, c.buf_len);
				*data = nd;
				*dlen += c.buf_len;
			}
			wbuf_init(&w, 4096);
			cmd_put_pos_ack(&w, c.oid, (int32_t)c.buf_len);
			live_send(l, w.d, w.len);
			wbuf_free(&w);
		} else if (c.kind == CMD_POS_EOF && c.oid == oid) {
			*eof_error = c.error != NULL;
			if (c.error != NULL)
				describe_error(c.error, live_eof_error,
				    sizeof(live_eof_error));
		}
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			kind = (int)c.resp;
			doc = NULL;
			if (c.resp == CMD_RESP_NORMAL && c.has_payload &&
			    jser_decode(c.payload, c.payload_len, NULL, &doc,
			    NULL) == PROTO_OK)
				repr(doc, jser_root(doc), false, ret, retlen);
			jser_doc_free(doc);
			cmd_free(&c);
			break;
		}
		cmd_free(&c);
	}
	return kind;
}

/* Random-ish bytes (deterministic). */
static void
fill(uint8_t *p, size_t n)
{
	uint32_t	 x = 2463534242u;
	size_t		 i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static int
mem_sink(void *arg, const void *p, size_t n)
{
	struct wbuf	*w = arg;

	return wbuf_put(w, p, n) == PROTO_OK ? 0 : -1;
}

/* "name type perm size" lines of a (compressed) tar in memory, sorted. */
static char *
tar_listing(const uint8_t *p, size_t n, long *count)
{
	struct archive		*a = archive_read_new();
	struct archive_entry	*e;
	char			**lines = NULL, *out = NULL;
	size_t			 nl = 0, i, len = 0;

	*count = 0;
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char	**nv = realloc(lines, (nl + 1) * sizeof(*lines));

		if (nv == NULL)
			break;
		lines = nv;
		if (asprintf(&lines[nl], "%s %c %o %lld",
		    archive_entry_pathname(e),
		    archive_entry_filetype(e) == AE_IFDIR ? 'd' :
		    archive_entry_filetype(e) == AE_IFLNK ? 'l' : 'f',
		    (unsigned)archive_entry_perm(e),
		    (long long)archive_entry_size(e)) == -1)
			break;
		nl++;
	}
	archive_read_free(a);
	qsort(lines, nl, sizeof(*lines), str_cmp);
	for (i = 0; i < nl; i++)
		len += strlen(lines[i]) + 1;
	if ((out = calloc(1, len + 1)) != NULL)
		for (i = 0; i < nl; i++) {
			strcat(out, lines[i]);
			strcat(out, ";");
		}
	for (i = 0; i < nl; i++)
		free(lines[i]);
	free(lines);
	*count = (long)nl;
	return out;
}

/* The Java agent's bytes for stream oid during request id (rx). */
static uint8_t *
java_stream(const char *dir, int32_t oid, int32_t req, size_t *len)
{
	char		 path[PATH_MAX + 64];
	struct cmd	 c;
	uint8_t		*p, *out = NULL, *no;
	size_t		 n;
	int		 k;

	*len = 0;
	for (k = 0; k < MAX_CMDS; k++) {
		snprintf(path, sizeof(path), "%s/conn1-rx-cmd%03d.bin", dir, k);
		if ((p = slurp(path, &n)) == NULL)
			break;
		memset(&c, 0, sizeof(c));
		if (cmd_parse(p, n, NULL, &c, NULL) == PROTO_OK &&
		    c.kind == CMD_POS_CHUNK && c.oid == oid &&
		    c.request_id == req &&
		    (no = realloc(out, *len + c.buf_len + 1)) != NULL) {
			memcpy(no + *len, c.buf, c.buf_len);
			out = no;
			*len += c.buf_len;
		}
		cmd_free(&c);
		free(p);
	}
	return out;
}

static ssize_t
buf_source(void *arg, void *p, size_t n)
{
	struct rbuf	*b = arg;

	if (n > b->len)
		n = b->len;
	memcpy(p, b->p, n);
	b->p += n;
	b->len -= n;
	return (ssize_t)n;
}

/* A FilePath on the agent side (custom boolean false) for root/rel. */
static struct jser_node *
new_fp(struct jser_doc *doc, const char *rel)
{
	struct jser_node	*fd, *fo;
	struct jser_classdata	*cd;
	char			 full[PATH_MAX];
	uint8_t			 zero = 0;

	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if ((fd = jser_desc_find(doc, "hudson.FilePath")) == NULL &&
	    ((fd = jser_new_desc(doc, "hudson.FilePath", 1, SC_WRITE_METHOD |
	    SC_SERIALIZABLE, NULL)) == NULL || jser_desc_add_field(doc, fd,
	    'L', "remote", "Ljava/lang/String;") != PROTO_OK))
		return NULL;
	if ((fo = jser_new_object(doc, fd)) == NULL ||
	    jser_set_ref(fo, "remote", jser_new_string(doc, full,
	    strlen(full))) != PROTO_OK ||
	    (cd = jser_obj_classdata(fo, NULL)) == NULL ||
	    jser_content_add_block(doc, &cd->custom, &zero, 1) != PROTO_OK)
		return NULL;
	cd->has_custom = true;
	return fo;
}

/*
 * A UserRequest with FileCallableWrapper{CopyRecursiveRemoteToLocal{
 * GZIP, "UTF-8", Pipe(true, pipe_oid), ExplicitlySpecifiedDirScanner{
 * files}}, root/rel}, as hudson.FilePath.copyRecursiveTo sends it.
 */
static int
copy_recursive_request(struct wbuf *w, int32_t id, const char *rel,
    int32_t pipe_oid, const char *const *names, const char *const *paths,
    uint32_t n)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jval_ctx		 jc = { .doc = doc };
	struct jser_node	*d, *en, *wrap, *cb, *pipe, *sc, *keys[8], *vals[8];
	struct jser_classdata	*cd;
	struct wbuf		 pl;
	uint8_t			 pd[5] = { 1, 0, 0, 0, 0 };
	uint32_t		 i;
	int			 r = -1;

	pd[1] = (uint8_t)(pipe_oid >> 24);
	pd[2] = (uint8_t)(pipe_oid >> 16);
	pd[3] = (uint8_t)(pipe_oid >> 8);
	pd[4] = (uint8_t)pipe_oid;
	wbuf_init(&pl, 1 << 20);
	if (doc == NULL || n > 8)
		goto out;
	d = jser_new_desc(doc, "hudson.FilePath$FileCallableWrapper", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "callable",
	    "Lhudson/FilePath$FileCallable;");
	jser_desc_add_field(doc, d, 'L', "filePath", "Lhudson/FilePath;");
	wrap = jser_new_object(doc, d);
	d = jser_new_desc(doc, "hudson.FilePath$CopyRecursiveRemoteToLocal",
	    1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "compression",
	    "Lhudson/FilePath$TarCompression;");
	jser_desc_add_field(doc, d, 'L', "filenamesEncoding",
	    "Ljava/lang/String;");
	jser_desc_add_field(doc, d, 'L', "pipe", "Lhudson/remoting/Pipe;");
	jser_desc_add_field(doc, d, 'L', "scanner", "Lhudson/util/DirScanner;");
	cb = jser_new_object(doc, d);
	d = jser_new_desc(doc, "java.lang.Enum", 0, SC_SERIALIZABLE | SC_ENUM,
	    NULL);
	d = jser_new_desc(doc, "hudson.FilePath$TarCompression", 0,
	    SC_SERIALIZABLE | SC_ENUM, d);
	en = jser_new_enum(doc, d, "GZIP");
	d = jser_new_desc(doc, "hudson.remoting.Pipe", 1, SC_WRITE_METHOD |
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "in", "Ljava/io/InputStream;");
	jser_desc_add_field(doc, d, 'L', "out", "Ljava/io/OutputStream;");
	pipe = jser_new_object(doc, d);
	if (pipe == NULL || (cd = jser_obj_classdata(pipe, NULL)) == NULL)
		goto out;
	cd->has_fields = false;
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, pd, sizeof(pd));
	d = jser_new_desc(doc, "hudson.FilePath$ExplicitlySpecifiedDirScanner",
	    1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "files", "Ljava/util/Map;");
	sc = jser_new_object(doc, d);
	for (i = 0; i < n; i++) {
		keys[i] = jval_cstring(&jc, names[i]);
		vals[i] = jval_cstring(&jc, paths[i]);
	}
	if (wrap == NULL || cb == NULL || en == NULL || sc == NULL ||
	    jser_set_ref(sc, "files", jval_hashmap(&jc, keys, vals, n)) !=
	    PROTO_OK ||
	    jser_set_ref(cb, "compression", en) != PROTO_OK ||
	    jser_set_ref(cb, "filenamesEncoding", jval_cstring(&jc, "UTF-8"))
	    != PROTO_OK || jser_set_ref(cb, "pipe", pipe) != PROTO_OK ||
	    jser_set_ref(cb, "scanner", sc) != PROTO_OK ||
	    jser_set_ref(wrap, "callable", cb) != PROTO_OK ||
	    jser_set_ref(wrap, "filePath", new_fp(doc, rel)) != PROTO_OK ||
	    cmd_payload_encode(doc, wrap, 2, &pl) != PROTO_OK ||
	    cmd_put_user_request(w, id, 0, 2, pl.d, pl.len,
	    "CopyRecursiveRemoteToLocal") != PROTO_OK)
		goto out;
	r = 0;
out:
	wbuf_free(&pl);
	jser_doc_free(doc);
	return r;
}

static void
live_tests(const char *fixtures)
{
	static uint8_t	 blob[300000];
	char		 dir[PATH_MAX], ret[4096], p[PATH_MAX],
			 want[PATH_MAX + 64];
	struct live	 l;
	struct cmd	 c;
	struct wbuf	 w, tgz;
	struct arc_writer *aw;
	uint8_t		*data;
	size_t		 dlen;
	bool		 eerr;
	int32_t		 id, pos = -1;
	int		 kind, i;

	snprintf(dir, sizeof(dir), "%s/remoting/captures/jenkins-direct",
	    fixtures);
	if (live_start(&l) == -1) {
		ok(0, "live channel started");
		return;
	}
	fill(blob, sizeof(blob));

	/* Read (cmd089): Pipe marker true, oid 3 */
	snprintf(p, sizeof(p), "%s/workspace/fp-read-stream/in.bin", root);
	fsutil_mkdirs_parent(p, 0755);
	fsutil_write_atomic(p, blob, sizeof(blob), 0644);
	id = live_request(&l, dir, 89);
	kind = live_collect(&l, id, 3, &data, &dlen, &eerr, ret, sizeof(ret));
	ok(kind == CMD_RESP_NORMAL && dlen == sizeof(blob) && data != NULL &&
	    memcmp(data, blob, dlen) == 0 && !eerr && strcmp(ret, "null") ==
	    0, "Read streams %zu bytes into the pipe, EOF, null", dlen);
	free(data);
	unlink(p);
	id = live_request(&l, dir, 89);
	kind = live_collect(&l, id, 3, &data, &dlen, &eerr, ret, sizeof(ret));
	snprintf(want, sizeof(want), "java.nio.file.NoSuchFileException: %s",
	    p);
	ok(kind == CMD_RESP_NORMAL && dlen == 0 && eerr &&
	    strcmp(live_eof_error, want) == 0,
	    "Read of a missing file: EOF with NoSuchFileException(path), "
	    "still null (%s)", live_eof_error);
	free(data);
	/* unreadable: AccessDeniedException (root reads anything: skip) */
	fsutil_write_atomic(p, blob, 16, 0000);
	if (geteuid() == 0)
		ok(1, "Read of an unreadable file # SKIP running as root");
	else {
		id = live_request(&l, dir, 89);
		kind = live_collect(&l, id, 3, &data, &dlen, &eerr, ret,
		    sizeof(ret));
		snprintf(want, sizeof(want), "java.nio.file."
		    "AccessDeniedException: %s", p);
		ok(kind == CMD_RESP_NORMAL && dlen == 0 && eerr &&
		    strcmp(live_eof_error, want) == 0,
		    "Read of an unreadable file: EOF with "
		    "AccessDeniedException(path) (%s)", live_eof_error);
		free(data);
	}
	unlink(p);

	/* CopyTo (cmd128): RemoteOutputStream, EOF at the end */
	snprintf(p, sizeof(p), "%s/workspace/fp-copy-to/src.bin", root);
	fsutil_mkdirs_parent(p, 0755);
	fsutil_write_atomic(p, blob, 100000, 0644);
	id = live_request(&l, dir, 128);
	{
		/* the RemoteOutputStream oid of the capture */
		struct jser_doc		*doc = NULL;
		struct jser_node	*in, *out;
		const struct jser_content *cc;
		struct jser_cursor	 cur;
		uint32_t		 o = 0;
		uint8_t			*raw;
		size_t			 rl;
		char			 path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/conn1-tx-cmd128.bin", dir);
		raw = slurp(path, &rl);
		memset(&c, 0, sizeof(c));
		if (raw != NULL && cmd_parse(raw, rl, NULL, &c, NULL) ==
		    PROTO_OK && jser_decode(c.payload, c.payload_len, NULL,
		    &doc, NULL) == PROTO_OK &&
		    jser_field_ref(jser_root(doc), "callable", &in) ==
		    PROTO_OK && jser_field_ref(in, "out", &out) == PROTO_OK &&
		    (cc = jser_custom(out,
		    "hudson.remoting.RemoteOutputStream")) != NULL) {
			jser_cursor_init(&cur, cc);
			jser_cursor_u32(&cur, &o);
		}
		jser_doc_free(doc);
		cmd_free(&c);
		free(raw);
		kind = live_collect(&l, id, (int32_t)o, &data, &dlen, &eerr,
		    ret, sizeof(ret));
	}
	ok(kind == CMD_RESP_NORMAL && dlen == 100000 && data != NULL &&
	    memcmp(data, blob, dlen) == 0, "CopyTo streams the file");
	free(data);

	/* WritePipe (cmd084): we get a RemoteOutputStream and write to it */
	id = live_request(&l, dir, 84);
	kind = -1;
	pos = -1;
	while (live_next(&l, 20000, &c) == 0) {
		if (c.kind == CMD_RESPONSE && c.id == id) {
			struct jser_doc	*doc = NULL;
			const struct jser_content *cc;
			struct jser_cursor cur;
			uint32_t	 o;

			kind = (int)c.resp;
			if (c.has_payload && jser_decode(c.payload,
			    c.payload_len, NULL, &doc, NULL) == PROTO_OK &&
			    (cc = jser_custom(jser_root(doc),
			    "hudson.remoting.RemoteOutputStream")) != NULL) {
				jser_cursor_init(&cur, cc);
				if (jser_cursor_u32(&cur, &o) == PROTO_OK)
					pos = (int32_t)o;
			}
			jser_doc_free(doc);
			cmd_free(&c);
			break;
		}
		cmd_free(&c);
	}
	ok(kind == CMD_RESP_NORMAL && pos >= 2,
	    "WritePipe returns a RemoteOutputStream (oid %d)", pos);
	wbuf_init(&w, 1 << 20);
	for (i = 0; i < 3; i++) {
		cmd_put_pos_chunk(&w, ++l.io, pos, 0, blob + i * 1000, 1000);
		live_send(&l, w.d, w.len);
		wbuf_reset(&w);
	}
	cmd_put_pos_eof(&w, ++l.io, pos, 0, NULL, NULL);
	live_send(&l, w.d, w.len);
	wbuf_free(&w);
	for (i = 0; i < 200; i++) {
		if (file_is("workspace/fp-write-stream/new/dir/out.bin",
		    (const char *)blob, 3000))
			break;
		while (live_next(&l, 10, &c) == 0)
			cmd_free(&c);
	}
	ok(i < 200, "WritePipe: chunks land in the file");

	/* UntarRemote (cmd157): greedy pipe, we write a tar.gz into it */
	snprintf(p, sizeof(p), "%s/src", root);
	put("src/a/b.txt", "stashed b", 0640);
	put("src/run.sh", "#!/bin/sh\n", 0755);
	wbuf_init(&tgz, 1 << 24);
	aw = arc_writer_new(ARC_TGZ, mem_sink, &tgz);
	snprintf(p, sizeof(p), "%s/src/a/b.txt", root);
	arc_writer_add(aw, "a/b.txt", p, true);
	snprintf(p, sizeof(p), "%s/src/run.sh", root);
	arc_writer_add(aw, "run.sh", p, true);
	arc_writer_finish(aw);
	arc_writer_free(aw);
	id = live_request(&l, dir, 157);
	pos = -1;
	while (live_next(&l, 20000, &c) == 0) {
		if (c.kind == CMD_PIPE_CONNECT) {
			pos = c.oid_pos;
			ok(c.oid_ros == 6, "Pipe$ConnectCommand for oid 6");
			cmd_free(&c);
			break;
		}
		cmd_free(&c);
	}
	ok(pos >= 2, "UntarRemote exports a sink (oid %d)", pos);
	wbuf_init(&w, 1 << 20);
	for (dlen = 0; dlen < tgz.len; dlen += 100) {
		cmd_put_pos_chunk(&w, ++l.io, pos, 0, tgz.d + dlen,
		    tgz.len - dlen < 100 ? tgz.len - dlen : 100);
		live_send(&l, w.d, w.len);
		wbuf_reset(&w);
	}
	cmd_put_pos_eof(&w, ++l.io, pos, 0, NULL, NULL);
	live_send(&l, w.d, w.len);
	wbuf_free(&w);
	wbuf_free(&tgz);
	kind = live_collect(&l, id, -99, &data, &dlen, &eerr, ret,
	    sizeof(ret));
	free(data);
	{
		struct stat	 st;

		snprintf(p, sizeof(p), "%s/workspace/fp-unstash/ws/run.sh",
		    root);
		ok(kind == CMD_RESP_NORMAL && strcmp(ret, "null") == 0 &&
		    file_is("workspace/fp-unstash/ws/a/b.txt", "stashed b", 9) &&
		    stat(p, &st) == 0 && (st.st_mode & 0777) == 0755,
		    "UntarRemote extracts the stream (%s)", ret);
	}

	/* Archive (cmd145, stash): the Java agent's tar.gz is in the capture;
	 * unpack it as the workspace, archive it again, compare. */
	{
		uint8_t		*jtgz;
		size_t		 jlen;
		long		 jn = 0, on = 0;
		char		*jl = NULL, *ol = NULL, jret[64];
		const struct reply *rep;
		struct rbuf	 rb;
		int32_t		 req = -1;
		char		 path[PATH_MAX + 64];
		uint8_t		*raw;
		size_t		 rl;

		snprintf(path, sizeof(path), "%s/conn1-tx-cmd145.bin", dir);
		if ((raw = slurp(path, &rl)) != NULL) {
			memset(&c, 0, sizeof(c));
			if (cmd_parse(raw, rl, NULL, &c, NULL) == PROTO_OK)
				req = c.id;
			cmd_free(&c);
			free(raw);
		}
		jtgz = java_stream(dir, 5, req, &jlen);
		if (jtgz != NULL)
			jl = tar_listing(jtgz, jlen, &jn);
		ok(jl != NULL && jn > 0, "the Java agent's stash: %ld entries",
		    jn);
		rb.p = jtgz;
		rb.len = jlen;
		snprintf(p, sizeof(p), "%s/workspace/fp-stash/ws", root);
		ok(jtgz != NULL && arc_extract(ARC_TGZ, buf_source, &rb, p,
		    NULL, ret, sizeof(ret)) == 0,
		    "the Java agent's tar.gz extracts (%s)", ret);
		id = live_request(&l, dir, 145);
		kind = live_collect(&l, id, 5, &data, &dlen, &eerr, ret,
		    sizeof(ret));
		if (data != NULL)
			ol = tar_listing(data, dlen, &on);
		rep = find_reply(id);
		snprintf(jret, sizeof(jret), "java.lang.Integer:%ld", jn);
		ok(kind == CMD_RESP_NORMAL && strcmp(ret, jret) == 0 &&
		    rep != NULL && strcmp(rep->repr, jret) == 0,
		    "Archive returns %s like the Java agent", ret);
		ok(jl != NULL && ol != NULL && strcmp(jl, ol) == 0,
		    "Archive: same entries, types, modes and sizes as Java");
		if (jl != NULL && ol != NULL && strcmp(jl, ol) != 0)
			diag("Java: %s ours: %s", jl, ol);
		free(jl);
		free(ol);
		free(jtgz);
		free(data);
	}

	/* CopyRecursiveRemoteToLocal (archiveArtifacts): explicit file list,
	 * tar.gz into a Pipe, Integer entries */
	{
		static const char *const names[] = { "out/app.jar",
		    "logs/build.log" };
		static const char *const paths[] = { "target/app.jar",
		    "build.log" };
		char	*ol;
		long	 on = 0;

		put("workspace/arch/target/app.jar", "jar bytes", 0644);
		put("workspace/arch/build.log", "log", 0600);
		wbuf_init(&w, 1 << 20);
		i = copy_recursive_request(&w, 4242, "workspace/arch", 9, names,
		    paths, 2);
		ok(i == 0 && live_send(&l, w.d, w.len) == 0,
		    "CopyRecursiveRemoteToLocal request sent");
		wbuf_free(&w);
		kind = live_collect(&l, 4242, 9, &data, &dlen, &eerr, ret,
		    sizeof(ret));
		ol = data != NULL ? tar_listing(data, dlen, &on) : NULL;
		ok(kind == CMD_RESP_NORMAL &&
		    strcmp(ret, "java.lang.Integer:2") == 0 && ol != NULL &&
		    strcmp(ol, "logs/build.log f 600 3;out/app.jar f 644 9;")
		    == 0, "CopyRecursiveRemoteToLocal: %s, entries %s", ret,
		    ol != NULL ? ol : "(none)");
		free(ol);
		free(data);
	}
	live_stop(&l);
}

/* ---- direct tests: callables built here ---- */

struct fv {
	char		 type;		/* Z I J L(string) */
	const char	*name;
	const char	*s;
	int64_t		 v;
};

/* An object of class cls with the given fields, in doc. */
static struct jser_node *
mk(struct jser_doc *doc, const char *cls, const struct fv *f, size_t n)
{
	struct jser_node	*d, *o, *str;
	size_t			 i;

	if ((d = jser_new_desc(doc, cls, 1, SC_SERIALIZABLE, NULL)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (jser_desc_add_field(doc, d, f[i].type == 'F' ? 'L' :
		    f[i].type, f[i].name, f[i].type == 'L' ?
		    "Ljava/lang/String;" : f[i].type == 'F' ?
		    "Lhudson/FilePath;" : NULL) != PROTO_OK)
			return NULL;
	if ((o = jser_new_object(doc, d)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (f[i].type == 'F') {
			/* a hudson.FilePath on the agent (custom false) */
			struct jser_node	*fd, *fo;
			struct jser_classdata	*cd;
			char			 full[PATH_MAX];
			uint8_t			 zero = 0;

			snprintf(full, sizeof(full), "%s/%s", root, f[i].s);
			if ((fd = jser_desc_find(doc, "hudson.FilePath")) ==
			    NULL && ((fd = jser_new_desc(doc, "hudson.FilePath",
			    1, SC_WRITE_METHOD | SC_SERIALIZABLE, NULL)) ==
			    NULL || jser_desc_add_field(doc, fd, 'L', "remote",
			    "Ljava/lang/String;") != PROTO_OK))
				return NULL;
			if ((fo = jser_new_object(doc, fd)) == NULL ||
			    jser_set_ref(fo, "remote", jser_new_string(doc,
			    full, strlen(full))) != PROTO_OK ||
			    (cd = jser_obj_classdata(fo, NULL)) == NULL ||
			    jser_content_add_block(doc, &cd->custom, &zero, 1)
			    != PROTO_OK)
				return NULL;
			cd->has_custom = true;
			jser_set_ref(o, f[i].name, fo);
		} else if (f[i].type == 'L') {
			str = f[i].s != NULL ? jser_new_string(doc, f[i].s,
			    strlen(f[i].s)) : NULL;
			jser_set_ref(o, f[i].name, str);
		} else
			jser_set_prim(o, f[i].name, (uint64_t)f[i].v);
	}
	return o;
}

/* Run class cls (fields f) on path; result text in out. */
static int
call(const char *cls, const struct fv *f, size_t n, const char *path,
    char *out, size_t size)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*o;
	char			 full[PATH_MAX];
	int			 r = -1;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (doc != NULL && (o = mk(doc, cls, f, n)) != NULL)
		r = run(o, full, out, size, false, NULL);
	else
		snprintf(out, size, "(build failed)");
	jser_doc_free(doc);
	return r;
}

static bool
file_is(const char *rel, const char *data, size_t n)
{
	char	 p[PATH_MAX], *d;
	size_t	 len;
	bool	 r;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (fsutil_read_file(p, 1 << 20, &d, &len) == -1)
		return false;
	r = len == n && memcmp(d, data, n) == 0;
	free(d);
	return r;
}

/* CopyRecursiveLocal{scanner, target} with a scanner of class scls. */
static void
copy_local(const char *scls, const struct fv *sf, size_t sn,
    const char *from, const char *to, char *out, size_t size)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*o = NULL, *sc = NULL;
	struct fv		 f[2];
	char			 full[PATH_MAX];

	f[0] = (struct fv){ 'L', "scanner", NULL, 0 };
	f[1] = (struct fv){ 'F', "target", to, 0 };
	snprintf(full, sizeof(full), "%s/%s", root, from);
	if (doc != NULL && (sc = mk(doc, scls, sf, sn)) != NULL &&
	    (o = mk(doc, "hudson.FilePath$CopyRecursiveLocal", f, 2)) !=
	    NULL && jser_set_ref(o, "scanner", sc) == PROTO_OK)
		run(o, full, out, size, false, NULL);
	else
		snprintf(out, size, "(build failed)");
	jser_doc_free(doc);
}

static void
copy_local_tests(void)
{
	struct timespec	 ts[2] = { { 1300000000, 0 }, { 1300000000, 0 } };
	struct stat	 st;
	struct fv	 g[3];
	char		 out[4096], p[PATH_MAX], l[64];
	ssize_t		 n;

	put("c/src/a.txt", "alpha", 0640);
	put("c/src/sub/b.log", "beta", 0600);
	put("c/src/skip.tmp", "tmp", 0644);
	snprintf(p, sizeof(p), "%s/c/src/a.txt", root);
	chmod(p, 0640);
	utimensat(AT_FDCWD, p, ts, 0);
	snprintf(p, sizeof(p), "%s/c/src/link", root);
	if (symlink("a.txt", p) == -1)
		diag("symlink %s: %s", p, strerror(errno));
	put("c/dst/a.txt", "old", 0444);
	g[0] = (struct fv){ 'Z', "useDefaultExcludes", NULL, 1 };
	g[1] = (struct fv){ 'L', "excludes", NULL, 0 };
	g[2] = (struct fv){ 'L', "includes", "**/*.txt, **/*.log, link", 0 };
	copy_local("hudson.util.DirScanner$Glob", g, 3, "c/src", "c/dst", out,
	    sizeof(out));
	snprintf(p, sizeof(p), "%s/c/dst/a.txt", root);
	ok(strcmp(out, "java.lang.Integer:3") == 0 && stat(p, &st) == 0 &&
	    (st.st_mode & 0777) == 0640 && st.st_mtim.tv_sec == 1300000000 &&
	    file_is("c/dst/a.txt", "alpha", 5) &&
	    file_is("c/dst/sub/b.log", "beta", 4),
	    "CopyRecursiveLocal (Glob): files replaced with mode and mtime: %s",
	    out);
	snprintf(p, sizeof(p), "%s/c/dst/link", root);
	n = readlink(p, l, sizeof(l) - 1);
	ok(n == 5 && memcmp(l, "a.txt", 5) == 0,
	    "CopyRecursiveLocal: a symlink stays a symlink");
	snprintf(p, sizeof(p), "%s/c/dst/skip.tmp", root);
	ok(access(p, F_OK) == -1, "CopyRecursiveLocal: unmatched file left");
	copy_local("hudson.util.DirScanner$Full", NULL, 0, "c/src", "c/full",
	    out, sizeof(out));
	ok(strcmp(out, "java.lang.Integer:4") == 0 &&
	    file_is("c/full/src/a.txt", "alpha", 5) &&
	    file_is("c/full/src/sub/b.log", "beta", 4) &&
	    file_is("c/full/src/skip.tmp", "tmp", 3),
	    "CopyRecursiveLocal (Full): under the directory's name: %s", out);
	copy_local("hudson.util.DirScanner$Full", NULL, 0, "c/none", "c/x",
	    out, sizeof(out));
	ok(strcmp(out, "java.lang.Integer:0") == 0,
	    "CopyRecursiveLocal of a missing directory: %s", out);
	copy_local("org.example.MyScanner", NULL, 0, "c/src", "c/x", out,
	    sizeof(out));
	ok(strncmp(out, "throws ", 7) == 0 && strstr(out,
	    "org.example.MyScanner") != NULL,
	    "CopyRecursiveLocal with an unknown scanner: %s", out);
}

/* ---- Unpack: a one-file HTTP server on loopback ---- */

struct http1 {
	int		 lfd;
	int		 requests;	/* to serve, then the thread ends */
	const char	*path;		/* served path, others get 404 */
	const uint8_t	*body;
	size_t		 len;
};

static void *
http1_main(void *arg)
{
	struct http1	*s = arg;
	char		 req[2048], hdr[256], want[256];
	ssize_t		 n;
	size_t		 got;
	int		 fd, i;

	snprintf(want, sizeof(want), "GET %s ", s->path);
	for (i = 0; i < s->requests; i++) {
		if ((fd = accept(s->lfd, NULL, NULL)) == -1)
			break;
		got = 0;
		while (got < sizeof(req) - 1 && (n = read(fd, req + got,
		    sizeof(req) - 1 - got)) > 0) {
			got += (size_t)n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL)
				break;
		}
		req[got] = '\0';
		if (strncmp(req, want, strlen(want)) == 0) {
			snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n"
			    "\r\n", s->len);
			if (fsutil_write_all(fd, hdr, strlen(hdr)) == 0)
				(void)fsutil_write_all(fd, s->body, s->len);
		} else {
			snprintf(hdr, sizeof(hdr), "HTTP/1.1 404 Not Found\r\n"
			    "Content-Length: 9\r\nConnection: close\r\n"
			    "\r\nnot found");
			(void)fsutil_write_all(fd, hdr, strlen(hdr));
		}
		close(fd);
	}
	return NULL;
}

static int
file_sink(void *arg, const void *p, size_t n)
{
	return fsutil_write_all(*(int *)arg, p, n);
}

/* Archive rel (below root) as fmt into the file at out. */
static int
make_archive(enum arc_format fmt, const char *rel, const char *out)
{
	struct arc_writer	*w;
	char			 p[PATH_MAX];
	int			 fd, r = -1;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	if ((w = arc_writer_new(fmt, file_sink, &fd)) != NULL &&
	    arc_writer_add(w, "tool/", p, true) == 0 &&
	    arc_writer_add(w, "tool/bin/run", (snprintf(p, sizeof(p),
	    "%s/%s/bin/run", root, rel), p), true) == 0 &&
	    arc_writer_finish(w) == 0)
		r = 0;
	arc_writer_free(w);
	close(fd);
	return r;
}

/* Unpack{archive = java.net.URL(protocol, host, port, file)} on rel. */
static void
unpack(const char *proto, const char *host, int port, const char *file,
    const char *rel, char *out, size_t size)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*o = NULL, *u = NULL;
	struct fv		 uf[7], f[1];
	char			 auth[128], full[PATH_MAX];

	snprintf(auth, sizeof(auth), port > 0 ? "%s:%d" : "%s", host, port);
	uf[0] = (struct fv){ 'I', "hashCode", NULL, -1 };
	uf[1] = (struct fv){ 'I', "port", NULL, port > 0 ? port : -1 };
	uf[2] = (struct fv){ 'L', "authority", auth, 0 };
	uf[3] = (struct fv){ 'L', "file", file, 0 };
	uf[4] = (struct fv){ 'L', "host", host, 0 };
	uf[5] = (struct fv){ 'L', "protocol", proto, 0 };
	uf[6] = (struct fv){ 'L', "ref", NULL, 0 };
	f[0] = (struct fv){ 'L', "archive", NULL, 0 };
	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (doc != NULL && (u = mk(doc, "java.net.URL", uf, 7)) != NULL &&
	    (o = mk(doc, "hudson.FilePath$Unpack", f, 1)) != NULL &&
	    jser_set_ref(o, "archive", u) == PROTO_OK)
		run(o, full, out, size, false, NULL);
	else
		snprintf(out, size, "(build failed)");
	jser_doc_free(doc);
}

static void
unpack_tests(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 sl = sizeof(sa);
	struct http1		 srv;
	struct stat		 st;
	pthread_t		 t;
	char			 out[4096], tgz[PATH_MAX], zip[PATH_MAX];
	char			 p[PATH_MAX], *body = NULL;
	size_t			 blen = 0;
	int			 port;

	put("u/src/bin/run", "#!/bin/sh\necho tool\n", 0755);
	snprintf(p, sizeof(p), "%s/u/src/bin/run", root);
	chmod(p, 0755);
	snprintf(tgz, sizeof(tgz), "%s/u/tool.tar.gz", root);
	snprintf(zip, sizeof(zip), "%s/u/tool.zip", root);
	if (make_archive(ARC_TGZ, "u/src", tgz) == -1 ||
	    make_archive(ARC_ZIP, "u/src", zip) == -1) {
		ok(0, "Unpack: test archives built");
		return;
	}
	unpack("file", "", -1, tgz, "u/t1", out, sizeof(out));
	snprintf(p, sizeof(p), "%s/u/t1/tool/bin/run", root);
	ok(strcmp(out, "null") == 0 && file_is("u/t1/tool/bin/run",
	    "#!/bin/sh\necho tool\n", 20) && stat(p, &st) == 0 &&
	    (st.st_mode & 0777) == 0755,
	    "Unpack file:...tar.gz: extracted with modes: %s", out);
	unpack("file", "", -1, zip, "u/t2", out, sizeof(out));
	ok(strcmp(out, "null") == 0 && file_is("u/t2/tool/bin/run",
	    "#!/bin/sh\necho tool\n", 20), "Unpack file:...zip: %s", out);
	snprintf(p, sizeof(p), "%s/u/none.tar.gz", root);
	unpack("file", "", -1, p, "u/t3", out, sizeof(out));
	ok(strcmp(out, "throws java.io.FileNotFoundException: " AGENT_ROOT
	    "/u/none.tar.gz (No such file or directory)") == 0,
	    "Unpack of a missing file: %s", out);
	/* not a tar.gz: IOException naming the URL and what was read */
	snprintf(p, sizeof(p), "%s/u/notgz.tgz", root);
	put("u/notgz.tgz", "this is not gzip", 0644);
	unpack("file", "", -1, p, "u/t4", out, sizeof(out));
	ok(strncmp(out, "throws java.io.IOException: Failed to unpack file:",
	    50) == 0 && strstr(out, "(16 bytes read)") != NULL,
	    "Unpack of a corrupt archive: %s", out);

	/* over HTTP on loopback: the archive, then a 404 */
	memset(&srv, 0, sizeof(srv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv.lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(srv.lfd, 4) == -1 ||
	    getsockname(srv.lfd, (struct sockaddr *)&sa, &sl) == -1 ||
	    fsutil_read_file(tgz, 1 << 20, &body, &blen) == -1) {
		ok(0, "Unpack: loopback HTTP server");
		if (srv.lfd != -1)
			close(srv.lfd);
		return;
	}
	port = ntohs(sa.sin_port);
	srv.requests = 2;
	srv.path = "/dl/tool.tar.gz";
	srv.body = (const uint8_t *)body;
	srv.len = blen;
	if (pthread_create(&t, NULL, http1_main, &srv) != 0) {
		ok(0, "Unpack: server thread");
		close(srv.lfd);
		free(body);
		return;
	}
	unpack("http", "127.0.0.1", port, "/dl/tool.tar.gz", "u/h1", out,
	    sizeof(out));
	ok(strcmp(out, "null") == 0 && file_is("u/h1/tool/bin/run",
	    "#!/bin/sh\necho tool\n", 20),
	    "Unpack http://127.0.0.1:%d/dl/tool.tar.gz: %s", port, out);
	unpack("http", "127.0.0.1", port, "/dl/missing.zip", "u/h2", out,
	    sizeof(out));
	snprintf(p, sizeof(p), "throws java.io.FileNotFoundException: "
	    "http://127.0.0.1:%d/dl/missing.zip", port);
	ok(strcmp(out, p) == 0, "Unpack of an HTTP 404: %s", out);
	pthread_join(t, NULL);
	close(srv.lfd);
	free(body);
	/* no temporary download left next to the targets */
	{
		DIR		*d;
		struct dirent	*de;
		int		 left = 0;

		snprintf(p, sizeof(p), "%s/u", root);
		if ((d = opendir(p)) != NULL) {
			while ((de = readdir(d)) != NULL)
				left += strncmp(de->d_name, ".unpack", 7) == 0;
			closedir(d);
		}
		ok(left == 0, "Unpack leaves no temporary file (%d)", left);
	}
}

/* Fingerprinter$FindRecords through the handler and the wire form. */
static void
find_records_tests(void)
{
	struct timespec		 ts[2] = { { 1000000000, 0 },
				    { 1000000000, 0 } };
	struct jser_doc		*doc, *back;
	struct jser_node	*o;
	struct hctx		 h;
	struct wbuf		 w;
	struct fv		 f[5];
	char			 out[4096], p[PATH_MAX];
	int			 r;

	put("fp/a/one.txt", "abc", 0644);
	put("fp/two.bin", "", 0644);
	put("fp/old.txt", "x", 0644);
	put("fp/skip.log", "y", 0644);
	snprintf(p, sizeof(p), "%s/fp/old.txt", root);
	utimensat(AT_FDCWD, p, ts, 0);
	f[0] = (struct fv){ 'J', "buildTimestamp", NULL,
	    ((int64_t)time(NULL) - 60) * 1000 };
	f[1] = (struct fv){ 'Z', "caseSensitive", NULL, 1 };
	f[2] = (struct fv){ 'Z', "defaultExcludes", NULL, 1 };
	f[3] = (struct fv){ 'L', "excludes", NULL, 0 };
	f[4] = (struct fv){ 'L', "targets", "**/*.txt, *.bin", 0 };
	call("hudson.tasks.Fingerprinter$FindRecords", f, 5, "fp", out,
	    sizeof(out));
	ok(strcmp(out, "Collection["
	    "Record:a/one.txt|one.txt|900150983cd24fb0d6963f7d28e17f72|"
	    "produced,"
	    "Record:old.txt|old.txt|9dd4e461268c8034f5c8564e155c67a6|old,"
	    "Record:two.bin|two.bin|d41d8cd98f00b204e9800998ecf8427e|"
	    "produced]") == 0, "FindRecords: MD5, names, produced: %s", out);
	f[3].s = "a/**";
	f[1].v = 0;
	f[4].s = "**/*.TXT";
	call("hudson.tasks.Fingerprinter$FindRecords", f, 5, "fp", out,
	    sizeof(out));
	ok(strcmp(out, "Collection[Record:old.txt|old.txt|"
	    "9dd4e461268c8034f5c8564e155c67a6|old]") == 0,
	    "FindRecords: excludes, case-insensitive: %s", out);
	f[4].s = "nothing-*";
	call("hudson.tasks.Fingerprinter$FindRecords", f, 5, "fp", out,
	    sizeof(out));
	ok(strcmp(out, "Collection[]") == 0, "FindRecords: no match: %s",
	    out);
	call("hudson.tasks.Fingerprinter$FindRecords", f, 5, "fp-missing", out,
	    sizeof(out));
	ok(strncmp(out, "throws java.io.IOException: ", 28) == 0 &&
	    strstr(out, "fp-missing does not exist") != NULL,
	    "FindRecords in a missing directory: %s", out);

	/* The result as it goes on the wire decodes to the same records. */
	f[4].s = "a/*.txt";
	f[3].s = NULL;
	memset(&h, 0, sizeof(h));
	h.loader_oid = -1;
	h.req_id = 1;
	snprintf(p, sizeof(p), "%s/fp", root);
	h.file_path = p;
	back = NULL;
	wbuf_init(&w, 1 << 20);
	r = -1;
	if ((doc = jser_doc_new()) != NULL && (h.out = jser_doc_new()) !=
	    NULL && (o = mk(doc, "hudson.tasks.Fingerprinter$FindRecords", f,
	    5)) != NULL && handlers_call(&h, o) == 0 &&
	    cmd_payload_encode(h.out, h.value, -1, &w) == PROTO_OK &&
	    jser_decode(w.d, w.len, NULL, &back, NULL) == PROTO_OK) {
		repr(back, jser_root(back), false, out, sizeof(out));
		r = 0;
	}
	ok(r == 0 && strcmp(out, "Collection[Record:a/one.txt|one.txt|"
	    "900150983cd24fb0d6963f7d28e17f72|produced]") == 0 &&
	    strcmp(jser_class_name(jser_root(back)), "java.util.ArrayList")
	    == 0, "FindRecords result encodes and decodes: %s", out);
	jser_doc_free(back);
	jser_doc_free(h.out);
	jser_doc_free(doc);
	wbuf_free(&w);
}

static void
direct_tests(void)
{
	char		 out[4096], p[PATH_MAX], q[PATH_MAX + 16];
	struct rlimit	 rl, old;
	struct dirent	*de;
	DIR		*d;
	int		 stray = 0;
	struct fv	 f[5];

	/* Write in several charsets */
	f[0] = (struct fv){ 'L', "content", "h\xc3\xa9llo \xe2\x82\xac", 0 };
	f[1] = (struct fv){ 'L', "encoding", "ISO-8859-1", 0 };
	ok(call("hudson.FilePath$Write", f, 2, "d/w/latin.txt", out,
	    sizeof(out)) == 0 && file_is("d/w/latin.txt", "h\xe9llo ?", 7),
	    "Write ISO-8859-1: parents made, unmappable -> '?'");
	f[1].s = NULL;
	ok(call("hudson.FilePath$Write", f, 2, "d/w/utf8.txt", out,
	    sizeof(out)) == 0 && file_is("d/w/utf8.txt",
	    "h\xc3\xa9llo \xe2\x82\xac", 10), "Write default charset UTF-8");
	f[1].s = "NO-SUCH-CHARSET";
	ok(call("hudson.FilePath$Write", f, 2, "d/w/x.txt", out,
	    sizeof(out)) == -1 && strstr(out, "UnsupportedCharset") != NULL,
	    "Write unknown charset: %s", out);

	/* queries and their exceptions */
	call("hudson.FilePath$ReadToString", NULL, 0, "d/missing", out,
	    sizeof(out));
	ok(strcmp(out, "throws java.nio.file.NoSuchFileException: "
	    AGENT_ROOT "/d/missing") == 0, "ReadToString missing: %s", out);
	call("hudson.FilePath$Mode", NULL, 0, "d/missing", out, sizeof(out));
	ok(strcmp(out, "throws hudson.os.PosixException: Unable to get file "
	    "permissions of " AGENT_ROOT "/d/missing: No such file or "
	    "directory") == 0, "Mode missing: %s", out);
	f[0] = (struct fv){ 'J', "timestamp", NULL, 1500000000000LL };
	call("hudson.FilePath$Touch", f, 1, "nodir/t", out, sizeof(out));
	ok(strcmp(out, "throws java.io.FileNotFoundException: " AGENT_ROOT
	    "/nodir/t (No such file or directory)") == 0,
	    "Touch in a missing dir: %s", out);
	call("hudson.FilePath$Touch", f, 1, "d/w/utf8.txt", out, sizeof(out));
	call("hudson.FilePath$LastModified", NULL, 0, "d/w/utf8.txt", out,
	    sizeof(out));
	ok(strcmp(out, "java.lang.Long:1500000000000") == 0,
	    "Touch sets mtime: %s", out);
	call("hudson.FilePath$Digest", NULL, 0, "d/w/latin.txt", out,
	    sizeof(out));
	ok(strcmp(out, "String:9073462cbf666632b4778c8b9fe20f8e") == 0,
	    "Digest of a Latin-1 file: %s", out);
	put("d/abc.txt", "abc", 0644);
	call("hudson.FilePath$Digest", NULL, 0, "d/abc.txt", out, sizeof(out));
	ok(strcmp(out, "String:900150983cd24fb0d6963f7d28e17f72") == 0,
	    "Digest of abc: %s", out);
	call("hudson.FilePath$ToURI", NULL, 0, "d/w", out, sizeof(out));
	ok(strcmp(out, "java.net.URI:(opaque)") == 0, "ToURI gives a URI");

	/* listing */
	f[0] = (struct fv){ 'L', "includes", "/etc/*", 0 };
	call("hudson.FilePath$ListGlob", f, 1, "d", out, sizeof(out));
	ok(strcmp(out, "throws java.io.IOException: Expecting Ant GLOB "
	    "pattern, but saw '/etc/*'. See https://ant.apache.org/manual/"
	    "Types/fileset.html for syntax") == 0, "ListGlob absolute: %s",
	    out);
	f[0] = (struct fv){ 'Z', "caseSensitive", NULL, 0 };
	f[1] = (struct fv){ 'Z', "defaultExcludes", NULL, 1 };
	f[2] = (struct fv){ 'Z', "followSymlinks", NULL, 1 };
	f[3] = (struct fv){ 'L', "excludes", "**/utf8*", 0 };
	f[4] = (struct fv){ 'L', "includes", "W/*.TXT, abc.txt", 0 };
	call("hudson.tasks.ArtifactArchiver$ListFiles", f, 5, "d", out,
	    sizeof(out));
	ok(strcmp(out, "Collection[String:abc.txt,String:w/latin.txt]") == 0,
	    "ArtifactArchiver$ListFiles (case-insensitive): %s", out);
	find_records_tests();
	copy_local_tests();
	unpack_tests();
	f[0] = (struct fv){ 'I', "bound", NULL, 10000 };
	f[1] = (struct fv){ 'Z', "caseSensitive", NULL, 1 };
	f[2] = (struct fv){ 'L', "fileMasks", "w/*.txt", 0 };
	call("hudson.FilePath$ValidateAntFileMask", f, 3, "d", out,
	    sizeof(out));
	ok(strcmp(out, "null") == 0, "ValidateAntFileMask match: %s", out);
	f[2].s = "x/w/*.txt";
	call("hudson.FilePath$ValidateAntFileMask", f, 3, "d", out,
	    sizeof(out));
	ok(strstr(out, "but 'w/*.txt' does") != NULL,
	    "ValidateAntFileMask hint: %s", out);

	/* mutations */
	f[0] = (struct fv){ 'L', "prefix", "ab", 0 };
	f[1] = (struct fv){ 'L', "suffix", NULL, 0 };
	call("hudson.FilePath$CreateTempFile", f, 2, "d", out, sizeof(out));
	ok(strncmp(out, "throws java.lang.IllegalArgumentException", 41) == 0,
	    "CreateTempFile short prefix: %s", out);
	f[0].s = "tmpfile";
	call("hudson.FilePath$CreateTempFile", f, 2, "d", out, sizeof(out));
	ok(strncmp(out, "String:tmpfile", 14) == 0 &&
	    strcmp(out + strlen(out) - 4, ".tmp") == 0 &&
	    strchr(out, '/') == NULL, "CreateTempFile: name only %s", out);
	f[0] = (struct fv){ 'Z', "inThisDirectory", NULL, 1 };
	f[1] = (struct fv){ 'L', "contents", "echo hi\n", 0 };
	f[2] = (struct fv){ 'L', "prefix", "jenkins", 0 };
	f[3] = (struct fv){ 'L', "suffix", ".sh", 0 };
	call("hudson.FilePath$CreateTextTempFile", f, 4, "d/new", out,
	    sizeof(out));
	ok(strncmp(out, "String:" AGENT_ROOT "/d/new/jenkins", 40) == 0,
	    "CreateTextTempFile: absolute path %s", out);
	f[0] = (struct fv){ 'L', "name", "job.tmp", 0 };
	call("hudson.FilePath$CreateTempDir", f, 1, "d", out, sizeof(out));
	ok(strncmp(out, "String:job.tmp", 14) == 0, "CreateTempDir: %s", out);
	f[0] = (struct fv){ 'I', "mask", NULL, 0640 };
	call("hudson.FilePath$Chmod", f, 1, "d/abc.txt", out, sizeof(out));
	call("hudson.FilePath$Mode", NULL, 0, "d/abc.txt", out, sizeof(out));
	ok(strcmp(out, "java.lang.Integer:416") == 0, "Chmod 0640: %s", out);
	put("d/full/x/y.txt", "y", 0644);
	call("hudson.FilePath$Delete", NULL, 0, "d/full", out, sizeof(out));
	ok(strncmp(out, "throws java.nio.file.DirectoryNotEmptyException",
	    47) == 0, "Delete non-empty dir: %s", out);
	snprintf(p, sizeof(p), "%s/d/full/x", root);
	chmod(p, 0500);
	snprintf(q, sizeof(q), "%s/d/full/link", root);
	snprintf(p, sizeof(p), "%s/d/abc.txt", root);
	if (symlink(p, q) == -1)
		diag("symlink: %s", strerror(errno));
	call("hudson.FilePath$DeleteRecursive", NULL, 0, "d/full", out,
	    sizeof(out));
	ok(strcmp(out, "null") == 0 && file_is("d/abc.txt", "abc", 3) &&
	    access(q, F_OK) == -1, "DeleteRecursive: read-only dir removed, "
	    "symlink target kept");
	call("hudson.FilePath$Mkdirs", NULL, 0, "d/abc.txt/sub", out,
	    sizeof(out));
	ok(strncmp(out, "throws java.nio.file.FileAlreadyExistsException",
	    47) == 0, "Mkdirs through a file: %s", out);
	call("hudson.FilePath$ListFilter", NULL, 0, "d/abc.txt", out,
	    sizeof(out));
	ok(strcmp(out, "Collection[]") == 0, "ListFilter of a file: empty");

	/* the rest of section 4.3 */
	put("m/src/one.txt", "1", 0644);
	put("m/src/two/three.txt", "3", 0644);
	put("m/dst/keep.txt", "k", 0644);
	f[0] = (struct fv){ 'F', "target", "m/dst", 0 };
	call("hudson.FilePath$MoveAllChildrenTo", f, 1, "m/src", out,
	    sizeof(out));
	snprintf(p, sizeof(p), "%s/m/src", root);
	ok(strcmp(out, "null") == 0 && file_is("m/dst/one.txt", "1", 1) &&
	    file_is("m/dst/two/three.txt", "3", 1) &&
	    file_is("m/dst/keep.txt", "k", 1) && access(p, F_OK) == -1,
	    "MoveAllChildrenTo: %s", out);
	f[0] = (struct fv){ 'F', "target", "m/dst/keep.txt", 0 };
	call("hudson.FilePath$RenameTo", f, 1, "m/dst/one.txt", out,
	    sizeof(out));
	ok(strcmp(out, "throws java.nio.file.FileAlreadyExistsException: "
	    AGENT_ROOT "/m/dst/keep.txt") == 0, "RenameTo onto a file: %s",
	    out);
	put("m/perm.sh", "#!/bin/sh\n", 0751);
	f[0] = (struct fv){ 'J', "timestamp", NULL, 1400000000000LL };
	call("hudson.FilePath$SetLastModified", f, 1, "m/perm.sh", out,
	    sizeof(out));
	ok(strcmp(out, "null") == 0, "SetLastModified: %s", out);
	snprintf(p, sizeof(p), "%s/m/perm.sh", root);
	chmod(p, 0751);
	f[0] = (struct fv){ 'F', "target", "m/copy/perm.sh", 0 };
	call("hudson.FilePath$CopyToWithPermission", f, 1, "m/perm.sh", out,
	    sizeof(out));
	{
		struct stat	 st;

		snprintf(p, sizeof(p), "%s/m/copy/perm.sh", root);
		ok(strcmp(out, "null") == 0 && stat(p, &st) == 0 &&
		    (st.st_mode & 0777) == 0751 &&
		    st.st_mtim.tv_sec == 1400000000 &&
		    file_is("m/copy/perm.sh", "#!/bin/sh\n", 10),
		    "CopyToWithPermission keeps content, mode and mtime");
	}
	put("m/ws@tmp/x", "x", 0644);
	put("m/ws@2/y", "y", 0644);
	put("m/ws/z", "z", 0644);
	put("m/wsx@1/z", "z", 0644);
	call("hudson.FilePath$DeleteSuffixesRecursive", NULL, 0, "m/ws", out,
	    sizeof(out));
	snprintf(p, sizeof(p), "%s/m/ws@tmp", root);
	snprintf(q, sizeof(q), "%s/m/ws@2", root);
	ok(strcmp(out, "null") == 0 && access(p, F_OK) == -1 &&
	    access(q, F_OK) == -1 && file_is("m/ws/z", "z", 1) &&
	    file_is("m/wsx@1/z", "z", 1), "DeleteSuffixesRecursive");
	snprintf(p, sizeof(p), "%s/m/dst/out", root);
	if (symlink("/etc", p) == -1)
		diag("symlink: %s", strerror(errno));
	f[0] = (struct fv){ 'L', "potentialChildRelativePath", "two/x", 0 };
	call("hudson.FilePath$IsDescendant", f, 1, "m/dst", out, sizeof(out));
	ok(strcmp(out, "Boolean:true") == 0, "IsDescendant two/x: %s", out);
	f[0].s = "../src";
	call("hudson.FilePath$IsDescendant", f, 1, "m/dst", out, sizeof(out));
	ok(strcmp(out, "Boolean:false") == 0, "IsDescendant ../src: %s", out);
	f[0].s = "out/passwd";
	call("hudson.FilePath$IsDescendant", f, 1, "m/dst", out, sizeof(out));
	ok(strcmp(out, "Boolean:false") == 0,
	    "IsDescendant through an escaping link: %s", out);
	f[0].s = "/etc";
	call("hudson.FilePath$IsDescendant", f, 1, "m/dst", out, sizeof(out));
	ok(strncmp(out, "throws java.lang.IllegalArgumentException", 41) == 0,
	    "IsDescendant absolute: %s", out);
	call("hudson.FilePath$ReadLink", NULL, 0, "m/dst/out", out,
	    sizeof(out));
	ok(strcmp(out, "String:/etc") == 0, "ReadLink: %s", out);
	call("hudson.FilePath$ReadLink", NULL, 0, "m/dst", out, sizeof(out));
	ok(strcmp(out, "null") == 0, "ReadLink of a directory: null");

	/* atomic writes */
	put("atomic.txt", "old content", 0640);
	snprintf(p, sizeof(p), "%s/atomic.txt", root);
	ok(fsutil_write_atomic(p, "new", 3, 0666) == 0 &&
	    file_is("atomic.txt", "new", 3), "atomic write replaces");
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 4096;
	setrlimit(RLIMIT_FSIZE, &rl);
	{
		static char	 big[65536];
		int		 wr, we;

		/* (report after lifting the limit: stdout may be a file) */
		memset(big, 'z', sizeof(big));
		errno = 0;
		fflush(stdout);
		wr = fsutil_write_atomic(p, big, sizeof(big), 0666);
		we = errno;
		setrlimit(RLIMIT_FSIZE, &old);
		ok(wr == -1 && we == EFBIG, "a write failing midway fails (%s)",
		    strerror(we));
	}
	ok(file_is("atomic.txt", "new", 3), "... and leaves the old file");
	if ((d = opendir(root)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, ".jnagent-", 9) == 0)
				stray++;
		closedir(d);
	}
	ok(stray == 0, "... and no temporary file");
	{
		struct stat	 st;

		ok(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640,
		    "atomic write keeps the mode");
	}
	snprintf(q, sizeof(q), "%s/atomic-link", root);
	if (symlink("atomic.txt", q) == -1)
		diag("symlink: %s", strerror(errno));
	ok(fsutil_write_atomic(q, "via link", 8, 0666) == 0 &&
	    file_is("atomic.txt", "via link", 8) && readlink(q, p, 4) == 4,
	    "atomic write through a symlink replaces its target");
}

/* ---- tier 3: workspace cleanup, home directory ---- */

static void
set_age_days(const char *rel, int days)
{
	struct timespec	 ts[2];
	char		 p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= (time_t)days * 86400;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, p, ts, 0);
}

static bool
present(const char *rel)
{
	char		 p[PATH_MAX];
	struct stat	 st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static void
tier3_tests(void)
{
	struct passwd	*pw;
	char		 out[4096], want[PATH_MAX + 32], p[PATH_MAX];
	struct fv	 f[1];

	/* CleanupOldWorkspaces{retentionInDays} on cw/job */
	put("cw/job/a.txt", "a", 0644);
	put("cw/job@2/b.txt", "b", 0644);
	put("cw/job@tmp/c.txt", "c", 0644);
	put("cw/jobX/d.txt", "d", 0644);
	put("cw/job@file", "f", 0644);
	set_age_days("cw/job", 40);
	set_age_days("cw/job@2", 31);
	set_age_days("cw/job@tmp", 3);
	set_age_days("cw/jobX", 40);
	set_age_days("cw/job@file", 40);
	f[0] = (struct fv){ 'I', "retentionInDays", NULL, 30 };
	ok(call("hudson.model.WorkspaceCleanupThread$CleanupOldWorkspaces", f,
	    1, "cw/job", out, sizeof(out)) == 0 && strcmp(out, "null") == 0 &&
	    !present("cw/job") && !present("cw/job@2") &&
	    present("cw/job@tmp/c.txt") && present("cw/jobX/d.txt") &&
	    present("cw/job@file"), "CleanupOldWorkspaces: old job and job@2 "
	    "deleted; young job@tmp, jobX and a plain file kept (%s)", out);
	f[0].v = 2;
	ok(call("hudson.model.WorkspaceCleanupThread$CleanupOldWorkspaces", f,
	    1, "cw/job", out, sizeof(out)) == 0 && !present("cw/job@tmp"),
	    "CleanupOldWorkspaces with 2 days: job@tmp goes too");
	ok(call("hudson.model.WorkspaceCleanupThread$CleanupOldWorkspaces", f,
	    1, "nowhere/job", out, sizeof(out)) == 0 &&
	    strcmp(out, "null") == 0, "CleanupOldWorkspaces without a parent "
	    "directory: null");
	snprintf(p, sizeof(p), "%s/cw", root);
	put("cw/keep/x", "x", 0644);
	chmod(p, 0555);
	put("cw/job@3/y", "y", 0644);
	set_age_days("cw/job@3", 90);
	chmod(p, 0555);
	if (geteuid() == 0)
		ok(1, "CleanupOldWorkspaces failing: IOException # SKIP root "
		    "deletes anything");
	else
		ok(call("hudson.model.WorkspaceCleanupThread$"
		    "CleanupOldWorkspaces", f, 1, "cw/job", out, sizeof(out))
		    != 0 && strncmp(out, "throws java.io.IOException: Unable "
		    "to delete", 38) == 0, "CleanupOldWorkspaces that cannot "
		    "delete: %s", out);
	chmod(p, 0755);

	/* GetHomeDirectory: a FilePath of user.home */
	pw = getpwuid(getuid());
	snprintf(want, sizeof(want), "FilePath:%s", pw != NULL ?
	    pw->pw_dir : "?");
	ok(call("hudson.FilePath$GetHomeDirectory", NULL, 0, "", out,
	    sizeof(out)) == 0 && strcmp(out, want) == 0,
	    "GetHomeDirectory: %s", out);
}

/* ---- archives from controller streams, through a live channel ---- */

static struct jser_node *
tar_compression(struct jser_doc *doc, const char *name)
{
	struct jser_node	*ed, *td;

	if ((ed = jser_desc_find(doc, "java.lang.Enum")) == NULL)
		ed = jser_new_desc(doc, "java.lang.Enum", 0,
		    SC_SERIALIZABLE | SC_ENUM, NULL);
	if ((td = jser_desc_find(doc, "hudson.FilePath$TarCompression")) ==
	    NULL)
		td = jser_new_desc(doc, "hudson.FilePath$TarCompression", 0,
		    SC_SERIALIZABLE | SC_ENUM, ed);
	return jser_new_enum(doc, td, name);
}

/* RemoteInputStream: greedy (true + Pipe(false, oid)) or (false + oid). */
static struct jser_node *
ctl_ris(struct jser_doc *doc, bool greedy, int32_t oid)
{
	struct jser_node	*rd, *pd, *ris, *pipe;
	struct jser_classdata	*cd;
	uint8_t			 b[5];

	b[0] = greedy ? 1 : 0;
	b[1] = (uint8_t)((uint32_t)oid >> 24);
	b[2] = (uint8_t)((uint32_t)oid >> 16);
	b[3] = (uint8_t)((uint32_t)oid >> 8);
	b[4] = (uint8_t)oid;
	rd = jser_new_desc(doc, "hudson.remoting.RemoteInputStream", 1,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, rd, 'Z', "autoUnexport", NULL);
	jser_desc_add_field(doc, rd, 'Z', "greedy", NULL);
	ris = jser_new_object(doc, rd);
	cd = jser_obj_classdata(ris, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	if (!greedy) {
		jser_content_add_block(doc, &cd->custom, b, 5);
		return ris;
	}
	jser_content_add_block(doc, &cd->custom, b, 1);
	pd = jser_new_desc(doc, "hudson.remoting.Pipe", 1,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, pd, 'L', "in", "Ljava/io/InputStream;");
	jser_desc_add_field(doc, pd, 'L', "out", "Ljava/io/OutputStream;");
	pipe = jser_new_object(doc, pd);
	cd = jser_obj_classdata(pipe, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	b[0] = 0;
	jser_content_add_block(doc, &cd->custom, b, 5);
	jser_content_add(doc, &jser_obj_classdata(ris, NULL)->custom, pipe);
	return ris;
}

/*
 * Send FileCallableWrapper{callable = cls{[compression], in}, filePath =
 * root/rel} as request id.
 */
static int
send_extract(struct live *l, int32_t id, const char *cls,
    const char *compression, struct jser_node *(*in)(struct jser_doc *,
    bool, int32_t), bool greedy, int32_t oid, const char *rel)
{
	static const struct fv	 ff[] = {
		{ 'F', "filePath", NULL, 0 },
	};
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*d, *o, *wd, *w;
	struct fv		 f = ff[0];
	struct jser_node	*holder, *fp = NULL;
	struct wbuf		 pl, wr;
	int			 rc;

	d = jser_new_desc(doc, cls, 1, SC_SERIALIZABLE, NULL);
	if (compression != NULL)
		jser_desc_add_field(doc, d, 'L', "compression",
		    "Lhudson/FilePath$TarCompression;");
	jser_desc_add_field(doc, d, 'L', "in", "Ljava/io/InputStream;");
	o = jser_new_object(doc, d);
	if (compression != NULL)
		jser_set_ref(o, "compression", tar_compression(doc,
		    compression));
	jser_set_ref(o, "in", in(doc, greedy, oid));
	f.s = rel;
	holder = mk(doc, "test.Holder", &f, 1);
	jser_field_ref(holder, "filePath", &fp);
	wd = jser_new_desc(doc, "hudson.FilePath$FileCallableWrapper", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, wd, 'L', "callable",
	    "Lhudson/FilePath$FileCallable;");
	jser_desc_add_field(doc, wd, 'L', "filePath", "Lhudson/FilePath;");
	w = jser_new_object(doc, wd);
	jser_set_ref(w, "filePath", fp);
	jser_set_ref(w, "callable", o);
	wbuf_init(&pl, 1 << 20);
	wbuf_init(&wr, 1 << 20);
	rc = cmd_payload_encode(doc, w, 2, &pl);
	if (rc == PROTO_OK)
		rc = cmd_put_user_request(&wr, id, 0, 2, pl.d, pl.len, cls);
	if (rc == PROTO_OK)
		rc = live_send(l, wr.d, wr.len);
	wbuf_free(&pl);
	wbuf_free(&wr);
	jser_doc_free(doc);
	return rc;
}

/*
 * Serve the agent's stream reads from data (pull: Buffer answers; push:
 * chunks after its ConnectCommand, honouring the window, then EOF with
 * eof_error) until the Response to id.  The Response's kind, with its
 * result or exception message in ret.
 */
static int
serve_stream(struct live *l, int32_t id, int32_t oid, const uint8_t *data,
    size_t n, const char *eof_error, char *ret, size_t retlen,
    int *pulls, size_t *max_unacked)
{
	struct cmd		 c;
	struct wbuf		 w;
	struct jser_doc		*doc;
	struct jser_node	*b;
	size_t			 off = 0, acked = 0, k;
	int32_t			 pos = -1, io = 0;
	bool			 eof = false;
	int			 kind = -1;

	*pulls = 0;
	*max_unacked = 0;
	snprintf(ret, retlen, "(none)");
	wbuf_init(&w, 1 << 20);
	while (live_next(l, 20000, &c) == 0) {
		if (c.kind == CMD_PIS_CHUNK && c.oid == oid) {
			k = n - off;
			if (k > (size_t)c.size)
				k = (size_t)c.size;
			doc = jser_doc_new();
			if (k == 0 && eof_error != NULL) {
				b = cmd_new_exception(doc,
				    "java.io.IOException", eof_error);
				cmd_put_response_raw(&w, doc, c.id, 0, b, NULL);
			} else {
				b = cmd_new_pis_buffer(doc, k == 0 ? -1 :
				    (int32_t)k, data + off, (uint32_t)k);
				cmd_put_response_raw(&w, doc, c.id, 0, NULL, b);
			}
			jser_doc_free(doc);
			off += k;
			(*pulls)++;
			live_send(l, w.d, w.len);
			wbuf_reset(&w);
		} else if (c.kind == CMD_PIPE_CONNECT && c.oid_ros == oid)
			pos = c.oid_pos;
		else if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			kind = (int)c.resp;
			doc = NULL;
			if (c.resp == CMD_RESP_NORMAL && c.has_payload &&
			    jser_decode(c.payload, c.payload_len, NULL, &doc,
			    NULL) == PROTO_OK)
				repr(doc, jser_root(doc), false, ret, retlen);
			else if (c.resp == CMD_RESP_EXCEPTION && c.has_payload &&
			    jser_decode(c.payload, c.payload_len, NULL, &doc,
			    NULL) == PROTO_OK) {
				const char	*m = NULL;

				jser_field_string(jser_root(doc),
				    "detailMessage", &m);
				snprintf(ret, retlen, "%s", m ? m : "?");
			}
			jser_doc_free(doc);
			cmd_free(&c);
			break;
		}
		cmd_free(&c);
		/* push within the 1 MiB window */
		while (pos >= 2 && !eof && off - acked < 1024 * 1024) {
			k = n - off < 65536 ? n - off : 65536;
			if (k == 0) {
				cmd_put_pos_eof(&w, ++io, pos, 0, eof_error ?
				    "java.io.IOException" : NULL, eof_error);
				eof = true;
			} else
				cmd_put_pos_chunk(&w, ++io, pos, 0, data + off,
				    k);
			live_send(l, w.d, w.len);
			wbuf_reset(&w);
			off += k;
			if (off - acked > *max_unacked)
				*max_unacked = off - acked;
		}
	}
	wbuf_free(&w);
	return kind;
}

static void
extract_stream_tests(void)
{
	struct live		 l;
	struct wbuf		 tgz, zip;
	struct arc_writer	*aw;
	static uint8_t		 big[3 * 1024 * 1024];
	char			 ret[1024], p[PATH_MAX];
	size_t			 maxu;
	int			 kind, pulls;

	if (live_start(&l) == -1) {
		ok(0, "live channel started");
		return;
	}
	fill(big, sizeof(big));
	put("xs/src/big.bin", "", 0644);
	snprintf(p, sizeof(p), "%s/xs/src/big.bin", root);
	fsutil_write_atomic(p, big, sizeof(big), 0644);
	put("xs/src/t.txt", "tool", 0755);
	wbuf_init(&tgz, 1 << 26);
	wbuf_init(&zip, 1 << 26);
	aw = arc_writer_new(ARC_TGZ, mem_sink, &tgz);
	arc_writer_add(aw, "big.bin", p, true);
	snprintf(p, sizeof(p), "%s/xs/src/t.txt", root);
	arc_writer_add(aw, "bin/t", p, true);
	arc_writer_finish(aw);
	arc_writer_free(aw);
	aw = arc_writer_new(ARC_ZIP, mem_sink, &zip);
	arc_writer_add(aw, "bin/t", p, true);
	arc_writer_finish(aw);
	arc_writer_free(aw);

	/* UntarFrom{compression, in}: a non-greedy stream, pulled */
	ok(send_extract(&l, 7001, "hudson.FilePath$UntarFrom", "GZIP", ctl_ris,
	    false, 71, "xs/pull") == 0, "UntarFrom (pull) sent");
	kind = serve_stream(&l, 7001, 71, tgz.d, tgz.len, NULL, ret,
	    sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_NORMAL && strcmp(ret, "null") == 0 &&
	    file_is("xs/pull/bin/t", "tool", 4) && pulls > 1,
	    "UntarFrom: pulled in %d reads, extracted (%s)", pulls, ret);
	{
		char	*d;
		size_t	 len;

		snprintf(p, sizeof(p), "%s/xs/pull/big.bin", root);
		ok(fsutil_read_file(p, sizeof(big) + 1, &d, &len) == 0 &&
		    len == sizeof(big) && memcmp(d, big, len) == 0,
		    "UntarFrom: 3 MiB file intact");
		if (len > 0)
			free(d);
	}
	/* a greedy stream: pushed within the window */
	ok(send_extract(&l, 7002, "hudson.FilePath$UntarFrom", "GZIP", ctl_ris,
	    true, 72, "xs/push") == 0, "UntarFrom (greedy) sent");
	kind = serve_stream(&l, 7002, 72, tgz.d, tgz.len, NULL, ret,
	    sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_NORMAL && file_is("xs/push/bin/t", "tool", 4) &&
	    maxu <= 1024 * 1024, "UntarFrom (greedy): extracted, at most "
	    "%zu bytes unacknowledged", maxu);
	/* UnzipFrom{in} */
	ok(send_extract(&l, 7003, "hudson.FilePath$UnzipFrom", NULL, ctl_ris,
	    true, 73, "xs/zip") == 0, "UnzipFrom sent");
	kind = serve_stream(&l, 7003, 73, zip.d, zip.len, NULL, ret,
	    sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_NORMAL && file_is("xs/zip/bin/t", "tool", 4),
	    "UnzipFrom: extracted (%s)", ret);
	/* the controller's stream fails midway: IOException, as Java */
	ok(send_extract(&l, 7004, "hudson.FilePath$UntarFrom", "GZIP", ctl_ris,
	    false, 74, "xs/fail") == 0, "failing UntarFrom sent");
	kind = serve_stream(&l, 7004, 74, tgz.d, tgz.len / 2, "disk on fire",
	    ret, sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_EXCEPTION && strstr(ret, "Failed to extract") !=
	    NULL && strstr(ret, "disk on fire") != NULL,
	    "a failing stream: IOException (%s)", ret);
	ok(send_extract(&l, 7005, "hudson.FilePath$UntarFrom", "GZIP", ctl_ris,
	    true, 75, "xs/fail2") == 0, "failing greedy UntarFrom sent");
	kind = serve_stream(&l, 7005, 75, tgz.d, tgz.len / 2, "disk on fire",
	    ret, sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_EXCEPTION && strstr(ret, "Failed to extract") !=
	    NULL, "a failing greedy stream: IOException (%s)", ret);
	/* not a tar: IOException */
	ok(send_extract(&l, 7006, "hudson.FilePath$UntarFrom", "GZIP", ctl_ris,
	    false, 76, "xs/bad") == 0, "UntarFrom of garbage sent");
	kind = serve_stream(&l, 7006, 76, (const uint8_t *)"garbage!", 8, NULL,
	    ret, sizeof(ret), &pulls, &maxu);
	ok(kind == CMD_RESP_EXCEPTION && strstr(ret, "Failed to extract") !=
	    NULL, "UntarFrom of garbage: IOException (%s)", ret);
	wbuf_free(&tgz);
	wbuf_free(&zip);
	live_stop(&l);
}

/* ---- workspace browsing ---- */

/* An OpenOption[] with NOFOLLOW_LINKS and/or IGNORE_TMP_DIRS. */
static struct jser_node *
open_options(struct jser_doc *doc, bool nofollow, bool notmp)
{
	struct jser_node	*ad, *ed, *ld, *td, *arr;
	uint32_t		 n = 0;

	ed = jser_new_desc(doc, "java.lang.Enum", 0, SC_SERIALIZABLE | SC_ENUM,
	    NULL);
	ld = jser_new_desc(doc, "java.nio.file.LinkOption", 0,
	    SC_SERIALIZABLE | SC_ENUM, ed);
	td = jser_new_desc(doc, "hudson.FilePath$DisplayOption", 0,
	    SC_SERIALIZABLE | SC_ENUM, ed);
	ad = jser_new_desc(doc, "[Ljava.nio.file.OpenOption;",
	    INT64_C(-6455357880327853497), SC_SERIALIZABLE, NULL);
	arr = jser_new_array(doc, ad, (uint32_t)nofollow + (uint32_t)notmp,
	    NULL);
	if (nofollow)
		jser_array_set(arr, n++, jser_new_enum(doc, ld,
		    "NOFOLLOW_LINKS"));
	if (notmp)
		jser_array_set(arr, n++, jser_new_enum(doc, td,
		    "IGNORE_TMP_DIRS"));
	return arr;
}

/* VirtualFile$FilePathVF{f = root/rel, root = root/rel}, or an object of
 * class vfcls when given. */
static struct jser_node *
vf_node(struct jser_doc *doc, const char *rel, const char *vfcls)
{
	struct fv	 f[2] = { { 'F', "f", rel, 0 }, { 'F', "root", rel, 0 } };

	return mk(doc, vfcls != NULL ? vfcls :
	    "jenkins.util.VirtualFile$FilePathVF", f, 2);
}

/* Run callable (in doc) like the channel would (file_path may be NULL),
 * encode and decode the result; *back holds it (caller frees).  The
 * exception "class: message" in out on failure. */
static int
run_encoded(struct jser_node *callable, const char *file_path,
    struct jser_doc **back, char *out, size_t size)
{
	struct hctx	 h;
	struct wbuf	 w;
	int		 r = -1;

	memset(&h, 0, sizeof(h));
	h.loader_oid = -1;
	h.req_id = 1;
	h.file_path = file_path;
	*back = NULL;
	out[0] = '\0';
	wbuf_init(&w, 1 << 24);
	if ((h.out = jser_doc_new()) == NULL)
		goto done;
	if (handlers_call(&h, callable) != 0) {
		snprintf(out, size, "%s: %s", h.exc_class, h.exc_msg);
		goto done;
	}
	if (cmd_payload_encode(h.out, h.value, -1, &w) == PROTO_OK &&
	    jser_decode(w.d, w.len, NULL, back, NULL) == PROTO_OK)
		r = 0;
done:
	jser_doc_free(h.out);
	wbuf_free(&w);
	return r;
}

/* "href|title|F/-|R/-|size" of a Path record. */
static void
path_repr(const struct jser_node *p, char *out, size_t size)
{
	const char	*href = NULL, *title = NULL;
	bool		 dir = false, rd = false;
	int64_t		 sz = -1, lm = 0;

	jser_field_string(p, "href", &href);
	jser_field_string(p, "title", &title);
	jser_field_bool(p, "isFolder", &dir);
	jser_field_bool(p, "isReadable", &rd);
	jser_field_long(p, "size", &sz);
	jser_field_long(p, "lastModified", &lm);
	snprintf(out, size, "%s|%s|%s|%s|%s", href ? href : "?",
	    title ? title : "?", dir ? "D" : "-", rd ? "R" : "-",
	    lm > 0 ? "t" : "0");
}

static void
browse_tests(void)
{
	struct jser_doc		*doc, *back;
	struct jser_node	*o, *d, *glob, **items, **inner, *res;
	char			 out[4096], p[PATH_MAX], one[512];
	uint32_t		 n, m, i, j;
	size_t			 len;
	bool			 links = false, tmps = false;
	struct fv		 f[3];

	put("br/b.txt", "b", 0644);
	put("br/A.txt", "aa", 0644);
	put("br/.hidden", "h", 0644);
	put("br/sp ace#.txt", "s", 0644);
	put("br/dir1/only/deep/f.txt", "f", 0644);
	put("br/dir1/only/.git-keep", "k", 0644);
	put("br/dir2/x", "x", 0644);
	put("br/dir2/y", "y", 0644);
	put("br/ws@tmp/t", "t", 0644);
	snprintf(p, sizeof(p), "%s/br/link", root);
	if (symlink("b.txt", p) == -1)
		diag("symlink: %s", strerror(errno));

	/* BuildChildPaths{cur, locale, openOptions} */
	doc = jser_doc_new();
	d = jser_new_desc(doc, "hudson.model.DirectoryBrowserSupport$"
	    "BuildChildPaths", 0, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "cur", "Ljenkins/util/VirtualFile;");
	jser_desc_add_field(doc, d, 'L', "locale", "Ljava/util/Locale;");
	jser_desc_add_field(doc, d, '[', "openOptions",
	    "[Ljava/nio/file/OpenOption;");
	o = jser_new_object(doc, d);
	jser_set_ref(o, "cur", vf_node(doc, "br", NULL));
	jser_set_ref(o, "openOptions", open_options(doc, true, true));
	len = 0;
	out[0] = '\0';
	if (run_encoded(o, NULL, &back, out, sizeof(out)) == 0 &&
	    (res = jser_root(back)) != NULL &&
	    strcmp(jser_class_name(res), "hudson.model.DirectoryBrowserSupport"
	    "$BuildChildPathsResult") == 0 &&
	    jser_field_ref(res, "glob", &glob) == PROTO_OK &&
	    jval_list_items(back, glob, &items, &n) == PROTO_OK) {
		jser_field_bool(res, "containsSymLink", &links);
		jser_field_bool(res, "containsTmpDir", &tmps);
		for (i = 0; i < n; i++) {
			if (jval_list_items(back, items[i], &inner, &m) !=
			    PROTO_OK)
				continue;
			for (j = 0; j < m; j++) {
				path_repr(inner[j], one, sizeof(one));
				len += (size_t)snprintf(out + len,
				    sizeof(out) - len, "%s%s", j ? ">" :
				    i ? ";" : "", one);
				if (len >= sizeof(out))
					len = sizeof(out) - 1;
			}
		}
	}
	ok(strcmp(out, "dir1|dir1|D|R|t>dir1/only|only|D|R|t>"
	    "dir1/only/deep|deep|D|R|t;dir2|dir2|D|R|t;.hidden|.hidden|-|R|t;"
	    "A.txt|A.txt|-|R|t;b.txt|b.txt|-|R|t;"
	    "sp%20ace%23.txt|sp ace#.txt|-|R|t") == 0, "BuildChildPaths: "
	    "directories first, empty chains folded, no link or @tmp, hrefs "
	    "encoded: %s", out);
	ok(links && tmps, "BuildChildPathsResult: containsSymLink, "
	    "containsTmpDir");
	jser_doc_free(back);
	jser_doc_free(doc);
	/* the same without options: nothing to report */
	doc = jser_doc_new();
	d = jser_new_desc(doc, "hudson.model.DirectoryBrowserSupport$"
	    "BuildChildPaths", 0, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "cur", "Ljenkins/util/VirtualFile;");
	o = jser_new_object(doc, d);
	jser_set_ref(o, "cur", vf_node(doc, "br", NULL));
	links = tmps = true;
	if (run_encoded(o, NULL, &back, out, sizeof(out)) == 0) {
		jser_field_bool(jser_root(back), "containsSymLink", &links);
		jser_field_bool(jser_root(back), "containsTmpDir", &tmps);
	}
	ok(!links && !tmps, "BuildChildPaths without options: no symlink or "
	    "tmp dir flagged");
	jser_doc_free(back);
	/* an unknown VirtualFile: UnsupportedOperationException */
	jser_set_ref(o, "cur", vf_node(doc, "br", "org.example.CloudVF"));
	ok(run_encoded(o, NULL, &back, out, sizeof(out)) != 0 &&
	    strncmp(out, "java.lang.UnsupportedOperationException: "
	    "org.example.CloudVF", 60) == 0, "BuildChildPaths on another "
	    "VirtualFile: %s", out);
	jser_doc_free(back);
	jser_doc_free(doc);

	/* IsAbsolute{fragment} */
	f[0] = (struct fv){ 'L', "fragment", "/etc/passwd", 0 };
	ok(call("hudson.model.DirectoryBrowserSupport$IsAbsolute", f, 1, "",
	    out, sizeof(out)) == 0 && strcmp(out, "Boolean:true") == 0,
	    "IsAbsolute /etc/passwd: %s", out);
	f[0].s = "src/main";
	ok(call("hudson.model.DirectoryBrowserSupport$IsAbsolute", f, 1, "",
	    out, sizeof(out)) == 0 && strcmp(out, "Boolean:false") == 0,
	    "IsAbsolute src/main: %s", out);

	/* CollectFiles{root}: every file, relative */
	doc = jser_doc_new();
	d = jser_new_desc(doc, "jenkins.util.VirtualFile$CollectFiles", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "root", "Ljenkins/util/VirtualFile;");
	o = jser_new_object(doc, d);
	jser_set_ref(o, "root", vf_node(doc, "br/dir1", NULL));
	if (run_encoded(o, NULL, &back, out, sizeof(out)) == 0)
		repr(back, jser_root(back), false, out, sizeof(out));
	ok(strcmp(out, "Collection[String:only/.git-keep,"
	    "String:only/deep/f.txt]") == 0, "CollectFiles: %s", out);
	jser_doc_free(back);
	jser_doc_free(doc);

	/* Scanner{includes, excludes, useDefaultExcludes, ...} */
	f[0] = (struct fv){ 'L', "includes", "**/*.txt", 0 };
	f[1] = (struct fv){ 'L', "excludes", "dir1/**", 0 };
	f[2] = (struct fv){ 'Z', "useDefaultExcludes", NULL, 1 };
	ok(call("jenkins.util.VirtualFile$Scanner", f, 3, "br", out,
	    sizeof(out)) == 0 && strcmp(out, "Collection[String:A.txt,"
	    "String:b.txt,String:sp ace#.txt]") == 0, "Scanner: %s", out);
	f[0].s = "";
	ok(call("jenkins.util.VirtualFile$Scanner", f, 3, "br", out,
	    sizeof(out)) == 0 && strcmp(out, "Collection[]") == 0,
	    "Scanner with empty includes: %s", out);

	/* Readable */
	ok(call("jenkins.util.VirtualFile$Readable", NULL, 0, "br/b.txt", out,
	    sizeof(out)) == 0 && strcmp(out, "Boolean:true") == 0,
	    "Readable: %s", out);
	ok(call("jenkins.util.VirtualFile$Readable", NULL, 0, "br/none", out,
	    sizeof(out)) == 0 && strcmp(out, "Boolean:false") == 0,
	    "Readable of a missing file: %s", out);
}

int
main(void)
{
	const char	*fx = getenv("JNAGENT_FIXTURES");
	char		 d[PATH_MAX];
	struct stat	 st;

	if (mkdtemp(root) == NULL)
		return 1;
	log_level = LOG_ERROR;
	if (fx != NULL && (snprintf(d, sizeof(d),
	    "%s/remoting/captures/jenkins-direct", fx), stat(d, &st) == 0))
		capture_tests(fx);
	else
		diag("JNAGENT_FIXTURES not set or capture missing: "
		    "capture replay skipped");
	direct_tests();
	tier3_tests();
	browse_tests();
	extract_stream_tests();
	if (fx != NULL && stat(d, &st) == 0)
		live_tests(fx);
	free(replies);
	if (getenv("KEEP") == NULL)
		fsutil_rmtree(root);
	return done_testing();
}
