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
    default void rgbRow(int y, byte[] dst, int off) {
        rgbRow(y, 0, width(), dst, off);
    }

    /**
     * Columns {@code [from, to)} of row {@code y} as R, G, B, column x at {@code dst[off + 3 * x]}; the rest of
     * {@code dst} is left as it is. A resize that reads only part of each row converts only that part.
     */
    void rgbRow(int y, int from, int to, byte[] dst, int off);
}
