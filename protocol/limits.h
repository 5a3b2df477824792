/*
 * limits.h: every limit applied to peer input, in one place.
 *
 * Decoders never size an allocation from a count the peer declared: they
 * grow as bytes actually arrive, and stop at these ceilings.
 */
#ifndef JNAGENT_PROTOCOL_LIMITS_H
#define JNAGENT_PROTOCOL_LIMITS_H

#include <stddef.h>

struct proto_limits {
	size_t	max_depth;	/* nesting of objects/arrays/descriptors */
	size_t	max_handles;	/* handles (objects, strings, descs) per stream */
	size_t	max_bytes;	/* one serialization stream, in bytes */
	size_t	max_array;	/* elements of one array */
	size_t	max_string;	/* bytes of one string (modified UTF-8) */
	size_t	max_fields;	/* fields of one class descriptor */
	size_t	max_interfaces;	/* interfaces of one proxy class descriptor */
	size_t	max_chunk;	/* payload of one transport chunk (<= 32767) */
	size_t	max_command;	/* one de-chunked command */
};

/* Defaults sized for Jenkins traffic (commands of a few MB at most). */
extern const struct proto_limits proto_limits_default;

#endif
