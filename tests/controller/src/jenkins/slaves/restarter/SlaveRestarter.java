/* Test mirror of jenkins.slaves.restarter.SlaveRestarter (suid 1, no fields). */
package jenkins.slaves.restarter;

import java.io.Serializable;

public abstract class SlaveRestarter implements Serializable {
	private static final long serialVersionUID = 1L;
}
