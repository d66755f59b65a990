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

    /**
     * Whether {@link #planarRow} is this source's own (cheaper than {@link #rgbRow} for a consumer that works
     * on planes); else it is {@link #rgbRow} split into planes.
     */
    default boolean planar() {
        return false;
    }

    /**
     * Columns {@code [from, to)} of row {@code y} as three planes, column x at {@code r[x]}, {@code g[x]},
     * {@code b[x]}; the same samples as {@link #rgbRow}, the rest of the arrays left as they are.
     */
    default void planarRow(int y, int from, int to, byte[] r, byte[] g, byte[] b) {
        byte[] packed = new byte[3 * to];
        rgbRow(y, from, to, packed, 0);
        for (int x = from; x < to; x++) {
            r[x] = packed[3 * x];
            g[x] = packed[3 * x + 1];
            b[x] = packed[3 * x + 2];
        }
    }
}
