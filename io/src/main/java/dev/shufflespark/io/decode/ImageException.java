package dev.shufflespark.io.decode;

/**
 * One input that failed, with its {@link Reason}. The message names the input (never a credential); it is
 * meant for a results table, so it is one line.
 */
public final class ImageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Reason reason;

    public ImageException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ImageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return reason + ": " + getMessage();
    }
}
