package dev.shufflespark.job.model;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.plan.Graph;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.List;

/**
 * What the driver broadcasts to the executors: the optimised graph (every load-time pass already applied),
 * the class names and the model's identity. An executor builds one {@link Engine} from it ({@link EngineCache});
 * nothing is loaded or optimised again there.
 *
 * <p>It travels as plain arrays ({@link Wire}: strings, {@code int[]} and {@code float[]}), whichever serializer
 * Spark uses: Java serialization (Spark's default) writes the {@link Wire} in its place, and Kryo, when a job
 * chooses it, writes the same arrays ({@link KryoRegistration}). Neither reaches into a JDK class by reflection,
 * so neither needs an {@code --add-opens} flag in the driver's or the executors' JVMs.
 *
 * @param name                 the model's name, e.g. {@code shufflenet_v1_g3_x1_0} or the ONNX file's stem
 * @param sha256               SHA-256 (hex) of the model file; for a built-in, of the model file it saves as
 * @param graph                the optimised graph (keeping {@link Graph#FEATURES} when features are asked for)
 * @param numClasses           classes of the output
 * @param outputsProbabilities the output is already a softmax
 * @param labels               class names by index, {@code numClasses} of them
 */
public record ModelPayload(String name, String sha256, Graph graph, int numClasses, boolean outputsProbabilities,
                           List<String> labels) implements Serializable {

    private static final long serialVersionUID = 2L;

    public ModelPayload {
        labels = List.copyOf(labels);
        if (labels.size() != numClasses) {
            throw new IllegalArgumentException("model " + name + " has " + numClasses + " classes but "
                    + labels.size() + " class names were given");
        }
    }

    /** Floats of the pooled features per image of {@code height x width}, or 0 when the graph keeps none. */
    public int featureCount(int height, int width) {
        Integer v = graph.kept().get(Graph.FEATURES);
        return v == null ? 0 : graph.shapes(height, width)[v].size();
    }

    /** A new engine on the (already optimised) graph. */
    public Engine newEngine() {
        return new Engine(name, graph);
    }

    /** The payload as plain arrays. */
    public Wire wire() {
        GraphArrays g = GraphArrays.of(graph);
        return new Wire(Wire.FORMAT, name, sha256, numClasses, outputsProbabilities, labels.toArray(new String[0]),
                g.inputChannels(), g.output(), g.names(), g.code(), g.tensors(), g.keptNames(), g.keptValues());
    }

    /** Java serialization writes the plain arrays. */
    private Object writeReplace() throws ObjectStreamException {
        return wire();
    }

    /**
     * The payload as it travels: strings, {@code int[]} and {@code float[]} only (the graph as {@link GraphArrays}).
     *
     * @param format a number that changes with this layout; a payload of another format is refused
     */
    public record Wire(int format, String name, String sha256, int numClasses, boolean outputsProbabilities,
                       String[] labels, int inputChannels, int output, String[] layerNames, int[] code,
                       float[][] tensors, String[] keptNames, int[] keptValues) implements Serializable {

        private static final long serialVersionUID = 2L;

        /** This layout's number. */
        public static final int FORMAT = 2;

        /** The payload again; a damaged or foreign form fails with an {@link IllegalArgumentException}. */
        public ModelPayload payload() {
            if (format != FORMAT) {
                throw new IllegalArgumentException("broadcast model of format " + format + ", but this job reads "
                        + "format " + FORMAT + " (the driver and the executors run different job jars)");
            }
            if (labels == null || layerNames == null || code == null || tensors == null || keptNames == null
                    || keptValues == null) {
                throw new IllegalArgumentException("broadcast model " + name + ": a part is missing");
            }
            Graph graph = new GraphArrays(inputChannels, output, layerNames, code, tensors, keptNames, keptValues)
                    .graph();
            return new ModelPayload(name, sha256, graph, numClasses, outputsProbabilities, List.of(labels));
        }

        private Object readResolve() throws ObjectStreamException {
            return payload();
        }
    }
}
