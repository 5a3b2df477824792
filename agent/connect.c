/*
 * connect.c: stay online (spec §2.8, §3.1).
 *
 * Each attempt: discovery (or -direct) then JNLP4-connect, or the
 * readiness probe then WebSocket; on success the channel runs until it
 * ends.  Between attempts: exponential backoff with full jitter, reset
 * after a channel that was up for CONNECT_STABLE_MS.  The controller's
 * cookie is kept and sent on the next connection so that it replaces a
 * stale channel instead of refusing with "already connected".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "agent/connect.h"
#include "agent/discovery.h"
#include "agent/guardsvc.h"
#include "agent/jnlp4.h"
#include "agent/log.h"
#include "agent/rnd.h"
#include "agent/ws.h"

static long long	 connect_start_us = -1;	/* connect_mark_start() */

static long long
connect_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long
connect_now_ms(void)
{
	return connect_now_us() / 1000;
}

void
connect_mark_start(void)
{
	connect_start_us = connect_now_us();
}

long
connect_backoff_ms(long start_ms, long cap_ms, int attempt)
{
	unsigned long long	 bound = (unsigned long long)start_ms, rnd;

	while (attempt-- > 0 && bound < (unsigned long long)cap_ms)
		bound *= 2;
	if (bound > (unsigned long long)cap_ms)
		bound = (unsigned long long)cap_ms;
	if (rnd_bytes(&rnd, sizeof(rnd)) != 0)
		rnd = (unsigned long long)random();
	return (long)(rnd % (bound + 1));
}

/* Sleep ms, waking early when *stop is set. */
static void
connect_sleep(long ms, volatile int *stop)
{
	struct timespec	 ts;
	long		 step;

	while (ms > 0 && !*stop) {
		step = ms > 100 ? 100 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		if (nanosleep(&ts, NULL) == -1 && errno != EINTR)
			break;
		ms -= step;
	}
}

static const char *
connect_end_name(enum channel_end e)
{
	switch (e) {
	case CHANNEL_CLOSED:
		return "closed";
	case CHANNEL_EOF:
		return "connection lost";
	case CHANNEL_ERROR:
		return "error";
	case CHANNEL_SHUTDOWN:
		return "shut down";
	}
	return "unknown";
}

/* One attempt.  The transport, or NULL with *st and err. */
static struct transport *
connect_once(struct agent_conf *conf, const char *cookie, volatile int *stop,
    enum jnlp4_status *st, char *err, size_t errlen)
{
	struct jnlp4_params	 p;
	struct discovery_endpoint ep;
	struct transport	*t;
	char			 url[4200];
	long			 code;

	*st = JNLP4_FAILED;
	if (conf->websocket) {
		snprintf(url, sizeof(url), "%slogin", conf->urls[0]);
		code = discovery_get_status(conf, url, stop, err, errlen);
		if (code == -1)
			return NULL;
		if (code != 200) {
			snprintf(err, errlen, "%.200s: HTTP %ld (controller "
			    "not ready)", url, code);
			return NULL;
		}
		return ws_connect(conf, cookie, stop, st, err, errlen);
	}
	if (discovery_resolve(conf, &ep, stop, err, errlen) != 0)
		return NULL;
	memset(&p, 0, sizeof(p));
	p.host = ep.host;
	p.port = ep.port;
	p.tls_host = ep.tls_host;
	p.identity = ep.identity;
	p.identity_len = ep.identity_len;
	p.name = conf->name;
	p.secret = conf->secret;
	p.cookie = cookie;
	p.keepalive = !conf->no_keepalive;
	p.use_proxy = true;
	p.proxy_credentials = conf->proxy_credentials;
	p.capability = JNAGENT_CAPABILITY;
	p.connect_timeout_ms = CONNECT_TCP_TIMEOUT_MS;
	p.handshake_timeout_ms = CONNECT_HANDSHAKE_MS;
	p.stop = stop;
	t = jnlp4_connect(&p, st, err, errlen);
	discovery_endpoint_free(&ep);
	return t;
}

