/*
 * h_git.c: `checkout scm` (docs/git-checkout.md).  git-client's Git
 * builder asks the agent for a GitClient; a JVM agent answers a CLI client
 * that writeReplace()s itself into RemoteGitImpl{proxy = the exported
 * client}.  We export a struct gitc instead and run the git command line
 * for each RPC and builder call, with CliGitAPIImpl's arguments, so that
 * the workspace, the revisions and the changelog are the ones a JVM agent
 * would produce.  Failures are hudson.plugins.git.GitException with git's
 * own output in the message; methods we do not serve fail with
 * UnsupportedOperationException naming the method and a workaround.
 * Served beyond clone/fetch/checkout/changelog/merge: submodules
 * (setupSubmoduleUrls, SubmoduleUpdateCommand, submoduleClean), Git LFS
 * (checkout().lfsRemote: git lfs pull), the hooks callbacks of
 * withRepository, and the branch/tag/ls-remote lookups of build choosers
 * and polling (Branch, GitObject, HashSet and HashMap results).
 *
 * Credentials (addCredentials & co.) stay in memory; each git run that
 * talks to a remote gets a private temporary directory (0700) holding an
 * askpass script and the secrets (0600), removed when git ends.  Secrets
 * are never logged; URLs are logged with their password masked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/channel.h"
#include "agent/fsutil.h"
#include "agent/h_git.h"
#include "agent/h_launch.h"
#include "agent/handlers.h"
#include "agent/log.h"
#include "agent/proc.h"
#include "protocol/command.h"
#include "protocol/jser.h"
#include "protocol/jval.h"

#define NF(a)		(sizeof(a) / sizeof((a)[0]))

#define GIT_EXC		"hudson.plugins.git.GitException"
#define GIT_UNSUP	"java.lang.UnsupportedOperationException"
#define GIT_IFACE	"hudson.plugins.git.IGitAPI"
#define GIT_TIMEOUT_MIN	10		/* CliGitAPIImpl.TIMEOUT */
#define GIT_MAX_OUT	(64 * 1024 * 1024) /* output kept per stream */
#define GIT_MAX_ARGS	64
#define GIT_CMD_METHOD	"jnagent$builder" /* internal rpc (see below) */
#define GIT_WORKAROUND	"use options { skipDefaultCheckout() } and " \
			"sh 'git ...', or check out on a JVM agent"

/* One credential: url NULL = the default one. */
struct gitcred {
	struct gitcred	*next;
	char		*url;
	char		*user;
	char		*pass;		/* password, or the key's passphrase */
	char		*key;		/* SSH private key (PEM), or NULL */
};

enum git_hostkey {
	GIT_HK_NONE,		/* NoHostKeyVerifier */
	GIT_HK_KNOWN,		/* KnownHostsFileVerifier */
	GIT_HK_ACCEPT_NEW,	/* AcceptFirstConnectionVerifier */
	GIT_HK_MANUAL,		/* ManuallyProvidedKeyVerifier */
};

/* The exported client. */
struct gitc {
	pthread_mutex_t		 lock;
	char			*dir;		/* the workspace */
	char			*exe;		/* git executable */
	struct launch_env	 env;
	struct gitcred		*creds;
	enum git_hostkey	 hostkey;
	char			*known_hosts;	/* GIT_HK_MANUAL keys */
	int32_t			 log_oid;	/* build log stream, or -1 */
};

/*
 * Per-thread overrides for the git runs of one builder call: an explicit
 * credential (CheckoutCommand.lfsCredentials) and GIT_LFS_SKIP_SMUDGE=1
 * (a checkout with lfsRemote, as CliGitAPIImpl sets it).
 */
static __thread const struct gitcred *tls_cred;
static __thread bool tls_lfs_skip;

/* Output of one git run. */
struct gitbuf {
	char	*d;
	size_t	 len, cap;
};

/* ---- small helpers ---- */

static void
gitbuf_free(struct gitbuf *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

static int
gitbuf_add(struct gitbuf *b, const void *p, size_t n)
{
	char	*d;
	size_t	 cap;

	if (b->len + n + 1 > GIT_MAX_OUT)
		return 0;	/* keep the head, drop the rest */
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((d = realloc(b->d, cap)) == NULL)
			return -1;
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

/* UTF-8 text of a String node, malloc'ed; NULL if not a string. */
static char *
node_str(const struct jser_node *n)
{
	struct jser_doc	*tmp;
	char		*u, *r = NULL;
	size_t		 ulen;

	if (n == NULL || n->type != JSER_STRING || (tmp = jser_doc_new()) ==
	    NULL)
		return NULL;
	if (jser_mutf8_to_utf8(tmp, n->u.str.s, n->u.str.len, &u, &ulen) ==
	    PROTO_OK)
		r = strndup(u, ulen);
	jser_doc_free(tmp);
	return r;
}

/* A String field of obj, malloc'ed (NULL if absent or null). */
static char *
field_str(const struct jser_node *obj, const char *name)
{
	struct jser_node	*v;

	if (jser_field_ref(obj, name, &v) != PROTO_OK)
		return NULL;
	return node_str(v);
}

int
git_is_sha1(const char *s)
{
	int	 i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	for (s += 40; *s != '\0'; s++)
		if (*s != '\n' && *s != '\r' && *s != ' ')
			return 0;
	return 1;
}

char *
git_mask_url(const char *s)
{
	const char	*p, *at, *colon, *end;
	char		*r, *q;

	/* each "://" (3 bytes) grows by at most 4: 3 * len bounds it */
	if ((r = malloc(3 * strlen(s) + 8)) == NULL)
		return NULL;
	q = r;
	while ((p = strstr(s, "://")) != NULL) {
		p += 3;
		end = p + strcspn(p, "/ \t\n");
		at = memchr(p, '@', (size_t)(end - p));
		colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon == NULL) {
			memcpy(q, s, (size_t)(p - s));
			q += p - s;
			s = p;
			continue;
		}
		memcpy(q, s, (size_t)(colon + 1 - s));
		q += colon + 1 - s;
		memcpy(q, "****", 4);
		q += 4;
		s = at;
	}
	strcpy(q, s);
	return r;
}

/* ---- JGit values ---- */

char *
git_uriish_string(struct jser_doc *doc, const struct jser_node *n)
{
	char		*scheme, *user, *pass, *host, *path, *raw, *out = NULL;
	int32_t		 port = -1;
	size_t		 len;

	if (n == NULL || !jser_instance_of(n,
	    "org.eclipse.jgit.transport.URIish"))
		return NULL;
	scheme = field_str(n, "scheme");
	user = field_str(n, "user");
	pass = field_str(n, "pass");
	host = field_str(n, "host");
	path = field_str(n, "path");
	raw = field_str(n, "rawPath");
	(void)jser_field_int(n, "port", &port);
	if (raw == NULL) {
		raw = path;
		path = NULL;
	}
	len = 64 + (scheme ? strlen(scheme) : 0) + (user ? strlen(user) : 0) +
	    (pass ? strlen(pass) : 0) + (host ? strlen(host) : 0) +
	    (raw ? strlen(raw) : 0);
	if ((out = jser_alloc(doc, len)) == NULL)
		goto done;
	if (scheme != NULL) {
		snprintf(out, len, "%s://%s%s%s%s%s", scheme,
		    user ? user : "", pass ? ":" : "", pass ? pass : "",
		    user ? "@" : "", host ? host : "");
		if (port > 0)
			snprintf(out + strlen(out), len - strlen(out), ":%d",
			    (int)port);
		snprintf(out + strlen(out), len - strlen(out), "%s",
		    raw ? raw : "");
	} else if (host != NULL)
		snprintf(out, len, "%s%s%s:%s", user ? user : "",
		    user ? "@" : "", host, raw ? raw : "");
	else
		snprintf(out, len, "%s", raw ? raw : "");
done:
	free(scheme);
	free(user);
	free(pass);
	free(host);
	free(path);
	free(raw);
	return out;
}

char *
git_refspec_string(struct jser_doc *doc, const struct jser_node *n)
{
	char	*src, *dst, *out = NULL;
	bool	 force = false, negative = false;
	size_t	 len;

	if (n == NULL || !jser_instance_of(n,
	    "org.eclipse.jgit.transport.RefSpec"))
		return NULL;
	src = field_str(n, "srcName");
	dst = field_str(n, "dstName");
	(void)jser_field_bool(n, "force", &force);
	(void)jser_field_bool(n, "negative", &negative);
	len = 8 + (src ? strlen(src) : 0) + (dst ? strlen(dst) : 0);
	if ((out = jser_alloc(doc, len)) != NULL)
		snprintf(out, len, "%s%s%s%s%s", negative ? "^" : "",
		    force ? "+" : "", src ? src : "", dst ? ":" : "",
		    dst ? dst : "");
	free(src);
	free(dst);
	return out;
}

int
git_objectid_hex(const struct jser_node *n, char hex[41])
{
	static const char	 digits[] = "0123456789abcdef";
	const struct jser_content *c;
	struct jser_cursor	 cur;
	uint8_t			 raw[20];
	int			 i;

	if (n == NULL || !jser_instance_of(n, "org.eclipse.jgit.lib.ObjectId")
	    || (c = jser_custom(n, "org.eclipse.jgit.lib.ObjectId")) == NULL)
		return -1;
	jser_cursor_init(&cur, c);
	if (jser_cursor_bytes(&cur, raw, sizeof(raw)) != PROTO_OK)
		return -1;
	for (i = 0; i < 20; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[40] = '\0';
	return 0;
}

/* An ObjectId result from 40 hex digits. */
static struct jser_node *
new_objectid(struct hctx *h, const char *hex)
{
	struct jser_node	*o;
	struct jser_classdata	*cd;
	uint8_t			 raw[20];
	unsigned int		 v;
	int			 i;

	for (i = 0; i < 20; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return NULL;
		raw[i] = (uint8_t)v;
	}
	if ((o = hctx_object(h, hctx_desc(h, "org.eclipse.jgit.lib.ObjectId",
	    1, SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, NULL, 0))) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL)
		return NULL;
	cd->has_custom = true;
	if (jser_content_add_block(h->out, &cd->custom, raw, sizeof(raw)) !=
	    PROTO_OK)
		return NULL;
	return o;
}

/* ---- the client ---- */

static void
gitcred_free(struct gitcred *c)
{
	struct gitcred	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c->url);
		free(c->user);
		if (c->pass != NULL) {
			explicit_bzero(c->pass, strlen(c->pass));
			free(c->pass);
		}
		if (c->key != NULL) {
			explicit_bzero(c->key, strlen(c->key));
			free(c->key);
		}
		free(c);
	}
}

static void
gitc_free(struct gitc *g)
{
	if (g == NULL)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g->dir);
	free(g->exe);
	free(g->known_hosts);
	launch_env_free(&g->env);
	gitcred_free(g->creds);
	free(g);
}

static void
gitc_release(void *obj)
{
	gitc_free(obj);
}

