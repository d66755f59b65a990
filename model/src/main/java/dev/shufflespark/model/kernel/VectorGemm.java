package dev.shufflespark.model.kernel;

import static dev.shufflespark.model.kernel.VectorKernels.EVENS;
import static dev.shufflespark.model.kernel.VectorKernels.L;
import static dev.shufflespark.model.kernel.VectorKernels.ODDS;
import static dev.shufflespark.model.kernel.VectorKernels.S;
import static dev.shufflespark.model.kernel.VectorKernels.UPPER;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix kernels on the Vector API: the pointwise (1x1) convolution as a register-blocked GEMM,
 * the fully connected layer, and the im2col that turns a general convolution into a GEMM. Each
 * has the signature and contract of its {@link ScalarKernels} namesake, its truth in tests.
 * Written to the rules in {@link VectorKernels}.
 */
public final class VectorGemm {

    private VectorGemm() {
    }

    // pointwise convolution (GEMM)

    /** Output channels per register block. */
    private static final int MR = 4;

    /**
     * Input channels per k block of the 4x3 kernel: the panel of 3 vectors x KC input rows
     * (24 KB at 16 lanes) stays in L1 while all output blocks pass over it. Measured on
     * ShuffleNet shapes (AVX-512, 16 lanes): +10-30% for cin >= 240, no change below 128;
     * 96..160 are all about as good, 192 and more lose it again.
     */
    private static final int KC = 128;

