/*
 * jser.h: Java Object Serialization (stream protocol version 2) as a
 * generic object graph.
 *
 * Reference: Java Object Serialization Specification, chapter 6 (grammar
 * and terminal symbols), and section 8 of the remoting protocol notes.
 *
 * jser_decode() turns one stream (magic, version, contents...) into a
 * struct jser_doc: a graph of nodes that keeps everything needed to write
 * the same bytes back with jser_encode(): block-data segmentation, long vs
 * short strings, TC_REFERENCE vs new objects (a back-reference is the same
 * node pointer seen again), resets, exceptions, class annotations and the
 * custom data of classes with writeObject.
 *
 * The same node types serve the encoder's builder API: the agent makes a
 * doc, creates descriptors and objects in it, and encodes it.  The encoder
 * writes TC_REFERENCE for a node it has already written in the current
 * stream (since the last TC_RESET), and the node in full otherwise, which
 * is exactly what ObjectOutputStream does.
 *
 * Ownership: a doc owns every node, string and array made in it (an arena);
 * jser_doc_free() releases all at once.  Pointers into a doc stay valid
 * until then.  Nothing here does I/O, logs or exits.
 */
#ifndef JNAGENT_PROTOCOL_JSER_H
#define JNAGENT_PROTOCOL_JSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/buf.h"
#include "protocol/limits.h"

#define JSER_MAGIC		0xACEDu
#define JSER_VERSION		5u
#define JSER_BASE_HANDLE	0x7E0000

/* Terminal symbols (TC_*). */
#define TC_NULL			0x70
#define TC_REFERENCE		0x71
#define TC_CLASSDESC		0x72
#define TC_OBJECT		0x73
#define TC_STRING		0x74
#define TC_ARRAY		0x75
#define TC_CLASS		0x76
#define TC_BLOCKDATA		0x77
#define TC_ENDBLOCKDATA		0x78
#define TC_RESET		0x79
#define TC_BLOCKDATALONG	0x7A
#define TC_EXCEPTION		0x7B
#define TC_LONGSTRING		0x7C
#define TC_PROXYCLASSDESC	0x7D
#define TC_ENUM			0x7E

/* Class descriptor flags. */
#define SC_WRITE_METHOD		0x01
#define SC_SERIALIZABLE		0x02
#define SC_EXTERNALIZABLE	0x04
#define SC_BLOCK_DATA		0x08
#define SC_ENUM			0x10

enum jser_type {
	JSER_STRING = 1,	/* TC_STRING / TC_LONGSTRING */
	JSER_OBJECT,		/* TC_OBJECT */
	JSER_ARRAY,		/* TC_ARRAY */
	JSER_CLASSDESC,		/* TC_CLASSDESC */
	JSER_PROXYDESC,		/* TC_PROXYCLASSDESC */
	JSER_ENUM,		/* TC_ENUM */
	JSER_CLASS,		/* TC_CLASS */
	JSER_BLOCKDATA,		/* TC_BLOCKDATA / TC_BLOCKDATALONG */
	JSER_RESET,		/* TC_RESET (only in content lists) */
	JSER_EXCEPTION,		/* TC_EXCEPTION (only in content lists) */
};

struct jser_node;

/*
 * A sequence of contents: top-level stream contents, a class annotation,
 * or the custom data a writeObject/writeExternal method wrote.  A NULL item
 * is TC_NULL.  Block data keeps its original segmentation.
 */
struct jser_content {
	struct jser_node	**items;
	uint32_t		  n, cap;
};

/* One declared field of a class descriptor, in stream order. */
struct jser_fielddesc {
	char			 type;	/* B C D F I J S Z L [ */
	const char		*name;	/* modified UTF-8, NUL-terminated */
	struct jser_node	*class_name; /* JSER_STRING ("Ljava/lang/String;")
					      * for L and [, else NULL */
};

/*
 * A field value.  Primitives keep their raw bits (float/double as IEEE
 * bits) so that encoding is exact; use the accessors below to read them.
 * For L and [ fields, ref is the node or NULL for TC_NULL.
 */
union jser_value {
	uint64_t		 prim;
	struct jser_node	*ref;
};

/* Instance data of one class in an object's chain. */
struct jser_classdata {
	struct jser_node	*desc;	 /* JSER_CLASSDESC of this class */
	union jser_value	*values; /* desc->u.desc.nfields entries, or
					  * NULL if the fields were not written */
	bool			 has_fields; /* declared fields were written */
	bool			 has_custom; /* custom section present (ends
					      * with TC_ENDBLOCKDATA) */
	struct jser_content	 custom; /* writeObject / writeExternal data */
};

