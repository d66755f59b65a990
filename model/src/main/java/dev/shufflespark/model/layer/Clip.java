package dev.shufflespark.model.layer;

/**
 * {@code min(max(x, min), max)}, element-wise: ONNX's Clip, and ReLU6 when the bounds are 0 and 6. (A clip at
 * 0 with no upper bound is a {@link Relu}, which fuses into the layer before it; this layer does not.)
 */
public final class Clip implements Layer {
    private final String name;
    private final float min;
    private final float max;

    public Clip(String name, float min, float max) {
        if (Float.isNaN(min) || Float.isNaN(max)) {
            throw new IllegalArgumentException("Clip '" + name + "': bounds must not be NaN");
        }
        this.name = name;
        this.min = min;
        this.max = max;
    }

    @Override
    public String name() {
        return name;
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
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
        return PerPlane.map(in[0], out, (src, srcOff, dst, dstOff, hw, c) -> {
            for (int i = 0; i < hw; i++) {
                // As ONNX: max first, then min (so min > max gives max everywhere).
                dst[dstOff + i] = Math.min(Math.max(src[srcOff + i], min), max);
            }
        });
    }

    @Override
    public String toString() {
        return "Clip(" + name + ": " + min + ", " + max + ")";
    }
}
