/*
 * h_remoting.c: remoting-internal callables (remoting-protocol.md 5.3,
 * 5.6, 6 and 7): pings, I/O syncs, and method calls on exported objects.
 */
#include <string.h>

#include "agent/channel.h"
#include "agent/handlers.h"
#include "protocol/command.h"

/* hudson.remoting.PingThread$Ping: null, at once (spec 6). */
static int
h_ping(struct hctx *h, const struct jser_node *callable)
{
	h->value = NULL;
	return 0;
}

/*
 * hudson.remoting.Channel$IOSyncer: null once all pipe I/O received so far
 * is applied.  The loop thread applies pipe commands synchronously before
 * it looks at later commands, so that is already true when this runs.
 */
static int
h_iosyncer(struct hctx *h, const struct jser_node *callable)
{
	h->value = NULL;
	return 0;
}

/*
 * RemoteInvocationHandler$RPCRequest / $UserRPCRequest: a method call on
 * an object exported by the agent (direct command or inside a UserRequest).
 * oid 1 is the channel itself (IChannel); class-loader calls are refused
 * (we never export a class loader, spec 7).
 */
static int
h_rpc(struct hctx *h, const struct jser_node *callable)
{
	struct cmd_rpc	 rpc;

	if (cmd_parse_rpc(callable, &rpc) != PROTO_OK)
		return hctx_fail(h, "java.io.IOException",
		    "malformed RPCRequest");
	if (rpc.oid == 1) {
		if (strcmp(rpc.method, "getProperty") == 0) {
			h->value = NULL;	/* no channel properties */
			return 0;
		}
		if (strcmp(rpc.method, "waitForProperty") == 0)
			return hctx_fail(h, "java.lang.IllegalStateException",
			    "jnagent has no channel properties to wait for");
		return hctx_fail(h, "java.lang.UnsupportedOperationException",
		    "IChannel.%.100s is not supported by jnagent", rpc.method);
	}
	if (rpc.decl_class != NULL && strcmp(rpc.decl_class,
	    "hudson.remoting.RemoteClassLoader$IClassLoader") == 0) {
		if (strcmp(rpc.method, "getName") == 0 && rpc.nargs == 0) {
			h->value = hctx_string(h, "jnagent");
			return h->value != NULL ? 0 : -1;
		}
		return hctx_fail(h, "java.lang.UnsupportedOperationException",
		    "jnagent does not serve classes (%.100s)", rpc.method);
	}
	return channel_rpc(h, &rpc);
}

const struct handler h_remoting_handlers[] = {
	{ "hudson.remoting.PingThread$Ping", h_ping, HANDLER_INLINE },
	{ "hudson.remoting.Channel$IOSyncer", h_iosyncer, HANDLER_INLINE },
	{ "hudson.remoting.RemoteInvocationHandler$RPCRequest", h_rpc, 0 },
	{ "hudson.remoting.RemoteInvocationHandler$UserRPCRequest", h_rpc, 0 },
	{ NULL, NULL, 0 },
};