/* Write a line to the build log (best effort). */
static void
gitc_log(struct hctx *h, struct gitc *g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
gitc_log(struct hctx *h, struct gitc *g, const char *fmt, ...)
{
	char	 line[2048];
	va_list	 ap;
	int	 n;

	if (g->log_oid < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)channel_pipe_write(h, g->log_oid, (const uint8_t *)line,
	    (size_t)n);
}

/* The credential for url (exact match, then the default), or NULL. */
static const struct gitcred *
gitc_cred(const struct gitc *g, const char *url)
{
	const struct gitcred	*c;

	for (c = g->creds; url != NULL && c != NULL; c = c->next)
		if (c->url != NULL && strcmp(c->url, url) == 0)
			return c;
	for (c = g->creds; c != NULL; c = c->next)
		if (c->url == NULL)
			return c;
	return NULL;
}

/* Write a private file (0600); 0 or -1. */
static int
write_secret(const char *path, const char *s, mode_t mode)
{
	size_t	 n = strlen(s), off = 0;
	ssize_t	 w;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1)
		return -1;
	while (off < n) {
		if ((w = write(fd, s + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Temporary credential files of one run. */
struct gitsecrets {
	char	 dir[PATH_MAX];
	char	 askpass[PATH_MAX + 16];
	char	 user[PATH_MAX + 16];
	char	 pass[PATH_MAX + 16];
	char	 key[PATH_MAX + 16];
	char	 hosts[PATH_MAX + 16];
	char	 sshcmd[4 * PATH_MAX + 256];
	bool	 made;
};

static void
secrets_remove(struct gitsecrets *s)
{
	if (!s->made)
		return;
	(void)unlink(s->askpass);
	(void)unlink(s->user);
	(void)unlink(s->pass);
	(void)unlink(s->key);
	(void)unlink(s->hosts);
	if (rmdir(s->dir) != 0)
		log_info("git: cannot remove %s: %s", s->dir, strerror(errno));
	s->made = false;
}

/*
 * Prepare credentials and host-key checking for a remote operation on
 * url: askpass for user/password (and key passphrases), a key file and
 * GIT_SSH_COMMAND for SSH keys.  0 or -1 (with *why set).
 */
static int
secrets_make(struct gitc *g, const char *url, struct launch_env *env,
    struct gitsecrets *s, const char **why)
{
	const struct gitcred	*c = tls_cred ? tls_cred : gitc_cred(g, url);
	const char		*tmp = getenv("TMPDIR");
	const char		*strict;
	char			 script[PATH_MAX * 3];
	size_t			 off;

	memset(s, 0, sizeof(*s));
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/jnagent-git-XXXXXX", tmp);
	if (mkdtemp(s->dir) == NULL) {
		*why = "cannot create a private temporary directory";
		return -1;
	}
	s->made = true;
	if (strchr(s->dir, '\'') != NULL) {
		/* the paths are single-quoted in scripts and ssh options */
		*why = "TMPDIR must not contain a quote";
		secrets_remove(s);
		return -1;
	}
	snprintf(s->askpass, sizeof(s->askpass), "%s/askpass.sh", s->dir);
	snprintf(s->user, sizeof(s->user), "%s/user", s->dir);
	snprintf(s->pass, sizeof(s->pass), "%s/pass", s->dir);
	snprintf(s->key, sizeof(s->key), "%s/key", s->dir);
	snprintf(s->hosts, sizeof(s->hosts), "%s/known_hosts", s->dir);
	if (launch_env_put(env, "GIT_TERMINAL_PROMPT", "false") != 0)
		goto nomem;
	if (c != NULL) {
		if (write_secret(s->user, c->user ? c->user : "", 0600) != 0 ||
		    write_secret(s->pass, c->pass ? c->pass : "", 0600) != 0)
			goto io;
		/* The script holds paths only, never a secret. */
		snprintf(script, sizeof(script),
		    "#!/bin/sh\ncase \"$1\" in\n[Uu]sername*) cat '%s' ;;\n"
		    "*) cat '%s' ;;\nesac\n", s->user, s->pass);
		if (write_secret(s->askpass, script, 0700) != 0)
			goto io;
		if (launch_env_put(env, "GIT_ASKPASS", s->askpass) != 0 ||
		    launch_env_put(env, "SSH_ASKPASS", s->askpass) != 0 ||
		    launch_env_put(env, "SSH_ASKPASS_REQUIRE", "force") != 0 ||
		    launch_env_put(env, "DISPLAY", ":") != 0)
			goto nomem;
	}
	switch (g->hostkey) {
	case GIT_HK_NONE:
		strict = "no";
		break;
	case GIT_HK_ACCEPT_NEW:
		strict = "accept-new";
		break;
	default:
		strict = "yes";
		break;
	}
	off = (size_t)snprintf(s->sshcmd, sizeof(s->sshcmd),
	    "ssh -o StrictHostKeyChecking=%s -o BatchMode=%s", strict,
	    c != NULL && c->pass != NULL && *c->pass ? "no" : "yes");
	if (g->hostkey == GIT_HK_NONE)
		off += (size_t)snprintf(s->sshcmd + off,
		    sizeof(s->sshcmd) - off,
		    " -o UserKnownHostsFile=/dev/null");
	if (g->hostkey == GIT_HK_MANUAL) {
		if (write_secret(s->hosts, g->known_hosts ? g->known_hosts : "",
		    0600) != 0)
			goto io;
		off += (size_t)snprintf(s->sshcmd + off,
		    sizeof(s->sshcmd) - off,
		    " -o UserKnownHostsFile='%s'", s->hosts);
	}
	if (c != NULL && c->key != NULL) {
		if (write_secret(s->key, c->key, 0600) != 0)
			goto io;
		off += (size_t)snprintf(s->sshcmd + off,
		    sizeof(s->sshcmd) - off,
		    " -i '%s' -o IdentitiesOnly=yes", s->key);
		if (c->user != NULL && strchr(c->user, '\'') == NULL)
			(void)snprintf(s->sshcmd + off, sizeof(s->sshcmd) - off,
			    " -l '%s'", c->user);
	}
	if (launch_env_put(env, "GIT_SSH_COMMAND", s->sshcmd) != 0)
		goto nomem;
	return 0;
io:
	*why = "cannot write the temporary credential files";
	secrets_remove(s);
	return -1;
nomem:
	*why = "out of memory";
	secrets_remove(s);
	return -1;
}

/* argv joined for messages and logs, URL passwords masked. */
static char *
argv_line(const char *const *argv, int argc)
{
	struct gitbuf	 b = { 0 };
	char		*m;
	int		 i;

	for (i = 0; i < argc; i++) {
		if ((m = git_mask_url(argv[i])) == NULL ||
		    (i > 0 && gitbuf_add(&b, " ", 1) != 0) ||
		    gitbuf_add(&b, m, strlen(m)) != 0) {
			free(m);
			gitbuf_free(&b);
			return NULL;
		}
		free(m);
	}
	if (b.d == NULL)
		return strdup("");
	return b.d;
}

/*
 * Run git with args (argv[0] is replaced by g->exe) in g->dir (or in cwd
 * when not NULL).  remote_url != NULL: set up credentials for it.
 * Returns the exit code (0..255), or -1 after hctx_fail().  On a non-zero
 * exit with fail set, fails the call with CliGitAPIImpl's message.
 * stdout is kept in *out when not NULL.
 */
static int
git_run(struct hctx *h, struct gitc *g, const char **argv, int argc,
    const char *cwd, const char *remote_url, int timeout_min, bool fail,
    struct gitbuf *out)
{
	struct launch_env	 env = { 0 };
	struct gitsecrets	 sec = { .made = false };
	struct proc_spec	 spec;
	struct proc		*p = NULL;
	struct gitbuf		 ob = { 0 }, eb = { 0 };
	struct pollfd		 pfd[2];
	char			 errbuf[512], buf[16384], *line = NULL, **envp;
	const char		*why = NULL;
	time_t			 deadline;
	ssize_t			 n;
	int			 code = -1, r = -1, i, nfd, done;

	argv[0] = g->exe;
	argv[argc] = NULL;
	if ((line = argv_line(argv, argc)) == NULL)
		return hctx_fail(h, "java.lang.OutOfMemoryError", "git");
	gitc_log(h, g, " > %s # timeout=%d", line, timeout_min);
	if (launch_env_inherit(&env) != 0)
		goto nomem;
	for (i = 0; i < (int)g->env.n; i++)
		if (launch_env_put(&env, g->env.names[i], g->env.values[i]) !=
		    0)
			goto nomem;
	if (launch_env_put(&env, "GIT_TERMINAL_PROMPT", "false") != 0 ||
	    (tls_lfs_skip && launch_env_put(&env, "GIT_LFS_SKIP_SMUDGE", "1")
	    != 0))
		goto nomem;
	if (remote_url != NULL) {
		pthread_mutex_lock(&g->lock);
		i = secrets_make(g, remote_url, &env, &sec, &why);
		pthread_mutex_unlock(&g->lock);
	} else
		i = 0;
	if (i != 0) {
		r = hctx_fail(h, GIT_EXC, "%s for %s", why, line);
		goto out;
	}
	if ((envp = launch_envp(&env)) == NULL)
		goto nomem;
	memset(&spec, 0, sizeof(spec));
	spec.argv = argv;
	spec.envp = (const char *const *)envp;
	spec.cwd = cwd != NULL ? cwd : g->dir;
	spec.in = PROC_NULL;
	spec.out = PROC_PIPE;
	spec.err = PROC_PIPE;
	i = proc_spawn(&spec, &p, errbuf, sizeof(errbuf));
	launch_envp_free(envp);
	if (i != 0) {
		r = hctx_fail(h, GIT_EXC, "Error performing git command: %s",
		    errbuf);
		goto out;
	}
	deadline = time(NULL) + (time_t)(timeout_min > 0 ? timeout_min :
	    GIT_TIMEOUT_MIN) * 60;
	done = 0;
	while (done < 2) {
		nfd = 0;
		if (p->out_fd != -1) {
			pfd[nfd].fd = p->out_fd;
			pfd[nfd++].events = POLLIN;
		}
		if (p->err_fd != -1) {
			pfd[nfd].fd = p->err_fd;
			pfd[nfd++].events = POLLIN;
		}
		if (nfd == 0)
			break;
		if (hctx_cancelled(h) || time(NULL) > deadline) {
			(void)proc_kill_tree(p->pid, 2000);
			r = hctx_fail(h, GIT_EXC, "%s: %s", line,
			    hctx_cancelled(h) ? "interrupted" : "timed out");
			goto out;
		}
		if (poll(pfd, (nfds_t)nfd, 200) <= 0)
			continue;
		for (i = 0; i < nfd; i++) {
			if (pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (pfd[i].fd == p->out_fd) {
					close(p->out_fd);
					p->out_fd = -1;
				} else {
					close(p->err_fd);
					p->err_fd = -1;
				}
				done++;
				continue;
			}
			if (gitbuf_add(pfd[i].fd == p->out_fd ? &ob : &eb, buf,
			    (size_t)n) != 0)
				goto nomem;
		}
	}
	while (proc_wait(p, 200, &code, NULL) == 0)
		if (hctx_cancelled(h) || time(NULL) > deadline) {
			(void)proc_kill_tree(p->pid, 2000);
			r = hctx_fail(h, GIT_EXC, "%s: interrupted", line);
			goto out;
		}
	if (code != 0 && fail) {
		char	*me = git_mask_url(eb.d ? eb.d : "");
		char	*mo = git_mask_url(ob.d ? ob.d : "");

		r = hctx_fail(h, GIT_EXC, "Command \"%s\" returned status "
		    "code %d:\nstdout: %.400s\nstderr: %.400s", line, code,
		    mo ? mo : "", me ? me : "");
		free(me);
		free(mo);
		goto out;
	}
	if (out != NULL) {
		*out = ob;
		memset(&ob, 0, sizeof(ob));
	}
	r = code;
	goto out;
nomem:
	r = hctx_fail(h, "java.lang.OutOfMemoryError",
	    "out of memory running git");
out:
	secrets_remove(&sec);
	if (p != NULL)
		proc_free(p);
	launch_env_free(&env);
	gitbuf_free(&ob);
	gitbuf_free(&eb);
	free(line);
	return r;
}

/* Shorthand: git with a NULL-terminated list, failing on error. */
static int
git_simple(struct hctx *h, struct gitc *g, struct gitbuf *out, ...)
{
	const char	*argv[GIT_MAX_ARGS + 2];
	const char	*a;
	va_list		 ap;
	int		 argc = 1;

	va_start(ap, out);
	while ((a = va_arg(ap, const char *)) != NULL && argc < GIT_MAX_ARGS)
		argv[argc++] = a;
	va_end(ap);
	return git_run(h, g, argv, argc, NULL, NULL, GIT_TIMEOUT_MIN, true,
	    out) == 0 ? 0 : -1;
}

/* ---- credentials from the controller ---- */

/* hudson.util.Secret (field value) or a String, malloc'ed. */
static char *
secret_text(const struct jser_node *n)
{
	if (n == NULL)
		return NULL;
	if (n->type == JSER_STRING)
		return node_str(n);
	if (jser_instance_of(n, "hudson.util.Secret"))
		return field_str(n, "value");
	return NULL;
}

/*
 * Read a credentials snapshot: StandardUsernamePasswordCredentials
 * (username, password) or an SSH key credential (username, passphrase,
 * privateKeySource{privateKey | privateKeys}).  NULL if neither.
 */
static struct gitcred *
cred_parse(const struct jser_node *n)
{
	struct gitcred		*c;
	struct jser_node	*v = NULL, *src = NULL, **items;
	struct jser_doc		*tmp;
	uint32_t		 nitems;

	if (n == NULL || n->type != JSER_OBJECT ||
	    (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->user = field_str(n, "username");
	if (jser_field_ref(n, "password", &v) == PROTO_OK)
		c->pass = secret_text(v);
	else if (jser_field_ref(n, "passphrase", &v) == PROTO_OK)
		c->pass = secret_text(v);
	if (jser_field_ref(n, "privateKeySource", &src) == PROTO_OK &&
	    src != NULL) {
		if (jser_field_ref(src, "privateKey", &v) == PROTO_OK)
			c->key = secret_text(v);
		else if (jser_field_ref(src, "privateKeys", &v) == PROTO_OK &&
		    (tmp = jser_doc_new()) != NULL) {
			if (jval_list_items(tmp, v, &items, &nitems) ==
			    PROTO_OK && nitems > 0)
				c->key = secret_text(items[0]);
			jser_doc_free(tmp);
		}
	}
	if (c->user == NULL && c->pass == NULL && c->key == NULL) {
		gitcred_free(c);
		return NULL;
	}
	return c;
}

/* ---- the factory: Git$GitAPIMasterToSlaveFileCallable ---- */

/* The first RemoteOutputStream oid in n's graph (depth-limited). */
static int32_t
find_ros(const struct jser_node *n, int depth, int *budget)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct jser_node		*it;
	uint32_t			 i, k, oid;
	int32_t				 r;

	if (n == NULL || depth > 5 || n->type != JSER_OBJECT || --*budget < 0)
		return -1;
	if (jser_instance_of(n, "hudson.remoting.RemoteOutputStream")) {
		if ((c = jser_custom(n, "hudson.remoting.RemoteOutputStream"))
		    == NULL)
			return -1;
		jser_cursor_init(&cur, c);
		return jser_cursor_u32(&cur, &oid) == PROTO_OK ?
		    (int32_t)oid : -1;
	}
	for (i = 0; i < n->u.obj.nclasses; i++) {
		const struct jser_classdata *cd = &n->u.obj.classes[i];

		if (cd->values != NULL)
			for (k = 0; k < cd->desc->u.desc.nfields; k++) {
				char t = cd->desc->u.desc.fields[k].type;

				if (t == 'L' && (r = find_ros(
				    cd->values[k].ref, depth + 1, budget)) >= 0)
					return r;
			}
		for (k = 0; k < cd->custom.n; k++) {
			it = cd->custom.items[k];
			if (it != NULL &&
			    (r = find_ros(it, depth + 1, budget)) >= 0)
				return r;
		}
	}
	return -1;
}

/* EnvVars (a TreeMap): the entries into e. */
static void
read_envvars(const struct jser_node *n, struct launch_env *e)
{
	const struct jser_content	*c;
	struct jser_cursor		 cur;
	struct jser_node		*k, *v;
	uint32_t			 size, i;
	char				*ks, *vs;

	if (n == NULL || (c = jser_custom(n, "java.util.TreeMap")) == NULL)
		return;
	jser_cursor_init(&cur, c);
	if (jser_cursor_u32(&cur, &size) != PROTO_OK)
		return;
	for (i = 0; i < size && i < 100000; i++) {
		if (jser_cursor_obj(&cur, &k) != PROTO_OK ||
		    jser_cursor_obj(&cur, &v) != PROTO_OK)
			return;
		ks = node_str(k);
		vs = node_str(v);
		if (ks != NULL && vs != NULL)
			(void)launch_env_put(e, ks, vs);
		free(ks);
		free(vs);
	}
}

static int git_rpc(struct hctx *, void *, const struct cmd_rpc *);

static const struct chan_export_ops gitc_ops = {
	.rpc = git_rpc,
	.release = gitc_release,
};

/* A proxy of IGitAPI (+ IReadResolve) for our export (catalog 1.6). */
static struct jser_node *
new_git_proxy(struct hctx *h, int32_t oid)
{
	static const struct hfield f[] = {
		{ 'Z', "autoUnexportByCaller", NULL },
		{ 'Z', "goingHome", NULL },
		{ 'I', "oid", NULL },
		{ 'Z', "recordCreatedAt", NULL },
		{ 'Z', "userProxy", NULL },
		{ 'Z', "userSpace", NULL },
		{ 'L', "origin", "Ljava/lang/Throwable;" },
	};
	const char		*ifs[2] = { GIT_IFACE,
				    "hudson.remoting.IReadResolve" };
	struct jval_ctx		 ctx;
	struct jser_node	*pd, *ih, *o;

	memset(&ctx, 0, sizeof(ctx));
	ctx.doc = h->out;
	if ((pd = jval_proxy_class(&ctx, ifs, 2)) == NULL ||
	    (ih = hctx_object(h, hctx_desc(h,
	    "hudson.remoting.RemoteInvocationHandler", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, NF(f)))) == NULL ||
	    (o = jser_new_object(h->out, pd)) == NULL)
		return NULL;
	if (jser_set_prim(ih, "oid", (uint32_t)oid) != PROTO_OK ||
	    jser_set_prim(ih, "userProxy", 1) != PROTO_OK ||
	    jser_set_prim(ih, "userSpace", 1) != PROTO_OK ||
	    jser_set_ref(o, "h", ih) != PROTO_OK)
		return NULL;
	return o;
}

static int
h_git_client(struct hctx *h, const struct jser_node *callable)
{
	static const struct hfield f[] = {
		{ 'L', "proxy", "Lorg/jenkinsci/plugins/gitclient/GitClient;" },
	};
	struct jser_node	*git = NULL, *env = NULL, *lst = NULL;
	struct jser_node	*hk = NULL;
	struct jser_node	*res, *px;
	struct gitc		*g;
	const char		*hkc;
	int32_t			 oid;

	if (jser_field_ref(callable, "this$0", &git) != PROTO_OK ||
	    git == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "Git$GitAPIMasterToSlaveFileCallable without its Git");
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->dir = strdup(h->file_path)) == NULL) {
		free(g);
		return hctx_fail(h, "java.lang.OutOfMemoryError", "git client");
	}
	pthread_mutex_init(&g->lock, NULL);
	g->exe = field_str(git, "exe");
	if (g->exe == NULL || strcasecmp(g->exe, "jgit") == 0 ||
	    strcasecmp(g->exe, "jgitapache") == 0) {
		/* JGit is not available natively: the CLI does the same. */
		free(g->exe);
		g->exe = strdup("git");
	}
	if (jser_field_ref(git, "env", &env) == PROTO_OK)
		read_envvars(env, &g->env);
	g->log_oid = -1;
	if (jser_field_ref(git, "listener", &lst) == PROTO_OK) {
		int	 budget = 256;	/* nodes visited at most */

		g->log_oid = find_ros(lst, 0, &budget);
	}
	g->hostkey = GIT_HK_KNOWN;
	if (jser_field_ref(callable, "hostKeyFactory", &hk) == PROTO_OK &&
	    hk != NULL && (hkc = jser_class_name(hk)) != NULL) {
		if (strstr(hkc, "NoHostKeyVerifier") != NULL)
			g->hostkey = GIT_HK_NONE;
		else if (strstr(hkc, "AcceptFirstConnectionVerifier") != NULL)
			g->hostkey = GIT_HK_ACCEPT_NEW;
		else if (strstr(hkc, "ManuallyProvidedKeyVerifier") != NULL) {
			g->hostkey = GIT_HK_MANUAL;
			g->known_hosts = field_str(hk, "approvedHostKeys");
		}
	}
	if (g->exe == NULL) {
		gitc_free(g);
		return hctx_fail(h, "java.lang.OutOfMemoryError", "git client");
	}
	if ((oid = channel_export(h->ch, g, &gitc_ops)) < 0) {
		gitc_free(g);
		return hctx_fail(h, "java.io.IOException",
		    "cannot export the git client");
	}
	if ((px = new_git_proxy(h, oid)) == NULL ||
	    (res = hctx_object(h, hctx_desc(h,
	    "org.jenkinsci.plugins.gitclient.RemoteGitImpl", 1,
	    SC_SERIALIZABLE, NULL, f, NF(f)))) == NULL ||
	    jser_set_ref(res, "proxy", px) != PROTO_OK) {
		channel_unexport(h->ch, oid);
		return hctx_fail(h, "java.lang.OutOfMemoryError", "git client");
	}
	log_debug("git client %d for %.200s", (int)oid, g->dir);
	h->value = res;
	return 0;
}

/* ---- RPCs on the client ---- */

static const struct jser_node *
rpc_arg(const struct cmd_rpc *rpc, uint32_t i)
{
	struct jser_node	**a;

	if (rpc->args == NULL || i >= rpc->nargs ||
	    rpc->args->type != JSER_ARRAY || rpc->args->u.arr.elem != 'L')
		return NULL;
	a = rpc->args->u.arr.data;
	return a[i];
}

static bool
is_dir(const char *p)
{
	struct stat	 st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
rpc_has_repo(struct hctx *h, struct gitc *g)
{
	char		 p[PATH_MAX];
	const char	*argv[5];
	bool		 ok = false;

	snprintf(p, sizeof(p), "%s/.git", g->dir);
	if (is_dir(g->dir) && access(p, F_OK) == 0) {
		argv[1] = "rev-parse";
		argv[2] = "--resolve-git-dir";
		argv[3] = p;
		ok = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false,
		    NULL) == 0;
		if (h->exc_class != NULL)
			return -1;
	}
	h->value = cmd_new_boolean(h->out, ok);
	return h->value ? 0 : -1;
}

static int
rpc_rev_parse(struct hctx *h, struct gitc *g, const char *rev)
{
	struct gitbuf	 out = { 0 };
	char		*arg;
	int		 r;

	if (rev == NULL)
		return hctx_fail(h, GIT_EXC, "revParse of null");
	if ((arg = malloc(strlen(rev) + 10)) == NULL)
		return hctx_fail(h, "java.lang.OutOfMemoryError", "revParse");
	sprintf(arg, "%s^{commit}", rev);
	r = git_simple(h, g, &out, "rev-parse", arg, NULL);
	free(arg);
	if (r != 0)
		return -1;
	if (out.d == NULL || !git_is_sha1(out.d)) {
		gitbuf_free(&out);
		return hctx_fail(h, GIT_EXC,
		    "rev-parse no content returned for %s", rev);
	}
	h->value = new_objectid(h, out.d);
	gitbuf_free(&out);
	return h->value ? 0 : -1;
}

/* isCommitInRepo: rev-list --no-walk <sha> lists it. */
static int
rpc_commit_in_repo(struct hctx *h, struct gitc *g, const struct jser_node *o)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[5];
	char		 hex[41];
	bool		 in = false;

	if (git_objectid_hex(o, hex) == 0) {
		argv[1] = "rev-list";
		argv[2] = "--no-walk";
		argv[3] = hex;
		in = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false,
		    &out) == 0 && out.d != NULL && git_is_sha1(out.d);
		gitbuf_free(&out);
		if (h->exc_class != NULL)
			return -1;
	}
	h->value = cmd_new_boolean(h->out, in);
	return h->value ? 0 : -1;
}

static int
rpc_remote_url(struct hctx *h, struct gitc *g, const char *name)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[5];
	char		 key[512];
	int		 r;

	if (name == NULL)
		return hctx_fail(h, GIT_EXC, "getRemoteUrl of null");
	snprintf(key, sizeof(key), "remote.%s.url", name);
	argv[1] = "config";
	argv[2] = "--get";
	argv[3] = key;
	r = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false, &out);
	if (r < 0)
		return -1;
	if (r != 0 || out.d == NULL || out.len == 0)
		h->value = NULL;	/* CliGitAPIImpl returns null */
	else {
		out.d[strcspn(out.d, "\r\n")] = '\0';
		if ((h->value = hctx_string(h, out.d)) == NULL) {
			gitbuf_free(&out);
			return -1;
		}
	}
	gitbuf_free(&out);
	return 0;
}