struct jser_node {
	enum jser_type	 type;
	int32_t		 handle;	/* handle assigned when decoded; -1 for
					 * nodes made by the builder and for
					 * block data, reset and exception */
	union {
		struct {			/* JSER_STRING */
			char		*s;	/* modified UTF-8, NUL-terminated
						 * (MUTF-8 never holds 0x00) */
			uint64_t	 len;	/* bytes, without the NUL */
			bool		 is_long; /* TC_LONGSTRING */
		} str;
		struct {			/* JSER_CLASSDESC */
			const char	*name;	/* binary name, MUTF-8, NUL-term. */
			int64_t		 suid;
			uint8_t		 flags;
			uint16_t	 nfields;
			struct jser_fielddesc *fields;
			struct jser_content annotation;
			struct jser_node *super; /* JSER_CLASSDESC, JSER_PROXYDESC
						  * or NULL */
			uint32_t	 chain;	/* private: descriptors in the
						 * super chain, this one included */
			bool		 busy;	/* private: still being decoded */
		} desc;
		struct {			/* JSER_PROXYDESC */
			uint32_t	 ninterfaces;
			const char	**interfaces; /* MUTF-8, NUL-term. */
			struct jser_content annotation;
			struct jser_node *super;
			uint32_t	 chain;	/* private, as in desc */
			bool		 busy;	/* private, as in desc */
		} proxy;
		struct {			/* JSER_OBJECT */
			struct jser_node *desc;	/* CLASSDESC or PROXYDESC */
			uint32_t	 nclasses;
			struct jser_classdata *classes; /* root-most serializable
							 * class first, leaf
							 * last; proxy descs
							 * contribute nothing */
		} obj;
		struct {			/* JSER_ARRAY */
			struct jser_node *desc;	/* descriptor named "[B" etc. */
			char		 elem;	/* element type code */
			uint32_t	 length;
			void		*data;	/* primitives: length * size raw
						 * big-endian bytes as on the
						 * wire; L and [: struct
						 * jser_node *[length] */
		} arr;
		struct {			/* JSER_ENUM */
			struct jser_node *desc;
			struct jser_node *name;	/* JSER_STRING constant name */
		} en;
		struct {			/* JSER_CLASS */
			struct jser_node *desc;
		} cls;
		struct {			/* JSER_BLOCKDATA */
			uint8_t		*data;
			uint32_t	 len;
			bool		 is_long; /* TC_BLOCKDATALONG */
		} block;
		struct {			/* JSER_EXCEPTION */
			struct jser_node *throwable;
		} exc;
	} u;
};

/* A decoded or built stream. */
struct jser_doc {
	struct jser_content	 top;	/* the stream's contents, in order */
	/* the rest is private to jser.c */
	struct jser_arena	*arena;
	struct jser_descreg	*descs;	/* builder: descriptors by name */
	size_t			 bytes;	/* bytes decoded */
};

/* Where and why a decode failed. */
struct jser_err {
	int	 code;		/* enum proto_err */
	size_t	 offset;	/* byte offset in the stream */
	char	 msg[160];	/* one line, no peer bytes beyond a short name */
};

/* ---- documents ---- */

struct jser_doc *jser_doc_new(void);	/* NULL on allocation failure */
void jser_doc_free(struct jser_doc *doc); /* NULL is fine */

/* ---- decoding ---- */

/*
 * Decode a whole stream: magic, version, then contents until the input
 * ends.  PROTO_INCOMPLETE if the input ends inside a content (or before
 * the magic); PROTO_MALFORMED, PROTO_TOO_BIG, PROTO_UNSUPPORTED or
 * PROTO_NOMEM otherwise.  On success *out (caller frees) holds the graph.
 * err may be NULL.  lim may be NULL for proto_limits_default.  The doc
 * copies what it keeps: p may be freed afterwards.
 *
 * Details: TC_RESET and TC_EXCEPTION are accepted only among the
 * top-level contents (Java writes them only at depth 0).  Strings must be
 * valid modified UTF-8 (no raw 0x00, no overlongs other than C0 80, no
 * 4-byte forms; surrogates are allowed).  A TC_REFERENCE must name a node
 * of a kind legal where it stands (a descriptor where a descriptor is
 * due, a string for field types and enum names).  For a class with
 * SC_WRITE_METHOD the declared fields are read first, except for the
 * classes known to write only custom data (remoting-protocol.md §8.4:
 * RemoteInputStream, Pipe, StreamTaskListener...); if the fields cannot
 * be read the section is re-read as custom data only (has_fields false).
 * The decoded graph is capped at 64 bytes of memory per input byte
 * (+1 MB): beyond that PROTO_TOO_BIG.
 */
int jser_decode(const uint8_t *p, size_t len, const struct proto_limits *lim,
    struct jser_doc **out, struct jser_err *err);

/* The first top-level content if it is a node (object, string...), else NULL. */
struct jser_node *jser_root(const struct jser_doc *doc);

