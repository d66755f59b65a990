package dev.shufflespark.model;

/** A model's graph has no globally pooled features to give ({@link Model#engine(boolean)}). */
public final class NoFeaturesException extends ModelException {
    public NoFeaturesException(String message) {
        super(message);
    }

    public NoFeaturesException(String message, Throwable cause) {
        super(message, cause);
    }
}
