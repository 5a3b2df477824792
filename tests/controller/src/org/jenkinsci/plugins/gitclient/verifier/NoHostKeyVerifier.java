/* Test mirror of git-client's verifier.NoHostKeyVerifier (no fields). */
package org.jenkinsci.plugins.gitclient.verifier;

public class NoHostKeyVerifier extends HostKeyVerifierFactory {
	private static final long serialVersionUID = 1L;
}
