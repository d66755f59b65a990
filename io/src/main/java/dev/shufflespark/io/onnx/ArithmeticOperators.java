package dev.shufflespark.io.onnx;

import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Softmax;
import java.util.Arrays;
import java.util.Set;

/**
 * Joins and arithmetic: Concat of channels, Add and Sum (of two activations, or of a per-channel constant folded
 * into the bias before it), the fully connected Gemm and MatMul, and Softmax.
 */
final class ArithmeticOperators implements OperatorFamily {
    static final Set<String> OPERATORS = Set.of("Concat", "Add", "Sum", "Gemm", "MatMul", "Softmax");

    private final ImportContext ctx;

    ArithmeticOperators(ImportContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void apply(OnnxNode n, Activation x, NodeInputs in) {
        switch (n.op) {
            case "Concat" -> concat(n, in);
            case "Add", "Sum" -> add(n, in);
            case "Gemm" -> gemm(n, x, in);
            case "MatMul" -> matMul(n, x, in);
            case "Softmax" -> softmax(n, x);
            default -> throw new IllegalArgumentException(n.op);
        }
    }

    private void concat(OnnxNode n, NodeInputs in) {
        int[] values = new int[in.size()];
        long channels = 0;
        Activation first = null;
        for (int i = 0; i < in.size(); i++) {
            if (!(in.get(i) instanceof Activation a)) {
                throw n.error("concatenating an activation with a value known at load time is not supported");
            }
            a = ctx.plain(a, "input " + i);
            if (first == null) {
                first = a;
            }
            if (a.rank() != first.rank()) {
                throw n.error("inputs of different ranks");
            }
            values[i] = a.value();
            channels += a.dims()[0];
        }
        if (!n.has("axis")) {
            throw n.error("has no axis attribute");
        }
        int axis = Folding.axis(n, n.attrInt("axis", 1), first.rank());
        if (axis != 1) {
            throw n.error("Concat along axis " + axis + " is not supported; along the channels (axis 1) it is");
        }
        ctx.unusedOutputs(n, "split information");
        int v = ctx.emit(new Concat(ctx.layerName(n), false), values);
        long[] dims = first.dims().clone();
        dims[0] = channels;
        ctx.define(n, 0, Activation.plain(v, dims));
    }

    private void add(OnnxNode n, NodeInputs in) {
        if (in.size() == 1) {
            ctx.define(n, 0, in.get(0));
            return;
        }
        if (in.size() != 2 && n.op.equals("Add")) {
            throw n.error("Add takes two inputs");
        }
        OnnxValue acc = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            acc = add2(n, acc, in.get(i));
        }
        ctx.define(n, 0, acc);
    }

    private Activation add2(OnnxNode n, OnnxValue a, OnnxValue b) {
        if (a instanceof Activation x && b instanceof Activation y) {
            x = ctx.plain(x, "the first input");
            y = ctx.plain(y, "the second input");
            if (!Arrays.equals(x.dims(), y.dims())) {
                throw n.error("adds activations of different shapes " + Arrays.toString(x.dims()) + " and "
                        + Arrays.toString(y.dims()) + "; broadcasting between activations is not supported");
            }
            return Activation.plain(ctx.emit(new Add(ctx.layerName(n), false), x.value(), y.value()), x.dims());
        }
        Activation x = a instanceof Activation act ? act : (Activation) b;
        Constant c = a instanceof Constant k ? k : (Constant) b;
        return addBias(n, ctx.plain(x, "the input"), c);
    }

    /** {@code x + c} with a per-channel (or scalar) constant, folded into the bias of the layer producing x. */
    private Activation addBias(OnnxNode n, Activation x, Constant c) {
        int v = x.value();
        Layer producer = ctx.producer(v);
        String why = null;
        long[] full = new long[x.rank()];
        full[0] = 1;
        System.arraycopy(x.dims(), 0, full, 1, x.dims().length);
        long[] b = Folding.broadcast(full, c.dims);
        int channels = (int) x.dims()[0];
        boolean perChannel = b != null && Arrays.equals(b, full) && (c.size() == 1 || c.size() == channels);
        if (perChannel && c.size() == channels && channels > 1) {
            // The channel dim must be the one that varies: it sits at rank - (x.rank() - 1) from the end.
            int at = c.rank() - (x.rank() - 1);
            perChannel = at >= 0 && c.dims[at] == channels;
        }
        if (!perChannel) {
            why = "only a per-channel or scalar constant is supported, got " + c.describe();
        } else if (!(producer instanceof Conv2d conv && !conv.relu() && !conv.residual())
                && !(producer instanceof Linear)) {
            why = "the constant must follow a Conv, Gemm or MatMul, whose bias it joins";
        } else if (ctx.shared(v)) {
            why = "the layer before it has other consumers";
        }
        if (why != null) {
            throw n.error("adding a constant to an activation: " + why);
        }
        float[] add = c.floatValues(n.label + " constant");
        float[] bias = producer instanceof Conv2d conv ? conv.bias() : ((Linear) producer).bias();
        float[] sum = new float[channels];
        for (int i = 0; i < channels; i++) {
            sum[i] = (bias == null ? 0f : bias[i]) + add[add.length == 1 ? 0 : i];
        }
        Layer fused = producer instanceof Conv2d conv ? conv.withWeights(conv.weight(), sum)
                : new Linear(producer.name(), ((Linear) producer).inFeatures(), channels, ((Linear) producer).weight(),
                        sum);
        ctx.replaceProducer(v, fused);
        return Activation.plain(v, x.dims());
    }

