package dev.shufflespark.model.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.TestInputs;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Passes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Convolutions and pools with different padding on each side (ONNX's explicit pads, SAME auto-padding, ceil
 * mode, a merged Pad), and the Flatten and Clip layers, against naive loops written here.
 */
class AsymmetricPaddingTest {
    private static final int BATCH = 2;

    /** {top, left, bottom, right} paddings swept by the tests; each kept because it once mattered. */
    private static final int[][] PADS = {
        {0, 0, 0, 0}, {1, 1, 1, 1}, {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 0, 1, 0}, {0, 1, 2, 0}, {2, 2, 1, 2},
    };

    @Test
    void convolutionsMatchTheNaiveLoopForEveryPadding() {
        List<String> failures = new ArrayList<>();
        int[][] shapes = {{3, 7, 5}, {4, 9, 9}, {6, 8, 11}};
        for (int[] s : shapes) {
            for (int[] p : PADS) {
                for (int stride = 1; stride <= 2; stride++) {
                    for (int groups : new int[] {1, s[0] == 3 ? 3 : 2, s[0]}) {
                        for (int k = 1; k <= 3; k += 2) {
                            int cin = s[0];
                            int cout = groups == cin ? cin : 4;
                            if (cout % groups != 0 || s[1] + p[0] + p[2] < k || s[2] + p[1] + p[3] < k) {
                                continue;
                            }
                            String what = "conv k" + k + " s" + stride + " g" + groups + " pads "
                                    + java.util.Arrays.toString(p) + " on " + java.util.Arrays.toString(s);
                            checkConv(what, cin, cout, s[1], s[2], k, stride, p, groups, failures);
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
    }

    /**
     * Stride-2 convolutions three columns wide with one column of padding each side on even
     * widths, which run on deinterleaved rows: every channel count to 17 with every group
     * count, narrow and wide rows, other row paddings, against the naive loop.
     */
    @Test
    void stride2ThreeColumnConvolutionsOnEvenWidths() {
        List<String> failures = new ArrayList<>();
        int[][] pads = {{1, 1, 1, 1}, {0, 1, 2, 1}, {2, 1, 0, 1}};
        for (int cin = 1; cin <= 17; cin++) {
            for (int groups = 1; groups <= cin; groups++) {
                if (cin % groups != 0) {
                    continue;
                }
                for (int w : new int[] {2, 18, 34}) {
                    for (int h : new int[] {3, 8}) {
                        int[] p = pads[(cin + groups + w + h) % pads.length];
                        String what = "conv k3 s2 g" + groups + " pads " + java.util.Arrays.toString(p) + " on ["
                                + cin + ", " + h + ", " + w + "]";
                        checkConv(what, cin, 2 * groups + (cin % 3 == 0 ? groups : 0), h, w, 3, 2, p, groups,
                                failures);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
    }

    private static void checkConv(String what, int cin, int cout, int h, int w, int k, int stride, int[] p,
                                  int groups, List<String> failures) {
        float[] weight = TestInputs.gaussian(cout * (cin / groups) * k * k, 11);
        float[] bias = TestInputs.gaussian(cout, 12);
        Conv2d conv = new Conv2d("c", cin, cout, k, k, stride, stride, p[0], p[1], p[2], p[3], groups, weight, bias,
                false, false);
        float[] x = TestInputs.gaussian(BATCH * cin * h * w, 13);
        Shape out = conv.outputShape(new Shape[] {new Shape(cin, h, w)});
        int oh = (h + p[0] + p[2] - k) / stride + 1;
        int ow = (w + p[1] + p[3] - k) / stride + 1;
        assertEquals(new Shape(cout, oh, ow), out, what);
        double[] expected = new double[BATCH * cout * oh * ow];
        int cinG = cin / groups;
        int coutG = cout / groups;
        for (int n = 0; n < BATCH; n++) {
            for (int o = 0; o < cout; o++) {
                int g = o / coutG;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double sum = bias[o];
                        for (int ci = 0; ci < cinG; ci++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = y * stride - p[0] + ky;
                                    int ix = xx * stride - p[1] + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        sum += weight[((o * cinG + ci) * k + ky) * k + kx]
                                                * x[((n * cin + g * cinG + ci) * h + iy) * w + ix];
                                    }
                                }
                            }
                        }
                        expected[((n * cout + o) * oh + y) * ow + xx] = sum;
                    }
                }
            }
        }
        compare(what, single(conv, cin), x, h, w, expected, failures);
    }

    @Test
    void poolsMatchTheNaiveLoopForEveryPadding() {
        List<String> failures = new ArrayList<>();
        int[][] shapes = {{3, 7, 5}, {2, 32, 32}, {5, 9, 40}};
        for (int[] s : shapes) {
            for (int[] p : PADS) {
                if (p[0] != p[1]) {
                    continue; // the pool's top and left padding are one value
                }
                for (int k = 2; k <= 3; k++) {
                    for (int stride = 1; stride <= 3; stride++) {
                        for (Pool2d.Kind kind : Pool2d.Kind.values()) {
                            for (boolean include : new boolean[] {false, true}) {
                                if ((kind == Pool2d.Kind.MAX && include) || p[0] >= k || p[2] >= k || p[3] >= k) {
                                    continue;
                                }
                                String what = kind + " k" + k + " s" + stride + " pads " + java.util.Arrays.toString(p)
                                        + (include ? " include-pad" : "") + " on " + java.util.Arrays.toString(s);
                                checkPool(what, s[0], s[1], s[2], kind, k, stride, p, include, failures);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
    }

    private static void checkPool(String what, int c, int h, int w, Pool2d.Kind kind, int k, int stride, int[] p,
                                  boolean include, List<String> failures) {
        Pool2d pool = new Pool2d("p", kind, k, stride, p[0], p[2], p[3], include, false);
        int oh = (h + p[0] + p[2] - k) / stride + 1;
        int ow = (w + p[1] + p[3] - k) / stride + 1;
        assertEquals(new Shape(c, oh, ow), pool.outputShape(new Shape[] {new Shape(c, h, w)}), what);
        float[] x = TestInputs.gaussian(BATCH * c * h * w, 21);
        double[] expected = new double[BATCH * c * oh * ow];
        for (int n = 0; n < BATCH; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        double acc = kind == Pool2d.Kind.MAX ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = y * stride - p[0] + ky;
                                int ix = xx * stride - p[1] + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                    double v = x[((n * c + ch) * h + iy) * w + ix];
                                    acc = kind == Pool2d.Kind.MAX ? Math.max(acc, v) : acc + v;
                                    count++;
                                }
                            }
                        }
                        if (kind == Pool2d.Kind.AVERAGE) {
                            acc /= include ? k * k : count;
                        }
                        expected[((n * c + ch) * oh + y) * ow + xx] = acc;
                    }
                }
            }
        }
        compare(what, single(pool, c), x, h, w, expected, failures);
    }

    @Test
    void paddingSurvivesTheLoadTimePasses() {
        float[] weight = TestInputs.gaussian(4 * 3 * 9, 31);
        Conv2d conv = new Conv2d("c", 3, 4, 3, 3, 2, 2, 0, 1, 2, 0, 1, weight, null, false, false);
        Conv2d relu = conv.withRelu().withWeights(weight, new float[4]);
        assertArrayEquals(new int[] {0, 1, 2, 0},
                new int[] {relu.padTop(), relu.padLeft(), relu.padBottom(), relu.padRight()});
        Pool2d pool = new Pool2d("p", Pool2d.Kind.AVERAGE, 3, 2, 1, 0, 2, false, false).withRelu();
        assertArrayEquals(new int[] {3, 2, 1, 0, 2}, new int[] {pool.kernel(), pool.stride(), pool.padding(),
            pool.padBottom(), pool.padRight()});
        assertEquals(false, pool.countIncludePad());
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2d("bad", 1, 1, 3, 3, 1, 1, -1, 0, 0, 0, 1, new float[9], null, false, false));
    }

    @Test
    void flattenCopiesSpatialImagesAndIsAViewOfOneByOne() {
        int c = 3;
        int h = 4;
        int w = 5;
        float[] x = TestInputs.gaussian(BATCH * c * h * w, 41);
        Graph.Builder b = Graph.builder(c);
        int y = b.add(new Flatten("flat"), b.input());
        Graph g = b.build(y);
        float[] out = new Engine("flatten", g).newSession(BATCH, h, w).run(x, BATCH);
        assertArrayEquals(java.util.Arrays.copyOf(x, BATCH * c * h * w), java.util.Arrays.copyOf(out, x.length),
                "NCHW flattened per image is the input in order");

        // [C, 1, 1] after a pool: a view, so no step runs for it.
        Graph.Builder b2 = Graph.builder(c);
        int pooled = b2.add(new GlobalAvgPool("gap"), b2.input());
        int flat = b2.add(new Flatten("flat"), pooled);
        Graph g2 = b2.build(b2.add(new Softmax("softmax"), flat));
        assertEquals(2, dev.shufflespark.model.plan.Program.compile(Passes.optimize(g2), h, w).steps().length);
        float[] probs = new Engine("gap", g2).newSession(BATCH, h, w).run(x, BATCH);
        double sum = 0;
        for (int i = 0; i < c; i++) {
            sum += probs[i];
        }
        assertEquals(1.0, sum, 1e-6);
    }

    @Test
    void clipBoundsEveryValue() {
        float[] x = TestInputs.gaussian(BATCH * 2 * 3 * 3, 51);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 8;
        }
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = Math.min(Math.max(x[i], 0), 6);
        }
        List<String> failures = new ArrayList<>();
        compare("relu6", single(new Clip("relu6", 0, 6), 2), x, 3, 3, expected, failures);
        assertTrue(failures.isEmpty(), () -> String.join("\n", failures));
    }

    private static Graph single(Layer layer, int channels) {
        Graph.Builder b = Graph.builder(channels);
        int y = b.add(layer, b.input());
        // A flatten at the end lets the session return every output value.
        return b.build(b.add(new Flatten("out"), y));
    }

    private static void compare(String what, Graph g, float[] x, int h, int w, double[] expected,
                                List<String> failures) {
        for (Graph graph : new Graph[] {g, Passes.optimize(g)}) {
            float[] got = new Engine(what, graph).newSession(BATCH, h, w).run(x, BATCH);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                worst = Math.max(worst, Math.abs(got[i] - expected[i]));
            }
            if (worst > 1e-4) {
                failures.add(what + ": max |difference| " + worst);
            }
        }
    }
}
