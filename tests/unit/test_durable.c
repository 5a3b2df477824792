/*
 * test_durable.c: durable-task watch mode (jenkins-callables.md 6.5)
 * through a live channel: the test plays the controller, sends
 * FileMonitoringTask$StartWatching built field by field as the catalog
 * gives it, and checks what the agent's Watcher sends back: the log
 * bytes to the listener's RemoteOutputStream, last-location.txt, the
 * trailing newline, and the ExecutionRemotable.exited(int, byte[]) /
 * problem(Exception) callbacks as UserRPCRequests.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/channel.h"
#include "agent/fsutil.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/chunk.h"
#include "protocol/command.h"
#include "tests/unit/chan_testutil.h"
#include "protocol/jval.h"
#include "tests/unit/tap.h"

#define DT	"org.jenkinsci.plugins.durabletask."
#define WF	"org.jenkinsci.plugins.workflow.steps.durable_task."
#define EXEC_REMOTABLE	WF "DurableTaskStep$ExecutionRemotable"

static char	 root[256];


struct live {
	pthread_t		 th;
	int			 fd;
	volatile int		 stop;
	struct agent_conf	 conf;
	struct ttrans		*tt;
	struct chan_rx		 rx;
	int32_t			 next_id;
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
	l->next_id = 500;
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
	return chan_send_cmd(l->fd, cmd, len, (size_t)1 << 26);
}

/* Next command from the agent: 0, or -1 on timeout or error. */
static int
live_next(struct live *l, int ms, struct cmd *c)
{
	return chan_rx_next(&l->rx, l->fd, ms, true, c) == 0 ? 0 : -1;
}

/* ---- StartWatching, as a controller writes it ---- */

static struct jser_node *
desc(struct jser_doc *doc, const char *name, int64_t suid, uint8_t flags,
    struct jser_node *super)
{
	return jser_new_desc(doc, name, suid, flags, super);
}

static struct jser_node *
str(struct jser_doc *doc, const char *s)
{
	return s != NULL ? jser_new_string(doc, s, strlen(s)) : NULL;
}

