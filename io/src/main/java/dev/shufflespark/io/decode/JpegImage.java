package dev.shufflespark.io.decode;

/**
 * What {@link JpegDecoder} decoded: one plane per component at its own resolution, turned into RGB rows on
 * demand, so that a caller can convert only the rows it needs into a small buffer instead of the whole image.
 * <ul>
 *   <li>upsampling is libjpeg-turbo's: "fancy" (triangle) for 2:1 horizontal, vertical or both when the
 *       component is wider than 2 samples (h1v2 always), with its rounding, its ordered dither of the
 *       halves and its edge rules (the first and last rows and columns repeated); replication for other
 *       integral ratios and for narrow components;</li>
 *   <li>colour conversion is libjpeg's YCbCr tables ({@code jdcolor.c}), YCCK to CMYK as libjpeg does it,
 *       and CMYK to RGB as Pillow does it (Adobe files inverted), via {@link PixelConversion}.</li>
 * </ul>
 * Not thread-safe: it keeps row buffers. Once {@link #release released}, its planes belong to its decoder again.
 */
final class JpegImage implements RgbRows {

    private final int width;
    private final int height;
    private final int scale;
    private final JpegHeader.ColourSpace space;
    private final boolean adobe;
    private final int n;
    private final byte[][] planes;
    private final int[] strides;
    private final int[] widths;
    private final int[] heights;
    private final int[] upH;
    private final int[] upV;
    private final boolean[] fancy;
    private final byte[][] rows;
    private final int[] colsum;
    private final byte[][] src = new byte[4][];
    private final int[] at = new int[4];
    private byte[][] cmy;
    /** The decoder whose planes these are, which takes them back on {@link #release}. */
    private final JpegDecoder owner;
    private boolean released;
    /** The pixels decoded, columns [x0, x1) of rows [y0, y1): all of them unless a region was asked for. */
    private final int x0;
    private final int y0;
    private final int x1;
    private final int y1;

    /**
     * The image of the planes of {@code comps}, of which only the region {@code {x0, y0, x1, y1}} was
     * decoded (null: all of it).
     */
    JpegImage(int width, int height, int scale, JpegComponent[] comps, int maxH, int maxV, int shift,
              JpegHeader.ColourSpace space, boolean adobe, JpegDecoder owner, int[] region) {
        this.owner = owner;
        this.x0 = region == null ? 0 : region[0];
        this.y0 = region == null ? 0 : region[1];
        this.x1 = region == null ? width : region[2];
        this.y1 = region == null ? height : region[3];
        this.width = width;
        this.height = height;
        this.scale = scale;
        this.space = space;
        this.adobe = adobe;
        this.n = comps.length;
        planes = new byte[n][];
        strides = new int[n];
        widths = new int[n];
        heights = new int[n];
        upH = new int[n];
        upV = new int[n];
        fancy = new boolean[n];
        rows = new byte[n][];
        int maxSample = 0;
        for (int i = 0; i < n; i++) {
            JpegComponent c = comps[i];
            planes[i] = c.plane;
            strides[i] = c.stride;
            widths[i] = c.width;
            heights[i] = c.height;
            upH[i] = ((maxH / c.h) * (8 >> shift)) >> c.bwLog;
            upV[i] = ((maxV / c.v) * (8 >> shift)) >> c.bhLog;
            boolean two = upH[i] == 2 && upV[i] <= 2 || upH[i] == 1 && upV[i] == 2;
            // libjpeg: no fancy upsampling when decoding at 1/8; h2v1 and h2v2 need more than 2 samples.
            fancy[i] = two && shift < 3 && (upH[i] == 1 || c.width > 2);
            if (upH[i] > 1 || upV[i] > 1) {
                rows[i] = new byte[Math.max(c.width * upH[i], width)];
            }
            maxSample = Math.max(maxSample, c.width);
        }
        colsum = new int[maxSample];
    }

    /** Width of the decoded image (the full width divided by {@link #scale()}, rounded up). */
    @Override
    public int width() {
        return width;
    }

    @Override
    public int height() {
        return height;
    }

    /** 1, 2, 4 or 8: each decoded pixel is the mean of (up to) scale x scale pixels of the full image. */
    int scale() {
        return scale;
    }

    /** The whole image as packed RGB. */
    RgbImage toRgb() {
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        for (int y = 0; y < height; y++) {
            rgbRow(y, rgb, y * width * 3);
        }
        return new RgbImage(width, height, rgb);
    }

