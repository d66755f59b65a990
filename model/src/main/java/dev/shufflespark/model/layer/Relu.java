package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** {@code max(x, 0)}, element-wise. */
public final class Relu implements Layer {
    private final String name;

    public Relu(String name) {
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
        return in[0];
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        return PerPlane.map(in[0], out, (src, srcOff, dst, dstOff, hw, c) ->
                Kernels.scaleShift(src, srcOff, dst, dstOff, hw, 1f, 0f, true));
    }
}
