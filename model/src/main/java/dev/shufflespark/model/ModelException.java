package dev.shufflespark.model;

/** A model that cannot be built, loaded or run: a missing tensor, a wrong shape, a bad file. */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
