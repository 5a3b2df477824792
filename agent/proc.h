/*
 * proc.h: child processes of the agent (jenkins-callables.md section 5).
 *
 * proc_spawn() starts a program the way the JVM's ProcessBuilder does on
 * Linux: the command is looked up in the agent's PATH, the child gets
 * exactly the given environment, the given working directory and pipes
 * for its standard streams, and nothing else: every other descriptor is
 * closed, signal handlers and the signal mask are reset.  The child also
 * gets its own process group (setpgid(0, 0)), so that a kill reaches the
 * whole tree it starts.
 *
 * Reaping: one reaper thread (started by proc_init()) waits for every
 * child of the agent, including orphans re-parented to it when jnagent is
 * PID 1 (or a child subreaper, which proc_init() makes it otherwise), and
 * records the status of the ones started here.  Nothing else in the agent
 * may call wait()/waitpid() on children.
 *
 * Thread-safe.  Nothing here logs.
 */
#ifndef JNAGENT_AGENT_PROC_H
#define JNAGENT_AGENT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a standard stream of the child is connected to. */
enum proc_stdio {
	PROC_NULL = 0,		/* /dev/null */
	PROC_PIPE,		/* a pipe; the parent end is in struct proc */
	PROC_MERGE,		/* stderr only: same as stdout */
};

struct proc_spec {
	const char	*const *argv;	/* argv[0] is looked up in PATH */
	const char	*const *envp;	/* the whole environment */
	const char	*cwd;		/* NULL: the agent's */
	enum proc_stdio	 in, out, err;
};

/* A started child.  Free with proc_free() (it keeps running). */
struct proc {
	pid_t	 pid;
	int	 in_fd;		/* write end of its stdin pipe, or -1 */
	int	 out_fd;	/* read end of its stdout pipe, or -1 */
	int	 err_fd;	/* read end of its stderr pipe, or -1 */
	struct proc_slot *slot;	/* private */
};

/*
 * Start the reaper (idempotent).  0, or -1 if the thread cannot start.
 * proc_spawn() calls it.
 */
int proc_init(void);

/*
 * Start a child.  0 and *out (caller frees with proc_free()), or -1 with
 * a message like Java's ("Cannot run program "x" (in directory "d"):
 * error=2, No such file or directory") in err.
 */
int proc_spawn(const struct proc_spec *spec, struct proc **out, char *err,
    size_t errlen);

/*
 * Wait up to timeout_ms (< 0: forever) for the child to end.  1 and the
 * Java-style exit code in *code (exit status, or 128 + signal number), 0
 * on timeout.  *stop (may be NULL) is polled every 100 ms: when it turns
 * true the wait returns 0.
 */
int proc_wait(struct proc *p, int timeout_ms, int *code,
    volatile const bool *stop);
bool proc_alive(struct proc *p);

/* Close the pipe ends and forget the child (it is still reaped). */
void proc_free(struct proc *p);

/*
 * Every descendant of pid (children first found by scanning
 * /proc/<n>/stat), deepest first.  *out is malloc'ed (caller frees);
 * returns the count or -1.
 */
ssize_t proc_descendants(pid_t pid, pid_t **out);

/*
 * Kill pid and its whole tree as ProcessTree.kill does: the descendants
 * first, then pid, with SIGTERM; then wait up to grace_ms for them to go
 * and SIGKILL what is left.  Also signals pid's process group when pid
 * leads one.  Returns the number of processes signalled.
 */
int proc_kill_tree(pid_t pid, int grace_ms);

/*
 * The processes whose environment (/proc/<n>/environ) holds every one of
 * the n "KEY=VALUE" strings in kv (none when n is 0).  The calling
 * process is never listed.  *out malloc'ed; count or -1.
 */
ssize_t proc_find_by_env(const char *const *kv, size_t n, pid_t **out);

/* ProcessTree.killAll(): kill the tree of every process found by
 * proc_find_by_env().  Returns the number of processes signalled. */
int proc_kill_by_env(const char *const *kv, size_t n, int grace_ms);

#endif
