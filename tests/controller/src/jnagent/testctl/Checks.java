/*
 * Checks.java: the calls a Jenkins controller makes on an agent, each with
 * the check of its answer (type and plausible value).
 */
package jnagent.testctl;

import hudson.FilePath;
import hudson.model.Slave;
import hudson.node_monitors.ArchitectureMonitor;
import hudson.node_monitors.DiskSpaceMonitorDescriptor;
import hudson.node_monitors.ResponseTimeMonitor;
import hudson.node_monitors.SwapSpaceMonitor;
import hudson.node_monitors.TemporarySpaceMonitor;
import hudson.remoting.PingThread;
import hudson.remoting.ProxyException;
import hudson.remoting.UserRequest;
import hudson.slaves.ChannelPinger;
import hudson.slaves.SlaveComputer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import jenkins.slaves.StandardOutputSwapper;
import jenkins.slaves.restarter.JnlpSlaveRestarterInstaller;
import jenkins.slaves.restarter.SlaveRestarter;
import jenkins.slaves.restarter.UnixSlaveRestarter;
import jenkins.util.SystemProperties;
import org.example.NotSupported;

final class Checks {
	static final long CALL_TIMEOUT_MS = 15000;

	static final class Failed extends Exception {
		private static final long serialVersionUID = 1L;

		Failed(String msg) {
			super(msg);
		}
	}

	interface Check {
		/* null if fine, else what is wrong */
		String check(Object value);
	}

	private final Conn c;
	private final String remoteRoot;

	Checks(Conn c, String remoteRoot) {
		this.c = c;
		this.remoteRoot = remoteRoot;
	}

	static String shortName(Object callable) {
		String n = callable.getClass().getName();
		return n.substring(n.lastIndexOf('.') + 1);
	}

	/* Call, expect a normal answer that passes check. */
	Object expect(Object callable, Check check)
	    throws Failed, IOException, InterruptedException {
		String what = callable.getClass().getName();
		Log.say("-> " + what);
		return judge(what, call(callable), check);
	}

	private Conn.Result call(Object callable)
	    throws Failed, IOException, InterruptedException {
		try {
			return c.call(callable, CALL_TIMEOUT_MS);
		} catch (Conn.CallFailed e) {
			throw new Failed(e.getMessage());
		}
	}

	private Object judge(String what, Conn.Result r, Check check) throws Failed {
		if (r.thrown != null)
			throw new Failed(what + ": agent answered with exception " +
			    r.thrown);
		String err = check.check(r.value);
		Log.say("<- " + shortWhat(what) + ": " +
		    Conn.describe(r.value) + String.format(
		    "   (%.1f ms)", r.nanos / 1e6));
		if (err != null)
			throw new Failed(what + ": " + err + " (got " +
			    Conn.describe(r.value) + ")");
		return r.value;
	}

	/* "a.b.C$D(args.x)" -> "C$D(args.x)" */
	static String shortWhat(String what) {
		int p = what.indexOf('(');
		String head = p < 0 ? what : what.substring(0, p);
		return what.substring(head.lastIndexOf('.') + 1);
	}

	static Check isNull() {
		return v -> v == null ? null : "expected null";
	}

	static Check isType(Class<?> t) {
		return v -> t.isInstance(v) ? null : "expected a " + t.getName();
	}

	static int compareVersions(String a, String b) {
		/* Jenkins VersionNumber on the leading numeric components */
		String[] x = a.split("[.-]"), y = b.split("[.-]");
		for (int i = 0; i < Math.max(x.length, y.length); i++) {
			long p = i < x.length && x[i].matches("\\d+") ?
			    Long.parseLong(x[i]) : -1;
			long q = i < y.length && y[i].matches("\\d+") ?
			    Long.parseLong(y[i]) : -1;
			if (p != q)
				return Long.compare(p, q);
			if (p < 0)
				break;
		}
		return 0;
	}

	/* SlaveComputer.setChannel(): the fatal-if-failing calls, in order. */
	void connectSet() throws Failed, IOException, InterruptedException {
		expect(new SlaveComputer.SlaveVersion(), v -> {
			if (!(v instanceof String) || ((String)v).isEmpty())
				return "expected a non-empty String";
			if (compareVersions((String)v, Ctl.MIN_VERSION) < 0)
				return "older than the minimum " + Ctl.MIN_VERSION;
			return null;
		});
		String proto = c.wire.name();
		expect(new SlaveComputer.CommunicationProtocol(),
		    v -> proto.equals(v) ? null : "expected \"" + proto + "\"");
		expect(new SlaveComputer.DetectOS(),
		    v -> Boolean.TRUE.equals(v) ? null : "expected Boolean.TRUE");
		expect(new SlaveComputer.DetectDefaultCharset(), v -> {
			if (!(v instanceof String))
				return "expected a String";
			return Charset.isSupported((String)v) ? null :
			    "not a Java charset name";
		});
		expect(new SlaveComputer.AbsolutePath("jnagent-relative-root"), v -> {
			if (!(v instanceof String))
				return "expected a String";
			String s = (String)v;
			return s.startsWith("/") && s.endsWith("/jnagent-relative-root") &&
			    new File(s).isAbsolute() ? null :
			    "expected <agent cwd>/jnagent-relative-root";
		});
		expect(new SlaveComputer.SlaveInitializer(256), isNull());
	}

