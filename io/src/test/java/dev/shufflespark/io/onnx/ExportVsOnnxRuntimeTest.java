package dev.shufflespark.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.plan.Program;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proof against ONNX Runtime: built-in models with their seeded weights are exported, run by ONNX Runtime
 * and by the engine on the same seeded input at batch 1 and 4, and must agree to 1e-4 x max(1, max |logit|)
 * with the same top-1. The exported file is also imported back and must give the engine's own logits.
 */
class ExportVsOnnxRuntimeTest {
    private static final int SIZE = 224;

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g1_x1_0", "shufflenet_v1_g3_x1_0", "shufflenet_v1_g8_x1_0",
        "shufflenet_v1_g3_x0_5", "shufflenet_v1_g3_x0_25", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0"})
    void exportedModelMatchesOnnxRuntime(String name) {
        Model model = Model.builtin(name);
        byte[] onnx = OnnxExporter.toBytes(model);
        OnnxModel imported = OnnxImporter.read(onnx, name);
        assertEquals("input", imported.inputName());
        assertEquals("[-1, 3, 224, 224]", Arrays.toString(imported.inputShape()));
        assertEquals(model.parameterCount(), imported.model().parameterCount(), "parameters of the imported model");
        // The imported graph optimises to the same program as the built-in one: same steps, same copies.
        Program builtIn = model.engine().program(SIZE, SIZE);
        Program fromOnnx = imported.model().engine().program(SIZE, SIZE);
        assertEquals(builtIn.steps().length, fromOnnx.steps().length, "steps after the load-time passes");
        assertEquals(builtIn.concatCopies(), fromOnnx.concatCopies(), "planes copied by concatenations");
        assertEquals(Arrays.stream(builtIn.slotFloats()).sum(), Arrays.stream(fromOnnx.slotFloats()).sum(),
                "activation memory");
        int classes = model.numClasses();
        try (OrtRunner ort = new OrtRunner(onnx)) {
            for (int batch : new int[] {1, 4}) {
                float[] x = Compare.gaussian(batch * 3 * SIZE * SIZE, 1000 + batch);
                float[] reference = ort.run(x, batch, 3, SIZE, SIZE);
                assertEquals(batch * classes, reference.length);
                assertTrue(Compare.maxAbs(reference) > 0.1, "ONNX Runtime's logits are all near zero");
                float[] ours = run(model, x, batch);
                assertNull(Compare.mismatch(reference, ours, batch, classes, true),
                        () -> name + " batch " + batch + ": engine vs ONNX Runtime: "
                                + Compare.mismatch(reference, ours, batch, classes, true));
                float[] back = run(imported.model(), x, batch);
                assertNull(Compare.mismatch(ours, back, batch, classes, true),
                        () -> name + " batch " + batch + ": imported export vs built-in: "
                                + Compare.mismatch(ours, back, batch, classes, true));
            }
        }
    }

    static float[] run(Model model, float[] x, int batch) {
        Session s = model.engine().newSession(batch, SIZE, SIZE);
        return s.run(x, batch).clone();
    }
}
