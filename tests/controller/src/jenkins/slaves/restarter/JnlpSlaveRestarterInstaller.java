/*
 * Test mirror of JnlpSlaveRestarterInstaller$FindEffectiveRestarters.
 * Jenkins declares no serialVersionUID for it; the value below was computed
 * from a structural replica of the Jenkins class (private static, extends
 * MasterToSlaveCallable<List<SlaveRestarter>, IOException>, one private
 * final List field, package-private constructor, call() and its bridge) --
 * the same method reproduces SlaveComputer$SlaveVersion's
 * -1836292471078227186 of jenkins-callables.md Appendix D.
 */
package jenkins.slaves.restarter;

import java.util.List;
import jenkins.security.MasterToSlaveCallable;

public final class JnlpSlaveRestarterInstaller {
	private JnlpSlaveRestarterInstaller() {
	}

	public static final class FindEffectiveRestarters extends MasterToSlaveCallable {
		private static final long serialVersionUID = 9015462457743404715L;
		private final List<SlaveRestarter> restarters;

		public FindEffectiveRestarters(List<SlaveRestarter> restarters) {
			this.restarters = restarters;
		}
	}
}
