/*
 * test_netutil: agent/netutil.c, the network helpers shared by the JNLP4,
 * WebSocket and discovery modules: the deadline/stop wait, the nonblocking
 * TCP connect (loopback only, no name lookups), no_proxy matching and the proxy environment.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/netutil.h"
#include "tests/unit/tap.h"

static volatile int	 stop_flag;

static void *
set_stop(void *arg)
{
	struct timespec	 ts = { 0, 150 * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	stop_flag = 1;
	return NULL;
}

static void
test_wait(void)
{
	int		 sv[2], r;
	long long	 t0, dt;
	pthread_t	 th;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	/* nothing to read: timeout */
	t0 = net_now_ms();
	r = net_wait(sv[0], POLLIN, t0 + 120, NULL);
	dt = net_now_ms() - t0;
	ok(r == 0 && dt >= 115 && dt < 2000,
	    "wait: timeout returns 0 after the deadline (%d, %lld ms)", r, dt);
	/* a past deadline: 0 at once */
	ok(net_wait(sv[0], POLLIN, net_now_ms() - 1, NULL) == 0,
	    "wait: a past deadline returns 0");
	/* data: ready */
	ok(write(sv[1], "x", 1) == 1, "write one byte");
	t0 = net_now_ms();
	r = net_wait(sv[0], POLLIN, t0 + 5000, NULL);
	ok(r == 1 && net_now_ms() - t0 < 1000, "wait: readable returns 1");
	ok(net_wait(sv[1], POLLOUT, net_now_ms() + 1000, NULL) == 1,
	    "wait: writable returns 1");
	/* stop flag already set */
	stop_flag = 1;
	ok(net_wait(sv[0], POLLIN, net_now_ms() + 5000, &stop_flag) == -2,
	    "wait: a set stop flag returns -2 even when ready");
	/* stop flag set while waiting */
	stop_flag = 0;
	{
		char	 c;

		ok(read(sv[0], &c, 1) == 1, "drain the byte");
	}
	if (pthread_create(&th, NULL, set_stop, NULL) != 0) {
		ok(0, "pthread_create");
	} else {
		t0 = net_now_ms();
		r = net_wait(sv[0], POLLIN, t0 + 10000, &stop_flag);
		dt = net_now_ms() - t0;
		pthread_join(th, NULL);
		ok(r == -2 && dt < 2000,
		    "wait: stop flag set while waiting returns -2 (%d, %lld ms)",
		    r, dt);
	}
	stop_flag = 0;
	/* a negative descriptor: poll() ignores the entry */
	ok(net_wait(-1, POLLIN, net_now_ms() + 100, NULL) == 0,
	    "wait: a negative fd is ignored by poll: timeout");
	close(sv[0]);
	close(sv[1]);
}

static int
listener(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 4) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
test_connect(void)
{
	char		 err[256], want[128];
	int		 lfd, fd, afd, port, fl;

	if ((lfd = listener(&port)) == -1) {
		ok(0, "loopback listener: %s", strerror(errno));
		return;
	}
	err[0] = '\0';
	fd = net_tcp_connect("127.0.0.1", port, net_now_ms() + 5000, NULL,
	    NET_TCP_NODELAY, err, sizeof(err));
	ok(fd >= 0, "connect: loopback listener (%s)", err);
	if (fd >= 0) {
		fl = fcntl(fd, F_GETFL);
		ok(fl != -1 && (fl & O_NONBLOCK), "connect: nonblocking fd");
		afd = accept(lfd, NULL, NULL);
		ok(afd >= 0, "connect: the listener accepts it");
		ok(write(fd, "hi", 2) == 2, "connect: the socket writes");
		if (afd >= 0) {
			char	 buf[2];

			ok(read(afd, buf, 2) == 2 && memcmp(buf, "hi", 2) == 0,
			    "connect: bytes arrive");
			close(afd);
		}
		close(fd);
	}
	stop_flag = 1;
	fd = net_tcp_connect("127.0.0.1", port, net_now_ms() + 5000,
	    &stop_flag, 0, err, sizeof(err));
	ok(fd >= 0 || (fd == -2 && strcmp(err, "stopped") == 0),
	    "connect: stop flag gives -2 \"stopped\" unless connected at once");
	if (fd >= 0)
		close(fd);
	stop_flag = 0;
	close(lfd);
	/* the port is now closed */
	fd = net_tcp_connect("127.0.0.1", port, net_now_ms() + 5000, NULL, 0,
	    err, sizeof(err));
	snprintf(want, sizeof(want), "cannot connect to 127.0.0.1:%d: %s",
	    port, strerror(ECONNREFUSED));
	ok(fd == -1 && strcmp(err, want) == 0, "connect: closed port: %s",
	    err);
	fd = net_tcp_connect("127.0.0.1", port, net_now_ms() + 5000, NULL,
	    NET_ERR_PORT_WORD, err, sizeof(err));
	snprintf(want, sizeof(want), "cannot connect to 127.0.0.1 port %d: %s",
	    port, strerror(ECONNREFUSED));
	ok(fd == -1 && strcmp(err, want) == 0,
	    "connect: closed port, \"port\" wording: %s", err);
}

