package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorUpsample#fancyH2v2} against its scalar truth {@link JpegImage#fancyH2v2}, bit for bit over whole
 * output rows (so that a stray write fails): components 3 to 140 samples wide, every kind of column range (from
 * the left edge, to the right edge, both, neither), at odd offsets in the plane, with random and extreme samples.
 */
class VectorUpsampleTest {

    @Test
    void rowsOfEveryWidthAndRange() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        Random random = new Random(11);
        for (int t = 0; t < 6000; t++) {
            int w = 3 + t % 138;
            int stride = w + random.nextInt(9);
            byte[] plane = new byte[2 * stride + 16];
            switch (t % 5) {
                case 0 -> java.util.Arrays.fill(plane, (byte) 255);
                case 1 -> java.util.Arrays.fill(plane, (byte) 0);
                default -> random.nextBytes(plane);
            }
            int p0 = random.nextInt(stride - w + 1) + (random.nextBoolean() ? stride : 0);
            int p1 = random.nextInt(stride - w + 1) + (random.nextBoolean() ? stride : 0);
            int lo = switch (t % 4) {
                case 0, 1 -> 0;
                default -> random.nextInt(w);
            };
            int hi = switch (t / 4 % 2) {
                case 0 -> w;
                default -> lo + 1 + random.nextInt(w - lo);
            };
            byte[] scalar = new byte[2 * w + 8];
            random.nextBytes(scalar);
            byte[] vector = scalar.clone();
            JpegImage.fancyH2v2(plane, p0, p1, w, lo, hi, new int[w], scalar);
            VectorUpsample.fancyH2v2(plane, p0, p1, w, lo, hi, vector);
            int tt = t;
            assertArrayEquals(scalar, vector, () -> "case " + tt + ": width " + w + ", columns " + lo + ".." + hi);
        }
    }
}
