/*
 * Test mirror of hudson.remoting.UserRequest: the callable travels as a
 * separately serialized byte[] (class-loader annotated, see
 * jnagent.testctl.Payload), with a class-loader proxy and a toString.
 */
package hudson.remoting;

import java.io.Serializable;

public final class UserRequest extends Request {
	private static final long serialVersionUID = 1L;

	private final byte[] request;
	private final RemoteClassLoader.IClassLoader classLoaderProxy;
	private final String toString;

	public UserRequest(int id, byte[] request,
	    RemoteClassLoader.IClassLoader classLoaderProxy, String toString,
	    boolean recordCreatedAt) {
		super(id, recordCreatedAt);
		this.request = request;
		this.classLoaderProxy = classLoaderProxy;
		this.toString = toString;
	}

	public byte[] getRequest() {
		return request;
	}

	public RemoteClassLoader.IClassLoader getClassLoaderProxy() {
		return classLoaderProxy;
	}

	public String getToString() {
		return toString;
	}

	/* Successful result: the serialized return value. */
	public static final class NormalResponse implements Serializable {
		private static final long serialVersionUID = 1L;
		private final byte[] response;

		public NormalResponse(byte[] response) {
			this.response = response;
		}

		public byte[] getResponse() {
			return response;
		}
	}

	/* Failed result: the raw exception and a ProxyException copy. */
	public static final class ExceptionResponse implements Serializable {
		private static final long serialVersionUID = 1L;
		private final byte[] rawResponse;
		private final byte[] proxyResponse;

		public ExceptionResponse(byte[] rawResponse, byte[] proxyResponse) {
			this.rawResponse = rawResponse;
			this.proxyResponse = proxyResponse;
		}

		public byte[] getRawResponse() {
			return rawResponse;
		}

		public byte[] getProxyResponse() {
			return proxyResponse;
		}
	}
}
