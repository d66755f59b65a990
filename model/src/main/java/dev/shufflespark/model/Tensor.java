package dev.shufflespark.model;

import java.util.Arrays;

/**
 * A named weight tensor: a shape and its float32 data in row-major order. Tensors held by a
 * {@link Weights} are never written after construction, so they can be shared by any number of
 * threads.
 */
public final class Tensor {
    private final int[] shape;
    private final float[] data;

    public Tensor(int[] shape, float[] data) {
        long size = sizeOf(shape);
        if (size != data.length) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape)
                    + " needs " + size + " values, got " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    public static Tensor zeros(int... shape) {
        return new Tensor(shape, new float[Math.toIntExact(sizeOf(shape))]);
    }

    public static long sizeOf(int[] shape) {
        long size = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            size *= d;
        }
        return size;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i];
    }

    public int rank() {
        return shape.length;
    }

    /** The backing array; callers must not modify it. */
    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
