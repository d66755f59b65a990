package dev.shufflespark.io.preprocess;

import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ReadRegion;
import dev.shufflespark.io.decode.RgbImage;
import dev.shufflespark.io.decode.RgbRows;
import java.util.function.BooleanSupplier;

/**
 * Turns a decoded image into one model input, as torchvision's {@code Resize(r)}, {@code CenterCrop(c)},
 * {@code ToTensor()}, {@code Normalize(mean, std)} do for a Pillow RGB image:
 * <ol>
 *   <li>the shorter side becomes {@code r}, the longer keeps the aspect ratio ({@code int(r * long / short)});
 *       resampled with Pillow's BILINEAR filter (antialiased when shrinking) in Pillow's 22-bit fixed point,
 *       horizontal pass first, rounded to 8 bits after each pass: bit-for-bit Pillow's {@code resize};</li>
 *   <li>the centre {@code c} is cropped (offsets rounded half to even, as Python's {@code round});</li>
 *   <li>each sample is scaled and normalised per channel in float32, {@code (v / 255 - mean) / std}, and
 *       written as three planes (CHW) into the caller's array.</li>
 * </ol>
 * Only the pixels inside the crop are computed. Rows that our JPEG decoder left unconverted ({@link RgbRows})
 * are converted to RGB one at a time inside the horizontal pass, only those the crop needs (the whole image is
 * never written out as RGB), with the same arithmetic, so the tensor is the same bit for bit; transposing EXIF
 * orientations (5 to 8) convert the whole image first. An image that was decoded subsampled, or that carries an
 * EXIF orientation, is resampled from the region of the full image it covers, without first copying it
 * into a rotated or full-size array.
 *
 * <p>Not thread-safe: it keeps a scratch buffer. Use one per thread (per task).
 */
public final class Preprocessor implements ReadRegion {

    private final PreprocessSettings settings;
    /** normalised[plane * 256 + v]: the float of 8-bit sample v in output plane {@code plane}. */
    private final float[] normalised = new float[3 * 256];
    /** Which input channel (0 R, 1 G, 2 B) each output plane takes. */
    private final int[] planeChannel;
    private final boolean bgr;
    /** Whether the vertical pass of the fused path runs on the Vector API ({@link VectorResample}). */
    private static final boolean VECTOR = dev.shufflespark.model.kernel.Simd.enabled()
            && dev.shufflespark.model.kernel.Simd.bits() >= 256;
    private byte[] scratch = new byte[0];
    private byte[] rowBuffer = new byte[0];
    /** The last coefficients of each axis: a task's images often share their size. */
    private final Resampler.Cache horizontalCache = new Resampler.Cache();
    private final Resampler.Cache verticalCache = new Resampler.Cache();
    /** With rowBuffer (red), the row planes of {@link RgbRows#planarRow}. */
    private byte[] green = new byte[0];
    private byte[] blue = new byte[0];
    private int[] sums = new int[0];
    /** The row planes packed into ints, for the gathers of {@link VectorResample#horizontalRow}. */
    private int[] packedInts = new int[0];

    public Preprocessor(PreprocessSettings settings) {
        this.settings = settings;
        this.bgr = settings.channels() == PreprocessSettings.Channels.BGR;
        this.planeChannel = settings.channels() == PreprocessSettings.Channels.RGB ? new int[] {0, 1, 2}
                : new int[] {2, 1, 0};
        float[] mean = settings.mean();
        float[] std = settings.std();
        boolean unit = settings.range() == PreprocessSettings.Range.UNIT;
        for (int plane = 0; plane < 3; plane++) {
            int c = planeChannel[plane];
            for (int v = 0; v < 256; v++) {
                float x = unit ? v / 255f : v;
                normalised[plane * 256 + v] = (x - mean[c]) / std[c];
            }
        }
    }

