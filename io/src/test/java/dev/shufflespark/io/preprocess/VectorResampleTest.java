package dev.shufflespark.io.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorResample}'s passes against the scalar ones of {@link Preprocessor}, bit for bit, over whole output
 * arrays (so that a stray write fails): plane widths 1 to 40 (tails of every length), shrinking and enlarging,
 * windows at the edges, both value ranges and random means and deviations; the horizontal pass also with
 * the coefficients of a DCT-scaled decode.
 */
class VectorResampleTest {

    @Test
    void verticalPlaneMatchesTheScalarPass() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        Random random = new Random(3);
        for (int t = 0; t < 3000; t++) {
            int cw = 1 + t % 40;
            int inRows = 1 + random.nextInt(60);
            int outRows = 1 + random.nextInt(60);
            int ch = 1 + random.nextInt(outRows);
            int top = random.nextInt(outRows - ch + 1);
            boolean unit = random.nextBoolean();
            float[] mean = {random.nextFloat(), random.nextFloat() * 200, random.nextFloat()};
            float[] std = {0.1f + random.nextFloat(), 0.1f + random.nextFloat() * 60, 0.1f + random.nextFloat()};
            PreprocessSettings settings = new PreprocessSettings(Math.max(ch, cw), ch, cw, mean, std,
                    unit ? PreprocessSettings.Range.UNIT : PreprocessSettings.Range.BYTE,
                    PreprocessSettings.Channels.RGB);
            Preprocessor pre = new Preprocessor(settings);
            Resampler v = Resampler.bilinear(inRows, 0, inRows, outRows, top, ch);
            int rowFirst = v.lowest();
            int rows = v.highest() - rowFirst;
            int in = random.nextInt(5);
            byte[] src = new byte[in + rows * cw + random.nextInt(3)];
            random.nextBytes(src);
            int plane = random.nextInt(3);
            int outPlane = random.nextInt(7);
            float[] scalar = new float[outPlane + ch * cw + 5];
            Arrays.fill(scalar, -7f);
            float[] vector = scalar.clone();
            pre.verticalPlane(v, src, in, cw, ch, scalar, outPlane, plane * 256, rowFirst);
            VectorResample.verticalPlane(v, src, in, cw, ch, vector, outPlane, unit, mean[plane], std[plane],
                    rowFirst);
            int c = t;
            assertArrayEquals(scalar, vector, () -> "case " + c + ": " + cw + " wide, " + inRows + " to " + outRows
                    + " rows");
        }
    }

    @Test
    void horizontalRowMatchesTheScalarPass() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        Random random = new Random(5);
        for (int t = 0; t < 3000; t++) {
            int cw = 1 + t % 40;
            int outW = cw + random.nextInt(40);
            int left = random.nextInt(outW - cw + 1);
            Resampler h;
            int inW;
            if (t % 3 == 2) {
                int scale = 1 << (1 + random.nextInt(3));
                int full = outW + random.nextInt(8 * outW);
                inW = (full + scale - 1) / scale;
                h = Resampler.scaled(full, scale, inW, false, outW, left, cw);
            } else {
                inW = 1 + random.nextInt(3 * outW);
                h = Resampler.bilinear(inW, 0, inW, outW, left, cw);
            }
            byte[] red = new byte[inW];
            byte[] green = new byte[inW];
            byte[] blue = new byte[inW];
            random.nextBytes(red);
            random.nextBytes(green);
            random.nextBytes(blue);
            int[] packed = new int[inW + random.nextInt(3)];
            VectorResample.pack(red, green, blue, packed, 0, inW);
            int rows = 1 + random.nextInt(3);
            int row = random.nextInt(rows);
            int planeSize = rows * cw;
            byte[] scalar = new byte[3 * planeSize];
            random.nextBytes(scalar);
            byte[] vector = scalar.clone();
            byte[] unrolled = scalar.clone();
            Preprocessor.horizontalRow(h, red, green, blue, 0, 0, 0, 1, cw, scalar, row * cw, planeSize);
            int done = VectorResample.horizontalRow(h, packed, cw, vector, row * cw, planeSize);
            Preprocessor.planarRow(h, red, green, blue, done, cw, vector, row * cw, planeSize);
            Preprocessor.planarRow(h, red, green, blue, 0, cw, unrolled, row * cw, planeSize);
            int c = t;
            assertArrayEquals(scalar, vector, () -> "case " + c + ": " + inW + " to " + outW + " columns, " + cw
                    + " from " + left);
            assertArrayEquals(scalar, unrolled, () -> "case " + c + ": unrolled");
        }
    }

    @Test
    void warmUpRunsTheCallsAskedAndStopsWhenTold() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        assertEquals(100, Preprocessor.warmUpVectorPasses(100, () -> false));
        assertEquals(0, Preprocessor.warmUpVectorPasses(100, () -> true));
        int[] checks = {0};
        assertEquals(64, Preprocessor.warmUpVectorPasses(1000, () -> ++checks[0] == 2), "stops at the second check");
    }
}
