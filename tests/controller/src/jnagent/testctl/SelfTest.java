/*
 * SelfTest.java: checks the mirror classes against real remoting bytes.
 *
 *   java -cp classes jnagent.testctl.SelfTest <fixtures dir>
 *
 * Decodes every captured command of the real Java agent sessions in
 * <fixtures>/remoting/captures/ with the mirror classes (so names, fields
 * and serialVersionUIDs must match), decodes the nested payloads whose
 * classes are mirrored, and compares the mirrors' own output with the
 * validated byte strings of remoting-protocol.md.  TAP output.
 */
package jnagent.testctl;

import hudson.remoting.Channel;
import hudson.remoting.RemoteClassLoader;
import hudson.remoting.Response;
import hudson.remoting.UserRequest;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

public final class SelfTest {
	private static int n, failed;

	/* Tier-2 mirrors that appear in the jenkins-direct capture. */
	private static final String[] TIER2 = {
		"hudson.FilePath$Exists", "hudson.FilePath$IsDirectory",
		"hudson.FilePath$Mkdirs", "hudson.FilePath$Write",
		"hudson.FilePath$Read", "hudson.FilePath$ReadToString",
		"hudson.FilePath$DeleteRecursive", "hudson.FilePath$Archive",
		"hudson.FilePath$UntarRemote", "hudson.FilePath$LastModified",
		"hudson.FilePath$Chmod", "hudson.FilePath$TarCompression",
		"hudson.remoting.Pipe", "hudson.remoting.RemoteInputStream",
		"hudson.remoting.RemoteOutputStream",
		"hudson.util.DirScanner$Glob",
		"hudson.util.io.ArchiverFactory$TarArchiverFactory",
		"hudson.Launcher$RemoteLaunchCallable",
		"hudson.Launcher$IOTriplet",
		"hudson.Launcher$RemoteLauncher$KillTask",
		"hudson.util.StreamTaskListener",
		"jenkins.tasks.filters.EnvVarsFilterRuleWrapper",
		"org.jenkinsci.plugins.durabletask.AgentInfo$GetAgentInfo",
		"org.jenkinsci.plugins.durabletask.AgentInfo$OsType",
		"FileMonitoringController$WriteLog",
		"FileMonitoringController$StatusCheck",
		"FileMonitoringController$GetOutput",
		"FileMonitoringController$TranscodingCharsetForSystemDefault",
		"hudson.remoting.RemoteInvocationHandler$UserRPCRequest",
	};

	private static void ok(boolean cond, String what) {
		n++;
		if (!cond)
			failed++;
		System.out.println((cond ? "ok " : "not ok ") + n + " - " + what);
	}

