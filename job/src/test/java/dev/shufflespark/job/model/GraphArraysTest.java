package dev.shufflespark.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shufflespark.model.Model;
import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Passes;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The graph as plain arrays: every layer kind and flag survives the round trip, and a damaged form fails typed. */
class GraphArraysTest {

    /** A graph with every layer kind, each flag both ways, null biases and asymmetric padding. */
    static Graph everyLayer() {
        Graph.Builder b = Graph.builder(3);
        float[] w3 = seq(4 * 3 * 3 * 3);
        int conv = b.add(new Conv2d("conv", 3, 4, 3, 3, 2, 1, 1, 0, 2, 1, 1, w3, seq(4), true, false), b.input());
        int bn = b.add(new BatchNorm2d("bn", seq(4), seq(4), seq(4), abs(seq(4)), 1e-5f), conv);
        int relu = b.add(new Relu("relu"), bn);
        int pool = b.add(new Pool2d("avg", Pool2d.Kind.AVERAGE, 3, 2, 1, 0, 1, false, true), relu);
        int max = b.add(Pool2d.max("max", 2, 2, 0), relu);
        int shuffle = b.add(new ChannelShuffle("shuffle", 4, 2), pool);
        int view = b.add(new ChannelView("view", 4, new int[] {3, 1, 2, 0}), shuffle);
        int pw = b.add(new Conv2d("pw", 4, 4, 1, 1, 1, 1, 0, 0, 2, seq(8), null, false, true), view, max);
        int add = b.add(new Add("add", true), pw, view);
        int add2 = b.add(new Add("add2", false), add, pw);
        int cat = b.add(new Concat("cat", true), add2, add);
        int cat2 = b.add(new Concat("cat2", false), cat, cat);
        int clip = b.add(new Clip("clip", 0f, 6f), cat2);
        int gap = b.add(new GlobalAvgPool("gap"), clip);
        int flat = b.add(new Flatten("flat"), gap);
        int fc = b.add(new Linear("fc", 16, 5, seq(80), seq(5)), flat);
        int fc2 = b.add(new Linear("fc2", 5, 3, seq(15), null), fc);
        return b.build(b.add(new Softmax("softmax"), fc2));
    }

    @Test
    void everyLayerKindAndFlagSurvives() {
        Graph g = everyLayer();
        GraphArrays a = GraphArrays.of(g);
        assertSameArrays(a, GraphArrays.of(a.graph()));
        // every layer kind is in the test graph
        List<Class<?>> kinds = g.nodes().stream().<Class<?>>map(n -> n.layer().getClass()).distinct().toList();
        assertEquals(GraphArrays.LAYERS.size(), kinds.size(), "kinds in the test graph: " + kinds);
    }

    /**
     * Optimised graphs have gaps in their value ids (passes removed nodes); reading numbers them afresh, after which
     * the form is stable. (ModelPayloadTest checks that the copies compute what the originals compute.)
     */
    @Test
    void optimisedBuiltInsSurvive() {
        for (String name : List.of("shufflenet_v1_g3_x0_5", "shufflenet_v2_x0_5")) {
            Graph g = Passes.optimize(Model.builtin(name).graph());
            GraphArrays a = GraphArrays.of(g);
            GraphArrays renumbered = GraphArrays.of(a.graph());
            assertArrayEquals(a.names(), renumbered.names());
            assertEquals(a.code().length, renumbered.code().length);
            assertEquals(g.nodes().size(), a.graph().nodes().size());
            assertSameArrays(renumbered, GraphArrays.of(renumbered.graph()));
        }
    }

    /** A layer class added to the engine without a broadcast form fails this test, not a job. */
    @Test
    void everyLayerClassOfTheEngineHasABroadcastForm() throws IOException, URISyntaxException {
        Path dir = Path.of(Layer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(Layer.class.getPackageName().replace('.', '/'));
        List<Class<?>> missing = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$")) {
                    continue;
                }
                try {
                    Class<?> c = Class.forName(Layer.class.getPackageName() + "." + file.replace(".class", ""));
                    if (Layer.class.isAssignableFrom(c) && !c.isInterface() && !Modifier.isAbstract(c.getModifiers())
                            && !GraphArrays.LAYERS.contains(c)) {
                        missing.add(c);
                    }
                } catch (ClassNotFoundException e) {
                    fail(e);
                }
            }
        }
        assertEquals(List.of(), missing, "layers without a broadcast form");
    }

    @Test
    void anUnknownLayerIsRefusedWhenWritten() {
        Layer odd = new Layer() {
            @Override
            public String name() {
                return "odd";
            }

            @Override
            public dev.shufflespark.model.layer.Shape outputShape(dev.shufflespark.model.layer.Shape[] in) {
                return in[0];
            }

            @Override
            public dev.shufflespark.model.layer.Step compile(dev.shufflespark.model.layer.Activation[] in,
                                                               dev.shufflespark.model.layer.Activation out) {
                throw new UnsupportedOperationException();
            }
        };
        Graph.Builder b = Graph.builder(3);
        Graph g = b.build(b.add(odd, b.input()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GraphArrays.of(g));
        assertTrue(e.getMessage().contains("odd"), e.getMessage());
    }

    /** Mutated and truncated forms: each one reads back or fails with IllegalArgumentException, nothing else. */
    @Test
    void damagedFormsFailTyped() {
        GraphArrays good = GraphArrays.of(everyLayer());
        Random r = new Random(20261201);
        int failed = 0;
        for (int i = 0; i < 5000; i++) {
            int[] code = good.code().clone();
            float[][] tensors = good.tensors();
            int output = good.output();
            switch (i % 4) {
                case 0 -> code[r.nextInt(code.length)] = r.nextInt(40) - 5;
                case 1 -> code[r.nextInt(code.length)] = r.nextInt();
                case 2 -> code = Arrays.copyOf(code, r.nextInt(code.length));
                default -> {
                    tensors = Arrays.copyOf(tensors, r.nextInt(tensors.length));
                    output = r.nextInt(30) - 2;
                }
            }
            GraphArrays damaged = new GraphArrays(good.inputChannels(), output, good.names(), code, tensors);
            try {
                damaged.graph();
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().startsWith("broadcast model"), e.getMessage());
                failed++;
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + " failed untyped", e);
            }
        }
        assertTrue(failed > 2500, failed + " of 5000 damaged forms refused");
    }

    private static void assertSameArrays(GraphArrays expected, GraphArrays actual) {
        assertEquals(expected.inputChannels(), actual.inputChannels());
        assertArrayEquals(expected.names(), actual.names());
        assertArrayEquals(expected.code(), actual.code());
        assertEquals(expected.tensors().length, actual.tensors().length);
        for (int i = 0; i < expected.tensors().length; i++) {
            assertArrayEquals(expected.tensors()[i], actual.tensors()[i]);
        }
    }

    private static float[] seq(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (i % 7 - 3) * 0.25f;
        }
        return a;
    }

    private static float[] abs(float[] a) {
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(a[i]) + 0.5f;
        }
        return a;
    }
}
