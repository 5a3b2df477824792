/*
 * jval.h: Java values on top of the jser object graph.
 *
 * Builders make the JDK objects the agent sends (boxed primitives, arrays,
 * ArrayList, HashMap, TreeMap, exceptions, hudson.remoting.ProxyException)
 * with the exact class descriptors, flags and custom data that
 * ObjectOutputStream writes, so that the encoded bytes equal Java's.
 * Readers take apart the values a controller sends (boxed primitives,
 * strings, lists, maps, sets, throwables) from a decoded graph.
 *
 * Class-loader annotations (remoting protocol notes, section 5.1): in a
 * nested payload stream every class descriptor carries one.  With
 * ctx->payload set, each descriptor made here gets SYSTEM (-3) for JDK
 * classes (java.*, javax.*, arrays of those, primitive arrays) and LOCAL
 * (-1, loader_oid) for other classes when loader_oid > 0, else SYSTEM.
 * Without it (command streams) annotations are empty.
 *
 * Ownership: every node, string and array made or returned here lives in
 * ctx->doc (or the doc passed) and is freed by jser_doc_free().  Nothing
 * here does I/O, logs or exits.  Builders return NULL only when an
 * allocation fails (or on a bad argument, e.g. a NULL name).
 */
#ifndef JNAGENT_PROTOCOL_JVAL_H
#define JNAGENT_PROTOCOL_JVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/jser.h"

/* Annotation tags of remoting's MultiClassLoaderSerializer. */
#define JVAL_LOADER_SYSTEM	(-3)
#define JVAL_LOADER_EXPORTED	(-2)
#define JVAL_LOADER_LOCAL	(-1)

/* serialVersionUIDs of JDK 17 classes used here. */
#define JVAL_SUID_BOOLEAN	INT64_C(-3665804199014368530)
#define JVAL_SUID_BYTE		INT64_C(-7183698231559129828)
#define JVAL_SUID_SHORT		INT64_C(7515723908773894738)
#define JVAL_SUID_CHARACTER	INT64_C(3786198910865385080)
#define JVAL_SUID_INTEGER	INT64_C(1360826667806852920)
#define JVAL_SUID_LONG		INT64_C(4290774380558885855)
#define JVAL_SUID_FLOAT		INT64_C(-2671257302660747028)
#define JVAL_SUID_DOUBLE	INT64_C(-9172774392245257468)
#define JVAL_SUID_NUMBER	INT64_C(-8742448824652078965)
#define JVAL_SUID_ARRAYLIST	INT64_C(8683452581122892189)
#define JVAL_SUID_HASHMAP	INT64_C(362498820763181265)
#define JVAL_SUID_TREEMAP	INT64_C(919286545866124006)
#define JVAL_SUID_CASEINSENSITIVE INT64_C(8575799808933029326)
#define JVAL_SUID_EMPTYLIST	INT64_C(8842843931221139166)
#define JVAL_SUID_THROWABLE	INT64_C(-3042686055658047285)
#define JVAL_SUID_EXCEPTION	INT64_C(-3387516993124229948)
#define JVAL_SUID_IOEXCEPTION	INT64_C(7818375828146090155)
#define JVAL_SUID_RUNTIMEEXCEPTION INT64_C(-7034897190745766939)
#define JVAL_SUID_STACKTRACEELEMENT INT64_C(6992337162326171013)
#define JVAL_SUID_STACKTRACEELEMENT_ARRAY INT64_C(163864874655228473)
#define JVAL_SUID_PROXYEXCEPTION INT64_C(1332793125360580541)
#define JVAL_SUID_OBJECT_ARRAY	INT64_C(-8012369246846506644)
#define JVAL_SUID_STRING_ARRAY	INT64_C(-5921575005990323385)

/*
 * Builder context.  Zero-initialise it, then set doc, payload and
 * loader_oid; empty_list is a per-doc cache (Java writes the
 * Collections.emptyList() singleton once per stream and refers to it
 * afterwards) and must start NULL.  Use one context per doc.
 */
struct jval_ctx {
	struct jser_doc		*doc;
	bool			 payload;	/* annotate descriptors (5.1) */
	int32_t			 loader_oid;	/* LOCAL loader for non-JDK
						 * classes; <= 0: SYSTEM */
	struct jser_node	*empty_list;	/* private cache */
};

/* One declared field of a class made with jval_class(). */
struct jval_field {
	char		 type;	/* B C D F I J S Z L [ */
	const char	*name;
	const char	*sig;	/* JVM signature for L and [, else NULL */
};

