package dev.shufflespark.model.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the vector kernels share: the species, the lane constants, and the rules they are written
 * by (below). The kernels themselves live one operator family per class, each with the
 * signatures and contracts of its {@link ScalarKernels} namesakes, the truth it is tested against:
 * {@link VectorGemm} (pointwise convolution, fully connected, im2col), {@link VectorDepthwise},
 * {@link VectorPooling} and {@link VectorElementwise} (reductions and element-wise kernels).
 *
 * <p>Loading any of these classes needs the {@code jdk.incubator.vector} module; {@link Kernels}
 * only calls them when {@link Simd#enabled()} is true. Tests call them directly, so when Simd
 * chose the scalar path (but the module is present) the species falls back to the preferred one.
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
    static final VectorShuffle<Float> EVENS = VectorShuffle.fromOp(S, i -> (2 * i) % L);

    /** Stride-2 compaction of the odd lanes, as {@link #EVENS} of the even ones: lane i takes lane 2i + 1 mod L. */
    static final VectorShuffle<Float> ODDS = VectorShuffle.fromOp(S, i -> (2 * i + 1) % L);

    /** The upper half of the lanes. */
    static final VectorMask<Float> UPPER = VectorMask.fromLong(S, ((1L << L) - 1) & -(1L << (L / 2)));

    /** Widest rows {@link #COLUMNS} covers. */
    static final int COLUMNS_WIDTH = 64;

    /**
     * {@code COLUMNS[t] = t % width} for t < width + L, for every width up to
     * {@link #COLUMNS_WIDTH}, width w from {@code (w - 1) * (w + 2L) / 2} on: the column of each
     * lane of a vector whose first output is in column t.
     */
    static final float[] COLUMNS = columns();

    private static float[] columns() {
        float[] c = new float[columnsAt(COLUMNS_WIDTH + 1)];
        for (int w = 1; w <= COLUMNS_WIDTH; w++) {
            for (int t = 0; t < w + L; t++) {
                c[columnsAt(w) + t] = t % w;
            }
        }
        return c;
    }

    static int columnsAt(int width) {
        return (width - 1) * (width + 2 * L) / 2;
    }

    private VectorKernels() {
    }

    /** The species in use, for reports and tests. */
    public static String species() {
        return S.toString();
    }

    // ---------------------------------------------------------------------------------------
    // How the vector kernels are written (JDK 17, C2), and why they look unrolled
    //
    // 1. Spelled out, not factored. A vector that crosses a call C2 did not inline is boxed,
    //    and a boxed loop-carried vector is re-boxed on every iteration. C2 stops inlining
    //    ordinary methods once a compilation holds ~18000 nodes (NodeCountInliningCutoff), and
    //    Vector API calls are node-hungry, so a kernel with a 12-vector epilogue cannot rely on
    //    small helpers being inlined: hot kernels write every accumulator, load and store out
    //    by hand and call only Vector API methods (which are force-inlined). The repetition in
    //    VectorGemm, VectorDepthwise and VectorPooling is this rule, not an oversight.
    //
    // 2. No masked loads or stores: not intrinsified on JDK 17, they compile to large, slow
    //    fallback code. Kernels check bounds up front instead and take scalar code for the rare
    //    vector that would run past the end of an array, or recompute the last whole vector
    //    (overlapping) where rewriting the same values is harmless.
    //
    // 3. In the GEMM kernels, x.fma(one, acc) stands for x + acc and acc.blend(z, acc.lt(z))
    //    for max(acc, z). Every two-operand lanewise operation (add, max, mul, ...) inlines a
    //    profiled type check on the operator that is shared by all Vector API users in the JVM.
    //    C2 adds up the traps that check has taken over every inlined site, and a compilation
    //    that reaches 100 (PerMethodTrapLimit) gives up type speculation, which boxes every
    //    vector in the method. The GEMM kernels have dozens of such sites: they went from 0 to
    //    ~600 KB per call, for good, in about one run in three of VectorKernelsAllocationTest.
    //    fma, compare and blend have no such check, and fma with 1 is exact addition. (A
    //    separate epilogue pass over memory avoided it too but cost 10-30% for cin <= 60.) The
    //    other kernels have a handful of two-operand sites each, far from the limit.
    //
    // 4. Every vector operation of a hot kernel runs on every call, whatever its flags: an
    //    absent term adds zeros and an absent ReLU clamps at minus infinity. C2 intrinsifies a
    //    Vector API call only where the call site was profiled with stable types; a flag that
    //    picked vector code would leave that code unprofiled until the first call that sets it,
    //    and C2 would either trap there and recompile (adding to the trap count of rule 3), or
    //    compile it as out-of-line calls into the Vector API's Java fallback, which allocates
    //    and runs ten times slower. Both were seen, at random, in about one JVM in three.
}