    /**
     * Runs the Vector API passes of the resize (packing, horizontal and vertical sums) {@code calls} times each on
     * a few narrow synthetic rows, on the calling thread, so that the JIT has compiled them before the first images
     * (as {@link dev.shufflespark.io.decode.ImageDecoder#warmUpVectorPasses} does for the decoder's). Stops early
     * once {@code stop} is true (checked every 64 calls). Returns the calls made, 0 where the passes are scalar.
     */
    public static int warmUpVectorPasses(int calls, BooleanSupplier stop) {
        return VECTOR ? VectorResample.warmUp(calls, stop) : 0;
    }

    public PreprocessSettings settings() {
        return settings;
    }

    /** Floats per image: 3 x cropHeight x cropWidth. */
    public int outputLength() {
        return settings.imageFloats();
    }

    /** The shorter side an image is resized to: how many pixels the decoder needs to deliver. */
    public int resizeTarget() {
        return settings.resizeShorter();
    }

    /** Preprocesses one image into a new array of {@link #outputLength()} floats. */
    public float[] apply(DecodedImage image) {
        float[] out = new float[outputLength()];
        apply(image, out, 0);
        return out;
    }

    /** Preprocesses a plain RGB image (no orientation, not subsampled). */
    public void apply(RgbImage image, float[] out, int offset) {
        apply(DecodedImage.of(image), out, offset);
    }

    /** Preprocesses one image into {@code out[offset, offset + outputLength())}, planes in {@code channels} order. */
    public void apply(DecodedImage image, float[] out, int offset) {
        int ch = settings.cropHeight();
        int cw = settings.cropWidth();
        if (offset < 0 || out.length - offset < outputLength()) {
            throw new IllegalArgumentException("output has room for " + (out.length - offset) + " floats at offset "
                    + offset + ", need " + outputLength());
        }
        int storedW = image.storedWidth();
        int storedH = image.storedHeight();
        Plan plan = plan(image.width(), image.height(), image.orientation(), image.subsampling(), image.offsetX(),
                image.offsetY(), image.scale(), storedW, storedH);
        DecodedImage.View view = plan.view;
        boolean needH = plan.needH;
        boolean needV = plan.needV;
        int left = plan.left;
        int top = plan.top;

        // Rows not yet converted to RGB (our JPEG decoder's) are converted one at a time into a row buffer
        // by the horizontal pass, and only the rows it needs; the whole image is never written out as RGB.
        RgbRows rows = image.unconverted();
        boolean fused = rows != null && plan.fused();
        byte[] src = fused ? null : image.pixels().pixels();
        int plane = ch * cw;
        if (!needH && !needV) {
            for (int y = 0; y < ch; y++) {
                int p = view.origin() + (top + y) * view.yStride() + left * view.xStride();
                int o = offset + y * cw;
                for (int x = 0; x < cw; x++, p += view.xStride()) {
                    store(out, o + x, plane, src, p);
                }
            }
            return;
        }
        Resampler vertical = plan.vertical;
        if (!needH) {
            // Vertical only: straight from the decoded pixels.
            verticalPass(vertical, src, view.origin() + left * view.xStride(), view.xStride(), view.yStride(),
                    cw, ch, out, offset, 0);
            return;
        }
        Resampler horizontal = plan.horizontal;
        int rowFirst = plan.rowFirst;
        int rowCount = plan.rowCount;
        // The horizontal pass writes three planes, channel c's row r at temp[c * planeSize + r * cw], so that
        // the vertical pass runs along contiguous bytes.
        int planeSize = rowCount * cw;
        if (scratch.length < 3 * planeSize) {
            scratch = new byte[3 * planeSize];
        }
        byte[] temp = scratch;
        int from = plan.from;
        int to = plan.to;
        if (fused && rowBuffer.length < 3 * storedW) {
            rowBuffer = new byte[3 * storedW];
        }
        if (fused && rows.planar()) {
            planarHorizontalPass(rows, horizontal, rowFirst, rowCount, from, to, storedW, storedH, view.yStride() > 0,
                    view.xStride() > 0, cw, temp, planeSize);
        } else {
            packedHorizontalPass(rows, src, view, horizontal, fused, rowFirst, rowCount, from, to, storedW, storedH,
                    cw, temp, planeSize);
        }
        for (int c = 0; c < 3; c++) {
            // Output plane p takes input channel planeChannel[p]; the mapping is its own inverse.
            int p = planeChannel[c];
            int table = p * 256;
            int outPlane = offset + p * plane;
            int in = c * planeSize;
            if (!needV) {
                for (int i = 0; i < plane; i++) {
                    out[outPlane + i] = normalised[table + (temp[in + i] & 0xff)];
                }
            } else if (VECTOR) {
                VectorResample.verticalPlane(vertical, temp, in, cw, ch, out, outPlane,
                        settings.range() == PreprocessSettings.Range.UNIT, settings.mean()[planeChannel[p]],
                        settings.std()[planeChannel[p]], rowFirst);
            } else {
                verticalPlane(vertical, temp, in, cw, ch, out, outPlane, table, rowFirst);
            }
        }
    }

