/*
 * channel.c: the remoting channel loop (remoting-protocol.md 4 to 7).
 *
 * One loop thread owns the transport.  It ppoll()s the transport's fd and
 * an eventfd that workers write to, reads and de-chunks commands, and
 * dispatches them:
 *   - pipe I/O (ProxyOutputStream/ProxyWriter/ProxyInputStream commands)
 *     is applied right away, in arrival order, before any later command
 *     is looked at; this satisfies every Request.lastIoId (spec 5.6);
 *   - ProxyInputStream$Chunk reads of our exported sources run on worker
 *     threads (a slow source must not stall the loop), one at a time per
 *     source and in arrival order (a ticket per request);
 *   - UserRequests and RPCRequests become jobs run by worker threads (or
 *     on the loop thread for HANDLER_INLINE handlers such as pings);
 *   - Responses complete the agent's own requests (pings, channel_call()).
 * Workers hand their encoded commands back through a locked queue and the
 * eventfd; only the loop thread writes to the transport.
 *
 * Lifetime: the channel is reference counted (the loop plus one per worker
 * thread), so a worker still inside a slow handler when the channel ends
 * finishes against a closed channel (its sends are dropped) instead of
 * touching freed memory.  The transport itself is closed by channel_run()
 * before it returns; workers never touch it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/channel.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/chunk.h"
#include "protocol/command.h"

#define CHANNEL_READ_BUF	65536
#define CHANNEL_POLL_MS		100	/* how often *stop and tick() are seen */
#define CHANNEL_CLOSE_WAIT_MS	2000	/* wait for the peer's CloseCommand */
#define CHANNEL_EXIT_WAIT_MS	5000	/* wait for workers at the end */
#define CHANNEL_IDLE_MS		30000	/* extra workers exit when idle */
#define CHANNEL_PIPE_CHUNK	65536	/* bytes per ProxyOutputStream$Chunk */
#define CHANNEL_MAX_READ	(1024 * 1024)	/* ProxyInputStream$Chunk len */
#define CHANNEL_MAX_OUT		((size_t)256 * 1024 * 1024)
#define CHANNEL_INSTREAM_PULL	65536	/* asked per ProxyInputStream$Chunk */
#define CHANNEL_INSTREAM_ACK	65536	/* Ack what was read in batches */
#define CHANNEL_INSTREAM_MAX	(8 * CHANNEL_PIPE_WINDOW) /* overrun */

struct outmsg {
	struct outmsg	*next;
	uint8_t		*d;	/* chunk-framed command */
	size_t		 len;
};

struct job {
	struct job		*next;		/* run queue */
	struct job		*anext;		/* active list */
	struct hctx		 h;
	struct cmd		 cmd;		/* the request (owns its doc) */
	struct jser_doc		*pdoc;		/* decoded UserRequest payload */
	const struct jser_node	*callable;
	struct export		*rd;		/* a ProxyInputStream$Chunk read
						 * of this export (held) */
	uint64_t		 rd_ticket;
};

struct export {
	struct export		*next;
	int32_t			 oid;
	int			 refs;
	void			*obj;
	const struct chan_export_ops *ops;
	uint64_t		 rd_next;	/* read tickets handed out */
	uint64_t		 rd_serving;	/* the ticket allowed to read */
};

/* A controller OutputStream the agent writes to. */
struct rpipe {
	struct rpipe	*next;
	int32_t		 oid;
	int64_t		 window;
	bool		 dead;
};

/* An agent-initiated request waiting for its Response. */
struct oreq {
	struct oreq	*next;
	int32_t		 id;
	bool		 done;
	struct cmd	 resp;
};

struct channel {
	pthread_mutex_t		 lock;
	pthread_cond_t		 jobs_cond;	/* workers: a job or closing */
	pthread_cond_t		 pipe_cond;	/* windows, dead pipes, oreqs */
	pthread_cond_t		 exit_cond;	/* a worker exited */
	int			 refs;
	bool			 closing;

	const struct agent_conf	*conf;
	char			*tname;		/* transport name (copy) */
	uint64_t		 peer_capability;
	int			 evfd;

	struct outmsg		*oq_head, *oq_tail;
	struct job		*rq_head, *rq_tail;
	struct job		*active;
	int			 nworkers, idle;
	int			 nqueued;	/* jobs in the run queue */

	struct export		*exports;
	int32_t			 next_oid;
	struct rpipe		*rpipes;
	int32_t			 io_id;
	int32_t			 next_req_id;
	struct oreq		*oreqs;

	bool			 ping_on;	/* set by SetUpRemotePing */
	int			 ping_interval_ms, ping_timeout_ms;
	int32_t			 ping_loader;
	int32_t			 ctl_loader;	/* first classLoaderProxy oid */

	/* loop thread only */
	struct transport	*t;
	struct chunk_asm	 asm_;
	uint8_t			*rbuf;
	bool			 close_sent;
	bool			 ping_started;
	int32_t			 ping_id;	/* outstanding ping, 0 none */
	uint64_t		 ping_sent, next_ping;
};

static const struct proto_limits *lim = &proto_limits_default;

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
wake(struct channel *ch)
{
	uint64_t	 one = 1;
	ssize_t		 n;

	n = write(ch->evfd, &one, sizeof(one));
	(void)n;	/* EAGAIN: the counter is already non-zero */
}

/* ---- lifetime ---- */

static void
job_free(struct channel *ch, struct job *job)
{
	struct job	**jp;

	if (job == NULL)
		return;
	pthread_mutex_lock(&ch->lock);
	for (jp = &ch->active; *jp != NULL; jp = &(*jp)->anext)
		if (*jp == job) {
			*jp = job->anext;
			break;
		}
	pthread_mutex_unlock(&ch->lock);
	jser_doc_free(job->h.out);
	jser_doc_free(job->pdoc);
	cmd_free(&job->cmd);
	free(job);
}

static void
chan_free(struct channel *ch)
{
	struct outmsg	*m;
	struct job	*j;
	struct export	*e;
	struct rpipe	*rp;

	while ((m = ch->oq_head) != NULL) {
		ch->oq_head = m->next;
		free(m->d);
		free(m);
	}
	while ((j = ch->rq_head) != NULL) {
		ch->rq_head = j->next;
		job_free(ch, j);
	}
	while ((e = ch->exports) != NULL) {
		ch->exports = e->next;
		if (e->ops->release != NULL)
			e->ops->release(e->obj);
		free(e);
	}
	while ((rp = ch->rpipes) != NULL) {
		ch->rpipes = rp->next;
		free(rp);
	}
	chunk_asm_free(&ch->asm_);
	if (ch->evfd != -1)
		close(ch->evfd);
	pthread_cond_destroy(&ch->jobs_cond);
	pthread_cond_destroy(&ch->pipe_cond);
	pthread_cond_destroy(&ch->exit_cond);
	pthread_mutex_destroy(&ch->lock);
	free(ch->rbuf);
	free(ch->tname);
	free(ch);
}

static void
chan_unref(struct channel *ch)
{
	bool	 last;

	pthread_mutex_lock(&ch->lock);
	last = --ch->refs == 0;
	pthread_mutex_unlock(&ch->lock);
	if (last)
		chan_free(ch);
}

static struct channel *
chan_new(struct transport *t, const struct agent_conf *conf)
{
	struct channel	*ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->evfd = -1;
	pthread_mutex_init(&ch->lock, NULL);
	pthread_cond_init(&ch->jobs_cond, NULL);
	pthread_cond_init(&ch->pipe_cond, NULL);
	pthread_cond_init(&ch->exit_cond, NULL);
	chunk_asm_init(&ch->asm_, lim);
	ch->refs = 1;
	ch->t = t;
	ch->conf = conf;
	ch->peer_capability = t->peer_capability;
	ch->next_oid = 2;	/* oid 1 is the channel itself (spec 4.7) */
	ch->next_req_id = 1;
	ch->ctl_loader = -1;
	if ((ch->tname = strdup(t->name ? t->name : "")) == NULL ||
	    (ch->rbuf = malloc(CHANNEL_READ_BUF)) == NULL ||
	    (ch->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		chan_free(ch);
		return NULL;
	}
	return ch;
}

/* ---- outgoing commands ---- */

/* Frame cmd into chunks and queue it; lock held.  0 or -1. */
static int
enqueue_locked(struct channel *ch, const uint8_t *cmd, size_t len)
{
	struct outmsg	*m;
	struct wbuf	 w;

	if (ch->closing)
		return -1;
	wbuf_init(&w, CHANNEL_MAX_OUT);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    chunk_put_all(&w, cmd, len) != PROTO_OK) {
		free(m);
		wbuf_free(&w);
		return -1;
	}
	m->d = wbuf_take(&w, &m->len);
	if (ch->oq_tail != NULL)
		ch->oq_tail->next = m;
	else
		ch->oq_head = m;
	ch->oq_tail = m;
	return 0;
}

int
channel_send(struct channel *ch, const uint8_t *cmd, size_t len)
{
	int	 r;

	pthread_mutex_lock(&ch->lock);
	r = enqueue_locked(ch, cmd, len);
	pthread_mutex_unlock(&ch->lock);
	if (r == 0)
		wake(ch);
	return r;
}

