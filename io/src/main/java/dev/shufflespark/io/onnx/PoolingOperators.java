package dev.shufflespark.io.onnx;

import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Shape;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pooling and padding: MaxPool, AveragePool, GlobalAveragePool, ReduceMean over the spatial axes, and Pad, which
 * is held until the Conv or pool after it and merged into that layer's padding when that gives the same result.
 */
final class PoolingOperators implements OperatorFamily {
    static final Set<String> OPERATORS = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "ReduceMean", "Pad");

    private final ImportContext ctx;

    PoolingOperators(ImportContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void apply(OnnxNode n, Activation x, NodeInputs in) {
        switch (n.op) {
            case "MaxPool", "AveragePool" -> pool(n, x);
            case "GlobalAveragePool" -> globalAveragePool(n, x, true);
            case "ReduceMean" -> reduceMean(n, x, in);
            case "Pad" -> pad(n, x, in);
            default -> throw new IllegalArgumentException(n.op);
        }
    }

    private void pool(OnnxNode n, Activation x) {
        boolean max = n.op.equals("MaxPool");
        if (x.dims().length != 3) {
            throw n.error("only 2-D pooling is supported; the input is " + Arrays.toString(x.dims()) + " per image");
        }
        ctx.unusedOutputs(n, "the indices of the maxima");
        long[] k = n.attrInts("kernel_shape");
        if (k == null || k.length != 2 || k[0] != k[1]) {
            throw n.error("kernel_shape " + Arrays.toString(k) + " is not supported; square kernels are");
        }
        long[] strides = n.attrInts("strides", 2, 1);
        if (strides[0] != strides[1]) {
            throw n.error("strides " + Arrays.toString(strides) + " are not supported; equal strides are");
        }
        WindowAttributes.checkDilations(n, 2);
        int kernel = (int) k[0];
        int stride = (int) strides[0];
        Shape s = ctx.shape(x.value());
        int[] p = WindowAttributes.pads(n, 2, s, new int[] {kernel, kernel}, new int[] {stride, stride},
                ctx.spatialKnown());
        boolean include = !max && n.attrInt("count_include_pad", 0) != 0;
        if (x.kind() == Activation.Kind.PADDED) {
            int[] q = x.pads();
            boolean noOwnPads = p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0;
            if (max) {
                if (!ctx.nonNegative(x.value())) {
                    throw n.error("a zero Pad before a MaxPool merges only when the padded values are known to be"
                            + " non-negative (after a Relu)");
                }
            } else if (!noOwnPads && !include) {
                throw n.error("a zero Pad before an AveragePool with its own pads and count_include_pad 0 cannot be"
                        + " merged exactly");
            }
            for (int i = 0; i < 4; i++) {
                p[i] += q[i];
            }
            include = !max; // padded zeros are real values for the pool
        } else {
            ctx.plain(x, "the input");
        }
        if (n.attrInt("ceil_mode", 0) != 0) {
            ceilMode(n, s, p, kernel, stride, include);
        }
        if (p[0] != p[1]) {
            throw n.error("different top (" + p[0] + ") and left (" + p[1] + ") padding is not supported");
        }
        for (int i = 0; i < 4; i++) {
            if (p[i] >= kernel) {
                throw n.error("padding " + Arrays.toString(p) + " must be smaller than the kernel " + kernel);
            }
        }
        Pool2d layer = new Pool2d(ctx.layerName(n), max ? Pool2d.Kind.MAX : Pool2d.Kind.AVERAGE, kernel, stride, p[0],
                p[2], p[3], include, false);
        ctx.define(n, 0, ctx.result(ctx.emit(layer, x.value())));
    }

    /** ceil_mode 1 as extra bottom and right padding {@code p}, which a window past the input never counts. */
    private void ceilMode(OnnxNode n, Shape s, int[] p, int kernel, int stride, boolean include) {
        int[] size = {s.height(), s.width()};
        for (int axis = 0; axis < 2; axis++) {
            if (!ctx.spatialKnown()) {
                throw n.error("ceil_mode 1 needs the input's height and width, which the model leaves dynamic");
            }
            int span = size[axis] + p[axis] + p[axis + 2];
            int out = Math.floorDiv(span - kernel + stride - 1, stride) + 1;
            if ((out - 1) * stride >= size[axis] + p[axis]) {
                out--; // the last window must start inside the input or its leading padding
            }
            int extra = (out - 1) * stride + kernel - span;
            if (extra > 0) {
                if (include) {
                    throw n.error("ceil_mode 1 with count_include_pad 1 is not supported when a window runs past "
                            + "the padding");
                }
                p[axis + 2] += extra;
            }
        }
    }

    private void globalAveragePool(OnnxNode n, Activation x, boolean keepDims) {
        x = ctx.plain(x, "the input");
        if (x.dims().length < 2) {
            throw n.error("the input " + Arrays.toString(x.dims()) + " per image has no spatial dims");
        }
        int v = ctx.emit(new GlobalAvgPool(ctx.layerName(n)), x.value());
        long[] dims = new long[keepDims ? x.dims().length : 1];
        Arrays.fill(dims, 1);
        dims[0] = x.dims()[0];
        ctx.define(n, 0, Activation.plain(v, dims));
    }

    private void reduceMean(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        long[] axes;
        if (ctx.opset >= 18) {
            Constant a = in.optionalConstant(1, "axes");
            axes = a == null ? null : a.longs(n.label);
        } else {
            axes = n.attrInts("axes");
        }
        int rank = x.rank();
        Set<Integer> want = new TreeSet<>();
        for (int a = 2; a < rank; a++) {
            want.add(a);
        }
        Set<Integer> got = new TreeSet<>();
        if (axes != null) {
            for (long a : axes) {
                got.add(Folding.axis(n, a, rank));
            }
        }
        if (want.isEmpty() || !want.equals(got)) {
            throw n.error("ReduceMean over axes " + (axes == null ? "(all)" : Arrays.toString(axes))
                    + " is not supported; over the spatial axes " + want + " it is (a global average pool)");
        }
        globalAveragePool(n, x, n.attrInt("keepdims", 1) != 0);
    }

    private void pad(OnnxNode n, Activation x, NodeInputs in) {
        String mode = n.attrString("mode", "constant");
        if (!mode.equals("constant")) {
            throw n.error("Pad mode " + mode + " is not supported; constant zero padding is");
        }
        long[] pads;
        double value = 0;
        if (ctx.opset < 11) {
            pads = n.attrInts(n.has("pads") ? "pads" : "paddings");
            value = n.attrFloat("value", 0);
        } else {
            pads = in.constant(1, "pads").longs(n.label + " pads");
            Constant v = in.optionalConstant(2, "constant value");
            if (v != null) {
                value = v.doubleAt(0, n.label + " constant value");
            }
            if (in.present(3)) {
                throw n.error("the axes input is not supported");
            }
        }
        if (value != 0) {
            throw n.error("padding with " + value + " is not supported; zero padding is");
        }
        int rank = x.rank();
        if (pads == null || pads.length != 2 * rank || rank != 4) {
            throw n.error("pads " + Arrays.toString(pads) + " do not fit an [N, C, H, W] input");
        }
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
            throw n.error("padding the batch or channel dimension is not supported: pads " + Arrays.toString(pads));
        }
        int[] p = {(int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7]};
        for (int v : p) {
            if (v < 0) {
                throw n.error("negative pads " + Arrays.toString(pads) + " are not supported");
            }
        }
        if (x.kind() == Activation.Kind.PADDED) {
            for (int i = 0; i < 4; i++) {
                p[i] += x.pads()[i];
            }
        } else {
            ctx.plain(x, "the input");
        }
        ctx.define(n, 0, Activation.padded(x.value(), x.dims(), p));
    }
}
