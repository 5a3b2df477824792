/*
 * jnagent-guard: run one Docker API guard (docker/guard.h) from the
 * command line, for tests and benchmarks.
 *
 *   jnagent-guard -u unix:///daemon.sock -b BUILD -n NODE [-w WORKSPACE]...
 *       [-m AGENT=DAEMON]... [-a RULE]... [-l "node labels"] [-s SOCKET]
 *   jnagent-guard -u unix:///daemon.sock -n NODE -S [-k LIVEBUILD]...
 *
 * The first form prints the socket path on stdout once it listens and
 * serves until SIGTERM/SIGINT, then ends the build (removes everything
 * labelled with it) and exits 0 when the sweep left nothing.  The second
 * sweeps the node's objects of builds not named with -k and exits.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker/guard.h"

static void
usage(void)
{
	fprintf(stderr, "usage: jnagent-guard -u unix:///sock -b build -n node "
	    "[-w ws]... [-m agent=daemon]... [-a rule]... [-l labels] "
	    "[-s socket]\n       jnagent-guard -u unix:///sock -n node -S "
	    "[-k live-build]...\n");
	exit(2);
}

static void
logcb(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "jnagent-guard: %s\n", msg);
}

int
main(int argc, char **argv)
{
	struct guard_conf	 conf;
	struct guard		*g;
	const char		*live[64];
	char			 err[512], *eq;
	size_t			 nws = 0, nmap = 0, nlive = 0;
	int			 ch, sweep = 0, r, sig;
	sigset_t		 set;

	memset(&conf, 0, sizeof conf);
	memset(live, 0, sizeof live);
	conf.log = logcb;
	while ((ch = getopt(argc, argv, "u:b:n:w:m:a:l:s:Sk:")) != -1) {
		switch (ch) {
		case 'u': conf.upstream = optarg; break;
		case 'b': conf.build = optarg; break;
		case 'n': conf.node = optarg; break;
		case 's': conf.socket_path = optarg; break;
		case 'S': sweep = 1; break;
		case 'w':
			if (nws >= GUARD_MAX_PATHS)
				usage();
			conf.workspaces[nws++] = optarg;
			break;
		case 'm':
			if (nmap >= GUARD_MAX_PATHS ||
			    (eq = strchr(optarg, '=')) == NULL)
				usage();
			*eq = '\0';
			conf.maps[nmap].agent = optarg;
			conf.maps[nmap++].daemon = eq + 1;
			break;
		case 'a':
			if ((r = guard_rule_lookup(optarg)) < 0) {
				fprintf(stderr, "jnagent-guard: no rule %s\n",
				    optarg);
				return 2;
			}
			conf.allow |= 1u << r;
			break;
		case 'l':
			conf.allow |= guard_policy_from_labels(optarg);
			break;
		case 'k':
			if (nlive >= 63)
				usage();
			live[nlive++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (conf.upstream == NULL || conf.node == NULL)
		usage();
	if (strncmp(conf.upstream, "tcp://", 6) == 0) {
		/* as the docker CLI: DOCKER_TLS_VERIFY, DOCKER_TLS,
		 * DOCKER_CERT_PATH */
		const char	*v = getenv("DOCKER_TLS_VERIFY");

		conf.tls_verify = v != NULL && *v != '\0' && strcmp(v, "0") != 0;
		v = getenv("DOCKER_TLS");
		conf.tls = conf.tls_verify || (v != NULL && *v != '\0' &&
		    strcmp(v, "0") != 0);
		conf.cert_path = getenv("DOCKER_CERT_PATH");
	}
	if (sweep) {
		r = guard_sweep_stale(conf.upstream, conf.node, live);
		printf("left %d\n", r);
		return r == 0 ? 0 : 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((g = guard_start(&conf, err, sizeof err)) == NULL) {
		fprintf(stderr, "jnagent-guard: %s\n", err);
		return 1;
	}
	printf("%s\n", guard_socket(g));
	fflush(stdout);
	sigwait(&set, &sig);
	r = guard_end(g);
	if (r != 0)
		fprintf(stderr, "jnagent-guard: sweep left %d\n", r);
	return r == 0 ? 0 : 1;
}
