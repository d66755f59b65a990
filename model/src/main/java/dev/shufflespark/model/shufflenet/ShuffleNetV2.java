package dev.shufflespark.model.shufflenet;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.plan.Graph;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ShuffleNet V2 (Ma et al., ECCV 2018), laid out exactly as torchvision's {@code shufflenet_v2_x*}, with
 * torchvision's tensor names, so that its trained weights map one to one.
 *
 * <p>{@code conv1}: 3x3/s2 conv + BN + ReLU; 3x3/s2/p1 max pool; stages 2-4 of 4, 8, 4 units; {@code conv5}:
 * 1x1 conv + BN + ReLU; mean over H and W; {@code fc}. A stride-1 unit splits its input into halves, keeps the
 * first and runs {@code branch2} (1x1 + BN + ReLU, depthwise 3x3 + BN, 1x1 + BN + ReLU) on the second; a
 * stride-2 unit runs {@code branch1} (depthwise 3x3/s2 + BN, 1x1 + BN + ReLU) and {@code branch2} on the whole
 * input. Both concatenate the halves and shuffle the channels with 2 groups.
 */
public final class ShuffleNetV2 {
    public static final int[] STAGE_REPEATS = {4, 8, 4};
    public static final float BN_EPS = 1e-5f;

    private ShuffleNetV2() {
    }

    /** torchvision's {@code stages_out_channels}: stem, stages 2-4, conv5. */
    public static int[] stageOutChannels(Architecture.Width width) {
        return switch (width) {
            case X0_5 -> new int[] {24, 48, 96, 192, 1024};
            case X1_0 -> new int[] {24, 116, 232, 464, 1024};
            case X1_5 -> new int[] {24, 176, 352, 704, 1024};
            case X2_0 -> new int[] {24, 244, 488, 976, 2048};
            default -> throw new IllegalArgumentException("ShuffleNet V2 has no width " + width);
        };
    }

    /** One unit: its tensor prefix, input and output channels, and stride. */
    public record Unit(String prefix, int in, int out, int stride) {
        public int branch() {
            return out / 2;
        }
    }

    public static Unit[] units(Architecture a) {
        int[] c = stageOutChannels(a.width());
        int count = 0;
        for (int r : STAGE_REPEATS) {
            count += r;
        }
        Unit[] units = new Unit[count];
        int in = c[0];
        int k = 0;
        for (int stage = 0; stage < STAGE_REPEATS.length; stage++) {
            int out = c[stage + 1];
            for (int i = 0; i < STAGE_REPEATS[stage]; i++) {
                units[k++] = new Unit("stage" + (stage + 2) + "." + i, in, out, i == 0 ? 2 : 1);
                in = out;
            }
        }
        return units;
    }

    /** The unoptimised graph, layer for layer as torchvision runs it. */
    public static Graph graph(Architecture a, Weights w) {
        w.checkAgainst(weightShapes(a));
        int[] c = stageOutChannels(a.width());
        Blocks b = new Blocks(Graph.builder(3), w, BN_EPS);
        Graph.Builder g = b.graph();
        int x = b.relu(b.convBn(g.input(), "conv1.0", "conv1.1", 3, c[0], 3, 2, 1, 1), "conv1.2");
        x = g.add(Pool2d.max("maxpool", 3, 2, 1), x);
        for (Unit u : units(a)) {
            String p = u.prefix();
            int half = u.branch();
            int left;
            int right;
            if (u.stride() == 1) {
                left = g.add(ChannelView.slice(p + ".split0", u.in(), 0, half), x);
                right = g.add(ChannelView.slice(p + ".split1", u.in(), half, half), x);
                right = branch2(b, p, right, half, half, 1);
            } else {
                left = b.convBn(x, p + ".branch1.0", p + ".branch1.1", u.in(), u.in(), 3, 2, 1, u.in());
                left = b.relu(b.convBn(left, p + ".branch1.2", p + ".branch1.3", u.in(), half, 1, 1, 0, 1), p + ".branch1.4");
                right = branch2(b, p, x, u.in(), half, 2);
            }
            x = g.add(new Concat(p + ".concat", false), left, right);
            x = g.add(new ChannelShuffle(p + ".shuffle", u.out(), 2), x);
        }
        x = b.relu(b.convBn(x, "conv5.0", "conv5.1", c[3], c[4], 1, 1, 0, 1), "conv5.2");
        x = g.add(new GlobalAvgPool("mean"), x);
        x = g.add(new Linear("fc", c[4], a.numClasses(), w.get("fc.weight", a.numClasses(), c[4]).data(),
                w.get("fc.bias", a.numClasses()).data()), x);
        return g.build(x);
    }

    private static int branch2(Blocks b, String p, int x, int in, int half, int stride) {
        int y = b.relu(b.convBn(x, p + ".branch2.0", p + ".branch2.1", in, half, 1, 1, 0, 1), p + ".branch2.2");
        y = b.convBn(y, p + ".branch2.3", p + ".branch2.4", half, half, 3, stride, 1, half);
        return b.relu(b.convBn(y, p + ".branch2.5", p + ".branch2.6", half, half, 1, 1, 0, 1), p + ".branch2.7");
    }

    /** Every tensor's name and shape, in torchvision's {@code state_dict} order. */
    public static Map<String, int[]> weightShapes(Architecture a) {
        int[] c = stageOutChannels(a.width());
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("conv1.0.weight", new int[] {c[0], 3, 3, 3});
        ShuffleNetV1.putBatchNorm(shapes, "conv1.1", c[0]);
        for (Unit u : units(a)) {
            int b = u.branch();
            String p = u.prefix();
            if (u.stride() == 2) {
                shapes.put(p + ".branch1.0.weight", new int[] {u.in(), 1, 3, 3});
                ShuffleNetV1.putBatchNorm(shapes, p + ".branch1.1", u.in());
                shapes.put(p + ".branch1.2.weight", new int[] {b, u.in(), 1, 1});
                ShuffleNetV1.putBatchNorm(shapes, p + ".branch1.3", b);
            }
            shapes.put(p + ".branch2.0.weight", new int[] {b, u.stride() == 2 ? u.in() : b, 1, 1});
            ShuffleNetV1.putBatchNorm(shapes, p + ".branch2.1", b);
            shapes.put(p + ".branch2.3.weight", new int[] {b, 1, 3, 3});
            ShuffleNetV1.putBatchNorm(shapes, p + ".branch2.4", b);
            shapes.put(p + ".branch2.5.weight", new int[] {b, b, 1, 1});
            ShuffleNetV1.putBatchNorm(shapes, p + ".branch2.6", b);
        }
        shapes.put("conv5.0.weight", new int[] {c[4], c[3], 1, 1});
        ShuffleNetV1.putBatchNorm(shapes, "conv5.1", c[4]);
        shapes.put("fc.weight", new int[] {a.numClasses(), c[4]});
        shapes.put("fc.bias", new int[] {a.numClasses()});
        return shapes;
    }
}
