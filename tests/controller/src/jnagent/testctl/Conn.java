/*
 * Conn.java: the controller side of one remoting channel.  A reader thread
 * decodes each command (a fresh Java serialization stream), completes the
 * controller's pending requests, answers the agent's own requests (pings,
 * class-loader getName) and notices CloseCommand/EOF.  call() sends a
 * UserRequest the way Jenkins does: Command$Source in createdAt, a
 * class-loader proxy, the callable as an annotated payload.
 */
package jnagent.testctl;

import hudson.remoting.Channel;
import hudson.remoting.Command;
import hudson.remoting.PingThread;
import hudson.remoting.ProxyException;
import hudson.remoting.RemoteClassLoader;
import hudson.remoting.RemoteInvocationHandler;
import hudson.remoting.Request;
import hudson.remoting.Response;
import hudson.remoting.UnexportCommand;
import hudson.remoting.UserRequest;
import hudson.remoting.UserResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

final class Conn {
	final Wire wire;
	final int number;
	final long agentMask;
	final boolean multiClassLoader;
	final String cookie;		/* the cookie this channel was given */
	final String presentedCookie;	/* the one the agent sent, or null */
	final Node node;
	volatile boolean pretendAlive;
	final long upMillis = System.currentTimeMillis();
	final long upUs = Log.epochUs();
	/* when its socket was accepted and TLS (if any) was done, epoch µs */
	volatile long acceptUs, secureUs;

	final AtomicInteger agentPings = new AtomicInteger();
	final AtomicInteger commandsIn = new AtomicInteger();
	final CompletableFuture<String> ended = new CompletableFuture<>();
	volatile boolean closeReceived, closeSent;
	private final List<String> problems = new ArrayList<>();
	private final Map<Integer, CompletableFuture<Response>> pending =
	    new ConcurrentHashMap<>();
	private final Set<Integer> checkedLoaders = ConcurrentHashMap.newKeySet();
	private final Map<CompletableFuture<Response>, Long> sentAt =
	    new ConcurrentHashMap<>();
	private static final AtomicInteger NEXT_ID = new AtomicInteger();
	private volatile boolean recordCreatedAt = true;
	final Streams streams = new Streams(this);

	Conn(Wire wire, int number, long agentMask, String cookie,
	    String presentedCookie, Node node) {
		this.wire = wire;
		this.number = number;
		this.agentMask = agentMask;
		this.multiClassLoader =
		    (agentMask & hudson.remoting.Capability.MASK_MULTI_CLASSLOADER) != 0;
		this.cookie = cookie;
		this.presentedCookie = presentedCookie;
		this.node = node;
	}

	void start() {
		Thread t = new Thread(this::readLoop, "reader-" + number);
		t.setDaemon(true);
		t.start();
	}

	synchronized void problem(String p) {
		Log.info("conn " + number + ": PROBLEM: " + p);
		problems.add(p);
	}

	synchronized List<String> problems() {
		return new ArrayList<>(problems);
	}

	/* Result of one call. */
	static final class Result {
		Object value;		/* deserialized return value */
		Throwable thrown;	/* deserialized exception (ExceptionResponse) */
		boolean hadRaw, hadProxy;
		long nanos;
		int responseBytes;
	}

	static final class CallFailed extends Exception {
		private static final long serialVersionUID = 1L;

		CallFailed(String msg) {
			super(msg);
		}
	}

	static byte[] serializeCommand(Object c) throws IOException {
		ByteArrayOutputStream bos = new ByteArrayOutputStream();
		try (ObjectOutputStream oos = new ObjectOutputStream(bos)) {
			oos.writeObject(c);
		}
		return bos.toByteArray();
	}

	void send(Command c) throws IOException {
		if (closeSent)
			throw new IOException("channel already closed by controller");
		if (c instanceof Channel.CloseCommand)
			closeSent = true;
		wire.writeCommand(serializeCommand(c));
	}

	UserRequest buildRequest(Object callable) throws IOException {
		int id = NEXT_ID.incrementAndGet();
		int oid = Payload.loaderOid(callable.getClass());
		RemoteClassLoader.IClassLoader proxy = (RemoteClassLoader.IClassLoader)
		    RemoteInvocationHandler.wrap(RemoteClassLoader.IClassLoader.class,
		    oid, false);
		byte[] payload = Payload.write(callable, multiClassLoader);
		String ts = callable.getClass().getName() + "@" +
		    Integer.toHexString(System.identityHashCode(callable));
		UserRequest ur = new UserRequest(id, payload, proxy, ts,
		    recordCreatedAt);
		ur.setLastIoId(streams.lastIoId());
		return ur;
	}