static int
rpc_add_cred(struct hctx *h, struct gitc *g, const struct cmd_rpc *rpc,
    bool with_url)
{
	struct gitcred	*c, **pp;
	char		*url = NULL;

	if (with_url && (url = node_str(rpc_arg(rpc, 0))) == NULL)
		return hctx_fail(h, "java.lang.IllegalArgumentException",
		    "%s: the URL is null", rpc->method);
	if ((c = cred_parse(rpc_arg(rpc, with_url ? 1 : 0))) == NULL) {
		free(url);
		return hctx_fail(h, GIT_UNSUP, "%s: this credential type is "
		    "not supported by jnagent (use username/password or an "
		    "SSH private key)", rpc->method);
	}
	c->url = url;
	pthread_mutex_lock(&g->lock);
	for (pp = &g->creds; *pp != NULL; pp = &(*pp)->next)
		if (((*pp)->url == NULL && url == NULL) ||
		    ((*pp)->url != NULL && url != NULL &&
		    strcmp((*pp)->url, url) == 0)) {
			struct gitcred	*old = *pp;

			c->next = old->next;
			old->next = NULL;
			gitcred_free(old);
			*pp = c;
			c = NULL;
			break;
		}
	if (c != NULL) {
		c->next = g->creds;
		g->creds = c;
	}
	pthread_mutex_unlock(&g->lock);
	h->value = NULL;
	return 0;
}

/* ---- results: Branch, GitObject, collections ---- */

/* A hudson.plugins.git.Branch (branch) or GitObject of name at hex. */
static struct jser_node *
new_gitobject(struct hctx *h, bool branch, const char *name, const char *hex)
{
	static const struct hfield f[] = {
		{ 'L', "name", "Ljava/lang/String;" },
		{ 'L', "sha1", "Lorg/eclipse/jgit/lib/ObjectId;" },
	};
	struct jser_node	*go, *d, *o, *id, *s;

	if ((go = hctx_desc(h, "hudson.plugins.git.GitObject", 1,
	    SC_SERIALIZABLE, NULL, f, NF(f))) == NULL)
		return NULL;
	d = branch ? hctx_desc(h, "hudson.plugins.git.Branch", 1,
	    SC_SERIALIZABLE, go, NULL, 0) : go;
	if (d == NULL || (o = hctx_object(h, d)) == NULL ||
	    (id = new_objectid(h, hex)) == NULL ||
	    (s = hctx_string(h, name)) == NULL ||
	    jser_set_ref(o, "name", s) != PROTO_OK ||
	    jser_set_ref(o, "sha1", id) != PROTO_OK)
		return NULL;
	return o;
}

/*
 * A java.util.HashSet holding v[0..n) (capacity and load factor as
 * new HashSet<>() + add() leave them; the receiver re-hashes, so the
 * element order is free).
 */
static struct jser_node *
new_objset(struct hctx *h, struct jser_node *const *v, size_t n)
{
	struct jser_node	*d, *o;
	struct jser_classdata	*cd;
	uint32_t		 cap = 16, be[3];
	size_t			 i;

	while ((double)n > cap * 0.75 && cap < (1u << 30))
		cap *= 2;
	if ((d = hctx_desc(h, "java.util.HashSet", -5024744406713321676LL,
	    SC_WRITE_METHOD | SC_SERIALIZABLE, NULL, NULL, 0)) == NULL ||
	    (o = hctx_object(h, d)) == NULL ||
	    (cd = jser_obj_classdata(o, NULL)) == NULL)
		return NULL;
	be[0] = htobe32(cap);
	be[1] = htobe32((uint32_t)jser_float_bits(0.75f));
	be[2] = htobe32((uint32_t)n);
	if (jser_content_add_block(h->out, &cd->custom, be, sizeof(be)) !=
	    PROTO_OK)
		return NULL;
	cd->has_custom = true;
	for (i = 0; i < n; i++)
		if (jser_content_add(h->out, &cd->custom, v[i]) != PROTO_OK)
			return NULL;
	return o;
}

/* Growable array of result nodes. */
struct nodes {
	struct jser_node	**v;
	size_t			  n, cap;
};

static int
nodes_add(struct nodes *l, struct jser_node *x)
{
	struct jser_node	**v;

	if (x == NULL)
		return -1;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if (l->cap > 1000000 || (v = realloc(l->v, l->cap *
		    sizeof(*v))) == NULL)
			return -1;
		l->v = v;
	}
	l->v[l->n++] = x;
	return 0;
}

/* Next line of *p (NUL-terminated, CR stripped), or NULL at the end. */
static char *
next_line(char **p)
{
	char	*l = *p, *e;
	size_t	 k;

	if (l == NULL || *l == '\0')
		return NULL;
	if ((e = strchr(l, '\n')) != NULL) {
		*e = '\0';
		*p = e + 1;
	} else
		*p = l + strlen(l);
	k = strlen(l);
	if (k > 0 && l[k - 1] == '\r')
		l[k - 1] = '\0';
	return l;
}

/*
 * CliGitAPIImpl.parseBranches: lines of `git branch -v --no-abbrev`
 * ("* name sha1 subject"); Branch objects into l.  0 or -1 (ENOMEM).
 */
int
git_branch_line(char *line, char **name, char **sha)
{
	char	*n, *e, *x;

	if (strlen(line) < 44 || strchr(line, ' ') == NULL)
		return 0;
	n = line + 2;
	n += strspn(n, " ");	/* split(" +") */
	if ((e = strchr(n, ' ')) == NULL)
		return 0;
	x = e + 1 + strspn(e + 1, " ");
	if (strcspn(x, " ") != 40)
		return 0;
	*e = '\0';
	x[40] = '\0';
	if (!git_is_sha1(x))
		return 0;
	*name = n;
	*sha = x;
	return 1;
}

static int
parse_branches(struct hctx *h, char *text, struct nodes *l)
{
	char	*p = text, *line, *name, *sha;

	while ((line = next_line(&p)) != NULL)
		if (git_branch_line(line, &name, &sha) &&
		    nodes_add(l, new_gitobject(h, true, name, sha)) != 0)
			return -1;
	return 0;
}

/* Run git (argv[1..argc)) for stdout; 0, or -1 after hctx_fail(). */
static int
git_out(struct hctx *h, struct gitc *g, const char **argv, int argc,
    const char *cwd, const char *url, struct gitbuf *out)
{
	if (git_run(h, g, argv, argc, cwd, url, GIT_TIMEOUT_MIN, true,
	    out) != 0)
		return -1;
	if (out->d == NULL && gitbuf_add(out, "", 0) != 0)
		return hctx_fail(h, "java.lang.OutOfMemoryError", "git");
	return 0;
}

/* getBranches / getRemoteBranches / getBranchesContaining. */
static int
rpc_branches(struct hctx *h, struct gitc *g, const char *m, const char *rev,
    bool all)
{
	struct gitbuf	 out = { 0 };
	struct nodes	 l = { 0 };
	struct jval_ctx	 ctx = { .doc = h->out };
	const char	*argv[10];
	char		*p, *line, *sp;
	int		 argc = 1, r = -1;
	bool		 remote = strcmp(m, "getRemoteBranches") == 0;

	if (remote) {
		/* CliGitAPIImpl reads the refs/remotes/ refs through JGit */
		argv[argc++] = "for-each-ref";
		argv[argc++] = "--format=%(objectname) %(refname)";
		argv[argc++] = "refs/remotes/";
	} else {
		argv[argc++] = "branch";
		if (all)
			argv[argc++] = "-a";
		argv[argc++] = "-v";
		argv[argc++] = "--no-abbrev";
		if (rev != NULL) {
			if (rev[0] == '-')
				return hctx_fail(h, GIT_EXC, "Invalid revision "
				    "%s", rev);
			argv[argc++] = "--contains";
			argv[argc++] = rev;
		}
	}
	if (git_out(h, g, argv, argc, NULL, NULL, &out) != 0)
		return -1;
	if (remote) {
		p = out.d;
		while ((line = next_line(&p)) != NULL) {
			/* Branch(Ref): the name after "refs/remotes/" */
			if (strlen(line) < 42 || line[40] != ' ' ||
			    (sp = strchr(line + 46, '/')) == NULL)
				continue;
			line[40] = '\0';
			if (!git_is_sha1(line))
				continue;
			gitc_log(h, g, "Seen branch in repository %s", sp + 1);
			if (nodes_add(&l, new_gitobject(h, true, sp + 1,
			    line)) != 0)
				goto nomem;
		}
	} else if (parse_branches(h, out.d, &l) != 0)
		goto nomem;
	h->value = rev != NULL ? jval_arraylist(&ctx, l.v, (uint32_t)l.n) :
	    new_objset(h, l.v, l.n);
	if (h->value == NULL)
		goto nomem;
	r = 0;
	goto out;
nomem:
	r = hctx_fail(h, "java.lang.OutOfMemoryError", "%s", m);
out:
	free(l.v);
	gitbuf_free(&out);
	return r;
}

