/*
 * test_launch.c: process launching and the durable-task `sh` step, driven
 * by the real controller commands of the jenkins-direct capture and
 * checked against the official Java agent's answers in the same capture.
 *
 * channel_run() runs on one end of a socketpair; the test plays the
 * controller on the other end: it replays the captured UserRequests (with
 * /home/jenkins/agent rewritten to a temporary directory and the RPC
 * oids to the ones our agent exported), collects what the agent writes
 * to the controller's streams, and compares each Response with the Java
 * agent's Response to the same request.  The processes really run.
 *
 * Also unit tests of the environment rules (EnvVars.overrideExpandingAll,
 * Util.replaceMacro) and of the command-line echo.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/channel.h"
#include "agent/h_launch.h"
#include "agent/handlers.h"
#include "agent/proc.h"
#include "protocol/chunk.h"
#include "protocol/command.h"
#include "tests/unit/chan_testutil.h"
#include "protocol/jval.h"
#include "tests/unit/tap.h"

#define CAPTURE		"remoting/captures/jenkins-direct"
#define JAVA_ROOT	"/home/jenkins/agent"

static char	 capdir[4096];
static char	 root[256];	/* replaces JAVA_ROOT */


/* What the agent wrote to one of our (the controller's) streams. */
struct sink {
	int32_t		 oid;
	char		 data[65536];
	size_t		 len;
	int		 flushes, eofs, unexports;
};

struct run {
	pthread_t		 th;
	int			 fd;
	volatile int		 stop;
	volatile int		 done;
	struct agent_conf	 conf;
	struct ttrans		*tt;
	struct chan_rx		 rx;
	int32_t			 next_id;
	struct sink		 sinks[16];
	int			 nsinks;
	int			 pis_eofs;
};

static void *
run_main(void *arg)
{
	struct run	*r = arg;

	(void)channel_run(&r->tt->t, &r->conf, &r->stop);
	r->done = 1;
	return NULL;
}

static int
run_start(struct run *r)
{
	memset(r, 0, sizeof(*r));
	if (chan_pair(&r->tt, &r->fd) == -1)
		return -1;
	r->conf.work_dir = root;
	r->next_id = 1000;
	chan_rx_init(&r->rx);
	return pthread_create(&r->th, NULL, run_main, r) == 0 ? 0 : -1;
}

static void
run_finish(struct run *r)
{
	uint64_t	 dl = now_ms() + 15000;

	close(r->fd);	/* EOF: the channel ends */
	while (!r->done && now_ms() < dl)
		usleep(10000);
	if (!r->done)
		r->stop = 1;
	pthread_join(r->th, NULL);
	chan_rx_free(&r->rx);
}

static int
ctl_send(struct run *r, const uint8_t *cmd, size_t len)
{
	return chan_send_cmd(r->fd, cmd, len, (size_t)1 << 28);
}

static int
ctl_next(struct run *r, int ms, struct cmd *c)
{
	return chan_rx_next(&r->rx, r->fd, ms, false, c);
}

static struct sink *
sink_get(struct run *r, int32_t oid)
{
	int	 i;

	for (i = 0; i < r->nsinks; i++)
		if (r->sinks[i].oid == oid)
			return &r->sinks[i];
	if (r->nsinks == 16)
		return &r->sinks[15];
	r->sinks[r->nsinks].oid = oid;
	return &r->sinks[r->nsinks++];
}

/* Handle stream commands from the agent; false if c is something else. */
static bool
ctl_stream(struct run *r, struct cmd *c)
{
	struct sink	*s;
	struct wbuf	 w;
	size_t		 n;

	switch (c->kind) {
	case CMD_POS_CHUNK:
		s = sink_get(r, c->oid);
		n = c->buf_len;
		if (n > sizeof(s->data) - s->len)
			n = sizeof(s->data) - s->len;
		memcpy(s->data + s->len, c->buf, n);
		s->len += n;
		wbuf_init(&w, 4096);
		if (cmd_put_pos_ack(&w, c->oid, (int32_t)c->buf_len) ==
		    PROTO_OK)
			(void)ctl_send(r, w.d, w.len);
		wbuf_free(&w);
		return true;
	case CMD_POS_FLUSH:
		sink_get(r, c->oid)->flushes++;
		return true;
	case CMD_POS_EOF:
		sink_get(r, c->oid)->eofs++;
		return true;
	case CMD_POS_UNEXPORT:
		sink_get(r, c->oid)->unexports++;
		return true;
	case CMD_PIS_EOF:
		r->pis_eofs++;
		return true;
	default:
		return false;
	}
}

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
		(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
	return -1;
}

