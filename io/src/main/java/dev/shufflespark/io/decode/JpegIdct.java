package dev.shufflespark.io.decode;

/**
 * The inverse DCTs of {@link JpegDecoder}, from quantised coefficients (natural order) and their quantisation
 * table to 8-bit samples.
 * <ul>
 *   <li>{@link #islow}: libjpeg's {@code jpeg_idct_islow} (13-bit fixed point, two passes, the same rounding
 *       and the same wrapping range limit), so that an unscaled decode gives libjpeg's (and Pillow's) samples
 *       bit for bit;</li>
 *   <li>{@link #box}: a block decoded to 4x4, 2x2 or 1x1 (or 8 on one axis and fewer on the other), each
 *       output sample the exact mean of the 2x2, 4x4 or 8x8 full-resolution samples it covers (the IDCT's
 *       basis functions averaged over those samples, in float). A box filter is what a later resize that
 *       knows the box can undo best: see the preprocessing's scaled resampling.</li>
 * </ul>
 */
final class JpegIdct {

    private JpegIdct() {
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

    /**
     * libjpeg's post-IDCT range limit: RANGE[v & 1023] for a centred result v is v + 128 clamped to 0..255
     * for v in -384..511; beyond that it wraps as libjpeg's table does (only damaged data gets there).
     */
    static final byte[] RANGE = new byte[1024];

    static {
        for (int i = 0; i < 1024; i++) {
            RANGE[i] = (byte) (i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896);
        }
    }

    /** A block whose only non-zero coefficient is DC, as islow computes it: {@code (dc * q * 4 + 16) >> 5}. */
    static byte dcOnly(int dc, int q) {
        return RANGE[((dc * q << PASS1_BITS) + 16 >> 5) & 1023];
    }

    /**
     * libjpeg's islow IDCT of {@code coef[64]} (quantised, natural order) with quantisation {@code q[64]} into
     * 8 rows of 8 samples at {@code out[off + row * stride]}. {@code ws} is 64 ints of scratch.
     *
     * <p>Besides libjpeg's shortcuts (a column whose AC coefficients are zero, a row of the workspace whose AC
     * terms are zero), a column whose coefficients in rows 4 to 7 are zero, and rows when the coefficients in
     * columns 4 to 7 are zero, take the butterflies without the terms of those inputs: in int arithmetic a
     * product with zero and a sum with zero drop out exactly, so every sample is the one the whole transform
     * computes, overflow of damaged data included.
     */
    static void islow(int[] coef, int[] q, int[] ws, byte[] out, int off, int stride) {
        // Whether any of columns 4 to 7 holds a non-zero coefficient (then the workspace's may be non-zero).
        int right = 0;
        for (int c = 0; c < 8; c++) {
            int high = coef[32 + c] | coef[40 + c] | coef[48 + c] | coef[56 + c];
            int ac = coef[8 + c] | coef[16 + c] | coef[24 + c] | high;
            right |= (c >> 2) * (ac | coef[c]); // c >> 2 is 1 for columns 4 to 7, else 0
            if (ac == 0) {
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
            final int shift = CONST_BITS - PASS1_BITS;
            final int round = 1 << (shift - 1);
            if (high == 0) {
                // Rows 4 to 7 zero: the butterflies below with those inputs dropped.
                int d0 = coef[c] * q[c];
                int d1 = coef[8 + c] * q[8 + c];
                int d2 = coef[16 + c] * q[16 + c];
                int d3 = coef[24 + c] * q[24 + c];
                int z1 = d2 * FIX_0_541196100;
                int tmp3 = z1 + d2 * FIX_0_765366865;
                int tmp0 = d0 << CONST_BITS;
                int tmp10 = tmp0 + tmp3;
                int tmp13 = tmp0 - tmp3;
                int tmp11 = tmp0 + z1;
                int tmp12 = tmp0 - z1;
                int z5 = (d3 + d1) * FIX_1_175875602;
                z1 = d1 * -FIX_0_899976223;
                int z2 = d3 * -FIX_2_562915447;
                int z3 = d3 * -FIX_1_961570560 + z5;
                int z4 = d1 * -FIX_0_390180644 + z5;
                int o0 = z1 + z3;
                int o1 = z2 + z4;
                int o2 = d3 * FIX_3_072711026 + z2 + z3;
                int o3 = d1 * FIX_1_501321110 + z1 + z4;
                ws[c] = tmp10 + o3 + round >> shift;
                ws[56 + c] = tmp10 - o3 + round >> shift;
                ws[8 + c] = tmp11 + o2 + round >> shift;
                ws[48 + c] = tmp11 - o2 + round >> shift;
                ws[16 + c] = tmp12 + o1 + round >> shift;
                ws[40 + c] = tmp12 - o1 + round >> shift;
                ws[24 + c] = tmp13 + o0 + round >> shift;
                ws[32 + c] = tmp13 - o0 + round >> shift;
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

            ws[c] = tmp10 + tmp3 + round >> shift;
            ws[56 + c] = tmp10 - tmp3 + round >> shift;
            ws[8 + c] = tmp11 + tmp2 + round >> shift;
            ws[48 + c] = tmp11 - tmp2 + round >> shift;
            ws[16 + c] = tmp12 + tmp1 + round >> shift;
            ws[40 + c] = tmp12 - tmp1 + round >> shift;
            ws[24 + c] = tmp13 + tmp0 + round >> shift;
            ws[32 + c] = tmp13 - tmp0 + round >> shift;
        }
        if (right == 0) {
            rowsLeft(ws, out, off, stride);
            return;
        }
        byte[] range = RANGE;
        for (int r = 0, w = 0; r < 8; r++, w += 8, off += stride) {
            if ((ws[w + 1] | ws[w + 2] | ws[w + 3] | ws[w + 4] | ws[w + 5] | ws[w + 6] | ws[w + 7]) == 0) {
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

    /** {@link #islow}'s second pass when columns 4 to 7 of the workspace are zero: their terms dropped. */
    private static void rowsLeft(int[] ws, byte[] out, int off, int stride) {
        byte[] range = RANGE;
        final int shift = CONST_BITS + PASS1_BITS + 3;
        final int round = 1 << (shift - 1);
        for (int r = 0, w = 0; r < 8; r++, w += 8, off += stride) {
            int x1 = ws[w + 1];
            int x2 = ws[w + 2];
            int x3 = ws[w + 3];
            if ((x1 | x2 | x3) == 0) {
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
            int z1 = x2 * FIX_0_541196100;
            int tmp3 = z1 + x2 * FIX_0_765366865;
            int tmp0 = ws[w] << CONST_BITS;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp0 + z1;
            int tmp12 = tmp0 - z1;
            int z5 = (x3 + x1) * FIX_1_175875602;
            z1 = x1 * -FIX_0_899976223;
            int z2 = x3 * -FIX_2_562915447;
            int z3 = x3 * -FIX_1_961570560 + z5;
            int z4 = x1 * -FIX_0_390180644 + z5;
            int o0 = z1 + z3;
            int o1 = z2 + z4;
            int o2 = x3 * FIX_3_072711026 + z2 + z3;
            int o3 = x1 * FIX_1_501321110 + z1 + z4;
            out[off] = range[(tmp10 + o3 + round >> shift) & 1023];
            out[off + 7] = range[(tmp10 - o3 + round >> shift) & 1023];
            out[off + 1] = range[(tmp11 + o2 + round >> shift) & 1023];
            out[off + 6] = range[(tmp11 - o2 + round >> shift) & 1023];
            out[off + 2] = range[(tmp12 + o1 + round >> shift) & 1023];
            out[off + 5] = range[(tmp12 - o1 + round >> shift) & 1023];
            out[off + 3] = range[(tmp13 + o0 + round >> shift) & 1023];
            out[off + 4] = range[(tmp13 - o0 + round >> shift) & 1023];
        }
    }

    /**
     * BOX[log2 n]: for n output samples per axis, {@code [i * 8 + u]} is the mean over the full-resolution
     * samples i covers of the 1-D IDCT's basis function u, {@code C(u)/2 cos((2x + 1) u pi / 16)}. n = 8 is the
     * plain IDCT.
     */
    private static final float[][] BOX = new float[4][];

    static {
        for (int log = 0; log < 4; log++) {
            int n = 1 << log;
            int group = 8 / n;
            float[] m = new float[n * 8];
            for (int i = 0; i < n; i++) {
                for (int u = 0; u < 8; u++) {
                    double sum = 0;
                    for (int x = i * group; x < (i + 1) * group; x++) {
                        double cu = u == 0 ? Math.sqrt(0.5) : 1;
                        sum += 0.5 * cu * Math.cos((2 * x + 1) * u * Math.PI / 16);
                    }
                    m[i * 8 + u] = (float) (sum / group);
                }
            }
            BOX[log] = m;
        }
    }

    /**
     * The block as {@code bh} rows of {@code bw} box means (bw, bh in 1, 2, 4, 8), into
     * {@code out[off + row * stride]}. {@code rows} has bit v set when coefficient row v may be non-zero.
     * {@code tmp} is 64 floats of scratch.
     */
    static void box(int[] coef, int[] q, int rows, int bwLog, int bhLog, float[] tmp, byte[] out, int off,
                    int stride) {
        if (bwLog == 1 && bhLog == 1) {
            box2(coef, q, out, off, stride);
            return;
        }
        if (bwLog == 2 && bhLog == 2) {
            box4(coef, q, rows, tmp, out, off, stride);
            return;
        }
        float[] mx = BOX[bwLog];
        float[] my = BOX[bhLog];
        int bw = 1 << bwLog;
        int bh = 1 << bhLog;
        // Rows of coefficients to rows of bw horizontal means.
        for (int v = 0; v < 8; v++) {
            if ((rows & 1 << v) == 0) {
                continue;
            }
            int c = v * 8;
            float f0 = coef[c] * q[c], f1 = coef[c + 1] * q[c + 1], f2 = coef[c + 2] * q[c + 2];
            float f3 = coef[c + 3] * q[c + 3], f4 = coef[c + 4] * q[c + 4], f5 = coef[c + 5] * q[c + 5];
            float f6 = coef[c + 6] * q[c + 6], f7 = coef[c + 7] * q[c + 7];
            for (int i = 0, m = 0; i < bw; i++, m += 8) {
                tmp[v * 8 + i] = mx[m] * f0 + mx[m + 1] * f1 + mx[m + 2] * f2 + mx[m + 3] * f3 + mx[m + 4] * f4
                        + mx[m + 5] * f5 + mx[m + 6] * f6 + mx[m + 7] * f7;
            }
        }
        for (int j = 0; j < bh; j++, off += stride) {
            for (int i = 0; i < bw; i++) {
                float s = 128.5f;
                for (int v = 0; v < 8; v++) {
                    if ((rows & 1 << v) != 0) {
                        s += my[j * 8 + v] * tmp[v * 8 + i];
                    }
                }
                out[off + i] = clamp(s - 128.5f);
            }
        }
    }

    private static final float[] B2 = BOX[1];
    private static final float[] B4 = BOX[2];

    /**
     * {@link #box} to 2x2. Averaged over half a block, the even basis functions but the DC vanish and the
     * second half is the first mirrored, so only coefficient rows and columns 0, 1, 3, 5, 7 count.
     */
    private static void box2(int[] coef, int[] q, byte[] out, int off, int stride) {
        float a0 = B2[0], a1 = B2[1], a3 = B2[3], a5 = B2[5], a7 = B2[7];
        float e0 = 0, e1 = 0, o0 = 0, o1 = 0; // even (v = 0) and odd rows' contributions to columns 0 and 1
        for (int v = 0; v < 8; v++) {
            if (v != 0 && (v & 1) == 0) {
                continue;
            }
            int c = v * 8;
            float even = a0 * (coef[c] * q[c]);
            float odd = a1 * (coef[c + 1] * q[c + 1]) + a3 * (coef[c + 3] * q[c + 3]) + a5 * (coef[c + 5] * q[c + 5])
                    + a7 * (coef[c + 7] * q[c + 7]);
            float av = v == 0 ? a0 : v == 1 ? a1 : v == 3 ? a3 : v == 5 ? a5 : a7;
            if (v == 0) {
                e0 += av * (even + odd);
                e1 += av * (even - odd);
            } else {
                o0 += av * (even + odd);
                o1 += av * (even - odd);
            }
        }
        out[off] = clamp(e0 + o0);
        out[off + 1] = clamp(e1 + o1);
        out[off + stride] = clamp(e0 - o0);
        out[off + stride + 1] = clamp(e1 - o1);
    }

    /** {@link #box} to 4x4, with the mirror symmetry of the basis (basis 4 averages to zero over pairs). */
    private static void box4(int[] coef, int[] q, int rows, float[] tmp, byte[] out, int off, int stride) {
        float[] m = B4;
        // Rows of coefficients to 4 horizontal means each: tmp[v * 4 + i].
        for (int v = 0; v < 8; v++) {
            if ((rows & 1 << v) == 0) {
                tmp[v * 4] = 0;
                tmp[v * 4 + 1] = 0;
                tmp[v * 4 + 2] = 0;
                tmp[v * 4 + 3] = 0;
                continue;
            }
            int c = v * 8;
            float f0 = coef[c] * q[c], f1 = coef[c + 1] * q[c + 1], f2 = coef[c + 2] * q[c + 2];
            float f3 = coef[c + 3] * q[c + 3], f5 = coef[c + 5] * q[c + 5];
            float f6 = coef[c + 6] * q[c + 6], f7 = coef[c + 7] * q[c + 7];
            float ev0 = m[0] * f0 + m[2] * f2 + m[6] * f6;
            float ev1 = m[8] * f0 + m[10] * f2 + m[14] * f6;
            float od0 = m[1] * f1 + m[3] * f3 + m[5] * f5 + m[7] * f7;
            float od1 = m[9] * f1 + m[11] * f3 + m[13] * f5 + m[15] * f7;
            tmp[v * 4] = ev0 + od0;
            tmp[v * 4 + 1] = ev1 + od1;
            tmp[v * 4 + 2] = ev1 - od1;
            tmp[v * 4 + 3] = ev0 - od0;
        }
        for (int i = 0; i < 4; i++) {
            float t0 = tmp[i], t1 = tmp[4 + i], t2 = tmp[8 + i], t3 = tmp[12 + i];
            float t5 = tmp[20 + i], t6 = tmp[24 + i], t7 = tmp[28 + i];
            float ev0 = m[0] * t0 + m[2] * t2 + m[6] * t6;
            float ev1 = m[8] * t0 + m[10] * t2 + m[14] * t6;
            float od0 = m[1] * t1 + m[3] * t3 + m[5] * t5 + m[7] * t7;
            float od1 = m[9] * t1 + m[11] * t3 + m[13] * t5 + m[15] * t7;
            out[off + i] = clamp(ev0 + od0);
            out[off + stride + i] = clamp(ev1 + od1);
            out[off + 2 * stride + i] = clamp(ev1 - od1);
            out[off + 3 * stride + i] = clamp(ev0 - od0);
        }
    }

    /** floor(s + 128.5) clamped to 0..255: a box mean from its centred sum. */
    static byte clampMean(float s) {
        return clamp(s);
    }

    /**
     * {@link #box2Weights} spread over the four outputs: {@code [z * 4 + o]} is coefficient z's weight in output
     * o (row-major 2x2), its sign that of z's row and column parity in {@link #box2sparse}.
     */
    static float[] box2Quad(float[] w) {
        float[] quad = new float[64 * 4];
        for (int z = 0; z < 64; z++) {
            boolean oddRow = (z >> 3 & 1) == 1 && z >= 8;
            boolean oddCol = (z & 1) == 1;
            // out00 = ee + eo + oe + oo, out01 = ee - eo + oe - oo, out10 = ee + eo - oe - oo, out11 = ee - eo - oe + oo
            float c = oddCol ? -1 : 1;
            float r = oddRow ? -1 : 1;
            quad[z * 4] = w[z];
            quad[z * 4 + 1] = w[z] * c;
            quad[z * 4 + 2] = w[z] * r;
            quad[z * 4 + 3] = w[z] * c * r;
        }
        return quad;
    }

    private static byte clamp(float s) {
        // floor(s + 128.5) for the range that matters; anything below -1024 clamps to 0 either way
        int p = (int) (s + (128.5f + 1024)) - 1024;
        return (byte) (p < 0 ? 0 : p > 255 ? 255 : p);
    }

    /**
     * Per natural index z, the weight of coefficient z in {@link #box2sparse} for quantisation {@code q}:
     * q[z] x a(u) x a(v) for u and v in 0, 1, 3, 5, 7 (the others average to zero over half a block), else 0.
     */
    static float[] box2Weights(int[] q) {
        float[] w = new float[64];
        for (int z = 0; z < 64; z++) {
            int u = z & 7;
            int v = z >> 3;
            boolean used = (u == 0 || (u & 1) == 1) && (v == 0 || (v & 1) == 1);
            w[z] = used ? (float) ((double) q[z] * B2[u] * B2[v]) : 0f;
        }
        return w;
    }

    /**
     * {@link #box} to 2x2 from the block's non-zero coefficients only: DC and {@code written[0, count)}
     * (natural indices), with {@link #box2Weights}. Each coefficient goes to one of four sums by the parity
     * of its row and column; the four outputs are those sums with the signs of the mirrored halves.
     */
    static void box2sparse(int[] coef, int[] written, int count, float[] w, float[] sums, byte[] out, int off,
                           int stride) {
        sums[0] = coef[0] * w[0];
        sums[1] = 0;
        sums[2] = 0;
        sums[3] = 0;
        for (int i = 0; i < count; i++) {
            int z = written[i];
            // class: bit 1 = odd row, bit 0 = odd column (no branches: the parities are data)
            sums[(z >> 2 & 2) | (z & 1)] += coef[z] * w[z];
        }
        float ee = sums[0];
        float eo = sums[1];
        float oe = sums[2];
        float oo = sums[3];
        out[off] = clamp(ee + eo + oe + oo);
        out[off + 1] = clamp(ee - eo + oe - oo);
        out[off + stride] = clamp(ee + eo - oe - oo);
        out[off + stride + 1] = clamp(ee - eo - oe + oo);
    }

    /**
     * Per natural index z, the 16 weights of coefficient z in the 4x4 box means ({@link #box} to 4x4) for
     * quantisation {@code q}: {@code [z * 16 + j * 4 + i] = q[z] x BOX4(i, u) x BOX4(j, v)} for output row j and
     * column i, u and v being z's column and row.
     */
    static float[] box4Weights(int[] q) {
        float[] w = new float[64 * 16];
        for (int z = 0; z < 64; z++) {
            int u = z & 7;
            int v = z >> 3;
            for (int j = 0; j < 4; j++) {
                for (int i = 0; i < 4; i++) {
                    w[z * 16 + j * 4 + i] = (float) ((double) q[z] * B4[j * 8 + v] * B4[i * 8 + u]);
                }
            }
        }
        return w;
    }

    /**
     * {@link #box} to 4x4 from the block's non-zero coefficients only: DC and {@code written[0, count)} (natural
     * indices), each adding its 16 weights ({@link #box4Weights}) times its value to the 16 sums. {@code sums}
     * is 16 floats of scratch.
     */
    static void box4sparse(int[] coef, int[] written, int count, float[] w, float[] sums, byte[] out, int off,
                           int stride) {
        float dc = coef[0];
        for (int i = 0; i < 16; i++) {
            sums[i] = dc * w[i];
        }
        for (int k = 0; k < count; k++) {
            int z = written[k];
            float c = coef[z];
            int at = z * 16;
            for (int i = 0; i < 16; i++) {
                sums[i] += c * w[at + i];
            }
        }
        for (int j = 0; j < 4; j++, off += stride) {
            out[off] = clamp(sums[j * 4]);
            out[off + 1] = clamp(sums[j * 4 + 1]);
            out[off + 2] = clamp(sums[j * 4 + 2]);
            out[off + 3] = clamp(sums[j * 4 + 3]);
        }
    }
}
