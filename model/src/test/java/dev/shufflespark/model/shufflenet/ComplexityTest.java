package dev.shufflespark.model.shufflenet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Multiply-adds and parameter counts against the published figures. */
class ComplexityTest {

    /** The ShuffleNet paper's complexities (Table 1; 140 M for 1x g=3 as Table 8 rounds it) and torchvision's for V2, in millions of multiply-adds. */
    @ParameterizedTest
    @CsvSource({
        "shufflenet_v1_g3_x1_0, 140",
        "shufflenet_v1_g3_x0_5, 38",
        "shufflenet_v1_g3_x0_25, 13",
        "shufflenet_v1_g1_x1_0, 143",
        "shufflenet_v1_g2_x1_0, 140",
        "shufflenet_v1_g4_x1_0, 133",
        "shufflenet_v1_g8_x1_0, 137",
        "shufflenet_v2_x1_0, 146",
        "shufflenet_v2_x0_5, 41",
        "shufflenet_v2_x1_5, 299",
        "shufflenet_v2_x2_0, 591",
    })
    void multiplyAddsMatchThePublishedComplexity(String name, double expectedMillions) {
        double millions = Model.builtin(name).multiplyAdds(224, 224) / 1e6;
        assertEquals(expectedMillions, millions, expectedMillions * 0.05, name + ": " + millions + " M multiply-adds");
    }

    /** torchvision's documented parameter counts (BatchNorm running statistics are buffers, not parameters). */
    @ParameterizedTest
    @CsvSource({
        "shufflenet_v2_x0_5, 1366792",
        "shufflenet_v2_x1_0, 2278604",
        "shufflenet_v2_x1_5, 3503624",
        "shufflenet_v2_x2_0, 7393996",
    })
    void v2ParameterCountsMatchTorchvision(String name, long expected) {
        Map<String, int[]> shapes = ShuffleNetV2.weightShapes(Architecture.parse(name));
        long params = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            if (!e.getKey().endsWith("running_mean") && !e.getKey().endsWith("running_var")) {
                params += Tensor.sizeOf(e.getValue());
            }
        }
        assertEquals(expected, params);
    }

    @Test
    void v1ChannelsFollowTableOne() {
        int[] expected = {144, 200, 240, 272, 384};
        int[] groups = {1, 2, 3, 4, 8};
        for (int i = 0; i < groups.length; i++) {
            Architecture a = new Architecture(Architecture.Family.V1, groups[i], Architecture.Width.X1_0, 1000);
            ShuffleNetV1.Layout l = ShuffleNetV1.layout(a);
            assertEquals(24, l.stemChannels());
            assertEquals(expected[i], l.stageChannels()[0]);
            assertEquals(4 * expected[i], l.featureChannels());
        }
    }

    @Test
    void widthMultiplierScalesTheStemAndKeepsGroupsDivisible() {
        for (Architecture a : Architecture.builtins()) {
            if (a.family() != Architecture.Family.V1) {
                continue;
            }
            ShuffleNetV1.Layout l = ShuffleNetV1.layout(a);
            for (ShuffleNetV1.Unit u : ShuffleNetV1.units(l)) {
                assertEquals(0, u.bottleneck() % u.groups(), a.name() + " " + u);
                assertEquals(0, u.branchOut() % u.groups(), a.name() + " " + u);
                assertEquals(0, u.in() % u.firstGroups(), a.name() + " " + u);
            }
        }
        ShuffleNetV1.Layout half = ShuffleNetV1.layout(Architecture.parse("shufflenet_v1_g3_x0_5"));
        assertEquals(12, half.stemChannels());
        assertEquals(120, half.stageChannels()[0]);
        ShuffleNetV1.Layout quarter = ShuffleNetV1.layout(Architecture.parse("shufflenet_v1_g8_x0_25"));
        assertEquals(16, quarter.stemChannels(), "at least 12, rounded up to a multiple of 8");
        assertEquals(96, quarter.stageChannels()[0]);
    }

    @Test
    void namesRoundTrip() {
        for (Architecture a : Architecture.builtins()) {
            assertEquals(a, Architecture.parse(a.name()));
        }
        assertEquals(29, Architecture.builtins().size());
    }
}