/* Take in stream commands for ms. */
static void
ctl_drain(struct run *r, int ms)
{
	uint64_t	 dl = now_ms() + (uint64_t)ms;
	struct cmd	 c;

	while (now_ms() < dl) {
		if (ctl_next(r, (int)(dl - now_ms()), &c) != 0)
			return;
		(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
}

/* ---- captured commands ---- */

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*p;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static struct jser_node	*seen[8192];
static size_t		 nseen;

/* Rewrite JAVA_ROOT to root in every string reachable from n. */
static void
rewrite(struct jser_doc *doc, struct jser_node *n, int depth)
{
	struct jser_classdata	*cd;
	struct jser_node	**items;
	const char		*s, *hit;
	char			 out[8192];
	size_t			 ol;
	uint32_t		 i, k, f;

	if (n == NULL || depth > 64)
		return;
	if (depth == 0)
		nseen = 0;
	for (i = 0; i < nseen; i++)
		if (seen[i] == n)
			return;
	if (nseen < sizeof(seen) / sizeof(seen[0]))
		seen[nseen++] = n;
	switch (n->type) {
	case JSER_STRING:
		s = n->u.str.s;
		if (strstr(s, JAVA_ROOT) == NULL)
			return;
		ol = 0;
		while ((hit = strstr(s, JAVA_ROOT)) != NULL &&
		    ol + (size_t)(hit - s) + strlen(root) < sizeof(out)) {
			memcpy(out + ol, s, (size_t)(hit - s));
			ol += (size_t)(hit - s);
			memcpy(out + ol, root, strlen(root));
			ol += strlen(root);
			s = hit + strlen(JAVA_ROOT);
		}
		if (ol + strlen(s) >= sizeof(out))
			return;
		memcpy(out + ol, s, strlen(s));
		ol += strlen(s);
		n->u.str.s = jser_strdup(doc, out, ol);
		n->u.str.len = ol;
		return;
	case JSER_ARRAY:
		if (n->u.arr.elem != 'L' && n->u.arr.elem != '[')
			return;
		items = n->u.arr.data;
		for (i = 0; i < n->u.arr.length; i++)
			rewrite(doc, items[i], depth + 1);
		return;
	case JSER_OBJECT:
		for (k = 0; k < n->u.obj.nclasses; k++) {
			cd = &n->u.obj.classes[k];
			if (cd->has_fields && cd->values != NULL)
				for (f = 0; f < cd->desc->u.desc.nfields; f++)
					if (cd->desc->u.desc.fields[f].type ==
					    'L' || cd->desc->u.desc.fields[f].type
					    == '[')
						rewrite(doc, cd->values[f].ref,
						    depth + 1);
			for (i = 0; cd->has_custom && i < cd->custom.n; i++)
				rewrite(doc, cd->custom.items[i], depth + 1);
		}
		return;
	default:
		return;
	}
}

/* A captured command file, parsed; NULL if missing. */
static bool
load_cmd(const char *dir, int num, struct cmd *c)
{
	char	 path[4200];
	uint8_t	*p;
	size_t	 len;
	int	 rc;

	snprintf(path, sizeof(path), "%s/conn1-%s-cmd%03d.bin", capdir, dir,
	    num);
	if ((p = read_file(path, &len)) == NULL)
		return false;
	rc = cmd_parse(p, len, NULL, c, NULL);
	free(p);
	return rc == PROTO_OK;
}

/* The decoded payload of a command (rewritten); doc caller frees. */
static struct jser_node *
payload_of(const struct cmd *c, struct jser_doc **doc)
{
	*doc = NULL;
	if (!c->has_payload || jser_decode(c->payload, c->payload_len, NULL,
	    doc, NULL) != PROTO_OK)
		return NULL;
	rewrite(*doc, jser_root(*doc), 0);
	return jser_root(*doc);
}

/*
 * Replay captured request tx<num> (rewritten; an RPC gets oid rpc_oid
 * when >= 0) and wait for our agent's Response.  *java gets the Java
 * agent's Response to the same request.  0 or -1.
 */
static int
replay(struct run *r, int num, int32_t rpc_oid, struct cmd *ours,
    struct cmd *java, int ms)
{
	struct cmd		 tx, c;
	struct jser_doc		*doc;
	struct jser_node	*top;
	struct wbuf		 pl, w;
	glob_t			 g;
	char			 pat[4200];
	size_t			 i;
	int32_t			 id;
	int			 rc = -1;

	memset(ours, 0, sizeof(*ours));
	memset(java, 0, sizeof(*java));
	if (!load_cmd("tx", num, &tx))
		return -1;
	if ((top = payload_of(&tx, &doc)) == NULL) {
		cmd_free(&tx);
		return -1;
	}
	if (rpc_oid >= 0)
		(void)jser_set_prim(top, "oid", (uint32_t)rpc_oid);
	/* the Java agent's answer: the rx Response with the same id */
	snprintf(pat, sizeof(pat), "%s/conn1-rx-cmd*.bin", capdir);
	if (glob(pat, 0, NULL, &g) == 0) {
		for (i = 0; i < g.gl_pathc; i++) {
			uint8_t	*p;
			size_t	 len;

			if ((p = read_file(g.gl_pathv[i], &len)) == NULL)
				continue;
			if (len < 300 || memmem(p, 40, "Response", 8) == NULL) {
				free(p);
				continue;
			}
			rc = cmd_parse(p, len, NULL, &c, NULL);
			free(p);
			if (rc == PROTO_OK && c.kind == CMD_RESPONSE &&
			    c.id == tx.id) {
				*java = c;
				break;
			}
			if (rc == PROTO_OK)
				cmd_free(&c);
		}
		globfree(&g);
	}
	id = r->next_id++;
	wbuf_init(&pl, 1 << 24);
	wbuf_init(&w, 1 << 24);
	rc = -1;
	if (jser_encode_node(top, &pl) == PROTO_OK &&
	    cmd_put_user_request(&w, id, 0, tx.loader_oid, pl.d, pl.len,
	    tx.to_string) == PROTO_OK && ctl_send(r, w.d, w.len) == 0)
		rc = ctl_response(r, id, ms, ours);
	wbuf_free(&pl);
	wbuf_free(&w);
	jser_doc_free(doc);
	cmd_free(&tx);
	return rc;
}

/* The result node of a Response (rewritten); doc caller frees. */
static struct jser_node *
result_of(const struct cmd *c, struct jser_doc **doc)
{
	*doc = NULL;
	if (c->kind != CMD_RESPONSE || c->resp != CMD_RESP_NORMAL)
		return NULL;
	return payload_of(c, doc);
}

static bool
is_null(const struct cmd *c)
{
	struct jser_doc	*d;
	bool		 r;

	r = c->kind == CMD_RESPONSE && c->resp == CMD_RESP_NORMAL &&
	    result_of(c, &d) == NULL && d != NULL;
	jser_doc_free(d);
	return r;
}

/* Both results are boxed ints (or booleans) with the same value. */
static bool
same_int(const struct cmd *a, const struct cmd *b, int64_t *va)
{
	struct jser_doc	*da, *db;
	int64_t		 x = -1, y = -2;
	bool		 bx, by, r;

	struct jser_node	*na = result_of(a, &da), *nb = result_of(b, &db);

	r = jval_get_int(na, &x) == PROTO_OK &&
	    jval_get_int(nb, &y) == PROTO_OK && x == y;
	if (!r && jval_get_bool(na, &bx) == PROTO_OK &&
	    jval_get_bool(nb, &by) == PROTO_OK) {
		r = bx == by;
		x = bx;
	}
	if (va != NULL)
		*va = x;
	jser_doc_free(da);
	jser_doc_free(db);
	return r;
}

/* Same class, same descriptor (suid, field names and types). */
static bool
same_shape(const struct jser_node *a, const struct jser_node *b)
{
	const struct jser_node	*da, *db;
	uint16_t		 i;

	if (a == NULL || b == NULL || a->type != b->type ||
	    a->type != JSER_OBJECT)
		return false;
	da = a->u.obj.desc;
	db = b->u.obj.desc;
	if (da->type == JSER_PROXYDESC || db->type == JSER_PROXYDESC) {
		if (da->type != db->type || da->u.proxy.ninterfaces !=
		    db->u.proxy.ninterfaces)
			return false;
		for (i = 0; i < da->u.proxy.ninterfaces; i++)
			if (strcmp(da->u.proxy.interfaces[i],
			    db->u.proxy.interfaces[i]) != 0)
				return false;
		return true;
	}
	for (; da != NULL && db != NULL; da = da->u.desc.super,
	    db = db->u.desc.super) {
		if (strcmp(da->u.desc.name, db->u.desc.name) != 0 ||
		    da->u.desc.suid != db->u.desc.suid ||
		    da->u.desc.flags != db->u.desc.flags ||
		    da->u.desc.nfields != db->u.desc.nfields)
			return false;
		for (i = 0; i < da->u.desc.nfields; i++)
			if (da->u.desc.fields[i].type !=
			    db->u.desc.fields[i].type ||
			    strcmp(da->u.desc.fields[i].name,
			    db->u.desc.fields[i].name) != 0)
				return false;
	}
	return da == NULL && db == NULL;
}

/* The bytes of a captured agent->controller Chunk. */
static size_t
java_chunk(int num, char *out, size_t max)
{
	struct cmd	 c;
	size_t		 n = 0;

	if (load_cmd("rx", num, &c)) {
		if (c.kind == CMD_POS_CHUNK) {
			n = c.buf_len < max ? c.buf_len : max;
			memcpy(out, c.buf, n);
		}
		cmd_free(&c);
	}
	return n;
}

static void
mkdirs(const char *path)
{
	char	 p[4096], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; *s != '\0'; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0777);
			*s = '/';
		}
	mkdir(p, 0777);
}