/* getTags: `git show-ref --tags -d`, peeled ids preferred. */
static int
rpc_tags(struct hctx *h, struct gitc *g)
{
	struct gitbuf	 out = { 0 };
	struct nodes	 l = { 0 };
	const char	*argv[6];
	char		*p, *line, *name, **names = NULL, (*shas)[41] = NULL;
	size_t		 n = 0, cap = 0, i, k;
	int		 r;
	bool		 peeled;

	argv[1] = "show-ref";
	argv[2] = "--tags";
	argv[3] = "-d";
	/* no tags: show-ref fails, CliGitAPIImpl reads that as none */
	r = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false, &out);
	if (r < 0)
		return -1;
	p = r == 0 ? out.d : NULL;
	while ((line = next_line(&p)) != NULL) {
		if (strlen(line) < 52 || !isxdigit((unsigned char)line[0]) ||
		    (name = strstr(line, " refs/tags/")) != line + 40)
			continue;
		line[40] = '\0';
		if (!git_is_sha1(line))
			continue;
		name += 11;
		k = strlen(name);
		peeled = k > 3 && strcmp(name + k - 3, "^{}") == 0;
		if (peeled)
			name[k - 3] = '\0';
		for (i = 0; i < n && strcmp(names[i], name) != 0; i++)
			;
		if (i == n) {
			if (n == cap) {
				char	**nn, (*ns)[41];

				cap = cap ? cap * 2 : 16;
				if (cap > 1000000 || (nn = reallocarray(names,
				    cap, sizeof(*names))) == NULL)
					goto nomem;
				names = nn;
				if ((ns = reallocarray(shas, cap,
				    sizeof(*shas))) == NULL)
					goto nomem;
				shas = ns;
			}
			names[n++] = name;
		} else if (!peeled)
			continue;
		memcpy(shas[i], line, 41);
	}
	for (i = 0; i < n; i++)
		if (nodes_add(&l, new_gitobject(h, false, names[i], shas[i])) !=
		    0)
			goto nomem;
	if ((h->value = new_objset(h, l.v, l.n)) == NULL)
		goto nomem;
	r = 0;
	goto out;
nomem:
	r = hctx_fail(h, "java.lang.OutOfMemoryError", "getTags");
out:
	free(names);
	free(shas);
	free(l.v);
	gitbuf_free(&out);
	return r;
}

/* getTagNames(pattern): `git tag -l pattern` as a Set<String>. */
static int
rpc_tag_names(struct hctx *h, struct gitc *g, const char *pattern)
{
	struct gitbuf	 out = { 0 };
	struct nodes	 l = { 0 };
	const char	*argv[6];
	char		*p, *line;
	int		 argc = 1, r;

	argv[argc++] = "tag";
	argv[argc++] = "-l";
	if (pattern != NULL)
		argv[argc++] = pattern;
	r = git_run(h, g, argv, argc, NULL, NULL, GIT_TIMEOUT_MIN, false,
	    &out);
	if (r < 0)
		return -1;
	if (r != 0) {
		gitbuf_free(&out);
		return hctx_fail(h, GIT_EXC, "Error retrieving tag names");
	}
	p = out.d;
	r = 0;
	while (r == 0 && (line = next_line(&p)) != NULL)
		r = nodes_add(&l, hctx_string(h, line));
	if (r != 0 || (h->value = new_objset(h, l.v, l.n)) == NULL)
		r = hctx_fail(h, "java.lang.OutOfMemoryError", "getTagNames");
	free(l.v);
	gitbuf_free(&out);
	return r;
}

/* LegacyCompatibleGitAPIImpl.extractBranchNameFromBranchSpec, malloc'ed. */
char *
git_branch_spec_name(const char *spec)
{
	const char	*p;
	char		*r;

	if (strncmp(spec, "remotes/", 8) == 0 ||
	    strncmp(spec, "refs/remotes/", 13) == 0) {
		p = strchr(spec + (spec[0] == 'r' && spec[1] == 'e' &&
		    spec[2] == 'f' ? 13 : 8), '/');
		if ((r = malloc(strlen(spec) + 16)) != NULL)
			sprintf(r, "refs/heads/%s", p ? p + 1 : "");
		return r;
	}
	if (strncmp(spec, "refs/heads/", 11) == 0 ||
	    strncmp(spec, "refs/tags/", 10) == 0)
		return strdup(spec);
	p = strrchr(spec, '/');
	return strdup(p ? p + 1 : spec);
}

/* CliGitAPIImpl.addCheckedRemoteUrl: no option-like or spaced URLs. */
static int
check_url(struct hctx *h, const char *url)
{
	if (url == NULL || url[0] == '-' || strpbrk(url, " \t\r\n") != NULL)
		return hctx_fail(h, GIT_EXC, "Invalid remote URL: %s",
		    url ? url : "null");
	return 0;
}

/*
 * The ls-remote family: getHeadRev(url), getHeadRev(url, branchSpec),
 * getRemoteReferences(url, pattern, headsOnly, tagsOnly),
 * getRemoteSymbolicReferences(url, pattern).  Run outside the workspace
 * (CliGitAPIImpl passes no working directory) with url's credentials.
 */
static int
rpc_ls_remote(struct hctx *h, struct gitc *g, const struct cmd_rpc *rpc)
{
	const char	*m = rpc->method;
	struct gitbuf	 out = { 0 };
	struct nodes	 keys = { 0 }, vals = { 0 };
	struct jval_ctx	 ctx = { .doc = h->out };
	const char	*argv[10];
	char		*url, *pat = NULL, *branch = NULL, *tagref = NULL;
	char		*p, *line, *name, *tab;
	bool		 heads = false, tags = false, sym, one;
	size_t		 i, k;
	int		 argc = 1, r = -1;

	sym = strcmp(m, "getRemoteSymbolicReferences") == 0;
	one = strcmp(m, "getHeadRev") == 0 && rpc->nargs == 2;
	url = node_str(rpc_arg(rpc, 0));
	if (check_url(h, url) != 0)
		goto out;
	if (rpc->nargs >= 2)
		pat = node_str(rpc_arg(rpc, 1));
	if (strcmp(m, "getRemoteReferences") == 0 && rpc->nargs == 4) {
		(void)jval_get_bool(rpc_arg(rpc, 2), &heads);
		(void)jval_get_bool(rpc_arg(rpc, 3), &tags);
	} else if (strcmp(m, "getHeadRev") == 0)
		heads = true;
	argv[argc++] = "ls-remote";
	if (one) {
		if (pat == NULL || (branch = git_branch_spec_name(pat)) == NULL) {
			r = hctx_fail(h, GIT_EXC, "getHeadRev: no branch");
			goto out;
		}
		heads = strncmp(branch, "refs/tags/", 10) != 0;
	}
	if (sym)
		argv[argc++] = "--symref";
	if (heads)
		argv[argc++] = "-h";
	if (tags)
		argv[argc++] = "-t";
	argv[argc++] = url;
	if (one) {
		if (!heads) {
			/* JENKINS-23299: the commit a tag points to */
			if ((tagref = malloc(strlen(branch) + 4)) == NULL)
				goto nomem;
			sprintf(tagref, "%s^{}", branch);
			argv[argc++] = tagref;
		} else
			argv[argc++] = branch;
	} else if (pat != NULL)
		argv[argc++] = pat;
	if (git_out(h, g, argv, argc, "/", url, &out) != 0)
		goto out;
	if (one) {
		h->value = NULL;
		if (out.len >= 40) {
			out.d[40] = '\0';
			if (git_is_sha1(out.d) &&
			    (h->value = new_objectid(h, out.d)) == NULL)
				goto nomem;
		}
		r = 0;
		goto out;
	}
	p = out.d;
	while ((line = next_line(&p)) != NULL) {
		if (sym) {
			/* "ref: <target>\t<name>" */
			if (strncmp(line, "ref:", 4) != 0 ||
			    (tab = strpbrk(line + 4, "\t")) == NULL)
				continue;
			*tab = '\0';
			name = line + 4 + strspn(line + 4, " \t");
			if (nodes_add(&keys, hctx_string(h, tab + 1)) != 0 ||
			    nodes_add(&vals, hctx_string(h, name)) != 0)
				goto nomem;
			continue;
		}
		if (strlen(line) < 41) {
			if (strcmp(m, "getHeadRev") == 0)
				gitc_log(h, g, "Unexpected ls-remote output "
				    "line '%s'", line);
			continue;
		}
		name = line + 41;
		line[40] = '\0';
		if (!git_is_sha1(line))
			continue;
		k = strlen(name);
		if (strncmp(name, "refs/tags", 9) == 0 && k > 3 &&
		    strcmp(name + k - 3, "^{}") == 0) {
			/* the peeled id replaces the tag's */
			name[k - 3] = '\0';
			for (i = 0; i < keys.n; i++) {
				const char *s;
				size_t	    sl;

				if (jval_get_string(keys.v[i], &s, &sl) ==
				    PROTO_OK && sl == k - 3 &&
				    memcmp(s, name, sl) == 0)
					break;
			}
			if (i < keys.n) {
				if ((vals.v[i] = new_objectid(h, line)) == NULL)
					goto nomem;
				continue;
			}
		}
		if (nodes_add(&keys, hctx_string(h, name)) != 0 ||
		    nodes_add(&vals, new_objectid(h, line)) != 0)
			goto nomem;
	}
	if ((h->value = jval_hashmap(&ctx, keys.v, vals.v,
	    (uint32_t)keys.n)) == NULL)
		goto nomem;
	r = 0;
	goto out;
nomem:
	r = hctx_fail(h, "java.lang.OutOfMemoryError", "%s", m);
out:
	free(keys.v);
	free(vals.v);
	free(url);
	free(pat);
	free(branch);
	free(tagref);
	gitbuf_free(&out);
	return r;
}

/* CliGitAPIImpl.getDefaultRemote(def) into *res (malloc'ed). */
static int
default_remote(struct hctx *h, struct gitc *g, const char *def, char **res)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[4];
	char		*p, *line, *first = NULL;

	argv[1] = "remote";
	if (git_out(h, g, argv, 2, NULL, NULL, &out) != 0)
		return -1;
	p = out.d;
	*res = NULL;
	/* def if it is a remote, else the first one */
	while ((line = next_line(&p)) != NULL) {
		if (def != NULL && strcmp(line, def) == 0) {
			first = line;
			break;
		}
		if (first == NULL)
			first = line;
	}
	if (first != NULL)
		*res = strdup(first);
	gitbuf_free(&out);
	if (first == NULL)
		return hctx_fail(h, GIT_EXC, "No remotes found!");
	if (*res == NULL)
		return hctx_fail(h, "java.lang.OutOfMemoryError", "remote");
	return 0;
}

/* `git config [-f .gitmodules] --get key` first line, or NULL. */
static char *
config_get(struct hctx *h, struct gitc *g, const char *file, const char *key,
    const char *cwd)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[8];
	char		*r = NULL;
	int		 argc = 1;

	argv[argc++] = "config";
	if (file != NULL) {
		argv[argc++] = "-f";
		argv[argc++] = file;
	}
	argv[argc++] = "--get";
	argv[argc++] = key;
	if (git_run(h, g, argv, argc, cwd, NULL, GIT_TIMEOUT_MIN, false,
	    &out) == 0 && out.d != NULL) {
		out.d[strcspn(out.d, "\r\n")] = '\0';
		r = strdup(out.d);
	}
	gitbuf_free(&out);
	return r;
}

/* CliGitAPIImpl.isBareRepository(dir); 1, 0, or -1 (git failed). */
static int
is_bare_repo(struct hctx *h, struct gitc *g, const char *dir)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[6];
	char		 opt[PATH_MAX + 16];
	int		 r;

	snprintf(opt, sizeof(opt), "--git-dir=%s", dir);
	argv[1] = opt;
	argv[2] = "rev-parse";
	argv[3] = "--is-bare-repository";
	r = git_run(h, g, argv, 4, "/", NULL, GIT_TIMEOUT_MIN, false, &out);
	if (r != 0 || out.d == NULL) {
		gitbuf_free(&out);
		return -1;
	}
	out.d[strcspn(out.d, "\r\n")] = '\0';
	r = strcmp(out.d, "false") != 0;
	gitbuf_free(&out);
	return r;
}

/*
 * CliGitAPIImpl.fixSubmoduleUrls: when the superproject's remote is a
 * local non-bare repository, point each submodule of HEAD at the copy
 * inside it.  Nothing for bare or non-local remotes.
 */
static int
fix_submodule_urls(struct hctx *h, struct gitc *g, const char *remote)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[8], *path;
	char		 key[512], *url, *p, *line, *file, sub[PATH_MAX * 2];
	char		 cand[PATH_MAX + 8], gd[PATH_MAX + 32];
	bool		 bare = true;
	size_t		 k;
	int		 b;

	snprintf(key, sizeof(key), "remote.%s.url", remote);
	if ((url = config_get(h, g, NULL, key, NULL)) == NULL) {
		if (h->exc_class != NULL)
			return -1;
		return hctx_fail(h, GIT_EXC, "remote.%s.url not defined in "
		    "workspace", remote);
	}
	k = strlen(url);
	if (k >= 5 && strcmp(url + k - 5, "/.git") == 0) {
		url[k - 5] = '\0';
		bare = false;
	}
	if (strncmp(url, "file:///", 8) == 0)
		path = url + 7;
	else if (strstr(url, "://") == NULL && strchr(url, ':') == NULL)
		path = url;
	else
		path = NULL;		/* not local: keep the default */
	if (path != NULL) {
		if ((b = is_bare_repo(h, g, path)) < 0) {
			snprintf(cand, sizeof(cand), "%s/.git", path);
			b = is_bare_repo(h, g, cand);
		}
		if (b >= 0)
			bare = b == 1;
	} else if (strstr(url, "://") == NULL) {
		/* scp-like: java.net.URI cannot parse it, nothing to do */
		free(url);
		return 0;
	} else
		path = strchr(strstr(url, "://") + 3, '/');
	if (h->exc_class != NULL) {
		free(url);
		return -1;
	}
	if (!bare && path != NULL) {
		argv[1] = "ls-tree";
		argv[2] = "-r";
		argv[3] = "HEAD";
		/* failures (no HEAD yet) are ignored, as CliGitAPIImpl does */
		if (git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false,
		    &out) == 0) {
			p = out.d;
			while ((line = next_line(&p)) != NULL) {
				if (strncmp(line, "160000 ", 7) != 0 ||
				    (file = strchr(line, '\t')) == NULL)
					continue;
				file++;
				snprintf(sub, sizeof(sub), "%s/%s", path, file);
				snprintf(key, sizeof(key), "submodule.%s.url",
				    file);
				if (git_simple(h, g, NULL, "config", key, sub,
				    NULL) != 0)
					break;
				snprintf(cand, sizeof(cand), "%s/%s/.git",
				    g->dir, file);
				if (access(cand, F_OK) == 0) {
					snprintf(gd, sizeof(gd),
					    "--git-dir=%s", cand);
					if (git_simple(h, g, NULL, gd, "config",
					    "remote.origin.url", sub, NULL) !=
					    0)
						break;
				}
			}
		}
		gitbuf_free(&out);
	}
	free(url);
	return h->exc_class != NULL ? -1 : 0;
}