    /**
     * Gives the planes back to the decoder for its next images (on its thread); this image is not to be used
     * after it. Again: nothing.
     */
    void release() {
        if (!released) {
            released = true;
            for (int i = 0; i < n; i++) {
                owner.recycle(planes[i]);
                planes[i] = null;
            }
        }
    }

    @Override
    public void rgbRow(int y, int from, int to, byte[] dst, int off) {
        if (released) {
            throw new IllegalStateException("the image was released: its planes hold another image now");
        }
        check(y, from, to);
        byte[][] src = this.src;
        int[] at = this.at;
        sources(y, from, to);
        int count = to - from;
        int o = off + 3 * from;
        switch (space) {
            case GRAY -> gray(src[0], at[0], dst, o, count);
            case RGB -> copy(src, at, dst, o, count);
            case YCBCR -> PixelConversion.ycbcrRow(src[0], at[0], src[1], at[1], src[2], at[2], dst, o, count);
            case CMYK -> PixelConversion.cmykRow(src, at, adobe, dst, o, count);
            case YCCK -> {
                ycckToCmyk(src, at, count);
                PixelConversion.cmykRow(src, at, adobe, dst, o, count);
            }
            default -> throw new IllegalStateException("no conversion for " + space);
        }
    }

    private void check(int y, int from, int to) {
        if (from < 0 || to > width || from > to) {
            throw new IndexOutOfBoundsException("columns [" + from + ", " + to + ") of " + width);
        }
        if (from < to && (y < y0 || y >= y1 || from < x0 || to > x1)) {
            throw new IllegalStateException("columns [" + from + ", " + to + ") of row " + y + " are outside the"
                    + " region decoded, [" + x0 + ", " + x1 + ") of rows [" + y0 + ", " + y1 + ")");
        }
    }

    /** YCbCr is converted straight into planes (on the Vector API when it is on). */
    @Override
    public boolean planar() {
        return space == JpegHeader.ColourSpace.YCBCR;
    }

    @Override
    public void planarRow(int y, int from, int to, byte[] r, byte[] g, byte[] b) {
        if (space != JpegHeader.ColourSpace.YCBCR) {
            RgbRows.super.planarRow(y, from, to, r, g, b);
            return;
        }
        if (released) {
            throw new IllegalStateException("the image was released: its planes hold another image now");
        }
        check(y, from, to);
        sources(y, from, to);
        byte[][] src = this.src;
        int[] at = this.at;
        if (VECTOR_COLOUR) {
            VectorColour.ycbcrPlanes(src[0], at[0], src[1], at[1], src[2], at[2], r, g, b, from, to - from);
        } else {
            PixelConversion.ycbcrPlanes(src[0], at[0], src[1], at[1], src[2], at[2], r, g, b, from, to - from);
        }
    }

    /** Whether {@link #planarRow} converts on the Vector API ({@link VectorColour}); loaded only then. */
    static final boolean VECTOR_COLOUR = dev.shufflespark.model.kernel.Simd.enabled()
            && dev.shufflespark.model.kernel.Simd.bits() >= 256;

    /** Whether the fancy 2x2 upsampling runs on the Vector API ({@link VectorUpsample}); loaded only then. */
    static final boolean VECTOR_UPSAMPLE = VECTOR_COLOUR;

    /** Each component's samples for columns {@code [from, to)} of row y: src[i] from at[i]. */
    private void sources(int y, int from, int to) {
        for (int i = 0; i < n; i++) {
            if (upH[i] == 1 && upV[i] == 1) {
                src[i] = planes[i];
                at[i] = y * strides[i] + from;
            } else {
                upsample(i, y, from, to);
                src[i] = rows[i];
                at[i] = from;
            }
        }
    }

