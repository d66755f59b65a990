package dev.shufflespark.io.onnx;

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
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The state of one import: what each ONNX value name holds, and the engine graph as it is built (layer i
 * produces value i + 1; value 0 is the input), with each value's shape, its consumers and whether it is known to
 * be non-negative. The operator families ({@link ConvolutionOperators}, {@link PoolingOperators},
 * {@link ReshapeOperators}, {@link ArithmeticOperators}) read their inputs and add their layers here.
 */
final class ImportContext {
    /** The version of the default operator set. */
    final long opset;
    private final Map<String, Constant> constants = new HashMap<>();
    private final Map<String, Activation> activations = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final List<Layer> layers = new ArrayList<>();
    private final List<int[]> layerInputs = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Integer> consumers = new ArrayList<>();
    private final BitSet nonNegative = new BitSet();
    private final Set<String> layerNames = new HashSet<>();
    private long batch = -1; // the declared batch size, or -1 when dynamic
    private boolean spatialKnown = true;
    private long parameterCount;
    private OnnxNode current;

    ImportContext(long opset) {
        this.opset = opset;
    }

    // ---------------------------------------------------------------------------------------------------------
    // ONNX values

    void defineConstant(String name, Constant value) {
        constants.put(name, value);
    }

    /** Counts a use of the value {@code name} (by a node input or a graph output). */
    void countUse(String name) {
        uses.merge(name, 1, Integer::sum);
    }

    /** True when a node input or a graph output reads {@code name}. */
    boolean used(String name) {
        return uses.getOrDefault(name, 0) > 0;
    }

    boolean isConstant(String name) {
        return constants.containsKey(name);
    }

    Constant constant(String name) {
        return constants.get(name);
    }

    /** What {@code name} holds, or null when no initializer, input or earlier node defines it. */
    OnnxValue value(String name) {
        Constant c = constants.get(name);
        return c != null ? c : activations.get(name);
    }

    Activation activation(String name) {
        return activations.get(name);
    }

    /** Output {@code output} of the node holds {@code value}; an output that is absent or unnamed is dropped. */
    void define(OnnxNode n, int output, OnnxValue value) {
        if (output >= n.outputs().size()) {
            return;
        }
        String v = n.outputs().get(output);
        if (v.isEmpty()) {
            return;
        }
        if (value instanceof Constant c) {
            constants.put(v, c);
        } else {
            activations.put(v, (Activation) value);
        }
    }

    /** Fails when output i (beyond the first) of the node is used: an optional output we do not compute. */
    void unusedOutputs(OnnxNode n, String what) {
        for (int i = 1; i < n.outputs().size(); i++) {
            String v = n.outputs().get(i);
            if (!v.isEmpty() && used(v)) {
                throw n.error("output " + i + " ('" + v + "', " + what + ") is used, which is not supported");
            }
        }
    }

    /** The node being imported, which errors name; null outside the nodes. */
    void current(OnnxNode n) {
        current = n;
    }

    /** An error naming the current node, if any. */
    OnnxException error(String message) {
        return new OnnxException((current == null ? "" : current.label + ": ") + message);
    }

    OnnxException error(String message, Throwable cause) {
        return new OnnxException((current == null ? "" : current.label + ": ") + message, cause);
    }

