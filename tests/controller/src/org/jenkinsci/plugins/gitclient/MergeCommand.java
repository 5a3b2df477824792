/* Test mirror of git-client's MergeCommand builder interface and its
 * enums MergeCommand$Strategy and MergeCommand$GitPluginFastForwardMode
 * (written by constant name). */
package org.jenkinsci.plugins.gitclient;

public interface MergeCommand {
	enum Strategy {
		DEFAULT, RESOLVE, RECURSIVE, OCTOPUS, OURS, SUBTREE,
		RECURSIVE_THEIRS
	}

	enum GitPluginFastForwardMode {
		FF, FF_ONLY, NO_FF
	}
}
