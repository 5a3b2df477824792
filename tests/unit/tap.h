/*
 * tap.h: a minimal TAP producer for unit tests (one program per module,
 * run by automake's TAP driver).
 */
#ifndef JNAGENT_TESTS_TAP_H
#define JNAGENT_TESTS_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int ok_ = (cond);	/* evaluate once: cond may consume input */	\
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	fflush(stdout);							\
	tap_failed += !ok_;						\
} while (0)

#define diag(...) do {							\
	printf("# ");							\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define skip_all(...) do {						\
	printf("1..0 # SKIP ");						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	exit(0);							\
} while (0)

/* Call last: prints the plan and returns the exit status. */
static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
