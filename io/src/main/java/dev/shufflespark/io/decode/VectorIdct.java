package dev.shufflespark.io.decode;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API versions of {@link JpegIdct}'s islow IDCT and sparse transforms, with the same signatures; the
 * scalar ones are their truth in tests. Loaded only when {@link Simd#enabled()} (the {@code jdk.incubator.vector}
 * module is present and not turned off); {@link #islow} only when {@link #ISLOW} says so.
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

    /** Whether {@link #islow} can run: it needs 8 int lanes (256 bits). */
    static boolean islowAvailable() {
        return Simd.bits() >= 256;
    }

    /** One lane per column (pass 1) or per row (pass 2) of a block. */
    private static final VectorSpecies<Integer> I8 = IntVector.SPECIES_256;

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

    /**
     * {@link JpegIdct#islow}, bit for bit, with its shortcuts (a column or row whose AC terms are all zero takes
     * its DC as is, which differs from the full transform only when the full one would overflow) and its
     * wrapping range limit (its table, on the way out). Pass 1 runs down the 8 columns at once (one lane each),
     * pass 2 along the 8 rows at once after a transpose; the rows go out through a second transpose. {@code ws}
     * is 128 ints of scratch. Integer sums wrap the same in any order, so the grouping below (rounding added once per term) changes
     * nothing.
     */
    static void islow(int[] coef, int[] q, int[] ws, byte[] out, int off, int stride) {
        columns(coef, q, ws);
        rows(ws, out, off, stride);
    }

    /**
     * Pass 1 of {@link #islow} (each pass a method of its own: a small compilation, which C2 intrinsifies whole):
     * the dequantised coefficients' columns into the workspace's rows, ws[0..63].
     */
    private static void columns(int[] coef, int[] q, int[] ws) {
        // Row r of the block is one vector, lane c its column c.
        IntVector c1 = IntVector.fromArray(I8, coef, 8);
        IntVector c2 = IntVector.fromArray(I8, coef, 16);
        IntVector c3 = IntVector.fromArray(I8, coef, 24);
        IntVector c4 = IntVector.fromArray(I8, coef, 32);
        IntVector c5 = IntVector.fromArray(I8, coef, 40);
        IntVector c6 = IntVector.fromArray(I8, coef, 48);
        IntVector c7 = IntVector.fromArray(I8, coef, 56);
        // -1 in the lanes of columns with a non-zero AC coefficient, 0 in flat ones (no masks: C2 keeps them
        // boxed when one is used more than once)
        IntVector ac = c1.or(c2).or(c3).or(c4).or(c5).or(c6).or(c7);
        IntVector full = ac.or(ac.neg()).lanewise(VectorOperators.ASHR, 31);
        IntVector d0 = IntVector.fromArray(I8, coef, 0).mul(IntVector.fromArray(I8, q, 0));
        IntVector d1 = c1.mul(IntVector.fromArray(I8, q, 8));
        IntVector d2 = c2.mul(IntVector.fromArray(I8, q, 16));
        IntVector d3 = c3.mul(IntVector.fromArray(I8, q, 24));
        IntVector d4 = c4.mul(IntVector.fromArray(I8, q, 32));
        IntVector d5 = c5.mul(IntVector.fromArray(I8, q, 40));
        IntVector d6 = c6.mul(IntVector.fromArray(I8, q, 48));
        IntVector d7 = c7.mul(IntVector.fromArray(I8, q, 56));
        {
            final int shift = CONST_BITS - PASS1_BITS;
            IntVector z1 = d2.add(d6).mul(FIX_0_541196100);
            IntVector tmp2 = z1.add(d6.mul(-FIX_1_847759065));
            IntVector tmp3 = z1.add(d2.mul(FIX_0_765366865));
            IntVector round = d0.lanewise(VectorOperators.LSHL, CONST_BITS).add(1 << (shift - 1));
            IntVector e4 = d4.lanewise(VectorOperators.LSHL, CONST_BITS);
            IntVector tmp0 = round.add(e4);
            IntVector tmp1 = round.sub(e4);
            IntVector tmp10 = tmp0.add(tmp3);
            IntVector tmp13 = tmp0.sub(tmp3);
            IntVector tmp11 = tmp1.add(tmp2);
            IntVector tmp12 = tmp1.sub(tmp2);
            IntVector o0 = d7;
            IntVector o1 = d5;
            IntVector o2 = d3;
            IntVector o3 = d1;
            IntVector z5 = o0.add(o2).add(o1).add(o3).mul(FIX_1_175875602);
            IntVector y1 = o0.add(o3).mul(-FIX_0_899976223);
            IntVector y2 = o1.add(o2).mul(-FIX_2_562915447);
            IntVector y3 = o0.add(o2).mul(-FIX_1_961570560).add(z5);
            IntVector y4 = o1.add(o3).mul(-FIX_0_390180644).add(z5);
            o0 = o0.mul(FIX_0_298631336).add(y1).add(y3);
            o1 = o1.mul(FIX_2_053119869).add(y2).add(y4);
            o2 = o2.mul(FIX_3_072711026).add(y2).add(y3);
            o3 = o3.mul(FIX_1_501321110).add(y1).add(y4);
            IntVector dc = d0.lanewise(VectorOperators.LSHL, PASS1_BITS);
            tmp10.add(o3).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 0);
            tmp10.sub(o3).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 56);
            tmp11.add(o2).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 8);
            tmp11.sub(o2).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 48);
            tmp12.add(o1).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 16);
            tmp12.sub(o1).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 40);
            tmp13.add(o0).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 24);
            tmp13.sub(o0).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 32);
        }
    }

    /** Pass 2 of {@link #islow}: the workspace's rows, ws[0..63], to samples. */
    private static void rows(int[] ws, byte[] out, int off, int stride) {
        // Column u of the workspace is one vector, lane r its row r: transposed into ws[64..].
        for (int r = 0; r < 8; r++) {
            int w = r * 8;
            ws[64 + r] = ws[w];
            ws[72 + r] = ws[w + 1];
            ws[80 + r] = ws[w + 2];
            ws[88 + r] = ws[w + 3];
            ws[96 + r] = ws[w + 4];
            ws[104 + r] = ws[w + 5];
            ws[112 + r] = ws[w + 6];
            ws[120 + r] = ws[w + 7];
        }
        IntVector w0 = IntVector.fromArray(I8, ws, 64);
        IntVector w1 = IntVector.fromArray(I8, ws, 72);
        IntVector w2 = IntVector.fromArray(I8, ws, 80);
        IntVector w3 = IntVector.fromArray(I8, ws, 88);
        IntVector w4 = IntVector.fromArray(I8, ws, 96);
        IntVector w5 = IntVector.fromArray(I8, ws, 104);
        IntVector w6 = IntVector.fromArray(I8, ws, 112);
        IntVector w7 = IntVector.fromArray(I8, ws, 120);
        IntVector ac = w1.or(w2).or(w3).or(w4).or(w5).or(w6).or(w7);
        IntVector full = ac.or(ac.neg()).lanewise(VectorOperators.ASHR, 31);
        {
            final int shift = CONST_BITS + PASS1_BITS + 3;
            IntVector z1 = w2.add(w6).mul(FIX_0_541196100);
            IntVector tmp2 = z1.add(w6.mul(-FIX_1_847759065));
            IntVector tmp3 = z1.add(w2.mul(FIX_0_765366865));
            IntVector round = w0.lanewise(VectorOperators.LSHL, CONST_BITS).add(1 << (shift - 1));
            IntVector e4 = w4.lanewise(VectorOperators.LSHL, CONST_BITS);
            IntVector tmp0 = round.add(e4);
            IntVector tmp1 = round.sub(e4);
            IntVector tmp10 = tmp0.add(tmp3);
            IntVector tmp13 = tmp0.sub(tmp3);
            IntVector tmp11 = tmp1.add(tmp2);
            IntVector tmp12 = tmp1.sub(tmp2);
            IntVector o0 = w7;
            IntVector o1 = w5;
            IntVector o2 = w3;
            IntVector o3 = w1;
            IntVector z5 = o0.add(o2).add(o1).add(o3).mul(FIX_1_175875602);
            IntVector y1 = o0.add(o3).mul(-FIX_0_899976223);
            IntVector y2 = o1.add(o2).mul(-FIX_2_562915447);
            IntVector y3 = o0.add(o2).mul(-FIX_1_961570560).add(z5);
            IntVector y4 = o1.add(o3).mul(-FIX_0_390180644).add(z5);
            o0 = o0.mul(FIX_0_298631336).add(y1).add(y3);
            o1 = o1.mul(FIX_2_053119869).add(y2).add(y4);
            o2 = o2.mul(FIX_3_072711026).add(y2).add(y3);
            o3 = o3.mul(FIX_1_501321110).add(y1).add(y4);
            IntVector dc = w0.add(16).lanewise(VectorOperators.ASHR, 5);
            // Output column x as a vector of its 8 rows, at ws[x * 8], before the range limit.
            tmp10.add(o3).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 0);
            tmp10.sub(o3).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 56);
            tmp11.add(o2).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 8);
            tmp11.sub(o2).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 48);
            tmp12.add(o1).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 16);
            tmp12.sub(o1).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 40);
            tmp13.add(o0).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 24);
            tmp13.sub(o0).lanewise(VectorOperators.ASHR, shift).sub(dc).and(full).add(dc).intoArray(ws, 32);
        }
        // Transposed back, row y's 8 samples through libjpeg's range limit.
        byte[] range = JpegIdct.RANGE;
        for (int y = 0; y < 8; y++, off += stride) {
            out[off] = range[ws[y] & 1023];
            out[off + 1] = range[ws[8 + y] & 1023];
            out[off + 2] = range[ws[16 + y] & 1023];
            out[off + 3] = range[ws[24 + y] & 1023];
            out[off + 4] = range[ws[32 + y] & 1023];
            out[off + 5] = range[ws[40 + y] & 1023];
            out[off + 6] = range[ws[48 + y] & 1023];
            out[off + 7] = range[ws[56 + y] & 1023];
        }
    }
}
