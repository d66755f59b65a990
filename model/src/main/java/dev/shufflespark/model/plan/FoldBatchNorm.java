package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.Conv2d;
import java.util.List;

/**
 * Folds an inference BatchNorm into the convolution before it: {@code w' = w * s}, {@code b' = b * s + t} with
 * {@code s = gamma / sqrt(var + eps)} and {@code t = beta - mean * s}, computed in double. Applies when the
 * convolution's output feeds only the BatchNorm and the convolution has no fused epilogue yet.
 */
public final class FoldBatchNorm implements Pass {
    @Override
    public String name() {
        return "fold-batchnorm";
    }

    @Override
    public Graph apply(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        Graph.Node[] producers = graph.producers();
        int[] uses = graph.useCounts();
        Graph.Edit edit = new Graph.Edit(graph);
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            if (!(node.layer() instanceof BatchNorm2d bn)) {
                continue;
            }
            int x = node.inputs()[0];
            Graph.Node producer = producers[x];
            if (producer == null || uses[x] != 1 || !(producer.layer() instanceof Conv2d conv)
                    || conv.relu() || conv.residual()) {
                continue;
            }
            edit.remove(nodes.indexOf(producer));
            edit.replace(i, new Graph.Node(fold(conv, bn), producer.inputs(), node.output()));
        }
        return edit.result();
    }

    static Conv2d fold(Conv2d conv, BatchNorm2d bn) {
        float[] w = conv.weight();
        float[] b = conv.bias();
        int per = conv.weightsPerOutput();
        float[] nw = new float[w.length];
        float[] nb = new float[conv.outChannels()];
        for (int o = 0; o < conv.outChannels(); o++) {
            double s = bn.scale(o);
            for (int k = 0; k < per; k++) {
                nw[o * per + k] = (float) (w[o * per + k] * s);
            }
            nb[o] = (float) ((b == null ? 0.0 : b[o]) * s + bn.shift(o));
        }
        return conv.withWeights(nw, nb);
    }
}
