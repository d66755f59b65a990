package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Relu;
import java.util.List;

/**
 * Moves a ReLU into the epilogue of the layer that produces its input: a convolution, an average pool or an
 * add. A ReLU after a concatenation moves into every producer of the concatenated inputs when each of them can
 * take it (v1's stride-2 unit: the average pool and the branch's last convolution).
 */
public final class FuseRelu implements Pass {
    @Override
    public String name() {
        return "fuse-relu";
    }

    @Override
    public Graph apply(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        Graph.Node[] producers = graph.producers();
        int[] uses = graph.useCounts();
        Graph.Edit edit = new Graph.Edit(graph);
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            if (!(node.layer() instanceof Relu)) {
                continue;
            }
            int x = node.inputs()[0];
            Graph.Node producer = producers[x];
            if (producer == null || uses[x] != 1) {
                continue;
            }
            Layer fused = withRelu(producer.layer());
            if (fused != null) {
                edit.remove(nodes.indexOf(producer));
                edit.replace(i, new Graph.Node(fused, producer.inputs(), node.output()));
            } else if (producer.layer() instanceof Concat && allFusable(producer, producers, uses)) {
                for (int v : producer.inputs()) {
                    Graph.Node p = producers[v];
                    edit.replace(nodes.indexOf(p), new Graph.Node(withRelu(p.layer()), p.inputs(), p.output()));
                }
                edit.remove(i);
                edit.alias(node.output(), x);
            }
        }
        return edit.result();
    }

    private static boolean allFusable(Graph.Node concat, Graph.Node[] producers, int[] uses) {
        for (int v : concat.inputs()) {
            Graph.Node p = producers[v];
            if (p == null || uses[v] != 1 || withRelu(p.layer()) == null) {
                return false;
            }
        }
        return true;
    }

    /** The layer with a fused ReLU, or null when it cannot take one. */
    private static Layer withRelu(Layer layer) {
        if (layer instanceof Conv2d c && !c.relu()) {
            return c.withRelu();
        }
        if (layer instanceof Pool2d p && p.kind() == Pool2d.Kind.AVERAGE && !p.relu()) {
            return p.withRelu();
        }
        if (layer instanceof Add a && !a.relu()) {
            return a.withRelu();
        }
        return null;
    }
}
