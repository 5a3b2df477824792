/*
 * limits.c: default limits for peer input (see limits.h).
 */
#include "protocol/limits.h"

const struct proto_limits proto_limits_default = {
	.max_depth = 512,
	.max_handles = 1u << 20,
	.max_bytes = 64u << 20,
	.max_array = 64u << 20,
	.max_string = 16u << 20,
	.max_fields = 4096,
	.max_interfaces = 1024,
	.max_chunk = 32767,
	.max_command = 64u << 20,
};
