/*
 * selfctr.c: jnagent's own container (selfctr.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/selfctr.h"
#include "docker/docker.h"

#define SELFCTR_MAX_CAND	8

bool
selfctr_in_container(void)
{
	FILE	*f;
	char	 line[512], id[65];
	bool	 r = false;

	if (getenv("JNAGENT_CONTAINER") != NULL &&
	    *getenv("JNAGENT_CONTAINER") != '\0')
		return true;
	if (access("/.dockerenv", F_OK) == 0 ||
	    access("/run/.containerenv", F_OK) == 0)
		return true;
	if ((f = fopen("/proc/1/cgroup", "r")) != NULL) {
		while (!r && fgets(line, sizeof(line), f) != NULL)
			r = strstr(line, "docker") != NULL ||
			    strstr(line, "kubepods") != NULL ||
			    strstr(line, "containerd") != NULL;
		fclose(f);
	}
	if (!r && (f = fopen("/proc/self/mountinfo", "r")) != NULL) {
		while (!r && fgets(line, sizeof(line), f) != NULL)
			r = selfctr_id_from_mountinfo_line(line, id) == 1;
		fclose(f);
	}
	return r;
}

/* Exactly 64 hex digits at s, not preceded/followed by another one. */
static int
selfctr_hex64(const char *start, const char *s, char id[65])
{
	size_t	 i;

	if (s > start && isxdigit((unsigned char)s[-1]))
		return 0;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	if (isxdigit((unsigned char)s[64]))
		return 0;
	for (i = 0; i < 64; i++)
		id[i] = (char)tolower((unsigned char)s[i]);
	id[64] = '\0';
	return 1;
}

int
selfctr_id_from_mountinfo_line(const char *line, char id[65])
{
	const char	*p, *root;
	char		 fld[4][1024];
	int		 n;

	/* id parent major:minor root ...: the root is the 4th field */
	n = sscanf(line, "%1023s %1023s %1023s %1023s", fld[0], fld[1],
	    fld[2], fld[3]);
	if (n != 4)
		return 0;
	root = fld[3];
	for (p = root; (p = strstr(p, "/containers/")) != NULL; p++)
		if (selfctr_hex64(root, p + 12, id) && p[12 + 64] == '/')
			return 1;
	return 0;
}

int
selfctr_id_from_cgroup_line(const char *line, char id[65])
{
	const char	*p;

	for (p = line; *p != '\0'; p++)
		if (selfctr_hex64(line, p, id))
			return 1;
	return 0;
}

/* Add id to the candidates unless already there. */
static void
selfctr_cand(char cand[][65], char how[][32], size_t *n, const char *id,
    const char *from)
{
	size_t	i;

	if (*id == '\0' || strlen(id) > 64 || *n >= SELFCTR_MAX_CAND)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(cand[i], id) == 0)
			return;
	snprintf(cand[*n], 65, "%s", id);
	snprintf(how[*n], 32, "%s", from);
	(*n)++;
}

static void
selfctr_scan(const char *file, int (*fn)(const char *, char *),
    char cand[][65], char how[][32], size_t *n, const char *from)
{
	FILE	*f;
	char	*line = NULL, id[65];
	size_t	 cap = 0;

	if ((f = fopen(file, "r")) == NULL)
		return;
	while (getline(&line, &cap, f) != -1)
		if (fn(line, id))
			selfctr_cand(cand, how, n, id, from);
	free(line);
	fclose(f);
}

static void
selfctr_mounts(struct selfctr *s, const cJSON *c)
{
	const cJSON	*m, *src, *dst, *type;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(c, "Mounts")) {
		src = cJSON_GetObjectItemCaseSensitive(m, "Source");
		dst = cJSON_GetObjectItemCaseSensitive(m, "Destination");
		type = cJSON_GetObjectItemCaseSensitive(m, "Type");
		if (s->nm >= SELFCTR_MAX_MOUNTS)
			break;
		if (!cJSON_IsString(src) || !cJSON_IsString(dst) ||
		    src->valuestring[0] != '/' || dst->valuestring[0] != '/')
			continue;	/* tmpfs, npipe, ...: not on the host */
		s->m[s->nm].src = strdup(src->valuestring);
		s->m[s->nm].dst = strdup(dst->valuestring);
		snprintf(s->m[s->nm].type, sizeof(s->m[s->nm].type), "%s",
		    cJSON_IsString(type) ? type->valuestring : "");
		if (s->m[s->nm].src == NULL || s->m[s->nm].dst == NULL) {
			free(s->m[s->nm].src);
			free(s->m[s->nm].dst);
			break;
		}
		s->nm++;
	}
}

