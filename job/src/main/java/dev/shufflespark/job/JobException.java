package dev.shufflespark.job;

/** A run that cannot start or finish, for a reason the user can act on; the message says which. */
public final class JobException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public JobException(String message) {
        super(message);
    }

    public JobException(String message, Throwable cause) {
        super(message, cause);
    }
}