    /**
     * Per-thread staging for partial vectors (8 x L floats): a partial store writes the whole
     * vector here and copies the first lanes out. On JDK 17 a masked store is not intrinsified,
     * and {@code lane(i)} with a variable index compiles to a switch whose cold cases call out
     * of line; both box the vector (measured: ~80 bytes per vector in a steady-state run).
     */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[2 * MR * L]);

    /**
     * Whether output channels go 8 at a time through {@link #pw8x2} (16 accumulators, 8 fmas per
     * input vector loaded): with 512-bit vectors, whose instruction set has 32 vector registers.
     * Measured on the pointwise convolutions of ShuffleNet v1 g3 (AVX-512, 16 lanes, the three
     * groups of a layer, hot caches), 8 rows were 8-18% faster than 4.
     */
    private static final boolean EIGHT_ROWS = S.vectorBitSize() >= 512;

    /** Three vectors of zeros: what a kernel adds in place of an absent term. Never written. */
    private static final float[] ZEROS = new float[3 * L];

    /** At least n zeros, never written: {@link #pw8x2}'s bias when a call adds none. */
    private static volatile float[] zeroFloats = new float[256];
    /** At least n zero offsets, never written: {@link #pw8x2}'s term rows for {@link #ZEROS}. */
    private static volatile int[] zeroRows = new int[256];

    private static float[] zeroFloats(int n) {
        float[] z = zeroFloats;
        if (z.length < n) {
            z = new float[n];
            zeroFloats = z; // read-only zeros: a thread that still reads the shorter one loses nothing
        }
        return z;
    }

    private static int[] zeroRows(int n) {
        int[] z = zeroRows;
        if (z.length < n) {
            z = new int[n];
            zeroRows = z;
        }
        return z;
    }

    /**
     * Pointwise convolution as a register-blocked GEMM. With {@link #EIGHT_ROWS}, blocks of 8
     * output channels x 2 vectors of pixels live in 16 accumulators while k runs over the input
     * channels, over every whole vector of each plane (an odd last vector in 8 accumulators);
     * the other output channels go {@value #MR} at a time x 3 vectors in 12 accumulators, then
     * one at a time. Each input vector is loaded once per k and multiplied by broadcast weights.
     * Pixel blocks are the outer loop, then blocks of at most {@value #KC} input channels, then
     * output blocks, so that the input panel (k block x 2 or 3 vectors) stays in L1 across all
     * output blocks. Pixels past the blocks take dot products or 1-vector kernels
     * ({@link #pointwiseTail}).
     *
     * <p>Not in place, the accumulators start from the bias and the residual is added at the
     * end; in place, out already holds the residual, so they start from out and the bias is
     * added at the end. The epilogue (residual, bias, ReLU) is fused into the last k block, and
     * written with fma, compare and blend only (rule 3 in {@link VectorKernels}).
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu) {
        pointwise(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                cin, cout, hw, relu, false);
    }

    /**
     * {@link #pointwise(float[], int, float[], int, float[], int, int[], float[], int, int[], float[], int, int[],
     * int, int, int, boolean) pointwise}; with {@code uniform}, every pixel of the plane is computed alike, bit
     * for bit, wherever it falls (see {@link #pointwiseTail}).
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu, boolean uniform) {
        // weights [cout, cin]; in rows [cin][hw]; out/res rows [cout][hw]
        if (cout <= 0 || hw <= 0) {
            return;
        }
        boolean inPlace = res != null && res == out && sameRows(outBase, outRows, resBase, resRows, cout);
        float[] addRes = inPlace ? null : res;
        boolean addBias = inPlace && bias != null;

        // k blocks of at most KC input channels, as even as possible
        int kBlocks = Math.max(1, (cin + KC - 1) / KC);
        int kc = Math.max(1, (cin + kBlocks - 1) / kBlocks);
        int whole = hw - hw % L;
        // the first c8 output channels 8 at a time, over pairs of vectors
        int c8 = EIGHT_ROWS && cout >= 2 * MR ? cout - cout % (2 * MR) : 0;
        // pairs of vectors; an odd count ends with three vectors, in 4-row halves (a plane of one
        // vector leaves it to the tail)
        int vectors = c8 > 0 ? whole / L : 0;
        boolean triple = vectors % 2 == 1 && vectors >= 3;
        int pairsTo = (triple ? vectors - 3 : vectors - vectors % 2) * L;
        int p2 = triple ? whole : pairsTo;
        for (int p = 0; p < p2; p += p < pairsTo ? 2 * L : 3 * L) {
            int k0 = 0;
            do {
                int k1 = Math.min(cin, k0 + kc);
                // the first k block adds the bias and the residual (in place, what out holds), a
                // later one the partial sums in out: as data, no flag reaches the kernel (see pw8x2)
                boolean first = k0 == 0;
                float[] term = first ? res : out;
                float[] t = term != null ? term : ZEROS;
                int tBase = term == null ? -p : first ? resBase : outBase;
                int[] tRows = term == null ? zeroRows(cout) : first ? resRows : outRows;
                boolean withBias = first && bias != null;
                float[] b8 = withBias ? bias : zeroFloats(cout);
                int b8Off = withBias ? bOff : 0;
                float floor = k1 == cin && relu ? 0f : Float.NEGATIVE_INFINITY;
                if (p < pairsTo) {
                    for (int o = 0; o < c8; o += 2 * MR) {
                        pw8x2(w, wOff, b8, b8Off, in, inBase, inRows, out, outBase, outRows, cin, k0, k1, o, p,
                                t, tBase, tRows, floor);
                    }
                } else {
                    for (int o = 0; o < c8; o += MR) {
                        pw4x3Term(w, wOff, b8, b8Off, in, inBase, inRows, out, outBase, outRows, cin, k0, k1, o, p,
                                t, tBase, tRows, floor);
                    }
                }
                k0 = k1;
            } while (k0 < cin);
        }
        // the other output channels 4 at a time, then one at a time, over blocks of 3 vectors;
        // in a uniform plane only by the 1-vector kernels, whose sums do not depend on k blocks
        int p3 = 0;
        for (; !uniform && c8 < cout && p3 + 3 * L <= whole; p3 += 3 * L) {
            int p = p3;
            int k0 = 0;
            do {
                int k1 = Math.min(cin, k0 + kc);
                // the 4-row kernel's terms as data too: what out holds (a later k block, or the
                // residual in place), then the residual not in place
                boolean fromOut = inPlace || k0 > 0;
                float[] r = k1 == cin ? addRes : null;
                boolean withBias = bias != null && (!fromOut || k1 == cin && addBias);
                float[] b4 = withBias ? bias : zeroFloats(cout);
                int b4Off = withBias ? bOff : 0;
                float floor = k1 == cin && relu ? 0f : Float.NEGATIVE_INFINITY;
                for (int o = c8; o + MR <= cout; o += MR) {
                    pw4x3(w, wOff, b4, b4Off, in, inBase, inRows, out, outBase, outRows, cin, k0, k1, o, p,
                            fromOut ? out : ZEROS, fromOut ? outBase : -p, fromOut ? outRows : zeroRows(cout),
                            r != null ? r : ZEROS, r != null ? resBase : -p, r != null ? resRows : zeroRows(cout),
                            floor);
                }
                k0 = k1;
            } while (k0 < cin);
            for (int o = cout - (cout - c8) % MR; o < cout; o++) {
                pw1x3(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, inPlace,
                        addRes, resBase, resRows, addBias, relu);
            }
        }
        if (c8 == cout || p2 == p3) {
            pointwiseTail(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                    cin, kc, c8, 0, cout, p2, hw, inPlace, addRes, addBias, relu, uniform);
        } else {
            pointwiseTail(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                    cin, kc, c8, 0, c8, p2, hw, inPlace, addRes, addBias, relu, uniform);
            pointwiseTail(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                    cin, kc, c8, c8, cout, p3, hw, inPlace, addRes, addBias, relu, uniform);
        }
    }

    /**
     * Output channels [oFrom, oTo) of {@link #pointwise} over pixels [p, hw), those past its
     * register blocks: whole vectors by 1-vector kernels ({@link #pw8x1} for the first c8
     * channels, which {@link #pw8x2} computes in blocks; {@link #pw4x1} and {@link #pw1x1} for
     * the others), then the pixels past the last whole vector as dot products when they pay
     * ({@link #dotsPay}), else as a last whole vector recomputed overlapping. With
     * {@code uniform}, dot products take a row's pixels only when they take all of them (p is 0):
     * a gathered plane of several images' tails then computes each pixel alike wherever it falls.
     */
    private static void pointwiseTail(float[] w, int wOff, float[] bias, int bOff,
                                      float[] in, int inBase, int[] inRows,
                                      float[] out, int outBase, int[] outRows,
                                      float[] res, int resBase, int[] resRows,
                                      int cin, int kc, int c8, int oFrom, int oTo, int p, int hw,
                                      boolean inPlace, float[] addRes, boolean addBias, boolean relu,
                                      boolean uniform) {
        if (oFrom >= oTo || p >= hw) {
            return;
        }
        int whole = hw - hw % L;
        int dotsFrom = uniform ? p : Math.max(p, whole);
        boolean dots = (!uniform || p == 0) && dotsPay(cin, hw - dotsFrom);
        int vectorsTo = dots ? dotsFrom : hw;
        float[] partial = PARTIAL.get();
        // the 8-row kernel's terms, as pw8x2's first k block takes them
        float[] t = res != null ? res : ZEROS;
        int[] tRows = res != null ? resRows : zeroRows(oTo);
        boolean withBias = bias != null;
        float[] b8 = withBias ? bias : zeroFloats(oTo);
        int b8Off = withBias ? bOff : 0;
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        while (p < vectorsTo) {
            // The vector at p is computed whole; lanes [from, to) of it are stored.
            int from = 0;
            int to = Math.min(L, vectorsTo - p);
            if (to < L) {
                if (hw >= L) {
                    // Take the last whole vector of the plane instead (every access inside the
                    // planes). Not in place, its lanes over pixels already done get the same
                    // values again (bit for bit from the 8-row and 4-row kernels; the 1-row
                    // kernel sums in another order), so it is stored whole; in place they would
                    // accumulate onto finished outputs, so only the new lanes are stored.
                    from = inPlace ? L - to : 0;
                    to = L;
                    p = hw - L;
                } else if (!wholeVectorFits(in, inBase, inRows, cin, p)
                        || (res != null && !wholeVectorFits(res, resBase, resRows, oTo, p))) {
                    // A plane narrower than a vector, at the very end of its array: the rows
                    // [oFrom, oTo) of the scalar kernel.
                    int[] rows = oFrom == 0 ? outRows : java.util.Arrays.copyOfRange(outRows, oFrom, oTo);
                    int[] rRows = res == null || oFrom == 0 ? resRows
                            : java.util.Arrays.copyOfRange(resRows, oFrom, oTo);
                    ScalarKernels.pointwise(w, wOff + oFrom * cin, bias, bOff + oFrom, in, inBase + p, inRows,
                            out, outBase + p, rows, res, resBase + p, rRows, cin, oTo - oFrom, hw - p, relu);
                    return;
                }
            }
            int o = oFrom;
            for (; o + 2 * MR <= Math.min(oTo, c8); o += 2 * MR) {
                pw8x1(w, wOff, b8, b8Off, in, inBase, inRows, out, outBase, outRows, cin, kc, o, p, from, to,
                        partial, t, res != null ? resBase : -p, tRows, floor);
            }
            for (; o + MR <= oTo; o += MR) {
                pw4x1(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, from, to,
                        partial, inPlace, addRes, resBase, resRows, addBias, relu);
            }
            for (; o < oTo; o++) {
                pw1x1(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, from, to,
                        partial, inPlace, addRes, resBase, resRows, addBias, relu);
            }
            p += L;
        }
        if (dots) {
            pointwiseDots(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                    cin, oFrom, oTo, dotsFrom, hw, relu);
        }
    }

    /**
     * Pixels per block of {@link #pointwise} for {@code Kernels.pointwisePixelBlock}: a vector with
     * {@link #EIGHT_ROWS}, whose kernels take every whole vector of a plane alike; otherwise the
     * 4-row kernel's 3 vectors.
     */
    static int pixelBlock() {
        return EIGHT_ROWS ? L : 3 * L;
    }

    /**
     * Most pixels past the last block of a plane that {@link #pointwiseDots} may take instead of a
     * whole recomputed vector (1 of 49 at 7x7, 4 of 196 at 14x14); {@link #dotsPay} decides.
     */
    private static final int DOT_TAIL = Math.max(1, L / 4);

    /**
     * Whether a tail of {@code tail} pixels (past the last whole vector) costs less as dot
     * products than as one recomputed vector. Per output channel, in cycles of one core with two
     * fma units: the vector costs {@code cin / 2}; each pixel's dot product costs its vector fmas
     * ({@code cin / L / 2}), a chain of dependent scalar fmas for the {@code cin % L} channels past
     * them (about 4 cycles each) and a lane reduction (about {@value #REDUCE_CYCLES}). So on
     * ShuffleNet's 7x7 planes (1 pixel) dots win at every width; on 14x14 planes (4 pixels) they
     * win for cin = 160 and lose for 40 (v1's second pointwise convolutions, 20-25% of their
     * time) and 116 (V2).
     */
    static boolean dotsPay(int cin, int tail) {
        return tail <= DOT_TAIL && tail * (cin / L / 2 + 4 * (cin % L) + REDUCE_CYCLES) < cin / 2;
    }

    private static final int REDUCE_CYCLES = 12;

    /** Per-thread row of one pixel's input channels, for {@link #pointwiseDots}; grown as needed. */
    private static final ThreadLocal<float[][]> COLUMN = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * Pixels [p, hw) of a pointwise convolution as dot products: each pixel's input channels
     * gathered into a row, then one vector dot product with each output channel's weights. For a
     * few pixels this is a fraction of the vector work of the 4-row kernels, which compute a
     * whole vector of pixels per output channel (16 lanes for the 1 pixel of a 7x7 plane's tail).
     */
    private static void pointwiseDots(float[] w, int wOff, float[] bias, int bOff,
                                      float[] in, int inBase, int[] inRows,
                                      float[] out, int outBase, int[] outRows,
                                      float[] res, int resBase, int[] resRows,
                                      int cin, int oFrom, int oTo, int p, int hw, boolean relu) {
        float[][] holder = COLUMN.get();
        if (holder[0].length < cin) {
            holder[0] = new float[cin];
        }
        float[] x = holder[0];
        for (int j = p; j < hw; j++) {
            for (int k = 0; k < cin; k++) {
                x[k] = in[inBase + inRows[k] + j];
            }
            for (int o = oFrom; o < oTo; o++) {
                float v = VectorElementwise.dot(w, wOff + o * cin, x, 0, cin);
                if (bias != null) {
                    v += bias[bOff + o];
                }
                int at = outBase + outRows[o] + j;
                if (res != null) {
                    // in place, res[...] is out[at] itself: read before it is written
                    v += res[resBase + resRows[o] + j];
                }
                out[at] = relu ? Math.max(v, 0f) : v;
            }
        }
    }

    /** Whether res rows address exactly the out rows (an in-place residual). */
    private static boolean sameRows(int outBase, int[] outRows, int resBase, int[] resRows, int cout) {
        if (outBase == resBase && outRows == resRows) {
            return true;
        }
        for (int o = 0; o < cout; o++) {
            if (outBase + outRows[o] != resBase + resRows[o]) {
                return false;
            }
        }
        return true;
    }

    /** Whether a whole vector at {@code base + rows[i] + p} lies inside {@code a} for every i < count. */
    private static boolean wholeVectorFits(float[] a, int base, int[] rows, int count, int p) {
        for (int i = 0; i < count; i++) {
            if (base + rows[i] + p + L > a.length) {
                return false;
            }
        }
        return true;
    }

    /**
     * Output channels o..o+7 x pixels p..p+2L over input channels [k0, k1): 16 accumulators, so
     * that each input vector loaded feeds 8 fmas (the weights are broadcast from memory). The
     * accumulators start from {@code bias[bOff + o..]} (zeros when the call adds no bias); after
     * the k loop they add one term, {@code t} at {@code tBase + tRows[.] + p} (the residual,
     * out's partial sums of earlier k blocks, or {@link #ZEROS}); then a clamp at {@code floor}
     * (0 for ReLU, minus infinity for none) and the store.
     *
     * <p>Sixteen accumulators, not 24 (8 x 3 vectors, this kernel's first form): with 24, the
     * three input vectors and a broadcast weight, the k loop needed 28 of AVX-512's 32 vector
     * registers and more integers than x86 has general registers, and C2's register allocation
     * differed from one JVM to the next: in most fresh JVMs whose compiler shared a core with
     * the work it spilled accumulators to the stack inside the loop, and the whole network ran
     * 1.5-2.8x slower in those JVMs (docs/performance.md). The output and term offsets are
     * computed after the loop for the same reason: only the loop's own indices live through it.
     *
     * <p>No flag reaches this kernel: the caller chooses the arrays and the floor, so that it
     * has no branch besides its loop. With flags, C2 compiled it for the branches the profile
     * had seen and threw the code out at the first layer that took another (a first residual, a
     * first layer without ReLU), twice in a new JVM's first second of batches, each time back to
     * the Java fallback until the next compilation (docs/performance.md). One term, not
     * {@link #pw4x3}'s two, keeps the method small enough for C1, which compiles it first.
     */
    private static void pw8x2(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int k0, int k1, int o, int p,
                              float[] t, int tBase, int[] tRows, float floor) {
        FloatVector a00 = FloatVector.broadcast(S, bias[bOff + o]);
        FloatVector a10 = FloatVector.broadcast(S, bias[bOff + o + 1]);
        FloatVector a20 = FloatVector.broadcast(S, bias[bOff + o + 2]);
        FloatVector a30 = FloatVector.broadcast(S, bias[bOff + o + 3]);
        FloatVector a40 = FloatVector.broadcast(S, bias[bOff + o + 4]);
        FloatVector a50 = FloatVector.broadcast(S, bias[bOff + o + 5]);
        FloatVector a60 = FloatVector.broadcast(S, bias[bOff + o + 6]);
        FloatVector a70 = FloatVector.broadcast(S, bias[bOff + o + 7]);
        FloatVector a01 = a00;
        FloatVector a11 = a10;
        FloatVector a21 = a20;
        FloatVector a31 = a30;
        FloatVector a41 = a40;
        FloatVector a51 = a50;
        FloatVector a61 = a60;
        FloatVector a71 = a70;
        int w0 = wOff + o * cin;
        int w1 = w0 + cin;
        int w2 = w1 + cin;
        int w3 = w2 + cin;
        int w4 = w3 + cin;
        int w5 = w4 + cin;
        int w6 = w5 + cin;
        int w7 = w6 + cin;
        for (int k = k0; k < k1; k++) {
            int i = inBase + inRows[k] + p;
            FloatVector x0 = FloatVector.fromArray(S, in, i);
            FloatVector x1 = FloatVector.fromArray(S, in, i + L);
            FloatVector b = FloatVector.broadcast(S, w[w0 + k]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            b = FloatVector.broadcast(S, w[w1 + k]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            b = FloatVector.broadcast(S, w[w2 + k]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            b = FloatVector.broadcast(S, w[w3 + k]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            b = FloatVector.broadcast(S, w[w4 + k]);
            a40 = x0.fma(b, a40);
            a41 = x1.fma(b, a41);
            b = FloatVector.broadcast(S, w[w5 + k]);
            a50 = x0.fma(b, a50);
            a51 = x1.fma(b, a51);
            b = FloatVector.broadcast(S, w[w6 + k]);
            a60 = x0.fma(b, a60);
            a61 = x1.fma(b, a61);
            b = FloatVector.broadcast(S, w[w7 + k]);
            a70 = x0.fma(b, a70);
            a71 = x1.fma(b, a71);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        int t0 = tBase + tRows[o] + p;
        a00 = FloatVector.fromArray(S, t, t0).fma(one, a00);
        a01 = FloatVector.fromArray(S, t, t0 + L).fma(one, a01);
        int t1 = tBase + tRows[o + 1] + p;
        a10 = FloatVector.fromArray(S, t, t1).fma(one, a10);
        a11 = FloatVector.fromArray(S, t, t1 + L).fma(one, a11);
        int t2 = tBase + tRows[o + 2] + p;
        a20 = FloatVector.fromArray(S, t, t2).fma(one, a20);
        a21 = FloatVector.fromArray(S, t, t2 + L).fma(one, a21);
        int t3 = tBase + tRows[o + 3] + p;
        a30 = FloatVector.fromArray(S, t, t3).fma(one, a30);
        a31 = FloatVector.fromArray(S, t, t3 + L).fma(one, a31);
        int t4 = tBase + tRows[o + 4] + p;
        a40 = FloatVector.fromArray(S, t, t4).fma(one, a40);
        a41 = FloatVector.fromArray(S, t, t4 + L).fma(one, a41);
        int t5 = tBase + tRows[o + 5] + p;
        a50 = FloatVector.fromArray(S, t, t5).fma(one, a50);
        a51 = FloatVector.fromArray(S, t, t5 + L).fma(one, a51);
        int t6 = tBase + tRows[o + 6] + p;
        a60 = FloatVector.fromArray(S, t, t6).fma(one, a60);
        a61 = FloatVector.fromArray(S, t, t6 + L).fma(one, a61);
        int t7 = tBase + tRows[o + 7] + p;
        a70 = FloatVector.fromArray(S, t, t7).fma(one, a70);
        a71 = FloatVector.fromArray(S, t, t7 + L).fma(one, a71);
        FloatVector z = FloatVector.broadcast(S, floor);
        a00 = a00.blend(z, a00.lt(z));
        a01 = a01.blend(z, a01.lt(z));
        a10 = a10.blend(z, a10.lt(z));
        a11 = a11.blend(z, a11.lt(z));
        a20 = a20.blend(z, a20.lt(z));
        a21 = a21.blend(z, a21.lt(z));
        a30 = a30.blend(z, a30.lt(z));
        a31 = a31.blend(z, a31.lt(z));
        a40 = a40.blend(z, a40.lt(z));
        a41 = a41.blend(z, a41.lt(z));
        a50 = a50.blend(z, a50.lt(z));
        a51 = a51.blend(z, a51.lt(z));
        a60 = a60.blend(z, a60.lt(z));
        a61 = a61.blend(z, a61.lt(z));
        a70 = a70.blend(z, a70.lt(z));
        a71 = a71.blend(z, a71.lt(z));
        int o0 = outBase + outRows[o] + p;
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + L);
        int o1 = outBase + outRows[o + 1] + p;
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + L);
        int o2 = outBase + outRows[o + 2] + p;
        a20.intoArray(out, o2);
        a21.intoArray(out, o2 + L);
        int o3 = outBase + outRows[o + 3] + p;
        a30.intoArray(out, o3);
        a31.intoArray(out, o3 + L);
        int o4 = outBase + outRows[o + 4] + p;
        a40.intoArray(out, o4);
        a41.intoArray(out, o4 + L);
        int o5 = outBase + outRows[o + 5] + p;
        a50.intoArray(out, o5);
        a51.intoArray(out, o5 + L);
        int o6 = outBase + outRows[o + 6] + p;
        a60.intoArray(out, o6);
        a61.intoArray(out, o6 + L);
        int o7 = outBase + outRows[o + 7] + p;
        a70.intoArray(out, o7);
        a71.intoArray(out, o7 + L);
    }

    /**
     * Output channels o..o+3 x pixels p..p+3L over input channels [k0, k1), with the terms,
     * the order and so the bits of {@link #pw8x2}: the last three vectors of a plane whose whole
     * vectors are odd in number (49 pixels: three vectors, no pair), two calls per block of 8
     * channels. Twelve accumulators feed as many fmas per value loaded as {@link #pw8x2}'s 16.
     */
    private static void pw4x3Term(float[] w, int wOff, float[] bias, int bOff,
                                  float[] in, int inBase, int[] inRows,
                                  float[] out, int outBase, int[] outRows,
                                  int cin, int k0, int k1, int o, int p,
                                  float[] t, int tBase, int[] tRows, float floor) {
        FloatVector a00 = FloatVector.broadcast(S, bias[bOff + o]);
        FloatVector a10 = FloatVector.broadcast(S, bias[bOff + o + 1]);
        FloatVector a20 = FloatVector.broadcast(S, bias[bOff + o + 2]);
        FloatVector a30 = FloatVector.broadcast(S, bias[bOff + o + 3]);
        FloatVector a01 = a00, a02 = a00;
        FloatVector a11 = a10, a12 = a10;
        FloatVector a21 = a20, a22 = a20;
        FloatVector a31 = a30, a32 = a30;
        int w0 = wOff + o * cin;
        int w1 = w0 + cin;
        int w2 = w1 + cin;
        int w3 = w2 + cin;
        for (int k = k0; k < k1; k++) {
            int i = inBase + inRows[k] + p;
            FloatVector x0 = FloatVector.fromArray(S, in, i);
            FloatVector x1 = FloatVector.fromArray(S, in, i + L);
            FloatVector x2 = FloatVector.fromArray(S, in, i + 2 * L);
            FloatVector b = FloatVector.broadcast(S, w[w0 + k]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(S, w[w1 + k]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
            b = FloatVector.broadcast(S, w[w2 + k]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            a22 = x2.fma(b, a22);
            b = FloatVector.broadcast(S, w[w3 + k]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            a32 = x2.fma(b, a32);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        int t0 = tBase + tRows[o] + p;
        a00 = FloatVector.fromArray(S, t, t0).fma(one, a00);
        a01 = FloatVector.fromArray(S, t, t0 + L).fma(one, a01);
        a02 = FloatVector.fromArray(S, t, t0 + 2 * L).fma(one, a02);
        int t1 = tBase + tRows[o + 1] + p;
        a10 = FloatVector.fromArray(S, t, t1).fma(one, a10);
        a11 = FloatVector.fromArray(S, t, t1 + L).fma(one, a11);
        a12 = FloatVector.fromArray(S, t, t1 + 2 * L).fma(one, a12);
        int t2 = tBase + tRows[o + 2] + p;
        a20 = FloatVector.fromArray(S, t, t2).fma(one, a20);
        a21 = FloatVector.fromArray(S, t, t2 + L).fma(one, a21);
        a22 = FloatVector.fromArray(S, t, t2 + 2 * L).fma(one, a22);
        int t3 = tBase + tRows[o + 3] + p;
        a30 = FloatVector.fromArray(S, t, t3).fma(one, a30);
        a31 = FloatVector.fromArray(S, t, t3 + L).fma(one, a31);
        a32 = FloatVector.fromArray(S, t, t3 + 2 * L).fma(one, a32);
        FloatVector z = FloatVector.broadcast(S, floor);
        a00 = a00.blend(z, a00.lt(z));
        a01 = a01.blend(z, a01.lt(z));
        a02 = a02.blend(z, a02.lt(z));
        a10 = a10.blend(z, a10.lt(z));
        a11 = a11.blend(z, a11.lt(z));
        a12 = a12.blend(z, a12.lt(z));
        a20 = a20.blend(z, a20.lt(z));
        a21 = a21.blend(z, a21.lt(z));
        a22 = a22.blend(z, a22.lt(z));
        a30 = a30.blend(z, a30.lt(z));
        a31 = a31.blend(z, a31.lt(z));
        a32 = a32.blend(z, a32.lt(z));
        int o0 = outBase + outRows[o] + p;
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + L);
        a02.intoArray(out, o0 + 2 * L);
        int o1 = outBase + outRows[o + 1] + p;
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o1 + 2 * L);
        int o2 = outBase + outRows[o + 2] + p;
        a20.intoArray(out, o2);
        a21.intoArray(out, o2 + L);
        a22.intoArray(out, o2 + 2 * L);
        int o3 = outBase + outRows[o + 3] + p;
        a30.intoArray(out, o3);
        a31.intoArray(out, o3 + L);
        a32.intoArray(out, o3 + 2 * L);
    }

    /**
     * Output channels o..o+7 x one vector of pixels at p, all input channels, of which lanes
     * [from, to) are stored (the whole vector lies inside the arrays read): the 8-row rows'
     * pixels past {@link #pw8x2}'s blocks. It sums the same k blocks in the same order as
     * {@link #pw8x2}, keeping each block's sum in registers where {@link #pw8x2} keeps it in out
     * (the bias and the term {@code t} added to the first block, each later block started from
     * zero and added to the sum before it), so every output is the same bit for bit whichever of
     * the two computes it: an image's logits do not depend on where its pixels fall in a
     * batch's gathered plane. The vectors go through {@code partial} (see {@link #PARTIAL}).
     */
    private static void pw8x1(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int kc, int o, int p, int from, int to, float[] partial,
                              float[] t, int tBase, int[] tRows, float floor) {
        FloatVector a0 = FloatVector.broadcast(S, bias[bOff + o]);
        FloatVector a1 = FloatVector.broadcast(S, bias[bOff + o + 1]);
        FloatVector a2 = FloatVector.broadcast(S, bias[bOff + o + 2]);
        FloatVector a3 = FloatVector.broadcast(S, bias[bOff + o + 3]);
        FloatVector a4 = FloatVector.broadcast(S, bias[bOff + o + 4]);
        FloatVector a5 = FloatVector.broadcast(S, bias[bOff + o + 5]);
        FloatVector a6 = FloatVector.broadcast(S, bias[bOff + o + 6]);
        FloatVector a7 = FloatVector.broadcast(S, bias[bOff + o + 7]);
        int w0 = wOff + o * cin;
        int w1 = w0 + cin;
        int w2 = w1 + cin;
        int w3 = w2 + cin;
        int w4 = w3 + cin;
        int w5 = w4 + cin;
        int w6 = w5 + cin;
        int w7 = w6 + cin;
        int k1 = Math.min(cin, kc);
        for (int k = 0; k < k1; k++) {
            FloatVector x = FloatVector.fromArray(S, in, inBase + inRows[k] + p);
            a0 = x.fma(FloatVector.broadcast(S, w[w0 + k]), a0);
            a1 = x.fma(FloatVector.broadcast(S, w[w1 + k]), a1);
            a2 = x.fma(FloatVector.broadcast(S, w[w2 + k]), a2);
            a3 = x.fma(FloatVector.broadcast(S, w[w3 + k]), a3);
            a4 = x.fma(FloatVector.broadcast(S, w[w4 + k]), a4);
            a5 = x.fma(FloatVector.broadcast(S, w[w5 + k]), a5);
            a6 = x.fma(FloatVector.broadcast(S, w[w6 + k]), a6);
            a7 = x.fma(FloatVector.broadcast(S, w[w7 + k]), a7);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        a0 = FloatVector.fromArray(S, t, tBase + tRows[o] + p).fma(one, a0);
        a1 = FloatVector.fromArray(S, t, tBase + tRows[o + 1] + p).fma(one, a1);
        a2 = FloatVector.fromArray(S, t, tBase + tRows[o + 2] + p).fma(one, a2);
        a3 = FloatVector.fromArray(S, t, tBase + tRows[o + 3] + p).fma(one, a3);
        a4 = FloatVector.fromArray(S, t, tBase + tRows[o + 4] + p).fma(one, a4);
        a5 = FloatVector.fromArray(S, t, tBase + tRows[o + 5] + p).fma(one, a5);
        a6 = FloatVector.fromArray(S, t, tBase + tRows[o + 6] + p).fma(one, a6);
        a7 = FloatVector.fromArray(S, t, tBase + tRows[o + 7] + p).fma(one, a7);
        FloatVector zero = FloatVector.zero(S);
        for (int k0 = k1; k0 < cin; k0 = k1) {
            k1 = Math.min(cin, k0 + kc);
            FloatVector s0 = a0;
            FloatVector s1 = a1;
            FloatVector s2 = a2;
            FloatVector s3 = a3;
            FloatVector s4 = a4;
            FloatVector s5 = a5;
            FloatVector s6 = a6;
            FloatVector s7 = a7;
            a0 = zero;
            a1 = zero;
            a2 = zero;
            a3 = zero;
            a4 = zero;
            a5 = zero;
            a6 = zero;
            a7 = zero;
            for (int k = k0; k < k1; k++) {
                FloatVector x = FloatVector.fromArray(S, in, inBase + inRows[k] + p);
                a0 = x.fma(FloatVector.broadcast(S, w[w0 + k]), a0);
                a1 = x.fma(FloatVector.broadcast(S, w[w1 + k]), a1);
                a2 = x.fma(FloatVector.broadcast(S, w[w2 + k]), a2);
                a3 = x.fma(FloatVector.broadcast(S, w[w3 + k]), a3);
                a4 = x.fma(FloatVector.broadcast(S, w[w4 + k]), a4);
                a5 = x.fma(FloatVector.broadcast(S, w[w5 + k]), a5);
                a6 = x.fma(FloatVector.broadcast(S, w[w6 + k]), a6);
                a7 = x.fma(FloatVector.broadcast(S, w[w7 + k]), a7);
            }
            a0 = s0.fma(one, a0);
            a1 = s1.fma(one, a1);
            a2 = s2.fma(one, a2);
            a3 = s3.fma(one, a3);
            a4 = s4.fma(one, a4);
            a5 = s5.fma(one, a5);
            a6 = s6.fma(one, a6);
            a7 = s7.fma(one, a7);
        }
        FloatVector z = FloatVector.broadcast(S, floor);
        a0 = a0.blend(z, a0.lt(z));
        a1 = a1.blend(z, a1.lt(z));
        a2 = a2.blend(z, a2.lt(z));
        a3 = a3.blend(z, a3.lt(z));
        a4 = a4.blend(z, a4.lt(z));
        a5 = a5.blend(z, a5.lt(z));
        a6 = a6.blend(z, a6.lt(z));
        a7 = a7.blend(z, a7.lt(z));
        a0.intoArray(partial, 0);
        a1.intoArray(partial, L);
        a2.intoArray(partial, 2 * L);
        a3.intoArray(partial, 3 * L);
        a4.intoArray(partial, 4 * L);
        a5.intoArray(partial, 5 * L);
        a6.intoArray(partial, 6 * L);
        a7.intoArray(partial, 7 * L);
        int n = to - from;
        System.arraycopy(partial, from, out, outBase + outRows[o] + p + from, n);
        System.arraycopy(partial, L + from, out, outBase + outRows[o + 1] + p + from, n);
        System.arraycopy(partial, 2 * L + from, out, outBase + outRows[o + 2] + p + from, n);
        System.arraycopy(partial, 3 * L + from, out, outBase + outRows[o + 3] + p + from, n);
        System.arraycopy(partial, 4 * L + from, out, outBase + outRows[o + 4] + p + from, n);
        System.arraycopy(partial, 5 * L + from, out, outBase + outRows[o + 5] + p + from, n);
        System.arraycopy(partial, 6 * L + from, out, outBase + outRows[o + 6] + p + from, n);
        System.arraycopy(partial, 7 * L + from, out, outBase + outRows[o + 7] + p + from, n);
    }

    /**
     * Output channels o..o+3 x pixels p..p+3L over input channels [k0, k1). The accumulators
     * start from {@code bias[bOff + o..]} (the bias when this call adds it: not in place, the
     * first k block; in place, the last; zeros otherwise); after the k loop they add two terms,
     * {@code t} at {@code tBase + tRows[.] + p} (what out holds: a later k block, or the
     * residual in place) and {@code r} likewise (the residual, not in place), either of them
     * {@link #ZEROS} when absent, then clamp at {@code floor} (0 for ReLU, minus infinity for
     * none) and store.
     *
     * <p>Every vector operation runs on every call (rule 4 in {@link VectorKernels}), and no
     * flag reaches the kernel, as for {@link #pw8x2}. The price of the unconditional terms is 36
     * operations per block against 19 per input channel in the k loop.
     */
    private static void pw4x3(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int k0, int k1, int o, int p,
                              float[] t, int tBase, int[] tRows, float[] r, int rBase, int[] rRows, float floor) {
        int o0 = outBase + outRows[o] + p, o1 = outBase + outRows[o + 1] + p;
        int o2 = outBase + outRows[o + 2] + p, o3 = outBase + outRows[o + 3] + p;
        FloatVector a00 = FloatVector.broadcast(S, bias[bOff + o]);
        FloatVector a10 = FloatVector.broadcast(S, bias[bOff + o + 1]);
        FloatVector a20 = FloatVector.broadcast(S, bias[bOff + o + 2]);
        FloatVector a30 = FloatVector.broadcast(S, bias[bOff + o + 3]);
        FloatVector a01 = a00, a02 = a00, a11 = a10, a12 = a10, a21 = a20, a22 = a20, a31 = a30, a32 = a30;
        int w0 = wOff + o * cin, w1 = w0 + cin, w2 = w1 + cin, w3 = w2 + cin;
        for (int k = k0; k < k1; k++) {
            int i = inBase + inRows[k] + p;
            FloatVector x0 = FloatVector.fromArray(S, in, i);
            FloatVector x1 = FloatVector.fromArray(S, in, i + L);
            FloatVector x2 = FloatVector.fromArray(S, in, i + 2 * L);
            FloatVector b = FloatVector.broadcast(S, w[w0 + k]);
            a00 = x0.fma(b, a00);
            a01 = x1.fma(b, a01);
            a02 = x2.fma(b, a02);
            b = FloatVector.broadcast(S, w[w1 + k]);
            a10 = x0.fma(b, a10);
            a11 = x1.fma(b, a11);
            a12 = x2.fma(b, a12);
            b = FloatVector.broadcast(S, w[w2 + k]);
            a20 = x0.fma(b, a20);
            a21 = x1.fma(b, a21);
            a22 = x2.fma(b, a22);
            b = FloatVector.broadcast(S, w[w3 + k]);
            a30 = x0.fma(b, a30);
            a31 = x1.fma(b, a31);
            a32 = x2.fma(b, a32);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        // what out holds: partial sums of earlier k blocks, or the residual in place
        int t0 = tBase + tRows[o] + p, t1 = tBase + tRows[o + 1] + p;
        int t2 = tBase + tRows[o + 2] + p, t3 = tBase + tRows[o + 3] + p;
        a00 = FloatVector.fromArray(S, t, t0).fma(one, a00);
        a01 = FloatVector.fromArray(S, t, t0 + L).fma(one, a01);
        a02 = FloatVector.fromArray(S, t, t0 + 2 * L).fma(one, a02);
        a10 = FloatVector.fromArray(S, t, t1).fma(one, a10);
        a11 = FloatVector.fromArray(S, t, t1 + L).fma(one, a11);
        a12 = FloatVector.fromArray(S, t, t1 + 2 * L).fma(one, a12);
        a20 = FloatVector.fromArray(S, t, t2).fma(one, a20);
        a21 = FloatVector.fromArray(S, t, t2 + L).fma(one, a21);
        a22 = FloatVector.fromArray(S, t, t2 + 2 * L).fma(one, a22);
        a30 = FloatVector.fromArray(S, t, t3).fma(one, a30);
        a31 = FloatVector.fromArray(S, t, t3 + L).fma(one, a31);
        a32 = FloatVector.fromArray(S, t, t3 + 2 * L).fma(one, a32);
        // the residual, not in place
        t = r;
        t0 = rBase + rRows[o] + p;
        t1 = rBase + rRows[o + 1] + p;
        t2 = rBase + rRows[o + 2] + p;
        t3 = rBase + rRows[o + 3] + p;
        a00 = FloatVector.fromArray(S, t, t0).fma(one, a00);
        a01 = FloatVector.fromArray(S, t, t0 + L).fma(one, a01);
        a02 = FloatVector.fromArray(S, t, t0 + 2 * L).fma(one, a02);
        a10 = FloatVector.fromArray(S, t, t1).fma(one, a10);
        a11 = FloatVector.fromArray(S, t, t1 + L).fma(one, a11);
        a12 = FloatVector.fromArray(S, t, t1 + 2 * L).fma(one, a12);
        a20 = FloatVector.fromArray(S, t, t2).fma(one, a20);
        a21 = FloatVector.fromArray(S, t, t2 + L).fma(one, a21);
        a22 = FloatVector.fromArray(S, t, t2 + 2 * L).fma(one, a22);
        a30 = FloatVector.fromArray(S, t, t3).fma(one, a30);
        a31 = FloatVector.fromArray(S, t, t3 + L).fma(one, a31);
        a32 = FloatVector.fromArray(S, t, t3 + 2 * L).fma(one, a32);
        // the floor: 0 for ReLU, or minus infinity, which changes nothing (NaN stays NaN either way)
        FloatVector z = FloatVector.broadcast(S, floor);
        a00 = a00.blend(z, a00.lt(z));
        a01 = a01.blend(z, a01.lt(z));
        a02 = a02.blend(z, a02.lt(z));
        a10 = a10.blend(z, a10.lt(z));
        a11 = a11.blend(z, a11.lt(z));
        a12 = a12.blend(z, a12.lt(z));
        a20 = a20.blend(z, a20.lt(z));
        a21 = a21.blend(z, a21.lt(z));
        a22 = a22.blend(z, a22.lt(z));
        a30 = a30.blend(z, a30.lt(z));
        a31 = a31.blend(z, a31.lt(z));
        a32 = a32.blend(z, a32.lt(z));
        a00.intoArray(out, o0);
        a01.intoArray(out, o0 + L);
        a02.intoArray(out, o0 + 2 * L);
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o1 + 2 * L);
        a20.intoArray(out, o2);
        a21.intoArray(out, o2 + L);
        a22.intoArray(out, o2 + 2 * L);
        a30.intoArray(out, o3);
        a31.intoArray(out, o3 + L);
        a32.intoArray(out, o3 + 2 * L);
    }

    /** Output channel o x pixels p..p+3L, all input channels; branch-free as {@link #pw4x3}. */
    private static void pw1x3(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int o, int p, boolean fromOut,
                              float[] res, int resBase, int[] resRows, boolean addBias, boolean relu) {
        int oi = outBase + outRows[o] + p;
        boolean withBias = bias != null && (!fromOut || addBias);
        FloatVector a0 = FloatVector.broadcast(S, withBias ? bias[bOff + o] : 0f);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        int w0 = wOff + o * cin;
        for (int k = 0; k < cin; k++) {
            int i = inBase + inRows[k] + p;
            FloatVector b = FloatVector.broadcast(S, w[w0 + k]);
            a0 = FloatVector.fromArray(S, in, i).fma(b, a0);
            a1 = FloatVector.fromArray(S, in, i + L).fma(b, a1);
            a2 = FloatVector.fromArray(S, in, i + 2 * L).fma(b, a2);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        float[] t = fromOut ? out : ZEROS;
        int t0 = fromOut ? oi : 0;
        a0 = FloatVector.fromArray(S, t, t0).fma(one, a0);
        a1 = FloatVector.fromArray(S, t, t0 + L).fma(one, a1);
        a2 = FloatVector.fromArray(S, t, t0 + 2 * L).fma(one, a2);
        t = res != null ? res : ZEROS;
        t0 = res != null ? resBase + resRows[o] + p : 0;
        a0 = FloatVector.fromArray(S, t, t0).fma(one, a0);
        a1 = FloatVector.fromArray(S, t, t0 + L).fma(one, a1);
        a2 = FloatVector.fromArray(S, t, t0 + 2 * L).fma(one, a2);
        FloatVector z = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        a0 = a0.blend(z, a0.lt(z));
        a1 = a1.blend(z, a1.lt(z));
        a2 = a2.blend(z, a2.lt(z));
        a0.intoArray(out, oi);
        a1.intoArray(out, oi + L);
        a2.intoArray(out, oi + 2 * L);
    }

    /**
     * Output channels o..o+3 x one vector of pixels at p, all input channels, of which lanes
     * [from, to) are stored (the whole vector lies inside the arrays read). Branch-free as
     * {@link #pw4x3}, and so the sums match its bit for bit. The vectors go through
     * {@code partial} (see {@link #PARTIAL}) and are copied out, whole or not: this kernel only
     * takes the last vector or two of each plane.
     */
    private static void pw4x1(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int o, int p, int from, int to, float[] partial, boolean fromOut,
                              float[] res, int resBase, int[] resRows, boolean addBias, boolean relu) {
        int o0 = outBase + outRows[o] + p, o1 = outBase + outRows[o + 1] + p;
        int o2 = outBase + outRows[o + 2] + p, o3 = outBase + outRows[o + 3] + p;
        boolean withBias = bias != null && (!fromOut || addBias);
        FloatVector a0 = FloatVector.broadcast(S, withBias ? bias[bOff + o] : 0f);
        FloatVector a1 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 1] : 0f);
        FloatVector a2 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 2] : 0f);
        FloatVector a3 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 3] : 0f);
        int w0 = wOff + o * cin, w1 = w0 + cin, w2 = w1 + cin, w3 = w2 + cin;
        for (int k = 0; k < cin; k++) {
            FloatVector x = FloatVector.fromArray(S, in, inBase + inRows[k] + p);
            a0 = x.fma(FloatVector.broadcast(S, w[w0 + k]), a0);
            a1 = x.fma(FloatVector.broadcast(S, w[w1 + k]), a1);
            a2 = x.fma(FloatVector.broadcast(S, w[w2 + k]), a2);
            a3 = x.fma(FloatVector.broadcast(S, w[w3 + k]), a3);
        }
        FloatVector one = FloatVector.broadcast(S, 1f);
        float[] t = fromOut ? out : ZEROS;
        a0 = FloatVector.fromArray(S, t, fromOut ? o0 : 0).fma(one, a0);
        a1 = FloatVector.fromArray(S, t, fromOut ? o1 : 0).fma(one, a1);
        a2 = FloatVector.fromArray(S, t, fromOut ? o2 : 0).fma(one, a2);
        a3 = FloatVector.fromArray(S, t, fromOut ? o3 : 0).fma(one, a3);
        t = res != null ? res : ZEROS;
        a0 = FloatVector.fromArray(S, t, res != null ? resBase + resRows[o] + p : 0).fma(one, a0);
        a1 = FloatVector.fromArray(S, t, res != null ? resBase + resRows[o + 1] + p : 0).fma(one, a1);
        a2 = FloatVector.fromArray(S, t, res != null ? resBase + resRows[o + 2] + p : 0).fma(one, a2);
        a3 = FloatVector.fromArray(S, t, res != null ? resBase + resRows[o + 3] + p : 0).fma(one, a3);
        FloatVector z = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        a0 = a0.blend(z, a0.lt(z));
        a1 = a1.blend(z, a1.lt(z));
        a2 = a2.blend(z, a2.lt(z));
        a3 = a3.blend(z, a3.lt(z));
        int n = to - from;
        a0.intoArray(partial, 0);
        a1.intoArray(partial, L);
        a2.intoArray(partial, 2 * L);
        a3.intoArray(partial, 3 * L);
        System.arraycopy(partial, from, out, o0 + from, n);
        System.arraycopy(partial, L + from, out, o1 + from, n);
        System.arraycopy(partial, 2 * L + from, out, o2 + from, n);
        System.arraycopy(partial, 3 * L + from, out, o3 + from, n);
    }

    /**
     * Output channel o x one vector of pixels (lanes [from, to) stored, through {@code partial});
     * two accumulators over alternating k; branch-free as {@link #pw4x3}.
     */
    private static void pw1x1(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int o, int p, int from, int to, float[] partial, boolean fromOut,
                              float[] res, int resBase, int[] resRows, boolean addBias, boolean relu) {
        int oi = outBase + outRows[o] + p;
        boolean withBias = bias != null && (!fromOut || addBias);
        FloatVector a0 = FloatVector.broadcast(S, withBias ? bias[bOff + o] : 0f);
        FloatVector a1 = FloatVector.zero(S);
        int w0 = wOff + o * cin;
        int k = 0;
        for (; k + 1 < cin; k += 2) {
            a0 = FloatVector.fromArray(S, in, inBase + inRows[k] + p).fma(FloatVector.broadcast(S, w[w0 + k]), a0);
            a1 = FloatVector.fromArray(S, in, inBase + inRows[k + 1] + p)
                    .fma(FloatVector.broadcast(S, w[w0 + k + 1]), a1);
        }
        // an odd last channel multiplies its input by its weight; an even count multiplies zeros by 0
        boolean odd = k < cin;
        a0 = FloatVector.fromArray(S, odd ? in : ZEROS, odd ? inBase + inRows[k] + p : 0)
                .fma(FloatVector.broadcast(S, odd ? w[w0 + k] : 0f), a0);
        FloatVector one = FloatVector.broadcast(S, 1f);
        a0 = a1.fma(one, a0);
        a0 = FloatVector.fromArray(S, fromOut ? out : ZEROS, fromOut ? oi : 0).fma(one, a0);
        a0 = FloatVector.fromArray(S, res != null ? res : ZEROS, res != null ? resBase + resRows[o] + p : 0)
                .fma(one, a0);
        FloatVector z = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        a0 = a0.blend(z, a0.lt(z));
        a0.intoArray(partial, 0);
        System.arraycopy(partial, from, out, oi + from, to - from);
    }


    // ---------------------------------------------------------------------------------------
    // im2col

    /**
     * im2col of one image and one group. Each column row is split analytically into a zero
     * prefix, a copied middle (arraycopy at stride 1, even-lane compaction at stride 2) and a
     * zero suffix, so there are no per-element bounds tests.
     */
    public static void im2col(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                              int kh, int kw, int sh, int sw, int ph, int pw, float[] col, int colOff, int oh, int ow) {
        // col [channels * kh * kw, oh * ow]
        int plane = oh * ow;
        for (int c = 0; c < channels; c++) {
            int src = inBase + inRows[c];
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((c * kh + ky) * kw + kx) * plane;
                    // ox range whose ix = ox*sw - pw + kx lies in [0, width)
                    int first = pw - kx <= 0 ? 0 : (pw - kx + sw - 1) / sw;
                    int last = Math.min(ow, Math.floorDiv(width - 1 + pw - kx, sw) + 1);
                    int lo = Math.min(first, ow);
                    int hi = Math.max(lo, last);
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ky;
                        int o = row + oy * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, o, o + ow, 0f);
                            continue;
                        }
                        java.util.Arrays.fill(col, o, o + lo, 0f);
                        java.util.Arrays.fill(col, o + hi, o + ow, 0f);
                        if (hi > lo) {
                            // (with hi == lo, s0 may lie before the row: a window all in padding)
                            copyStrided(in, src + iy * width + lo * sw - pw + kx, sw, col, o + lo, hi - lo);
                        }
                    }
                }
            }
        }
    }

    /** {@code dst[d + j] = src[s + j*stride]} for j < n; every source index read is inside the row. */
    private static void copyStrided(float[] src, int s, int stride, float[] dst, int d, int n) {
        if (stride == 1) {
            System.arraycopy(src, s, dst, d, n);
            return;
        }
        int j = 0;
        if (stride == 2) {
            // a covers s+2j .. s+2j+L-1 and b the next L elements; of the 2L the even ones are
            // kept, the last at s+2(j+L-1) <= s+2(n-1), inside the row. b also reads the one
            // after it, which the bound keeps inside the array.
            int bound = Math.min(n - L, Math.floorDiv(src.length - s - 2 * L, 2));
            for (; j <= bound; j += L) {
                FloatVector a = FloatVector.fromArray(S, src, s + 2 * j);
                FloatVector b = FloatVector.fromArray(S, src, s + 2 * j + L);
                a.rearrange(EVENS).blend(b.rearrange(EVENS), UPPER).intoArray(dst, d + j);
            }
            if (j < n && j > 0 && n - L <= bound) {
                // the rest as one last vector overlapping the one before (the same values again)
                j = n - L;
                FloatVector a = FloatVector.fromArray(S, src, s + 2 * j);
                FloatVector b = FloatVector.fromArray(S, src, s + 2 * j + L);
                a.rearrange(EVENS).blend(b.rearrange(EVENS), UPPER).intoArray(dst, d + j);
                return;
            }
        }
        for (; j < n; j++) {
            dst[d + j] = src[s + j * stride];
        }
    }

    /**
     * {@link ScalarKernels#unroll3x3Stride2}: each input row is split once into its four column phases (columns
     * 4m, 4m + 1, 4m + 2, 4m + 3, from four loads by two rounds of even/odd compaction), which are the three
     * kx rows of both column parities: kx = 0 [phase 3 one column on | phase 1], kx = 1 [phase 0 | phase 2],
     * kx = 2 [phase 1 | phase 3]. Rows of fewer than 4 L floats take the scalar reference.
     */
    public static void unroll3x3Stride2(float[] in, int inBase, int[] inRows, int channels, int h, int width,
                                        int y0, int rows, float[] col, int colOff) {
        int ow = width / 2;
        int half = ow / 2;
        if (half < L) {
            ScalarKernels.unroll3x3Stride2(in, inBase, inRows, channels, h, width, y0, rows, col, colOff);
            return;
        }
        int plane = (2 * rows + 1) * ow;
        for (int c = 0; c < channels; c++) {
            // the input rows in order, each to its row of the unrolled planes (even rows first, then odd): read
            // from memory as one ascending stream
            for (int iy = 2 * y0 - 1; iy < 2 * (y0 + rows); iy++) {
                int j = (iy & 1) == 0 ? iy / 2 - y0 : rows + (iy + 1) / 2 - y0;
                int d0 = colOff + c * 3 * plane + j * ow;
                int d1 = d0 + plane;
                int d2 = d1 + plane;
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(col, d0, d0 + ow, 0f);
                    java.util.Arrays.fill(col, d1, d1 + ow, 0f);
                    java.util.Arrays.fill(col, d2, d2 + ow, 0f);
                    continue;
                }
                int s = inBase + inRows[c] + iy * width;
                // blocks of L outputs of each phase (4 L input columns); the last one moved back to end at the
                // end of the row, writing some outputs again
                for (int m = 0; ; m += L) {
                    if (m > half - L) {
                        m = half - L;
                    }
                    int i = s + 4 * m;
                    FloatVector a = FloatVector.fromArray(S, in, i);
                    FloatVector b = FloatVector.fromArray(S, in, i + L);
                    FloatVector e = FloatVector.fromArray(S, in, i + 2 * L);
                    FloatVector f = FloatVector.fromArray(S, in, i + 3 * L);
                    FloatVector even1 = a.rearrange(EVENS).blend(b.rearrange(EVENS), UPPER);
                    FloatVector odd1 = a.rearrange(ODDS).blend(b.rearrange(ODDS), UPPER);
                    FloatVector even2 = e.rearrange(EVENS).blend(f.rearrange(EVENS), UPPER);
                    FloatVector odd2 = e.rearrange(ODDS).blend(f.rearrange(ODDS), UPPER);
                    FloatVector p0 = even1.rearrange(EVENS).blend(even2.rearrange(EVENS), UPPER);
                    FloatVector p2 = even1.rearrange(ODDS).blend(even2.rearrange(ODDS), UPPER);
                    FloatVector p1 = odd1.rearrange(EVENS).blend(odd2.rearrange(EVENS), UPPER);
                    FloatVector p3 = odd1.rearrange(ODDS).blend(odd2.rearrange(ODDS), UPPER);
                    // kx = 0, even columns: phase 3 of the block before (one lane on); its last lane lands
                    // on the odd half's first element, written again below
                    p3.intoArray(col, d0 + m + 1);
                    p1.intoArray(col, d0 + half + m);
                    p0.intoArray(col, d1 + m);
                    p2.intoArray(col, d1 + half + m);
                    p1.intoArray(col, d2 + m);
                    p3.intoArray(col, d2 + half + m);
                    if (m == half - L) {
                        break;
                    }
                }
                col[d0] = 0f; // column -1: padding
                col[d0 + half] = in[s + 1];
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // fully connected

    /**
     * Fully connected layer: eight output rows at a time ({@link #linear8}, with 512-bit vectors), then
     * four, share each load of {@code x}, each row with two accumulators; remaining rows use
     * {@link VectorElementwise#dot}.
     */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, float[] out, int outOff,
                              int inFeatures, int outFeatures) {
        linear(w, bias, x, xOff, 0, out, outOff, 0, inFeatures, outFeatures, 1);
    }

    /**
     * Fully connected layer of several images (image i's input at {@code xOff + i*xStride}, its
     * output at {@code outOff + i*outStride}): each block of four weight rows is read from memory
     * once and then from L1 for every image (4 MB of weights for a 1024 x 1000 layer, otherwise
     * read once per image). Each output is the same sum, in the same order, as one image alone.
     */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                              int outStride, int inFeatures, int outFeatures, int images) {
        int from = EIGHT_ROWS ? linear8(w, bias, x, xOff, xStride, out, outOff, outStride, inFeatures, outFeatures,
                images) : 0;
        linear(w, bias, x, xOff, xStride, out, outOff, outStride, inFeatures, outFeatures, images, from);
    }

    /** {@link #linear} from row {@code from} on, in blocks of four rows. */
    private static void linear(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                               int outStride, int inFeatures, int outFeatures, int images, int from) {
        // weights [outFeatures, inFeatures]
        int n = inFeatures;
        int bound2 = n - 2 * L;
        int bound1 = S.loopBound(n);
        int o = from;
        for (; o + 4 <= outFeatures; o += 4) {
            int w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
            for (int img = 0; img < images; img++) {
                int xi0 = xOff + img * xStride;
                FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
                int i = 0;
                for (; i <= bound2; i += 2 * L) {
                    FloatVector xa = FloatVector.fromArray(S, x, xi0 + i);
                    FloatVector xb = FloatVector.fromArray(S, x, xi0 + i + L);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xa, a0);
                    b0 = FloatVector.fromArray(S, w, w0 + i + L).fma(xb, b0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xa, a1);
                    b1 = FloatVector.fromArray(S, w, w1 + i + L).fma(xb, b1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xa, a2);
                    b2 = FloatVector.fromArray(S, w, w2 + i + L).fma(xb, b2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xa, a3);
                    b3 = FloatVector.fromArray(S, w, w3 + i + L).fma(xb, b3);
                }
                for (; i < bound1; i += L) {
                    FloatVector xa = FloatVector.fromArray(S, x, xi0 + i);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xa, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xa, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xa, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xa, a3);
                }
                float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
                float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
                float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
                float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
                for (; i < n; i++) {
                    float xi = x[xi0 + i];
                    s0 += w[w0 + i] * xi;
                    s1 += w[w1 + i] * xi;
                    s2 += w[w2 + i] * xi;
                    s3 += w[w3 + i] * xi;
                }
                if (bias != null) {
                    s0 += bias[o];
                    s1 += bias[o + 1];
                    s2 += bias[o + 2];
                    s3 += bias[o + 3];
                }
                int oi = outOff + img * outStride + o;
                out[oi] = s0;
                out[oi + 1] = s1;
                out[oi + 2] = s2;
                out[oi + 3] = s3;
            }
        }
        for (; o < outFeatures; o++) {
            for (int img = 0; img < images; img++) {
                float s = VectorElementwise.dot(w, o * n, x, xOff + img * xStride, n);
                out[outOff + img * outStride + o] = bias == null ? s : s + bias[o];
            }
        }
    }

    /** {@link #linear} in blocks of four rows only: the sums a block of eight must reproduce (for tests). */
    static void linearFourRows(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                               int outStride, int inFeatures, int outFeatures, int images) {
        linear(w, bias, x, xOff, xStride, out, outOff, outStride, inFeatures, outFeatures, images, 0);
    }

    /**
     * The blocks of eight whole rows of {@link #linear}, each row's sum in the same order as in a block of
     * four; returns the first row not done. Eight rows read at once keep twice as many streams of weights
     * in flight: at batch 1 the layer waits on memory for its weights (3.84 MB for 960 x 1000, evicted by
     * the rest of the network), and in ShuffleNet v1 g3 at batch 1 and 8 the layer took about 0.8 of the
     * time of four rows. Sixteen accumulators, so only with {@link #EIGHT_ROWS}.
     */
    private static int linear8(float[] w, float[] bias, float[] x, int xOff, int xStride, float[] out, int outOff,
                               int outStride, int inFeatures, int outFeatures, int images) {
        // weights [outFeatures, inFeatures]
        int n = inFeatures;
        int bound2 = n - 2 * L;
        int bound1 = S.loopBound(n);
        int o = 0;
        for (; o + 8 <= outFeatures; o += 8) {
            int w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n, w4 = w3 + n, w5 = w4 + n, w6 = w5 + n, w7 = w6 + n;
            for (int img = 0; img < images; img++) {
                int xi0 = xOff + img * xStride;
                FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
                FloatVector a4 = a0, b4 = a0, a5 = a0, b5 = a0, a6 = a0, b6 = a0, a7 = a0, b7 = a0;
                int i = 0;
                for (; i <= bound2; i += 2 * L) {
                    FloatVector xa = FloatVector.fromArray(S, x, xi0 + i);
                    FloatVector xb = FloatVector.fromArray(S, x, xi0 + i + L);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xa, a0);
                    b0 = FloatVector.fromArray(S, w, w0 + i + L).fma(xb, b0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xa, a1);
                    b1 = FloatVector.fromArray(S, w, w1 + i + L).fma(xb, b1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xa, a2);
                    b2 = FloatVector.fromArray(S, w, w2 + i + L).fma(xb, b2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xa, a3);
                    b3 = FloatVector.fromArray(S, w, w3 + i + L).fma(xb, b3);
                    a4 = FloatVector.fromArray(S, w, w4 + i).fma(xa, a4);
                    b4 = FloatVector.fromArray(S, w, w4 + i + L).fma(xb, b4);
                    a5 = FloatVector.fromArray(S, w, w5 + i).fma(xa, a5);
                    b5 = FloatVector.fromArray(S, w, w5 + i + L).fma(xb, b5);
                    a6 = FloatVector.fromArray(S, w, w6 + i).fma(xa, a6);
                    b6 = FloatVector.fromArray(S, w, w6 + i + L).fma(xb, b6);
                    a7 = FloatVector.fromArray(S, w, w7 + i).fma(xa, a7);
                    b7 = FloatVector.fromArray(S, w, w7 + i + L).fma(xb, b7);
                }
                for (; i < bound1; i += L) {
                    FloatVector xa = FloatVector.fromArray(S, x, xi0 + i);
                    a0 = FloatVector.fromArray(S, w, w0 + i).fma(xa, a0);
                    a1 = FloatVector.fromArray(S, w, w1 + i).fma(xa, a1);
                    a2 = FloatVector.fromArray(S, w, w2 + i).fma(xa, a2);
                    a3 = FloatVector.fromArray(S, w, w3 + i).fma(xa, a3);
                    a4 = FloatVector.fromArray(S, w, w4 + i).fma(xa, a4);
                    a5 = FloatVector.fromArray(S, w, w5 + i).fma(xa, a5);
                    a6 = FloatVector.fromArray(S, w, w6 + i).fma(xa, a6);
                    a7 = FloatVector.fromArray(S, w, w7 + i).fma(xa, a7);
                }
                float s0 = a0.add(b0).reduceLanes(VectorOperators.ADD);
                float s1 = a1.add(b1).reduceLanes(VectorOperators.ADD);
                float s2 = a2.add(b2).reduceLanes(VectorOperators.ADD);
                float s3 = a3.add(b3).reduceLanes(VectorOperators.ADD);
                float s4 = a4.add(b4).reduceLanes(VectorOperators.ADD);
                float s5 = a5.add(b5).reduceLanes(VectorOperators.ADD);
                float s6 = a6.add(b6).reduceLanes(VectorOperators.ADD);
                float s7 = a7.add(b7).reduceLanes(VectorOperators.ADD);
                for (; i < n; i++) {
                    float xi = x[xi0 + i];
                    s0 += w[w0 + i] * xi;
                    s1 += w[w1 + i] * xi;
                    s2 += w[w2 + i] * xi;
                    s3 += w[w3 + i] * xi;
                    s4 += w[w4 + i] * xi;
                    s5 += w[w5 + i] * xi;
                    s6 += w[w6 + i] * xi;
                    s7 += w[w7 + i] * xi;
                }
                if (bias != null) {
                    s0 += bias[o];
                    s1 += bias[o + 1];
                    s2 += bias[o + 2];
                    s3 += bias[o + 3];
                    s4 += bias[o + 4];
                    s5 += bias[o + 5];
                    s6 += bias[o + 6];
                    s7 += bias[o + 7];
                }
                int oi = outOff + img * outStride + o;
                out[oi] = s0;
                out[oi + 1] = s1;
                out[oi + 2] = s2;
                out[oi + 3] = s3;
                out[oi + 4] = s4;
                out[oi + 5] = s5;
                out[oi + 6] = s6;
                out[oi + 7] = s7;
            }
        }
        return o;
    }
}
