package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorColour} against its scalar truth {@link PixelConversion#ycbcrPlanes} (libjpeg's tables), bit for
 * bit over whole output arrays: every Y, Cb and Cr combination, then rows of every length up to 40 at odd
 * offsets (the tails); and the planes against the packed row of the same samples.
 */
class VectorColourTest {

    @Test
    void everyYCbCrTripleConvertsAsLibjpegsTables() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        byte[] ys = new byte[256];
        for (int i = 0; i < 256; i++) {
            ys[i] = (byte) i;
        }
        byte[] cbs = new byte[256];
        byte[] crs = new byte[256];
        byte[][] scalar = new byte[3][256];
        byte[][] vector = new byte[3][256];
        for (int cb = 0; cb < 256; cb++) {
            for (int cr = 0; cr < 256; cr++) {
                Arrays.fill(cbs, (byte) cb);
                Arrays.fill(crs, (byte) cr);
                PixelConversion.ycbcrPlanes(ys, 0, cbs, 0, crs, 0, scalar[0], scalar[1], scalar[2], 0, 256);
                VectorColour.ycbcrPlanes(ys, 0, cbs, 0, crs, 0, vector[0], vector[1], vector[2], 0, 256);
                for (int c = 0; c < 3; c++) {
                    int cc = c, b = cb, r = cr;
                    assertArrayEquals(scalar[c], vector[c], () -> "channel " + cc + ", Cb " + b + ", Cr " + r);
                }
            }
        }
    }

    @Test
    void rowsOfEveryLengthAndOffset() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        Random random = new Random(5);
        for (int t = 0; t < 2000; t++) {
            int n = t % 41;
            byte[] ys = new byte[n + 9];
            byte[] cbs = new byte[n + 9];
            byte[] crs = new byte[n + 9];
            random.nextBytes(ys);
            random.nextBytes(cbs);
            random.nextBytes(crs);
            int yOff = random.nextInt(9), cbOff = random.nextInt(9), crOff = random.nextInt(9), at = random.nextInt(9);
            byte[][] scalar = new byte[3][n + 12];
            for (byte[] p : scalar) {
                random.nextBytes(p);
            }
            byte[][] vector = {scalar[0].clone(), scalar[1].clone(), scalar[2].clone()};
            PixelConversion.ycbcrPlanes(ys, yOff, cbs, cbOff, crs, crOff, scalar[0], scalar[1], scalar[2], at, n);
            VectorColour.ycbcrPlanes(ys, yOff, cbs, cbOff, crs, crOff, vector[0], vector[1], vector[2], at, n);
            byte[] packed = new byte[3 * n];
            PixelConversion.ycbcrRow(ys, yOff, cbs, cbOff, crs, crOff, packed, 0, n);
            for (int c = 0; c < 3; c++) {
                int cc = c, tt = t;
                assertArrayEquals(scalar[c], vector[c], () -> "row " + tt + ", channel " + cc);
                for (int x = 0; x < n; x++) {
                    assertArrayEquals(new byte[] {packed[3 * x + c]}, new byte[] {scalar[c][at + x]});
                }
            }
        }
    }
}
