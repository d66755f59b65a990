package dev.shufflespark.model.plan;

import java.util.List;

/** The load-time optimisation pipeline, in the order it runs. */
public final class Passes {
    private Passes() {
    }

    public static List<Pass> standard() {
        return List.of(new FoldBatchNorm(), new FuseRelu(), new FuseResidualAdd(), new FoldChannelShuffle(),
                new ConcatInPlace());
    }

    public static Graph optimize(Graph graph) {
        Graph g = graph;
        for (Pass p : standard()) {
            g = p.apply(g);
        }
        return g;
    }
}
