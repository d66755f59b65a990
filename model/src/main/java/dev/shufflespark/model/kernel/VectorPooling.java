package dev.shufflespark.model.kernel;

import static dev.shufflespark.model.kernel.VectorKernels.COLUMNS;
import static dev.shufflespark.model.kernel.VectorKernels.COLUMNS_WIDTH;
import static dev.shufflespark.model.kernel.VectorKernels.EVENS;
import static dev.shufflespark.model.kernel.VectorKernels.L;
import static dev.shufflespark.model.kernel.VectorKernels.S;
import static dev.shufflespark.model.kernel.VectorKernels.UPPER;
import static dev.shufflespark.model.kernel.VectorKernels.columnsAt;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Max and average pooling on the Vector API, same signatures and contracts as
 * {@link ScalarKernels#maxPool} and {@link ScalarKernels#avgPool}, their truth in tests.
 * Written to the rules in {@link VectorKernels}.
 */
public final class VectorPooling {

    private VectorPooling() {
    }

    /**
     * Max pool over one plane. Output columns whose window lies inside the row are computed
     * L at a time (stride 1 directly; stride 2 as stride-1 maxima of two vectors, then the even
     * lanes); the rest, and strides other than 1 and 2, pixel by pixel.
     */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p) {
        pool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, true, false, false);
    }

    /**
     * {@link ScalarKernels#maxPool(float[], int, int, int, float[], int, int, int, int, int, int, int)}: a band of
     * a plane with {@code above} rows before it. The 3x3 pool of stride 2 and padding 1 runs as
     * {@link #maxPool3x3Stride2}, its first window reading the row above; other shapes with rows above take
     * the scalar reference.
     */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, int above) {
        if (above == 0) {
            pool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, true, false, false);
        } else if (k == 3 && s == 2 && p == 1 && width % 2 == 0 && ow == width / 2 && ow <= COLUMNS_WIDTH
                && oh == (h - 1) / 2 + 1 && oh * ow >= L && inOff + (h - 1) * width + Math.max(width, L) <= in.length) {
            maxPool3x3Stride2(in, inOff, h, width, out, outOff, oh, ow, true);
        } else {
            ScalarKernels.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, above);
        }
    }

    /** Average pool over one plane with an optional fused ReLU; vectorised like {@link #maxPool}. */
    public static void avgPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, boolean countIncludePad, boolean relu) {
        pool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, false, countIncludePad, relu);
    }

    private static void pool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                             int oh, int ow, int k, int s, int p, boolean max, boolean countIncludePad,
                             boolean relu) {
        // Output columns [xLo, xHi) have every tap column inside [0, width).
        int xLo = Math.min(ow, (p + s - 1) / s);
        int xHi = width - k + p < 0 ? 0 : Math.min(ow, (width - k + p) / s + 1);
        if (k == 3 && s == 2 && p == 1 && (max || countIncludePad) && width % 2 == 0 && ow == width / 2
                && ow <= COLUMNS_WIDTH && oh == (h - 1) / 2 + 1 && oh * ow >= L
                && inOff + (h - 1) * width + Math.max(width, L) <= in.length) {
            if (max) {
                maxPool3x3Stride2(in, inOff, h, width, out, outOff, oh, ow, false);
            } else {
                avgPool3x3Stride2(in, inOff, h, width, out, outOff, oh, ow, relu);
            }
            return;
        }
        if (s == 2 && xHi - xLo >= 1 && xHi - xLo < L) {
            poolStride2Narrow(in, inOff, h, width, out, outOff, oh, ow, k, p, max, countIncludePad, relu, xLo, xHi);
            return;
        }
        if ((s != 1 && s != 2) || xHi - xLo < L) {
            if (max) {
                ScalarKernels.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p);
            } else {
                avgPoolClipped(in, inOff, h, width, out, outOff, oh, ow, k, s, p, countIncludePad, relu);
            }
            return;
        }
        for (int y = 0; y < oh; y++) {
            int o = outOff + y * ow;
            for (int x = 0; x < xLo; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
            }
            for (int x = xHi; x < ow; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
            }
            int yLo = Math.max(0, y * s - p);
            int yHi = Math.min(h, y * s - p + k);
            // At stride 2 the second vector reads one column past the last window of the chunk.
            boolean fits = s == 1 || inOff + (yHi - 1) * width + (xHi - L) * 2 - p + 2 * L + k - 2 < in.length;
            if (yLo >= yHi || !fits) {
                for (int x = xLo; x < xHi; x++) {
                    poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
                }
                continue;
            }
            int c = inOff + xLo * s - p;
            if (max) {
                if (s == 1) {
                    maxRowStride1(in, c, width, yLo, yHi, k, out, o + xLo, xHi - xLo);
                } else {
                    maxRowStride2(in, c, width, yLo, yHi, k, out, o + xLo, xHi - xLo);
                }
            } else {
                float divisor = countIncludePad ? k * k : (yHi - yLo) * k;
                if (s == 1) {
                    avgRowStride1(in, c, width, yLo, yHi, k, divisor, relu, out, o + xLo, xHi - xLo);
                } else {
                    avgRowStride2(in, c, width, yLo, yHi, k, divisor, relu, out, o + xLo, xHi - xLo);
                }
            }
        }
    }

    /** Per-thread staging of {@link #avgPool3x3Stride2}'s column sums; grown as needed. */
    private static final ThreadLocal<float[][]> COLUMN_SUMS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * The 3x3 average pool of stride 2 and padding 1 that divides by 9 (ShuffleNet v1's shortcut,
     * from 56x56, 28x28 and 14x14 planes) of an even width, in two flat passes. First, for every
     * output row, the sums of its three input rows down each column, a row of {@code width}
     * sums (a vector or two each). Since {@code width = 2 * ow}, output {@code j} (row-major)
     * then takes the sums at {@code 2j}, {@code 2j + 1} and {@code 2j - 1} of that staging, so
     * the second pass runs over the whole output plane as one range: two vectors of sums, their
     * even lanes; the {@code 2j - 1} term dropped in lanes of column 0 (compare and blend
     * against {@link VectorKernels#COLUMNS}), where it is the row before's last sum. The rows
     * narrower than a vector and the pixel columns of the row kernels go away.
     */
    private static void avgPool3x3Stride2(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                          int oh, int ow, boolean relu) {
        float[][] holder = COLUMN_SUMS.get();
        // sums of output row y at [1 + y*width, 1 + (y+1)*width); a row narrower than a vector
        // spills into the next (rewritten after) or the slack
        int need = 1 + oh * width + 2 * L + 2;
        if (holder[0].length < need) {
            holder[0] = new float[need];
        }
        float[] v = holder[0];
        for (int y = 0; y < oh; y++) {
            int r = inOff + 2 * y * width;
            boolean up = y > 0;
            boolean down = 2 * y + 1 < h;
            for (int c = 0; ; c += L) {
                if (c > width - L) {
                    if (c >= width) {
                        break;
                    }
                    c = Math.max(0, width - L);
                }
                FloatVector sum = FloatVector.fromArray(S, in, r + c);
                if (up) {
                    sum = FloatVector.fromArray(S, in, r - width + c).add(sum);
                }
                if (down) {
                    sum = sum.add(FloatVector.fromArray(S, in, r + width + c));
                }
                sum.intoArray(v, 1 + y * width + c);
                if (c >= width - L) {
                    break;
                }
            }
        }
        FloatVector zero = FloatVector.zero(S);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int columns = columnsAt(ow);
        int n = oh * ow;
        for (int j = 0; ; j += L) {
            if (j > n - L) {
                if (j >= n) {
                    break;
                }
                j = n - L;
            }
            int a = 1 + 2 * j;
            FloatVector lo = FloatVector.fromArray(S, v, a).add(FloatVector.fromArray(S, v, a + 1));
            FloatVector hi = FloatVector.fromArray(S, v, a + L).add(FloatVector.fromArray(S, v, a + L + 1));
            FloatVector mid = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER);
            FloatVector left = FloatVector.fromArray(S, v, a - 1).rearrange(EVENS)
                    .blend(FloatVector.fromArray(S, v, a - 1 + L).rearrange(EVENS), UPPER);
            FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + j % ow);
            FloatVector avg = mid.add(left.blend(zero, column.eq(zero))).div(9f);
            avg.blend(floor, avg.lt(floor)).intoArray(out, outOff + j);
            if (j == n - L) {
                break;
            }
        }
    }

    /**
     * The 3x3 max pool of stride 2 and padding 1 (ShuffleNet's stem pool, 112x112 to 56x56) of
     * an even width, in the two passes of {@link #avgPool3x3Stride2}: column maxima of each
     * output row's three input rows, then the whole output plane as one range; padding never
     * wins (the {@code 2j - 1} term is minus infinity in column 0). With {@code rowAbove}, the row before
     * row 0 is a row of the plane (a band of a larger one), not padding.
     */
    private static void maxPool3x3Stride2(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                          int oh, int ow, boolean rowAbove) {
        float[][] holder = COLUMN_SUMS.get();
        int need = 1 + oh * width + 2 * L + 2;
        if (holder[0].length < need) {
            holder[0] = new float[need];
        }
        float[] v = holder[0];
        for (int y = 0; y < oh; y++) {
            int r = inOff + 2 * y * width;
            boolean up = y > 0 || rowAbove;
            boolean down = 2 * y + 1 < h;
            for (int c = 0; ; c += L) {
                if (c > width - L) {
                    if (c >= width) {
                        break;
                    }
                    c = Math.max(0, width - L);
                }
                FloatVector m = FloatVector.fromArray(S, in, r + c);
                if (up) {
                    m = FloatVector.fromArray(S, in, r - width + c).max(m);
                }
                if (down) {
                    m = m.max(FloatVector.fromArray(S, in, r + width + c));
                }
                m.intoArray(v, 1 + y * width + c);
                if (c >= width - L) {
                    break;
                }
            }
        }
        FloatVector zero = FloatVector.zero(S);
        FloatVector none = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int columns = columnsAt(ow);
        int n = oh * ow;
        for (int j = 0; ; j += L) {
            if (j > n - L) {
                if (j >= n) {
                    break;
                }
                j = n - L;
            }
            int a = 1 + 2 * j;
            FloatVector lo = FloatVector.fromArray(S, v, a).max(FloatVector.fromArray(S, v, a + 1));
            FloatVector hi = FloatVector.fromArray(S, v, a + L).max(FloatVector.fromArray(S, v, a + L + 1));
            FloatVector mid = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER);
            FloatVector left = FloatVector.fromArray(S, v, a - 1).rearrange(EVENS)
                    .blend(FloatVector.fromArray(S, v, a - 1 + L).rearrange(EVENS), UPPER);
            FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + j % ow);
            mid.max(left.blend(none, column.eq(zero))).intoArray(out, outOff + j);
            if (j == n - L) {
                break;
            }
        }
    }

    /** The first lane. */
    private static final VectorMask<Float> FIRST = VectorMask.fromLong(S, 1L);

    /**
     * {@link ScalarKernels#maxPool3x3Stride2Split}: with the columns split by parity, the three columns of a
     * window are the even column x, the odd column x and the odd column x - 1 of the same row, so each vector
     * of outputs is the maximum of nine plain loads, three in each row, with no lane shuffles; the first
     * vector of a row drops the odd column before column 0 (the last even column, loaded in its lane 0). A
     * window row outside the band reads its middle row again, which leaves the maximum as it is. Rows of
     * fewer than 2 L floats take the scalar reference.
     */
    public static void maxPool3x3Stride2Split(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                              int oh, int above) {
        int ow = width / 2;
        if (ow < L) {
            ScalarKernels.maxPool3x3Stride2Split(in, inOff, h, width, out, outOff, oh, above);
            return;
        }
        FloatVector none = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int y = 0; y < oh; y++) {
            int r1 = inOff + 2 * y * width;
            int r0 = y > 0 || above > 0 ? r1 - width : r1;
            int r2 = 2 * y + 1 < h ? r1 + width : r1;
            int o = outOff + y * ow;
            FloatVector even = FloatVector.fromArray(S, in, r0).max(FloatVector.fromArray(S, in, r1))
                    .max(FloatVector.fromArray(S, in, r2));
            FloatVector odd = FloatVector.fromArray(S, in, r0 + ow).max(FloatVector.fromArray(S, in, r1 + ow))
                    .max(FloatVector.fromArray(S, in, r2 + ow));
            FloatVector left = FloatVector.fromArray(S, in, r0 + ow - 1)
                    .max(FloatVector.fromArray(S, in, r1 + ow - 1)).max(FloatVector.fromArray(S, in, r2 + ow - 1));
            even.max(odd).max(left.blend(none, FIRST)).intoArray(out, o);
            // the rest of the row; the last vector moved back to end at the end of the row
            for (int x = L; x < ow; x += L) {
                if (x > ow - L) {
                    x = ow - L;
                }
                even = FloatVector.fromArray(S, in, r0 + x).max(FloatVector.fromArray(S, in, r1 + x))
                        .max(FloatVector.fromArray(S, in, r2 + x));
                odd = FloatVector.fromArray(S, in, r0 + ow + x).max(FloatVector.fromArray(S, in, r1 + ow + x))
                        .max(FloatVector.fromArray(S, in, r2 + ow + x));
                left = FloatVector.fromArray(S, in, r0 + ow + x - 1).max(FloatVector.fromArray(S, in, r1 + ow + x - 1))
                        .max(FloatVector.fromArray(S, in, r2 + ow + x - 1));
                even.max(odd).max(left).intoArray(out, o + x);
            }
        }
    }

    /** Per-thread staging for one vector of outputs, for rows narrower than a vector. */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * Stride 2 on planes whose rows hold fewer than a vector of outputs with whole windows
     * (ShuffleNet v1's shortcut pools from 28x28 and 14x14 at 16 lanes): one vector per row,
     * as the row kernels compute their first (lanes past the row read the next one and are
     * dropped), staged, and its first {@code xHi - xLo} lanes copied out; the other columns,
     * and rows whose reads would run past the end of the array, pixel by pixel.
     */
    private static void poolStride2Narrow(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                          int oh, int ow, int k, int p, boolean max, boolean countIncludePad,
                                          boolean relu, int xLo, int xHi) {
        float[] partial = PARTIAL.get();
        int n = xHi - xLo;
        int c = inOff + xLo * 2 - p;
        for (int y = 0; y < oh; y++) {
            int o = outOff + y * ow;
            int yLo = Math.max(0, y * 2 - p);
            int yHi = Math.min(h, y * 2 - p + k);
            // the furthest read: the second vector of the last tap of the last window row
            if (yLo < yHi && c + (yHi - 1) * width + 2 * L + k - 2 < in.length) {
                if (max) {
                    maxRowStride2(in, c, width, yLo, yHi, k, partial, 0, L);
                } else {
                    float divisor = countIncludePad ? k * k : (yHi - yLo) * k;
                    avgRowStride2(in, c, width, yLo, yHi, k, divisor, relu, partial, 0, L);
                }
                System.arraycopy(partial, 0, out, o + xLo, n);
            } else {
                for (int x = xLo; x < xHi; x++) {
                    poolPixel(in, inOff, h, width, out, o + x, y, x, k, 2, p, max, countIncludePad, relu);
                }
            }
            for (int x = 0; x < xLo; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, 2, p, max, countIncludePad, relu);
            }
            for (int x = xHi; x < ow; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, 2, p, max, countIncludePad, relu);
            }
        }
    }

    /**
     * Average pool of a plane too narrow for the row kernels (ShuffleNet v1's 14x14 and 7x7
     * shortcut pools), in scalar code: each window is clipped to the plane once, then summed
     * without a test per tap, which runs about twice as fast as the reference's tap-by-tap
     * bounds tests.
     */
    private static void avgPoolClipped(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                       int oh, int ow, int k, int s, int p, boolean countIncludePad,
                                       boolean relu) {
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        // output columns [xa, xb) have all k taps inside the row
        int xa = Math.min(ow, (p + s - 1) / s);
        int xb = width - k + p < 0 ? xa : Math.max(xa, Math.min(ow, (width - k + p) / s + 1));
        for (int y = 0; y < oh; y++) {
            int y0 = Math.max(0, y * s - p);
            int y1 = Math.min(h, y * s - p + k);
            int o = outOff + y * ow;
            if (k == 3 && y1 - y0 == 3 && countIncludePad) {
                // the common case, unrolled: three rows of three taps, a multiply by 1/9
                int r0 = inOff + y0 * width - p, r1 = r0 + width, r2 = r1 + width;
                float ninth = 1f / 9f;
                for (int x = xa; x < xb; x++) {
                    int c = x * s;
                    float a = in[r0 + c] + in[r0 + c + 1] + in[r0 + c + 2];
                    float b = in[r1 + c] + in[r1 + c + 1] + in[r1 + c + 2];
                    float d = in[r2 + c] + in[r2 + c + 1] + in[r2 + c + 2];
                    out[o + x] = Math.max((a + b + d) * ninth, floor);
                }
                avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, 0, xa, k, s, p, true, floor);
                avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, xb, ow, k, s, p, true, floor);
                continue;
            }
            avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, 0, ow, k, s, p, countIncludePad, floor);
        }
    }

    /** Outputs [xFrom, xTo) of one row of {@link #avgPoolClipped}, over input rows [y0, y1). */
    private static void avgPoolClippedColumns(float[] in, int inOff, int width, float[] out, int o, int y0, int y1,
                                              int xFrom, int xTo, int k, int s, int p, boolean countIncludePad,
                                              float floor) {
        for (int x = xFrom; x < xTo; x++) {
            int x0 = Math.max(0, x * s - p);
            int x1 = Math.min(width, x * s - p + k);
            float sum = 0f;
            for (int iy = y0; iy < y1; iy++) {
                int r = inOff + iy * width;
                for (int ix = x0; ix < x1; ix++) {
                    sum += in[r + ix];
                }
            }
            int count = countIncludePad ? k * k : Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
            out[o + x] = Math.max(sum / count, floor);
        }
    }

    // The four row kernels below differ in one operation each. Each computes n >= L outputs
    // from column c on (the window of output j starts at c + j*stride) over input rows
    // [yLo, yHi); the last vector is recomputed overlapping. The window taps run as one flat
    // loop, not rows x columns: on JDK 17 C2 does not scalarise a vector carried through two
    // nested loops (measured for the 112x112 max pool: 406 KB of boxed vectors and 28 us per
    // call nested, 0 B and 6 us flat).

    private static void maxRowStride1(float[] in, int c, int width, int yLo, int yHi, int k,
                                      float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int r = c + yLo * width + x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                acc = acc.max(FloatVector.fromArray(S, in, r + kx));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            acc.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    /** Stride 2: stride-1 window maxima at 2L columns in two vectors, then their even lanes. */
    private static void maxRowStride2(float[] in, int c, int width, int yLo, int yHi, int k,
                                      float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector lo = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector hi = lo;
            int r = c + yLo * width + 2 * x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                lo = lo.max(FloatVector.fromArray(S, in, r + kx));
                hi = hi.max(FloatVector.fromArray(S, in, r + kx + L));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER).intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    private static void avgRowStride1(float[] in, int c, int width, int yLo, int yHi, int k, float divisor,
                                      boolean relu, float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector acc = FloatVector.zero(S);
            int r = c + yLo * width + x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                acc = acc.add(FloatVector.fromArray(S, in, r + kx));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            acc = acc.div(divisor);
            if (relu) {
                acc = acc.max(FloatVector.zero(S));
            }
            acc.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    /** Stride 2: stride-1 window sums at 2L columns in two vectors, then their even lanes. */
    private static void avgRowStride2(float[] in, int c, int width, int yLo, int yHi, int k, float divisor,
                                      boolean relu, float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector lo = FloatVector.zero(S);
            FloatVector hi = lo;
            int r = c + yLo * width + 2 * x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                lo = lo.add(FloatVector.fromArray(S, in, r + kx));
                hi = hi.add(FloatVector.fromArray(S, in, r + kx + L));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            FloatVector v = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER).div(divisor);
            if (relu) {
                v = v.max(FloatVector.zero(S));
            }
            v.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    private static void poolPixel(float[] in, int inOff, int h, int width, float[] out, int outIdx,
                                  int y, int x, int k, int s, int p, boolean max, boolean countIncludePad,
                                  boolean relu) {
        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
        int count = 0;
        for (int ky = 0; ky < k; ky++) {
            int iy = y * s - p + ky;
            if (iy < 0 || iy >= h) {
                continue;
            }
            for (int kx = 0; kx < k; kx++) {
                int ix = x * s - p + kx;
                if (ix >= 0 && ix < width) {
                    float v = in[inOff + iy * width + ix];
                    acc = max ? Math.max(acc, v) : acc + v;
                    count++;
                }
            }
        }
        if (!max) {
            acc /= countIncludePad ? k * k : count;
            if (relu) {
                acc = Math.max(acc, 0f);
            }
        }
        out[outIdx] = acc;
    }
}