/* Queue a built command and free the wbuf. */
static int
send_wbuf(struct channel *ch, struct wbuf *w, int r, const char *what)
{
	if (r != PROTO_OK) {
		log_error("cannot build %s: %s", what, proto_strerror(r));
		wbuf_free(w);
		return -1;
	}
	r = channel_send(ch, w->d, w->len);
	wbuf_free(w);
	return r;
}

/* Loop thread: write everything queued.  0 or -1 (transport error). */
static int
flush_out(struct channel *ch)
{
	struct outmsg	*m, *list;
	int		 r = 0;

	pthread_mutex_lock(&ch->lock);
	list = ch->oq_head;
	ch->oq_head = ch->oq_tail = NULL;
	pthread_mutex_unlock(&ch->lock);
	while ((m = list) != NULL) {
		list = m->next;
		if (r == 0 && !ch->close_sent &&
		    ch->t->ops->send(ch->t, m->d, m->len) != 0) {
			log_error("send failed: %s", ch->t->err);
			r = -1;
		}
		free(m->d);
		free(m);
	}
	return r;
}

/* Loop thread: send our CloseCommand (once); nothing is sent after it. */
static void
send_close(struct channel *ch)
{
	struct wbuf	 w, f;

	pthread_mutex_lock(&ch->lock);
	ch->closing = true;	/* workers stop queueing */
	pthread_cond_broadcast(&ch->pipe_cond);
	pthread_cond_broadcast(&ch->jobs_cond);
	pthread_mutex_unlock(&ch->lock);
	if (ch->close_sent)
		return;
	wbuf_init(&w, 4096);
	wbuf_init(&f, 4096);
	if (cmd_put_close(&w) == PROTO_OK &&
	    chunk_put_all(&f, w.d, w.len) == PROTO_OK &&
	    ch->t->ops->send(ch->t, f.d, f.len) != 0)
		log_info("cannot send CloseCommand: %s", ch->t->err);
	ch->close_sent = true;
	wbuf_free(&w);
	wbuf_free(&f);
}

/* ---- exports ---- */

int32_t
channel_export(struct channel *ch, void *obj,
    const struct chan_export_ops *ops)
{
	struct export	*e;
	int32_t		 oid = -1;

	pthread_mutex_lock(&ch->lock);
	for (e = ch->exports; e != NULL; e = e->next)
		if (e->obj == obj) {
			e->refs++;
			oid = e->oid;
			goto out;
		}
	if (ch->closing || ch->next_oid == INT32_MAX ||
	    (e = calloc(1, sizeof(*e))) == NULL)
		goto out;
	e->oid = oid = ch->next_oid++;
	e->refs = 1;
	e->obj = obj;
	e->ops = ops;
	e->next = ch->exports;
	ch->exports = e;
out:
	pthread_mutex_unlock(&ch->lock);
	return oid;
}

/* Take a reference on export oid, or NULL. */
static struct export *
export_hold(struct channel *ch, int32_t oid)
{
	struct export	*e;

	pthread_mutex_lock(&ch->lock);
	for (e = ch->exports; e != NULL; e = e->next)
		if (e->oid == oid) {
			e->refs++;
			break;
		}
	pthread_mutex_unlock(&ch->lock);
	return e;
}

static void
export_drop_oid(struct channel *ch, int32_t oid)
{
	struct export	**ep, *e = NULL;

	pthread_mutex_lock(&ch->lock);
	for (ep = &ch->exports; *ep != NULL; ep = &(*ep)->next)
		if ((*ep)->oid == oid) {
			if (--(*ep)->refs <= 0) {
				e = *ep;
				*ep = e->next;
			}
			break;
		}
	pthread_mutex_unlock(&ch->lock);
	if (e != NULL) {
		if (e->ops->release != NULL)
			e->ops->release(e->obj);
		free(e);
	}
}

void
channel_unexport(struct channel *ch, int32_t oid)
{
	export_drop_oid(ch, oid);
}

int
channel_rpc(struct hctx *h, const struct cmd_rpc *rpc)
{
	struct export	*e;
	int		 r;

	if ((e = export_hold(h->ch, rpc->oid)) == NULL)
		return hctx_fail(h, "java.lang.IllegalStateException",
		    "Invalid object ID %d", rpc->oid);
	if (e->ops->rpc == NULL)
		r = hctx_fail(h, "java.lang.UnsupportedOperationException",
		    "object %d has no method %.100s", rpc->oid, rpc->method);
	else
		r = e->ops->rpc(h, e->obj, rpc);
	export_drop_oid(h->ch, e->oid);
	return r;
}

/* ---- pipes to controller streams ---- */

static struct rpipe *
rpipe_get_locked(struct channel *ch, int32_t oid, bool create)
{
	struct rpipe	*rp;

	for (rp = ch->rpipes; rp != NULL; rp = rp->next)
		if (rp->oid == oid)
			return rp;
	if (!create || (rp = calloc(1, sizeof(*rp))) == NULL)
		return NULL;
	rp->oid = oid;
	rp->window = CHANNEL_PIPE_WINDOW;
	rp->next = ch->rpipes;
	ch->rpipes = rp;
	return rp;
}

static void
rpipe_forget_locked(struct channel *ch, int32_t oid)
{
	struct rpipe	**rpp, *rp;

	for (rpp = &ch->rpipes; (rp = *rpp) != NULL; rpp = &rp->next)
		if (rp->oid == oid) {
			*rpp = rp->next;
			free(rp);
			return;
		}
}

/* Whether our writes to the controller are throttled: we advertise bit 2. */
static bool
throttled(void)
{
	return (JNAGENT_CAPABILITY & 0x4) != 0;
}

int
channel_pipe_write(struct hctx *h, int32_t oid, const uint8_t *p, size_t n)
{
	struct channel	*ch = h->ch;
	struct rpipe	*rp;
	struct wbuf	 w;
	size_t		 want, len;
	int32_t		 io;
	int		 r;

	while (n > 0) {
		pthread_mutex_lock(&ch->lock);
		if ((rp = rpipe_get_locked(ch, oid, true)) == NULL) {
			pthread_mutex_unlock(&ch->lock);
			return -1;
		}
		/* Like PipeWindow: wait for 10% of the window (or all of
		 * what is left) before sending. */
		want = CHANNEL_PIPE_WINDOW / 10;
		if (want > n)
			want = n;
		while (throttled() && !rp->dead && !ch->closing &&
		    !hctx_cancelled(h) && rp->window < (int64_t)want)
			pthread_cond_wait(&ch->pipe_cond, &ch->lock);
		if (rp->dead || ch->closing || hctx_cancelled(h)) {
			pthread_mutex_unlock(&ch->lock);
			return -1;
		}
		len = n;
		if (len > CHANNEL_PIPE_CHUNK)
			len = CHANNEL_PIPE_CHUNK;
		if (throttled() && (int64_t)len > rp->window)
			len = (size_t)rp->window;
		rp->window -= (int64_t)len;
		io = ++ch->io_id;
		h->last_io_id = io;
		wbuf_init(&w, CHANNEL_MAX_OUT);
		r = cmd_put_pos_chunk(&w, io, oid, h->req_id, p, len);
		if (r == PROTO_OK)
			r = enqueue_locked(ch, w.d, w.len);
		pthread_mutex_unlock(&ch->lock);
		wbuf_free(&w);
		if (r != 0)
			return -1;
		wake(ch);
		p += len;
		n -= len;
	}
	return 0;
}

/* A pipe command with the next I/O id: flush (0), EOF (1), unexport (2);
 * an EOF carries the exception error_cls(error) if either is set. */
static int
pipe_op(struct hctx *h, int32_t oid, int op, const char *error_cls,
    const char *error)
{
	struct channel	*ch = h->ch;
	struct rpipe	*rp;
	struct wbuf	 w;
	int32_t		 io;
	int		 r;

	wbuf_init(&w, CHANNEL_MAX_OUT);
	pthread_mutex_lock(&ch->lock);
	rp = rpipe_get_locked(ch, oid, false);
	if (ch->closing || (op == 0 && rp != NULL && rp->dead)) {
		pthread_mutex_unlock(&ch->lock);
		return -1;
	}
	io = ++ch->io_id;
	h->last_io_id = io;
	if (op == 0)
		r = cmd_put_pos_flush(&w, io, oid, h->req_id);
	else if (op == 1)
		r = cmd_put_pos_eof(&w, io, oid, h->req_id, error_cls,
		    error);
	else
		r = cmd_put_pos_unexport(&w, io, oid);
	if (r == PROTO_OK)
		r = enqueue_locked(ch, w.d, w.len);
	if (op != 0)
		rpipe_forget_locked(ch, oid);
	pthread_mutex_unlock(&ch->lock);
	wbuf_free(&w);
	if (r != 0)
		return -1;
	wake(ch);
	return 0;
}

