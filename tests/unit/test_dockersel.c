/*
 * test_dockersel.c: the Docker daemon chosen by label (agent/dockersel.h),
 * the -dind / -dood / -docker flags of agent/conf.c, and the environment a
 * launched process really sees (the same dockersel_launch_env() call
 * h_launch.c makes, then proc_spawn() of `env`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent/agent.h"
#include "agent/conf.h"
#include "agent/dockersel.h"
#include "agent/h_launch.h"
#include "agent/proc.h"
#include "tests/unit/tap.h"

static void
test_select(void)
{
	ok(dockersel_select(NULL, NULL, NULL, NULL) == DOCKERSEL_DOOD,
	    "no labels: DooD");
	ok(dockersel_select("linux dind", NULL, NULL, NULL) == DOCKERSEL_DIND,
	    "-labels dind: DinD");
	ok(dockersel_select("linux dindx xdind", NULL, NULL, NULL) ==
	    DOCKERSEL_DOOD, "only whole labels count");
	ok(dockersel_select("dind", "linux", NULL, NULL) == DOCKERSEL_DOOD,
	    "NODE_LABELS without dind overrides -labels dind");
	ok(dockersel_select("linux", "a\tdind\nb", NULL, NULL) ==
	    DOCKERSEL_DIND, "NODE_LABELS dind overrides -labels");
	ok(dockersel_select("dind", "", NULL, NULL) == DOCKERSEL_DOOD,
	    "empty NODE_LABELS still takes precedence");
	ok(dockersel_select("dind dood", NULL, NULL, NULL) == DOCKERSEL_DOOD,
	    "both labels: DooD (no privileges)");
	ok(dockersel_select("inner", NULL, "inner", "outer") == DOCKERSEL_DIND,
	    "custom DinD label");
	ok(dockersel_select("dind", NULL, "inner", "outer") == DOCKERSEL_DOOD,
	    "default label ignored once relabelled");
	ok(dockersel_has_label("  a  b ", "b") && !dockersel_has_label("ab",
	    "b") && !dockersel_has_label("a", ""), "has_label");
	ok(strcmp(dockersel_mode_name(DOCKERSEL_DIND), "dind") == 0 &&
	    strcmp(dockersel_mode_name(DOCKERSEL_DOOD), "dood") == 0,
	    "mode names");
}

static int
parse(struct agent_conf *c, char *err, size_t errlen, ...)
{
	char			*argv[40];
	int			 argc = 0;
	enum conf_action	 act;
	va_list			 ap;
	const char		*a;

	argv[argc++] = (char *)"jnagent";
	argv[argc++] = (char *)"-url";
	argv[argc++] = (char *)"http://127.0.0.1:1/";
	argv[argc++] = (char *)"-name";
	argv[argc++] = (char *)"n1";
	argv[argc++] = (char *)"-secret";
	argv[argc++] = (char *)"s";
	va_start(ap, errlen);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 39)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return conf_parse(c, argc, argv, &act, err, errlen);
}

static void
test_conf(void)
{
	struct agent_conf	 c;
	char			 err[256];

	ok(parse(&c, err, sizeof(err), NULL) == 0 && c.dind_label == NULL &&
	    c.docker_host == NULL && !c.dind_unprivileged && !c.dind_keep &&
	    c.dind_cap_add == NULL, "defaults");
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), "-labels", "a b", "--labels=c",
	    "-labels", "inner", "-dindLabel", "inner", "-doodLabel", "outer",
	    "-dockerHost", "unix:///tmp/x.sock", "-dindImage", "my:dind",
	    "-dindPrivileged", "false", "-dindCapAdd", "ALL",
	    "-dindCapDrop", "SYS_RESOURCE,SYS_TIME", "-dindSecurityOpt",
	    "seccomp=unconfined", "-dindSecurityOpt", "apparmor=unconfined",
	    "-dindDeviceCgroupRule", "a *:* rwm", "-dindRuntime", "sysbox-runc",
	    "-dindKeep", "-dindMount", "/sys/fs/cgroup:/sys/fs/cgroup",
	    NULL) == 0, "all docker flags parse: %s", err);
	ok(c.dind_mounts != NULL && strcmp(c.dind_mounts[0],
	    "/sys/fs/cgroup:/sys/fs/cgroup") == 0 && c.dind_mounts[1] == NULL,
	    "-dindMount");
	ok(c.labels != NULL && strcmp(c.labels, "a b c inner") == 0,
	    "-labels repeatable: %s", c.labels ? c.labels : "(null)");
	ok(strcmp(c.dind_label, "inner") == 0 &&
	    strcmp(c.dood_label, "outer") == 0, "labels of the modes");
	ok(strcmp(c.docker_host, "unix:///tmp/x.sock") == 0 &&
	    strcmp(dockersel_dood_host(&c), "unix:///tmp/x.sock") == 0,
	    "-dockerHost");
	ok(strcmp(c.dind_image, "my:dind") == 0 && c.dind_unprivileged &&
	    c.dind_keep && strcmp(c.dind_runtime, "sysbox-runc") == 0,
	    "image, privileged false, keep, runtime");
	ok(c.dind_cap_add != NULL && strcmp(c.dind_cap_add[0], "ALL") == 0 &&
	    c.dind_cap_add[1] == NULL, "cap add");
	ok(c.dind_cap_drop != NULL && strcmp(c.dind_cap_drop[0],
	    "SYS_RESOURCE") == 0 && strcmp(c.dind_cap_drop[1], "SYS_TIME") == 0
	    && c.dind_cap_drop[2] == NULL, "cap drop, comma separated");
	ok(c.dind_security_opt != NULL && c.dind_security_opt[1] != NULL &&
	    strcmp(c.dind_security_opt[1], "apparmor=unconfined") == 0 &&
	    c.dind_cgroup_rules != NULL &&
	    strcmp(c.dind_cgroup_rules[0], "a *:* rwm") == 0,
	    "security opts and cgroup rule (spaces kept)");
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), "-dindPrivileged", "maybe", NULL) ==
	    -1 && strstr(err, "-dindPrivileged") != NULL,
	    "bad -dindPrivileged: %s", err);
	conf_free(&c);
	ok(parse(&c, err, sizeof(err), "-dindLabel", "a b", NULL) == -1,
	    "a label expression is refused: %s", err);
	conf_free(&c);
}

/* Environment of a real `env` child after the launch hook. */
static char *
run_env(const struct agent_conf *conf, const char *const *ov, size_t nov,
    int *hookr, char *err, size_t errlen)
{
	struct launch_env	 e;
	struct proc_spec	 spec;
	struct proc		*p = NULL;
	static const char *const argv[] = { "env", NULL };
	char			**envp = NULL, *out = NULL;
	size_t			 len = 0, cap = 0;
	ssize_t			 n;
	int			 code;

	memset(&e, 0, sizeof(e));
	*hookr = -2;
	if (launch_env_inherit(&e) != 0 ||
	    launch_env_override_all(&e, ov, nov) != 0)
		goto out;
	if ((*hookr = dockersel_launch_env(conf, &e,
	    dockersel_overrides_host(ov, nov), err, errlen)) != 0)
		goto out;
	if ((envp = launch_envp(&e)) == NULL)
		goto out;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.envp = (const char *const *)envp;
	spec.out = PROC_PIPE;
	if (proc_spawn(&spec, &p, err, errlen) != 0)
		goto out;
	for (;;) {
		if (len + 4097 > cap) {
			cap = cap ? cap * 2 : 16384;
			if ((out = realloc(out, cap)) == NULL)
				abort();
		}
		if ((n = read(p->out_fd, out + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	(void)proc_wait(p, 10000, &code, NULL);
out:
	if (p != NULL)
		proc_free(p);
	launch_envp_free(envp);
	launch_env_free(&e);
	return out;
}

static bool
has_line(const char *out, const char *line)
{
	const char	*p = out;
	size_t		 n = strlen(line);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return false;
}

static int	 dind_calls;

static int
fake_dind(void *arg, const struct agent_conf *conf,
    const struct launch_env *env, struct dockersel_target *t, char *err,
    size_t errlen)
{
	(void)conf;
	(void)env;
	dind_calls++;
	if (arg != NULL) {
		snprintf(err, errlen, "%s", (const char *)arg);
		return -1;
	}
	snprintf(t->host, sizeof(t->host), "unix:///run/jnagent/dind-n1.sock");
	return 0;
}

static int
guard_rewrite(void *arg, const struct launch_env *env,
    struct dockersel_target *t, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	(void)env;
	snprintf(t->host, sizeof(t->host), "unix:///tmp/guard-%s.sock",
	    dockersel_mode_name(t->mode));
	return 0;
}

static void
test_launch(void)
{
	struct agent_conf	 c;
	char			*out, err[512];
	int			 r;
	const char		*ov_dind[] = { "NODE_LABELS=linux dind" };
	const char		*ov_lin[] = { "NODE_LABELS=linux" };
	const char		*ov_own[] = { "NODE_LABELS=dind",
	    "DOCKER_HOST=tcp://127.0.0.1:2999" };

	memset(&c, 0, sizeof(c));
	setenv("DOCKER_HOST", "unix:///agent/own.sock", 1);
	setenv("DOCKER_TLS_VERIFY", "1", 1);
	setenv("DOCKER_CERT_PATH", "/certs", 1);
	out = run_env(&c, NULL, 0, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=unix:///agent/own.sock")
	    && !has_line(out, "DOCKER_TLS_VERIFY=1"),
	    "DooD default: the agent's DOCKER_HOST, no TLS on a unix socket");
	free(out);
	c.docker_host = (char *)"tcp://127.0.0.1:2376";
	out = run_env(&c, NULL, 0, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=tcp://127.0.0.1:2376") &&
	    has_line(out, "DOCKER_TLS_VERIFY=1") &&
	    has_line(out, "DOCKER_CERT_PATH=/certs"),
	    "DooD over TCP+TLS: DOCKER_HOST, DOCKER_TLS_VERIFY, "
	    "DOCKER_CERT_PATH");
	free(out);
	unsetenv("DOCKER_TLS_VERIFY");
	unsetenv("DOCKER_CERT_PATH");
	c.docker_host = (char *)"unix:///srv/host.sock";

	/* DinD selected but no inner daemon: the launch fails clearly. */
	c.labels = (char *)"dind";
	out = run_env(&c, NULL, 0, &r, err, sizeof(err));
	ok(out == NULL && r == -1 && strstr(err, "Docker-in-Docker") != NULL,
	    "DinD without an inner daemon: %s", err);
	free(out);

	dockersel_set_dind(fake_dind, NULL);
	out = run_env(&c, NULL, 0, &r, err, sizeof(err));
	ok(out != NULL && has_line(out,
	    "DOCKER_HOST=unix:///run/jnagent/dind-n1.sock"),
	    "-labels dind: the inner daemon's socket");
	free(out);
	out = run_env(&c, ov_lin, 1, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=unix:///srv/host.sock"),
	    "NODE_LABELS without dind beats -labels dind");
	free(out);
	c.labels = (char *)"linux";
	out = run_env(&c, ov_dind, 1, &r, err, sizeof(err));
	ok(out != NULL && has_line(out,
	    "DOCKER_HOST=unix:///run/jnagent/dind-n1.sock") &&
	    has_line(out, "NODE_LABELS=linux dind"),
	    "NODE_LABELS with dind beats -labels linux");
	free(out);
	out = run_env(&c, ov_own, 2, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=tcp://127.0.0.1:2999"),
	    "a DOCKER_HOST the build sets itself is kept");
	free(out);

	dind_calls = 0;
	dockersel_set_dind(fake_dind, (void *)"inner daemon died twice");
	out = run_env(&c, ov_dind, 1, &r, err, sizeof(err));
	ok(out == NULL && r == -1 && dind_calls == 1 &&
	    strcmp(err, "inner daemon died twice") == 0,
	    "a provider failure fails the launch with its reason");
	free(out);

	dockersel_set_dind(fake_dind, NULL);
	dockersel_set_rewrite(guard_rewrite, NULL);
	out = run_env(&c, ov_dind, 1, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=unix:///tmp/guard-dind.sock"),
	    "the rewrite seam replaces DOCKER_HOST (DinD)");
	free(out);
	out = run_env(&c, NULL, 0, &r, err, sizeof(err));
	ok(out != NULL && has_line(out, "DOCKER_HOST=unix:///tmp/guard-dood.sock"),
	    "the rewrite seam replaces DOCKER_HOST (DooD)");
	free(out);
	dockersel_set_rewrite(NULL, NULL);
	dockersel_set_dind(NULL, NULL);

	unsetenv("DOCKER_HOST");
	c.docker_host = NULL;
	ok(strcmp(dockersel_dood_host(&c), "unix:///var/run/docker.sock") == 0
	    && strcmp(dockersel_dood_host(NULL),
	    "unix:///var/run/docker.sock") == 0, "default socket");
	ok(dockersel_overrides_host((const char *const *)ov_own, 2) &&
	    !dockersel_overrides_host((const char *const *)ov_dind, 1),
	    "overrides_host");
}

static void
test_socket(void)
{
	struct sockaddr_un	 sun;
	char			 dir[] = "/tmp/dockersel.XXXXXX", path[100];
	char			 host[160], msg[512];
	int			 fd;

	ok(dockersel_check_socket("tcp://127.0.0.1:2375", msg, sizeof(msg))
	    == 0, "a TCP host is not a socket to check");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/docker.sock", dir);
	snprintf(host, sizeof(host), "unix://%s", path);
	ok(dockersel_check_socket(host, msg, sizeof(msg)) == -1 &&
	    strstr(msg, "No such file") != NULL && strstr(msg, "fix: ") != NULL,
	    "missing socket: %s", msg);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "bound a socket");
	ok(dockersel_check_socket(host, msg, sizeof(msg)) == -1 &&
	    strstr(msg, "refused") != NULL, "not listening: %s", msg);
	ok(listen(fd, 4) == 0 && dockersel_check_socket(host, msg,
	    sizeof(msg)) == 0 && msg[0] == '\0', "listening: usable");
	close(fd);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_select();
	test_conf();
	test_launch();
	test_socket();
	return done_testing();
}
