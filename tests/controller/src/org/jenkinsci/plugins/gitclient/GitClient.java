/* Test mirror of git-client's GitClient interface (only its name matters:
 * the agent exports the client as a proxy of hudson.plugins.git.IGitAPI). */
package org.jenkinsci.plugins.gitclient;

public interface GitClient {
}
