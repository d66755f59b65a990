package dev.shufflespark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTest {

    @Test
    void savedModelLoadsAndGivesTheSameLogits(@TempDir Path dir) {
        Model builtin = Model.builtin("shufflenet_v1_g8_x0_5");
        Path file = dir.resolve("m.ssnm");
        builtin.save(file);
        Model loaded = Model.load(file);
        assertEquals("shufflenet_v1_g8_x0_5", loaded.name());
        float[] input = TestInputs.gaussian(3 * 64 * 64, 5);
        float[] a = builtin.engine().newSession(1, 64, 64).run(input, 1);
        float[] b = loaded.engine().newSession(1, 64, 64).run(input, 1);
        assertArrayEquals(a, b);
    }

    @Test
    void unsupportedGroupCountsListTheSupportedOnes() {
        ModelException g = assertThrows(ModelException.class, () -> Model.builtin("shufflenet_v1_g5_x1_0"));
        assertTrue(g.getMessage().contains("1, 2, 3, 4, 8"), g.getMessage());
    }

    @Test
    void builtinWeightsAreDeterministic() {
        float[] a = Model.builtin("shufflenet_v2_x0_5").weights().orElseThrow().get("stage3.0.branch2.5.weight").data();
        float[] b = Model.builtin("shufflenet_v2_x0_5").weights().orElseThrow().get("stage3.0.branch2.5.weight").data();
        assertArrayEquals(a, b);
        assertEquals(0.0, Model.builtin("shufflenet_v2_x0_5").weights().orElseThrow().get("conv1.1.running_var").data()[3], 1e-5,
                "every 7th channel's running variance sits near eps");
    }
}
