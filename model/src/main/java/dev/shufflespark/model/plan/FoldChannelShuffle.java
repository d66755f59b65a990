package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import java.util.List;

/**
 * Replaces each channel shuffle by a {@link ChannelView}: consumers read the shuffled channels through permuted
 * plane addresses (the weight and output order absorb the permutation), so no data moves.
 */
public final class FoldChannelShuffle implements Pass {
    @Override
    public String name() {
        return "fold-channel-shuffle";
    }

    @Override
    public Graph apply(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        Graph.Edit edit = new Graph.Edit(graph);
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            if (node.layer() instanceof ChannelShuffle shuffle) {
                edit.replace(i, new Graph.Node(new ChannelView(shuffle.name(), shuffle.channels(),
                        ChannelShuffle.permutation(shuffle.channels(), shuffle.groups())), node.inputs(), node.output()));
            }
        }
        return edit.result();
    }
}
