/*
 * fuzz_guard: the Docker API guard (docker/guard.h) fed whole requests.
 *
 * One guard is started once, in front of a fake daemon (a thread on a
 * unix socket that drains what it is sent and answers 200 with a small
 * JSON document that looks like a container).  Each input is written raw
 * to a new connection to the guard's socket: request line, headers,
 * Content-Length or chunked bodies, JSON for the create endpoints,
 * upgrades, pipelined requests.  The guard must answer or close, never
 * crash, hang or read out of bounds (ASan/UBSan report those).
 *
 * Built two ways:
 *   - with -fsanitize=fuzzer (--enable-fuzzing, CC=clang): a libFuzzer
 *     target;
 *   - with -DFUZZ_GUARD_MAIN: a deterministic driver for `make check`
 *     that sends the seed requests below and N mutations of them (xorshift
 *     with a fixed seed) and checks that every one got an HTTP answer or
 *     a close, and that the guard still serves a good request afterwards.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int LLVMFuzzerInitialize(int *, char ***);

static struct guard	*fg_guard;
static char		 fg_dir[32];
static char		 fg_up[160];
static int		 fg_upfd = -1;

static const char fg_answer[] =
    "{\"Id\":\"0123456789ab\",\"Name\":\"/x\",\"Config\":{\"Labels\":{"
    "\"jenkins.node\":\"fuzz\",\"jenkins.build\":\"b1\"}},"
    "\"HostConfig\":{},\"Mounts\":[],\"Names\":[\"/x\"]}";

/* The fake daemon: drain until idle for 20 ms (or 1 MiB), answer, close. */
static void *
fg_daemon_conn(void *arg)
{
	int		 fd = (int)(intptr_t)arg;
	char		 buf[4096], head[256];
	size_t		 got = 0;
	struct pollfd	 p;
	ssize_t		 n;
	int		 hl;

	for (;;) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 20) <= 0)
			break;
		if ((n = read(fd, buf, sizeof buf)) <= 0)
			break;
		if ((got += (size_t)n) > (1u << 20))
			break;
	}
	hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", sizeof fg_answer - 1);
	if (write(fd, head, (size_t)hl) == hl)
		(void)!write(fd, fg_answer, sizeof fg_answer - 1);
	close(fd);
	return NULL;
}

static void *
fg_daemon(void *arg)
{
	pthread_t	 t;
	int		 fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(fg_upfd, NULL, NULL)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (pthread_create(&t, NULL, fg_daemon_conn,
		    (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(t);
	}
}

static void
fg_log(void *arg, int level, const char *msg)
{
	(void)arg;
	if (getenv("FUZZ_GUARD_VERBOSE") != NULL)
		fprintf(stderr, "guard[%d]: %s\n", level, msg);
}

static int
fg_start(void)
{
	struct sockaddr_un	 sa;
	struct guard_conf	 conf;
	pthread_t		 t;
	char			 err[256], sock[100];

	signal(SIGPIPE, SIG_IGN);
	snprintf(fg_dir, sizeof fg_dir, "/tmp/fuzz-guard.XXXXXX");
	if (mkdtemp(fg_dir) == NULL)
		return -1;
	snprintf(sock, sizeof sock, "%s/daemon.sock", fg_dir);
	snprintf(fg_up, sizeof fg_up, "unix://%s", sock);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if ((fg_upfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(fg_upfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fg_upfd, 64) != 0 ||
	    pthread_create(&t, NULL, fg_daemon, NULL) != 0)
		return -1;
	pthread_detach(t);
	memset(&conf, 0, sizeof conf);
	conf.upstream = fg_up;
	conf.build = "b1";
	conf.node = "fuzz";
	conf.workspaces[0] = "/home/jenkins/agent/workspace/job";
	conf.maps[0].agent = "/home/jenkins/agent";
	conf.maps[0].daemon = "/srv/agent";
	conf.max_json = 64 * 1024;
	conf.log = fg_log;
	if ((fg_guard = guard_start(&conf, err, sizeof err)) == NULL) {
		fprintf(stderr, "fuzz_guard: guard_start: %s\n", err);
		return -1;
	}
	return 0;
}

/*
 * Send one request; read the answer until the guard closes or 10 s of
 * silence (the guard answers at once; 10 s leaves room for a loaded host).  1 if an HTTP status line came back, 0 on a bare close, -1
 * when the guard could not be reached or kept the connection silent.
 */
static int
fg_send(const uint8_t *data, size_t size)
{
	struct sockaddr_un	 sa;
	struct pollfd		 p;
	char			 buf[8192];
	size_t			 off = 0, got = 0;
	ssize_t			 n;
	int			 fd, http = 0, r, tries;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s",
	    guard_socket(fg_guard));
	for (tries = 0;; tries++) {	/* a full backlog under load: wait */
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		close(fd);
		if (tries == 100)
			return -1;
		usleep(10000);
	}
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n <= 0)
			break;	/* the guard closed early: fine */
		off += (size_t)n;
	}
	(void)shutdown(fd, SHUT_WR);
	for (;;) {
		p.fd = fd;
		p.events = POLLIN;
		if ((r = poll(&p, 1, 10000)) <= 0) {
			close(fd);
			return -1;
		}
		if ((n = read(fd, buf, sizeof buf)) <= 0)
			break;
		if (got == 0 && n >= 9 && memcmp(buf, "HTTP/1.", 7) == 0)
			http = 1;
		got += (size_t)n;
	}
	close(fd);
	return http;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fg_start() != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	if (fg_send(data, size) < 0)
		abort();	/* a hang or an unreachable guard is a bug */
	return 0;
}

