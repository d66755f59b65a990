package dev.shufflespark.io.decode;

/**
 * A decoded image: its pixels as stored in the file, possibly subsampled or scaled, and how to display them.
 * The pixels are either packed RGB already, or rows still to be converted ({@link RgbRows}: our JPEG decoder's
 * planes), which the preprocessing converts one row at a time and {@link #pixels()} converts on first use.
 * Not thread-safe.
 *
 * <p>pixels: the decoded pixels in the file's own orientation; when {@code subsampling > 1}, every
 * {@code subsampling}-th pixel of each row and column, starting at ({@code offsetX}, {@code offsetY});
 * orientation: the EXIF orientation to apply (1..8; 1 when none, or when applying it is turned off); width and
 * height: the image's full-resolution size as displayed (after the orientation); subsampling: the source
 * subsampling used while decoding (1: every pixel); offsetX, offsetY: the first decoded column and row, in the
 * file's orientation; scale: the decoder's scaling (1, 2, 4 or 8; 1: full size): stored pixel (i, j) is the
 * mean of the full image's pixels [i x scale, (i + 1) x scale) x [j x scale, (j + 1) x scale), as a JPEG
 * decoded in the DCT domain gives it (with {@code scale > 1}, subsampling is 1); format: the format it was
 * decoded from.
 */
public final class DecodedImage {

    private RgbImage pixels;
    private final RgbRows rows;
    private final int orientation;
    private final int width;
    private final int height;
    private final int subsampling;
    private final int offsetX;
    private final int offsetY;
    private final int scale;
    private final Format format;

    public DecodedImage(RgbImage pixels, int orientation, int width, int height, int subsampling, int offsetX,
                        int offsetY, int scale, Format format) {
        this(pixels, null, orientation, width, height, subsampling, offsetX, offsetY, scale, format);
    }

    /** Rows still to be converted to RGB (not subsampled; maybe scaled). */
    DecodedImage(RgbRows rows, int orientation, int width, int height, int scale, Format format) {
        this(null, rows, orientation, width, height, 1, 0, 0, scale, format);
    }

    private DecodedImage(RgbImage pixels, RgbRows rows, int orientation, int width, int height, int subsampling,
                         int offsetX, int offsetY, int scale, Format format) {
        if (orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
        }
        if (subsampling < 1 || offsetX < 0 || offsetX >= subsampling || offsetY < 0 || offsetY >= subsampling) {
            throw new IllegalArgumentException("bad subsampling " + subsampling + " at " + offsetX + "," + offsetY);
        }
        if (scale < 1 || scale > 1 && subsampling != 1) {
            throw new IllegalArgumentException("bad scale " + scale + " with subsampling " + subsampling);
        }
        int storedW = transposed(orientation) ? height : width;
        int storedH = transposed(orientation) ? width : height;
        int w = pixels != null ? pixels.width() : rows.width();
        int h = pixels != null ? pixels.height() : rows.height();
        if (scale > 1) {
            if (w != ceilDiv(storedW, scale) || h != ceilDiv(storedH, scale)) {
                throw new IllegalArgumentException(w + "x" + h + " is not " + storedW + "x" + storedH
                        + " scaled by 1/" + scale);
            }
        } else if (w != ceilDiv(storedW - offsetX, subsampling) || h != ceilDiv(storedH - offsetY, subsampling)) {
            throw new IllegalArgumentException(w + "x" + h + " is not a subsampling of " + storedW + "x" + storedH
                    + " by " + subsampling + " from " + offsetX + "," + offsetY);
        }
        this.pixels = pixels;
        this.rows = rows;
        this.orientation = orientation;
        this.width = width;
        this.height = height;
        this.subsampling = subsampling;
        this.offsetX = offsetX;
        this.offsetY = offsetY;
        this.scale = scale;
        this.format = format;
    }

    /** An image decoded in full or point-subsampled (scale 1). */
    public DecodedImage(RgbImage pixels, int orientation, int width, int height, int subsampling, int offsetX,
                        int offsetY, Format format) {
        this(pixels, orientation, width, height, subsampling, offsetX, offsetY, 1, format);
    }

    /** A fully decoded image with no orientation to apply. */
    public static DecodedImage of(RgbImage pixels) {
        return new DecodedImage(pixels, 1, pixels.width(), pixels.height(), 1, 0, 0, 1, null);
    }

