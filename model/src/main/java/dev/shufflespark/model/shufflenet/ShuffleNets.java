package dev.shufflespark.model.shufflenet;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.plan.Graph;
import java.util.Map;

/** Dispatch on the family: tensor layout, graph and seeded weights of any built-in architecture. */
public final class ShuffleNets {
    private ShuffleNets() {
    }

    public static Map<String, int[]> weightShapes(Architecture a) {
        return a.family() == Architecture.Family.V1 ? ShuffleNetV1.weightShapes(a) : ShuffleNetV2.weightShapes(a);
    }

    public static Graph graph(Architecture a, Weights w) {
        return a.family() == Architecture.Family.V1 ? ShuffleNetV1.graph(a, w) : ShuffleNetV2.graph(a, w);
    }

    public static float batchNormEps(Architecture a) {
        return a.family() == Architecture.Family.V1 ? ShuffleNetV1.BN_EPS : ShuffleNetV2.BN_EPS;
    }

    /** The seeded weights of {@link SeededInit}. */
    public static Weights seeded(Architecture a, long seed) {
        return SeededInit.init(weightShapes(a), seed, batchNormEps(a));
    }
}
