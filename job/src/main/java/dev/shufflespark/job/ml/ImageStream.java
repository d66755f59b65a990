package dev.shufflespark.job.ml;

import dev.shufflespark.io.source.ImageResult;

/** Images of one partition, one at a time: read, decoded and preprocessed into the caller's array. */
interface ImageStream extends AutoCloseable {

    /**
     * Writes the next image's tensor to {@code out[offset, offset + imageFloats)} when it is OK, and says what
     * became of it; null when there are no more.
     */
    ImageResult next(float[] out, int offset);

    /** What the last image came from (the input row, say); copied to its output. */
    Object tag();

    @Override
    void close();
}