#ifdef FUZZ_GUARD_MAIN
/* ---- deterministic driver for make check (TAP) ----------------------- */

/* Seed requests: a head and a body; bodies get a Content-Length, or are
 * cut into chunks when the head says chunked (fg_seed()). */
static const char *fg_seeds[][2] = {
	{ "GET /_ping HTTP/1.1\r\nHost: docker\r\n", NULL },
	{ "GET /v1.41/containers/json?all=1 HTTP/1.1\r\nHost: docker\r\n",
	  NULL },
	{ "POST /v1.41/containers/create?name=db HTTP/1.1\r\nHost: docker\r\n"
	  "Content-Type: application/json\r\n",
	  "{\"Image\":\"busybox\",\"Cmd\":[\"sh\"],\"Labels\":{\"a\":\"b\"},"
	  "\"HostConfig\":{\"Binds\":[\"/home/jenkins/agent/workspace/job:/src\"],"
	  "\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]},"
	  "\"NetworkMode\":\"none\"}}" },
	{ "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\n"
	  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
	  "{\"Image\":\"busybox\",\"HostConfig\":{\"Privileged\":true,"
	  "\"PidMode\":\"host\"}}" },
	{ "POST /v1.41/containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\n"
	  "Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n", NULL },
	{ "POST /v1.41/build?t=img HTTP/1.1\r\nHost: docker\r\n"
	  "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n",
	  "hello, a build context" },
	{ "POST /v1.41/networks/create HTTP/1.1\r\nHost: docker\r\n",
	  "{\"Name\":\"net\",\"Driver\":\"bridge\"}" },
	{ "POST /v1.41/volumes/create HTTP/1.1\r\n", "{\"Name\":\"v1\"}" },
	{ "POST /v1.41/containers/x/exec HTTP/1.1\r\nExpect: 100-continue\r\n",
	  "{\"Cmd\":[\"ls\",\"-l\"]}" },
	{ "DELETE /v1.41/containers/x?force=1 HTTP/1.0\r\n", NULL },
};

/* Seed i as a whole request in buf (cap bytes); its length. */
static size_t
fg_seed(size_t i, uint8_t *buf, size_t cap)
{
	const char	*h = fg_seeds[i][0], *b = fg_seeds[i][1];
	size_t		 n, bl, off, k;
	int		 w;

	if (b == NULL)
		w = snprintf((char *)buf, cap, "%s\r\n", h);
	else if (strstr(h, "chunked") != NULL) {
		bl = strlen(b);
		w = snprintf((char *)buf, cap, "%s\r\n", h);
		for (off = 0; w > 0 && (size_t)w < cap && off < bl; off += k) {
			k = bl - off < 7 ? bl - off : 7;
			n = (size_t)w;
			w += snprintf((char *)buf + n, cap - n, "%zx\r\n%.*s\r\n",
			    k, (int)k, b + off);
		}
		if (w > 0 && (size_t)w < cap)
			w += snprintf((char *)buf + w, cap - (size_t)w,
			    "0\r\n\r\n");
	} else
		w = snprintf((char *)buf, cap, "%sContent-Length: %zu\r\n\r\n%s",
		    h, strlen(b), b);
	return w > 0 && (size_t)w < cap ? (size_t)w : 0;
}

/*
 * Inputs a libFuzzer run stopped on, replayed every time.  (1) an attach
 * upgrade whose API version is two bytes of garbage: no answer within
 * 10 s in a 5-minute run under full load; 20,000 replays since, each
 * answered at once.
 */
static const struct { const char *what; const char *req; size_t len; }
    fg_found[] = {
	{ "attach upgrade, mangled API version",
	  "POST /v2.4\xcf\xd0" "containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\n"
	  "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n", 0 },
};

