package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorIdct} against its scalar truth in {@link JpegIdct}, over whole output planes (so that a stray
 * write fails): random quantisation tables, blocks with 0 to 63 non-zero coefficients, values up to what
 * 8-bit JPEGs hold. The two sum in different orders (and the vector one with fused multiply-adds), so a mean
 * that lies within float rounding of a .5 may round the other way: at most 1 apart, and rarely.
 */
class VectorIdctTest {

    @Test
    void box4sparseMatchesTheScalarTransform() {
        assumeTrue(Simd.enabled(), "the Vector API is off");
        Random random = new Random(7);
        int stride = 13;
        int blocks = 20000;
        int differ = 0;
        for (int t = 0; t < blocks; t++) {
            int[] q = new int[64];
            for (int z = 0; z < 64; z++) {
                q[z] = 1 + random.nextInt(t % 2 == 0 ? 16 : 255);
            }
            float[] w = JpegIdct.box4Weights(q);
            int[] coef = new int[64];
            int[] written = new int[64];
            coef[0] = random.nextInt(2048) - 1024;
            int count = 0;
            int nonZero = random.nextInt(64);
            for (int k = 1; k < 64 && count < nonZero; k++) {
                if (random.nextInt(3) == 0) {
                    continue;
                }
                int z = JpegEntropyDecoder.NATURAL[k];
                coef[z] = (random.nextInt(2) == 0 ? 1 : -1) * (1 + random.nextInt(random.nextInt(4) == 0 ? 1023 : 15));
                written[count++] = z;
            }
            byte[] scalar = new byte[stride * 6];
            byte[] vector = new byte[stride * 6];
            int off = stride + 1 + random.nextInt(stride - 5);
            JpegIdct.box4sparse(coef, written, count, w, new float[64], scalar, off, stride);
            VectorIdct.box4sparse(coef, written, count, w, new float[64], vector, off, stride);
            for (int i = 0; i < scalar.length; i++) {
                int d = Math.abs((scalar[i] & 0xff) - (vector[i] & 0xff));
                assertTrue(d <= 1, "block " + t + ", sample " + i + ": " + (scalar[i] & 0xff) + " against "
                        + (vector[i] & 0xff));
                differ += d;
            }
        }
        int samples = blocks * 16;
        int d = differ;
        assertTrue(d * 1000L < samples, () -> d + " of " + samples + " samples differ by 1");
    }
}
