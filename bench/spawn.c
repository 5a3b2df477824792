/*
 * spawn.c: the benches' launcher.  Runs CMD with the clock read in the
 * child immediately before execve, so a bench's "from agent exec" times
 * do not include a shell's and /usr/bin/time's own start-up (about 8 ms
 * here), and reports the child's peak RSS as /usr/bin/time -f %M does.
 *
 *   spawn T0FILE RSSFILE CMD [ARG...]
 *
 * T0FILE gets the wall clock (µs since the epoch, as bash's
 * EPOCHREALTIME) taken just before execve; RSSFILE the child's ru_maxrss
 * in kB.  Exits with the child's status (128+signal if killed).
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rusage	 ru;
	struct timespec	 ts;
	char		 buf[64];
	pid_t		 pid;
	FILE		*f;
	int		 st, fd, n;

	if (argc < 4) {
		fprintf(stderr, "usage: spawn T0FILE RSSFILE CMD [ARG...]\n");
		return 2;
	}
	/* Opened before the fork: the child only writes and execs. */
	if ((fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		fprintf(stderr, "spawn: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "spawn: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		n = snprintf(buf, sizeof(buf), "%lld\n",
		    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		if (write(fd, buf, (size_t)n) != n)
			_exit(127);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "spawn: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	close(fd);
	while (wait4(pid, &st, 0, &ru) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "spawn: wait: %s\n", strerror(errno));
			return 2;
		}
	if ((f = fopen(argv[2], "w")) != NULL) {
		fprintf(f, "%ld\n", ru.ru_maxrss);
		fclose(f);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}
