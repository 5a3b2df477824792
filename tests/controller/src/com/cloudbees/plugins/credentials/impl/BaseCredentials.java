/* Test mirror of credentials' BaseCredentials (scope). */
package com.cloudbees.plugins.credentials.impl;

import com.cloudbees.plugins.credentials.CredentialsScope;
import java.io.Serializable;

public abstract class BaseCredentials implements Serializable {
	private static final long serialVersionUID = 1L;

	private final CredentialsScope scope;

	protected BaseCredentials(CredentialsScope scope) {
		this.scope = scope;
	}
}
