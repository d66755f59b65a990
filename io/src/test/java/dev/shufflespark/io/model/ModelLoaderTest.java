package dev.shufflespark.io.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.onnx.OnnxException;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One opener for every kind of model, with the same errors wherever a model is named. */
class ModelLoaderTest {
    private static final String NAME = "shufflenet_v1_g3_x0_25";

    @TempDir
    Path dir;

    @Test
    void opensEveryKindWithItsDeclaredInput() throws Exception {
        Model builtin = Model.builtin(NAME);
        OpenedModel b = ModelLoader.open(NAME);
        assertEquals(OpenedModel.Kind.BUILTIN, b.kind());
        assertTrue(b.builtin());
        assertNull(b.declaredInput());

        Path ssnm = dir.resolve("m.ssnm");
        builtin.save(ssnm);
        OpenedModel f = ModelLoader.open(ssnm.toString());
        assertEquals(OpenedModel.Kind.MODEL_FILE, f.kind());
        assertEquals(NAME, f.model().name());
        assertNull(f.declaredInput());

        Path onnx = dir.resolve("m.onnx");
        OnnxExporter.write(builtin, onnx, 64, 48);
        OpenedModel o = ModelLoader.open(onnx.toString());
        assertEquals(OpenedModel.Kind.ONNX, o.kind());
        assertEquals("m", o.model().name(), "an ONNX model is named after its file");
        assertArrayEquals(new long[] {-1, 3, 64, 48}, o.declaredInput());

        // Recognised from the bytes, not the name.
        Path unnamed = Files.copy(onnx, dir.resolve("weights.bin"));
        assertEquals(OpenedModel.Kind.ONNX, ModelLoader.open(unnamed.toString()).kind());
        Path ssnmNamedOnnx = Files.copy(ssnm, dir.resolve("model.bin"));
        assertEquals(OpenedModel.Kind.MODEL_FILE, ModelLoader.open(ssnmNamedOnnx.toString()).kind());

        // All three compute the same logits.
        float[] x = new float[3 * 64 * 48];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.01);
        }
        float[] expected = b.model().engine().newSession(1, 64, 48).run(x, 1).clone();
        assertArrayEquals(expected, f.model().engine().newSession(1, 64, 48).run(x, 1));
        float[] fromOnnx = o.model().engine().newSession(1, 64, 48).run(x, 1);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], fromOnnx[i], 1e-4f * Math.max(1, Math.abs(expected[i])), "logit " + i);
        }
    }

    @Test
    void oneMessageForWhatIsNeitherABuiltinNorAFile() {
        String missing = dir.resolve("nope.onnx").toString();
        for (String spec : new String[] {"shufflenet_v3", missing}) {
            ModelException e = assertThrows(ModelException.class, () -> ModelLoader.open(spec));
            assertEquals("model " + spec + ": neither a built-in model nor an existing file; built-in models are "
                    + String.join(", ", Architecture.builtinNames()), e.getMessage());
            assertEquals(e.getMessage(), assertThrows(ModelException.class, () -> ModelLoader.check(spec)).getMessage());
            assertEquals(e.getMessage(), ModelLoader.notFound(spec).getMessage());
        }
        assertEquals("model " + dir + ": is a folder, not a model file",
                assertThrows(ModelException.class, () -> ModelLoader.open(dir.toString())).getMessage());
        assertEquals("model: no model named", assertThrows(ModelException.class, () -> ModelLoader.open(" "))
                .getMessage());
    }

    @Test
    void errorsInsideAFileNameItOnce() throws Exception {
        Path onnx = Files.writeString(dir.resolve("broken.onnx"), "not onnx");
        OnnxException e = assertThrows(OnnxException.class, () -> ModelLoader.open(onnx.toString()));
        assertTrue(e.getMessage().startsWith("model " + onnx + " is not a readable ONNX model: "), e.getMessage());

        Path ssnm = dir.resolve("broken.ssnm");
        Files.write(ssnm, new byte[] {'S', 'S', 'N', 'M', 0, 0});
        ModelException m = assertThrows(ModelException.class, () -> ModelLoader.open(ssnm.toString()));
        assertTrue(m.getMessage().startsWith("model " + ssnm + ": "), m.getMessage());
        assertEquals(m.getMessage().indexOf(ssnm.toString()), m.getMessage().lastIndexOf(ssnm.toString()),
                m.getMessage());

        // A local copy of a remote file: errors name the remote one.
        Path copy = Files.copy(onnx, dir.resolve("copy.onnx"));
        OnnxException remote = assertThrows(OnnxException.class,
                () -> ModelLoader.read(copy, "s3a://bucket/models/broken.onnx"));
        assertTrue(remote.getMessage().startsWith("model s3a://bucket/models/broken.onnx is not a readable ONNX "),
                remote.getMessage());
        assertTrue(!remote.getMessage().contains(copy.toString()), remote.getMessage());
    }
}
