package dev.shufflespark.job.cluster;

/** A cluster that cannot be started, reached or stopped; the message says which process or file, and why. */
public final class ClusterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