/* Do what the captured FilePath$Write tx<num> asks (in our root). */
static bool
write_script(int num)
{
	struct cmd		 tx;
	struct jser_doc		*doc;
	struct jser_node	*top, *cb, *fp;
	const char		*content, *remote;
	char			 dir[4096], *sl;
	FILE			*f;
	bool			 r = false;

	if (!load_cmd("tx", num, &tx))
		return false;
	if ((top = payload_of(&tx, &doc)) != NULL &&
	    jser_field_ref(top, "callable", &cb) == PROTO_OK &&
	    jser_field_ref(top, "filePath", &fp) == PROTO_OK &&
	    jser_field_string(cb, "content", &content) == PROTO_OK &&
	    jser_field_string(fp, "remote", &remote) == PROTO_OK) {
		snprintf(dir, sizeof(dir), "%s", remote);
		if ((sl = strrchr(dir, '/')) != NULL)
			*sl = '\0';
		mkdirs(dir);
		if ((f = fopen(remote, "w")) != NULL) {
			r = fputs(content, f) >= 0;
			fclose(f);
		}
	}
	jser_doc_free(doc);
	cmd_free(&tx);
	return r;
}

static int32_t
proxy_oid(const struct cmd *c)
{
	struct jser_doc	*d;
	int32_t		 oid = -1;

	if (cmd_proxy_oid(result_of(c, &d), &oid) != PROTO_OK)
		oid = -1;
	jser_doc_free(d);
	return oid;
}

/* Compare the result shapes of ours and java. */
static bool
shapes(const struct cmd *ours, const struct cmd *java)
{
	struct jser_doc	*da, *db;
	bool		 r;

	r = same_shape(result_of(ours, &da), result_of(java, &db));
	jser_doc_free(da);
	jser_doc_free(db);
	return r;
}

/* ---- scenarios ---- */

static void
test_launch_join(struct run *r)
{
	struct cmd	 o, j;
	struct sink	*s;
	char		 jb[4096], want[4096];
	size_t		 n;
	int32_t		 oid;
	int64_t		 v;

	mkdirs(JAVA_ROOT);	/* harmless if it cannot be made */
	snprintf(want, sizeof(want), "%s/workspace/launcher-join", root);
	mkdirs(want);
	ok(replay(r, 173, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "RemoteLaunchCallable -> a RemoteProcess proxy, as Java");
	oid = proxy_oid(&o);
	ok(oid >= 2, "proxy of our export %d", oid);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 180, oid, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "getIOtriplet -> IOTriplet, as Java");
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 181, oid, &o, &j, 10000) == 0 && same_int(&o, &j, &v),
	    "join -> Integer, as Java (%lld)", (long long)v);
	ok(o.last_io_id > 0, "join's lastIoId covers the output chunks");
	cmd_free(&o);
	cmd_free(&j);
	/* The command line echoed to the listener (oid 8), as Java did. */
	n = java_chunk(302, jb, sizeof(jb));
	s = sink_get(r, 8);
	ok(n > 0 && s->len == n && memcmp(s->data, jb, n) == 0 &&
	    s->flushes >= 1, "command line echo: %.*s", (int)(s->len ?
	    s->len - 1 : 0), s->data);
	/* stdout (oid 9): expanded $FAKE_VAR and $$, pwd in our root */
	snprintf(want, sizeof(want), "var=v1 lit=from-shell\n%s/workspace/"
	    "launcher-join\n", root);
	n = java_chunk(304, jb, sizeof(jb));
	s = sink_get(r, 9);
	ok(s->len == strlen(want) && memcmp(s->data, want, s->len) == 0 &&
	    n > 0 && memcmp(jb, "var=v1 lit=from-shell\n", 22) == 0,
	    "stdout as Java's (paths aside)");
	ok(s->unexports == 1 && s->eofs == 0, "stdout released, not closed");
	n = java_chunk(306, jb, sizeof(jb));
	s = sink_get(r, 7);
	ok(n > 0 && s->len == n && memcmp(s->data, jb, n) == 0,
	    "stderr as Java's");
	ok(replay(r, 183, oid, &o, &j, 10000) == 0 && same_int(&o, &j, &v) &&
	    v == 0, "isAlive -> false, as Java");
	cmd_free(&o);
	cmd_free(&j);
}

/*
 * stdin from the controller: the captured launch with `in` set to a
 * non-greedy RemoteInputStream of ours (oid 77); the agent pulls it with
 * ProxyInputStream$Chunk requests, the child upper-cases it to stdout.
 */
