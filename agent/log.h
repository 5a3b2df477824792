/*
 * log.h: the daemon's only logger.  Lines go to stderr and, once
 * log_open_file() was called, to a file (<workDir>/remoting/logs/
 * remoting.log.0, or -agentLog) rotated at 10 MB like agent.jar's.  Peer text is escaped and capped by the caller with
 * "%.100s"-style precision; the secret is never passed here.
 */
#ifndef JNAGENT_AGENT_LOG_H
#define JNAGENT_AGENT_LOG_H

enum log_level { LOG_ERROR = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

extern int log_level;	/* messages above this level are dropped */

void log_emit(enum log_level lvl, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * Also write to path (created, appended), rotating at 10 MB: a path
 * ending in ".0" rotates to ".1" ... ".4", any other to "<path>.1" ...
 * Returns 0, or -1 with errno set.
 */
int log_open_file(const char *path);
void log_close(void);

#define log_error(...)	log_emit(LOG_ERROR, __func__, __VA_ARGS__)
#define log_info(...)	do { if (log_level >= LOG_INFO)			\
	log_emit(LOG_INFO, __func__, __VA_ARGS__); } while (0)
#define log_debug(...)	do { if (log_level >= LOG_DEBUG)		\
	log_emit(LOG_DEBUG, __func__, __VA_ARGS__); } while (0)

/* Print "jnagent: <msg>" to stderr and exit(code): for startup errors. */
void fatalx(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
