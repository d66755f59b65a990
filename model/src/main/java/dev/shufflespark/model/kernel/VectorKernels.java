package dev.shufflespark.model.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels of {@link ScalarKernels} on the Vector API, same signatures and contracts.
 *
 * <p>Loading this class needs the {@code jdk.incubator.vector} module; {@link Kernels} only
 * calls it when {@link Simd#enabled()} is true. Tests call it directly, so when Simd chose the
 * scalar path (but the module is present) the species falls back to the preferred one.
 *
 * <p>Hot loops allocate nothing once C2 has compiled them: every vector stays inside one
 * compiled method and is scalarised (see the note on how the kernels are written below).
 */
public final class VectorKernels {

    /** The species every kernel uses: Simd's width, or the preferred one when Simd chose scalar. */
    static final VectorSpecies<Float> S = Simd.VECTOR
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(Simd.BITS))
            : FloatVector.SPECIES_PREFERRED;

    /** Float lanes per vector. */
    static final int L = S.length();

    /**
     * Stride-2 compaction: {@code lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER)} is
     * lanes 0, 2, 4, ... of {@code lo ++ hi} (lane i takes lane 2i mod L). (A two-vector
     * {@code rearrange} would say it in one call but is not intrinsified on JDK 17: ~10x slower.)
     */
    private static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> (2 * i) % L);

    /** The upper half of the lanes. */
    private static final VectorMask<Float> UPPER = VectorMask.fromLong(S, ((1L << L) - 1) & -(1L << (L / 2)));

    private VectorKernels() {
    }

    /** The species in use, for reports and tests. */
    public static String species() {
        return S.toString();
    }

    // ---------------------------------------------------------------------------------------
    // How these kernels are written (JDK 17, C2)
    //
    // A vector that crosses a call C2 did not inline is boxed, and a boxed loop-carried vector
    // is re-boxed on every iteration. C2 stops inlining ordinary methods once a compilation
    // holds ~18000 nodes (NodeCountInliningCutoff), and Vector API calls are node-hungry, so a
    // kernel with a 12-vector epilogue cannot rely on small helpers being inlined: hot kernels
    // spell their epilogues out and call only Vector API methods (which are force-inlined).
    // Masked loads/stores are avoided too: not intrinsified on JDK 17, they compile to large,
    // slow fallback code. Kernels check bounds up front instead and take scalar code for the
    // rare vector that would run past the end of an array, or recompute the last whole vector
    // (overlapping) where rewriting the same values is harmless.
    //
    // The pointwise kernels write x.fma(one, acc) for x + acc and acc.blend(zero, acc.lt(zero))
    // for max(acc, 0). Every two-operand lanewise operation (add, max, mul, ...) inlines a
    // profiled type check on the operator that is shared by all Vector API users in the JVM.
    // C2 adds up the traps that check has taken over every inlined site, and a compilation that
    // reaches 100 (PerMethodTrapLimit) gives up type speculation, which boxes every vector in
    // the method. The GEMM kernels have dozens of such sites: they went from 0 to ~600 KB per
    // call, for good, in about one run in three of VectorKernelsAllocationTest. fma, compare and
    // blend have no such check, and fma with 1 is exact addition. (A separate epilogue pass over
    // memory avoided it too but cost 10-30% for cin <= 60.) The other kernels have a handful of
    // two-operand sites each, far from the limit.

    // ---------------------------------------------------------------------------------------
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
     * Per-thread staging for partial vectors (MR x L floats): a partial store writes the whole
     * vector here and copies the first lanes out. On JDK 17 a masked store is not intrinsified,
     * and {@code lane(i)} with a variable index compiles to a switch whose cold cases call out
     * of line; both box the vector (measured: ~80 bytes per vector in a steady-state run).
     */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[MR * L]);

    /** Three vectors of zeros: what a kernel adds in place of an absent term. Never written. */
    private static final float[] ZEROS = new float[3 * L];

    /**
     * Pointwise convolution as a register-blocked GEMM: blocks of {@value #MR} output channels x
     * 3 vectors of pixels live in 12 accumulators while k runs over the input channels; each
     * input vector is loaded once per k and multiplied by a broadcast weight. Pixel blocks are
     * the outer loop, then blocks of at most {@value #KC} input channels, then output blocks, so
     * that the input panel (k block x 3 vectors) stays in L1 across all output blocks. Leftover
     * output channels take 1-row kernels, leftover pixels 1-vector kernels; a partial last
     * vector is recomputed overlapping when possible.
     *
     * <p>Not in place, the accumulators start from the bias and the residual is added at the
     * end; in place, out already holds the residual, so they start from out and the bias is
     * added at the end. The epilogue (residual, bias, ReLU) is fused into the last k block, and
     * written with fma, compare and blend only (see the note at the top of the class).
     */
    public static void pointwise(float[] w, int wOff, float[] bias, int bOff,
                                 float[] in, int inBase, int[] inRows,
                                 float[] out, int outBase, int[] outRows,
                                 float[] res, int resBase, int[] resRows,
                                 int cin, int cout, int hw, boolean relu) {
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
        int p = 0;
        for (; p + 3 * L <= whole; p += 3 * L) {
            int k0 = 0;
            do {
                int k1 = Math.min(cin, k0 + kc);
                for (int o = 0; o + MR <= cout; o += MR) {
                    pw4x3(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, k0, k1, o, p,
                            inPlace || k0 > 0, k1 == cin ? addRes : null, resBase, resRows, k1 == cin && addBias,
                            k1 == cin && relu);
                }
                k0 = k1;
            } while (k0 < cin);
            for (int o = cout - cout % MR; o < cout; o++) {
                pw1x3(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, inPlace,
                        addRes, resBase, resRows, addBias, relu);
            }
        }
        if (hw - p > 0 && hw - p <= DOT_TAIL) {
            pointwiseDots(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, res, resBase, resRows,
                    cin, cout, p, hw, relu);
            return;
        }
        for (; p < hw; p += L) {
            // The vector at p is computed whole; lanes [from, to) of it are stored.
            int from = 0;
            int to = Math.min(L, hw - p);
            if (to < L) {
                if (hw >= L) {
                    // Take the last whole vector of the plane instead (every access inside the
                    // planes). Not in place, its lanes over pixels already done get the same
                    // values again (bit for bit from the 4-row kernel; the 1-row kernel sums in
                    // another order), so it is stored whole; in place they would accumulate onto
                    // finished outputs, so only the new lanes are stored.
                    from = inPlace ? L - to : 0;
                    to = L;
                    p = hw - L;
                } else if (!wholeVectorFits(in, inBase, inRows, cin, p)
                        || (res != null && !wholeVectorFits(res, resBase, resRows, cout, p))) {
                    // A plane narrower than a vector, at the very end of its array.
                    ScalarKernels.pointwise(w, wOff, bias, bOff, in, inBase + p, inRows, out, outBase + p, outRows,
                            res, resBase + p, resRows, cin, cout, hw - p, relu);
                    return;
                }
            }
            float[] partial = PARTIAL.get();
            int o = 0;
            for (; o + MR <= cout; o += MR) {
                pw4x1(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, from, to,
                        partial, inPlace, addRes, resBase, resRows, addBias, relu);
            }
            for (; o < cout; o++) {
                pw1x1(w, wOff, bias, bOff, in, inBase, inRows, out, outBase, outRows, cin, o, p, from, to,
                        partial, inPlace, addRes, resBase, resRows, addBias, relu);
            }
        }
    }

    /**
     * Pixels past the last block of a plane that {@link #pointwiseDots} takes instead of a whole
     * recomputed vector: 1 of 49 at 7x7, 4 of 196 at 14x14.
     */
    private static final int DOT_TAIL = Math.max(1, L / 4);

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
                                      int cin, int cout, int p, int hw, boolean relu) {
        float[][] holder = COLUMN.get();
        if (holder[0].length < cin) {
            holder[0] = new float[cin];
        }
        float[] x = holder[0];
        for (int j = p; j < hw; j++) {
            for (int k = 0; k < cin; k++) {
                x[k] = in[inBase + inRows[k] + j];
            }
            for (int o = 0; o < cout; o++) {
                float v = dot(w, wOff + o * cin, x, 0, cin);
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
     * Output channels o..o+3 x pixels p..p+3L over input channels [k0, k1). The accumulators
     * start from the bias when this call adds it (not in place: the first k block; in place:
     * {@code addBias}, the last) and otherwise from zero; after the k loop they add what out
     * holds ({@code fromOut}: a later k block, or the residual in place), then the epilogue
     * (only passed for the last k block) and the store.
     *
     * <p>Every vector operation runs on every call, whatever the flags: an absent term adds
     * {@link #ZEROS} and an absent ReLU clamps at minus infinity. A flag that picked vector code
     * would leave that code unprofiled until the first call that sets it, and C2 would either
     * trap there and recompile (each recompilation adds to the method's trap count, see the
     * note at the top of the class), or compile it as out-of-line calls into the Vector API's
     * Java fallback, which allocates and runs ten times slower. Both were seen, at random, in
     * about one JVM in three; the price of the unconditional terms is 36 operations per block
     * against 19 per input channel in the k loop.
     */
    private static void pw4x3(float[] w, int wOff, float[] bias, int bOff,
                              float[] in, int inBase, int[] inRows,
                              float[] out, int outBase, int[] outRows,
                              int cin, int k0, int k1, int o, int p, boolean fromOut,
                              float[] res, int resBase, int[] resRows, boolean addBias, boolean relu) {
        int o0 = outBase + outRows[o] + p, o1 = outBase + outRows[o + 1] + p;
        int o2 = outBase + outRows[o + 2] + p, o3 = outBase + outRows[o + 3] + p;
        boolean withBias = bias != null && (!fromOut || addBias);
        FloatVector a00 = FloatVector.broadcast(S, withBias ? bias[bOff + o] : 0f);
        FloatVector a10 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 1] : 0f);
        FloatVector a20 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 2] : 0f);
        FloatVector a30 = FloatVector.broadcast(S, withBias ? bias[bOff + o + 3] : 0f);
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
        float[] t = fromOut ? out : ZEROS;
        int t0 = fromOut ? o0 : 0, t1 = fromOut ? o1 : 0, t2 = fromOut ? o2 : 0, t3 = fromOut ? o3 : 0;
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
        t = res != null ? res : ZEROS;
        t0 = res != null ? resBase + resRows[o] + p : 0;
        t1 = res != null ? resBase + resRows[o + 1] + p : 0;
        t2 = res != null ? resBase + resRows[o + 2] + p : 0;
        t3 = res != null ? resBase + resRows[o + 3] + p : 0;
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
        // ReLU, or a clamp at minus infinity that changes nothing (NaN stays NaN either way)
        FloatVector z = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
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
    // depthwise 3x3

    /**
     * Depthwise 3x3, padding 1. Stride 1 runs over the plane as one flat array: inside the
     * interior rows the 9 taps of output {@code i} are the inputs at {@code i + dy*width + dx},
     * so whole vectors cover several rows at once (widths 7 and 14 vectorise too); the two
     * border columns of each row, where the flat taps wrap around, are then recomputed in scalar.
     * The first and last rows use 6 taps. Stride 2 computes two stride-1 vectors and keeps the
     * even lanes. Planes too small for a whole vector take the scalar reference. {@code out}
     * must not overlap {@code in}.
     */
    public static void depthwise3x3(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                    float[] out, int outOff, int stride, boolean relu) {
        // weights [3, 3]; in [h, width]; out [oh, ow]
        if (stride == 1) {
            depthwiseStride1(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
        } else if (stride == 2) {
            depthwiseStride2(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
        } else {
            ScalarKernels.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, stride, relu);
        }
    }

    private static void depthwiseStride1(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                         float[] out, int outOff, boolean relu) {
        // Interior rows as one flat range; it starts after column 0 of row 1 and ends before
        // column width-1 of row h-2 so that every flat tap stays inside the plane.
        int lo = width + 1;
        int hi = (h - 1) * width - 1;
        if (h < 3 || width < 3 || hi - lo < L) {
            ScalarKernels.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, 1, relu);
            return;
        }
        dwFlat(w, wOff, bias, in, inOff, width, out, outOff, lo, hi, relu);
        dwBorderColumns(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
        // First row: kernel rows 1 and 2 on input rows 0 and 1. Last row: kernel rows 0 and 1 on
        // input rows h-2 and h-1.
        dwEdgeRow(w, wOff + 3, bias, in, inOff, h, width, out, outOff, 0, 0, relu);
        dwEdgeRow(w, wOff, bias, in, inOff, h, width, out, outOff, h - 1, h - 2, relu);
    }

    /**
     * Outputs at flat indices [lo, hi) of an interior-rows range (hi - lo >= L), one partial sum
     * per kernel row; the last vector is recomputed overlapping instead of a partial store.
     */
    private static void dwFlat(float[] w, int wOff, float bias, float[] in, int inOff, int width,
                               float[] out, int outOff, int lo, int hi, boolean relu) {
        FloatVector k00 = FloatVector.broadcast(S, w[wOff]);
        FloatVector k01 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector k02 = FloatVector.broadcast(S, w[wOff + 2]);
        FloatVector k10 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector k11 = FloatVector.broadcast(S, w[wOff + 4]);
        FloatVector k12 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector k20 = FloatVector.broadcast(S, w[wOff + 6]);
        FloatVector k21 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector k22 = FloatVector.broadcast(S, w[wOff + 8]);
        FloatVector vb = FloatVector.broadcast(S, bias);
        for (int i = lo; ; i += L) {
            if (i > hi - L) {
                if (i >= hi) {
                    break;
                }
                i = hi - L;
            }
            int c = inOff + i;
            int u = c - width;
            int d = c + width;
            FloatVector r0 = FloatVector.fromArray(S, in, u - 1).mul(k00);
            FloatVector r1 = FloatVector.fromArray(S, in, c - 1).mul(k10);
            FloatVector r2 = FloatVector.fromArray(S, in, d - 1).mul(k20);
            r0 = FloatVector.fromArray(S, in, u).fma(k01, r0);
            r1 = FloatVector.fromArray(S, in, c).fma(k11, r1);
            r2 = FloatVector.fromArray(S, in, d).fma(k21, r2);
            r0 = FloatVector.fromArray(S, in, u + 1).fma(k02, r0);
            r1 = FloatVector.fromArray(S, in, c + 1).fma(k12, r1);
            r2 = FloatVector.fromArray(S, in, d + 1).fma(k22, r2);
            FloatVector v = r0.add(r1).add(r2).add(vb);
            if (relu) {
                v = v.max(FloatVector.zero(S));
            }
            v.intoArray(out, outOff + i);
            if (i == hi - L) {
                break;
            }
        }
    }

    /**
     * Stride 1, rows 1..h-2: columns 0 and width-1 (6 taps each), which the flat vectors
     * computed with wrapped-around taps.
     */
    private static void dwBorderColumns(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                        float[] out, int outOff, boolean relu) {
        float k00 = w[wOff], k01 = w[wOff + 1], k02 = w[wOff + 2];
        float k10 = w[wOff + 3], k11 = w[wOff + 4], k12 = w[wOff + 5];
        float k20 = w[wOff + 6], k21 = w[wOff + 7], k22 = w[wOff + 8];
        for (int y = 1; y < h - 1; y++) {
            int c = inOff + y * width;
            int u = c - width;
            int d = c + width;
            float s = k01 * in[u] + k02 * in[u + 1] + k11 * in[c] + k12 * in[c + 1] + k21 * in[d] + k22 * in[d + 1];
            s += bias;
            out[outOff + y * width] = relu ? Math.max(s, 0f) : s;
            int e = width - 1;
            s = k00 * in[u + e - 1] + k01 * in[u + e] + k10 * in[c + e - 1] + k11 * in[c + e]
                    + k20 * in[d + e - 1] + k21 * in[d + e];
            s += bias;
            out[outOff + y * width + e] = relu ? Math.max(s, 0f) : s;
        }
    }

    /**
     * First or last output row at stride 1: kernel rows {@code kRow} and {@code kRow + 1}
     * (weights from {@code wk}) on input rows {@code ya} and {@code ya + 1}.
     */
    private static void dwEdgeRow(float[] w, int wk, float bias, float[] in, int inOff, int h, int width,
                                  float[] out, int outOff, int y, int ya, boolean relu) {
        int wOff = wk - (y == 0 ? 3 : 0);
        int o = outOff + y * width;
        dwPixel(w, wOff, bias, in, inOff, h, width, out, o, y, 0, 1, relu);
        dwPixel(w, wOff, bias, in, inOff, h, width, out, o + width - 1, y, width - 1, 1, relu);
        int hi = width - 1;
        int ra = inOff + ya * width;
        int rb = ra + width;
        if (hi - 1 < L) {
            float a0 = w[wk], a1 = w[wk + 1], a2 = w[wk + 2];
            float b0 = w[wk + 3], b1 = w[wk + 4], b2 = w[wk + 5];
            for (int x = 1; x < hi; x++) {
                float s = a0 * in[ra + x - 1] + a1 * in[ra + x] + a2 * in[ra + x + 1]
                        + b0 * in[rb + x - 1] + b1 * in[rb + x] + b2 * in[rb + x + 1];
                s += bias;
                out[o + x] = relu ? Math.max(s, 0f) : s;
            }
            return;
        }
        FloatVector a0 = FloatVector.broadcast(S, w[wk]);
        FloatVector a1 = FloatVector.broadcast(S, w[wk + 1]);
        FloatVector a2 = FloatVector.broadcast(S, w[wk + 2]);
        FloatVector b0 = FloatVector.broadcast(S, w[wk + 3]);
        FloatVector b1 = FloatVector.broadcast(S, w[wk + 4]);
        FloatVector b2 = FloatVector.broadcast(S, w[wk + 5]);
        FloatVector vb = FloatVector.broadcast(S, bias);
        for (int x = 1; ; x += L) {
            if (x > hi - L) {
                if (x >= hi) {
                    break;
                }
                x = hi - L;
            }
            FloatVector s0 = FloatVector.fromArray(S, in, ra + x - 1).mul(a0);
            FloatVector s1 = FloatVector.fromArray(S, in, rb + x - 1).mul(b0);
            s0 = FloatVector.fromArray(S, in, ra + x).fma(a1, s0);
            s1 = FloatVector.fromArray(S, in, rb + x).fma(b1, s1);
            s0 = FloatVector.fromArray(S, in, ra + x + 1).fma(a2, s0);
            s1 = FloatVector.fromArray(S, in, rb + x + 1).fma(b2, s1);
            FloatVector v = s0.add(s1).add(vb);
            if (relu) {
                v = v.max(FloatVector.zero(S));
            }
            v.intoArray(out, o + x);
            if (x == hi - L) {
                break;
            }
        }
    }

    /** One output pixel (y, x) of a depthwise 3x3 at the given stride, with bounds checks. */
    private static void dwPixel(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                float[] out, int outIdx, int y, int x, int stride, boolean relu) {
        float s = 0f;
        for (int ky = 0; ky < 3; ky++) {
            int iy = y * stride + ky - 1;
            if (iy < 0 || iy >= h) {
                continue;
            }
            for (int kx = 0; kx < 3; kx++) {
                int ix = x * stride + kx - 1;
                if (ix >= 0 && ix < width) {
                    s += w[wOff + ky * 3 + kx] * in[inOff + iy * width + ix];
                }
            }
        }
        s += bias;
        out[outIdx] = relu ? Math.max(s, 0f) : s;
    }

    private static void depthwiseStride2(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                         float[] out, int outOff, boolean relu) {
        int oh = (h - 1) / 2 + 1;
        int ow = (width - 1) / 2 + 1;
        // Outputs 1 <= x < width/2 read columns 2x-1 .. 2x+1, all inside the row.
        int xEnd = width / 2;
        if (xEnd - 1 < L) {
            // Too narrow for a vector. (A scalar version without bounds tests in the interior
            // measured slower than the reference: 355 vs 235 ns for a 14x14 input.)
            ScalarKernels.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, 2, relu);
            return;
        }
        for (int y = 0; y < oh; y++) {
            int o = outOff + y * ow;
            dwPixel(w, wOff, bias, in, inOff, h, width, out, o, y, 0, 2, relu);
            for (int x = xEnd; x < ow; x++) {
                dwPixel(w, wOff, bias, in, inOff, h, width, out, o + x, y, x, 2, relu);
            }
            int c = inOff + 2 * y * width;
            boolean down = 2 * y + 1 < h;
            // The furthest read of the row (i + 2L at the last vector) must be inside the array.
            if ((down ? c + width : c) + 2 * xEnd < in.length) {
                dwStride2Row(w, wOff, bias, in, c, width, y > 0, down, out, o, xEnd, relu);
            } else {
                for (int x = 1; x < xEnd; x++) {
                    dwPixel(w, wOff, bias, in, inOff, h, width, out, o + x, y, x, 2, relu);
                }
            }
        }
    }

    /**
     * Outputs 1 <= x < xEnd of one stride-2 row whose centre input row starts at {@code c}: two
     * stride-1 vectors (input columns 2x .. 2x+2L-1), then their even lanes.
     */
    private static void dwStride2Row(float[] w, int wOff, float bias, float[] in, int c, int width,
                                     boolean up, boolean down, float[] out, int o, int xEnd, boolean relu) {
        FloatVector k00 = FloatVector.broadcast(S, w[wOff]);
        FloatVector k01 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector k02 = FloatVector.broadcast(S, w[wOff + 2]);
        FloatVector k10 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector k11 = FloatVector.broadcast(S, w[wOff + 4]);
        FloatVector k12 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector k20 = FloatVector.broadcast(S, w[wOff + 6]);
        FloatVector k21 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector k22 = FloatVector.broadcast(S, w[wOff + 8]);
        FloatVector vb = FloatVector.broadcast(S, bias);
        for (int x = 1; ; x += L) {
            if (x > xEnd - L) {
                if (x >= xEnd) {
                    break;
                }
                x = xEnd - L;
            }
            // Reads i-1 .. i+2L; the last read only feeds an odd (dropped) lane and may lie past
            // the row (the caller checked it is inside the array).
            int i = c + 2 * x;
            FloatVector lo = FloatVector.fromArray(S, in, i - 1).mul(k10);
            FloatVector hi = FloatVector.fromArray(S, in, i - 1 + L).mul(k10);
            lo = FloatVector.fromArray(S, in, i).fma(k11, lo);
            hi = FloatVector.fromArray(S, in, i + L).fma(k11, hi);
            lo = FloatVector.fromArray(S, in, i + 1).fma(k12, lo);
            hi = FloatVector.fromArray(S, in, i + 1 + L).fma(k12, hi);
            if (up) {
                int u = i - width;
                lo = FloatVector.fromArray(S, in, u - 1).fma(k00, lo);
                hi = FloatVector.fromArray(S, in, u - 1 + L).fma(k00, hi);
                lo = FloatVector.fromArray(S, in, u).fma(k01, lo);
                hi = FloatVector.fromArray(S, in, u + L).fma(k01, hi);
                lo = FloatVector.fromArray(S, in, u + 1).fma(k02, lo);
                hi = FloatVector.fromArray(S, in, u + 1 + L).fma(k02, hi);
            }
            if (down) {
                int d = i + width;
                lo = FloatVector.fromArray(S, in, d - 1).fma(k20, lo);
                hi = FloatVector.fromArray(S, in, d - 1 + L).fma(k20, hi);
                lo = FloatVector.fromArray(S, in, d).fma(k21, lo);
                hi = FloatVector.fromArray(S, in, d + L).fma(k21, hi);
                lo = FloatVector.fromArray(S, in, d + 1).fma(k22, lo);
                hi = FloatVector.fromArray(S, in, d + 1 + L).fma(k22, hi);
            }
            // the even lanes of lo ++ hi
            FloatVector v = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER).add(vb);
            if (relu) {
                v = v.max(FloatVector.zero(S));
            }
            v.intoArray(out, o + x);
            if (x == xEnd - L) {
                break;
            }
        }
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
        }
        for (; j < n; j++) {
            dst[d + j] = src[s + j * stride];
        }
    }

    // ---------------------------------------------------------------------------------------
    // pooling

    /**
     * Max pool over one plane. Output columns whose window lies inside the row are computed
     * L at a time (stride 1 directly; stride 2 as stride-1 maxima of two vectors, then the even
     * lanes); the rest, and strides other than 1 and 2, pixel by pixel.
     */
    public static void maxPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p) {
        pool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, true, false, false);
    }

    /** Average pool over one plane with an optional fused ReLU; vectorised like {@link #maxPool}. */
    public static void avgPool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                               int oh, int ow, int k, int s, int p, boolean countIncludePad, boolean relu) {
        pool(in, inOff, h, width, out, outOff, oh, ow, k, s, p, false, countIncludePad, relu);
    }

    private static void pool(float[] in, int inOff, int h, int width, float[] out, int outOff,
                             int oh, int ow, int k, int s, int p, boolean max, boolean countIncludePad,
                             boolean relu) {
        // Output columns [xLo, xHi) have every tap column inside [0, width).
        int xLo = Math.min(ow, (p + s - 1) / s);
        int xHi = width - k + p < 0 ? 0 : Math.min(ow, (width - k + p) / s + 1);
        if ((s != 1 && s != 2) || xHi - xLo < L) {
            if (max) {
                ScalarKernels.maxPool(in, inOff, h, width, out, outOff, oh, ow, k, s, p);
            } else {
                avgPoolClipped(in, inOff, h, width, out, outOff, oh, ow, k, s, p, countIncludePad, relu);
            }
            return;
        }
        for (int y = 0; y < oh; y++) {
            int o = outOff + y * ow;
            for (int x = 0; x < xLo; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
            }
            for (int x = xHi; x < ow; x++) {
                poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
            }
            int yLo = Math.max(0, y * s - p);
            int yHi = Math.min(h, y * s - p + k);
            // At stride 2 the second vector reads one column past the last window of the chunk.
            boolean fits = s == 1 || inOff + (yHi - 1) * width + (xHi - L) * 2 - p + 2 * L + k - 2 < in.length;
            if (yLo >= yHi || !fits) {
                for (int x = xLo; x < xHi; x++) {
                    poolPixel(in, inOff, h, width, out, o + x, y, x, k, s, p, max, countIncludePad, relu);
                }
                continue;
            }
            int c = inOff + xLo * s - p;
            if (max) {
                if (s == 1) {
                    maxRowStride1(in, c, width, yLo, yHi, k, out, o + xLo, xHi - xLo);
                } else {
                    maxRowStride2(in, c, width, yLo, yHi, k, out, o + xLo, xHi - xLo);
                }
            } else {
                float divisor = countIncludePad ? k * k : (yHi - yLo) * k;
                if (s == 1) {
                    avgRowStride1(in, c, width, yLo, yHi, k, divisor, relu, out, o + xLo, xHi - xLo);
                } else {
                    avgRowStride2(in, c, width, yLo, yHi, k, divisor, relu, out, o + xLo, xHi - xLo);
                }
            }
        }
    }

    /**
     * Average pool of a plane too narrow for the row kernels (ShuffleNet v1's 14x14 and 7x7
     * shortcut pools), in scalar code: each window is clipped to the plane once, then summed
     * without a test per tap, which runs about twice as fast as the reference's tap-by-tap
     * bounds tests.
     */
    private static void avgPoolClipped(float[] in, int inOff, int h, int width, float[] out, int outOff,
                                       int oh, int ow, int k, int s, int p, boolean countIncludePad,
                                       boolean relu) {
        float floor = relu ? 0f : Float.NEGATIVE_INFINITY;
        // output columns [xa, xb) have all k taps inside the row
        int xa = Math.min(ow, (p + s - 1) / s);
        int xb = width - k + p < 0 ? xa : Math.max(xa, Math.min(ow, (width - k + p) / s + 1));
        for (int y = 0; y < oh; y++) {
            int y0 = Math.max(0, y * s - p);
            int y1 = Math.min(h, y * s - p + k);
            int o = outOff + y * ow;
            if (k == 3 && y1 - y0 == 3 && countIncludePad) {
                // the common case, unrolled: three rows of three taps, a multiply by 1/9
                int r0 = inOff + y0 * width - p, r1 = r0 + width, r2 = r1 + width;
                float ninth = 1f / 9f;
                for (int x = xa; x < xb; x++) {
                    int c = x * s;
                    float a = in[r0 + c] + in[r0 + c + 1] + in[r0 + c + 2];
                    float b = in[r1 + c] + in[r1 + c + 1] + in[r1 + c + 2];
                    float d = in[r2 + c] + in[r2 + c + 1] + in[r2 + c + 2];
                    out[o + x] = Math.max((a + b + d) * ninth, floor);
                }
                avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, 0, xa, k, s, p, true, floor);
                avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, xb, ow, k, s, p, true, floor);
                continue;
            }
            avgPoolClippedColumns(in, inOff, width, out, o, y0, y1, 0, ow, k, s, p, countIncludePad, floor);
        }
    }

    /** Outputs [xFrom, xTo) of one row of {@link #avgPoolClipped}, over input rows [y0, y1). */
    private static void avgPoolClippedColumns(float[] in, int inOff, int width, float[] out, int o, int y0, int y1,
                                              int xFrom, int xTo, int k, int s, int p, boolean countIncludePad,
                                              float floor) {
        for (int x = xFrom; x < xTo; x++) {
            int x0 = Math.max(0, x * s - p);
            int x1 = Math.min(width, x * s - p + k);
            float sum = 0f;
            for (int iy = y0; iy < y1; iy++) {
                int r = inOff + iy * width;
                for (int ix = x0; ix < x1; ix++) {
                    sum += in[r + ix];
                }
            }
            int count = countIncludePad ? k * k : Math.max(0, y1 - y0) * Math.max(0, x1 - x0);
            out[o + x] = Math.max(sum / count, floor);
        }
    }

    // The four row kernels below differ in one operation each. Each computes n >= L outputs
    // from column c on (the window of output j starts at c + j*stride) over input rows
    // [yLo, yHi); the last vector is recomputed overlapping. The window taps run as one flat
    // loop, not rows x columns: on JDK 17 C2 does not scalarise a vector carried through two
    // nested loops (measured for the 112x112 max pool: 406 KB of boxed vectors and 28 us per
    // call nested, 0 B and 6 us flat).

    private static void maxRowStride1(float[] in, int c, int width, int yLo, int yHi, int k,
                                      float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            int r = c + yLo * width + x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                acc = acc.max(FloatVector.fromArray(S, in, r + kx));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            acc.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    /** Stride 2: stride-1 window maxima at 2L columns in two vectors, then their even lanes. */
    private static void maxRowStride2(float[] in, int c, int width, int yLo, int yHi, int k,
                                      float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector lo = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector hi = lo;
            int r = c + yLo * width + 2 * x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                lo = lo.max(FloatVector.fromArray(S, in, r + kx));
                hi = hi.max(FloatVector.fromArray(S, in, r + kx + L));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER).intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    private static void avgRowStride1(float[] in, int c, int width, int yLo, int yHi, int k, float divisor,
                                      boolean relu, float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector acc = FloatVector.zero(S);
            int r = c + yLo * width + x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                acc = acc.add(FloatVector.fromArray(S, in, r + kx));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            acc = acc.div(divisor);
            if (relu) {
                acc = acc.max(FloatVector.zero(S));
            }
            acc.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    /** Stride 2: stride-1 window sums at 2L columns in two vectors, then their even lanes. */
    private static void avgRowStride2(float[] in, int c, int width, int yLo, int yHi, int k, float divisor,
                                      boolean relu, float[] out, int o, int n) {
        for (int x = 0; ; x += L) {
            if (x > n - L) {
                if (x >= n) {
                    break;
                }
                x = n - L;
            }
            FloatVector lo = FloatVector.zero(S);
            FloatVector hi = lo;
            int r = c + yLo * width + 2 * x;
            int taps = (yHi - yLo) * k;
            for (int t = 0, kx = 0; t < taps; t++) {
                lo = lo.add(FloatVector.fromArray(S, in, r + kx));
                hi = hi.add(FloatVector.fromArray(S, in, r + kx + L));
                if (++kx == k) {
                    kx = 0;
                    r += width;
                }
            }
            FloatVector v = lo.rearrange(EVENS).blend(hi.rearrange(EVENS), UPPER).div(divisor);
            if (relu) {
                v = v.max(FloatVector.zero(S));
            }
            v.intoArray(out, o + x);
            if (x == n - L) {
                break;
            }
        }
    }

    private static void poolPixel(float[] in, int inOff, int h, int width, float[] out, int outIdx,
                                  int y, int x, int k, int s, int p, boolean max, boolean countIncludePad,
                                  boolean relu) {
        float acc = max ? Float.NEGATIVE_INFINITY : 0f;
        int count = 0;
        for (int ky = 0; ky < k; ky++) {
            int iy = y * s - p + ky;
            if (iy < 0 || iy >= h) {
                continue;
            }
            for (int kx = 0; kx < k; kx++) {
                int ix = x * s - p + kx;
                if (ix >= 0 && ix < width) {
                    float v = in[inOff + iy * width + ix];
                    acc = max ? Math.max(acc, v) : acc + v;
                    count++;
                }
            }
        }
        if (!max) {
            acc /= countIncludePad ? k * k : count;
            if (relu) {
                acc = Math.max(acc, 0f);
            }
        }
        out[outIdx] = acc;
    }

    // ---------------------------------------------------------------------------------------
    // reductions and element-wise kernels

    /** Sum of {@code n} floats: four accumulators, one lane reduction, scalar tail. */
    public static float sum(float[] a, int off, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            s0 = s0.add(FloatVector.fromArray(S, a, off + i));
            s1 = s1.add(FloatVector.fromArray(S, a, off + i + L));
            s2 = s2.add(FloatVector.fromArray(S, a, off + i + 2 * L));
            s3 = s3.add(FloatVector.fromArray(S, a, off + i + 3 * L));
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            s0 = s0.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Dot product: fma into four accumulators, one lane reduction, scalar tail. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (int bound = n - 4 * L; i <= bound; i += 4 * L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            s1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
            s2 = FloatVector.fromArray(S, a, aOff + i + 2 * L).fma(FloatVector.fromArray(S, b, bOff + i + 2 * L), s2);
            s3 = FloatVector.fromArray(S, a, aOff + i + 3 * L).fma(FloatVector.fromArray(S, b, bOff + i + 3 * L), s3);
        }
        for (int bound = S.loopBound(n); i < bound; i += L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
        }
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /**
     * Fully connected layer: four output rows at a time share each load of {@code x}, each row
     * with two accumulators; remaining rows use {@link #dot}.
     */
    public static void linear(float[] w, float[] bias, float[] x, int xOff, float[] out, int outOff,
                              int inFeatures, int outFeatures) {
        // weights [outFeatures, inFeatures]
        int n = inFeatures;
        int bound2 = n - 2 * L;
        int bound1 = S.loopBound(n);
        int o = 0;
        for (; o + 4 <= outFeatures; o += 4) {
            int w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            int i = 0;
            for (; i <= bound2; i += 2 * L) {
                FloatVector xa = FloatVector.fromArray(S, x, xOff + i);
                FloatVector xb = FloatVector.fromArray(S, x, xOff + i + L);
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
                FloatVector xa = FloatVector.fromArray(S, x, xOff + i);
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
                float xi = x[xOff + i];
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
            out[outOff + o] = s0;
            out[outOff + o + 1] = s1;
            out[outOff + o + 2] = s2;
            out[outOff + o + 3] = s3;
        }
        for (; o < outFeatures; o++) {
            float s = dot(w, o * n, x, xOff, n);
            out[outOff + o] = bias == null ? s : s + bias[o];
        }
    }

    /** {@code out = act(a + b)}; out may alias a or b exactly (each element is read before it is written). */
    public static void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n, boolean relu) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i));
            (relu ? v.max(FloatVector.zero(S)) : v).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = a[aOff + i] + b[bOff + i];
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** {@code out = act(a * scale + shift)} with one fma per vector; may be in place. */
    public static void scaleShift(float[] a, int aOff, float[] out, int outOff, int n, float scale, float shift,
                                  boolean relu) {
        FloatVector vs = FloatVector.broadcast(S, scale);
        FloatVector vt = FloatVector.broadcast(S, shift);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(S, a, aOff + i).fma(vs, vt);
            (relu ? v.max(FloatVector.zero(S)) : v).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float v = Math.fma(a[aOff + i], scale, shift);
            out[outOff + i] = relu ? Math.max(v, 0f) : v;
        }
    }

    /** In-place ReLU. */
    public static void relu(float[] a, int off, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, off + i).max(0f).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] = Math.max(a[off + i], 0f);
        }
    }

    /**
     * In-place softmax: vector maximum (two accumulators) and vector scaling; the exponentials
     * and their sum are the scalar reference's, so results match it closely.
     */
    public static void softmax(float[] a, int off, int n) {
        if (n <= 0) {
            return;
        }
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, a, off + i));
            m1 = m1.max(FloatVector.fromArray(S, a, off + i + L));
        }
        float max = m0.max(m1).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, a[off + i]);
        }
        double total = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(a[off + j] - max);
            a[off + j] = e;
            total += e;
        }
        float inv = (float) (1.0 / total);
        i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, a, off + i).mul(inv).intoArray(a, off + i);
        }
        for (; i < n; i++) {
            a[off + i] *= inv;
        }
    }
}
