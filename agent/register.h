/*
 * register.h: -register: create this agent's node on the controller (the
 * Swarm plugin's endpoint when it answers, else core REST), read the
 * node's secret from its JNLP file, and keep the node's labels in step
 * with -labelsFile while the agent runs.
 *
 * HTTP goes through libcurl with HTTP Basic -username and the API token;
 * the token is never logged nor put in an error message.
 */
#ifndef JNAGENT_AGENT_REGISTER_H
#define JNAGENT_AGENT_REGISTER_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent.h"

/* How often -labelsFile is read (milliseconds). */
#define REGISTER_LABELS_POLL_MS	3000

enum register_backoff {
	REGISTER_BACKOFF_NONE = 0,	/* -retryInterval every time */
	REGISTER_BACKOFF_LINEAR,	/* interval * attempt */
	REGISTER_BACKOFF_EXPONENTIAL,	/* interval * 2^(attempt-1) */
};

/*
 * Register (create or reuse the node) and fetch its secret, retrying
 * transient failures (connection errors, HTTP 5xx) as -retry and
 * -retryBackOffStrategy say.  On success conf->name is the final node
 * name, conf->secret its secret, and when -labelsFile is set a thread
 * watches it (stop it with register_finish()).  Returns 0, or -1 with one
 * line in err (never the token) for a failure that retrying cannot fix or
 * once the retries are spent.  *stop is polled between attempts.
 */
int register_run(struct agent_conf *conf, volatile int *stop, char *err,
    size_t errlen);

/*
 * The agent_conf on_unknown_node hook: the node was deleted (the Swarm
 * plugin deletes it on disconnect); register it again with the name given
 * to the first register_run() (same unique id), fetching its secret, with
 * the same retry rules.  0, or -1 (logged) when it cannot.
 */
int register_again(struct agent_conf *conf, volatile int *stop);

/* Stop the -labelsFile watcher, if any, and free what register_run kept. */
void register_finish(void);

/* The delay before retry number attempt (1-based), in milliseconds. */
long register_retry_delay(enum register_backoff how, long interval_ms,
    long max_ms, int attempt);

/* ---- pure helpers (exposed for the unit tests) ------------------------ */

/* Percent-encode s for a URL path segment or a form value (caller frees). */
char *register_urlencode(const char *s);

/*
 * "<base>-<8 hex>": a stable suffix from SHA-256 of host and fsroot, the
 * Swarm client's unique-id idea (caller frees).  hex gets the 8 digits.
 */
void register_unique_id(const char *host, const char *fsroot, char hex[9]);

/*
 * The query string of POST plugin/swarm/createSlave (caller frees):
 * name, executors, description, labels, mode, remoteFsRoot, hash (only
 * when hash != NULL), deleteExistingClients, keepDisconnectedClients.
 */
char *register_swarm_query(const struct agent_conf *conf, const char *name,
    const char *labels, const char *hash);

/*
 * The form body of POST computer/doCreateItem for a permanent node with
 * the inbound launcher: name, type=hudson.slaves.DumbSlave and the json
 * field (caller frees).  NULL on allocation failure.
 */
char *register_core_form(const struct agent_conf *conf, const char *name,
    const char *labels);

/*
 * The secret from a jenkins-agent.jnlp document: the <argument> after
 * "-secret", else the first <argument> of 64 hex digits.  Returns a fresh
 * string, or NULL when there is none (or the XML is malformed).
 */
char *register_jnlp_secret(const char *xml, size_t len);

/*
 * crumbIssuer/api/json: {"crumbRequestField": F, "crumb": C}.  Returns 0
 * with both copied (NUL-terminated, truncation is an error), or -1.
 */
int register_parse_crumb(const char *json, size_t len, char *field,
    size_t fieldlen, char *crumb, size_t crumblen);

/*
 * The "name" property of the Swarm plugin's createSlave answer (Java
 * Properties.store text: \uXXXX escapes become UTF-8).  Fresh string, or
 * NULL when absent, empty, badly escaped, or holding a control character
 * or '/'.
 */
char *register_swarm_name(const char *body, size_t len);

/*
 * Labels in want but not in have, space separated (caller frees; "" when
 * none).  Both are whitespace-separated lists.
 */
char *register_labels_minus(const char *want, const char *have);

/*
 * config.xml with the content of its first top-level <label> element
 * replaced by labels (XML-escaped), or a <label> element added before
 * </slave> when it has none.  Fresh string or NULL (not a node config).
 */
char *register_config_set_labels(const char *xml, const char *labels);

#endif
