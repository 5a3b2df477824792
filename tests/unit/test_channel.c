/*
 * test_channel.c: channel_run() on one end of a socketpair, the test
 * playing the controller on the other end: the node-online callables of
 * the captured Jenkins session, pings both ways, cancellation, exported
 * objects and RPCs, pipes with flow control, and every way a channel ends.
 */
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/channel.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/chunk.h"
#include "protocol/command.h"
#include "tests/unit/chan_testutil.h"
#include "tests/unit/tap.h"


/* ---- the controller side ---- */

struct run {
	pthread_t		 th;
	int			 fd;		/* controller end */
	volatile int		 stop;
	volatile int		 done;
	enum channel_end	 end;
	struct agent_conf	 conf;
	struct ttrans		*tt;
	struct chan_rx		 rx;
	bool			 answer_pings;
	int			 pings;		/* agent pings seen */
	int32_t			 ping_loader;	/* their classLoaderProxy oid */
	char			 ping_class[128];
	uint64_t		 ping_at[8];
	int32_t			 next_id;	/* controller request ids */
};

static void *
run_main(void *arg)
{
	struct run	*r = arg;

	r->end = channel_run(&r->tt->t, &r->conf, &r->stop);
	r->done = 1;
	return NULL;
}

static int
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	if (chan_pair(&r->tt, &r->fd) == -1)
		return -1;
	r->conf.work_dir = (char *)"/tmp";
	r->answer_pings = true;
	r->next_id = 100;
	chan_rx_init(&r->rx);
	return pthread_create(&r->th, NULL, run_main, r) == 0 ? 0 : -1;
}

/* Wait for channel_run() to return (at most ms); then clean up. */
static bool
run_finish(struct run *r, int ms)
{
	uint64_t	 dl = now_ms() + (uint64_t)ms;

	while (!r->done && now_ms() < dl)
		usleep(10000);
	if (!r->done) {
		r->stop = 1;	/* don't hang the test */
		close(r->fd);
		r->fd = -1;
	}
	pthread_join(r->th, NULL);
	if (r->fd != -1)
		close(r->fd);
	chan_rx_free(&r->rx);
	return true;
}

static int
ctl_send(struct run *r, const uint8_t *cmd, size_t len)
{
	return chan_send_cmd(r->fd, cmd, len, (size_t)1 << 28);
}

static int
ctl_send_wbuf(struct run *r, struct wbuf *w)
{
	int	 rc = ctl_send(r, w->d, w->len);

	wbuf_reset(w);
	return rc;
}

/*
 * The next command from the agent: 0, -1 on timeout, -2 on EOF/error.
 * *raw (may be NULL) gets the command bytes (caller frees).
 */
static int
ctl_next(struct run *r, int ms, struct cmd *c)
{
	return chan_rx_next(&r->rx, r->fd, ms, false, c);
}

static const uint8_t null_pl[] = { 0xac, 0xed, 0x00, 0x05, 0x70 };

/* Answer an agent's ping and note it; true if c was one. */
static bool
ctl_ping(struct run *r, struct cmd *c)
{
	struct jser_doc	*doc;
	struct wbuf	 w;
	const char	*cls;

	if (c->kind != CMD_USER_REQUEST)
		return false;
	if (jser_decode(c->payload, c->payload_len, NULL, &doc, NULL) ==
	    PROTO_OK) {
		cls = jser_class_name(jser_root(doc));
		snprintf(r->ping_class, sizeof(r->ping_class), "%s",
		    cls ? cls : "?");
		jser_doc_free(doc);
	}
	r->ping_loader = c->loader_oid;
	if (r->pings < 8)
		r->ping_at[r->pings] = now_ms();
	r->pings++;
	if (r->answer_pings) {
		wbuf_init(&w, 1 << 20);
		cmd_put_response_normal(&w, c->id, 0, null_pl, sizeof(null_pl));
		ctl_send_wbuf(r, &w);
		wbuf_free(&w);
	}
	return true;
}

/* Wait for the Response to id, answering pings meanwhile. */
static int
ctl_response(struct run *r, int32_t id, int ms, struct cmd *out)
{
	uint64_t	 dl = now_ms() + (uint64_t)ms;
	struct cmd	 c;
	int		 rc;

	while (now_ms() < dl) {
		if ((rc = ctl_next(r, (int)(dl - now_ms()), &c)) != 0)
			return rc;
		if (c.kind == CMD_RESPONSE && c.id == id) {
			*out = c;
			return 0;
		}
		ctl_ping(r, &c);
		cmd_free(&c);
	}
	return -1;
}

/* ---- building controller requests ---- */

/* A UserRequest whose callable is root (built in doc). */
static int
ctl_call(struct run *r, struct jser_doc *doc, struct jser_node *root,
    const char *to_string)
{
	struct wbuf	 pl, w;
	int32_t		 id = r->next_id++;
	int		 rc;

	wbuf_init(&pl, 1 << 24);
	wbuf_init(&w, 1 << 24);
	rc = cmd_payload_encode(doc, root, 2, &pl);
	if (rc == PROTO_OK)
		rc = cmd_put_user_request(&w, id, 0, 2, pl.d, pl.len,
		    to_string);
	if (rc == PROTO_OK)
		rc = ctl_send(r, w.d, w.len);
	wbuf_free(&pl);
	wbuf_free(&w);
	return rc == 0 ? id : -1;
}

/* A callable of class cls with int fields (names sorted). */
static int
ctl_call_simple(struct run *r, const char *cls, const char *f1, int32_t v1,
    const char *f2, int32_t v2)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*d, *o;
	int			 id;

	d = jser_new_desc(doc, cls, 1, SC_SERIALIZABLE, NULL);
	if (f1 != NULL)
		jser_desc_add_field(doc, d, 'I', f1, NULL);
	if (f2 != NULL)
		jser_desc_add_field(doc, d, 'I', f2, NULL);
	o = jser_new_object(doc, d);
	if (f1 != NULL)
		jser_set_prim(o, f1, (uint64_t)(uint32_t)v1);
	if (f2 != NULL)
		jser_set_prim(o, f2, (uint64_t)(uint32_t)v2);
	id = ctl_call(r, doc, o, cls);
	jser_doc_free(doc);
	return id;
}

static int
ctl_ping_agent(struct run *r)
{
	return ctl_call_simple(r, CMD_CLS_PING, NULL, 0, NULL, 0);
}

/* The decoded result of a NormalResponse (doc caller frees). */
static struct jser_node *
result_of(const struct cmd *c, struct jser_doc **doc)
{
	*doc = NULL;
	if (c->kind != CMD_RESPONSE || c->resp != CMD_RESP_NORMAL ||
	    !c->has_payload ||
	    jser_decode(c->payload, c->payload_len, NULL, doc, NULL) !=
	    PROTO_OK)
		return NULL;
	return jser_root(*doc);
}

static bool
is_null_result(const struct cmd *c)
{
	return c->kind == CMD_RESPONSE && c->resp == CMD_RESP_NORMAL &&
	    c->payload_len == 5 && memcmp(c->payload, null_pl, 5) == 0;
}

static const char *
string_of(const struct jser_node *n)
{
	return n != NULL && n->type == JSER_STRING ? n->u.str.s : NULL;
}

/* ExceptionResponse: the ProxyException's message (static copy). */
static const char *
proxy_message(const struct cmd *c, char *raw_class, size_t rclen)
{
	static char		 msg[512];
	struct jser_doc		*doc;
	const char		*s = NULL;

	msg[0] = '\0';
	if (raw_class != NULL)
		raw_class[0] = '\0';
	if (c->kind != CMD_RESPONSE || c->resp != CMD_RESP_EXCEPTION)
		return NULL;
	if (jser_decode(c->payload, c->payload_len, NULL, &doc, NULL) ==
	    PROTO_OK) {
		if (jser_instance_of(jser_root(doc),
		    "hudson.remoting.ProxyException") &&
		    jser_field_string(jser_root(doc), "detailMessage", &s) ==
		    PROTO_OK && s != NULL)
			snprintf(msg, sizeof(msg), "%s", s);
		jser_doc_free(doc);
	}
	if (raw_class != NULL && c->has_raw &&
	    jser_decode(c->raw, c->raw_len, NULL, &doc, NULL) == PROTO_OK) {
		s = jser_class_name(jser_root(doc));
		snprintf(raw_class, rclen, "%s", s ? s : "");
		jser_doc_free(doc);
	}
	return msg;
}

/* ---- test-only handlers ---- */

static volatile int slow_ms = 1500;

/* Sleeps, waking up to check for cancellation; returns Integer 1. */
static int
h_test_slow(struct hctx *h, const struct jser_node *callable)
{
	uint64_t	 dl = now_ms() + (uint64_t)slow_ms;

	while (now_ms() < dl) {
		if (hctx_cancelled(h))
			return hctx_fail(h, "java.lang.InterruptedException",
			    "cancelled");
		usleep(10000);
	}
	h->value = cmd_new_integer(h->out, 1);
	return 0;
}

/* An exported calculator: add(int, int). */
static volatile int calc_released;

static int
calc_rpc(struct hctx *h, void *obj, const struct cmd_rpc *rpc)
{
	struct jser_node	**args;
	int32_t			 a, b;

	if (strcmp(rpc->method, "add") != 0 || rpc->nargs != 2)
		return hctx_fail(h, "java.lang.UnsupportedOperationException",
		    "%s", rpc->method);
	args = rpc->args->u.arr.data;
	if (jser_field_int(args[0], "value", &a) != PROTO_OK ||
	    jser_field_int(args[1], "value", &b) != PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "add(int, int)");
	h->value = cmd_new_integer(h->out, a + b + *(int *)obj);
	return 0;
}

static void
calc_release(void *obj)
{
	calc_released++;
	free(obj);
}

static const struct chan_export_ops calc_ops = {
	.rpc = calc_rpc,
	.release = calc_release,
};

static int
h_test_export(struct hctx *h, const struct jser_node *callable)
{
	int	*obj = malloc(sizeof(*obj));
	int32_t	 oid;

	if (obj == NULL)
		return -1;
	*obj = 100;
	if ((oid = channel_export(h->ch, obj, &calc_ops)) < 0) {
		free(obj);
		return hctx_fail(h, "java.io.IOException", "export failed");
	}
	h->value = cmd_new_integer(h->out, oid);
	return 0;
}

/* A sink the controller writes to. */
static char		 sink_data[64];
static size_t		 sink_len;
static volatile int	 sink_closed, sink_released;

static int
sink_write(void *obj, const uint8_t *p, size_t n)
{
	if (sink_len + n > sizeof(sink_data))
		return -1;
	memcpy(sink_data + sink_len, p, n);
	sink_len += n;
	return 0;
}

static void
sink_close(void *obj, bool error)
{
	sink_closed++;
}

static void
sink_release(void *obj)
{
	sink_released++;
}

static const struct chan_export_ops sink_ops = {
	.write = sink_write,
	.close = sink_close,
	.release = sink_release,
};

static int
h_test_sink(struct hctx *h, const struct jser_node *callable)
{
	static int	 token;
	int32_t		 oid;

	if ((oid = channel_export(h->ch, &token, &sink_ops)) < 0)
		return -1;
	h->value = cmd_new_integer(h->out, oid);
	return 0;
}

/* A source the controller reads with ProxyInputStream$Chunk. */
static size_t		 src_off;
static volatile int	 src_closed, src_released;

static ssize_t
src_read(void *obj, uint8_t *p, size_t n)
{
	static const char	 text[] = "hello, controller";
	size_t			 left = sizeof(text) - 1 - src_off;

	if (n > left)
		n = left;
	memcpy(p, text + src_off, n);
	src_off += n;
	return (ssize_t)n;
}

static void
src_close(void *obj, bool error)
{
	src_closed++;
}

static void
src_release(void *obj)
{
	src_released++;
}

static const struct chan_export_ops src_ops = {
	.read = src_read,
	.close = src_close,
	.release = src_release,
};

static int
h_test_source(struct hctx *h, const struct jser_node *callable)
{
	static int	 token;
	int32_t		 oid;

	if ((oid = channel_export(h->ch, &token, &src_ops)) < 0)
		return -1;
	h->value = cmd_new_integer(h->out, oid);
	return 0;
}

