/*
 * guardhook.c: the libagent side of agent/guardsvc.h (no libdocker).
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "agent/guardsvc.h"

static pthread_mutex_t		guardhook_lock = PTHREAD_MUTEX_INITIALIZER;
static struct guardsvc_hooks	guardhook;

void
guardsvc_set_hooks(const struct guardsvc_hooks *h)
{
	pthread_mutex_lock(&guardhook_lock);
	if (h != NULL)
		guardhook = *h;
	else
		memset(&guardhook, 0, sizeof(guardhook));
	pthread_mutex_unlock(&guardhook_lock);
}

void
guardsvc_build_killed(const char *name, const char *value)
{
	void	(*fn)(const char *, const char *);

	pthread_mutex_lock(&guardhook_lock);
	fn = guardhook.killed;
	pthread_mutex_unlock(&guardhook_lock);
	if (fn != NULL && name != NULL && value != NULL)
		fn(name, value);
}

void
guardsvc_connected(void)
{
	void	(*fn)(void);

	pthread_mutex_lock(&guardhook_lock);
	fn = guardhook.connected;
	pthread_mutex_unlock(&guardhook_lock);
	if (fn != NULL)
		fn();
}
