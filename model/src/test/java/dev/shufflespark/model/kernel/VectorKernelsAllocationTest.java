package dev.shufflespark.model.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Once C2 has compiled them, the vector kernels allocate nothing: every vector is scalarised.
 * Boxing creeps back in easily on JDK 17 (a vector carried through nested loops, a vector passed
 * to a method C2 declined to inline, {@code lane(i)} with a variable index), so each kernel is
 * run with a mixed profile (every epilogue variant, tails, in-place residual) in rounds until a
 * round allocates nothing. Vector API code allocates heavily until C2 has compiled it, which on
 * a busy machine can take a while, so rounds go on for up to {@value #PATIENCE_SECONDS} seconds;
 * only the last round counts, and a real per-call allocation never reaches zero.
 */
class VectorKernelsAllocationTest {

    private static final int PATIENCE_SECONDS = 60;
    private static final int CALLS = 300;

    private interface Body {
        void run(int i);
    }

    /** Bytes allocated by the last round (rounds stop at the first that allocates nothing). */
    private static long steadyStateBytes(Body body) {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long allocated = Long.MAX_VALUE;
        long deadline = System.nanoTime() + PATIENCE_SECONDS * 1_000_000_000L;
        for (int round = 0; allocated > 0 && (round < 10 || System.nanoTime() < deadline); round++) {
            long before = bean.getThreadAllocatedBytes(tid);
            for (int i = 0; i < CALLS; i++) {
                body.run(i);
            }
            allocated = bean.getThreadAllocatedBytes(tid) - before;
        }
        return allocated;
    }

    private static void assertNoAllocation(String kernel, Body body) {
        long bytes = steadyStateBytes(body);
        assertTrue(bytes == 0, kernel + ": " + CALLS + " warm calls still allocated " + bytes + " bytes");
    }

    private static float[] random(int n, long seed) {
        return KernelCheck.random(new Random(seed), n);
    }

    @Test
    void pointwise() {
        int cin = 150;
        int cout = 22;
        int hw = 49;
        float[] w = random(cin * cout, 1);
        float[] bias = random(cout, 2);
        float[] in = random(cin * hw, 3);
        float[] out = new float[cout * hw];
        float[] res = random(cout * hw, 4);
        int[] inRows = KernelCheck.rows(new Random(5), cin, hw, 0);
        int[] outRows = KernelCheck.rows(new Random(6), cout, hw, 0);
        assertNoAllocation("pointwise", i -> {
            // hw 49 and 48 (tail and none), cin 150 and 20 (two k blocks and one), every residual
            // mode including in place (partial tail store), relu on and off, with and without bias
            int n = 48 + i % 2;
            int k = i % 3 == 0 ? 20 : cin;
            float[] r = i % 4 == 0 ? null : i % 4 == 1 ? res : out;
            VectorGemm.pointwise(w, 0, i % 5 == 0 ? null : bias, 0, in, 0, inRows, out, 0, outRows,
                    r, 0, r == null ? null : outRows, k, cout, n, i % 2 == 0);
        });
    }

    @Test
    void pointwiseNarrowPlanes() {
        float[] w = random(64, 1);
        float[] in = random(8 * 8 + 32, 2);
        float[] out = new float[8 * 8 + 32];
        int[] rows = {0, 8, 16, 24, 32, 40, 48, 56};
        assertNoAllocation("pointwise hw < L", i -> VectorGemm.pointwise(w, 0, null, 0, in, 0, rows, out, 0, rows,
                i % 2 == 0 ? out : null, 0, rows, 8, 8, 1 + i % 8, i % 3 == 0));
    }

    @Test
    void depthwise() {
        float[] w = random(9, 1);
        float[] in = random(56 * 56, 2);
        float[] out = new float[56 * 56];
        assertNoAllocation("depthwise3x3", i -> {
            int size = 56 >> (i % 4);
            VectorDepthwise.depthwise3x3(w, 0, 0.1f, in, 0, size, size, out, 0, 1 + i % 2, i % 4 < 2);
        });
    }

    @Test
    void depthwiseStripes() {
        float[] w = random(9, 3);
        float[] in = random(28 * 28, 4);
        float[] out = new float[28 * 28];
        assertNoAllocation("depthwise3x3 28x28", i -> VectorDepthwise.depthwise3x3(w, 0, 0.1f, in, 0, 28, 28 - i % 3,
                out, 0, 1, i % 2 == 0));
    }

    @Test
    void depthwisePlanes() {
        int channels = 40;
        float[] taps = random(10 * channels, 1);
        float[] in = random(channels * 49, 2);
        float[] out = new float[channels * 49];
        int[] inPlanes = KernelCheck.rows(new Random(3), channels, 49, 0);
        int[] outPlanes = KernelCheck.rows(new Random(4), channels, 49, 0);
        assertNoAllocation("depthwise3x3Planes", i -> {
            // blocks: 7x7 (three whole tiles and a gathered pixel), 4x4 (one tile), 3x5 (gathers only);
            // padded rows: 3 x 14; ReLU on and off
            int h = i % 4 == 0 ? 7 : i % 4 == 1 ? 4 : 3;
            int width = i % 4 == 0 ? 7 : i % 4 == 1 ? 4 : i % 4 == 2 ? 5 : VectorKernels.L - 2;
            VectorDepthwise.depthwise3x3Planes(taps, in, 0, inPlanes, h, width, out, 0, outPlanes,
                    channels - i % 2 * 7, i % 8 < 4);
        });
    }

    @Test
    void pools() {
        float[] in = random(112 * 112, 1);
        float[] out = new float[112 * 112];
        assertNoAllocation("maxPool/avgPool", i -> {
            int s = 1 + i % 2;
            int size = 112 >> (i % 4);
            int o = (size + 2 - 3) / s + 1;
            if (i % 3 == 0) {
                VectorPooling.maxPool(in, 0, size, size, out, 0, o, o, 3, s, 1);
            } else {
                VectorPooling.avgPool(in, 0, size, size, out, 0, o, o, 3, s, 1, i % 5 < 2, i % 7 < 3);
            }
        });
    }

    @Test
    void im2col() {
        float[] in = random(3 * 56 * 56, 1);
        float[] col = new float[27 * 56 * 56];
        int[] rows = {2 * 56 * 56, 0, 56 * 56};
        assertNoAllocation("im2col", i -> VectorGemm.im2col(in, 0, rows, 3, 56, 56, 3, 3, 1 + i % 2, 1 + i % 2,
                1, 1, col, 0, i % 2 == 0 ? 56 : 28, i % 2 == 0 ? 56 : 28));
    }

    @Test
    void stemUnrollAndSplitPool() {
        float[] in = random(3 * 224 * 224, 1);
        float[] col = new float[Kernels.unroll3x3Stride2Floats(3, 5, 112)];
        float[] out = new float[8 * 56];
        int[] rows = {2 * 224 * 224, 0, 224 * 224};
        assertNoAllocation("unroll3x3Stride2/maxPool3x3Stride2Split", i -> {
            VectorGemm.unroll3x3Stride2(in, 0, rows, 3, 224, 224, i % 108, 1 + i % 5, col, 0);
            VectorPooling.maxPool3x3Stride2Split(in, 112, 17, 112, out, 0, 8, i % 2);
        });
    }

    @Test
    void reductionsAndElementwise() {
        float[] a = random(4096, 1);
        float[] b = random(4096, 2);
        float[] c = new float[4096];
        float[] w = random(100 * 300, 3);
        float[] sink = new float[1];
        assertNoAllocation("sum/dot/linear/add/scaleShift/relu/softmax", i -> {
            int n = 1000 + i % 17;
            sink[0] += VectorElementwise.sum(a, i % 3, n) + VectorElementwise.dot(a, 1, b, i % 3, n);
            VectorGemm.linear(w, i % 2 == 0 ? b : null, a, 2, c, 0, 300 - i % 3, 99);
            VectorGemm.linear(w, i % 2 == 0 ? b : null, a, 2, 310, c, 0, 100, 300 - i % 3, 99, 1 + i % 8);
            VectorElementwise.add(a, 0, b, 0, i % 2 == 0 ? c : b, 0, n, i % 3 == 0);
            VectorElementwise.scaleShift(a, 0, c, 0, n, 0.5f, 0.1f, i % 2 == 0);
            VectorElementwise.relu(c, 0, n);
            VectorElementwise.softmax(c, 0, n);
        });
        assertTrue(Float.isFinite(sink[0]));
    }
}
