package dev.shufflespark.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.TestInputs;
import dev.shufflespark.model.layer.Activation;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Frame;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Step;
import java.util.Arrays;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Memory planning: what is copied, how much is allocated, and what a session refuses. */
class ProgramTest {

    @Test
    void v1ConcatenationsCopyNothing() {
        Program p = Model.builtin("shufflenet_v1_g3_x1_0").engine().program(224, 224);
        assertEquals(0, p.concatCopies());
        Program naive = Model.builtin("shufflenet_v1_g3_x1_0").unoptimizedEngine().program(224, 224);
        // Unoptimised, each stride-2 unit copies its whole output: 240 + 480 + 960 planes.
        assertEquals(240 + 480 + 960, naive.concatCopies());
    }

    @Test
    void v2CopiesOnlyThePassThroughHalf() {
        Program p = Model.builtin("shufflenet_v2_x1_0").engine().program(224, 224);
        // Stride-2 units write both halves in place; stride-1 units copy the kept half (58, 116, 232 planes).
        assertEquals(3 * 58 + 7 * 116 + 3 * 232, p.concatCopies());
    }

    @Test
    void buffersAreReused() {
        Engine e = Model.builtin("shufflenet_v1_g3_x1_0").engine();
        Program p = e.program(224, 224);
        long planned = 0;
        for (int f : p.slotFloats()) {
            planned += f;
        }
        Shape[] shapes = e.graph().shapes(224, 224);
        long everyValue = 0;
        for (Shape s : shapes) {
            everyValue += s == null ? 0 : s.size();
        }
        assertTrue(planned * 4 < everyValue, "planned " + planned + " floats per image vs " + everyValue + " if nothing were shared");
    }

    @Test
    void steadyStateRunAllocatesNothing() {
        Session s = Model.builtin("shufflenet_v2_x0_5").engine().newSession(2, 32, 32);
        float[] input = TestInputs.gaussian(2 * 3 * 32 * 32, 1);
        assertAllocatesNothing(() -> s.run(input, 2), "100 warm runs");
    }

    @Test
    void steadyStateRunWithFeaturesAllocatesNothing() {
        Session s = Model.builtin("shufflenet_v2_x0_5").engine(true).newSession(2, 32, 32);
        float[] input = TestInputs.gaussian(2 * 3 * 32 * 32, 1);
        assertAllocatesNothing(() -> {
            s.run(input, 2);
            s.kept(Graph.FEATURES);
        }, "100 warm runs reading the pooled features");
    }

