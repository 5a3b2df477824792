/*
 * conf.h: command line and environment -> struct agent_conf.
 *
 * Flags follow agent.jar's Launcher (single or double dash), environment
 * variables follow the jenkins/inbound-agent image; flags win.
 */
#ifndef JNAGENT_AGENT_CONF_H
#define JNAGENT_AGENT_CONF_H

#include <stddef.h>

#include "agent/agent.h"

enum conf_action {
	CONF_RUN = 0,		/* connect */
	CONF_VERSION,		/* -version: print conf_version_line() */
	CONF_HELP,		/* -help: print conf_usage() */
};

/* Exit status for a bad command line or configuration. */
#define CONF_EXIT_USAGE	2

/*
 * Fill conf (zeroed first) from argv and the process environment.
 * Returns 0 with *action set, or -1 with a one-line reason in err (which
 * never contains the secret or credentials).  conf_free() the result in
 * both cases.  Warnings (ignored JVM options) are logged.
 */
int conf_parse(struct agent_conf *conf, int argc, char **argv,
    enum conf_action *action, char *err, size_t errlen);
void conf_free(struct agent_conf *conf);

/*
 * Overwrite, in place, every argv string that carried the secret or a
 * password, so /proc/<pid>/cmdline does not show it.
 */
void conf_scrub_argv(int argc, char **argv);

/*
 * Parse a duration: "1500" (milliseconds), "500ms", "30s", "10m", "1h",
 * "2d" (also "1h30m").  Returns 0 and *ms, or -1.
 */
int conf_parse_duration(const char *s, long *ms);

/*
 * Split "HOST:PORT", "HOST:", ":PORT" or "[v6addr]:PORT" at the last ':'
 * (agent.jar's HostPort).  A missing part gives host "" or port 0.
 * Returns 0, or -1 on bad syntax, a port outside 1..65535 or a host
 * that does not fit in hostlen.
 */
int conf_hostport(const char *s, char *host, size_t hostlen, int *port);

const char *conf_version_line(void);	/* static: "jnagent X (remoting Y)" */
const char *conf_usage(void);		/* static: the -help text */

#endif
