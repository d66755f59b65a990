package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorIdct} against its scalar truth in {@link JpegIdct}, over whole output planes (so that a stray
 * write fails): random quantisation tables, blocks with 0 to 63 non-zero coefficients, values up to what
 * 8-bit JPEGs hold. The integer islow must match bit for bit, damaged blocks included (values that overflow,
 * that wrap in the range limit, and the shortcuts for flat columns and rows). The float box means sum in
 * different orders (and the vector one with fused multiply-adds), so a mean that lies within float rounding
 * of a .5 may round the other way: at most 1 apart, and rarely.
 */
class VectorIdctTest {

    @Test
    void islowMatchesTheScalarTransformBitForBit() {
        assumeTrue(Simd.enabled() && VectorIdct.islowAvailable(), "no 256-bit Vector API");
        Random random = new Random(11);
        int stride = 24;
        for (int t = 0; t < 60000; t++) {
            int kind = t % 6;
            int[] q = new int[64];
            for (int z = 0; z < 64; z++) {
                // 8-bit tables, fine and coarse; 16-bit ones; and (kind 5) anything an int holds
                q[z] = switch (kind) {
                    case 0, 1 -> 1 + random.nextInt(t % 4 < 2 ? 16 : 255);
                    case 2, 3 -> 1 + random.nextInt(65535);
                    case 4 -> 1;
                    default -> random.nextInt();
                };
            }
            int[] coef = new int[64];
            int range = kind == 4 ? 4 : kind == 2 ? 32768 : 1024;
            coef[0] = random.nextInt(2 * range) - range;
            int pattern = random.nextInt(5);
            for (int z = 1; z < 64; z++) {
                int u = z & 7;
                int v = z >> 3;
                boolean on = switch (pattern) {
                    case 0 -> random.nextInt(8) == 0; // sparse
                    case 1 -> v == 0 && random.nextInt(2) == 0; // only the first row: flat columns
                    case 2 -> u == 0 && random.nextInt(2) == 0; // only the first column: flat rows
                    case 3 -> u + v < 4; // low frequencies
                    default -> true; // dense
                };
                if (on) {
                    coef[z] = kind == 5 ? random.nextInt() : random.nextInt(2 * range + 1) - range;
                }
            }
            byte[] scalar = new byte[stride * 10];
            byte[] vector = new byte[stride * 10];
            random.nextBytes(scalar);
            System.arraycopy(scalar, 0, vector, 0, scalar.length);
            int off = stride + random.nextInt(stride - 8);
            int[] before = coef.clone();
            JpegIdct.islow(coef, q, new int[64], scalar, off, stride);
            VectorIdct.islow(coef, q, new int[128], vector, off, stride);
            int block = t;
            assertArrayEquals(scalar, vector, () -> "block " + block + " (kind " + kind + ", pattern " + pattern + ")");
            assertArrayEquals(before, coef, "the coefficients are left as they were");
        }
    }

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