/*
 * Whether a refusal says the controller has no node of that name: JNLP4
 * "ERROR: Unknown client name: ..." or a WebSocket upgrade refused with
 * 400 ("no such agent"), 403 or 404.
 */
static bool
connect_unknown_node(enum jnlp4_status st, const char *err)
{
	if (st != JNLP4_REFUSED)
		return false;
	return strstr(err, "Unknown client name") != NULL ||
	    strstr(err, "refused: HTTP 400") != NULL ||
	    strstr(err, "refused: HTTP 403") != NULL ||
	    strstr(err, "refused: HTTP 404") != NULL;
}

static int
connect_loop(struct agent_conf *conf, volatile int *stop)
{
	struct transport	*t;
	enum jnlp4_status	 st;
	enum channel_end	 end;
	char			 cookie[65] = "", err[512];
	long long		 last_ok, up_since, now;
	long			 delay;
	int			 attempt = 0;
	bool			 first = true, reregistered = false;

	last_ok = connect_now_ms();
	for (;;) {
		if (*stop)
			return 0;
		t = connect_once(conf, cookie, stop, &st, err, sizeof(err));
		if (*stop) {
			if (t != NULL)
				t->ops->close(t);
			log_info("stopping");
			return 0;
		}
		if (t != NULL) {
			if (t->cookie[0] != '\0')
				memcpy(cookie, t->cookie, sizeof(cookie));
			if (first)
				log_info("connected to the controller over %s "
				    "as \"%.100s\" (%.1f ms after start)",
				    t->name, conf->name, (connect_now_us() -
				    connect_start_us) / 1000.0);
			else
				log_info("connected to the controller over %s "
				    "as \"%.100s\"", t->name, conf->name);
			first = false;
			reregistered = false;
			guardsvc_connected();	/* stale Docker guard sweep */
			up_since = connect_now_ms();
			end = channel_run(t, conf, stop);	/* closes t */
			t = NULL;
			now = connect_now_ms();
			if (end == CHANNEL_SHUTDOWN || *stop) {
				log_info("channel closed on request; exiting");
				return 0;
			}
			log_error("channel ended (%s) after %lld s",
			    connect_end_name(end), (now - up_since) / 1000);
			if (conf->no_reconnect) {
				log_error("-noReconnect: exiting");
				return 1;
			}
			if (now - up_since > CONNECT_STABLE_MS)
				attempt = 0;
			last_ok = now;
		} else {
			if (st == JNLP4_STOPPED)
				return 0;
			log_error("connection failed: %s", err);
			if (conf->no_reconnect) {
				log_error("-noReconnect: exiting");
				return 1;
			}
			/* once per failure streak: the node may be deleted */
			if (!reregistered && connect_unknown_node(st, err) &&
			    conf->on_unknown_node != NULL) {
				reregistered = true;
				if (conf->on_unknown_node(conf, stop) == 0)
					continue;
			}
		}
		now = connect_now_ms();
		if (conf->no_reconnect_after_ms > 0 &&
		    now - last_ok >= conf->no_reconnect_after_ms) {
			log_error("no connection for %.1f s "
			    "(-noReconnectAfter): exiting",
			    conf->no_reconnect_after_ms / 1000.0);
			return 1;
		}
		if (st == JNLP4_FATAL)
			delay = conf->backoff_cap_ms;
		else
			delay = connect_backoff_ms(conf->backoff_start_ms,
			    conf->backoff_cap_ms, attempt);
		if (attempt < 30)
			attempt++;
		if (conf->no_reconnect_after_ms > 0 &&
		    delay > conf->no_reconnect_after_ms - (now - last_ok))
			delay = (long)(conf->no_reconnect_after_ms -
			    (now - last_ok));
		log_info("reconnecting in %ld ms", delay);
		connect_sleep(delay, stop);
	}
}

int
connect_run(struct agent_conf *conf, volatile int *stop)
{
	int	 rc;

	if (connect_start_us == -1)
		connect_mark_start();
	/*
	 * libcurl is set up on its first use only (discovery_curl_init):
	 * plain http and -direct never need it.
	 */
	rc = connect_loop(conf, stop);
	discovery_curl_cleanup();
	return rc;
}
