package dev.shufflespark.model;

/** STUB: API being written. Owned by one thread; no allocation per call. */
public final class Session {
    /**
     * Runs {@code batch} images, input float32 NCHW [batch, 3, height, width] from offset 0; returns logits
     * [batch, numClasses] in an array owned by this session and overwritten by the next call.
     */
    public float[] run(float[] input, int batch) { throw new UnsupportedOperationException("in progress"); }
    public int maxBatch() { throw new UnsupportedOperationException("in progress"); }
    public int height() { throw new UnsupportedOperationException("in progress"); }
    public int width() { throw new UnsupportedOperationException("in progress"); }
}