    private void gemm(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "A");
        if (n.attrInt("transA", 0) != 0) {
            throw n.error("transA 1 is not supported (the rows of A are the images)");
        }
        int k = features(n, x);
        Constant bm = in.constant(1, "B");
        boolean transB = n.attrInt("transB", 0) != 0;
        if (bm.rank() != 2 || bm.dims[transB ? 1 : 0] != k) {
            throw n.error("B " + bm.describe() + (transB ? " (transposed)" : "") + " does not fit A with " + k
                    + " features");
        }
        int m = (int) bm.dims[transB ? 0 : 1];
        float alpha = n.attrFloat("alpha", 1f);
        float beta = n.attrFloat("beta", 1f);
        float[] bv = bm.floatValues(n.label + " B");
        float[] w = new float[m * k];
        for (int o = 0; o < m; o++) {
            for (int i = 0; i < k; i++) {
                w[o * k + i] = alpha * (transB ? bv[o * k + i] : bv[i * m + o]);
            }
        }
        float[] bias = null;
        Constant cm = in.optionalConstant(2, "C");
        if (cm != null) {
            long rows = cm.rank() == 2 ? cm.dims[0] : 1;
            if (rows != 1 || (cm.size() != m && cm.size() != 1) || cm.rank() > 2) {
                throw n.error("C " + cm.describe() + " is not supported; a bias of shape [" + m + "], [1, " + m
                        + "] or a scalar is");
            }
            float[] cv = cm.floatValues(n.label + " C");
            bias = new float[m];
            for (int o = 0; o < m; o++) {
                bias[o] = beta * cv[cv.length == 1 ? 0 : o];
            }
        }
        int v = ctx.emit(new Linear(ctx.layerName(n), k, m, w, bias), x.value());
        ctx.define(n, 0, Activation.plain(v, new long[] {m}));
    }

    private void matMul(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "A");
        int k = features(n, x);
        Constant bm = in.constant(1, "B");
        if (bm.rank() != 2 || bm.dims[0] != k) {
            throw n.error("B " + bm.describe() + " does not fit A with " + k + " features");
        }
        int m = (int) bm.dims[1];
        float[] bv = bm.floatValues(n.label + " B");
        float[] w = new float[m * k];
        for (int o = 0; o < m; o++) {
            for (int i = 0; i < k; i++) {
                w[o * k + i] = bv[i * m + o];
            }
        }
        int v = ctx.emit(new Linear(ctx.layerName(n), k, m, w, null), x.value());
        ctx.define(n, 0, Activation.plain(v, new long[] {m}));
    }

    /** The feature count of an [N, F] input (also accepted: [N, F, 1, 1], as older converters leave it). */
    private int features(OnnxNode n, Activation x) {
        Shape s = ctx.shape(x.value());
        if (s.planeSize() != 1 || x.dims().length < 1) {
            throw n.error("A must be [N, F]; got " + Arrays.toString(x.dims()) + " per image");
        }
        return s.channels();
    }

    private void softmax(OnnxNode n, Activation x) {
        x = ctx.plain(x, "the input");
        int rank = x.rank();
        int axis = Folding.axis(n, n.attrInt("axis", ctx.opset < 13 ? 1 : -1), rank);
        if (axis == 0) {
            throw n.error("Softmax across the batch (axis 0) is not supported");
        }
        Shape s = ctx.shape(x.value());
        boolean ok = s.planeSize() == 1;
        if (ctx.opset >= 13) {
            for (int i = 1; i < rank; i++) {
                ok &= i == axis || x.dims()[i - 1] == 1;
            }
        }
        if (!ok) {
            throw n.error("Softmax over axis " + axis + " of " + Arrays.toString(x.dims()) + " per image is not "
                    + "supported; over the channels of [N, C] (or [N, C, 1, 1]) it is");
        }
        int v = ctx.emit(new Softmax(ctx.layerName(n)), x.value());
        ctx.define(n, 0, Activation.plain(v, x.dims()));
    }
}
