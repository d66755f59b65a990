package dev.shufflespark.io.onnx;

import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reshaping: Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Split and Slice of channels, and the operators that
 * pass a value on (Dropout, Identity, Cast to float) or read its shape (Shape). Most only re-label dims and
 * produce no layer. A Reshape to {@code [N, g, C/g, H, W]}, a Transpose of its two group axes and a Reshape back
 * are one {@link ChannelShuffle}.
 */
final class ReshapeOperators implements OperatorFamily {
    static final Set<String> OPERATORS = Set.of("Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze", "Split",
            "Slice", "Dropout", "Identity", "Cast", "Shape");

    private final ImportContext ctx;

    ReshapeOperators(ImportContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void apply(OnnxNode n, Activation x, NodeInputs in) {
        switch (n.op) {
            case "Reshape" -> reshape(n, x, in);
            case "Transpose" -> transpose(n, x);
            case "Flatten" -> flatten(n, x);
            case "Squeeze", "Unsqueeze" -> squeeze(n, x, in);
            case "Split" -> split(n, x, in);
            case "Slice" -> slice(n, x, in);
            case "Dropout" -> dropout(n, x, in);
            case "Identity" -> ctx.define(n, 0, x);
            case "Cast" -> cast(n, x);
            case "Shape" -> shapeOf(n, x);
            default -> throw new IllegalArgumentException(n.op);
        }
    }

    private void reshape(OnnxNode n, Activation x, NodeInputs in) {
        Constant target = Folding.reshapeTargetConstant(n, in.arguments(), ctx.opset);
        long[] t = perImageTarget(n, x, target);
        switch (x.kind()) {
            case GROUPED, GROUPED_T -> {
                if (!Arrays.equals(t, x.baseDims())) {
                    throw n.error("reshapes grouped channels " + Arrays.toString(x.dims()) + " to " + Arrays.toString(t)
                            + "; only back to " + Arrays.toString(x.baseDims()) + " (a channel shuffle) is supported");
                }
                if (x.kind() == Activation.Kind.GROUPED) {
                    ctx.define(n, 0, Activation.plain(x.value(), t));
                } else {
                    int c = (int) t[0];
                    int v = ctx.emit(new ChannelShuffle(ctx.layerName(n), c, x.groups()), x.value());
                    ctx.define(n, 0, Activation.plain(v, t));
                }
            }
            case PADDED -> ctx.plain(x, "the input");
            default -> ctx.define(n, 0, reshapePlain(n, x, t));
        }
    }

    private Activation reshapePlain(OnnxNode n, Activation x, long[] t) {
        long[] d = x.dims();
        if (Arrays.equals(t, d)) {
            return x;
        }
        if (t.length <= 3) {
            Shape held = ctx.storage(t);
            if (held.equals(ctx.shape(x.value()))) {
                return Activation.plain(x.value(), t);
            }
            if (t.length == 1) {
                return Activation.plain(ctx.emit(new Flatten(ctx.layerName(n)), x.value()), t);
            }
        }
        // [C, H, W] -> [g, C/g, H, W] or [g, C/g, H*W]: the first half of a channel shuffle.
        if (d.length == 3 && t.length >= 3 && t[0] * t[1] == d[0]) {
            long[] rest = Arrays.copyOfRange(t, 2, t.length);
            if (Arrays.equals(rest, new long[] {d[1], d[2]}) || Arrays.equals(rest, new long[] {d[1] * d[2]})) {
                return Activation.grouped(x.value(), t, (int) t[0], d);
            }
        }
        throw n.error("Reshape of " + Arrays.toString(d) + " to " + Arrays.toString(t) + " per image is not supported "
                + "(supported: dropping or adding size-1 dims, flattening, and a channel shuffle)");
    }

    /**
     * A Reshape target without its batch dimension, resolved against the per-image dims as
     * {@link Folding#resolveReshape} resolves any target (0 copies a dimension, -1 infers one). The first
     * dimension must keep the batch: 0, the batch size, the batch read from a Shape, or -1 with the other dims
     * holding one image.
     */
    private long[] perImageTarget(OnnxNode n, Activation x, Constant target) {
        if (target.rank() != 1 || target.size() < 1) {
            throw n.error("target shape " + target.describe() + " is not a non-empty 1-D tensor");
        }
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        long first = target.ints != null ? target.ints[0] : (long) target.floats[0];
        boolean batchSymbol = target.perBatch != null && target.perBatch[0] == 1 && first == 0;
        long[] rest = new long[target.size() - 1];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = target.intAt(i + 1, n.label + " target shape");
        }
        long[] dims = Folding.copyZeros(n, x.dims(), rest, allowZero);
        boolean oneImage = Arrays.stream(dims).noneMatch(d -> d == -1)
                && Constant.size(dims) == Constant.size(x.dims());
        long batch = ctx.batch();
        boolean batchOk = batchSymbol || (first == 0 && !allowZero) || (batch > 0 && first == batch)
                || (first == -1 && oneImage);
        if (!batchOk || (target.perBatch != null && !batchSymbol)) {
            throw n.error("target shape's first dimension must be the batch; Reshape across images is not supported");
        }
        return Folding.inferDimension(n, x.dims(), Arrays.toString(x.dims()) + " per image", rest, dims);
    }

