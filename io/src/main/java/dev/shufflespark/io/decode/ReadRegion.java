package dev.shufflespark.io.decode;

/**
 * The part of a decoded image that its consumer will read, asked for before the pixels are decoded: our JPEG
 * decoder then leaves the blocks outside it untransformed (their entropy-coded data is still read, for its
 * length), which a resize and centre crop of a photo makes a third or more of them.
 */
public interface ReadRegion {

    /**
     * The stored pixels that will be read of an image of {@code width x height} (as displayed, at full
     * resolution) with EXIF {@code orientation}, decoded scaled by {@code 1 / scale} to
     * {@code storedWidth x storedHeight} (in the file's orientation): columns {@code [r[0], r[2])} of rows
     * {@code [r[1], r[3])}, or null when it may read any of them. Reading outside it fails.
     */
    int[] region(int width, int height, int orientation, int scale, int storedWidth, int storedHeight);
}