static void
test_launch_stdin(struct run *r)
{
	struct cmd		 tx, c, o, j;
	struct jser_doc		*doc, *bd;
	struct jser_node	*top, *in, *d, *cmdl, **items, *b;
	struct jser_classdata	*cd;
	struct wbuf		 pl, w;
	struct sink		*s;
	uint32_t		 n;
	int64_t			 v = -1;
	uint8_t			 ris[5] = { 0, 0, 0, 0, 77 };
	int32_t			 id, oid = -1;
	int			 served = 0, rc = -1;
	bool			 got = false, eof = false;
	uint64_t		 dl;

	if (!load_cmd("tx", 173, &tx))
		return;
	top = payload_of(&tx, &doc);
	d = jser_new_desc(doc, "hudson.remoting.RemoteInputStream", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	jser_desc_add_field(doc, d, 'Z', "autoUnexport", NULL);
	jser_desc_add_field(doc, d, 'Z', "greedy", NULL);
	in = jser_new_object(doc, d);
	cd = jser_obj_classdata(in, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, ris, sizeof(ris));
	jser_set_ref(top, "in", in);
	jser_set_prim(top, "quiet", 1);
	/* the script: upper-case stdin */
	if (jser_field_ref(top, "cmd", &cmdl) == PROTO_OK &&
	    jval_list_items(doc, cmdl, &items, &n) == PROTO_OK && n >= 3) {
		items[2]->u.str.s = jser_strdup(doc, "tr a-z A-Z", 10);
		items[2]->u.str.len = 10;
	}
	s = sink_get(r, 9);	/* stdout, as in the captured launch */
	s->len = 0;
	s->unexports = 0;
	id = r->next_id++;
	wbuf_init(&pl, 1 << 24);
	wbuf_init(&w, 1 << 24);
	if (cmd_payload_encode(doc, top, 2, &pl) == PROTO_OK &&
	    cmd_put_user_request(&w, id, 0, 2, pl.d, pl.len, "stdin") ==
	    PROTO_OK && ctl_send(r, w.d, w.len) == 0)
		rc = 0;
	wbuf_free(&pl);
	wbuf_free(&w);
	jser_doc_free(doc);
	cmd_free(&tx);
	/* serve the agent's reads until it closes our stream */
	memset(&o, 0, sizeof(o));
	for (dl = now_ms() + 15000; rc == 0 && !eof && now_ms() < dl;) {
		if (ctl_next(r, 1000, &c) != 0)
			continue;
		if (c.kind == CMD_RESPONSE && c.id == id) {
			o = c;
			got = true;
			continue;
		}
		if (c.kind == CMD_PIS_CHUNK && c.oid == 77) {
			static const char *const parts[] = { "hello, ",
				"stdin\n" };

			bd = jser_doc_new();
			b = served < 2 ? cmd_new_pis_buffer(bd,
			    (int32_t)strlen(parts[served]),
			    (const uint8_t *)parts[served],
			    (uint32_t)strlen(parts[served])) :
			    cmd_new_pis_buffer(bd, -1, NULL, 0);
			served++;
			wbuf_init(&w, 1 << 20);
			if (cmd_put_response_raw(&w, bd, c.id, 0, NULL, b) ==
			    PROTO_OK)
				(void)ctl_send(r, w.d, w.len);
			wbuf_free(&w);
			jser_doc_free(bd);
		} else if (c.kind == CMD_PIS_EOF && c.oid == 77)
			eof = true;
		else
			(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
	ok(rc == 0 && got && (oid = proxy_oid(&o)) >= 2, "launch with stdin "
	    "from the controller");
	cmd_free(&o);
	ok(served == 3 && eof, "stdin pulled in %d reads, then released",
	    served);
	s = sink_get(r, 9);
	ok(replay(r, 181, oid, &o, &j, 10000) == 0 &&
	    jval_get_int(result_of(&o, &bd), &v) == PROTO_OK && v == 0,
	    "join -> Integer 0 (tr)");
	jser_doc_free(bd);
	cmd_free(&o);
	cmd_free(&j);
	ok(s->len == 13 && memcmp(s->data, "HELLO, STDIN\n", 13) == 0,
	    "the child read stdin: %.*s", s->len ? (int)s->len - 1 : 0,
	    s->data);
}

/*
 * Send the captured launch (tx173) with its script replaced, quiet, and
 * stdin from `in` (may be NULL) or, with rev_in, reverseStdin.  Builds in
 * the capture's doc: in_fn(doc) makes the stdin object.  Returns the
 * request id, or -1.
 */
static int32_t
send_launch(struct run *r, const char *script,
    struct jser_node *(*in_fn)(struct jser_doc *), bool rev_in)
{
	struct cmd		 tx;
	struct jser_doc		*doc;
	struct jser_node	*top, *cmdl, **items;
	struct wbuf		 pl, w;
	uint32_t		 n;
	int32_t			 id = -1;

	if (!load_cmd("tx", 173, &tx))
		return -1;
	if ((top = payload_of(&tx, &doc)) == NULL) {
		cmd_free(&tx);
		return -1;
	}
	if (in_fn != NULL)
		jser_set_ref(top, "in", in_fn(doc));
	if (rev_in)
		jser_set_prim(top, "reverseStdin", 1);
	jser_set_prim(top, "quiet", 1);
	if (jser_field_ref(top, "cmd", &cmdl) == PROTO_OK &&
	    jval_list_items(doc, cmdl, &items, &n) == PROTO_OK && n >= 3) {
		items[2]->u.str.s = jser_strdup(doc, script, strlen(script));
		items[2]->u.str.len = strlen(script);
	}
	wbuf_init(&pl, 1 << 24);
	wbuf_init(&w, 1 << 24);
	if (cmd_payload_encode(doc, top, 2, &pl) == PROTO_OK &&
	    cmd_put_user_request(&w, r->next_id, 0, 2, pl.d, pl.len,
	    "launch") == PROTO_OK && ctl_send(r, w.d, w.len) == 0)
		id = r->next_id++;
	wbuf_free(&pl);
	wbuf_free(&w);
	jser_doc_free(doc);
	cmd_free(&tx);
	return id;
}

/* A greedy RemoteInputStream: true + Pipe(marker false, oid 78). */
static struct jser_node *
greedy_ris(struct jser_doc *doc)
{
	struct jser_node	*d, *pd, *in, *pipe;
	struct jser_classdata	*cd;
	uint8_t			 g = 1, pb[5] = { 0, 0, 0, 0, 78 };

	d = jser_new_desc(doc, "hudson.remoting.RemoteInputStream", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	jser_desc_add_field(doc, d, 'Z', "autoUnexport", NULL);
	jser_desc_add_field(doc, d, 'Z', "greedy", NULL);
	pd = jser_new_desc(doc, "hudson.remoting.Pipe", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	jser_desc_add_field(doc, pd, 'L', "in", "Ljava/io/InputStream;");
	jser_desc_add_field(doc, pd, 'L', "out", "Ljava/io/OutputStream;");
	pipe = jser_new_object(doc, pd);
	cd = jser_obj_classdata(pipe, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, pb, sizeof(pb));
	in = jser_new_object(doc, d);
	cd = jser_obj_classdata(in, NULL);
	cd->has_fields = false;
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, &g, 1);
	jser_content_add(doc, &cd->custom, pipe);
	return in;
}

#define GSTDIN_TOTAL	(4 * 1024 * 1024)

/*
 * Greedy stdin to a child that does not read yet: the agent takes (Acks)
 * no more than what its feeder and the child's pipe hold, the rest waits
 * in the controller's window, and the channel keeps answering meanwhile.
 */
static void
test_launch_greedy_stdin(struct run *r)
{
	struct cmd	 c, o, j;
	struct wbuf	 w;
	struct sink	*s;
	struct jser_doc	*bd;
	static uint8_t	 data[65536];
	char		 script[4400], gate[4200];
	size_t		 sent = 0, acked = 0, k, held_acked = 0;
	int32_t		 id, pos = -1, io = 0, oid = -1, pid;
	int64_t		 v = -1;
	uint64_t	 dl, t0;
	bool		 got = false, eof_sent = false, alive;

	memset(data, 'x', sizeof(data));
	snprintf(gate, sizeof(gate), "%s/workspace/launcher-join/go", root);
	unlink(gate);
	snprintf(script, sizeof(script), "while [ ! -f '%s' ]; do sleep 0.1; "
	    "done; wc -c", gate);
	s = sink_get(r, 9);
	s->len = 0;
	memset(&o, 0, sizeof(o));
	id = send_launch(r, script, greedy_ris, false);
	wbuf_init(&w, 1 << 20);
	for (dl = now_ms() + 20000; id > 0 && (!got || pos < 0) &&
	    now_ms() < dl;) {
		if (ctl_next(r, 1000, &c) != 0)
			continue;
		if (c.kind == CMD_PIPE_CONNECT && c.oid_ros == 78)
			pos = c.oid_pos;
		else if (c.kind == CMD_RESPONSE && c.id == id) {
			o = c;
			got = true;
			continue;
		} else
			(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
	ok(got && pos >= 2 && (oid = proxy_oid(&o)) >= 2, "launch with a "
	    "greedy stdin: Pipe$ConnectCommand(%d, 78)", pos);
	cmd_free(&o);
	/* fill the window; the child is not reading */
	t0 = now_ms();
	for (dl = now_ms() + 20000; pos >= 2 && now_ms() < dl;) {
		while (sent < GSTDIN_TOTAL && sent - acked < 1024 * 1024) {
			k = sizeof(data);
			if (k > 1024 * 1024 - (sent - acked))
				k = 1024 * 1024 - (sent - acked);
			cmd_put_pos_chunk(&w, ++io, pos, 0, data, k);
			ctl_send(r, w.d, w.len);
			wbuf_reset(&w);
			sent += k;
		}
		if (now_ms() - t0 > 800)
			break;	/* the window is full: it stays so */
		if (ctl_next(r, 100, &c) != 0)
			continue;
		if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		else
			(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
	t0 = now_ms();
	held_acked = acked;
	alive = false;
	if (replay(r, 183, oid, &o, &j, 5000) == 0)
		(void)jval_get_bool(result_of(&o, &bd), &alive);
	else
		bd = NULL;
	jser_doc_free(bd);
	ok(alive, "isAlive -> true, answered in %llu ms while the child's "
	    "stdin is full", (unsigned long long)(now_ms() - t0));
	cmd_free(&o);
	cmd_free(&j);
	ok(sent - held_acked == 1024 * 1024 && held_acked <= 512 * 1024,
	    "stdin not read: the agent Acked only %zu bytes, the window holds "
	    "the rest", held_acked);
	/* let the child read: everything flows, then EOF */
	pid = open(gate, O_WRONLY | O_CREAT, 0644);
	if (pid >= 0)
		close(pid);
	for (dl = now_ms() + 30000; now_ms() < dl && !eof_sent;) {
		while (sent < GSTDIN_TOTAL && sent - acked < 1024 * 1024) {
			k = sizeof(data);
			if (k > GSTDIN_TOTAL - sent)
				k = GSTDIN_TOTAL - sent;
			if (k > 1024 * 1024 - (sent - acked))
				k = 1024 * 1024 - (sent - acked);
			cmd_put_pos_chunk(&w, ++io, pos, 0, data, k);
			ctl_send(r, w.d, w.len);
			wbuf_reset(&w);
			sent += k;
		}
		if (sent == GSTDIN_TOTAL) {
			cmd_put_pos_eof(&w, ++io, pos, 0, NULL, NULL);
			ctl_send(r, w.d, w.len);
			wbuf_reset(&w);
			eof_sent = true;
			break;
		}
		if (ctl_next(r, 1000, &c) != 0)
			continue;
		if (c.kind == CMD_POS_ACK && c.oid == pos)
			acked += (size_t)c.size;
		else
			(void)ctl_stream(r, &c);
		cmd_free(&c);
	}
	wbuf_free(&w);
	ok(replay(r, 181, oid, &o, &j, 20000) == 0 &&
	    jval_get_int(result_of(&o, &bd), &v) == PROTO_OK && v == 0,
	    "join -> 0");
	jser_doc_free(bd);
	cmd_free(&o);
	cmd_free(&j);
	s = sink_get(r, 9);
	ok(eof_sent && s->len == 8 && memcmp(s->data, "4194304\n", 8) == 0,
	    "the child read all %d bytes of stdin (%.*s)", GSTDIN_TOTAL,
	    s->len ? (int)s->len - 1 : 0, s->data);
	unlink(gate);
}

/* reverseStdin: getIOtriplet's stdin is a RemoteOutputStream we write. */
static void
test_launch_reverse_stdin(struct run *r)
{
	struct cmd		 o, j;
	struct wbuf		 w;
	struct sink		*s;
	struct jser_doc		*bd = NULL;
	struct jser_node	*t, *in = NULL;
	const struct jser_content *cc;
	struct jser_cursor	 cur;
	uint32_t		 v32 = 0;
	int32_t			 id, oid = -1, sin = -1;
	int64_t			 v = -1;
	bool			 got = false;

	s = sink_get(r, 9);
	s->len = 0;
	memset(&o, 0, sizeof(o));
	id = send_launch(r, "tr a-z A-Z", NULL, true);
	got = id > 0 && ctl_response(r, id, 15000, &o) == 0;
	ok(got && (oid = proxy_oid(&o)) >= 2, "launch with reverseStdin");
	cmd_free(&o);
	if (replay(r, 180, oid, &o, &j, 10000) == 0 &&
	    (t = result_of(&o, &bd)) != NULL &&
	    jser_field_ref(t, "stdin", &in) == PROTO_OK && in != NULL &&
	    (cc = jser_custom(in, "hudson.remoting.RemoteOutputStream")) !=
	    NULL) {
		jser_cursor_init(&cur, cc);
		if (jser_cursor_u32(&cur, &v32) == PROTO_OK)
			sin = (int32_t)v32;
	}
	jser_doc_free(bd);
	cmd_free(&o);
	cmd_free(&j);
	ok(sin >= 2, "getIOtriplet: stdin is a RemoteOutputStream (oid %d)",
	    sin);
	wbuf_init(&w, 1 << 20);
	cmd_put_pos_chunk(&w, 1, sin, 0, (const uint8_t *)"reverse ", 8);
	ctl_send(r, w.d, w.len);
	wbuf_reset(&w);
	cmd_put_pos_chunk(&w, 2, sin, 0, (const uint8_t *)"stdin\n", 6);
	ctl_send(r, w.d, w.len);
	wbuf_reset(&w);
	cmd_put_pos_eof(&w, 3, sin, 0, NULL, NULL);
	ctl_send(r, w.d, w.len);
	wbuf_free(&w);
	ok(replay(r, 181, oid, &o, &j, 20000) == 0 &&
	    jval_get_int(result_of(&o, &bd), &v) == PROTO_OK && v == 0,
	    "join -> 0 once stdin reached EOF");
	jser_doc_free(bd);
	cmd_free(&o);
	cmd_free(&j);
	ctl_drain(r, 100);
	ok(s->len == 14 && memcmp(s->data, "REVERSE STDIN\n", 14) == 0,
	    "the child read the controller's writes: %.*s",
	    s->len ? (int)s->len - 1 : 0, s->data);
}

static void
test_launch_kill(struct run *r)
{
	struct cmd	 o, j;
	struct jser_doc	*d;
	bool		 alive = false;
	int32_t		 oid;
	int64_t		 v;

	char		 dir[4200];

	snprintf(dir, sizeof(dir), "%s/workspace/launcher-kill", root);
	mkdirs(dir);
	ok(replay(r, 184, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "launch sleep 60");
	oid = proxy_oid(&o);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 186, oid, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "getIOtriplet");
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 187, oid, &o, &j, 10000) == 0 && same_int(&o, &j, &v) &&
	    v == 1, "isAlive -> true, as Java");
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 188, oid, &o, &j, 15000) == 0 && is_null(&o) &&
	    is_null(&j), "kill -> null, as Java");
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 191, oid, &o, &j, 15000) == 0 && same_int(&o, &j, &v),
	    "join after kill -> Integer, as Java (%lld)", (long long)v);
	cmd_free(&o);
	cmd_free(&j);
	if (replay(r, 193, oid, &o, &j, 10000) == 0)
		(void)jval_get_bool(result_of(&o, &d), &alive);
	else
		d = NULL;
	ok(!alive, "isAlive -> false after kill");
	jser_doc_free(d);
	cmd_free(&o);
	cmd_free(&j);
}

/* Poll StatusCheck tx<num> until it gives an Integer. */
static bool
poll_status(struct run *r, int num, struct cmd *o, struct cmd *j)
{
	struct jser_doc	*d;
	uint64_t	 dl = now_ms() + 20000;
	int64_t		 v;

	while (now_ms() < dl) {
		if (replay(r, num, -1, o, j, 10000) != 0)
			return false;
		if (jval_get_int(result_of(o, &d), &v) == PROTO_OK) {
			jser_doc_free(d);
			return true;
		}
		jser_doc_free(d);
		cmd_free(o);
		cmd_free(j);
		usleep(200000);
	}
	return false;
}

static void
test_durable(struct run *r)
{
	struct cmd		 o, j, o2, j2;
	struct jser_doc		*da, *db;
	struct jser_node	*a, *b;
	struct sink		*s;
	const char		*pa, *pb;
	const uint8_t		*ba, *bb;
	uint32_t		 la, lb;
	char			 path[4200], jb[4096], *log;
	size_t			 n, loglen;
	int32_t			 oid;
	int64_t			 v;
	bool			 flag = true;

	/* GetAgentInfo on the node root */
	ok(replay(r, 194, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "GetAgentInfo -> AgentInfo, as Java");
	a = result_of(&o, &da);
	b = result_of(&j, &db);
	ok(jser_field_string(a, "binaryPath", &pa) == PROTO_OK &&
	    jser_field_string(b, "binaryPath", &pb) == PROTO_OK && pa != NULL &&
	    pb != NULL && strcmp(pa, pb) == 0, "binaryPath as Java's: %s",
	    pa ? pa : "?");
	ok(jser_field_bool(a, "binaryCompatible", &flag) == PROTO_OK && !flag,
	    "binaryCompatible false: always the shell wrapper");
	snprintf(path, sizeof(path), "%s/workspace/durable-sh/caches/"
	    "durable-task", root);
	ok(access(path, F_OK) == 0, "caches/durable-task created");
	jser_doc_free(da);
	jser_doc_free(db);
	cmd_free(&o);
	cmd_free(&j);

	/* the controller writes the script, then launches the wrapper */
	ok(write_script(198), "script.sh written (FilePath$Write of the "
	    "capture)");
	snprintf(path, sizeof(path), "%s/workspace/durable-sh/workspace/job",
	    root);
	mkdirs(path);
	ok(replay(r, 199, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "durable wrapper launched -> RemoteProcess, as Java");
	oid = proxy_oid(&o);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 200, oid, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "getIOtriplet -> IOTriplet, as Java");
	a = result_of(&o, &da);
	b = result_of(&j, &db);
	ok(jser_field_ref(a, "stdout", &a) == PROTO_OK && a != NULL &&
	    jser_field_ref(b, "stdout", &b) == PROTO_OK && b != NULL &&
	    same_shape(a, b), "reverse stdout: a RemoteInputStream, as Java");
	/* Read it as the controller would: the wrapper closed its stdout
	 * (">&-"), so the first ProxyInputStream$Chunk gives EOF (-1). */
	{
		const struct jser_content	*c;
		struct jser_cursor		 cur;
		struct wbuf			 w;
		struct cmd			 resp;
		uint32_t			 ris = 0;
		uint8_t				 g = 1;
		int32_t				 len = 0, id = r->next_id++;

		if ((c = jser_custom(a, "hudson.remoting.RemoteInputStream")) !=
		    NULL) {
			jser_cursor_init(&cur, c);
			(void)jser_cursor_u8(&cur, &g);
			(void)jser_cursor_u32(&cur, &ris);
		}
		wbuf_init(&w, 4096);
		memset(&resp, 0, sizeof(resp));
		ok(g == 0 && ris >= 2 && cmd_put_pis_chunk(&w, id, 0,
		    (int32_t)ris, 4096) == PROTO_OK && ctl_send(r, w.d, w.len) ==
		    0 && ctl_response(r, id, 10000, &resp) == 0 &&
		    resp.ret != NULL && jser_field_int(resp.ret, "len", &len) ==
		    PROTO_OK && len == -1, "reading the reverse stdout: EOF "
		    "(%d)", len);
		cmd_free(&resp);
		wbuf_reset(&w);
		/* the controller closes it at cleanup */
		ok(cmd_put_pis_eof(&w, (int32_t)ris) == PROTO_OK &&
		    ctl_send(r, w.d, w.len) == 0, "ProxyInputStream$EOF sent");
		wbuf_free(&w);
	}
	jser_doc_free(da);
	jser_doc_free(db);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 210, -1, &o, &j, 10000) == 0 && is_null(&o) &&
	    is_null(&j), "TranscodingCharsetForSystemDefault -> null (UTF-8), "
	    "as Java");
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 217, -1, &o, &j, 10000) == 0 && is_null(&o) &&
	    is_null(&j), "first StatusCheck -> null, as Java");
	cmd_free(&o);
	cmd_free(&j);
	ok(poll_status(r, 217, &o, &j), "StatusCheck -> an exit code");
	/* Java's final answer (a later StatusCheck of the same run) */
	ok(replay(r, 243, -1, &o2, &j2, 10000) == 0 && same_int(&o2, &j2, &v) &&
	    v == 3, "final StatusCheck -> 3, as Java");
	cmd_free(&o);
	cmd_free(&j);
	cmd_free(&o2);
	cmd_free(&j2);
	/* WriteLog from 0: the whole log to the sink (oid 13) */
	ok(replay(r, 214, -1, &o, &j, 10000) == 0 && is_null(&o) &&
	    is_null(&j), "WriteLog -> null, as Java");
	cmd_free(&o);
	cmd_free(&j);
	snprintf(path, sizeof(path), "%s/workspace/durable-sh/workspace/"
	    "job@tmp/durable-c57b1271/jenkins-log.txt", root);
	log = (char *)read_file(path, &loglen);
	s = sink_get(r, 13);
	n = java_chunk(338, jb, sizeof(jb));
	ok(log != NULL && s->len == loglen && memcmp(s->data, log, loglen) ==
	    0, "WriteLog sent the log file");
	ok(n > 0 && s->len >= n && memcmp(s->data, jb, n) == 0,
	    "the log starts as Java's first WriteLog (%zu bytes)", n);
	ok(log != NULL && strstr(log, "var=a $dollar b") != NULL &&
	    strstr(log, "cookie=durable-") != NULL, "the script saw the "
	    "Pipeline environment and its cookie");
	ok(s->unexports >= 1 && s->eofs == 0, "sink released, not closed");
	free(log);
	s->unexports = 0;
	ok(replay(r, 245, -1, &o, &j, 10000) == 0 && is_null(&o),
	    "a later WriteLog -> null");
	cmd_free(&o);
	cmd_free(&j);

	/* returnStdout: GetOutput -> byte[], as Java's */
	ok(write_script(252), "returnStdout script written");
	snprintf(path, sizeof(path), "%s/workspace/durable-sh-stdout/"
	    "workspace/job", root);
	mkdirs(path);
	ok(replay(r, 253, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "returnStdout wrapper launched");
	oid = proxy_oid(&o);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 254, oid, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "getIOtriplet");
	cmd_free(&o);
	cmd_free(&j);
	ok(poll_status(r, 259, &o, &j) && same_int(&o, &j, &v),
	    "StatusCheck -> %lld, as Java", (long long)v);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 262, -1, &o, &j, 10000) == 0, "GetOutput");
	a = result_of(&o, &da);
	b = result_of(&j, &db);
	ok(jser_array_bytes(a, &ba, &la) == PROTO_OK &&
	    jser_array_bytes(b, &bb, &lb) == PROTO_OK && la == lb &&
	    memcmp(ba, bb, la) == 0, "GetOutput -> byte[], as Java's "
	    "(%u bytes)", la);
	jser_doc_free(da);
	jser_doc_free(db);
	cmd_free(&o);
	cmd_free(&j);
}

