package dev.shufflespark.model.shufflenet;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.plan.Graph;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ShuffleNet v1 (Zhang et al., CVPR 2018, Table 1): a 3x3/s2 stem conv + BN + ReLU and a 3x3/s2 max pool,
 * then stages 2-4 of 4, 8 and 4 units, global average pooling and a fully connected layer.
 *
 * <p>A unit is a 1x1 group conv to the bottleneck (a quarter of the unit's output) + BN + ReLU, a channel
 * shuffle, a depthwise 3x3 (stride s) + BN, and a 1x1 group conv + BN. A stride-1 unit adds its input and
 * applies ReLU; the first unit of each stage has stride 2 and concatenates a 3x3/s2/p1 average pool of its
 * input (count_include_pad) before the ReLU, so its branch produces output minus input channels. The first
 * 1x1 conv of stage 2 is not grouped: its input has only the stem's channels.
 *
 * <p>Width multipliers scale every layer, the stem included (but not below 12 channels, which reproduces the
 * paper's 13 M multiply-adds at 0.25x). Stage-2 channels are rounded to a multiple of 4g and the stem up to a
 * multiple of g, so every grouped layer divides evenly; at the paper's settings (1x, 0.5x, 0.25x with g = 3,
 * and 1x for every g) nothing is rounded.
 *
 * <p>Tensor names: {@code conv1.weight}, {@code bn1.*}, {@code stageS.U.conv1.weight} (1x1 group conv),
 * {@code stageS.U.bn1.*}, {@code stageS.U.conv2.weight} (depthwise), {@code stageS.U.bn2.*},
 * {@code stageS.U.conv3.weight} (1x1 group conv), {@code stageS.U.bn3.*}, {@code fc.weight},
 * {@code fc.bias}; BatchNorm tensors are {@code weight}, {@code bias}, {@code running_mean},
 * {@code running_var} as in PyTorch. Convolutions have no bias.
 */
public final class ShuffleNetV1 {
    /** Stage-2 output channels at 1x, per group count (Table 1). */
    private static final Map<Integer, Integer> STAGE2_CHANNELS = Map.of(1, 144, 2, 200, 3, 240, 4, 272, 8, 384);
    public static final int[] STAGE_REPEATS = {4, 8, 4};
    public static final int STEM_CHANNELS = 24;
    /** The stem never narrows below 12 channels: with it, 0.25x g=3 costs the paper's 13 M multiply-adds (6 give 11 M). */
    public static final int MIN_STEM_CHANNELS = 12;
    public static final float BN_EPS = 1e-5f;

    private ShuffleNetV1() {
    }

    /** Channel counts of one v1 network. */
    public record Layout(int groups, int stemChannels, int[] stageChannels, int numClasses) {
        public int featureChannels() {
            return stageChannels[stageChannels.length - 1];
        }
    }

    /** One unit's shape: its input and output channels, stride and the groups of its first 1x1 conv. */
    public record Unit(String prefix, int in, int out, int stride, int firstGroups, int groups) {
        public int bottleneck() {
            return out / 4;
        }

        /** Channels the branch produces: all of the output, or output minus input when the input is concatenated. */
        public int branchOut() {
            return stride == 2 ? out - in : out;
        }
    }

    public static Layout layout(Architecture a) {
        int g = a.groups();
        double s = a.width().multiplier;
        int stage2 = roundToMultiple(STAGE2_CHANNELS.get(g) * s, 4 * g);
        int stem = ceilToMultiple(Math.max(MIN_STEM_CHANNELS, (int) Math.round(STEM_CHANNELS * s)), g);
        return new Layout(g, stem, new int[] {stage2, 2 * stage2, 4 * stage2}, a.numClasses());
    }

    /** The units in execution order. */
    public static Unit[] units(Layout l) {
        int count = 0;
        for (int r : STAGE_REPEATS) {
            count += r;
        }
        Unit[] units = new Unit[count];
        int in = l.stemChannels();
        int k = 0;
        for (int stage = 0; stage < STAGE_REPEATS.length; stage++) {
            int out = l.stageChannels()[stage];
            for (int i = 0; i < STAGE_REPEATS[stage]; i++) {
                int stride = i == 0 ? 2 : 1;
                int firstGroups = stage == 0 && i == 0 ? 1 : l.groups();
                units[k++] = new Unit("stage" + (stage + 2) + "." + i, in, out, stride, firstGroups, l.groups());
                in = out;
            }
        }
        return units;
    }

    /** Every tensor's name and shape, in a stable order. */
    public static Map<String, int[]> weightShapes(Architecture a) {
        Layout l = layout(a);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("conv1.weight", new int[] {l.stemChannels(), 3, 3, 3});
        putBatchNorm(shapes, "bn1", l.stemChannels());
        for (Unit u : units(l)) {
            int mid = u.bottleneck();
            shapes.put(u.prefix() + ".conv1.weight", new int[] {mid, u.in() / u.firstGroups(), 1, 1});
            putBatchNorm(shapes, u.prefix() + ".bn1", mid);
            shapes.put(u.prefix() + ".conv2.weight", new int[] {mid, 1, 3, 3});
            putBatchNorm(shapes, u.prefix() + ".bn2", mid);
            shapes.put(u.prefix() + ".conv3.weight", new int[] {u.branchOut(), mid / u.groups(), 1, 1});
            putBatchNorm(shapes, u.prefix() + ".bn3", u.branchOut());
        }
        shapes.put("fc.weight", new int[] {l.numClasses(), l.featureChannels()});
        shapes.put("fc.bias", new int[] {l.numClasses()});
        return shapes;
    }

    /** The unoptimised graph, layer for layer as the paper draws it. */
    public static Graph graph(Architecture a, Weights w) {
        w.checkAgainst(weightShapes(a));
        Layout l = layout(a);
        Blocks b = new Blocks(Graph.builder(3), w, BN_EPS);
        Graph.Builder g = b.graph();
        int x = b.relu(b.convBn(g.input(), "conv1", "bn1", 3, l.stemChannels(), 3, 2, 1, 1), "relu1");
        x = g.add(Pool2d.max("maxpool", 3, 2, 1), x);
        for (Unit u : units(l)) {
            String p = u.prefix();
            int mid = u.bottleneck();
            int y = b.relu(b.convBn(x, p + ".conv1", p + ".bn1", u.in(), mid, 1, 1, 0, u.firstGroups()), p + ".relu1");
            y = g.add(new ChannelShuffle(p + ".shuffle", mid, u.groups()), y);
            y = b.convBn(y, p + ".conv2", p + ".bn2", mid, mid, 3, u.stride(), 1, mid);
            y = b.convBn(y, p + ".conv3", p + ".bn3", mid, u.branchOut(), 1, 1, 0, u.groups());
            if (u.stride() == 1) {
                x = b.relu(g.add(new Add(p + ".add", false), x, y), p + ".relu");
            } else {
                int shortcut = g.add(Pool2d.average(p + ".avgpool", 3, 2, 1, true), x);
                x = b.relu(g.add(new Concat(p + ".concat", false), shortcut, y), p + ".relu");
            }
        }
        x = g.add(new GlobalAvgPool("avgpool"), x);
        int c = l.featureChannels();
        x = g.add(new Linear("fc", c, l.numClasses(), w.get("fc.weight", l.numClasses(), c).data(),
                w.get("fc.bias", l.numClasses()).data()), x);
        return g.build(x);
    }

    static void putBatchNorm(Map<String, int[]> shapes, String prefix, int channels) {
        for (String p : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            shapes.put(prefix + "." + p, new int[] {channels});
        }
    }

    static int roundToMultiple(double value, int m) {
        return Math.max(m, (int) Math.round(value / m) * m);
    }

    static int ceilToMultiple(int value, int m) {
        return Math.max(m, (value + m - 1) / m * m);
    }
}
