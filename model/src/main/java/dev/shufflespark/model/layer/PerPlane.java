package dev.shufflespark.model.layer;

/** Builds steps that apply a per-channel operation plane by plane, for every image and channel. */
final class PerPlane {
    private PerPlane() {
    }

    /** One plane's work: read {@code hw} floats of channel {@code c} at {@code src[srcOff]}, write {@code dst[dstOff]}. */
    @FunctionalInterface
    interface PlaneOp {
        void apply(float[] src, int srcOff, float[] dst, int dstOff, int hw, int c);
    }

    /** A step for a same-size, per-channel map from {@code in} to {@code out}. */
    static Step map(Activation in, Activation out, PlaneOp op) {
        final int channels = out.shape().channels();
        final int hw = in.shape().planeSize();
        final int[] inPlanes = in.planes();
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                int inBase = in.base(frame, n);
                int outBase = out.base(frame, n);
                for (int c = 0; c < channels; c++) {
                    op.apply(src, inBase + inPlanes[c], dst, outBase + outPlanes[c], hw, c);
                }
            }
        };
    }

    /** For channel-re-indexing layers: output channel c copies input channel {@code map[c]}. */
    static Step copy(Activation in, Activation out, int[] map) {
        final int hw = in.shape().planeSize();
        final int[] inPlanes = in.planes();
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                int inBase = in.base(frame, n);
                int outBase = out.base(frame, n);
                for (int c = 0; c < map.length; c++) {
                    System.arraycopy(src, inBase + inPlanes[map[c]], dst, outBase + outPlanes[c], hw);
                }
            }
        };
    }
}