/* ProxyWriter$Chunk{ioId, oid, char[] buf} as a controller writes it. */
static int
ctl_pw_chunk(struct run *r, int32_t io, int32_t oid, const char *ascii)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*cmdd, *d, *cd, *o, *a;
	struct wbuf		 w;
	uint8_t			 chars[256];
	size_t			 i, n = strlen(ascii);
	int			 rc;

	for (i = 0; i < n && i < 128; i++) {
		chars[2 * i] = 0;
		chars[2 * i + 1] = (uint8_t)ascii[i];
	}
	cmdd = jser_new_desc(doc, "hudson.remoting.Command", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, cmdd, 'L', "createdAt",
	    "Ljava/lang/Exception;");
	d = jser_new_desc(doc, "hudson.remoting.ProxyWriter$Chunk", 1,
	    SC_SERIALIZABLE, cmdd);
	jser_desc_add_field(doc, d, 'I', "ioId", NULL);
	jser_desc_add_field(doc, d, 'I', "oid", NULL);
	jser_desc_add_field(doc, d, '[', "buf", "[C");
	cd = jser_new_desc(doc, "[C", -5753798564021173076LL, SC_SERIALIZABLE,
	    NULL);
	o = jser_new_object(doc, d);
	a = jser_new_array(doc, cd, (uint32_t)i, chars);
	jser_set_prim(o, "ioId", (uint64_t)(uint32_t)io);
	jser_set_prim(o, "oid", (uint64_t)(uint32_t)oid);
	jser_set_ref(o, "buf", a);
	wbuf_init(&w, 1 << 20);
	rc = jser_encode_node(o, &w);
	if (rc == PROTO_OK)
		rc = ctl_send(r, w.d, w.len);
	wbuf_free(&w);
	jser_doc_free(doc);
	return rc;
}

/* Writes pipeBytes bytes to the controller stream pipeOid, then EOF. */
#define PIPE_TOTAL	(3 * 1024 * 1024 + 123)

static int
h_test_pipe(struct hctx *h, const struct jser_node *callable)
{
	uint8_t		*data;
	int32_t		 oid;
	size_t		 i;
	int		 rc;

	if (jser_field_int(callable, "pipeOid", &oid) != PROTO_OK ||
	    (data = malloc(PIPE_TOTAL)) == NULL)
		return -1;
	for (i = 0; i < PIPE_TOTAL; i++)
		data[i] = (uint8_t)(i * 7);
	rc = channel_pipe_write(h, oid, data, PIPE_TOTAL);
	free(data);
	if (rc != 0 || channel_pipe_flush(h, oid) != 0 ||
	    channel_pipe_close(h, oid, NULL) != 0)
		return hctx_fail(h, "java.io.IOException", "pipe broken");
	h->value = NULL;
	return 0;
}

/* ---- scenarios ---- */

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*d = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (d = malloc((size_t)n + 1)) != NULL) {
		if (fread(d, 1, (size_t)n, f) != (size_t)n) {
			free(d);
			d = NULL;
		} else
			*len = (size_t)n;
	}
	fclose(f);
	return d;
}

/* The class of the Java agent's answer to request id (rx captures). */
static bool
java_answer_class(const char *dir, int32_t id, char *cls, size_t clen)
{
	char		 pat[4200];
	glob_t		 g;
	struct cmd	 c;
	struct jser_doc	*doc;
	uint8_t		*d;
	size_t		 i, len;
	bool		 found = false;

	snprintf(pat, sizeof(pat), "%s/conn1-rx-cmd*.bin", dir);
	if (glob(pat, 0, NULL, &g) != 0)
		return false;
	for (i = 0; i < g.gl_pathc && !found; i++) {
		if ((d = read_file(g.gl_pathv[i], &len)) == NULL)
			continue;
		if (cmd_parse(d, len, NULL, &c, NULL) == PROTO_OK) {
			if (c.kind == CMD_RESPONSE && c.id == id &&
			    c.resp == CMD_RESP_NORMAL && c.has_payload &&
			    jser_decode(c.payload, c.payload_len, NULL, &doc,
			    NULL) == PROTO_OK) {
				const struct jser_node *n = jser_root(doc);

				snprintf(cls, clen, "%s", n == NULL ? "null" :
				    n->type == JSER_STRING ? "java.lang.String" :
				    jser_class_name(n) ? jser_class_name(n) :
				    "?");
				jser_doc_free(doc);
				found = true;
			}
			cmd_free(&c);
		}
		free(d);
	}
	globfree(&g);
	return found;
}

struct expect {
	const char	*cls;
	int		 checked;
};

/* ResponseTimeMonitor: the Data (past5) echoed, or both null. */
static bool
same_data(const struct jser_node *step2, const struct jser_node *step3)
{
	struct jser_node	*a, *b, *pa, *pb;

	if (jser_field_ref(step2, "cur", &a) != PROTO_OK ||
	    jser_field_ref(step3, "cur", &b) != PROTO_OK)
		return false;
	if (a == NULL || b == NULL)
		return a == b;
	if (jser_field_ref(a, "past5", &pa) != PROTO_OK ||
	    jser_field_ref(b, "past5", &pb) != PROTO_OK)
		return false;
	if (pa == NULL || pb == NULL)
		return pa == pb;
	return pa->u.arr.length == pb->u.arr.length &&
	    memcmp(pa->u.arr.data, pb->u.arr.data,
	    (size_t)pa->u.arr.length * 8) == 0;
}

/* Check one node-online answer; returns false with a reason. */
static bool
check_answer(const char *cls, struct jser_node *callable, struct cmd *resp,
    char *why, size_t wlen, bool *checked)
{
	struct jser_doc		*doc;
	struct jser_node	*n;
	const char		*s;
	bool			 good = false, b;
	int64_t			 v1, v2;

	n = result_of(resp, &doc);
	*checked = true;
	snprintf(why, wlen, "unexpected result");
	if (strcmp(cls, "hudson.slaves.SlaveComputer$SlaveVersion") == 0)
		good = (s = string_of(n)) != NULL &&
		    strcmp(s, JNAGENT_REMOTING_VERSION) == 0;
	else if (strcmp(cls, "hudson.slaves.SlaveComputer"
	    "$CommunicationProtocol") == 0)
		good = (s = string_of(n)) != NULL &&
		    strcmp(s, "JNLP4-connect") == 0;
	else if (strcmp(cls, "hudson.slaves.SlaveComputer$DetectOS") == 0)
		good = jser_field_bool(n, "value", &b) == PROTO_OK && b &&
		    strcmp(jser_class_name(n), "java.lang.Boolean") == 0;
	else if (strcmp(cls, "hudson.slaves.SlaveComputer"
	    "$DetectDefaultCharset") == 0)
		good = (s = string_of(n)) != NULL && strcmp(s, "UTF-8") == 0;
	else if (strcmp(cls, "hudson.slaves.SlaveComputer$AbsolutePath") == 0)
		good = (s = string_of(n)) != NULL && s[0] == '/';
	else if (strcmp(cls, "jenkins.slaves.StandardOutputSwapper"
	    "$ChannelSwapper") == 0)
		good = jser_field_bool(n, "value", &b) == PROTO_OK && !b;
	else if (strcmp(cls, "hudson.node_monitors.ArchitectureMonitor"
	    "$GetArchTask") == 0)
		good = (s = string_of(n)) != NULL && strchr(s, '(') != NULL &&
		    s[strlen(s) - 1] == ')';
	else if (strcmp(cls, "hudson.model.Slave$GetClockDifference2") == 0)
		good = n != NULL && strcmp(jser_class_name(n),
		    "hudson.model.Slave$GetClockDifference3") == 0 &&
		    jser_field_long(n, "startTime", &v1) == PROTO_OK &&
		    jser_field_long(callable, "startTime", &v2) == PROTO_OK &&
		    v1 == v2 && jser_field_long(n, "remoteTime", &v1) ==
		    PROTO_OK && v1 > v2;
	else if (strcmp(cls, "hudson.node_monitors.ResponseTimeMonitor$Step2")
	    == 0)
		good = n != NULL && strcmp(jser_class_name(n),
		    "hudson.node_monitors.ResponseTimeMonitor$Step3") == 0 &&
		    jser_field_long(n, "start", &v1) == PROTO_OK &&
		    jser_field_long(callable, "start", &v2) == PROTO_OK &&
		    v1 == v2 && same_data(callable, n);
	else if (strcmp(cls, "hudson.node_monitors.SwapSpaceMonitor"
	    "$MonitorTask") == 0)
		good = n != NULL && strcmp(jser_class_name(n),
		    "hudson.node_monitors.SwapSpaceMonitor$MemoryUsage2") ==
		    0 && jser_field_long(n, "totalPhysicalMemory", &v1) ==
		    PROTO_OK && v1 > 0;
	else if (strcmp(cls, "hudson.FilePath$CallableWith") == 0)
		good = n == NULL ? is_null_result(resp) :
		    strcmp(jser_class_name(n), "hudson.node_monitors."
		    "DiskSpaceMonitorDescriptor$DiskSpace") == 0 &&
		    jser_field_long(n, "size", &v1) == PROTO_OK && v1 > 0;
	else if (strcmp(cls, "hudson.slaves.SlaveComputer$SlaveInitializer") ==
	    0 || strcmp(cls, "hudson.slaves.ChannelPinger$SetUpRemotePing") ==
	    0)
		good = is_null_result(resp);
	else {
		/* a later family's callable: one Response is all we ask */
		*checked = false;
		good = resp->kind == CMD_RESPONSE;
	}
	jser_doc_free(doc);
	return good;
}

/* The node-online and monitor requests of the captured Jenkins session. */
static void
test_node_online(const char *fix)
{
	char		 dir[2048], pat[4096], why[64], jcls[256], mycls[256];
	glob_t		 g;
	struct run	 r;
	struct cmd	 c, resp;
	struct jser_doc	*doc, *rdoc;
	struct jser_node *callable, *n;
	uint8_t		*d;
	size_t		 i, len;
	int		 sent = 0, good = 0, same_java = 0, compared = 0;
	const char	*cls;
	bool		 checked;

	snprintf(dir, sizeof(dir), "%.1900s/remoting/captures/jenkins-direct",
	    fix);
	snprintf(pat, sizeof(pat), "%s/conn1-tx-cmd*.bin", dir);
	if (glob(pat, 0, NULL, &g) != 0) {
		ok(0, "captured Jenkins session found");
		return;
	}
	if (run_start(&r) != 0) {
		ok(0, "channel started");
		globfree(&g);
		return;
	}
	for (i = 0; i < g.gl_pathc && i < 47; i++) {
		if ((d = read_file(g.gl_pathv[i], &len)) == NULL)
			continue;
		if (cmd_parse(d, len, NULL, &c, NULL) != PROTO_OK ||
		    c.kind != CMD_USER_REQUEST) {
			/* the class-loading Responses the Java agent needed */
			if (c.doc != NULL)
				cmd_free(&c);
			free(d);
			continue;
		}
		if (jser_decode(c.payload, c.payload_len, NULL, &doc, NULL) !=
		    PROTO_OK) {
			ok(0, "captured payload decodes");
			cmd_free(&c);
			free(d);
			continue;
		}
		callable = jser_root(doc);
		cls = jser_class_name(callable);
		sent++;
		ctl_send(&r, d, len);
		if (ctl_response(&r, c.id, 5000, &resp) != 0) {
			ok(0, "%s: answered", cls);
		} else {
			if (check_answer(cls, callable, &resp, why,
			    sizeof(why), &checked))
				good++;
			else
				diag("%s: %s", cls, why);
			/* same result class as the Java agent's answer */
			if (checked &&
			    java_answer_class(dir, c.id, jcls, sizeof(jcls))) {
				n = result_of(&resp, &rdoc);
				snprintf(mycls, sizeof(mycls), "%s",
				    n == NULL ? (is_null_result(&resp) ?
				    "null" : "(exception)") :
				    n->type == JSER_STRING ? "java.lang.String" :
				    jser_class_name(n));
				jser_doc_free(rdoc);
				compared++;
				if (strcmp(mycls, jcls) == 0 ||
				    (strcmp(cls, "hudson.FilePath$CallableWith")
				    == 0 && strcmp(mycls, "null") == 0))
					same_java++;
				else
					diag("%s: we answer %s, Java %s", cls,
					    mycls, jcls);
			}
			cmd_free(&resp);
		}
		jser_doc_free(doc);
		cmd_free(&c);
		free(d);
	}
	globfree(&g);
	ok(sent >= 16 && good == sent, "node-online/monitor requests: %d of %d "
	    "answered as expected", good, sent);
	ok(compared >= 10 && same_java == compared, "%d of %d results have "
	    "the class the Java agent answered with", same_java, compared);
	/* The captured SetUpRemotePing (300 s) started our pinging at once. */
	ok(r.pings >= 1 && strcmp(r.ping_class, CMD_CLS_PING) == 0 &&
	    r.ping_loader > 0, "the agent pinged after SetUpRemotePing "
	    "(PingThread$Ping, classLoaderProxy oid %d)", r.ping_loader);
	r.stop = 1;
	run_finish(&r, 5000);
	ok(r.end == CHANNEL_SHUTDOWN, "stop flag: CHANNEL_SHUTDOWN");
}

