/*
 * Test mirror of the parts of hudson.remoting.RemoteClassLoader that travel
 * on the wire: the IClassLoader interface (its name appears in the proxy
 * class descriptor of every UserRequest) and RemoteIClassLoader, the form
 * an agent uses to point back at one of the controller's loaders.
 */
package hudson.remoting;

import java.io.Serializable;

public final class RemoteClassLoader {
	private RemoteClassLoader() {
	}

	public interface IClassLoader {
		byte[] fetchJar(java.net.URL url);

		String getName();
	}

	public static final class RemoteIClassLoader implements IClassLoader,
	    Serializable {
		private static final long serialVersionUID = 1L;
		private final int oid;

		public RemoteIClassLoader(int oid) {
			this.oid = oid;
		}

		public int getOid() {
			return oid;
		}

		@Override
		public byte[] fetchJar(java.net.URL url) {
			throw new UnsupportedOperationException("fetchJar");
		}

		@Override
		public String getName() {
			return "RemoteIClassLoader(" + oid + ")";
		}
	}
}
