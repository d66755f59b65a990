package dev.shufflespark.job.cli;

/** A failure the user can act on; its message is printed alone, without the exception type. */
final class CliFailure extends RuntimeException {
    CliFailure(String message) {
        super(message);
    }

    CliFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