static void
test_unknown_and_pings(void)
{
	struct run	 r;
	struct cmd	 resp;
	char		 rawcls[128];
	const char	*msg;
	int		 id;
	uint64_t	 t0;

	if (run_start(&r) != 0) {
		ok(0, "channel started");
		return;
	}
	/* unknown callable */
	id = ctl_call_simple(&r, "com.example.NoSuchCallable", NULL, 0, NULL,
	    0);
	ok(ctl_response(&r, id, 5000, &resp) == 0 &&
	    (msg = proxy_message(&resp, rawcls, sizeof(rawcls))) != NULL &&
	    strstr(msg, "java.lang.UnsupportedOperationException: "
	    "com.example.NoSuchCallable is not supported by jnagent ") ==
	    msg && strcmp(rawcls,
	    "java.lang.UnsupportedOperationException") == 0,
	    "unknown callable: ExceptionResponse (ProxyException + raw "
	    "UnsupportedOperationException) naming the class");
	cmd_free(&resp);

	/* a FileCallableWrapperFactory interceptor around a known callable */
	{
		struct jser_doc		*doc = jser_doc_new(), *rdoc;
		struct jser_node	*sup, *d, *ad, *o, *inner, *n;
		const char		*s;

		sup = jser_new_desc(doc,
		    "hudson.FilePath$AbstractInterceptorCallableWrapper", 1,
		    SC_SERIALIZABLE, NULL);
		jser_desc_add_field(doc, sup, 'L', "callable",
		    "Lhudson/remoting/DelegatingCallable;");
		d = jser_new_desc(doc, "org.example.Interceptor$Wrapper", 1,
		    SC_SERIALIZABLE, sup);
		ad = jser_new_desc(doc, "hudson.node_monitors."
		    "ArchitectureMonitor$GetArchTask", 1, SC_SERIALIZABLE, NULL);
		o = jser_new_object(doc, d);
		inner = jser_new_object(doc, ad);
		jser_set_ref(o, "callable", inner);
		id = ctl_call(&r, doc, o, "interceptor");
		jser_doc_free(doc);
		n = NULL;
		rdoc = NULL;
		if (ctl_response(&r, id, 3000, &resp) == 0)
			n = result_of(&resp, &rdoc);
		ok((s = string_of(n)) != NULL && strchr(s, '(') != NULL,
		    "interceptor wrapper unwrapped: %s", s ? s : "(none)");
		jser_doc_free(rdoc);
		cmd_free(&resp);
	}

	/* the controller pings us */
	id = ctl_ping_agent(&r);
	ok(ctl_response(&r, id, 2000, &resp) == 0 && is_null_result(&resp),
	    "controller ping: NormalResponse(null)");
	cmd_free(&resp);

	/* a slow callable does not delay a ping */
	slow_ms = 1500;
	id = ctl_call_simple(&r, "test.Slow", NULL, 0, NULL, 0);
	t0 = now_ms();
	{
		int	 pid = ctl_ping_agent(&r);

		ok(ctl_response(&r, pid, 2000, &resp) == 0 &&
		    is_null_result(&resp) && now_ms() - t0 < 500,
		    "ping answered in %llu ms while a slow callable runs",
		    (unsigned long long)(now_ms() - t0));
		cmd_free(&resp);
	}
	ok(ctl_response(&r, id, 5000, &resp) == 0 &&
	    resp.resp == CMD_RESP_NORMAL && now_ms() - t0 >= 1400,
	    "the slow callable's answer comes after it finished");
	cmd_free(&resp);

	/* many slow callables at once: pings still immediate */
	{
		int	 ids[40], k, okc = 0, pid;

		slow_ms = 800;
		for (k = 0; k < 40; k++)
			ids[k] = ctl_call_simple(&r, "test.Slow", NULL, 0,
			    NULL, 0);
		t0 = now_ms();
		pid = ctl_ping_agent(&r);
		ok(ctl_response(&r, pid, 2000, &resp) == 0 &&
		    now_ms() - t0 < 500, "ping answered in %llu ms with 40 "
		    "callables queued", (unsigned long long)(now_ms() - t0));
		cmd_free(&resp);
		t0 = now_ms();
		while (okc < 40 && now_ms() - t0 < 10000) {
			struct cmd	 c;

			if (ctl_next(&r, 1000, &c) != 0)
				continue;
			for (k = 0; k < 40; k++)
				if (c.kind == CMD_RESPONSE && c.id == ids[k] &&
				    c.resp == CMD_RESP_NORMAL)
					okc++;
			ctl_ping(&r, &c);
			cmd_free(&c);
		}
		ok(okc == 40, "all 40 queued callables answered (%d)", okc);
	}

	/* cancellation */
	slow_ms = 10000;
	id = ctl_call_simple(&r, "test.Slow", NULL, 0, NULL, 0);
	usleep(100000);
	{
		struct wbuf	 w;

		wbuf_init(&w, 1 << 20);
		cmd_put_cancel(&w, id);
		ctl_send_wbuf(&r, &w);
		wbuf_free(&w);
	}
	t0 = now_ms();
	ok(ctl_response(&r, id, 3000, &resp) == 0 &&
	    (msg = proxy_message(&resp, rawcls, sizeof(rawcls))) != NULL &&
	    strstr(msg, "InterruptedException") != NULL &&
	    now_ms() - t0 < 1000, "Request$Cancel: the handler saw it and "
	    "answered at once");
	cmd_free(&resp);

	/* the agent pings us after SetUpRemotePing{1, 3} */
	r.pings = 0;
	id = ctl_call_simple(&r, "hudson.slaves.ChannelPinger$SetUpRemotePing",
	    "pingIntervalSeconds", 1, "pingTimeoutSeconds", 3);
	ok(ctl_response(&r, id, 2000, &resp) == 0 && is_null_result(&resp),
	    "SetUpRemotePing: null");
	cmd_free(&resp);
	t0 = now_ms();
	while (r.pings < 3 && now_ms() - t0 < 5000) {
		struct cmd	 c;

		if (ctl_next(&r, 200, &c) == 0) {
			ctl_ping(&r, &c);
			cmd_free(&c);
		}
	}
	ok(r.pings >= 3 && strcmp(r.ping_class, CMD_CLS_PING) == 0 &&
	    r.ping_loader == 2, "agent pings: %d PingThread$Ping requests "
	    "with our classLoaderProxy oid", r.pings);
	ok(r.pings >= 3 && r.ping_at[2] - r.ping_at[1] >= 800 &&
	    r.ping_at[2] - r.ping_at[1] <= 1500, "one ping per second "
	    "(%llu ms apart)", (unsigned long long)(r.ping_at[2] -
	    r.ping_at[1]));

	/* stop flag while pings run */
	r.stop = 1;
	{
		struct cmd	 c;
		bool		 got_close = false;

		t0 = now_ms();
		while (!got_close && now_ms() - t0 < 3000 &&
		    ctl_next(&r, 3000, &c) == 0) {
			got_close = c.kind == CMD_CLOSE;
			cmd_free(&c);
		}
		ok(got_close, "stop: the agent sends CloseCommand");
		if (got_close) {
			struct wbuf	 w;

			wbuf_init(&w, 4096);
			cmd_put_close(&w);
			ctl_send_wbuf(&r, &w);
			wbuf_free(&w);
		}
	}
	run_finish(&r, 4000);
	ok(r.end == CHANNEL_SHUTDOWN && now_ms() - t0 < 1500,
	    "stop: CHANNEL_SHUTDOWN once our CloseCommand arrived");
}

/* A UserRPCRequest (user) or RPCRequest (direct) calling add(2, 3). */
static int
ctl_rpc(struct run *r, int32_t oid, bool direct)
{
	struct jser_doc		*doc = jser_doc_new();
	struct jser_node	*cmdd, *req, *rpc, *user, *o, *ad, *td, *args,
				*types;
	struct wbuf		 w;
	int32_t			 id = r->next_id++;
	int			 rc;

	cmdd = jser_new_desc(doc, "hudson.remoting.Command", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, cmdd, 'L', "createdAt",
	    "Ljava/lang/Exception;");
	req = jser_new_desc(doc, "hudson.remoting.Request", 1,
	    SC_SERIALIZABLE, cmdd);
	jser_desc_add_field(doc, req, 'I', "id", NULL);
	jser_desc_add_field(doc, req, 'I', "lastIoId", NULL);
	jser_desc_add_field(doc, req, 'L', "response",
	    "Lhudson/remoting/Response;");
	rpc = jser_new_desc(doc, CMD_CLS_RPC_REQUEST, 1, SC_SERIALIZABLE, req);
	jser_desc_add_field(doc, rpc, 'I', "oid", NULL);
	jser_desc_add_field(doc, rpc, '[', "arguments", "[Ljava/lang/Object;");
	jser_desc_add_field(doc, rpc, 'L', "declaringClassName",
	    "Ljava/lang/String;");
	jser_desc_add_field(doc, rpc, 'L', "methodName", "Ljava/lang/String;");
	jser_desc_add_field(doc, rpc, '[', "types", "[Ljava/lang/String;");
	user = direct ? rpc : jser_new_desc(doc, CMD_CLS_USER_RPC_REQUEST,
	    -9185841650347902580LL, SC_SERIALIZABLE, rpc);
	o = jser_new_object(doc, user);
	ad = jser_new_desc(doc, "[Ljava.lang.Object;", -8012369246846506644LL,
	    SC_SERIALIZABLE, NULL);
	td = jser_new_desc(doc, "[Ljava.lang.String;", -5921575005990323385LL,
	    SC_SERIALIZABLE, NULL);
	args = jser_new_array(doc, ad, 2, NULL);
	jser_array_set(args, 0, cmd_new_integer(doc, 2));
	jser_array_set(args, 1, cmd_new_integer(doc, 3));
	types = jser_new_array(doc, td, 2, NULL);
	jser_array_set(types, 0, cmd_new_string(doc, "int"));
	jser_array_set(types, 1, cmd_new_string(doc, "int"));
	jser_set_prim(o, "id", (uint64_t)(uint32_t)(direct ? id : 0));
	jser_set_prim(o, "oid", (uint64_t)(uint32_t)oid);
	jser_set_ref(o, "arguments", args);
	jser_set_ref(o, "declaringClassName",
	    cmd_new_string(doc, "test.Calculator"));
	jser_set_ref(o, "methodName", cmd_new_string(doc, "add"));
	jser_set_ref(o, "types", types);
	if (!direct) {
		rc = ctl_call(r, doc, o, "UserRPCRequest:test.Calculator.add");
		jser_doc_free(doc);
		return rc;
	}
	wbuf_init(&w, 1 << 20);
	rc = jser_encode_node(o, &w);
	if (rc == PROTO_OK)
		rc = ctl_send(r, w.d, w.len);
	wbuf_free(&w);
	jser_doc_free(doc);
	return rc == 0 ? id : -1;
}

