/*
 * h_node.c: the callables a controller sends while an agent comes online
 * (jenkins-callables.md section 2, remoting-protocol.md Appendix A).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/channel.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "protocol/command.h"

static int
h_null(struct hctx *h, const struct jser_node *callable)
{
	h->value = NULL;
	return 0;
}

/* hudson.slaves.SlaveComputer$SlaveVersion: the remoting version. */
static int
h_slave_version(struct hctx *h, const struct jser_node *callable)
{
	h->value = hctx_string(h, JNAGENT_REMOTING_VERSION);
	return h->value != NULL ? 0 : -1;
}

/* SlaveComputer$CommunicationProtocol: the transport's name. */
static int
h_protocol(struct hctx *h, const struct jser_node *callable)
{
	if (h->transport == NULL || *h->transport == '\0') {
		h->value = NULL;
		return 0;
	}
	h->value = hctx_string(h, h->transport);
	return h->value != NULL ? 0 : -1;
}

/* SlaveComputer$DetectOS: true on Unix. */
static int
h_detect_os(struct hctx *h, const struct jser_node *callable)
{
	h->value = cmd_new_boolean(h->out, true);
	return h->value != NULL ? 0 : -1;
}

/* SlaveComputer$DetectDefaultCharset: we read and write UTF-8. */
static int
h_charset(struct hctx *h, const struct jser_node *callable)
{
	h->value = hctx_string(h, "UTF-8");
	return h->value != NULL ? 0 : -1;
}

/*
 * SlaveComputer$AbsolutePath{relativePath}: like Java's
 * File.getAbsolutePath(), resolved against the work directory if one is
 * configured, else the current directory; no normalisation.
 */
static int
h_absolute_path(struct hctx *h, const struct jser_node *callable)
{
	const char	*rel, *base;
	char		 cwd[PATH_MAX], *abs;
	size_t		 len;

	if ((rel = hctx_field_string(h, callable, "relativePath")) == NULL)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "AbsolutePath without relativePath");
	if (rel[0] == '/') {
		h->value = hctx_string(h, rel);
		return h->value != NULL ? 0 : -1;
	}
	if (h->conf != NULL && h->conf->work_dir != NULL &&
	    h->conf->work_dir[0] == '/')
		base = h->conf->work_dir;
	else if ((base = getcwd(cwd, sizeof(cwd))) == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "cannot get the current directory");
	len = strlen(base) + strlen(rel) + 2;
	if ((abs = jser_alloc(h->out, len)) == NULL)
		return -1;
	if (rel[0] == '\0')
		snprintf(abs, len, "%s", base);
	else
		snprintf(abs, len, "%s%s%s", base,
		    base[strlen(base) - 1] == '/' ? "" : "/", rel);
	h->value = hctx_string(h, abs);
	return h->value != NULL ? 0 : -1;
}

/*
 * hudson.slaves.ChannelPinger$SetUpRemotePing{pingIntervalSeconds,
 * pingTimeoutSeconds}: start pinging the controller (spec 6).
 */
static int
h_setup_ping(struct hctx *h, const struct jser_node *callable)
{
	int32_t	 interval, timeout;

	if (jser_field_int(callable, "pingIntervalSeconds", &interval) !=
	    PROTO_OK ||
	    jser_field_int(callable, "pingTimeoutSeconds", &timeout) !=
	    PROTO_OK)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "SetUpRemotePing without its interval and timeout");
	log_info("pinging the controller every %d s (timeout %d s)",
	    (int)interval, (int)timeout);
	channel_set_ping(h->ch, interval, timeout, h->loader_oid);
	h->value = NULL;
	return 0;
}

/* jenkins.slaves.StandardOutputSwapper$ChannelSwapper: nothing swapped. */
static int
h_swapper(struct hctx *h, const struct jser_node *callable)
{
	h->value = cmd_new_boolean(h->out, false);
	return h->value != NULL ? 0 : -1;
}

const struct handler h_node_handlers[] = {
	{ "hudson.slaves.SlaveComputer$SlaveVersion", h_slave_version, 0 },
	{ "hudson.slaves.SlaveComputer$CommunicationProtocol", h_protocol,
	    0 },
	{ "hudson.slaves.SlaveComputer$DetectOS", h_detect_os, 0 },
	{ "hudson.slaves.SlaveComputer$DetectDefaultCharset", h_charset, 0 },
	{ "hudson.slaves.SlaveComputer$AbsolutePath", h_absolute_path, 0 },
	/* the JVM agent installs a log ring buffer: nothing to do here */
	{ "hudson.slaves.SlaveComputer$SlaveInitializer", h_null, 0 },
	{ "hudson.slaves.ChannelPinger$SetUpRemotePing", h_setup_ping, 0 },
	/* whitelisted controller system properties: nothing uses them */
	{ "jenkins.util.SystemProperties$AgentCopier$CopySystemProperties",
	    h_null, 0 },
	{ "jenkins.slaves.StandardOutputSwapper$ChannelSwapper", h_swapper,
	    0 },
	/* java.util.logging levels: our log level comes from the CLI */
	{ "hudson.logging.LogRecorder$SetLevel", h_null, 0 },
	/* null = "not running under a service wrapper" (catalog A11) */
	{ "jenkins.slaves.restarter.JnlpSlaveRestarterInstaller$FindEffectiveRestarters",
	    h_null, 0 },
	/* ConnectionActivityMonitor (opt-in on the controller): a ping */
	{ "hudson.slaves.ConnectionActivityMonitor$PingCommand", h_null, 0 },
	{ NULL, NULL, 0 },
};
