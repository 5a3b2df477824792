/*
 * Payload.java: the nested user payloads of UserRequest / NormalResponse /
 * ExceptionResponse (remoting-protocol.md §5.1).  With capability bit 1 each
 * class descriptor is annotated with an int: -3 for JDK classes, -2 <oid>
 * for a loader the writer exports, -1 <oid> for a loader the reader
 * exported, n >= 0 for the n-th loader already named in this stream.
 */
package jnagent.testctl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.StreamCorruptedException;
import java.util.ArrayList;
import java.util.List;

final class Payload {
	static final int TAG_LOCAL = -1;
	static final int TAG_EXPORTED = -2;
	static final int TAG_SYSTEM = -3;

	/* Bounds for whatever the agent sends (a bad peer must not OOM us). */
	static final java.io.ObjectInputFilter LIMITS =
	    java.io.ObjectInputFilter.Config.createFilter(
	    "maxarray=67108864;maxdepth=200;maxrefs=4000000");

	/* The controller's "class loaders": core (oid 2) and a plugin (oid 3). */
	static final int CORE_LOADER_OID = 2;
	static final int PLUGIN_LOADER_OID = 3;

	private Payload() {
	}

	/* Which exported loader "defines" a class, like Jenkins' plugin loaders. */
	static int loaderOid(Class<?> c) {
		while (c.isArray())
			c = c.getComponentType();
		String n = c.getName();
		if (n.startsWith("org.example.") ||
		    n.startsWith("org.jenkinsci.plugins."))
			return PLUGIN_LOADER_OID;
		return CORE_LOADER_OID;
	}

	static boolean isSystem(Class<?> c) {
		while (c.isArray())
			c = c.getComponentType();
		return c.isPrimitive() || c.getClassLoader() == null;
	}

	/* Serialize one object as a payload; annotated iff multiClassLoader. */
	static byte[] write(Object o, boolean multiClassLoader) throws IOException {
		ByteArrayOutputStream bos = new ByteArrayOutputStream();
		try (ObjectOutputStream oos = multiClassLoader ?
		    new AnnotatingOutput(bos) : new ObjectOutputStream(bos)) {
			oos.writeObject(o);
		}
		return bos.toByteArray();
	}

	/* What one read saw in the annotations. */
	static final class Annotations {
		final List<String> problems = new ArrayList<>();
		final List<Integer> exportedOids = new ArrayList<>();
		/* mirror classes whose fields differ from the stream's */
		final List<String> fieldDiffs = new ArrayList<>();
		int system, local, index;
	}

	static Object read(byte[] b, boolean multiClassLoader, Annotations ann)
	    throws IOException, ClassNotFoundException {
		try (ObjectInputStream ois = multiClassLoader ?
		    new AnnotatedInput(new ByteArrayInputStream(b), ann) :
		    new ObjectInputStream(new ByteArrayInputStream(b))) {
			ois.setObjectInputFilter(LIMITS);
			Object o = ois.readObject();
			if (ois.available() > 0 || ois.read() != -1)
				throw new StreamCorruptedException(
				    "bytes after the payload object");
			return o;
		}
	}

	/* MultiClassLoaderSerializer.Output, as a controller writes it. */
	static final class AnnotatingOutput extends ObjectOutputStream {
		private final List<Integer> loaders = new ArrayList<>();

		AnnotatingOutput(ByteArrayOutputStream out) throws IOException {
			super(out);
		}

		private void annotate(Class<?> c) throws IOException {
			if (isSystem(c)) {
				writeInt(TAG_SYSTEM);
				return;
			}
			int oid = loaderOid(c);
			int idx = loaders.indexOf(oid);
			if (idx >= 0) {
				writeInt(idx);
				return;
			}
			loaders.add(oid);
			writeInt(TAG_EXPORTED);
			writeInt(oid);
		}

		@Override
		protected void annotateClass(Class<?> c) throws IOException {
			annotate(c);
		}

		@Override
		protected void annotateProxyClass(Class<?> c) throws IOException {
			/* A proxy class lives in the loader of its interfaces. */
			annotate(c.getInterfaces()[0]);
		}
	}

	/*
	 * How a native agent writes results: -3 for JDK classes, -1 <oid> (the
	 * controller loader of the request) for everything else.
	 */
	static byte[] writeLocal(Object o, int oid) throws IOException {
		ByteArrayOutputStream bos = new ByteArrayOutputStream();
		try (ObjectOutputStream oos = new ObjectOutputStream(bos) {
			{
				enableReplaceObject(false);
			}

			@Override
			protected void annotateClass(Class<?> c) throws IOException {
				tag(c);
			}

			@Override
			protected void annotateProxyClass(Class<?> c) throws IOException {
				tag(c.getInterfaces()[0]);
			}

			private void tag(Class<?> c) throws IOException {
				if (isSystem(c)) {
					writeInt(TAG_SYSTEM);
				} else {
					writeInt(TAG_LOCAL);
					writeInt(oid);
				}
			}
		}) {
			oos.writeObject(o);
		}
		return bos.toByteArray();
	}

	/* MultiClassLoaderSerializer.Input, checking what the agent wrote. */
	static final class AnnotatedInput extends ObjectInputStream {
		private final Annotations ann;
		private final List<Integer> loaders = new ArrayList<>();

		AnnotatedInput(ByteArrayInputStream in, Annotations ann)
		    throws IOException {
			super(in);
			this.ann = ann;
		}

		private void consume(String what) throws IOException {
			int tag = readInt();
			if (tag == TAG_SYSTEM) {
				ann.system++;
			} else if (tag == TAG_LOCAL) {
				int oid = readInt();
				ann.local++;
				if (oid != CORE_LOADER_OID && oid != PLUGIN_LOADER_OID)
					throw new InvalidClassException(what,
					    "LOCAL annotation names oid " + oid +
					    ", which the controller never exported");
				loaders.add(oid);
			} else if (tag == TAG_EXPORTED) {
				int oid = readInt();
				ann.exportedOids.add(oid);
				loaders.add(-oid);
			} else if (tag >= 0) {
				ann.index++;
				if (tag >= loaders.size())
					throw new InvalidClassException(what,
					    "annotation index " + tag + " but only " +
					    loaders.size() + " loaders named so far");
			} else {
				throw new InvalidClassException(what,
				    "bad class-loader annotation tag " + tag);
			}
		}

		@Override
		protected Class<?> resolveClass(ObjectStreamClass desc)
		    throws IOException, ClassNotFoundException {
			consume(desc.getName());
			Class<?> c = Class.forName(desc.getName(), false,
			    Payload.class.getClassLoader());
			ObjectStreamClass local = ObjectStreamClass.lookup(c);
			if (c.getClassLoader() != null && local != null &&
			    !fields(desc).equals(fields(local)))
				ann.fieldDiffs.add(desc.getName() + ": stream " +
				    fields(desc) + ", mirror " + fields(local));
			return c;
		}

		private static String fields(ObjectStreamClass d) {
			StringBuilder b = new StringBuilder();
			for (java.io.ObjectStreamField f : d.getFields())
				b.append(f.getTypeCode()).append(f.getName()).append(' ');
			return b.toString().trim();
		}

		@Override
		protected Class<?> resolveProxyClass(String[] interfaces)
		    throws IOException, ClassNotFoundException {
			consume("proxy " + String.join(",", interfaces));
			return super.resolveProxyClass(interfaces);
		}
	}
}
