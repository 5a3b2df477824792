/*
 * command.c: remoting commands parsed from and built into Java
 * serialization streams (remoting-protocol.md sections 4.5 to 5.5, 8.6).
 *
 * Building is table driven: class_defs[] lists every class this module
 * writes with its serialVersionUID, flags, superclass and fields in stream
 * order (primitives sorted by name, then references sorted by name, as
 * ObjectStreamClass orders them).  A descriptor is made once per document
 * and its super chain is made on demand, so each stream writes each class
 * once and refers to it afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/command.h"

struct field_def {
	char		 type;
	const char	*name;
	const char	*sig;		/* for L and [ */
};

struct class_def {
	const char		*name;
	int64_t			 suid;
	uint8_t			 flags;
	const char		*super;
	const struct field_def	*fields;
	int			 nfields;
};

#define NF(a)	(int)(sizeof(a) / sizeof((a)[0]))

static const struct field_def f_command[] = {
	{ 'L', "createdAt", "Ljava/lang/Exception;" },
};
static const struct field_def f_request[] = {
	{ 'I', "id", NULL },
	{ 'I', "lastIoId", NULL },
	{ 'L', "response", "Lhudson/remoting/Response;" },
};
static const struct field_def f_response[] = {
	{ 'I', "id", NULL },
	{ 'I', "lastIoId", NULL },
	{ 'L', "exception", "Ljava/lang/Throwable;" },
	{ 'L', "returnValue", "Ljava/io/Serializable;" },
};
static const struct field_def f_user_request[] = {
	{ 'L', "classLoaderProxy",
	    "Lhudson/remoting/RemoteClassLoader$IClassLoader;" },
	{ '[', "request", "[B" },
	{ 'L', "toString", "Ljava/lang/String;" },
};
static const struct field_def f_normal_response[] = {
	{ '[', "response", "[B" },
};
static const struct field_def f_exc_response[] = {
	{ '[', "proxyResponse", "[B" },
	{ '[', "rawResponse", "[B" },
};
static const struct field_def f_id[] = {
	{ 'I', "id", NULL },
};
static const struct field_def f_oid[] = {
	{ 'I', "oid", NULL },
};
static const struct field_def f_pipe_connect[] = {
	{ 'I', "oidPos", NULL },
	{ 'I', "oidRos", NULL },
};
static const struct field_def f_pos_chunk[] = {
	{ 'I', "ioId", NULL },
	{ 'I', "oid", NULL },
	{ 'I', "requestId", NULL },
	{ '[', "buf", "[B" },
};
static const struct field_def f_pos_flush[] = {
	{ 'I', "ioId", NULL },
	{ 'I', "oid", NULL },
	{ 'I', "requestId", NULL },
};
static const struct field_def f_pos_eof[] = {
	{ 'I', "ioId", NULL },
	{ 'I', "oid", NULL },
	{ 'I', "requestId", NULL },
	{ 'L', "error", "Ljava/lang/Throwable;" },
};
static const struct field_def f_pos_unexport[] = {
	{ 'I', "ioId", NULL },
	{ 'I', "oid", NULL },
};
static const struct field_def f_ack[] = {
	{ 'I', "oid", NULL },
	{ 'I', "size", NULL },
};
static const struct field_def f_pis_chunk[] = {
	{ 'I', "len", NULL },
	{ 'I', "oid", NULL },
};
static const struct field_def f_pis_buffer[] = {
	{ 'I', "len", NULL },
	{ '[', "buf", "[B" },
};
static const struct field_def f_throwable[] = {
	{ 'L', "cause", "Ljava/lang/Throwable;" },
	{ 'L', "detailMessage", "Ljava/lang/String;" },
	{ '[', "stackTrace", "[Ljava/lang/StackTraceElement;" },
	{ 'L', "suppressedExceptions", "Ljava/util/List;" },
};
static const struct field_def f_fs_exception[] = {
	{ 'L', "file", "Ljava/lang/String;" },
	{ 'L', "other", "Ljava/lang/String;" },
};
static const struct field_def f_boolean[] = {
	{ 'Z', "value", NULL },
};
static const struct field_def f_integer[] = {
	{ 'I', "value", NULL },
};
static const struct field_def f_long[] = {
	{ 'J', "value", NULL },
};

#define C(n)	"hudson.remoting." n
#define SER	0x02
#define SERW	0x03

