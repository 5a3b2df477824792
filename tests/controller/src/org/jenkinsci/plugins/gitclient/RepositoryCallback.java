/* Test mirror of git-client's RepositoryCallback (the argument of
 * GitClient.withRepository); only its implementations are sent. */
package org.jenkinsci.plugins.gitclient;

import java.io.Serializable;

public interface RepositoryCallback<T> extends Serializable {
}
