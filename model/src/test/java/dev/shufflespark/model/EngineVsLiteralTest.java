package dev.shufflespark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.reference.LiteralShuffleNet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole optimised network against the literal, unfused reference that follows the paper (and torchvision)
 * layer by layer in double precision, on seeded inputs.
 */
class EngineVsLiteralTest {

    @ParameterizedTest(name = "{0} batch {1} at {2}x{2}")
    @CsvSource({
        "shufflenet_v1_g1_x1_0, 1, 224",
        "shufflenet_v1_g2_x1_0, 1, 224",
        "shufflenet_v1_g3_x1_0, 3, 224",
        "shufflenet_v1_g4_x1_0, 1, 224",
        "shufflenet_v1_g8_x1_0, 1, 224",
        "shufflenet_v1_g1_x0_5, 1, 160",
        "shufflenet_v1_g2_x0_5, 1, 160",
        "shufflenet_v1_g3_x0_5, 3, 224",
        "shufflenet_v1_g4_x0_5, 1, 160",
        "shufflenet_v1_g8_x0_5, 1, 160",
        "shufflenet_v1_g3_x0_25, 1, 97",
        "shufflenet_v2_x0_5, 3, 224",
        "shufflenet_v2_x1_0, 1, 224",
        "shufflenet_v2_x1_0, 2, 131",
        // more images than one gather of pixel tails takes (Conv2d.TAIL_IMAGES)
        "shufflenet_v1_g3_x0_25, 10, 224",
        "shufflenet_v2_x0_5, 9, 112",
    })
    void optimisedEngineMatchesTheLiteralNetwork(String name, int batch, int size) {
        Model model = Model.builtin(name);
        float[] input = TestInputs.gaussian(batch * 3 * size * size, name.hashCode());
        float[] expected = LiteralShuffleNet.forward(model.architecture().orElseThrow(), model.weights().orElseThrow(), input, batch, size, size);
        float[] actual = model.engine().newSession(batch, size, size).run(input, batch);
        int classes = model.numClasses();
        assertEquals(batch * classes, expected.length);
        float scale = Math.max(1f, TestInputs.maxAbs(expected, expected.length));
        float diff = TestInputs.maxAbsDiff(expected, actual, expected.length);
        assertTrue(diff <= 1e-4f * scale, name + ": max |diff| " + diff + " at logit scale " + scale);
        for (int n = 0; n < batch; n++) {
            assertEquals(TestInputs.argmax(expected, n * classes, classes), TestInputs.argmax(actual, n * classes, classes),
                    name + " image " + n + " top-1");
        }
    }
}
