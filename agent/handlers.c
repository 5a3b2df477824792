/*
 * handlers.c: the callable registry (see handlers.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/h_file.h"
#include "agent/h_git.h"
#include "agent/h_launch.h"
#include "agent/handlers.h"
#include "protocol/command.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"0.1.0"
#endif

static const struct handler *const families[] = {
	h_remoting_handlers,
	h_node_handlers,
	h_monitor_handlers,
	h_file_handlers,
	h_launch_handlers,
	h_durable_handlers,
	h_git_handlers,
};

/* Run-time registrations, searched before the static tables. */
struct extra {
	struct extra	*next;
	struct handler	 h;
	char		*cls;
};

static pthread_mutex_t	 extra_lock = PTHREAD_MUTEX_INITIALIZER;
static struct extra	*extras;

const struct handler *
handlers_find(const char *cls)
{
	const struct handler	*t, *found = NULL;
	struct extra		*e;
	size_t			 i;

	if (cls == NULL)
		return NULL;
	pthread_mutex_lock(&extra_lock);
	for (e = extras; e != NULL; e = e->next)
		if (strcmp(e->cls, cls) == 0) {
			found = &e->h;
			break;
		}
	pthread_mutex_unlock(&extra_lock);
	if (found != NULL)
		return found;
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		for (t = families[i]; t->cls != NULL; t++)
			if (strcmp(t->cls, cls) == 0)
				return t;
	return NULL;
}

int
handlers_register(const char *cls, handler_fn fn, int flags)
{
	struct extra	*e;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->cls = strdup(cls)) == NULL) {
		free(e);
		return -1;
	}
	e->h.cls = e->cls;
	e->h.fn = fn;
	e->h.flags = flags;
	pthread_mutex_lock(&extra_lock);
	e->next = extras;
	extras = e;
	pthread_mutex_unlock(&extra_lock);
	return 0;
}

void
handlers_reset(void)
{
	struct extra	*e, *next;

	pthread_mutex_lock(&extra_lock);
	for (e = extras; e != NULL; e = next) {
		next = e->next;
		free(e->cls);
		free(e);
	}
	extras = NULL;
	pthread_mutex_unlock(&extra_lock);
}

int
handlers_call(struct hctx *h, const struct jser_node *callable)
{
	const struct handler	*hd;
	struct jser_node	*inner;
	const char		*cls, *saved = h->cls;
	int			 r;

	if ((cls = jser_class_name(callable)) == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "the request does not hold a callable object");
	if ((hd = handlers_find(cls)) == NULL) {
		/*
		 * FilePath.FileCallableWrapperFactory extensions wrap the
		 * real callable again (catalog 1.3): unwrap generically.
		 */
		if (jser_instance_of(callable,
		    "hudson.FilePath$AbstractInterceptorCallableWrapper") &&
		    jser_field_ref(callable, "callable", &inner) == PROTO_OK &&
		    inner != NULL && inner != callable && h->depth < 8) {
			h->depth++;
			r = handlers_call(h, inner);
			h->depth--;
			return r;
		}
		return hctx_unsupported(h, cls);
	}
	if ((hd->flags & HANDLER_FILE) && h->file_path == NULL)
		return hctx_fail(h, "java.io.IOException",
		    "%s needs a FilePath", cls);
	h->cls = hd->cls;
	r = hd->fn(h, callable);
	h->cls = saved;
	if (r != 0 && h->exc_class == NULL)
		hctx_fail(h, "java.io.IOException",
		    "%s failed in jnagent %s", cls, PACKAGE_VERSION);
	return r == 0 ? 0 : -1;
}

int
hctx_fail(struct hctx *h, const char *exc_class, const char *fmt, ...)
{
	va_list	 ap;

	h->exc_class = exc_class;
	va_start(ap, fmt);
	vsnprintf(h->exc_msg, sizeof(h->exc_msg), fmt, ap);
	va_end(ap);
	h->value = NULL;
	return -1;
}

int
hctx_unsupported(struct hctx *h, const char *cls)
{
	return hctx_fail(h, "java.lang.UnsupportedOperationException",
	    "%s is not supported by jnagent %s", cls, PACKAGE_VERSION);
}

bool
hctx_cancelled(const struct hctx *h)
{
	return atomic_load(&h->cancelled);
}

struct jser_node *
hctx_desc(struct hctx *h, const char *name, int64_t suid, uint8_t flags,
    struct jser_node *super, const struct hfield *f, size_t n)
{
	struct jser_node	*d;
	size_t			 i;

	if ((d = jser_desc_find(h->out, name)) != NULL)
		return d;
	if ((d = jser_new_desc(h->out, name, suid, flags, super)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (jser_desc_add_field(h->out, d, f[i].type, f[i].name,
		    f[i].sig) != PROTO_OK)
			return NULL;
	return d;
}

struct jser_node *
hctx_object(struct hctx *h, struct jser_node *desc)
{
	return desc == NULL ? NULL : jser_new_object(h->out, desc);
}

struct jser_node *
hctx_string(struct hctx *h, const char *s)
{
	return s == NULL ? NULL : cmd_new_string(h->out, s);
}

const char *
hctx_field_string(struct hctx *h, const struct jser_node *obj,
    const char *name)
{
	const char	*m;
	char		*u;
	size_t		 ulen;

	if (jser_field_string(obj, name, &m) != PROTO_OK || m == NULL ||
	    jser_mutf8_to_utf8(h->out, m, strlen(m), &u, &ulen) != PROTO_OK)
		return NULL;
	return u;
}
