package dev.shufflespark.io.onnx;

import java.util.Arrays;
import java.util.Set;

/**
 * Evaluates, at load time, the nodes whose inputs are all known: the Shape / Gather / Unsqueeze / Concat / Cast /
 * Div / Mul / Constant subgraphs that exporters emit for dynamic shapes, and the shape operators (Reshape,
 * Transpose, Slice, Split, Flatten, ...) applied to initializers. Integer values may depend on the batch size
 * ({@link Constant}); the arithmetic keeps track of it as far as it stays exact.
 */
final class Folding {
    static final Set<String> OPERATORS = Set.of("Identity", "Dropout", "Shape", "Size", "Gather", "Unsqueeze",
            "Squeeze", "Concat", "Cast", "Add", "Sub", "Mul", "Div", "Neg", "Reshape", "Transpose", "Slice", "Split",
            "Flatten", "ConstantOfShape", "Range");

    private Folding() {
    }

    /** The node's outputs, or null when this operator is not evaluated at load time. */
    static Constant[] fold(OnnxNode node, Constant[] in, long opset) {
        return switch (node.op) {
            case "Identity" -> new Constant[] {in[0]};
            case "Dropout" -> new Constant[] {in[0], null};
            case "Shape" -> new Constant[] {shape(node, in[0].dims, 0)};
            case "Size" -> new Constant[] {Constant.scalar(Constant.size(in[0].dims))};
            case "Gather" -> new Constant[] {gather(node, in[0], in[1])};
            case "Unsqueeze" -> new Constant[] {unsqueeze(node, in[0], axesOf(node, in, 1, opset >= 13), in[0].rank())};
            case "Squeeze" -> new Constant[] {squeeze(node, in[0], axesOf(node, in, 1, opset >= 13))};
            case "Concat" -> new Constant[] {concat(node, in)};
            case "Cast" -> new Constant[] {cast(node, in[0])};
            case "Add", "Sub", "Mul", "Div" -> new Constant[] {arithmetic(node, in[0], in[1])};
            case "Neg" -> new Constant[] {negate(in[0])};
            case "Reshape" -> new Constant[] {reshape(node, in[0], reshapeTarget(node, in, opset))};
            case "Transpose" -> new Constant[] {transpose(node, in[0])};
            case "Slice" -> new Constant[] {slice(node, in, opset)};
            case "Split" -> split(node, in, opset);
            case "Flatten" -> new Constant[] {flatten(node, in[0])};
            case "ConstantOfShape" -> new Constant[] {constantOfShape(node, in[0])};
            case "Range" -> new Constant[] {range(node, in)};
            default -> null;
        };
    }

    // ---------------------------------------------------------------------------------------------------------
    // shapes and axes