static void
test_durable_stop(struct run *r)
{
	struct cmd	 o, j;
	struct jser_doc	*d;
	const char	*kv[1];
	char		 cookie[400];
	pid_t		*f;
	ssize_t		 nf = 0;
	int32_t		 oid;
	int64_t		 v;
	int		 tries;

	ok(write_script(270), "stop scenario: script written");
	snprintf(cookie, sizeof(cookie), "%s/workspace/durable-sh-stop/"
	    "workspace/job", root);
	mkdirs(cookie);
	ok(replay(r, 271, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "wrapper launched");
	oid = proxy_oid(&o);
	cmd_free(&o);
	cmd_free(&j);
	ok(replay(r, 272, oid, &o, &j, 10000) == 0, "getIOtriplet");
	cmd_free(&o);
	cmd_free(&j);
	/* the KillTask's model: JENKINS_SERVER_COOKIE=durable-<sha256> */
	snprintf(cookie, sizeof(cookie), "JENKINS_SERVER_COOKIE=durable-"
	    "2f6f4ede770131be7c142ba428bfef47beeb62a307f1f9fe38f5df7439548bcd");
	kv[0] = cookie;
	for (tries = 0; tries < 100; tries++) {
		nf = proc_find_by_env(kv, 1, &f);
		free(f);
		if (nf > 0)
			break;
		usleep(50000);
	}
	ok(nf > 0, "the script runs with the server cookie (%zd)", nf);
	{
		/* heartbeat: while the step runs, the wrapper touches
		 * jenkins-log.txt every 3 s; the controller's LastModified
		 * (every 5 min) must see it move or it fails the step */
		struct stat	 st;
		glob_t		 g;
		char		 pat[4400];
		int64_t		 m1 = -1, m2 = -1;
		uint64_t	 dl;

		memset(&g, 0, sizeof(g));
		snprintf(pat, sizeof(pat), "%s/workspace/durable-sh-stop/"
		    "workspace/*@tmp/durable-*/jenkins-log.txt", root);
		if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc == 1) {
			if (stat(g.gl_pathv[0], &st) == 0)
				m1 = (int64_t)st.st_mtim.tv_sec * 1000 +
				    st.st_mtim.tv_nsec / 1000000;
			for (dl = now_ms() + 8000; now_ms() < dl;
			    usleep(200000))
				if (stat(g.gl_pathv[0], &st) == 0 &&
				    (m2 = (int64_t)st.st_mtim.tv_sec * 1000 +
				    st.st_mtim.tv_nsec / 1000000) > m1)
					break;
		}
		if (g.gl_pathc > 0)
			globfree(&g);
		ok(m1 > 0 && m2 > m1, "heartbeat: the wrapper touches "
		    "jenkins-log.txt while the step runs (+%lld ms)",
		    (long long)(m2 - m1));
	}
	ok(replay(r, 278, -1, &o, &j, 15000) == 0 && is_null(&o) &&
	    is_null(&j), "KillTask -> null, as Java");
	cmd_free(&o);
	cmd_free(&j);
	nf = proc_find_by_env(kv, 1, &f);
	free(f);
	ok(nf == 0, "nothing with the cookie is left");
	ok(poll_status(r, 284, &o, &j) && same_int(&o, &j, &v),
	    "StatusCheck after the stop -> %lld, as Java", (long long)v);
	cmd_free(&o);
	cmd_free(&j);
	(void)d;
}

