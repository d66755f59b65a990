package dev.shufflespark.model.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.TestInputs;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.reference.LiteralShuffleNet;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The globally pooled features: found in the graph, kept through the passes, and given by the optimised engine
 * exactly as the network computes them before its classifier.
 */
class PooledFeaturesTest {

    @ParameterizedTest(name = "{0}: {1} features, batch {2} at {3}x{3}")
    @CsvSource({
        "shufflenet_v1_g3_x1_0, 960, 2, 224",
        "shufflenet_v2_x1_0, 1024, 2, 224",
        "shufflenet_v1_g8_x0_5, 768, 3, 160",
        "shufflenet_v2_x0_5, 1024, 3, 131",
    })
    void optimisedEngineGivesThePooledActivationsOfTheLiteralNetwork(String name, int count, int batch, int size) {
        Model model = Model.builtin(name);
        assertEquals(OptionalInt.of(count), model.featureCount());
        float[] input = TestInputs.gaussian(batch * 3 * size * size, name.hashCode() + 1);

        Session session = model.engine(true).newSession(batch, size, size);
        float[] logits = session.run(input, batch).clone();
        float[] features = session.kept(Graph.FEATURES);
        assertEquals(count, session.keptSize(Graph.FEATURES));
        assertEquals(batch * count, features.length);

        // The literal network in double, up to its global average pool.
        float[] literal = LiteralShuffleNet.pooled(model.architecture().orElseThrow(), model.weights().orElseThrow(),
                input, batch, size, size);
        assertEquals(batch * count, literal.length);
        float scale = Math.max(1f, TestInputs.maxAbs(literal, literal.length));
        float diff = TestInputs.maxAbsDiff(literal, features, literal.length);
        assertTrue(diff <= 1e-4f * scale, name + ": max |diff| " + diff + " at feature scale " + scale);

        // The unoptimised graph cut at the pooled value, run by the engine as built: every layer as it is.
        Graph built = model.graph();
        int pooled = PooledFeatures.find(built).orElseThrow();
        Graph cut = upTo(built, pooled);
        float[] unoptimised = new Engine("cut", cut).newSession(batch, size, size).run(input, batch);
        diff = TestInputs.maxAbsDiff(unoptimised, features, literal.length);
        assertTrue(diff <= 1e-4f * scale, name + " against the unoptimised graph: max |diff| " + diff);

        // Keeping the features changes nothing in the logits: the same steps on the same values.
        float[] plain = model.engine().newSession(batch, size, size).run(input, batch);
        assertArrayEquals(plain, logits, name + ": logits with and without features");
    }

    @Test
    void eachImageOfABatchHasItsOwnFeatures() {
        Model model = Model.builtin("shufflenet_v2_x0_5");
        int count = model.featureCount().orElseThrow();
        float[] a = TestInputs.gaussian(3 * 64 * 64, 11);
        float[] b = TestInputs.gaussian(3 * 64 * 64, 12);
        float[] both = new float[2 * a.length];
        System.arraycopy(b, 0, both, 0, b.length);
        System.arraycopy(a, 0, both, b.length, a.length);
        Session s = model.engine(true).newSession(4, 64, 64);
        s.run(both, 2);
        float[] pair = s.kept(Graph.FEATURES).clone();
        s.run(a, 1);
        float[] alone = s.kept(Graph.FEATURES);
        float[] second = new float[count];
        System.arraycopy(pair, count, second, 0, count);
        float[] first = new float[count];
        System.arraycopy(alone, 0, first, 0, count);
        assertTrue(TestInputs.maxAbsDiff(first, second, count) <= 1e-5f * Math.max(1f, TestInputs.maxAbs(first, count)),
                "image a alone and as the second of a batch");
        float[] other = new float[count];
        System.arraycopy(pair, 0, other, 0, count);
        assertTrue(TestInputs.maxAbsDiff(first, other, count) > 1e-3f, "images a and b differ");
    }

