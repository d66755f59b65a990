package dev.shufflespark.model.kernel;

import java.util.Arrays;
import java.util.Random;

/**
 * Comparisons of the vector kernels against {@link ScalarKernels} on one shape each, shared by
 * {@link VectorKernelsTest} and the child-JVM sweep at narrower widths ({@link VectorWidthMain}).
 * Every check builds seeded random inputs, runs both kernels on copies, and compares whole
 * arrays (so writes outside the planes a kernel owns are caught too) element by element with
 * {@code |v - s| <= tol * max(1, |s|)}.
 */
final class KernelCheck {

    /** Relative tolerance for a kernel whose outputs are short sums (up to ~20 terms). */
    static final float TOL = 1e-5f;

    /**
     * Residual modes of the pointwise kernel: none; in its own array; in the out array but in
     * other planes; in place (out itself, same offsets).
     */
    enum Residual { NONE, SEPARATE, SAME_ARRAY, IN_PLACE }

    private KernelCheck() {
    }

    /** The tolerance for sums of n products: float rounding error grows like sqrt(n) for random signs. */
    static float tolFor(int n) {
        return TOL * (float) Math.max(1.0, Math.sqrt(n / 16.0));
    }

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    /**
     * Plane offsets for {@code count} planes of {@code hw} floats: a seeded permutation of slots
     * {@code hw + gap} apart (so rows are neither sorted nor contiguous when gap > 0). The array
     * holding them needs {@code count * (hw + gap)} floats after its base; with gap 0 the last
     * slot ends exactly at the end of the array.
     */
    static int[] rows(Random r, int count, int hw, int gap) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = i * (hw + gap);
        }
        for (int i = count - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        return rows;
    }

    static void assertClose(float[] expected, float[] actual, float tol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + " != " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            float s = expected[i];
            float v = actual[i];
            boolean same = Float.compare(s, v) == 0 || Math.abs(v - s) <= tol * Math.max(1f, Math.abs(s));
            if (!same) {
                throw new AssertionError(what + ": element " + i + " vector " + v + " scalar " + s
                        + " (|diff| " + Math.abs(v - s) + ")");
            }
        }
    }

    static void pointwise(long seed, int cin, int cout, int hw, boolean relu, Residual residual, boolean bias,
                          int gap) {
        pointwise(seed, cin, cout, hw, relu, residual, bias, gap, false);
    }

    /** {@link #pointwise}, the vector kernel asked for a uniform plane or not. */
    static void pointwise(long seed, int cin, int cout, int hw, boolean relu, Residual residual, boolean bias,
                          int gap, boolean uniform) {
        Random r = new Random(seed);
        int inBase = 3;
        int outBase = 5;
        float[] w = random(r, 2 + cin * cout);
        float[] b = bias ? random(r, 1 + cout) : null;
        int[] inRows = rows(r, cin, hw, gap);
        int[] outRows = rows(r, cout, hw, gap);
        float[] in = random(r, inBase + cin * (hw + gap));
        float[] out = new float[outBase + cout * (hw + gap)];
        Arrays.fill(out, 777f);
        float[] res = null;
        int resBase = 0;
        int[] resRows = null;
        if (residual == Residual.SEPARATE) {
            resBase = 1;
            resRows = rows(r, cout, hw, gap);
            res = random(r, resBase + cout * (hw + gap));
        } else if (residual == Residual.SAME_ARRAY) {
            // the residual planes follow the output planes in the same array
            int outLen = out.length;
            out = random(r, outLen + cout * (hw + gap));
            res = out;
            resBase = outLen;
            resRows = rows(r, cout, hw, gap);
        } else if (residual == Residual.IN_PLACE) {
            out = random(r, out.length);
            res = out;
            resBase = outBase;
            // the same offsets, in the same int[] or in an equal copy
            resRows = gap % 2 == 0 ? outRows : outRows.clone();
        }
        float[] outS = out.clone();
        float[] outV = out.clone();
        boolean shared = residual == Residual.IN_PLACE || residual == Residual.SAME_ARRAY;
        float[] resS = shared ? outS : res;
        float[] resV = shared ? outV : res;
        ScalarKernels.pointwise(w, 2, b, 1, in, inBase, inRows, outS, outBase, outRows, resS, resBase, resRows,
                cin, cout, hw, relu);
        VectorGemm.pointwise(w, 2, b, 1, in, inBase, inRows, outV, outBase, outRows, resV, resBase, resRows,
                cin, cout, hw, relu, uniform);
        assertClose(outS, outV, tolFor(cin), String.format(
                "pointwise cin=%d cout=%d hw=%d relu=%b residual=%s bias=%b gap=%d uniform=%b",
                cin, cout, hw, relu, residual, bias, gap, uniform));
    }

    static void depthwise(long seed, int h, int width, int stride, boolean relu, int inOff, int slack) {
        Random r = new Random(seed);
        float[] w = random(r, 10);
        float bias = r.nextFloat() - 0.5f;
        float[] in = random(r, inOff + h * width + slack);
        int oh = (h - 1) / stride + 1;
        int ow = (width - 1) / stride + 1;
        float[] outS = new float[2 + oh * ow + 3];
        Arrays.fill(outS, 777f);
        float[] outV = outS.clone();
        ScalarKernels.depthwise3x3(w, 1, bias, in, inOff, h, width, outS, 2, stride, relu);
        VectorDepthwise.depthwise3x3(w, 1, bias, in, inOff, h, width, outV, 2, stride, relu);
        assertClose(outS, outV, TOL, String.format("depthwise3x3 h=%d w=%d stride=%d relu=%b inOff=%d slack=%d",
                h, width, stride, relu, inOff, slack));
    }

    /**
     * {@link VectorDepthwise#depthwise3x3Planes} against the scalar reference: {@code channels}
     * planes of h x width, permuted and {@code gap} apart in both arrays, after an offset.
     */
    static void depthwisePlanes(long seed, int channels, int h, int width, boolean relu, int gap) {
        depthwisePlanes(seed, channels, h, width, relu, gap, 3);
    }

    /** As above, the input planes after {@code inBase} floats (0: one plane at the array's start). */
    static void depthwisePlanes(long seed, int channels, int h, int width, boolean relu, int gap, int inBase) {
        Random r = new Random(seed);
        int hw = h * width;
        float[] taps = random(r, 10 * channels);
        int[] inPlanes = rows(r, channels, hw, gap);
        int[] outPlanes = rows(r, channels, hw, gap);
        float[] in = random(r, inBase + channels * (hw + gap));
        float[] outS = new float[5 + channels * (hw + gap)];
        Arrays.fill(outS, 777f);
        float[] outV = outS.clone();
        ScalarKernels.depthwise3x3Planes(taps, in, inBase, inPlanes, h, width, outS, 5, outPlanes, channels, relu);
        VectorDepthwise.depthwise3x3Planes(taps, in, inBase, inPlanes, h, width, outV, 5, outPlanes, channels, relu);
        assertClose(outS, outV, TOL, String.format(
                "depthwise3x3Planes channels=%d h=%d w=%d relu=%b gap=%d inBase=%d",
                channels, h, width, relu, gap, inBase));
    }

    /** Output size of a pool or conv window sweep, floor or ceil mode (a window must start inside input+pad). */
    static int outSize(int size, int k, int s, int p, boolean ceil) {
        int n = size + 2 * p - k;
        if (n < 0) {
            return 0;
        }
        int o = ceil ? (n + s - 1) / s + 1 : n / s + 1;
        if (ceil && (o - 1) * s >= size + p) {
            o--;
        }
        return o;
    }

    static void pool(long seed, boolean max, int h, int width, int k, int s, int p, boolean ceil,
                     boolean countIncludePad, boolean relu, int slack) {
        Random r = new Random(seed);
        int oh = outSize(h, k, s, p, ceil);
        int ow = outSize(width, k, s, p, ceil);
        float[] in = random(r, 1 + h * width + slack);
        float[] outS = new float[oh * ow + 1];
        Arrays.fill(outS, 777f);
        float[] outV = outS.clone();
        if (max) {
            ScalarKernels.maxPool(in, 1, h, width, outS, 1, oh, ow, k, s, p);
            VectorPooling.maxPool(in, 1, h, width, outV, 1, oh, ow, k, s, p);
        } else {
            ScalarKernels.avgPool(in, 1, h, width, outS, 1, oh, ow, k, s, p, countIncludePad, relu);
            VectorPooling.avgPool(in, 1, h, width, outV, 1, oh, ow, k, s, p, countIncludePad, relu);
        }
        assertClose(outS, outV, TOL, String.format("%s h=%d w=%d k=%d s=%d p=%d ceil=%b includePad=%b relu=%b slack=%d",
                max ? "maxPool" : "avgPool", h, width, k, s, p, ceil, countIncludePad, relu, slack));
    }

    static void im2col(long seed, int channels, int h, int width, int kh, int kw, int sh, int sw, int ph, int pw,
                       int gap) {
        Random r = new Random(seed);
        int oh = outSize(h, kh, sh, ph, false);
        int ow = outSize(width, kw, sw, pw, false);
        int[] inRows = rows(r, channels, h * width, gap);
        // the input at offset 0, 1 or 2 of its array: at 0 a read before a row is out of bounds
        int base = (int) Math.floorMod(seed, 3L);
        float[] in = random(r, base + channels * (h * width + gap));
        float[] colS = new float[3 + channels * kh * kw * oh * ow + 1];
        Arrays.fill(colS, 777f);
        float[] colV = colS.clone();
        ScalarKernels.im2col(in, base, inRows, channels, h, width, kh, kw, sh, sw, ph, pw, colS, 3, oh, ow);
        VectorGemm.im2col(in, base, inRows, channels, h, width, kh, kw, sh, sw, ph, pw, colV, 3, oh, ow);
        assertClose(colS, colV, 0f, String.format("im2col c=%d h=%d w=%d k=%dx%d s=%dx%d p=%dx%d gap=%d",
                channels, h, width, kh, kw, sh, sw, ph, pw, gap));
    }

    /**
     * Output rows [y0, y0 + rows) unrolled on their own (the top padding moved up by y0 rows, so
     * negative below y0 > 0), by both kernels, against the same rows of the scalar whole-plane
     * unrolling.
     */
    static void im2colRows(long seed, int channels, int h, int width, int kh, int kw, int sh, int sw, int ph,
                           int pw, int y0, int rows) {
        Random r = new Random(seed);
        int oh = outSize(h, kh, sh, ph, false);
        int ow = outSize(width, kw, sw, pw, false);
        int[] inRows = rows(r, channels, h * width, 1);
        float[] in = random(r, channels * (h * width + 1));
        float[] whole = new float[channels * kh * kw * oh * ow];
        ScalarKernels.im2col(in, 0, inRows, channels, h, width, kh, kw, sh, sw, ph, pw, whole, 0, oh, ow);
        int plane = rows * ow;
        float[] expected = new float[channels * kh * kw * plane];
        for (int row = 0; row < channels * kh * kw; row++) {
            System.arraycopy(whole, row * oh * ow + y0 * ow, expected, row * plane, plane);
        }
        float[] colS = new float[expected.length];
        float[] colV = new float[expected.length];
        ScalarKernels.im2col(in, 0, inRows, channels, h, width, kh, kw, sh, sw, ph - y0 * sh, pw, colS, 0, rows, ow);
        VectorGemm.im2col(in, 0, inRows, channels, h, width, kh, kw, sh, sw, ph - y0 * sh, pw, colV, 0, rows, ow);
        String what = String.format("im2col rows %d+%d c=%d h=%d w=%d k=%dx%d s=%dx%d p=%dx%d", y0, rows, channels,
                h, width, kh, kw, sh, sw, ph, pw);
        assertClose(expected, colS, 0f, "scalar " + what);
        assertClose(expected, colV, 0f, "vector " + what);
    }

    static void reductions(long seed, int n) {
        Random r = new Random(seed);
        float[] a = random(r, n + 7);
        float[] b = random(r, n + 5);
        float s = ScalarKernels.sum(a, 3, n);
        float v = VectorElementwise.sum(a, 3, n);
        assertClose(new float[] {s}, new float[] {v}, tolFor(n), "sum n=" + n);
        float ds = ScalarKernels.dot(a, 2, b, 5, n);
        float dv = VectorElementwise.dot(a, 2, b, 5, n);
        assertClose(new float[] {ds}, new float[] {dv}, tolFor(n), "dot n=" + n);
    }

    static void linear(long seed, int inFeatures, int outFeatures, boolean bias) {
        Random r = new Random(seed);
        float[] w = random(r, inFeatures * outFeatures);
        float[] b = bias ? random(r, outFeatures) : null;
        float[] x = random(r, 4 + inFeatures);
        float[] outS = new float[outFeatures + 3];
        Arrays.fill(outS, 777f);
        float[] outV = outS.clone();
        ScalarKernels.linear(w, b, x, 4, outS, 2, inFeatures, outFeatures);
        VectorGemm.linear(w, b, x, 4, outV, 2, inFeatures, outFeatures);
        String what = String.format("linear in=%d out=%d bias=%b", inFeatures, outFeatures, bias);
        assertClose(outS, outV, tolFor(inFeatures), what);
        float[] outFour = outS.clone();
        Arrays.fill(outFour, 777f);
        VectorGemm.linearFourRows(w, b, x, 4, 0, outFour, 2, 0, inFeatures, outFeatures, 1);
        assertClose(outFour, outV, 0f, what + " (against blocks of four rows)");
    }

    /**
     * The fully connected layer of several images at their strides: the vector kernel gives each
     * image exactly what it gives that image alone, and what blocks of four rows give, and matches
     * the scalar reference.
     */
    static void linearImages(long seed, int inFeatures, int outFeatures, int images, boolean bias) {
        Random r = new Random(seed);
        float[] w = random(r, inFeatures * outFeatures);
        float[] b = bias ? random(r, outFeatures) : null;
        int xStride = inFeatures + 3;
        int outStride = outFeatures + 2;
        float[] x = random(r, 4 + images * xStride);
        float[] outS = new float[1 + images * outStride];
        Arrays.fill(outS, 777f);
        float[] outV = outS.clone();
        float[] outOne = outS.clone();
        ScalarKernels.linear(w, b, x, 4, xStride, outS, 1, outStride, inFeatures, outFeatures, images);
        VectorGemm.linear(w, b, x, 4, xStride, outV, 1, outStride, inFeatures, outFeatures, images);
        for (int i = 0; i < images; i++) {
            VectorGemm.linear(w, b, x, 4 + i * xStride, outOne, 1 + i * outStride, inFeatures, outFeatures);
        }
        String what = String.format("linear in=%d out=%d images=%d bias=%b", inFeatures, outFeatures, images, bias);
        assertClose(outS, outV, tolFor(inFeatures), what);
        assertClose(outOne, outV, 0f, what + " (against one image at a time)");
        float[] outFour = outS.clone();
        Arrays.fill(outFour, 777f);
        VectorGemm.linearFourRows(w, b, x, 4, xStride, outFour, 1, outStride, inFeatures, outFeatures, images);
        assertClose(outFour, outV, 0f, what + " (against blocks of four rows)");
    }

    /** add, scaleShift and relu, separate and in place. */
    static void elementwise(long seed, int n, boolean relu) {
        Random r = new Random(seed);
        float[] a = random(r, n + 4);
        float[] b = random(r, n + 6);
        String what = " n=" + n + " relu=" + relu;

        float[] outS = new float[n + 2];
        float[] outV = new float[n + 2];
        ScalarKernels.add(a, 1, b, 3, outS, 2, n, relu);
        VectorElementwise.add(a, 1, b, 3, outV, 2, n, relu);
        assertClose(outS, outV, TOL, "add" + what);
        float[] aS = a.clone();
        float[] aV = a.clone();
        ScalarKernels.add(aS, 1, b, 3, aS, 1, n, relu);
        VectorElementwise.add(aV, 1, b, 3, aV, 1, n, relu);
        assertClose(aS, aV, TOL, "add out=a" + what);
        float[] bS = b.clone();
        float[] bV = b.clone();
        ScalarKernels.add(a, 1, bS, 3, bS, 3, n, relu);
        VectorElementwise.add(a, 1, bV, 3, bV, 3, n, relu);
        assertClose(bS, bV, TOL, "add out=b" + what);

        float scale = 1.7f;
        float shift = -0.3f;
        ScalarKernels.scaleShift(a, 1, outS, 2, n, scale, shift, relu);
        VectorElementwise.scaleShift(a, 1, outV, 2, n, scale, shift, relu);
        assertClose(outS, outV, TOL, "scaleShift" + what);
        aS = a.clone();
        aV = a.clone();
        ScalarKernels.scaleShift(aS, 1, aS, 1, n, scale, shift, relu);
        VectorElementwise.scaleShift(aV, 1, aV, 1, n, scale, shift, relu);
        assertClose(aS, aV, TOL, "scaleShift in place" + what);

        aS = a.clone();
        aV = a.clone();
        ScalarKernels.relu(aS, 2, n);
        VectorElementwise.relu(aV, 2, n);
        assertClose(aS, aV, 0f, "relu" + what);
    }

    static void softmax(long seed, int n, float scale) {
        Random r = new Random(seed);
        float[] a = random(r, n + 3);
        for (int i = 0; i < a.length; i++) {
            a[i] *= scale;
        }
        float[] s = a.clone();
        float[] v = a.clone();
        ScalarKernels.softmax(s, 1, n);
        VectorElementwise.softmax(v, 1, n);
        assertClose(s, v, TOL, "softmax n=" + n + " scale=" + scale);
    }
}
