/*
 * JserPeer: the JDK side of tests/unit/test_jdk_interop (JDK only).
 *
 *   java JserPeer write DIR   writes one stream per grammar element with
 *                             ObjectOutputStream (DIR/NAME.ser) and what the
 *                             C decoder must find in it (DIR/NAME.expect)
 *   java JserPeer read DIR    reads the streams the C side wrote
 *                             (DIR/c-NAME.ser) with ObjectInputStream and
 *                             checks every value; prints TAP
 *
 * Expect file lines (parsed by test_jdk_interop.c):
 *   top N                     number of top-level contents
 *   decode-error              the stream must be rejected (no crash)
 *   PATH ASSERTION ARGS...    PATH = tN then /f=FIELD /a=I /l=I /k=I /v=I
 *                             /exc steps; strings are hex of their UTF-8.
 */
import java.io.ByteArrayOutputStream;
import java.io.Externalizable;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import java.io.ObjectOutput;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

public class JserPeer {
	/* ---- test classes (the C side knows their layouts) ---- */

	public enum Color { RED, GREEN, BLUE }

	public interface Iface { String hello(); }

	public static class Point implements Serializable {
		private static final long serialVersionUID = 1L;
		int x, y;
		String label;
		Point self;
	}

	/* writeObject: defaultWriteObject, then primitives and objects. */
	public static class Custom implements Serializable {
		private static final long serialVersionUID = 42L;
		int a;
		String s;
		transient int extraInt;
		transient String extraObj;
		transient long extraLong;
		transient String extraUtf;
		transient boolean extraBool;
		transient double extraDouble;

		private void writeObject(ObjectOutputStream o) throws IOException {
			o.defaultWriteObject();
			o.writeInt(extraInt);
			o.writeObject(extraObj);
			o.writeLong(extraLong);
			o.writeUTF(extraUtf);
			o.writeBoolean(extraBool);
			o.writeDouble(extraDouble);
		}

		private void readObject(ObjectInputStream i)
		    throws IOException, ClassNotFoundException {
			i.defaultReadObject();
			extraInt = i.readInt();
			extraObj = (String)i.readObject();
			extraLong = i.readLong();
			extraUtf = i.readUTF();
			extraBool = i.readBoolean();
			extraDouble = i.readDouble();
		}
	}

	/* writeObject without defaultWriteObject although a field is declared. */
	public static class NoDefault implements Serializable {
		private static final long serialVersionUID = 43L;
		int hidden;
		String name;

		private void writeObject(ObjectOutputStream o) throws IOException {
			o.writeInt(hidden * 2);
			o.writeObject(name);
		}

		private void readObject(ObjectInputStream i)
		    throws IOException, ClassNotFoundException {
			hidden = i.readInt() / 2;
			name = (String)i.readObject();
		}
	}

	/* Externalizable: protocol 2 block-data mode. */
	public static class Ext implements Externalizable {
		private static final long serialVersionUID = 44L;
		int v;
		String s;

		public Ext() {
		}

		public void writeExternal(ObjectOutput out) throws IOException {
			out.writeInt(v);
			out.writeObject(s);
			out.writeUTF("ext");
		}

		public void readExternal(ObjectInput in)
		    throws IOException, ClassNotFoundException {
			v = in.readInt();
			s = (String)in.readObject();
			if (!"ext".equals(in.readUTF()))
				throw new IOException("bad Ext");
		}
	}

	public static class Handler implements InvocationHandler, Serializable {
		private static final long serialVersionUID = 45L;
		String tag;

		public Object invoke(Object p, Method m, Object[] a) {
			return tag;
		}
	}

	/* writeObject fails after writing part of its data: TC_EXCEPTION. */
	public static class Partial implements Serializable {
		private static final long serialVersionUID = 46L;

		private void writeObject(ObjectOutputStream o) throws IOException {
			o.writeInt(1);
			throw new IOException("partial write");
		}
	}

	/* writeReplace fails before anything is written: TC_EXCEPTION at the
	 * top level of an otherwise clean stream. */
	public static class Refused implements Serializable {
		private static final long serialVersionUID = 47L;

		private Object writeReplace() throws ObjectStreamException {
			throw new InvalidObjectException("refused");
		}
	}

