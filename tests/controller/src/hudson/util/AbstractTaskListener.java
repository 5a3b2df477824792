/* Test mirror of hudson.util.AbstractTaskListener (no fields; computed
 * suid as in the captures). */
package hudson.util;

import java.io.Serializable;

public abstract class AbstractTaskListener implements Serializable {
	private static final long serialVersionUID = 7217626701881006422L;
}