    /**
     * The stored pixels that {@link #apply(DecodedImage, float[], int)} reads of an image of {@code width x
     * height} (displayed) decoded scaled by {@code 1 / scale} when it converts them row by row (our JPEG
     * decoder's, {@link RgbRows}): the columns the horizontal taps reach, of the rows the vertical taps reach
     * (filter support beyond the crop included). Null when it would convert the whole image first (a transposing
     * orientation, or no horizontal resize).
     */
    @Override
    public int[] region(int width, int height, int orientation, int scale, int storedWidth, int storedHeight) {
        Plan plan = plan(width, height, orientation, 1, 0, 0, scale, storedWidth, storedHeight);
        if (!plan.fused() || plan.rowCount <= 0 || plan.from >= plan.to) {
            return null;
        }
        int y0 = plan.view.yStride() > 0 ? plan.rowFirst : storedHeight - plan.rowFirst - plan.rowCount;
        return new int[] {plan.from, y0, plan.to, y0 + plan.rowCount};
    }

    /**
     * What {@link #apply(DecodedImage, float[], int)} computes from an image's sizes before it reads a pixel: the
     * resized size and the crop's offsets, the view of the stored pixels, which passes run with which
     * coefficients, and the rows (displayed) and stored columns [from, to) that the horizontal pass reads.
     */
    private record Plan(int left, int top, DecodedImage.View view, boolean transposed, boolean needH,
                        boolean needV, Resampler vertical, Resampler horizontal, int rowFirst, int rowCount,
                        int from, int to) {

        /** Whether rows that are not yet converted are converted inside the horizontal pass. */
        boolean fused() {
            return needH && !transposed;
        }
    }

    private Plan plan(int width, int height, int orientation, int subsampling, int offsetX, int offsetY, int scale,
                      int storedW, int storedH) {
        int ch = settings.cropHeight();
        int cw = settings.cropWidth();
        int[] size = resizedSize(width, height, settings.resizeShorter());
        int outW = size[0];
        int outH = size[1];
        int left = cropOffset(outW, cw);
        int top = cropOffset(outH, ch);
        DecodedImage.View view = DecodedImage.View.of(storedW, storedH, orientation);
        boolean transposed = DecodedImage.transposed(orientation);
        // The full image's extent in the decoded pixels' coordinates, per displayed axis.
        // A displayed axis runs along the stored rows or columns (swapped when transposed), maybe reversed.
        double[] boxX = box(width, view.width(), subsampling, transposed ? offsetY : offsetX, view.xStride() < 0);
        double[] boxY = box(height, view.height(), subsampling, transposed ? offsetX : offsetY, view.yStride() < 0);
        boolean scaled = scale > 1;
        boolean needH = scaled || outW != view.width() || boxX[0] != 0 || boxX[1] != view.width();
        boolean needV = scaled || outH != view.height() || boxY[0] != 0 || boxY[1] != view.height();
        Resampler vertical = !needV ? null : scaled
                ? verticalCache.scaled(height, scale, view.height(), view.yStride() < 0, outH, top, ch)
                : verticalCache.bilinear(view.height(), boxY[0], boxY[1], outH, top, ch);
        if (!needH) {
            return new Plan(left, top, view, transposed, false, needV, vertical, null, 0, 0, 0, 0);
        }
        Resampler horizontal = scaled
                ? horizontalCache.scaled(width, scale, view.width(), view.xStride() < 0, outW, left, cw)
                : horizontalCache.bilinear(view.width(), boxX[0], boxX[1], outW, left, cw);
        int rowFirst = needV ? vertical.lowest() : top;
        int rowEnd = needV ? vertical.highest() : top + ch;
        // The stored columns the horizontal taps read: only those are converted.
        int from = view.xStride() > 0 ? horizontal.lowest() : storedW - horizontal.highest();
        int to = view.xStride() > 0 ? horizontal.highest() : storedW - horizontal.lowest();
        return new Plan(left, top, view, transposed, true, needV, vertical, horizontal, rowFirst, rowEnd - rowFirst,
                from, to);
    }

