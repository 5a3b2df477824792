/*
 * Test mirror of org.jenkinsci.plugins.durabletask.AgentInfo (suid
 * 7599995179651071957, no serializable superclass), its OsType enum and
 * the GetAgentInfo callable (suid 1, field binaryVersion).
 */
package org.jenkinsci.plugins.durabletask;

import java.io.Serializable;
import jenkins.MasterToSlaveFileCallable;

public final class AgentInfo implements Serializable {
	private static final long serialVersionUID = 7599995179651071957L;

	public enum OsType {
		DARWIN, LINUX, WINDOWS, FREEBSD, ZOS, UNKNOWN
	}

	private OsType os;
	private String architecture;
	private boolean binaryCompatible;
	private boolean binaryCached;
	private String binaryPath;
	private boolean cachingAvailable;

	public OsType getOs() {
		return os;
	}

	public String getArchitecture() {
		return architecture;
	}

	public boolean isBinaryCompatible() {
		return binaryCompatible;
	}

	public boolean isBinaryCached() {
		return binaryCached;
	}

	public String getBinaryPath() {
		return binaryPath;
	}

	public boolean isCachingAvailable() {
		return cachingAvailable;
	}

	@Override
	public String toString() {
		return "AgentInfo{os=" + os + ", arch=" + architecture +
		    ", binaryCompatible=" + binaryCompatible + ", binaryPath=" +
		    binaryPath + "}";
	}

	public static final class GetAgentInfo extends MasterToSlaveFileCallable {
		private static final long serialVersionUID = 1L;
		private final String binaryVersion;

		public GetAgentInfo(String binaryVersion) {
			this.binaryVersion = binaryVersion;
		}
	}
}
