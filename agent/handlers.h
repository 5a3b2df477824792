/*
 * handlers.h: the callable registry: Java class name -> native handler.
 *
 * Every UserRequest payload's top-level object is looked up here by its
 * class name.  Families of callables live in their own files, each with a
 * table that names the class next to its function, so that one grep of a
 * class name finds its handler:
 *   h_node.c      node-online set (SlaveComputer$*, ChannelPinger, ...)
 *   h_monitor.c   node monitors and the FilePath wrappers they use
 *   h_remoting.c  remoting-internal callables (Ping, IOSyncer, RPCs)
 * A new family adds h_<family>.c with its table and one line in
 * handlers.c.
 *
 * Handlers run on a worker thread of the channel (or on the loop thread for
 * HANDLER_INLINE ones, which must never block).  A handler builds its
 * result in h->out and sets h->value (NULL means Java null), or calls
 * hctx_fail() and returns -1.  The channel turns that into exactly one
 * Response: NormalResponse, or ExceptionResponse with a ProxyException.
 * Never return nodes of the request itself: rebuild them in h->out, so
 * that the result carries our class-loader annotations, not the
 * controller's.  Long-running handlers poll hctx_cancelled(): it turns
 * true on Request$Cancel and when the channel ends (the channel waits
 * 5 s for its workers, then leaves them to finish on their own).
 */
#ifndef JNAGENT_AGENT_HANDLERS_H
#define JNAGENT_AGENT_HANDLERS_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "protocol/jser.h"

struct agent_conf;
struct channel;

/* One callable being executed. */
struct hctx {
	struct channel		*ch;
	const struct agent_conf	*conf;
	const char		*transport;	/* "JNLP4-connect", "WebSocket" */
	int32_t			 req_id;	/* the controller's request id */
	int32_t			 loader_oid;	/* its classLoaderProxy oid (for
						 * LOCAL annotations), -1 if none */
	const char		*cls;		/* class being handled */
	const char		*file_path;	/* set by FilePath wrappers:
						 * the agent-side path, else NULL */

	struct jser_doc		*out;		/* result document (owned by the
						 * channel; build values here) */
	struct jser_node	*value;		/* the result; NULL = null */
	const char		*exc_class;	/* after hctx_fail() */
	char			 exc_msg[1024];

	/* private to the channel */
	atomic_bool		 cancelled;	/* Request$Cancel arrived */
	int32_t			 last_io_id;	/* last pipe I/O id issued */
	int			 depth;		/* nested wrappers unwrapped */
	bool			 raw;		/* direct RPCRequest: the result
						 * goes in Response.returnValue */
};

/* Returns 0 (result in h->value) or -1 (after hctx_fail()). */
typedef int (*handler_fn)(struct hctx *h, const struct jser_node *callable);

#define HANDLER_INLINE	0x01	/* trivial and non-blocking: run on the loop
				 * thread (pings must never wait for a worker) */
#define HANDLER_FILE	0x02	/* a FilePath$FileCallable: needs h->file_path */

struct handler {
	const char	*cls;		/* Java binary class name */
	handler_fn	 fn;
	int		 flags;
};

/* Family tables, each ending with { NULL, NULL, 0 }. */
extern const struct handler h_node_handlers[];
extern const struct handler h_monitor_handlers[];
extern const struct handler h_remoting_handlers[];

/* The handler for a class, or NULL. */
const struct handler *handlers_find(const char *cls);
/*
 * Add (or replace) a handler at run time (tests, optional features).
 * cls is copied.  0, or -1 when out of memory.  Call before channel_run().
 */
int handlers_register(const char *cls, handler_fn fn, int flags);
/* Forget all run-time registrations (frees them). */
void handlers_reset(void);

/*
 * Run the handler of callable's class, or fail with the "not supported"
 * UnsupportedOperationException.  Wrappers (FilePath$CallableWith...) use
 * this for the object they wrap.  Returns what the handler returns.
 */
int handlers_call(struct hctx *h, const struct jser_node *callable);

/*
 * Fail the call with a Java exception of class exc_class (a JDK/remoting
 * class known to protocol/command.c gives a genuine rawResponse, any other
 * class only the ProxyException).  Returns -1.
 */
int hctx_fail(struct hctx *h, const char *exc_class, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fail with "<cls> is not supported by jnagent <version>". */
int hctx_unsupported(struct hctx *h, const char *cls);
/* true once the controller cancelled the request (Request$Cancel). */
bool hctx_cancelled(const struct hctx *h);

/* ---- helpers for building results in h->out ---- */

struct hfield {
	char		 type;	/* B C D F I J S Z L [ */
	const char	*name;
	const char	*sig;	/* JVM signature for L and [ */
};

/*
 * The descriptor of class name in h->out: the one made earlier in this
 * result, or a new one with the given fields (stream order: primitives
 * sorted by name, then references sorted by name).  NULL when out of
 * memory.  Annotations are added when the result is encoded.
 */
struct jser_node *hctx_desc(struct hctx *h, const char *name, int64_t suid,
    uint8_t flags, struct jser_node *super, const struct hfield *f,
    size_t n);
/* An object of class desc in h->out (NULL when out of memory). */
struct jser_node *hctx_object(struct hctx *h, struct jser_node *desc);
/* A String from UTF-8 (NULL s gives NULL). */
struct jser_node *hctx_string(struct hctx *h, const char *s);
/* A String field of a request object as UTF-8 in h->out; NULL if absent,
 * null or not a string. */
const char *hctx_field_string(struct hctx *h, const struct jser_node *obj,
    const char *name);

#endif