static void
test_env_vars(struct run *r)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct cmd			 o, j;
	struct jser_doc			*da;
	struct jser_node		*a, *k, *v;
	const char			*ks, *prev = "";
	size_t				 kl;
	uint32_t			 n = 0, i;
	bool				 sorted = true, path = false, fine;

	ok(replay(r, 22, -1, &o, &j, 10000) == 0 && shapes(&o, &j),
	    "GetEnvVars -> hudson.EnvVars, as Java");
	a = result_of(&o, &da);
	/* the TreeMap part: size, then sorted key/value pairs */
	fine = (c = jser_custom(a, "java.util.TreeMap")) != NULL;
	if (fine) {
		jser_cursor_init(&cur, c);
		fine = jser_cursor_u32(&cur, &n) == PROTO_OK && n > 0;
	}
	for (i = 0; fine && i < n; i++) {
		if (jser_cursor_obj(&cur, &k) != PROTO_OK ||
		    jser_cursor_obj(&cur, &v) != PROTO_OK ||
		    jval_get_string(k, &ks, &kl) != PROTO_OK || v == NULL) {
			fine = false;
			break;
		}
		if (strcasecmp(prev, ks) >= 0)
			sorted = false;
		prev = ks;
		if (strcmp(ks, "PATH") == 0)
			path = true;
	}
	ok(fine && sorted && path, "%u variables, sorted case-insensitively, "
	    "PATH present", n);
	jser_doc_free(da);
	cmd_free(&o);
	cmd_free(&j);
}