/* ---- encoding ---- */

/*
 * Write magic, version and doc->top.  Handles are assigned in writing
 * order from JSER_BASE_HANDLE; a node met again is written as
 * TC_REFERENCE.  A decoded doc encodes to the exact bytes it came from.
 * On failure out keeps its previous length: PROTO_TOO_BIG (out's max, a
 * name over 65535 bytes, nesting over 2048), PROTO_MALFORMED (a node
 * where it cannot stand, e.g. block data in a field), PROTO_NOMEM.
 */
int jser_encode(const struct jser_doc *doc, struct wbuf *out);
/* Same, for a single top-level node (NULL writes TC_NULL). */
int jser_encode_node(const struct jser_node *root, struct wbuf *out);

/* ---- lookup ---- */

/* Binary class name of an object, enum, array or class node (or of a
 * class descriptor itself); NULL if none (e.g. a proxy object). */
const char *jser_class_name(const struct jser_node *n);
/* true if n is an object whose class or any superclass is named cls. */
bool jser_instance_of(const struct jser_node *n, const char *cls);

/*
 * Find a field by name in an object's chain, leaf class first.  Returns
 * the value (borrowed) and its descriptor in *fd (may be NULL), or NULL
 * if there is no such field or the fields of its class were not written.
 */
const union jser_value *jser_field(const struct jser_node *obj,
    const char *name, const struct jser_fielddesc **fd);

/* Typed shortcuts: PROTO_OK, PROTO_NOTFOUND or PROTO_TYPE. */
int jser_field_int(const struct jser_node *obj, const char *name, int32_t *v);
int jser_field_long(const struct jser_node *obj, const char *name, int64_t *v);
int jser_field_bool(const struct jser_node *obj, const char *name, bool *v);
int jser_field_double(const struct jser_node *obj, const char *name, double *v);
/* Object field: *v is the node or NULL (TC_NULL). */
int jser_field_ref(const struct jser_node *obj, const char *name,
    struct jser_node **v);
/*
 * String field: *v is the MUTF-8 text (borrowed) or NULL when the field
 * holds null.  PROTO_TYPE if it holds something else.
 */
int jser_field_string(const struct jser_node *obj, const char *name,
    const char **v);

/* Custom data written by class cls (NULL: the leaf class) in obj's
 * chain; NULL if that class has no custom section. */
const struct jser_content *jser_custom(const struct jser_node *obj,
    const char *cls);

/* Primitive array access: element i as int64 (B S I J sign-extended, C Z
 * zero-extended) or raw bits (F D).  PROTO_TYPE for an object array,
 * PROTO_NOTFOUND if i is out of range. */
int jser_array_get(const struct jser_node *arr, uint32_t i, uint64_t *v);
/* A byte[] node's bytes (borrowed), PROTO_TYPE for another node. */
int jser_array_bytes(const struct jser_node *arr, const uint8_t **p,
    uint32_t *len);

/* Raw bits to floating point (Java's float/double). */
float jser_bits_float(uint64_t bits);
double jser_bits_double(uint64_t bits);
uint64_t jser_float_bits(float f);
uint64_t jser_double_bits(double d);

/*
 * A cursor over a content list read as Java's ObjectInputStream reads
 * custom data: primitives span block-data segments; objects sit between.
 */
struct jser_cursor {
	const struct jser_content *c;
	uint32_t	 item;		/* index of the current item */
	uint32_t	 off;		/* offset inside a block-data item */
};

/*
 * Reads fail without consuming anything: PROTO_TYPE if an object (or
 * NULL) comes before the bytes asked for, PROTO_MALFORMED if the content
 * ends first.  jser_cursor_obj() skips exhausted block data and gives
 * PROTO_TYPE if unread bytes come first.
 */
void jser_cursor_init(struct jser_cursor *cur, const struct jser_content *c);
int jser_cursor_u8(struct jser_cursor *cur, uint8_t *v);
int jser_cursor_u16(struct jser_cursor *cur, uint16_t *v);
int jser_cursor_u32(struct jser_cursor *cur, uint32_t *v);
int jser_cursor_u64(struct jser_cursor *cur, uint64_t *v);
int jser_cursor_bytes(struct jser_cursor *cur, void *p, size_t n);
/* Next item must be an object position: *v = node or NULL for TC_NULL. */
int jser_cursor_obj(struct jser_cursor *cur, struct jser_node **v);
bool jser_cursor_end(const struct jser_cursor *cur);

/* ---- strings ---- */

/*
 * Modified UTF-8 <-> UTF-8.  Java's modified UTF-8 writes U+0000 as C0 80
 * and supplementary characters as two 3-byte surrogates.  Results are
 * allocated in doc (NUL-terminated; *outlen without the NUL; outlen may
 * be NULL).  Invalid input: PROTO_MALFORMED.  A lone surrogate in MUTF-8
 * (legal in Java strings) becomes U+FFFD in UTF-8; UTF-8 input must be
 * strict (no overlongs, no encoded surrogates).
 */
