/* Test mirror of git-client's hudson.plugins.git.IGitAPI: the interface a
 * CLI client is exported as (Channel.export(IGitAPI.class, this)). */
package hudson.plugins.git;

public interface IGitAPI extends org.jenkinsci.plugins.gitclient.GitClient {
}
