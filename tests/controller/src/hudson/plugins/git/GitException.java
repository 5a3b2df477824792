package hudson.plugins.git;

/*
 * Mirror of git-client's failure type (hudson.plugins.git.GitException):
 * a RuntimeException with serialVersionUID 1 and no fields of its own.
 */
public class GitException extends RuntimeException {
	private static final long serialVersionUID = 1L;

	public GitException() {
		super();
	}

	public GitException(String message) {
		super(message);
	}

	public GitException(String message, Throwable cause) {
		super(message, cause);
	}
}
