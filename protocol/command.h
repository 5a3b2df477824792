/*
 * command.h: remoting commands (hudson.remoting.Command and subclasses)
 * parsed from and built into Java serialization streams.
 *
 * Reference: remoting-protocol.md sections 4 and 5 (class hierarchy,
 * descriptors, serialVersionUIDs, payload annotations).
 *
 * Parsing: cmd_parse() decodes one de-chunked command with jser and fills
 * a struct cmd whose pointers borrow from the decoded document it keeps;
 * cmd_free() releases everything.  Unknown command classes are not an
 * error: they parse to CMD_UNKNOWN with their class name.
 *
 * Building: every cmd_put_*() function appends one complete, fresh
 * serialization stream (ac ed 00 05 ..., no chunk headers) to a wbuf, with
 * Command.createdAt = null and the descriptors of spec 4.6.  The nested
 * payloads of UserRequest/NormalResponse/ExceptionResponse are passed in
 * as bytes; cmd_payload_*() make them (class-loader annotations of spec
 * 5.1).
 *
 * Pure library: no I/O, no logging, returns enum proto_err codes.
 */
#ifndef JNAGENT_PROTOCOL_COMMAND_H
#define JNAGENT_PROTOCOL_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/limits.h"

#define CMD_CLS_COMMAND		"hudson.remoting.Command"
#define CMD_CLS_REQUEST		"hudson.remoting.Request"
#define CMD_CLS_RESPONSE	"hudson.remoting.Response"
#define CMD_CLS_USER_REQUEST	"hudson.remoting.UserRequest"
#define CMD_CLS_NORMAL_RESPONSE	"hudson.remoting.UserRequest$NormalResponse"
#define CMD_CLS_EXC_RESPONSE	"hudson.remoting.UserRequest$ExceptionResponse"
#define CMD_CLS_USER_RESPONSE	"hudson.remoting.UserResponse"
#define CMD_CLS_RPC_REQUEST	"hudson.remoting.RemoteInvocationHandler$RPCRequest"
#define CMD_CLS_USER_RPC_REQUEST \
	"hudson.remoting.RemoteInvocationHandler$UserRPCRequest"
#define CMD_CLS_PROXY_EXCEPTION	"hudson.remoting.ProxyException"
#define CMD_CLS_PING		"hudson.remoting.PingThread$Ping"
#define CMD_CLS_PIS_BUFFER	"hudson.remoting.ProxyInputStream$Buffer"

enum cmd_kind {
	CMD_UNKNOWN = 0,	/* a command class we do not know: see cls */
	CMD_USER_REQUEST,
	CMD_RESPONSE,
	CMD_RPC_REQUEST,	/* RemoteInvocationHandler$RPCRequest */
	CMD_USER_RPC_REQUEST,	/* RemoteInvocationHandler$UserRPCRequest */
	CMD_CANCEL,		/* Request$Cancel */
	CMD_CLOSE,		/* Channel$CloseCommand */
	CMD_UNEXPORT,		/* UnexportCommand */
	CMD_GC,			/* GCCommand */
	CMD_PIPE_CONNECT,	/* Pipe$ConnectCommand */
	CMD_POS_CHUNK,		/* ProxyOutputStream$... */
	CMD_POS_FLUSH,
	CMD_POS_EOF,
	CMD_POS_UNEXPORT,
	CMD_POS_ACK,
	CMD_POS_DEAD,		/* ProxyOutputStream$NotifyDeadWriter */
	CMD_PIS_CHUNK,		/* ProxyInputStream$Chunk (a Request) */
	CMD_PIS_EOF,		/* ProxyInputStream$EOF */
	CMD_PW_CHUNK,		/* ProxyWriter$... (char streams) */
	CMD_PW_FLUSH,
	CMD_PW_EOF,
	CMD_PW_UNEXPORT,
	CMD_PW_ACK,
	CMD_PW_DEAD,
};

/* What a Response carries in returnValue. */
enum cmd_resp {
	CMD_RESP_RAW = 0,	/* ret/exc are plain nodes (RPCRequest, PIS) */
	CMD_RESP_NORMAL,	/* UserRequest$NormalResponse: payload */
	CMD_RESP_EXCEPTION,	/* UserRequest$ExceptionResponse: payload =
				 * proxyResponse, raw = rawResponse */
	CMD_RESP_USER,		/* legacy UserResponse: payload, user_exc */
};