    private void transpose(OnnxNode n, Activation x) {
        long[] perm = n.attrInts("perm");
        int rank = x.rank();
        if (perm == null || perm.length != rank) {
            throw n.error("perm " + Arrays.toString(perm) + " does not fit a rank-" + rank + " activation");
        }
        boolean identity = true;
        for (int i = 0; i < rank; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            ctx.define(n, 0, x);
            return;
        }
        boolean swapsGroups = perm[0] == 0 && perm[1] == 2 && perm[2] == 1;
        for (int i = 3; i < rank; i++) {
            swapsGroups &= perm[i] == i;
        }
        if (swapsGroups && x.isGrouped()) {
            long[] d = x.dims().clone();
            long a = d[0];
            d[0] = d[1];
            d[1] = a;
            Activation.Kind kind = x.kind() == Activation.Kind.GROUPED ? Activation.Kind.GROUPED_T
                    : Activation.Kind.GROUPED;
            ctx.define(n, 0, new Activation(x.value(), d, kind, x.groups(), x.baseDims(), null));
            return;
        }
        if (x.kind() == Activation.Kind.PLAIN && perm[0] == 0) {
            // A transpose that only moves size-1 dims is a relabelling.
            long[] d = new long[rank - 1];
            List<Integer> order = new ArrayList<>();
            for (int i = 1; i < rank; i++) {
                d[i - 1] = x.dims()[(int) perm[i] - 1];
                if (d[i - 1] != 1) {
                    order.add((int) perm[i]);
                }
            }
            boolean sorted = true;
            for (int i = 1; i < order.size(); i++) {
                sorted &= order.get(i - 1) < order.get(i);
            }
            if (sorted && ctx.storage(d).equals(ctx.shape(x.value()))) {
                ctx.define(n, 0, Activation.plain(x.value(), d));
                return;
            }
        }
        throw n.error("Transpose perm " + Arrays.toString(perm) + " of " + Arrays.toString(x.dims()) + " per image is "
                + "not supported (only as the middle of a channel shuffle)");
    }

    private void flatten(OnnxNode n, Activation x) {
        x = ctx.plain(x, "the input");
        long axis = n.attrInt("axis", 1);
        int a = (int) (axis < 0 ? axis + x.rank() : axis);
        if (a != 1) {
            throw n.error("Flatten with axis " + axis + " of a rank-" + x.rank() + " activation mixes images; only "
                    + "axis 1 is supported");
        }
        ctx.define(n, 0, reshapePlain(n, x, new long[] {Constant.size(x.dims())}));
    }

    private void squeeze(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        long[] axes;
        if (ctx.opset >= 13) {
            Constant a = in.optionalConstant(1, "axes");
            axes = a == null ? null : a.longs(n.label);
        } else {
            axes = n.attrInts("axes");
        }
        List<Long> full = new ArrayList<>();
        full.add(-1L); // the batch
        for (long d : x.dims()) {
            full.add(d);
        }
        if (n.op.equals("Squeeze")) {
            Set<Integer> drop = new TreeSet<>();
            if (axes == null) {
                for (int i = 1; i < full.size(); i++) {
                    if (full.get(i) == 1) {
                        drop.add(i);
                    }
                }
            } else {
                for (long a : axes) {
                    int ax = Folding.axis(n, a, full.size());
                    if (ax == 0 || full.get(ax) != 1) {
                        throw n.error("cannot squeeze axis " + a + " of " + Arrays.toString(x.dims()) + " per image");
                    }
                    drop.add(ax);
                }
            }
            List<Long> kept = new ArrayList<>();
            for (int i = 1; i < full.size(); i++) {
                if (!drop.contains(i)) {
                    kept.add(full.get(i));
                }
            }
            ctx.define(n, 0, ctx.relabel(n, x, toArray(kept)));
        } else {
            if (axes == null) {
                throw n.error("has no axes");
            }
            int outRank = full.size() + axes.length;
            boolean[] inserted = new boolean[outRank];
            for (long a : axes) {
                int ax = Folding.axis(n, a, outRank);
                if (ax == 0) {
                    throw n.error("cannot insert a dimension before the batch");
                }
                inserted[ax] = true;
            }
            List<Long> dims = new ArrayList<>();
            int k = 1;
            for (int i = 1; i < outRank; i++) {
                dims.add(inserted[i] ? 1L : full.get(k++));
            }
            ctx.define(n, 0, ctx.relabel(n, x, toArray(dims)));
        }
    }

