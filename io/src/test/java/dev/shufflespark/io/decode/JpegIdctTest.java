package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link JpegIdct#islow} against libjpeg's islow as it was written before its shortcuts for zero high rows and
 * columns ({@link #reference}, libjpeg's {@code jpeg_idct_islow} line for line), bit for bit over whole output
 * planes (so that a stray write fails): random quantisation tables, blocks of every sparsity pattern the
 * shortcuts test (rows 0 to 3 only, columns 0 to 3 only, both, single rows and columns, dense), values up to
 * what 8-bit JPEGs hold and beyond (damaged blocks whose sums overflow and wrap in the range limit).
 */
class JpegIdctTest {

    @Test
    void islowMatchesTheReferenceTransformBitForBit() {
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
            int pattern = random.nextInt(8);
            for (int z = 1; z < 64; z++) {
                int u = z & 7;
                int v = z >> 3;
                boolean on = switch (pattern) {
                    case 0 -> random.nextInt(8) == 0; // sparse
                    case 1 -> v == 0 && random.nextInt(2) == 0; // only the first row: flat columns
                    case 2 -> u == 0 && random.nextInt(2) == 0; // only the first column: flat rows
                    case 3 -> v < 4 && random.nextInt(3) > 0; // rows 0 to 3
                    case 4 -> u < 4 && random.nextInt(3) > 0; // columns 0 to 3
                    case 5 -> u < 4 && v < 4 && random.nextInt(3) > 0; // both
                    case 6 -> (u == 4 || v == 4) && random.nextInt(2) == 0; // only the first high row or column
                    default -> true; // dense
                };
                if (on) {
                    coef[z] = kind == 5 ? random.nextInt() : random.nextInt(2 * range + 1) - range;
                }
            }
            if (t % 7 == 0) {
                coef[0] = 0; // flat columns of zeros
            }
            byte[] expected = new byte[stride * 10];
            random.nextBytes(expected);
            byte[] actual = expected.clone();
            int off = stride + random.nextInt(stride - 8);
            int[] before = coef.clone();
            reference(coef, q, new int[64], expected, off, stride);
            JpegIdct.islow(coef, q, new int[64], actual, off, stride);
            int block = t;
            assertArrayEquals(expected, actual, () -> "block " + block + " (kind " + kind + ", pattern " + pattern + ")");
            assertArrayEquals(before, coef, "the coefficients are left as they were");
        }
    }

    private static final int CONST_BITS = 13;
    private static final int PASS1_BITS = 2;
    private static final int FIX_0_298631336 = 2446;
    private static final int FIX_0_390180644 = 3196;
    private static final int FIX_0_541196100 = 4433;
    private static final int FIX_0_765366865 = 6270;
    private static final int FIX_0_899976223 = 7373;
    private static final int FIX_1_175875602 = 9633;
    private static final int FIX_1_501321110 = 12299;
    private static final int FIX_1_847759065 = 15137;
    private static final int FIX_1_961570560 = 16069;
    private static final int FIX_2_053119869 = 16819;
    private static final int FIX_2_562915447 = 20995;
    private static final int FIX_3_072711026 = 25172;

    /** libjpeg's {@code jpeg_idct_islow}, with its shortcuts for a flat column and a flat row only. */
    static void reference(int[] coef, int[] q, int[] ws, byte[] out, int off, int stride) {
        for (int c = 0; c < 8; c++) {
            if (coef[8 + c] == 0 && coef[16 + c] == 0 && coef[24 + c] == 0 && coef[32 + c] == 0
                    && coef[40 + c] == 0 && coef[48 + c] == 0 && coef[56 + c] == 0) {
                int dc = coef[c] * q[c] << PASS1_BITS;
                ws[c] = dc;
                ws[8 + c] = dc;
                ws[16 + c] = dc;
                ws[24 + c] = dc;
                ws[32 + c] = dc;
                ws[40 + c] = dc;
                ws[48 + c] = dc;
                ws[56 + c] = dc;
                continue;
            }
            int z2 = coef[16 + c] * q[16 + c];
            int z3 = coef[48 + c] * q[48 + c];
            int z1 = (z2 + z3) * FIX_0_541196100;
            int tmp2 = z1 + z3 * -FIX_1_847759065;
            int tmp3 = z1 + z2 * FIX_0_765366865;
            z2 = coef[c] * q[c];
            z3 = coef[32 + c] * q[32 + c];
            int tmp0 = (z2 + z3) << CONST_BITS;
            int tmp1 = (z2 - z3) << CONST_BITS;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = coef[56 + c] * q[56 + c];
            tmp1 = coef[40 + c] * q[40 + c];
            tmp2 = coef[24 + c] * q[24 + c];
            tmp3 = coef[8 + c] * q[8 + c];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int z4 = tmp1 + tmp3;
            int z5 = (z3 + z4) * FIX_1_175875602;
            tmp0 *= FIX_0_298631336;
            tmp1 *= FIX_2_053119869;
            tmp2 *= FIX_3_072711026;
            tmp3 *= FIX_1_501321110;
            z1 *= -FIX_0_899976223;
            z2 *= -FIX_2_562915447;
            z3 *= -FIX_1_961570560;
            z4 *= -FIX_0_390180644;
            z3 += z5;
            z4 += z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            final int shift = CONST_BITS - PASS1_BITS;
            final int round = 1 << (shift - 1);
            ws[c] = tmp10 + tmp3 + round >> shift;
            ws[56 + c] = tmp10 - tmp3 + round >> shift;
            ws[8 + c] = tmp11 + tmp2 + round >> shift;
            ws[48 + c] = tmp11 - tmp2 + round >> shift;
            ws[16 + c] = tmp12 + tmp1 + round >> shift;
            ws[40 + c] = tmp12 - tmp1 + round >> shift;
            ws[24 + c] = tmp13 + tmp0 + round >> shift;
            ws[32 + c] = tmp13 - tmp0 + round >> shift;
        }
        byte[] range = JpegIdct.RANGE;
        for (int r = 0, w = 0; r < 8; r++, w += 8, off += stride) {
            if (ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0 && ws[w + 5] == 0
                    && ws[w + 6] == 0 && ws[w + 7] == 0) {
                byte v = range[(ws[w] + 16 >> 5) & 1023];
                out[off] = v;
                out[off + 1] = v;
                out[off + 2] = v;
                out[off + 3] = v;
                out[off + 4] = v;
                out[off + 5] = v;
                out[off + 6] = v;
                out[off + 7] = v;
                continue;
            }
            int z2 = ws[w + 2];
            int z3 = ws[w + 6];
            int z1 = (z2 + z3) * FIX_0_541196100;
            int tmp2 = z1 + z3 * -FIX_1_847759065;
            int tmp3 = z1 + z2 * FIX_0_765366865;
            int tmp0 = (ws[w] + ws[w + 4]) << CONST_BITS;
            int tmp1 = (ws[w] - ws[w + 4]) << CONST_BITS;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = ws[w + 7];
            tmp1 = ws[w + 5];
            tmp2 = ws[w + 3];
            tmp3 = ws[w + 1];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int z4 = tmp1 + tmp3;
            int z5 = (z3 + z4) * FIX_1_175875602;
            tmp0 *= FIX_0_298631336;
            tmp1 *= FIX_2_053119869;
            tmp2 *= FIX_3_072711026;
            tmp3 *= FIX_1_501321110;
            z1 *= -FIX_0_899976223;
            z2 *= -FIX_2_562915447;
            z3 *= -FIX_1_961570560;
            z4 *= -FIX_0_390180644;
            z3 += z5;
            z4 += z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            final int shift = CONST_BITS + PASS1_BITS + 3;
            final int round = 1 << (shift - 1);
            out[off] = range[(tmp10 + tmp3 + round >> shift) & 1023];
            out[off + 7] = range[(tmp10 - tmp3 + round >> shift) & 1023];
            out[off + 1] = range[(tmp11 + tmp2 + round >> shift) & 1023];
            out[off + 6] = range[(tmp11 - tmp2 + round >> shift) & 1023];
            out[off + 2] = range[(tmp12 + tmp1 + round >> shift) & 1023];
            out[off + 5] = range[(tmp12 - tmp1 + round >> shift) & 1023];
            out[off + 3] = range[(tmp13 + tmp0 + round >> shift) & 1023];
            out[off + 4] = range[(tmp13 - tmp0 + round >> shift) & 1023];
        }
    }
}
