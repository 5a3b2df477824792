/* Test mirror of hudson.remoting.Capability (suid 1, long mask). */
package hudson.remoting;

import java.io.Serializable;

public final class Capability implements Serializable {
	private static final long serialVersionUID = 1L;

	public static final long MASK_MULTI_CLASSLOADER = 1L << 1;
	public static final long MASK_PIPE_THROTTLING = 1L << 2;
	public static final long PROXY_EXCEPTION_FALLBACK = 1L << 8;

	private final long mask;

	public Capability(long mask) {
		this.mask = mask;
	}

	public long getMask() {
		return mask;
	}
}