int
channel_send_io(struct hctx *h,
    int (*enc)(void *arg, int32_t io, struct wbuf *w), void *arg)
{
	struct channel	*ch = h->ch;
	struct wbuf	 w;
	int32_t		 io;
	int		 r = -1;

	wbuf_init(&w, CHANNEL_MAX_OUT);
	pthread_mutex_lock(&ch->lock);
	if (!ch->closing) {
		io = ++ch->io_id;
		if (enc(arg, io, &w) == 0) {
			h->last_io_id = io;
			r = enqueue_locked(ch, w.d, w.len);
		} else
			ch->io_id--;	/* no gap in the I/O ids */
	}
	pthread_mutex_unlock(&ch->lock);
	wbuf_free(&w);
	if (r != 0)
		return -1;
	wake(ch);
	return 0;
}

int
channel_pipe_flush(struct hctx *h, int32_t oid)
{
	return pipe_op(h, oid, 0, NULL, NULL);
}

int
channel_pipe_close(struct hctx *h, int32_t oid, const char *error)
{
	return pipe_op(h, oid, 1, NULL, error);
}

int
channel_pipe_close_exc(struct hctx *h, int32_t oid, const char *error_cls,
    const char *error)
{
	return pipe_op(h, oid, 1, error_cls, error);
}

int
channel_pipe_unexport(struct hctx *h, int32_t oid)
{
	return pipe_op(h, oid, 2, NULL, NULL);
}

/* ---- agent-initiated requests ---- */

int32_t
channel_new_request_id(struct channel *ch)
{
	int32_t	 id;

	pthread_mutex_lock(&ch->lock);
	id = ch->next_req_id++;
	if (ch->next_req_id == INT32_MAX)
		ch->next_req_id = 1;
	pthread_mutex_unlock(&ch->lock);
	return id;
}

/*
 * Send a Request and wait for its Response (into *resp).  h (may be NULL):
 * its cancellation ends the wait too.  0 or -1.
 */
static int
call_wait(struct channel *ch, struct hctx *h, int32_t id, const uint8_t *cmd,
    size_t len, struct cmd *resp, int timeout_ms)
{
	struct oreq	 o, **op;
	struct timespec	 ts;
	int		 r = -1;

	memset(&o, 0, sizeof(o));
	o.id = id;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (timeout_ms > 0) {
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ch->lock);
	o.next = ch->oreqs;
	ch->oreqs = &o;
	if (enqueue_locked(ch, cmd, len) == 0) {
		wake(ch);
		while (!o.done && !ch->closing &&
		    (h == NULL || !hctx_cancelled(h))) {
			if (timeout_ms <= 0)
				pthread_cond_wait(&ch->pipe_cond, &ch->lock);
			else if (pthread_cond_timedwait(&ch->pipe_cond,
			    &ch->lock, &ts) == ETIMEDOUT)
				break;
		}
	}
	for (op = &ch->oreqs; *op != NULL; op = &(*op)->next)
		if (*op == &o) {
			*op = o.next;
			break;
		}
	if (o.done) {
		*resp = o.resp;
		r = 0;
	}
	pthread_mutex_unlock(&ch->lock);
	return r;
}

int
channel_call(struct channel *ch, int32_t id, const uint8_t *cmd, size_t len,
    struct cmd *resp, int timeout_ms)
{
	return call_wait(ch, NULL, id, cmd, len, resp, timeout_ms);
}

/* ---- reading controller streams ---- */

struct seg {
	struct seg	*next;
	size_t		 off, len;
	uint8_t		 d[];
};

struct chan_instream {
	struct channel	*ch;		/* holds a reference */
	struct hctx	*h;
	int		 refs;		/* reader + sink export; ch->lock */
	bool		 push;		/* greedy/Pipe: the controller pushes */
	int32_t		 oid;		/* push: our sink; pull: their stream */

	/* under ch->lock */
	struct seg	*head, *tail;
	size_t		 buffered;	/* bytes in the segments */
	size_t		 unacked;	/* push: read but not yet Acked */
	bool		 eof;		/* EOF (push) or Buffer len -1 (pull) */
	bool		 eof_error;	/* the EOF carried an error */
	bool		 failed;
	bool		 closed;	/* the reader is gone */
	char		 err[256];
};

static void
is_fail_locked(struct chan_instream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
is_fail_locked(struct chan_instream *s, const char *fmt, ...)
{
	va_list	 ap;

	if (s->failed)
		return;
	s->failed = true;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

static void
is_free_segs(struct chan_instream *s)
{
	struct seg	*g;

	while ((g = s->head) != NULL) {
		s->head = g->next;
		free(g);
	}
	s->tail = NULL;
	s->buffered = 0;
}

/* Drop one reference; lock held.  true if the caller must free s. */
static bool
is_unref_locked(struct chan_instream *s)
{
	return --s->refs == 0;
}

static void
is_destroy(struct chan_instream *s)
{
	is_free_segs(s);
	free(s);
}

/* Append bytes; lock held.  -1 when out of memory. */
static int
is_append_locked(struct chan_instream *s, const uint8_t *p, size_t n)
{
	struct seg	*g;

	if (n == 0)
		return 0;
	if ((g = malloc(sizeof(*g) + n)) == NULL)
		return -1;
	g->next = NULL;
	g->off = 0;
	g->len = n;
	memcpy(g->d, p, n);
	if (s->tail != NULL)
		s->tail->next = g;
	else
		s->head = g;
	s->tail = g;
	s->buffered += n;
	return 0;
}

/* Queue ProxyOutputStream$Ack(sink, size); lock held. */
static void
is_ack_locked(struct chan_instream *s, size_t size)
{
	struct wbuf	 w;

	while (size > 0) {
		int32_t	 k = size > INT32_MAX ? INT32_MAX : (int32_t)size;

		wbuf_init(&w, 4096);
		if (cmd_put_pos_ack(&w, s->oid, k) == PROTO_OK)
			(void)enqueue_locked(s->ch, w.d, w.len);
		wbuf_free(&w);
		size -= (size_t)k;
	}
	wake(s->ch);
}

/* The sink's ops, on the loop thread. */
static int
is_sink_write(void *obj, const uint8_t *p, size_t n)
{
	struct chan_instream	*s = obj;
	int			 r = 0;

	pthread_mutex_lock(&s->ch->lock);
	if (s->closed) {
		is_ack_locked(s, n);	/* discarded: give the window back */
	} else if (s->failed || s->eof) {
		r = -1;
	} else if (s->buffered + s->unacked + n > CHANNEL_INSTREAM_MAX) {
		is_fail_locked(s, "the controller overran the pipe window "
		    "(%zu bytes unacknowledged)", s->buffered + s->unacked + n);
		r = -1;
	} else if (is_append_locked(s, p, n) != 0) {
		is_fail_locked(s, "out of memory");
		r = -1;
	}
	pthread_cond_broadcast(&s->ch->pipe_cond);
	pthread_mutex_unlock(&s->ch->lock);
	return r;
}

static void
is_sink_close(void *obj, bool error)
{
	struct chan_instream	*s = obj;

	pthread_mutex_lock(&s->ch->lock);
	s->eof = true;
	s->eof_error = error;
	pthread_cond_broadcast(&s->ch->pipe_cond);
	pthread_mutex_unlock(&s->ch->lock);
}

static void
is_sink_release(void *obj)
{
	struct chan_instream	*s = obj;
	bool			 last;

	pthread_mutex_lock(&s->ch->lock);
	if (!s->eof && !s->closed)
		is_fail_locked(s, "the controller released the pipe before "
		    "its end");
	pthread_cond_broadcast(&s->ch->pipe_cond);
	last = is_unref_locked(s);
	pthread_mutex_unlock(&s->ch->lock);
	if (last)
		is_destroy(s);
}

static const struct chan_export_ops is_sink_ops = {
	.write = is_sink_write,
	.close = is_sink_close,
	.release = is_sink_release,
	.flags = CHAN_EXPORT_SELF_ACK,
};

/* Pipe custom data: boolean marker, s32 oid. */
static int
pipe_custom(const struct jser_node *n, bool *marker, int32_t *oid)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint8_t				 m;
	uint32_t			 o;

	if (n == NULL || !jser_instance_of(n, "hudson.remoting.Pipe") ||
	    (c = jser_custom(n, "hudson.remoting.Pipe")) == NULL)
		return -1;
	jser_cursor_init(&cur, c);
	if (jser_cursor_u8(&cur, &m) != PROTO_OK ||
	    jser_cursor_u32(&cur, &o) != PROTO_OK)
		return -1;
	*marker = m != 0;
	*oid = (int32_t)o;
	return 0;
}

int
channel_outstream_oid(const struct jser_node *n, int32_t *oid)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	uint32_t			 o;
	bool				 marker;

	if (n == NULL)
		return -1;
	if (jser_instance_of(n, "hudson.remoting.RemoteOutputStream")) {
		if ((c = jser_custom(n, "hudson.remoting.RemoteOutputStream"))
		    == NULL)
			return -1;
		jser_cursor_init(&cur, c);
		if (jser_cursor_u32(&cur, &o) != PROTO_OK)
			return -1;
		*oid = (int32_t)o;
		return 0;
	}
	if (pipe_custom(n, &marker, oid) == 0 && marker)
		return 0;
	return -1;
}