static const struct class_def class_defs[] = {
	{ C("Command"), 1, SER, NULL, f_command, NF(f_command) },
	{ C("Request"), 1, SER, C("Command"), f_request, NF(f_request) },
	{ C("Response"), 1, SER, C("Command"), f_response, NF(f_response) },
	{ C("UserRequest"), 1, SER, C("Request"), f_user_request,
	    NF(f_user_request) },
	{ C("UserRequest$NormalResponse"), 1, SER, NULL, f_normal_response,
	    NF(f_normal_response) },
	{ C("UserRequest$ExceptionResponse"), 1, SER, NULL, f_exc_response,
	    NF(f_exc_response) },
	{ C("Channel$CloseCommand"), 972857271608138115LL, SER, C("Command"),
	    NULL, 0 },
	{ C("Request$Cancel"), -1709992419006993208LL, SER, C("Command"),
	    f_id, NF(f_id) },
	{ C("UnexportCommand"), 1, SER, C("Command"), f_oid, NF(f_oid) },
	{ C("Pipe$ConnectCommand"), -9128735897846418140LL, SER, C("Command"),
	    f_pipe_connect, NF(f_pipe_connect) },
	{ C("ProxyOutputStream$Chunk"), 1, SER, C("Command"), f_pos_chunk,
	    NF(f_pos_chunk) },
	{ C("ProxyOutputStream$Flush"), 1, SER, C("Command"), f_pos_flush,
	    NF(f_pos_flush) },
	{ C("ProxyOutputStream$EOF"), 1, SER, C("Command"), f_pos_eof,
	    NF(f_pos_eof) },
	{ C("ProxyOutputStream$Unexport"), 1, SER, C("Command"),
	    f_pos_unexport, NF(f_pos_unexport) },
	{ C("ProxyOutputStream$Ack"), 1, SER, C("Command"), f_ack, NF(f_ack) },
	{ C("ProxyOutputStream$NotifyDeadWriter"), 1, SER, C("Command"),
	    f_oid, NF(f_oid) },
	{ C("ProxyWriter$Ack"), 1, SER, C("Command"), f_ack, NF(f_ack) },
	{ C("ProxyInputStream$Chunk"), 1, SER, C("Request"), f_pis_chunk,
	    NF(f_pis_chunk) },
	{ C("ProxyInputStream$EOF"), 1, SER, C("Command"), f_oid, NF(f_oid) },
	{ C("ProxyInputStream$Buffer"), 1, SER, NULL, f_pis_buffer,
	    NF(f_pis_buffer) },
	{ C("RemoteClassLoader$RemoteIClassLoader"), 1, SER, NULL, f_oid,
	    NF(f_oid) },
	{ C("PingThread$Ping"), 1, SER, NULL, NULL, 0 },

	/* exceptions (jenkins-callables.md 9.4) */
	{ "java.lang.Throwable", -3042686055658047285LL, SERW, NULL,
	    f_throwable, NF(f_throwable) },
	{ "java.lang.Exception", -3387516993124229948LL, SER,
	    "java.lang.Throwable", NULL, 0 },
	{ "java.lang.RuntimeException", -7034897190745766939LL, SER,
	    "java.lang.Exception", NULL, 0 },
	{ "java.lang.IllegalArgumentException", -5365630128856068164LL, SER,
	    "java.lang.RuntimeException", NULL, 0 },
	{ "java.lang.IllegalStateException", -1848914673093119416LL, SER,
	    "java.lang.RuntimeException", NULL, 0 },
	{ "java.lang.UnsupportedOperationException", -1242599979055084673LL,
	    SER, "java.lang.RuntimeException", NULL, 0 },
	{ "java.lang.InterruptedException", 6700697376100628473LL, SER,
	    "java.lang.Exception", NULL, 0 },
	{ "java.io.IOException", 7818375828146090155LL, SER,
	    "java.lang.Exception", NULL, 0 },
	{ "java.io.FileNotFoundException", -897856973823710492LL, SER,
	    "java.io.IOException", NULL, 0 },
	{ "java.io.EOFException", 6433858223774886977LL, SER,
	    "java.io.IOException", NULL, 0 },
	{ "java.nio.file.FileSystemException", -3055425747967319812LL, SER,
	    "java.io.IOException", f_fs_exception, NF(f_fs_exception) },
	{ "java.nio.file.NoSuchFileException", -1390291775875351931LL, SER,
	    "java.nio.file.FileSystemException", NULL, 0 },
	{ "java.nio.file.AccessDeniedException", 4943049599949219617LL, SER,
	    "java.nio.file.FileSystemException", NULL, 0 },
	{ "java.nio.file.FileAlreadyExistsException", 7579540934498831181LL,
	    SER, "java.nio.file.FileSystemException", NULL, 0 },
	{ "java.nio.file.DirectoryNotEmptyException", 3056667871802779003LL,
	    SER, "java.nio.file.FileSystemException", NULL, 0 },
	{ "hudson.AbortException", 1, SER, "java.io.IOException", NULL, 0 },
	/* git-client's failure type: a RuntimeException, serialVersionUID 1 */
	{ "hudson.plugins.git.GitException", 1, SER,
	    "java.lang.RuntimeException", NULL, 0 },
	{ "hudson.FilePath$TunneledInterruptedException", 1, SER,
	    "java.io.IOException", NULL, 0 },
	{ C("ProxyException"), 1332793125360580541LL, SER,
	    "java.io.IOException", NULL, 0 },

	/* JDK values */
	{ "java.lang.Boolean", -3665804199014368530LL, SER, NULL, f_boolean,
	    NF(f_boolean) },
	{ "java.lang.Number", -8742448824652078965LL, SER, NULL, NULL, 0 },
	{ "java.lang.Integer", 1360826667806852920LL, SER, "java.lang.Number",
	    f_integer, NF(f_integer) },
	{ "java.lang.Long", 4290774380558885855LL, SER, "java.lang.Number",
	    f_long, NF(f_long) },
	{ "[B", -5984413125824719648LL, SER, NULL, NULL, 0 },
};

#undef C

static const struct class_def *
class_def_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(class_defs) / sizeof(class_defs[0]); i++)
		if (strcmp(class_defs[i].name, name) == 0)
			return &class_defs[i];
	return NULL;
}

/* The descriptor of a class of class_defs[] in doc, made on first use. */
static struct jser_node *
desc_get(struct jser_doc *doc, const char *name)
{
	const struct class_def	*cd;
	struct jser_node	*d, *super = NULL;
	int			 i;

	if ((d = jser_desc_find(doc, name)) != NULL)
		return d;
	if ((cd = class_def_find(name)) == NULL)
		return NULL;
	if (cd->super != NULL && (super = desc_get(doc, cd->super)) == NULL)
		return NULL;
	if ((d = jser_new_desc(doc, cd->name, cd->suid, cd->flags, super)) ==
	    NULL)
		return NULL;
	for (i = 0; i < cd->nfields; i++)
		if (jser_desc_add_field(doc, d, cd->fields[i].type,
		    cd->fields[i].name, cd->fields[i].sig) != PROTO_OK)
			return NULL;
	return d;
}