static void
test_exports_and_pipes(void)
{
	struct run		 r;
	struct cmd		 resp, c;
	struct jser_doc		*doc;
	struct jser_node	*n;
	struct wbuf		 w;
	int32_t			 oid = -1, v;
	int			 id, chunks = 0, order_ok = 1;
	int32_t			 last_io = 0, eof_io = 0;
	size_t			 got = 0, unacked = 0, first;
	bool			 eof = false, flushed = false, resp_seen = false;
	uint64_t		 t0;

	if (run_start(&r) != 0) {
		ok(0, "channel started");
		return;
	}
	wbuf_init(&w, 1 << 20);

	/* export an object, call it over UserRPCRequest and RPCRequest */
	id = ctl_call_simple(&r, "test.Export", NULL, 0, NULL, 0);
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL &&
	    jser_field_int(n, "value", &oid) == PROTO_OK)
		jser_doc_free(doc);
	cmd_free(&resp);
	ok(oid == 2, "first export gets oid 2 (%d)", oid);
	id = ctl_rpc(&r, oid, false);
	v = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &v);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	ok(v == 105, "UserRPCRequest add(2, 3) on the export: %d", v);
	id = ctl_rpc(&r, oid, true);
	v = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    resp.resp == CMD_RESP_RAW && resp.ret != NULL)
		jser_field_int(resp.ret, "value", &v);
	cmd_free(&resp);
	ok(v == 105, "direct RPCRequest add(2, 3): raw returnValue %d", v);
	cmd_put_unexport(&w, oid);
	ctl_send_wbuf(&r, &w);
	id = ctl_rpc(&r, oid, true);
	ok(ctl_response(&r, id, 3000, &resp) == 0 && resp.exc != NULL &&
	    jser_instance_of(resp.exc, "java.lang.IllegalStateException") &&
	    calc_released == 1, "after UnexportCommand: released, and a call "
	    "fails with IllegalStateException");
	cmd_free(&resp);
	id = ctl_rpc(&r, 1, false);
	ok(ctl_response(&r, id, 3000, &resp) == 0 &&
	    resp.resp == CMD_RESP_EXCEPTION, "RPC on oid 1 (IChannel.add): "
	    "ExceptionResponse");
	cmd_free(&resp);

	/* a local sink: Chunk -> Ack, EOF -> close + release */
	id = ctl_call_simple(&r, "test.Sink", NULL, 0, NULL, 0);
	oid = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &oid);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	cmd_put_pos_chunk(&w, 1, oid, 0, (const uint8_t *)"abc", 3);
	ctl_send_wbuf(&r, &w);
	cmd_put_pos_chunk(&w, 2, oid, 0, (const uint8_t *)"de", 2);
	ctl_send_wbuf(&r, &w);
	cmd_put_pos_eof(&w, 3, oid, 0, NULL, NULL);
	ctl_send_wbuf(&r, &w);
	{
		int	 acks = 0, sizes = 0;

		t0 = now_ms();
		while (acks < 2 && now_ms() - t0 < 3000 &&
		    ctl_next(&r, 3000, &c) == 0) {
			if (c.kind == CMD_POS_ACK && c.oid == oid) {
				acks++;
				sizes += c.size;
			}
			cmd_free(&c);
		}
		ok(acks == 2 && sizes == 5, "sink: one Ack per Chunk (%d, %d "
		    "bytes)", acks, sizes);
	}
	/* a ping round trip proves the EOF was applied before it */
	id = ctl_ping_agent(&r);
	ok(ctl_response(&r, id, 2000, &resp) == 0 && sink_len == 5 &&
	    memcmp(sink_data, "abcde", 5) == 0 && sink_closed == 1 &&
	    sink_released == 1, "sink: bytes in order, EOF closed and "
	    "unexported it");
	cmd_free(&resp);

	/* ProxyWriter$Chunk into a sink: UTF-16 to UTF-8, ProxyWriter$Ack */
	sink_len = 0;
	sink_closed = sink_released = 0;
	id = ctl_call_simple(&r, "test.Sink", NULL, 0, NULL, 0);
	oid = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &oid);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	ctl_pw_chunk(&r, 4, oid, "text");
	{
		bool	 acked = false;

		t0 = now_ms();
		while (!acked && now_ms() - t0 < 3000 &&
		    ctl_next(&r, 3000, &c) == 0) {
			acked = c.kind == CMD_PW_ACK && c.oid == oid &&
			    c.size == 4;
			cmd_free(&c);
		}
		ok(acked && sink_len == 4 && memcmp(sink_data, "text", 4) == 0,
		    "ProxyWriter$Chunk: text written, ProxyWriter$Ack sent");
	}

	/* the controller reads an exported source */
	id = ctl_call_simple(&r, "test.Source", NULL, 0, NULL, 0);
	oid = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &oid);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	{
		const uint8_t	*bp = NULL;
		uint32_t	 blen = 0;
		int32_t		 len1 = 0, len2 = 0;
		struct jser_node *arr;

		id = r.next_id++;
		cmd_put_pis_chunk(&w, id, 0, oid, 100);
		ctl_send_wbuf(&r, &w);
		if (ctl_response(&r, id, 3000, &resp) == 0 &&
		    resp.resp == CMD_RESP_RAW && resp.ret != NULL &&
		    jser_field_int(resp.ret, "len", &len1) == PROTO_OK &&
		    jser_field_ref(resp.ret, "buf", &arr) == PROTO_OK)
			jser_array_bytes(arr, &bp, &blen);
		ok(len1 == 17 && blen == 100 && bp != NULL &&
		    memcmp(bp, "hello, controller", 17) == 0,
		    "ProxyInputStream$Chunk: Buffer{len 17, buf[100]}");
		cmd_free(&resp);
		id = r.next_id++;
		cmd_put_pis_chunk(&w, id, 0, oid, 100);
		ctl_send_wbuf(&r, &w);
		if (ctl_response(&r, id, 3000, &resp) == 0 &&
		    resp.ret != NULL)
			jser_field_int(resp.ret, "len", &len2);
		ok(len2 == -1, "ProxyInputStream$Chunk at EOF: len -1");
		cmd_free(&resp);
		cmd_put_pis_eof(&w, oid);
		ctl_send_wbuf(&r, &w);
		id = ctl_ping_agent(&r);
		ok(ctl_response(&r, id, 2000, &resp) == 0 && src_closed == 1 &&
		    src_released == 1, "ProxyInputStream$EOF: closed and "
		    "unexported");
		cmd_free(&resp);
		id = r.next_id++;
		cmd_put_pis_chunk(&w, id, 0, oid, 100);
		ctl_send_wbuf(&r, &w);
		ok(ctl_response(&r, id, 3000, &resp) == 0 && resp.exc != NULL,
		    "ProxyInputStream$Chunk after EOF: exception");
		cmd_free(&resp);
	}

	/* writing 3 MiB to a controller stream: window, ioIds, lastIoId */
	id = ctl_call_simple(&r, "test.Pipe", "pipeOid", 9, NULL, 0);
	t0 = now_ms();
	/* no Acks yet: the agent must stop at the 1 MiB window */
	while (now_ms() - t0 < 3000) {
		if (ctl_next(&r, 300, &c) != 0)
			break;
		if (c.kind == CMD_POS_CHUNK && c.oid == 9) {
			got += c.buf_len;
			unacked += c.buf_len;
			chunks++;
		}
		cmd_free(&c);
	}
	ok(got > 0 && got <= CHANNEL_PIPE_WINDOW, "without Acks the agent "
	    "stops at the window (%zu bytes)", got);
	cmd_put_pos_ack(&w, 9, (int32_t)unacked);
	ctl_send_wbuf(&r, &w);
	first = got;
	unacked = 0;
	last_io = 0;
	got = 0;
	chunks = 0;
	/* the first batch is counted again below from its ioIds */
	t0 = now_ms();
	while (!resp_seen && now_ms() - t0 < 10000 &&
	    ctl_next(&r, 5000, &c) == 0) {
		if (c.kind == CMD_POS_CHUNK && c.oid == 9) {
			if (c.request_id != id || c.io_id <= last_io)
				order_ok = 0;
			last_io = c.io_id;
			got += c.buf_len;
			chunks++;
			cmd_put_pos_ack(&w, 9, (int32_t)c.buf_len);
			ctl_send_wbuf(&r, &w);
		} else if (c.kind == CMD_POS_FLUSH && c.oid == 9) {
			flushed = c.io_id == last_io + 1;
			last_io = c.io_id;
		} else if (c.kind == CMD_POS_EOF && c.oid == 9) {
			eof = flushed && c.io_id == last_io + 1 &&
			    c.error == NULL;
			eof_io = c.io_id;
		} else if (c.kind == CMD_RESPONSE && c.id == id) {
			resp_seen = is_null_result(&c) &&
			    c.last_io_id == eof_io && eof_io > 0;
		} else
			ctl_ping(&r, &c);
		cmd_free(&c);
	}
	ok(order_ok && chunks > 0 && first + got == PIPE_TOTAL,
	    "pipe chunks: all %zu bytes, increasing ioIds, requestId = the "
	    "request (%d chunks after the first Ack)", first + got, chunks);
	ok(eof, "pipe: Flush then EOF with the next ioIds");
	ok(resp_seen, "pipe: Response.lastIoId = the EOF's ioId (%d)", eof_io);

	/* controller closes: CHANNEL_CLOSED and the agent's CloseCommand */
	cmd_put_close(&w);
	ctl_send_wbuf(&r, &w);
	{
		bool	 got_close = false;

		while (!got_close && ctl_next(&r, 3000, &c) == 0) {
			got_close = c.kind == CMD_CLOSE;
			cmd_free(&c);
		}
		ok(got_close, "CloseCommand answered with CloseCommand");
	}
	run_finish(&r, 3000);
	ok(r.end == CHANNEL_CLOSED, "CloseCommand: CHANNEL_CLOSED");
	wbuf_free(&w);
}

static void
test_endings(void)
{
	struct run	 r;
	struct cmd	 c;
	struct wbuf	 w;
	bool		 got_close = false;
	uint64_t	 t0;
	static const uint8_t not_a_command[] = { 0xac, 0xed, 0x00, 0x05,
	    0x74, 0x00, 0x01, 'x' };
	static const uint8_t garbage[] = { 0x00, 0x04, 0x01, 0x02, 0x03, 0x04 };

	/* a command that is no command */
	run_start(&r);
	ctl_send(&r, not_a_command, sizeof(not_a_command));
	while (!got_close && ctl_next(&r, 3000, &c) == 0) {
		got_close = c.kind == CMD_CLOSE;
		cmd_free(&c);
	}
	run_finish(&r, 3000);
	ok(got_close && r.end == CHANNEL_ERROR, "undecodable command: "
	    "CloseCommand sent, CHANNEL_ERROR");

	/* a chunk of garbage */
	run_start(&r);
	if (write(r.fd, garbage, sizeof(garbage)) != sizeof(garbage))
		diag("short write");
	run_finish(&r, 3000);
	ok(r.end == CHANNEL_ERROR, "garbage bytes: CHANNEL_ERROR");

	/* EOF */
	run_start(&r);
	shutdown(r.fd, SHUT_WR);
	run_finish(&r, 3000);
	ok(r.end == CHANNEL_EOF, "EOF: CHANNEL_EOF");

	/* ping timeout: pings unanswered */
	run_start(&r);
	r.answer_pings = false;
	t0 = now_ms();
	ctl_call_simple(&r, "hudson.slaves.ChannelPinger$SetUpRemotePing",
	    "pingIntervalSeconds", 1, "pingTimeoutSeconds", 1);
	while (!r.done && now_ms() - t0 < 5000)
		if (ctl_next(&r, 200, &c) == 0) {
			ctl_ping(&r, &c);
			cmd_free(&c);
		}
	run_finish(&r, 3000);
	ok(r.end == CHANNEL_ERROR && r.pings >= 1 && now_ms() - t0 < 4000,
	    "unanswered ping: CHANNEL_ERROR after the timeout (%llu ms)",
	    (unsigned long long)(now_ms() - t0));

	/* stop with a peer that never answers the CloseCommand: <= 2 s */
	run_start(&r);
	wbuf_init(&w, 4096);
	r.stop = 1;
	t0 = now_ms();
	run_finish(&r, 5000);
	ok(r.end == CHANNEL_SHUTDOWN && now_ms() - t0 < 3000,
	    "stop without the peer's CloseCommand: CHANNEL_SHUTDOWN in %llu "
	    "ms", (unsigned long long)(now_ms() - t0));
	wbuf_free(&w);
}

/* ---- reading controller streams (channel_instream_*) ---- */

/* What the last test.InStream / WriteTo handler saw. */
static volatile int	 is_rc;		/* 0 ok, -1 a read failed */
static char		 is_err[256];
static volatile int	 is_done;
static volatile uint64_t is_done_at;
static volatile int	 is_hold;	/* readers wait while set */

static uint32_t
fnv1a(uint32_t hv, const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		hv ^= p[i];
		hv *= 16777619u;
	}
	return hv;
}

