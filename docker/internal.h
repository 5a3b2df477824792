/*
 * internal.h: what the files of docker/ share and nobody else sees: the
 * handle's fields, a capped string builder, the request engine.
 */
#ifndef JNAGENT_DOCKER_INTERNAL_H
#define JNAGENT_DOCKER_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>

#include <curl/curl.h>

#include "docker/docker.h"

/* The error body of a failed request is kept up to this many bytes. */
#define DOCKER_MAX_ERRBODY	(64 * 1024)
/* The head of a hijacked response. */
#define DOCKER_MAX_HEAD		(16 * 1024)

struct docker {
	CURL			*curl;		/* kept: it caches the connection */
	struct docker_host	 host;
	int			 host_set;	/* host given explicitly */
	char			 host_str[512];
	int			 tls;
	int			 verify;
	char			*cert_path;
	size_t			 max_json;
	long			 connect_ms;
	long			 request_ms;
	char			 api[16];	/* "" until negotiated */
	int			 api_forced;
	int			 status;
	char			 errmsg[512];
	char			 curlerr[CURL_ERROR_SIZE];
	atomic_int		 cancel;
};

/* A growable string; errors stick (err), so calls chain without checks. */
struct sbuf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 err;		/* DOCKER_ERR_NOMEM once an append failed */
};

void sbuf_free(struct sbuf *sb);
void sbuf_add(struct sbuf *sb, const char *s);
void sbuf_addn(struct sbuf *sb, const char *s, size_t n);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Percent-encode for a path segment (keeps unreserved, '/', ':', '@'). */
void sbuf_add_path(struct sbuf *sb, const char *s);
/* Percent-encode for a query value (keeps only unreserved). */
void sbuf_add_query(struct sbuf *sb, const char *s);
/* Start "/v<api><fmt...>" (negotiation must be done). */
void sbuf_api(struct sbuf *sb, struct docker *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set d->errmsg (printf-style); returns err for "return seterr(...)". */
int docker_seterr(struct docker *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Start of a public call: clears the error and status. */
void docker_begin(struct docker *d);
/* Start of a versioned call: docker_begin() and negotiate if needed. */
int docker_ready(struct docker *d);

enum docker_sink {
	SINK_DISCARD = 0,	/* body ignored (errors still parsed) */
	SINK_JSON,		/* body parsed into req.json */
	SINK_DATA,		/* body bytes to req.data */
	SINK_LINES,		/* newline-separated JSON objects to req.line */
	SINK_DEMUX,		/* multiplexed stream into req.demux */
	SINK_TEXT,		/* body kept as a string in req.text */
};

struct docker_req {
	const char		*method;	/* "GET" ... */
	const char		*path;		/* path and query, escaped */
	const void		*body;		/* or NULL */
	size_t			 body_len;
	docker_read_cb		 src;		/* chunked body source, or NULL */
	void			*src_arg;
	const char		*content_type;	/* of the body */
	const char		*extra_header;	/* a full header line, or NULL */
	int			 stream;	/* no overall timeout */
	long			 timeout_ms;	/* overrides d->request_ms */
	enum docker_sink	 sink;
	docker_data_cb		 data;
	void			*data_arg;
	docker_json_cb		 line;
	void			*line_arg;
	int			 line_errors;	/* {"error": ...} lines fail */
	struct docker_demux	*demux;
	/* results */
	cJSON			*json;		/* SINK_JSON: caller frees */
	char			*text;		/* SINK_TEXT: caller frees */
	char			 api_header[16];	/* Api-Version seen */
};

/* Run one request on d->curl; 0 or an error with d->errmsg set. */
int docker_request(struct docker *d, struct docker_req *r);
/* Options shared by requests and hijacked connections: address, TLS,
 * connect timeout.  Fills url (the base, no path). */
int docker_curl_setup(struct docker *d, CURL *c, char *url, size_t urlsz);

/* Copy at most n bytes of daemon text into dst (cap dstsz), replacing
 * control characters and trimming trailing white space. */
void docker_clean_text(char *dst, size_t dstsz, const char *s, size_t n);
/* The "message" of a JSON error body, or the cleaned body itself. */
void docker_error_body(struct docker *d, const char *body, size_t len);

/* JSON helpers (json.c). */
cJSON *docker_strv_json(const char *const *v);
/* {"label":[...]} URL-encoded as a query parameter "&filters=..." */
int docker_label_filters(struct sbuf *sb, const char *key,
    const char *const *labels);
/* A string member of obj or NULL. */
const char *docker_json_str(const cJSON *obj, const char *name);

#endif
