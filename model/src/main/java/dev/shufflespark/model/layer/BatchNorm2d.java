package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/** Inference BatchNorm: {@code (x - mean) / sqrt(var + eps) * gamma + beta}, per channel. */
public final class BatchNorm2d implements Layer {
    private final String name;
    private final float[] gamma;
    private final float[] beta;
    private final float[] mean;
    private final float[] var;
    private final float eps;
    private final float[] scale;
    private final float[] shift;

    public BatchNorm2d(String name, float[] gamma, float[] beta, float[] mean, float[] var, float eps) {
        int c = gamma.length;
        if (beta.length != c || mean.length != c || var.length != c) {
            throw new IllegalArgumentException("BatchNorm2d '" + name + "': parameters of different lengths");
        }
        this.name = name;
        this.gamma = gamma;
        this.beta = beta;
        this.mean = mean;
        this.var = var;
        this.eps = eps;
        this.scale = new float[c];
        this.shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gamma[i] / Math.sqrt((double) var[i] + eps);
            scale[i] = (float) s;
            shift[i] = (float) (beta[i] - mean[i] * s);
        }
    }

    @Override
    public String name() {
        return name;
    }

    public int channels() {
        return gamma.length;
    }

    /** The parameters as given (callers must not modify them): scale, bias, running mean and variance. */
    public float[] gamma() {
        return gamma;
    }

    public float[] beta() {
        return beta;
    }

    public float[] mean() {
        return mean;
    }

    public float[] var() {
        return var;
    }

    public float eps() {
        return eps;
    }

    /** Per channel: {@code gamma / sqrt(var + eps)}, computed in double. */
    public double scale(int c) {
        return gamma[c] / Math.sqrt((double) var[c] + eps);
    }

    /** Per channel: {@code beta - mean * scale}, computed in double. */
    public double shift(int c) {
        return beta[c] - mean[c] * scale(c);
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || in[0].channels() != gamma.length) {
            throw Layer.badInput(this, "[" + gamma.length + ", H, W]", in);
        }
        return in[0];
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        return PerPlane.map(in[0], out, (src, srcOff, dst, dstOff, hw, c) ->
                Kernels.scaleShift(src, srcOff, dst, dstOff, hw, scale[c], shift[c], false));
    }
}
