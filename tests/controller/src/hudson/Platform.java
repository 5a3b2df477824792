/* Test mirror of hudson.Platform (an enum: written by constant name). */
package hudson;

public enum Platform {
	WINDOWS, UNIX
}