int
selfctr_lookup(struct docker *d, struct selfctr *s, char *err,
    size_t errlen)
{
	char		 cand[SELFCTR_MAX_CAND][65], how[SELFCTR_MAX_CAND][32];
	char		 hn[256];
	const char	*env = getenv("JNAGENT_CONTAINER");
	const cJSON	*id, *name, *cfg, *chn;
	cJSON		*c;
	size_t		 n = 0, i;
	int		 by_host;

	memset(s, 0, sizeof(*s));
	if (env != NULL && *env != '\0')
		selfctr_cand(cand, how, &n, env, "JNAGENT_CONTAINER");
	selfctr_scan("/proc/self/mountinfo", selfctr_id_from_mountinfo_line,
	    cand, how, &n, "mountinfo");
	selfctr_scan("/proc/self/cgroup", selfctr_id_from_cgroup_line, cand,
	    how, &n, "cgroup");
	if (gethostname(hn, sizeof(hn)) == 0) {
		hn[sizeof(hn) - 1] = '\0';
		selfctr_cand(cand, how, &n, hn, "hostname");
	}
	for (i = 0; i < n; i++) {
		if (docker_container_inspect(d, cand[i], &c) != 0) {
			if (docker_last_status(d) == 404)
				continue;
			snprintf(err, errlen, "inspecting container %.64s: %s",
			    cand[i], docker_errmsg(d));
			return -1;
		}
		by_host = strcmp(how[i], "hostname") == 0;
		cfg = cJSON_GetObjectItemCaseSensitive(c, "Config");
		chn = cJSON_GetObjectItemCaseSensitive(cfg, "Hostname");
		if (by_host && (!cJSON_IsString(chn) ||
		    strcmp(chn->valuestring, hn) != 0)) {
			cJSON_Delete(c);	/* a container named like us */
			continue;
		}
		id = cJSON_GetObjectItemCaseSensitive(c, "Id");
		name = cJSON_GetObjectItemCaseSensitive(c, "Name");
		snprintf(s->id, sizeof(s->id), "%.*s", (int)sizeof(s->id) - 1,
		    cJSON_IsString(id) ?
		    id->valuestring : cand[i]);
		snprintf(s->name, sizeof(s->name), "%s", cJSON_IsString(name) ?
		    name->valuestring + (name->valuestring[0] == '/') : "");
		snprintf(s->how, sizeof(s->how), "%.*s", (int)sizeof(s->how) - 1,
		    how[i]);
		selfctr_mounts(s, c);
		cJSON_Delete(c);
		return 1;
	}
	return 0;
}

/* Length of dir's prefix when path is dir or below it, else 0. */
static size_t
selfctr_under(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return 1;
	if (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0'))
		return n;
	return 0;
}

int
selfctr_host_path(const struct selfctr *s, const char *dir, char *host,
    size_t hostlen, const struct selfctr_mount **mnt)
{
	size_t	 i, u, best = 0, bi = 0;
	int	 k;

	for (i = 0; i < s->nm; i++)
		if ((u = selfctr_under(dir, s->m[i].dst)) > best) {
			best = u;
			bi = i;
		}
	if (mnt != NULL)
		*mnt = best ? &s->m[bi] : NULL;
	if (best == 0)
		return 0;
	if (best == 1)
		best = 0;	/* a mount on "/" */
	k = snprintf(host, hostlen, "%s%s", strcmp(s->m[bi].src, "/") == 0 ?
	    "" : s->m[bi].src, dir + best);
	if (k < 0 || (size_t)k >= hostlen)
		return -1;
	if (k == 0)
		k = snprintf(host, hostlen, "/");
	/* "/src/" + "" or "/" + "/x": no doubled or trailing slash */
	if (k > 1 && host[k - 1] == '/')
		host[k - 1] = '\0';
	return 1;
}

void
selfctr_free(struct selfctr *s)
{
	size_t	i;

	for (i = 0; i < s->nm; i++) {
		free(s->m[i].src);
		free(s->m[i].dst);
	}
	s->nm = 0;
}
