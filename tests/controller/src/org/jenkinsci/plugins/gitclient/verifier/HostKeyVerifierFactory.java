/* Test mirror of git-client's verifier.HostKeyVerifierFactory (no fields). */
package org.jenkinsci.plugins.gitclient.verifier;

import java.io.Serializable;

public abstract class HostKeyVerifierFactory implements Serializable {
	private static final long serialVersionUID = 1L;
}
