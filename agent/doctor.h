/*
 * doctor.h: `jnagent docker doctor [options]`, a check of the Docker
 * daemon a node's builds would use (agent/dockersel.h).
 *
 * Prints the selected mode and daemon, the socket's permission, the API
 * and engine versions, the storage driver, path parity of the workspace
 * when jnagent runs in a container, and runs a small container.  On any
 * failure it prints "FAIL: <what>" and "  fix: <remedy>" and exits 1;
 * 2 for a bad command line.
 *
 * Test-only: JNAGENT_TEST_MOUNTINFO=<file> is read instead of
 * /proc/self/mountinfo, and its presence means "in a container".
 */
#ifndef JNAGENT_AGENT_DOCTOR_H
#define JNAGENT_AGENT_DOCTOR_H

/* argv[0] is "docker"; returns the exit status. */
int doctor_main(int argc, char **argv);

#endif