/* Read a whole stream: 0 with count/digest, or -1 (is_err says why). */
static int
drain_stream(struct hctx *h, const struct jser_node *in, int pause_ms,
    size_t *count, uint32_t *digest)
{
	struct chan_instream	*s;
	uint8_t			 buf[32768];
	ssize_t			 n;
	int			 rc = 0;

	*count = 0;
	*digest = 2166136261u;
	is_err[0] = '\0';
	if ((s = channel_instream_open(h, in)) == NULL) {
		snprintf(is_err, sizeof(is_err), "open: %.200s",
		    h->exc_msg);
		return -1;
	}
	if (pause_ms > 0)
		usleep((useconds_t)pause_ms * 1000);
	while (is_hold)
		usleep(10000);
	while ((n = channel_instream_read(s, buf, sizeof(buf))) > 0) {
		*count += (size_t)n;
		*digest = fnv1a(*digest, buf, (size_t)n);
	}
	if (n < 0) {
		snprintf(is_err, sizeof(is_err), "%s",
		    channel_instream_error(s) ? channel_instream_error(s) :
		    "?");
		rc = -1;
	}
	channel_instream_close(s);
	return rc;
}

/* test.InStream{I pauseMs, L in}: String "<count> <fnv1a hex>". */
static int
h_test_instream(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*in = NULL;
	int32_t			 pause_ms = 0;
	size_t			 count;
	uint32_t		 dg;
	char			 res[64];
	int			 rc;

	jser_field_int(callable, "pauseMs", &pause_ms);
	jser_field_ref(callable, "in", &in);
	rc = drain_stream(h, in, pause_ms, &count, &dg);
	is_rc = rc;
	is_done_at = now_ms();
	is_done = 1;
	if (rc != 0)
		return hctx_fail(h, "java.io.IOException", "%s", is_err);
	snprintf(res, sizeof(res), "%zu %08x", count, (unsigned)dg);
	h->value = hctx_string(h, res);
	return 0;
}

/*
 * The captured Harness2$WriteTo{in, out}: writes "hello from agent\n" to
 * out (a RemoteOutputStream), reads in to its end, returns Integer count.
 */
static int
h_test_writeto(struct hctx *h, const struct jser_node *callable)
{
	static const char	 hello[] = "hello from agent\n";
	struct jser_node	*in = NULL, *out = NULL;
	int32_t			 oid;
	size_t			 count;
	uint32_t		 dg;

	jser_field_ref(callable, "in", &in);
	jser_field_ref(callable, "out", &out);
	if (channel_outstream_oid(out, &oid) != 0)
		return hctx_fail(h, "java.io.IOException", "no out stream");
	if (channel_pipe_write(h, oid, (const uint8_t *)hello,
	    sizeof(hello) - 1) != 0 || channel_pipe_flush(h, oid) != 0 ||
	    channel_pipe_close(h, oid, NULL) != 0)
		return hctx_fail(h, "java.io.IOException", "write failed");
	is_rc = drain_stream(h, in, 0, &count, &dg);
	is_done = 1;
	if (is_rc != 0)
		return hctx_fail(h, "java.io.IOException", "%s", is_err);
	h->value = cmd_new_integer(h->out, (int32_t)count);
	return 0;
}

/* One command of a vector file (vectors/README.md), caller frees. */
static uint8_t *
vec_command(const char *fix, const char *file, const char *dir, int idx,
    size_t *len)
{
	char		 path[4096], tag[16];
	uint8_t		*d, *cmd = NULL, *nc;
	size_t		 dlen, off = 0, clen = 0;
	uint32_t	 tl, rl, v;
	int		 k = 0;

	snprintf(path, sizeof(path), "%s/remoting/vectors/%s", fix, file);
	if ((d = read_file(path, &dlen)) == NULL)
		return NULL;
	while (off + 2 <= dlen) {
		tl = (uint32_t)d[off] << 8 | d[off + 1];
		off += 2;
		if (tl >= sizeof(tag) || off + tl + 4 > dlen)
			break;
		memcpy(tag, d + off, tl);
		tag[tl] = '\0';
		off += tl;
		rl = (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 |
		    (uint32_t)d[off + 2] << 8 | d[off + 3];
		off += 4;
		if (strcmp(tag, "MARK") == 0)
			continue;
		if (rl < 2 || off + rl > dlen)
			break;
		if (strcmp(tag, dir) == 0) {
			v = (uint32_t)d[off] << 8 | d[off + 1];
			if (k == idx) {
				if ((nc = realloc(cmd, clen + rl)) == NULL)
					break;
				cmd = nc;
				memcpy(cmd + clen, d + off + 2, rl - 2);
				clen += rl - 2;
			}
			if (!(v & 0x8000)) {
				if (k == idx) {
					free(d);
					*len = clen;
					return cmd;
				}
				k++;
			}
		}
		off += rl;
	}
	free(d);
	free(cmd);
	return NULL;
}

/* Same class chain (names, suids, field names and types)? */
static bool
same_classes(const struct jser_node *a, const struct jser_node *b)
{
	uint16_t	 i;

	a = a != NULL && a->type == JSER_OBJECT ? a->u.obj.desc : NULL;
	b = b != NULL && b->type == JSER_OBJECT ? b->u.obj.desc : NULL;
	for (; a != NULL && b != NULL; a = a->u.desc.super,
	    b = b->u.desc.super) {
		if (a->type != JSER_CLASSDESC || b->type != JSER_CLASSDESC ||
		    strcmp(a->u.desc.name, b->u.desc.name) != 0 ||
		    a->u.desc.suid != b->u.desc.suid ||
		    a->u.desc.flags != b->u.desc.flags ||
		    a->u.desc.nfields != b->u.desc.nfields)
			return false;
		for (i = 0; i < a->u.desc.nfields; i++)
			if (a->u.desc.fields[i].type !=
			    b->u.desc.fields[i].type ||
			    strcmp(a->u.desc.fields[i].name,
			    b->u.desc.fields[i].name) != 0)
				return false;
	}
	return a == NULL && b == NULL;
}

/* Our command c against the Java agent's first one of its kind. */
static bool
like_java(const char *fix, const char *file, const struct cmd *c)
{
	struct cmd	 j;
	uint8_t		*d;
	size_t		 len;
	int		 idx;
	bool		 same = false, found = false;

	for (idx = 0; !found && (d = vec_command(fix, file, "A>C", idx,
	    &len)) != NULL; idx++) {
		if (cmd_parse(d, len, NULL, &j, NULL) == PROTO_OK) {
			if (j.kind == c->kind) {
				found = true;
				same = same_classes(j.root, c->root);
			}
			cmd_free(&j);
		}
		free(d);
	}
	return same;
}

/* A hudson.remoting.Pipe{marker, oid}. */
static struct jser_node *
ctl_pipe(struct jser_doc *doc, bool marker, int32_t oid)
{
	struct jser_node	*pd, *pipe;
	uint8_t			 b[5];

	b[0] = marker;
	b[1] = (uint8_t)((uint32_t)oid >> 24);
	b[2] = (uint8_t)((uint32_t)oid >> 16);
	b[3] = (uint8_t)((uint32_t)oid >> 8);
	b[4] = (uint8_t)oid;
	pd = jser_new_desc(doc, "hudson.remoting.Pipe", 1,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, pd, 'L', "in", "Ljava/io/InputStream;");
	jser_desc_add_field(doc, pd, 'L', "out", "Ljava/io/OutputStream;");
	pipe = jser_new_object(doc, pd);
	jser_content_add_block(doc, &jser_obj_classdata(pipe, NULL)->custom,
	    b, 5);
	return pipe;
}

/* A RemoteInputStream as a controller with capability bit 5 writes it. */
static struct jser_node *
ctl_ris(struct jser_doc *doc, bool greedy, int32_t oid)
{
	struct jser_node	*rd, *ris;
	struct jser_classdata	*cd;
	uint8_t			 b[5];

	b[0] = greedy;
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
	if (!greedy) {
		jser_content_add_block(doc, &cd->custom, b, 5);
		return ris;
	}
	jser_content_add_block(doc, &cd->custom, b, 1);
	/* marker false: "the sender will write to you" */
	jser_content_add(doc, &cd->custom, ctl_pipe(doc, false, oid));
	return ris;
}

/* Call cls{pauseMs, in}. */
static int
ctl_stream_call(struct run *r, const char *cls, struct jser_doc *doc,
    struct jser_node *in, int pause_ms)
{
	struct jser_node	*d, *o;
	int			 id;

	d = jser_new_desc(doc, cls, 1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'I', "pauseMs", NULL);
	jser_desc_add_field(doc, d, 'L', "in", "Ljava/io/InputStream;");
	o = jser_new_object(doc, d);
	jser_set_prim(o, "pauseMs", (uint64_t)(uint32_t)pause_ms);
	jser_set_ref(o, "in", in);
	is_done = 0;
	id = ctl_call(r, doc, o, cls);
	jser_doc_free(doc);
	return id;
}

/* Call test.InStream{pauseMs, in = RemoteInputStream(greedy, oid)}. */
static int
ctl_instream(struct run *r, bool greedy, int32_t oid, int pause_ms)
{
	struct jser_doc	*doc = jser_doc_new();

	return ctl_stream_call(r, "test.InStream", doc,
	    ctl_ris(doc, greedy, oid), pause_ms);
}

/* Wait for the agent's Pipe$ConnectCommand: its oidPos, or -1. */
static int32_t
ctl_connect(struct run *r, int32_t ros, struct cmd *keep)
{
	struct cmd	 c;
	uint64_t	 dl = now_ms() + 3000;

	while (now_ms() < dl && ctl_next(r, 3000, &c) == 0) {
		if (c.kind == CMD_PIPE_CONNECT && c.oid_ros == ros) {
			int32_t	 pos = c.oid_pos;

			if (keep != NULL)
				*keep = c;
			else
				cmd_free(&c);
			return pos;
		}
		ctl_ping(r, &c);
		cmd_free(&c);
	}
	return -1;
}

/* ProxyInputStream$Buffer{len, buf[size]} as Java answers: n bytes of p. */
static struct jser_node *
ctl_buffer(struct jser_doc *doc, int32_t len, const uint8_t *p, size_t n,
    int32_t size)
{
	struct jser_node	*b;
	uint8_t			*tmp;

	if (size < 0 || (tmp = calloc(1, (size_t)size + 1)) == NULL)
		return NULL;
	if (n > (size_t)size)
		n = (size_t)size;
	if (n > 0)
		memcpy(tmp, p, n);
	b = cmd_new_pis_buffer(doc, len, tmp, (uint32_t)size);
	free(tmp);
	return b;
}

/* The captured Java exchanges, replayed: same commands as the Java agent. */
static void
test_instream_captured(const char *fix)
{
	struct run		 r;
	struct cmd		 c, conn, resp;
	struct wbuf		 w;
	struct jser_doc		*doc;
	struct jser_node	*n, *b;
	uint8_t			*req;
	size_t			 len;
	int32_t			 pos, v = -1, id, acked = 0, chunks = 0;
	bool			 eof_ok = false, chunk_ok = false, saw_resp;
	uint64_t		 dl;

	/* greedy: Pipe$ConnectCommand, pushed chunks, Acks */
	if ((req = vec_command(fix, "streams-greedy.bin", "C>A", 0, &len)) ==
	    NULL) {
		ok(0, "streams-greedy.bin has the UserRequest");
		return;
	}
	run_start(&r);
	wbuf_init(&w, 1 << 20);
	memset(&conn, 0, sizeof(conn));
	ctl_send(&r, req, len);
	free(req);
	pos = ctl_connect(&r, 3, &conn);
	ok(pos >= 2 && like_java(fix, "streams-greedy.bin", &conn),
	    "greedy: Pipe$ConnectCommand(oidPos %d, oidRos 3) built like the "
	    "Java agent's", pos);
	cmd_free(&conn);
	cmd_put_pos_chunk(&w, 1, pos, 0, (const uint8_t *)"0123456789", 10);
	ctl_send_wbuf(&r, &w);
	cmd_put_pos_eof(&w, 2, pos, 0, NULL, NULL);
	ctl_send_wbuf(&r, &w);
	saw_resp = false;
	dl = now_ms() + 3000;
	while (!saw_resp && now_ms() < dl && ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += c.size;
		else if (c.kind == CMD_RESPONSE) {
			saw_resp = true;
			if ((n = result_of(&c, &doc)) != NULL) {
				jser_field_int(n, "value", &v);
				jser_doc_free(doc);
			}
		}
		cmd_free(&c);
	}
	ok(v == 10 && acked == 10, "greedy: 10 bytes read, %d Acked", acked);
	run_finish(&r, 3000);

	/* non-greedy: ProxyInputStream$Chunk requests, Buffers, EOF */
	if ((req = vec_command(fix, "streams-nongreedy.bin", "C>A", 0,
	    &len)) == NULL) {
		ok(0, "streams-nongreedy.bin has the UserRequest");
		wbuf_free(&w);
		return;
	}
	run_start(&r);
	ctl_send(&r, req, len);
	free(req);
	v = -1;
	saw_resp = false;
	dl = now_ms() + 3000;
	while (!saw_resp && now_ms() < dl && ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_PIS_CHUNK && c.oid == 3) {
			chunk_ok = (chunks == 0 || chunk_ok) &&
			    c.is_request && c.size > 0 &&
			    like_java(fix, "streams-nongreedy.bin", &c);
			id = c.id;
			doc = jser_doc_new();
			b = chunks++ == 0 ? ctl_buffer(doc, 10,
			    (const uint8_t *)"0123456789", 10, c.size) :
			    ctl_buffer(doc, -1, NULL, 0, c.size);
			cmd_put_response_raw(&w, doc, id, 0, NULL, b);
			jser_doc_free(doc);
			ctl_send_wbuf(&r, &w);
		} else if (c.kind == CMD_PIS_EOF && c.oid == 3)
			eof_ok = like_java(fix, "streams-nongreedy.bin", &c);
		else if (c.kind == CMD_RESPONSE) {
			saw_resp = true;
			resp = c;
			if ((n = result_of(&resp, &doc)) != NULL) {
				jser_field_int(n, "value", &v);
				jser_doc_free(doc);
			}
		}
		cmd_free(&c);
	}
	ok(chunk_ok && chunks == 2, "non-greedy: %d ProxyInputStream$Chunk "
	    "requests built like the Java agent's", chunks);
	ok(eof_ok && v == 10, "non-greedy: 10 bytes, then "
	    "ProxyInputStream$EOF(3) built like the Java agent's");
	run_finish(&r, 3000);
	wbuf_free(&w);
}

