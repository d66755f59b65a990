package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Softmax;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Finds a classifier's globally pooled features: the input of its final fully connected layer when that input
 * is a global average pool (possibly flattened), as in ShuffleNet, ResNet or MobileNet. These are the image's
 * embedding (SynapseML's {@code ImageFeaturizer} cuts a network at the same place): 960 floats for ShuffleNet
 * v1 g3 1x, 1024 for V2 1.0x.
 *
 * <p>From the output back: a softmax, a flatten or an unbounded clip (the copy an import adds) may follow the
 * fully connected layer ({@link Linear}: ONNX's Gemm or MatMul); between it and the {@link GlobalAvgPool} (ONNX's
 * GlobalAveragePool, or ReduceMean over H and W) only flattening may come. Anything else and the graph has none.
 */
public final class PooledFeatures {

    private PooledFeatures() {
    }

    /** The value holding the pooled features ([C, 1, 1] per image), if the graph has one. */
    public static OptionalInt find(Graph graph) {
        Graph.Node[] producers = graph.producers();
        Graph.Node node = producers[graph.output()];
        while (node != null && passesThrough(node.layer())) {
            node = producers[node.inputs()[0]];
        }
        if (node == null || !(node.layer() instanceof Linear)) {
            return OptionalInt.empty();
        }
        int features = node.inputs()[0];
        Graph.Node p = producers[features];
        while (p != null && p.layer() instanceof Flatten) {
            p = producers[p.inputs()[0]];
        }
        return p != null && p.layer() instanceof GlobalAvgPool ? OptionalInt.of(features) : OptionalInt.empty();
    }

    /**
     * The graph's last layers (up to four, on the path to the output), e.g. {@code its last layers are Conv2d c5
     * -> Relu r5 -> Flatten f -> Linear fc}: for a message saying why it has no pooled features.
     */
    public static String describeEnd(Graph graph) {
        Graph.Node[] producers = graph.producers();
        List<String> layers = new ArrayList<>();
        Graph.Node node = producers[graph.output()];
        while (node != null && layers.size() < 4) {
            layers.add(0, node.layer().getClass().getSimpleName() + " " + node.layer().name());
            node = node.inputs().length == 1 ? producers[node.inputs()[0]] : null;
        }
        return "its last layers are " + String.join(" -> ", layers);
    }

    private static boolean passesThrough(Layer layer) {
        return layer instanceof Softmax || layer instanceof Flatten
                || layer instanceof Clip c && c.min() == Float.NEGATIVE_INFINITY && c.max() == Float.POSITIVE_INFINITY;
    }
}
