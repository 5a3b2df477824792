/* Test mirror of credentials' BaseStandardCredentials (id, description)
 * over BaseCredentials (scope). */
package com.cloudbees.plugins.credentials.impl;

import com.cloudbees.plugins.credentials.CredentialsScope;
import java.io.Serializable;

public abstract class BaseStandardCredentials extends BaseCredentials {
	private static final long serialVersionUID = 1L;

	private final String id;
	private final String description;

	protected BaseStandardCredentials(CredentialsScope scope, String id,
	    String description) {
		super(scope);
		this.id = id;
		this.description = description;
	}
}