static const struct {
	const char	*host, *list;
	int		 want;
} np_cases[] = {
	{ "example.com", "example.com", 1 },
	{ "example.com", "other.com", 0 },
	{ "www.example.com", "example.com", 1 },
	{ "a.b.example.com", "example.com", 1 },
	{ "badexample.com", "example.com", 0 },
	{ "example.com.evil", "example.com", 0 },
	{ "www.example.com", ".example.com", 1 },
	{ "example.com", ".example.com", 1 },
	{ "anything.at.all", "*", 1 },
	{ "host", "a.com,*", 1 },
	{ "host", "*.com", 0 },
	{ "EXAMPLE.Com", "example.COM", 1 },
	{ "Www.Example.COM", ".EXAMPLE.com", 1 },
	{ "example.com", "example.com:8080", 1 },
	{ "example.com", "[::1]:8080,example.com:80", 1 },
	{ "example.com", "", 0 },
	{ "example.com", ",,  , ,", 0 },
	{ "example.com", ",, other.org ,, example.com ,", 1 },
	{ "example.com", "other.org example.com", 1 },
	{ "example.com", "other.org\texample.com", 1 },
	{ "10.1.2.3", "10.0.0.0/8", 1 },
	{ "11.1.2.3", "10.0.0.0/8", 0 },
	{ "127.0.0.1", "127.0.0.1/32", 1 },
	{ "127.0.0.2", "127.0.0.1/32", 0 },
	{ "192.168.1.77", "192.168.1.64/27", 1 },
	{ "192.168.1.96", "192.168.1.64/27", 0 },
	{ "1.2.3.4", "0.0.0.0/0", 1 },
	{ "::1", "::1/128", 1 },
	{ "[::1]", "::1/128", 1 },
	{ "::2", "::1/128", 0 },
	{ "2001:db8::5", "2001:db8::/32", 1 },
	{ "2001:db9::5", "2001:db8::/32", 0 },
	{ "10.1.2.3", "::/0", 0 },
	{ "::1", "127.0.0.0/8", 0 },
	{ "[::1]", "::1", 1 },
	{ "::1", "[::1]", 1 },
	{ "[2001:db8::1]", "[2001:db8::1]:443", 1 },
	{ "10.1.2.3", "10.0.0.0/33", 0 },
	{ "10.1.2.3", "10.0.0.0/", 0 },
	{ "10.1.2.3", "10.0.0.0/x", 0 },
	{ "10.1.2.3", "10.0.0/8", 0 },
	{ "10.1.2.3", "10.0.0.0/-1", 0 },
	{ "10.1.2.3", "10.0.0.0/8x,10.1.2.3", 1 },
	{ "example.com", "example.com/8", 0 },
	{ "10.1.2.3", "2.3", 0 },
	{ "10.1.2.3", "10.1.2.3", 1 },
	{ "example.com.", "example.com", 1 },
	{ "example.com", "example.com.", 1 },
};

static void
test_no_proxy(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(np_cases) / sizeof(np_cases[0]); i++)
		ok(net_no_proxy_match(np_cases[i].host, np_cases[i].list) ==
		    np_cases[i].want, "no_proxy \"%s\" %s \"%s\"",
		    np_cases[i].list, np_cases[i].want ? "matches" :
		    "does not match", np_cases[i].host);
}

static void
clear_env(void)
{
	static const char *const vars[] = {
		"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
		"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"
	};
	size_t	 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

/* Set var (unless NULL) to val, then check net_proxy_env(). */
static const struct {
	const char	*var, *val, *scheme, *host;
	int		 all;
	const char	*want, *what;
} env_cases[] = {
	{ NULL, NULL, "http", "h.example", 1, NULL, "no proxy" },
	{ "ALL_PROXY", "http://all:1", "http", "h.example", 0, NULL,
	    "ALL_PROXY ignored unless asked" },
	{ NULL, NULL, "http", "h.example", 1, "http://all:1", "ALL_PROXY" },
	{ "all_proxy", "http://lall:1", "https", "h.example", 1,
	    "http://lall:1", "all_proxy before ALL_PROXY" },
	{ "HTTP_PROXY", "http://up:2", "http", "h.example", 1, "http://up:2",
	    "HTTP_PROXY before all_proxy" },
	{ "http_proxy", "", "http", "h.example", 1, "http://up:2",
	    "an empty http_proxy is unset" },
	{ "http_proxy", "http://low:3", "http", "h.example", 0,
	    "http://low:3", "http_proxy first" },
	{ "https_proxy", "http://s:4", "https", "h.example", 1, "http://s:4",
	    "https_proxy for https" },
	{ "NO_PROXY", "example", "http", "h.example", 1, NULL,
	    "NO_PROXY excludes the host" },
	{ NULL, NULL, "http", NULL, 1, "http://low:3",
	    "no host: no_proxy not consulted" },
	{ "no_proxy", "10.0.0.0/8", "http", "h.example", 1, "http://low:3",
	    "no_proxy before NO_PROXY" },
	{ NULL, NULL, "http", "10.9.8.7", 1, NULL,
	    "no_proxy CIDR excludes an address" },
};

static void
test_proxy_env(void)
{
	const char	*p;
	size_t		 i;

	clear_env();
	for (i = 0; i < sizeof(env_cases) / sizeof(env_cases[0]); i++) {
		if (env_cases[i].var != NULL)
			setenv(env_cases[i].var, env_cases[i].val, 1);
		p = net_proxy_env(env_cases[i].scheme, env_cases[i].host,
		    env_cases[i].all);
		ok(env_cases[i].want == NULL ? p == NULL :
		    p != NULL && strcmp(p, env_cases[i].want) == 0,
		    "env: %s (%s)", env_cases[i].what, p != NULL ? p : "none");
	}
	clear_env();
}

int
main(void)
{
	test_wait();
	test_connect();
	test_no_proxy();
	test_proxy_env();
	return done_testing();
}
