package dev.shufflespark.io.decode;

/**
 * Decoded pixels that are turned into packed RGB a row at a time, when asked: a consumer that needs only
 * some rows (a resize and centre crop, say) converts only those, into a buffer of its own, and the whole
 * image is never written out as RGB. Not thread-safe.
 */
public interface RgbRows {

    int width();

    int height();

    /** Row {@code y} (0 at the top, as stored) as {@code 3 x width} bytes R, G, B into {@code dst[off..]}. */
    void rgbRow(int y, byte[] dst, int off);
}