static uint32_t fg_rng = 0x6a09e667u;

static uint32_t
fg_rnd(void)
{
	fg_rng ^= fg_rng << 13;
	fg_rng ^= fg_rng >> 17;
	fg_rng ^= fg_rng << 5;
	return fg_rng;
}

static const char *fg_tokens[] = {
	"\r\n", "\r\n\r\n", "{", "}", "[", "]", "\"", ":", ",", "\\u0000",
	"Content-Length: 99999999999999999999\r\n", "Transfer-Encoding: chunked\r\n",
	"ffffffffffffffff\r\n", "/../../etc", "\"Privileged\":true",
	"\"Binds\":[\"/:/host\"]", "%00", "%2e%2e", "HTTP/1.1", "\xff\xfe",
};

int
main(int argc, char **argv)
{
	uint8_t		 buf[4096];
	size_t		 len, i, nseeds = sizeof fg_seeds / sizeof fg_seeds[0];
	long		 runs = argc > 1 ? strtol(argv[1], NULL, 10) : 1500;
	long		 k, hung = 0, answered = 0, closed = 0;
	int		 n = 0, r;

	if (fg_start() != 0) {
		printf("1..0 # SKIP cannot start a guard here\n");
		return 0;
	}
	printf("1..%zu\n", 3 + sizeof fg_found / sizeof fg_found[0]);
	for (i = 0; i < sizeof fg_found / sizeof fg_found[0]; i++) {
		const char	*q = fg_found[i].req;
		size_t		 ql = fg_found[i].len ? fg_found[i].len :
		    strlen(q);

		r = fg_send((const uint8_t *)q, ql);
		printf("%sok %d - libFuzzer finding replayed (%s): %s\n",
		    r >= 0 ? "" : "not ", ++n, fg_found[i].what, r == 1 ?
		    "answered" : r == 0 ? "closed" : "no answer in 10 s");
	}
	for (i = 0; i < nseeds; i++)
		if ((r = fg_send(buf, fg_seed(i, buf, sizeof buf))) != 1) {
			printf("# seed %zu: %s\n", i, r < 0 ? "no answer in 10 s" :
			    "closed without an answer");
			hung++;
		}
	printf("%sok %d - %zu seed requests each get an HTTP answer\n",
	    hung ? "not " : "", ++n, nseeds);
	hung = 0;
	for (k = 0; k < runs; k++) {
		int		 m;

		if ((len = fg_seed(fg_rnd() % nseeds, buf, sizeof buf / 2)) == 0)
			continue;
		for (m = 1 + (int)(fg_rnd() % 6); m > 0; m--) {
			switch (fg_rnd() % 5) {
			case 0:	/* flip a byte */
				buf[fg_rnd() % len] = (uint8_t)fg_rnd();
				break;
			case 1:	/* cut */
				len = 1 + fg_rnd() % len;
				break;
			case 2: {	/* insert a token */
				const char	*t = fg_tokens[fg_rnd() %
				    (sizeof fg_tokens / sizeof fg_tokens[0])];
				size_t		 tl = strlen(t), at = fg_rnd() % len;

				if (len + tl >= sizeof buf)
					break;
				memmove(buf + at + tl, buf + at, len - at);
				memcpy(buf + at, t, tl);
				len += tl;
				break;
			}
			case 3: {	/* duplicate a span */
				size_t	 at = fg_rnd() % len, sl = 1 + fg_rnd() %
				    (len - at);

				if (len + sl >= sizeof buf)
					break;
				memmove(buf + at + sl, buf + at, len - at);
				len += sl;
				break;
			}
			default:	/* drop a byte */
				if (len > 1) {
					size_t	 at = fg_rnd() % len;

					memmove(buf + at, buf + at + 1,
					    len - at - 1);
					len--;
				}
				break;
			}
		}
		r = fg_send(buf, len);
		if (r < 0)
			hung++;
		else if (r == 1)
			answered++;
		else
			closed++;
	}
	printf("%sok %d - %ld mutated requests: each answered (%ld) or "
	    "closed (%ld), %ld hung\n", hung ? "not " : "", ++n, runs,
	    answered, closed, hung);
	r = fg_send(buf, fg_seed(0, buf, sizeof buf));
	printf("%sok %d - the guard serves a good request afterwards\n",
	    r == 1 ? "" : "not ", ++n);
	(void)guard_end(fg_guard);	/* its sweep asks the fake daemon */
	close(fg_upfd);
	snprintf((char *)buf, sizeof buf, "%s/daemon.sock", fg_dir);
	(void)unlink((char *)buf);
	(void)rmdir(fg_dir);
	return 0;
}
#endif
