package dev.shufflespark.io.onnx;

import java.util.Arrays;

/**
 * A tensor known when the model loads: an initializer, a Constant, or the folded result of a shape computation.
 * Floating-point tensors hold {@code float} values; integer and boolean tensors hold {@code long} values.
 *
 * <p>Integer elements may depend on the batch size, which is unknown until the model runs: element i is
 * {@code ints[i] + perBatch[i] * N}. This is how {@code Shape(x)[0]} of an input with a dynamic batch flows
 * through the Gather / Unsqueeze / Concat that exporters emit, into the Reshape that needs it. {@code perBatch}
 * is null when no element depends on N.
 */
final class Constant implements OnnxValue {
    enum Kind { FLOAT, INT }

    final Kind kind;
    final long[] dims;
    final float[] floats; // FLOAT
    final long[] ints; // INT
    final long[] perBatch; // INT, or null
    /** The ONNX element type, kept for Cast and for writing the tensor back. */
    final int onnxType;

    private Constant(Kind kind, long[] dims, float[] floats, long[] ints, long[] perBatch, int onnxType) {
        this.kind = kind;
        this.dims = dims;
        this.floats = floats;
        this.ints = ints;
        this.perBatch = perBatch != null && allZero(perBatch) ? null : perBatch;
        this.onnxType = onnxType;
        long size = size(dims);
        if ((kind == Kind.FLOAT ? floats.length : ints.length) != size
                || (this.perBatch != null && this.perBatch.length != size)) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(dims) + " with "
                    + (kind == Kind.FLOAT ? floats.length : ints.length) + " values");
        }
    }

    static Constant ofFloats(long[] dims, float[] values) {
        return new Constant(Kind.FLOAT, dims.clone(), values, null, null, Tensors.FLOAT);
    }

    static Constant ofInts(long[] dims, long[] values) {
        return new Constant(Kind.INT, dims.clone(), null, values, null, Tensors.INT64);
    }

    static Constant ofInts(long[] dims, long[] values, long[] perBatch, int onnxType) {
        return new Constant(Kind.INT, dims.clone(), null, values, perBatch, onnxType);
    }

    static Constant scalar(long value) {
        return ofInts(new long[0], new long[] {value});
    }

    static long size(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    private static boolean allZero(long[] a) {
        for (long v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    int rank() {
        return dims.length;
    }

    int size() {
        return kind == Kind.FLOAT ? floats.length : ints.length;
    }

    boolean dependsOnBatch() {
        return perBatch != null;
    }

    /** Element i as a plain integer; fails when it depends on the batch size. */
    long intAt(int i, String what) {
        if (perBatch != null && perBatch[i] != 0) {
            throw new OnnxException(what + " depends on the batch size, which is not known until the model runs");
        }
        return kind == Kind.FLOAT ? (long) floats[i] : ints[i];
    }

    long[] longs(String what) {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intAt(i, what);
        }
        return out;
    }

    double doubleAt(int i, String what) {
        return kind == Kind.FLOAT ? floats[i] : intAt(i, what);
    }

    /** The values as floats (integers converted), in row-major order. */
    float[] floatValues(String what) {
        if (kind == Kind.FLOAT) {
            return floats;
        }
        float[] out = new float[ints.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = intAt(i, what);
        }
        return out;
    }

    /** A tensor of the same kind holding the elements at {@code index} in this order, with new dims. */
    Constant gather(long[] newDims, int[] index) {
        if (kind == Kind.FLOAT) {
            float[] f = new float[index.length];
            for (int i = 0; i < index.length; i++) {
                f[i] = floats[index[i]];
            }
            return new Constant(kind, newDims, f, null, null, onnxType);
        }
        long[] v = new long[index.length];
        long[] b = perBatch == null ? null : new long[index.length];
        for (int i = 0; i < index.length; i++) {
            v[i] = ints[index[i]];
            if (b != null) {
                b[i] = perBatch[index[i]];
            }
        }
        return new Constant(kind, newDims, null, v, b, onnxType);
    }

    Constant reshaped(long[] newDims) {
        return new Constant(kind, newDims.clone(), floats, ints, perBatch, onnxType);
    }

    String describe() {
        return (kind == Kind.FLOAT ? "float" : "integer") + " tensor " + Arrays.toString(dims);
    }
}
