/*
 * h_launch.h: process launching (jenkins-callables.md sections 5 and 6):
 * Launcher$RemoteLaunchCallable and the RemoteProcess it exports,
 * RemoteLauncher$KillTask, EnvVars$GetEnvVars (h_launch.c), and the
 * durable-task callables of the Pipeline `sh` step (h_durable.c).
 *
 * The environment rules are exposed for tests and other families.
 */
#ifndef JNAGENT_AGENT_H_LAUNCH_H
#define JNAGENT_AGENT_H_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

struct jser_node;

#include "agent/handlers.h"

extern const struct handler h_launch_handlers[], h_durable_handlers[];

/*
 * An environment as hudson.EnvVars holds it: names compare
 * case-insensitively, the first spelling of a name is kept.
 */
struct launch_env {
	char	**names;
	char	**values;
	size_t	  n, cap;
};

/* Copy of the agent's own environment (environ).  0 or -1 (ENOMEM). */
int launch_env_inherit(struct launch_env *e);
void launch_env_free(struct launch_env *e);
/* The value of name, or NULL. */
const char *launch_env_get(const struct launch_env *e, const char *name);
/* Set (copying both), keeping an existing name's spelling.  0 or -1. */
int launch_env_put(struct launch_env *e, const char *name, const char *value);
void launch_env_remove(struct launch_env *e, const char *name);

/*
 * Util.replaceMacro(s, env): $NAME and ${NAME} replaced by their values,
 * unknown names left as they are, "$$" becomes "$".  Returns a malloc'ed
 * string or NULL (ENOMEM).
 */
char *launch_expand(const char *s, const struct launch_env *e);

/*
 * EnvVars.overrideExpandingAll(): apply the n "KEY=VALUE" overrides in
 * ov (entries without '=' are ignored): expanded against e in dependency
 * order, an empty value removes the variable, "NAME+X" prepends to NAME
 * with ':'.  0 or -1 (ENOMEM).
 */
int launch_env_override_all(struct launch_env *e, const char *const *ov,
    size_t n);

/* A NULL-terminated "NAME=VALUE" array of e (malloc'ed; free with
 * launch_envp_free()). */
char **launch_envp(const struct launch_env *e);
void launch_envp_free(char **envp);

/*
 * Launcher.printCommandLine(): "[<last component of dir>] $ a b ..."
 * (no "[...] " without dir), masked arguments as "********", arguments
 * with a space quoted.  malloc'ed, no newline; NULL on ENOMEM.
 */
char *launch_command_line(const char *const *argv, size_t argc,
    const bool *masks, const char *dir);

/*
 * The oid of the first hudson.remoting.RemoteOutputStream in the object
 * graph of n (a TaskListener such as StreamTaskListener or a Pipeline
 * BufferedBuildListener$Replacement), depth first; -1 if there is none.
 */
int32_t launch_find_ros(const struct jser_node *n);

#endif