    @Test
    void aKeptValueSurvivesThePassesThatWouldFuseIt() {
        // conv -> relu -> pool -> linear: keeping the convolution's output keeps FuseRelu from folding the ReLU
        // into it, so the kept value is still the one before the ReLU (with its negative values).
        Graph.Builder b = Graph.builder(3);
        float[] w = TestInputs.gaussian(8 * 3 * 3 * 3, 5);
        int conv = b.add(new Conv2d("conv", 3, 8, 3, 1, 1, 1, w, null), b.input());
        int relu = b.add(new Relu("relu"), conv);
        int pool = b.add(new GlobalAvgPool("pool"), relu);
        int fc = b.add(new Linear("fc", 8, 4, TestInputs.gaussian(32, 6), null), pool);
        Graph g = b.build(fc).keep("pre", conv);
        Graph optimised = Passes.optimize(g);
        assertEquals(1, optimised.count(Relu.class), "the kept value keeps its ReLU apart");
        float[] input = TestInputs.gaussian(2 * 3 * 9 * 9, 7);
        Session before = new Engine("g", g).newSession(2, 9, 9);
        Session after = new Engine("optimised", optimised).newSession(2, 9, 9);
        before.run(input, 2);
        after.run(input, 2);
        float[] expected = before.kept("pre").clone();
        float[] actual = after.kept("pre");
        assertEquals(2 * 8 * 81, actual.length);
        assertTrue(TestInputs.maxAbsDiff(expected, actual, actual.length) <= 1e-5f);
        boolean negative = false;
        for (float v : actual) {
            negative |= v < 0;
        }
        assertTrue(negative, "the kept values are those before the ReLU");
        // Without keeping, the pass fuses the ReLU as usual.
        assertEquals(0, Passes.optimize(b.build(fc)).count(Relu.class));
    }

    @Test
    void findsFeaturesBehindSoftmaxAndFlattenAndOnlyAfterAGlobalPool() {
        Graph.Builder b = Graph.builder(3);
        int conv = b.add(new Conv2d("conv", 3, 4, 1, 1, 0, 1, TestInputs.gaussian(12, 1), null), b.input());
        int pool = b.add(new GlobalAvgPool("pool"), conv);
        int flat = b.add(new Flatten("flat"), pool);
        int fc = b.add(new Linear("fc", 4, 2, TestInputs.gaussian(8, 2), null), flat);
        int prob = b.add(new Softmax("prob"), fc);
        assertEquals(OptionalInt.of(flat), PooledFeatures.find(b.build(prob)));

        // A classifier on a flattened map, with no global pool: no pooled features, and the error says so.
        Graph.Builder c = Graph.builder(3);
        int conv2 = c.add(new Conv2d("conv", 3, 2, 1, 1, 0, 1, TestInputs.gaussian(6, 3), null), c.input());
        int flat2 = c.add(new Flatten("flat"), conv2);
        int fc2 = c.add(new Linear("fc", 2 * 4 * 4, 3, TestInputs.gaussian(96, 4), null), flat2);
        Graph headless = c.build(fc2);
        assertFalse(PooledFeatures.find(headless).isPresent());
        Model m = Model.ofGraph("flat-classifier", headless, 0, false);
        assertFalse(m.featureCount().isPresent());
        ModelException e = assertThrows(ModelException.class, () -> m.engine(true));
        assertTrue(e.getMessage().startsWith("model flat-classifier has no globally pooled features"), e.getMessage());
        assertTrue(e.getMessage().contains("Conv2d conv -> Flatten flat -> Linear fc"), e.getMessage());
        m.engine(); // the plain engine is fine

        // A pool that is not the last thing before the classifier (a ReLU after it) does not count either.
        Graph.Builder d = Graph.builder(3);
        int conv3 = d.add(new Conv2d("conv", 3, 4, 1, 1, 0, 1, TestInputs.gaussian(12, 1), null), d.input());
        int pool3 = d.add(new GlobalAvgPool("pool"), conv3);
        int relu3 = d.add(new Relu("relu"), pool3);
        assertFalse(PooledFeatures.find(d.build(d.add(new Linear("fc", 4, 2, TestInputs.gaussian(8, 2), null),
                relu3))).isPresent());
    }

    @Test
    void keepChecksWhatItKeeps() {
        Graph g = Model.builtin("shufflenet_v2_x0_5").graph();
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class, () -> g.keep("x", Graph.INPUT));
        assertTrue(input.getMessage().contains("no node of the graph produces it"), input.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.keep("x", g.valueLimit()));
        Graph kept = g.keep("x", g.output());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> kept.keep("x", 1));
        assertTrue(twice.getMessage().contains("already keeps a value named x"), twice.getMessage());
        Session s = Model.builtin("shufflenet_v2_x0_5").engine().newSession(1, 32, 32);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> s.kept(Graph.FEATURES));
        assertTrue(none.getMessage().contains("keeps no value named features"), none.getMessage());
    }

    /** The nodes of {@code g} that {@code value} depends on, with {@code value} as the output. */
    private static Graph upTo(Graph g, int value) {
        List<Graph.Node> nodes = new ArrayList<>();
        for (Graph.Node n : g.nodes()) {
            nodes.add(n);
            if (n.output() == value) {
                break;
            }
        }
        return new Graph(nodes, value, g.inputChannels());
    }
}
