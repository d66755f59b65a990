package dev.shufflespark.model.kernel;

/**
 * Plain-Java reference kernels: the source of truth that the vector kernels ({@link VectorGemm},
 * {@link VectorDepthwise}, {@link VectorPooling}, {@link VectorElementwise}) are tested against,
 * and the path {@link Kernels} takes when the Vector API is off.
 *
 * <p>Written for clarity, not speed: one output element at a time, in the order the formula is
 * written. All arrays are float32, all offsets are in elements, activations are NCHW and one
 * image's channel is a "plane" of {@code h * w} floats. See {@link Kernels} for the contracts.
 */
public final class ScalarKernels {

    private ScalarKernels() {
    }

    /**
     * Pointwise (1x1) convolution of one image, a GEMM:
     * {@code out[o][p] = act(sum_k w[o][k] * in[k][p] + bias[o] (+ res[o][p]))}.
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu) {
        // weights [cout, cin]; in rows [cin][hw]; out/res rows [cout][hw]
        for (int o = 0; o < cout; o++) {
            int wRow = wOff + o * cin;
            float b = bias == null ? 0f : bias[bOff + o];
            int outRow = outBase + outRows[o];
            for (int p = 0; p < hw; p++) {
                float s = 0f;
                for (int k = 0; k < cin; k++) {
                    s += w[wRow + k] * in[inBase + inRows[k] + p];
                }
                s += b;
                if (res != null) {
                    s += res[resBase + resRows[o] + p];
                }
                out[outRow + p] = relu ? Math.max(s, 0f) : s;
            }
        }
    }

    /** Depthwise 3x3 convolution of one plane, padding 1, stride 1 or 2. */
    public static void depthwise3x3(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                    float[] out, int outOff, int stride, boolean relu) {
        // weights [3, 3]; in [h, width]; out [oh, ow]
        int oh = (h - 1) / stride + 1;
        int ow = (width - 1) / stride + 1;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                float s = 0f;
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y * stride + ky - 1;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x * stride + kx - 1;
                        if (ix < 0 || ix >= width) {
                            continue;
                        }
                        s += w[wOff + ky * 3 + kx] * in[inOff + iy * width + ix];
                    }
                }
                s += bias;
                out[outOff + y * ow + x] = relu ? Math.max(s, 0f) : s;
            }
        }
    }

    /**
     * Depthwise 3x3 convolution of {@code channels} planes, stride 1, padding 1: as
     * {@link #depthwise3x3} on each channel c, plane {@code in[inBase + inPlanes[c] ..]} into
     * {@code out[outBase + outPlanes[c] ..]}, with the weights and bias taken from {@code taps}.
     */
    public static void depthwise3x3Planes(float[] taps, float[] in, int inBase, int[] inPlanes, int h, int width,
                                          float[] out, int outBase, int[] outPlanes, int channels, boolean relu) {
        // taps [10, channels]: taps[t*channels + c] is weight t (ky*3 + kx) of channel c, t = 9 its bias
        for (int c = 0; c < channels; c++) {
            int i0 = inBase + inPlanes[c];
            int o0 = outBase + outPlanes[c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < width; x++) {
                    float s = 0f;
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y + ky - 1;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x + kx - 1;
                            if (ix < 0 || ix >= width) {
                                continue;
                            }
                            s += taps[(ky * 3 + kx) * channels + c] * in[i0 + iy * width + ix];
                        }
                    }
                    s += taps[9 * channels + c];
                    out[o0 + y * width + x] = relu ? Math.max(s, 0f) : s;
                }
            }
        }
    }

    /** im2col of one image and one group of a general convolution. */
    public static void im2col(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                              int kh, int kw, int sh, int sw, int ph, int pw, float[] col, int colOff, int oh, int ow) {
        // col [channels * kh * kw, oh * ow]
        int plane = oh * ow;
        for (int c = 0; c < channels; c++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((c * kh + ky) * kw + kx) * plane;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ky;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * sw - pw + kx;
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < width;
                            col[row + oy * ow + ox] = inside ? in[inBase + inRows[c] + iy * width + ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * The unrolled input of rows {@code y0 .. y0+rows-1} of a 3x3 convolution of stride 2 and padding 1 (the
     * stem), for a GEMM whose pixels are those output rows with each row's columns split by parity: columns 0,
     * 2, 4, ... first, then 1, 3, 5, ... ({@code width} a multiple of 4, so {@code ow = width / 2} is even).
     * Per channel c, three planes (kx = 0, 1, 2) of {@code 2 * rows + 1} rows of {@code ow} floats, from
     * {@code colOff + (c * 3 + kx) * (2 * rows + 1) * ow}: rows {@code j < rows} unroll input row
     * {@code 2 (y0 + j)} (tap ky = 1 of output row y0 + j), rows {@code rows + j} input row {@code 2 (y0 + j) - 1}
     * (ky = 0 of output row y0 + j, ky = 2 of output row y0 + j - 1), so the odd input rows, which two output
     * rows read, are unrolled once. Row element q holds input column {@code 2 ox - 1 + kx} of output column
     * {@code ox = 2q} (q < ow / 2) or {@code ox = 2 (q - ow / 2) + 1}; 0 outside the plane.
     * {@link Kernels#unroll3x3Stride2Taps} gives the GEMM's row of each tap.
     */
    public static void unroll3x3Stride2(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                                        int y0, int rows, float[] col, int colOff) {
        int ow = width / 2;
        int half = ow / 2;
        int plane = (2 * rows + 1) * ow;
        for (int c = 0; c < channels; c++) {
            for (int kx = 0; kx < 3; kx++) {
                for (int j = 0; j < 2 * rows + 1; j++) {
                    int iy = j < rows ? 2 * (y0 + j) : 2 * (y0 + j - rows) - 1;
                    int d = colOff + (c * 3 + kx) * plane + j * ow;
                    for (int q = 0; q < ow; q++) {
                        int ox = q < half ? 2 * q : 2 * (q - half) + 1;
                        int ix = 2 * ox - 1 + kx;
                        boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < width;
                        col[d + q] = inside ? in[inBase + inRows[c] + iy * width + ix] : 0f;
                    }
                }
            }
        }
    }

    /**
     * The 3x3 max pool of stride 2 and padding 1 over a band of {@code h} rows of {@code width} (even) whose
     * columns are split by parity as {@link #unroll3x3Stride2}'s GEMM leaves them (columns 0, 2, 4, ... then 1,
     * 3, 5, ...), into {@code oh} rows of {@code width / 2} in plain order. With {@code above > 0} the row before
     * row 0 ({@code inOff - width}) belongs to the plane and the first window reads it; padding never wins.
     * Each output is the maximum of the same values as {@link #maxPool} of the plain rows.
     */
    public static void maxPool3x3Stride2Split(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                              int oh, int above) {
        int ow = width / 2;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int iy = 2 * y - 1; iy <= 2 * y + 1; iy++) {
                    if ((iy < 0 && above == 0) || iy >= h) {
                        continue;
                    }
                    int row = inOff + iy * width;
                    // columns 2x - 1, 2x, 2x + 1: odd x - 1, even x, odd x
                    if (x > 0) {
                        m = Math.max(m, in[row + ow + x - 1]);
                    }
                    m = Math.max(m, in[row + x]);
                    m = Math.max(m, in[row + ow + x]);
                }
                out[outOff + y * ow + x] = m;
            }
        }
    }

    /** Max pool over one plane; padding never wins. */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p) {
        maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, 0);
    }

    /**
     * Max pool over rows of a plane that has {@code above} more rows before row 0 ({@code in} from
     * {@code inOff - above * width}): windows reaching above row 0 read those rows, and only what lies
     * above them is padding. With {@code above = 0}, {@link #maxPool} over the plane.
     */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, int above) {
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                float m = Float.NEGATIVE_INFINITY;
                for (int ky = 0; ky < k; ky++) {
                    int iy = y * s - p + ky;
                    if (iy < -above || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < k; kx++) {
                        int ix = x * s - p + kx;
                        if (ix >= 0 && ix < width) {
                            m = Math.max(m, in[inOff + iy * width + ix]);
                        }
                    }
                }
                out[outOff + y * ow + x] = m;
            }
        }
    }

    /** Average pool over one plane, with an optional fused ReLU. */
    public static void avgPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, boolean countIncludePad, boolean relu) {
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                float sum = 0f;
                int count = 0;
                for (int ky = 0; ky < k; ky++) {
                    int iy = y * s - p + ky;
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < k; kx++) {
                        int ix = x * s - p + kx;
                        if (ix >= 0 && ix < width) {
                            sum += in[inOff + iy * width + ix];
                            count++;
                        }
                    }
                }
                float v = sum / (countIncludePad ? k * k : count);
                out[outOff + y * ow + x] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /** Sum of {@code n} floats. */
    public static float sum(float[] a, int off, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Dot product of {@code n} floats. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** Fully connected layer: {@code out[o] = bias[o] + w[o] . x}. */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, float[] out, int outOff,
                              int inFeatures, int outFeatures) {
        // weights [outFeatures, inFeatures]
        for (int o = 0; o < outFeatures; o++) {
            float s = dot(w, o * inFeatures, x, xOff, inFeatures);
            out[outOff + o] = bias == null ? s : s + bias[o];
        }
    }

    /** Fully connected layer of several images: {@link #linear} for each, at the given strides. */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                              int outStride, int inFeatures, int outFeatures, int images) {
        for (int i = 0; i < images; i++) {
            linear(w, bias, x, xOff + i * xStride, out, outOff + i * outStride, inFeatures, outFeatures);
        }
    }

    /** {@code out = act(a + b)}; out may alias a or b exactly. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n, boolean relu) {
        for (int i = 0; i < n; i++) {
            float v = a[aOff + i] + b[bOff + i];
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** {@code out = act(a * scale + shift)}; may be in place. */
    public static void scaleShift(float[] a, int aOff, float[] out, int outOff, int n, float scale, float shift,
                                  boolean relu) {
        for (int i = 0; i < n; i++) {
            float v = a[aOff + i] * scale + shift;
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** In-place ReLU. */
    public static void relu(float[] a, int off, int n) {
        for (int i = 0; i < n; i++) {
            a[off + i] = Math.max(a[off + i], 0f);
        }
    }

    /** In-place, numerically stable softmax (the maximum is subtracted; sums in double). */
    public static void softmax(float[] a, int off, int n) {
        if (n <= 0) {
            return;
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(a[off + i] - max);
            a[off + i] = e;
            total += e;
        }
        float inv = (float) (1.0 / total);
        for (int i = 0; i < n; i++) {
            a[off + i] *= inv;
        }
    }
}
