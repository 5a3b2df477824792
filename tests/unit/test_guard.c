/*
 * test_guard.c: the pure parts of the Docker API guard: request head
 * parsing (with a deterministic mutation run), path mapping, policy
 * labels.  The guard against a real daemon is tests/docker/test_guard.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker/guard.h"
#include "tests/unit/tap.h"

static int
parse(const char *s, struct guard_req *r)
{
	return guard_parse_request(s, strlen(s), r);
}

static void
test_parse(void)
{
	struct guard_req	r;

	ok(parse("GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: d\r\n"
	    "\r\n", &r) == 0 && strcmp(r.method, "GET") == 0 &&
	    strcmp(r.target, "/v1.41/containers/json?all=1") == 0 &&
	    r.clen == -1 && !r.chunked && r.minor == 1, "simple GET");
	ok(parse("POST /build HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n", &r) == 0 && r.chunked, "chunked");
	ok(parse("POST /x HTTP/1.1\r\nContent-Length: 12\r\n\r\n", &r) == 0 &&
	    r.clen == 12, "content length");
	ok(parse("POST /x HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", &r) == 400,
	    "both framings: 400");
	ok(parse("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"
	    "\r\n\r\n", &r) == 400, "two different lengths: 400");
	ok(parse("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &r) ==
	    400, "negative length: 400");
	ok(parse("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &r)
	    == 501, "other transfer coding: 501");
	ok(parse("POST /containers/x/attach HTTP/1.1\r\nConnection: "
	    "Upgrade\r\nUpgrade: tcp\r\n\r\n", &r) == 0 && r.upgrade,
	    "upgrade");
	ok(parse("GET x HTTP/1.1\r\n\r\n", &r) == 400, "relative target");
	ok(parse("GET / HTTP/2.0\r\n\r\n", &r) == 400, "HTTP/2.0");
	ok(parse("get / HTTP/1.1\r\n\r\n", &r) == 400, "lower-case method");
	ok(parse("GET / HTTP/1.1\r\nNoColon\r\n\r\n", &r) == 400,
	    "header without colon");
	ok(parse("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", &r) == 400,
	    "control byte in a value");
	ok(parse("GET / HTTP/1.0\r\n\r\n", &r) == 0 && r.close,
	    "HTTP/1.0 closes");
	ok(parse("GET / HTTP/1.1\r\n", &r) == 400, "no blank line");
	ok(parse("POST /x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", &r) ==
	    0 && r.expect100, "100-continue");
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void
test_mutation(void)
{
	static const char *seeds[] = {
		"GET /v1.41/containers/json HTTP/1.1\r\nHost: d\r\n\r\n",
		"POST /v1.41/containers/create?name=db HTTP/1.1\r\n"
		"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n",
		"POST /build HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		"Connection: Upgrade, keep-alive\r\nUpgrade: tcp\r\n\r\n",
	};
	struct guard_req	 r;
	char			 buf[512];
	size_t			 len, i;
	int			 n, bad = 0, st;

	for (n = 0; n < 200000; n++) {
		const char	*s = seeds[rnd() % 3];

		len = strlen(s);
		memcpy(buf, s, len);
		for (i = 0; i < 1 + rnd() % 4; i++) {
			switch (rnd() % 3) {
			case 0:
				buf[rnd() % len] = (char)rnd();
				break;
			case 1:
				len = 1 + rnd() % len;
				break;
			case 2:
				if (len < sizeof buf - 1)
					buf[len++] = (char)rnd();
				break;
			}
		}
		st = guard_parse_request(buf, len, &r);
		if (st != 0 && st != 400 && st != 417 && st != 431 && st !=
		    501)
			bad++;
		if (st == 0 && (r.target[0] != '/' || r.method[0] == '\0'))
			bad++;
	}
	ok(bad == 0, "200000 mutated heads: only 0/400/417/431/501, sane "
	    "results (%d bad)", bad);
}

static void
test_map(void)
{
	struct guard_map	maps[] = {
		{ "/home/jenkins", "/var/lib/agent" },
		{ "/home/jenkins/ws", "/data/ws" },
		{ "/", "/host" },
	};
	char			*p;

	p = guard_map_path(maps, 2, "/home/jenkins/ws/job/src");
	ok(p && strcmp(p, "/data/ws/job/src") == 0, "longest prefix: %s", p);
	free(p);
	p = guard_map_path(maps, 2, "/home/jenkins2/x");
	ok(p && strcmp(p, "/home/jenkins2/x") == 0,
	    "component boundary: %s", p);
	free(p);
	p = guard_map_path(maps, 2, "/home/jenkins");
	ok(p && strcmp(p, "/var/lib/agent") == 0, "exact: %s", p);
	free(p);
	p = guard_map_path(maps + 2, 1, "/etc/x");
	ok(p && strcmp(p, "/host/etc/x") == 0, "root map: %s", p);
	free(p);
}

static void
test_policy(void)
{
	unsigned	a;

	ok(guard_rule_lookup("privileged") == GUARD_RULE_PRIVILEGED &&
	    guard_rule_lookup("nope") == -1 &&
	    strcmp(guard_rule_name(GUARD_RULE_BIND),
	    "bind-outside-workspace") == 0 && guard_rule_name(99) == NULL,
	    "rule names");
	a = guard_policy_from_labels("linux docker docker-allow-privileged "
	    " docker-allow-cap-add docker-allow-bogus");
	ok(a == ((1u << GUARD_RULE_PRIVILEGED) | (1u << GUARD_RULE_CAP_ADD)),
	    "labels allow rules (%#x)", a);
	ok(guard_policy_from_labels("docker-allow-all") ==
	    (1u << GUARD_RULE_COUNT) - 1, "docker-allow-all");
	ok(guard_policy_from_labels("") == 0, "no labels");
}

int
main(void)
{
	test_parse();
	test_mutation();
	test_map();
	test_policy();
	return done_testing();
}