/*
 * What n asks for: *pipe_oid >= 0 (push: the controller's pipe end) or
 * *pull_oid >= 0 (pull).  -1 with why set otherwise.
 */
static int
instream_target(const struct jser_node *n, int32_t *pipe_oid,
    int32_t *pull_oid, const char **why)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct jser_node		*pipe;
	uint8_t				 greedy;
	uint32_t			 o;
	bool				 marker;

	*pipe_oid = *pull_oid = -1;
	*why = "not a RemoteInputStream or Pipe";
	if (n == NULL)
		return -1;
	if (jser_instance_of(n, "hudson.remoting.Pipe")) {
		if (pipe_custom(n, &marker, pipe_oid) != 0) {
			*why = "a Pipe without its oid";
			return -1;
		}
		if (marker) {
			*pipe_oid = -1;
			*why = "a Pipe for writing, not reading";
			return -1;
		}
		return 0;
	}
	if (!jser_instance_of(n, "hudson.remoting.RemoteInputStream"))
		return -1;
	*why = "a RemoteInputStream without its oid";
	if ((c = jser_custom(n, "hudson.remoting.RemoteInputStream")) == NULL)
		return -1;
	/* greedy: true + Pipe */
	jser_cursor_init(&cur, c);
	if (jser_cursor_u8(&cur, &greedy) == PROTO_OK && greedy == 1 &&
	    jser_cursor_obj(&cur, &pipe) == PROTO_OK) {
		if (pipe_custom(pipe, &marker, pipe_oid) != 0 || marker) {
			*pipe_oid = -1;
			*why = "a greedy RemoteInputStream without a read Pipe";
			return -1;
		}
		return 0;
	}
	/* non-greedy: false + oid */
	jser_cursor_init(&cur, c);
	if (jser_cursor_u8(&cur, &greedy) == PROTO_OK && greedy == 0 &&
	    jser_cursor_u32(&cur, &o) == PROTO_OK && jser_cursor_end(&cur)) {
		*pull_oid = (int32_t)o;
		return 0;
	}
	/* a peer without capability bit 5: just the oid */
	jser_cursor_init(&cur, c);
	if (jser_cursor_u32(&cur, &o) == PROTO_OK && jser_cursor_end(&cur)) {
		*pull_oid = (int32_t)o;
		return 0;
	}
	return -1;
}

struct chan_instream *
channel_instream_open(struct hctx *h, const struct jser_node *n)
{
	struct channel		*ch = h->ch;
	struct chan_instream	*s;
	struct wbuf		 w;
	const char		*why;
	int32_t			 pipe_oid, pull_oid, oid;
	int			 r;

	if (instream_target(n, &pipe_oid, &pull_oid, &why) != 0) {
		hctx_fail(h, "java.io.IOException", "cannot read %.100s: %s",
		    n == NULL ? "null" : jser_class_name(n) ? jser_class_name(n) :
		    n->type == JSER_STRING ? "a String" : "that value", why);
		return NULL;
	}
	if (ch == NULL) {
		hctx_fail(h, "java.io.IOException", "no channel to read the "
		    "stream from");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		hctx_fail(h, "java.io.IOException", "out of memory");
		return NULL;
	}
	s->ch = ch;
	s->h = h;
	s->refs = 1;
	pthread_mutex_lock(&ch->lock);
	if (ch->closing) {
		pthread_mutex_unlock(&ch->lock);
		free(s);
		hctx_fail(h, "java.io.IOException", "the channel is closing");
		return NULL;
	}
	ch->refs++;
	pthread_mutex_unlock(&ch->lock);
	if (pull_oid >= 0) {
		s->oid = pull_oid;
		return s;
	}
	/* push: export our sink, then tell the controller to connect to it */
	s->push = true;
	s->refs = 2;
	if ((oid = channel_export(ch, s, &is_sink_ops)) < 0) {
		free(s);
		chan_unref(ch);
		hctx_fail(h, "java.io.IOException", "cannot export a pipe sink");
		return NULL;
	}
	s->oid = oid;
	wbuf_init(&w, 4096);
	r = cmd_put_pipe_connect(&w, oid, pipe_oid);
	if (r != PROTO_OK || channel_send(ch, w.d, w.len) != 0) {
		wbuf_free(&w);
		pthread_mutex_lock(&ch->lock);
		s->eof = true;	/* no NotifyDeadWriter for it */
		pthread_mutex_unlock(&ch->lock);
		channel_unexport(ch, oid);
		channel_instream_close(s);
		hctx_fail(h, "java.io.IOException", "cannot connect the pipe: "
		    "the channel is closing");
		return NULL;
	}
	wbuf_free(&w);
	log_debug("pipe %d connected to our sink %d", pipe_oid, oid);
	return s;
}

struct chan_instream *
channel_instream_export(struct hctx *h, int32_t *oid)
{
	struct channel		*ch = h->ch;
	struct chan_instream	*s;

	if (ch == NULL) {
		hctx_fail(h, "java.io.IOException", "no channel to export a "
		    "stream on");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		hctx_fail(h, "java.io.IOException", "out of memory");
		return NULL;
	}
	s->ch = ch;
	s->h = h;
	s->push = true;
	s->refs = 2;
	pthread_mutex_lock(&ch->lock);
	if (ch->closing) {
		pthread_mutex_unlock(&ch->lock);
		free(s);
		hctx_fail(h, "java.io.IOException", "the channel is closing");
		return NULL;
	}
	ch->refs++;
	pthread_mutex_unlock(&ch->lock);
	if ((s->oid = channel_export(ch, s, &is_sink_ops)) < 0) {
		free(s);
		chan_unref(ch);
		hctx_fail(h, "java.io.IOException", "cannot export a stream");
		return NULL;
	}
	*oid = s->oid;
	return s;
}

struct channel *
channel_hold(struct channel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->refs++;
	pthread_mutex_unlock(&ch->lock);
	return ch;
}

void
channel_drop(struct channel *ch)
{
	if (ch != NULL)
		chan_unref(ch);
}

bool
channel_closing(struct channel *ch)
{
	bool	 c;

	pthread_mutex_lock(&ch->lock);
	c = ch->closing;
	pthread_mutex_unlock(&ch->lock);
	return c;
}

void
channel_cancel(struct channel *ch, struct hctx *h)
{
	atomic_store(&h->cancelled, true);
	if (ch == NULL)
		return;
	pthread_mutex_lock(&ch->lock);
	pthread_cond_broadcast(&ch->pipe_cond);
	pthread_mutex_unlock(&ch->lock);
}

/* Pull: one ProxyInputStream$Chunk round trip; lock not held.  0 or -1. */
static int
is_pull(struct chan_instream *s)
{
	struct channel		*ch = s->ch;
	struct cmd		 resp;
	struct jser_node	*arr;
	struct wbuf		 w;
	const uint8_t		*bp;
	const char		*msg = NULL;
	uint32_t		 blen;
	int32_t			 id, io, len;
	int			 r;

	pthread_mutex_lock(&ch->lock);
	io = s->h->last_io_id;
	pthread_mutex_unlock(&ch->lock);
	id = channel_new_request_id(ch);
	wbuf_init(&w, 4096);
	if ((r = cmd_put_pis_chunk(&w, id, io, s->oid,
	    CHANNEL_INSTREAM_PULL)) != PROTO_OK) {
		wbuf_free(&w);
		pthread_mutex_lock(&ch->lock);
		is_fail_locked(s, "cannot build a read request: %s",
		    proto_strerror(r));
		pthread_mutex_unlock(&ch->lock);
		return -1;
	}
	memset(&resp, 0, sizeof(resp));
	r = call_wait(ch, s->h, id, w.d, w.len, &resp, 0);
	wbuf_free(&w);
	pthread_mutex_lock(&ch->lock);
	if (r != 0) {
		if (ch->closing)
			is_fail_locked(s, "the channel closed while reading");
		else
			is_fail_locked(s, "the request was cancelled");
	} else if (resp.exc != NULL) {
		if (jser_field_string(resp.exc, "detailMessage", &msg) !=
		    PROTO_OK)
			msg = NULL;
		is_fail_locked(s, "%.100s%s%.150s",
		    jser_class_name(resp.exc) ? jser_class_name(resp.exc) :
		    "exception", msg ? ": " : "", msg ? msg : "");
	} else if (resp.ret == NULL || !jser_instance_of(resp.ret,
	    CMD_CLS_PIS_BUFFER) ||
	    jser_field_int(resp.ret, "len", &len) != PROTO_OK)
		is_fail_locked(s, "bad answer to a read request: %.100s",
		    resp.ret ? jser_class_name(resp.ret) : "null");
	else if (len == -1)
		s->eof = true;
	else if (len < 0 || (len > 0 && (jser_field_ref(resp.ret, "buf",
	    &arr) != PROTO_OK || jser_array_bytes(arr, &bp, &blen) !=
	    PROTO_OK || (uint32_t)len > blen)))
		is_fail_locked(s, "bad ProxyInputStream$Buffer (len %d)", len);
	else if (len > 0 && is_append_locked(s, bp, (size_t)len) != 0)
		is_fail_locked(s, "out of memory");
	r = s->failed ? -1 : 0;
	pthread_mutex_unlock(&ch->lock);
	cmd_free(&resp);
	return r;
}