    static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    static int axis(OnnxNode node, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw node.error("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /** {@code Shape(x)} for a value of the given dims, with opset 15's start and end. */
    static Constant shape(OnnxNode node, long[] dims, long batchDim) {
        int rank = dims.length;
        int start = (int) clamp(normalize(node.attrInt("start", 0), rank), 0, rank);
        int end = (int) clamp(normalize(node.attrInt("end", rank), rank), 0, rank);
        int n = Math.max(0, end - start);
        long[] v = new long[n];
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = dims[start + i];
            if (start + i == 0 && batchDim < 0) {
                v[i] = 0;
                b[i] = 1;
            }
        }
        return Constant.ofInts(new long[] {n}, v, b, Tensors.INT64);
    }

    private static long normalize(long i, long rank) {
        return i < 0 ? i + rank : i;
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Axes from an attribute (older opsets) or from an optional input (newer ones); null when absent. */
    static long[] axesOf(OnnxNode node, Constant[] in, int input, boolean fromInput) {
        if (fromInput) {
            return in.length > input && in[input] != null ? in[input].longs(node.label + " axes") : null;
        }
        return node.attrInts("axes");
    }

    // ---------------------------------------------------------------------------------------------------------
    // data movement

    private static Constant gather(OnnxNode node, Constant data, Constant indices) {
        int axis = axis(node, node.attrInt("axis", 0), data.rank());
        long[] idx = indices.longs(node.label + " indices");
        long dim = data.dims[axis];
        long[] outDims = new long[data.rank() - 1 + indices.rank()];
        int k = 0;
        for (int i = 0; i < axis; i++) {
            outDims[k++] = data.dims[i];
        }
        for (long d : indices.dims) {
            outDims[k++] = d;
        }
        for (int i = axis + 1; i < data.rank(); i++) {
            outDims[k++] = data.dims[i];
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= data.dims[i];
        }
        long inner = strides(data.dims)[axis];
        int[] index = new int[(int) (outer * idx.length * inner)];
        int at = 0;
        for (long o = 0; o < outer; o++) {
            for (long j : idx) {
                long jj = j < 0 ? j + dim : j;
                if (jj < 0 || jj >= dim) {
                    throw node.error("index " + j + " is out of range for a dimension of " + dim);
                }
                for (long i = 0; i < inner; i++) {
                    index[at++] = (int) ((o * dim + jj) * inner + i);
                }
            }
        }
        return data.gather(outDims, index);
    }

    private static Constant unsqueeze(OnnxNode node, Constant x, long[] axes, int rank) {
        if (axes == null) {
            throw node.error("has no axes");
        }
        int outRank = rank + axes.length;
        boolean[] inserted = new boolean[outRank];
        for (long a : axes) {
            int ax = axis(node, a, outRank);
            if (inserted[ax]) {
                throw node.error("axis " + a + " is repeated");
            }
            inserted[ax] = true;
        }
        long[] dims = new long[outRank];
        int k = 0;
        for (int i = 0; i < outRank; i++) {
            dims[i] = inserted[i] ? 1 : x.dims[k++];
        }
        return x.reshaped(dims);
    }

    private static Constant squeeze(OnnxNode node, Constant x, long[] axes) {
        boolean[] drop = new boolean[x.rank()];
        if (axes == null) {
            for (int i = 0; i < drop.length; i++) {
                drop[i] = x.dims[i] == 1;
            }
        } else {
            for (long a : axes) {
                int ax = axis(node, a, x.rank());
                if (x.dims[ax] != 1) {
                    throw node.error("cannot squeeze axis " + a + " of size " + x.dims[ax]);
                }
                drop[ax] = true;
            }
        }
        long[] dims = new long[x.rank()];
        int k = 0;
        for (int i = 0; i < drop.length; i++) {
            if (!drop[i]) {
                dims[k++] = x.dims[i];
            }
        }
        return x.reshaped(Arrays.copyOf(dims, k));
    }

    private static Constant concat(OnnxNode node, Constant[] in) {
        Constant first = in[0];
        if (!node.has("axis")) {
            throw node.error("has no axis attribute");
        }
        int axis = axis(node, node.attrInt("axis", 0), first.rank());
        long[] dims = first.dims.clone();
        dims[axis] = 0;
        boolean floats = false;
        for (Constant c : in) {
            if (c.rank() != first.rank()) {
                throw node.error("inputs of different ranks: " + first.describe() + " and " + c.describe());
            }
            for (int i = 0; i < c.rank(); i++) {
                if (i != axis && c.dims[i] != first.dims[i]) {
                    throw node.error("inputs differ outside the concatenation axis: " + first.describe() + " and "
                            + c.describe());
                }
            }
            dims[axis] += c.dims[axis];
            floats |= c.kind == Constant.Kind.FLOAT;
        }
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= dims[i];
        }
        int total = (int) Constant.size(dims);
        float[] f = floats ? new float[total] : null;
        long[] v = floats ? null : new long[total];
        long[] b = floats ? null : new long[total];
        int at = 0;
        for (long o = 0; o < outer; o++) {
            for (Constant c : in) {
                int chunk = (int) (c.dims[axis] * strides(c.dims)[axis]);
                int from = (int) (o * chunk);
                if (floats) {
                    System.arraycopy(c.floatValues(node.label), from, f, at, chunk);
                } else {
                    System.arraycopy(c.ints, from, v, at, chunk);
                    if (c.perBatch != null) {
                        System.arraycopy(c.perBatch, from, b, at, chunk);
                    }
                }
                at += chunk;
            }
        }
        return floats ? Constant.ofFloats(dims, f) : Constant.ofInts(dims, v, b, first.onnxType);
    }

    static Constant reshape(OnnxNode node, Constant x, long[] target) {
        return x.reshaped(resolveReshape(node, x.dims, target, node.attrInt("allowzero", 0) != 0));
    }

    /** The target shape of a Reshape, from its second input (opset 5+) or its shape attribute. */
    static Constant reshapeTargetConstant(OnnxNode node, Constant[] in, long opset) {
        if (opset >= 5) {
            if (in.length < 2 || in[1] == null) {
                throw node.error("has no shape input");
            }
            return in[1];
        }
        long[] s = node.attrInts("shape");
        if (s == null) {
            throw node.error("has no shape attribute");
        }
        return Constant.ofInts(new long[] {s.length}, s);
    }

    private static long[] reshapeTarget(OnnxNode node, Constant[] in, long opset) {
        return reshapeTargetConstant(node, in, opset).longs(node.label + " target shape");
    }

    /** Resolves 0 (copy the input's dimension, unless allowzero) and -1 (infer) in a Reshape target. */
    static long[] resolveReshape(OnnxNode node, long[] in, long[] target, boolean allowZero) {
        return inferDimension(node, in, Arrays.toString(in), target, copyZeros(node, in, target, allowZero));
    }

    /**
     * A Reshape target with each 0 replaced by the input's dimension (unless allowzero) and -1 kept; fails on any
     * other negative dimension or a second -1.
     */
    static long[] copyZeros(OnnxNode node, long[] in, long[] target, boolean allowZero) {
        long[] out = target.clone();
        boolean infer = false;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw node.error("target shape " + Arrays.toString(target) + " copies dimension " + i
                            + " of an input of rank " + in.length);
                }
                out[i] = in[i];
            }
            if (out[i] == -1) {
                if (infer) {
                    throw node.error("target shape " + Arrays.toString(target) + " has more than one -1");
                }
                infer = true;
            } else if (out[i] < 0) {
                throw node.error("target shape " + Arrays.toString(target) + " has a negative dimension");
            }
        }
        return out;
    }

    /**
     * The dims from {@link #copyZeros} with their -1 inferred; fails, naming the input as {@code shown}, when they
     * cannot hold the input's elements.
     */
    static long[] inferDimension(OnnxNode node, long[] in, String shown, long[] target, long[] dims) {
        long[] out = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                infer = i;
            } else {
                known *= out[i];
            }
        }
        long size = Constant.size(in);
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw node.error("cannot reshape " + shown + " to " + Arrays.toString(target));
            }
            out[infer] = size / known;
        } else if (known != size) {
            throw node.error("cannot reshape " + shown + " (" + size + " elements) to " + Arrays.toString(target));
        }
        return out;
    }

    private static Constant transpose(OnnxNode node, Constant x) {
        int rank = x.rank();
        long[] permAttr = node.attrInts("perm");
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = permAttr == null ? rank - 1 - i : axis(node, permAttr[i], rank);
            if (seen[perm[i]]) {
                throw node.error("perm " + Arrays.toString(permAttr) + " is not a permutation");
            }
            seen[perm[i]] = true;
        }
        if (permAttr != null && permAttr.length != rank) {
            throw node.error("perm " + Arrays.toString(permAttr) + " does not fit rank " + rank);
        }
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = x.dims[perm[i]];
        }
        long[] inStrides = strides(x.dims);
        int total = x.size();
        int[] index = new int[total];
        long[] pos = new long[rank];
        for (int o = 0; o < total; o++) {
            long src = 0;
            for (int i = 0; i < rank; i++) {
                src += pos[i] * inStrides[perm[i]];
            }
            index[o] = (int) src;
            for (int i = rank - 1; i >= 0; i--) {
                if (++pos[i] < dims[i]) {
                    break;
                }
                pos[i] = 0;
            }
        }
        return x.gather(dims, index);
    }

    /** ONNX Slice clamping: {first index, count} for one axis. */
    static long[] sliceRange(long dim, long start, long end, long step) {
        if (step > 0) {
            long s = clamp(start < 0 ? start + dim : start, 0, dim);
            long e = clamp(end < 0 ? end + dim : end, 0, dim);
            return new long[] {s, Math.max(0, (e - s + step - 1) / step)};
        }
        long s = clamp(start < 0 ? start + dim : start, 0, dim - 1);
        long e = clamp(end < 0 ? end + dim : end, -1, dim - 1);
        return new long[] {s, Math.max(0, (s - e + (-step) - 1) / (-step))};
    }

    /** A Slice's starts, ends, axes and steps, from inputs (opset 10+) or attributes. */
    static long[][] sliceArguments(OnnxNode node, Constant[] in, long opset, int rank) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset >= 10) {
            starts = in[1].longs(node.label + " starts");
            ends = in[2].longs(node.label + " ends");
            axes = in.length > 3 && in[3] != null ? in[3].longs(node.label + " axes") : null;
            steps = in.length > 4 && in[4] != null ? in[4].longs(node.label + " steps") : null;
        } else {
            starts = node.attrInts("starts");
            ends = node.attrInts("ends");
            axes = node.attrInts("axes");
            if (starts == null || ends == null) {
                throw node.error("has no starts or ends");
            }
        }
        if (axes == null) {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        if (steps == null) {
            steps = new long[starts.length];
            Arrays.fill(steps, 1);
        }
        if (ends.length != starts.length || axes.length != starts.length || steps.length != starts.length) {
            throw node.error("starts, ends, axes and steps have different lengths");
        }
        long[] normAxes = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            normAxes[i] = axis(node, axes[i], rank);
            if (steps[i] == 0) {
                throw node.error("step 0");
            }
        }
        return new long[][] {starts, ends, normAxes, steps};
    }

    private static Constant slice(OnnxNode node, Constant[] in, long opset) {
        Constant x = in[0];
        int rank = x.rank();
        long[][] a = sliceArguments(node, in, opset, rank);
        long[] first = new long[rank];
        long[] step = new long[rank];
        long[] dims = x.dims.clone();
        Arrays.fill(step, 1);
        for (int i = 0; i < a[0].length; i++) {
            int ax = (int) a[2][i];
            long[] r = sliceRange(x.dims[ax], a[0][i], a[1][i], a[3][i]);
            first[ax] = r[0];
            dims[ax] = r[1];
            step[ax] = a[3][i];
        }
        return select(x, dims, first, step);
    }

    /** Elements {@code first + i * step} along every axis. */
    private static Constant select(Constant x, long[] dims, long[] first, long[] step) {
        int rank = x.rank();
        long[] inStrides = strides(x.dims);
        int total = (int) Constant.size(dims);
        int[] index = new int[total];
        long[] pos = new long[rank];
        for (int o = 0; o < total; o++) {
            long src = 0;
            for (int i = 0; i < rank; i++) {
                src += (first[i] + pos[i] * step[i]) * inStrides[i];
            }
            index[o] = (int) src;
            for (int i = rank - 1; i >= 0; i--) {
                if (++pos[i] < dims[i]) {
                    break;
                }
                pos[i] = 0;
            }
        }
        return x.gather(dims, index);
    }

    /** The sizes of a Split's outputs along its axis. */
    static long[] splitSizes(OnnxNode node, Constant[] in, long opset, long dim) {
        long[] sizes = null;
        if (opset >= 13) {
            if (in.length > 1 && in[1] != null) {
                sizes = in[1].longs(node.label + " split");
            }
        } else {
            sizes = node.attrInts("split");
        }
        int outputs = node.outputs().size();
        if (sizes == null) {
            long parts = node.has("num_outputs") ? node.attrInt("num_outputs", outputs) : outputs;
            if (parts < 1) {
                throw node.error("has no outputs");
            }
            long each = (dim + parts - 1) / parts;
            sizes = new long[(int) parts];
            long left = dim;
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.min(each, left);
                left -= sizes[i];
            }
            if (!node.has("num_outputs") && dim % parts != 0) {
                throw node.error("cannot split " + dim + " into " + parts + " equal parts");
            }
        }
        long total = 0;
        for (long s : sizes) {
            total += s;
        }
        if (total != dim || sizes.length != outputs) {
            throw node.error("split " + Arrays.toString(sizes) + " does not divide a dimension of " + dim + " into "
                    + outputs + " outputs");
        }
        return sizes;
    }

    private static Constant[] split(OnnxNode node, Constant[] in, long opset) {
        Constant x = in[0];
        int axis = axis(node, node.attrInt("axis", 0), x.rank());
        long[] sizes = splitSizes(node, in, opset, x.dims[axis]);
        Constant[] out = new Constant[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            long[] dims = x.dims.clone();
            dims[axis] = sizes[i];
            long[] first = new long[x.rank()];
            first[axis] = at;
            long[] step = new long[x.rank()];
            Arrays.fill(step, 1);
            out[i] = select(x, dims, first, step);
            at += sizes[i];
        }
        return out;
    }

    private static Constant flatten(OnnxNode node, Constant x) {
        long axis = node.attrInt("axis", 1);
        int a = (int) (axis < 0 ? axis + x.rank() : axis);
        if (a < 0 || a > x.rank()) {
            throw node.error("axis " + axis + " is out of range for rank " + x.rank());
        }
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= x.dims[i];
        }
        return x.reshaped(new long[] {outer, Constant.size(x.dims) / Math.max(1, outer)});
    }

    // ---------------------------------------------------------------------------------------------------------
    // arithmetic

    private static Constant cast(OnnxNode node, Constant x) {
        int to = (int) node.attrInt("to", 0);
        if (Tensors.isFloat(to)) {
            return Constant.ofFloats(x.dims, x.floatValues(node.label + " input").clone());
        }
        if (to == Tensors.BOOL || (to >= Tensors.UINT8 && to <= Tensors.INT64) || to == Tensors.UINT32
                || to == Tensors.UINT64) {
            long[] v = new long[x.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = x.kind == Constant.Kind.FLOAT ? (long) x.floats[i] : x.ints[i];
                if (to == Tensors.BOOL) {
                    v[i] = (x.kind == Constant.Kind.FLOAT ? x.floats[i] != 0 : x.ints[i] != 0) ? 1 : 0;
                }
            }
            long[] b = x.kind == Constant.Kind.INT && to != Tensors.BOOL ? x.perBatch : null;
            if (x.dependsOnBatch() && to == Tensors.BOOL) {
                throw node.error("casts a value that depends on the batch size to bool");
            }
            return Constant.ofInts(x.dims, v, b, to);
        }
        throw node.error("casts to " + Tensors.typeName(to) + ", which is not supported");
    }

    private static Constant negate(Constant x) {
        if (x.kind == Constant.Kind.FLOAT) {
            float[] f = new float[x.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = -x.floats[i];
            }
            return Constant.ofFloats(x.dims, f);
        }
        long[] v = new long[x.size()];
        long[] b = x.perBatch == null ? null : new long[v.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = -x.ints[i];
            if (b != null) {
                b[i] = -x.perBatch[i];
            }
        }
        return Constant.ofInts(x.dims, v, b, x.onnxType);
    }

    /** Numpy-style broadcasting of two shapes; null when they do not broadcast. */
    static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** For each element of a broadcast result, the element of {@code x} it reads. */
    private static int[] broadcastIndex(long[] x, long[] out) {
        int total = (int) Constant.size(out);
        int[] index = new int[total];
        long[] xStrides = strides(x);
        int offset = out.length - x.length;
        long[] pos = new long[out.length];
        for (int o = 0; o < total; o++) {
            long src = 0;
            for (int i = offset; i < out.length; i++) {
                if (x[i - offset] != 1) {
                    src += pos[i] * xStrides[i - offset];
                }
            }
            index[o] = (int) src;
            for (int i = out.length - 1; i >= 0; i--) {
                if (++pos[i] < out[i]) {
                    break;
                }
                pos[i] = 0;
            }
        }
        return index;
    }

    private static Constant arithmetic(OnnxNode node, Constant a, Constant b) {
        long[] dims = broadcast(a.dims, b.dims);
        if (dims == null) {
            throw node.error("shapes " + Arrays.toString(a.dims) + " and " + Arrays.toString(b.dims)
                    + " do not broadcast");
        }
        int[] ia = broadcastIndex(a.dims, dims);
        int[] ib = broadcastIndex(b.dims, dims);
        int n = ia.length;
        if (a.kind == Constant.Kind.FLOAT || b.kind == Constant.Kind.FLOAT) {
            float[] x = a.floatValues(node.label + " input");
            float[] y = b.floatValues(node.label + " input");
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                float p = x[ia[i]];
                float q = y[ib[i]];
                f[i] = switch (node.op) {
                    case "Add" -> p + q;
                    case "Sub" -> p - q;
                    case "Mul" -> p * q;
                    default -> p / q;
                };
            }
            return Constant.ofFloats(dims, f);
        }
        long[] v = new long[n];
        long[] nb = new long[n];
        for (int i = 0; i < n; i++) {
            long p = a.ints[ia[i]];
            long q = b.ints[ib[i]];
            long pn = a.perBatch == null ? 0 : a.perBatch[ia[i]];
            long qn = b.perBatch == null ? 0 : b.perBatch[ib[i]];
            switch (node.op) {
                case "Add" -> {
                    v[i] = p + q;
                    nb[i] = pn + qn;
                }
                case "Sub" -> {
                    v[i] = p - q;
                    nb[i] = pn - qn;
                }
                case "Mul" -> {
                    if (pn != 0 && qn != 0) {
                        throw node.error("multiplies two values that depend on the batch size");
                    }
                    v[i] = p * q;
                    nb[i] = pn * q + qn * p;
                }
                default -> {
                    if (qn != 0) {
                        throw node.error("divides by a value that depends on the batch size");
                    }
                    if (q == 0) {
                        throw node.error("integer division by zero");
                    }
                    if (pn != 0 && (pn % q != 0 || p % q != 0)) {
                        throw node.error("divides a value that depends on the batch size by " + q
                                + ", which is not exact for every batch size");
                    }
                    v[i] = p / q;
                    nb[i] = pn / q;
                }
            }
        }
        return Constant.ofInts(dims, v, nb, a.onnxType);
    }

    private static Constant constantOfShape(OnnxNode node, Constant shape) {
        long[] dims = shape.longs(node.label + " shape");
        var value = node.attr("value");
        Constant fill = value == null ? Constant.ofFloats(new long[] {1}, new float[] {0})
                : Tensors.read(value.getT(), node.label + " value");
        int n = (int) Constant.size(dims);
        int[] index = new int[n];
        return fill.gather(dims, index);
    }

    private static Constant range(OnnxNode node, Constant[] in) {
        if (in[0].kind == Constant.Kind.FLOAT || in[1].kind == Constant.Kind.FLOAT || in[2].kind == Constant.Kind.FLOAT) {
            double start = in[0].doubleAt(0, node.label);
            double limit = in[1].doubleAt(0, node.label);
            double delta = in[2].doubleAt(0, node.label);
            int n = (int) Math.max(0, Math.ceil((limit - start) / delta));
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) (start + i * delta);
            }
            return Constant.ofFloats(new long[] {n}, f);
        }
        long start = in[0].intAt(0, node.label + " start");
        long limit = in[1].intAt(0, node.label + " limit");
        long delta = in[2].intAt(0, node.label + " delta");
        if (delta == 0) {
            throw node.error("delta 0");
        }
        long n = Math.max(0, (limit - start + delta + (delta > 0 ? -1 : 1)) / delta);
        long[] v = new long[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i * delta;
        }
        return Constant.ofInts(new long[] {n}, v, null, in[0].onnxType);
    }
}
