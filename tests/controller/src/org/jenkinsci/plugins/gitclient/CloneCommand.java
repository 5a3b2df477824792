/* Test mirror of git-client's CloneCommand builder interface: the test controller
 * only sends its Class object (RemoteGitImpl$CommandInvocationHandler.command). */
package org.jenkinsci.plugins.gitclient;

public interface CloneCommand {
}