#define IS_BIG	(5 * 1024 * 1024 + 4321)

static uint8_t *
big_data(size_t n, uint32_t *digest)
{
	uint8_t		*d = malloc(n);
	uint32_t	 x = 12345;
	size_t		 i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		d[i] = (uint8_t)(x >> 16);
	}
	*digest = fnv1a(2166136261u, d, n);
	return d;
}

/* Our result string "<count> <digest>" against the expected. */
static bool
result_is(const struct cmd *c, size_t count, uint32_t digest)
{
	struct jser_doc		*doc;
	struct jser_node	*n;
	char			 want[64];
	bool			 same = false;

	snprintf(want, sizeof(want), "%zu %08x", count, (unsigned)digest);
	if ((n = result_of(c, &doc)) != NULL) {
		same = string_of(n) != NULL && strcmp(string_of(n), want) == 0;
		jser_doc_free(doc);
	}
	return same;
}

static void
test_instream_push(void)
{
	struct run	 r;
	struct cmd	 c, resp;
	struct wbuf	 w;
	uint8_t		*data;
	uint32_t	 dg;
	size_t		 sent = 0, acked = 0, k, max_out = 0;
	int32_t		 pos, io = 0;
	int		 id, early_acks = 0, dead = 0;
	bool		 eof_sent = false, saw_resp = false;
	uint64_t	 t0, dl;

	if ((data = big_data(IS_BIG, &dg)) == NULL || run_start(&r) != 0) {
		free(data);
		ok(0, "setup");
		return;
	}
	wbuf_init(&w, 1 << 20);
	memset(&resp, 0, sizeof(resp));

	/* 5 MB through a greedy pipe; the handler sleeps 600 ms first */
	id = ctl_instream(&r, true, 77, 600);
	pos = ctl_connect(&r, 77, NULL);
	ok(pos >= 2, "push: Pipe$ConnectCommand(oidPos %d, oidRos 77)", pos);
	t0 = now_ms();
	/* fill the 1 MiB window while the reader sleeps: no Ack may come */
	while (sent < CHANNEL_PIPE_WINDOW) {
		k = 65536;
		cmd_put_pos_chunk(&w, ++io, pos, 0, data + sent, k);
		ctl_send_wbuf(&r, &w);
		sent += k;
	}
	while (now_ms() - t0 < 400) {
		int	 rc = ctl_next(&r, 50, &c);

		if (rc == -2)
			break;
		if (rc == 0) {
			if (c.kind == CMD_POS_ACK && c.oid == pos) {
				early_acks++;
				acked += (size_t)c.size;
			}
			cmd_free(&c);
		}
	}
	ok(early_acks == 0 && !is_done, "push: a full window and no Ack "
	    "while nothing is read (the agent holds at most the window)");
	/* now play a throttling controller: never more than the window out */
	dl = now_ms() + 20000;
	while (!saw_resp && now_ms() < dl) {
		while (!eof_sent && sent < IS_BIG &&
		    sent - acked < CHANNEL_PIPE_WINDOW) {
			k = IS_BIG - sent;
			if (k > 512 * 1024)
				k = 512 * 1024;
			if (k > CHANNEL_PIPE_WINDOW - (sent - acked))
				k = CHANNEL_PIPE_WINDOW - (sent - acked);
			cmd_put_pos_chunk(&w, ++io, pos, 0, data + sent, k);
			ctl_send_wbuf(&r, &w);
			sent += k;
			if (sent - acked > max_out)
				max_out = sent - acked;
		}
		if (!eof_sent && sent == IS_BIG) {
			cmd_put_pos_eof(&w, ++io, pos, 0, NULL, NULL);
			ctl_send_wbuf(&r, &w);
			eof_sent = true;
		}
		if (ctl_next(&r, 3000, &c) != 0)
			break;
		if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		else if (c.kind == CMD_POS_DEAD)
			dead++;
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			saw_resp = true;
			resp = c;
			continue;
		} else
			ctl_ping(&r, &c);
		cmd_free(&c);
	}
	ok(saw_resp && result_is(&resp, IS_BIG, dg), "push: %d bytes read "
	    "intact (count and digest) in %llu ms", IS_BIG,
	    (unsigned long long)(now_ms() - t0));
	ok(acked == IS_BIG && dead == 0 && max_out <= CHANNEL_PIPE_WINDOW,
	    "push: every byte Acked once read (%zu), window respected",
	    acked);
	cmd_free(&resp);

	/* a peer that ignores the window: the stream fails, NotifyDeadWriter;
	 * the reader is held until then, however slowly this runs */
	is_hold = 1;
	id = ctl_instream(&r, true, 78, 0);
	pos = ctl_connect(&r, 78, NULL);
	for (sent = 0, io = 0; sent < 9 * CHANNEL_PIPE_WINDOW; sent += 65536) {
		cmd_put_pos_chunk(&w, ++io, pos, 0, data, 65536);
		ctl_send_wbuf(&r, &w);
	}
	dead = 0;
	saw_resp = false;
	dl = now_ms() + 30000;
	while (!saw_resp && now_ms() < dl && ctl_next(&r, 30000, &c) == 0) {
		if (c.kind == CMD_POS_DEAD && c.oid == pos) {
			dead++;
			is_hold = 0;
		}
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			saw_resp = c.resp == CMD_RESP_EXCEPTION &&
			    strstr(proxy_message(&c, NULL, 0), "overran") !=
			    NULL;
		}
		cmd_free(&c);
	}
	is_hold = 0;
	ok(dead >= 1 && saw_resp, "push overrun: NotifyDeadWriter and the "
	    "read fails (%s)", is_err);

	/* cancel while blocked: read -1, then NotifyDeadWriter on close */
	id = ctl_instream(&r, true, 79, 0);
	pos = ctl_connect(&r, 79, NULL);
	cmd_put_pos_chunk(&w, 1, pos, 0, data, 100);
	ctl_send_wbuf(&r, &w);
	usleep(200000);
	cmd_put_cancel(&w, id);
	ctl_send_wbuf(&r, &w);
	t0 = now_ms();
	dead = 0;
	acked = 0;
	saw_resp = false;
	while (!saw_resp && now_ms() - t0 < 3000 &&
	    ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_POS_DEAD && c.oid == pos)
			dead++;
		else if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		else if (c.kind == CMD_RESPONSE && c.id == id)
			saw_resp = c.resp == CMD_RESP_EXCEPTION;
		cmd_free(&c);
	}
	ok(saw_resp && dead == 1 && acked == 100 && is_rc == -1 &&
	    strstr(is_err, "cancel") != NULL, "push: cancel while blocked: "
	    "read -1 (%s), Acked, NotifyDeadWriter", is_err);
	/* chunks after the reader closed: discarded but Acked */
	cmd_put_pos_chunk(&w, 2, pos, 0, data, 200);
	ctl_send_wbuf(&r, &w);
	acked = 0;
	while (acked < 200 && ctl_next(&r, 2000, &c) == 0) {
		if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		cmd_free(&c);
	}
	ok(acked == 200, "push: a Chunk after close is Acked and dropped");
	cmd_put_pos_eof(&w, 3, pos, 0, NULL, NULL);
	ctl_send_wbuf(&r, &w);

	/* the channel ends under a blocked reader: -1, no hang */
	id = ctl_instream(&r, true, 80, 0);
	pos = ctl_connect(&r, 80, NULL);
	usleep(100000);
	t0 = now_ms();
	shutdown(r.fd, SHUT_RDWR);
	run_finish(&r, 8000);
	while (!is_done && now_ms() - t0 < 3000)
		usleep(10000);
	ok(r.end == CHANNEL_EOF && is_done && is_rc == -1 &&
	    is_done_at - t0 < 2000, "push: channel end while blocked: read "
	    "-1 (%s) after %llu ms", is_err,
	    (unsigned long long)(is_done_at - t0));
	wbuf_free(&w);
	free(data);
}

static void
test_instream_pull(void)
{
	struct run		 r;
	struct cmd		 c, resp;
	struct wbuf		 w;
	struct jser_doc		*doc;
	struct jser_node	*b;
	uint8_t			*data;
	uint32_t		 dg;
	size_t			 total = 300 * 1024 + 17, off = 0, k;
	int			 id, reqs = 0, eofs = 0;
	int32_t			 last_req = 0;
	bool			 saw_resp = false, ids_ok = true;
	uint64_t		 t0, dl;

	if ((data = big_data(total, &dg)) == NULL || run_start(&r) != 0) {
		free(data);
		ok(0, "setup");
		return;
	}
	wbuf_init(&w, 1 << 20);
	memset(&resp, 0, sizeof(resp));
	id = ctl_instream(&r, false, 42, 0);
	dl = now_ms() + 10000;
	while (!saw_resp && now_ms() < dl && ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_PIS_CHUNK && c.oid == 42) {
			/* answer with short reads (<= 10000 bytes) */
			if (!c.is_request || c.id <= last_req || c.size <= 0)
				ids_ok = false;
			last_req = c.id;
			reqs++;
			k = total - off;
			if (k > 10000)
				k = 10000;
			if (k > (size_t)c.size)
				k = (size_t)c.size;
			doc = jser_doc_new();
			b = ctl_buffer(doc, k ? (int32_t)k : -1, data + off, k,
			    c.size);
			off += k;
			cmd_put_response_raw(&w, doc, c.id, 0, NULL, b);
			jser_doc_free(doc);
			ctl_send_wbuf(&r, &w);
		} else if (c.kind == CMD_PIS_EOF && c.oid == 42)
			eofs++;
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			saw_resp = true;
			resp = c;
			continue;
		} else
			ctl_ping(&r, &c);
		cmd_free(&c);
	}
	ok(saw_resp && result_is(&resp, total, dg) && ids_ok,
	    "pull: %zu bytes intact over %d ProxyInputStream$Chunk requests "
	    "with increasing agent ids", total, reqs);
	cmd_free(&resp);
	/* the EOF may follow the Response only if ordering were broken */
	ok(eofs == 1, "pull: ProxyInputStream$EOF(42) before the Response");

	/* an exception answer fails the read with its message */
	id = ctl_instream(&r, false, 43, 0);
	saw_resp = false;
	eofs = 0;
	dl = now_ms() + 3000;
	while (!saw_resp && now_ms() < dl && ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_PIS_CHUNK && c.oid == 43) {
			doc = jser_doc_new();
			b = cmd_new_exception(doc, "java.io.IOException",
			    "disk on fire");
			cmd_put_response_raw(&w, doc, c.id, 0, b, NULL);
			jser_doc_free(doc);
			ctl_send_wbuf(&r, &w);
		} else if (c.kind == CMD_PIS_EOF && c.oid == 43)
			eofs++;
		else if (c.kind == CMD_RESPONSE && c.id == id)
			saw_resp = c.resp == CMD_RESP_EXCEPTION &&
			    strstr(proxy_message(&c, NULL, 0), "disk on fire")
			    != NULL;
		cmd_free(&c);
	}
	ok(saw_resp && eofs == 1, "pull: an exception answer fails the read "
	    "(%s), EOF still sent", is_err);

	/* cancel while waiting for a Buffer */
	id = ctl_instream(&r, false, 44, 0);
	reqs = 0;
	saw_resp = false;
	eofs = 0;
	t0 = now_ms();
	while (!saw_resp && now_ms() - t0 < 3000 &&
	    ctl_next(&r, 3000, &c) == 0) {
		if (c.kind == CMD_PIS_CHUNK && c.oid == 44 && reqs++ == 0) {
			cmd_put_cancel(&w, id);
			ctl_send_wbuf(&r, &w);
		} else if (c.kind == CMD_PIS_EOF && c.oid == 44)
			eofs++;
		else if (c.kind == CMD_RESPONSE && c.id == id)
			saw_resp = c.resp == CMD_RESP_EXCEPTION;
		cmd_free(&c);
	}
	ok(saw_resp && reqs == 1 && eofs == 1 && strstr(is_err, "cancel"),
	    "pull: cancel while waiting: read -1 (%s), EOF sent", is_err);

	/* the channel ends while waiting for a Buffer */
	id = ctl_instream(&r, false, 45, 0);
	while (ctl_next(&r, 3000, &c) == 0) {
		bool	 req = c.kind == CMD_PIS_CHUNK;

		cmd_free(&c);
		if (req)
			break;
	}
	t0 = now_ms();
	cmd_put_close(&w);
	ctl_send_wbuf(&r, &w);
	run_finish(&r, 8000);
	while (!is_done && now_ms() - t0 < 3000)
		usleep(10000);
	ok(r.end == CHANNEL_CLOSED && is_done && is_rc == -1 &&
	    is_done_at - t0 < 2000, "pull: channel closed while waiting: "
	    "read -1 (%s)", is_err);
	wbuf_free(&w);
	free(data);
}

