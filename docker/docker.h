/*
 * docker.h: a client for the Docker Engine API (libcurl + cJSON).
 *
 * Reference: the Docker Engine API (docs.docker.com/engine/api, versions
 * 1.25 to 1.47), including the multiplexed stream format of logs, attach
 * and exec ("8-byte header: stream type, 0, 0, 0, u32 BE length") and the
 * hijacked HTTP connection of attach/exec-start (Connection: Upgrade,
 * Upgrade: tcp).
 *
 * The daemon is reached over a unix socket (CURLOPT_UNIX_SOCKET_PATH) or
 * over TCP, plain or TLS, as chosen by a DOCKER_HOST string.  The API
 * version is negotiated on first use: min(daemon's ApiVersion,
 * DOCKER_API_MAX), but never below the daemon's MinAPIVersion; every
 * request then uses /v<version>/ paths.
 *
 * Errors: every function that talks to the daemon returns 0 or a negative
 * enum docker_err.  After a failure docker_errmsg() has the text (for
 * DOCKER_ERR_DAEMON exactly the "message" of the daemon's JSON error body)
 * and docker_last_status() the HTTP status of the last response (0 when
 * none came).  The library never logs, never exits, never aborts on bad
 * input from the daemon.
 *
 * Thread safety: a struct docker and everything made from it (a struct
 * docker_conn) belong to one thread at a time.  Use one struct docker per
 * thread.  The only exception is docker_cancel(), which any thread may
 * call at any time.  Call docker_global_init() once before starting
 * threads (it initialises libcurl).
 *
 * Ownership: "caller frees" means with the named function; a cJSON * that
 * the caller owns is freed with cJSON_Delete(); strings with free().
 * Callback arguments are borrowed for the duration of the call only.
 * NULL-terminated string vectors in arguments ("strv") are borrowed.
 */
#ifndef JNAGENT_DOCKER_DOCKER_H
#define JNAGENT_DOCKER_DOCKER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* Highest and lowest Engine API versions this library speaks. */
#define DOCKER_API_MAX		"1.47"
#define DOCKER_API_MIN		"1.25"
#define DOCKER_DEFAULT_HOST	"unix:///var/run/docker.sock"
/* Default ceiling of a JSON body (or one line of a JSON stream). */
#define DOCKER_MAX_JSON		(16 * 1024 * 1024)

enum docker_err {
	DOCKER_OK = 0,
	DOCKER_ERR_NOMEM = -1,		/* an allocation failed */
	DOCKER_ERR_INVAL = -2,		/* bad argument (e.g. DOCKER_HOST) */
	DOCKER_ERR_CONNECT = -3,	/* transport: connect, TLS, I/O, EOF */
	DOCKER_ERR_DAEMON = -4,		/* the daemon answered with an error */
	DOCKER_ERR_MALFORMED = -5,	/* a body or stream breaks its format */
	DOCKER_ERR_TOO_BIG = -6,	/* a body passed its ceiling */
	DOCKER_ERR_ABORTED = -7,	/* a callback asked to stop (nonzero) */
	DOCKER_ERR_CANCELLED = -8,	/* docker_cancel() was called */
	DOCKER_ERR_TIMEOUT = -9,	/* a timeout passed */
	DOCKER_ERR_VERSION = -10,	/* no API version in common */
	DOCKER_ERR_AGAIN = -11,		/* non-blocking I/O would block */
};

/* Static text for an enum docker_err value; never NULL. */
const char *docker_strerror(int err);

/* Call once, before threads start; 0 or DOCKER_ERR_NOMEM. */
int docker_global_init(void);
void docker_global_cleanup(void);

/* ---- DOCKER_HOST ------------------------------------------------------ */

enum docker_host_kind { DOCKER_HOST_UNIX = 1, DOCKER_HOST_TCP = 2 };

struct docker_host {
	enum docker_host_kind	 kind;
	char			 path[108];	/* UNIX: socket path */
	char			 host[256];	/* TCP: name or address, no [] */
	int			 port;		/* TCP: 1..65535 */
};

