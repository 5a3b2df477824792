/* Test mirror of jenkins.tasks.filters.EnvVarsFilterRuleWrapper. */
package jenkins.tasks.filters;

import java.io.Serializable;
import java.util.List;

public final class EnvVarsFilterRuleWrapper implements Serializable {
	private static final long serialVersionUID = -8647970104978388598L;
	private final List<Object> rules;

	public EnvVarsFilterRuleWrapper(List<Object> rules) {
		this.rules = rules;
	}
}
