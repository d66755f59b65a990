package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** Fully connected: {@code y = W x + b} on a [in, 1, 1] input, weights [out, in]. */
public final class Linear implements Layer {
    private final String name;
    private final int inFeatures;
    private final int outFeatures;
    private final float[] weight; // [out, in]
    private final float[] bias; // [out] or null

    public Linear(String name, int inFeatures, int outFeatures, float[] weight, float[] bias) {
        if (weight.length != (long) inFeatures * outFeatures || (bias != null && bias.length != outFeatures)) {
            throw new IllegalArgumentException("Linear '" + name + "': weight [" + outFeatures + ", " + inFeatures
                    + "] and bias [" + outFeatures + "] expected");
        }
        this.name = name;
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = weight;
        this.bias = bias;
    }

    @Override
    public String name() {
        return name;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** Weights [out, in], row-major; callers must not modify them. */
    public float[] weight() {
        return weight;
    }

    /** Bias [out], or null. */
    public float[] bias() {
        return bias;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || !in[0].equals(new Shape(inFeatures, 1, 1))) {
            throw Layer.badInput(this, "[" + inFeatures + ", 1, 1]", in);
        }
        return new Shape(outFeatures, 1, 1);
    }

    @Override
    public long multiplyAdds(Shape[] in) {
        return (long) inFeatures * outFeatures;
    }

    @Override
    public int scratchFloats(Shape[] in) {
        return inFeatures + outFeatures;
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final Activation x = in[0];
        final boolean gather = !x.contiguous();
        final boolean scatter = !out.contiguous();
        final int[] inPlanes = x.planes();
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] src = x.buffer(frame);
            float[] dst = out.buffer(frame);
            float[] tmp = frame.scratch;
            if (!gather && !scatter) {
                // all images in one call: each block of weight rows is read once for the batch
                Kernels.linear(weight, bias, src, x.base(frame, 0) + inPlanes[0], x.imageStride(), dst,
                        out.base(frame, 0) + outPlanes[0], out.imageStride(), inFeatures, outFeatures, batch);
                return;
            }
            for (int n = 0; n < batch; n++) {
                float[] xs = src;
                int xOff = x.base(frame, n) + inPlanes[0];
                if (gather) {
                    for (int i = 0; i < inFeatures; i++) {
                        tmp[i] = src[x.base(frame, n) + inPlanes[i]];
                    }
                    xs = tmp;
                    xOff = 0;
                }
                if (scatter) {
                    Kernels.linear(weight, bias, xs, xOff, tmp, inFeatures, inFeatures, outFeatures);
                    for (int o = 0; o < outFeatures; o++) {
                        dst[out.base(frame, n) + outPlanes[o]] = tmp[inFeatures + o];
                    }
                } else {
                    Kernels.linear(weight, bias, xs, xOff, dst, out.base(frame, n) + outPlanes[0], inFeatures,
                            outFeatures);
                }
            }
        };
    }
}
