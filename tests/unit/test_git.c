/*
 * test_git.c: the JGit value readers and log masking of agent/h_git.c.
 * The objects are built with the same binary names, fields and custom
 * data as JGit's URIish, RefSpec and ObjectId serialize, then read back
 * through an encode/decode round trip as they arrive from a controller.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/h_git.h"
#include "protocol/buf.h"
#include "protocol/jser.h"
#include "protocol/limits.h"
#include "tests/unit/tap.h"

static struct jser_doc *doc;

static struct jser_node *
str(const char *s)
{
	return s ? jser_new_string(doc, s, strlen(s)) : NULL;
}

static struct jser_node *
uriish(const char *scheme, const char *user, const char *pass,
    const char *host, int port, const char *path)
{
	struct jser_node	*d, *o;

	d = jser_new_desc(doc, "org.eclipse.jgit.transport.URIish", 1,
	    SC_SERIALIZABLE, NULL);
	if (d->u.desc.nfields == 0) {
		jser_desc_add_field(doc, d, 'I', "port", NULL);
		jser_desc_add_field(doc, d, 'L', "host", "Ljava/lang/String;");
		jser_desc_add_field(doc, d, 'L', "pass", "Ljava/lang/String;");
		jser_desc_add_field(doc, d, 'L', "path", "Ljava/lang/String;");
		jser_desc_add_field(doc, d, 'L', "rawPath",
		    "Ljava/lang/String;");
		jser_desc_add_field(doc, d, 'L', "scheme",
		    "Ljava/lang/String;");
		jser_desc_add_field(doc, d, 'L', "user", "Ljava/lang/String;");
	}
	o = jser_new_object(doc, d);
	jser_set_prim(o, "port", (uint32_t)port);
	jser_set_ref(o, "host", str(host));
	jser_set_ref(o, "pass", str(pass));
	jser_set_ref(o, "path", str(path));
	jser_set_ref(o, "rawPath", str(path));
	jser_set_ref(o, "scheme", str(scheme));
	jser_set_ref(o, "user", str(user));
	return o;
}

static struct jser_node *
refspec(bool force, const char *src, const char *dst)
{
	struct jser_node	*d, *o;

	d = jser_new_desc(doc, "org.eclipse.jgit.transport.RefSpec", 1,
	    SC_SERIALIZABLE, NULL);
	jser_desc_add_field(doc, d, 'Z', "force", NULL);
	jser_desc_add_field(doc, d, 'Z', "wildcard", NULL);
	jser_desc_add_field(doc, d, 'L', "dstName", "Ljava/lang/String;");
	jser_desc_add_field(doc, d, 'L', "srcName", "Ljava/lang/String;");
	o = jser_new_object(doc, d);
	jser_set_prim(o, "force", force);
	jser_set_prim(o, "wildcard", 1);
	jser_set_ref(o, "srcName", str(src));
	jser_set_ref(o, "dstName", str(dst));
	return o;
}

static struct jser_node *
objectid(const uint8_t raw[20])
{
	struct jser_node	*d, *o;
	struct jser_classdata	*cd;

	d = jser_new_desc(doc, "org.eclipse.jgit.lib.ObjectId", 1,
	    SC_SERIALIZABLE | SC_WRITE_METHOD, NULL);
	o = jser_new_object(doc, d);
	cd = jser_obj_classdata(o, NULL);
	cd->has_custom = true;
	jser_content_add_block(doc, &cd->custom, raw, 20);
	return o;
}

/* Encode n alone and decode it again (as a controller's bytes). */
static struct jser_node *
roundtrip(struct jser_node *n, struct jser_doc **out)
{
	struct wbuf		 w;
	struct jser_err		 err;
	struct jser_doc		*d;

	wbuf_init(&w, 1 << 20);
	if (jser_encode_node(n, &w) != PROTO_OK) {
		wbuf_free(&w);
		return NULL;
	}
	if (jser_decode(w.d, w.len, &proto_limits_default, &d, &err) !=
	    PROTO_OK) {
		wbuf_free(&w);
		return NULL;
	}
	wbuf_free(&w);
	*out = d;
	return jser_root(d);
}