/* hudson.remoting.RemoteOutputStream{custom oid}. */
static struct jser_node *
ros(struct jser_doc *doc, int32_t oid)
{
	struct jser_node	*d, *o;
	struct jser_classdata	*cd;
	uint8_t			 b[4];

	b[0] = (uint8_t)((uint32_t)oid >> 24);
	b[1] = (uint8_t)((uint32_t)oid >> 16);
	b[2] = (uint8_t)((uint32_t)oid >> 8);
	b[3] = (uint8_t)oid;
	d = desc(doc, "hudson.remoting.RemoteOutputStream", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	o = jser_new_object(doc, d);
	cd = jser_obj_classdata(o, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, b, 4);
	return o;
}

/* A proxy of ExecutionRemotable exported by the controller as oid. */
static struct jser_node *
exec_proxy(struct jser_doc *doc, int32_t oid)
{
	static const char *const ifs[] = { EXEC_REMOTABLE,
	    "hudson.remoting.IReadResolve" };
	struct jser_node	*sd, *pd, *px, *ihd, *ih;

	sd = desc(doc, "java.lang.reflect.Proxy", INT64_C(-2222568056686623797),
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, sd, 'L', "h",
	    "Ljava/lang/reflect/InvocationHandler;");
	pd = jser_new_proxydesc(doc, ifs, 2, sd);
	ihd = desc(doc, "hudson.remoting.RemoteInvocationHandler", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	jser_desc_add_field(doc, ihd, 'Z', "autoUnexportByCaller", NULL);
	jser_desc_add_field(doc, ihd, 'Z', "goingHome", NULL);
	jser_desc_add_field(doc, ihd, 'I', "oid", NULL);
	jser_desc_add_field(doc, ihd, 'Z', "recordCreatedAt", NULL);
	jser_desc_add_field(doc, ihd, 'Z', "userProxy", NULL);
	jser_desc_add_field(doc, ihd, 'Z', "userSpace", NULL);
	jser_desc_add_field(doc, ihd, 'L', "origin", "Ljava/lang/Throwable;");
	ih = jser_new_object(doc, ihd);
	jser_set_prim(ih, "oid", (uint32_t)oid);
	jser_set_prim(ih, "userProxy", 1);
	px = jser_new_object(doc, pd);
	jser_set_ref(px, "h", ih);
	return px;
}

struct watch_args {
	const char	*control_dir;	/* NULL: no controller */
	const char	*charset;
	int32_t		 exec_oid;	/* < 0: no handler */
	int32_t		 log_oid;
};

/*
 * FileCallableWrapper{callable = FileMonitoringTask$StartWatching{
 * controller = BourneShellScript$ShellController{isZos,
 * jenkinsResultTxtEncoding} -> FileMonitoringController{lastLocation,
 * charset, controlDir, cookieValue, id} -> Controller,
 * handler = DurableTaskStep$HandlerImpl{execution, listener} -> Handler,
 * listener = NewlineSafeTaskListener{delegate =
 * BufferedBuildListener$Replacement{ros}}}, filePath = FilePath(W)}.
 */
static struct jser_node *
start_watching(struct jser_doc *doc, const char *ws,
    const struct watch_args *a)
{
	struct jser_node	*cd0, *fmc, *shc, *ctl = NULL, *hd0, *hid;
	struct jser_node	*hd = NULL, *nld, *nl, *rpd, *rp, *swd, *sw;
	struct jser_node	*fpd, *fp, *wd, *w;
	struct jser_classdata	*cd;
	uint8_t			 f = 0;

	cd0 = desc(doc, DT "Controller", 1, SC_SERIALIZABLE, NULL);
	fmc = desc(doc, DT "FileMonitoringTask$FileMonitoringController", 1,
	    SC_SERIALIZABLE, cd0);
	jser_desc_add_field(doc, fmc, 'J', "lastLocation", NULL);
	jser_desc_add_field(doc, fmc, 'L', "charset", "Ljava/lang/String;");
	jser_desc_add_field(doc, fmc, 'L', "controlDir", "Ljava/lang/String;");
	jser_desc_add_field(doc, fmc, 'L', "cookieValue",
	    "Ljava/lang/String;");
	jser_desc_add_field(doc, fmc, 'L', "id", "Ljava/lang/String;");
	shc = desc(doc, DT "BourneShellScript$ShellController", 1,
	    SC_SERIALIZABLE, fmc);
	jser_desc_add_field(doc, shc, 'Z', "isZos", NULL);
	jser_desc_add_field(doc, shc, 'L', "jenkinsResultTxtEncoding",
	    "Ljava/lang/String;");
	if (a->control_dir != NULL) {
		ctl = jser_new_object(doc, shc);
		jser_set_ref(ctl, "charset", str(doc, a->charset));
		jser_set_ref(ctl, "controlDir", str(doc, a->control_dir));
		jser_set_ref(ctl, "cookieValue", str(doc, "durable-0123"));
		jser_set_ref(ctl, "id", str(doc, "c0ffee"));
	}
	/* the listener graph */
	rpd = desc(doc, "org.jenkinsci.plugins.workflow.log."
	    "BufferedBuildListener$Replacement", 1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, rpd, 'L', "ros",
	    "Lhudson/remoting/RemoteOutputStream;");
	rp = jser_new_object(doc, rpd);
	jser_set_ref(rp, "ros", ros(doc, a->log_oid));
	nld = desc(doc, WF "DurableTaskStep$Execution$NewlineSafeTaskListener",
	    1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, nld, 'L', "delegate",
	    "Lhudson/model/TaskListener;");
	nl = jser_new_object(doc, nld);
	jser_set_ref(nl, "delegate", rp);
	hd0 = desc(doc, DT "Handler", INT64_C(-7255004069826738232),
	    SC_SERIALIZABLE, NULL);
	hid = desc(doc, WF "DurableTaskStep$HandlerImpl", 1, SC_SERIALIZABLE,
	    hd0);
	jser_desc_add_field(doc, hid, 'L', "execution",
	    "L" "org/jenkinsci/plugins/workflow/steps/durable_task/"
	    "DurableTaskStep$ExecutionRemotable;");
	jser_desc_add_field(doc, hid, 'L', "listener",
	    "Lhudson/model/TaskListener;");
	if (a->exec_oid >= 0) {
		hd = jser_new_object(doc, hid);
		jser_set_ref(hd, "execution", exec_proxy(doc, a->exec_oid));
		jser_set_ref(hd, "listener", nl);
	}
	swd = desc(doc, DT "FileMonitoringTask$StartWatching", 1,
	    SC_SERIALIZABLE, desc(doc, "jenkins.MasterToSlaveFileCallable", 1,
	    SC_SERIALIZABLE, NULL));
	jser_desc_add_field(doc, swd, 'L', "controller",
	    "L" "org/jenkinsci/plugins/durabletask/FileMonitoringTask$"
	    "FileMonitoringController;");
	jser_desc_add_field(doc, swd, 'L', "handler",
	    "Lorg/jenkinsci/plugins/durabletask/Handler;");
	jser_desc_add_field(doc, swd, 'L', "listener",
	    "Lhudson/model/TaskListener;");
	sw = jser_new_object(doc, swd);
	jser_set_ref(sw, "controller", ctl);
	jser_set_ref(sw, "handler", hd);
	jser_set_ref(sw, "listener", nl);
	/* the wrapper */
	fpd = desc(doc, "hudson.FilePath", 1, SC_SERIALIZABLE |
	    SC_WRITE_METHOD, NULL);
	jser_desc_add_field(doc, fpd, 'L', "remote", "Ljava/lang/String;");
	fp = jser_new_object(doc, fpd);
	jser_set_ref(fp, "remote", str(doc, ws));
	cd = jser_obj_classdata(fp, NULL);
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, &f, 1);
	wd = desc(doc, "hudson.FilePath$FileCallableWrapper", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, wd, 'L', "callable",
	    "Lhudson/FilePath$FileCallable;");
	jser_desc_add_field(doc, wd, 'L', "filePath", "Lhudson/FilePath;");
	w = jser_new_object(doc, wd);
	jser_set_ref(w, "callable", sw);
	jser_set_ref(w, "filePath", fp);
	return w;
}

/* Send StartWatching; its request id, or -1. */
static int32_t
send_watch(struct live *l, const char *ws, const struct watch_args *a)
{
	struct jser_doc	*doc = jser_doc_new();
	struct wbuf	 pl, w;
	int32_t		 id = l->next_id++;
	int		 rc;

	wbuf_init(&pl, 1 << 20);
	wbuf_init(&w, 1 << 20);
	rc = cmd_payload_encode(doc, start_watching(doc, ws, a), 2, &pl);
	if (rc == PROTO_OK)
		rc = cmd_put_user_request(&w, id, 0, 2, pl.d, pl.len,
		    DT "FileMonitoringTask$StartWatching@1");
	if (rc == PROTO_OK)
		rc = live_send(l, w.d, w.len);
	wbuf_free(&pl);
	wbuf_free(&w);
	jser_doc_free(doc);
	return rc == 0 ? id : -1;
}

/* ---- what the Watcher sends ---- */

struct seen {
	char		 log[4096];
	size_t		 loglen;
	int32_t		 last_chunk_io;
	int		 flushes, log_unexports, unexports;
	int32_t		 unexported_oid;
	/* the last callback */
	int		 calls;
	char		 method[64], decl[200], types[128], to_string[300];
	int32_t		 call_oid, call_last_io, call_loader;
	int32_t		 code;
	bool		 has_output, output_null;
	char		 output[256];
	char		 exc[300];
	bool		 responded;
};

/* Decode an agent UserRequest holding a UserRPCRequest into *s. */
static void
note_call(struct live *l, const struct cmd *c, struct seen *s)
{
	struct jser_doc		*doc = NULL;
	struct jser_node	*o, *args = NULL, *types = NULL, **items;
	struct cmd_rpc		 rpc;
	struct wbuf		 w;
	static const uint8_t	 null_pl[] = { 0xac, 0xed, 0, 5, 0x70 };
	const uint8_t		*bp;
	uint32_t		 bl, i;
	size_t			 off = 0;
	int64_t			 v;
	const char		*t;

	s->calls++;
	s->call_last_io = c->last_io_id;
	s->call_loader = c->loader_oid;
	snprintf(s->to_string, sizeof(s->to_string), "%s",
	    c->to_string ? c->to_string : "");
	s->method[0] = s->decl[0] = s->types[0] = s->exc[0] = '\0';
	s->has_output = s->output_null = false;
	if (c->has_payload && jser_decode(c->payload, c->payload_len, NULL,
	    &doc, NULL) == PROTO_OK && (o = jser_root(doc)) != NULL &&
	    jser_instance_of(o, CMD_CLS_USER_RPC_REQUEST) &&
	    cmd_parse_rpc(o, &rpc) == PROTO_OK) {
		snprintf(s->method, sizeof(s->method), "%s", rpc.method);
		snprintf(s->decl, sizeof(s->decl), "%s", rpc.decl_class ?
		    rpc.decl_class : "");
		s->call_oid = rpc.oid;
		jser_field_ref(o, "types", &types);
		jser_field_ref(o, "arguments", &args);
		if (types != NULL && types->type == JSER_ARRAY) {
			items = types->u.arr.data;
			for (i = 0; i < types->u.arr.length; i++) {
				t = items[i] != NULL && items[i]->type ==
				    JSER_STRING ? items[i]->u.str.s : "?";
				off += (size_t)snprintf(s->types + off,
				    sizeof(s->types) - off, "%s%s",
				    i ? "," : "", t);
				if (off >= sizeof(s->types))
					break;
			}
		}
		if (args != NULL && args->type == JSER_ARRAY) {
			items = args->u.arr.data;
			if (strcmp(s->method, "exited") == 0 &&
			    args->u.arr.length == 2) {
				if (jval_get_int(items[0], &v) == PROTO_OK)
					s->code = (int32_t)v;
				s->has_output = true;
				s->output_null = items[1] == NULL;
				if (items[1] != NULL && jser_array_bytes(
				    items[1], &bp, &bl) == PROTO_OK)
					snprintf(s->output, sizeof(s->output),
					    "%.*s", (int)bl, bp);
			} else if (args->u.arr.length == 1 && items[0] != NULL)
				snprintf(s->exc, sizeof(s->exc), "%s: %s",
				    jser_class_name(items[0]),
				    jser_field_string(items[0],
				    "detailMessage", &t) == PROTO_OK && t ?
				    t : "");
		}
	}
	jser_doc_free(doc);
	/* void: NormalResponse(null) */
	wbuf_init(&w, 4096);
	cmd_put_response_normal(&w, c->id, 0, null_pl, sizeof(null_pl));
	live_send(l, w.d, w.len);
	wbuf_free(&w);
}

/* Take what arrives for ms (or until `until` calls were seen). */
static void
collect(struct live *l, struct seen *s, int32_t log_oid, int ms, int until,
    int32_t req, struct cmd *resp)
{
	struct cmd	 c;
	struct wbuf	 w;
	struct timespec	 t0, t1;
	long		 left = ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0 && (until <= 0 || s->calls < until) &&
	    live_next(l, (int)left, &c) == 0) {
		if (c.kind == CMD_POS_CHUNK && c.oid == log_oid) {
			if (s->loglen + c.buf_len < sizeof(s->log)) {
				memcpy(s->log + s->loglen, c.buf, c.buf_len);
				s->loglen += c.buf_len;
			}
			s->last_chunk_io = c.io_id;
			wbuf_init(&w, 4096);
			cmd_put_pos_ack(&w, c.oid, (int32_t)c.buf_len);
			live_send(l, w.d, w.len);
			wbuf_free(&w);
		} else if (c.kind == CMD_POS_FLUSH && c.oid == log_oid)
			s->flushes++;
		else if (c.kind == CMD_POS_UNEXPORT && c.oid == log_oid)
			s->log_unexports++;
		else if (c.kind == CMD_UNEXPORT) {
			s->unexports++;
			s->unexported_oid = c.oid;
		} else if (c.kind == CMD_USER_REQUEST)
			note_call(l, &c, s);
		else if (c.kind == CMD_RESPONSE && c.id == req &&
		    resp != NULL) {
			*resp = c;
			s->responded = true;
			continue;
		}
		cmd_free(&c);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
}

static void
put(const char *path, const char *data, size_t n, bool append)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0644);
	if (fd >= 0) {
		(void)fsutil_write_all(fd, data, n);
		close(fd);
	}
}