/*
 * Parse "unix:///path", "tcp://host:port", "tcp://[v6addr]:port" or
 * "tcp://host" (port: 2376 when tls is nonzero, else 2375).  A trailing
 * "/" after the port is accepted; any other path, a user part, a query,
 * or another scheme (ssh://, npipe://, fd://) is DOCKER_ERR_INVAL.
 * NULL or "" means DOCKER_DEFAULT_HOST.
 */
int docker_host_parse(const char *s, int tls, struct docker_host *out);

/* ---- the handle -------------------------------------------------------- */

struct docker;

/*
 * A handle for DOCKER_DEFAULT_HOST, no TLS.  NULL only when out of memory.
 * Nothing is connected until the first call.  Caller frees with
 * docker_free() (fine on NULL).
 */
struct docker *docker_new(void);
void docker_free(struct docker *d);

/*
 * Configure from the environment like the docker CLI: DOCKER_HOST;
 * DOCKER_TLS_VERIFY non-empty = TLS verifying the daemon's certificate
 * against ca.pem; DOCKER_TLS non-empty = TLS without verification;
 * DOCKER_CERT_PATH (default $HOME/.docker) holds ca.pem, cert.pem and
 * key.pem, each used when present.  0 or an error (docker_errmsg says).
 */
int docker_config_env(struct docker *d);
/* Set the daemon address (DOCKER_HOST form; NULL = default). */
int docker_set_host(struct docker *d, const char *host);
/*
 * TLS for tcp:// hosts: tls nonzero enables it, verify nonzero checks the
 * daemon's certificate and name; cert_path (copied; NULL = none) is a
 * directory with ca.pem, cert.pem, key.pem.  Call before docker_set_host()
 * when relying on its default port.  The key's contents are never read by
 * this library, only its path is handed to libcurl.
 */
int docker_set_tls(struct docker *d, int tls, int verify,
    const char *cert_path);
/* Ceiling of JSON bodies and JSON stream lines; 0 = DOCKER_MAX_JSON. */
void docker_set_max_json(struct docker *d, size_t max);
/* Connect timeout (default 10 s) and the overall timeout of requests that
 * are not streams (default 0 = none), in milliseconds. */
void docker_set_timeouts(struct docker *d, long connect_ms, long request_ms);
/*
 * Force an API version ("1.41") instead of negotiating; NULL = negotiate
 * again on next use.  DOCKER_ERR_INVAL when not "major.minor".
 */
int docker_set_api_version(struct docker *d, const char *version);

/*
 * Make the running call on d (a stream, a wait, a pull) stop with
 * DOCKER_ERR_CANCELLED within about a second, and every later request
 * fail the same way until docker_cancel_clear().  Safe from any thread
 * and from signal handlers (lock-free atomic).  Blocking reads and writes
 * on a struct docker_conn of d see it too.
 */
void docker_cancel(struct docker *d);
void docker_cancel_clear(struct docker *d);

/* HTTP status of the last response, 0 when none. */
int docker_last_status(struct docker *d);
/* Text of the last error ("" after success); borrowed until the next call
 * on d. */
const char *docker_errmsg(struct docker *d);

/* ---- system ------------------------------------------------------------ */

/*
 * /_ping then /version: settles the API version (see top).  Called by
 * every other call on first use, so calling it is optional.
 */
int docker_negotiate(struct docker *d);
/* The negotiated version, e.g. "1.41"; NULL before negotiation. Borrowed. */
const char *docker_api_version(struct docker *d);
/* GET /_ping; 0 when the daemon answered "OK". */
int docker_ping(struct docker *d);
/* GET /version and GET /info; *out is the body, caller frees. */
int docker_version(struct docker *d, cJSON **out);
int docker_info(struct docker *d, cJSON **out);

/* ---- callbacks ----------------------------------------------------------- */

/* Bytes of a stream; return 0 to go on, nonzero to stop (ERR_ABORTED). */
typedef int (*docker_data_cb)(void *arg, const void *buf, size_t len);
/* Fill buf with up to len bytes; return the count, 0 at the end, -1 to
 * fail the call (DOCKER_ERR_ABORTED). */