    /** The decoded pixels as packed RGB, in the file's orientation (converted now if they were not yet). */
    public RgbImage pixels() {
        if (pixels == null) {
            int w = rows.width();
            int h = rows.height();
            byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
            for (int y = 0; y < h; y++) {
                rows.rgbRow(y, rgb, y * w * 3);
            }
            pixels = new RgbImage(w, h, rgb);
        }
        return pixels;
    }

    /**
     * Gives the buffers of the decoder that made this image back to it for its next image, on the thread that
     * decoded it; this image is not to be used after it. A task that decodes photo after photo calls it once
     * it has what it needs (the preprocessed tensor), so that small photos do not each allocate their planes.
     * Only our JPEG decoder's images hold such buffers; for the others it does nothing.
     */
    public void release() {
        if (rows instanceof JpegImage jpeg) {
            jpeg.release();
        }
    }

    /** The rows still to be converted, or null when the pixels are packed RGB already. */
    public RgbRows unconverted() {
        return pixels == null ? rows : null;
    }

    /** Stored (decoded) width: of the pixels in the file's orientation. */
    public int storedWidth() {
        return pixels != null ? pixels.width() : rows.width();
    }

    /** Stored (decoded) height. */
    public int storedHeight() {
        return pixels != null ? pixels.height() : rows.height();
    }

    public int orientation() {
        return orientation;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int subsampling() {
        return subsampling;
    }

    public int offsetX() {
        return offsetX;
    }

    public int offsetY() {
        return offsetY;
    }

    public int scale() {
        return scale;
    }

    public Format format() {
        return format;
    }

    @Override
    public String toString() {
        return "DecodedImage[" + storedWidth() + "x" + storedHeight() + " of " + width + "x" + height + ", orientation "
                + orientation + ", subsampling " + subsampling + ", scale " + scale + ", " + format + "]";
    }

    /** How much smaller than the full image the decoded pixels are per axis: the subsampling or the scale. */
    public int reduction() {
        return Math.max(subsampling, scale);
    }

    /** True for the orientations (5..8) that swap width and height. */
    public static boolean transposed(int orientation) {
        return orientation >= 5;
    }

    /** The pixels as displayed: a copy with the orientation applied (the pixels themselves when it is 1). */
    public RgbImage oriented() {
        RgbImage pixels = pixels();
        if (orientation == 1) {
            return pixels;
        }
        View v = View.of(pixels, orientation);
        byte[] src = pixels.pixels();
        byte[] dst = new byte[src.length];
        int o = 0;
        for (int y = 0; y < v.height(); y++) {
            for (int x = 0, p = v.origin() + y * v.yStride(); x < v.width(); x++, p += v.xStride(), o += 3) {
                dst[o] = src[p];
                dst[o + 1] = src[p + 1];
                dst[o + 2] = src[p + 2];
            }
        }
        return new RgbImage(v.width(), v.height(), dst);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Packed RGB pixels seen in an EXIF orientation without copying them: displayed pixel (x, y) starts at
     * byte {@code origin + x * xStride + y * yStride} of the stored array.
     */
    public record View(int width, int height, int origin, int xStride, int yStride) {

        public static View of(RgbImage stored, int orientation) {
            return of(stored.width(), stored.height(), orientation);
        }

        /** The view of stored pixels of {@code w x h}. */
        public static View of(int w, int h, int orientation) {
            int row = 3 * w;
            int last = 3 * (w - 1);
            int bottom = row * (h - 1);
            return switch (orientation) {
                case 1 -> new View(w, h, 0, 3, row);
                case 2 -> new View(w, h, last, -3, row);                 // mirrored left-right
                case 3 -> new View(w, h, last + bottom, -3, -row);       // rotated 180
                case 4 -> new View(w, h, bottom, 3, -row);               // mirrored top-bottom
                case 5 -> new View(h, w, 0, row, 3);                     // transposed
                case 6 -> new View(h, w, bottom, -row, 3);               // rotated 90 clockwise to display
                case 7 -> new View(h, w, last + bottom, -row, -3);       // transversed
                case 8 -> new View(h, w, last, row, -3);                 // rotated 90 anticlockwise to display
                default -> throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
            };
        }
    }
}