/*
 * setupSubmoduleUrls(Revision, TaskListener) / (String, TaskListener):
 * the remote from the revision's first "remote/branch" name, else the
 * default remote; then `submodule init`, `submodule sync` and
 * fixSubmoduleUrls.
 */
static int
rpc_setup_submodule_urls(struct hctx *h, struct gitc *g,
    const struct cmd_rpc *rpc)
{
	const struct jser_node	*a = rpc_arg(rpc, 0);
	struct jser_node	*br = NULL, **items;
	uint32_t		 n, i;
	char			*remote = NULL, *name, *slash;
	int			 r;

	if (a != NULL && a->type == JSER_STRING)
		remote = node_str(a);
	else if (a != NULL && jser_field_ref(a, "branches", &br) == PROTO_OK &&
	    br != NULL && (jval_list_items(h->out, br, &items, &n) ==
	    PROTO_OK || jval_set_items(h->out, br, &items, &n) == PROTO_OK)) {
		for (i = 0; i < n && remote == NULL; i++) {
			if ((name = field_str(items[i], "name")) == NULL)
				continue;
			if ((slash = strchr(name, '/')) != NULL) {
				*slash = '\0';
				if (default_remote(h, g, name, &remote) != 0) {
					free(name);
					return -1;
				}
			}
			free(name);
		}
	}
	if (remote == NULL && default_remote(h, g, "origin", &remote) != 0)
		return -1;
	h->value = NULL;
	r = git_simple(h, g, NULL, "submodule", "init", NULL);
	if (r == 0)
		r = git_simple(h, g, NULL, "submodule", "sync", NULL);
	if (r == 0)
		r = fix_submodule_urls(h, g, remote);
	free(remote);
	return r;
}

/* submoduleClean(recursive): foreach reset --hard, then clean -fdx. */
static int
rpc_submodule_clean(struct hctx *h, struct gitc *g, bool recursive)
{
	h->value = NULL;
	if (git_simple(h, g, NULL, "submodule", "foreach", "--recursive",
	    "git reset --hard", NULL) != 0)
		return -1;
	if (recursive)
		return git_simple(h, g, NULL, "submodule", "foreach",
		    "--recursive", "git clean -fdx", NULL);
	return git_simple(h, g, NULL, "submodule", "foreach",
	    "git clean -fdx", NULL);
}

/* The result of `git config --get`-like string lookups. */
static int
rpc_string_result(struct hctx *h, char *s)
{
	if (h->exc_class != NULL) {
		free(s);
		return -1;
	}
	h->value = NULL;
	if (s != NULL && (h->value = hctx_string(h, s)) == NULL) {
		free(s);
		return hctx_fail(h, "java.lang.OutOfMemoryError", "string");
	}
	free(s);
	return 0;
}

/*
 * withRepository callbacks that only edit the repository configuration,
 * served without JGit: git plugin's GitHooksConfiguration sends
 * DisableHooks (core.hooksPath = /dev/null) or UnsetHooks (unset it
 * unless set to something else) on every checkout.  1 if cb is neither.
 */
static int
rpc_hooks(struct hctx *h, struct gitc *g, const struct jser_node *cb)
{
	const char	*cls = cb != NULL ? jser_class_name(cb) : NULL;
	const char	*argv[6];
	char		*val;
	int		 r;

	if (cls == NULL)
		return 1;
	h->value = NULL;
	if (strcmp(cls, "jenkins.plugins.git.DisableHooks") == 0)
		return git_simple(h, g, NULL, "config", "core.hooksPath",
		    "/dev/null", NULL);
	if (strcmp(cls, "jenkins.plugins.git.UnsetHooks") != 0)
		return 1;
	val = config_get(h, g, NULL, "core.hooksPath", NULL);
	if (h->exc_class != NULL) {
		free(val);
		return -1;
	}
	if (val != NULL && *val != '\0' && strcmp(val, "/dev/null") != 0 &&
	    strcmp(val, "NUL:") != 0) {
		log_info("git: core.hooksPath explicitly set to %.200s and "
		    "will be left intact on %.200s", val, g->dir);
		free(val);
		return 0;
	}
	free(val);
	argv[1] = "config";
	argv[2] = "--unset";
	argv[3] = "core.hooksPath";
	/* 5: it was not set */
	r = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false, NULL);
	if (r < 0)
		return -1;
	if (r != 0 && r != 5)
		return hctx_fail(h, "java.io.IOException", "cannot unset "
		    "core.hooksPath (git config status %d)", r);
	return 0;
}

/*
 * showRevision([from,] to[, useRawOutput]) (GitSCM.isRevExcluded when
 * polling with exclusions): `git log --full-history --no-abbrev
 * --format=raw -M -m [--raw] from..to | -1 to` as an ArrayList of its
 * lines (String.split("\\n"): trailing empty lines dropped).
 */
static int
rpc_show_revision(struct hctx *h, struct gitc *g, const struct cmd_rpc *rpc)
{
	struct gitbuf	 out = { 0 };
	struct nodes	 l = { 0 };
	struct jval_ctx	 ctx = { .doc = h->out };
	const char	*argv[12];
	char		 from[41], to[41], range[90], *p, *e;
	bool		 raw = true, has_from;
	int		 argc = 1, r;

	if (rpc->nargs == 1)
		has_from = false, r = git_objectid_hex(rpc_arg(rpc, 0), to);
	else {
		has_from = rpc_arg(rpc, 0) != NULL;
		r = git_objectid_hex(rpc_arg(rpc, 1), to);
		if (r == 0 && has_from)
			r = git_objectid_hex(rpc_arg(rpc, 0), from);
		if (rpc->nargs == 3 && rpc_arg(rpc, 2) != NULL)
			(void)jval_get_bool(rpc_arg(rpc, 2), &raw);
	}
	if (r != 0)
		return hctx_fail(h, GIT_EXC, "showRevision: not an ObjectId");
	argv[argc++] = "log";
	argv[argc++] = "--full-history";
	argv[argc++] = "--no-abbrev";
	argv[argc++] = "--format=raw";
	argv[argc++] = "-M";
	argv[argc++] = "-m";
	if (raw)
		argv[argc++] = "--raw";
	if (has_from) {
		snprintf(range, sizeof(range), "%s..%s", from, to);
		argv[argc++] = range;
	} else {
		argv[argc++] = "-1";
		argv[argc++] = to;
	}
	if (git_out(h, g, argv, argc, NULL, NULL, &out) != 0)
		return -1;
	while (out.len > 0 && out.d[out.len - 1] == '\n')
		out.d[--out.len] = '\0';
	r = 0;
	for (p = out.d; r == 0 && p != NULL; p = e ? e + 1 : NULL) {
		if ((e = strchr(p, '\n')) != NULL)
			*e = '\0';
		r = nodes_add(&l, hctx_string(h, p));
	}
	if (r != 0 || (h->value = jval_arraylist(&ctx, l.v, (uint32_t)l.n)) ==
	    NULL)
		r = hctx_fail(h, "java.lang.OutOfMemoryError", "showRevision");
	free(l.v);
	gitbuf_free(&out);
	return r;
}

/* The branch-and-submodule surface; 1 if m is not one of these. */
static int
git_rpc_more(struct hctx *h, struct gitc *g, const struct cmd_rpc *rpc)
{
	const char	*m = rpc->method;
	char		*a0, *a1, *s, key[512];
	bool		 b = true;
	int		 r;

	if (strcmp(m, "getBranches") == 0 || strcmp(m, "getRemoteBranches") ==
	    0)
		return rpc_branches(h, g, m, NULL, true);
	if (strcmp(m, "getBranchesContaining") == 0 && rpc->nargs >= 1) {
		if (rpc->nargs == 2)
			(void)jval_get_bool(rpc_arg(rpc, 1), &b);
		if ((a0 = node_str(rpc_arg(rpc, 0))) == NULL)
			return hctx_fail(h, GIT_EXC, "%s: null revision", m);
		r = rpc_branches(h, g, m, a0, b);
		free(a0);
		return r;
	}
	if (strcmp(m, "showRevision") == 0 && rpc->nargs >= 1 &&
	    rpc->nargs <= 3)
		return rpc_show_revision(h, g, rpc);
	if (strcmp(m, "getTags") == 0 && rpc->nargs == 0)
		return rpc_tags(h, g);
	if (strcmp(m, "getTagNames") == 0 && rpc->nargs == 1) {
		a0 = node_str(rpc_arg(rpc, 0));
		r = rpc_tag_names(h, g, a0);
		free(a0);
		return r;
	}
	if ((strcmp(m, "getHeadRev") == 0 && (rpc->nargs == 1 ||
	    rpc->nargs == 2)) || (strcmp(m, "getRemoteReferences") == 0 &&
	    rpc->nargs == 4) || (strcmp(m, "getRemoteSymbolicReferences") ==
	    0 && rpc->nargs == 2))
		return rpc_ls_remote(h, g, rpc);
	if (strcmp(m, "getDefaultRemote") == 0 && rpc->nargs <= 1) {
		a0 = rpc->nargs ? node_str(rpc_arg(rpc, 0)) : NULL;
		r = default_remote(h, g, a0 ? a0 : "origin", &s);
		free(a0);
		return r != 0 ? -1 : rpc_string_result(h, s);
	}
	if (strcmp(m, "isBareRepository") == 0 && rpc->nargs == 1) {
		a0 = node_str(rpc_arg(rpc, 0));
		if (a0 != NULL && *a0 != '\0')
			r = is_bare_repo(h, g, a0);
		else {
			char	 p[PATH_MAX + 8];

			snprintf(p, sizeof(p), "%s/.git", g->dir);
			r = is_bare_repo(h, g, is_dir(p) ? p : g->dir);
		}
		free(a0);
		if (h->exc_class != NULL)
			return -1;
		if (r < 0)
			return hctx_fail(h, GIT_EXC, "No output from bare "
			    "repository check");
		h->value = cmd_new_boolean(h->out, r == 1);
		return h->value ? 0 : -1;
	}
	if (strcmp(m, "submoduleInit") == 0 || strcmp(m, "submoduleSync") ==
	    0) {
		h->value = NULL;
		return git_simple(h, g, NULL, "submodule", m[9] == 'I' ?
		    "init" : "sync", NULL);
	}
	if (strcmp(m, "submoduleClean") == 0 && rpc->nargs == 1) {
		(void)jval_get_bool(rpc_arg(rpc, 0), &b);
		return rpc_submodule_clean(h, g, b);
	}
	if (strcmp(m, "setupSubmoduleUrls") == 0 && rpc->nargs == 2)
		return rpc_setup_submodule_urls(h, g, rpc);
	if (strcmp(m, "fixSubmoduleUrls") == 0 && rpc->nargs == 2) {
		if ((a0 = node_str(rpc_arg(rpc, 0))) == NULL)
			return hctx_fail(h, GIT_EXC, "%s: null remote", m);
		h->value = NULL;
		r = fix_submodule_urls(h, g, a0);
		free(a0);
		return r;
	}
	if (strcmp(m, "getSubmoduleUrl") == 0 && rpc->nargs == 1) {
		if ((a0 = node_str(rpc_arg(rpc, 0))) == NULL)
			return hctx_fail(h, GIT_EXC, "%s: null name", m);
		snprintf(key, sizeof(key), "submodule.%s.url", a0);
		free(a0);
		if ((s = config_get(h, g, NULL, key, NULL)) == NULL &&
		    h->exc_class == NULL)
			return hctx_fail(h, GIT_EXC, "Command \"git config "
			    "--get %s\" returned status code 1", key);
		return rpc_string_result(h, s);
	}
	if (strcmp(m, "setSubmoduleUrl") == 0 && rpc->nargs == 2) {
		a0 = node_str(rpc_arg(rpc, 0));
		a1 = node_str(rpc_arg(rpc, 1));
		if (a0 == NULL || a1 == NULL)
			r = hctx_fail(h, GIT_EXC, "%s: null argument", m);
		else {
			snprintf(key, sizeof(key), "submodule.%s.url", a0);
			r = git_simple(h, g, NULL, "config", key, a1, NULL);
		}
		free(a0);
		free(a1);
		h->value = NULL;
		return r;
	}
	return 1;
}

static int git_builder(struct hctx *, struct gitc *,
    const struct jser_node *);