typedef ssize_t (*docker_read_cb)(void *arg, void *buf, size_t len);
/* One JSON object of a stream (progress, events); obj is borrowed.
 * Return 0 to go on, nonzero to stop the stream (the call returns 0). */
typedef int (*docker_json_cb)(void *arg, const cJSON *obj);

/* ---- images ------------------------------------------------------------- */

/* Credentials for X-Registry-Auth; NULL members are left out. */
struct docker_auth {
	const char	*username;
	const char	*password;
	const char	*serveraddress;
	const char	*identitytoken;
	const char	*registrytoken;
};

/* The X-Registry-Auth value: URL-safe base64 of the JSON of a.  Caller
 * frees; NULL when out of memory.  Holds the secret: never log it. */
char *docker_auth_encode(const struct docker_auth *a);

/* GET /images/{name}/json; *out caller frees. */
int docker_image_inspect(struct docker *d, const char *name, cJSON **out);
/*
 * POST /images/create?fromImage=image[&tag=tag]: pull.  tag NULL = from
 * the reference (or "latest").  auth may be NULL.  progress (may be NULL)
 * sees each progress object; an object with "error" ends the call with
 * DOCKER_ERR_DAEMON and that error as docker_errmsg().
 */
int docker_image_pull(struct docker *d, const char *image, const char *tag,
    const struct docker_auth *auth, docker_json_cb progress, void *arg);
/*
 * POST /images/create?fromSrc=-&repo=repo[&tag=tag]: import a root file
 * system from the tar stream that src supplies (sent chunked).  *id
 * (may be NULL) receives the new image id ("sha256:..."), caller frees.
 */
int docker_image_import(struct docker *d, const char *repo, const char *tag,
    docker_read_cb src, void *src_arg, docker_json_cb progress, void *arg,
    char **id);
/* DELETE /images/{name}. */
int docker_image_remove(struct docker *d, const char *name, int force,
    int noprune);

/* ---- containers ---------------------------------------------------------- */

/*
 * What POST /containers/create gets.  Every member but image is optional
 * (NULL / 0).  strv members are NULL-terminated vectors.
 */
struct docker_container_config {
	const char		*image;
	const char *const	*cmd;		/* argv; NULL = image's Cmd */
	/* NULL = image's; an empty vector ({ NULL }) clears it */
	const char *const	*entrypoint;
	const char *const	*env;		/* "NAME=value" */
	const char		*working_dir;
	const char		*user;		/* "uid[:gid]" or name */
	const char		*hostname;
	const char *const	*labels;	/* "key=value" (or "key") */
	const char *const	*binds;		/* "src:dst[:opts]" */
	const char		*network_mode;	/* "none", "host", ... */
	int			 privileged;
	const char *const	*cap_add;
	const char *const	*cap_drop;
	const char *const	*security_opt;
	/* "host[:container[:perms]]" (perms default "rwm") */
	const char *const	*devices;
	const char *const	*device_cgroup_rules;
	int			 auto_remove;
	int			 tty;
	int			 open_stdin;	/* OpenStdin, AttachStdin, StdinOnce */
};

/* The create body for cfg; caller frees.  DOCKER_ERR_INVAL on a bad
 * member (no image, bad device string). */
int docker_container_config_json(const struct docker_container_config *cfg,
    char **json);
/* POST /containers/create[?name=name]; *id caller frees. */
int docker_container_create(struct docker *d,
    const struct docker_container_config *cfg, const char *name, char **id);
int docker_container_start(struct docker *d, const char *id);
/* GET /containers/{id}/json; *out caller frees. */
int docker_container_inspect(struct docker *d, const char *id, cJSON **out);
/*
 * POST /containers/{id}/wait[?condition=c] (NULL = "not-running"; use
 * "removed" with auto_remove).  Blocks until the condition; *exit_code
 * gets StatusCode.  No overall timeout (a build step may run for hours):
 * stop it with docker_cancel().  When the daemon reports a wait error
 * (Error.Message), *exit_code is still set and DOCKER_ERR_DAEMON returned.
 */
