package dev.shufflespark.model.kernel;

/**
 * The kernels the engine calls. Each method dispatches on {@link #VECTOR}, a
 * {@code static final} that C2 folds, to {@link ScalarKernels} or to the vector kernel of its
 * operator family: {@link VectorGemm}, {@link VectorDepthwise}, {@link VectorPooling} or
 * {@link VectorElementwise} (their shared species and rules are in {@link VectorKernels}).
 *
 * <p>The vector classes are referenced only from the branches that are taken when the vector
 * path is on; the JVM resolves (and loads) a class named by {@code invokestatic} only when that
 * instruction first runs, so on the scalar path, and on a JVM started without
 * {@code --add-modules jdk.incubator.vector}, none of them is ever loaded.
 *
 * <p>Conventions: arrays are float32 and every offset is in elements. Activations are NCHW and
 * one image's channel is a plane of {@code h * w} floats. Kernels that take an {@code int[]} of
 * row (plane) offsets address plane {@code i} at {@code base + rows[i]}, so channel shuffles,
 * concats and splits are folded into addressing; rows may be in any order.
 */
public final class Kernels {

    /** True when the kernels run on the Vector API; see {@link Simd}. */
    static final boolean VECTOR = Simd.VECTOR;

    private Kernels() {
    }

    /**
     * Pointwise (1x1) convolution of one image, a GEMM:
     * {@code out[o][p] = act(bias[bOff+o] + sum_k w[wOff + o*cin + k] * in[inBase + inRows[k] + p]
     * (+ res[resBase + resRows[o] + p]))} for {@code p < hw}.
     *
     * @param w    weights [cout, cin], row-major, from {@code wOff}
     * @param bias [cout] from {@code bOff}, or null for none
     * @param res  residual added before the activation, or null; may be {@code out} itself with the
     *             same offsets (in-place residual). {@code resRows} is non-null when {@code res} is.
     * @param relu clamp at 0 after bias and residual
     *             <p>{@code out} must not overlap {@code in}.
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu) {
        pointwise(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                cin, cout, hw, relu, false);
    }

    /**
     * {@link #pointwise(float[], int, float[], int, float[], int, int[], float[], int, int[], float[], int, int[],
     * int, int, int, boolean) pointwise}, where {@code uniform} asks that every pixel of the plane be computed
     * alike, bit for bit, wherever it falls: for a plane gathered from several images' tails, so that an image's
     * outputs do not depend on its place in the batch.
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu, boolean uniform) {
        if (VECTOR) {
            VectorGemm.pointwise(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows,
                    res, resBase, resRows, cin, cout, hw, relu, uniform);
        } else {
            ScalarKernels.pointwise(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows,
                    res, resBase, resRows, cin, cout, hw, relu);
        }
    }

    /**
     * Pixels per block of the pointwise kernel: {@code pointwise} over {@code hw} pixels runs
     * whole blocks at full speed and spends a block's worth of vector work on any remainder
     * shorter than a vector. Callers with several small planes can gather those remainders into
     * one plane (see {@code Conv2d}). 0 on the scalar path, which has no blocks.
     */
    public static int pointwisePixelBlock() {
        return VECTOR ? VectorGemm.pixelBlock() : 0;
    }

    /** Float lanes of one vector on the kernel path in use, 1 on the scalar path. */
    public static int lanes() {
        return Simd.LANES;
    }