int
main(void)
{
	struct jser_doc	*d = NULL, *scratch;
	struct jser_node *n;
	uint8_t		 raw[20];
	char		 hex[41], *m, *s;
	int		 i;

	doc = jser_doc_new();
	scratch = jser_doc_new();

	n = roundtrip(uriish("https", "bob", "s3cret", "git.example", 8443,
	    "/org/repo.git"), &d);
	ok(n != NULL, "URIish round trip");
	s = git_uriish_string(scratch, n);
	ok(s && strcmp(s, "https://bob:s3cret@git.example:8443/org/repo.git")
	    == 0, "URIish with credentials and port: %s", s ? s : "(null)");
	jser_doc_free(d);

	n = roundtrip(uriish(NULL, "git", NULL, "host", -1, "org/r.git"), &d);
	s = git_uriish_string(scratch, n);
	ok(s && strcmp(s, "git@host:org/r.git") == 0, "scp-like URIish: %s",
	    s ? s : "(null)");
	jser_doc_free(d);

	n = roundtrip(uriish("file", NULL, NULL, NULL, -1, "/srv/r.git"), &d);
	s = git_uriish_string(scratch, n);
	ok(s && strcmp(s, "file:///srv/r.git") == 0, "file URIish: %s",
	    s ? s : "(null)");
	ok(git_refspec_string(scratch, n) == NULL, "a URIish is no RefSpec");
	jser_doc_free(d);

	n = roundtrip(refspec(true, "refs/heads/*", "refs/remotes/origin/*"),
	    &d);
	s = git_refspec_string(scratch, n);
	ok(s && strcmp(s, "+refs/heads/*:refs/remotes/origin/*") == 0,
	    "forced wildcard refspec: %s", s ? s : "(null)");
	jser_doc_free(d);
	n = roundtrip(refspec(false, "refs/tags/v1", NULL), &d);
	s = git_refspec_string(scratch, n);
	ok(s && strcmp(s, "refs/tags/v1") == 0, "source-only refspec");
	jser_doc_free(d);

	for (i = 0; i < 20; i++)
		raw[i] = (uint8_t)(i * 13 + 1);
	n = roundtrip(objectid(raw), &d);
	ok(git_objectid_hex(n, hex) == 0, "ObjectId read");
	ok(strcmp(hex, "010e1b2835424f5c697683909daab7c4d1deebf8") == 0,
	    "ObjectId hex: %s", hex);
	ok(git_is_sha1(hex), "is a sha1");
	jser_doc_free(d);
	ok(!git_is_sha1("0123"), "short is no sha1");
	ok(git_is_sha1("0123456789abcdef0123456789abcdef01234567\n"),
	    "sha1 with a newline");
	ok(!git_is_sha1("0123456789abcdef0123456789abcdef01234567x"),
	    "sha1 with junk");

	m = git_mask_url("fetch -- https://u:pw@h/r.git and http://x/y "
	    "ssh://a@b/c https://u:@h/");
	ok(m && strcmp(m, "fetch -- https://u:****@h/r.git and http://x/y "
	    "ssh://a@b/c https://u:****@h/") == 0, "mask: %s", m ? m : "-");
	free(m);
	m = git_mask_url("a://b:c@");
	ok(m && strcmp(m, "a://b:****@") == 0, "mask at the end");
	free(m);
	m = git_mask_url("://:@://:@://:@");
	ok(m && strstr(m, "@") != NULL, "mask of a hostile string");
	free(m);

	/* extractBranchNameFromBranchSpec, as getHeadRev(url, spec) uses it */
	{
		static const char *const specs[][2] = {
			{ "origin/master", "master" },
			{ "master", "master" },
			{ "*/feature/x", "x" },
			{ "remotes/origin/feature/x", "refs/heads/feature/x" },
			{ "refs/remotes/origin/main", "refs/heads/main" },
			{ "refs/heads/rel/1.0", "refs/heads/rel/1.0" },
			{ "refs/tags/v1", "refs/tags/v1" },
		};

		for (i = 0; i < (int)(sizeof(specs) / sizeof(specs[0])); i++) {
			m = git_branch_spec_name(specs[i][0]);
			ok(m && strcmp(m, specs[i][1]) == 0,
			    "branch spec %s -> %s", specs[i][0], m ? m : "-");
			free(m);
		}
	}

	/* parseBranches lines */
	{
		char	 l1[] = "* master                   "
		    "0123456789abcdef0123456789abcdef01234567 first line";
		char	 l2[] = "  remotes/origin/feature "
		    "89abcdef0123456789abcdef0123456789abcdef";
		char	 l3[] = "* (HEAD detached at 0123456) "
		    "0123456789abcdef0123456789abcdef01234567 x";
		char	 l4[] = "  short 0123";
		char	 l5[] = "  remotes/origin/HEAD -> origin/master "
		    "and more words to be long enough";
		char	*nm = NULL, *sh = NULL;

		ok(git_branch_line(l1, &nm, &sh) == 1 &&
		    strcmp(nm, "master") == 0 && strcmp(sh,
		    "0123456789abcdef0123456789abcdef01234567") == 0,
		    "current branch line");
		ok(git_branch_line(l2, &nm, &sh) == 1 &&
		    strcmp(nm, "remotes/origin/feature") == 0 &&
		    strcmp(sh, "89abcdef0123456789abcdef0123456789abcdef") == 0,
		    "remote branch line without a subject");
		ok(git_branch_line(l3, &nm, &sh) == 0, "detached HEAD skipped");
		ok(git_branch_line(l4, &nm, &sh) == 0, "short line skipped");
		ok(git_branch_line(l5, &nm, &sh) == 0, "symbolic ref skipped");
	}

	jser_doc_free(scratch);
	jser_doc_free(doc);
	return done_testing();
}
