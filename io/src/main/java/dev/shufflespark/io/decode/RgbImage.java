package dev.shufflespark.io.decode;

/**
 * An 8-bit RGB image: {@code pixels} holds width x height pixels row by row, three bytes (R, G, B) each.
 * The array is shared, not copied; nothing in this project writes to it after construction.
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs "
                    + ((long) width * height * 3) + " bytes, got " + pixels.length);
        }
    }

    /** Sample of {@code channel} (0 = R, 1 = G, 2 = B) at column x, row y, as 0..255. */
    public int get(int x, int y, int channel) {
        return pixels[(y * width + x) * 3 + channel] & 0xff;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