int jser_mutf8_to_utf8(struct jser_doc *doc, const char *m, size_t mlen,
    char **out, size_t *outlen);
int jser_utf8_to_mutf8(struct jser_doc *doc, const char *u, size_t ulen,
    char **out, size_t *outlen);
/* Validate modified UTF-8 (as the decoder does for every string). */
bool jser_mutf8_valid(const char *m, size_t mlen);

/* ---- building (encoder side) ---- */

/* Allocate n zeroed bytes in doc; NULL on failure. */
void *jser_alloc(struct jser_doc *doc, size_t n);
/* Copy a string into doc. */
char *jser_strdup(struct jser_doc *doc, const char *s, size_t len);

/* A string node from UTF-8 text (converted to MUTF-8; long if > 65535).
 * NULL on allocation failure or invalid UTF-8. */
struct jser_node *jser_new_string(struct jser_doc *doc, const char *utf8,
    size_t len);

/*
 * A class descriptor.  Fields are added in stream order with
 * jser_desc_add_field(); for L/[ fields, sig is the JVM type signature
 * ("Ljava/lang/String;").  The builder keeps one descriptor per name in a
 * doc: jser_desc_find() returns an earlier one, so that a stream writes
 * each class once and refers to it afterwards (jser_new_desc() with a name
 * already registered makes a new descriptor but does not replace the
 * registered one).  Field type strings are shared per doc: every field
 * with the same signature points at one string node, so the encoder
 * writes it once and then TC_REFERENCE, as Java does.  Add all fields
 * before making objects of the class.  jser_desc_add_field() returns
 * PROTO_TYPE for a bad type code, name or signature.
 */
struct jser_node *jser_new_desc(struct jser_doc *doc, const char *name,
    int64_t suid, uint8_t flags, struct jser_node *super);
int jser_desc_add_field(struct jser_doc *doc, struct jser_node *desc,
    char type, const char *name, const char *sig);
struct jser_node *jser_desc_find(const struct jser_doc *doc,
    const char *name);
/* Append a block-data item (ints big-endian as the caller encoded them)
 * or a node (NULL: TC_NULL) to a content list (a class annotation, custom
 * data).  Like ObjectOutputStream, consecutive block data is merged into
 * segments of up to 1024 bytes (TC_BLOCKDATALONG above 255). */
int jser_content_add_block(struct jser_doc *doc, struct jser_content *c,
    const void *p, size_t len);
int jser_content_add(struct jser_doc *doc, struct jser_content *c,
    struct jser_node *item);

/* A proxy class descriptor (super is normally java.lang.reflect.Proxy). */
struct jser_node *jser_new_proxydesc(struct jser_doc *doc,
    const char *const *interfaces, uint32_t n, struct jser_node *super);

/*
 * An object of class desc with zeroed fields (has_fields true unless the
 * class's data is custom only: pass has_fields false later via
 * jser_obj_classdata()).  Set fields with jser_set_*; append custom data
 * with jser_content_add*() on jser_obj_classdata(obj, cls)->custom, and
 * set has_custom.  Classes whose desc has SC_WRITE_METHOD get has_custom
 * true automatically, and the classes known to write custom data only
 * (see jser_decode) get has_fields false automatically.  An
 * externalizable class gets a single classdata with has_custom true.
 * jser_obj_classdata(obj, NULL) is the leaf class.  jser_set_*: PROTO_OK,
 * PROTO_NOTFOUND (no such field, or its class has no field values) or
 * PROTO_TYPE; primitive bits are masked to the field's width.
 */
struct jser_node *jser_new_object(struct jser_doc *doc, struct jser_node *desc);
struct jser_classdata *jser_obj_classdata(struct jser_node *obj,
    const char *cls);
int jser_set_prim(struct jser_node *obj, const char *name, uint64_t bits);
int jser_set_ref(struct jser_node *obj, const char *name,
    struct jser_node *v);

/* Arrays: primitive arrays copy length * element-size raw BE bytes from
 * data (may be NULL for zeros); object arrays start with NULL elements. */
struct jser_node *jser_new_array(struct jser_doc *doc, struct jser_node *desc,
    uint32_t length, const void *data);
int jser_array_set(struct jser_node *arr, uint32_t i, struct jser_node *v);

struct jser_node *jser_new_enum(struct jser_doc *doc, struct jser_node *desc,
    const char *constant);
struct jser_node *jser_new_class(struct jser_doc *doc, struct jser_node *desc);

/* Add a node as a top-level content of the doc. */
int jser_doc_add(struct jser_doc *doc, struct jser_node *n);

#endif
