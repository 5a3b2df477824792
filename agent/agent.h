/*
 * agent.h: configuration shared by the daemon's parts, and the entry
 * points between the connection layer and the channel.
 */
#ifndef JNAGENT_AGENT_AGENT_H
#define JNAGENT_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/transport.h"

/* The remoting version jnagent reports (the controller's bundled one). */
#define JNAGENT_REMOTING_VERSION	"3386.v353e57a_1b_ea_0"
/* The capability jnagent advertises (same as the Java agent). */
#define JNAGENT_CAPABILITY		0x1FEull

#define AGENT_MAX_URLS		8
/* How the inner daemon (DinD) is reached: -dindTransport */
#define DIND_T_AUTO		0	/* tls in a container w/o bind mount */
#define DIND_T_UNIX		1
#define DIND_T_TLS		2
#define AGENT_MAX_WSHEADERS	16

struct agent_conf {
	char	*urls[AGENT_MAX_URLS];	/* -url, normalised to end with '/' */
	int	 nurls;
	char	*name;			/* -name / JENKINS_AGENT_NAME */
	char	*secret;		/* -secret / JENKINS_SECRET: never log */
	char	*work_dir;		/* -workDir */
	char	*internal_dir;		/* -internalDir (default "remoting") */
	bool	 fail_if_workdir_missing;
	char	*direct;		/* -direct HOST:PORT */
	char	*instance_identity;	/* -instanceIdentity (base64 SPKI) */
	char	*protocols;		/* -protocols */
	char	*tunnel;		/* -tunnel HOST:PORT */
	bool	 websocket;		/* -webSocket */
	char	*ws_headers[AGENT_MAX_WSHEADERS]; /* NAME=VALUE */
	int	 nws_headers;
	char	*credentials;		/* -credentials user:pass: never log */
	char	*proxy_credentials;	/* -proxyCredentials: never log */
	char	*cert;			/* -cert: CA file (or @file) */
	bool	 no_cert_check;		/* -noCertificateCheck */
	bool	 no_keepalive;
	bool	 no_reconnect;
	long	 no_reconnect_after_ms;	/* -noReconnectAfter; 0 = never stop */
	char	*agent_log;		/* -agentLog file */
	char	*labels;		/* -labels (space separated) */
	/* -register: create the node first (agent/register.h) */
	bool	 reg;			/* -register */
	char	*reg_username;		/* -username */
	char	*reg_password;		/* API token: never log */
	char	*reg_labels_file;	/* -labelsFile (watched) */
	int	 reg_executors;		/* -executors (0: 1) */
	bool	 reg_exclusive;		/* -mode exclusive */
	char	*reg_fsroot;		/* -fsroot (default -workDir or cwd) */
	char	*reg_description;	/* -description */
	bool	 reg_delete_existing;	/* -deleteExistingClients */
	bool	 reg_no_unique_id;	/* -disableClientsUniqueId */
	/*
	 * Called by the reconnect loop when the controller refuses the
	 * name as unknown (the node was deleted, e.g. by the Swarm plugin
	 * on disconnect); 0 when the node exists again (conf->name and
	 * conf->secret updated), -1 otherwise.  NULL: not registered.
	 */
	int	(*on_unknown_node)(struct agent_conf *, volatile int *);
	bool	 reg_keep_disconnected;	/* -keepDisconnectedClients */
	int	 reg_retry;		/* -retry (-1: forever) */
	int	 reg_backoff;		/* enum register_backoff */
	long	 reg_retry_interval_ms;	/* -retryInterval (10 s) */
	long	 reg_max_retry_interval_ms; /* -maxRetryInterval (60 s) */
	/* Docker daemon per label (agent/dockersel.h); NULL: defaults */
	char	*dind_label;		/* -dindLabel ("dind") */
	char	*dood_label;		/* -doodLabel ("dood") */
	char	*docker_host;		/* -dockerHost: the DooD daemon */
	char	*dind_image;		/* -dindImage ("docker:dind") */
	bool	 dind_unprivileged;	/* -dindPrivileged false */
	char	**dind_cap_add;		/* -dindCapAdd (NULL-terminated) */
	char	**dind_cap_drop;	/* -dindCapDrop */
	char	**dind_security_opt;	/* -dindSecurityOpt */
	char	**dind_cgroup_rules;	/* -dindDeviceCgroupRule */
	char	*dind_runtime;		/* -dindRuntime (e.g. sysbox-runc) */
	char	**dind_mounts;		/* -dindMount SRC:DST[:OPTS] */
	bool	 dind_keep;		/* -dindKeep: leave it running at exit */
	int	 dind_transport;	/* -dindTransport: DIND_T_* */
	int	 dind_tls_port;		/* -dindTlsPort (0: a free one) */
	bool	 docker_no_guard;	/* -dockerGuard false (agent/guardsvc.h) */
	long	 backoff_start_ms;	/* reconnect backoff start (1 s) */
	long	 backoff_cap_ms;	/* reconnect backoff cap (60 s) */
	int	 log_level;		/* 0 error, 1 info, 2 debug */
};

/* Why channel_run() returned. */
enum channel_end {
	CHANNEL_CLOSED = 0,	/* orderly close (either side's CloseCommand) */
	CHANNEL_EOF,		/* the transport ended without CloseCommand */
	CHANNEL_ERROR,		/* I/O error, malformed frame, ping timeout */
	CHANNEL_SHUTDOWN,	/* SIGTERM/SIGINT: closed cleanly, exit 0 */
};

/*
 * Run the remoting channel on an established transport until it ends.
 * Takes ownership of t (closes it).  The channel answers the controller's
 * requests, pings the controller once asked to, and returns why it ended.
 * *stop is polled: set it (from a signal handler) to close cleanly.
 */
enum channel_end channel_run(struct transport *t, const struct agent_conf *conf,
    volatile int *stop);

#endif
