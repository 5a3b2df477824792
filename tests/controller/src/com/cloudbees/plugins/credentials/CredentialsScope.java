/* Test mirror of credentials' CredentialsScope (an enum). */
package com.cloudbees.plugins.credentials;

public enum CredentialsScope {
	SYSTEM, GLOBAL, USER
}