ssize_t
channel_instream_read(struct chan_instream *s, uint8_t *p, size_t n)
{
	struct channel	*ch = s->ch;
	struct seg	*g;
	size_t		 k, got = 0;

	pthread_mutex_lock(&ch->lock);
	for (;;) {
		if (s->closed) {
			pthread_mutex_unlock(&ch->lock);
			return -1;
		}
		if (s->buffered > 0 || n == 0)
			break;
		if (s->failed)
			goto fail;
		if (s->eof) {
			if (s->eof_error) {
				is_fail_locked(s, "the controller's stream "
				    "failed");
				goto fail;
			}
			pthread_mutex_unlock(&ch->lock);
			return 0;
		}
		if (ch->closing) {
			is_fail_locked(s, "the channel closed while reading");
			goto fail;
		}
		if (hctx_cancelled(s->h)) {
			is_fail_locked(s, "the request was cancelled");
			goto fail;
		}
		if (s->push)
			pthread_cond_wait(&ch->pipe_cond, &ch->lock);
		else {
			pthread_mutex_unlock(&ch->lock);
			is_pull(s);
			pthread_mutex_lock(&ch->lock);
		}
	}
	while (got < n && (g = s->head) != NULL) {
		k = g->len - g->off;
		if (k > n - got)
			k = n - got;
		memcpy(p + got, g->d + g->off, k);
		g->off += k;
		got += k;
		s->buffered -= k;
		if (g->off == g->len) {
			if ((s->head = g->next) == NULL)
				s->tail = NULL;
			free(g);
		}
	}
	if (s->push) {
		/* Give the window back in batches, and at once when we
		 * run dry so that the controller is never left waiting. */
		s->unacked += got;
		if (s->unacked >= CHANNEL_INSTREAM_ACK ||
		    (s->buffered == 0 && s->unacked > 0)) {
			is_ack_locked(s, s->unacked);
			s->unacked = 0;
		}
	}
	pthread_mutex_unlock(&ch->lock);
	return (ssize_t)got;
fail:
	pthread_mutex_unlock(&ch->lock);
	return -1;
}

const char *
channel_instream_error(const struct chan_instream *s)
{
	return s != NULL && s->failed ? s->err : NULL;
}

void
channel_instream_close(struct chan_instream *s)
{
	struct channel	*ch;
	struct wbuf	 w;
	bool		 last;

	if (s == NULL)
		return;
	ch = s->ch;
	wbuf_init(&w, 4096);
	pthread_mutex_lock(&ch->lock);
	s->closed = true;
	if (s->push) {
		if (s->buffered + s->unacked > 0)
			is_ack_locked(s, s->buffered + s->unacked);
		s->unacked = 0;
		is_free_segs(s);
		if (!s->eof && !ch->closing &&
		    cmd_put_pos_dead(&w, s->oid) == PROTO_OK) {
			(void)enqueue_locked(ch, w.d, w.len);
			wake(ch);
		}
	} else if (!ch->closing && cmd_put_pis_eof(&w, s->oid) == PROTO_OK) {
		(void)enqueue_locked(ch, w.d, w.len);
		wake(ch);
	}
	last = is_unref_locked(s);
	pthread_cond_broadcast(&ch->pipe_cond);
	pthread_mutex_unlock(&ch->lock);
	wbuf_free(&w);
	if (last)
		is_destroy(s);
	chan_unref(ch);
}

void
channel_set_ping(struct channel *ch, int interval_s, int timeout_s,
    int32_t loader_oid)
{
	pthread_mutex_lock(&ch->lock);
	if (interval_s >= 1 && timeout_s >= 1) {
		ch->ping_on = true;
		ch->ping_interval_ms = interval_s * 1000;
		ch->ping_timeout_ms = timeout_s * 1000;
		ch->ping_loader = loader_oid > 0 ? loader_oid : ch->ctl_loader;
	} else
		ch->ping_on = false;
	pthread_mutex_unlock(&ch->lock);
	wake(ch);
}

/* ---- jobs ---- */

/* Build and queue the one Response of a finished job. */
static void
job_respond(struct channel *ch, struct job *job, int rc)
{
	struct hctx	*h = &job->h;
	struct wbuf	 w, pl;
	struct jser_node *e;
	uint8_t		*proxy = NULL, *raw = NULL;
	size_t		 proxy_len = 0, raw_len = 0;
	int		 r = PROTO_NOMEM;

	wbuf_init(&w, CHANNEL_MAX_OUT);
	wbuf_init(&pl, CHANNEL_MAX_OUT);
	if (h->raw) {
		if (rc == 0 && h->out != NULL)
			r = cmd_put_response_raw(&w, h->out, h->req_id,
			    h->last_io_id, NULL, h->value);
		else if (h->out != NULL && (e = cmd_new_exception(h->out,
		    cmd_exception_known(h->exc_class) ? h->exc_class :
		    "java.io.IOException", h->exc_msg)) != NULL)
			r = cmd_put_response_raw(&w, h->out, h->req_id,
			    h->last_io_id, e, NULL);
	} else {
		if (rc == 0) {
			if ((r = cmd_payload_encode(h->out, h->value,
			    h->loader_oid, &pl)) == PROTO_OK)
				r = cmd_put_response_normal(&w, h->req_id,
				    h->last_io_id, pl.d, pl.len);
			if (r != PROTO_OK) {
				log_error("cannot encode the result of %.100s:"
				    " %s", h->cls ? h->cls : "?",
				    proto_strerror(r));
				hctx_fail(h, "java.io.IOException",
				    "jnagent cannot encode the result of %s",
				    h->cls ? h->cls : "the callable");
				wbuf_reset(&w);
				rc = -1;
			}
		}
		if (rc != 0) {
			r = cmd_payload_exception(h->exc_class ? h->exc_class :
			    "java.io.IOException", h->exc_msg, h->loader_oid,
			    &proxy, &proxy_len, &raw, &raw_len);
			if (r == PROTO_OK)
				r = cmd_put_response_exception(&w, h->req_id,
				    h->last_io_id, proxy, proxy_len, raw,
				    raw_len);
		}
	}
	if (r != PROTO_OK) {
		/* Last resort: every request gets a Response. */
		struct jser_doc	*doc;

		log_error("cannot build the response to request %d: %s",
		    h->req_id, proto_strerror(r));
		wbuf_reset(&w);
		if ((doc = jser_doc_new()) != NULL &&
		    (e = cmd_new_exception(doc, "java.io.IOException",
		    "jnagent failed to build a response")) != NULL)
			r = cmd_put_response_raw(&w, doc, h->req_id,
			    h->last_io_id, e, NULL);
		jser_doc_free(doc);
	}
	if (r == PROTO_OK && channel_send(ch, w.d, w.len) != 0)
		log_debug("response to request %d dropped: channel closing",
		    h->req_id);
	free(proxy);
	free(raw);
	wbuf_free(&pl);
	wbuf_free(&w);
}

static void job_read(struct channel *, struct job *);

static void
job_run(struct channel *ch, struct job *job)
{
	struct hctx	*h = &job->h;
	int		 rc;

	if (job->rd != NULL) {
		job_read(ch, job);
		return;
	}
	if (h->cls == NULL && job->callable != NULL)
		h->cls = jser_class_name(job->callable);
	if (h->exc_class != NULL)
		rc = -1;	/* failed before it could run */
	else if ((h->out = jser_doc_new()) == NULL)
		rc = hctx_fail(h, "java.io.IOException", "out of memory");
	else
		rc = handlers_call(h, job->callable);
	if (rc != 0)
		log_info("request %d (%.100s) failed: %.200s: %.300s",
		    h->req_id, h->cls ? h->cls : "?", h->exc_class,
		    h->exc_msg);
	job_respond(ch, job, rc);
	job_free(ch, job);
}