    /**
     * Depthwise 3x3 convolution of one plane, padding 1, stride 1 or 2:
     * {@code out[y][x] = act(bias + sum w[wOff + ky*3 + kx] * in[inOff + (y*stride+ky-1)*width + (x*stride+kx-1)])},
     * zero padding; {@code oh = (h - 1)/stride + 1}, {@code ow = (width - 1)/stride + 1}.
     * {@code out} must not overlap {@code in}.
     */
    public static void depthwise3x3(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                    float[] out, int outOff, int stride, boolean relu) {
        if (VECTOR) {
            VectorDepthwise.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, stride, relu);
        } else {
            ScalarKernels.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, stride, relu);
        }
    }

    /**
     * Depthwise 3x3 convolution of {@code channels} planes of one image, stride 1, padding 1: as
     * {@link #depthwise3x3} on each channel c, from plane {@code in[inBase + inPlanes[c] ..]} into
     * {@code out[outBase + outPlanes[c] ..]}, weight t (ky*3 + kx) at {@code taps[t*channels + c]}
     * and the bias at {@code taps[9*channels + c]} ({@link #depthwiseTaps}). For the planes
     * {@link #depthwisePlanes} takes; {@code out} must not overlap {@code in}.
     */
    public static void depthwise3x3Planes(float[] taps, float[] in, int inBase, int[] inPlanes, int h, int width,
                                          float[] out, int outBase, int[] outPlanes, int channels, boolean relu) {
        if (VECTOR) {
            VectorDepthwise.depthwise3x3Planes(taps, in, inBase, inPlanes, h, width, out, outBase, outPlanes,
                    channels, relu);
        } else {
            ScalarKernels.depthwise3x3Planes(taps, in, inBase, inPlanes, h, width, out, outBase, outPlanes,
                    channels, relu);
        }
    }

    /**
     * Whether a stride-1 depthwise 3x3 of {@code channels} planes of h x width is faster as one
     * {@link #depthwise3x3Planes} call than plane by plane ({@link #depthwise3x3}): on the vector
     * path, ShuffleNet's 7x7 and 14x14 planes.
     */
    public static boolean depthwisePlanes(int h, int width, int channels) {
        return VECTOR && VectorDepthwise.takesPlanes(h, width, channels);
    }

    /**
     * The weights [channels, 3, 3] and bias [channels] (or null for none) of a depthwise 3x3 as
     * {@link #depthwise3x3Planes} reads them: [10, channels], tap by tap, then the bias.
     */
    public static float[] depthwiseTaps(float[] w, float[] bias, int channels) {
        float[] taps = new float[10 * channels];
        for (int c = 0; c < channels; c++) {
            for (int t = 0; t < 9; t++) {
                taps[t * channels + c] = w[c * 9 + t];
            }
            taps[9 * channels + c] = bias == null ? 0f : bias[c];
        }
        return taps;
    }

    /**
     * im2col of one image and one group:
     * {@code col[colOff + ((c*kh + ky)*kw + kx)*(oh*ow) + oy*ow + ox] = in[inBase + inRows[c] + iy*width + ix]}
     * with {@code iy = oy*sh - ph + ky}, {@code ix = ox*sw - pw + kx}, 0 outside the plane. {@code ph} may be
     * negative: {@code ph - y0*sh} unrolls output rows {@code y0 ..} of a convolution with top padding {@code ph}.
     */
    public static void im2col(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                              int kh, int kw, int sh, int sw, int ph, int pw, float[] col, int colOff, int oh, int ow) {
        if (VECTOR) {
            VectorGemm.im2col(in, inBase, inRows, channels, h, width, kh, kw, sh, sw, ph, pw, col, colOff, oh, ow);
        } else {
            ScalarKernels.im2col(in, inBase, inRows, channels, h, width, kh, kw, sh, sw, ph, pw, col, colOff, oh, ow);
        }
    }

    /**
     * The unrolled input of output rows {@code y0 .. y0+rows-1} of a 3x3 convolution of stride 2 and padding 1,
     * each row's columns split by parity (even columns, then odd), the odd input rows unrolled once for the two
     * output rows that read them; {@code width} a multiple of 4. See {@link ScalarKernels#unroll3x3Stride2} for
     * the layout, and {@link #unroll3x3Stride2Taps} for the GEMM rows of its taps.
     */
    public static void unroll3x3Stride2(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                                        int y0, int rows, float[] col, int colOff) {
        if (VECTOR) {
            VectorGemm.unroll3x3Stride2(in, inBase, inRows, channels, h, width, y0, rows, col, colOff);
        } else {
            ScalarKernels.unroll3x3Stride2(in, inBase, inRows, channels, h, width, y0, rows, col, colOff);
        }
    }

    /** Floats {@link #unroll3x3Stride2} writes for {@code rows} output rows of {@code ow} columns. */
    public static int unroll3x3Stride2Floats(int channels, int rows, int ow) {
        return channels * 3 * (2 * rows + 1) * ow;
    }

    /**
     * Where {@link #unroll3x3Stride2} puts tap (c, ky, kx) of the first of {@code rows} output rows of {@code ow}
     * columns, at index {@code (c * 3 + ky) * 3 + kx}: the input rows of a GEMM over those output rows in the
     * order of the weights {@code [cout, channels, 3, 3]}.
     */
    public static int[] unroll3x3Stride2Taps(int channels, int rows, int ow, int colOff) {
        int plane = (2 * rows + 1) * ow;
        int[] taps = new int[channels * 9];
        for (int c = 0; c < channels; c++) {
            for (int ky = 0; ky < 3; ky++) {
                // ky = 1: the even input rows; ky = 0: the odd rows from the one above; ky = 2: one row on
                int row = ky == 1 ? 0 : ky == 0 ? rows : rows + 1;
                for (int kx = 0; kx < 3; kx++) {
                    taps[(c * 3 + ky) * 3 + kx] = colOff + (c * 3 + kx) * plane + row * ow;
                }
            }
        }
        return taps;
    }

    /**
     * The 3x3 max pool of stride 2 and padding 1 over a band of rows whose columns are split by parity, as the
     * GEMM over {@link #unroll3x3Stride2} leaves them; see {@link ScalarKernels#maxPool3x3Stride2Split}.
     */
    public static void maxPool3x3Stride2Split(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                              int oh, int above) {
        if (VECTOR) {
            VectorPooling.maxPool3x3Stride2Split(in, inOff, h, width, out, outOff, oh, above);
        } else {
            ScalarKernels.maxPool3x3Stride2Split(in, inOff, h, width, out, outOff, oh, above);
        }
    }

    /** Max pool over one plane, kernel k, stride s, padding p (padding never wins); oh/ow from the caller. */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p) {
        if (VECTOR) {
            VectorPooling.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p);
        } else {
            ScalarKernels.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p);
        }
    }

    /**
     * Max pool over a band of rows of a plane, with {@code above} rows of the plane before row 0
     * (from {@code inOff - above * width}) that windows reaching above row 0 read; see
     * {@link ScalarKernels#maxPool(float[], int, int, int, float[], int, int, int, int, int, int, int)}.
     */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, int above) {
        if (VECTOR) {
            VectorPooling.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, above);
        } else {
            ScalarKernels.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, above);
        }
    }

    /**
     * Average pool over one plane. {@code countIncludePad} divides by {@code k*k} always
     * (PyTorch/ONNX count_include_pad=1), otherwise by the number of in-bounds taps;
     * {@code relu} applies {@code max(0, .)} to the result.
     */
    public static void avgPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, boolean countIncludePad, boolean relu) {
        if (VECTOR) {
            VectorPooling.avgPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, countIncludePad, relu);
        } else {
            ScalarKernels.avgPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, countIncludePad, relu);
        }
    }

    /** Sum of {@code n} floats from {@code off}. */
    public static float sum(float[] a, int off, int n) {
        return VECTOR ? VectorElementwise.sum(a, off, n) : ScalarKernels.sum(a, off, n);
    }

    /** Dot product of {@code n} floats. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return VECTOR ? VectorElementwise.dot(a, aOff, b, bOff, n) : ScalarKernels.dot(a, aOff, b, bOff, n);
    }

    /**
     * Fully connected layer: {@code out[outOff+o] = bias[o] + dot(w[o*inFeatures ..], x[xOff ..])};
     * weights [outFeatures, inFeatures], bias may be null.
     */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, float[] out, int outOff,
                              int inFeatures, int outFeatures) {
        if (VECTOR) {
            VectorGemm.linear(w, bias, x, xOff, out, outOff, inFeatures, outFeatures);
        } else {
            ScalarKernels.linear(w, bias, x, xOff, out, outOff, inFeatures, outFeatures);
        }
    }

    /**
     * Fully connected layer of {@code images} images, image i's input at {@code xOff + i*xStride} and its
     * output at {@code outOff + i*outStride}; each output equals {@link #linear} of that image alone.
     */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                              int outStride, int inFeatures, int outFeatures, int images) {
        if (VECTOR) {
            VectorGemm.linear(w, bias, x, xOff, xStride, out, outOff, outStride, inFeatures, outFeatures, images);
        } else {
            ScalarKernels.linear(w, bias, x, xOff, xStride, out, outOff, outStride, inFeatures, outFeatures, images);
        }
    }

    /** {@code out[i] = act(a[i] + b[i])}; out may alias a or b exactly. */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n, boolean relu) {
        if (VECTOR) {
            VectorElementwise.add(a, aOff, b, bOff, out, outOff, n, relu);
        } else {
            ScalarKernels.add(a, aOff, b, bOff, out, outOff, n, relu);
        }
    }

    /** {@code out[i] = act(a[i] * scale + shift)} (inference BatchNorm on one plane); may be in place. */
    public static void scaleShift(float[] a, int aOff, float[] out, int outOff, int n, float scale, float shift,
                                  boolean relu) {
        if (VECTOR) {
            VectorElementwise.scaleShift(a, aOff, out, outOff, n, scale, shift, relu);
        } else {
            ScalarKernels.scaleShift(a, aOff, out, outOff, n, scale, shift, relu);
        }
    }

    /** In-place ReLU of {@code n} floats. */
    public static void relu(float[] a, int off, int n) {
        if (VECTOR) {
            VectorElementwise.relu(a, off, n);
        } else {
            ScalarKernels.relu(a, off, n);
        }
    }

    /** In-place, numerically stable softmax of {@code n} floats. */
    public static void softmax(float[] a, int off, int n) {
        if (VECTOR) {
            VectorElementwise.softmax(a, off, n);
        } else {
            ScalarKernels.softmax(a, off, n);
        }
    }
}