	/* A request carrying a hand-made (possibly hostile) payload. */
	UserRequest buildRawRequest(byte[] payload, String toString) {
		int id = NEXT_ID.incrementAndGet();
		RemoteClassLoader.IClassLoader proxy = (RemoteClassLoader.IClassLoader)
		    RemoteInvocationHandler.wrap(RemoteClassLoader.IClassLoader.class,
		    Payload.CORE_LOADER_OID, false);
		UserRequest ur = new UserRequest(id, payload, proxy, toString,
		    recordCreatedAt);
		ur.setLastIoId(streams.lastIoId());
		return ur;
	}

	/* A method call on an object the agent exported (a user proxy). */
	Result rpc(Object proxy, String iface, String method, long timeoutMs)
	    throws IOException, CallFailed, InterruptedException {
		if (!(proxy instanceof Proxy))
			throw new CallFailed(method + ": not a remote proxy: " +
			    describe(proxy));
		RemoteInvocationHandler h = (RemoteInvocationHandler)
		    Proxy.getInvocationHandler(proxy);
		return call(new RemoteInvocationHandler.UserRPCRequest(
		    NEXT_ID.incrementAndGet(), h.getOid(), iface, method,
		    new String[0], new Object[0]), timeoutMs);
	}

	/* Send a callable and wait for its answer. */
	Result call(Object callable, long timeoutMs)
	    throws IOException, CallFailed, InterruptedException {
		return await(callAsync(buildRequest(callable)), timeoutMs,
		    callable.getClass().getName());
	}

	/* Send an already built request; returns the pending future. */
	CompletableFuture<Response> callAsync(UserRequest ur) throws IOException {
		CompletableFuture<Response> f = new CompletableFuture<>();
		sentAt.put(f, System.nanoTime());
		pending.put(ur.getId(), f);
		if (ended.isDone()) {
			pending.remove(ur.getId());
			throw new IOException("channel ended: " + ended.getNow(""));
		}
		send(ur);
		return f;
	}

	Result await(CompletableFuture<Response> f, long timeoutMs, String what)
	    throws CallFailed, InterruptedException {
		Long sent = sentAt.remove(f);
		long t0 = sent != null ? sent : System.nanoTime();
		Response r;
		try {
			r = f.get(timeoutMs, TimeUnit.MILLISECONDS);
		} catch (TimeoutException e) {
			throw new CallFailed(what + ": no response within " +
			    timeoutMs + " ms");
		} catch (ExecutionException e) {
			throw new CallFailed(what + ": " + e.getCause().getMessage());
		}
		Result res = decode(r, what);
		res.nanos = System.nanoTime() - t0;
		return res;
	}

	private Result decode(Response r, String what) throws CallFailed {
		Result res = new Result();
		if (r.getException() != null)
			throw new CallFailed(what + ": Response.exception set: " +
			    r.getException());
		Object rv = r.getReturnValue();
		try {
			if (rv instanceof UserRequest.NormalResponse) {
				byte[] b = ((UserRequest.NormalResponse)rv).getResponse();
				if (b == null)
					throw new CallFailed(what +
					    ": NormalResponse.response is null");
				res.responseBytes = b.length;
				res.value = readPayload(b, what);
			} else if (rv instanceof UserRequest.ExceptionResponse) {
				UserRequest.ExceptionResponse er =
				    (UserRequest.ExceptionResponse)rv;
				res.hadRaw = er.getRawResponse() != null;
				res.hadProxy = er.getProxyResponse() != null;
				Object raw = null;
				if (res.hadRaw) {
					try {
						raw = readPayload(er.getRawResponse(), what);
					} catch (IOException | ClassNotFoundException e) {
						problem(what + ": rawResponse unreadable (" +
						    e + "), falling back to proxyResponse");
					}
				}
				if (raw == null && res.hadProxy)
					raw = readPayload(er.getProxyResponse(), what);
				if (!(raw instanceof Throwable))
					throw new CallFailed(what +
					    ": ExceptionResponse without a Throwable: " + raw);
				res.thrown = (Throwable)raw;
			} else if (rv instanceof UserResponse) {
				throw new CallFailed(what + ": legacy UserResponse " +
				    "although the controller advertises bit 8");
			} else {
				throw new CallFailed(what +
				    ": Response.returnValue is " + describe(rv));
			}
		} catch (IOException | ClassNotFoundException e) {
			throw new CallFailed(what + ": payload unreadable: " + e);
		}
		return res;
	}