/*
 * The descriptor of class name in ctx->doc: an earlier one of that name if
 * there is one (then the other arguments are ignored), else a new one with
 * the given fields (in stream order) and the annotation ctx calls for.
 * super is the superclass descriptor or NULL.
 */
struct jser_node *jval_class(struct jval_ctx *ctx, const char *name,
    int64_t suid, uint8_t flags, struct jser_node *super,
    const struct jval_field *fields, size_t nfields);

/* The annotation jval_class() gives class name in this context: writes
 * JVAL_LOADER_SYSTEM or JVAL_LOADER_LOCAL to *tag and the oid to *oid. */
void jval_loader_for(const struct jval_ctx *ctx, const char *name,
    int32_t *tag, int32_t *oid);

/* A proxy class descriptor with java.lang.reflect.Proxy as super. */
struct jser_node *jval_proxy_class(struct jval_ctx *ctx,
    const char *const *interfaces, uint32_t n);

/* ---- builders: scalars ---- */

/* A java.lang.String from UTF-8 text (U+0000 and non-BMP allowed). */
struct jser_node *jval_string(struct jval_ctx *ctx, const char *utf8,
    size_t len);
/* Same, NUL-terminated; NULL s gives NULL (Java null) without error. */
struct jser_node *jval_cstring(struct jval_ctx *ctx, const char *s);

struct jser_node *jval_boolean(struct jval_ctx *ctx, bool v);
struct jser_node *jval_byte(struct jval_ctx *ctx, int8_t v);
struct jser_node *jval_short(struct jval_ctx *ctx, int16_t v);
struct jser_node *jval_char(struct jval_ctx *ctx, uint16_t v);
struct jser_node *jval_int(struct jval_ctx *ctx, int32_t v);
struct jser_node *jval_long(struct jval_ctx *ctx, int64_t v);
struct jser_node *jval_float(struct jval_ctx *ctx, float v);
struct jser_node *jval_double(struct jval_ctx *ctx, double v);

/* ---- builders: arrays ---- */

/*
 * A primitive array (elem one of B C D F I J S Z) of n elements from
 * host-order values: int8_t, uint16_t, double, float, int32_t, int64_t,
 * int16_t, bool respectively.  values may be NULL for zeros.
 */
struct jser_node *jval_prim_array(struct jval_ctx *ctx, char elem,
    const void *values, uint32_t n);
/* byte[] from bytes. */
struct jser_node *jval_bytes(struct jval_ctx *ctx, const void *p,
    uint32_t n);
/* String[] from UTF-8 C strings (a NULL entry is a null element). */
struct jser_node *jval_string_array(struct jval_ctx *ctx,
    const char *const *strs, uint32_t n);
/* Object[] of n elements (set them with jser_array_set; NULL items may be
 * passed to make them all null). */
struct jser_node *jval_object_array(struct jval_ctx *ctx,
    struct jser_node *const *items, uint32_t n);

/* ---- builders: collections ---- */

/* java.util.ArrayList with n elements (nodes or NULL). */
struct jser_node *jval_arraylist(struct jval_ctx *ctx,
    struct jser_node *const *items, uint32_t n);
/* The Collections.emptyList() singleton (one object per context). */
struct jser_node *jval_empty_list(struct jval_ctx *ctx);

/*
 * java.util.HashMap built like `new HashMap<>()` plus n put() calls:
 * loadFactor 0.75, threshold and bucket count as JDK 17 has them, and
 * entries in the order HashMap iterates them (bucket order computed from
 * hashCode() for String, Integer, Long, Short, Byte, Character, Float,
 * Double and Boolean keys; other keys keep the given order).  Not modelled: the
 * order inside a tree bin (9+ keys colliding in one bucket of a table of
 * 64+ buckets).  Duplicate keys are the caller's business.
 */
struct jser_node *jval_hashmap(struct jval_ctx *ctx,
    struct jser_node *const *keys, struct jser_node *const *values,
    uint32_t n);

/*
 * java.util.TreeMap with an optional comparator object.  When every key
 * is a String, entries are written sorted as TreeMap would hold them
 * (natural String order, or case-insensitive order when comparator is a
 * java.lang.String$CaseInsensitiveComparator); otherwise in given order.
 */
struct jser_node *jval_treemap(struct jval_ctx *ctx,
    struct jser_node *comparator, struct jser_node *const *keys,
    struct jser_node *const *values, uint32_t n);