/* The call described by an RPCRequest (direct or nested in a payload). */
struct cmd_rpc {
	int32_t			 oid;
	const char		*method;	/* MUTF-8, borrowed */
	const char		*decl_class;	/* may be NULL */
	struct jser_node	*args;		/* Object[] node or NULL */
	struct jser_node	*types;		/* String[] node or NULL */
	uint32_t		 nargs;		/* length of args (0 if NULL) */
	uint32_t		 ntypes;
};

/*
 * A parsed command.  Every pointer borrows from doc, which the struct
 * owns.  Fields not used by a kind are zero/NULL.
 */
struct cmd {
	enum cmd_kind		 kind;
	const char		*cls;		/* the command's class name */
	struct jser_doc		*doc;
	struct jser_node	*root;

	bool			 is_request;	/* a hudson.remoting.Request */
	int32_t			 id;		/* Request/Response/Cancel id */
	int32_t			 last_io_id;	/* Request/Response lastIoId */

	/* CMD_USER_REQUEST */
	int32_t			 loader_oid;	/* classLoaderProxy oid, -1 if
						 * absent or not understood */
	const uint8_t		*payload;	/* request bytes (also the
						 * response payload below) */
	uint32_t		 payload_len;
	bool			 has_payload;	/* payload non-null */
	const char		*to_string;	/* may be NULL */

	/* CMD_RESPONSE */
	enum cmd_resp		 resp;
	struct jser_node	*ret;		/* returnValue node */
	struct jser_node	*exc;		/* exception node */
	const uint8_t		*raw;		/* rawResponse bytes */
	uint32_t		 raw_len;
	bool			 has_raw;
	bool			 user_exc;	/* UserResponse.isException */

	/* CMD_RPC_REQUEST, CMD_USER_RPC_REQUEST */
	struct cmd_rpc		 rpc;

	/* unexport, pipe and stream commands */
	int32_t			 oid;
	int32_t			 io_id;
	int32_t			 request_id;
	int32_t			 size;		/* Ack size, PIS Chunk len */
	int32_t			 oid_pos, oid_ros; /* Pipe$ConnectCommand */
	const uint8_t		*buf;		/* Chunk buf (byte[]; char[] as
						 * raw UTF-16BE for ProxyWriter) */
	uint32_t		 buf_len;	/* bytes */
	struct jser_node	*error;		/* POS EOF error */
};

/* Static class name of a kind (NULL for CMD_UNKNOWN). */
const char *cmd_kind_class(enum cmd_kind kind);

/*
 * Parse one de-chunked command.  On PROTO_OK *c holds the command (free it
 * with cmd_free()).  PROTO_MALFORMED if the stream does not decode or its
 * top-level content is not an object of a Command class, or a known
 * command lacks a field it needs; other jser_decode() errors are passed
 * on.  err (may be NULL) says where.  On error nothing needs freeing.
 */
int cmd_parse(const uint8_t *p, size_t len, const struct proto_limits *lim,
    struct cmd *c, struct jser_err *err);
void cmd_free(struct cmd *c);	/* fine on a zeroed or freed cmd */

/* Read the RPCRequest fields of obj (an RPCRequest/UserRPCRequest object). */
int cmd_parse_rpc(const struct jser_node *obj, struct cmd_rpc *rpc);

/*
 * The oid of a remote-object proxy (java.lang.reflect.Proxy whose h is a
 * RemoteInvocationHandler), or of a RemoteClassLoader$RemoteIClassLoader.
 * PROTO_TYPE if n is neither.
 */
int cmd_proxy_oid(const struct jser_node *n, int32_t *oid);

/* ---- building commands: each appends one fresh stream to out ---- */

/* Response{returnValue = NormalResponse{response = payload}}. */
int cmd_put_response_normal(struct wbuf *out, int32_t id, int32_t last_io_id,
    const uint8_t *payload, size_t len);
/* Response{returnValue = ExceptionResponse{proxy, raw}}; raw may be NULL. */
int cmd_put_response_exception(struct wbuf *out, int32_t id,
    int32_t last_io_id, const uint8_t *proxy, size_t proxy_len,
    const uint8_t *raw, size_t raw_len);
/*
 * Response with raw returnValue/exception nodes (answers to a direct
 * RPCRequest or ProxyInputStream$Chunk).  ret and exc must live in doc
 * (or be NULL); the Response is built in doc too, which is then encoded.
 * Class annotations stay empty (command stream).
 */
