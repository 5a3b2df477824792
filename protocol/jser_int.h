/*
 * jser_int.h: private to protocol/jser*.c — the per-doc arena and helpers
 * shared by the decoder, the encoder/builder and the lookup code.
 */
#ifndef JNAGENT_PROTOCOL_JSER_INT_H
#define JNAGENT_PROTOCOL_JSER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocol/jser.h"

/*
 * A bump allocator: memory comes from malloc'd blocks that are released all
 * at once by jser_doc_free().  While decoding, total is capped (limit) so
 * that a peer cannot make us allocate far more than it sent.
 */
struct jser_ablk {
	struct jser_ablk	*next;
	size_t			 size;	/* usable bytes in data */
	size_t			 used;
	uint64_t		 data[];
};

struct jser_arena {
	struct jser_ablk	*cur;	/* block being filled (list head) */
	size_t			 total;	/* bytes of all blocks */
	size_t			 limit;	/* 0: none */
	size_t			 next_size; /* size of the next regular block */
	int			 limit_hit; /* an allocation failed on limit */
};

/* Descriptor and signature registries of the builder (singly linked). */
struct jser_descreg {
	struct jser_descreg	*next;
	struct jser_node	*node;	/* desc (by name) or string (by sig) */
	const char		*key;
	int			 is_sig;
};

void *jser_arena_slow(struct jser_arena *a, size_t n);

/* n bytes, 8-aligned, not zeroed, or NULL. */
static inline void *
jser_arena_alloc_raw(struct jser_arena *a, size_t n)
{
	struct jser_ablk	*b = a->cur;
	void			*p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (b != NULL && b->size - b->used >= n) {
		p = (uint8_t *)b->data + b->used;
		b->used += n;
		return p;
	}
	return jser_arena_slow(a, n);
}

/* n zeroed bytes, 8-aligned, or NULL. */
static inline void *
jser_arena_alloc(struct jser_arena *a, size_t n)
{
	void	*p;

	if ((p = jser_arena_alloc_raw(a, n)) != NULL)
		memset(p, 0, n);
	return p;
}

/* Append an item to a content list (grows in the arena). */
int jser_content_push(struct jser_arena *a, struct jser_content *c,
    struct jser_node *item);

/* Element size of a primitive array type code, 0 for L and [, -1 if bad. */
int jser_elem_size(char t);

/* Is this descriptor's class data custom only (writeObject without
 * defaultWriteObject)?  See remoting-protocol.md §8.4. */
int jser_custom_only(const char *name);

#endif