    /**
     * Component i's row y at the image's resolution, into rows[i]: at least the columns {@code [from, to)},
     * computed from the samples they depend on only (the rest of rows[i] is stale).
     */
    private void upsample(int i, int y, int from, int to) {
        byte[] plane = planes[i];
        byte[] out = rows[i];
        int w = widths[i];
        int stride = strides[i];
        int inRow = y / upV[i];
        // The samples that the columns [from, to) come from.
        int lo = Math.min(from / upH[i], w);
        int hi = Math.min((to + upH[i] - 1) / upH[i], w);
        if (fancy[i] && upV[i] == 2) {
            // The nearer row and the next nearer (above for even rows, below for odd), edges repeated.
            int far = (y & 1) == 0 ? Math.max(inRow - 1, 0) : Math.min(inRow + 1, heights[i] - 1);
            int p0 = inRow * stride;
            int p1 = far * stride;
            if (upH[i] == 1) {
                int bias = (y & 1) == 0 ? 1 : 2;
                for (int x = lo; x < hi; x++) {
                    out[x] = (byte) (((plane[p0 + x] & 0xff) * 3 + (plane[p1 + x] & 0xff) + bias) >> 2);
                }
                return;
            }
            if (VECTOR_UPSAMPLE) {
                VectorUpsample.fancyH2v2(plane, p0, p1, w, lo, hi, out);
            } else {
                fancyH2v2(plane, p0, p1, w, lo, hi, colsum, out);
            }
            return;
        }
        int p = inRow * stride;
        if (fancy[i]) { // h2v1
            int l = w - 1;
            int x = lo;
            if (x == 0 && x < hi) {
                int first = plane[p] & 0xff;
                out[0] = (byte) first;
                out[1] = (byte) ((first * 3 + (plane[p + 1] & 0xff) + 2) >> 2);
                x = 1;
            }
            for (int end = Math.min(hi, l); x < end; x++) {
                int t = (plane[p + x] & 0xff) * 3;
                out[2 * x] = (byte) ((t + (plane[p + x - 1] & 0xff) + 1) >> 2);
                out[2 * x + 1] = (byte) ((t + (plane[p + x + 1] & 0xff) + 2) >> 2);
            }
            if (hi == w && l > 0) {
                int last = plane[p + l] & 0xff;
                out[2 * l] = (byte) ((last * 3 + (plane[p + l - 1] & 0xff) + 1) >> 2);
                out[2 * l + 1] = (byte) last;
            }
            return;
        }
        int f = upH[i];
        for (int x = lo, o = lo * f; x < hi; x++) {
            byte v = plane[p + x];
            for (int k = 0; k < f; k++) {
                out[o++] = v;
            }
        }
    }

    /**
     * libjpeg-turbo's {@code h2v2_fancy_upsample} of the sample columns {@code [lo, hi)} of a component w samples
     * wide into {@code out[2 * lo, 2 * hi)}: each output the triangle filter of the nearer input row
     * ({@code plane[p0]}, weight 3) and the farther one ({@code plane[p1]}), then of the nearer and farther
     * column, with the edge columns repeated. {@code colsum} is w ints of scratch.
     */
    static void fancyH2v2(byte[] plane, int p0, int p1, int w, int lo, int hi, int[] colsum, byte[] out) {
        int[] cs = colsum;
        int csLo = Math.max(lo - 1, 0);
        int csHi = Math.min(hi + 1, w);
        for (int x = csLo; x < csHi; x++) {
            cs[x] = (plane[p0 + x] & 0xff) * 3 + (plane[p1 + x] & 0xff);
        }
        int l = w - 1;
        int x = lo;
        if (x == 0 && x < hi) {
            out[0] = (byte) ((cs[0] * 4 + 8) >> 4);
            out[1] = (byte) ((cs[0] * 3 + cs[1] + 7) >> 4);
            x = 1;
        }
        for (int end = Math.min(hi, l); x < end; x++) {
            int t = cs[x] * 3;
            out[2 * x] = (byte) ((t + cs[x - 1] + 8) >> 4);
            out[2 * x + 1] = (byte) ((t + cs[x + 1] + 7) >> 4);
        }
        if (hi == w && l > 0) {
            out[2 * l] = (byte) ((cs[l] * 3 + cs[l - 1] + 8) >> 4);
            out[2 * l + 1] = (byte) ((cs[l] * 4 + 7) >> 4);
        }
    }

    private static void gray(byte[] src, int at, byte[] dst, int off, int count) {
        for (int x = 0; x < count; x++, off += 3) {
            byte v = src[at + x];
            dst[off] = v;
            dst[off + 1] = v;
            dst[off + 2] = v;
        }
    }

    private static void copy(byte[][] src, int[] at, byte[] dst, int off, int count) {
        byte[] r = src[0], g = src[1], b = src[2];
        int ar = at[0], ag = at[1], ab = at[2];
        for (int x = 0; x < count; x++, off += 3) {
            dst[off] = r[ar + x];
            dst[off + 1] = g[ag + x];
            dst[off + 2] = b[ab + x];
        }
    }

    /** libjpeg's {@code ycck_cmyk_convert}: the YCC part to RGB, inverted to CMY; K as it is. In place. */
    private void ycckToCmyk(byte[][] src, int[] at, int count) {
        if (cmy == null) {
            cmy = new byte[3][width];
        }
        byte[][] out = cmy;
        PixelConversion.ycbcrToInvertedRow(src[0], at[0], src[1], at[1], src[2], at[2], out, count);
        for (int c = 0; c < 3; c++) {
            src[c] = out[c];
            at[c] = 0;
        }
    }
}
