package dev.shufflespark.io.decode;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The Vector API versions of {@link JpegIdct}'s sparse transforms, with the same signatures; the scalar ones
 * are their truth in tests. Loaded only when {@link Simd#enabled()} (the {@code jdk.incubator.vector} module is
 * present and not turned off).
 */
final class VectorIdct {

    private VectorIdct() {
    }

    /** Simd's width, at most 16 float lanes (one 4x4 block of box means); 16 is a multiple of any of them. */
    private static final VectorSpecies<Float> S = VectorSpecies.of(float.class,
            VectorShape.forBitSize(Math.min(512, Math.max(128, Simd.bits()))));

    private static final int L = S.length();

    /** {@link JpegIdct#box4sparse}: the 16 sums in 16 / L vectors, each coefficient adding its weights at once. */
    static void box4sparse(int[] coef, int[] written, int count, float[] w, float[] sums, byte[] out, int off,
                           int stride) {
        // weights [64 coefficients][4 rows][4 columns]
        for (int i = 0; i < 16; i += L) {
            FloatVector acc = FloatVector.fromArray(S, w, i).mul(coef[0]);
            for (int k = 0; k < count; k++) {
                int z = written[k];
                acc = FloatVector.fromArray(S, w, z * 16 + i).fma(FloatVector.broadcast(S, (float) coef[z]), acc);
            }
            // floor(s + 128.5) clamped to 0..255, as JpegIdct's clamp: the float is >= 0 after max, so the
            // truncation below is the floor
            acc.add(128.5f).max(0f).min(255f).intoArray(sums, i);
        }
        for (int j = 0; j < 4; j++, off += stride) {
            out[off] = (byte) (int) sums[j * 4];
            out[off + 1] = (byte) (int) sums[j * 4 + 1];
            out[off + 2] = (byte) (int) sums[j * 4 + 2];
            out[off + 3] = (byte) (int) sums[j * 4 + 3];
        }
    }

    /**
     * {@link #box4sparse} {@code calls} times on a block of zero to three AC coefficients, for the JIT warm-up
     * ({@link ImageDecoder#warmUpVectorPasses}); checks {@code stop} every 64 calls. Returns the calls made.
     */
    static int warmUp(int calls, BooleanSupplier stop) {
        int[] q = new int[64];
        Arrays.fill(q, 3);
        float[] w = JpegIdct.box4Weights(q);
        int[] coef = new int[64];
        int[] written = {1, 8, 9};
        coef[0] = -40;
        coef[1] = 7;
        coef[8] = -5;
        coef[9] = 2;
        float[] sums = new float[16];
        byte[] out = new byte[4 * 8];
        int c = 0;
        for (; c < calls && (c % 64 != 0 || !stop.getAsBoolean()); c++) {
            box4sparse(coef, written, c & 3, w, sums, out, 0, 8);
        }
        return c;
    }
}
