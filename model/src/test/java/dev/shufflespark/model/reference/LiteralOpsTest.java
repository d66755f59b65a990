package dev.shufflespark.model.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shufflespark.model.Tensor;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.reference.LiteralShuffleNet.Nchw;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each op of the reference against values worked out by hand, so that the reference is pinned on its own. */
class LiteralOpsTest {
    private static final double EXACT = 0;

    /** A 4x4 plane holding 4y + x: 0..15 in row-major order. */
    private static double[] ramp4x4() {
        double[] r = new double[16];
        for (int i = 0; i < 16; i++) {
            r[i] = i;
        }
        return r;
    }

    private static double[] filled(int count, double v) {
        double[] a = new double[count];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static double[] concatAll(double[]... parts) {
        int total = 0;
        for (double[] p : parts) {
            total += p.length;
        }
        double[] out = new double[total];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static float[] floats(double... v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** Channel {@code ch} of image {@code b} as a row-major plane. */
    private static double[] plane(Nchw x, int b, int ch) {
        double[] p = new double[x.h * x.w];
        for (int y = 0; y < x.h; y++) {
            for (int xx = 0; xx < x.w; xx++) {
                p[y * x.w + xx] = x.get(b, ch, y, xx);
            }
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------ conv2d

    @Test
    void twoGroupConvOnA4x4InputKeepsTheGroupsApart() {
        // input [1, 4, 4, 4]: ch0 = 1, ch1 = 2, ch2 = 4y + x, ch3 = 100
        Nchw x = Nchw.of(1, 4, 4, 4, concatAll(filled(16, 1), filled(16, 2), ramp4x4(), filled(16, 100)));
        // weight [2, 2, 3, 3]: output 0 sees inputs 0 and 1, output 1 sees inputs 2 and 3
        double[] w = new double[2 * 2 * 9];
        for (int k = 0; k < 9; k++) {
            w[k] = 1; // out 0, in 0: all ones (counts the in-bounds taps)
        }
        w[9 + 4] = 1; // out 0, in 1: the centre tap only (+2 everywhere)
        w[18 + 5] = 1; // out 1, in 2: the tap right of centre (reads x + 1; zero padding past the edge)
        w[27 + 4] = -0.5; // out 1, in 3: centre tap * 100 = -50 everywhere
        Nchw out = LiteralShuffleNet.conv2d(x, new Tensor(new int[] {2, 2, 3, 3}, floats(w)), 1, 1, 2);

        assertEquals(2, out.c);
        assertEquals(4, out.h);
        assertEquals(4, out.w);
        // in-bounds taps: 4 at corners, 6 on edges, 9 inside; +2 from input 1
        assertArrayEquals(new double[] {
            6, 8, 8, 6,
            8, 11, 11, 8,
            8, 11, 11, 8,
            6, 8, 8, 6}, plane(out, 0, 0), EXACT);
        // 4y + x + 1 where x + 1 < 4, else 0 (padding); then -50
        assertArrayEquals(new double[] {
            1 - 50, 2 - 50, 3 - 50, -50,
            5 - 50, 6 - 50, 7 - 50, -50,
            9 - 50, 10 - 50, 11 - 50, -50,
            13 - 50, 14 - 50, 15 - 50, -50}, plane(out, 0, 1), EXACT);
    }

    @Test
    void strideTwoConvWithPadding() {
        Nchw x = Nchw.of(1, 1, 4, 4, ramp4x4());
        Tensor ones = new Tensor(new int[] {1, 1, 3, 3}, floats(filled(9, 1)));
        Nchw out = LiteralShuffleNet.conv2d(x, ones, 2, 1, 1);
        assertEquals(2, out.h);
        assertEquals(2, out.w);
        // windows centred on (0,0), (0,2), (2,0), (2,2)
        assertArrayEquals(new double[] {0 + 1 + 4 + 5, 1 + 2 + 3 + 5 + 6 + 7, 4 + 5 + 8 + 9 + 12 + 13,
            5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15}, plane(out, 0, 0), EXACT);

        Tensor two = new Tensor(new int[] {1, 1, 1, 1}, new float[] {2});
        Nchw picked = LiteralShuffleNet.conv2d(x, two, 2, 0, 1);
        assertArrayEquals(new double[] {0, 4, 16, 20}, plane(picked, 0, 0), EXACT);
    }

    @Test
    void depthwiseConvAndBatchesAreIndependent() {
        // 2 images, 2 channels, 3x3; depthwise 3x3 with pad 1: each output centre is the sum of its channel
        double[] img0 = concatAll(filled(9, 1), filled(9, 2));
        double[] img1 = concatAll(filled(9, 10), filled(9, 20));
        Nchw x = Nchw.of(2, 2, 3, 3, concatAll(img0, img1));
        float[] w = new float[18];
        for (int k = 0; k < 9; k++) {
            w[k] = 1;
            w[9 + k] = -1;
        }
        Nchw out = LiteralShuffleNet.conv2d(x, new Tensor(new int[] {2, 1, 3, 3}, w), 1, 1, 2);
        assertEquals(9, out.get(0, 0, 1, 1), EXACT);
        assertEquals(-18, out.get(0, 1, 1, 1), EXACT);
        assertEquals(40, out.get(1, 0, 0, 0), EXACT); // corner: 4 taps of 10
        assertEquals(-120, out.get(1, 1, 0, 1), EXACT); // edge: 6 taps of 20
    }

    @Test
    void convRefusesMismatchedGroups() {
        Nchw x = new Nchw(1, 4, 2, 2);
        assertThrows(IllegalArgumentException.class,
                () -> LiteralShuffleNet.conv2d(x, Tensor.zeros(2, 4, 1, 1), 1, 0, 2));
    }

    // ------------------------------------------------------------------------------------------ batch norm, relu

    @Test
    void batchNormUsesRunningStatisticsAndEps() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("bn.weight", new Tensor(new int[] {2}, new float[] {2, 0.5f}));
        t.put("bn.bias", new Tensor(new int[] {2}, new float[] {1, -1}));
        t.put("bn.running_mean", new Tensor(new int[] {2}, new float[] {1, 0}));
        t.put("bn.running_var", new Tensor(new int[] {2}, new float[] {3, 0}));
        Nchw x = Nchw.of(1, 2, 1, 2, 3, -1, 4, 1e-3);
        Nchw y = LiteralShuffleNet.batchNorm(x, new Weights(t), "bn");
        assertEquals((3 - 1) / Math.sqrt(3 + 1e-5) * 2 + 1, y.get(0, 0, 0, 0), 1e-15);
        assertEquals((-1 - 1) / Math.sqrt(3 + 1e-5) * 2 + 1, y.get(0, 0, 0, 1), 1e-15);
        // zero variance: only eps keeps it finite; 4 / sqrt(1e-5) * 0.5 - 1 = 631.455...
        assertEquals(4 / Math.sqrt(1e-5) * 0.5 - 1, y.get(0, 1, 0, 0), 1e-9);
        assertEquals(631.4555320336759, y.get(0, 1, 0, 0), 1e-9);
        assertEquals(1e-3 / Math.sqrt(1e-5) * 0.5 - 1, y.get(0, 1, 0, 1), 1e-12);
    }

    @Test
    void reluClampsNegativesOnly() {
        Nchw x = Nchw.of(1, 1, 1, 4, -2, -0.0, 0.5, 3);
        assertArrayEquals(new double[] {0, 0, 0.5, 3}, LiteralShuffleNet.relu(x).data, EXACT);
    }

    // ------------------------------------------------------------------------------------------ channel shuffle

    private static int[] channelOrder(int channels, int groups) {
        // channel k holds the value k everywhere in a 2x3 plane, so the output reveals the permutation
        Nchw x = new Nchw(1, channels, 2, 3);
        for (int ch = 0; ch < channels; ch++) {
            for (int i = 0; i < 6; i++) {
                x.data[ch * 6 + i] = ch;
            }
        }
        Nchw y = LiteralShuffleNet.channelShuffle(x, groups);
        int[] order = new int[channels];
        for (int ch = 0; ch < channels; ch++) {
            order[ch] = (int) y.get(0, ch, 1, 2);
            for (int i = 0; i < 6; i++) {
                assertEquals(order[ch], y.data[ch * 6 + i], EXACT, "the whole plane moves together");
            }
        }
        return order;
    }

    @Test
    void channelShuffleOfSixChannelsInThreeGroups() {
        assertArrayEquals(new int[] {0, 2, 4, 1, 3, 5}, channelOrder(6, 3));
    }

    @Test
    void channelShuffleOtherGroupCounts() {
        assertArrayEquals(new int[] {0, 3, 1, 4, 2, 5}, channelOrder(6, 2));
        assertArrayEquals(new int[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, channelOrder(12, 3));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, channelOrder(6, 1));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, channelOrder(6, 6));
    }

    // ------------------------------------------------------------------------------------------ pooling

    @Test
    void avgPoolCountsPaddingInTheDivisor() {
        Nchw x = Nchw.of(1, 1, 4, 4, ramp4x4());
        Nchw y = LiteralShuffleNet.avgPool(x, 3, 2, 1);
        assertEquals(2, y.h);
        assertEquals(2, y.w);
        assertEquals((0 + 1 + 4 + 5) / 9.0, y.get(0, 0, 0, 0), 1e-15); // corner: 4 real values, divided by 9
        assertEquals((1 + 2 + 3 + 5 + 6 + 7) / 9.0, y.get(0, 0, 0, 1), 1e-15);
        assertEquals((4 + 5 + 8 + 9 + 12 + 13) / 9.0, y.get(0, 0, 1, 0), 1e-15);
        assertEquals(90 / 9.0, y.get(0, 0, 1, 1), 1e-15);
    }

    @Test
    void avgPoolOddSize() {
        Nchw x = Nchw.of(1, 1, 3, 3, filled(9, 9));
        Nchw y = LiteralShuffleNet.avgPool(x, 3, 2, 1);
        // 3x3 -> 2x2; every window is a corner with 4 real nines
        assertArrayEquals(new double[] {4, 4, 4, 4}, y.data, 1e-15);
    }

    @Test
    void maxPoolPadsWithMinusInfinity() {
        // all negative: a zero padding would wrongly win at the borders
        double[] v = ramp4x4();
        for (int i = 0; i < v.length; i++) {
            v[i] = -v[i] - 1;
        }
        Nchw y = LiteralShuffleNet.maxPool(Nchw.of(1, 1, 4, 4, v), 3, 2, 1);
        assertArrayEquals(new double[] {-1, -2, -5, -6}, y.data, EXACT);
    }

    @Test
    void maxPoolOutputSizeAndWindows() {
        double[] v = new double[25];
        for (int i = 0; i < 25; i++) {
            v[i] = i;
        }
        Nchw y = LiteralShuffleNet.maxPool(Nchw.of(1, 1, 5, 5, v), 3, 2, 1);
        assertEquals(3, y.h);
        assertEquals(3, y.w);
        // window bottom-right corners (clamped): rows 1, 3, 4 and cols 1, 3, 4
        assertArrayEquals(new double[] {6, 8, 9, 16, 18, 19, 21, 23, 24}, y.data, EXACT);
    }

    // ------------------------------------------------------------------------------------------ the rest

    @Test
    void addConcatAndChunk() {
        Nchw a = Nchw.of(2, 1, 1, 2, 1, 2, 3, 4);
        Nchw b = Nchw.of(2, 2, 1, 2, 10, 20, 30, 40, 50, 60, 70, 80);
        Nchw cat = LiteralShuffleNet.concat(a, b);
        assertEquals(3, cat.c);
        assertArrayEquals(new double[] {1, 2, 10, 20, 30, 40, 3, 4, 50, 60, 70, 80}, cat.data, EXACT);

        Nchw[] halves = LiteralShuffleNet.chunk2(b);
        assertArrayEquals(new double[] {10, 20, 50, 60}, halves[0].data, EXACT);
        assertArrayEquals(new double[] {30, 40, 70, 80}, halves[1].data, EXACT);

        Nchw sum = LiteralShuffleNet.add(halves[0], halves[1]);
        assertArrayEquals(new double[] {40, 60, 120, 140}, sum.data, EXACT);
        assertThrows(IllegalArgumentException.class, () -> LiteralShuffleNet.add(a, b));
        assertThrows(IllegalArgumentException.class, () -> LiteralShuffleNet.chunk2(cat));
    }

    @Test
    void meanOverHeightAndWidth() {
        Nchw x = Nchw.of(1, 2, 2, 3, 1, 2, 3, 4, 5, 6, -6, 0, 0, 0, 0, 0);
        Nchw m = LiteralShuffleNet.meanHW(x);
        assertEquals(1, m.h);
        assertEquals(1, m.w);
        assertArrayEquals(new double[] {21 / 6.0, -1}, m.data, 1e-15);
    }

    @Test
    void linearIsXTimesWTransposedPlusB() {
        Nchw x = Nchw.of(2, 3, 1, 1, 1, 2, 3, -1, 0, 1);
        // weight [2, 3]
        Tensor w = new Tensor(new int[] {2, 3}, new float[] {1, 0, -1, 0.5f, 0.5f, 0.5f});
        Tensor b = new Tensor(new int[] {2}, new float[] {10, -10});
        Nchw y = LiteralShuffleNet.linear(x, w, b);
        assertArrayEquals(new double[] {1 - 3 + 10, 3 - 10, -1 - 1 + 10, 0 - 10}, y.data, 1e-15);
    }
}