	public static void main(String[] args) throws Exception {
		File caps = new File(args.length > 0 ? args[0] :
		    "/work/shared/fixtures", "remoting/captures");

		/* Validated bytes from remoting-protocol.md */
		ok(Headers.capabilityText(0x1FE).equals("rO0ABXNyABpodWRzb24ucmVtb3" +
		    "RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAf4="),
		    "Capability 0x1FE text matches the spec");
		byte[] close = Conn.serializeCommand(new Channel.CloseCommand(false));
		ok(HexFormat.of().formatHex(close).equals("aced0005737200246875647" +
		    "36f6e2e72656d6f74696e672e4368616e6e656c24436c6f7365436f6d6d616e" +
		    "640d804888bb5bd98302000078720017687564736f6e2e72656d6f74696e672e" +
		    "436f6d6d616e6400000000000000010200014c00096372656174656441747400" +
		    "154c6a6176612f6c616e672f457863657074696f6e3b787070"),
		    "CloseCommand(createdAt=null) is the 132-byte form of spec §4.8");
		byte[] nul = Payload.write(null, true);
		ok(Arrays.equals(nul, new byte[] { (byte)0xac, (byte)0xed, 0, 5, 0x70 }),
		    "null payload is ac ed 00 05 70");
		byte[] ping = Payload.write(new hudson.remoting.PingThread.Ping(), true);
		ok(ping.length == 62 && HexFormat.of().formatHex(ping).endsWith(
		    "770 8fffffffe0000000278 70".replace(" ", "")),
		    "PingThread$Ping payload is 62 bytes with EXPORTED oid 2");
		ok(Headers.decode("{ \"a\" : \"b\\u0041\\/\", \"c\":null}").toString()
		    .equals("{a=bA/, c=null}"), "header map parser");

		if (!caps.isDirectory()) {
			System.out.println("# no captures at " + caps + ", skipping those");
			System.out.println("1.." + n);
			System.exit(failed == 0 ? 0 : 1);
		}
		for (String dir : new String[] { "jenkins-direct" }) {
			File d = new File(caps, dir);
			File[] files = d.listFiles((x, f) -> f.matches("conn1-(tx|rx)-cmd\\d+\\.bin"));
			if (files == null)
				continue;
			Arrays.sort(files);
			int cmds = 0, bad = 0, payloads = 0, unmirrored = 0, users = 0;
			Set<String> missing = new TreeSet<>();
			Set<String> tier2 = new TreeSet<>();
			Set<String> diffs = new TreeSet<>();
			Set<String> unknown = new TreeSet<>();
			for (File f : files) {
				byte[] b = Files.readAllBytes(f.toPath());
				Object o;
				try (ObjectInputStream ois = new ObjectInputStream(
				    new ByteArrayInputStream(b))) {
					o = ois.readObject();
				} catch (ClassNotFoundException e) {
					missing.add(e.getMessage());
					continue;
				} catch (IOException e) {
					System.out.println("# " + f.getName() + ": " + e);
					bad++;
					continue;
				}
				cmds++;
				byte[] p = null;
				if (o instanceof UserRequest) {
					users++;
					UserRequest u = (UserRequest)o;
					p = u.getRequest();
					Object l = u.getClassLoaderProxy();
					if (!(l instanceof Proxy) && !(l instanceof
					    RemoteClassLoader.RemoteIClassLoader)) {
						System.out.println("# " + f.getName() +
						    ": classLoaderProxy " + l);
						bad++;
					}
				} else if (o instanceof Response &&
				    ((Response)o).getReturnValue() instanceof
				    UserRequest.NormalResponse) {
					p = ((UserRequest.NormalResponse)((Response)o)
					    .getReturnValue()).getResponse();
				}
				if (p == null)
					continue;
				try {
					Payload.Annotations ann = new Payload.Annotations();
					Payload.read(p, true, ann);
					diffs.addAll(ann.fieldDiffs);
					payloads++;
					String t = new String(p,
					    java.nio.charset.StandardCharsets.ISO_8859_1);
					for (String c : TIER2)
						if (t.contains(c))
							tier2.add(c);
				} catch (ClassNotFoundException e) {
					unmirrored++;
					unknown.add(e.getMessage());
				} catch (InvalidClassException e) {
					if (e.getMessage().contains("LOCAL annotation")) {
						payloads++;	/* capture's own loader oids */
					} else {
						System.out.println("# " + f.getName() + ": " + e);
						bad++;
					}
				} catch (IOException e) {
					String t = new String(p, java.nio.charset.StandardCharsets.ISO_8859_1);
					if (t.contains("hudson.remoting.Pipe") ||
					    t.contains("hudson.remoting.RemoteInputStream")) {
						unmirrored++;	/* skipped unmirrored custom data */
					} else {
						System.out.println("# " + f.getName() + ": " + e);
						bad++;
					}
				}
			}
			System.out.println("# " + dir + ": " + cmds + " commands, " +
			    users + " UserRequests, " + payloads + " payloads decoded, " +
			    unmirrored + " payloads with unmirrored classes");
			System.out.println("# payload classes not mirrored: " + unknown);
			ok(diffs.isEmpty(), dir + ": mirror fields match the " +
			    "captured class descriptors" + (diffs.isEmpty() ? "" :
			    " " + diffs));
			Set<String> notSeen = new TreeSet<>(List.of(TIER2));
			notSeen.removeAll(tier2);
			ok(notSeen.isEmpty(), dir + ": the pipeline mirrors (" +
			    TIER2.length + " classes) decode captured payloads" +
			    (notSeen.isEmpty() ? "" : ", not seen: " + notSeen));
			ok(bad == 0 && cmds > 0 && payloads > 10,
			    dir + ": captured commands decode with the mirror classes");
			ok(missing.isEmpty() || missing.stream().allMatch(
			    m -> m.startsWith("hudson.remoting.RemoteClassLoader$") ||
			    m.startsWith("hudson.remoting.ResourceImage") ||
			    m.startsWith("hudson.remoting.ProxyInputStream") ||
			    m.startsWith("hudson.remoting.Pipe") ||
			    m.startsWith("hudson.remoting.ProxyWriter")),
			    dir + ": only class-loading/stream commands unmirrored " +
			    missing);
		}
		System.out.println("1.." + n);
		System.exit(failed == 0 ? 0 : 1);
	}
}
