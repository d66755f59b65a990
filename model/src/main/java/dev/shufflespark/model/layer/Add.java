package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** Element-wise sum of two inputs of the same shape, with an optional fused ReLU. */
public final class Add implements Layer {
    private final String name;
    private final boolean relu;

    public Add(String name, boolean relu) {
        this.name = name;
        this.relu = relu;
    }

    @Override
    public String name() {
        return name;
    }

    public boolean relu() {
        return relu;
    }

    public Add withRelu() {
        return new Add(name, true);
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 2 || !in[0].equals(in[1])) {
            throw Layer.badInput(this, "two inputs of the same shape", in);
        }
        return in[0];
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final Activation a = in[0];
        final Activation b = in[1];
        final int hw = out.shape().planeSize();
        final int channels = out.shape().channels();
        return (frame, batch) -> {
            float[] x = a.buffer(frame);
            float[] y = b.buffer(frame);
            float[] z = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                for (int c = 0; c < channels; c++) {
                    Kernels.add(x, a.base(frame, n) + a.planes()[c], y, b.base(frame, n) + b.planes()[c],
                            z, out.base(frame, n) + out.planes()[c], hw, relu);
                }
            }
        };
    }
}
