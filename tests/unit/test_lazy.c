/*
 * test_lazy: agent/lazy.c's wrappers, linked as in the jnagent binary
 * (without -lcurl -larchive): nothing is loaded until the first call,
 * the variadic curl_easy_setopt/curl_easy_getinfo pass each argument
 * type through, and libarchive round-trips a tar.gz through them.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>

#include "agent/lazy.h"
#include "tests/unit/tap.h"

struct membuf {
	unsigned char	 b[65536];
	size_t		 n, off;
};

static la_ssize_t
mem_write(struct archive *a, void *arg, const void *p, size_t n)
{
	struct membuf	*m = arg;

	if (n > sizeof(m->b) - m->n) {
		archive_set_error(a, 28, "buffer full after %zu bytes", m->n);
		return -1;
	}
	memcpy(m->b + m->n, p, n);
	m->n += n;
	return (la_ssize_t)n;
}

static la_ssize_t
mem_read(struct archive *a, void *arg, const void **p)
{
	struct membuf	*m = arg;
	size_t		 n = m->n - m->off;

	*p = m->b + m->off;
	m->off = m->n;
	return (la_ssize_t)n;
}

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	return sz * n;
}

static void
test_curl(void)
{
	CURL		*c;
	CURLU		*u;
	char		*host = NULL;
	long		 code = -1;

	ok(!lazy_curl_loaded(), "libcurl not loaded before the first call");
	ok(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK,
	    "curl_global_init through the wrapper");
	ok(lazy_curl_loaded() && lazy_curl_present(),
	    "libcurl loaded by the first call");
	c = curl_easy_init();
	ok(c != NULL, "curl_easy_init");
	/* one option of each argument type */
	ok(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_URL, "http://127.0.0.1:9/") ==
	    CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink) == CURLE_OK &&
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)1 << 40) == CURLE_OK,
	    "curl_easy_setopt: long, string, function, curl_off_t");
	ok(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "nosuchproto") !=
	    CURLE_OK, "a bad option value is still refused");
	ok(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
	    code == 0, "curl_easy_getinfo fills a long");
	ok(strcmp(curl_easy_strerror(CURLE_OK), "No error") == 0,
	    "curl_easy_strerror");
	curl_easy_cleanup(c);
	u = curl_url();
	ok(u != NULL && curl_url_set(u, CURLUPART_URL,
	    "http://[::1]:8080/jenkins/", 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    strcmp(host, "[::1]") == 0, "curl_url_set/get: %s",
	    host != NULL ? host : "(null)");
	curl_free(host);
	curl_url_cleanup(u);
	curl_global_cleanup();
}

static void
test_archive(void)
{
	static struct membuf	 m;
	struct archive		*a;
	struct archive_entry	*e;
	char			 data[16];
	la_ssize_t		 n;

	ok(!lazy_archive_loaded(), "libarchive not loaded before use");
	a = archive_write_new();
	ok(a != NULL && lazy_archive_loaded(), "libarchive loaded on use");
	ok(archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
	    archive_write_set_format_gnutar(a) == ARCHIVE_OK &&
	    archive_write_open2(a, &m, NULL, mem_write, NULL, NULL) ==
	    ARCHIVE_OK, "tar.gz writer opened on memory");
	e = archive_entry_new();
	archive_entry_copy_pathname(e, "dir/hello.txt");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_size(e, 5);
	archive_entry_set_mtime(e, 1700000000, 0);
	ok(archive_write_header(a, e) == ARCHIVE_OK &&
	    archive_write_data(a, "hello", 5) == 5 &&
	    archive_write_finish_entry(a) == ARCHIVE_OK &&
	    archive_write_close(a) == ARCHIVE_OK, "one entry written");
	archive_entry_free(e);
	archive_write_free(a);

	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	ok(archive_read_open(a, &m, NULL, mem_read, NULL) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK,
	    "tar.gz read back");
	n = archive_read_data(a, data, sizeof(data));
	ok(strcmp(archive_entry_pathname(e), "dir/hello.txt") == 0 &&
	    archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_perm(e) == 0640 &&
	    archive_entry_mtime(e) == 1700000000 && n == 5 &&
	    memcmp(data, "hello", 5) == 0, "entry name, type, mode, mtime, data");
	archive_set_error(a, 22, "custom %s %d", "message", 7);
	ok(strcmp(archive_error_string(a), "custom message 7") == 0,
	    "archive_set_error formats through the wrapper");
	archive_read_free(a);
}

int
main(void)
{
	test_curl();
	test_archive();
	return done_testing();
}
