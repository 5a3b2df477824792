/*
 * json.c: request bodies built with cJSON: the container create config
 * (Engine API "ContainerConfig" + "HostConfig"), label filters, and the
 * X-Registry-Auth header (URL-safe base64 of the AuthConfig JSON, as
 * moby's registry.EncodeAuthConfig writes it).
 */
#include <stdlib.h>
#include <string.h>

#include "docker/internal.h"

const char *
docker_json_str(const cJSON *obj, const char *name)
{
	const cJSON	*v;

	if (obj == NULL || !cJSON_IsObject(obj))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *
docker_strv_json(const char *const *v)
{
	cJSON	*a, *s;

	if ((a = cJSON_CreateArray()) == NULL)
		return NULL;
	for (; v != NULL && *v != NULL; v++) {
		if ((s = cJSON_CreateString(*v)) == NULL) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, s);
	}
	return a;
}

int
docker_label_filters(struct sbuf *sb, const char *key,
    const char *const *labels)
{
	cJSON	*f, *a;
	char	*s;

	if (labels == NULL || labels[0] == NULL)
		return 0;
	if ((f = cJSON_CreateObject()) == NULL ||
	    (a = docker_strv_json(labels)) == NULL) {
		cJSON_Delete(f);
		return DOCKER_ERR_NOMEM;
	}
	cJSON_AddItemToObject(f, key, a);
	s = cJSON_PrintUnformatted(f);
	cJSON_Delete(f);
	if (s == NULL)
		return DOCKER_ERR_NOMEM;
	sbuf_add(sb, "filters=");
	sbuf_add_query(sb, s);
	free(s);
	return sb->err;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
docker_auth_encode(const struct docker_auth *a)
{
	cJSON		*j;
	char		*js, *out;
	size_t		 n, i, o;
	const unsigned char *p;
	int		 bad = 0;

	if ((j = cJSON_CreateObject()) == NULL)
		return NULL;
#define ADD(field, name) do {						\
	if (a->field != NULL &&						\
	    cJSON_AddStringToObject(j, name, a->field) == NULL)		\
		bad = 1;						\
} while (0)
	ADD(username, "username");
	ADD(password, "password");
	ADD(serveraddress, "serveraddress");
	ADD(identitytoken, "identitytoken");
	ADD(registrytoken, "registrytoken");
#undef ADD
	js = bad ? NULL : cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (js == NULL)
		return NULL;
	n = strlen(js);
	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL) {
		free(js);
		return NULL;
	}
	p = (const unsigned char *)js;
	for (i = 0, o = 0; i + 2 < n; i += 3) {
		out[o++] = b64url[p[i] >> 2];
		out[o++] = b64url[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = b64url[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		out[o++] = b64url[p[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = b64url[p[i] >> 2];
		out[o++] = b64url[(p[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = b64url[p[i] >> 2];
		out[o++] = b64url[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = b64url[(p[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
	/* The JSON holds the password: wipe it before freeing. */
	memset(js, 0, n);
	free(js);
	return out;
}

/* Add a strv member unless v is NULL; 0 or -1. */
static int
add_strv(cJSON *o, const char *name, const char *const *v)
{
	cJSON	*a;

	if (v == NULL)
		return 0;
	if ((a = docker_strv_json(v)) == NULL)
		return -1;
	cJSON_AddItemToObject(o, name, a);
	return 0;
}

static int
add_str(cJSON *o, const char *name, const char *s)
{
	if (s == NULL)
		return 0;
	return cJSON_AddStringToObject(o, name, s) == NULL ? -1 : 0;
}

static int
add_labels(cJSON *o, const char *const *labels)
{
	cJSON		*l;
	const char	*eq;
	char		*k;

	if (labels == NULL)
		return 0;
	if ((l = cJSON_AddObjectToObject(o, "Labels")) == NULL)
		return -1;
	for (; *labels != NULL; labels++) {
		eq = strchr(*labels, '=');
		k = eq != NULL ? strndup(*labels, eq - *labels) :
		    strdup(*labels);
		if (k == NULL)
			return -1;
		cJSON_DeleteItemFromObjectCaseSensitive(l, k);
		if (cJSON_AddStringToObject(l, k, eq != NULL ? eq + 1 : "") ==
		    NULL) {
			free(k);
			return -1;
		}
		free(k);
	}
	return 0;
}

/* "host[:container[:perms]]" -> {PathOnHost, PathInContainer,
 * CgroupPermissions}; 1 when the string is bad. */
static int
add_devices(cJSON *hc, const char *const *devs)
{
	cJSON		*a, *o;
	char		*s, *c1, *c2;
	const char	*perm;

	if (devs == NULL)
		return 0;
	if ((a = cJSON_AddArrayToObject(hc, "Devices")) == NULL)
		return -1;
	for (; *devs != NULL; devs++) {
		if ((s = strdup(*devs)) == NULL)
			return -1;
		c2 = NULL;
		if ((c1 = strchr(s, ':')) != NULL) {
			*c1++ = '\0';
			if ((c2 = strchr(c1, ':')) != NULL)
				*c2++ = '\0';
		}
		perm = c2 != NULL ? c2 : "rwm";
		if (s[0] != '/' || (c1 != NULL && c1[0] != '/') ||
		    perm[0] == '\0' || strspn(perm, "rwm") != strlen(perm)) {
			free(s);
			return 1;
		}
		if ((o = cJSON_CreateObject()) == NULL) {
			free(s);
			return -1;
		}
		cJSON_AddItemToArray(a, o);
		if (add_str(o, "PathOnHost", s) != 0 ||
		    add_str(o, "PathInContainer", c1 != NULL ? c1 : s) != 0 ||
		    add_str(o, "CgroupPermissions", perm) != 0) {
			free(s);
			return -1;
		}
		free(s);
	}
	return 0;
}

int
docker_container_config_json(const struct docker_container_config *cfg,
    char **json)
{
	static const char *const empty_ep[] = { "", NULL };
	cJSON	*c = NULL, *hc;
	int	 r = DOCKER_ERR_NOMEM, e;

	*json = NULL;
	if (cfg == NULL || cfg->image == NULL || cfg->image[0] == '\0')
		return DOCKER_ERR_INVAL;
	if ((c = cJSON_CreateObject()) == NULL)
		goto out;
	if (add_str(c, "Image", cfg->image) != 0 ||
	    add_strv(c, "Cmd", cfg->cmd) != 0 ||
	    add_strv(c, "Entrypoint", cfg->entrypoint != NULL &&
	    cfg->entrypoint[0] == NULL ? empty_ep : cfg->entrypoint) != 0 ||
	    add_strv(c, "Env", cfg->env) != 0 ||
	    add_str(c, "WorkingDir", cfg->working_dir) != 0 ||
	    add_str(c, "User", cfg->user) != 0 ||
	    add_str(c, "Hostname", cfg->hostname) != 0 ||
	    add_labels(c, cfg->labels) != 0 ||
	    cJSON_AddBoolToObject(c, "Tty", cfg->tty != 0) == NULL ||
	    cJSON_AddBoolToObject(c, "OpenStdin", cfg->open_stdin != 0) ==
	    NULL ||
	    cJSON_AddBoolToObject(c, "StdinOnce", cfg->open_stdin != 0) ==
	    NULL ||
	    cJSON_AddBoolToObject(c, "AttachStdin", cfg->open_stdin != 0) ==
	    NULL ||
	    cJSON_AddBoolToObject(c, "AttachStdout", 1) == NULL ||
	    cJSON_AddBoolToObject(c, "AttachStderr", 1) == NULL)
		goto out;
	if ((hc = cJSON_AddObjectToObject(c, "HostConfig")) == NULL ||
	    add_strv(hc, "Binds", cfg->binds) != 0 ||
	    add_str(hc, "NetworkMode", cfg->network_mode) != 0 ||
	    cJSON_AddBoolToObject(hc, "Privileged", cfg->privileged != 0) ==
	    NULL ||
	    add_strv(hc, "CapAdd", cfg->cap_add) != 0 ||
	    add_strv(hc, "CapDrop", cfg->cap_drop) != 0 ||
	    add_strv(hc, "SecurityOpt", cfg->security_opt) != 0 ||
	    add_strv(hc, "DeviceCgroupRules", cfg->device_cgroup_rules) != 0 ||
	    cJSON_AddBoolToObject(hc, "AutoRemove", cfg->auto_remove != 0) ==
	    NULL)
		goto out;
	if ((e = add_devices(hc, cfg->devices)) != 0) {
		r = e > 0 ? DOCKER_ERR_INVAL : DOCKER_ERR_NOMEM;
		goto out;
	}
	if ((*json = cJSON_PrintUnformatted(c)) == NULL)
		goto out;
	r = 0;
out:
	cJSON_Delete(c);
	return r;
}
