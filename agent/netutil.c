/*
 * Small network helpers shared by jnlp4.c, ws.c and discovery.c; see
 * netutil.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "agent/netutil.h"

long long
net_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
net_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
net_wait(int fd, short events, long long deadline, volatile int *stop)
{
	struct pollfd	 pfd;
	long long	 left;
	int		 r;

	for (;;) {
		if (stop != NULL && *stop)
			return -2;
		if ((left = deadline - net_now_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 250 ? 250 : (int)left);
		if (r == -1 && errno != EINTR)
			return -1;
		if (r > 0)
			return 1;
	}
}

int
net_tcp_connect(const char *host, int port, long long deadline,
    volatile int *stop, int flags, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 pstr[16];
	socklen_t	 sl;
	int		 fd = -1, r, e, soerr = 0, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(pstr, sizeof(pstr), "%d", port);
	if ((e = getaddrinfo(host, pstr, &hints, &res)) != 0) {
		net_seterr(err, errlen, "cannot resolve %.100s: %s",
		    host, gai_strerror(e));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			soerr = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		soerr = errno;
		if (errno == EINPROGRESS) {
			r = net_wait(fd, POLLOUT, deadline, stop);
			if (r == -2) {
				close(fd);
				freeaddrinfo(res);
				net_seterr(err, errlen, "stopped");
				return -2;
			}
			if (r == -1)
				soerr = errno;
			sl = sizeof(soerr);
			if (r == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &sl) == 0 && soerr == 0)
				break;
			if (r == 0)
				soerr = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (flags & NET_ERR_PORT_WORD)
			net_seterr(err, errlen, "cannot connect to %.100s port "
			    "%d: %s", host, port, strerror(soerr));
		else
			net_seterr(err, errlen, "cannot connect to %.100s:%d: "
			    "%s", host, port, strerror(soerr));
		return -1;
	}
	if (flags & NET_TCP_NODELAY)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* Parse an IPv4 or IPv6 literal: 4 or 16 bytes into a, 0 when not one. */
static int
net_parse_ip(const char *s, unsigned char *a)
{
	if (inet_pton(AF_INET, s, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, a) == 1)
		return 16;
	return 0;
}

/* Does the address/prefix entry e (n bytes) contain the address ha? */
static int
net_cidr_match(const unsigned char *ha, int hlen, const char *e, size_t n)
{
	char		 buf[64], *slash, *end;
	unsigned char	 na[16];
	long		 bits;
	int		 nlen, i, full, rest;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, e, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	*slash = '\0';
	errno = 0;
	bits = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0)
		return 0;
	if ((nlen = net_parse_ip(buf, na)) == 0 || nlen != hlen ||
	    bits < 0 || bits > nlen * 8)
		return 0;
	full = (int)bits / 8;
	rest = (int)bits % 8;
	for (i = 0; i < full; i++)
		if (ha[i] != na[i])
			return 0;
	if (rest != 0 && ((ha[full] ^ na[full]) &
	    (unsigned char)(0xff << (8 - rest))) != 0)
		return 0;
	return 1;
}

int
net_no_proxy_match(const char *host, const char *list)
{
	const char	*p = list, *e, *c;
	size_t		 n, hl = strlen(host);
	unsigned char	 ha[16];
	char		 h[256];
	int		 halen;

	/* Compare without IPv6 brackets, and without a trailing dot. */
	if (hl >= sizeof(h))
		return 0;
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		memcpy(h, host + 1, hl - 2);
		hl -= 2;
	} else
		memcpy(h, host, hl);
	if (hl > 0 && h[hl - 1] == '.')
		hl--;
	h[hl] = '\0';
	halen = net_parse_ip(h, ha);
	while (*p != '\0') {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ',' && *e != ' ' &&
		    *e != '\t'; e++)
			;
		n = (size_t)(e - p);
		if (n == 1 && *p == '*')
			return 1;
		if (n > 0 && memchr(p, '/', n) != NULL) {
			if (halen != 0 && net_cidr_match(ha, halen, p, n))
				return 1;
			p = e;
			continue;
		}
		if (n > 0 && *p == '[') {		/* [v6] or [v6]:port */
			if ((c = memchr(p, ']', n)) == NULL) {
				p = e;
				continue;
			}
			p++;
			n = (size_t)(c - p);
		} else if (n > 0 && (c = memchr(p, ':', n)) != NULL &&
		    memchr(c + 1, ':', (size_t)(e - c - 1)) == NULL)
			n = (size_t)(c - p);		/* name:port */
		if (n > 0 && p[n - 1] == '.')
			n--;
		if (n > 0 && *p == '.') {
			p++;
			n--;
		}
		if (n > 0 && n <= hl && strncasecmp(h + hl - n, p, n) == 0 &&
		    (n == hl || (halen == 0 && h[hl - n - 1] == '.')))
			return 1;
		p = e;
	}
	return 0;
}

const char *
net_proxy_env(const char *scheme, const char *host, int all)
{
	char		 lower[32], upper[32];
	const char	*v = NULL, *np;
	size_t		 i;

	snprintf(lower, sizeof(lower), "%s_proxy", scheme);
	snprintf(upper, sizeof(upper), "%s", lower);
	for (i = 0; upper[i] != '\0'; i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	if ((v = getenv(lower)) == NULL || *v == '\0')
		v = getenv(upper);
	if ((v == NULL || *v == '\0') && all) {
		if ((v = getenv("all_proxy")) == NULL || *v == '\0')
			v = getenv("ALL_PROXY");
	}
	if (v == NULL || *v == '\0')
		return NULL;
	if (host == NULL)
		return v;
	if ((np = getenv("no_proxy")) == NULL || *np == '\0')
		np = getenv("NO_PROXY");
	if (np != NULL && net_no_proxy_match(host, np))
		return NULL;
	return v;
}
