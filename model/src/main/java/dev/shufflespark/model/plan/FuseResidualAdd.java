package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.Conv2d;
import java.util.List;

/**
 * Fuses {@code add(x, conv(y))} (and its ReLU) into the 1x1 convolution's epilogue, which then reads {@code x}
 * as a residual: v1's stride-1 unit ends in one GEMM instead of a GEMM and a pass over memory.
 */
public final class FuseResidualAdd implements Pass {
    @Override
    public String name() {
        return "fuse-residual-add";
    }

    @Override
    public Graph apply(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        Graph.Node[] producers = graph.producers();
        int[] uses = graph.useCounts();
        Graph.Edit edit = new Graph.Edit(graph);
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            if (!(node.layer() instanceof Add add)) {
                continue;
            }
            for (int side = 1; side >= 0; side--) {
                int branch = node.inputs()[side];
                int residual = node.inputs()[1 - side];
                Graph.Node producer = producers[branch];
                if (producer != null && uses[branch] == 1 && branch != residual
                        && producer.layer() instanceof Conv2d conv
                        && conv.isPointwise() && !conv.relu() && !conv.residual()) {
                    edit.remove(nodes.indexOf(producer));
                    edit.replace(i, new Graph.Node(conv.withResidual(add.relu()),
                            new int[] {producer.inputs()[0], residual}, node.output()));
                    break;
                }
            }
        }
        return edit.result();
    }
}
