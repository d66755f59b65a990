package dev.shufflespark.io.decode;

/**
 * A decoded image: its pixels as stored in the file, possibly subsampled, and how to display them.
 *
 * @param pixels      the decoded pixels in the file's own orientation; when {@code subsampling > 1}, every
 *                    {@code subsampling}-th pixel of each row and column, starting at ({@code offsetX},
 *                    {@code offsetY})
 * @param orientation the EXIF orientation to apply (1..8; 1 when none, or when applying it is turned off)
 * @param width       the image's full-resolution width as displayed (after the orientation)
 * @param height      the image's full-resolution height as displayed
 * @param subsampling the source subsampling used while decoding (1: every pixel)
 * @param offsetX     the first decoded column, in the file's orientation
 * @param offsetY     the first decoded row, in the file's orientation
 * @param scale       the decoder's scaling (1, 2, 4 or 8; 1: full size): stored pixel (i, j) is the mean of the
 *                    full image's pixels [i x scale, (i + 1) x scale) x [j x scale, (j + 1) x scale), as a
 *                    JPEG decoded in the DCT domain gives it; with {@code scale > 1}, subsampling is 1
 * @param format      the format it was decoded from
 */
public record DecodedImage(RgbImage pixels, int orientation, int width, int height, int subsampling,
                           int offsetX, int offsetY, int scale, Format format) {

    public DecodedImage {
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
        if (scale > 1) {
            if (pixels.width() != ceilDiv(storedW, scale) || pixels.height() != ceilDiv(storedH, scale)) {
                throw new IllegalArgumentException(pixels + " is not " + storedW + "x" + storedH + " scaled by 1/"
                        + scale);
            }
        } else if (pixels.width() != ceilDiv(storedW - offsetX, subsampling)
                || pixels.height() != ceilDiv(storedH - offsetY, subsampling)) {
            throw new IllegalArgumentException(pixels + " is not a subsampling of " + storedW + "x" + storedH
                    + " by " + subsampling + " from " + offsetX + "," + offsetY);
        }
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
            int w = stored.width();
            int h = stored.height();
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
