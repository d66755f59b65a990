package dev.shufflespark.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.OperatorSetIdProto;
import dev.shufflespark.io.onnx.proto.Onnx.StringStringEntryProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorProto;
import dev.shufflespark.model.Model;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the importer says when it cannot import a file: each error names the problem and where it is. */
class OnnxErrorsTest {
    private static ModelProto good;

    @BeforeAll
    static void export() {
        good = OnnxExporter.toProto(Model.builtin("shufflenet_v1_g3_x0_25"), 64, 64);
    }

    private static String error(ModelProto m) {
        return error(m.toByteArray());
    }

    private static String error(byte[] bytes) {
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.read(bytes, "bad.onnx"));
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "'" + p + "' missing in: " + message);
        }
    }

    @Test
    void truncatedFile() {
        byte[] bytes = good.toByteArray();
        assertMentions(error(Arrays.copyOf(bytes, bytes.length / 2)), "bad.onnx", "truncated");
    }

    @Test
    void notOnnxAtAll(@TempDir Path dir) throws Exception {
        assertMentions(error("this is a text file, not a model\n".getBytes(StandardCharsets.UTF_8)), "bad.onnx",
                "not a readable ONNX model");
        assertMentions(error(new byte[0]), "empty");
        Path file = dir.resolve("notes.onnx");
        Files.writeString(file, "{\"json\": true}");
        OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.read(file));
        assertMentions(e.getMessage(), file.toString());
    }

    @Test
    void unsupportedOpset() {
        ModelProto m = good.toBuilder().clearOpsetImport()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(99)).build();
        assertMentions(error(m), "operator set version 99", "supported versions are 1 to 21");
    }

    @Test
    void unsupportedOperatorNamesTheNodeAndTheSupportedOperators() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        g.getNodeBuilder(2).setOpType("LeakyRelu").setName("my_leaky");
        String message = error(good.toBuilder().setGraph(g).build());
        assertEquals("bad.onnx: LeakyRelu node 'my_leaky': operator LeakyRelu is not supported; supported operators are "
                + String.join(", ", OnnxImporter.supportedOperators()), message);
        assertMentions(message, "BatchNormalization", "Conv", "Softmax");
    }

    @Test
    void reshapeAcrossImagesOrToAnotherSize() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        int at = 0;
        while (!g.getInitializer(at).getName().endsWith(".grouped_shape")) {
            at++;
        }
        TensorProto target = g.getInitializer(at);
        long[] t = Tensors.read(target, "target").longs("target"); // [0, g, C/g, H, W]
        String node = target.getName().replace(".grouped_shape", ".reshape");
        String perImage = "[" + t[1] * t[2] + ", " + t[3] + ", " + t[4] + "] per image (" + t[1] * t[2] * t[3] * t[4]
                + " elements)";

        g.setInitializer(at, Tensors.int64s(target.getName(), -1, t[2], t[3], t[4]));
        assertEquals("bad.onnx: Reshape node '" + node + "': target shape's first dimension must be the batch; "
                + "Reshape across images is not supported", error(good.toBuilder().setGraph(g).build()));

        g.setInitializer(at, Tensors.int64s(target.getName(), 0, t[1], t[2] + 1, t[3], t[4]));
        assertEquals("bad.onnx: Reshape node '" + node + "': cannot reshape " + perImage + " to [" + t[1] + ", "
                + (t[2] + 1) + ", " + t[3] + ", " + t[4] + "]", error(good.toBuilder().setGraph(g).build()));

        g.setInitializer(at, Tensors.int64s(target.getName(), 0, -1, -1, t[3], t[4]));
        assertEquals("bad.onnx: Reshape node '" + node + "': target shape [-1, -1, " + t[3] + ", " + t[4]
                + "] has more than one -1", error(good.toBuilder().setGraph(g).build()));
    }

    @Test
    void missingInitializer() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        String name = g.getInitializer(0).getName();
        g.removeInitializer(0);
        assertMentions(error(good.toBuilder().setGraph(g).build()), "'" + name + "'", "missing initializer");
    }

    @Test
    void externalData() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        TensorProto.Builder t = g.getInitializerBuilder(0).clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"));
        assertMentions(error(good.toBuilder().setGraph(g).build()), "'" + t.getName() + "'", "external",
                "weights.bin");
    }

    @Test
    void shapeThatDoesNotCheck() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        // The stem's weight loses an output channel: the BatchNorm after it no longer fits.
        TensorProto w = g.getInitializer(0);
        long[] dims = {w.getDims(0) - 1, w.getDims(1), w.getDims(2), w.getDims(3)};
        int size = (int) (dims[0] * dims[1] * dims[2] * dims[3]);
        g.setInitializer(0, w.toBuilder().setDims(0, dims[0]).setRawData(ByteString.copyFrom(new byte[4 * size])));
        assertMentions(error(good.toBuilder().setGraph(g).build()), "BatchNormalization node", "does not fit");
    }

    @Test
    void rawDataOfTheWrongLength() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        g.setInitializer(0, g.getInitializer(0).toBuilder().setRawData(ByteString.copyFrom(new byte[12])));
        assertMentions(error(good.toBuilder().setGraph(g).build()), "raw_data", "needs");
    }

    @Test
    void twoInputs() {
        GraphProto.Builder g = good.getGraph().toBuilder();
        g.addInput(g.getInput(0).toBuilder().setName("second"));
        assertMentions(error(good.toBuilder().setGraph(g).build()), "2 inputs", "second");
    }
}