    /**
     * The horizontal pass from packed RGB: rows of {@code rows} converted into the row buffer when
     * {@code fused}, else the decoded pixels {@code src}; channel c's row r to {@code temp[c * planeSize + r *
     * cw]}.
     */
    private void packedHorizontalPass(RgbRows rows, byte[] src, DecodedImage.View view, Resampler horizontal,
                                      boolean fused, int rowFirst, int rowCount, int from, int to, int storedW,
                                      int storedH, int cw, byte[] temp, int planeSize) {
        int xStride = view.xStride();
        for (int r = 0; r < rowCount; r++) {
            int rowStart;
            if (fused) {
                int displayed = rowFirst + r;
                rows.rgbRow(view.yStride() > 0 ? displayed : storedH - 1 - displayed, from, to, rowBuffer, 0);
                src = rowBuffer;
                rowStart = xStride > 0 ? 0 : 3 * (storedW - 1);
            } else {
                rowStart = view.origin() + (rowFirst + r) * view.yStride();
            }
            horizontalRow(horizontal, src, src, src, 1, 2, rowStart, xStride, cw, temp, r * cw, planeSize);
        }
    }

    /**
     * The horizontal pass from rows that {@code rows} converts into planes ({@link RgbRows#planar}): the same
     * sums as {@link #packedHorizontalPass}, reading R, G and B from three row buffers.
     */
    private void planarHorizontalPass(RgbRows rows, Resampler horizontal, int rowFirst, int rowCount, int from,
                                      int to, int storedW, int storedH, boolean down, boolean right, int cw,
                                      byte[] temp, int planeSize) {
        byte[] red = rowBuffer;
        if (green.length < storedW) {
            green = new byte[storedW];
            blue = new byte[storedW];
        }
        byte[] green = this.green;
        byte[] blue = this.blue;
        if (VECTOR && packedInts.length < storedW) {
            packedInts = new int[storedW];
        }
        int xs = right ? 1 : -1;
        int rowStart = right ? 0 : storedW - 1;
        for (int r = 0; r < rowCount; r++) {
            int displayed = rowFirst + r;
            rows.planarRow(down ? displayed : storedH - 1 - displayed, from, to, red, green, blue);
            if (right && VECTOR) {
                VectorResample.pack(red, green, blue, packedInts, from, to);
                int done = VectorResample.horizontalRow(horizontal, packedInts, cw, temp, r * cw, planeSize);
                planarRow(horizontal, red, green, blue, done, cw, temp, r * cw, planeSize);
            } else if (right) {
                planarRow(horizontal, red, green, blue, 0, cw, temp, r * cw, planeSize);
            } else {
                horizontalRow(horizontal, red, green, blue, 0, 0, rowStart, xs, cw, temp, r * cw, planeSize);
            }
        }
    }

