/* Test mirror of git-client's ChangelogCommand builder interface: the test controller
 * only sends its Class object (RemoteGitImpl$CommandInvocationHandler.command). */
package org.jenkinsci.plugins.gitclient;

public interface ChangelogCommand {
}
