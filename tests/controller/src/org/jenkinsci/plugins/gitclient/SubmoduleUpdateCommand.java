/* Test mirror of git-client's SubmoduleUpdateCommand builder interface: the
 * test controller only sends its Class object. */
package org.jenkinsci.plugins.gitclient;

public interface SubmoduleUpdateCommand {
}