    private static void assertAllocatesNothing(Runnable run, String what) {
        // Vector API code allocates until C2 compiles it (and scalarises the vectors), so warm up in rounds until
        // one round of 100 runs allocates nothing; a real per-run allocation never gets there.
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 100 && allocated >= 256; round++) {
            long before = bean.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100; i++) {
                run.run();
            }
            allocated = bean.getThreadAllocatedBytes(tid) - before;
        }
        // One float[] of a single 8x8 plane would already be 272 bytes.
        assertTrue(allocated < 256, what + " still allocated " + allocated + " bytes");
    }

    @Test
    void wrongInputsNameTheExpectedShape() {
        Engine e = Model.builtin("shufflenet_v1_g3_x0_25").engine();
        Session s = e.newSession(2, 64, 64);
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[3 * 64 * 64], new int[] {3, 64, 64}));
        assertTrue(rank.getMessage().contains("[N, 3, 64, 64]"), rank.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[4 * 64 * 64], new int[] {1, 4, 64, 64}));
        assertTrue(channels.getMessage().contains("[N, 3, 64, 64]"), channels.getMessage());
        IllegalArgumentException shortInput = assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[100], 1));
        assertTrue(shortInput.getMessage().contains("[1, 3, 64, 64]"), shortInput.getMessage());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> s.run(new float[3 * 3 * 64 * 64], 3));
        assertTrue(batch.getMessage().contains("1..2"), batch.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> e.newSession(1, 0, 64));
        assertTrue(empty.getMessage().contains("[N, 3, H, W]"), empty.getMessage());
    }

    @Test
    void theStemConvolutionRunsWithItsMaxPool() {
        for (String name : new String[] {"shufflenet_v1_g3_x1_0", "shufflenet_v2_x1_0"}) {
            Program p = Model.builtin(name).engine().program(224, 224);
            String[] names = p.stepNames();
            assertTrue(names[0].matches("conv1(\\.0)?\\+maxpool"), name + ": " + names[0]);
            assertTrue(!Arrays.asList(names).contains("maxpool"), name);
        }
    }

    /**
     * A convolution and the max pool after it, run as one step in bands, give what they give as two steps (the
     * convolution's output kept, which keeps them apart): strides, odd sizes, groups, pools that pad and pools
     * that do not, planes of one band and of many.
     */
    @Test
    void aConvolutionFusedWithItsMaxPoolGivesTheTwoStepsOutput() {
        int[][] cases = {
            // cin, cout, groups, kernel, stride, pad, pool kernel, pool stride, pool pad, h, w
            {3, 24, 1, 3, 2, 1, 3, 2, 1, 224, 224}, {3, 8, 1, 3, 2, 1, 3, 2, 1, 61, 97}, {4, 6, 2, 3, 1, 1, 3, 2, 1, 40, 33},
            {3, 5, 1, 5, 2, 2, 2, 2, 0, 70, 52}, {2, 3, 1, 3, 2, 1, 3, 1, 1, 50, 18}, {3, 16, 1, 3, 2, 0, 3, 3, 1, 9, 9},
            // rows of a multiple of 4 pixels: columns split by parity (rows of a few pixels take the scalar kernels)
            {3, 8, 1, 3, 2, 1, 3, 2, 1, 61, 96}, {2, 5, 1, 3, 2, 1, 3, 2, 1, 34, 132}, {3, 4, 1, 3, 2, 1, 3, 2, 1, 9, 12},
            {1, 3, 1, 3, 2, 1, 3, 2, 1, 1, 4},
        };
        long seed = 20;
        for (int[] c : cases) {
            java.util.Random r = new java.util.Random(seed++);
            float[] weight = new float[c[1] * (c[0] / c[2]) * c[3] * c[3]];
            float[] bias = new float[c[1]];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (float) r.nextGaussian() * 0.3f;
            }
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) r.nextGaussian() * 0.1f;
            }
            Graph.Builder b = Graph.builder(c[0]);
            Conv2d conv = new Conv2d("conv", c[0], c[1], c[3], c[3], c[4], c[4], c[5], c[5], c[2], weight, bias,
                    seed % 2 == 0, false);
            int y = b.add(conv, b.input());
            Graph fused = b.build(b.add(Pool2d.max("pool", c[6], c[7], c[8]), y));
            Graph apart = fused.keep("conv", y);
            int batch = 2;
            float[] input = TestInputs.gaussian(batch * c[0] * c[9] * c[10], seed);
            Program p = Program.compile(fused, c[9], c[10]);
            assertEquals(1, p.steps().length, Arrays.toString(c));
            assertEquals(2, Program.compile(apart, c[9], c[10]).steps().length, Arrays.toString(c));
            float[] expected = new Engine("apart", apart).newSession(batch, c[9], c[10]).run(input, batch).clone();
            float[] actual = new Engine("fused", fused).newSession(batch, c[9], c[10]).run(input, batch);
            assertEquals(expected.length, actual.length);
            float scale = Math.max(1f, TestInputs.maxAbs(expected, expected.length));
            float diff = TestInputs.maxAbsDiff(expected, actual, expected.length);
            assertTrue(diff <= 1e-5f * scale, Arrays.toString(c) + ": max |diff| " + diff + " at scale " + scale);
        }
    }

    @Test
    void otherInputSizesGiveTheLogitsOfTheUnoptimisedGraph() {
        Model model = Model.builtin("shufflenet_v2_x0_5");
        int batch = 2;
        float[] input = TestInputs.gaussian(batch * 3 * 160 * 192, 3);
        float[] expected = model.unoptimizedEngine().newSession(batch, 160, 192).run(input, batch).clone();
        float[] actual = model.engine().newSession(batch, 160, 192).run(input, batch);
        assertEquals(batch * 1000, actual.length);
        float scale = Math.max(1f, TestInputs.maxAbs(expected, expected.length));
        float diff = TestInputs.maxAbsDiff(expected, actual, expected.length);
        assertTrue(diff <= 1e-4f * scale, "max |diff| " + diff + " at logit scale " + scale);
        for (int n = 0; n < batch; n++) {
            assertEquals(TestInputs.argmax(expected, n * 1000, 1000), TestInputs.argmax(actual, n * 1000, 1000),
                    "image " + n + " top-1");
        }
    }

    @Test
    void v1ResidualsAreWrittenInPlace() {
        Model model = Model.builtin("shufflenet_v1_g3_x1_0");
        // every stride-1 unit: 3 + 7 + 3; V2 adds no residual
        assertEquals(3 + 7 + 3, model.engine().program(224, 224).residualsInPlace());
        assertEquals(0, Model.builtin("shufflenet_v2_x1_0").engine().program(224, 224).residualsInPlace());
        int batch = 2;
        float[] input = TestInputs.gaussian(batch * 3 * 96 * 96, 5);
        float[] expected = model.unoptimizedEngine().newSession(batch, 96, 96).run(input, batch).clone();
        float[] actual = model.engine().newSession(batch, 96, 96).run(input, batch);
        float scale = Math.max(1f, TestInputs.maxAbs(expected, expected.length));
        float diff = TestInputs.maxAbsDiff(expected, actual, expected.length);
        assertTrue(diff <= 1e-4f * scale, "max |diff| " + diff + " at logit scale " + scale);
    }

    @Test
    void theLargePlanesRunImageByImage() {
        for (String name : new String[] {"shufflenet_v1_g3_x1_0", "shufflenet_v2_x1_0"}) {
            Engine e = Model.builtin(name).engine();
            Program p = e.program(224, 224);
            String[] names = p.stepNames();
            // the stem and the 28 x 28 stage image by image; the 14 x 14 and 7 x 7 stages and the classifier not
            assertTrue(p.imageSteps() > 0 && names[0].startsWith("conv1"), name + ": " + p.imageSteps());
            assertTrue(names[p.imageSteps() - 1].startsWith("stage3.0."), name + ": " + names[p.imageSteps() - 1]);
            assertTrue(names[names.length - 1].equals("fc"), name);
            assertEquals(0, Program.compile(e.graph(), 224, 224, Integer.MAX_VALUE).imageSteps(), name);
            assertEquals(1, e.program(64, 64).imageSteps(), name + " at 64 x 64: only the stem reads 28 x 28 or more");
        }
    }

    /**
     * A session runs the first steps image by image: its logits are those of every step over the whole batch,
     * layer by layer, on the same buffers, and those of each image run alone. Within 1e-5 of the logit scale, as
     * an image alone and in a batch in {@code PooledFeaturesTest}: over a batch, a 1x1 convolution of 14 x 14 or
     * 7 x 7 gathers the pixels past its last whole block across images, and sums them in another order.
     */
    @Test
    void imageByImageGivesTheLogitsOfTheBatchAndOfEachImageAlone() {
        for (String name : new String[] {"shufflenet_v1_g3_x0_25", "shufflenet_v2_x0_5"}) {
            Engine e = Model.builtin(name).engine();
            Program p = e.program(224, 224);
            assertTrue(p.imageSteps() > 0, name);
            int batch = 3;
            int size = 3 * 224 * 224;
            float[] input = TestInputs.gaussian(batch * size, 7);
            Session s = e.newSession(batch + 1, 224, 224);
            // a run of more images first, so that what it left in the buffers does not count
            s.run(TestInputs.gaussian((batch + 1) * size, 8), batch + 1);
            float[] actual = s.run(input, batch).clone();
            float[] layerByLayer = layerByLayer(p, input, batch);
            int classes = 1000;
            assertEquals(batch * classes, layerByLayer.length);
            float batchScale = Math.max(1f, TestInputs.maxAbs(layerByLayer, batch * classes));
            float batchDiff = TestInputs.maxAbsDiff(layerByLayer, actual, batch * classes);
            assertTrue(batchDiff <= 1e-5f * batchScale, name + " layer by layer: max |diff| " + batchDiff
                    + " at scale " + batchScale);
            for (int n = 0; n < batch; n++) {
                float[] alone = s.run(Arrays.copyOfRange(input, n * size, (n + 1) * size), 1);
                float[] inBatch = Arrays.copyOfRange(actual, n * classes, (n + 1) * classes);
                float scale = Math.max(1f, TestInputs.maxAbs(alone, classes));
                float diff = TestInputs.maxAbsDiff(alone, inBatch, classes);
                assertTrue(diff <= 1e-5f * scale, name + " image " + n + ": max |diff| " + diff + " at scale " + scale);
                assertEquals(TestInputs.argmax(alone, 0, classes), TestInputs.argmax(inBatch, 0, classes));
            }
            float[] first = Arrays.copyOfRange(actual, 0, classes);
            float[] second = Arrays.copyOfRange(actual, classes, 2 * classes);
            assertTrue(TestInputs.maxAbsDiff(first, second, classes) > 1e-3f, name + ": images 0 and 1 differ");
        }
    }

    @Test
    void imageByImageRunAllocatesNothing() {
        Session s = Model.builtin("shufflenet_v2_x0_5").engine().newSession(2, 224, 224);
        float[] input = TestInputs.gaussian(2 * 3 * 224 * 224, 1);
        assertAllocatesNothing(() -> s.run(input, 2), "100 warm runs of 224 x 224 images");
    }

    /** Every step of {@code p} over the whole batch, one after the other, on buffers of their own. */
    private static float[] layerByLayer(Program p, float[] input, int batch) {
        int[] floats = p.slotFloats();
        float[][] slots = new float[floats.length][];
        for (int i = 1; i < floats.length; i++) {
            slots[i] = new float[floats[i] * batch];
        }
        slots[0] = input;
        Frame frame = new Frame(slots, new float[p.scratchFloats()]);
        for (Step step : p.steps()) {
            step.run(frame, batch);
        }
        Activation out = p.output();
        int classes = out.planes().length;
        float[] logits = new float[batch * classes];
        for (int n = 0; n < batch; n++) {
            for (int c = 0; c < classes; c++) {
                logits[n * classes + c] = out.buffer(frame)[out.base(n) + out.planes()[c]];
            }
        }
        return logits;
    }
}
