/*
 * main.c: jnagent's entry point: configuration, work directory and
 * logs (laid out like agent.jar's: <workDir>/<internalDir>/logs/
 * remoting.log.0), signals, then the reconnect loop.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/conf.h"
#include "agent/connect.h"
#include "agent/dindsvc.h"
#include "agent/guardsvc.h"
#include "agent/doctor.h"
#include "agent/log.h"
#include "agent/proc.h"
#include "agent/register.h"

static volatile int	 main_stop;

static void
main_on_signal(int sig)
{
	main_stop = 1;
}

/* mkdir -p; 0 or -1 (errno). */
static int
main_mkdirs(const char *path)
{
	char	*p, *s;
	int	 r = 0;

	if ((p = strdup(path)) == NULL)
		return -1;
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			r = -1;
			break;
		}
		*s = '/';
	}
	if (r == 0 && mkdir(p, 0755) == -1 && errno != EEXIST)
		r = -1;
	free(p);
	return r;
}

static void
main_setup_workdir(const struct agent_conf *conf)
{
	struct stat	 st;
	char		*internal = NULL, *logs = NULL, *file = NULL;

	if (conf->work_dir == NULL)
		return;
	if (stat(conf->work_dir, &st) == -1) {
		if (conf->fail_if_workdir_missing)
			fatalx(CONF_EXIT_USAGE, "work directory %s does not "
			    "exist (-failIfWorkDirIsMissing)", conf->work_dir);
		if (main_mkdirs(conf->work_dir) == -1)
			fatalx(CONF_EXIT_USAGE, "cannot create work directory "
			    "%s: %s", conf->work_dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode))
		fatalx(CONF_EXIT_USAGE, "work directory %s is not a directory",
		    conf->work_dir);
	if (access(conf->work_dir, W_OK) == -1)
		fatalx(CONF_EXIT_USAGE, "work directory %s is not writable",
		    conf->work_dir);
	if (asprintf(&internal, "%s/%s", conf->work_dir,
	    conf->internal_dir) == -1 ||
	    asprintf(&logs, "%s/logs", internal) == -1 ||
	    asprintf(&file, "%s/remoting.log.0", logs) == -1)
		fatalx(1, "out of memory");
	if (main_mkdirs(logs) == -1)
		fatalx(CONF_EXIT_USAGE, "cannot create %s: %s", logs,
		    strerror(errno));
	if (conf->agent_log == NULL && log_open_file(file) == -1)
		fatalx(CONF_EXIT_USAGE, "cannot open %s: %s", file,
		    strerror(errno));
	free(internal);
	free(logs);
	free(file);
}

int
main(int argc, char **argv)
{
	struct agent_conf	 conf;
	struct sigaction	 sa;
	enum conf_action	 action;
	char			 err[512];
	int			 rc;

	connect_mark_start();
#ifdef M_ARENA_MAX
	/*
	 * Worker threads each get a glibc malloc arena (and its heap) by
	 * default; their allocations are small and short-lived, so two
	 * arenas are plenty and keep the resident set small.
	 */
	mallopt(M_ARENA_MAX, 2);
#endif
	if (argc > 1 && strcmp(argv[1], "docker") == 0)
		return doctor_main(argc - 1, argv + 1);
	if (conf_parse(&conf, argc, argv, &action, err, sizeof(err)) != 0) {
		conf_scrub_argv(argc, argv);
		conf_free(&conf);
		fatalx(CONF_EXIT_USAGE, "%s", err);
	}
	conf_scrub_argv(argc, argv);
	if (action == CONF_VERSION || action == CONF_HELP) {
		if (action == CONF_VERSION)
			puts(conf_version_line());
		else
			fputs(conf_usage(), stdout);
		conf_free(&conf);
		return 0;
	}
	log_level = conf.log_level;
	if (conf.agent_log != NULL && log_open_file(conf.agent_log) == -1)
		fatalx(CONF_EXIT_USAGE, "cannot open -agentLog %s: %s",
		    conf.agent_log, strerror(errno));
	main_setup_workdir(&conf);

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_on_signal;	/* no SA_RESTART: wake blocking calls */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/*
	 * Reap every child from the start, orphans included: jnagent may run
	 * as PID 1 in a container without an init.
	 */
	if (proc_init() != 0)
		fatalx(1, "cannot start the process reaper: %s", strerror(errno));

	if (conf.reg) {
		log_info("registering \"%.100s\" with %s as user \"%.100s\"",
		    conf.name, conf.urls[0], conf.reg_username);
		if (register_run(&conf, &main_stop, err, sizeof(err)) != 0) {
			conf_free(&conf);
			fatalx(1, "register: %s", err);
		}
		conf.on_unknown_node = register_again;
	}
	log_info("%s starting: agent \"%.100s\", %s", conf_version_line(),
	    conf.name, conf.direct != NULL ? "direct connection" :
	    conf.websocket ? "WebSocket" : "JNLP4-connect");
	dindsvc_install(&conf);		/* DinD by label: agent/dockersel.h */
	guardsvc_install(&conf);	/* per-build Docker guard */
	rc = connect_run(&conf, &main_stop);
	guardsvc_shutdown();
	dindsvc_shutdown();
	register_finish();
	conf_free(&conf);
	log_close();
	return rc;
}