/* String.CASE_INSENSITIVE_ORDER. */
struct jser_node *jval_case_insensitive_order(struct jval_ctx *ctx);

/* ---- builders: exceptions ---- */

/* One frame of a stack trace (JDK 17 StackTraceElement fields). */
struct jval_frame {
	const char	*class_loader_name;	/* NULL = null */
	const char	*declaring_class;
	const char	*file_name;
	const char	*method_name;
	const char	*module_name;
	const char	*module_version;
	int32_t		 line;
	uint8_t		 format;
};

/* A class in an exception's chain. */
struct jval_classref {
	const char	*name;
	int64_t		 suid;
};

enum jval_suppressed {
	JVAL_SUPPRESSED_EMPTY = 0,	/* Collections.emptyList(), as Java */
	JVAL_SUPPRESSED_NULL,		/* TC_NULL */
};

/*
 * A Throwable.  chain lists the classes leaf first, up to (optionally
 * including) java.lang.Throwable, which is added when missing; each
 * class is plain SC_SERIALIZABLE without fields.  message may be NULL.
 * cause NULL writes a reference to the exception itself (Java's "no
 * cause").  nframes < 0 writes a null stackTrace; frames may be NULL when
 * nframes <= 0.
 */
struct jser_node *jval_throwable(struct jval_ctx *ctx,
    const struct jval_classref *chain, size_t nchain, const char *message,
    struct jser_node *cause, const struct jval_frame *frames, int nframes,
    enum jval_suppressed suppressed);

/*
 * hudson.remoting.ProxyException standing for an exception of class cls
 * with message msg (may be NULL): detailMessage "cls: msg" (or "cls"),
 * the given stack trace, and cause (another ProxyException or NULL for
 * none) as section 5.5 of the protocol notes says.
 */
struct jser_node *jval_proxy_exception(struct jval_ctx *ctx,
    const char *cls, const char *msg, const struct jval_frame *frames,
    int nframes, struct jser_node *cause);

/* ---- readers ---- */

/*
 * Boxed integers (Byte, Short, Character, Integer, Long) to *v.
 * PROTO_TYPE for other nodes (including NULL).
 */
int jval_get_int(const struct jser_node *n, int64_t *v);
/* Float, Double, or any boxed integer, to *v. */
int jval_get_double(const struct jser_node *n, double *v);
int jval_get_bool(const struct jser_node *n, bool *v);
/* A String node's MUTF-8 text (borrowed) and byte length. */
int jval_get_string(const struct jser_node *n, const char **s,
    size_t *len);
/* A String node's text as UTF-8 (allocated in doc, NUL-terminated). */
int jval_get_utf8(struct jser_doc *doc, const struct jser_node *n,
    char **s, size_t *len);

/*
 * Items of a list: ArrayList, LinkedList, Vector, Arrays$ArrayList,
 * Collections$Unmodifiable{,RandomAccess}List / UnmodifiableCollection,
 * Collections$EmptyList, Collections$SingletonList, or an Object[]
 * array.  *items is allocated in doc (NULL when *n is 0) and borrows the
 * nodes.  PROTO_TYPE for another node, PROTO_MALFORMED if its data does
 * not hold what the class writes.
 */
int jval_list_items(struct jser_doc *doc, const struct jser_node *list,
    struct jser_node ***items, uint32_t *n);
/* Items of a set: HashSet, LinkedHashSet, TreeSet, Collections$EmptySet,
 * SingletonSet, UnmodifiableSet. */
int jval_set_items(struct jser_doc *doc, const struct jser_node *set,
    struct jser_node ***items, uint32_t *n);
/*
 * Entries of a map: HashMap, LinkedHashMap, TreeMap, Hashtable,
 * Properties, ConcurrentHashMap, Collections$UnmodifiableMap, EmptyMap,
 * SingletonMap.  keys[i] maps to values[i], in stream order.
 */
int jval_map_entries(struct jser_doc *doc, const struct jser_node *map,
    struct jser_node ***keys, struct jser_node ***values, uint32_t *n);
/* Look a String key up in a map's entries; *v = value (or NULL). */
int jval_map_get(struct jser_doc *doc, const struct jser_node *map,
    const char *key, struct jser_node **v);

/*
 * A Throwable's class name, detailMessage (MUTF-8, NULL when null) and
 * cause (NULL when null or the exception itself).  Any out pointer may be
 * NULL.  PROTO_TYPE if n is not a java.lang.Throwable.
 */
int jval_throwable_info(const struct jser_node *n, const char **cls,
    const char **message, struct jser_node **cause);

#endif