static int
git_rpc(struct hctx *h, void *obj, const struct cmd_rpc *rpc)
{
	struct gitc	*g = obj;
	const char	*m = rpc->method;
	char		*a0 = NULL, *a1 = NULL;
	int		 r;

	if (strcmp(m, GIT_CMD_METHOD) == 0 && rpc->decl_class == NULL &&
	    rpc->types == NULL && rpc->args != NULL &&
	    rpc->args->type == JSER_OBJECT)
		return git_builder(h, g, rpc->args);
	if (strcmp(m, "setProxy") == 0 || strcmp(m, "setHostKeyFactory") == 0
	    || strcmp(m, "setAuthor") == 0 || strcmp(m, "setCommitter") == 0) {
		/* Not needed by the checkout sequence; a proxy is honoured
		 * through the http_proxy of the node's environment. */
		h->value = NULL;
		return 0;
	}
	if (strcmp(m, "clearCredentials") == 0) {
		pthread_mutex_lock(&g->lock);
		gitcred_free(g->creds);
		g->creds = NULL;
		pthread_mutex_unlock(&g->lock);
		h->value = NULL;
		return 0;
	}
	if (strcmp(m, "addCredentials") == 0 && rpc->nargs == 2)
		return rpc_add_cred(h, g, rpc, true);
	if ((strcmp(m, "addDefaultCredentials") == 0 ||
	    strcmp(m, "setCredentials") == 0) && rpc->nargs == 1)
		return rpc_add_cred(h, g, rpc, false);
	if (strcmp(m, "hasGitRepo") == 0)
		return rpc_has_repo(h, g);
	if (strcmp(m, "getWorkTree") == 0) {
		static const struct hfield f[] = {
			{ 'L', "remote", "Ljava/lang/String;" },
		};
		struct jser_node	*fp, *s;
		struct jser_classdata	*cd;
		uint8_t			 t = 1;

		if ((fp = hctx_object(h, hctx_desc(h, "hudson.FilePath", 1,
		    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL, f, NF(f)))) ==
		    NULL || (s = hctx_string(h, g->dir)) == NULL ||
		    jser_set_ref(fp, "remote", s) != PROTO_OK ||
		    (cd = jser_obj_classdata(fp, NULL)) == NULL ||
		    jser_content_add_block(h->out, &cd->custom, &t, 1) !=
		    PROTO_OK)
			return -1;
		cd->has_custom = true;
		h->value = fp;
		return 0;
	}
	if (strcmp(m, "isCommitInRepo") == 0 && rpc->nargs == 1)
		return rpc_commit_in_repo(h, g, rpc_arg(rpc, 0));
	if (strcmp(m, "revParse") == 0 && rpc->nargs == 1) {
		a0 = node_str(rpc_arg(rpc, 0));
		r = rpc_rev_parse(h, g, a0);
		free(a0);
		return r;
	}
	if (strcmp(m, "getRemoteUrl") == 0 && rpc->nargs == 1) {
		a0 = node_str(rpc_arg(rpc, 0));
		r = rpc_remote_url(h, g, a0);
		free(a0);
		return r;
	}
	if ((strcmp(m, "setRemoteUrl") == 0 || strcmp(m, "addRemoteUrl") == 0)
	    && rpc->nargs == 2) {
		char	 key[512];

		a0 = node_str(rpc_arg(rpc, 0));
		a1 = node_str(rpc_arg(rpc, 1));
		if (a0 == NULL || a1 == NULL)
			r = hctx_fail(h, GIT_EXC, "%s: null argument", m);
		else {
			snprintf(key, sizeof(key), "remote.%s.url", a0);
			r = m[0] == 's' ?
			    git_simple(h, g, NULL, "config", key, a1, NULL) :
			    git_simple(h, g, NULL, "config", "--add", key, a1,
			    NULL);
		}
		free(a0);
		free(a1);
		h->value = NULL;
		return r;
	}
	if (strcmp(m, "clean") == 0 && rpc->nargs <= 1) {
		/* CliGitAPIImpl.clean(cleanSubmodule) */
		bool	 sub = false;

		if (rpc->nargs == 1)
			(void)jval_get_bool(rpc_arg(rpc, 0), &sub);
		h->value = NULL;
		if (git_simple(h, g, NULL, "reset", "--hard", NULL) != 0)
			return -1;
		return git_simple(h, g, NULL, "clean", sub ? "-ffdx" : "-fdx",
		    NULL);
	}
	if (strcmp(m, "init") == 0 && rpc->nargs == 0) {
		if (fsutil_mkdirs(g->dir, 0777) != 0)
			return hctx_fail(h, GIT_EXC, "Could not init %s: %s",
			    g->dir, strerror(errno));
		h->value = NULL;
		return git_simple(h, g, NULL, "init", g->dir, NULL);
	}
	if (strcmp(m, "equals") == 0 || strcmp(m, "hashCode") == 0 ||
	    strcmp(m, "toString") == 0) {
		if (m[0] == 'e') {
			h->value = cmd_new_boolean(h->out, false);
		} else if (m[0] == 'h') {
			h->value = cmd_new_integer(h->out,
			    (int32_t)(intptr_t)g);
		} else
			h->value = hctx_string(h, "jnagent git client");
		return h->value ? 0 : -1;
	}
	if (strcmp(m, "hasGitModules") == 0 && rpc->nargs == 0) {
		/* CliGitAPIImpl: the work tree has a .gitmodules file */
		char	 p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/.gitmodules", g->dir);
		h->value = cmd_new_boolean(h->out, access(p, F_OK) == 0);
		return h->value ? 0 : -1;
	}
	if ((r = git_rpc_more(h, g, rpc)) != 1)
		return r;
	if (strcmp(m, "withRepository") == 0 && rpc->nargs == 1 &&
	    (r = rpc_hooks(h, g, rpc_arg(rpc, 0))) != 1)
		return r;
	if (strcmp(m, "withRepository") == 0)
		/* Declares IOException: GitSCM's printCommitMessageToLog
		 * catches it and the checkout goes on. */
		return hctx_fail(h, "java.io.IOException", "GitClient."
		    "withRepository needs JGit on the agent, which jnagent's "
		    "native git client does not have; workaround: %s",
		    GIT_WORKAROUND);
	return hctx_fail(h, GIT_UNSUP, "GitClient.%.100s is not supported by "
	    "jnagent's native git client; workaround: %s", m, GIT_WORKAROUND);
}

/* ---- builder commands ---- */

struct gitcmd {
	const char	*kind;		/* "CloneCommand", ... */
	char		*url;		/* clone url / fetch from */
	char		*name;		/* clone repositoryName */
	char		*reference;
	char		*refspecs[32];
	int		 nrefspecs;
	char		*ref, *branch;	/* checkout */
	char		*revs[64];	/* changelog: "^x" / "x" */
	int		 nrevs;
	char		*workspace;	/* init */
	int		 depth;
	int		 timeout;
	int		 max;
	int32_t		 writer_oid;
	bool		 shallow, tags, prune, no_checkout, delete_branch;
	bool		 bare, shared, has_tags;
	char		*sparse[64];	/* sparseCheckoutPaths */
	int		 nsparse;
	char		 merge_rev[41];	/* MergeCommand */
	char		*strategy;	/* Strategy constant name */
	char		*ff_mode;	/* GitPluginFastForwardMode name */
	char		*message;
	bool		 squash, no_commit;
	/* SubmoduleUpdateCommand ("ref" above is its reference path) */
	bool		 recursive, remote_tracking, parent_creds;
	int		 threads;
	char		*usebranch[16][2];	/* submodule, branch */
	int		 nusebranch;
	/* CheckoutCommand LFS */
	char		*lfs_remote;
	struct gitcred	*lfs_cred;
};

static void
gitcmd_free(struct gitcmd *c)
{
	int	 i;

	free(c->url);
	free(c->name);
	free(c->reference);
	for (i = 0; i < c->nrefspecs; i++)
		free(c->refspecs[i]);
	free(c->ref);
	free(c->branch);
	for (i = 0; i < c->nrevs; i++)
		free(c->revs[i]);
	free(c->workspace);
	for (i = 0; i < c->nsparse; i++)
		free(c->sparse[i]);
	free(c->strategy);
	free(c->ff_mode);
	free(c->message);
	for (i = 0; i < c->nusebranch; i++) {
		free(c->usebranch[i][0]);
		free(c->usebranch[i][1]);
	}
	free(c->lfs_remote);
	gitcred_free(c->lfs_cred);
}

/* Apply one Invocation; 0, or -1 after hctx_fail(). */
static int
gitcmd_apply(struct hctx *h, struct gitcmd *c, const char *m,
    char **types, uint32_t ntypes, struct jser_node **args, uint32_t nargs)
{
	struct jser_node	*a = nargs > 0 ? args[0] : NULL;
	struct jser_node	**items;
	uint32_t		 n, i;
	int64_t			 iv;
	bool			 bv;
	char			 hex[41], *s;

	(void)types;
	if (ntypes != nargs)
		return hctx_fail(h, GIT_EXC, "malformed invocation of %s", m);
	if (strcmp(m, "timeout") == 0) {
		c->timeout = jval_get_int(a, &iv) == PROTO_OK ? (int)iv : 0;
		return 0;
	}
	if (strcmp(m, "depth") == 0) {
		c->depth = jval_get_int(a, &iv) == PROTO_OK ? (int)iv : 0;
		return 0;
	}
	if (strcmp(m, "shallow") == 0 || strcmp(m, "tags") == 0 ||
	    strcmp(m, "prune") == 0 || strcmp(m, "shared") == 0 ||
	    strcmp(m, "deleteBranchIfExist") == 0 || strcmp(m, "bare") == 0) {
		bv = true;
		if (nargs == 1 && jval_get_bool(a, &bv) != PROTO_OK)
			bv = false;
		if (m[0] == 's' && m[1] == 'h' && m[2] == 'a' && m[3] == 'l')
			c->shallow = bv;
		else if (m[0] == 't') {
			c->tags = bv;
			c->has_tags = true;
		} else if (m[0] == 'p')
			c->prune = bv;
		else if (m[0] == 's')
			c->shared = bv;
		else if (m[0] == 'd')
			c->delete_branch = bv;
		else
			c->bare = bv;
		return 0;
	}
	if (strcmp(m, "noCheckout") == 0) {
		c->no_checkout = true;
		return 0;
	}
	if (strcmp(m, "progress") == 0 || strcmp(m, "honorRefspec") == 0)
		return 0;	/* progress is always on */
	if (strcmp(m, "lfsRemote") == 0) {
		free(c->lfs_remote);
		c->lfs_remote = node_str(a);
		return 0;
	}
	if (strcmp(m, "lfsCredentials") == 0) {
		gitcred_free(c->lfs_cred);
		c->lfs_cred = NULL;
		if (a != NULL && (c->lfs_cred = cred_parse(a)) == NULL)
			return hctx_fail(h, GIT_UNSUP, "CheckoutCommand."
			    "lfsCredentials: this credential type is not "
			    "supported by jnagent (use username/password or "
			    "an SSH private key)");
		return 0;
	}
	if (strcmp(m, "recursive") == 0 || strcmp(m, "remoteTracking") == 0 ||
	    strcmp(m, "parentCredentials") == 0) {
		if (jval_get_bool(a, &bv) != PROTO_OK)
			return hctx_fail(h, GIT_EXC, "%s: not a boolean", m);
		if (m[0] == 'p')
			c->parent_creds = bv;
		else if (m[2] == 'c')
			c->recursive = bv;
		else
			c->remote_tracking = bv;
		return 0;
	}
	if (strcmp(m, "threads") == 0) {
		c->threads = jval_get_int(a, &iv) == PROTO_OK ? (int)iv : 1;
		return 0;
	}
	if (strcmp(m, "useBranch") == 0 && nargs == 2) {
		if (c->nusebranch >= 16)
			return hctx_fail(h, GIT_EXC, "useBranch: too many");
		c->usebranch[c->nusebranch][0] = node_str(args[0]);
		c->usebranch[c->nusebranch][1] = node_str(args[1]);
		if (c->usebranch[c->nusebranch++][0] == NULL ||
		    c->usebranch[c->nusebranch - 1][1] == NULL)
			return hctx_fail(h, GIT_EXC, "useBranch: null");
		return 0;
	}
	if (strcmp(m, "sparseCheckoutPaths") == 0) {
		for (i = 0; i < (uint32_t)c->nsparse; i++)
			free(c->sparse[i]);
		c->nsparse = 0;
		if (a != NULL && jval_list_items(h->out, a, &items, &n) ==
		    PROTO_OK)
			for (i = 0; i < n && c->nsparse < 64; i++)
				if ((s = node_str(items[i])) != NULL)
					c->sparse[c->nsparse++] = s;
		return 0;
	}
	if (strcmp(m, "url") == 0 || strcmp(m, "repositoryName") == 0 ||
	    strcmp(m, "reference") == 0 || strcmp(m, "ref") == 0 ||
	    strcmp(m, "branch") == 0 || strcmp(m, "workspace") == 0) {
		char	**dst = m[0] == 'u' ? &c->url : m[1] == 'e' &&
		    m[2] == 'p' ? &c->name : strcmp(m, "reference") == 0 ?
		    &c->reference : strcmp(m, "ref") == 0 ? &c->ref :
		    m[0] == 'b' ? &c->branch : &c->workspace;

		free(*dst);
		*dst = node_str(a);
		return 0;
	}
	if (strcmp(m, "refspecs") == 0 || strcmp(m, "from") == 0) {
		struct jser_node	*lst = a;

		if (strcmp(m, "from") == 0) {
			if (nargs != 2)
				return hctx_fail(h, GIT_EXC, "from/%u", nargs);
			free(c->url);
			if ((s = git_uriish_string(h->out, a)) == NULL)
				return hctx_fail(h, GIT_EXC,
				    "FetchCommand.from: not a URIish");
			c->url = strdup(s);
			lst = args[1];
		}
		if (lst != NULL && jval_list_items(h->out, lst, &items, &n) ==
		    PROTO_OK)
			for (i = 0; i < n && c->nrefspecs < 32; i++) {
				if ((s = git_refspec_string(h->out, items[i]))
				    == NULL)
					continue;
				c->refspecs[c->nrefspecs++] = strdup(s);
			}
		return 0;
	}
	if (strcmp(m, "includes") == 0 || strcmp(m, "excludes") == 0) {
		if (git_objectid_hex(a, hex) == 0)
			s = strdup(hex);
		else
			s = node_str(a);
		if (s == NULL || c->nrevs >= 64 || s[0] == '-') {
			free(s);
			return hctx_fail(h, GIT_EXC, "%s: bad revision", m);
		}
		if (m[0] == 'e') {
			char	*x = malloc(strlen(s) + 2);

			if (x != NULL)
				sprintf(x, "^%s", s);
			free(s);
			s = x;
		}
		c->revs[c->nrevs++] = s;
		return 0;
	}
	if (strcmp(m, "max") == 0) {
		c->max = jval_get_int(a, &iv) == PROTO_OK ? (int)iv : 0;
		return 0;
	}
	if (strcmp(m, "to") == 0) {
		const struct jser_content	*cc;
		struct jser_cursor		 cur;
		uint32_t			 oid;

		if (a == NULL || !jser_instance_of(a,
		    "hudson.remoting.RemoteWriter") || (cc = jser_custom(a,
		    "hudson.remoting.RemoteWriter")) == NULL)
			return hctx_fail(h, GIT_UNSUP, "ChangelogCommand.to: "
			    "only a remote Writer is supported");
		jser_cursor_init(&cur, cc);
		if (jser_cursor_u32(&cur, &oid) != PROTO_OK)
			return hctx_fail(h, GIT_EXC, "bad RemoteWriter");
		c->writer_oid = (int32_t)oid;
		return 0;
	}
	if (strcmp(m, "setRevisionToMerge") == 0) {
		if (git_objectid_hex(a, c->merge_rev) != 0)
			return hctx_fail(h, GIT_EXC,
			    "MergeCommand requires a revision to merge");
		return 0;
	}
	if (strcmp(m, "setStrategy") == 0 ||
	    strcmp(m, "setGitPluginFastForwardMode") == 0) {
		char	**dst = m[3] == 'S' ? &c->strategy : &c->ff_mode;

		free(*dst);
		*dst = a != NULL && a->type == JSER_ENUM ?
		    node_str(a->u.en.name) : NULL;
		return 0;
	}
	if (strcmp(m, "setMessage") == 0) {
		free(c->message);
		c->message = node_str(a);
		return 0;
	}
	if (strcmp(m, "setSquash") == 0 || strcmp(m, "setCommit") == 0) {
		if (jval_get_bool(a, &bv) != PROTO_OK)
			return hctx_fail(h, GIT_EXC, "%s: not a boolean", m);
		if (m[3] == 'S')
			c->squash = bv;
		else
			c->no_commit = !bv;
		return 0;
	}
	return hctx_fail(h, GIT_UNSUP, "%s.%.100s is not supported by "
	    "jnagent's native git client; workaround: %s", c->kind, m,
	    GIT_WORKAROUND);
}