static void *
worker_main(void *arg)
{
	struct channel	*ch = arg;
	struct job	*job;
	struct timespec	 ts;
	sigset_t	 all;
	bool		 timedout;

	/* Signals are for the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	pthread_mutex_lock(&ch->lock);
	for (;;) {
		timedout = false;
		while (ch->rq_head == NULL && !ch->closing && !timedout) {
			ch->idle++;
			if (ch->nworkers > CHANNEL_MIN_WORKERS) {
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += CHANNEL_IDLE_MS / 1000;
				timedout = pthread_cond_timedwait(
				    &ch->jobs_cond, &ch->lock, &ts) ==
				    ETIMEDOUT;
			} else
				pthread_cond_wait(&ch->jobs_cond, &ch->lock);
			ch->idle--;
		}
		if (ch->closing || ch->rq_head == NULL)
			break;
		job = ch->rq_head;
		if ((ch->rq_head = job->next) == NULL)
			ch->rq_tail = NULL;
		ch->nqueued--;
		pthread_mutex_unlock(&ch->lock);
		job_run(ch, job);
		pthread_mutex_lock(&ch->lock);
	}
	ch->nworkers--;
	pthread_cond_broadcast(&ch->exit_cond);
	pthread_mutex_unlock(&ch->lock);
	chan_unref(ch);
	return NULL;
}

/* Queue a job for the workers, growing the pool if all are busy. */
static void
job_submit(struct channel *ch, struct job *job)
{
	pthread_attr_t	 attr;
	pthread_t	 tid;
	bool		 inline_run = false;

	pthread_mutex_lock(&ch->lock);
	job->next = NULL;
	if (ch->rq_tail != NULL)
		ch->rq_tail->next = job;
	else
		ch->rq_head = job;
	ch->rq_tail = job;
	ch->nqueued++;
	/* Idle workers that were signalled may not have taken their job
	 * yet: grow the pool when there are more queued jobs than idle
	 * workers, so that no job waits behind another. */
	if (ch->nqueued > ch->idle && ch->nworkers < CHANNEL_MAX_WORKERS) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ch->refs++;
		ch->nworkers++;
		if (pthread_create(&tid, &attr, worker_main, ch) != 0) {
			ch->refs--;
			ch->nworkers--;
			log_error("cannot start a worker thread");
			inline_run = ch->nworkers == 0;
		}
		pthread_attr_destroy(&attr);
	}
	if (inline_run) {
		/* No worker at all: run it here rather than never. */
		ch->rq_head = ch->rq_tail = NULL;
		ch->nqueued = 0;
	} else
		pthread_cond_signal(&ch->jobs_cond);
	pthread_mutex_unlock(&ch->lock);
	if (inline_run)
		job_run(ch, job);
}

static struct job *
job_new(struct channel *ch, struct cmd *c, bool raw)
{
	struct job	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL) {
		cmd_free(c);
		return NULL;
	}
	job->cmd = *c;		/* takes ownership */
	memset(c, 0, sizeof(*c));
	job->h.ch = ch;
	job->h.conf = ch->conf;
	job->h.transport = ch->tname;
	job->h.req_id = job->cmd.id;
	job->h.loader_oid = job->cmd.loader_oid;
	job->h.raw = raw;
	atomic_init(&job->h.cancelled, false);
	pthread_mutex_lock(&ch->lock);
	job->anext = ch->active;
	ch->active = job;
	pthread_mutex_unlock(&ch->lock);
	return job;
}

static void
dispatch(struct channel *ch, struct job *job)
{
	const struct handler	*hd;

	hd = job->h.exc_class == NULL ?
	    handlers_find(jser_class_name(job->callable)) : NULL;
	if (job->h.exc_class != NULL || hd == NULL ||
	    (hd->flags & HANDLER_INLINE))
		job_run(ch, job);	/* quick: answer right here */
	else
		job_submit(ch, job);
}

static void
on_user_request(struct channel *ch, struct cmd *c)
{
	struct job	*job;
	struct jser_err	 err;
	int		 r;

	if (c->loader_oid > 0) {
		pthread_mutex_lock(&ch->lock);
		if (ch->ctl_loader <= 0)
			ch->ctl_loader = c->loader_oid;
		pthread_mutex_unlock(&ch->lock);
	}
	if ((job = job_new(ch, c, false)) == NULL) {
		log_error("out of memory: request dropped");
		return;
	}
	log_debug("request %d: %.200s", job->cmd.id,
	    job->cmd.to_string ? job->cmd.to_string : "?");
	if (!job->cmd.has_payload)
		hctx_fail(&job->h, "java.io.IOException",
		    "UserRequest without a callable");
	else if ((r = jser_decode(job->cmd.payload, job->cmd.payload_len,
	    lim, &job->pdoc, &err)) != PROTO_OK) {
		job->pdoc = NULL;
		log_error("request %d: undecodable callable: %s", job->cmd.id,
		    err.msg);
		hctx_fail(&job->h, "java.io.IOException",
		    "jnagent cannot decode the callable: %s", err.msg);
	} else if ((job->callable = jser_root(job->pdoc)) == NULL)
		hctx_fail(&job->h, "java.io.IOException",
		    "the request holds no callable object");
	dispatch(ch, job);
}

/* A direct RPCRequest (or any Request we run with a raw Response). */
static void
on_rpc_request(struct channel *ch, struct cmd *c)
{
	struct job	*job;

	if ((job = job_new(ch, c, true)) == NULL) {
		log_error("out of memory: request dropped");
		return;
	}
	job->callable = job->cmd.root;
	dispatch(ch, job);
}

/* Answer a Request with Response.exception = cls(msg), on the loop. */
static void
raw_exception(struct channel *ch, int32_t id, const char *cls,
    const char *msg)
{
	struct jser_doc		*doc;
	struct jser_node	*e;
	struct wbuf		 w;
	int			 r = PROTO_NOMEM;

	wbuf_init(&w, CHANNEL_MAX_OUT);
	if ((doc = jser_doc_new()) != NULL &&
	    (e = cmd_new_exception(doc, cls, msg)) != NULL)
		r = cmd_put_response_raw(&w, doc, id, 0, e, NULL);
	jser_doc_free(doc);
	send_wbuf(ch, &w, r, "an exception response");
}

static void
on_cancel(struct channel *ch, int32_t id)
{
	struct job	*j;

	pthread_mutex_lock(&ch->lock);
	for (j = ch->active; j != NULL; j = j->anext)
		if (!j->h.raw && j->h.req_id == id)
			atomic_store(&j->h.cancelled, true);
	pthread_cond_broadcast(&ch->pipe_cond);
	pthread_mutex_unlock(&ch->lock);
	log_debug("request %d cancelled", id);
}

/* Returns -1 to go on or an enum channel_end. */
static int
on_response(struct channel *ch, struct cmd *c)
{
	struct oreq	*o;
	bool		 failed;

	if (ch->ping_id != 0 && c->id == ch->ping_id) {
		failed = c->exc != NULL || c->resp == CMD_RESP_EXCEPTION ||
		    (c->resp == CMD_RESP_USER && c->user_exc);
		ch->ping_id = 0;
		cmd_free(c);
		if (failed) {
			log_error("ping failed: the controller answered with "
			    "an exception");
			return CHANNEL_ERROR;
		}
		return -1;
	}
	pthread_mutex_lock(&ch->lock);
	for (o = ch->oreqs; o != NULL; o = o->next)
		if (o->id == c->id && !o->done) {
			o->resp = *c;
			memset(c, 0, sizeof(*c));
			o->done = true;
			pthread_cond_broadcast(&ch->pipe_cond);
			break;
		}
	pthread_mutex_unlock(&ch->lock);
	if (o == NULL)
		log_debug("response to unknown request %d ignored", c->id);
	cmd_free(c);
	return -1;
}

/* UTF-16BE code units to UTF-8 (unpaired surrogates become U+FFFD). */
static size_t
utf16_to_utf8(const uint8_t *in, size_t units, uint8_t *out)
{
	size_t		 i, o = 0;
	uint32_t	 c, d;

	for (i = 0; i < units; i++) {
		c = (uint32_t)in[2 * i] << 8 | in[2 * i + 1];
		if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
			d = (uint32_t)in[2 * i + 2] << 8 | in[2 * i + 3];
			if (d >= 0xdc00 && d < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (d - 0xdc00);
				i++;
			} else
				c = 0xfffd;
		} else if (c >= 0xd800 && c < 0xe000)
			c = 0xfffd;
		if (c < 0x80)
			out[o++] = (uint8_t)c;
		else if (c < 0x800) {
			out[o++] = (uint8_t)(0xc0 | c >> 6);
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[o++] = (uint8_t)(0xe0 | c >> 12);
			out[o++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (uint8_t)(0xf0 | c >> 18);
			out[o++] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (uint8_t)(0x80 | (c & 0x3f));
		}
	}
	return o;
}