int cmd_put_response_raw(struct wbuf *out, struct jser_doc *doc, int32_t id,
    int32_t last_io_id, struct jser_node *exc, struct jser_node *ret);
/*
 * UserRequest{classLoaderProxy = RemoteClassLoader$RemoteIClassLoader{
 * loader_oid}, request = payload, toString}.
 */
int cmd_put_user_request(struct wbuf *out, int32_t id, int32_t last_io_id,
    int32_t loader_oid, const uint8_t *payload, size_t len,
    const char *to_string);
int cmd_put_close(struct wbuf *out);
int cmd_put_cancel(struct wbuf *out, int32_t id);
int cmd_put_unexport(struct wbuf *out, int32_t oid);
int cmd_put_pipe_connect(struct wbuf *out, int32_t oid_pos, int32_t oid_ros);
int cmd_put_pos_chunk(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id, const uint8_t *buf, size_t len);
int cmd_put_pos_flush(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id);
/*
 * error_cls or error_msg non-NULL: the EOF carries the exception
 * cmd_new_exception(error_cls, error_msg) (error_cls NULL means
 * java.io.IOException; a class cmd_exception_known() rejects becomes an
 * IOException "error_cls: error_msg").  For FileSystemException and its
 * subclasses (NoSuchFileException...) error_msg is the path.
 */
int cmd_put_pos_eof(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id, const char *error_cls, const char *error_msg);
int cmd_put_pos_unexport(struct wbuf *out, int32_t io_id, int32_t oid);
int cmd_put_pos_ack(struct wbuf *out, int32_t oid, int32_t size);
int cmd_put_pos_dead(struct wbuf *out, int32_t oid);
int cmd_put_pw_ack(struct wbuf *out, int32_t oid, int32_t size);
/* ProxyInputStream$Chunk: a Request asking the peer for len bytes of oid. */
int cmd_put_pis_chunk(struct wbuf *out, int32_t id, int32_t last_io_id,
    int32_t oid, int32_t len);
int cmd_put_pis_eof(struct wbuf *out, int32_t oid);

/* ---- payloads (nested streams, spec 5.1) ---- */

/*
 * Encode root as a payload stream.  Every class descriptor reachable from
 * root whose annotation is still empty gets one: SYSTEM (-3) for JDK
 * classes (java.*, javax.*, arrays of primitives or of JDK classes), else
 * LOCAL (-1, loader_oid) when loader_oid > 0, else SYSTEM.  root may be
 * NULL (writes ac ed 00 05 70).  Modifies the annotations in doc.
 */
int cmd_payload_encode(struct jser_doc *doc, struct jser_node *root,
    int32_t loader_oid, struct wbuf *out);

/* Value builders in doc (descriptors found or made in doc). */
struct jser_node *cmd_new_boolean(struct jser_doc *doc, bool v);
struct jser_node *cmd_new_integer(struct jser_doc *doc, int32_t v);
struct jser_node *cmd_new_long(struct jser_doc *doc, int64_t v);
struct jser_node *cmd_new_string(struct jser_doc *doc, const char *utf8);
struct jser_node *cmd_new_bytes(struct jser_doc *doc, const void *p,
    uint32_t len);
/*
 * A Throwable of class cls with detailMessage msg (may be NULL), cause,
 * stackTrace and suppressedExceptions null (the minimal form of spec 5.5).
 * cls must be hudson.remoting.ProxyException or one of the JDK/Jenkins
 * exceptions this module knows (cmd_exception_known()); NULL otherwise.
 * For java.nio.file.FileSystemException and subclasses msg goes into the
 * field file instead (that is what getMessage() reports).
 */
struct jser_node *cmd_new_exception(struct jser_doc *doc, const char *cls,
    const char *msg);
bool cmd_exception_known(const char *cls);
/* ProxyInputStream$Buffer{len, buf}: returned to a ProxyInputStream$Chunk. */
struct jser_node *cmd_new_pis_buffer(struct jser_doc *doc, int32_t len,
    const uint8_t *buf, uint32_t buflen);

/*
 * The two payloads of an ExceptionResponse for an exception of class cls
 * with message msg: *proxy (ProxyException "cls: msg"), *raw (the exception
 * itself, or NULL/0 when cls is unknown here).  Both caller frees.
 */
int cmd_payload_exception(const char *cls, const char *msg,
    int32_t loader_oid, uint8_t **proxy, size_t *proxy_len, uint8_t **raw,
    size_t *raw_len);

#endif
