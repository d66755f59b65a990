package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** Softmax over the channels of a [C, 1, 1] input. */
public final class Softmax implements Layer {
    private final String name;

    public Softmax(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || in[0].planeSize() != 1) {
            throw Layer.badInput(this, "[C, 1, 1]", in);
        }
        return in[0];
    }

    @Override
    public int scratchFloats(Shape[] in) {
        return in[0].channels();
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final Activation x = in[0];
        final int channels = x.shape().channels();
        return (frame, batch) -> {
            float[] src = x.buffer(frame);
            float[] dst = out.buffer(frame);
            float[] tmp = frame.scratch;
            for (int n = 0; n < batch; n++) {
                for (int c = 0; c < channels; c++) {
                    tmp[c] = src[x.base(frame, n) + x.planes()[c]];
                }
                Kernels.softmax(tmp, 0, channels);
                for (int c = 0; c < channels; c++) {
                    dst[out.base(frame, n) + out.planes()[c]] = tmp[c];
                }
            }
        };
    }
}