    /**
     * The horizontal sums of one row, for both passes: pixel p's R, G and B at {@code red[p]}, {@code green[p +
     * greenOff]} and {@code blue[p + blueOff]}, the row's pixel 0 at {@code rowStart} and the next {@code step}
     * further; output column x of channel c to {@code temp[c * planeSize + t + x]}.
     */
    static void horizontalRow(Resampler horizontal, byte[] red, byte[] green, byte[] blue, int greenOff,
                                      int blueOff, int rowStart, int step, int cw, byte[] temp, int t,
                                      int planeSize) {
        for (int x = 0; x < cw; x++) {
            int n = horizontal.count[x];
            int k = x * horizontal.stride;
            int p = rowStart + horizontal.first[x] * step;
            int s0 = Resampler.HALF, s1 = Resampler.HALF, s2 = Resampler.HALF;
            for (int i = 0; i < n; i++, p += step) {
                int w = horizontal.weights[k + i];
                s0 += (red[p] & 0xff) * w;
                s1 += (green[p + greenOff] & 0xff) * w;
                s2 += (blue[p + blueOff] & 0xff) * w;
            }
            temp[t + x] = (byte) Resampler.clip8(s0);
            temp[planeSize + t + x] = (byte) Resampler.clip8(s1);
            temp[2 * planeSize + t + x] = (byte) Resampler.clip8(s2);
        }
    }

    /**
     * {@link #horizontalRow} for planes read left to right from pixel 0, outputs {@code [x0, cw)}: the same sums,
     * with the usual tap counts (2, 3 and 4, those of a shrink by less than 2) written out rather than looped over.
     */
    static void planarRow(Resampler horizontal, byte[] red, byte[] green, byte[] blue, int x0, int cw, byte[] temp,
                          int t, int planeSize) {
        int[] first = horizontal.first;
        int[] count = horizontal.count;
        int[] weights = horizontal.weights;
        int stride = horizontal.stride;
        for (int x = x0, k = x0 * stride; x < cw; x++, k += stride) {
            int n = count[x];
            int p = first[x];
            int s0 = Resampler.HALF, s1 = Resampler.HALF, s2 = Resampler.HALF;
            if (n == 3) {
                int w0 = weights[k], w1 = weights[k + 1], w2 = weights[k + 2];
                s0 += (red[p] & 0xff) * w0 + (red[p + 1] & 0xff) * w1 + (red[p + 2] & 0xff) * w2;
                s1 += (green[p] & 0xff) * w0 + (green[p + 1] & 0xff) * w1 + (green[p + 2] & 0xff) * w2;
                s2 += (blue[p] & 0xff) * w0 + (blue[p + 1] & 0xff) * w1 + (blue[p + 2] & 0xff) * w2;
            } else if (n == 4) {
                int w0 = weights[k], w1 = weights[k + 1], w2 = weights[k + 2], w3 = weights[k + 3];
                s0 += (red[p] & 0xff) * w0 + (red[p + 1] & 0xff) * w1 + (red[p + 2] & 0xff) * w2
                        + (red[p + 3] & 0xff) * w3;
                s1 += (green[p] & 0xff) * w0 + (green[p + 1] & 0xff) * w1 + (green[p + 2] & 0xff) * w2
                        + (green[p + 3] & 0xff) * w3;
                s2 += (blue[p] & 0xff) * w0 + (blue[p + 1] & 0xff) * w1 + (blue[p + 2] & 0xff) * w2
                        + (blue[p + 3] & 0xff) * w3;
            } else if (n == 2) {
                int w0 = weights[k], w1 = weights[k + 1];
                s0 += (red[p] & 0xff) * w0 + (red[p + 1] & 0xff) * w1;
                s1 += (green[p] & 0xff) * w0 + (green[p + 1] & 0xff) * w1;
                s2 += (blue[p] & 0xff) * w0 + (blue[p + 1] & 0xff) * w1;
            } else {
                for (int i = 0; i < n; i++, p++) {
                    int w = weights[k + i];
                    s0 += (red[p] & 0xff) * w;
                    s1 += (green[p] & 0xff) * w;
                    s2 += (blue[p] & 0xff) * w;
                }
            }
            temp[t + x] = (byte) Resampler.clip8(s0);
            temp[planeSize + t + x] = (byte) Resampler.clip8(s1);
            temp[2 * planeSize + t + x] = (byte) Resampler.clip8(s2);
        }
    }

