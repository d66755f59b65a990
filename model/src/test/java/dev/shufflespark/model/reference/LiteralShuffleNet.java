package dev.shufflespark.model.reference;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Tensor;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.shufflenet.ShuffleNetV1;
import dev.shufflespark.model.shufflenet.ShuffleNetV2;

/**
 * ShuffleNet v1 and V2 written out literally, the way the papers and torchvision describe them: every op is a
 * plain nested loop over an NCHW tensor of doubles, with no fusion, folding, reordering or other cleverness.
 * It is slow on purpose. It is the source of truth the engine is tested against, so it shares no code with
 * the engine: only the channel layout ({@link ShuffleNetV1#layout}, {@link ShuffleNetV1#units},
 * {@link ShuffleNetV2#units}, {@link ShuffleNetV2#stageOutChannels}) and {@link Weights}.
 *
 * <p>Activations are held and accumulated in double; the float32 weights and input convert to double
 * exactly, so the only rounding is double rounding, far below float32's.
 */
public final class LiteralShuffleNet {
    /** BatchNorm epsilon, PyTorch's default. */
    static final double BN_EPS = 1e-5;

    private LiteralShuffleNet() {
    }

    /** An NCHW tensor of doubles. */
    static final class Nchw {
        final int n;
        final int c;
        final int h;
        final int w;
        final double[] data;

        Nchw(int n, int c, int h, int w) {
            if (n < 1 || c < 1 || h < 1 || w < 1) {
                throw new IllegalArgumentException("bad NCHW shape " + n + "x" + c + "x" + h + "x" + w);
            }
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
            this.data = new double[Math.multiplyExact(Math.multiplyExact(n, c), Math.multiplyExact(h, w))];
        }

        static Nchw of(int n, int c, int h, int w, double... values) {
            Nchw t = new Nchw(n, c, h, w);
            if (values.length != t.data.length) {
                throw new IllegalArgumentException("need " + t.data.length + " values, got " + values.length);
            }
            System.arraycopy(values, 0, t.data, 0, values.length);
            return t;
        }

        int index(int b, int ch, int y, int x) {
            return ((b * c + ch) * h + y) * w + x;
        }

        double get(int b, int ch, int y, int x) {
            return data[index(b, ch, y, x)];
        }

        void set(int b, int ch, int y, int x, double v) {
            data[index(b, ch, y, x)] = v;
        }

        @Override
        public String toString() {
            return "Nchw[" + n + ", " + c + ", " + h + ", " + w + "]";
        }
    }

    // ---------------------------------------------------------------------------------------------- networks

