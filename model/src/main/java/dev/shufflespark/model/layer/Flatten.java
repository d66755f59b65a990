package dev.shufflespark.model.layer;

/**
 * Flattens each image: [C, H, W] to [C * H * W, 1, 1], feature {@code (c * H + y) * W + x} being channel c's
 * pixel (y, x), as ONNX's Flatten with axis 1 and PyTorch's {@code flatten(1)}. When {@code H * W == 1} the
 * layer is a view and moves nothing.
 */
public final class Flatten implements Layer {
    private final String name;

    public Flatten(String name) {
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
        return new Shape(in[0].size(), 1, 1);
    }

    @Override
    public int[] viewMap(Shape[] in) {
        if (in[0].planeSize() != 1) {
            return null;
        }
        int[] map = new int[in[0].channels()];
        for (int c = 0; c < map.length; c++) {
            map[c] = c;
        }
        return map;
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final Activation x = in[0];
        final int channels = x.shape().channels();
        final int hw = x.shape().planeSize();
        final int[] inPlanes = x.planes();
        final int[] outPlanes = out.planes();
        final boolean contiguous = out.contiguous();
        return (frame, batch) -> {
            float[] src = x.buffer(frame);
            float[] dst = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                int inBase = x.base(frame, n);
                int outBase = out.base(frame, n);
                for (int c = 0; c < channels; c++) {
                    int from = inBase + inPlanes[c];
                    if (contiguous) {
                        System.arraycopy(src, from, dst, outBase + outPlanes[0] + c * hw, hw);
                    } else {
                        for (int i = 0; i < hw; i++) {
                            dst[outBase + outPlanes[c * hw + i]] = src[from + i];
                        }
                    }
                }
            }
        };
    }
}
