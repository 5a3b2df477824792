/*
 * A callable no agent knows (stands for an unknown plugin class): the agent
 * must answer an ExceptionResponse naming it and keep the channel up.
 */
package org.example;

import jenkins.security.MasterToSlaveCallable;

public final class NotSupported extends MasterToSlaveCallable {
	private static final long serialVersionUID = 4242L;
	private final String detail;

	public NotSupported(String detail) {
		this.detail = detail;
	}
}
