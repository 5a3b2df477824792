/* Test mirror of org.jvnet.hudson.MemoryUsage (memory-monitor library). */
package org.jvnet.hudson;

import java.io.Serializable;

public class MemoryUsage implements Serializable {
	private static final long serialVersionUID = 1L;
	public final long totalPhysicalMemory;
	public final long availablePhysicalMemory;
	public final long totalSwapSpace;
	public final long availableSwapSpace;

	public MemoryUsage(long totalPhysicalMemory, long availablePhysicalMemory,
	    long totalSwapSpace, long availableSwapSpace) {
		this.totalPhysicalMemory = totalPhysicalMemory;
		this.availablePhysicalMemory = availablePhysicalMemory;
		this.totalSwapSpace = totalSwapSpace;
		this.availableSwapSpace = availableSwapSpace;
	}

	@Override
	public String toString() {
		return "MemoryUsage[totalPhysical=" + totalPhysicalMemory +
		    ", availablePhysical=" + availablePhysicalMemory +
		    ", totalSwap=" + totalSwapSpace + ", availableSwap=" +
		    availableSwapSpace + "]";
	}
}
