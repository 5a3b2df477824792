/* Test mirror of hudson.remoting.IReadResolve (marker on remote proxies). */
package hudson.remoting;

public interface IReadResolve {
	Object readResolve();
}