    /**
     * Vertical resampling of one channel plane ({@code cw} bytes a row, row y at {@code in + (y - rowOrigin) *
     * cw}) into one normalised output plane. The taps run outermost so that each is a pass along a row.
     */
    void verticalPlane(Resampler v, byte[] src, int in, int cw, int ch, float[] out, int outPlane,
                               int table, int rowOrigin) {
        if (sums.length < cw) {
            sums = new int[cw];
        }
        int[] acc = sums;
        for (int y = 0; y < ch; y++) {
            int n = v.count[y];
            int k = y * v.stride;
            java.util.Arrays.fill(acc, 0, cw, Resampler.HALF);
            for (int i = 0; i < n; i++) {
                int w = v.weights[k + i];
                int row = in + (v.first[y] + i - rowOrigin) * cw;
                for (int x = 0; x < cw; x++) {
                    acc[x] += (src[row + x] & 0xff) * w;
                }
            }
            int o = outPlane + y * cw;
            for (int x = 0; x < cw; x++) {
                out[o + x] = normalised[table + Resampler.clip8(acc[x])];
            }
        }
    }

    /**
     * Vertical resampling of {@code cw} columns (column x at {@code base + x * xStride}, row y at
     * {@code y * yStride}, rows numbered from {@code rowOrigin}) into normalised output rows.
     */
    private void verticalPass(Resampler v, byte[] src, int base, int xStride, int yStride, int cw, int ch,
                              float[] out, int offset, int rowOrigin) {
        int plane = ch * cw;
        for (int y = 0; y < ch; y++) {
            int n = v.count[y];
            int k = y * v.stride;
            int firstRow = base + (v.first[y] - rowOrigin) * yStride;
            int o = offset + y * cw;
            for (int x = 0; x < cw; x++) {
                int p = firstRow + x * xStride;
                int s0 = Resampler.HALF, s1 = Resampler.HALF, s2 = Resampler.HALF;
                for (int i = 0; i < n; i++, p += yStride) {
                    int w = v.weights[k + i];
                    s0 += (src[p] & 0xff) * w;
                    s1 += (src[p + 1] & 0xff) * w;
                    s2 += (src[p + 2] & 0xff) * w;
                }
                int r = Resampler.clip8(s0);
                int b = Resampler.clip8(s2);
                out[o + x] = normalised[bgr ? b : r];
                out[o + x + plane] = normalised[256 + Resampler.clip8(s1)];
                out[o + x + 2 * plane] = normalised[512 + (bgr ? r : b)];
            }
        }
    }

    private void store(float[] out, int at, int plane, byte[] px, int p) {
        out[at] = normalised[px[p + planeChannel[0]] & 0xff];
        out[at + plane] = normalised[256 + (px[p + planeChannel[1]] & 0xff)];
        out[at + 2 * plane] = normalised[512 + (px[p + planeChannel[2]] & 0xff)];
    }

    /**
     * The interval [u0, u1) of decoded-pixel coordinates that a full-resolution axis of {@code full} pixels
     * covers, when every {@code s}-th pixel from {@code offset} was decoded ({@code n} of them), seen in
     * reverse when {@code flipped}. Decoded pixel i is centred on full-resolution coordinate
     * {@code s * i + offset + 0.5}. For a full decode this is [0, full).
     */
    static double[] box(int full, int n, int s, int offset, boolean flipped) {
        if (s == 1) {
            return new double[] {0, full};
        }
        double u0 = (-offset - 0.5) / s + 0.5;
        double u1 = (full - offset - 0.5) / s + 0.5;
        return flipped ? new double[] {n - u1, n - u0} : new double[] {u0, u1};
    }

    /** {width, height} with the shorter side {@code shorter} and the longer scaled and truncated (torchvision). */
    public static int[] resizedSize(int width, int height, int shorter) {
        if (width <= height) {
            return new int[] {shorter, (int) ((long) shorter * height / width)};
        }
        return new int[] {(int) ((long) shorter * width / height), shorter};
    }

    /** Start of a centred window of {@code crop} in {@code size}, rounded half to even like Python's round. */
    public static int cropOffset(int size, int crop) {
        return (int) Math.rint((size - crop) / 2.0);
    }
}
