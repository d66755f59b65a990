package dev.shufflespark.model.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.shufflenet.SeededInit;
import dev.shufflespark.model.shufflenet.ShuffleNetV1;
import dev.shufflespark.model.shufflenet.ShuffleNetV2;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Whole-network checks of the reference: it runs both families, and its logits carry information. */
class LiteralShuffleNetTest {
    private static final int H = 64;
    private static final int W = 56;

    private static Weights seeded(Architecture a) {
        return SeededInit.init(a.family() == Architecture.Family.V1 ? ShuffleNetV1.weightShapes(a)
                : ShuffleNetV2.weightShapes(a), SeededInit.DEFAULT_SEED, ShuffleNetV1.BN_EPS);
    }

    /** Two different images in one batch; checks everything a smoke test can check about the logits. */
    private static void assertInformativeLogits(Architecture a) {
        Weights w = seeded(a);
        float[] input = ReferenceFixture.gaussian(2 * 3 * H * W, 99);
        float[] logits = LiteralShuffleNet.forward(a, w, input, 2, H, W);
        int k = a.numClasses();
        assertEquals(2 * k, logits.length);
        for (int i = 0; i < logits.length; i++) {
            assertTrue(Float.isFinite(logits[i]), a.name() + ": logit " + i + " is " + logits[i]);
        }
        for (int img = 0; img < 2; img++) {
            float[] row = Arrays.copyOfRange(logits, img * k, (img + 1) * k);
            Set<Float> distinct = new HashSet<>();
            for (float v : row) {
                distinct.add(v);
            }
            assertTrue(distinct.size() > k * 9 / 10, a.name() + ": only " + distinct.size() + " distinct logits");
            float spread = max(row) - min(row);
            assertTrue(spread > 1e-2f, a.name() + ": logits of image " + img + " span only " + spread);
        }
        float diff = 0;
        for (int c = 0; c < k; c++) {
            diff = Math.max(diff, Math.abs(logits[c] - logits[k + c]));
        }
        assertTrue(diff > 1e-3f, a.name() + ": two different images give logits within " + diff);

        // each image of a batch is computed on its own
        float[] second = Arrays.copyOfRange(input, 3 * H * W, 2 * 3 * H * W);
        assertArrayEquals(Arrays.copyOfRange(logits, k, 2 * k), LiteralShuffleNet.forward(a, w, second, 1, H, W),
                a.name() + ": batch of 2 vs batch of 1");
    }

    private static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static float min(float[] a) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : a) {
            m = Math.min(m, v);
        }
        return m;
    }

    @Test
    void v1Group3QuarterWidth() {
        assertInformativeLogits(Architecture.parse("shufflenet_v1_g3_x0_25"));
    }

    @Test
    void v2HalfWidth() {
        assertInformativeLogits(Architecture.parse("shufflenet_v2_x0_5"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void v1EveryGroupCountRuns(int groups) {
        Architecture a = new Architecture(Architecture.Family.V1, groups, Architecture.Width.X0_25, 10);
        float[] input = ReferenceFixture.gaussian(3 * 40 * 33, groups);
        float[] logits = LiteralShuffleNet.forward(a, seeded(a), input, 1, 40, 33);
        assertEquals(10, logits.length);
        for (float v : logits) {
            assertTrue(Float.isFinite(v));
        }
        assertTrue(max(logits) > min(logits));
    }

    @Test
    void refusesAnInputOfTheWrongSize() {
        Architecture a = Architecture.parse("shufflenet_v2_x0_5");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LiteralShuffleNet.forward(a, seeded(a), new float[10], 1, 8, 8));
        assertTrue(e.getMessage().contains("needs 192 values, got 10"), e.getMessage());
    }
}
