package dev.shufflespark.model.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The scalar reference kernels pinned to small cases worked out by hand. */
class ScalarKernelsTest {

    private static final float EPS = 1e-6f;

    /** The 4x4 plane 1..16, row-major. */
    private static float[] plane4x4() {
        float[] a = new float[16];
        for (int i = 0; i < 16; i++) {
            a[i] = i + 1;
        }
        return a;
    }

    @Test
    void pointwiseByHand() {
        // weights [[1, 2], [3, -4]], bias [0.5, -1]; input planes k0 = [1, 2, 3], k1 = [4, 5, 6],
        // stored swapped (k1 first) to exercise the row offsets.
        float[] w = {9, 1, 2, 3, -4};
        float[] bias = {0.5f, -1};
        float[] in = {4, 5, 6, 1, 2, 3};
        int[] inRows = {3, 0};
        float[] out = new float[7];
        int[] outRows = {4, 0};
        ScalarKernels.pointwise(w, 1, bias, 0, in, 0, inRows, out, 0, outRows, null, 0, null, 2, 2, 3, false);
        // o0 = [1+8, 2+10, 3+12] + 0.5, o1 = [3-16, 6-20, 9-24] - 1
        assertArrayEquals(new float[] {-14, -15, -16, 0, 9.5f, 12.5f, 15.5f}, out, EPS);

        ScalarKernels.pointwise(w, 1, bias, 0, in, 0, inRows, out, 0, outRows, null, 0, null, 2, 2, 3, true);
        assertArrayEquals(new float[] {0, 0, 0, 0, 9.5f, 12.5f, 15.5f}, out, EPS);

        // in-place residual: out starts as the residual, ReLU after the residual
        float[] acc = {20, 0, 17, 0, 1, 1, 1};
        ScalarKernels.pointwise(w, 1, bias, 0, in, 0, inRows, acc, 0, outRows, acc, 0, outRows, 2, 2, 3, true);
        assertArrayEquals(new float[] {6, 0, 1, 0, 10.5f, 13.5f, 16.5f}, acc, EPS);

        // no bias
        ScalarKernels.pointwise(w, 1, null, 0, in, 0, inRows, out, 0, outRows, null, 0, null, 2, 2, 3, false);
        assertArrayEquals(new float[] {-13, -14, -15, 0, 9, 12, 15}, out, EPS);
    }

    @Test
    void depthwiseSumOfNeighbours() {
        float[] ones = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] out = new float[16];
        ScalarKernels.depthwise3x3(ones, 0, 0.5f, plane4x4(), 0, 4, 4, out, 0, 1, false);
        float[] expected = {
            14, 24, 30, 22,
            33, 54, 63, 45,
            57, 90, 99, 69,
            46, 72, 78, 54,
        };
        for (int i = 0; i < 16; i++) {
            expected[i] += 0.5f;
        }
        assertArrayEquals(expected, out, EPS);

        float[] out2 = new float[4];
        ScalarKernels.depthwise3x3(ones, 0, 0f, plane4x4(), 0, 4, 4, out2, 0, 2, false);
        assertArrayEquals(new float[] {14, 30, 57, 99}, out2, EPS);

