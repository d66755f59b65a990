package dev.shufflespark.io.onnx;

import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.layer.Shape;
import java.util.Arrays;
import java.util.Set;

/** Convolution, normalisation and activation functions: Conv (1-D and 2-D), BatchNormalization, Relu, Clip. */
final class ConvolutionOperators implements OperatorFamily {
    static final Set<String> OPERATORS = Set.of("Conv", "BatchNormalization", "Relu", "Clip");

    private final ImportContext ctx;

    ConvolutionOperators(ImportContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void apply(OnnxNode n, Activation x, NodeInputs in) {
        switch (n.op) {
            case "Conv" -> conv(n, x, in);
            case "BatchNormalization" -> batchNorm(n, x, in);
            case "Relu" -> relu(n, x);
            case "Clip" -> clip(n, x, in);
            default -> throw new IllegalArgumentException(n.op);
        }
    }

    private void conv(OnnxNode n, Activation x, NodeInputs in) {
        int spatial = x.dims().length - 1;
        if (spatial != 1 && spatial != 2) {
            throw n.error("only 1-D and 2-D convolutions are supported; the input is " + Arrays.toString(x.dims())
                    + " per image");
        }
        Constant w = in.constant(1, "weight");
        Constant b = in.optionalConstant(2, "bias");
        Shape s = ctx.shape(x.value());
        int cin = s.channels();
        int group = (int) n.attrInt("group", 1);
        if (w.rank() != spatial + 2) {
            throw n.error("weight " + w.describe() + " does not fit a " + spatial + "-D convolution");
        }
        int cout = (int) w.dims[0];
        int kh = spatial == 2 ? (int) w.dims[2] : 1;
        int kw = (int) w.dims[spatial + 1];
        if (group < 1 || w.dims[1] * group != cin || cout % group != 0) {
            throw n.error("weight " + w.describe() + " with group " + group + " does not fit an input of " + cin
                    + " channels");
        }
        WindowAttributes.checkKernelShape(n, spatial == 2 ? new long[] {kh, kw} : new long[] {kw});
        WindowAttributes.checkDilations(n, spatial);
        long[] strides = n.attrInts("strides", spatial, 1);
        int sh = spatial == 2 ? (int) strides[0] : 1;
        int sw = (int) strides[spatial - 1];
        int[] pads = WindowAttributes.pads(n, spatial, s, new int[] {kh, kw}, new int[] {sh, sw}, ctx.spatialKnown());
        if (x.kind() == Activation.Kind.PADDED) {
            for (int i = 0; i < 4; i++) {
                pads[i] += x.pads()[i];
            }
        } else {
            ctx.plain(x, "the input");
        }
        float[] bias = null;
        if (b != null) {
            if (b.size() != cout) {
                throw n.error("bias " + b.describe() + " does not fit " + cout + " output channels");
            }
            bias = b.floatValues(n.label + " bias");
        }
        Conv2d conv = new Conv2d(ctx.layerName(n), cin, cout, kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3],
                group, w.floatValues(n.label + " weight"), bias, false, false);
        Activation out = ctx.result(ctx.emit(conv, x.value()));
        ctx.define(n, 0, spatial == 2 ? out : ctx.relabel(n, out, new long[] {out.dims()[0], out.dims()[2]}));
    }

    private void batchNorm(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        if (n.attrInt("training_mode", 0) != 0) {
            throw n.error("training_mode 1 is not supported (inference only)");
        }
        if (n.has("spatial") && n.attrInt("spatial", 1) == 0) {
            throw n.error("spatial 0 (per-element statistics) is not supported");
        }
        ctx.unusedOutputs(n, "a training statistic");
        int c = ctx.shape(x.value()).channels();
        float[][] p = new float[4][];
        String[] what = {"scale", "bias", "mean", "variance"};
        for (int i = 0; i < 4; i++) {
            Constant t = in.constant(i + 1, what[i]);
            if (t.size() != c) {
                throw n.error(what[i] + " " + t.describe() + " does not fit " + c + " channels");
            }
            p[i] = t.floatValues(n.label + " " + what[i]);
        }
        float eps = n.attrFloat("epsilon", 1e-5f);
        int v = ctx.emit(new BatchNorm2d(ctx.layerName(n), p[0], p[1], p[2], p[3], eps), x.value());
        ctx.define(n, 0, Activation.plain(v, x.dims()));
    }

    private void relu(OnnxNode n, Activation x) {
        x = ctx.plain(x, "the input");
        int v = ctx.emit(new Relu(ctx.layerName(n)), x.value());
        ctx.define(n, 0, Activation.plain(v, x.dims()));
    }

    private void clip(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        float min;
        float max;
        if (ctx.opset < 11) {
            min = n.attrFloat("min", -Float.MAX_VALUE);
            max = n.attrFloat("max", Float.MAX_VALUE);
        } else {
            Constant lo = in.optionalConstant(1, "min");
            Constant hi = in.optionalConstant(2, "max");
            min = lo == null ? Float.NEGATIVE_INFINITY : (float) lo.doubleAt(0, n.label + " min");
            max = hi == null ? Float.POSITIVE_INFINITY : (float) hi.doubleAt(0, n.label + " max");
        }
        // A clip at zero without an upper bound is a ReLU, which fuses into the layer before it.
        boolean relu = min == 0 && max >= Float.MAX_VALUE;
        int v = ctx.emit(relu ? new Relu(ctx.layerName(n)) : new Clip(ctx.layerName(n), min, max), x.value());
        ctx.define(n, 0, Activation.plain(v, x.dims()));
    }
}
