/*
 * channel.h: the remoting channel (remoting-protocol.md sections 4 to 7).
 *
 * channel_run() (agent.h) owns the transport on one loop thread: it reads
 * and de-chunks commands, applies pipe I/O in arrival order, answers
 * pings, hands UserRequests to a pool of worker threads (4, growing to
 * 32) and is the only thread that writes to the transport.  Workers and
 * handlers talk to the channel through the functions below; all of them
 * are thread-safe.
 *
 * Exports: objects the agent exports to the controller get oids from 2
 * (oid 1 is the channel itself).  Their ops are called on the loop thread
 * (write/flush/close/read: pipe I/O) or on a worker (rpc).  release() is
 * called once the last reference is gone (UnexportCommand, pipe EOF,
 * channel end).
 */
#ifndef JNAGENT_AGENT_CHANNEL_H
#define JNAGENT_AGENT_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/handlers.h"
#include "protocol/command.h"

struct channel;

#define CHANNEL_PIPE_WINDOW	(1024 * 1024)	/* hudson.remoting.Channel
						 * .pipeWindowSize */
#define CHANNEL_MIN_WORKERS	4
#define CHANNEL_MAX_WORKERS	32

struct chan_export_ops {
	/*
	 * A method call (RPCRequest or UserRPCRequest) on the object, on a
	 * worker thread: like a handler, set h->value or hctx_fail().
	 */
	int	(*rpc)(struct hctx *h, void *obj, const struct cmd_rpc *rpc);
	/* A local sink the controller writes to: 0 or -1 (loop thread). */
	int	(*write)(void *obj, const uint8_t *p, size_t n);
	int	(*flush)(void *obj);
	/* EOF of the sink (error: the writer failed). */
	void	(*close)(void *obj, bool error);
	/*
	 * A source the controller reads (ProxyInputStream$Chunk): bytes read,
	 * 0 at EOF, -1 on error.  Runs on a worker thread and may block;
	 * reads of one export are serialized, in the order the requests
	 * arrived.  close() may then be called on the loop thread (the
	 * controller's ProxyInputStream$EOF, or the channel ending) while a
	 * read blocks: it must make that read return soon, and must not free
	 * what read() uses (release() comes after the read).
	 */
	ssize_t	(*read)(void *obj, uint8_t *p, size_t n);
	/* The last reference is gone; free obj. */
	void	(*release)(void *obj);
	int	  flags;
};

/*
 * The sink Acks the bytes itself, as its reader consumes them (write()
 * only buffers), so that the controller's 1 MiB window throttles it.
 * Without the flag the loop Acks each Chunk after write().
 */
#define CHAN_EXPORT_SELF_ACK	0x01

/* Export obj; returns its oid (>= 2) or -1.  ops must outlive the export. */
int32_t channel_export(struct channel *ch, void *obj,
    const struct chan_export_ops *ops);
/* Drop one reference (as UnexportCommand does). */
void channel_unexport(struct channel *ch, int32_t oid);
/*
 * Call the rpc op of the object exported as rpc->oid; fails the call with
 * IllegalStateException "Invalid object ID" if there is none.
 */
int channel_rpc(struct hctx *h, const struct cmd_rpc *rpc);

/*
 * Write to a controller OutputStream (a RemoteOutputStream's oid) while
 * executing h: ProxyOutputStream$Chunk commands with the next I/O ids,
 * requestId = h->req_id, throttled by the 1 MiB window that the
 * controller's Acks reopen (we advertise pipe throttling).  Blocks while
 * the window is shut.  0, or -1 if the stream is dead (NotifyDeadWriter),
 * the call was cancelled or the channel is closing.
 */
int channel_pipe_write(struct hctx *h, int32_t oid, const uint8_t *p,
    size_t n);
int channel_pipe_flush(struct hctx *h, int32_t oid);
/*
 * Send one command that carries an I/O id (ProxyWriter$Chunk, ...): enc
 * encodes it into w for io, the next I/O id, which also becomes
 * h->last_io_id so that the call's Response is ordered after it.  0, or
 * -1 if enc fails or the channel is closing.
 */
int channel_send_io(struct hctx *h,
    int (*enc)(void *arg, int32_t io, struct wbuf *w), void *arg);
/* ProxyOutputStream$EOF (closes the controller's stream); error may be
 * NULL.  The pipe is forgotten afterwards. */
int channel_pipe_close(struct hctx *h, int32_t oid, const char *error);
/* The same with an error of class error_cls (NULL = java.io.IOException;
 * see cmd_put_pos_eof(): for java.nio.file.FileSystemException and its
 * subclasses error is the path). */
int channel_pipe_close_exc(struct hctx *h, int32_t oid, const char *error_cls,
    const char *error);
/* ProxyOutputStream$Unexport: release without closing. */
int channel_pipe_unexport(struct hctx *h, int32_t oid);