    /**
     * Runs the network on {@code input} {@code [n, 3, h, width]} (NCHW, row-major) and returns the logits
     * {@code [n, numClasses]}.
     */
    public static float[] forward(Architecture arch, Weights w, float[] input, int n, int h, int width) {
        double[] logits = logits(arch, w, input, n, h, width);
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) logits[i];
        }
        return out;
    }

    /**
     * The pooled features of {@code input}: the output of the global average pool before the classifier,
     * {@code [n, c]} (960 channels for v1 g3 1x, 1024 for V2 1.0x), rounded to float32 at the end.
     */
    public static float[] pooled(Architecture arch, Weights w, float[] input, int n, int h, int width) {
        Nchw x = tensor(input, n, h, width);
        Nchw pooled = arch.family() == Architecture.Family.V1 ? v1Pooled(arch, w, x) : v2Pooled(arch, w, x);
        float[] out = new float[pooled.data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) pooled.data[i];
        }
        return out;
    }

    private static Nchw tensor(float[] input, int n, int h, int width) {
        long expected = 3L * n * h * width;
        if (input.length != expected) {
            throw new IllegalArgumentException("input of [" + n + ", 3, " + h + ", " + width + "] needs " + expected
                    + " values, got " + input.length);
        }
        Nchw x = new Nchw(n, 3, h, width);
        for (int i = 0; i < input.length; i++) {
            x.data[i] = input[i];
        }
        return x;
    }

    /** {@link #forward} before the final rounding to float32. */
    static double[] logits(Architecture arch, Weights w, float[] input, int n, int h, int width) {
        Nchw x = tensor(input, n, h, width);
        Nchw logits = arch.family() == Architecture.Family.V1 ? v1(arch, w, x) : v2(arch, w, x);
        if (logits.c != arch.numClasses() || logits.h != 1 || logits.w != 1) {
            throw new IllegalStateException("logits have shape " + logits + ", expected [" + n + ", "
                    + arch.numClasses() + ", 1, 1]");
        }
        return logits.data;
    }

    /** ShuffleNet v1, as the Javadoc of {@link ShuffleNetV1} and the paper's Figure 2 and Table 1 describe it. */
    static Nchw v1(Architecture arch, Weights w, Nchw input) {
        return linear(v1Pooled(arch, w, input), w.get("fc.weight"), w.get("fc.bias"));
    }

    /** v1 up to its global average pool: the pooled features, [n, c, 1, 1]. */
    static Nchw v1Pooled(Architecture arch, Weights w, Nchw input) {
        ShuffleNetV1.Layout layout = ShuffleNetV1.layout(arch);
        Nchw x = conv2d(input, w.get("conv1.weight"), 2, 1, 1);
        x = batchNorm(x, w, "bn1");
        x = relu(x);
        x = maxPool(x, 3, 2, 1);
        for (ShuffleNetV1.Unit u : ShuffleNetV1.units(layout)) {
            String p = u.prefix() + ".";
            Nchw y = conv2d(x, w.get(p + "conv1.weight"), 1, 0, u.firstGroups());
            y = batchNorm(y, w, p + "bn1");
            y = relu(y);
            y = channelShuffle(y, u.groups());
            y = conv2d(y, w.get(p + "conv2.weight"), u.stride(), 1, u.bottleneck());
            y = batchNorm(y, w, p + "bn2");
            y = conv2d(y, w.get(p + "conv3.weight"), 1, 0, u.groups());
            y = batchNorm(y, w, p + "bn3");
            if (u.stride() == 1) {
                x = relu(add(x, y));
            } else {
                x = relu(concat(avgPool(x, 3, 2, 1), y));
            }
        }
        return meanHW(x);
    }

    /** ShuffleNet V2 as torchvision's {@code ShuffleNetV2} and {@code InvertedResidual} run it. */
    static Nchw v2(Architecture arch, Weights w, Nchw input) {
        return linear(v2Pooled(arch, w, input), w.get("fc.weight"), w.get("fc.bias"));
    }

    /** V2 up to its global average pool (torchvision's {@code x.mean([2, 3])}): the pooled features. */
    static Nchw v2Pooled(Architecture arch, Weights w, Nchw input) {
        Nchw x = conv2d(input, w.get("conv1.0.weight"), 2, 1, 1);
        x = batchNorm(x, w, "conv1.1");
        x = relu(x);
        x = maxPool(x, 3, 2, 1);
        for (ShuffleNetV2.Unit u : ShuffleNetV2.units(arch)) {
            String p = u.prefix() + ".";
            Nchw out;
            if (u.stride() == 1) {
                Nchw[] halves = chunk2(x);
                out = concat(halves[0], v2Branch2(halves[1], w, p, 1));
            } else {
                out = concat(v2Branch1(x, w, p, u.stride()), v2Branch2(x, w, p, u.stride()));
            }
            x = channelShuffle(out, 2);
        }
        x = conv2d(x, w.get("conv5.0.weight"), 1, 0, 1);
        x = batchNorm(x, w, "conv5.1");
        x = relu(x);
        return meanHW(x);
    }

    private static Nchw v2Branch1(Nchw x, Weights w, String p, int stride) {
        Nchw y = conv2d(x, w.get(p + "branch1.0.weight"), stride, 1, x.c);
        y = batchNorm(y, w, p + "branch1.1");
        y = conv2d(y, w.get(p + "branch1.2.weight"), 1, 0, 1);
        y = batchNorm(y, w, p + "branch1.3");
        return relu(y);
    }

    private static Nchw v2Branch2(Nchw x, Weights w, String p, int stride) {
        Nchw y = conv2d(x, w.get(p + "branch2.0.weight"), 1, 0, 1);
        y = batchNorm(y, w, p + "branch2.1");
        y = relu(y);
        Tensor dw = w.get(p + "branch2.3.weight");
        y = conv2d(y, dw, stride, 1, dw.dim(0));
        y = batchNorm(y, w, p + "branch2.4");
        y = conv2d(y, w.get(p + "branch2.5.weight"), 1, 0, 1);
        y = batchNorm(y, w, p + "branch2.6");
        return relu(y);
    }

    // ---------------------------------------------------------------------------------------------- ops

    /** A 2-D convolution without bias. weight {@code [Cout, Cin/groups, kH, kW]}; zero padding. */
    static Nchw conv2d(Nchw x, Tensor weight, int stride, int pad, int groups) {
        if (weight.rank() != 4) {
            throw new IllegalArgumentException("conv weight must be [Cout, Cin/groups, kH, kW], got " + weight);
        }
        int cout = weight.dim(0);
        int cinPerGroup = weight.dim(1);
        int kh = weight.dim(2);
        int kw = weight.dim(3);
        if (x.c % groups != 0 || cout % groups != 0 || x.c / groups != cinPerGroup) {
            throw new IllegalArgumentException("conv of " + x + " with weight " + weight + " and " + groups
                    + " groups: channels do not divide");
        }
        int coutPerGroup = cout / groups;
        int oh = (x.h + 2 * pad - kh) / stride + 1;
        int ow = (x.w + 2 * pad - kw) / stride + 1;
        float[] wd = weight.data();
        Nchw out = new Nchw(x.n, cout, oh, ow);
        for (int b = 0; b < x.n; b++) {
            for (int oc = 0; oc < cout; oc++) {
                int g = oc / coutPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = 0;
                        for (int ic = 0; ic < cinPerGroup; ic++) {
                            int inChannel = g * cinPerGroup + ic;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * stride - pad + ky;
                                if (iy < 0 || iy >= x.h) {
                                    continue;
                                }
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * stride - pad + kx;
                                    if (ix < 0 || ix >= x.w) {
                                        continue;
                                    }
                                    double wv = wd[((oc * cinPerGroup + ic) * kh + ky) * kw + kx];
                                    sum += x.get(b, inChannel, iy, ix) * wv;
                                }
                            }
                        }
                        out.set(b, oc, oy, ox, sum);
                    }
                }
            }
        }
        return out;
    }

    /** Inference BatchNorm with {@code prefix.weight}, {@code .bias}, {@code .running_mean}, {@code .running_var}. */
    static Nchw batchNorm(Nchw x, Weights w, String prefix) {
        float[] gamma = channelVector(w, prefix + ".weight", x.c);
        float[] beta = channelVector(w, prefix + ".bias", x.c);
        float[] mean = channelVector(w, prefix + ".running_mean", x.c);
        float[] var = channelVector(w, prefix + ".running_var", x.c);
        Nchw out = new Nchw(x.n, x.c, x.h, x.w);
        for (int b = 0; b < x.n; b++) {
            for (int ch = 0; ch < x.c; ch++) {
                double sd = Math.sqrt((double) var[ch] + BN_EPS);
                for (int y = 0; y < x.h; y++) {
                    for (int xx = 0; xx < x.w; xx++) {
                        double v = (x.get(b, ch, y, xx) - mean[ch]) / sd * gamma[ch] + beta[ch];
                        out.set(b, ch, y, xx, v);
                    }
                }
            }
        }
        return out;
    }

    private static float[] channelVector(Weights w, String name, int channels) {
        Tensor t = w.get(name);
        if (!t.hasShape(channels)) {
            throw new IllegalArgumentException(name + " is " + t + ", expected [" + channels + "]");
        }
        return t.data();
    }

    static Nchw relu(Nchw x) {
        Nchw out = new Nchw(x.n, x.c, x.h, x.w);
        for (int i = 0; i < x.data.length; i++) {
            out.data[i] = Math.max(0.0, x.data[i]);
        }
        return out;
    }

    /** reshape(n, g, c/g, h, w), transpose(1, 2), reshape(n, c, h, w). */
    static Nchw channelShuffle(Nchw x, int groups) {
        if (x.c % groups != 0) {
            throw new IllegalArgumentException("cannot shuffle " + x.c + " channels in " + groups + " groups");
        }
        int perGroup = x.c / groups;
        Nchw out = new Nchw(x.n, x.c, x.h, x.w);
        for (int b = 0; b < x.n; b++) {
            for (int g = 0; g < groups; g++) {
                for (int j = 0; j < perGroup; j++) {
                    // element [b, g, j] of the reshaped tensor is element [b, j, g] after the transpose
                    int from = g * perGroup + j;
                    int to = j * groups + g;
                    for (int y = 0; y < x.h; y++) {
                        for (int xx = 0; xx < x.w; xx++) {
                            out.set(b, to, y, xx, x.get(b, from, y, xx));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Max pooling; padded positions count as minus infinity. */
    static Nchw maxPool(Nchw x, int k, int stride, int pad) {
        int oh = (x.h + 2 * pad - k) / stride + 1;
        int ow = (x.w + 2 * pad - k) / stride + 1;
        Nchw out = new Nchw(x.n, x.c, oh, ow);
        for (int b = 0; b < x.n; b++) {
            for (int ch = 0; ch < x.c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                double v = iy < 0 || iy >= x.h || ix < 0 || ix >= x.w
                                        ? Double.NEGATIVE_INFINITY
                                        : x.get(b, ch, iy, ix);
                                m = Math.max(m, v);
                            }
                        }
                        out.set(b, ch, oy, ox, m);
                    }
                }
            }
        }
        return out;
    }

    /** Average pooling with count_include_pad=True: padded positions are zeros and every window divides by k*k. */
    static Nchw avgPool(Nchw x, int k, int stride, int pad) {
        int oh = (x.h + 2 * pad - k) / stride + 1;
        int ow = (x.w + 2 * pad - k) / stride + 1;
        Nchw out = new Nchw(x.n, x.c, oh, ow);
        for (int b = 0; b < x.n; b++) {
            for (int ch = 0; ch < x.c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double sum = 0;
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * stride - pad + ky;
                                int ix = ox * stride - pad + kx;
                                if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) {
                                    sum += x.get(b, ch, iy, ix);
                                }
                            }
                        }
                        out.set(b, ch, oy, ox, sum / (k * k));
                    }
                }
            }
        }
        return out;
    }

    static Nchw add(Nchw a, Nchw b) {
        if (a.n != b.n || a.c != b.c || a.h != b.h || a.w != b.w) {
            throw new IllegalArgumentException("cannot add " + a + " and " + b);
        }
        Nchw out = new Nchw(a.n, a.c, a.h, a.w);
        for (int i = 0; i < a.data.length; i++) {
            out.data[i] = a.data[i] + b.data[i];
        }
        return out;
    }

    /** torch.cat((a, b), dim=1). */
    static Nchw concat(Nchw a, Nchw b) {
        if (a.n != b.n || a.h != b.h || a.w != b.w) {
            throw new IllegalArgumentException("cannot concatenate " + a + " and " + b);
        }
        Nchw out = new Nchw(a.n, a.c + b.c, a.h, a.w);
        for (int n = 0; n < a.n; n++) {
            for (int ch = 0; ch < out.c; ch++) {
                for (int y = 0; y < a.h; y++) {
                    for (int x = 0; x < a.w; x++) {
                        double v = ch < a.c ? a.get(n, ch, y, x) : b.get(n, ch - a.c, y, x);
                        out.set(n, ch, y, x, v);
                    }
                }
            }
        }
        return out;
    }

    /** x.chunk(2, dim=1) for an even channel count: the first and the second half of the channels. */
    static Nchw[] chunk2(Nchw x) {
        if (x.c % 2 != 0) {
            throw new IllegalArgumentException("cannot split " + x.c + " channels into equal halves");
        }
        int half = x.c / 2;
        Nchw first = new Nchw(x.n, half, x.h, x.w);
        Nchw second = new Nchw(x.n, half, x.h, x.w);
        for (int n = 0; n < x.n; n++) {
            for (int ch = 0; ch < half; ch++) {
                for (int y = 0; y < x.h; y++) {
                    for (int xx = 0; xx < x.w; xx++) {
                        first.set(n, ch, y, xx, x.get(n, ch, y, xx));
                        second.set(n, ch, y, xx, x.get(n, half + ch, y, xx));
                    }
                }
            }
        }
        return new Nchw[] {first, second};
    }

    /** x.mean([2, 3]), kept as [n, c, 1, 1]. */
    static Nchw meanHW(Nchw x) {
        Nchw out = new Nchw(x.n, x.c, 1, 1);
        for (int n = 0; n < x.n; n++) {
            for (int ch = 0; ch < x.c; ch++) {
                double sum = 0;
                for (int y = 0; y < x.h; y++) {
                    for (int xx = 0; xx < x.w; xx++) {
                        sum += x.get(n, ch, y, xx);
                    }
                }
                out.set(n, ch, 0, 0, sum / ((double) x.h * x.w));
            }
        }
        return out;
    }

    /** x W^T + b for x [n, in, 1, 1], weight [out, in], bias [out]; the result is [n, out, 1, 1]. */
    static Nchw linear(Nchw x, Tensor weight, Tensor bias) {
        if (x.h != 1 || x.w != 1 || weight.rank() != 2 || weight.dim(1) != x.c || !bias.hasShape(weight.dim(0))) {
            throw new IllegalArgumentException("linear of " + x + " with weight " + weight + " and bias " + bias);
        }
        int outFeatures = weight.dim(0);
        float[] wd = weight.data();
        float[] bd = bias.data();
        Nchw out = new Nchw(x.n, outFeatures, 1, 1);
        for (int n = 0; n < x.n; n++) {
            for (int o = 0; o < outFeatures; o++) {
                double sum = bd[o];
                for (int i = 0; i < x.c; i++) {
                    sum += x.get(n, i, 0, 0) * wd[o * x.c + i];
                }
                out.set(n, o, 0, 0, sum);
            }
        }
        return out;
    }
}