	private Object readPayload(byte[] b, String what)
	    throws IOException, ClassNotFoundException {
		Payload.Annotations ann = new Payload.Annotations();
		Object o = Payload.read(b, multiClassLoader, ann);
		for (int oid : ann.exportedOids)
			checkExportedLoader(oid, what);
		for (String d : ann.fieldDiffs)
			problem(what + ": agent wrote a class descriptor unlike " +
			    "Jenkins': " + d);
		return o;
	}

	static String describe(Object o) {
		if (o == null)
			return "null";
		if (o instanceof String)
			return "String \"" + o + "\"";
		return o.getClass().getName() + " " + o;
	}

	/*
	 * The agent exported a class loader (-2 annotation, or a proxy that is
	 * not going home): a real controller calls getName() on it at once.
	 */
	private void checkExportedLoader(int oid, String what) {
		if (!checkedLoaders.add(oid))
			return;
		Log.info("conn " + number + ": agent exported class loader oid " +
		    oid + " (" + what + "); calling getName() like Jenkins");
		Thread t = new Thread(() -> {
			int id = NEXT_ID.incrementAndGet();
			CompletableFuture<Response> f = new CompletableFuture<>();
			pending.put(id, f);
			try {
				send(new RemoteInvocationHandler.RPCRequest(id, oid,
				    "hudson.remoting.RemoteClassLoader$IClassLoader",
				    "getName", new String[0], new Object[0]));
				Response r = f.get(10, TimeUnit.SECONDS);
				if (!(r.getReturnValue() instanceof String))
					problem("getName() on agent loader " + oid +
					    " returned " + describe(r.getReturnValue()) +
					    " / " + r.getException());
			} catch (Exception e) {
				if (!ended.isDone())
					problem("getName() on agent loader " + oid +
					    " failed: " + e);
			}
		}, "getName-" + oid);
		t.setDaemon(true);
		t.start();
	}

	private void readLoop() {
		String why = "EOF";
		try {
			for (;;) {
				byte[] b = wire.readCommand();
				if (b == null)
					break;
				commandsIn.incrementAndGet();
				Object o;
				try (ObjectInputStream ois = new ObjectInputStream(
				    new ByteArrayInputStream(b))) {
					ois.setObjectInputFilter(Payload.LIMITS);
					o = ois.readObject();
					if (ois.read() != -1)
						throw new IOException(
						    "bytes after the command object");
				} catch (IOException | ClassNotFoundException |
				    RuntimeException e) {
					problem("unreadable command (" + b.length +
					    " bytes): " + e);
					continue;
				}
				if (!dispatch(o)) {
					why = "CloseCommand";
					break;
				}
			}
		} catch (IOException e) {
			why = "I/O error: " + e.getMessage();
		}
		Log.info("conn " + number + ": channel ended: " + why);
		finish(why);
	}

	private void finish(String why) {
		for (Map.Entry<Integer, CompletableFuture<Response>> e :
		    pending.entrySet())
			e.getValue().completeExceptionally(
			    new IOException("channel ended (" + why + ")"));
		pending.clear();
		streams.end();
		node.ended(this);
		wire.close();
		ended.complete(why);
	}

	/* false once the channel is over (CloseCommand). */
	private boolean dispatch(Object o) throws IOException {
		if (o instanceof Response) {
			Response r = (Response)o;
			CompletableFuture<Response> f = pending.remove(r.getId());
			if (f == null)
				problem("Response for unknown request id " + r.getId());
			else
				f.complete(r);
			return true;
		}
		if (streams.dispatch(o))
			return true;
		if (o instanceof UserRequest) {
			answerUserRequest((UserRequest)o);
			return true;
		}
		if (o instanceof RemoteInvocationHandler.RPCRequest) {
			answerRpc((RemoteInvocationHandler.RPCRequest)o);
			return true;
		}
		if (o instanceof Channel.CloseCommand) {
			Log.info("conn " + number + ": agent sent CloseCommand");
			closeReceived = true;
			if (!closeSent) {
				try {
					send(new Channel.CloseCommand(false));
				} catch (IOException e) {
					Log.info("conn " + number +
					    ": could not answer CloseCommand: " + e);
				}
			}
			return false;
		}
		if (o instanceof Request.Cancel) {
			Log.info("conn " + number + ": agent cancelled request " +
			    ((Request.Cancel)o).getId());
			return true;
		}
		if (o instanceof UnexportCommand) {
			Log.info("conn " + number + ": agent unexported oid " +
			    ((UnexportCommand)o).getOid());
			return true;
		}
		if (o instanceof Command) {
			Log.info("conn " + number + ": agent sent " +
			    o.getClass().getName());
			return true;
		}
		problem("agent sent a non-command object " + describe(o));
		return true;
	}

