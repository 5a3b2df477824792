/*
 * lazy.h: libcurl and libarchive loaded on first use.
 *
 * Loading libcurl at exec drags in some 40 shared libraries (GnuTLS,
 * Kerberos, LDAP, libssh2, ...), and libarchive pulls libxml2 and ICU;
 * mapping and relocating them was most of jnagent's start-up time and
 * resident set.  The jnagent binary therefore links agent/lazy.c
 * instead of -lcurl -larchive: lazy.c defines the libcurl and libarchive
 * functions the agent calls, each a small wrapper that dlopen()s the
 * real library the first time any of its functions is called and then
 * jumps to the real function.  Callers change nothing: they include
 * <curl/curl.h> or <archive.h> and call the API as usual.  Unit tests
 * and other programs keep linking -lcurl -larchive directly.
 *
 * Adding a call to a libcurl or libarchive function that lazy.c does not
 * wrap yet makes the jnagent link fail with an undefined reference: add
 * one LAZY_FN/LAZY_VOID line for it to lazy.c.
 *
 * If the library cannot be loaded when it is first needed, jnagent
 * exits with status 1 and a one-line message naming the library.
 */
#ifndef JNAGENT_AGENT_LAZY_H
#define JNAGENT_AGENT_LAZY_H

#include <stdbool.h>

/* Defined by lazy.c only (weak: NULL in programs that link directly). */
bool lazy_curl_loaded(void) __attribute__((weak));
bool lazy_archive_loaded(void) __attribute__((weak));

/*
 * Whether libcurl is mapped in this process: true once lazy.c loaded it,
 * and always in programs linked with -lcurl.
 */
static inline bool
lazy_curl_present(void)
{
	return lazy_curl_loaded == NULL || lazy_curl_loaded();
}

#endif
