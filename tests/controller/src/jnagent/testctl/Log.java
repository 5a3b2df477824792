/* Log.java: details on stderr, the transcript (demo mode) on stdout. */
package jnagent.testctl;

import java.time.Instant;
import java.time.LocalTime;

final class Log {
	static volatile boolean transcript;
	static volatile boolean debug;

	private Log() {
	}

	/* Wall-clock time in microseconds since the epoch (bench timings). */
	static long epochUs() {
		Instant t = Instant.now();
		return t.getEpochSecond() * 1000000L + t.getNano() / 1000;
	}

	static synchronized void info(String msg) {
		System.err.println(LocalTime.now() + " testctl: " + msg);
	}

	static void debug(String msg) {
		if (debug)
			info(msg);
	}

	/* A line for humans (demo); always also on stderr. */
	static synchronized void say(String msg) {
		if (transcript) {
			System.out.println(msg);
			System.out.flush();
		}
		info(msg);
	}

	/* A machine-readable status line on stdout. */
	static synchronized void status(String msg) {
		System.out.println(msg);
		System.out.flush();
		info(msg);
	}
}
