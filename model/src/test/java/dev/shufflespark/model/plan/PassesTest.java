package dev.shufflespark.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.TestInputs;
import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Relu;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each optimisation pass, applied after the ones before it, leaves the logits unchanged. */
class PassesTest {
    private static final int BATCH = 2;
    private static final int SIZE = 96;

    private static float[] run(Graph g, float[] input) {
        Engine e = new Engine("test", g);
        return e.newSession(BATCH, SIZE, SIZE).run(input, BATCH).clone();
    }

    private static void assertSameOutputs(Graph before, Graph after, String what) {
        float[] input = TestInputs.gaussian(BATCH * 3 * SIZE * SIZE, 7);
        float[] expected = run(before, input);
        float[] actual = run(after, input);
        float scale = Math.max(1f, TestInputs.maxAbs(expected, expected.length));
        float diff = TestInputs.maxAbsDiff(expected, actual, expected.length);
        assertTrue(diff <= 1e-5f * scale, what + ": max |diff| " + diff + " at logit scale " + scale);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g3_x0_5", "shufflenet_v1_g8_x0_25", "shufflenet_v1_g1_x0_5", "shufflenet_v2_x0_5"})
    void everyPassPreservesTheOutput(String name) {
        Graph g = Model.builtin(name).graph();
        List<Pass> passes = Passes.standard();
        for (Pass p : passes) {
            Graph next = p.apply(g);
            assertSameOutputs(g, next, name + " after " + p.name());
            g = next;
        }
        assertEquals(0, g.count(BatchNorm2d.class), "every BatchNorm folded");
        assertEquals(0, g.count(Relu.class), "every ReLU fused");
        assertEquals(0, g.count(ChannelShuffle.class), "every shuffle folded");
        boolean v1 = name.contains("v1");
        assertEquals(0, g.count(Add.class), "every residual add fused");
        assertEquals(v1 ? 16 : 16 + 2 * 13, g.count(ChannelView.class),
                "views: v1 one shuffle per unit; V2 one shuffle per unit and two splits per each of 13 stride-1 units");
    }

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g3_x0_5", "shufflenet_v2_x0_5"})
    void foldBatchNormUsesEps(String name) {
        // Seeded weights put running_var below eps in every 7th channel: dropping eps would change the logits a lot.
        Graph g = Model.builtin(name).graph();
        Graph folded = new FoldBatchNorm().apply(g);
        assertSameOutputs(g, folded, name + " fold-batchnorm");
        assertEquals(g.nodes().size() - g.count(BatchNorm2d.class), folded.nodes().size());
    }
}