/* ---- environment rules ---- */

static void
test_env_rules(void)
{
	struct launch_env	 e;
	const char *const ov[] = {
		"B=${A}-b", "A=a$$x", "PATH=$PATH:/extra", "PATH+MAVEN=/mvn",
		"GONE=", "path+lower=/first", "UNKNOWN=$NOPE ${NOPE2} $",
		"lower=x",
	};
	const char *const argv[] = { "sh", "-c", "echo \"a b\"", "x y",
		"secret" };
	const bool masks[] = { false, false, false, false, true };
	char	*s;

	memset(&e, 0, sizeof(e));
	ok(launch_env_put(&e, "Path", "/bin") == 0 &&
	    launch_env_put(&e, "GONE", "1") == 0 &&
	    launch_env_put(&e, "LOWER", "0") == 0, "env put");
	ok(launch_env_override_all(&e, ov, sizeof(ov) / sizeof(ov[0])) == 0,
	    "overrideExpandingAll");
	ok(strcmp(launch_env_get(&e, "A"), "a$x") == 0, "$$ -> $");
	ok(strcmp(launch_env_get(&e, "B"), "a$x-b") == 0,
	    "B applied after A, which it refers to");
	ok(strcmp(launch_env_get(&e, "PATH"),
	    "/first:/mvn:/bin:/extra") == 0 || strcmp(launch_env_get(&e,
	    "PATH"), "/mvn:/first:/bin:/extra") == 0,
	    "PATH self-reference and PATH+X prepends: %s",
	    launch_env_get(&e, "PATH"));
	ok(launch_env_get(&e, "gone") == NULL, "empty value removes");
	ok(strcmp(launch_env_get(&e, "UNKNOWN"), "$NOPE ${NOPE2} $") == 0,
	    "unknown names stay verbatim");
	ok(e.n == 5 && strcmp(e.names[1], "LOWER") == 0 &&
	    strcmp(launch_env_get(&e, "lower"), "x") == 0, "names compare case-insensitively, first "
	    "spelling kept");
	s = launch_expand("${A}/$B/$$/${A.B}/$", &e);
	ok(s != NULL && strcmp(s, "a$x/a$x-b/$/${A.B}/$") == 0,
	    "replaceMacro: %s", s ? s : "?");
	free(s);
	launch_env_free(&e);
	s = launch_command_line(argv, 5, masks, "/w/space/job");
	ok(s != NULL && strcmp(s, "[job] $ sh -c 'echo \"a b\"' \"x y\" "
	    "********") == 0, "command line echo: %s", s ? s : "?");
	free(s);
	s = launch_command_line(argv, 2, NULL, NULL);
	ok(s != NULL && strcmp(s, "$ sh -c") == 0, "echo without workDir");
	free(s);
}

