/*
 * Test mirror of hudson.remoting.RemoteInvocationHandler: the handler of
 * every remote-object proxy (flags SC_SERIALIZABLE|SC_WRITE_METHOD, the
 * writeObject only writes the default fields), and RPCRequest.
 */
package hudson.remoting;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

public final class RemoteInvocationHandler implements InvocationHandler,
    Serializable {
	private static final long serialVersionUID = 1L;

	private int oid;
	private boolean userProxy;
	private Throwable origin;
	private boolean autoUnexportByCaller;
	private boolean goingHome;
	private boolean userSpace;
	private boolean recordCreatedAt;

	public RemoteInvocationHandler(int oid, boolean userProxy,
	    boolean goingHome) {
		this.oid = oid;
		this.userProxy = userProxy;
		this.goingHome = goingHome;
	}

	/* A proxy implementing type and IReadResolve, as remoting builds it. */
	public static Object wrap(Class<?> type, int oid, boolean userProxy) {
		return Proxy.newProxyInstance(type.getClassLoader(),
		    new Class<?>[] { type, IReadResolve.class },
		    new RemoteInvocationHandler(oid, userProxy, false));
	}

	public int getOid() {
		return oid;
	}

	public boolean isGoingHome() {
		return goingHome;
	}

	public boolean isUserProxy() {
		return userProxy;
	}

	@Override
	public Object invoke(Object proxy, Method m, Object[] args) {
		switch (m.getName()) {
		case "toString":
			return "RemoteInvocationHandler(oid=" + oid + ")";
		case "hashCode":
			return oid;
		case "equals":
			return proxy == args[0];
		case "readResolve":
			return proxy;
		default:
			throw new UnsupportedOperationException(
			    "the test controller does not call remote " +
			    m.getName());
		}
	}

	private void writeObject(ObjectOutputStream oos) throws IOException {
		oos.defaultWriteObject();
	}

	/* A method call on an object exported by the receiver. */
	public static class RPCRequest extends Request {
		private static final long serialVersionUID = 1L;

		private final int oid;
		private final String methodName;
		private final String[] types;
		private final Object[] arguments;
		private final String declaringClassName;

		public RPCRequest(int id, int oid, String declaringClassName,
		    String methodName, String[] types, Object[] arguments) {
			super(id, false);
			this.oid = oid;
			this.declaringClassName = declaringClassName;
			this.methodName = methodName;
			this.types = types;
			this.arguments = arguments;
		}

		public int getOid() {
			return oid;
		}

		public String getMethodName() {
			return methodName;
		}

		public String[] getTypes() {
			return types;
		}

		public Object[] getArguments() {
			return arguments;
		}

		public String getDeclaringClassName() {
			return declaringClassName;
		}
	}

	public static final class UserRPCRequest extends RPCRequest {
		private static final long serialVersionUID = -9185841650347902580L;

		public UserRPCRequest(int id, int oid, String declaringClassName,
		    String methodName, String[] types, Object[] arguments) {
			super(id, oid, declaringClassName, methodName, types,
			    arguments);
		}
	}
}
