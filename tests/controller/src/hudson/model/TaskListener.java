/* Test mirror of hudson.model.TaskListener (an interface). */
package hudson.model;

import java.io.Serializable;

public interface TaskListener extends Serializable {
}
