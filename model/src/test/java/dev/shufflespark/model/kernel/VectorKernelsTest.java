package dev.shufflespark.model.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.kernel.KernelCheck.Residual;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every vector kernel ({@link VectorGemm}, {@link VectorDepthwise}, {@link VectorPooling},
 * {@link VectorElementwise}) against its {@link ScalarKernels} reference over deliberate
 * shape sweeps. The vector kernels are called directly, so the test means the same whatever
 * {@link Simd} chose as the default path; the test JVM must have the vector module (surefire
 * passes {@code --add-modules jdk.incubator.vector}), and fails rather than skips without it.
 */
class VectorKernelsTest {

    private static final int[] WIDTHS = {1, 7, 13, 49, 56, 196};

    @BeforeAll
    static void vectorModulePresent() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the test JVM needs --add-modules jdk.incubator.vector");
        assertTrue(VectorKernels.L >= 4, "vector lanes: " + VectorKernels.L);
    }

    // ---------------------------------------------------------------------------------------
    // pointwise

    @Test
    void pointwiseAllChannelCountsUpTo17() {
        long seed = 1;
        for (int cin = 1; cin <= 17; cin++) {
            for (int cout = 1; cout <= 17; cout++) {
                for (int hw : new int[] {1, 7, 13, 49}) {
                    // rotate through the epilogue variants so that each shape sees several
                    int v = (int) (seed % 16);
                    boolean relu = v % 2 == 0;
                    Residual residual = Residual.values()[v / 2 % 4];
                    boolean bias = v / 8 == 0;
                    KernelCheck.pointwise(seed++, cin, cout, hw, relu, residual, bias, v % 3);
                }
            }
        }
    }

    @Test
    void pointwiseEveryEpilogueOnWidePlanes() {
        long seed = 100;
        int[] channels = {1, 3, 4, 5, 8, 16, 17};
        for (int cin : channels) {
            for (int cout : channels) {
                for (int hw : new int[] {56, 196}) {
                    for (Residual residual : Residual.values()) {
                        for (boolean relu : new boolean[] {false, true}) {
                            KernelCheck.pointwise(seed++, cin, cout, hw, relu, residual, relu, (int) (seed % 2) * 5);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pointwiseEveryPixelCountUpTo100() {
        long seed = 200;
        for (int hw = 1; hw <= 100; hw++) {
            for (Residual residual : Residual.values()) {
                KernelCheck.pointwise(seed++, 5, 9, hw, true, residual, true, 0);
                KernelCheck.pointwise(seed++, 5, 9, hw, false, residual, false, 2);
            }
        }
    }

    @Test
    void pointwiseShuffleNetShapes() {
        int[][] shapes = {
            // cin, cout, hw
            {58, 58, 784}, {116, 116, 196}, {240, 60, 49}, {60, 240, 56}, {80, 20, 196}, {20, 80, 196},
            {24, 216, 3136}, {232, 232, 49}, {27, 24, 12544}, {480, 120, 196},
            // k blocks: 2 x 65, 3 x 86 (one of 85), 8 x 120
            {129, 8, 48}, {257, 5, 96}, {960, 12, 49},
        };
        long seed = 300;
        for (int[] s : shapes) {
            for (Residual residual : Residual.values()) {
                KernelCheck.pointwise(seed++, s[0], s[1], s[2], true, residual, true, 1);
            }
        }
    }

    /**
     * Output channel counts around the 8-row blocks (8, 12, 16, 20, 24 and their neighbours),
     * with one k block and with two (cin 130), every residual, with and without ReLU.
     */
    @Test
    void pointwiseEightRowBlocks() {
        long seed = 350;
        for (int cin : new int[] {20, 130}) {
            for (int cout = 7; cout <= 25; cout++) {
                for (Residual residual : Residual.values()) {
                    KernelCheck.pointwise(seed++, cin, cout, 100, seed % 2 == 0, residual, true, (int) (seed % 3));
                }
            }
        }
    }

    /**
     * A uniform plane (a batch's gathered tails) against the scalar kernel, on the plane sizes
     * that gathering makes (1, 4 or 9 pixels per image, up to 8 images) and around the blocks.
     */
    @Test
    void pointwiseUniformPlanes() {
        long seed = 900;
        for (int hw : new int[] {3, 8, 20, 27, 32, 36, 48, 49, 72, 100}) {
            for (int[] c : new int[][] {{20, 24}, {130, 20}, {232, 58}, {300, 12}}) {
                for (Residual residual : Residual.values()) {
                    KernelCheck.pointwise(seed++, c[0], c[1], hw, seed % 2 == 0, residual, true, (int) (seed % 3),
                            true);
                }
            }
        }
    }

    /**
     * In a uniform plane every pixel is computed alike: when all its pixels have the same inputs
     * and the same residual, every output channel holds one value bit for bit, whichever kernel
     * took each pixel (blocks, 1-vector kernels, a recomputed last vector, dot products); with
     * one k block and with several, and output channels around the 8-row blocks.
     */
    @Test
    void uniformPlaneComputesEqualPixelsAlike() {
        Random r = new Random(41);
        for (int hw : new int[] {3, 8, 17, 20, 27, 36, 48, 49, 72, 120}) {
            for (int[] c : new int[][] {{20, 24}, {130, 20}, {232, 58}, {300, 12}, {464, 17}}) {
                for (Residual residual : new Residual[] {Residual.NONE, Residual.SEPARATE, Residual.IN_PLACE}) {
                    int cin = c[0];
                    int cout = c[1];
                    float[] w = KernelCheck.random(r, cin * cout);
                    float[] bias = KernelCheck.random(r, cout);
                    float[] column = KernelCheck.random(r, cin);
                    float[] in = new float[cin * hw];
                    int[] inRows = new int[cin];
                    for (int k = 0; k < cin; k++) {
                        inRows[k] = k * hw;
                        Arrays.fill(in, k * hw, (k + 1) * hw, column[k]);
                    }
                    int[] outRows = new int[cout];
                    float[] out = new float[cout * hw];
                    float[] res = residual == Residual.NONE ? null : new float[cout * hw];
                    for (int o = 0; o < cout; o++) {
                        outRows[o] = o * hw;
                        if (res != null) {
                            Arrays.fill(res, o * hw, (o + 1) * hw, r.nextFloat() * 2 - 1);
                        }
                    }
                    if (residual == Residual.IN_PLACE) {
                        out = res;
                    }
                    VectorGemm.pointwise(w, 0, bias, 0, in, 0, inRows, out, 0, outRows, res, 0, outRows,
                            cin, cout, hw, true, true);
                    for (int o = 0; o < cout; o++) {
                        for (int j = 1; j < hw; j++) {
                            assertEquals(Float.floatToRawIntBits(out[o * hw]), Float.floatToRawIntBits(out[o * hw + j]),
                                    "cin " + cin + " cout " + cout + " hw " + hw + " " + residual + ": channel " + o
                                            + " pixel " + j + " " + out[o * hw + j] + " against pixel 0 " + out[o * hw]);
                        }
                    }
                }
            }
        }
    }

    /**
     * The two ways of a short pixel tail, on the 14x14 and 7x7 shapes of ShuffleNet v1 g3 whose
     * choice the cost estimate makes: dot products for many input channels, one recomputed
     * vector for few (and then, in place, only the new lanes stored).
     */
    @Test
    void pointwiseShortTailsAsDotsOrAsAVector() {
        if (VectorKernels.L == 16) {
            assertTrue(VectorGemm.dotsPay(160, 4));
            assertFalse(VectorGemm.dotsPay(40, 4));
            assertTrue(VectorGemm.dotsPay(80, 1));
            assertTrue(VectorGemm.dotsPay(320, 1));
        }
        long seed = 380;
        int[][] shapes = {{160, 40, 196}, {40, 160, 196}, {80, 320, 49}, {320, 80, 49}, {116, 116, 196}};
        for (int[] s : shapes) {
            for (Residual residual : Residual.values()) {
                KernelCheck.pointwise(seed++, s[0], s[1], s[2], seed % 2 == 0, residual, true, (int) (seed % 3));
            }
        }
    }

    /**
     * The max pool over a band of a plane with rows of the plane above it (the stem's pool fused with its
     * convolution): the 3x3/2/1 pool of the vector kernel and the other shapes, against the scalar truth.
     */
    @Test
    void maxPoolBandsWithRowsAbove() {
        java.util.Random r = new java.util.Random(390);
        for (int above = 0; above <= 2; above++) {
            for (int h = 1; h <= 17; h++) {
                for (int width : new int[] {2, 7, 8, 14, 32, 33, 112}) {
                    for (int[] pool : new int[][] {{3, 2, 1}, {2, 2, 0}, {3, 1, 1}}) {
                        int k = pool[0];
                        int s = pool[1];
                        int p = pool[2];
                        int oh = (h + 2 * p - k) / s + 1;
                        int ow = (width + 2 * p - k) / s + 1;
                        if (oh < 1 || ow < 1) {
                            continue;
                        }
                        float[] in = new float[3 + (above + h) * width + 5];
                        for (int i = 0; i < in.length; i++) {
                            in[i] = (float) r.nextGaussian();
                        }
                        int inOff = 3 + above * width;
                        float[] outS = new float[2 + oh * ow + 3];
                        Arrays.fill(outS, 777f);
                        float[] outV = outS.clone();
                        ScalarKernels.maxPool(in, inOff, h, width, outS, 2, oh, ow, k, s, p, above);
                        VectorPooling.maxPool(in, inOff, h, width, outV, 2, oh, ow, k, s, p, above);
                        assertArrayEquals(outS, outV, String.format("maxPool band h=%d w=%d k=%d s=%d p=%d above=%d",
                                h, width, k, s, p, above));
                    }
                }
            }
        }
        // with no rows above, the band pool is the plane pool
        float[] in = new float[8 * 8];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) Math.sin(i);
        }
        float[] plane = new float[16];
        float[] band = new float[16];
        ScalarKernels.maxPool(in, 0, 8, 8, plane, 0, 4, 4, 3, 2, 1);
        ScalarKernels.maxPool(in, 0, 8, 8, band, 0, 4, 4, 3, 2, 1, 0);
        assertArrayEquals(plane, band);
        // a row above: the first window reads it
        float[] up = new float[9 * 8];
        Arrays.fill(up, 0, 8, 100f);
        System.arraycopy(in, 0, up, 8, 64);
        ScalarKernels.maxPool(up, 8, 8, 8, band, 0, 4, 4, 3, 2, 1, 1);
        assertEquals(100f, band[0]);
        assertEquals(plane[5], band[5]);
    }

    /** The plane holding the last pixels ends exactly at the end of the array: the tail cannot be a whole vector. */
    @Test
    void pointwiseInPlaceResidualTailAtEndOfArray() {
        KernelCheck.pointwise(400, 6, 5, 49, true, Residual.IN_PLACE, true, 0);
        KernelCheck.pointwise(401, 6, 5, 196, false, Residual.IN_PLACE, true, 0);
        KernelCheck.pointwise(402, 3, 2, 7, true, Residual.IN_PLACE, false, 0);
        KernelCheck.pointwise(403, 3, 2, 7, true, Residual.NONE, false, 0);
    }

    @Test
    void pointwiseNoInputChannels() {
        KernelCheck.pointwise(410, 0, 5, 49, true, Residual.SEPARATE, true, 1);
        KernelCheck.pointwise(411, 0, 5, 49, false, Residual.NONE, true, 1);
    }

    // ---------------------------------------------------------------------------------------
    // depthwise 3x3

    @Test
    void depthwiseSweep() {
        long seed = 500;
        int[] heights = {1, 2, 3, 4, 5, 7, 13, 56};
        int[] widths = {1, 2, 3, 4, 7, 13, 16, 17, 18, 19, 33, 34, 35, 49, 56};
        for (int h : heights) {
            for (int width : widths) {
                for (int stride = 1; stride <= 2; stride++) {
                    for (boolean relu : new boolean[] {false, true}) {
                        KernelCheck.depthwise(seed++, h, width, stride, relu, 3, (int) (seed % 2) * 40);
                    }
                }
            }
        }
    }

    @Test
    void depthwiseShuffleNetPlanes() {
        long seed = 600;
        for (int size : new int[] {112, 56, 28, 14, 7}) {
            for (int stride = 1; stride <= 2; stride++) {
                KernelCheck.depthwise(seed++, size, size, stride, true, 0, 0);
                KernelCheck.depthwise(seed++, size, size, stride, false, 5, 1);
            }
        }
    }

    /**
     * Stride 1 on planes of up to 256 floats with room for the flat taps on both sides, where
     * the whole plane is one masked range: every width to 20 and height to 16 (those over 256
     * floats take the other path), the room exactly enough and one short.
     */
    @Test
    void depthwiseSmallPlanesInsideArray() {
        long seed = 900;
        for (int width = 1; width <= 20; width++) {
            for (int h = 1; h <= 16; h++) {
                KernelCheck.depthwise(seed++, h, width, 1, seed % 2 == 0, width + 1, width + 1);
                KernelCheck.depthwise(seed++, h, width, 1, seed % 2 == 0, width + 1, width);
                KernelCheck.depthwise(seed++, h, width, 1, seed % 2 == 0, width, width + 1);
                KernelCheck.depthwise(seed++, h, width, 1, seed % 2 == 0, 2 * width + 5, 3 * width);
            }
        }
    }

    /**
     * Stride 1 in pairs of vectors one row apart: every width from 3 to 40 (rows narrower than half a vector
     * take single vectors, but for the interior rows' masked range), odd and even heights (an odd row left
     * over, the last block moved back), planes on both sides of 256 floats (the whole-plane masked range and
     * the interior rows), at the start of the array, inside it and at its end.
     */
    @Test
    void depthwiseStride1RowPairs() {
        long seed = 1300;
        int[] heights = {3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 17, 28, 29};
        for (int width = 3; width <= 40; width++) {
            for (int h : heights) {
                for (boolean relu : new boolean[] {false, true}) {
                    KernelCheck.depthwise(seed++, h, width, 1, relu, 0, 0);
                    KernelCheck.depthwise(seed++, h, width, 1, relu, width + 1, width + 1);
                    KernelCheck.depthwise(seed++, h, width, 1, relu, 3, 2 * width);
                }
            }
        }
    }

    /**
     * Stride 1 on rows of more than one vector and at most two (17 to 32 at 16 lanes), both stripes
     * run down the plane together: every height from 3 to 40 (3: no row between the first and
     * the last), ReLU on and off, a plane at the start of the array and at its end (the first
     * row's left taps and the last row's right taps loaded inside the plane) and one with room.
     */
    @Test
    void depthwiseStride1Stripes() {
        long seed = 2100;
        int lanes = VectorKernels.L;
        for (int width = lanes + 1; width <= 2 * lanes; width++) {
            for (int h = 3; h <= 40; h++) {
                boolean relu = seed % 2 == 0;
                KernelCheck.depthwise(seed++, h, width, 1, relu, 0, 0);
                KernelCheck.depthwise(seed++, h, width, 1, !relu, 1, 1);
                KernelCheck.depthwise(seed++, h, width, 1, relu, width + 1, 2 * width);
            }
        }
    }

    /**
     * Stride 1 on rows of L-2 pixels (14 at 16 lanes), copied into rows of one vector, plane by
     * plane: odd and even heights (from 2; one row takes the reference); planes packed (the last
     * at the array's end) and apart; a plane at the array's start.
     */
    @Test
    void depthwisePlanesPaddedRows() {
        long seed = 1900;
        int width = VectorKernels.L - 2;
        for (int h = 1; h <= 40; h++) {
            for (int channels : new int[] {1, 3, 17}) {
                boolean relu = seed % 2 == 0;
                KernelCheck.depthwisePlanes(seed++, channels, h, width, relu, 0);
                KernelCheck.depthwisePlanes(seed++, channels, h, width, relu, 1);
                KernelCheck.depthwisePlanes(seed++, channels, h, width, relu, 2 * width);
                KernelCheck.depthwisePlanes(seed++, channels, h, width, relu, 0, 0);
            }
        }
    }

    /**
     * Depthwise in blocks of channels: every plane shape of fewer than 64 pixels that the blocks
     * take (rows of 2 to 63 pixels, whole tiles of 16 pixels and the gathered tail pixels), 16 to
     * 40 channels (one block, several, the last moved back) and fewer (the reference), planes
     * permuted, packed and apart.
     */
    @Test
    void depthwisePlanesSweep() {
        long seed = 1700;
        int[] channelCounts = {1, 15, 16, 17, 31, 32, 40};
        for (int width = 1; width <= 63; width++) {
            for (int h = 1; h * width < 64 + width; h++) {
                for (int channels : channelCounts) {
                    KernelCheck.depthwisePlanes(seed++, channels, h, width, seed % 2 == 0, (int) (seed % 3));
                }
            }
        }
        // ShuffleNet's 7x7 stage 4 (240 channels in v1 g3, 232 in V2) and a plane too large for the blocks
        KernelCheck.depthwisePlanes(seed++, 240, 7, 7, false, 0);
        KernelCheck.depthwisePlanes(seed++, 232, 7, 7, true, 0);
        KernelCheck.depthwisePlanes(seed++, 24, 14, 14, false, 1);
    }

    /**
     * The blocks and the padded rows keep the plane kernel's sums: on 7x7 and 14x14 planes with
     * room round them (where the plane kernel covers the whole plane in one masked range) the
     * outputs are the same bit for bit.
     */
    @Test
    void depthwisePlanesSameSumsAsPlaneKernel() {
        Random r = new Random(1800);
        int channels = 40;
        for (int size : new int[] {7, 14}) {
            int hw = size * size;
            float[] taps = KernelCheck.random(r, 10 * channels);
            int[] inPlanes = KernelCheck.rows(r, channels, hw, 0);
            int[] outPlanes = KernelCheck.rows(r, channels, hw, 0);
            float[] in = KernelCheck.random(r, 2 * hw + channels * hw);
            for (boolean relu : new boolean[] {false, true}) {
                float[] outB = new float[channels * hw];
                float[] outP = new float[channels * hw];
                VectorDepthwise.depthwise3x3Planes(taps, in, hw, inPlanes, size, size, outB, 0, outPlanes, channels,
                        relu);
                float[] w = new float[9];
                for (int c = 0; c < channels; c++) {
                    for (int t = 0; t < 9; t++) {
                        w[t] = taps[t * channels + c];
                    }
                    VectorDepthwise.depthwise3x3(w, 0, taps[9 * channels + c], in, hw + inPlanes[c], size, size, outP,
                            outPlanes[c], 1, relu);
                }
                for (int i = 0; i < outB.length; i++) {
                    assertEquals(Float.floatToIntBits(outP[i]), Float.floatToIntBits(outB[i]),
                            size + "x" + size + " relu=" + relu + " at " + i);
                }
            }
        }
    }

    /** What lies outside a plane never enters its sums: NaN and infinities all round a 7x7 and a 14x14 plane. */
    @Test
    void depthwiseIgnoresNeighbours() {
        for (int size : new int[] {7, 14}) {
            int n = size * size;
            int off = 2 * size;
            float[] in = new float[off + n + 2 * size];
            float[] neighbours = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int i = 0; i < in.length; i++) {
                in[i] = i >= off && i < off + n ? (i % 13) * 0.25f - 1.5f : neighbours[i % 3];
            }
            float[] w = {0.5f, -1f, 0.25f, 2f, 1f, -0.5f, 0.75f, -0.25f, 1.5f};
            float[] outS = new float[n];
            float[] outV = new float[n];
            ScalarKernels.depthwise3x3(w, 0, 0.125f, in, off, size, size, outS, 0, 1, false);
            VectorDepthwise.depthwise3x3(w, 0, 0.125f, in, off, size, size, outV, 0, 1, false);
            KernelCheck.assertClose(outS, outV, 1e-5f, "depthwise3x3 " + size + "x" + size + " among NaN and infinities");
        }
    }

    /** Stride 2: the last row's second vector reads past the row; here the plane ends the array. */
    @Test
    void depthwiseStride2PlaneAtEndOfArray() {
        for (int h = 3; h <= 8; h++) {
            for (int width : new int[] {34, 35, 36, 56, 57}) {
                KernelCheck.depthwise(700 + h, h, width, 2, true, 0, 0);
            }
        }
    }

    /**
     * Planes up to 35 columns, where stride 1 takes column-masked vectors over whole rows and
     * staged vectors for edge rows narrower than a vector, and stride 2 one staged vector a row
     * when its outputs are fewer than a vector: every width, odd and even heights, the plane at
     * the end of its array or not.
     */
    @Test
    void depthwiseNarrowPlanes() {
        long seed = 750;
        for (int width = 1; width <= Math.max(35, 2 * VectorKernels.L + 3); width++) {
            for (int h : new int[] {1, 2, 3, 4, 5, 7, 14, 15}) {
                for (int stride = 1; stride <= 2; stride++) {
                    KernelCheck.depthwise(seed++, h, width, stride, seed % 2 == 0, 0, 0);
                    KernelCheck.depthwise(seed++, h, width, stride, seed % 2 == 0, 2, 7);
                }
            }
        }
    }

    /**
     * Stride 2 in two flat passes (column sums, then the output plane as one range) on even
     * widths up to 128: every width to 130, odd and even heights, the plane at the start and the
     * end of its array or not, with and without ReLU.
     */
    @Test
    void depthwiseStride2EveryWidth() {
        long seed = 780;
        for (int width = 1; width <= 130; width++) {
            for (int h : new int[] {1, 2, 3, 4, 7, 14, 28}) {
                KernelCheck.depthwise(seed++, h, width, 2, seed % 2 == 0, 0, 0);
                KernelCheck.depthwise(seed++, h, width, 2, seed % 2 == 0, 3, 5);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // pooling

    @Test
    void poolSweep() {
        long seed = 800;
        int[][] windows = {
            // k, s, p
            {1, 1, 0}, {2, 2, 0}, {2, 1, 0}, {3, 1, 1}, {3, 2, 1}, {3, 2, 0}, {3, 3, 1}, {5, 1, 2}, {5, 2, 2},
            {7, 1, 0}, {7, 7, 0},
        };
        int[] heights = {1, 2, 3, 5, 7, 13, 56};
        int[] widths = {1, 3, 7, 13, 17, 36, 49, 56, 112};
        for (int[] kw : windows) {
            for (int h : heights) {
                for (int width : widths) {
                    for (boolean ceil : new boolean[] {false, true}) {
                        // slack 0: the plane ends the array
                        int slack = ceil ? 0 : 20;
                        KernelCheck.pool(seed++, true, h, width, kw[0], kw[1], kw[2], ceil, false, false, slack);
                        for (int v = 0; v < 4; v++) {
                            KernelCheck.pool(seed++, false, h, width, kw[0], kw[1], kw[2], ceil, v % 2 == 0, v >= 2,
                                    slack);
                        }
                    }
                }
            }
        }
    }

    /** As {@link #depthwiseNarrowPlanes}, for max and average pools of stride 2. */
    @Test
    void poolStride2NarrowRows() {
        long seed = 950;
        int[][] windows = {{3, 2, 1}, {3, 2, 0}, {2, 2, 0}, {5, 2, 2}, {4, 2, 1}};
        for (int[] kw : windows) {
            for (int width = 1; width <= 2 * VectorKernels.L + 3; width++) {
                for (int h : new int[] {1, 2, 3, 5, 14}) {
                    int slack = (int) (seed % 2) * 9;
                    KernelCheck.pool(seed++, true, h, width, kw[0], kw[1], kw[2], false, false, false, slack);
                    KernelCheck.pool(seed++, false, h, width, kw[0], kw[1], kw[2], seed % 3 == 0, seed % 2 == 0,
                            seed % 4 < 2, slack);
                }
            }
        }
    }

    /**
     * The 3x3 max pool, and average pool that divides by 9, of stride 2 and padding 1, in two
     * flat passes on even widths up to 128: every width to 130, odd and even heights, the plane
     * at the end of its array or not, with and without ReLU.
     */
    @Test
    void pool3x3Stride2EveryWidth() {
        long seed = 1000;
        for (int width = 1; width <= 130; width++) {
            for (int h : new int[] {1, 2, 3, 4, 7, 14, 28}) {
                for (int slack : new int[] {0, 5}) {
                    KernelCheck.pool(seed++, false, h, width, 3, 2, 1, false, true, seed % 2 == 0, slack);
                    KernelCheck.pool(seed++, true, h, width, 3, 2, 1, false, false, false, slack);
                }
            }
        }
    }

    @Test
    void poolShuffleNetShapes() {
        // stem max pool 3x3/2 pad 1 on 112x112; shortcut avg pool 3x3/2 pad 1; global 7x7
        KernelCheck.pool(900, true, 112, 112, 3, 2, 1, false, false, false, 0);
        KernelCheck.pool(901, false, 56, 56, 3, 2, 1, false, true, false, 0);
        KernelCheck.pool(902, false, 56, 56, 3, 2, 1, false, false, true, 0);
        KernelCheck.pool(903, false, 28, 28, 3, 2, 1, false, true, true, 0);
        KernelCheck.pool(904, false, 7, 7, 7, 1, 0, false, true, false, 0);
        KernelCheck.pool(905, false, 14, 14, 3, 2, 1, false, true, false, 0);
        KernelCheck.pool(906, false, 28, 28, 3, 2, 1, false, true, false, 0);
    }

    // ---------------------------------------------------------------------------------------
    // im2col

    @Test
    void im2colSweep() {
        long seed = 1000;
        int[][] convs = {
            // kh, kw, sh, sw, ph, pw
            {3, 3, 2, 2, 1, 1}, {3, 3, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0}, {1, 1, 2, 2, 0, 0}, {3, 3, 1, 2, 0, 1},
            {5, 5, 2, 2, 2, 2}, {2, 3, 3, 3, 1, 0}, {7, 7, 2, 2, 3, 3},
            // windows that lie wholly in the padding (at stride 1 and a 2-pixel row, the 7-wide
            // kernel's first column starts past the last output)
            {1, 1, 1, 1, 2, 2}, {3, 7, 1, 1, 1, 3},
        };
        for (int[] c : convs) {
            for (int channels = 1; channels <= 3; channels++) {
                for (int size : new int[] {1, 2, 7, 13, 33, 56, 57}) {
                    if (KernelCheck.outSize(size, c[0], c[2], c[4], false) > 0
                            && KernelCheck.outSize(size + 1, c[1], c[3], c[5], false) > 0) {
                        KernelCheck.im2col(seed++, channels, size, size + 1, c[0], c[1], c[2], c[3], c[4], c[5],
                                (int) (seed % 2) * 3);
                    }
                }
            }
        }
    }

    @Test
    void im2colOfARangeOfOutputRows() {
        long seed = 1200;
        int[][] convs = {{3, 3, 2, 2, 1, 1}, {3, 3, 1, 1, 1, 1}, {5, 5, 2, 2, 2, 2}, {2, 3, 3, 3, 1, 0}};
        for (int[] c : convs) {
            for (int size : new int[] {5, 13, 33}) {
                int oh = (size + 2 * c[4] - c[0]) / c[2] + 1;
                for (int y0 = 0; y0 < oh; y0++) {
                    for (int rows = 1; y0 + rows <= oh; rows += 2) {
                        KernelCheck.im2colRows(seed++, 2, size, size + 2, c[0], c[1], c[2], c[3], c[4], c[5], y0, rows);
                    }
                }
            }
        }
    }

    @Test
    void im2colShuffleNetStem() {
        KernelCheck.im2col(1100, 3, 224, 224, 3, 3, 2, 2, 1, 1, 0);
    }

    // ---------------------------------------------------------------------------------------
    // the stem's unrolling and pool on rows split by column parity

    /**
     * The scalar unrolling against im2col, the truth of the convolution's input: every tap of every output pixel
     * (rows y0 .. y0+rows-1, each row's even columns first) holds im2col's value for that tap and pixel.
     */
    @Test
    void unroll3x3Stride2HoldsWhatIm2colHolds() {
        Random r = new Random(1300);
        for (int width : new int[] {4, 8, 12, 20, 64, 68}) {
            for (int h : new int[] {1, 2, 3, 6, 7, 13}) {
                int oh = (h - 1) / 2 + 1;
                int ow = width / 2;
                float[] in = randomFrom(r, 2 + 2 * h * width);
                int[] inRows = {2 + h * width, 2};
                float[] whole = new float[2 * 9 * oh * ow];
                ScalarKernels.im2col(in, 0, inRows, 2, h, width, 3, 3, 2, 2, 1, 1, whole, 0, oh, ow);
                for (int y0 = 0; y0 < oh; y0++) {
                    for (int rows = 1; y0 + rows <= oh; rows++) {
                        float[] col = new float[3 + Kernels.unroll3x3Stride2Floats(2, rows, ow)];
                        ScalarKernels.unroll3x3Stride2(in, 0, inRows, 2, h, width, y0, rows, col, 3);
                        int[] taps = Kernels.unroll3x3Stride2Taps(2, rows, ow, 3);
                        for (int k = 0; k < 18; k++) {
                            for (int y = 0; y < rows; y++) {
                                for (int q = 0; q < ow; q++) {
                                    int ox = q < ow / 2 ? 2 * q : 2 * (q - ow / 2) + 1;
                                    assertEquals(whole[k * oh * ow + (y0 + y) * ow + ox], col[taps[k] + y * ow + q],
                                            String.format("w=%d h=%d rows %d+%d tap %d pixel (%d, %d)", width, h,
                                                    y0, rows, k, y, ox));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** The vector unrolling against the scalar one, whole arrays compared (a stray write fails). */
    @Test
    void unroll3x3Stride2Sweep() {
        Random r = new Random(1400);
        int l = VectorKernels.L;
        for (int width : new int[] {4, 8, 4 * l - 4, 4 * l, 4 * l + 4, 4 * l + 8, 8 * l - 4, 8 * l, 12 * l + 4, 224}) {
            for (int h : new int[] {1, 2, 5, 8, 9}) {
                int oh = (h - 1) / 2 + 1;
                int ow = width / 2;
                for (int channels = 1; channels <= 3; channels++) {
                    // the planes in reverse order, the last ending at the end of the array
                    float[] in = randomFrom(r, 1 + channels * h * width);
                    int[] inRows = new int[channels];
                    for (int c = 0; c < channels; c++) {
                        inRows[c] = (channels - 1 - c) * h * width;
                    }
                    for (int y0 = 0; y0 < oh; y0++) {
                        for (int rows = 1; y0 + rows <= oh; rows += 2) {
                            float[] colS = new float[5 + Kernels.unroll3x3Stride2Floats(channels, rows, ow) + 4];
                            Arrays.fill(colS, 777f);
                            float[] colV = colS.clone();
                            ScalarKernels.unroll3x3Stride2(in, 1, inRows, channels, h, width, y0, rows, colS, 5);
                            VectorGemm.unroll3x3Stride2(in, 1, inRows, channels, h, width, y0, rows, colV, 5);
                            assertArrayEquals(colS, colV, String.format("unroll3x3Stride2 c=%d h=%d w=%d rows %d+%d",
                                    channels, h, width, y0, rows));
                        }
                    }
                }
            }
        }
    }

    /**
     * The pool of rows split by column parity: the scalar kernel against the plain {@code maxPool} of the same
     * rows unsplit (bands with and without rows above), and the vector kernel against the scalar one.
     */
    @Test
    void maxPool3x3Stride2SplitSweep() {
        Random r = new Random(1500);
        int l = VectorKernels.L;
        for (int width : new int[] {2, 4, 6, 2 * l - 2, 2 * l, 2 * l + 2, 2 * l + 6, 4 * l, 4 * l + 2, 112}) {
            for (int h = 1; h <= 17; h++) {
                for (int above = 0; above <= 2; above++) {
                    int oh = (h - 1) / 2 + 1;
                    int ow = width / 2;
                    float[] plain = randomFrom(r, 3 + (above + h) * width + 1);
                    if (h % 3 == 0) {
                        // ties, zeros of both signs and a NaN: the maximum of the same values, bit for bit
                        for (int i = 0; i < plain.length; i++) {
                            plain[i] = i % 4 == 0 ? 0f : i % 4 == 1 ? -0f : Math.abs(plain[i]) < 0.5f ? 1f : plain[i];
                        }
                        plain[3 + above * width + width / 2] = Float.NaN;
                    }
                    float[] split = plain.clone();
                    for (int y = -above; y < h; y++) {
                        int row = 3 + (above + y) * width;
                        for (int q = 0; q < width; q++) {
                            int x = q < ow ? 2 * q : 2 * (q - ow) + 1;
                            split[row + q] = plain[row + x];
                        }
                    }
                    int inOff = 3 + above * width;
                    float[] expected = new float[2 + oh * ow + 3];
                    Arrays.fill(expected, 777f);
                    float[] outS = expected.clone();
                    float[] outV = expected.clone();
                    ScalarKernels.maxPool(plain, inOff, h, width, expected, 2, oh, ow, 3, 2, 1, above);
                    ScalarKernels.maxPool3x3Stride2Split(split, inOff, h, width, outS, 2, oh, above);
                    VectorPooling.maxPool3x3Stride2Split(split, inOff, h, width, outV, 2, oh, above);
                    String what = String.format("maxPool3x3Stride2Split h=%d w=%d above=%d", h, width, above);
                    assertArrayEquals(expected, outS, what + ", scalar against maxPool");
                    assertArrayEquals(outS, outV, what + ", vector against scalar");
                }
            }
        }
    }

    private static float[] randomFrom(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    // ---------------------------------------------------------------------------------------
    // reductions and element-wise kernels

    @Test
    void sumAndDot() {
        for (int n = 0; n <= 140; n++) {
            KernelCheck.reductions(1200 + n, n);
        }
        for (int n : new int[] {196, 1000, 1024, 3136, 100_000}) {
            KernelCheck.reductions(1400 + n, n);
        }
    }

    @Test
    void linear() {
        long seed = 1500;
        for (int in = 1; in <= 40; in++) {
            for (int out = 1; out <= 19; out++) {
                KernelCheck.linear(seed++, in, out, (in + out) % 2 == 0);
            }
        }
        for (int images = 1; images <= 9; images++) {
            KernelCheck.linearImages(1700 + images, 17 + images * 5, images + 2, images, images % 2 == 0);
            KernelCheck.linearImages(1720 + images, 33 + images, 8 + images, images, images % 2 == 1);
        }
        KernelCheck.linearImages(1710, 1024, 1000, 8, true);
        KernelCheck.linear(1600, 1024, 1000, true);
        KernelCheck.linear(1601, 544, 1000, false);
        KernelCheck.linear(1602, 960, 10, true);
    }

    @Test
    void elementwise() {
        for (int n = 0; n <= 100; n++) {
            KernelCheck.elementwise(1700 + n, n, n % 2 == 0);
            KernelCheck.elementwise(1800 + n, n, n % 2 != 0);
        }
        KernelCheck.elementwise(1900, 3136, true);
        KernelCheck.elementwise(1901, 12544, false);
    }

    @Test
    void softmax() {
        for (int n = 1; n <= 70; n++) {
            KernelCheck.softmax(2000 + n, n, 5f);
        }
        KernelCheck.softmax(2100, 1000, 10f);
        KernelCheck.softmax(2101, 1000, 3000f);
    }
}