        ScalarKernels.depthwise3x3(ones, 0, -50f, plane4x4(), 0, 4, 4, out, 0, 1, true);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 4, 13, 0, 7, 40, 49, 19, 0, 22, 28, 4}, out, EPS);
    }

    @Test
    void depthwiseTapOrientation() {
        // a single tap at (ky=1, kx=2) reads the right neighbour; at (ky=2, kx=1) the one below
        float[] right = {0, 0, 0, 0, 0, 1, 0, 0, 0};
        float[] out = new float[16];
        ScalarKernels.depthwise3x3(right, 0, 0f, plane4x4(), 0, 4, 4, out, 0, 1, false);
        assertArrayEquals(new float[] {2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12, 0, 14, 15, 16, 0}, out, EPS);
        float[] below = {7, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        ScalarKernels.depthwise3x3(below, 1, 0f, plane4x4(), 0, 4, 4, out, 0, 1, false);
        assertArrayEquals(new float[] {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0}, out, EPS);
    }

    @Test
    void im2colByHand() {
        float[] in = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        // one channel 3x3 (1..9) at offset 1; 2x2 kernel, stride 1, no padding: 2x2 outputs
        float[] col = new float[16];
        ScalarKernels.im2col(in, 0, new int[] {1}, 1, 3, 3, 2, 2, 1, 1, 0, 0, col, 0, 2, 2);
        assertArrayEquals(new float[] {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}, col, EPS);

        // 3x3 kernel, stride 2, padding 1: 2x2 outputs; tap (0,0) sees only (iy, ix) = (1, 1) = 5
        float[] col2 = new float[36];
        ScalarKernels.im2col(in, 0, new int[] {1}, 1, 3, 3, 3, 3, 2, 2, 1, 1, col2, 0, 2, 2);
        assertArrayEquals(new float[] {0, 0, 0, 5}, java.util.Arrays.copyOfRange(col2, 0, 4), EPS);
        // centre tap (1,1): positions (0,0), (0,2), (2,0), (2,2) = 1, 3, 7, 9
        assertArrayEquals(new float[] {1, 3, 7, 9}, java.util.Arrays.copyOfRange(col2, 16, 20), EPS);
        // last tap (2,2): (1,1), (1,3)->pad, (3,1)->pad, (3,3)->pad
        assertArrayEquals(new float[] {5, 0, 0, 0}, java.util.Arrays.copyOfRange(col2, 32, 36), EPS);
    }

    @Test
    void maxPoolPaddingNeverWins() {
        float[] in = plane4x4();
        for (int i = 0; i < 16; i++) {
            in[i] = -in[i];
        }
        float[] out = new float[4];
        ScalarKernels.maxPool(in, 0, 4, 4, out, 0, 2, 2, 3, 2, 1);
        assertArrayEquals(new float[] {-1, -2, -5, -6}, out, EPS);

        ScalarKernels.maxPool(plane4x4(), 0, 4, 4, out, 0, 2, 2, 2, 2, 0);
        assertArrayEquals(new float[] {6, 8, 14, 16}, out, EPS);
    }

    @Test
    void avgPoolCornerWithAndWithoutPadCount() {
        float[] out = new float[4];
        // 3x3 / 2, pad 1: the corner window holds 1, 2, 5, 6 (sum 14) and 5 padding taps
        ScalarKernels.avgPool(plane4x4(), 0, 4, 4, out, 0, 2, 2, 3, 2, 1, true, false);
        assertEquals(14f / 9, out[0], EPS);
        assertEquals(99f / 9, out[3], EPS);
        ScalarKernels.avgPool(plane4x4(), 0, 4, 4, out, 0, 2, 2, 3, 2, 1, false, false);
        assertEquals(14f / 4, out[0], EPS);
        assertEquals((2 + 3 + 4 + 6 + 7 + 8) / 6f, out[1], EPS);
        assertEquals(99f / 9, out[3], EPS);

        float[] in = plane4x4();
        for (int i = 0; i < 16; i++) {
            in[i] -= 10;
        }
        ScalarKernels.avgPool(in, 0, 4, 4, out, 0, 2, 2, 3, 2, 1, false, true);
        assertArrayEquals(new float[] {0, 0, 0, 1}, out, EPS);
    }

    @Test
    void reductionsByHand() {
        float[] a = {100, 1, 2, 3, 4};
        float[] b = {5, 6, 7, 100};
        assertEquals(10f, ScalarKernels.sum(a, 1, 4), EPS);
        assertEquals(0f, ScalarKernels.sum(a, 1, 0), EPS);
        assertEquals(1 * 5 + 2 * 6 + 3 * 7, ScalarKernels.dot(a, 1, b, 0, 3), EPS);

        // weights [[1, 2], [3, 4], [-1, 0]] . x = [5, 6] + bias [0.5, 0, 1]
        float[] out = new float[4];
        ScalarKernels.linear(new float[] {1, 2, 3, 4, -1, 0}, new float[] {0.5f, 0, 1}, new float[] {9, 5, 6}, 1,
                out, 1, 2, 3);
        assertArrayEquals(new float[] {0, 17.5f, 39, -4}, out, EPS);
        ScalarKernels.linear(new float[] {1, 2, 3, 4, -1, 0}, null, new float[] {9, 5, 6}, 1, out, 0, 2, 3);
        assertArrayEquals(new float[] {17, 39, -5, -4}, out, EPS);
    }

    @Test
    void elementwiseByHand() {
        float[] a = {1, -2, 3};
        float[] b = {0, -1, 1, -4};
        float[] out = new float[3];
        ScalarKernels.add(a, 0, b, 1, out, 0, 3, false);
        assertArrayEquals(new float[] {0, -1, -1}, out, EPS);
        ScalarKernels.add(a, 0, b, 1, a, 0, 3, true);
        assertArrayEquals(new float[] {0, 0, 0}, a, EPS);

        float[] c = {1, -2, 3};
        ScalarKernels.scaleShift(c, 0, c, 0, 3, 2f, 1f, false);
        assertArrayEquals(new float[] {3, -3, 7}, c, EPS);
        ScalarKernels.scaleShift(c, 0, out, 0, 3, -1f, 0f, true);
        assertArrayEquals(new float[] {0, 3, 0}, out, EPS);

        float[] d = {-1, 0, 2, -3};
        ScalarKernels.relu(d, 1, 3);
        assertArrayEquals(new float[] {-1, 0, 2, 0}, d, EPS);
    }

    @Test
    void softmaxKnownValues() {
        float[] a = {9, 1, 2, 3};
        ScalarKernels.softmax(a, 1, 3);
        assertArrayEquals(new float[] {9, 0.09003057f, 0.24472847f, 0.66524096f}, a, EPS);

        // the maximum is subtracted first: huge logits give the same answer, not NaN
        float[] big = {1000, 1001, 1002};
        ScalarKernels.softmax(big, 0, 3);
        assertArrayEquals(new float[] {0.09003057f, 0.24472847f, 0.66524096f}, big, EPS);

        float[] flat = {-5, -5};
        ScalarKernels.softmax(flat, 0, 2);
        assertArrayEquals(new float[] {0.5f, 0.5f}, flat, EPS);
    }
}