static struct jser_node *
obj_new(struct jser_doc *doc, const char *cls)
{
	struct jser_node	*d;

	if ((d = desc_get(doc, cls)) == NULL)
		return NULL;
	return jser_new_object(doc, d);
}

static int
set_int(struct jser_node *obj, const char *name, int32_t v)
{
	return jser_set_prim(obj, name, (uint64_t)(uint32_t)v);
}

struct jser_node *
cmd_new_bytes(struct jser_doc *doc, const void *p, uint32_t len)
{
	struct jser_node	*d;

	if ((d = desc_get(doc, "[B")) == NULL)
		return NULL;
	return jser_new_array(doc, d, len, p);
}

struct jser_node *
cmd_new_boolean(struct jser_doc *doc, bool v)
{
	struct jser_node	*o;

	if ((o = obj_new(doc, "java.lang.Boolean")) == NULL ||
	    jser_set_prim(o, "value", v ? 1 : 0) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
cmd_new_integer(struct jser_doc *doc, int32_t v)
{
	struct jser_node	*o;

	if ((o = obj_new(doc, "java.lang.Integer")) == NULL ||
	    set_int(o, "value", v) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
cmd_new_long(struct jser_doc *doc, int64_t v)
{
	struct jser_node	*o;

	if ((o = obj_new(doc, "java.lang.Long")) == NULL ||
	    jser_set_prim(o, "value", (uint64_t)v) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
cmd_new_string(struct jser_doc *doc, const char *utf8)
{
	return jser_new_string(doc, utf8, strlen(utf8));
}

bool
cmd_exception_known(const char *cls)
{
	const struct class_def	*cd;

	for (cd = class_def_find(cls); cd != NULL;
	    cd = cd->super ? class_def_find(cd->super) : NULL)
		if (strcmp(cd->name, "java.lang.Throwable") == 0)
			return true;
	return false;
}

static bool
is_fs_exception(const char *cls)
{
	const struct class_def	*cd;

	for (cd = class_def_find(cls); cd != NULL;
	    cd = cd->super ? class_def_find(cd->super) : NULL)
		if (strcmp(cd->name, "java.nio.file.FileSystemException") == 0)
			return true;
	return false;
}

struct jser_node *
cmd_new_exception(struct jser_doc *doc, const char *cls, const char *msg)
{
	struct jser_node	*o, *s = NULL;

	if (!cmd_exception_known(cls) || (o = obj_new(doc, cls)) == NULL)
		return NULL;
	if (msg != NULL && (s = cmd_new_string(doc, msg)) == NULL)
		return NULL;
	if (jser_set_ref(o, is_fs_exception(cls) ? "file" : "detailMessage",
	    s) != PROTO_OK)
		return NULL;
	return o;
}

struct jser_node *
cmd_new_pis_buffer(struct jser_doc *doc, int32_t len, const uint8_t *buf,
    uint32_t buflen)
{
	struct jser_node	*o, *a;

	if ((o = obj_new(doc, CMD_CLS_PIS_BUFFER)) == NULL ||
	    (a = cmd_new_bytes(doc, buf, buflen)) == NULL ||
	    set_int(o, "len", len) != PROTO_OK ||
	    jser_set_ref(o, "buf", a) != PROTO_OK)
		return NULL;
	return o;
}

/* ---- payload annotations ---- */

struct visit {
	const struct jser_node	**seen;
	size_t			  n, cap;
	int32_t			  loader_oid;
	struct jser_doc		 *doc;
};

static bool
system_class(const char *name)
{
	if (name[0] == '[') {
		while (*name == '[')
			name++;
		if (*name != 'L')
			return true;	/* array of primitives */
		name++;
	}
	return strncmp(name, "java.", 5) == 0 ||
	    strncmp(name, "javax.", 6) == 0 || strncmp(name, "jdk.", 4) == 0 ||
	    strncmp(name, "sun.", 4) == 0;
}

static int
annotate(struct visit *v, struct jser_content *c, const char *name)
{
	uint8_t	 b[8];
	size_t	 n = 4;

	if (c->n != 0)
		return PROTO_OK;	/* someone annotated it already */
	if (v->loader_oid > 0 && !system_class(name)) {
		b[0] = b[1] = b[2] = b[3] = 0xff;	/* -1 LOCAL */
		b[4] = (uint8_t)((uint32_t)v->loader_oid >> 24);
		b[5] = (uint8_t)((uint32_t)v->loader_oid >> 16);
		b[6] = (uint8_t)((uint32_t)v->loader_oid >> 8);
		b[7] = (uint8_t)v->loader_oid;
		n = 8;
	} else {
		b[0] = b[1] = b[2] = 0xff;		/* -3 SYSTEM */
		b[3] = 0xfd;
	}
	return jser_content_add_block(v->doc, c, b, n);
}

static int visit_node(struct visit *, struct jser_node *, int);

static int
visit_content(struct visit *v, const struct jser_content *c, int depth)
{
	uint32_t	 i;
	int		 r;

	for (i = 0; i < c->n; i++)
		if ((r = visit_node(v, c->items[i], depth)) != PROTO_OK)
			return r;
	return PROTO_OK;
}

static int
visit_node(struct visit *v, struct jser_node *n, int depth)
{
	const struct jser_node	**ns;
	struct jser_classdata	 *cd;
	struct jser_node	 *d;
	size_t			  i;
	uint32_t		  k, f;
	int			  r;

	if (n == NULL)
		return PROTO_OK;
	if (depth > 256)
		return PROTO_TOO_BIG;
	for (i = 0; i < v->n; i++)
		if (v->seen[i] == n)
			return PROTO_OK;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 32;
		if ((ns = realloc(v->seen, v->cap * sizeof(*ns))) == NULL)
			return PROTO_NOMEM;
		v->seen = ns;
	}
	v->seen[v->n++] = n;

	switch (n->type) {
	case JSER_CLASSDESC:
		if ((r = annotate(v, &n->u.desc.annotation,
		    n->u.desc.name)) != PROTO_OK)
			return r;
		return visit_node(v, n->u.desc.super, depth + 1);
	case JSER_PROXYDESC:
		if ((r = annotate(v, &n->u.proxy.annotation,
		    n->u.proxy.ninterfaces ? n->u.proxy.interfaces[0] :
		    "java.lang.Object")) != PROTO_OK)
			return r;
		return visit_node(v, n->u.proxy.super, depth + 1);
	case JSER_OBJECT:
		if ((r = visit_node(v, n->u.obj.desc, depth + 1)) != PROTO_OK)
			return r;
		for (k = 0; k < n->u.obj.nclasses; k++) {
			cd = &n->u.obj.classes[k];
			d = cd->desc;
			if (cd->values != NULL && d != NULL &&
			    d->type == JSER_CLASSDESC) {
				for (f = 0; f < d->u.desc.nfields; f++) {
					if (d->u.desc.fields[f].type != 'L' &&
					    d->u.desc.fields[f].type != '[')
						continue;
					if ((r = visit_node(v,
					    cd->values[f].ref, depth + 1)) !=
					    PROTO_OK)
						return r;
				}
			}
			if ((r = visit_content(v, &cd->custom, depth + 1)) !=
			    PROTO_OK)
				return r;
		}
		return PROTO_OK;
	case JSER_ARRAY:
		if ((r = visit_node(v, n->u.arr.desc, depth + 1)) != PROTO_OK)
			return r;
		if (n->u.arr.elem == 'L' || n->u.arr.elem == '[') {
			struct jser_node **el = n->u.arr.data;

			for (k = 0; k < n->u.arr.length; k++)
				if ((r = visit_node(v, el[k], depth + 1)) !=
				    PROTO_OK)
					return r;
		}
		return PROTO_OK;
	case JSER_ENUM:
		return visit_node(v, n->u.en.desc, depth + 1);
	case JSER_CLASS:
		return visit_node(v, n->u.cls.desc, depth + 1);
	case JSER_EXCEPTION:
		return visit_node(v, n->u.exc.throwable, depth + 1);
	default:
		return PROTO_OK;
	}
}

int
cmd_payload_encode(struct jser_doc *doc, struct jser_node *root,
    int32_t loader_oid, struct wbuf *out)
{
	struct visit	 v;
	int		 r;

	memset(&v, 0, sizeof(v));
	v.loader_oid = loader_oid;
	v.doc = doc;
	r = visit_node(&v, root, 0);
	free(v.seen);
	if (r != PROTO_OK)
		return r;
	return jser_encode_node(root, out);
}

int
cmd_payload_exception(const char *cls, const char *msg, int32_t loader_oid,
    uint8_t **proxy, size_t *proxy_len, uint8_t **raw, size_t *raw_len)
{
	struct jser_doc		*doc = NULL;
	struct jser_node	*e;
	struct wbuf		 w;
	char			*text = NULL;
	size_t			 tlen;
	int			 r = PROTO_NOMEM;

	*proxy = *raw = NULL;
	*proxy_len = *raw_len = 0;
	wbuf_init(&w, (size_t)1 << 24);
	tlen = strlen(cls) + (msg ? strlen(msg) + 2 : 0) + 1;
	if ((text = malloc(tlen)) == NULL)
		goto out;
	if (msg != NULL)
		snprintf(text, tlen, "%s: %s", cls, msg);
	else
		snprintf(text, tlen, "%s", cls);

	if ((doc = jser_doc_new()) == NULL ||
	    (e = cmd_new_exception(doc, CMD_CLS_PROXY_EXCEPTION, text)) == NULL)
		goto out;
	if ((r = cmd_payload_encode(doc, e, loader_oid, &w)) != PROTO_OK)
		goto out;
	*proxy = wbuf_take(&w, proxy_len);
	jser_doc_free(doc);
	doc = NULL;

	if (cmd_exception_known(cls)) {
		r = PROTO_NOMEM;
		if ((doc = jser_doc_new()) == NULL ||
		    (e = cmd_new_exception(doc, cls, msg)) == NULL)
			goto out;
		if ((r = cmd_payload_encode(doc, e, loader_oid, &w)) !=
		    PROTO_OK)
			goto out;
		*raw = wbuf_take(&w, raw_len);
	}
	r = PROTO_OK;
out:
	if (r != PROTO_OK) {
		free(*proxy);
		*proxy = NULL;
		*proxy_len = 0;
	}
	free(text);
	jser_doc_free(doc);
	wbuf_free(&w);
	return r;
}

/* ---- building commands ---- */

/* Encode doc's root obj into out; frees doc. */
static int
finish(struct jser_doc *doc, struct jser_node *obj, struct wbuf *out)
{
	int	 r;

	r = obj == NULL ? PROTO_NOMEM : jser_encode_node(obj, out);
	jser_doc_free(doc);
	return r;
}

static struct jser_node *
cmd_new(struct jser_doc **doc, const char *cls)
{
	if ((*doc = jser_doc_new()) == NULL)
		return NULL;
	return obj_new(*doc, cls);	/* createdAt stays null */
}

static struct jser_node *
response_new(struct jser_doc *doc, int32_t id, int32_t last_io_id,
    struct jser_node *exc, struct jser_node *ret)
{
	struct jser_node	*o;

	if ((o = obj_new(doc, CMD_CLS_RESPONSE)) == NULL ||
	    set_int(o, "id", id) != PROTO_OK ||
	    set_int(o, "lastIoId", last_io_id) != PROTO_OK ||
	    jser_set_ref(o, "exception", exc) != PROTO_OK ||
	    jser_set_ref(o, "returnValue", ret) != PROTO_OK)
		return NULL;
	return o;
}

static int
bytes_field(struct jser_doc *doc, struct jser_node *o, const char *name,
    const uint8_t *p, size_t len)
{
	struct jser_node	*a = NULL;

	if (p != NULL) {
		if (len > INT32_MAX)
			return PROTO_TOO_BIG;
		if ((a = cmd_new_bytes(doc, p, (uint32_t)len)) == NULL)
			return PROTO_NOMEM;
	}
	return jser_set_ref(o, name, a);
}

int
cmd_put_response_normal(struct wbuf *out, int32_t id, int32_t last_io_id,
    const uint8_t *payload, size_t len)
{
	struct jser_doc		*doc;
	struct jser_node	*nr, *o = NULL;

	if ((doc = jser_doc_new()) == NULL)
		return PROTO_NOMEM;
	if ((nr = obj_new(doc, CMD_CLS_NORMAL_RESPONSE)) != NULL &&
	    bytes_field(doc, nr, "response", payload, len) == PROTO_OK)
		o = response_new(doc, id, last_io_id, NULL, nr);
	return finish(doc, o, out);
}

int
cmd_put_response_exception(struct wbuf *out, int32_t id, int32_t last_io_id,
    const uint8_t *proxy, size_t proxy_len, const uint8_t *raw,
    size_t raw_len)
{
	struct jser_doc		*doc;
	struct jser_node	*er, *o = NULL;

	if ((doc = jser_doc_new()) == NULL)
		return PROTO_NOMEM;
	if ((er = obj_new(doc, CMD_CLS_EXC_RESPONSE)) != NULL &&
	    bytes_field(doc, er, "proxyResponse", proxy, proxy_len) ==
	    PROTO_OK &&
	    bytes_field(doc, er, "rawResponse", raw, raw_len) == PROTO_OK)
		o = response_new(doc, id, last_io_id, NULL, er);
	return finish(doc, o, out);
}

int
cmd_put_response_raw(struct wbuf *out, struct jser_doc *doc, int32_t id,
    int32_t last_io_id, struct jser_node *exc, struct jser_node *ret)
{
	struct jser_node	*o;

	if ((o = response_new(doc, id, last_io_id, exc, ret)) == NULL)
		return PROTO_NOMEM;
	return jser_encode_node(o, out);
}

int
cmd_put_user_request(struct wbuf *out, int32_t id, int32_t last_io_id,
    int32_t loader_oid, const uint8_t *payload, size_t len,
    const char *to_string)
{
	struct jser_doc		*doc;
	struct jser_node	*o, *cl, *s = NULL;

	if ((o = cmd_new(&doc, CMD_CLS_USER_REQUEST)) == NULL)
		return finish(doc, NULL, out);
	if ((cl = obj_new(doc, "hudson.remoting.RemoteClassLoader"
	    "$RemoteIClassLoader")) == NULL ||
	    set_int(cl, "oid", loader_oid) != PROTO_OK ||
	    (to_string != NULL &&
	    (s = cmd_new_string(doc, to_string)) == NULL) ||
	    set_int(o, "id", id) != PROTO_OK ||
	    set_int(o, "lastIoId", last_io_id) != PROTO_OK ||
	    jser_set_ref(o, "classLoaderProxy", cl) != PROTO_OK ||
	    bytes_field(doc, o, "request", payload, len) != PROTO_OK ||
	    jser_set_ref(o, "toString", s) != PROTO_OK)
		o = NULL;
	return finish(doc, o, out);
}

int
cmd_put_close(struct wbuf *out)
{
	struct jser_doc		*doc;
	struct jser_node	*o;

	o = cmd_new(&doc, "hudson.remoting.Channel$CloseCommand");
	return finish(doc, o, out);
}

int
cmd_put_cancel(struct wbuf *out, int32_t id)
{
	struct jser_doc		*doc;
	struct jser_node	*o;

	if ((o = cmd_new(&doc, "hudson.remoting.Request$Cancel")) != NULL &&
	    set_int(o, "id", id) != PROTO_OK)
		o = NULL;
	return finish(doc, o, out);
}

/* A command whose own fields are ints only, given as name/value pairs. */
static int
put_ints(struct wbuf *out, const char *cls, int n, const char *n1,
    int32_t v1, const char *n2, int32_t v2, const char *n3, int32_t v3)
{
	struct jser_doc		*doc;
	struct jser_node	*o;

	if ((o = cmd_new(&doc, cls)) != NULL) {
		if ((n >= 1 && set_int(o, n1, v1) != PROTO_OK) ||
		    (n >= 2 && set_int(o, n2, v2) != PROTO_OK) ||
		    (n >= 3 && set_int(o, n3, v3) != PROTO_OK))
			o = NULL;
	}
	return finish(doc, o, out);
}

int
cmd_put_unexport(struct wbuf *out, int32_t oid)
{
	return put_ints(out, "hudson.remoting.UnexportCommand", 1, "oid", oid,
	    NULL, 0, NULL, 0);
}

int
cmd_put_pipe_connect(struct wbuf *out, int32_t oid_pos, int32_t oid_ros)
{
	return put_ints(out, "hudson.remoting.Pipe$ConnectCommand", 2,
	    "oidPos", oid_pos, "oidRos", oid_ros, NULL, 0);
}

int
cmd_put_pos_chunk(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id, const uint8_t *buf, size_t len)
{
	struct jser_doc		*doc;
	struct jser_node	*o;
	static const uint8_t	 empty[1];

	if ((o = cmd_new(&doc, "hudson.remoting.ProxyOutputStream$Chunk")) !=
	    NULL && (set_int(o, "ioId", io_id) != PROTO_OK ||
	    set_int(o, "oid", oid) != PROTO_OK ||
	    set_int(o, "requestId", request_id) != PROTO_OK ||
	    bytes_field(doc, o, "buf", buf ? buf : empty, len) != PROTO_OK))
		o = NULL;
	return finish(doc, o, out);
}

int
cmd_put_pos_flush(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id)
{
	return put_ints(out, "hudson.remoting.ProxyOutputStream$Flush", 3,
	    "ioId", io_id, "oid", oid, "requestId", request_id);
}

/* The exception an EOF carries; an unknown class becomes an IOException
 * whose message names it. */
static struct jser_node *
pos_eof_error(struct jser_doc *doc, const char *cls, const char *msg)
{
	struct jser_node	*e;
	char			*text;
	size_t			 len;

	if (cls == NULL)
		cls = "java.io.IOException";
	if (cmd_exception_known(cls))
		return cmd_new_exception(doc, cls, msg);
	len = strlen(cls) + (msg != NULL ? strlen(msg) : 0) + 3;
	if ((text = malloc(len)) == NULL)
		return NULL;
	snprintf(text, len, "%s%s%s", cls, msg != NULL ? ": " : "",
	    msg != NULL ? msg : "");
	e = cmd_new_exception(doc, "java.io.IOException", text);
	free(text);
	return e;
}

int
cmd_put_pos_eof(struct wbuf *out, int32_t io_id, int32_t oid,
    int32_t request_id, const char *error_cls, const char *error_msg)
{
	struct jser_doc		*doc;
	struct jser_node	*o, *e = NULL;

	if ((o = cmd_new(&doc, "hudson.remoting.ProxyOutputStream$EOF")) !=
	    NULL) {
		if (((error_cls != NULL || error_msg != NULL) &&
		    (e = pos_eof_error(doc, error_cls, error_msg)) == NULL) ||
		    set_int(o, "ioId", io_id) != PROTO_OK ||
		    set_int(o, "oid", oid) != PROTO_OK ||
		    set_int(o, "requestId", request_id) != PROTO_OK ||
		    jser_set_ref(o, "error", e) != PROTO_OK)
			o = NULL;
	}
	return finish(doc, o, out);
}

int
cmd_put_pos_unexport(struct wbuf *out, int32_t io_id, int32_t oid)
{
	return put_ints(out, "hudson.remoting.ProxyOutputStream$Unexport", 2,
	    "ioId", io_id, "oid", oid, NULL, 0);
}

int
cmd_put_pos_ack(struct wbuf *out, int32_t oid, int32_t size)
{
	return put_ints(out, "hudson.remoting.ProxyOutputStream$Ack", 2,
	    "oid", oid, "size", size, NULL, 0);
}

int
cmd_put_pos_dead(struct wbuf *out, int32_t oid)
{
	return put_ints(out, "hudson.remoting.ProxyOutputStream"
	    "$NotifyDeadWriter", 1, "oid", oid, NULL, 0, NULL, 0);
}

int
cmd_put_pw_ack(struct wbuf *out, int32_t oid, int32_t size)
{
	return put_ints(out, "hudson.remoting.ProxyWriter$Ack", 2,
	    "oid", oid, "size", size, NULL, 0);
}

int
cmd_put_pis_chunk(struct wbuf *out, int32_t id, int32_t last_io_id,
    int32_t oid, int32_t len)
{
	struct jser_doc		*doc;
	struct jser_node	*o;

	if ((o = cmd_new(&doc, "hudson.remoting.ProxyInputStream$Chunk")) !=
	    NULL && (set_int(o, "id", id) != PROTO_OK ||
	    set_int(o, "lastIoId", last_io_id) != PROTO_OK ||
	    set_int(o, "len", len) != PROTO_OK ||
	    set_int(o, "oid", oid) != PROTO_OK))
		o = NULL;
	return finish(doc, o, out);
}

int
cmd_put_pis_eof(struct wbuf *out, int32_t oid)
{
	return put_ints(out, "hudson.remoting.ProxyInputStream$EOF", 1,
	    "oid", oid, NULL, 0, NULL, 0);
}

/* ---- parsing ---- */

static const struct {
	enum cmd_kind	 kind;
	const char	*cls;
} kinds[] = {
	{ CMD_USER_REQUEST, "hudson.remoting.UserRequest" },
	{ CMD_RESPONSE, "hudson.remoting.Response" },
	{ CMD_RPC_REQUEST, "hudson.remoting.RemoteInvocationHandler$RPCRequest" },
	{ CMD_USER_RPC_REQUEST,
	    "hudson.remoting.RemoteInvocationHandler$UserRPCRequest" },
	{ CMD_CANCEL, "hudson.remoting.Request$Cancel" },
	{ CMD_CLOSE, "hudson.remoting.Channel$CloseCommand" },
	{ CMD_UNEXPORT, "hudson.remoting.UnexportCommand" },
	{ CMD_GC, "hudson.remoting.GCCommand" },
	{ CMD_PIPE_CONNECT, "hudson.remoting.Pipe$ConnectCommand" },
	{ CMD_POS_CHUNK, "hudson.remoting.ProxyOutputStream$Chunk" },
	{ CMD_POS_FLUSH, "hudson.remoting.ProxyOutputStream$Flush" },
	{ CMD_POS_EOF, "hudson.remoting.ProxyOutputStream$EOF" },
	{ CMD_POS_UNEXPORT, "hudson.remoting.ProxyOutputStream$Unexport" },
	{ CMD_POS_ACK, "hudson.remoting.ProxyOutputStream$Ack" },
	{ CMD_POS_DEAD, "hudson.remoting.ProxyOutputStream$NotifyDeadWriter" },
	{ CMD_PIS_CHUNK, "hudson.remoting.ProxyInputStream$Chunk" },
	{ CMD_PIS_EOF, "hudson.remoting.ProxyInputStream$EOF" },
	{ CMD_PW_CHUNK, "hudson.remoting.ProxyWriter$Chunk" },
	{ CMD_PW_FLUSH, "hudson.remoting.ProxyWriter$Flush" },
	{ CMD_PW_EOF, "hudson.remoting.ProxyWriter$EOF" },
	{ CMD_PW_UNEXPORT, "hudson.remoting.ProxyWriter$Unexport" },
	{ CMD_PW_ACK, "hudson.remoting.ProxyWriter$Ack" },
	{ CMD_PW_DEAD, "hudson.remoting.ProxyWriter$NotifyDeadWriter" },
};

const char *
cmd_kind_class(enum cmd_kind kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].cls;
	return NULL;
}

/* A byte[] field: PROTO_OK with *p NULL for null. */
static int
field_bytes(const struct jser_node *o, const char *name, const uint8_t **p,
    uint32_t *len, bool *present)
{
	struct jser_node	*a;
	int			 r;

	*p = NULL;
	*len = 0;
	if (present != NULL)
		*present = false;
	if ((r = jser_field_ref(o, name, &a)) != PROTO_OK)
		return r;
	if (a == NULL)
		return PROTO_OK;
	if ((r = jser_array_bytes(a, p, len)) != PROTO_OK)
		return r;
	if (present != NULL)
		*present = true;
	return PROTO_OK;
}

int
cmd_proxy_oid(const struct jser_node *n, int32_t *oid)
{
	struct jser_node	*h;
	const char		*cls;

	if (n == NULL || n->type != JSER_OBJECT)
		return PROTO_TYPE;
	cls = jser_class_name(n);
	if (cls != NULL && strcmp(cls,
	    "hudson.remoting.RemoteClassLoader$RemoteIClassLoader") == 0)
		return jser_field_int(n, "oid", oid) == PROTO_OK ? PROTO_OK :
		    PROTO_TYPE;
	if (n->u.obj.desc == NULL || n->u.obj.desc->type != JSER_PROXYDESC ||
	    jser_field_ref(n, "h", &h) != PROTO_OK || h == NULL ||
	    !jser_instance_of(h, "hudson.remoting.RemoteInvocationHandler") ||
	    jser_field_int(h, "oid", oid) != PROTO_OK)
		return PROTO_TYPE;
	return PROTO_OK;
}

int
cmd_parse_rpc(const struct jser_node *obj, struct cmd_rpc *rpc)
{
	int	 r;

	memset(rpc, 0, sizeof(*rpc));
	if ((r = jser_field_int(obj, "oid", &rpc->oid)) != PROTO_OK ||
	    (r = jser_field_string(obj, "methodName", &rpc->method)) !=
	    PROTO_OK || rpc->method == NULL)
		return PROTO_MALFORMED;
	if (jser_field_string(obj, "declaringClassName", &rpc->decl_class) !=
	    PROTO_OK)
		rpc->decl_class = NULL;
	if (jser_field_ref(obj, "arguments", &rpc->args) != PROTO_OK ||
	    (rpc->args != NULL && rpc->args->type != JSER_ARRAY))
		return PROTO_MALFORMED;
	if (jser_field_ref(obj, "types", &rpc->types) != PROTO_OK ||
	    (rpc->types != NULL && rpc->types->type != JSER_ARRAY))
		return PROTO_MALFORMED;
	rpc->nargs = rpc->args ? rpc->args->u.arr.length : 0;
	rpc->ntypes = rpc->types ? rpc->types->u.arr.length : 0;
	return PROTO_OK;
}

static int
parse_response(struct cmd *c)
{
	const char	*cls;
	int		 r;

	if (jser_field_int(c->root, "id", &c->id) != PROTO_OK ||
	    jser_field_int(c->root, "lastIoId", &c->last_io_id) != PROTO_OK ||
	    jser_field_ref(c->root, "returnValue", &c->ret) != PROTO_OK ||
	    jser_field_ref(c->root, "exception", &c->exc) != PROTO_OK)
		return PROTO_MALFORMED;
	c->resp = CMD_RESP_RAW;
	if (c->ret == NULL || (cls = jser_class_name(c->ret)) == NULL)
		return PROTO_OK;
	if (strcmp(cls, CMD_CLS_NORMAL_RESPONSE) == 0) {
		c->resp = CMD_RESP_NORMAL;
		r = field_bytes(c->ret, "response", &c->payload,
		    &c->payload_len, &c->has_payload);
	} else if (strcmp(cls, CMD_CLS_EXC_RESPONSE) == 0) {
		c->resp = CMD_RESP_EXCEPTION;
		if ((r = field_bytes(c->ret, "proxyResponse", &c->payload,
		    &c->payload_len, &c->has_payload)) == PROTO_OK)
			r = field_bytes(c->ret, "rawResponse", &c->raw,
			    &c->raw_len, &c->has_raw);
	} else if (strcmp(cls, CMD_CLS_USER_RESPONSE) == 0) {
		c->resp = CMD_RESP_USER;
		if ((r = jser_field_bool(c->ret, "isException",
		    &c->user_exc)) == PROTO_OK)
			r = field_bytes(c->ret, "response", &c->payload,
			    &c->payload_len, &c->has_payload);
	} else
		return PROTO_OK;
	return r == PROTO_OK ? PROTO_OK : PROTO_MALFORMED;
}

static int
parse_fields(struct cmd *c)
{
	struct jser_node	*o = c->root, *a;
	int			 r = PROTO_OK;

	if (c->is_request &&
	    (jser_field_int(o, "id", &c->id) != PROTO_OK ||
	    jser_field_int(o, "lastIoId", &c->last_io_id) != PROTO_OK))
		return PROTO_MALFORMED;

	switch (c->kind) {
	case CMD_USER_REQUEST:
		if (field_bytes(o, "request", &c->payload, &c->payload_len,
		    &c->has_payload) != PROTO_OK)
			return PROTO_MALFORMED;
		if (jser_field_string(o, "toString", &c->to_string) !=
		    PROTO_OK)
			c->to_string = NULL;
		c->loader_oid = -1;
		if (jser_field_ref(o, "classLoaderProxy", &a) == PROTO_OK &&
		    cmd_proxy_oid(a, &c->loader_oid) != PROTO_OK)
			c->loader_oid = -1;
		return PROTO_OK;
	case CMD_RESPONSE:
		return parse_response(c);
	case CMD_RPC_REQUEST:
	case CMD_USER_RPC_REQUEST:
		return cmd_parse_rpc(o, &c->rpc);
	case CMD_CANCEL:
		r = jser_field_int(o, "id", &c->id);
		break;
	case CMD_UNEXPORT:
	case CMD_POS_DEAD:
	case CMD_PIS_EOF:
	case CMD_PW_DEAD:
		r = jser_field_int(o, "oid", &c->oid);
		break;
	case CMD_PIPE_CONNECT:
		if ((r = jser_field_int(o, "oidPos", &c->oid_pos)) == PROTO_OK)
			r = jser_field_int(o, "oidRos", &c->oid_ros);
		break;
	case CMD_POS_CHUNK:
	case CMD_PW_CHUNK:
		if ((r = jser_field_int(o, "ioId", &c->io_id)) != PROTO_OK ||
		    (r = jser_field_int(o, "oid", &c->oid)) != PROTO_OK)
			break;
		if (c->kind == CMD_POS_CHUNK) {
			if ((r = jser_field_int(o, "requestId",
			    &c->request_id)) != PROTO_OK)
				break;
			r = field_bytes(o, "buf", &c->buf, &c->buf_len, NULL);
			break;
		}
		if ((r = jser_field_ref(o, "buf", &a)) != PROTO_OK)
			break;
		if (a != NULL) {
			if (a->type != JSER_ARRAY || a->u.arr.elem != 'C' ||
			    a->u.arr.length > UINT32_MAX / 2)
				return PROTO_MALFORMED;
			c->buf = a->u.arr.data;
			c->buf_len = a->u.arr.length * 2;
		}
		break;
	case CMD_POS_FLUSH:
	case CMD_POS_EOF:
		if ((r = jser_field_int(o, "ioId", &c->io_id)) != PROTO_OK ||
		    (r = jser_field_int(o, "oid", &c->oid)) != PROTO_OK)
			break;
		if (jser_field_int(o, "requestId", &c->request_id) !=
		    PROTO_OK)
			c->request_id = 0;
		if (c->kind == CMD_POS_EOF &&
		    jser_field_ref(o, "error", &c->error) != PROTO_OK)
			c->error = NULL;
		break;
	case CMD_POS_UNEXPORT:
	case CMD_PW_FLUSH:
	case CMD_PW_EOF:
	case CMD_PW_UNEXPORT:
		if ((r = jser_field_int(o, "ioId", &c->io_id)) == PROTO_OK)
			r = jser_field_int(o, "oid", &c->oid);
		break;
	case CMD_POS_ACK:
	case CMD_PW_ACK:
		if ((r = jser_field_int(o, "oid", &c->oid)) == PROTO_OK)
			r = jser_field_int(o, "size", &c->size);
		break;
	case CMD_PIS_CHUNK:
		if ((r = jser_field_int(o, "oid", &c->oid)) == PROTO_OK)
			r = jser_field_int(o, "len", &c->size);
		break;
	case CMD_CLOSE:
	case CMD_GC:
	case CMD_UNKNOWN:
		break;
	}
	return r == PROTO_OK ? PROTO_OK : PROTO_MALFORMED;
}

int
cmd_parse(const uint8_t *p, size_t len, const struct proto_limits *lim,
    struct cmd *c, struct jser_err *err)
{
	size_t	 i;
	int	 r;

	memset(c, 0, sizeof(*c));
	if ((r = jser_decode(p, len, lim, &c->doc, err)) != PROTO_OK) {
		c->doc = NULL;
		return r == PROTO_INCOMPLETE ? PROTO_MALFORMED : r;
	}
	c->root = jser_root(c->doc);
	if (c->root == NULL || c->root->type != JSER_OBJECT ||
	    c->doc->top.n != 1 ||
	    !jser_instance_of(c->root, CMD_CLS_COMMAND) ||
	    (c->cls = jser_class_name(c->root)) == NULL) {
		if (err != NULL) {
			err->code = PROTO_MALFORMED;
			err->offset = 0;
			snprintf(err->msg, sizeof(err->msg),
			    "not a single hudson.remoting.Command object");
		}
		cmd_free(c);
		return PROTO_MALFORMED;
	}
	c->kind = CMD_UNKNOWN;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].cls, c->cls) == 0) {
			c->kind = kinds[i].kind;
			break;
		}
	c->is_request = jser_instance_of(c->root, CMD_CLS_REQUEST);
	if ((r = parse_fields(c)) != PROTO_OK) {
		if (err != NULL) {
			err->code = r;
			err->offset = 0;
			snprintf(err->msg, sizeof(err->msg),
			    "%.100s: missing or mistyped field", c->cls);
		}
		cmd_free(c);
		return r;
	}
	return PROTO_OK;
}

void
cmd_free(struct cmd *c)
{
	if (c == NULL)
		return;
	jser_doc_free(c->doc);
	memset(c, 0, sizeof(*c));
}
