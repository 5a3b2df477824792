/* Test mirror of hudson.remoting.Callable (an interface: never on the wire). */
package hudson.remoting;

import java.io.Serializable;

public interface Callable extends Serializable {
}