/* Pipe I/O into our exports, applied in arrival order on the loop. */
static void
on_sink(struct channel *ch, struct cmd *c)
{
	struct export	*e;
	struct wbuf	 w;
	uint8_t		*u8 = NULL;
	const uint8_t	*p = c->buf;
	size_t		 n = c->buf_len;
	bool		 writer = c->kind == CMD_PW_CHUNK ||
			    c->kind == CMD_PW_FLUSH || c->kind == CMD_PW_EOF;
	int		 ok = 0;

	e = export_hold(ch, c->oid);
	switch (c->kind) {
	case CMD_POS_CHUNK:
	case CMD_PW_CHUNK:
		if (writer && n > 0) {
			if ((u8 = malloc(n / 2 * 3 + 4)) == NULL)
				ok = -1;
			else {
				n = utf16_to_utf8(c->buf, n / 2, u8);
				p = u8;
			}
		}
		if (ok == 0 && (e == NULL || e->ops->write == NULL ||
		    e->ops->write(e->obj, p, n) != 0))
			ok = -1;
		free(u8);
		/* Ack what we consumed (the controller throttles iff we
		 * advertised bit 2; ProxyWriter only with bit 6).  A
		 * self-acking sink Acks as its reader consumes, unless the
		 * write failed (the bytes are gone). */
		wbuf_init(&w, 4096);
		if (ok == 0 && e != NULL &&
		    (e->ops->flags & CHAN_EXPORT_SELF_ACK))
			wbuf_free(&w);
		else if (!writer)
			send_wbuf(ch, &w, cmd_put_pos_ack(&w, c->oid,
			    (int32_t)c->buf_len), "Ack");
		else if (ch->peer_capability & 0x40)
			send_wbuf(ch, &w, cmd_put_pw_ack(&w, c->oid,
			    (int32_t)(c->buf_len / 2)), "Ack");
		if (ok != 0) {
			log_info("write to exported stream %d failed", c->oid);
			wbuf_init(&w, 4096);
			if (!writer)
				send_wbuf(ch, &w, cmd_put_pos_dead(&w, c->oid),
				    "NotifyDeadWriter");
		}
		break;
	case CMD_POS_FLUSH:
	case CMD_PW_FLUSH:
		if (e != NULL && e->ops->flush != NULL)
			e->ops->flush(e->obj);
		break;
	case CMD_POS_EOF:
	case CMD_PW_EOF:
	case CMD_PIS_EOF:
		if (e != NULL && e->ops->close != NULL)
			e->ops->close(e->obj, c->error != NULL);
		if (e != NULL)
			export_drop_oid(ch, c->oid);
		break;
	case CMD_POS_UNEXPORT:
	case CMD_PW_UNEXPORT:
		if (e != NULL)
			export_drop_oid(ch, c->oid);
		break;
	default:
		break;
	}
	if (e == NULL)
		log_debug("%.60s for unknown oid %d", c->cls, c->oid);
	else
		export_drop_oid(ch, e->oid);
}

/* ProxyInputStream$Chunk: the controller reads from our export.  The
 * read runs on a worker (job_read()); tickets keep reads of one export
 * in arrival order. */
static void
on_pis_chunk(struct channel *ch, struct cmd *c)
{
	struct export	*e;
	struct job	*job;
	int32_t		 id = c->id;

	if ((e = export_hold(ch, c->oid)) == NULL || e->ops->read == NULL) {
		if (e != NULL)
			export_drop_oid(ch, e->oid);
		raw_exception(ch, id, "java.io.IOException",
		    "Invalid object ID");
		return;
	}
	if ((job = job_new(ch, c, true)) == NULL) {
		export_drop_oid(ch, e->oid);
		raw_exception(ch, id, "java.io.IOException", "out of memory");
		return;
	}
	pthread_mutex_lock(&ch->lock);
	job->rd = e;
	job->rd_ticket = e->rd_next++;
	pthread_mutex_unlock(&ch->lock);
	job_submit(ch, job);
}

/* A worker: read for a ProxyInputStream$Chunk job and answer it. */
static void
job_read(struct channel *ch, struct job *job)
{
	struct export		*e = job->rd;
	struct jser_doc		*doc;
	struct jser_node	*b;
	struct wbuf		 w;
	uint8_t			*buf = NULL;
	size_t			 len;
	ssize_t			 n = -1;
	bool			 gone;
	int			 r = PROTO_NOMEM;

	len = job->cmd.size < 0 ? 0 : (size_t)job->cmd.size;
	if (len > CHANNEL_MAX_READ)
		len = CHANNEL_MAX_READ;
	pthread_mutex_lock(&ch->lock);
	while (e->rd_serving != job->rd_ticket && !ch->closing)
		pthread_cond_wait(&ch->pipe_cond, &ch->lock);
	gone = ch->closing;
	pthread_mutex_unlock(&ch->lock);
	if (!gone && (buf = calloc(1, len ? len : 1)) != NULL)
		n = e->ops->read(e->obj, buf, len);
	pthread_mutex_lock(&ch->lock);
	e->rd_serving++;
	pthread_cond_broadcast(&ch->pipe_cond);
	pthread_mutex_unlock(&ch->lock);
	export_drop_oid(ch, e->oid);
	job->rd = NULL;
	wbuf_init(&w, CHANNEL_MAX_OUT);
	if (gone)
		r = PROTO_OK;	/* nobody to answer */
	else if (n < 0) {
		if ((doc = jser_doc_new()) != NULL &&
		    (b = cmd_new_exception(doc, "java.io.IOException",
		    "read from the exported stream failed")) != NULL)
			r = cmd_put_response_raw(&w, doc, job->cmd.id, 0, b,
			    NULL);
		jser_doc_free(doc);
	} else {
		if ((doc = jser_doc_new()) != NULL &&
		    (b = cmd_new_pis_buffer(doc, n == 0 && len > 0 ? -1 :
		    (int32_t)n, buf, (uint32_t)len)) != NULL)
			r = cmd_put_response_raw(&w, doc, job->cmd.id, 0, NULL,
			    b);
		jser_doc_free(doc);
	}
	free(buf);
	if (!gone)
		send_wbuf(ch, &w, r, "a ProxyInputStream$Buffer");
	else
		wbuf_free(&w);
	job_free(ch, job);
}

static void
on_ack(struct channel *ch, struct cmd *c, bool dead)
{
	struct rpipe	*rp;

	pthread_mutex_lock(&ch->lock);
	if ((rp = rpipe_get_locked(ch, c->oid, false)) != NULL) {
		if (dead)
			rp->dead = true;
		else if (c->size > 0)
			rp->window += c->size;
		pthread_cond_broadcast(&ch->pipe_cond);
	}
	pthread_mutex_unlock(&ch->lock);
}

/* One de-chunked command.  Returns -1 to go on or an enum channel_end. */
static int
on_command(struct channel *ch, const uint8_t *p, size_t n)
{
	struct cmd	 c;
	struct jser_err	 err;
	int		 r, end = -1;

	memset(&err, 0, sizeof(err));
	if ((r = cmd_parse(p, n, lim, &c, &err)) != PROTO_OK) {
		log_error("undecodable command (%zu bytes, %s at offset %zu:"
		    " %.160s): closing the channel", n, proto_strerror(r),
		    err.offset, err.msg);
		flush_out(ch);
		send_close(ch);
		return CHANNEL_ERROR;
	}
	switch (c.kind) {
	case CMD_USER_REQUEST:
		on_user_request(ch, &c);
		break;
	case CMD_RPC_REQUEST:
	case CMD_USER_RPC_REQUEST:
		on_rpc_request(ch, &c);
		break;
	case CMD_RESPONSE:
		end = on_response(ch, &c);
		break;
	case CMD_CANCEL:
		on_cancel(ch, c.id);
		break;
	case CMD_CLOSE:
		log_info("the controller closed the channel");
		flush_out(ch);
		send_close(ch);
		end = CHANNEL_CLOSED;
		break;
	case CMD_UNEXPORT:
		channel_unexport(ch, c.oid);
		break;
	case CMD_GC:
		break;
	case CMD_PIPE_CONNECT:
		/* Only follows a Pipe(false) that we sent; we never do. */
		log_debug("Pipe$ConnectCommand(%d, %d) ignored", c.oid_pos,
		    c.oid_ros);
		break;
	case CMD_POS_CHUNK:
	case CMD_POS_FLUSH:
	case CMD_POS_EOF:
	case CMD_POS_UNEXPORT:
	case CMD_PIS_EOF:
	case CMD_PW_CHUNK:
	case CMD_PW_FLUSH:
	case CMD_PW_EOF:
	case CMD_PW_UNEXPORT:
		on_sink(ch, &c);
		break;
	case CMD_POS_ACK:
	case CMD_PW_ACK:
		on_ack(ch, &c, false);
		break;
	case CMD_POS_DEAD:
	case CMD_PW_DEAD:
		on_ack(ch, &c, true);
		break;
	case CMD_PIS_CHUNK:
		on_pis_chunk(ch, &c);
		break;
	case CMD_UNKNOWN:
		log_info("unknown command %.100s ignored", c.cls);
		if (c.is_request) {
			char	 msg[200];

			snprintf(msg, sizeof(msg), "%.120s is not supported "
			    "by jnagent", c.cls);
			raw_exception(ch, c.id,
			    "java.lang.UnsupportedOperationException", msg);
		}
		break;
	}
	cmd_free(&c);
	return end;
}

/* Feed received bytes; -1 to go on or an enum channel_end. */
static int
feed(struct channel *ch, const uint8_t *p, size_t n)
{
	struct rbuf	 in = rbuf_make(p, n);
	uint8_t		*cmd;
	size_t		 cmdlen;
	int		 r, end;

	while (in.len > 0) {
		r = chunk_asm_feed(&ch->asm_, &in, &cmd, &cmdlen);
		if (r == PROTO_INCOMPLETE)
			break;
		if (r != PROTO_OK) {
			log_error("bad chunk framing: %s", proto_strerror(r));
			flush_out(ch);
			send_close(ch);
			return CHANNEL_ERROR;
		}
		end = on_command(ch, cmd, cmdlen);
		free(cmd);
		if (end >= 0)
			return end;
	}
	return -1;
}

/* Read what is available; -1 to go on or an enum channel_end. */
static int
read_in(struct channel *ch)
{
	ssize_t	 n;
	int	 i, end;

	for (i = 0; i < 64; i++) {
		n = ch->t->ops->recv(ch->t, ch->rbuf, CHANNEL_READ_BUF);
		if (n == 0) {
			log_info("the controller closed the connection");
			return CHANNEL_EOF;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return -1;
			log_error("receive failed: %s", ch->t->err);
			return CHANNEL_ERROR;
		}
		if ((end = feed(ch, ch->rbuf, (size_t)n)) >= 0)
			return end;
	}
	return -1;
}