	/* ---- writing ---- */

	static File dir;
	static int written;

	static String hex(byte[] b) {
		if (b.length == 0)
			return "-";
		StringBuilder sb = new StringBuilder();
		for (byte x : b)
			sb.append(String.format("%02x", x & 0xff));
		return sb.toString();
	}

	static String hs(String s) {
		return hex(s.getBytes(StandardCharsets.UTF_8));
	}

	/* Java's modified UTF-8, as writeUTF writes it (without the length). */
	static String mutf8(String s) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		java.io.DataOutputStream d = new java.io.DataOutputStream(b);
		d.writeUTF(s);
		byte[] all = b.toByteArray();
		return hex(Arrays.copyOfRange(all, 2, all.length));
	}

	interface Body {
		void write(ObjectOutputStream o) throws IOException;
	}

	static void stream(String name, Body body, String... expect)
	    throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		ObjectOutputStream o = new ObjectOutputStream(b);
		body.write(o);
		o.flush();
		Files.write(new File(dir, name + ".ser").toPath(), b.toByteArray());
		StringBuilder sb = new StringBuilder();
		for (String e : expect)
			sb.append(e).append('\n');
		Files.write(new File(dir, name + ".expect").toPath(),
		    sb.toString().getBytes(StandardCharsets.UTF_8));
		written++;
	}

	static String fbits(float f) {
		return String.format("%08x", Float.floatToRawIntBits(f));
	}

	static String dbits(double d) {
		return String.format("%016x", Double.doubleToRawLongBits(d));
	}

	static String[] concat(List<String> l) {
		return l.toArray(new String[0]);
	}

	static void writeAll() throws Exception {
		/* strings */
		String[] strs = { "hello", "", "a\u0000b", "\u00e4\u20ac\u4e2d",
		    "smile \ud83d\ude00 end", "tab\tquote\"back\\" };
		for (int i = 0; i < strs.length; i++) {
			final String s = strs[i];
			stream("string-" + i, o -> o.writeObject(s), "top 1",
			    "t0 string " + hs(s), "t0 short-string");
		}
		StringBuilder lb = new StringBuilder();
		for (int i = 0; i < 70000; i++)
			lb.append((char)('a' + i % 26));
		lb.append("\u00e9\ud83d\ude00\u0000");
		final String longs = lb.toString();
		stream("string-long", o -> o.writeObject(longs), "top 1",
		    "t0 string " + hs(longs), "t0 long-string");

		/* boxed primitives with extreme values */
		stream("boxed-boolean", o -> {
			o.writeObject(Boolean.TRUE);
			o.writeObject(Boolean.FALSE);
		}, "top 2", "t0 class java.lang.Boolean", "t0 bool 1", "t1 bool 0");
		stream("boxed-byte", o -> {
			o.writeObject(Byte.MIN_VALUE);
			o.writeObject(Byte.MAX_VALUE);
			o.writeObject((byte)0);
		}, "top 3", "t0 class java.lang.Byte", "t0 int -128", "t1 int 127",
		    "t2 int 0");
		stream("boxed-short", o -> {
			o.writeObject(Short.MIN_VALUE);
			o.writeObject(Short.MAX_VALUE);
		}, "top 2", "t0 int -32768", "t1 int 32767");
		stream("boxed-char", o -> {
			o.writeObject('\u0000');
			o.writeObject('\uffff');
			o.writeObject('A');
		}, "top 3", "t0 class java.lang.Character", "t0 int 0",
		    "t1 int 65535", "t2 int 65");
		stream("boxed-int", o -> {
			o.writeObject(Integer.MIN_VALUE);
			o.writeObject(Integer.MAX_VALUE);
			o.writeObject(-1);
		}, "top 3", "t0 class java.lang.Integer",
		    "t0 int -2147483648", "t1 int 2147483647", "t2 int -1");
		stream("boxed-long", o -> {
			o.writeObject(Long.MIN_VALUE);
			o.writeObject(Long.MAX_VALUE);
		}, "top 2", "t0 class java.lang.Long",
		    "t0 int -9223372036854775808", "t1 int 9223372036854775807");
		final float[] fv = { Float.NaN, Float.POSITIVE_INFINITY,
		    Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, -0.0f,
		    1.5f };
		List<String> fe = new ArrayList<>();
		fe.add("top " + fv.length);
		for (int i = 0; i < fv.length; i++)
			fe.add("t" + i + " bits " + fbits(fv[i]));
		fe.add("t0 class java.lang.Float");
		stream("boxed-float", o -> {
			for (float f : fv)
				o.writeObject(f);
		}, concat(fe));
		final double[] dv = { Double.NaN, Double.POSITIVE_INFINITY,
		    Double.MIN_VALUE, Double.MAX_VALUE, -0.0, Math.PI };
		List<String> de = new ArrayList<>();
		de.add("top " + dv.length);
		for (int i = 0; i < dv.length; i++)
			de.add("t" + i + " bits " + dbits(dv[i]));
		de.add("t0 class java.lang.Double");
		stream("boxed-double", o -> {
			for (double d : dv)
				o.writeObject(d);
		}, concat(de));

		/* primitive arrays */
		stream("array-byte", o -> o.writeObject(new byte[] { 0, -1, 127,
		    -128, 5 }), "top 1", "t0 class [B", "t0 length 5",
		    "t0 prim 00ff7f8005");
		stream("array-char", o -> o.writeObject(new char[] { 'a',
		    '\uffff', 0 }), "t0 class [C", "t0 prim 0061ffff0000");
		stream("array-short", o -> o.writeObject(new short[] {
		    Short.MIN_VALUE, 1 }), "t0 class [S", "t0 prim 80000001");
		stream("array-int", o -> o.writeObject(new int[] {
		    Integer.MIN_VALUE, -1, 7 }), "t0 class [I",
		    "t0 prim 80000000ffffffff00000007");
		stream("array-long", o -> o.writeObject(new long[] {
		    Long.MIN_VALUE, 2 }), "t0 class [J",
		    "t0 prim 80000000000000000000000000000002");
		stream("array-float", o -> o.writeObject(new float[] { Float.NaN,
		    -0.0f }), "t0 class [F", "t0 prim " + fbits(Float.NaN) +
		    fbits(-0.0f));
		stream("array-double", o -> o.writeObject(new double[] { 1.0,
		    Double.NEGATIVE_INFINITY }), "t0 class [D", "t0 prim " +
		    dbits(1.0) + dbits(Double.NEGATIVE_INFINITY));
		stream("array-boolean", o -> o.writeObject(new boolean[] { true,
		    false, true }), "t0 class [Z", "t0 prim 010001");
		stream("array-empty", o -> o.writeObject(new int[0]),
		    "t0 class [I", "t0 length 0");
		stream("array-multi", o -> o.writeObject(new int[][] { { 1, 2 },
		    { 3 }, null }), "t0 class [[I", "t0 length 3",
		    "t0/a=0 class [I", "t0/a=0 prim 0000000100000002",
		    "t0/a=1 prim 00000003", "t0/a=2 null");
		stream("array-string2d", o -> o.writeObject(new String[][] {
		    { "x", "y" }, {} }), "t0 class [[Ljava.lang.String;",
		    "t0/a=0 class [Ljava.lang.String;", "t0/a=0/a=1 string " +
		    hs("y"), "t0/a=1 length 0");
		stream("array-object", o -> o.writeObject(new Object[] { 1, "s",
		    null, new long[] { 9 } }), "t0 class [Ljava.lang.Object;",
		    "t0 length 4", "t0/a=0 int 1", "t0/a=1 string " + hs("s"),
		    "t0/a=2 null", "t0/a=3 prim 0000000000000009");
		stream("array-string", o -> o.writeObject(new String[] { "a",
		    null, "\u00fc" }), "t0 class [Ljava.lang.String;",
		    "t0 length 3", "t0/a=0 string " + hs("a"), "t0/a=1 null",
		    "t0/a=2 string " + hs("\u00fc"));

		/* enums and classes */
		stream("enum", o -> {
			o.writeObject(Color.GREEN);
			o.writeObject(TimeUnit.SECONDS);
			o.writeObject(Color.GREEN);
			o.writeObject(Color.BLUE);
		}, "top 4", "t0 enum JserPeer$Color GREEN",
		    "t1 enum java.util.concurrent.TimeUnit SECONDS", "t2 same t0",
		    "t3 enum JserPeer$Color BLUE");
		stream("class", o -> o.writeObject(new Object[] { String.class,
		    int.class, int[].class, Color.class, Point.class, void.class }),
		    "t0/a=0 classobj java.lang.String", "t0/a=1 classobj int",
		    "t0/a=2 classobj [I", "t0/a=3 classobj JserPeer$Color",
		    "t0/a=4 classobj JserPeer$Point", "t0/a=5 classobj void");

		/* a dynamic proxy */
		stream("proxy", o -> {
			Handler h = new Handler();
			h.tag = "proxied";
			o.writeObject(Proxy.newProxyInstance(
			    JserPeer.class.getClassLoader(),
			    new Class<?>[] { Iface.class, Runnable.class }, h));
		}, "top 1", "t0 proxy JserPeer$Iface,java.lang.Runnable",
		    "t0/f=h class JserPeer$Handler", "t0/f=h/f=tag string " +
		    hs("proxied"));

		/* references and cycles */
		stream("cycle", o -> {
			Point p = new Point();
			p.x = 3;
			p.y = -4;
			p.label = "pt";
			p.self = p;
			String s = "twice";
			o.writeObject(new Object[] { p, s, s, p.label });
		}, "top 1", "t0/a=0 class JserPeer$Point", "t0/a=0 field x 3",
		    "t0/a=0 field y -4", "t0/a=0/f=self same t0/a=0",
		    "t0/a=1 string " + hs("twice"), "t0/a=2 same t0/a=1",
		    "t0/a=3 same t0/a=0/f=label");

		/* TC_RESET between two writes of the same objects */
		stream("reset", o -> {
			String s = "again";
			o.writeObject(s);
			o.writeObject(s);
			o.reset();
			o.writeObject(s);
		}, "top 4", "t0 string " + hs("again"), "t1 same t0", "t2 reset",
		    "t3 string " + hs("again"));

		/* TC_EXCEPTION: at the top level, and after a partial write */
		stream("exception-top", o -> {
			try {
				o.writeObject(new Refused());
			} catch (InvalidObjectException e) {
				/* ObjectOutputStream wrote TC_EXCEPTION */
			}
			o.writeObject("after");
		}, "top 2", "t0 exception", "t0/exc throwable " +
		    "java.io.InvalidObjectException " + hs("refused"),
		    "t1 string " + hs("after"));
		stream("exception-partial", o -> {
			try {
				o.writeObject(new Partial());
			} catch (IOException e) {
				/* ObjectOutputStream wrote TC_EXCEPTION inside
				 * the unfinished object */
			}
		}, "decode-error");

		/* custom writeObject data */
		stream("custom", o -> {
			Custom c = new Custom();
			c.a = 77;
			c.s = "field";
			c.extraInt = 7;
			c.extraObj = "extra";
			c.extraLong = -1L;
			c.extraUtf = "utf\u00e9";
			c.extraBool = true;
			c.extraDouble = 1.5;
			o.writeObject(c);
		}, "top 1", "t0 class JserPeer$Custom", "t0 field a 77",
		    "t0/f=s string " + hs("field"),
		    "t0 custom JserPeer$Custom i:7 o:str:" + hs("extra") +
		    " j:-1 utf:" + mutf8("utf\u00e9") + " z:1 d:" + dbits(1.5) +
		    " end");
		stream("nodefault", o -> {
			NoDefault n = new NoDefault();
			n.hidden = 21;
			n.name = "nd";
			o.writeObject(n);
		}, "top 1", "t0 class JserPeer$NoDefault",
		    "t0 nofields JserPeer$NoDefault",
		    "t0 custom JserPeer$NoDefault i:42 o:str:" + hs("nd") + " end");
		stream("externalizable", o -> {
			Ext e = new Ext();
			e.v = -5;
			e.s = "ext-s";
			o.writeObject(e);
		}, "top 1", "t0 class JserPeer$Ext",
		    "t0 custom JserPeer$Ext i:-5 o:str:" + hs("ext-s") + " utf:" +
		    mutf8("ext") + " end");

		/* collections */
		final ArrayList<Object> al = new ArrayList<>();
		al.add("one");
		al.add(2);
		al.add(null);
		al.add(3L);
		stream("arraylist", o -> o.writeObject(al), "top 1",
		    "t0 class java.util.ArrayList", "t0 length 4",
		    "t0/l=0 string " + hs("one"), "t0/l=1 int 2", "t0/l=2 null",
		    "t0/l=3 int 3");
		stream("lists", o -> {
			LinkedList<String> ll = new LinkedList<>(List.of("l1", "l2"));
			o.writeObject(ll);
			o.writeObject(Arrays.asList("a1", "a2", "a3"));
			o.writeObject(Collections.unmodifiableList(
			    new ArrayList<>(List.of("u1"))));
			o.writeObject(Collections.emptyList());
			o.writeObject(Collections.singletonList("s1"));
			o.writeObject(new Vector<>(List.of("v1", "v2")));
		}, "top 6", "t0 length 2", "t0/l=1 string " + hs("l2"),
		    "t1 length 3", "t1/l=2 string " + hs("a3"), "t2 length 1",
		    "t2/l=0 string " + hs("u1"), "t3 length 0",
		    "t3 class java.util.Collections$EmptyList", "t4 length 1",
		    "t4/l=0 string " + hs("s1"), "t5 length 2",
		    "t5/l=1 string " + hs("v2"));

		List<String> me = new ArrayList<>();
		final HashMap<String, Object> hm = new HashMap<>();
		for (int i = 0; i < 20; i++)
			hm.put("key" + i, i);
		int k = 0;
		me.add("top 1");
		me.add("t0 class java.util.HashMap");
		me.add("t0 length 20");
		for (Map.Entry<String, Object> e : hm.entrySet()) {
			me.add("t0/k=" + k + " string " + hs(e.getKey()));
			me.add("t0/v=" + k + " int " + e.getValue());
			k++;
		}
		stream("hashmap", o -> o.writeObject(hm), concat(me));

		final LinkedHashMap<String, String> lhm = new LinkedHashMap<>();
		lhm.put("z", "last-first");
		lhm.put("a", "second");
		stream("linkedhashmap", o -> o.writeObject(lhm), "top 1",
		    "t0 class java.util.LinkedHashMap", "t0 length 2",
		    "t0/k=0 string " + hs("z"), "t0/v=0 string " + hs("last-first"),
		    "t0/k=1 string " + hs("a"));
		final TreeMap<String, Integer> tm = new TreeMap<>();
		tm.put("b", 2);
		tm.put("a", 1);
		tm.put("C", 3);
		stream("treemap", o -> o.writeObject(tm), "top 1",
		    "t0 class java.util.TreeMap", "t0 length 3",
		    "t0/f=comparator null", "t0/k=0 string " + hs("C"),
		    "t0/k=1 string " + hs("a"), "t0/v=2 int 2");
		final TreeMap<String, Integer> tmc =
		    new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		tmc.put("b", 2);
		tmc.put("a", 1);
		tmc.put("C", 3);
		stream("treemap-ci", o -> o.writeObject(tmc), "top 1",
		    "t0 length 3",
		    "t0/f=comparator class java.lang.String$CaseInsensitiveComparator",
		    "t0/k=0 string " + hs("a"), "t0/k=1 string " + hs("b"),
		    "t0/k=2 string " + hs("C"), "t0/v=2 int 3");
		final HashSet<String> hs1 = new HashSet<>(List.of("only"));
		final LinkedHashSet<String> lhs = new LinkedHashSet<>(
		    List.of("s2", "s1"));
		final TreeSet<String> ts = new TreeSet<>(List.of("t2", "t1"));
		stream("sets", o -> {
			o.writeObject(hs1);
			o.writeObject(lhs);
			o.writeObject(ts);
			o.writeObject(Collections.unmodifiableSet(lhs));
		}, "top 4", "t0 class java.util.HashSet", "t0 length 1",
		    "t0/l=0 string " + hs("only"), "t1 length 2",
		    "t1/l=0 string " + hs("s2"), "t2 length 2",
		    "t2/l=0 string " + hs("t1"), "t3 length 2",
		    "t3/l=1 same t1/l=1");
		final Hashtable<String, String> ht = new Hashtable<>();
		ht.put("hk", "hv");
		final Properties pr = new Properties();
		pr.setProperty("pk", "pv");
		final ConcurrentHashMap<String, String> chm =
		    new ConcurrentHashMap<>();
		chm.put("ck", "cv");
		stream("maps", o -> {
			o.writeObject(ht);
			o.writeObject(pr);
			o.writeObject(chm);
			o.writeObject(Collections.unmodifiableMap(lhm));
			o.writeObject(Collections.emptyMap());
			o.writeObject(Collections.singletonMap("sk", "sv"));
		}, "top 6", "t0 class java.util.Hashtable", "t0 length 1",
		    "t0/k=0 string " + hs("hk"), "t0/v=0 string " + hs("hv"),
		    "t1 class java.util.Properties", "t1 length 1",
		    "t1/v=0 string " + hs("pv"), "t2 length 1",
		    "t2/k=0 string " + hs("ck"), "t3 length 2",
		    "t3/v=1 string " + hs("second"), "t4 length 0",
		    "t5 length 1", "t5/v=0 string " + hs("sv"));

		/* exceptions with cause, stack trace and suppressed */
		IOException ex = new IOException("outer",
		    new IllegalStateException("inner"));
		ex.addSuppressed(new RuntimeException("sup"));
		final IOException fex = ex;
		StackTraceElement top = ex.getStackTrace()[0];
		stream("exception", o -> o.writeObject(fex), "top 1",
		    "t0 throwable java.io.IOException " + hs("outer"),
		    "t0/f=cause throwable java.lang.IllegalStateException " +
		    hs("inner"), "t0/f=cause nocause",
		    "t0/f=stackTrace length " + ex.getStackTrace().length,
		    "t0/f=stackTrace/a=0 class java.lang.StackTraceElement",
		    "t0/f=stackTrace/a=0/f=methodName string " +
		    hs(top.getMethodName()),
		    "t0/f=stackTrace/a=0/f=declaringClass string " +
		    hs(top.getClassName()),
		    "t0/f=stackTrace/a=0 field lineNumber " + top.getLineNumber(),
		    "t0/f=suppressedExceptions class java.util.ArrayList",
		    "t0/f=suppressedExceptions length 1",
		    "t0/f=suppressedExceptions/l=0 throwable " +
		    "java.lang.RuntimeException " + hs("sup"),
		    "t0/f=cause/f=suppressedExceptions " +
		    "class java.util.Collections$EmptyList");

		/* byte-exact references for the C encoder */
		stream("exact-string", o -> o.writeObject(
		    "hello\u0000w\u00f6rld\ud83d\ude00"), "top 1");
		stream("exact-integer", o -> o.writeObject(10), "top 1",
		    "t0 int 10");
		stream("exact-arraylist", o -> {
			ArrayList<Object> l = new ArrayList<>();
			l.add("a");
			l.add(1);
			l.add(null);
			l.add(5L);
			l.add(true);
			o.writeObject(l);
		}, "top 1", "t0 length 5");
		stream("exact-hashmap", o -> {
			HashMap<String, String> m = new HashMap<>();
			for (int i = 0; i < 30; i++)
				m.put("k" + i, "v" + i);
			o.writeObject(m);
		}, "top 1", "t0 length 30");
		stream("exact-hashmap-small", o -> {
			HashMap<Object, Object> m = new HashMap<>();
			m.put("PATH", "/usr/bin");
			m.put(7, 8L);
			m.put("HOME", "/root");
			o.writeObject(m);
			o.writeObject(new HashMap<String, String>());
		}, "top 2", "t0 length 3", "t1 length 0");
		stream("exact-hashmap-collide", o -> {
			/* 10 keys in one bucket: treeifyBin resizes the table
			 * twice (16 -> 32 -> 64) instead of making a tree */
			HashMap<Object, Object> m = new HashMap<>();
			for (int i = 0; i < 10; i++)
				m.put(i * 64, i);
			m.put(1.5, "d");
			m.put(Boolean.TRUE, "z");
			m.put(2.5f, "f");
			o.writeObject(m);
		}, "top 1", "t0 length 13");
		stream("exact-treemap-ci", o -> {
			TreeMap<String, Object> m =
			    new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
			m.put("b", 1);
			m.put("A", 2);
			m.put("c", "three");
			o.writeObject(m);
		}, "top 1", "t0 length 3");
	}

	/* ---- reading the C side's streams ---- */

	static int tapN, tapFailed;

	static void ok(boolean cond, String what) {
		tapN++;
		if (!cond)
			tapFailed++;
		System.out.println((cond ? "ok " : "not ok ") + tapN + " - " + what);
	}

	static Object[] readAll(String name) throws Exception {
		File f = new File(dir, "c-" + name + ".ser");
		List<Object> out = new ArrayList<>();
		try (ObjectInputStream in = new ObjectInputStream(
		    new FileInputStream(f))) {
			for (;;) {
				try {
					out.add(in.readObject());
				} catch (java.io.EOFException e) {
					break;
				}
			}
		}
		return out.toArray();
	}

	interface Check {
		void run(Object[] v) throws Exception;
	}

	static void check(String name, Check c) {
		try {
			c.run(readAll(name));
		} catch (Throwable t) {
			ok(false, "c-" + name + ": " + t);
		}
	}

	static void readChecks() {
		check("string", v -> {
			ok(v.length == 3, "c-string: 3 strings");
			ok("hello".equals(v[0]), "c-string: ascii");
			ok("nul\u0000in".equals(v[1]), "c-string: NUL as C0 80");
			ok("\u00e4\u20ac \ud83d\ude00".equals(v[2]),
			    "c-string: BMP and surrogate pair");
		});
		check("boxed", v -> {
			ok(Boolean.TRUE.equals(v[0]), "c-boxed: Boolean true");
			ok(Byte.valueOf((byte)-128).equals(v[1]), "c-boxed: Byte");
			ok(Short.valueOf((short)-2).equals(v[2]), "c-boxed: Short");
			ok(Character.valueOf('\u20ac').equals(v[3]),
			    "c-boxed: Character");
			ok(Integer.valueOf(Integer.MIN_VALUE).equals(v[4]),
			    "c-boxed: Integer");
			ok(Long.valueOf(Long.MAX_VALUE).equals(v[5]), "c-boxed: Long");
			ok(v[6] instanceof Float && Float.floatToRawIntBits(
			    (Float)v[6]) == Float.floatToRawIntBits(-0.0f),
			    "c-boxed: Float -0.0");
			ok(v[7] instanceof Double && ((Double)v[7]).isNaN(),
			    "c-boxed: Double NaN");
			ok(Double.valueOf(Math.PI).equals(v[8]), "c-boxed: Double pi");
		});
		check("arrays", v -> {
			ok(Arrays.equals((byte[])v[0], new byte[] { 1, -2, 3 }),
			    "c-arrays: byte[]");
			ok(Arrays.equals((int[])v[1], new int[] { -1, 0,
			    Integer.MAX_VALUE }), "c-arrays: int[]");
			ok(Arrays.equals((long[])v[2], new long[] { Long.MIN_VALUE }),
			    "c-arrays: long[]");
			ok(Arrays.equals((double[])v[3], new double[] { 0.5, -2 }),
			    "c-arrays: double[]");
			ok(Arrays.equals((char[])v[4], new char[] { 'x', '\u00e9' }),
			    "c-arrays: char[]");
			ok(Arrays.equals((boolean[])v[5], new boolean[] { true,
			    false }), "c-arrays: boolean[]");
			ok(Arrays.equals((short[])v[6], new short[] { -7 }),
			    "c-arrays: short[]");
			ok(Arrays.equals((float[])v[7], new float[] { 2.25f }),
			    "c-arrays: float[]");
			ok(Arrays.equals((String[])v[8], new String[] { "s0", null,
			    "s2" }), "c-arrays: String[]");
			ok(Arrays.equals((Object[])v[9], new Object[] { "o", 4, null }),
			    "c-arrays: Object[]");
		});
		check("arraylist", v -> {
			ok(v[0] instanceof ArrayList && v[0].equals(Arrays.asList("a",
			    7, null, "b")), "c-arraylist: values " + v[0]);
			ok(v[1] instanceof ArrayList && ((List<?>)v[1]).isEmpty(),
			    "c-arraylist: empty");
		});
		check("hashmap", v -> {
			Map<?, ?> m = (Map<?, ?>)v[0];
			boolean good = m instanceof HashMap && m.size() == 40;
			for (int i = 0; good && i < 40; i++)
				good = ("val" + i).equals(m.get("ENV_" + i));
			ok(good, "c-hashmap: 40 entries");
			ok(v[1] instanceof HashMap && ((Map<?, ?>)v[1]).isEmpty(),
			    "c-hashmap: empty");
		});
		check("treemap", v -> {
			@SuppressWarnings("unchecked")
			TreeMap<String, String> m = (TreeMap<String, String>)v[0];
			ok(m.comparator() == String.CASE_INSENSITIVE_ORDER,
			    "c-treemap: comparator is CASE_INSENSITIVE_ORDER");
			ok("1".equals(m.get("PATH")) && "1".equals(m.get("path")) &&
			    "2".equals(m.get("Home")) && m.size() == 3,
			    "c-treemap: lookups ignore case " + m);
			ok(new ArrayList<>(m.keySet()).equals(Arrays.asList("Home",
			    "PATH", "zz")), "c-treemap: order " + m.keySet());
		});
		check("proxyexc", v -> {
			Throwable t = (Throwable)v[0];
			ok(t.getClass().getName().equals(
			    "hudson.remoting.ProxyException"),
			    "c-proxyexc: class " + t.getClass().getName());
			ok(t instanceof IOException, "c-proxyexc: is an IOException");
			ok("java.io.FileNotFoundException: /nope (No such file)".equals(
			    t.getMessage()), "c-proxyexc: message " + t.getMessage());
			StackTraceElement[] st = t.getStackTrace();
			ok(st.length == 2 && st[0].getClassName().equals("agent.Files")
			    && st[0].getMethodName().equals("open") &&
			    "files.c".equals(st[0].getFileName()) &&
			    st[0].getLineNumber() == 42 && st[1].getLineNumber() == -2,
			    "c-proxyexc: stack trace " + Arrays.toString(st));
			Throwable c = t.getCause();
			ok(c != null && c.getClass().getName().equals(
			    "hudson.remoting.ProxyException") &&
			    "java.lang.IllegalStateException: root".equals(
			    c.getMessage()) && c.getCause() == null,
			    "c-proxyexc: cause " + c);
			ok(t.getSuppressed().length == 0, "c-proxyexc: no suppressed");
		});
		check("throwable", v -> {
			Throwable t = (Throwable)v[0];
			ok(t instanceof java.io.FileNotFoundException &&
			    "gone".equals(t.getMessage()) && t.getCause() == null &&
			    t.getStackTrace().length == 0,
			    "c-throwable: FileNotFoundException " + t);
			Throwable u = (Throwable)v[1];
			ok(u instanceof UnsupportedOperationException &&
			    u.getMessage() == null && u.getCause() instanceof
			    IllegalStateException, "c-throwable: with cause " + u);
		});
		check("custom", v -> {
			Custom c = (Custom)v[0];
			ok(c.a == 77 && "field".equals(c.s), "c-custom: fields");
			ok(c.extraInt == 7 && "extra".equals(c.extraObj) &&
			    c.extraLong == -1L && "utf\u00e9".equals(c.extraUtf) &&
			    c.extraBool && c.extraDouble == 1.5,
			    "c-custom: writeObject data");
		});
		check("enum", v -> {
			ok(v[0] == Color.BLUE && v[1] == TimeUnit.MILLISECONDS &&
			    v[2] == Color.BLUE, "c-enum: constants");
		});
	}

	public static void main(String[] args) throws Exception {
		if (args.length != 2 || !(args[0].equals("write") ||
		    args[0].equals("read"))) {
			System.err.println("usage: JserPeer write|read DIR");
			System.exit(2);
		}
		dir = new File(args[1]);
		if (args[0].equals("write")) {
			dir.mkdirs();
			writeAll();
			System.out.println("wrote " + written + " streams");
			return;
		}
		readChecks();
		System.out.println("1.." + tapN);
		System.exit(tapFailed == 0 ? 0 : 1);
	}
}
