/* Test mirror of credentials' UsernamePasswordCredentialsImpl (username,
 * password: a hudson.util.Secret, usernameSecret), as addCredentials()
 * sends it to the agent's GitClient. */
package com.cloudbees.plugins.credentials.impl;

import com.cloudbees.plugins.credentials.CredentialsScope;
import hudson.util.Secret;

public class UsernamePasswordCredentialsImpl extends BaseStandardCredentials {
	private static final long serialVersionUID = 1L;

	private final String username;
	private final Secret password;
	private Boolean usernameSecret = false;

	public UsernamePasswordCredentialsImpl(CredentialsScope scope, String id,
	    String description, String username, String password) {
		super(scope, id, description);
		this.username = username;
		this.password = new Secret(password);
	}
}
