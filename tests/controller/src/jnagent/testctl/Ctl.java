/*
 * Ctl.java: state shared by the listeners and the scenario: the node, the
 * identity, the established channels (in arrival order) and what happened
 * to the connections that never became channels.
 */
package jnagent.testctl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

final class Ctl {
	static final long CAPABILITY = 0x1FEL;
	static final String MIN_VERSION = "3176.v207ec082a_8c0";

	final Node node;
	final Identity identity;
	final boolean wrongIdentity;
	final int wsPingSeconds;
	volatile int tcpPort, httpPort;

	final AtomicInteger connections = new AtomicInteger();	/* channels */
	final AtomicInteger tcpAttempts = new AtomicInteger();	/* JNLP4 */
	final AtomicInteger tlsFailures = new AtomicInteger();
	final AtomicInteger headersReceived = new AtomicInteger();
	final AtomicInteger discoveries = new AtomicInteger();
	/* first socket accepted (HTTP or TCP) since the last resetContact() */
	final AtomicLong firstContactUs = new AtomicLong();
	private final BlockingQueue<Conn> conns = new LinkedBlockingQueue<>();
	/* refusals, TLS failures, handshake errors, in order */
	private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
	private final List<String> problems = new ArrayList<>();

	Ctl(Node node, Identity identity, boolean wrongIdentity, int wsPingSeconds) {
		this.node = node;
		this.identity = identity;
		this.wrongIdentity = wrongIdentity;
		this.wsPingSeconds = wsPingSeconds;
	}

	/* An accepted socket: its time (epoch µs), kept if the first. */
	long contact() {
		long now = Log.epochUs();
		firstContactUs.compareAndSet(0, now);
		return now;
	}

	/* The next connection attempt starts afresh (connect bench). */
	long resetContact() {
		return firstContactUs.getAndSet(0);
	}

	void established(Conn c) {
		Log.info("conn " + c.number + ": channel up over " +
		    c.wire.name() + ", agent capability 0x" +
		    Long.toHexString(c.agentMask) +
		    (c.presentedCookie != null ? ", cookie presented" : ""));
		c.start();
		conns.add(c);
	}

	Conn nextConn(long timeoutMs) throws InterruptedException {
		return conns.poll(timeoutMs, TimeUnit.MILLISECONDS);
	}

	void event(String e) {
		Log.info("event: " + e);
		events.add(e);
	}

	String nextEvent(long timeoutMs) throws InterruptedException {
		return events.poll(timeoutMs, TimeUnit.MILLISECONDS);
	}

	synchronized void problem(String p) {
		Log.info("PROBLEM: " + p);
		problems.add(p);
	}

	synchronized List<String> problems() {
		return new ArrayList<>(problems);
	}
}