    private static long[] toArray(List<Long> list) {
        long[] a = new long[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    private void split(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        int axis = Folding.axis(n, n.attrInt("axis", 0), x.rank());
        if (axis != 1) {
            throw n.error("Split along axis " + axis + " is not supported; along the channels (axis 1) it is");
        }
        int c = (int) x.dims()[0];
        long[] sizes = Folding.splitSizes(n, in.arguments(), ctx.opset, c);
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == 0) {
                throw n.error("an empty output is not supported");
            }
            String out = n.outputs().get(i);
            if (!out.isEmpty() && ctx.used(out)) {
                int v = ctx.emit(ChannelView.slice(ctx.uniqueName(ctx.layerName(n) + "." + i), c, at, (int) sizes[i]),
                        x.value());
                long[] dims = x.dims().clone();
                dims[0] = sizes[i];
                ctx.define(n, i, Activation.plain(v, dims));
            }
            at += (int) sizes[i];
        }
    }

    private void slice(OnnxNode n, Activation x, NodeInputs in) {
        x = ctx.plain(x, "the input");
        int rank = x.rank();
        long[][] a = Folding.sliceArguments(n, in.arguments(), ctx.opset, rank);
        long batch = ctx.batch();
        int[] map = null;
        for (int i = 0; i < a[0].length; i++) {
            int axis = (int) a[2][i];
            long start = a[0][i];
            long end = a[1][i];
            long step = a[3][i];
            if (axis == 0) {
                boolean all = start == 0 && step == 1 && (end >= Integer.MAX_VALUE || (batch > 0 && end >= batch));
                if (!all) {
                    throw n.error("Slice along the batch axis is not supported");
                }
                continue;
            }
            long dim = x.dims()[axis - 1];
            long[] r = Folding.sliceRange(dim, start, end, step);
            if (axis == 1) {
                if (r[1] == 0) {
                    throw n.error("an empty slice is not supported");
                }
                map = new int[(int) r[1]];
                for (int j = 0; j < map.length; j++) {
                    map[j] = (int) (r[0] + j * step);
                }
            } else if (!(r[0] == 0 && r[1] == dim && step == 1)) {
                throw n.error("Slice along spatial axis " + axis + " is not supported; along the channels it is");
            }
        }
        if (map == null) {
            ctx.define(n, 0, x);
            return;
        }
        int v = ctx.emit(new ChannelView(ctx.layerName(n), (int) x.dims()[0], map), x.value());
        long[] dims = x.dims().clone();
        dims[0] = map.length;
        ctx.define(n, 0, Activation.plain(v, dims));
    }

    private void dropout(OnnxNode n, Activation x, NodeInputs in) {
        Constant training = in.optionalConstant(2, "training_mode");
        if (training != null && training.doubleAt(0, n.label) != 0) {
            throw n.error("training_mode true is not supported (inference only)");
        }
        ctx.unusedOutputs(n, "the dropout mask");
        ctx.define(n, 0, x);
    }

    private void cast(OnnxNode n, Activation x) {
        int to = (int) n.attrInt("to", 0);
        if (to != Tensors.FLOAT) {
            throw n.error("casting an activation to " + Tensors.typeName(to) + " is not supported");
        }
        ctx.define(n, 0, x);
    }

    private void shapeOf(OnnxNode n, Activation x) {
        if (!ctx.spatialKnown() && x.rank() > 2) {
            throw n.error("the shape of an activation whose height and width are dynamic is not known at load time");
        }
        long[] full = new long[x.rank()];
        full[0] = ctx.batch();
        System.arraycopy(x.dims(), 0, full, 1, x.dims().length);
        ctx.define(n, 0, Folding.shape(n, full, ctx.batch()));
    }
}