/* git merge as CliGitAPIImpl's MergeCommand runs it. */
static int
run_merge(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	const char	*argv[16];
	char		 lower[32];
	int		 argc = 1;
	size_t		 i;

	if (c->merge_rev[0] == '\0')
		return hctx_fail(h, GIT_EXC,
		    "MergeCommand requires a revision to merge");
	argv[argc++] = "merge";
	if (c->squash)
		argv[argc++] = "--squash";
	if (c->no_commit)
		argv[argc++] = "--no-commit";
	if (c->message != NULL && *c->message != '\0') {
		argv[argc++] = "-m";
		argv[argc++] = c->message;
	}
	if (c->strategy != NULL && strcmp(c->strategy, "DEFAULT") != 0) {
		argv[argc++] = "-s";
		if (strcmp(c->strategy, "RECURSIVE_THEIRS") == 0) {
			argv[argc++] = "recursive";
			argv[argc++] = "--strategy-option";
			argv[argc++] = "theirs";
		} else {
			for (i = 0; c->strategy[i] != '\0' &&
			    i < sizeof(lower) - 1; i++)
				lower[i] = (char)tolower(
				    (unsigned char)c->strategy[i]);
			lower[i] = '\0';
			argv[argc++] = lower;
		}
	}
	if (c->ff_mode == NULL || strcmp(c->ff_mode, "FF") == 0)
		argv[argc++] = "--ff";
	else if (strcmp(c->ff_mode, "FF_ONLY") == 0)
		argv[argc++] = "--ff-only";
	else if (strcmp(c->ff_mode, "NO_FF") == 0)
		argv[argc++] = "--no-ff";
	else
		return hctx_fail(h, GIT_EXC, "unknown fast-forward mode %s",
		    c->ff_mode);
	argv[argc++] = c->merge_rev;
	return git_run(h, g, argv, argc, NULL, NULL, c->timeout, true,
	    NULL) == 0 ? 0 : -1;
}

/* git fetch as CliGitAPIImpl's FetchCommand runs it. */
static int
run_fetch(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	const char	*argv[GIT_MAX_ARGS + 2];
	char		 depth[32];
	int		 argc = 1, i;

	if (c->url == NULL)
		return hctx_fail(h, GIT_EXC, "fetch: no URL");
	argv[argc++] = "fetch";
	argv[argc++] = !c->has_tags || c->tags ? "--tags" : "--no-tags";
	argv[argc++] = "--force";
	argv[argc++] = "--progress";
	if (c->prune)
		argv[argc++] = "--prune";
	if (c->shallow) {
		snprintf(depth, sizeof(depth), "--depth=%d",
		    c->depth > 0 ? c->depth : 1);
		argv[argc++] = depth;
	}
	argv[argc++] = "--";
	if (c->url[0] == '-')
		return hctx_fail(h, GIT_EXC, "Invalid remote URL: %s", c->url);
	argv[argc++] = c->url;
	for (i = 0; i < c->nrefspecs && argc < GIT_MAX_ARGS; i++)
		argv[argc++] = c->refspecs[i];
	return git_run(h, g, argv, argc, NULL, c->url, c->timeout, true,
	    NULL) == 0 ? 0 : -1;
}

static int
run_clone(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	char	 key[512], def[512], alt[PATH_MAX], objs[PATH_MAX + 64];
	const char *origin = c->name ? c->name : "origin";
	FILE	*f;
	int	 i;

	if (c->url == NULL)
		return hctx_fail(h, GIT_EXC, "clone: no URL");
	if (strchr(origin, '/') != NULL || origin[0] == '-')
		return hctx_fail(h, GIT_EXC, "bad remote name %s", origin);
	gitc_log(h, g, "Cloning repository %s", c->url);
	if (fsutil_mkdirs(g->dir, 0777) != 0)
		return hctx_fail(h, GIT_EXC, "Could not init %s: %s", g->dir,
		    strerror(errno));
	if (git_simple(h, g, NULL, "init", g->dir, NULL) != 0)
		return -1;
	if (c->reference != NULL && *c->reference != '\0') {
		snprintf(objs, sizeof(objs), "%s/.git/objects", c->reference);
		if (!is_dir(objs))
			snprintf(objs, sizeof(objs), "%s/objects",
			    c->reference);
		if (is_dir(objs)) {
			snprintf(alt, sizeof(alt),
			    "%s/.git/objects/info/alternates", g->dir);
			if ((f = fopen(alt, "w")) != NULL) {
				fprintf(f, "%s\n", objs);
				fclose(f);
			}
		} else
			gitc_log(h, g, "Reference path does not exist: %s",
			    c->reference);
	}
	if (c->nrefspecs == 0) {
		snprintf(def, sizeof(def), "+refs/heads/*:refs/remotes/%s/*",
		    origin);
		if ((c->refspecs[0] = strdup(def)) == NULL)
			return hctx_fail(h, "java.lang.OutOfMemoryError",
			    "clone");
		c->nrefspecs = 1;
	}
	gitc_log(h, g, "Fetching upstream changes from %s", c->url);
	if (run_fetch(h, g, c) != 0)
		return -1;
	snprintf(key, sizeof(key), "remote.%s.url", origin);
	if (git_simple(h, g, NULL, "config", key, c->url, NULL) != 0)
		return -1;
	snprintf(key, sizeof(key), "remote.%s.fetch", origin);
	for (i = 0; i < c->nrefspecs; i++)
		if (git_simple(h, g, NULL, "config", "--add", key,
		    c->refspecs[i], NULL) != 0)
			return -1;
	return 0;
}

/* setLfsFetchOption: an empty or match-all value unsets key (status 5:
 * it was not set). */
static int
lfs_fetch_option(struct hctx *h, struct gitc *g, const char *key,
    const char *value)
{
	const char	*argv[6];
	int		 r;

	if (*value != '\0' && strcmp(value, "/*") != 0)
		return git_simple(h, g, NULL, "config", key, value, NULL);
	argv[1] = "config";
	argv[2] = "--unset";
	argv[3] = key;
	r = git_run(h, g, argv, 4, NULL, NULL, GIT_TIMEOUT_MIN, false, NULL);
	if (r < 0)
		return -1;
	if (r != 0 && r != 5)
		return hctx_fail(h, GIT_EXC, "Command \"git config --unset %s\" "
		    "returned status code %d", key, r);
	return 0;
}

/*
 * With lfsRemote, the sparse paths also select what `git lfs pull`
 * fetches: lfs.fetchinclude (paths) and lfs.fetchexclude ("!" paths);
 * both unset when a path holds a comma (git-lfs cannot quote it).
 */
static int
lfs_fetch_paths(struct hctx *h, struct gitc *g, const char *const *paths,
    int np)
{
	struct gitbuf	 inc = { 0 }, exc = { 0 };
	bool		 comma = false;
	int		 i, r = 0;

	for (i = 0; i < np; i++)
		if (strchr(paths[i], ',') != NULL)
			comma = true;
	for (i = 0; i < np && !comma && r == 0; i++) {
		struct gitbuf	*b = paths[i][0] == '!' ? &exc : &inc;
		const char	*x = paths[i] + (paths[i][0] == '!');

		if ((b->len > 0 && gitbuf_add(b, ",", 1) != 0) ||
		    gitbuf_add(b, x, strlen(x)) != 0)
			r = -1;
	}
	if (r != 0)
		r = hctx_fail(h, "java.lang.OutOfMemoryError", "lfs paths");
	else if (lfs_fetch_option(h, g, "lfs.fetchinclude",
	    inc.d ? inc.d : "") != 0 || lfs_fetch_option(h, g,
	    "lfs.fetchexclude", exc.d ? exc.d : "") != 0)
		r = -1;
	gitbuf_free(&inc);
	gitbuf_free(&exc);
	return r;
}

