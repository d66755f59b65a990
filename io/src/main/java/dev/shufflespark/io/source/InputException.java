package dev.shufflespark.io.source;

import java.io.IOException;

/** An input that a user named and that cannot be listed: missing, matching nothing, or unreadable. */
public final class InputException extends IOException {

    private static final long serialVersionUID = 1L;

    public InputException(String message) {
        super(message);
    }

    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