/* Send a PingThread$Ping UserRequest (spec 5.8). */
static int
send_ping(struct channel *ch, int32_t loader)
{
	struct jser_doc		*doc;
	struct jser_node	*d, *o;
	struct wbuf		 pl, w;
	char			 ts[64];
	int32_t			 id;
	int			 r = PROTO_NOMEM;

	id = channel_new_request_id(ch);
	snprintf(ts, sizeof(ts), "%s@%x", CMD_CLS_PING, (unsigned)id);
	wbuf_init(&pl, 4096);
	wbuf_init(&w, 65536);
	if ((doc = jser_doc_new()) != NULL &&
	    (d = jser_new_desc(doc, CMD_CLS_PING, 1, SC_SERIALIZABLE,
	    NULL)) != NULL && (o = jser_new_object(doc, d)) != NULL &&
	    (r = cmd_payload_encode(doc, o, loader, &pl)) == PROTO_OK)
		r = cmd_put_user_request(&w, id, 0, loader, pl.d, pl.len, ts);
	jser_doc_free(doc);
	wbuf_free(&pl);
	if (send_wbuf(ch, &w, r, "a ping") != 0)
		return -1;
	ch->ping_id = id;
	return 0;
}

/* Ping timers; -1 to go on or CHANNEL_ERROR.  *tmo shrinks to the next
 * deadline. */
static int
ping_check(struct channel *ch, uint64_t now, int *tmo)
{
	bool		 on;
	int		 interval, timeout;
	int32_t		 loader;
	uint64_t	 due;

	pthread_mutex_lock(&ch->lock);
	on = ch->ping_on;
	interval = ch->ping_interval_ms;
	timeout = ch->ping_timeout_ms;
	loader = ch->ping_loader > 0 ? ch->ping_loader : ch->ctl_loader;
	pthread_mutex_unlock(&ch->lock);
	if (!on || ch->close_sent)
		return -1;
	if (!ch->ping_started) {
		ch->ping_started = true;
		ch->next_ping = now;	/* PingThread pings at once */
	}
	if (ch->ping_id != 0) {
		if (now >= ch->ping_sent + (uint64_t)timeout) {
			log_error("ping timeout: no answer from the controller"
			    " in %d s", timeout / 1000);
			return CHANNEL_ERROR;
		}
		due = ch->ping_sent + (uint64_t)timeout;
	} else if (now >= ch->next_ping) {
		if (send_ping(ch, loader) == 0) {
			ch->ping_sent = now;
			log_debug("ping %d sent", ch->ping_id);
		}
		ch->next_ping = now + (uint64_t)interval;
		due = ch->ping_id != 0 ? now + (uint64_t)timeout :
		    ch->next_ping;
	} else
		due = ch->next_ping;
	if (due > now && due - now < (uint64_t)*tmo)
		*tmo = (int)(due - now);
	return -1;
}

/* Wait up to 2 s for the peer's CloseCommand or EOF, ignoring the rest. */
static void
close_wait(struct channel *ch)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	struct rbuf	 in;
	struct cmd	 c;
	uint64_t	 deadline, now;
	uint8_t		*cmd;
	size_t		 cmdlen;
	ssize_t		 n;
	bool		 done = false;
	int		 r;

	deadline = now_ms() + CHANNEL_CLOSE_WAIT_MS;
	while (!done && (now = now_ms()) < deadline) {
		pfd.fd = ch->t->ops->fd(ch->t);
		pfd.events = POLLIN;
		pfd.revents = 0;
		ts.tv_sec = (time_t)((deadline - now) / 1000);
		ts.tv_nsec = (long)((deadline - now) % 1000) * 1000000L;
		if ((ch->t->ops->pending == NULL ||
		    ch->t->ops->pending(ch->t) == 0) &&
		    ppoll(&pfd, 1, &ts, NULL) <= 0)
			continue;
		n = ch->t->ops->recv(ch->t, ch->rbuf, CHANNEL_READ_BUF);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			break;
		}
		in = rbuf_make(ch->rbuf, (size_t)n);
		while (!done && in.len > 0) {
			r = chunk_asm_feed(&ch->asm_, &in, &cmd, &cmdlen);
			if (r != PROTO_OK) {
				done = r != PROTO_INCOMPLETE;
				break;
			}
			if (cmd_parse(cmd, cmdlen, lim, &c, NULL) == PROTO_OK) {
				done = c.kind == CMD_CLOSE;
				cmd_free(&c);
			}
			free(cmd);
		}
	}
}

static enum channel_end
chan_loop(struct channel *ch, volatile int *stop)
{
	struct pollfd	 pfd[2];
	struct timespec	 ts;
	uint64_t	 now, last_tick = 0, cnt;
	ssize_t		 n;
	int		 tmo, end;
	bool		 pending;

	for (;;) {
		if (*stop) {
			log_info("shutting down: closing the channel");
			flush_out(ch);
			send_close(ch);
			close_wait(ch);
			return CHANNEL_SHUTDOWN;
		}
		if (flush_out(ch) != 0)
			return CHANNEL_ERROR;
		now = now_ms();
		tmo = CHANNEL_POLL_MS;
		if ((end = ping_check(ch, now, &tmo)) >= 0) {
			flush_out(ch);
			send_close(ch);
			return end;
		}
		if (flush_out(ch) != 0)
			return CHANNEL_ERROR;
		if (ch->t->ops->tick != NULL && now - last_tick >= 1000) {
			last_tick = now;
			if (ch->t->ops->tick(ch->t) < 0) {
				log_error("transport failed: %s", ch->t->err);
				return CHANNEL_ERROR;
			}
		}
		pending = ch->t->ops->pending != NULL &&
		    ch->t->ops->pending(ch->t) > 0;
		if (pending)
			tmo = 0;
		pfd[0].fd = ch->t->ops->fd(ch->t);
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = ch->evfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		ts.tv_sec = tmo / 1000;
		ts.tv_nsec = (long)(tmo % 1000) * 1000000L;
		if (ppoll(pfd, 2, &ts, NULL) == -1) {
			if (errno == EINTR)
				continue;
			log_error("ppoll: %s", strerror(errno));
			return CHANNEL_ERROR;
		}
		if (pfd[1].revents & POLLIN) {
			n = read(ch->evfd, &cnt, sizeof(cnt));
			(void)n;
		}
		if (pending || (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if ((end = read_in(ch)) >= 0)
				return end;
		}
	}
}

/*
 * Sources with a read in progress: the controller's reader is gone with
 * the channel, so close them (their close op makes the read return).
 */
static void
interrupt_reads(struct channel *ch)
{
	struct export	*e, **held = NULL;
	size_t		 n = 0, cap = 0, i;

	pthread_mutex_lock(&ch->lock);
	for (e = ch->exports; e != NULL; e = e->next) {
		if (e->ops->read == NULL || e->ops->close == NULL ||
		    e->rd_serving == e->rd_next)
			continue;
		if (n == cap) {
			struct export	**nh;

			cap = cap ? cap * 2 : 8;
			if ((nh = realloc(held, cap * sizeof(*held))) == NULL)
				break;
			held = nh;
		}
		e->refs++;
		held[n++] = e;
	}
	pthread_mutex_unlock(&ch->lock);
	for (i = 0; i < n; i++) {
		held[i]->ops->close(held[i]->obj, true);
		export_drop_oid(ch, held[i]->oid);
	}
	free(held);
}

/* Stop the workers: cancel everything and wait a little for them. */
static void
chan_shutdown(struct channel *ch)
{
	struct job	*j;
	struct timespec	 ts;

	interrupt_reads(ch);
	pthread_mutex_lock(&ch->lock);
	ch->closing = true;
	for (j = ch->active; j != NULL; j = j->anext)
		atomic_store(&j->h.cancelled, true);
	pthread_cond_broadcast(&ch->jobs_cond);
	pthread_cond_broadcast(&ch->pipe_cond);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += CHANNEL_EXIT_WAIT_MS / 1000;
	while (ch->nworkers > 0)
		if (pthread_cond_timedwait(&ch->exit_cond, &ch->lock, &ts) ==
		    ETIMEDOUT)
			break;
	if (ch->nworkers > 0)
		log_info("%d request(s) still running after the channel "
		    "ended", ch->nworkers);
	pthread_mutex_unlock(&ch->lock);
}

enum channel_end
channel_run(struct transport *t, const struct agent_conf *conf,
    volatile int *stop)
{
	struct channel		*ch;
	enum channel_end	 end;

	if ((ch = chan_new(t, conf)) == NULL) {
		log_error("out of memory");
		t->ops->close(t);
		return CHANNEL_ERROR;
	}
	log_info("channel up over %s", ch->tname);
	end = chan_loop(ch, stop);
	chan_shutdown(ch);
	t->ops->close(t);
	ch->t = NULL;
	chan_unref(ch);
	return end;
}
