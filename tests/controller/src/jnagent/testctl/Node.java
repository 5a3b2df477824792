/*
 * Node.java: the one inbound node the test controller knows: its name,
 * secret, and the cookie of its current channel (Jenkins' "already
 * connected" rule, remoting-protocol.md §2.4).
 */
package jnagent.testctl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;

final class Node {
	final String name;
	private final String secret;
	private String liveCookie;	/* cookie of the live channel, or null */
	private Conn live;
	private static final SecureRandom RANDOM = new SecureRandom();

	Node(String name, String secret) {
		this.name = name;
		this.secret = secret;
	}

	static String newCookie() {
		byte[] b = new byte[32];
		RANDOM.nextBytes(b);
		StringBuilder sb = new StringBuilder();
		for (byte x : b)
			sb.append(String.format("%02x", x & 0xff));
		return sb.toString();
	}

	boolean secretMatches(String s) {
		if (s == null)
			return false;
		return MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8),
		    s.getBytes(StandardCharsets.UTF_8));
	}

	/*
	 * Jenkins' rule: a node with a live channel refuses a new one unless
	 * the presented cookie matches; then the old channel is dropped.
	 * Returns null if accepted, else the refusal text.
	 */
	synchronized String admit(String presentedCookie) {
		if (live == null)
			return null;
		if (presentedCookie != null &&
		    presentedCookie.equalsIgnoreCase(liveCookie)) {
			Log.info("cookie matches the live channel: dropping it");
			live.kill();
			live = null;
			liveCookie = null;
			return null;
		}
		return name + " is already connected to this controller. " +
		    "Rejecting this connection.";
	}

	synchronized void setLive(Conn c, String cookie) {
		live = c;
		liveCookie = cookie;
	}

	/*
	 * Set by RegisterServer (--register-mode swarm-delete): when the live
	 * channel ends the node is deleted (deleted: refused as unknown)
	 * until it is registered again.
	 */
	volatile boolean deleteOnEnd, deleted;

	/* The channel ended (unless we pretend not to have noticed). */
	synchronized void ended(Conn c) {
		if (live == c && deleteOnEnd) {
			deleteOnEnd = false;
			deleted = true;
			Log.status("REGISTER swarm-deleted " + name);
		}
		if (live == c && !c.pretendAlive) {
			live = null;
			liveCookie = null;
		}
	}
}
