package dev.shufflespark.model;

/** STUB: API being written. Immutable, thread-safe; one per model per JVM. */
public final class Engine {
    /** A session with buffers for up to maxBatch images of height x width; one per thread. */
    public Session newSession(int maxBatch, int height, int width) { throw new UnsupportedOperationException("in progress"); }
    /** e.g. "vector 512-bit (16 float lanes)" or "scalar (...)". */
    public String kernelPath() { throw new UnsupportedOperationException("in progress"); }
    public int numClasses() { throw new UnsupportedOperationException("in progress"); }
}