	/* ComputerListener.preOnline: remote ping set-up, first ping, etc. */
	void preOnline(int pingInterval, int pingTimeout)
	    throws Failed, IOException, InterruptedException {
		expect(new ChannelPinger.SetUpRemotePing(pingInterval, pingTimeout),
		    isNull());
		/* Jenkins' ping thread pings at once, concurrently */
		PingThread.Ping ping = new PingThread.Ping();
		UserRequest pr = c.buildRequest(ping);
		Log.say("-> hudson.remoting.PingThread$Ping (concurrent)");
		CompletableFuture<hudson.remoting.Response> pf = c.callAsync(pr);
		Map<String, String> snapshot = new HashMap<>();
		snapshot.put("hudson.util.StreamTaskListener.AUTO_FLUSH", "true");
		snapshot.put("hudson.Util.symlinkEscapeHatch", null);
		expect(new SystemProperties.AgentCopier.CopySystemProperties(snapshot),
		    isNull());
		expect(new StandardOutputSwapper.ChannelSwapper(),
		    isType(Boolean.class));
		try {
			judge("PingThread$Ping", c.await(pf, CALL_TIMEOUT_MS,
			    "PingThread$Ping"), isNull());
		} catch (Conn.CallFailed e) {
			throw new Failed(e.getMessage());
		}
	}

	void ping() throws Failed, IOException, InterruptedException {
		expect(new PingThread.Ping(), isNull());
	}

	/* ComputerListener.onOnline and the node monitors (sent in parallel). */
	void onlineSet() throws Failed, IOException, InterruptedException {
		List<SlaveRestarter> restarters = new ArrayList<>();
		restarters.add(new UnixSlaveRestarter());
		expect(new JnlpSlaveRestarterInstaller.FindEffectiveRestarters(
		    restarters), v -> v == null || v instanceof List ? null :
		    "expected null or a List");

		List<Object> calls = new ArrayList<>();
		List<Check> checks = new ArrayList<>();

		String arch = System.getProperty("os.name") + " (" +
		    System.getProperty("os.arch") + ")";
		calls.add(new ArchitectureMonitor.GetArchTask());
		checks.add(v -> arch.equals(v) ? null : "expected \"" + arch + "\"");

		long[] past5 = { 12, 7, 9 };
		long start = System.currentTimeMillis();
		calls.add(new ResponseTimeMonitor.Step2(
		    new ResponseTimeMonitor.Data(past5), start));
		checks.add(v -> {
			if (!(v instanceof ResponseTimeMonitor.Step3))
				return "expected ResponseTimeMonitor$Step3";
			ResponseTimeMonitor.Step3 s = (ResponseTimeMonitor.Step3)v;
			if (s.getStart() != start)
				return "start not echoed: " + s.getStart();
			if (s.getCur() != null &&
			    !Arrays.equals(s.getCur().getPast5(), past5))
				return "cur.past5 not echoed: " +
				    Arrays.toString(s.getCur().getPast5());
			return null;
		});

		calls.add(new Slave.GetClockDifference2(start));
		checks.add(v -> {
			if (!(v instanceof Slave.GetClockDifference3))
				return "expected Slave$GetClockDifference3";
			Slave.GetClockDifference3 d = (Slave.GetClockDifference3)v;
			if (d.getStartTime() != start)
				return "startTime not echoed";
			long skew = Math.abs(d.getRemoteTime() - System.currentTimeMillis());
			return skew < 10000 ? null : "remoteTime off by " + skew + " ms";
		});

		long memTotal = memTotalBytes();
		calls.add(new SwapSpaceMonitor.MonitorTask());
		checks.add(v -> {
			if (!(v instanceof SwapSpaceMonitor.MemoryUsage2))
				return "expected SwapSpaceMonitor$MemoryUsage2";
			SwapSpaceMonitor.MemoryUsage2 m = (SwapSpaceMonitor.MemoryUsage2)v;
			if (memTotal > 0 && Math.abs(m.totalPhysicalMemory - memTotal) >
			    memTotal / 50)
				return "totalPhysicalMemory " + m.totalPhysicalMemory +
				    " but /proc/meminfo says " + memTotal;
			if (m.availablePhysicalMemory < 0 ||
			    m.availablePhysicalMemory > m.totalPhysicalMemory)
				return "implausible availablePhysicalMemory";
			if (m.totalSwapSpace >= 0 && m.availableSwapSpace > m.totalSwapSpace)
				return "implausible swap figures";
			return null;
		});

		FilePath root = new FilePath(remoteRoot);
		calls.add(root.asCallableWith(
		    new DiskSpaceMonitorDescriptor.GetUsableSpace()));
		checks.add(diskSpace(remoteRoot));
		calls.add(root.asCallableWith(new TemporarySpaceMonitor.GetTempSpace()));
		checks.add(diskSpace(System.getProperty("java.io.tmpdir")));
		calls.add(new FilePath.FileCallableWrapper(
		    new DiskSpaceMonitorDescriptor.GetUsableSpace(), root));
		checks.add(diskSpace(remoteRoot));

		List<CompletableFuture<hudson.remoting.Response>> fs = new ArrayList<>();
		List<String> names = new ArrayList<>();
		for (Object o : calls) {
			String n = o.getClass().getName();
			if (o instanceof FilePath.FileCallableWrapper)
				n += "(GetUsableSpace)";
			else if (n.endsWith("$CallableWith"))
				n += "(" + o + ")";
			else if (o instanceof ResponseTimeMonitor.Step2)
				n += "(start=" + start + ", cur.past5=" +
				    Arrays.toString(past5) + ")";
			else if (o instanceof Slave.GetClockDifference2)
				n += "(startTime=" + start + ")";
			Log.say("-> " + n + " (async)");
			names.add(n);
			fs.add(c.callAsync(c.buildRequest(o)));
		}
		for (int i = 0; i < fs.size(); i++) {
			try {
				judge(names.get(i), c.await(fs.get(i), CALL_TIMEOUT_MS,
				    names.get(i)), checks.get(i));
			} catch (Conn.CallFailed e) {
				throw new Failed(e.getMessage());
			}
		}
	}