/*
 * test.BadStream{in}: in must not open as an input stream; returns the
 * outstream oid it gives, or fails with the open error.
 */
static int
h_test_badstream(struct hctx *h, const struct jser_node *callable)
{
	struct chan_instream	*s;
	struct jser_node	*in = NULL;
	int32_t			 oid = 0;
	char			 msg[sizeof(h->exc_msg)];

	jser_field_ref(callable, "in", &in);
	if ((s = channel_instream_open(h, in)) != NULL) {
		channel_instream_close(s);
		return hctx_fail(h, "java.lang.IllegalStateException",
		    "opened");
	}
	if (channel_outstream_oid(in, &oid) != 0)
		return -1;
	snprintf(msg, sizeof(msg), "%d %.200s", oid, h->exc_msg);
	h->exc_class = NULL;
	h->value = hctx_string(h, msg);
	return 0;
}

static void
test_instream_bad(void)
{
	struct run		 r;
	struct cmd		 resp;
	struct jser_doc		*doc;
	struct jser_node	*n;
	const char		*s = NULL;
	int			 id;

	run_start(&r);
	doc = jser_doc_new();
	id = ctl_stream_call(&r, "test.BadStream", doc,
	    cmd_new_string(doc, "x"), 0);
	ok(ctl_response(&r, id, 3000, &resp) == 0 &&
	    resp.resp == CMD_RESP_EXCEPTION && strstr(proxy_message(&resp,
	    NULL, 0), "not a RemoteInputStream") != NULL, "instream_open on "
	    "a String: IOException (%s)", proxy_message(&resp, NULL, 0));
	cmd_free(&resp);
	doc = jser_doc_new();
	id = ctl_stream_call(&r, "test.BadStream", doc, ctl_pipe(doc, true, 9),
	    0);
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		s = string_of(n);
		ok(s != NULL && strncmp(s, "9 ", 2) == 0 &&
		    strstr(s, "for writing") != NULL, "Pipe(true, 9): not an "
		    "input stream, outstream oid 9 (%s)", s ? s : "?");
		jser_doc_free(doc);
	} else
		ok(0, "Pipe(true, 9): answered");
	cmd_free(&resp);
	r.stop = 1;
	run_finish(&r, 3000);
}

/* ---- exported sources read off the loop thread ---- */

/* A source whose reads wait for permission (ss_allowed) or close. */
static pthread_mutex_t	 ss_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 ss_cond = PTHREAD_COND_INITIALIZER;
static int		 ss_allowed, ss_reads, ss_active, ss_max_active;
static bool		 ss_closed;
static volatile int	 ss_released;
static volatile int	 ss_read_done_before_release;

static ssize_t
ss_read(void *obj, uint8_t *p, size_t n)
{
	ssize_t	 r = 0;

	(void)obj;
	pthread_mutex_lock(&ss_lock);
	if (++ss_active > ss_max_active)
		ss_max_active = ss_active;
	while (ss_reads >= ss_allowed && !ss_closed)
		pthread_cond_wait(&ss_cond, &ss_lock);
	if (!ss_closed && n > 0) {
		p[0] = (uint8_t)('0' + ++ss_reads);
		r = 1;
	}
	ss_active--;
	pthread_mutex_unlock(&ss_lock);
	return r;
}

static void
ss_close(void *obj, bool error)
{
	(void)obj;
	(void)error;
	pthread_mutex_lock(&ss_lock);
	ss_closed = true;
	pthread_cond_broadcast(&ss_cond);
	pthread_mutex_unlock(&ss_lock);
}

static void
ss_release(void *obj)
{
	(void)obj;
	pthread_mutex_lock(&ss_lock);
	ss_read_done_before_release = ss_active == 0;
	pthread_mutex_unlock(&ss_lock);
	ss_released++;
}

static const struct chan_export_ops ss_ops = {
	.read = ss_read,
	.close = ss_close,
	.release = ss_release,
};

static int
h_test_slow_source(struct hctx *h, const struct jser_node *callable)
{
	static int	 token;
	int32_t		 oid;

	(void)callable;
	if ((oid = channel_export(h->ch, &token, &ss_ops)) < 0)
		return -1;
	h->value = cmd_new_integer(h->out, oid);
	return 0;
}

static void
ss_allow(int n)
{
	pthread_mutex_lock(&ss_lock);
	ss_allowed += n;
	pthread_cond_broadcast(&ss_cond);
	pthread_mutex_unlock(&ss_lock);
}

/* Buffer{len, buf[0]} of a raw Response: len, or -100. */
static int32_t
buffer_first(const struct cmd *c, uint8_t *first)
{
	const uint8_t		*bp;
	uint32_t		 blen;
	struct jser_node	*arr;
	int32_t			 len;

	*first = 0;
	if (c->resp != CMD_RESP_RAW || c->ret == NULL ||
	    jser_field_int(c->ret, "len", &len) != PROTO_OK)
		return -100;
	if (len > 0 && jser_field_ref(c->ret, "buf", &arr) == PROTO_OK &&
	    jser_array_bytes(arr, &bp, &blen) == PROTO_OK && blen > 0)
		*first = bp[0];
	return len;
}

static void
test_slow_source(void)
{
	struct run	 r;
	struct cmd	 c, resp;
	struct wbuf	 w;
	struct jser_doc	*doc;
	struct jser_node *n;
	int32_t		 oid = -1, ida, idb, idc, lena = -100, lenb = -100;
	int32_t		 lenc = -100;
	uint8_t		 fa = 0, fb = 0, fc;
	uint64_t	 t0, ping_ms = 0, dl;
	int		 id, order_ok = 0, got = 0;
	bool		 early = false;

	if (run_start(&r) != 0) {
		ok(0, "setup");
		return;
	}
	wbuf_init(&w, 1 << 20);
	id = ctl_call_simple(&r, "test.SlowSource", NULL, 0, NULL, 0);
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &oid);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	/* two reads that cannot proceed yet, then a ping */
	ida = r.next_id++;
	cmd_put_pis_chunk(&w, ida, 0, oid, 10);
	ctl_send_wbuf(&r, &w);
	idb = r.next_id++;
	cmd_put_pis_chunk(&w, idb, 0, oid, 10);
	ctl_send_wbuf(&r, &w);
	t0 = now_ms();
	id = ctl_ping_agent(&r);
	dl = now_ms() + 5000;
	while (now_ms() < dl && ctl_next(&r, 5000, &c) == 0) {
		if (c.kind == CMD_RESPONSE && c.id == id) {
			ping_ms = now_ms() - t0;
			cmd_free(&c);
			break;
		}
		if (c.kind == CMD_RESPONSE && (c.id == ida || c.id == idb))
			early = true;
		cmd_free(&c);
	}
	ok(!early && now_ms() < dl, "a blocked read of an exported source "
	    "does not stall the loop: ping answered in %llu ms",
	    (unsigned long long)ping_ms);
	/* let them through: answered in arrival order, one at a time */
	ss_allow(2);
	dl = now_ms() + 5000;
	while (got < 2 && now_ms() < dl && ctl_next(&r, 5000, &c) == 0) {
		if (c.kind == CMD_RESPONSE && c.id == ida) {
			lena = buffer_first(&c, &fa);
			got++;
		} else if (c.kind == CMD_RESPONSE && c.id == idb) {
			lenb = buffer_first(&c, &fb);
			order_ok = got == 1;
			got++;
		}
		cmd_free(&c);
	}
	/*
	 * The data proves the order the reads ran in (the first request got
	 * '1'); the two Responses may still be queued by their workers in
	 * either order, so their order on the wire is only reported.
	 */
	ok(lena == 1 && fa == '1' && lenb == 1 && fb == '2' &&
	    ss_max_active == 1, "reads of one source: serialized, in arrival "
	    "order (%c, %c; at most %d at once; responses %s)",
	    fa ? fa : '?', fb ? fb : '?', ss_max_active,
	    order_ok ? "in order" : "swapped on the wire");
	/* a third read blocks; ProxyInputStream$EOF closes it: len -1, and
	 * the release waits for the read */
	idc = r.next_id++;
	cmd_put_pis_chunk(&w, idc, 0, oid, 10);
	ctl_send_wbuf(&r, &w);
	usleep(200000);
	cmd_put_pis_eof(&w, oid);
	ctl_send_wbuf(&r, &w);
	if (ctl_response(&r, idc, 5000, &resp) == 0)
		lenc = buffer_first(&resp, &fc);
	cmd_free(&resp);
	id = ctl_ping_agent(&r);
	ctl_response(&r, id, 3000, &resp);
	cmd_free(&resp);
	ok(lenc == -1 && ss_released == 1 && ss_read_done_before_release,
	    "ProxyInputStream$EOF wakes a blocked read (len %d), released "
	    "after it", lenc);
	/* a read blocked when the channel ends is woken by close() */
	pthread_mutex_lock(&ss_lock);
	ss_closed = false;
	ss_released = 0;
	pthread_mutex_unlock(&ss_lock);
	id = ctl_call_simple(&r, "test.SlowSource", NULL, 0, NULL, 0);
	oid = -1;
	if (ctl_response(&r, id, 3000, &resp) == 0 &&
	    (n = result_of(&resp, &doc)) != NULL) {
		jser_field_int(n, "value", &oid);
		jser_doc_free(doc);
	}
	cmd_free(&resp);
	ida = r.next_id++;
	cmd_put_pis_chunk(&w, ida, 0, oid, 10);
	ctl_send_wbuf(&r, &w);
	usleep(200000);
	t0 = now_ms();
	shutdown(r.fd, SHUT_RDWR);
	run_finish(&r, 10000);
	ok(r.end == CHANNEL_EOF && ss_closed && now_ms() - t0 < 4000,
	    "channel end: a blocked source read is closed, no hang (%llu ms)",
	    (unsigned long long)(now_ms() - t0));
	wbuf_free(&w);
}

/* ---- bulk streams: flow control, ordering and flat memory ---- */

