package dev.shufflespark.model.kernel;

import dev.shufflespark.model.kernel.KernelCheck.Residual;

/**
 * Run by {@link SimdTest} in a child JVM with {@code -Dshufflespark.simd=128} or {@code 256}: a
 * reduced sweep of the vector kernels against {@link ScalarKernels} at that width, so the
 * narrower species (4 and 8 lanes, other tails and masks) are tested too. Prints the path and
 * exits 0 when everything matched, 1 with the first mismatch otherwise.
 */
public final class VectorWidthMain {

    private VectorWidthMain() {
    }

    public static void main(String[] args) {
        System.out.println("kernel path: " + Simd.description());
        System.out.println("lanes: " + VectorKernels.L);
        try {
            long seed = 1;
            for (int cin = 1; cin <= 9; cin += 2) {
                for (int cout = 1; cout <= 9; cout++) {
                    for (int hw : new int[] {1, 3, 7, 13, 49}) {
                        Residual residual = Residual.values()[(int) (seed % 4)];
                        KernelCheck.pointwise(seed++, cin, cout, hw, seed % 2 == 0, residual, seed % 4 < 2,
                                (int) (seed % 3));
                    }
                }
            }
            for (int h : new int[] {1, 3, 4, 7, 13}) {
                for (int width : new int[] {1, 3, 4, 5, 7, 9, 10, 13, 14, 28}) {
                    for (int stride = 1; stride <= 2; stride++) {
                        KernelCheck.depthwise(seed++, h, width, stride, seed % 2 == 0, 1, (int) (seed % 2) * 9);
                        KernelCheck.pool(seed++, true, h, width, 3, stride, 1, false, false, false, 0);
                        KernelCheck.pool(seed++, false, h, width, 3, stride, 1, true, seed % 2 == 0, true, 4);
                        if (KernelCheck.outSize(h, 3, stride, 1, false) > 0) {
                            KernelCheck.im2col(seed++, 2, h, width, 3, 3, stride, stride, 1, 1, 1);
                        }
                    }
                }
            }
            for (int channels : new int[] {3, 17}) {
                KernelCheck.depthwisePlanes(seed++, channels, 7, 7, seed % 2 == 0, 1);
            }
            for (int n = 0; n <= 40; n++) {
                KernelCheck.reductions(seed++, n);
                KernelCheck.elementwise(seed++, n, n % 2 == 0);
                KernelCheck.softmax(seed++, Math.max(1, n), 4f);
                KernelCheck.linear(seed++, n + 1, n % 7 + 1, n % 2 == 0);
            }
        } catch (AssertionError e) {
            System.out.println("mismatch: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("all vector kernels match the scalar reference");
    }
}