	private static long memTotalBytes() {
		try {
			for (String l : Files.readAllLines(Path.of("/proc/meminfo")))
				if (l.startsWith("MemTotal:"))
					return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
		} catch (IOException | NumberFormatException e) {
			/* not Linux */
		}
		return -1;
	}

	private static Check diskSpace(String dir) {
		return v -> {
			if (v == null)
				return "expected a DiskSpace (the disk has free space)";
			if (!(v instanceof DiskSpaceMonitorDescriptor.DiskSpace))
				return "expected DiskSpaceMonitorDescriptor$DiskSpace";
			DiskSpaceMonitorDescriptor.DiskSpace d =
			    (DiskSpaceMonitorDescriptor.DiskSpace)v;
			long here = new File(dir).getUsableSpace();
			if (d.getSize() <= 0)
				return "size " + d.getSize();
			if (d.getPath() == null || d.getPath().isEmpty())
				return "no path";
			long slack = Math.max(here / 20, 256L << 20);
			if (here > 0 && Math.abs(d.getSize() - here) > slack)
				return "size " + d.getSize() + " but " + dir + " has " +
				    here + " usable bytes";
			if (d.getTotalSize() != 0 && d.getTotalSize() < d.getSize())
				return "totalSize < size";
			return null;
		};
	}

	/* An unknown callable: ExceptionResponse naming it, channel still up. */
	void unknownCallable() throws Failed, IOException, InterruptedException {
		String cls = NotSupported.class.getName();
		Log.say("-> " + cls + " (unknown to any agent)");
		Conn.Result r = call(new NotSupported("no agent implements this"));
		if (r.thrown == null)
			throw new Failed(cls + ": expected an exception, got " +
			    Conn.describe(r.value));
		if (!r.hadProxy)
			throw new Failed(cls + ": ExceptionResponse.proxyResponse missing");
		String msg = String.valueOf(r.thrown.getMessage());
		Log.say("<- " + r.thrown.getClass().getName() + ": " + msg +
		    (r.hadRaw ? "" : " (proxyResponse only)"));
		if (!msg.contains(cls))
			throw new Failed(cls + ": exception message does not name " +
			    "the class: " + msg);
		if (!r.hadRaw && !(r.thrown instanceof ProxyException))
			throw new Failed(cls + ": proxyResponse is not a ProxyException");
		ping();
	}
}