    /** The activation as a plain value; a held Pad or channel grouping here is an unsupported use of it. */
    Activation plain(Activation x, String what) {
        switch (x.kind()) {
            case PLAIN:
                return x;
            case PADDED:
                throw error(what + " is the output of a Pad; a Pad is supported only directly before a Conv, "
                        + "AveragePool or MaxPool that it merges into");
            default:
                throw error(what + " is a Reshape of channels into groups; that is supported only as a channel "
                        + "shuffle (Reshape [N, g, C/g, H, W], Transpose perm [0, 2, 1, 3, 4], Reshape [N, C, H, W])");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // the input

    /**
     * Declares the graph input {@code name} with per-image dims {@code perImage} (a dynamic height or width
     * already replaced by a nominal size); {@code batch} is -1 when dynamic.
     */
    void declareInput(String name, long[] perImage, long batch, boolean spatialKnown) {
        this.batch = batch;
        this.spatialKnown = spatialKnown;
        shapes.add(storage(perImage));
        consumers.add(0);
        activations.put(name, Activation.plain(0, perImage));
    }

    /** The declared batch size, or -1 when it is dynamic. */
    long batch() {
        return batch;
    }

    /** False when the model leaves the input's height or width dynamic (shapes then use a nominal size). */
    boolean spatialKnown() {
        return spatialKnown;
    }

    // ---------------------------------------------------------------------------------------------------------
    // the engine graph

    String uniqueName(String base) {
        String n = base;
        for (int i = 2; !layerNames.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }

    /** A layer name for the node: its own name, or the operator and its first output's name. */
    String layerName(OnnxNode n) {
        String base = n.proto.getName().isEmpty() ? n.op.toLowerCase(Locale.ROOT) + "_"
                + (n.outputs().isEmpty() ? layers.size() : n.outputs().get(0)) : n.proto.getName();
        return uniqueName(base);
    }

    /** Adds a layer reading the given values; returns the value it produces. */
    int emit(Layer layer, int... inputs) {
        Shape[] in = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            in[i] = shapes.get(inputs[i]);
            consumers.set(inputs[i], consumers.get(inputs[i]) + 1);
        }
        Shape out;
        try {
            out = layer.outputShape(in);
        } catch (IllegalArgumentException e) {
            throw error("shapes do not check: " + e.getMessage(), e);
        }
        layers.add(layer);
        layerInputs.add(inputs.clone());
        shapes.add(out);
        consumers.add(0);
        int value = layers.size();
        nonNegative.set(value, producesNonNegative(layer, inputs));
        return value;
    }

    /**
     * Whether a layer's output is known to be non-negative (what a zero Pad before a MaxPool needs to merge into
     * it): ReLU, a Clip from zero or more and Softmax make it so; pools, views, shuffles, flattening and
     * concatenation keep it when all their inputs have it.
     */
    private boolean producesNonNegative(Layer layer, int[] inputs) {
        if (layer instanceof Relu || layer instanceof Softmax) {
            return true;
        }
        if (layer instanceof Clip clip) {
            return clip.min() >= 0;
        }
        if (layer instanceof Pool2d || layer instanceof GlobalAvgPool || layer instanceof ChannelShuffle
                || layer instanceof ChannelView || layer instanceof Flatten || layer instanceof Concat) {
            for (int in : inputs) {
                if (!nonNegative.get(in)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    boolean nonNegative(int value) {
        return nonNegative.get(value);
    }

    Shape shape(int value) {
        return shapes.get(value);
    }

    /** The layer producing {@code value}, or null for the input. */
    Layer producer(int value) {
        return value > 0 ? layers.get(value - 1) : null;
    }

    /** The values the layer producing {@code value} reads. */
    int[] producerInputs(int value) {
        return layerInputs.get(value - 1);
    }

    /** Replaces the layer producing {@code value} by one with the same output (a bias folded into it). */
    void replaceProducer(int value, Layer layer) {
        layers.set(value - 1, layer);
    }

    /** True when a layer reads {@code value}, or more than one ONNX name holds it. */
    boolean shared(int value) {
        return consumers.get(value) > 0 || activations.values().stream().filter(a -> a.value() == value).count() > 1;
    }

    /** How the engine holds per-image dims: [C, H, W] as they are, [C, L] as [C, 1, L], [F] as [F, 1, 1]. */
    Shape storage(long[] dims) {
        try {
            return switch (dims.length) {
                case 0 -> new Shape(1, 1, 1);
                case 1 -> new Shape(toInt(dims[0]), 1, 1);
                case 2 -> new Shape(toInt(dims[0]), 1, toInt(dims[1]));
                case 3 -> new Shape(toInt(dims[0]), toInt(dims[1]), toInt(dims[2]));
                default -> throw error("an activation of rank " + (dims.length + 1) + " (" + Arrays.toString(dims)
                        + " per image) is not supported; the engine holds [N, C, H, W], [N, C, L], [N, F] and [N]");
            };
        } catch (IllegalArgumentException e) {
            throw error("an activation with per-image dims " + Arrays.toString(dims) + " is not supported: "
                    + e.getMessage());
        }
    }

    private static int toInt(long v) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dimension " + v);
        }
        return (int) v;
    }

    /** A layer's output as a plain activation with the dims of its engine shape. */
    Activation result(int value) {
        Shape s = shapes.get(value);
        return Activation.plain(value, new long[] {s.channels(), s.height(), s.width()});
    }

    /** A value with new per-image dims; it must be held the same way. */
    Activation relabel(OnnxNode n, Activation x, long[] dims) {
        if (!storage(dims).equals(shapes.get(x.value()))) {
            throw n.error("changes per-image dims " + Arrays.toString(x.dims()) + " to " + Arrays.toString(dims)
                    + ", which moves data the engine does not move");
        }
        return Activation.plain(x.value(), dims);
    }

    /** The engine graph of the layers the output depends on, in order; counts their parameters. */
    Graph build(int output) {
        boolean[] live = new boolean[layers.size() + 1];
        live[output] = true;
        for (int v = layers.size(); v >= 1; v--) {
            if (live[v]) {
                for (int in : layerInputs.get(v - 1)) {
                    live[in] = true;
                }
            }
        }
        Graph.Builder b = Graph.builder(shapes.get(0).channels());
        int[] id = new int[layers.size() + 1];
        for (int v = 1; v <= layers.size(); v++) {
            if (!live[v]) {
                continue;
            }
            int[] in = layerInputs.get(v - 1).clone();
            for (int i = 0; i < in.length; i++) {
                in[i] = id[in[i]];
            }
            Layer layer = layers.get(v - 1);
            parameterCount += parameters(layer);
            id[v] = b.add(layer, in);
        }
        return b.build(id[output]);
    }

    /** The parameters of the layers {@link #build} kept. */
    long parameterCount() {
        return parameterCount;
    }

    private static long parameters(Layer layer) {
        if (layer instanceof Conv2d c) {
            return c.weight().length + (c.bias() == null ? 0 : c.bias().length);
        }
        if (layer instanceof BatchNorm2d bn) {
            return 4L * bn.channels();
        }
        if (layer instanceof Linear l) {
            return l.weight().length + (l.bias() == null ? 0 : l.bias().length);
        }
        return 0;
    }
}
