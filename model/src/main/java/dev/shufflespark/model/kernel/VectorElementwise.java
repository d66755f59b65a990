package dev.shufflespark.model.kernel;

import static dev.shufflespark.model.kernel.VectorKernels.L;
import static dev.shufflespark.model.kernel.VectorKernels.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Reductions and element-wise kernels on the Vector API (sum, dot, add, scale-and-shift, ReLU,
 * softmax), same signatures and contracts as their {@link ScalarKernels} namesakes, their truth
 * in tests. Written to the rules in {@link VectorKernels}.
 */
public final class VectorElementwise {

    private VectorElementwise() {
    }

    /** Sum of {@code n} floats: four accumulators, one lane reduction, scalar tail. */
    public static float sum(float[] a, int off, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(S, a, off + i));
            s1 = s1.add(FloatVector.fromArray(S, a, off + i + L));
            s2 = s2.add(FloatVector.fromArray(S, a, off + i + 2 * L));
            s3 = s3.add(FloatVector.fromArray(S, a, off + i + 3 * L));
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            s0 = s0.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Dot product: fma into four accumulators, one lane reduction, scalar tail. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            s1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(S, a, aOff + i + 2 * L).fma(FloatVector.fromArray(S, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(S, a, aOff + i + 3 * L).fma(FloatVector.fromArray(S, b, bOff + i + 3 * L), s3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }


    /** {@code out = act(a + b)}; out may alias a or b exactly (each element is read before it is written). */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n, boolean relu) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i));
            (relu ? v.max(FloatVector.zero(S)) : v).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = a[aOff + i] + b[bOff + i];
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** {@code out = act(a * scale + shift)} with one fma per vector; may be in place. */
    public static void scaleShift(float[] a, int aOff, float[] out, int outOff, int n, float scale, float shift,
                                  boolean relu) {
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector vt = FloatVector.broadcast(S, shift);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).fma(vs, vt);
            (relu ? v.max(FloatVector.zero(S)) : v).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = Math.fma(a[aOff + i], scale, shift);
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** In-place ReLU. */
    public static void relu(float[] a, int off, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, off + i).max(0f).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] = Math.max(a[off + i], 0f);
        }
    }

    /**
     * In-place softmax: vector maximum (two accumulators) and vector scaling; the exponentials
     * and their sum are the scalar reference's, so results match it closely.
     */
    public static void softmax(float[] a, int off, int n) {
        if (n <= 0) {
            return;
        }
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, a, off + i));
            m1 = m1.max(FloatVector.fromArray(S, a, off + i + L));
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        double total = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(a[off + j] - max);
            a[off + j] = e;
            total += e;
        }
        float inv = (float) (1.0 / total);
        i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, off + i).mul(inv).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] *= inv;
        }
    }
}
