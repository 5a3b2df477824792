/* Test mirror of jenkins.slaves.restarter.UnixSlaveRestarter (transient fields only). */
package jenkins.slaves.restarter;

import java.util.List;

public class UnixSlaveRestarter extends SlaveRestarter {
	private static final long serialVersionUID = 1L;
	private transient List<String> args;
}
