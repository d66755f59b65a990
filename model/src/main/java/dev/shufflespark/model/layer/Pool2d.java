package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/**
 * Max or average pooling over a square window. Average pooling divides by the full window when
 * {@code countIncludePad} (PyTorch's default, ONNX's count_include_pad=1), else by the in-bounds taps; it can
 * apply a fused ReLU. The padding at the top and left is {@code padding}; the bottom and right may have more or
 * less (ONNX's asymmetric pads, SAME auto-padding, ceil mode, or a Pad merged into the pool).
 */
public final class Pool2d implements Layer {
    public enum Kind { MAX, AVERAGE }

    private final String name;
    private final Kind kind;
    private final int kernel;
    private final int stride;
    private final int padding; // top and left
    private final int padBottom;
    private final int padRight;
    private final boolean countIncludePad;
    private final boolean relu;

    public Pool2d(String name, Kind kind, int kernel, int stride, int padding, boolean countIncludePad, boolean relu) {
        this(name, kind, kernel, stride, padding, padding, padding, countIncludePad, relu);
    }

    /** A pool with {@code padding} at the top and left, and its own padding at the bottom and right. */
    public Pool2d(String name, Kind kind, int kernel, int stride, int padding, int padBottom, int padRight,
                  boolean countIncludePad, boolean relu) {
        if (kernel < 1 || stride < 1 || padding < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("Pool2d '" + name + "': kernel " + kernel + ", stride " + stride
                    + " and padding " + padding + "," + padBottom + "," + padRight
                    + " must be positive, positive and non-negative");
        }
        if (relu && kind == Kind.MAX) {
            throw new IllegalArgumentException("Pool2d '" + name + "': a fused ReLU is for average pooling only");
        }
        this.name = name;
        this.kind = kind;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.padBottom = padBottom;
        this.padRight = padRight;
        this.countIncludePad = countIncludePad;
        this.relu = relu;
    }

    public static Pool2d max(String name, int kernel, int stride, int padding) {
        return new Pool2d(name, Kind.MAX, kernel, stride, padding, false, false);
    }

    public static Pool2d average(String name, int kernel, int stride, int padding, boolean countIncludePad) {
        return new Pool2d(name, Kind.AVERAGE, kernel, stride, padding, countIncludePad, false);
    }

    public Kind kind() {
        return kind;
    }

    public boolean relu() {
        return relu;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    /** Padding at the top and at the left. */
    public int padding() {
        return padding;
    }

    public int padBottom() {
        return padBottom;
    }

    public int padRight() {
        return padRight;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    public Pool2d withRelu() {
        return new Pool2d(name, kind, kernel, stride, padding, padBottom, padRight, countIncludePad, true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || in[0].height() + padding + padBottom < kernel
                || in[0].width() + padding + padRight < kernel) {
            throw Layer.badInput(this, "one input of at least " + (kernel - padding - padBottom) + "x"
                    + (kernel - padding - padRight), in);
        }
        return new Shape(in[0].channels(), (in[0].height() + padding + padBottom - kernel) / stride + 1,
                (in[0].width() + padding + padRight - kernel) / stride + 1);
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        final Activation src = in[0];
        final int h = src.shape().height();
        final int w = src.shape().width();
        final int oh = out.shape().height();
        final int ow = out.shape().width();
        final int channels = out.shape().channels();
        final int[] inPlanes = src.planes();
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] a = src.buffer(frame);
            float[] b = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                for (int c = 0; c < channels; c++) {
                    int inOff = src.base(frame, n) + inPlanes[c];
                    int outOff = out.base(frame, n) + outPlanes[c];
                    if (kind == Kind.MAX) {
                        Kernels.maxPool(a, inOff, h, w, b, outOff, oh, ow, kernel, stride, padding);
                    } else {
                        Kernels.avgPool(a, inOff, h, w, b, outOff, oh, ow, kernel, stride, padding, countIncludePad, relu);
                    }
                }
            }
        };
    }

    @Override
    public String toString() {
        return "Pool2d(" + name + ": " + kind + " " + kernel + "x" + kernel + "/s" + stride + "/p" + padding
                + (padBottom != padding || padRight != padding ? "," + padBottom + "," + padRight : "")
                + (kind == Kind.AVERAGE && !countIncludePad ? ", exclude pad" : "")
                + (relu ? ", relu" : "") + ")";
    }
}
