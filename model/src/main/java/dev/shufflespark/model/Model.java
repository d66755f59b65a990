package dev.shufflespark.model;

import dev.shufflespark.model.format.ModelFile;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Passes;
import dev.shufflespark.model.plan.PooledFeatures;
import dev.shufflespark.model.shufflenet.SeededInit;
import dev.shufflespark.model.shufflenet.ShuffleNets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A loaded model: the unoptimised graph and (on first use) the optimised {@link Engine}, and when asked for, an
 * engine that also keeps the globally pooled features ({@link PooledFeatures}, {@link Graph#FEATURES}). A built-in
 * architecture also keeps its {@link Architecture} and named {@link Weights}; a model imported from another
 * format (ONNX) has only its graph. Immutable and thread-safe.
 */
public final class Model {
    private final String name;
    private final Architecture architecture; // null for imported graphs
    private final Weights weights; // null for imported graphs
    private final Graph graph;
    private final long parameterCount;
    private final boolean outputsProbabilities;
    private volatile Engine engine;
    private volatile Engine featureEngine;

    private Model(String name, Architecture architecture, Weights weights, Graph graph, long parameterCount,
                  boolean outputsProbabilities) {
        this.name = name;
        this.architecture = architecture;
        this.weights = weights;
        this.graph = graph;
        this.parameterCount = parameterCount;
        this.outputsProbabilities = outputsProbabilities;
    }

    private Model(String name, Architecture architecture, Weights weights) {
        this(name, architecture, weights, ShuffleNets.graph(architecture, weights), weights.parameterCount(), false);
    }

    /**
     * A model given as a graph (e.g. imported from ONNX). {@code outputsProbabilities} says the graph already
     * ends in a softmax, so that callers do not apply another.
     */
    public static Model ofGraph(String name, Graph graph, long parameterCount, boolean outputsProbabilities) {
        return new Model(name, null, null, graph, parameterCount, outputsProbabilities);
    }

    /** A built-in model with seeded, untrained weights ({@link SeededInit}); labels it gives are meaningless. */
    public static Model builtin(String name) {
        Architecture a = Architecture.parse(name);
        return new Model(name, a, ShuffleNets.seeded(a, SeededInit.DEFAULT_SEED));
    }

    public static Model of(Architecture architecture, Weights weights) {
        return new Model(architecture.name(), architecture, weights);
    }

    /** Reads a model file ({@link ModelFile}); errors name the file and what is wrong in it. */
    public static Model load(Path file) {
        ModelFile.Contents contents = ModelFile.read(file);
        return new Model(contents.architecture().name(), contents.architecture(), contents.weights());
    }

    /** Writes this model's architecture and weights as a model file ({@link ModelFile}); built-in architectures only. */
    public void save(Path file) {
        if (architecture == null) {
            throw new ModelException("model '" + name + "' is an imported graph; only built-in architectures are saved as model files");
        }
        ModelFile.write(architecture, weights, file);
    }

    public String name() {
        return name;
    }

    /** The built-in architecture, when the model is one (empty for imported graphs). */
    public Optional<Architecture> architecture() {
        return Optional.ofNullable(architecture);
    }

    /** The named weights of a built-in architecture (empty for imported graphs). */
    public Optional<Weights> weights() {
        return Optional.ofNullable(weights);
    }

    /** True when the output is already a probability distribution (the graph ends in a softmax). */
    public boolean outputsProbabilities() {
        return outputsProbabilities;
    }

    /** The graph as built, before any optimisation pass. */
    public Graph graph() {
        return graph;
    }

    public int numClasses() {
        return graph.shapes(224, 224)[graph.output()].channels();
    }

    public long parameterCount() {
        return parameterCount;
    }

    /** Multiply-adds of the convolutions and the fully connected layer for one image of the given size. */
    public long multiplyAdds(int height, int width) {
        return graph.multiplyAdds(height, width);
    }

    /** The optimised engine, built on first use and shared by every caller. */
    public Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (this) {
                e = engine;
                if (e == null) {
                    e = new Engine(name, Passes.optimize(graph));
                    engine = e;
                }
            }
        }
        return e;
    }

    /**
     * The optimised engine, or with {@code features} one whose sessions also give each image's globally pooled
     * features ({@code Session.kept(Graph.FEATURES)}); each built on first use and shared by every caller.
     *
     * @throws NoFeaturesException naming the model when {@code features} is asked for and its graph has none
     */
    public Engine engine(boolean features) {
        if (!features) {
            return engine();
        }
        Engine e = featureEngine;
        if (e == null) {
            synchronized (this) {
                e = featureEngine;
                if (e == null) {
                    e = new Engine(name, Passes.optimize(graphWithFeatures()));
                    featureEngine = e;
                }
            }
        }
        return e;
    }

    /** Floats of the globally pooled features per image (960 for v1 g3 1x, 1024 for V2 1.0x); empty if none. */
    public OptionalInt featureCount() {
        OptionalInt v = PooledFeatures.find(graph);
        return v.isPresent() ? OptionalInt.of(graph.shapes(224, 224)[v.getAsInt()].size()) : OptionalInt.empty();
    }

    /**
     * The graph as built, keeping its globally pooled features as {@link Graph#FEATURES}: marked before any
     * pass runs, so that none fuses them away.
     *
     * @throws NoFeaturesException naming the model when its graph has none
     */
    public Graph graphWithFeatures() {
        OptionalInt v = PooledFeatures.find(graph);
        if (v.isEmpty()) {
            throw new NoFeaturesException("model " + name + " has no globally pooled features to give: they are the input"
                    + " of a final fully connected layer (Gemm or MatMul) that follows a global average pool"
                    + " (GlobalAveragePool, or ReduceMean over H and W), possibly flattened, and "
                    + PooledFeatures.describeEnd(graph));
        }
        return graph.keep(Graph.FEATURES, v.getAsInt());
    }

    /** An engine on the unoptimised graph: every layer runs as built (for cross-checks). */
    public Engine unoptimizedEngine() {
        return new Engine(name + " (unoptimised)", graph);
    }
}
