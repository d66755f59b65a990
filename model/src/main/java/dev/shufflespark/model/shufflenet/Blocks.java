package dev.shufflespark.model.shufflenet;

import dev.shufflespark.model.Weights;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.plan.Graph;

/** The graph pieces both ShuffleNets are made of, taking their tensors from {@link Weights} by name. */
final class Blocks {
    private final Graph.Builder graph;
    private final Weights weights;
    private final float eps;

    Blocks(Graph.Builder graph, Weights weights, float eps) {
        this.graph = graph;
        this.weights = weights;
        this.eps = eps;
    }

    Graph.Builder graph() {
        return graph;
    }

    /** A bias-free convolution {@code conv} (tensor {@code conv.weight}) followed by BatchNorm {@code bn}. */
    int convBn(int x, String conv, String bn, int cin, int cout, int kernel, int stride, int padding, int groups) {
        float[] w = weights.get(conv + ".weight", cout, cin / groups, kernel, kernel).data();
        int y = graph.add(new Conv2d(conv, cin, cout, kernel, stride, padding, groups, w, null), x);
        return graph.add(new BatchNorm2d(bn,
                weights.get(bn + ".weight", cout).data(), weights.get(bn + ".bias", cout).data(),
                weights.get(bn + ".running_mean", cout).data(), weights.get(bn + ".running_var", cout).data(), eps), y);
    }

    int relu(int x, String name) {
        return graph.add(new Relu(name), x);
    }
}
