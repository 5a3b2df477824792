/*
 * fake_engine.h: a tiny HTTP/1.1 server on a unix socket that plays the
 * Docker Engine with canned replies, for the error paths a real daemon
 * will not produce on demand (malformed or huge bodies, connections closed
 * mid-stream, odd versions).  It records every request it serves.  One
 * thread; one request per connection ("Connection: close").
 */
#ifndef JNAGENT_TESTS_FAKE_ENGINE_H
#define JNAGENT_TESTS_FAKE_ENGINE_H

#include <stddef.h>

enum fake_mode {
	FAKE_PLAIN = 0,		/* status, headers, Content-Length, body */
	FAKE_CHUNKED,		/* body sent chunked */
	FAKE_CLOSE_MID,		/* Content-Length twice the body, then close */
	FAKE_CLOSE_CHUNKED,	/* chunked body without the last chunk */
	FAKE_HUGE,		/* a JSON string of huge bytes, Content-Length */
	FAKE_HUGE_CHUNKED,	/* the same, chunked (no length up front) */
	FAKE_RAW,		/* body is the whole response, sent as is */
};

struct fake_route {
	const char	*method;	/* NULL = any */
	const char	*path;		/* prefix of the path without /vX.Y */
	int		 status;
	const char	*headers;	/* extra "Name: value\r\n" lines or NULL */
	const char	*body;		/* NULL = "" */
	size_t		 body_len;	/* 0 = strlen(body) */
	enum fake_mode	 mode;
	size_t		 huge;		/* FAKE_HUGE*: size of the body */
};

struct fake_engine;

/* Listen on sockpath (removed first) and serve in a thread; NULL on
 * failure.  routes are borrowed until fake_engine_stop() or the next
 * fake_engine_routes(); the first whose method and path prefix match
 * wins; no match gives 404 {"message":"fake: no route"}. */
struct fake_engine *fake_engine_start(const char *sockpath,
    const struct fake_route *routes, size_t n);
void fake_engine_routes(struct fake_engine *fe,
    const struct fake_route *routes, size_t n);
/* The last request: "METHOD TARGET\n" + header lines + "\n" + body
 * (body decoded from chunked; requests over 64 KB are dropped).  Caller frees. */
char *fake_engine_last(struct fake_engine *fe);
/* "METHOD TARGET\n" of every request since the last call.  Caller frees. */
char *fake_engine_log(struct fake_engine *fe);
void fake_engine_stop(struct fake_engine *fe);

#endif