static bool
exists(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0;
}

static void
test_watch(void)
{
	struct live		 l;
	struct seen		 s;
	struct cmd		 resp;
	struct watch_args	 a;
	char			 ws[PATH_MAX + 64], c[PATH_MAX + 64];
	char			 p[PATH_MAX + 128];
	char			*txt = NULL, want[400];
	size_t			 len;
	int32_t			 id;
	int			 i;

	snprintf(ws, sizeof(ws), "%s/workspace/job", root);
	snprintf(c, sizeof(c), "%s/workspace/job@tmp/durable-12345678", root);
	fsutil_mkdirs(c, 0755);
	if (live_start(&l) != 0) {
		ok(0, "channel started");
		return;
	}
	snprintf(p, sizeof(p), "%s/jenkins-log.txt", c);
	put(p, "hello\nworld", 11, false);

	memset(&s, 0, sizeof(s));
	memset(&resp, 0, sizeof(resp));
	a = (struct watch_args){ c, NULL, 33, 44 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 44, 1500, 0, id, &resp);
	ok(s.responded && resp.resp == CMD_RESP_NORMAL &&
	    resp.payload_len == 5, "StartWatching -> null at once");
	cmd_free(&resp);
	ok(s.loglen == 11 && memcmp(s.log, "hello\nworld", 11) == 0,
	    "the log so far went to the listener's stream (%zu bytes)",
	    s.loglen);
	snprintf(p, sizeof(p), "%s/last-location.txt", c);
	ok(fsutil_read_file(p, 64, &txt, &len) == 0 && len == 2 &&
	    memcmp(txt, "11", 2) == 0, "last-location.txt = 11");
	free(txt);
	txt = NULL;
	/* more output: only the new bytes */
	snprintf(p, sizeof(p), "%s/jenkins-log.txt", c);
	put(p, " more", 5, true);
	collect(&l, &s, 44, 800, 0, -1, NULL);
	ok(s.loglen == 16 && memcmp(s.log + 11, " more", 5) == 0 &&
	    s.calls == 0, "new log bytes follow, nothing else");
	/* the exit code and the output: newline, exited(3, output) */
	snprintf(p, sizeof(p), "%s/output.txt", c);
	put(p, "out bytes", 9, false);
	snprintf(p, sizeof(p), "%s/jenkins-result.txt", c);
	put(p, "3\n", 2, false);
	collect(&l, &s, 44, 5000, 1, -1, NULL);
	ok(s.loglen == 17 && s.log[16] == '\n' && s.flushes >= 1,
	    "a trailing newline, then Flush");
	ok(s.calls == 1 && strcmp(s.method, "exited") == 0 &&
	    strcmp(s.decl, EXEC_REMOTABLE) == 0 && s.call_oid == 33 &&
	    strcmp(s.types, "int,[B") == 0, "UserRPCRequest %s.%s(%s) on "
	    "oid %d", s.decl, s.method, s.types, s.call_oid);
	ok(s.code == 3 && s.has_output && !s.output_null &&
	    strcmp(s.output, "out bytes") == 0, "exited(3, output.txt)");
	snprintf(want, sizeof(want), "UserRPCRequest:%s.exited[int, [B](33)",
	    EXEC_REMOTABLE);
	ok(s.call_last_io >= s.last_chunk_io && s.call_last_io > 0 &&
	    s.call_loader == 2 && strcmp(s.to_string, want) == 0,
	    "after the log (lastIoId %d >= %d), classLoaderProxy 2, "
	    "toString %s", s.call_last_io, s.last_chunk_io, s.to_string);
	for (i = 0; i < 50 && (exists(c) || s.unexports == 0); i++)
		collect(&l, &s, 44, 100, 0, -1, NULL);
	ok(!exists(c) && s.log_unexports == 1 && s.unexports == 1 &&
	    s.unexported_oid == 33, "the control directory is removed, the "
	    "log stream and the callback proxy released");

	/* no output.txt: exited(0, null); no newline after one */
	memset(&s, 0, sizeof(s));
	fsutil_mkdirs(c, 0755);
	snprintf(p, sizeof(p), "%s/jenkins-log.txt", c);
	put(p, "line\n", 5, false);
	snprintf(p, sizeof(p), "%s/jenkins-result.txt", c);
	put(p, "0", 1, false);
	a = (struct watch_args){ c, NULL, 35, 45 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 45, 5000, 1, id, &resp);
	cmd_free(&resp);
	ok(s.calls == 1 && s.code == 0 && s.output_null && s.loglen == 5 &&
	    memcmp(s.log, "line\n", 5) == 0, "finished step: log, no extra "
	    "newline, exited(0, null)");
	for (i = 0; i < 50 && (exists(c) || s.unexports == 0); i++)
		collect(&l, &s, 45, 100, 0, -1, NULL);

	/* ISO-8859-1 log: transcoded to UTF-8 */
	memset(&s, 0, sizeof(s));
	fsutil_mkdirs(c, 0755);
	snprintf(p, sizeof(p), "%s/jenkins-log.txt", c);
	put(p, "caf\xe9\n", 5, false);
	a = (struct watch_args){ c, "ISO-8859-1", 36, 46 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 46, 1000, 0, id, &resp);
	cmd_free(&resp);
	ok(s.loglen == 6 && memcmp(s.log, "caf\xc3\xa9\n", 6) == 0,
	    "an ISO-8859-1 log arrives as UTF-8");
	/* a corrupted result: problem(Exception), once */
	snprintf(p, sizeof(p), "%s/jenkins-result.txt", c);
	put(p, "oops", 4, false);
	collect(&l, &s, 46, 2000, 1, -1, NULL);
	ok(s.calls == 1 && strcmp(s.method, "problem") == 0 &&
	    strcmp(s.types, "java.lang.Exception") == 0 &&
	    strstr(s.exc, "java.io.IOException: corrupted content") != NULL,
	    "corrupted result: problem(%s)", s.exc);
	collect(&l, &s, 46, 500, 0, -1, NULL);
	ok(s.calls == 1, "problem() is sent once");
	/* the step is aborted: the controller deletes the control
	 * directory; the watch ends without exited() */
	fsutil_rmtree(c);
	for (i = 0; i < 50 && s.unexported_oid != 36; i++)
		collect(&l, &s, 46, 100, 0, -1, NULL);
	ok(s.calls == 1 && s.unexported_oid == 36,
	    "control directory gone: the watch ends quietly");

	/* malformed requests */
	memset(&s, 0, sizeof(s));
	a = (struct watch_args){ NULL, NULL, 37, 47 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 47, 600, 0, id, &resp);
	ok(s.responded && resp.resp == CMD_RESP_EXCEPTION,
	    "StartWatching without a controller: an exception");
	cmd_free(&resp);
	memset(&s, 0, sizeof(s));
	a = (struct watch_args){ c, NULL, -1, 47 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 47, 600, 0, id, &resp);
	ok(s.responded && resp.resp == CMD_RESP_EXCEPTION,
	    "StartWatching without a handler: an exception");
	cmd_free(&resp);
	memset(&s, 0, sizeof(s));
	fsutil_mkdirs(c, 0755);
	a = (struct watch_args){ c, "NO-SUCH-CHARSET", 38, 48 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 48, 600, 0, id, &resp);
	ok(s.responded && resp.resp == CMD_RESP_EXCEPTION,
	    "StartWatching with an unknown charset: an exception");
	cmd_free(&resp);

	/* a watch ends with the channel */
	memset(&s, 0, sizeof(s));
	a = (struct watch_args){ c, NULL, 39, 49 };
	id = send_watch(&l, ws, &a);
	collect(&l, &s, 49, 500, 0, id, &resp);
	cmd_free(&resp);
	live_stop(&l);
	snprintf(p, sizeof(p), "%s/jenkins-result.txt", c);
	put(p, "1", 1, false);
	usleep(400000);
	ok(exists(c), "after the channel ends the watch stops (nothing "
	    "removed)");
	fsutil_rmtree(c);
}

int
main(void)
{
	log_level = LOG_ERROR;
	snprintf(root, sizeof(root), "/tmp/jndurable.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	setenv("LANG", "C.UTF-8", 1);
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	test_watch();
	fsutil_rmtree(root);
	return done_testing();
}
