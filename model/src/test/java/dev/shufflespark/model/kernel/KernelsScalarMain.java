package dev.shufflespark.model.kernel;

import java.util.Arrays;

/**
 * Run by {@link SimdTest} in a child JVM, typically without {@code --add-modules
 * jdk.incubator.vector}: calls every {@link Kernels} method once, checks each result against
 * {@link ScalarKernels}, and prints {@code Simd.description()}. Exit status 0 when all matched,
 * 1 otherwise (a {@code NoClassDefFoundError} exits non-zero on its own).
 */
public final class KernelsScalarMain {

    private KernelsScalarMain() {
    }

    public static void main(String[] args) {
        int failures = 0;
        float[] a = new float[64];
        float[] b = new float[64];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(i);
            b[i] = (float) Math.cos(i * 0.7);
        }
        int[] rows4 = {0, 16, 32, 48};
        float[] w = Arrays.copyOf(b, 16);
        float[] bias = {0.1f, -0.2f, 0.3f, 0.4f};

        float[] x = new float[64];
        float[] y = new float[64];
        Kernels.pointwise(w, 0, bias, 0, a, 0, rows4, x, 0, rows4, b, 0, rows4, 4, 4, 16, true);
        ScalarKernels.pointwise(w, 0, bias, 0, a, 0, rows4, y, 0, rows4, b, 0, rows4, 4, 4, 16, true);
        failures += check("pointwise", x, y);

        Kernels.depthwise3x3(b, 0, 0.5f, a, 0, 8, 8, x, 0, 1, true);
        ScalarKernels.depthwise3x3(b, 0, 0.5f, a, 0, 8, 8, y, 0, 1, true);
        failures += check("depthwise3x3", x, y);

        float[] colX = new float[9 * 16];
        float[] colY = new float[9 * 16];
        Kernels.im2col(a, 0, new int[] {0}, 1, 8, 8, 3, 3, 2, 2, 1, 1, colX, 0, 4, 4);
        ScalarKernels.im2col(a, 0, new int[] {0}, 1, 8, 8, 3, 3, 2, 2, 1, 1, colY, 0, 4, 4);
        failures += check("im2col", colX, colY);

        Kernels.maxPool(a, 0, 8, 8, x, 0, 4, 4, 3, 2, 1);
        ScalarKernels.maxPool(a, 0, 8, 8, y, 0, 4, 4, 3, 2, 1);
        failures += check("maxPool", x, y);

        Kernels.avgPool(a, 0, 8, 8, x, 0, 4, 4, 3, 2, 1, false, true);
        ScalarKernels.avgPool(a, 0, 8, 8, y, 0, 4, 4, 3, 2, 1, false, true);
        failures += check("avgPool", x, y);

        failures += check("sum", new float[] {Kernels.sum(a, 1, 60)}, new float[] {ScalarKernels.sum(a, 1, 60)});
        failures += check("dot", new float[] {Kernels.dot(a, 1, b, 2, 60)},
                new float[] {ScalarKernels.dot(a, 1, b, 2, 60)});

        Kernels.linear(a, bias, b, 3, x, 1, 16, 4);
        ScalarKernels.linear(a, bias, b, 3, y, 1, 16, 4);
        failures += check("linear", x, y);
        Kernels.linear(a, bias, b, 3, 20, x, 1, 5, 16, 4, 2);
        ScalarKernels.linear(a, bias, b, 3, 20, y, 1, 5, 16, 4, 2);
        failures += check("linear of two images", x, y);

        Kernels.add(a, 0, b, 0, x, 0, 64, true);
        ScalarKernels.add(a, 0, b, 0, y, 0, 64, true);
        failures += check("add", x, y);

        Kernels.scaleShift(a, 0, x, 0, 64, 1.5f, -0.25f, false);
        ScalarKernels.scaleShift(a, 0, y, 0, 64, 1.5f, -0.25f, false);
        failures += check("scaleShift", x, y);

        Kernels.relu(x, 0, 64);
        ScalarKernels.relu(y, 0, 64);
        failures += check("relu", x, y);

        Kernels.softmax(x, 0, 64);
        ScalarKernels.softmax(y, 0, 64);
        failures += check("softmax", x, y);

        System.out.println("kernel path: " + Simd.description());
        System.out.println("lanes: " + Simd.lanes());
        System.out.println(failures == 0 ? "all kernels match the scalar reference" : failures + " kernels differ");
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int check(String name, float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            if (Math.abs(actual[i] - e) > 1e-5f * Math.max(1f, Math.abs(e))) {
                System.out.println(name + " differs at " + i + ": " + actual[i] + " vs " + e);
                return 1;
            }
        }
        return 0;
    }
}