/*
 * Queue an encoded command (one serialization stream, no chunk headers)
 * for the loop thread to send.  0, or -1 if the channel is closing.
 */
int channel_send(struct channel *ch, const uint8_t *cmd, size_t len);

/*
 * Agent-initiated requests: take an id (from 1), build the Request with
 * it, then channel_call() sends it and waits for the Response (parsed into
 * *resp, caller frees with cmd_free()).  -1 if the channel ends first or
 * timeout_ms (> 0) passes.
 */
int32_t channel_new_request_id(struct channel *ch);
int channel_call(struct channel *ch, int32_t id, const uint8_t *cmd,
    size_t len, struct cmd *resp, int timeout_ms);

/*
 * Reading a controller InputStream, from the thread executing h (a worker,
 * or a thread the handler started and joins before it returns).
 *
 * channel_instream_open() takes n, a hudson.remoting.RemoteInputStream
 * (greedy: custom data "true" + a Pipe; non-greedy: "false" + s32 oid;
 * legacy: s32 oid) or a hudson.remoting.Pipe whose marker is false:
 *   - push form (greedy, Pipe): exports a local sink and sends
 *     Pipe$ConnectCommand(oidPos = the sink, oidRos = the pipe's oid); the
 *     controller then pushes ProxyOutputStream$Chunk/Flush/EOF to the sink.
 *     Chunks are buffered and Acked only once read, so the controller's
 *     1 MiB window bounds the buffer (a peer that overruns it 8 times over
 *     kills the stream: NotifyDeadWriter, read() fails);
 *   - pull form (non-greedy): each read with nothing buffered sends a
 *     ProxyInputStream$Chunk request (agent request id, lastIoId = h's
 *     last I/O id) for up to 64 KiB and waits for its Buffer response.
 * Returns NULL after hctx_fail(h, "java.io.IOException", why) when n is
 * none of these or the channel is closing.
 *
 * channel_instream_read(): up to n bytes, blocking until at least one is
 * there: the count, 0 at end of stream, -1 on error, on Request$Cancel of
 * h, or when the channel ends (channel_instream_error() says why).  One
 * reader at a time per stream.
 *
 * channel_instream_close() frees the stream (NULL is fine); call it before
 * the handler returns.  Pull form: sends ProxyInputStream$EOF(oid).  Push
 * form closed before its EOF: Acks what was buffered, sends
 * NotifyDeadWriter(sink) so that the controller's writer fails, and
 * discards (and Acks) whatever still arrives.
 */
struct chan_instream;

struct chan_instream *channel_instream_open(struct hctx *h,
    const struct jser_node *n);
ssize_t channel_instream_read(struct chan_instream *s, uint8_t *p, size_t n);
/* Why the last read failed, NULL if it did not (valid until close). */
const char *channel_instream_error(const struct chan_instream *s);
void channel_instream_close(struct chan_instream *s);

/*
 * A stream the controller writes to, for a RemoteOutputStream (or a Pipe)
 * the agent sends: exports a push-form sink like channel_instream_open()
 * does, without the ConnectCommand, and sets *oid.  Read it with
 * channel_instream_read() (0 once the controller sends EOF; the 1 MiB
 * window bounds what is buffered); close as above.  h must outlive the
 * stream (it may be an hctx of the handler's own, see channel_cancel()).
 * NULL after hctx_fail(h, ...).
 */
struct chan_instream *channel_instream_export(struct hctx *h, int32_t *oid);

/*
 * Cancel h (an hctx a handler keeps beyond its request, e.g. for a
 * process's streams): hctx_cancelled(h) turns true and every pipe write
 * or stream read waiting on h returns -1 at once.
 */
void channel_cancel(struct channel *ch, struct hctx *h);

/*
 * For work that outlives its request (a thread of the handler's own):
 * channel_hold() keeps ch's memory valid until channel_drop(); once the
 * channel ends, channel_closing() is true and every send fails.
 */
struct channel *channel_hold(struct channel *ch);
void channel_drop(struct channel *ch);	/* NULL is fine */
bool channel_closing(struct channel *ch);

/*
 * The controller OutputStream oid of a hudson.remoting.RemoteOutputStream
 * (custom s32 oid) or of a hudson.remoting.Pipe with marker true (the
 * sender's pipe for us to write into), for channel_pipe_write() & co.
 * 0, or -1 if n is neither.
 */
int channel_outstream_oid(const struct jser_node *n, int32_t *oid);

/*
 * Start pinging the controller (ChannelPinger$SetUpRemotePing): a
 * PingThread$Ping UserRequest every interval_s; no Response within
 * timeout_s ends the channel with CHANNEL_ERROR.  loader_oid: a controller
 * class-loader oid for the Ping's classLoaderProxy (spec 5.8).
 */
void channel_set_ping(struct channel *ch, int interval_s, int timeout_s,
    int32_t loader_oid);

#endif
