package dev.shufflespark.model;

import dev.shufflespark.model.format.ModelFile;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Passes;
import dev.shufflespark.model.shufflenet.SeededInit;
import dev.shufflespark.model.shufflenet.ShuffleNets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A loaded model: its architecture, its weights, the unoptimised graph built from them, and (on first use) the
 * optimised {@link Engine}. Immutable and thread-safe.
 */
public final class Model {
    private final String name;
    private final Architecture architecture;
    private final Weights weights;
    private final Graph graph;
    private volatile Engine engine;

    private Model(String name, Architecture architecture, Weights weights) {
        this.name = name;
        this.architecture = architecture;
        this.weights = weights;
        this.graph = ShuffleNets.graph(architecture, weights);
    }

    /** A built-in model with seeded, untrained weights ({@link SeededInit}); labels it gives are meaningless. */
    public static Model builtin(String name) {
        Architecture a = Architecture.parse(name);
        return new Model(name, a, ShuffleNets.seeded(a, SeededInit.DEFAULT_SEED));
    }

    public static Model of(Architecture architecture, Weights weights) {
        return new Model(architecture.name(), architecture, weights);
    }

    /** A built-in name, or the path of a model file. */
    public static Model open(String nameOrPath) {
        if (Architecture.isBuiltinName(nameOrPath)) {
            return builtin(nameOrPath);
        }
        Path path = Path.of(nameOrPath);
        if (!Files.exists(path)) {
            throw new ModelException("model '" + nameOrPath + "' is neither a built-in model nor an existing file; "
                    + "built-in models are " + String.join(", ", Architecture.builtinNames()));
        }
        return load(path);
    }

    /** Reads a model file ({@link ModelFile}); errors name the file and what is wrong in it. */
    public static Model load(Path file) {
        ModelFile.Contents contents = ModelFile.read(file);
        return new Model(contents.architecture().name(), contents.architecture(), contents.weights());
    }

    /** Writes this model's architecture and weights as a model file ({@link ModelFile}). */
    public void save(Path file) {
        ModelFile.write(architecture, weights, file);
    }

    public String name() {
        return name;
    }

    public Architecture architecture() {
        return architecture;
    }

    public Weights weights() {
        return weights;
    }

    /** The graph as built, before any optimisation pass. */
    public Graph graph() {
        return graph;
    }

    public int numClasses() {
        return architecture.numClasses();
    }

    public long parameterCount() {
        return weights.parameterCount();
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

    /** An engine on the unoptimised graph: every layer runs as built (for cross-checks). */
    public Engine unoptimizedEngine() {
        return new Engine(name + " (unoptimised)", graph);
    }
}
