/*
 * h_git.h: `checkout scm` (docs/git-checkout.md): git-client's GitClient
 * served natively over the git command line, as CliGitAPIImpl does.
 *
 *   Git$GitAPIMasterToSlaveFileCallable       -> exports a git client and
 *                                                answers RemoteGitImpl
 *   RPCs on that export (hudson.plugins.git.IGitAPI methods)
 *   RemoteGitImpl$CommandInvocationHandler$GitCommandMasterToSlaveCallable
 *                                             -> replays builder calls
 *
 * The parsing helpers are exposed for the unit tests.
 */
#ifndef JNAGENT_AGENT_H_GIT_H
#define JNAGENT_AGENT_H_GIT_H

#include <stddef.h>

#include "agent/handlers.h"

extern const struct handler h_git_handlers[];

/*
 * The URL of an org.eclipse.jgit.transport.URIish as toPrivateString()
 * gives it (password included: never log it), or NULL if n is not one.
 * Allocated in doc.
 */
char *git_uriish_string(struct jser_doc *doc, const struct jser_node *n);
/* RefSpec.toString() of an org.eclipse.jgit.transport.RefSpec, in doc. */
char *git_refspec_string(struct jser_doc *doc, const struct jser_node *n);
/* The 40 hex digits of an org.eclipse.jgit.lib.ObjectId into hex[41];
 * 0, or -1 if n is not one. */
int git_objectid_hex(const struct jser_node *n, char hex[41]);
/*
 * A copy of s for logs: the password of every "scheme://user:pass@" is
 * replaced by "****".  malloc'ed; NULL on ENOMEM.
 */
char *git_mask_url(const char *s);
/* Whether s is 40 hex digits then optional white space. */
int git_is_sha1(const char *s);
/*
 * LegacyCompatibleGitAPIImpl.extractBranchNameFromBranchSpec: the ref
 * getHeadRev(url, spec) asks ls-remote for.  malloc'ed; NULL on ENOMEM.
 */
char *git_branch_spec_name(const char *spec);
/*
 * One line of `git branch [-a] -v --no-abbrev` as CliGitAPIImpl's
 * parseBranches reads it ("* name sha1 subject"): 1 with *name and *sha
 * (40 hex digits) pointing into line, which is modified; 0 if the line
 * is not a branch.
 */
int git_branch_line(char *line, char **name, char **sha);

#endif