int docker_container_wait(struct docker *d, const char *id,
    const char *condition, int *exit_code);
/* POST /containers/{id}/kill[?signal=sig] (NULL = SIGKILL). */
int docker_container_kill(struct docker *d, const char *id, const char *sig);
/* POST /containers/{id}/stop[?t=timeout_s] (timeout_s < 0: daemon's). */
int docker_container_stop(struct docker *d, const char *id, int timeout_s);
/* DELETE /containers/{id}?force=&v=. */
int docker_container_remove(struct docker *d, const char *id, int force,
    int volumes);
/*
 * GET /containers/json?all=&filters={"label":[...]}: labels are "key" or
 * "key=value", all must match; NULL = no filter.  *out (a JSON array)
 * caller frees.
 */
int docker_container_list(struct docker *d, const char *const *labels,
    int all, cJSON **out);

struct docker_logs_opts {
	int		 follow;
	int		 no_stdout;	/* leave out stdout */
	int		 no_stderr;	/* leave out stderr */
	int		 timestamps;
	long		 since;		/* unix time; 0 = all */
	int		 tail;		/* last n lines; 0 = all */
	/* 1: the container has a TTY (raw stream, all to out); 0: it has
	 * none (multiplexed); -1: ask the daemon (one inspect). */
	int		 tty;
};

/*
 * GET /containers/{id}/logs: stdout bytes to out, stderr bytes to err
 * (either may be NULL to drop them).  o may be NULL (both streams, no
 * follow, tty -1).  A malformed multiplexed header is
 * DOCKER_ERR_MALFORMED.
 */
int docker_container_logs(struct docker *d, const char *id,
    const struct docker_logs_opts *o, docker_data_cb out, docker_data_cb err,
    void *arg);

/*
 * GET /containers/{id}/archive?path=: the tar of path, to cb.
 * PUT /containers/{id}/archive?path=: extract the tar that src supplies
 * (or the buffer) into directory path.
 */
int docker_archive_get(struct docker *d, const char *id, const char *path,
    docker_data_cb cb, void *arg);
int docker_archive_put(struct docker *d, const char *id, const char *path,
    docker_read_cb src, void *arg);
int docker_archive_put_buf(struct docker *d, const char *id,
    const char *path, const void *buf, size_t len);

/* ---- hijacked connections: attach and exec start ------------------------- */

/*
 * A raw bidirectional stream to the container after an HTTP upgrade.
 * When the container (or exec) has no TTY, what comes back is multiplexed:
 * feed it to a struct docker_demux.  Uses the struct docker it came from
 * for errors; free it before that struct docker.
 */
struct docker_conn;

/* POST /containers/{id}/attach?stream=1&stdin=&stdout=1&stderr=1. */
int docker_container_attach(struct docker *d, const char *id, int stdin_,
    struct docker_conn **conn);
/*
 * Send all of buf; blocks until sent or failed.  0 or an error.
 */
int docker_conn_send(struct docker_conn *c, const void *buf, size_t len);
/*
 * Read up to len bytes: the count, 0 at end of stream, or a negative
 * error.  timeout_ms -1 blocks; 0 returns DOCKER_ERR_AGAIN when nothing
 * is ready.  With TLS, decrypted bytes may wait inside the connection
 * where poll() cannot see them: after poll() says readable, call
 * docker_conn_recv(..., 0) until DOCKER_ERR_AGAIN.
 */
ssize_t docker_conn_recv(struct docker_conn *c, void *buf, size_t len,
    int timeout_ms);
/* The socket, for poll(); -1 if none. */
int docker_conn_fd(struct docker_conn *c);
/* Half-close (end of stdin).  Not possible over TLS: DOCKER_ERR_INVAL. */
int docker_conn_close_write(struct docker_conn *c);
/*
 * Read to the end of the stream, demultiplexing (tty 0) or passing all
 * bytes to out (tty 1).
 */
int docker_conn_drain(struct docker_conn *c, int tty, docker_data_cb out,
    docker_data_cb err, void *arg);
