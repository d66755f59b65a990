package dev.shufflespark.model.layer;

/** A layer bound to the addresses of its inputs and output: runs a batch without allocating. */
@FunctionalInterface
public interface Step {
    void run(Frame frame, int batch);
}