int
main(void)
{
	const char	*fx = getenv("JNAGENT_FIXTURES");
	struct run	 r;
	struct stat	 sb;

	test_env_rules();
	if (fx == NULL)
		fx = "/work/shared/fixtures";
	snprintf(capdir, sizeof(capdir), "%s/%s", fx, CAPTURE);
	if (stat(capdir, &sb) == -1) {
		diag("no capture at %s: replay tests skipped", capdir);
		return done_testing();
	}
	snprintf(root, sizeof(root), "/tmp/jnlaunch.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	setenv("LANG", "C.UTF-8", 1);
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	ok(run_start(&r) == 0, "channel started");
	test_launch_join(&r);
	test_launch_stdin(&r);
	test_launch_greedy_stdin(&r);
	test_launch_reverse_stdin(&r);
	test_launch_kill(&r);
	test_env_vars(&r);
	test_durable(&r);
	test_durable_stop(&r);
	ctl_drain(&r, 200);
	run_finish(&r);
	{
		/* not system(): the agent's reaper owns every child */
		const char *const argv[] = { "rm", "-rf", root, NULL };
		const char *const envp[] = { "PATH=/usr/bin:/bin", NULL };
		struct proc_spec	 spec;
		struct proc		*p;
		char			 err[512];
		int			 code = -1;

		memset(&spec, 0, sizeof(spec));
		spec.argv = argv;
		spec.envp = envp;
		if (proc_spawn(&spec, &p, err, sizeof(err)) == 0) {
			(void)proc_wait(p, 10000, &code, NULL);
			proc_free(p);
		}
		if (code != 0)
			diag("could not remove %s", root);
	}
	return done_testing();
}
