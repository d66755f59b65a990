package dev.shufflespark.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Graph.Node;
import dev.shufflespark.model.plan.PooledFeatures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Models exported by PyTorch (and one written like the ONNX Model Zoo's Caffe2 conversion), committed with
 * PyTorch's outputs by {@code io/src/test/python/make_onnx_fixtures.py}. The engine must match PyTorch, and
 * ONNX Runtime on the same file, to 1e-4 x max(1, max |output|) with the same top-1, and the imported graphs
 * must optimise like a built-in one.
 */
class OnnxFixturesTest {
    private static final int SIZE = 224;
    private static Map<String, Fixture> fixtures;

    record Fixture(String file, long seed, int images, int classes, float[] outputs) {
    }

    @BeforeAll
    static void load() throws IOException {
        fixtures = new LinkedHashMap<>();
        try (InputStream in = OnnxFixturesTest.class.getResourceAsStream("/onnx/fixtures.txt")) {
            assertNotNull(in, "missing test resource onnx/fixtures.txt");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String name = null;
            String file = null;
            long seed = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.strip().split(" ");
                switch (f[0]) {
                    case "fixture" -> name = f[1];
                    case "file" -> file = f[1];
                    case "input_seed" -> seed = Long.parseLong(f[1]);
                    case "outputs" -> {
                        int n = Integer.parseInt(f[1]);
                        int k = Integer.parseInt(f[2]);
                        float[] out = new float[n * k];
                        for (int i = 0; i < n; i++) {
                            String[] v = r.readLine().strip().split(" ");
                            assertEquals(k, v.length);
                            for (int j = 0; j < k; j++) {
                                out[i * k + j] = Float.parseFloat(v[j]);
                            }
                        }
                        fixtures.put(name, new Fixture(file, seed, n, k, out));
                    }
                    default -> {
                    }
                }
            }
        }
        assertEquals(3, fixtures.size(), "fixtures in onnx/fixtures.txt");
    }

    /** The fixture inputs: a 32-bit hash of each value's index, as make_onnx_fixtures.py's input_values(). */
    static float[] input(int count, long seed) {
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            long h = ((long) i * 0x9E3779B1L + seed) & 0xffffffffL;
            h ^= h >>> 15;
            h = (h * 0x85EBCA77L) & 0xffffffffL;
            h ^= h >>> 13;
            a[i] = (float) (h / 4294967296.0 * 4.0 - 2.0);
        }
        return a;
    }

    private static byte[] bytes(Fixture f) throws IOException {
        try (InputStream in = OnnxFixturesTest.class.getResourceAsStream("/onnx/" + f.file())) {
            assertNotNull(in, "missing test resource onnx/" + f.file());
            return in.readAllBytes();
        }
    }

    /** Runs the fixture through the engine and ONNX Runtime and compares both with PyTorch; returns the import. */
    private static OnnxModel check(String name, boolean fixedBatch) throws IOException {
        Fixture f = fixtures.get(name);
        byte[] onnx = bytes(f);
        OnnxModel m = OnnxImporter.read(onnx, name);
        int n = f.images();
        float[] x = input(n * 3 * SIZE * SIZE, f.seed());
        float[] ours = ExportVsOnnxRuntimeTest.run(m.model(), x, n);
        assertNull(Compare.mismatch(f.outputs(), ours, n, f.classes(), true),
                () -> name + ": engine vs PyTorch: " + Compare.mismatch(f.outputs(), ours, n, f.classes(), true));
        float[] ort = new float[n * f.classes()];
        try (OrtRunner runner = new OrtRunner(onnx)) {
            if (fixedBatch) {
                int image = 3 * SIZE * SIZE;
                for (int i = 0; i < n; i++) {
                    float[] one = runner.run(Arrays.copyOfRange(x, i * image, (i + 1) * image), 1, 3, SIZE, SIZE);
                    System.arraycopy(one, 0, ort, i * f.classes(), f.classes());
                }
            } else {
                ort = runner.run(x, n, 3, SIZE, SIZE);
            }
        }
        float[] reference = ort;
        assertNull(Compare.mismatch(reference, ours, n, f.classes(), true),
                () -> name + ": engine vs ONNX Runtime: " + Compare.mismatch(reference, ours, n, f.classes(), true));
        assertEquals(fixedBatch, !m.dynamicBatch(), name + " batch");
        return m;
    }

    @Test
    void torchvisionV2WithBatchNormKeptAndDynamicBatch() throws IOException {
        OnnxModel m = check("v2_opset11", false);
        assertEquals("input", m.inputName());
        assertEquals("[-1, 3, 224, 224]", Arrays.toString(m.inputShape()));
        assertEquals(11, m.opset());
        assertFalse(m.outputsProbabilities());
        Graph g = m.model().graph();
        assertEquals(56, g.count(BatchNorm2d.class), "every BatchNorm imported as such");
        assertEquals(16, g.count(ChannelShuffle.class), "Reshape + Transpose + Reshape recognised as shuffles");
        Graph optimised = m.model().engine().graph();
        assertEquals(0, optimised.count(BatchNorm2d.class), "BatchNorm folded");
        assertEquals(0, optimised.count(ChannelShuffle.class), "shuffles folded into addressing");
        assertEquals(0, optimised.count(Relu.class), "ReLU fused");
        assertTrue(optimised.count(ChannelView.class) >= 16 + 2 * 13, "splits and shuffles are views");
    }

    @Test
    void shuffleNetV1WithBatchNormFoldedByTheExporter() throws IOException {
        OnnxModel m = check("v1_opset13", true);
        assertEquals("[1, 3, 224, 224]", Arrays.toString(m.inputShape()));
        assertEquals(0, m.model().graph().count(BatchNorm2d.class));
        assertEquals(16, m.model().graph().count(ChannelShuffle.class));
        assertPadMergedIntoAveragePools(m.model().graph(), 3);
    }

    @Test
    void modelZooStyleV1WithSoftmaxOutput() throws IOException {
        OnnxModel m = check("v1_caffe2_style", true);
        assertEquals("gpu_0/data_0", m.inputName());
        assertEquals("gpu_0/softmax_1", m.outputName());
        assertEquals(9, m.opset());
        assertTrue(m.outputsProbabilities(), "a softmax output is reported, so callers do not apply another");
        assertPadMergedIntoAveragePools(m.model().graph(), 3);
    }

    private static void assertPadMergedIntoAveragePools(Graph g, int expected) {
        int merged = 0;
        for (Node node : g.nodes()) {
            if (node.layer() instanceof Pool2d p && p.kind() == Pool2d.Kind.AVERAGE) {
                assertEquals(1, p.padding(), p.toString());
                assertEquals(1, p.padBottom(), p.toString());
                assertTrue(p.countIncludePad(), "padded zeros count: " + p);
                merged++;
            }
        }
        assertEquals(expected, merged, "average pools with the Pad merged in");
    }

    /**
     * Each fixture's globally pooled features, found where its exporter put them (torchvision's V2 and v1:
     * ReduceMean over H and W, then Gemm; the Model Zoo style: GlobalAveragePool, Flatten, Gemm, Softmax): the
     * optimised engine gives what the graph as imported computes there, and the final Gemm applied to them in
     * double gives the engine's output.
     */
    @ParameterizedTest(name = "{0}: {1} features")
    @CsvSource({"v2_opset11, 1024", "v1_opset13, 240", "v1_caffe2_style, 240"})
    void importedGraphsGiveTheirPooledFeatures(String name, int count) throws IOException {
        Fixture f = fixtures.get(name);
        Model model = OnnxImporter.read(bytes(f), name).model();
        assertEquals(OptionalInt.of(count), model.featureCount());
        int n = f.images();
        float[] x = input(n * 3 * SIZE * SIZE, f.seed());
        Session s = model.engine(true).newSession(n, SIZE, SIZE);
        float[] out = s.run(x, n).clone();
        float[] features = s.kept(Graph.FEATURES);
        assertEquals(n * count, features.length);

        Session asImported = new Engine("as imported", model.graphWithFeatures()).newSession(n, SIZE, SIZE);
        asImported.run(x, n);
        float[] expected = asImported.kept(Graph.FEATURES);
        assertNull(Compare.mismatch(expected, features, n, count, false),
                () -> name + ": optimised vs as imported: " + Compare.mismatch(expected, features, n, count, false));

        Linear fc = classifier(model.graph());
        assertEquals(count, fc.inFeatures());
        float[] logits = new float[n * f.classes()];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            double[] z = new double[f.classes()];
            for (int o = 0; o < z.length; o++) {
                double sum = fc.bias() == null ? 0 : fc.bias()[o];
                for (int k = 0; k < count; k++) {
                    sum += (double) features[i * count + k] * fc.weight()[o * count + k];
                }
                z[o] = sum;
                max = Math.max(max, sum);
            }
            double total = 0;
            for (int o = 0; o < z.length; o++) {
                total += Math.exp(z[o] - max);
            }
            for (int o = 0; o < z.length; o++) {
                logits[i * z.length + o] = (float) (model.outputsProbabilities() ? Math.exp(z[o] - max) / total : z[o]);
            }
        }
        assertNull(Compare.mismatch(out, logits, n, f.classes(), true),
                () -> name + ": Gemm of the features vs the output: " + Compare.mismatch(out, logits, n, f.classes(),
                        true));
    }

    /** The fully connected layer that reads the pooled features. */
    private static Linear classifier(Graph g) {
        int features = PooledFeatures.find(g).orElseThrow();
        for (Node node : g.nodes()) {
            if (node.layer() instanceof Linear l && node.inputs()[0] == features) {
                return l;
            }
        }
        throw new AssertionError("no Linear reads value " + features);
    }

    @Test
    void readsFilesAndNamesTheModelAfterThem(@TempDir Path dir) throws IOException {
        Fixture f = fixtures.get("v1_opset13");
        Path file = dir.resolve("my_v1.onnx");
        Files.write(file, bytes(f));
        OnnxModel m = OnnxImporter.read(file);
        assertEquals("my_v1", m.model().name());
        assertEquals(f.classes(), m.model().numClasses());
    }
}
