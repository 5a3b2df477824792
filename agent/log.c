/*
 * log.c: the daemon's logger.
 *
 * Every line goes to stderr and, after log_open_file(), to a log file
 * rotated like agent.jar's java.util.logging FileHandler: the live file
 * is "<base>.0"; at LOG_ROTATE_BYTES it becomes "<base>.1", older ones
 * shift up to "<base>.<LOG_ROTATE_KEEP - 1>" and the oldest is dropped.
 * Control characters in messages are replaced so that peer text can
 * never forge extra lines.  Thread-safe: one mutex serialises writers.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "agent/log.h"

#define LOG_ROTATE_BYTES	(10L * 1024 * 1024)
#define LOG_ROTATE_KEEP		5
#define LOG_LINE_MAX		4096

int log_level = LOG_INFO;

static pthread_mutex_t	 log_mtx = PTHREAD_MUTEX_INITIALIZER;
static int		 log_fd = -1;
static char		*log_path;	/* the live file */
static char		*log_base;	/* rotated files are <base>.1 ... */
static long		 log_size;

static const char *
log_level_name(enum log_level lvl)
{
	switch (lvl) {
	case LOG_ERROR:
		return "SEVERE";
	case LOG_INFO:
		return "INFO";
	default:
		return "FINE";
	}
}

static int
log_open_live(void)
{
	struct stat	 st;

	log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644);
	if (log_fd == -1)
		return -1;
	log_size = fstat(log_fd, &st) == 0 ? (long)st.st_size : 0;
	return 0;
}

/* Shift <base>.N to <base>.N+1, the live file to <base>.1, start afresh. */
static void
log_rotate(void)
{
	char	 from[4096], to[4096];
	int	 i;

	close(log_fd);
	log_fd = -1;
	for (i = LOG_ROTATE_KEEP - 1; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", log_path);
		else
			snprintf(from, sizeof(from), "%s.%d", log_base, i - 1);
		snprintf(to, sizeof(to), "%s.%d", log_base, i);
		if (rename(from, to) == -1 && errno != ENOENT)
			break;
	}
	(void)log_open_live();
}

static void
log_write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

void
log_emit(enum log_level lvl, const char *func, const char *fmt, ...)
{
	char		 line[LOG_LINE_MAX];
	struct timeval	 tv;
	struct tm	 tm;
	va_list		 ap;
	size_t		 n, i, start;
	int		 r, saved_errno = errno;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	r = snprintf(line, sizeof(line),
	    "%04d-%02d-%02d %02d:%02d:%02d.%03ld %s %s: ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
	    log_level_name(lvl), func);
	start = r < 0 ? 0 : (size_t)r;
	if (start >= sizeof(line) - 2)
		start = sizeof(line) - 2;
	va_start(ap, fmt);
	r = vsnprintf(line + start, sizeof(line) - start - 1, fmt, ap);
	va_end(ap);
	if (r < 0)
		r = 0;
	n = start + (size_t)r;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	for (i = start; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 && c != '\t')
			line[i] = '?';
		else if (c == 0x7f)
			line[i] = '?';
	}
	line[n++] = '\n';
	line[n] = '\0';

	pthread_mutex_lock(&log_mtx);
	log_write_all(STDERR_FILENO, line, n);
	if (log_fd != -1) {
		if (log_size + (long)n > LOG_ROTATE_BYTES && log_size > 0)
			log_rotate();
		if (log_fd != -1) {
			log_write_all(log_fd, line, n);
			log_size += (long)n;
		}
	}
	pthread_mutex_unlock(&log_mtx);
	errno = saved_errno;
}

int
log_open_file(const char *path)
{
	size_t	 len = strlen(path);
	int	 r;

	pthread_mutex_lock(&log_mtx);
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_base);
	free(log_path);
	log_path = strdup(path);
	log_base = strdup(path);
	if (log_path == NULL || log_base == NULL) {
		r = -1;
		goto out;
	}
	/* "x.0" rotates to "x.1" (agent.jar's layout); "x" to "x.1". */
	if (len > 2 && strcmp(path + len - 2, ".0") == 0)
		log_base[len - 2] = '\0';
	r = log_open_live();
out:
	if (r == -1) {
		free(log_base);
		free(log_path);
		log_base = log_path = NULL;
	}
	pthread_mutex_unlock(&log_mtx);
	return r;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_mtx);
	if (log_fd != -1)
		close(log_fd);
	log_fd = -1;
	free(log_base);
	free(log_path);
	log_base = log_path = NULL;
	pthread_mutex_unlock(&log_mtx);
}

void
fatalx(int code, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "jnagent: %s\n", msg);
	fflush(stderr);
	exit(code);
}