/*
 * Under AddressSanitizer freed memory sits in a quarantine (256 MiB by
 * default) that would count as growth; keep it small so that the peak RSS
 * shows what the channel itself holds.  Unused without ASan.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

/* test.Echo{in, out}: copies in to out (then EOF); "<count> <digest>". */
static int
h_test_echo(struct hctx *h, const struct jser_node *callable)
{
	struct chan_instream	*s;
	struct jser_node	*in = NULL, *out = NULL;
	uint8_t			 buf[65536];
	uint32_t		 dg = 2166136261u;
	uint64_t		 count = 0;
	int32_t			 oid;
	ssize_t			 n;
	char			 res[64];

	jser_field_ref(callable, "in", &in);
	jser_field_ref(callable, "out", &out);
	if (channel_outstream_oid(out, &oid) != 0)
		return hctx_fail(h, "java.io.IOException", "no out stream");
	if ((s = channel_instream_open(h, in)) == NULL)
		return -1;
	while ((n = channel_instream_read(s, buf, sizeof(buf))) > 0) {
		count += (uint64_t)n;
		dg = fnv1a(dg, buf, (size_t)n);
		if (channel_pipe_write(h, oid, buf, (size_t)n) != 0) {
			n = -1;
			break;
		}
	}
	if (n < 0) {
		snprintf(res, sizeof(res), "%.60s", channel_instream_error(s) ?
		    channel_instream_error(s) : "write failed");
		channel_instream_close(s);
		return hctx_fail(h, "java.io.IOException", "%s", res);
	}
	channel_instream_close(s);
	if (channel_pipe_close(h, oid, NULL) != 0)
		return hctx_fail(h, "java.io.IOException", "EOF failed");
	snprintf(res, sizeof(res), "%llu %08x", (unsigned long long)count,
	    (unsigned)dg);
	h->value = hctx_string(h, res);
	return 0;
}

/* Peak resident set (kB) of this process, after resetting it if we can. */
static long
vm_hwm_kb(bool reset)
{
	FILE	*f;
	char	 line[256];
	long	 kb = -1;

	if (reset && (f = fopen("/proc/self/clear_refs", "w")) != NULL) {
		fputs("5", f);
		fclose(f);
	}
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* A controller RemoteOutputStream for our oid. */
static struct jser_node *
ctl_ros(struct jser_doc *doc, int32_t oid)
{
	struct jser_node	*d, *o;
	uint8_t			 b[4];

	b[0] = (uint8_t)((uint32_t)oid >> 24);
	b[1] = (uint8_t)((uint32_t)oid >> 16);
	b[2] = (uint8_t)((uint32_t)oid >> 8);
	b[3] = (uint8_t)oid;
	d = jser_new_desc(doc, "hudson.remoting.RemoteOutputStream", 1,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL);
	o = jser_new_object(doc, d);
	jser_content_add_block(doc, &jser_obj_classdata(o, NULL)->custom, b,
	    4);
	return o;
}

/* The controller's outgoing bytes (chunk-framed), sent without blocking. */
struct obuf {
	struct wbuf	 w;
	size_t		 off;
};

static int
obuf_cmd(struct obuf *o, struct wbuf *cmd)
{
	int	 rc = chunk_put_all(&o->w, cmd->d, cmd->len);

	wbuf_reset(cmd);
	return rc == PROTO_OK ? 0 : -1;
}

/* Write what the socket takes; compact.  0 or -1. */
static int
obuf_pump(struct obuf *o, int fd)
{
	ssize_t	 n;

	while (o->off < o->w.len) {
		n = send(fd, o->w.d + o->off, o->w.len - o->off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0)
			return -1;
		o->off += (size_t)n;
	}
	if (o->off == o->w.len) {
		wbuf_reset(&o->w);
		o->off = 0;
	}
	return 0;
}

/* Deterministic stream bytes: position-dependent, regenerated on demand. */
static void
gen_bytes(uint8_t *p, size_t n, uint64_t pos)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		uint64_t	 x = (pos + i) * 0x9e3779b97f4a7c15ULL;

		p[i] = (uint8_t)(x >> 56);
	}
}

/*
 * total bytes pushed through a greedy pipe into test.Echo and back: the
 * controller honours the agent's window and holds its own Acks for a while
 * (so the agent's writer meets a shut window), checks ioIds, the final
 * Response.lastIoId, and that the agent's peak RSS stays flat.
 */
static void
test_bulk_echo(uint64_t total)
{
	struct run	 r;
	struct obuf	 ob;
	struct wbuf	 w;
	struct cmd	 c;
	struct jser_doc	*doc;
	struct jser_node *d, *o, *in;
	struct pollfd	 pfd;
	uint8_t		 chunk[65536];
	uint64_t	 sent = 0, acked = 0, back = 0, unacked_back = 0;
	uint64_t	 max_back_out = 0, t0;
	uint32_t	 dg_sent = 2166136261u, dg_back = 2166136261u;
	int32_t		 pos = -1, io = 0, last_io = 0, eof_io = -1;
	int32_t		 resp_last_io = -2;
	long		 hwm0, hwm1;
	bool		 eof_sent = false, ios_ok = true, done = false;
	bool		 result_ok = false;
	char		 want[64], got[96] = "(none)";
	int		 id, rc;
	size_t		 k;

	if (run_start(&r) != 0) {
		ok(0, "setup");
		return;
	}
	memset(&ob, 0, sizeof(ob));
	wbuf_init(&ob.w, (size_t)1 << 26);
	wbuf_init(&w, 1 << 20);
	hwm0 = vm_hwm_kb(true);
	t0 = now_ms();
	doc = jser_doc_new();
	d = jser_new_desc(doc, "test.Echo", 1, SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'L', "in", "Ljava/io/InputStream;");
	jser_desc_add_field(doc, d, 'L', "out", "Ljava/io/OutputStream;");
	o = jser_new_object(doc, d);
	in = ctl_ris(doc, true, 61);
	jser_set_ref(o, "in", in);
	jser_set_ref(o, "out", ctl_ros(doc, 62));
	id = ctl_call(&r, doc, o, "test.Echo");
	jser_doc_free(doc);
	pos = ctl_connect(&r, 61, NULL);
	while (!done && now_ms() - t0 < 600000) {
		/* feed within the window */
		while (pos >= 2 && !eof_sent && ob.w.len - ob.off < 262144 &&
		    sent < total && sent - acked < CHANNEL_PIPE_WINDOW) {
			k = sizeof(chunk);
			if (k > total - sent)
				k = (size_t)(total - sent);
			if (k > CHANNEL_PIPE_WINDOW - (sent - acked))
				k = (size_t)(CHANNEL_PIPE_WINDOW -
				    (sent - acked));
			gen_bytes(chunk, k, sent);
			dg_sent = fnv1a(dg_sent, chunk, k);
			cmd_put_pos_chunk(&w, ++io, pos, 0, chunk, k);
			obuf_cmd(&ob, &w);
			sent += k;
		}
		if (pos >= 2 && !eof_sent && sent == total) {
			cmd_put_pos_eof(&w, ++io, pos, 0, NULL, NULL);
			obuf_cmd(&ob, &w);
			eof_sent = true;
		}
		if (obuf_pump(&ob, r.fd) != 0)
			break;
		/* parse what has arrived */
		while ((rc = ctl_next(&r, 0, &c)) == 0) {
			if (c.kind == CMD_POS_ACK && c.oid == pos)
				acked += (uint64_t)c.size;
			else if (c.kind == CMD_POS_CHUNK && c.oid == 62) {
				if (c.io_id <= last_io || c.request_id != id)
					ios_ok = false;
				last_io = c.io_id;
				dg_back = fnv1a(dg_back, c.buf, c.buf_len);
				back += c.buf_len;
				unacked_back += c.buf_len;
				if (unacked_back > max_back_out)
					max_back_out = unacked_back;
				/* hold Acks back to 256 KiB at a time */
				if (unacked_back >= 262144) {
					cmd_put_pos_ack(&w, 62,
					    (int32_t)unacked_back);
					obuf_cmd(&ob, &w);
					unacked_back = 0;
				}
			} else if (c.kind == CMD_POS_EOF && c.oid == 62) {
				if (c.io_id <= last_io)
					ios_ok = false;
				eof_io = last_io = c.io_id;
			} else if (c.kind == CMD_RESPONSE && c.id == id) {
				resp_last_io = c.last_io_id;
				if ((o = result_of(&c, &doc)) != NULL) {
					snprintf(got, sizeof(got), "%s",
					    string_of(o) ? string_of(o) : "?");
					jser_doc_free(doc);
				} else
					snprintf(got, sizeof(got), "%.80s",
					    proxy_message(&c, NULL, 0) ?
					    proxy_message(&c, NULL, 0) : "?");
				done = true;
			}
			cmd_free(&c);
		}
		if (rc == -2 || done)
			break;
		pfd.fd = r.fd;
		pfd.events = POLLIN | (ob.off < ob.w.len ? POLLOUT : 0);
		pfd.revents = 0;
		(void)poll(&pfd, 1, 1000);
		if (pfd.revents & POLLIN) {
			ssize_t	 nr = read(r.fd, r.rx.buf, sizeof(r.rx.buf));

			if (nr <= 0)
				break;
			r.rx.off = 0;
			r.rx.len = (size_t)nr;
		}
	}
	hwm1 = vm_hwm_kb(false);
	snprintf(want, sizeof(want), "%llu %08x", (unsigned long long)total,
	    (unsigned)dg_sent);
	result_ok = strcmp(got, want) == 0;
	ok(done && result_ok && back == total && dg_back == dg_sent,
	    "bulk: %llu MiB through a greedy pipe and back, intact, in %llu "
	    "ms (%s)", (unsigned long long)(total >> 20),
	    (unsigned long long)(now_ms() - t0), got);
	ok(ios_ok && eof_io > 0 && resp_last_io == eof_io,
	    "bulk: ioIds increase, Response.lastIoId = the EOF's ioId (%d)",
	    resp_last_io);
	ok(max_back_out <= CHANNEL_PIPE_WINDOW && sent - acked == 0,
	    "bulk: the agent never had more than the window unacknowledged "
	    "(%llu), and Acked all it read", (unsigned long long)max_back_out);
	ok(hwm0 > 0 && hwm1 > 0 && hwm1 - hwm0 < 64 * 1024,
	    "bulk: peak RSS grew by %ld kB (< 64 MiB) for %llu MiB each way",
	    hwm1 - hwm0, (unsigned long long)(total >> 20));
	r.stop = 1;
	run_finish(&r, 5000);
	wbuf_free(&w);
	wbuf_free(&ob.w);
}

int
main(void)
{
	const char	*fix = getenv("JNAGENT_FIXTURES");
	char		 p[4096];
	struct stat	 st;

	log_level = LOG_ERROR;
	if (handlers_register("test.Slow", h_test_slow, 0) != 0 ||
	    handlers_register("test.Export", h_test_export, 0) != 0 ||
	    handlers_register("test.Sink", h_test_sink, 0) != 0 ||
	    handlers_register("test.Pipe", h_test_pipe, 0) != 0 ||
	    handlers_register("test.Source", h_test_source, 0) != 0 ||
	    handlers_register("test.InStream", h_test_instream, 0) != 0 ||
	    handlers_register("test.BadStream", h_test_badstream, 0) != 0 ||
	    handlers_register("test.SlowSource", h_test_slow_source, 0) != 0 ||
	    handlers_register("test.Echo", h_test_echo, 0) != 0 ||
	    handlers_register("hudson.remoting.Harness2$WriteTo",
	    h_test_writeto, 0) != 0)
		return 1;

	if (fix != NULL && *fix != '\0') {
		snprintf(p, sizeof(p), "%s/remoting/captures/jenkins-direct",
		    fix);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			test_node_online(fix);
		else
			diag("no captures under %s: node-online test skipped",
			    p);
	} else
		diag("JNAGENT_FIXTURES unset: node-online test skipped");
	test_unknown_and_pings();
	test_exports_and_pipes();
	test_endings();
	test_instream_push();
	test_instream_pull();
	test_instream_bad();
	test_slow_source();
	{
		/* JNAGENT_BULK_MB=1024 for the full-size run */
		const char	*mb = getenv("JNAGENT_BULK_MB");
		long		 v = mb != NULL ? strtol(mb, NULL, 10) : 0;

		test_bulk_echo((uint64_t)(v > 0 ? v : 256) << 20);
	}
	if (fix != NULL && *fix != '\0') {
		snprintf(p, sizeof(p), "%s/remoting/vectors/streams-greedy.bin",
		    fix);
		if (stat(p, &st) == 0)
			test_instream_captured(fix);
		else
			diag("no vectors under %s: captured streams skipped",
			    fix);
	}
	handlers_reset();
	return done_testing();
}
