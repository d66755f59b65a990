package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Concat;
import java.util.List;

/**
 * Marks every concatenation in place: the memory planner then has the producers of its inputs write straight
 * into the concatenated output, and nothing is copied for them.
 */
public final class ConcatInPlace implements Pass {
    @Override
    public String name() {
        return "concat-in-place";
    }

    @Override
    public Graph apply(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        Graph.Edit edit = new Graph.Edit(graph);
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            if (node.layer() instanceof Concat concat && !concat.inPlace()) {
                edit.replace(i, new Graph.Node(concat.placedInPlace(), node.inputs(), node.output()));
            }
        }
        return edit.result();
    }
}