void docker_conn_free(struct docker_conn *c);

/* ---- exec ------------------------------------------------------------------ */

struct docker_exec_config {
	const char *const	*cmd;		/* required */
	const char *const	*env;
	const char		*working_dir;
	const char		*user;
	int			 privileged;
	int			 tty;
	int			 attach_stdin;
	int			 no_attach;	/* detached: no stdout/stderr */
};

/* POST /containers/{id}/exec; *exec_id caller frees. */
int docker_exec_create(struct docker *d, const char *id,
    const struct docker_exec_config *cfg, char **exec_id);
/* POST /exec/{id}/start with Detach true: returns once started. */
int docker_exec_start_detached(struct docker *d, const char *exec_id,
    int tty);
/* POST /exec/{id}/start, hijacked: *conn as for attach. */
int docker_exec_start(struct docker *d, const char *exec_id, int tty,
    struct docker_conn **conn);
/* GET /exec/{id}/json: *running, *exit_code (either may be NULL);
 * exit_code is -1 while running. */
int docker_exec_inspect(struct docker *d, const char *exec_id, int *running,
    int *exit_code);

/* ---- volumes ------------------------------------------------------------- */

/* POST /volumes/create; name NULL = daemon picks; *name_out (may be
 * NULL) caller frees. */
int docker_volume_create(struct docker *d, const char *name,
    const char *const *labels, char **name_out);
int docker_volume_remove(struct docker *d, const char *name, int force);
/* GET /volumes?filters={"label":[...]}: *out is the "Volumes" array
 * (never null: [] when none), caller frees. */
int docker_volume_list(struct docker *d, const char *const *labels,
    cJSON **out);

/* ---- events ---------------------------------------------------------------- */

struct docker_events_opts {
	/* "key=value" filters, e.g. "type=container", "event=start",
	 * "label=k=v", "container=<id>" (split at the first '='). */
	const char *const	*filters;
	long			 since;		/* unix time; 0 = from now */
	long			 until;		/* unix time; 0 = no end */
	long			 timeout_ms;	/* 0 = none */
};

/*
 * GET /events: cb sees each event object until it returns nonzero (then
 * 0 is returned), the stream ends (0), the timeout passes
 * (DOCKER_ERR_TIMEOUT) or docker_cancel() (DOCKER_ERR_CANCELLED).
 */
int docker_events(struct docker *d, const struct docker_events_opts *o,
    docker_json_cb cb, void *arg);

/* ---- stream decoders (pure; used by the calls above, public for the
 * agent's own poll loops) -------------------------------------------------- */

/*
 * Multiplexed stream decoder: 8-byte headers (type 0 stdin and 1 stdout
 * go to out, 2 stderr to err, 3 is a daemon "system error" whose text ends
 * the stream with DOCKER_ERR_DAEMON), then the payload, which reaches the
 * callbacks in pieces as it arrives.  No allocation.
 */
struct docker_demux {
	docker_data_cb	 out;
	docker_data_cb	 err;
	void		*arg;
	uint8_t		 hdr[8];
	size_t		 hlen;		/* header bytes held */
	uint32_t	 left;		/* payload bytes still due */
	int		 type;
	char		 syserr[256];	/* text of a type 3 frame */
	size_t		 syslen;
};

void docker_demux_init(struct docker_demux *dm, docker_data_cb out,
    docker_data_cb err, void *arg);
/* 0, DOCKER_ERR_MALFORMED (bad header), DOCKER_ERR_ABORTED (a callback
 * said stop) or DOCKER_ERR_DAEMON (a type 3 frame ended; its text with
 * docker_demux_syserr()). */
int docker_demux_feed(struct docker_demux *dm, const void *buf, size_t len);
/* At end of stream: 0, or DOCKER_ERR_MALFORMED when inside a frame. */
int docker_demux_finish(const struct docker_demux *dm);
/* Text of a system error frame (NUL-terminated, capped); borrowed. */
const char *docker_demux_syserr(const struct docker_demux *dm);

#endif
