package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** The mean of each channel over H and W: [C, H, W] to [C, 1, 1]. */
public final class GlobalAvgPool implements Layer {
    private final String name;

    public GlobalAvgPool(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1) {
            throw Layer.badInput(this, "one input", in);
        }
        return new Shape(in[0].channels(), 1, 1);
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final float inv = 1f / in[0].shape().planeSize();
        return PerPlane.map(in[0], out, (src, srcOff, dst, dstOff, hw, c) ->
                dst[dstOff] = Kernels.sum(src, srcOff, hw) * inv);
    }
}