/* CliGitAPIImpl.sparseCheckout(): 0 or -1. */
static int
run_sparse(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	static const char *const all[] = { "/*" };
	struct gitbuf	 out = { 0 };
	const char	*argv[6];
	const char *const *paths = (const char *const *)c->sparse;
	char		 p[PATH_MAX], *x;
	bool		 enabled, deactivate = false;
	int		 np = c->nsparse, r, i;
	FILE		*f;

	argv[1] = "config";
	argv[2] = "core.sparsecheckout";
	r = git_run(h, g, argv, 3, NULL, NULL, GIT_TIMEOUT_MIN, false, &out);
	if (r < 0)
		return -1;
	enabled = r == 0 && out.d != NULL && strstr(out.d, "true") != NULL;
	gitbuf_free(&out);
	if (np == 0 && !enabled)
		return 0;
	if (np == 0) {
		deactivate = true;
		paths = all;
		np = 1;
	} else if (!enabled && git_simple(h, g, NULL, "config",
	    "core.sparsecheckout", "true", NULL) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/.git/info", g->dir);
	if (fsutil_mkdirs(p, 0777) != 0)
		return hctx_fail(h, GIT_EXC, "Impossible to create sparse "
		    "checkout dir %s", p);
	snprintf(p, sizeof(p), "%s/.git/info/sparse-checkout", g->dir);
	if ((f = fopen(p, "w")) == NULL)
		return hctx_fail(h, GIT_EXC, "Could not write sparse checkout "
		    "file %s", p);
	for (i = 0; i < np; i++) {
		if ((x = launch_expand(paths[i], &g->env)) == NULL) {
			fclose(f);
			return hctx_fail(h, "java.lang.OutOfMemoryError",
			    "sparse checkout");
		}
		fprintf(f, "%s\n", x);
		free(x);
	}
	if (fclose(f) != 0)
		return hctx_fail(h, GIT_EXC, "Could not write sparse checkout "
		    "file %s", p);
	if (c->lfs_remote != NULL && lfs_fetch_paths(h, g, paths, np) != 0)
		return -1;
	argv[1] = "read-tree";
	argv[2] = "-mu";
	argv[3] = "HEAD";
	/* 128: the paths never existed on this branch (not an error) */
	r = git_run(h, g, argv, 4, NULL, NULL, c->timeout, false, &out);
	if (r < 0)
		return -1;
	if (r != 0 && r != 128) {
		gitbuf_free(&out);
		return hctx_fail(h, GIT_EXC, "Command \"git read-tree -mu "
		    "HEAD\" returned status code %d", r);
	}
	gitbuf_free(&out);
	if (deactivate && git_simple(h, g, NULL, "config",
	    "core.sparsecheckout", "false", NULL) != 0)
		return -1;
	return 0;
}

/* CliGitAPIImpl's CheckoutCommand, without LFS. */
static int
run_checkout_git(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	const char	*argv[8];
	char		 ref[300];
	int		 r;

	if (c->ref == NULL)
		return hctx_fail(h, GIT_EXC, "checkout: no ref");
	if (c->ref[0] == '-' || (c->branch && c->branch[0] == '-'))
		return hctx_fail(h, GIT_EXC, "Invalid ref %s", c->ref);
	if (run_sparse(h, g, c) != 0)
		return -1;
	if (c->branch == NULL)
		return git_simple(h, g, NULL, "checkout", "-f", c->ref, NULL);
	if (c->delete_branch) {
		/* detach first, so that the branch can go */
		if (git_simple(h, g, NULL, "checkout", "-f", c->ref, NULL) != 0)
			return -1;
		snprintf(ref, sizeof(ref), "refs/heads/%s", c->branch);
		argv[1] = "rev-parse";
		argv[2] = "--verify";
		argv[3] = "-q";
		argv[4] = ref;
		r = git_run(h, g, argv, 5, NULL, NULL, GIT_TIMEOUT_MIN, false,
		    NULL);
		if (r < 0)
			return -1;
		if (r == 0 && git_simple(h, g, NULL, "branch", "-D",
		    c->branch, NULL) != 0)
			return -1;
	}
	return git_simple(h, g, NULL, "checkout", "-b", c->branch, c->ref,
	    NULL);
}

/*
 * CheckoutCommand: with lfsRemote, the checkout runs with
 * GIT_LFS_SKIP_SMUDGE=1, then `git lfs pull <remote>` with lfsCredentials
 * (else the remote URL's credential, else the default one).
 */
static int
run_checkout(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	const char	*argv[6];
	char		 key[512], *url;
	int		 r;

	if (c->lfs_remote == NULL)
		return run_checkout_git(h, g, c);
	if (c->lfs_remote[0] == '-' || strchr(c->lfs_remote, '/') != NULL)
		return hctx_fail(h, GIT_EXC, "Invalid LFS remote %s",
		    c->lfs_remote);
	tls_lfs_skip = true;
	r = run_checkout_git(h, g, c);
	tls_lfs_skip = false;
	if (r != 0)
		return -1;
	snprintf(key, sizeof(key), "remote.%s.url", c->lfs_remote);
	if ((url = config_get(h, g, NULL, key, NULL)) == NULL) {
		if (h->exc_class != NULL)
			return -1;
		return hctx_fail(h, GIT_EXC, "Invalid URL null (remote %s has "
		    "no URL)", c->lfs_remote);
	}
	argv[1] = "lfs";
	argv[2] = "pull";
	argv[3] = c->lfs_remote;
	tls_cred = c->lfs_cred;
	r = git_run(h, g, argv, 4, NULL, url, c->timeout, true, NULL);
	tls_cred = NULL;
	free(url);
	return r == 0 ? 0 : -1;
}

/*
 * CliGitAPIImpl's SubmoduleUpdateCommand: `submodule init`, then for
 * each submodule named in .gitmodules `git submodule update [--init
 * --recursive] [--remote] [--reference ref] [--depth=N] <path>` with the
 * credential of the submodule's URL (parentCredentials: of the default
 * remote's URL).  The modules are updated one after the other (threads
 * only bounds git-client's parallelism; the result is the same).
 */
static int
run_submodule_update(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	struct gitbuf	 out = { 0 };
	const char	*argv[GIT_MAX_ARGS + 2], *cargv[8];
	char		 key[512], depth[32], *p, *line, *name, *end, *url;
	char		*path, *remote = NULL, *purl = NULL, rp[PATH_MAX + 64];
	struct stat	 st;
	int		 argc = 1, i, r;

	if (git_simple(h, g, NULL, "submodule", "init", NULL) != 0)
		return -1;
	argv[argc++] = "submodule";
	argv[argc++] = "update";
	if (c->recursive) {
		argv[argc++] = "--init";
		argv[argc++] = "--recursive";
	}
	if (c->remote_tracking) {
		argv[argc++] = "--remote";
		for (i = 0; i < c->nusebranch; i++) {
			snprintf(key, sizeof(key), "submodule.%s.branch",
			    c->usebranch[i][0]);
			if (git_simple(h, g, NULL, "config", "-f",
			    ".gitmodules", key, c->usebranch[i][1], NULL) != 0)
				return -1;
		}
	}
	if (c->ref != NULL && *c->ref != '\0') {
		if (stat(c->ref, &st) != 0)
			gitc_log(h, g, "[WARNING] Reference path does not "
			    "exist: %s", c->ref);
		else if (!S_ISDIR(st.st_mode))
			gitc_log(h, g, "[WARNING] Reference path is not a "
			    "directory: %s", c->ref);
		else {
			argv[argc++] = "--reference";
			argv[argc++] = c->ref;
		}
	}
	if (c->shallow) {
		snprintf(depth, sizeof(depth), "--depth=%d",
		    c->depth > 0 ? c->depth : 1);
		argv[argc++] = depth;
	}
	cargv[1] = "config";
	cargv[2] = "-f";
	cargv[3] = ".gitmodules";
	cargv[4] = "--get-regexp";
	cargv[5] = "^submodule\\.(.+)\\.url";
	r = git_run(h, g, cargv, 6, NULL, NULL, GIT_TIMEOUT_MIN, false, &out);
	if (r < 0)
		return -1;
	if (r != 0) {
		gitc_log(h, g, "ERROR: No submodules found.");
		gitbuf_free(&out);
		return 0;
	}
	if (c->parent_creds) {
		if (default_remote(h, g, "origin", &remote) != 0)
			goto fail;
		snprintf(key, sizeof(key), "remote.%s.url", remote);
		purl = config_get(h, g, NULL, key, NULL);
		if (h->exc_class != NULL)
			goto fail;
	}
	p = out.d;
	r = 0;
	while (r == 0 && (line = next_line(&p)) != NULL) {
		/* "submodule.<name>.url <url>" */
		if (strncmp(line, "submodule.", 10) != 0 ||
		    (end = strrchr(line, ' ')) == NULL || end - line < 15 ||
		    strncmp(end - 4, ".url", 4) != 0)
			continue;
		name = line + 10;
		end[-4] = '\0';
		snprintf(key, sizeof(key), "submodule.%s.url", name);
		url = config_get(h, g, NULL, key, NULL);
		snprintf(key, sizeof(key), "submodule.%s.path", name);
		path = config_get(h, g, ".gitmodules", key, NULL);
		if (h->exc_class != NULL) {
			free(url);
			free(path);
			goto fail;
		}
		if (url == NULL || path == NULL || path[0] == '-') {
			free(url);
			free(path);
			r = hctx_fail(h, GIT_EXC, "Invalid repository for %s",
			    name);
			break;
		}
		snprintf(rp, sizeof(rp), "%s", path);
		argv[argc] = rp;
		r = git_run(h, g, argv, argc + 1, NULL, c->parent_creds &&
		    purl != NULL ? purl : url, c->timeout, true, NULL) == 0 ?
		    0 : -1;
		free(url);
		free(path);
	}
	gitbuf_free(&out);
	free(remote);
	free(purl);
	return r;
fail:
	gitbuf_free(&out);
	free(remote);
	free(purl);
	return -1;
}

/* A ProxyWriter command (Chunk with text, or EOF) to the writer oid. */
struct writer_cmd {
	int32_t		 oid;
	const uint8_t	*u16;		/* UTF-16BE chars, NULL for EOF */
	size_t		 n;		/* bytes in u16 */
};

/* Encode a ProxyWriter$Chunk / $EOF for I/O id io (channel_send_io). */
static int
writer_enc(void *arg, int32_t io, struct wbuf *w)
{
	const struct writer_cmd	*wc = arg;
	struct jser_doc		*doc;
	struct jser_node	*cmd, *d, *o, *ad, *arr = NULL;
	bool			 eof = wc->u16 == NULL;
	int			 r = -1;

	if ((doc = jser_doc_new()) == NULL)
		return -1;
	if ((cmd = jser_new_desc(doc, "hudson.remoting.Command", 1,
	    SC_SERIALIZABLE, NULL)) == NULL || jser_desc_add_field(doc, cmd,
	    'L', "createdAt", "Ljava/lang/Exception;") != PROTO_OK ||
	    (d = jser_new_desc(doc, eof ? "hudson.remoting.ProxyWriter$EOF" :
	    "hudson.remoting.ProxyWriter$Chunk", 1, SC_SERIALIZABLE, cmd)) ==
	    NULL || jser_desc_add_field(doc, d, 'I', "ioId", NULL) !=
	    PROTO_OK || jser_desc_add_field(doc, d, 'I', "oid", NULL) !=
	    PROTO_OK)
		goto out;
	if (!eof && (jser_desc_add_field(doc, d, '[', "buf", "[C") !=
	    PROTO_OK || (ad = jser_new_desc(doc, "[C",
	    -5753798564021173076LL, SC_SERIALIZABLE, NULL)) == NULL ||
	    (arr = jser_new_array(doc, ad, (uint32_t)(wc->n / 2),
	    wc->u16)) == NULL))
		goto out;
	if ((o = jser_new_object(doc, d)) == NULL ||
	    jser_set_prim(o, "ioId", (uint32_t)io) != PROTO_OK ||
	    jser_set_prim(o, "oid", (uint32_t)wc->oid) != PROTO_OK ||
	    (!eof && jser_set_ref(o, "buf", arr) != PROTO_OK) ||
	    jser_doc_add(doc, o) != PROTO_OK)
		goto out;
	if (jser_encode(doc, w) == PROTO_OK)
		r = 0;
out:
	jser_doc_free(doc);
	return r;
}

/*
 * Send text (or the EOF) to the controller Writer oid as ProxyWriter
 * does: each command takes the next I/O id of the channel, so it is
 * ordered with the build log's chunks and before our Response.
 */
static int
send_writer(struct hctx *h, int32_t oid, const char *text, size_t len,
    bool eof)
{
	struct writer_cmd	 wc = { .oid = oid };
	uint8_t			*u16 = NULL;
	size_t			 i, n = 0;
	int			 r;

	if (!eof) {
		/* UTF-8 to UTF-16BE chars (BMP + surrogates). */
		if ((u16 = malloc(len * 4 + 4)) == NULL)
			return -1;
		for (i = 0; i < len; ) {
			uint8_t	 b = (uint8_t)text[i++];
			uint32_t cp;
			int	 k;

			if (b < 0x80)
				cp = b, k = 0;
			else if ((b & 0xe0) == 0xc0)
				cp = b & 31, k = 1;
			else if ((b & 0xf0) == 0xe0)
				cp = b & 15, k = 2;
			else if ((b & 0xf8) == 0xf0)
				cp = b & 7, k = 3;
			else
				cp = 0xfffd, k = 0;
			for (; k > 0; k--, i++) {
				if (i >= len || ((uint8_t)text[i] & 0xc0) !=
				    0x80) {
					cp = 0xfffd;
					break;
				}
				cp = (cp << 6) | ((uint8_t)text[i] & 63);
			}
			if (cp > 0x10ffff)
				cp = 0xfffd;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				u16[n++] = (uint8_t)((0xd800 + (cp >> 10)) >>
				    8);
				u16[n++] = (uint8_t)(0xd800 + (cp >> 10));
				cp = 0xdc00 + (cp & 0x3ff);
			}
			u16[n++] = (uint8_t)(cp >> 8);
			u16[n++] = (uint8_t)cp;
		}
		wc.u16 = u16;
		wc.n = n;
	}
	r = channel_send_io(h, writer_enc, &wc);
	free(u16);
	return r;
}

static int
run_changelog(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	static const char raw[] = "--format=commit %H%ntree %T%nparent %P%n"
	    "author %aN <%aE> %ai%ncommitter %cN <%cE> %ci%n%n%w(0,4,4)%B";
	const char	*argv[GIT_MAX_ARGS + 2];
	struct gitbuf	 out = { 0 };
	char		 nbuf[32];
	size_t		 off, len;
	int		 argc = 1, i, r;

	if (c->writer_oid < 0)
		return hctx_fail(h, "java.lang.IllegalStateException",
		    "changelog without a Writer");
	argv[argc++] = "log";
	argv[argc++] = "--raw";
	argv[argc++] = "--no-merges";
	argv[argc++] = "--no-abbrev";
	argv[argc++] = "-M";
	argv[argc++] = raw;
	if (c->max > 0) {
		snprintf(nbuf, sizeof(nbuf), "%d", c->max);
		argv[argc++] = "-n";
		argv[argc++] = nbuf;
	}
	for (i = 0; i < c->nrevs && argc < GIT_MAX_ARGS; i++)
		argv[argc++] = c->revs[i];
	if (git_run(h, g, argv, argc, NULL, NULL, c->timeout, true, &out) != 0)
		return -1;
	/* Chunks of <= 8 KiB, cut on UTF-8 boundaries. */
	r = 0;
	for (off = 0; out.d != NULL && off < out.len && r == 0; off += len) {
		len = out.len - off;
		if (len > 8192) {
			len = 8192;
			while (len > 1 && ((uint8_t)out.d[off + len] & 0xc0) ==
			    0x80)
				len--;
		}
		r = send_writer(h, c->writer_oid, out.d + off, len, false);
	}
	gitbuf_free(&out);
	/* CliGitAPIImpl closes the writer; the EOF's I/O id orders the
	 * Response after every chunk. */
	if (r == 0)
		r = send_writer(h, c->writer_oid, NULL, 0, true);
	if (r != 0)
		return hctx_fail(h, GIT_EXC, "cannot write the changelog");
	return 0;
}

static int
run_revlist(struct hctx *h, struct gitc *g, struct gitcmd *c)
{
	(void)g;
	(void)c;
	return hctx_fail(h, GIT_UNSUP, "RevListCommand over remoting is not "
	    "supported by jnagent; workaround: %s", GIT_WORKAROUND);
}

/*
 * RemoteGitImpl$CommandInvocationHandler: this$0 of the callable.  cih
 * fields: command (Class), invocations (List of Invocation), proxy.
 */
static int
git_builder(struct hctx *h, struct gitc *g, const struct jser_node *cih)
{
	struct gitcmd		 c;
	struct jser_node	*cls = NULL, *list = NULL, **inv;
	struct jser_node	*tn, *an, **targs;
	const char		*cname, *kind;
	char			*m, *types[16];
	uint32_t		 ninv, i, k, ntypes, nargs;
	int			 r = -1;

	memset(&c, 0, sizeof(c));
	c.writer_oid = -1;
	if (jser_field_ref(cih, "command", &cls) != PROTO_OK || cls == NULL ||
	    cls->type != JSER_CLASS || cls->u.cls.desc == NULL ||
	    cls->u.cls.desc->type != JSER_CLASSDESC)
		return hctx_fail(h, GIT_EXC, "git command without its class");
	cname = cls->u.cls.desc->u.desc.name;
	kind = strrchr(cname, '.') ? strrchr(cname, '.') + 1 : cname;
	c.kind = kind;
	if (jser_field_ref(cih, "invocations", &list) != PROTO_OK ||
	    jval_list_items(h->out, list, &inv, &ninv) != PROTO_OK)
		return hctx_fail(h, GIT_EXC, "git command without invocations");
	for (i = 0; i < ninv; i++) {
		m = field_str(inv[i], "methodName");
		tn = an = NULL;
		(void)jser_field_ref(inv[i], "parameterTypes", &tn);
		(void)jser_field_ref(inv[i], "args", &an);
		ntypes = tn && tn->type == JSER_ARRAY && tn->u.arr.elem == 'L' ?
		    tn->u.arr.length : 0;
		nargs = an && an->type == JSER_ARRAY && an->u.arr.elem == 'L' ?
		    an->u.arr.length : 0;
		if (m == NULL || ntypes > 16 || ntypes != nargs) {
			free(m);
			r = hctx_fail(h, GIT_EXC, "malformed git invocation");
			goto out;
		}
		for (k = 0; k < ntypes; k++)
			types[k] = node_str(((struct jser_node **)
			    tn->u.arr.data)[k]);
		targs = nargs ? an->u.arr.data : NULL;
		r = gitcmd_apply(h, &c, m, types, ntypes, targs, nargs);
		for (k = 0; k < ntypes; k++)
			free(types[k]);
		free(m);
		if (r != 0)
			goto out;
	}
	h->value = NULL;
	if (strcmp(kind, "CloneCommand") == 0)
		r = run_clone(h, g, &c);
	else if (strcmp(kind, "FetchCommand") == 0)
		r = run_fetch(h, g, &c);
	else if (strcmp(kind, "CheckoutCommand") == 0)
		r = run_checkout(h, g, &c);
	else if (strcmp(kind, "ChangelogCommand") == 0)
		r = run_changelog(h, g, &c);
	else if (strcmp(kind, "MergeCommand") == 0)
		r = run_merge(h, g, &c);
	else if (strcmp(kind, "SubmoduleUpdateCommand") == 0)
		r = run_submodule_update(h, g, &c);
	else if (strcmp(kind, "InitCommand") == 0) {
		const char *ws = c.workspace ? c.workspace : g->dir;

		if (fsutil_mkdirs(ws, 0777) != 0)
			r = hctx_fail(h, GIT_EXC, "Could not init %s", ws);
		else if (c.bare)
			r = git_simple(h, g, NULL, "init", "--bare", ws, NULL);
		else
			r = git_simple(h, g, NULL, "init", ws, NULL);
	} else if (strcmp(kind, "RevListCommand") == 0)
		r = run_revlist(h, g, &c);
	else
		r = hctx_fail(h, GIT_UNSUP, "%.100s is not supported by "
		    "jnagent's native git client; workaround: %s", cname,
		    GIT_WORKAROUND);
out:
	gitcmd_free(&c);
	return r;
}

/* The callable: find our client by the proxy's oid and run there. */
static int
h_git_command(struct hctx *h, const struct jser_node *callable)
{
	struct jser_node	*cih = NULL, *px = NULL;
	struct cmd_rpc		 rpc;
	int32_t			 oid;

	if (jser_field_ref(callable, "this$0", &cih) != PROTO_OK ||
	    cih == NULL || jser_field_ref(cih, "proxy", &px) != PROTO_OK ||
	    cmd_proxy_oid(px, &oid) != PROTO_OK)
		return hctx_fail(h, GIT_EXC,
		    "git command without its GitClient proxy");
	memset(&rpc, 0, sizeof(rpc));
	rpc.oid = oid;
	rpc.method = GIT_CMD_METHOD;
	rpc.args = cih;
	return channel_rpc(h, &rpc);
}

const struct handler h_git_handlers[] = {
	{ "org.jenkinsci.plugins.gitclient.Git$GitAPIMasterToSlaveFileCallable",
	    h_git_client, HANDLER_FILE },
	{ "org.jenkinsci.plugins.gitclient.RemoteGitImpl"
	    "$CommandInvocationHandler$GitCommandMasterToSlaveCallable",
	    h_git_command, 0 },
	{ NULL, NULL, 0 },
};