	private void answerUserRequest(UserRequest u) throws IOException {
		Object loader = u.getClassLoaderProxy();
		if (loader instanceof RemoteClassLoader.RemoteIClassLoader) {
			int oid = ((RemoteClassLoader.RemoteIClassLoader)loader).getOid();
			if (oid != Payload.CORE_LOADER_OID &&
			    oid != Payload.PLUGIN_LOADER_OID)
				problem("agent UserRequest names controller loader oid " +
				    oid + ", never exported");
		} else if (loader instanceof Proxy) {
			RemoteInvocationHandler h = (RemoteInvocationHandler)
			    Proxy.getInvocationHandler(loader);
			if (!h.isGoingHome())
				checkExportedLoader(h.getOid(), "classLoaderProxy");
		} else if (loader != null) {
			problem("agent UserRequest classLoaderProxy is " +
			    describe(loader));
		}
		Object callable;
		try {
			byte[] p = u.getRequest();
			if (p == null)
				throw new IOException("request payload is null");
			callable = readPayload(p, "agent request");
		} catch (IOException | ClassNotFoundException e) {
			problem("agent UserRequest " + u.getId() +
			    " has an unreadable payload: " + e);
			reply(u.getId(), exceptionResponse(new IOException(
			    "cannot deserialize the callable: " + e)));
			return;
		}
		if (callable instanceof PingThread.Ping) {
			agentPings.incrementAndGet();
			Log.debug("conn " + number + ": agent ping #" + u.getId());
			reply(u.getId(), new UserRequest.NormalResponse(
			    Payload.write(null, multiClassLoader)));
			return;
		}
		String name = callable == null ? "null" : callable.getClass().getName();
		problem("agent sent callable " + name + " to the controller");
		reply(u.getId(), exceptionResponse(new SecurityException(
		    "Sending " + name + " from agent to controller is prohibited")));
	}

	private UserRequest.ExceptionResponse exceptionResponse(Throwable t)
	    throws IOException {
		return new UserRequest.ExceptionResponse(
		    Payload.write(t, multiClassLoader),
		    Payload.write(new ProxyException(t.getClass().getName() + ": " +
		    t.getMessage()), multiClassLoader));
	}

	private void reply(int id, Serializable rv) throws IOException {
		if (!closeSent)
			send(new Response(id, 0, rv, null));
	}

	private void answerRpc(RemoteInvocationHandler.RPCRequest r)
	    throws IOException {
		if ("getName".equals(r.getMethodName()) &&
		    (r.getOid() == Payload.CORE_LOADER_OID ||
		    r.getOid() == Payload.PLUGIN_LOADER_OID)) {
			Log.info("conn " + number + ": agent called getName() on " +
			    "controller loader " + r.getOid());
			if (!closeSent)
				send(new Response(r.getId(), 0, r.getOid() ==
				    Payload.CORE_LOADER_OID ? "jenkins-core" :
				    "plugin:example", null));
			return;
		}
		problem("agent sent RPCRequest " + r.getMethodName() + " on oid " +
		    r.getOid());
		if (!closeSent)
			send(new Response(r.getId(), 0, null,
			    new UnsupportedOperationException(r.getMethodName() +
			    " is not served by the test controller")));
	}

	/* Orderly close: CloseCommand, wait a little for the agent's. */
	void closeOrderly(long waitMs) throws InterruptedException {
		try {
			send(new Channel.CloseCommand(true));
		} catch (IOException e) {
			Log.info("conn " + number + ": sending CloseCommand: " + e);
		}
		try {
			ended.get(waitMs, TimeUnit.MILLISECONDS);
		} catch (ExecutionException | TimeoutException e) {
			Log.info("conn " + number + ": agent did not end the " +
			    "channel within " + waitMs + " ms after CloseCommand");
		}
		wire.close();
	}

	/* Drop the transport abruptly (the cookie's old channel is killed). */
	void kill() {
		wire.abort();
	}

	void setRecordCreatedAt(boolean b) {
		recordCreatedAt = b;
	}
}
