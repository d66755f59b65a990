package dev.shufflespark.model.kernel;

import static dev.shufflespark.model.kernel.VectorKernels.COLUMNS;
import static dev.shufflespark.model.kernel.VectorKernels.COLUMNS_WIDTH;
import static dev.shufflespark.model.kernel.VectorKernels.EVENS;
import static dev.shufflespark.model.kernel.VectorKernels.L;
import static dev.shufflespark.model.kernel.VectorKernels.S;
import static dev.shufflespark.model.kernel.VectorKernels.UPPER;
import static dev.shufflespark.model.kernel.VectorKernels.columnsAt;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The depthwise 3x3 convolution on the Vector API, same signature and contract as
 * {@link ScalarKernels#depthwise3x3}, its truth in tests. Written to the rules in
 * {@link VectorKernels}.
 */
public final class VectorDepthwise {

    private VectorDepthwise() {
    }

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
        if (width <= MASKED_WIDTH && h * width <= PLANE_MASKED && inOff > width
                && inOff + h * width + width < in.length) {
            if (pairs(width, 0, h * width)) {
                dwPlaneMaskedPairs(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
            } else {
                dwPlaneMasked(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
            }
            return;
        }
        if (stripes(width)) {
            dwStripes(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
            return;
        }
        if (width <= MASKED_WIDTH) {
            // Rows 1 .. h-2 whole. The first pixel's flat taps start one before the plane and the
            // last pixel's end one after it (masked off either way); where that is outside the
            // array, the pixel is computed on its own.
            boolean first = inOff > 0;
            boolean last = inOff + h * width < in.length;
            int from = first ? lo - 1 : lo;
            int to = last ? hi + 1 : hi;
            if (to - from >= pairSpan(width)) {
                dwFlatMaskedPairs(w, wOff, bias, in, inOff, width, out, outOff, from, to, relu);
            } else {
                dwFlatMasked(w, wOff, bias, in, inOff, width, out, outOff, from, to, relu);
            }
            if (!first) {
                dwPixel(w, wOff, bias, in, inOff, h, width, out, outOff + width, 1, 0, 1, relu);
            }
            if (!last) {
                dwPixel(w, wOff, bias, in, inOff, h, width, out, outOff + hi, h - 2, width - 1, 1, relu);
            }
        } else {
            if (pairs(width, lo, hi)) {
                dwFlatPairs(w, wOff, bias, in, inOff, width, out, outOff, lo, hi, relu);
            } else {
                dwFlat(w, wOff, bias, in, inOff, width, out, outOff, lo, hi, relu);
            }
            dwBorderColumns(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
        }
        // First row: kernel rows 1 and 2 on input rows 0 and 1. Last row: kernel rows 0 and 1 on
        // input rows h-2 and h-1.
        dwEdgeRow(w, wOff + 3, bias, in, inOff, h, width, out, outOff, 0, 0, relu);
        dwEdgeRow(w, wOff, bias, in, inOff, h, width, out, outOff, h - 1, h - 2, relu);
    }

    /**
     * Whether the flat range [lo, hi) of a plane {@code width} wide is computed in pairs of
     * vectors one row apart ({@link #dwFlatPairs} and its masked forms): the two vectors of a
     * pair share the loads of the two rows between them, 12 loads for 2 vectors instead of 18.
     * Rows narrower than half a vector would compute most lanes twice; ranges shorter than one
     * block ({@link #pairSpan}) take the single vectors. The interior rows' masked range asks only
     * for one block ({@link #dwFlatMaskedPairs} says why).
     */
    private static boolean pairs(int width, int lo, int hi) {
        return 2 * width >= L && hi - lo >= pairSpan(width);
    }

    /**
     * The outputs one block of pairs covers from its first index b: the vectors at b .. b+width
     * (the last overlapping) and those width after them, so [b, b + width + max(width, L)).
     * Blocks start 2*width apart; the last is moved back to end at the end of the range.
     */
    private static int pairSpan(int width) {
        return width + Math.max(width, L);
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
     * As {@link #dwFlat}, two vectors at a time: the outputs at j and j + width read the input
     * rows at j - width, j, j + width and j + 2*width, and each row's three shifted loads serve
     * both. Each output sums its taps in the same order as in {@link #dwFlat}. The range must
     * satisfy {@link #pairs}; blocks and vectors that would run past its end are moved back
     * (recomputed overlapping).
     */
    private static void dwFlatPairs(float[] w, int wOff, float bias, float[] in, int inOff, int width,
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
        int span = pairSpan(width);
        for (int b = lo; ; b += 2 * width) {
            if (b > hi - span) {
                b = hi - span;
            }
            for (int j = b; ; j += L) {
                if (j > b + width - L) {
                    j = Math.max(b, b + width - L);
                }
                int c = inOff + j;
                int u = c - width;
                int d = c + width;
                int e = d + width;
                // a: the output at j (kernel rows on rows u, c, d); p: the one at j + width (c, d, e)
                FloatVector x = FloatVector.fromArray(S, in, u - 1);
                FloatVector a0 = x.mul(k00);
                x = FloatVector.fromArray(S, in, c - 1);
                FloatVector a1 = x.mul(k10);
                FloatVector p0 = x.mul(k00);
                x = FloatVector.fromArray(S, in, d - 1);
                FloatVector a2 = x.mul(k20);
                FloatVector p1 = x.mul(k10);
                x = FloatVector.fromArray(S, in, e - 1);
                FloatVector p2 = x.mul(k20);
                x = FloatVector.fromArray(S, in, u);
                a0 = x.fma(k01, a0);
                x = FloatVector.fromArray(S, in, c);
                a1 = x.fma(k11, a1);
                p0 = x.fma(k01, p0);
                x = FloatVector.fromArray(S, in, d);
                a2 = x.fma(k21, a2);
                p1 = x.fma(k11, p1);
                x = FloatVector.fromArray(S, in, e);
                p2 = x.fma(k21, p2);
                x = FloatVector.fromArray(S, in, u + 1);
                a0 = x.fma(k02, a0);
                x = FloatVector.fromArray(S, in, c + 1);
                a1 = x.fma(k12, a1);
                p0 = x.fma(k02, p0);
                x = FloatVector.fromArray(S, in, d + 1);
                a2 = x.fma(k22, a2);
                p1 = x.fma(k12, p1);
                x = FloatVector.fromArray(S, in, e + 1);
                p2 = x.fma(k22, p2);
                FloatVector va = a0.add(a1).add(a2).add(vb);
                FloatVector vp = p0.add(p1).add(p2).add(vb);
                if (relu) {
                    va = va.max(FloatVector.zero(S));
                    vp = vp.max(FloatVector.zero(S));
                }
                va.intoArray(out, outOff + j);
                vp.intoArray(out, outOff + j + width);
                if (j >= b + width - L) {
                    break;
                }
            }
            if (b == hi - span) {
                break;
            }
        }
    }

    /**
     * Widest planes that {@link #dwFlatMasked} takes at stride 1 (rows of more than one vector
     * and at most two take {@link #dwStripes} first): ShuffleNet's 28x28, 14x14 and 7x7 planes,
     * where the two border columns are a large part of the plane (2 of 7 columns) and the scalar
     * code for them cost more than the vectors for the rest.
     */
    private static final int MASKED_WIDTH = Math.min(32, COLUMNS_WIDTH);

    /**
     * As {@link #dwFlat}, but the vectors also cover the border columns: each vector sums its
     * left, middle and right kernel columns apart, and the left sum is dropped in lanes of
     * column 0 and the right sum in lanes of column width-1 (a compare and a blend against
     * {@link VectorKernels#COLUMNS}), where the flat taps wrapped round to the row before or after.
     */
    private static void dwFlatMasked(float[] w, int wOff, float bias, float[] in, int inOff, int width,
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector firstColumn = zero;
        FloatVector lastColumn = FloatVector.broadcast(S, width - 1);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int columns = columnsAt(width);
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
            FloatVector left = FloatVector.fromArray(S, in, u - 1).mul(k00);
            FloatVector mid = FloatVector.fromArray(S, in, u).mul(k01);
            FloatVector right = FloatVector.fromArray(S, in, u + 1).mul(k02);
            left = FloatVector.fromArray(S, in, c - 1).fma(k10, left);
            mid = FloatVector.fromArray(S, in, c).fma(k11, mid);
            right = FloatVector.fromArray(S, in, c + 1).fma(k12, right);
            left = FloatVector.fromArray(S, in, d - 1).fma(k20, left);
            mid = FloatVector.fromArray(S, in, d).fma(k21, mid);
            right = FloatVector.fromArray(S, in, d + 1).fma(k22, right);
            FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + i % width);
            left = left.blend(zero, column.eq(firstColumn));
            right = right.blend(zero, column.eq(lastColumn));
            FloatVector v = mid.add(left).add(right).add(vb);
            v.blend(floor, v.lt(floor)).intoArray(out, outOff + i);
            if (i == hi - L) {
                break;
            }
        }
    }

    /**
     * As {@link #dwFlatMasked}, two vectors one row apart at a time, as in {@link #dwFlatPairs};
     * both have the same columns, so the same column masks. Each output sums its taps in the
     * same order as in {@link #dwFlatMasked}. The range must hold one block ({@link #pairSpan}); rows
     * narrower than half a vector are taken too (the first and last 7x7 planes of a layer), so that
     * the single-vector loop, which nothing hot calls, is not left to run in C1.
     */
    private static void dwFlatMaskedPairs(float[] w, int wOff, float bias, float[] in, int inOff, int width,
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector firstColumn = zero;
        FloatVector lastColumn = FloatVector.broadcast(S, width - 1);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int columns = columnsAt(width);
        int span = pairSpan(width);
        for (int b = lo; ; b += 2 * width) {
            if (b > hi - span) {
                b = hi - span;
            }
            for (int j = b; ; j += L) {
                if (j > b + width - L) {
                    j = Math.max(b, b + width - L);
                }
                int c = inOff + j;
                int u = c - width;
                int d = c + width;
                int e = d + width;
                // a: the output at j (rows u, c, d); p: the one at j + width (rows c, d, e)
                FloatVector x = FloatVector.fromArray(S, in, u - 1);
                FloatVector aLeft = x.mul(k00);
                x = FloatVector.fromArray(S, in, u);
                FloatVector aMid = x.mul(k01);
                x = FloatVector.fromArray(S, in, u + 1);
                FloatVector aRight = x.mul(k02);
                x = FloatVector.fromArray(S, in, c - 1);
                aLeft = x.fma(k10, aLeft);
                FloatVector pLeft = x.mul(k00);
                x = FloatVector.fromArray(S, in, c);
                aMid = x.fma(k11, aMid);
                FloatVector pMid = x.mul(k01);
                x = FloatVector.fromArray(S, in, c + 1);
                aRight = x.fma(k12, aRight);
                FloatVector pRight = x.mul(k02);
                x = FloatVector.fromArray(S, in, d - 1);
                aLeft = x.fma(k20, aLeft);
                pLeft = x.fma(k10, pLeft);
                x = FloatVector.fromArray(S, in, d);
                aMid = x.fma(k21, aMid);
                pMid = x.fma(k11, pMid);
                x = FloatVector.fromArray(S, in, d + 1);
                aRight = x.fma(k22, aRight);
                pRight = x.fma(k12, pRight);
                x = FloatVector.fromArray(S, in, e - 1);
                pLeft = x.fma(k20, pLeft);
                x = FloatVector.fromArray(S, in, e);
                pMid = x.fma(k21, pMid);
                x = FloatVector.fromArray(S, in, e + 1);
                pRight = x.fma(k22, pRight);
                FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + j % width);
                VectorMask<Float> leftEdge = column.eq(firstColumn);
                VectorMask<Float> rightEdge = column.eq(lastColumn);
                FloatVector va = aMid.add(aLeft.blend(zero, leftEdge)).add(aRight.blend(zero, rightEdge)).add(vb);
                FloatVector vp = pMid.add(pLeft.blend(zero, leftEdge)).add(pRight.blend(zero, rightEdge)).add(vb);
                va.blend(floor, va.lt(floor)).intoArray(out, outOff + j);
                vp.blend(floor, vp.lt(floor)).intoArray(out, outOff + j + width);
                if (j >= b + width - L) {
                    break;
                }
            }
            if (b == hi - span) {
                break;
            }
        }
    }

    /** Whether {@link #dwStripes} takes planes {@code width} wide: rows of more than one vector and at most two. */
    private static boolean stripes(int width) {
        return width > L && width <= 2 * L;
    }

    /** Lane 0. */
    private static final VectorMask<Float> FIRST_LANE = VectorMask.fromLong(S, 1L);

    /** Lane L-1. */
    private static final VectorMask<Float> LAST_LANE = VectorMask.fromLong(S, 1L << (L - 1));

    /**
     * Stride 1 on rows of L+1 to 2L pixels (ShuffleNet's 28x28 at 16 lanes), h >= 3: each output
     * row is two vectors, the left stripe at column 0 and the right one at column width-L (they
     * overlap unless width = 2L). Rows 1 .. h-2 run stripe by stripe down the plane
     * ({@link #dwStripe}), the first and last rows in {@link #dwStripesEdges}, the four corners
     * by {@link #dwPixel}, as {@link #dwEdgeRow} computes them: the outputs are those of the flat
     * kernels bit for bit. Three methods, each compiled on its own: C2 adds up the recompilations
     * recorded in every Vector API method it inlines, once a copy, and one method holding all of
     * it passed {@code PerMethodRecompilationCutoff / 2} halfway through (the type checks after
     * that point compiled with a virtual call, the species no longer a constant, the stores not
     * intrinsified: 80-95 us a step in every {@code -Xbatch} JVM, against 15).
     */
    private static void dwStripes(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                  float[] out, int outOff, boolean relu) {
        dwStripe(w, wOff, bias, in, inOff, h, width, out, outOff, 0, relu);
        dwStripe(w, wOff, bias, in, inOff, h, width, out, outOff, width - L, relu);
        dwStripesEdges(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
        int o = outOff + (h - 1) * width;
        dwPixel(w, wOff, bias, in, inOff, h, width, out, outOff, 0, 0, 1, relu);
        dwPixel(w, wOff, bias, in, inOff, h, width, out, outOff + width - 1, 0, width - 1, 1, relu);
        dwPixel(w, wOff, bias, in, inOff, h, width, out, o, h - 1, 0, 1, relu);
        dwPixel(w, wOff, bias, in, inOff, h, width, out, o + width - 1, h - 1, width - 1, 1, relu);
    }

    /**
     * Output rows 1 .. h-2 of the stripe at column x0 ({@link #dwStripes}), one input row at a time:
     * each is loaded once (three loads, its taps left, middle and right) and serves the three
     * output rows that read it: it ends the row above, adds to the row beside and starts the row
     * below, whose column sums are carried to the next input row (three loads per output vector,
     * against six in {@link #dwFlatMaskedPairs}). The left sum is dropped in the lanes of column 0
     * and the right sum in those of column width-1, as in {@link #dwFlatMaskedPairs}, whose order
     * each output keeps. The left taps of row 0 and the right taps of row h-1 are loaded inside
     * the plane, moved a lane, and the lane that wraps taken from the row (or, where that is
     * outside the plane, from its edge: a masked lane), so nothing outside the plane is read.
     */
    private static void dwStripe(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                 float[] out, int outOff, int x0, boolean relu) {
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        FloatVector lanes = FloatVector.fromArray(S, IOTA, 0);
        VectorMask<Float> leftEdge = lanes.eq(x0 == 0 ? 0f : -1f);
        VectorMask<Float> rightEdge = lanes.eq(x0 + L == width ? L - 1 : -1f);
        int r0 = inOff + x0;
        int r1 = r0 + width;
        FloatVector x = FloatVector.fromArray(S, in, r0).rearrange(ONE_UP)
                .blend(in[Math.max(r0 - 1, inOff)], FIRST_LANE);
        // a: output row 1 (input rows 0, 1, 2); p: row 2 (input rows 1, 2, 3)
        FloatVector aLeft = x.mul(k00);
        FloatVector aMid = FloatVector.fromArray(S, in, r0).mul(k01);
        FloatVector aRight = FloatVector.fromArray(S, in, r0 + 1).mul(k02);
        x = FloatVector.fromArray(S, in, r1 - 1);
        aLeft = x.fma(k10, aLeft);
        FloatVector pLeft = x.mul(k00);
        x = FloatVector.fromArray(S, in, r1);
        aMid = x.fma(k11, aMid);
        FloatVector pMid = x.mul(k01);
        x = FloatVector.fromArray(S, in, r1 + 1);
        aRight = x.fma(k12, aRight);
        FloatVector pRight = x.mul(k02);
        // input rows 2 .. h-2: each ends output row y-1 (a), adds to row y (p), starts row y+1 (n)
        for (int y = 2; y < h - 1; y++) {
            int r = r0 + y * width;
            x = FloatVector.fromArray(S, in, r - 1);
            aLeft = x.fma(k20, aLeft);
            pLeft = x.fma(k10, pLeft);
            FloatVector nLeft = x.mul(k00);
            x = FloatVector.fromArray(S, in, r);
            aMid = x.fma(k21, aMid);
            pMid = x.fma(k11, pMid);
            FloatVector nMid = x.mul(k01);
            x = FloatVector.fromArray(S, in, r + 1);
            aRight = x.fma(k22, aRight);
            pRight = x.fma(k12, pRight);
            FloatVector nRight = x.mul(k02);
            FloatVector v = aMid.add(aLeft.blend(zero, leftEdge)).add(aRight.blend(zero, rightEdge)).add(vb);
            v.blend(floor, v.lt(floor)).intoArray(out, outOff + (y - 1) * width + x0);
            aLeft = pLeft;
            aMid = pMid;
            aRight = pRight;
            pLeft = nLeft;
            pMid = nMid;
            pRight = nRight;
        }
        // input row h-1 ends output row h-2
        int rz = r0 + (h - 1) * width;
        aLeft = FloatVector.fromArray(S, in, rz - 1).fma(k20, aLeft);
        aMid = FloatVector.fromArray(S, in, rz).fma(k21, aMid);
        x = FloatVector.fromArray(S, in, rz).rearrange(ONE_DOWN)
                .blend(in[Math.min(rz + L, inOff + h * width - 1)], LAST_LANE);
        aRight = x.fma(k22, aRight);
        FloatVector v = aMid.add(aLeft.blend(zero, leftEdge)).add(aRight.blend(zero, rightEdge)).add(vb);
        v.blend(floor, v.lt(floor)).intoArray(out, outOff + (h - 2) * width + x0);
    }

    /**
     * The first and last output rows of {@link #dwStripes}, both stripes, each output row by row in
     * the order of {@link #dwEdgeRowVectors}: the row-0 taps of the first row and the row-2 taps of
     * the last (kernel rows 1 and 2 on input rows 0 and 1; kernel rows 0 and 1 on h-2 and h-1). The
     * left taps of row 0 and the right taps of row h-1 are loaded inside the plane and moved a
     * lane; the lanes that wrap are the corners, which {@link #dwPixel} rewrites.
     */
    private static void dwStripesEdges(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                       float[] out, int outOff, boolean relu) {
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int xb = width - L;
        int r0 = inOff;
        int r1 = r0 + width;
        FloatVector s0 = FloatVector.fromArray(S, in, r0).rearrange(ONE_UP).mul(k10);
        s0 = FloatVector.fromArray(S, in, r0).fma(k11, s0);
        s0 = FloatVector.fromArray(S, in, r0 + 1).fma(k12, s0);
        FloatVector s1 = FloatVector.fromArray(S, in, r1 - 1).mul(k20);
        s1 = FloatVector.fromArray(S, in, r1).fma(k21, s1);
        s1 = FloatVector.fromArray(S, in, r1 + 1).fma(k22, s1);
        s0.add(s1).add(vb).max(floor).intoArray(out, outOff);
        s0 = FloatVector.fromArray(S, in, r0 + xb - 1).mul(k10);
        s0 = FloatVector.fromArray(S, in, r0 + xb).fma(k11, s0);
        s0 = FloatVector.fromArray(S, in, r0 + xb + 1).fma(k12, s0);
        s1 = FloatVector.fromArray(S, in, r1 + xb - 1).mul(k20);
        s1 = FloatVector.fromArray(S, in, r1 + xb).fma(k21, s1);
        s1 = FloatVector.fromArray(S, in, r1 + xb + 1).fma(k22, s1);
        s0.add(s1).add(vb).max(floor).intoArray(out, outOff + xb);
        int rl = inOff + (h - 2) * width;
        int rz = rl + width;
        int o = outOff + (h - 1) * width;
        s0 = FloatVector.fromArray(S, in, rl - 1).mul(k00);
        s0 = FloatVector.fromArray(S, in, rl).fma(k01, s0);
        s0 = FloatVector.fromArray(S, in, rl + 1).fma(k02, s0);
        s1 = FloatVector.fromArray(S, in, rz - 1).mul(k10);
        s1 = FloatVector.fromArray(S, in, rz).fma(k11, s1);
        s1 = FloatVector.fromArray(S, in, rz + 1).fma(k12, s1);
        s0.add(s1).add(vb).max(floor).intoArray(out, o);
        s0 = FloatVector.fromArray(S, in, rl + xb - 1).mul(k00);
        s0 = FloatVector.fromArray(S, in, rl + xb).fma(k01, s0);
        s0 = FloatVector.fromArray(S, in, rl + xb + 1).fma(k02, s0);
        s1 = FloatVector.fromArray(S, in, rz + xb - 1).mul(k10);
        s1 = FloatVector.fromArray(S, in, rz + xb).fma(k11, s1);
        s1 = FloatVector.fromArray(S, in, rz + width - L).rearrange(ONE_DOWN).fma(k12, s1);
        s0.add(s1).add(vb).max(floor).intoArray(out, o + xb);
    }

    /**
     * Largest planes (in floats) that {@link #dwPlaneMasked} takes: ShuffleNet's 7x7 and 14x14,
     * where the first and last rows (scalar corners, a staged vector each) cost as much as the
     * vectors for the rows between them.
     */
    private static final int PLANE_MASKED = 256;

    /** 0, 1, ..., L-1: the lane numbers, for the row masks of {@link #dwPlaneMasked}. */
    private static final float[] IOTA = iota();

    private static float[] iota() {
        float[] a = new float[L];
        for (int i = 0; i < L; i++) {
            a[i] = i;
        }
        return a;
    }

    /**
     * Stride 1, the whole plane as one flat range, first and last rows included: as
     * {@link #dwFlatMasked}, and moreover the taps of the row above are loaded as zeros in the
     * lanes of row 0 and those of the row below in the lanes of row h-1 (a compare of the lane
     * numbers and a blend on each load, before any multiply, so whatever lies outside the plane
     * never enters a sum). The taps of the first vector start width+1 before the plane and
     * those of the last end width+1 after it: the caller checks both are inside the array. The
     * last vector is recomputed overlapping.
     */
    private static void dwPlaneMasked(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                      float[] out, int outOff, boolean relu) {
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector firstColumn = zero;
        FloatVector lastColumn = FloatVector.broadcast(S, width - 1);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        FloatVector lanes = FloatVector.fromArray(S, IOTA, 0);
        int columns = columnsAt(width);
        int n = h * width;
        int lastRow = n - width;
        for (int i = 0; ; i += L) {
            if (i > n - L) {
                i = n - L;
            }
            int c = inOff + i;
            int u = c - width;
            int d = c + width;
            // lanes in row 0 (no row above), lanes before row h-1 (a row below)
            VectorMask<Float> top = lanes.lt(width - i);
            VectorMask<Float> below = lanes.lt(lastRow - i);
            FloatVector left = FloatVector.fromArray(S, in, u - 1).blend(zero, top).mul(k00);
            FloatVector mid = FloatVector.fromArray(S, in, u).blend(zero, top).mul(k01);
            FloatVector right = FloatVector.fromArray(S, in, u + 1).blend(zero, top).mul(k02);
            left = FloatVector.fromArray(S, in, c - 1).fma(k10, left);
            mid = FloatVector.fromArray(S, in, c).fma(k11, mid);
            right = FloatVector.fromArray(S, in, c + 1).fma(k12, right);
            left = zero.blend(FloatVector.fromArray(S, in, d - 1), below).fma(k20, left);
            mid = zero.blend(FloatVector.fromArray(S, in, d), below).fma(k21, mid);
            right = zero.blend(FloatVector.fromArray(S, in, d + 1), below).fma(k22, right);
            FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + i % width);
            left = left.blend(zero, column.eq(firstColumn));
            right = right.blend(zero, column.eq(lastColumn));
            FloatVector v = mid.add(left).add(right).add(vb);
            v.blend(floor, v.lt(floor)).intoArray(out, outOff + i);
            if (i == n - L) {
                break;
            }
        }
    }

    /**
     * As {@link #dwPlaneMasked}, two vectors one row apart at a time, as in {@link #dwFlatPairs},
     * over the whole plane [0, h*width). The row above the lower vector is the upper vector's
     * centre row, inside the plane; the row below the upper vector is loaded once and blended
     * to zero past the plane for it alone. Each output sums its taps in the same order as in
     * {@link #dwPlaneMasked}. The plane must satisfy {@link #pairs}.
     */
    private static void dwPlaneMaskedPairs(float[] w, int wOff, float bias, float[] in, int inOff, int h, int width,
                                           float[] out, int outOff, boolean relu) {
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
        FloatVector zero = FloatVector.zero(S);
        FloatVector firstColumn = zero;
        FloatVector lastColumn = FloatVector.broadcast(S, width - 1);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        FloatVector lanes = FloatVector.fromArray(S, IOTA, 0);
        int columns = columnsAt(width);
        int n = h * width;
        int lastRow = n - width;
        int span = pairSpan(width);
        for (int b = 0; ; b += 2 * width) {
            if (b > n - span) {
                b = n - span;
            }
            for (int j = b; ; j += L) {
                if (j > b + width - L) {
                    j = Math.max(b, b + width - L);
                }
                int c = inOff + j;
                int u = c - width;
                int d = c + width;
                int e = d + width;
                // a: the output at j (rows u, c, d); p: the one at j + width (rows c, d, e).
                // Lanes of a in row 0 (no row above), of a and of p before row h-1 (a row below).
                VectorMask<Float> top = lanes.lt(width - j);
                VectorMask<Float> belowA = lanes.lt(lastRow - j);
                VectorMask<Float> belowP = lanes.lt(lastRow - width - j);
                FloatVector aLeft = FloatVector.fromArray(S, in, u - 1).blend(zero, top).mul(k00);
                FloatVector aMid = FloatVector.fromArray(S, in, u).blend(zero, top).mul(k01);
                FloatVector aRight = FloatVector.fromArray(S, in, u + 1).blend(zero, top).mul(k02);
                FloatVector x = FloatVector.fromArray(S, in, c - 1);
                aLeft = x.fma(k10, aLeft);
                FloatVector pLeft = x.mul(k00);
                x = FloatVector.fromArray(S, in, c);
                aMid = x.fma(k11, aMid);
                FloatVector pMid = x.mul(k01);
                x = FloatVector.fromArray(S, in, c + 1);
                aRight = x.fma(k12, aRight);
                FloatVector pRight = x.mul(k02);
                x = FloatVector.fromArray(S, in, d - 1);
                aLeft = zero.blend(x, belowA).fma(k20, aLeft);
                pLeft = x.fma(k10, pLeft);
                x = FloatVector.fromArray(S, in, d);
                aMid = zero.blend(x, belowA).fma(k21, aMid);
                pMid = x.fma(k11, pMid);
                x = FloatVector.fromArray(S, in, d + 1);
                aRight = zero.blend(x, belowA).fma(k22, aRight);
                pRight = x.fma(k12, pRight);
                pLeft = zero.blend(FloatVector.fromArray(S, in, e - 1), belowP).fma(k20, pLeft);
                pMid = zero.blend(FloatVector.fromArray(S, in, e), belowP).fma(k21, pMid);
                pRight = zero.blend(FloatVector.fromArray(S, in, e + 1), belowP).fma(k22, pRight);
                FloatVector column = FloatVector.fromArray(S, COLUMNS, columns + j % width);
                VectorMask<Float> leftEdge = column.eq(firstColumn);
                VectorMask<Float> rightEdge = column.eq(lastColumn);
                FloatVector va = aMid.add(aLeft.blend(zero, leftEdge)).add(aRight.blend(zero, rightEdge)).add(vb);
                FloatVector vp = pMid.add(pLeft.blend(zero, leftEdge)).add(pRight.blend(zero, rightEdge)).add(vb);
                va.blend(floor, va.lt(floor)).intoArray(out, outOff + j);
                vp.blend(floor, vp.lt(floor)).intoArray(out, outOff + j + width);
                if (j >= b + width - L) {
                    break;
                }
            }
            if (b == n - span) {
                break;
            }
        }
    }

    /** Lanes 1 .. L-2: a padded row's pixels, between its two zero columns. */
    private static final VectorMask<Float> ROW_PIXELS =
            VectorMask.fromLong(S, ((1L << L) - 1) & ~1L & ~(1L << (L - 1)));

    /**
     * Lane i takes lane i - 2, and lanes 0 and 1 take L-4 and L-3: a row of L-2 outputs moved 2
     * lanes up (lanes 2 ..), or the last two outputs of a row moved to lanes 0 and 1.
     */
    private static final VectorShuffle<Float> TWO_UP = VectorShuffle.fromOp(S, i -> i >= 2 ? i - 2 : i + L - 4);

    /** Lane i takes lane i - 1: the first row of a plane, loaded from its start, moved to lane 1. */
    private static final VectorShuffle<Float> ONE_UP = VectorShuffle.fromOp(S, i -> (i + L - 1) % L);

    /** Lane i takes lane i + 1: the last row of a plane, loaded to its end (from lane 2), moved to lane 1. */
    private static final VectorShuffle<Float> ONE_DOWN = VectorShuffle.fromOp(S, i -> (i + 1) % L);

    /** Lanes 0 and 1. */
    private static final VectorMask<Float> FIRST_TWO = VectorMask.fromLong(S, 3L);

    /**
     * Stride 1 on rows of exactly L-2 pixels (ShuffleNet's 14x14 at 16 lanes), h >= 2, channel
     * {@code ch} of {@code taps} ([10, channels], see {@link #depthwise3x3Planes}): the plane is
     * first copied into the scratch {@code q} ((h + 3) * L floats), rows of one vector each, the
     * pixels in lanes 1 .. L-2 between two zero columns, with a zero row above and below. Output row y is then the one
     * vector at row y+1, lane 1 of the scratch: its nine taps are plain loads, the borders zeros
     * instead of masks. Two rows a pass share the loads of the two rows between them, as in
     * {@link #dwFlatPairs}; an odd row left over is recomputed with the row before it. Each
     * vector is stored whole at its row; its last two lanes, past the row, land on the next row's
     * first two outputs, which that row's store rewrites after. The last row, which has no next
     * row inside the plane, is moved 2 lanes up and stored 2 floats early, its first two lanes the
     * row before's last two outputs (h * width >= L). Each output sums its taps in the order of
     * {@link #dwPlaneMaskedPairs}. Nothing outside the plane is read or written. (Through the
     * per-plane entry, with a per-thread scratch looked up for each plane, the lookups took a
     * third of the gain.)
     */
    private static void dwPaddedRows(float[] taps, int channels, int ch, float[] q, float[] in, int inOff, int h,
                                     int width, float[] out, int outOff, boolean relu) {
        FloatVector zero = FloatVector.zero(S);
        zero.intoArray(q, 0);
        zero.intoArray(q, (h + 1) * L);
        // rows 1 .. h-2 from one float before them; the first from its start and the last to the
        // plane's end, moved a lane up and down, so that nothing outside the plane is read
        zero.blend(FloatVector.fromArray(S, in, inOff).rearrange(ONE_UP), ROW_PIXELS).intoArray(q, L);
        for (int y = 1; y < h - 1; y++) {
            zero.blend(FloatVector.fromArray(S, in, inOff + y * width - 1), ROW_PIXELS).intoArray(q, (y + 1) * L);
        }
        zero.blend(FloatVector.fromArray(S, in, inOff + h * width - L).rearrange(ONE_DOWN), ROW_PIXELS)
                .intoArray(q, h * L);
        FloatVector k00 = FloatVector.broadcast(S, taps[ch]);
        FloatVector k01 = FloatVector.broadcast(S, taps[channels + ch]);
        FloatVector k02 = FloatVector.broadcast(S, taps[2 * channels + ch]);
        FloatVector k10 = FloatVector.broadcast(S, taps[3 * channels + ch]);
        FloatVector k11 = FloatVector.broadcast(S, taps[4 * channels + ch]);
        FloatVector k12 = FloatVector.broadcast(S, taps[5 * channels + ch]);
        FloatVector k20 = FloatVector.broadcast(S, taps[6 * channels + ch]);
        FloatVector k21 = FloatVector.broadcast(S, taps[7 * channels + ch]);
        FloatVector k22 = FloatVector.broadcast(S, taps[8 * channels + ch]);
        FloatVector vb = FloatVector.broadcast(S, taps[9 * channels + ch]);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        for (int y = 0; ; y += 2) {
            if (y > h - 2) {
                y = h - 2;
            }
            // a: output row y (scratch rows u, c, d); p: row y+1 (c, d, e)
            int u = y * L + 1;
            int c = u + L;
            int d = c + L;
            int e = d + L;
            FloatVector aLeft = FloatVector.fromArray(S, q, u - 1).mul(k00);
            FloatVector aMid = FloatVector.fromArray(S, q, u).mul(k01);
            FloatVector aRight = FloatVector.fromArray(S, q, u + 1).mul(k02);
            FloatVector x = FloatVector.fromArray(S, q, c - 1);
            aLeft = x.fma(k10, aLeft);
            FloatVector pLeft = x.mul(k00);
            x = FloatVector.fromArray(S, q, c);
            aMid = x.fma(k11, aMid);
            FloatVector pMid = x.mul(k01);
            x = FloatVector.fromArray(S, q, c + 1);
            aRight = x.fma(k12, aRight);
            FloatVector pRight = x.mul(k02);
            x = FloatVector.fromArray(S, q, d - 1);
            aLeft = x.fma(k20, aLeft);
            pLeft = x.fma(k10, pLeft);
            x = FloatVector.fromArray(S, q, d);
            aMid = x.fma(k21, aMid);
            pMid = x.fma(k11, pMid);
            x = FloatVector.fromArray(S, q, d + 1);
            aRight = x.fma(k22, aRight);
            pRight = x.fma(k12, pRight);
            pLeft = FloatVector.fromArray(S, q, e - 1).fma(k20, pLeft);
            pMid = FloatVector.fromArray(S, q, e).fma(k21, pMid);
            pRight = FloatVector.fromArray(S, q, e + 1).fma(k22, pRight);
            FloatVector va = aMid.add(aLeft).add(aRight).add(vb);
            FloatVector vp = pMid.add(pLeft).add(pRight).add(vb);
            va = va.blend(floor, va.lt(floor));
            vp = vp.blend(floor, vp.lt(floor));
            va.intoArray(out, outOff + y * width);
            if (y == h - 2) {
                vp.rearrange(TWO_UP).blend(va.rearrange(TWO_UP), FIRST_TWO)
                        .intoArray(out, outOff + (y + 1) * width - 2);
                break;
            }
            vp.intoArray(out, outOff + (y + 1) * width);
        }
    }

    /**
     * Planes of fewer pixels than this (ShuffleNet's 7x7) take {@link #depthwise3x3Planes}' blocks
     * of channels: there the kernels above spend as much on each plane's set-up and edges as on its
     * few vectors (four for 49 pixels).
     */
    private static final int PLANES_PIXELS = 64;

    /**
     * Whether {@link #depthwise3x3Planes} takes these planes rather than handing them to the
     * scalar reference: in blocks of channels, with 16 lanes (the transposes are written for 16),
     * at least a vector of channels, rows of two pixels or more and planes under
     * {@value #PLANES_PIXELS} pixels; or plane by plane, rows of L-2 pixels and two rows or more.
     */
    public static boolean takesPlanes(int h, int width, int channels) {
        return blocks(h, width, channels) || paddedRows(h, width);
    }

    /** Whether {@link #depthwise3x3Planes} runs these planes in blocks of 16 channels. */
    private static boolean blocks(int h, int width, int channels) {
        return L == 16 && channels >= L && h >= 1 && width >= 2 && h * width < PLANES_PIXELS;
    }

    /** Whether {@link #depthwise3x3Planes} runs these planes one by one in rows of a vector ({@link #dwPaddedRows}). */
    private static boolean paddedRows(int h, int width) {
        return width == L - 2 && width >= 2 && h >= 2;
    }

    /**
     * Per-thread staging of {@link #depthwise3x3Planes}: a block's padded planes (or one plane's
     * padded rows), its outputs, the pixels' places.
     */
    private static final class PlanesScratch {
        float[] padded = new float[0];
        final float[] pixels = new float[PLANES_PIXELS * L];
        final int[] at = new int[PLANES_PIXELS];
    }

    private static final ThreadLocal<PlanesScratch> PLANES_SCRATCH = ThreadLocal.withInitial(PlanesScratch::new);

    /**
     * Same contract as {@link ScalarKernels#depthwise3x3Planes}, stride 1, for the planes of
     * {@link #takesPlanes} (others take the reference). Rows of L-2 pixels take
     * {@link #dwPaddedRows} plane by plane, with one scratch for all. Planes under
     * {@value #PLANES_PIXELS} pixels: blocks of 16 channels with the
     * channels in the lanes, as ONNX Runtime lays them out. Each block is transposed, 16 pixels
     * of its 16 planes at a time ({@link #planesToPixels}), into a zero-bordered scratch of
     * [h + 2, width + 2, 16] (the pixels past the last whole 16 by gathers), so that every tap is
     * a whole aligned load and the borders are zeros instead of masks; the nine weights and the
     * bias are ten loads a block. The outputs are transposed back into the planes
     * ({@link #pixelsToPlanes}, the last pixels by scatters). The last block is moved back to end
     * at the last channel, recomputing a few. Each output sums its taps in the order of
     * {@link #dwPlaneMasked}: kernel columns 0, 1 and 2 down the rows apart, then middle, left,
     * right and bias.
     */
    public static void depthwise3x3Planes(float[] taps, float[] in, int inBase, int[] inPlanes, int h, int width,
                                          float[] out, int outBase, int[] outPlanes, int channels, boolean relu) {
        // taps [10, channels]: the nine weights, then the bias
        if (!takesPlanes(h, width, channels)) {
            ScalarKernels.depthwise3x3Planes(taps, in, inBase, inPlanes, h, width, out, outBase, outPlanes,
                    channels, relu);
            return;
        }
        PlanesScratch scratch = PLANES_SCRATCH.get();
        if (!blocks(h, width, channels)) {
            if (scratch.padded.length < (h + 3) * L) {
                scratch.padded = new float[(h + 3) * L];
            }
            for (int c = 0; c < channels; c++) {
                dwPaddedRows(taps, channels, c, scratch.padded, in, inBase + inPlanes[c], h, width, out,
                        outBase + outPlanes[c], relu);
            }
            return;
        }
        int hw = h * width;
        int row = (width + 2) * L;
        if (scratch.padded.length < (h + 2) * row) {
            scratch.padded = new float[(h + 2) * row];
        }
        float[] p = scratch.padded;
        float[] px = scratch.pixels;
        int[] at = scratch.at;
        FloatVector zero = FloatVector.zero(S);
        for (int x = 0; x < width + 2; x++) {
            zero.intoArray(p, x * L);
            zero.intoArray(p, (h + 1) * row + x * L);
        }
        for (int y = 1; y <= h; y++) {
            zero.intoArray(p, y * row);
            zero.intoArray(p, y * row + (width + 1) * L);
        }
        for (int i = 0, y = 1, x = 1; i < hw; i++) {
            at[i] = y * row + x * L;
            if (++x > width) {
                x = 1;
                y++;
            }
        }
        int whole = hw - hw % L;
        for (int c0 = 0; ; c0 += L) {
            if (c0 > channels - L) {
                c0 = channels - L;
            }
            for (int t = 0; t < whole; t += L) {
                planesToPixels(in, inBase + t, inPlanes, c0, p, at, t);
            }
            for (int i = whole; i < hw; i++) {
                FloatVector.fromArray(S, in, inBase + i, inPlanes, c0).intoArray(p, at[i]);
            }
            dwPixels(taps, channels, c0, p, h, width, px, relu);
            for (int t = 0; t < whole; t += L) {
                pixelsToPlanes(px, t, out, outBase + t, outPlanes, c0);
            }
            for (int i = whole; i < hw; i++) {
                FloatVector.fromArray(S, px, i * L).intoArray(out, outBase + i, outPlanes, c0);
            }
            if (c0 == channels - L) {
                break;
            }
        }
    }

    /**
     * One block's outputs, pixel after pixel ({@code px[(y*width + x)*L + lane]}), from its
     * zero-bordered scratch {@code p}, two pixels of a row at a time (four columns of taps, 12
     * loads for 2 outputs; an odd row's last pair overlaps the one before).
     */
    private static void dwPixels(float[] taps, int channels, int c0, float[] p, int h, int width, float[] px,
                                 boolean relu) {
        FloatVector k00 = FloatVector.fromArray(S, taps, c0);
        FloatVector k01 = FloatVector.fromArray(S, taps, channels + c0);
        FloatVector k02 = FloatVector.fromArray(S, taps, 2 * channels + c0);
        FloatVector k10 = FloatVector.fromArray(S, taps, 3 * channels + c0);
        FloatVector k11 = FloatVector.fromArray(S, taps, 4 * channels + c0);
        FloatVector k12 = FloatVector.fromArray(S, taps, 5 * channels + c0);
        FloatVector k20 = FloatVector.fromArray(S, taps, 6 * channels + c0);
        FloatVector k21 = FloatVector.fromArray(S, taps, 7 * channels + c0);
        FloatVector k22 = FloatVector.fromArray(S, taps, 8 * channels + c0);
        FloatVector vb = FloatVector.fromArray(S, taps, 9 * channels + c0);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int row = (width + 2) * L;
        for (int y = 0; y < h; y++) {
            int first = (y + 1) * row + L;
            for (int x = 0; ; x += 2) {
                if (x > width - 2) {
                    x = width - 2;
                }
                // columns x-1 .. x+2 of the rows above (u), at (c) and below (d) the outputs x, x+1
                int c = first + x * L;
                int u = c - row;
                int d = c + row;
                FloatVector u0 = FloatVector.fromArray(S, p, u - L);
                FloatVector u1 = FloatVector.fromArray(S, p, u);
                FloatVector u2 = FloatVector.fromArray(S, p, u + L);
                FloatVector u3 = FloatVector.fromArray(S, p, u + 2 * L);
                FloatVector m0 = FloatVector.fromArray(S, p, c - L);
                FloatVector m1 = FloatVector.fromArray(S, p, c);
                FloatVector m2 = FloatVector.fromArray(S, p, c + L);
                FloatVector m3 = FloatVector.fromArray(S, p, c + 2 * L);
                FloatVector d0 = FloatVector.fromArray(S, p, d - L);
                FloatVector d1 = FloatVector.fromArray(S, p, d);
                FloatVector d2 = FloatVector.fromArray(S, p, d + L);
                FloatVector d3 = FloatVector.fromArray(S, p, d + 2 * L);
                // a: the output at x, b: the one at x+1
                FloatVector aLeft = m0.fma(k10, u0.mul(k00));
                FloatVector bLeft = m1.fma(k10, u1.mul(k00));
                FloatVector aMid = m1.fma(k11, u1.mul(k01));
                FloatVector bMid = m2.fma(k11, u2.mul(k01));
                FloatVector aRight = m2.fma(k12, u2.mul(k02));
                FloatVector bRight = m3.fma(k12, u3.mul(k02));
                aLeft = d0.fma(k20, aLeft);
                bLeft = d1.fma(k20, bLeft);
                aMid = d1.fma(k21, aMid);
                bMid = d2.fma(k21, bMid);
                aRight = d2.fma(k22, aRight);
                bRight = d3.fma(k22, bRight);
                FloatVector va = aMid.add(aLeft).add(aRight).add(vb);
                FloatVector vp = bMid.add(bLeft).add(bRight).add(vb);
                int o = (y * width + x) * L;
                va.blend(floor, va.lt(floor)).intoArray(px, o);
                vp.blend(floor, vp.lt(floor)).intoArray(px, o + L);
                if (x == width - 2) {
                    break;
                }
            }
        }
    }

    /*
     * A 16 x 16 transpose in four rounds: round s (8, 4, 2, 1) swaps, between vectors i and i+s
     * (i & s == 0), lanes j + s of vector i with lanes j of vector i+s (j & s == 0), by a rotation
     * of s lanes and a blend for each vector: vector i keeps its lanes j and takes i+s's lanes j
     * in its lanes j + s; vector i+s takes i's lanes j + s in its lanes j and keeps its lanes j + s.
     */
    private static final VectorShuffle<Float> UP8 = VectorShuffle.fromOp(S, j -> (j & 8) != 0 ? j - 8 : j);
    private static final VectorShuffle<Float> DOWN8 =
            VectorShuffle.fromOp(S, j -> (j & 8) == 0 && j + 8 < L ? j + 8 : j);
    private static final VectorMask<Float> HIGH8 = VectorMask.fromLong(S, ((1L << L) - 1) & 0xff00ff00ff00ff00L);
    private static final VectorShuffle<Float> UP4 = VectorShuffle.fromOp(S, j -> (j & 4) != 0 ? j - 4 : j);
    private static final VectorShuffle<Float> DOWN4 =
            VectorShuffle.fromOp(S, j -> (j & 4) == 0 && j + 4 < L ? j + 4 : j);
    private static final VectorMask<Float> HIGH4 = VectorMask.fromLong(S, ((1L << L) - 1) & 0xf0f0f0f0f0f0f0f0L);
    private static final VectorShuffle<Float> UP2 = VectorShuffle.fromOp(S, j -> (j & 2) != 0 ? j - 2 : j);
    private static final VectorShuffle<Float> DOWN2 =
            VectorShuffle.fromOp(S, j -> (j & 2) == 0 && j + 2 < L ? j + 2 : j);
    private static final VectorMask<Float> HIGH2 = VectorMask.fromLong(S, ((1L << L) - 1) & 0xccccccccccccccccL);
    private static final VectorShuffle<Float> UP1 = VectorShuffle.fromOp(S, j -> (j & 1) != 0 ? j - 1 : j);
    private static final VectorShuffle<Float> DOWN1 =
            VectorShuffle.fromOp(S, j -> (j & 1) == 0 && j + 1 < L ? j + 1 : j);
    private static final VectorMask<Float> HIGH1 = VectorMask.fromLong(S, ((1L << L) - 1) & 0xaaaaaaaaaaaaaaaaL);

    /**
     * Pixels [t, t+16) of planes {@code planes[c0 .. c0+16)} (each at {@code off + planes[c]},
     * {@code off} including t) into the scratch, pixel t+q's 16 channels at {@code at[t + q]}.
     */
    private static void planesToPixels(float[] in, int off, int[] planes, int c0, float[] p, int[] at, int t) {
        FloatVector a0 = FloatVector.fromArray(S, in, off + planes[c0]);
        FloatVector a1 = FloatVector.fromArray(S, in, off + planes[c0 + 1]);
        FloatVector a2 = FloatVector.fromArray(S, in, off + planes[c0 + 2]);
        FloatVector a3 = FloatVector.fromArray(S, in, off + planes[c0 + 3]);
        FloatVector a4 = FloatVector.fromArray(S, in, off + planes[c0 + 4]);
        FloatVector a5 = FloatVector.fromArray(S, in, off + planes[c0 + 5]);
        FloatVector a6 = FloatVector.fromArray(S, in, off + planes[c0 + 6]);
        FloatVector a7 = FloatVector.fromArray(S, in, off + planes[c0 + 7]);
        FloatVector a8 = FloatVector.fromArray(S, in, off + planes[c0 + 8]);
        FloatVector a9 = FloatVector.fromArray(S, in, off + planes[c0 + 9]);
        FloatVector a10 = FloatVector.fromArray(S, in, off + planes[c0 + 10]);
        FloatVector a11 = FloatVector.fromArray(S, in, off + planes[c0 + 11]);
        FloatVector a12 = FloatVector.fromArray(S, in, off + planes[c0 + 12]);
        FloatVector a13 = FloatVector.fromArray(S, in, off + planes[c0 + 13]);
        FloatVector a14 = FloatVector.fromArray(S, in, off + planes[c0 + 14]);
        FloatVector a15 = FloatVector.fromArray(S, in, off + planes[c0 + 15]);
        FloatVector s;
        s = a0;
        a0 = s.blend(a8.rearrange(UP8), HIGH8);
        a8 = s.rearrange(DOWN8).blend(a8, HIGH8);
        s = a1;
        a1 = s.blend(a9.rearrange(UP8), HIGH8);
        a9 = s.rearrange(DOWN8).blend(a9, HIGH8);
        s = a2;
        a2 = s.blend(a10.rearrange(UP8), HIGH8);
        a10 = s.rearrange(DOWN8).blend(a10, HIGH8);
        s = a3;
        a3 = s.blend(a11.rearrange(UP8), HIGH8);
        a11 = s.rearrange(DOWN8).blend(a11, HIGH8);
        s = a4;
        a4 = s.blend(a12.rearrange(UP8), HIGH8);
        a12 = s.rearrange(DOWN8).blend(a12, HIGH8);
        s = a5;
        a5 = s.blend(a13.rearrange(UP8), HIGH8);
        a13 = s.rearrange(DOWN8).blend(a13, HIGH8);
        s = a6;
        a6 = s.blend(a14.rearrange(UP8), HIGH8);
        a14 = s.rearrange(DOWN8).blend(a14, HIGH8);
        s = a7;
        a7 = s.blend(a15.rearrange(UP8), HIGH8);
        a15 = s.rearrange(DOWN8).blend(a15, HIGH8);
        s = a0;
        a0 = s.blend(a4.rearrange(UP4), HIGH4);
        a4 = s.rearrange(DOWN4).blend(a4, HIGH4);
        s = a1;
        a1 = s.blend(a5.rearrange(UP4), HIGH4);
        a5 = s.rearrange(DOWN4).blend(a5, HIGH4);
        s = a2;
        a2 = s.blend(a6.rearrange(UP4), HIGH4);
        a6 = s.rearrange(DOWN4).blend(a6, HIGH4);
        s = a3;
        a3 = s.blend(a7.rearrange(UP4), HIGH4);
        a7 = s.rearrange(DOWN4).blend(a7, HIGH4);
        s = a8;
        a8 = s.blend(a12.rearrange(UP4), HIGH4);
        a12 = s.rearrange(DOWN4).blend(a12, HIGH4);
        s = a9;
        a9 = s.blend(a13.rearrange(UP4), HIGH4);
        a13 = s.rearrange(DOWN4).blend(a13, HIGH4);
        s = a10;
        a10 = s.blend(a14.rearrange(UP4), HIGH4);
        a14 = s.rearrange(DOWN4).blend(a14, HIGH4);
        s = a11;
        a11 = s.blend(a15.rearrange(UP4), HIGH4);
        a15 = s.rearrange(DOWN4).blend(a15, HIGH4);
        s = a0;
        a0 = s.blend(a2.rearrange(UP2), HIGH2);
        a2 = s.rearrange(DOWN2).blend(a2, HIGH2);
        s = a1;
        a1 = s.blend(a3.rearrange(UP2), HIGH2);
        a3 = s.rearrange(DOWN2).blend(a3, HIGH2);
        s = a4;
        a4 = s.blend(a6.rearrange(UP2), HIGH2);
        a6 = s.rearrange(DOWN2).blend(a6, HIGH2);
        s = a5;
        a5 = s.blend(a7.rearrange(UP2), HIGH2);
        a7 = s.rearrange(DOWN2).blend(a7, HIGH2);
        s = a8;
        a8 = s.blend(a10.rearrange(UP2), HIGH2);
        a10 = s.rearrange(DOWN2).blend(a10, HIGH2);
        s = a9;
        a9 = s.blend(a11.rearrange(UP2), HIGH2);
        a11 = s.rearrange(DOWN2).blend(a11, HIGH2);
        s = a12;
        a12 = s.blend(a14.rearrange(UP2), HIGH2);
        a14 = s.rearrange(DOWN2).blend(a14, HIGH2);
        s = a13;
        a13 = s.blend(a15.rearrange(UP2), HIGH2);
        a15 = s.rearrange(DOWN2).blend(a15, HIGH2);
        s = a0;
        a0 = s.blend(a1.rearrange(UP1), HIGH1);
        a1 = s.rearrange(DOWN1).blend(a1, HIGH1);
        s = a2;
        a2 = s.blend(a3.rearrange(UP1), HIGH1);
        a3 = s.rearrange(DOWN1).blend(a3, HIGH1);
        s = a4;
        a4 = s.blend(a5.rearrange(UP1), HIGH1);
        a5 = s.rearrange(DOWN1).blend(a5, HIGH1);
        s = a6;
        a6 = s.blend(a7.rearrange(UP1), HIGH1);
        a7 = s.rearrange(DOWN1).blend(a7, HIGH1);
        s = a8;
        a8 = s.blend(a9.rearrange(UP1), HIGH1);
        a9 = s.rearrange(DOWN1).blend(a9, HIGH1);
        s = a10;
        a10 = s.blend(a11.rearrange(UP1), HIGH1);
        a11 = s.rearrange(DOWN1).blend(a11, HIGH1);
        s = a12;
        a12 = s.blend(a13.rearrange(UP1), HIGH1);
        a13 = s.rearrange(DOWN1).blend(a13, HIGH1);
        s = a14;
        a14 = s.blend(a15.rearrange(UP1), HIGH1);
        a15 = s.rearrange(DOWN1).blend(a15, HIGH1);
        a0.intoArray(p, at[t]);
        a1.intoArray(p, at[t + 1]);
        a2.intoArray(p, at[t + 2]);
        a3.intoArray(p, at[t + 3]);
        a4.intoArray(p, at[t + 4]);
        a5.intoArray(p, at[t + 5]);
        a6.intoArray(p, at[t + 6]);
        a7.intoArray(p, at[t + 7]);
        a8.intoArray(p, at[t + 8]);
        a9.intoArray(p, at[t + 9]);
        a10.intoArray(p, at[t + 10]);
        a11.intoArray(p, at[t + 11]);
        a12.intoArray(p, at[t + 12]);
        a13.intoArray(p, at[t + 13]);
        a14.intoArray(p, at[t + 14]);
        a15.intoArray(p, at[t + 15]);
    }

    /**
     * The inverse of {@link #planesToPixels} for outputs: pixels [t, t+16) of {@code px}
     * (pixel-major, 16 channels each) into planes {@code planes[c0 .. c0+16)} at {@code off + planes[c]}.
     */
    private static void pixelsToPlanes(float[] px, int t, float[] out, int off, int[] planes, int c0) {
        FloatVector a0 = FloatVector.fromArray(S, px, t * L);
        FloatVector a1 = FloatVector.fromArray(S, px, (t + 1) * L);
        FloatVector a2 = FloatVector.fromArray(S, px, (t + 2) * L);
        FloatVector a3 = FloatVector.fromArray(S, px, (t + 3) * L);
        FloatVector a4 = FloatVector.fromArray(S, px, (t + 4) * L);
        FloatVector a5 = FloatVector.fromArray(S, px, (t + 5) * L);
        FloatVector a6 = FloatVector.fromArray(S, px, (t + 6) * L);
        FloatVector a7 = FloatVector.fromArray(S, px, (t + 7) * L);
        FloatVector a8 = FloatVector.fromArray(S, px, (t + 8) * L);
        FloatVector a9 = FloatVector.fromArray(S, px, (t + 9) * L);
        FloatVector a10 = FloatVector.fromArray(S, px, (t + 10) * L);
        FloatVector a11 = FloatVector.fromArray(S, px, (t + 11) * L);
        FloatVector a12 = FloatVector.fromArray(S, px, (t + 12) * L);
        FloatVector a13 = FloatVector.fromArray(S, px, (t + 13) * L);
        FloatVector a14 = FloatVector.fromArray(S, px, (t + 14) * L);
        FloatVector a15 = FloatVector.fromArray(S, px, (t + 15) * L);
        FloatVector s;
        s = a0;
        a0 = s.blend(a8.rearrange(UP8), HIGH8);
        a8 = s.rearrange(DOWN8).blend(a8, HIGH8);
        s = a1;
        a1 = s.blend(a9.rearrange(UP8), HIGH8);
        a9 = s.rearrange(DOWN8).blend(a9, HIGH8);
        s = a2;
        a2 = s.blend(a10.rearrange(UP8), HIGH8);
        a10 = s.rearrange(DOWN8).blend(a10, HIGH8);
        s = a3;
        a3 = s.blend(a11.rearrange(UP8), HIGH8);
        a11 = s.rearrange(DOWN8).blend(a11, HIGH8);
        s = a4;
        a4 = s.blend(a12.rearrange(UP8), HIGH8);
        a12 = s.rearrange(DOWN8).blend(a12, HIGH8);
        s = a5;
        a5 = s.blend(a13.rearrange(UP8), HIGH8);
        a13 = s.rearrange(DOWN8).blend(a13, HIGH8);
        s = a6;
        a6 = s.blend(a14.rearrange(UP8), HIGH8);
        a14 = s.rearrange(DOWN8).blend(a14, HIGH8);
        s = a7;
        a7 = s.blend(a15.rearrange(UP8), HIGH8);
        a15 = s.rearrange(DOWN8).blend(a15, HIGH8);
        s = a0;
        a0 = s.blend(a4.rearrange(UP4), HIGH4);
        a4 = s.rearrange(DOWN4).blend(a4, HIGH4);
        s = a1;
        a1 = s.blend(a5.rearrange(UP4), HIGH4);
        a5 = s.rearrange(DOWN4).blend(a5, HIGH4);
        s = a2;
        a2 = s.blend(a6.rearrange(UP4), HIGH4);
        a6 = s.rearrange(DOWN4).blend(a6, HIGH4);
        s = a3;
        a3 = s.blend(a7.rearrange(UP4), HIGH4);
        a7 = s.rearrange(DOWN4).blend(a7, HIGH4);
        s = a8;
        a8 = s.blend(a12.rearrange(UP4), HIGH4);
        a12 = s.rearrange(DOWN4).blend(a12, HIGH4);
        s = a9;
        a9 = s.blend(a13.rearrange(UP4), HIGH4);
        a13 = s.rearrange(DOWN4).blend(a13, HIGH4);
        s = a10;
        a10 = s.blend(a14.rearrange(UP4), HIGH4);
        a14 = s.rearrange(DOWN4).blend(a14, HIGH4);
        s = a11;
        a11 = s.blend(a15.rearrange(UP4), HIGH4);
        a15 = s.rearrange(DOWN4).blend(a15, HIGH4);
        s = a0;
        a0 = s.blend(a2.rearrange(UP2), HIGH2);
        a2 = s.rearrange(DOWN2).blend(a2, HIGH2);
        s = a1;
        a1 = s.blend(a3.rearrange(UP2), HIGH2);
        a3 = s.rearrange(DOWN2).blend(a3, HIGH2);
        s = a4;
        a4 = s.blend(a6.rearrange(UP2), HIGH2);
        a6 = s.rearrange(DOWN2).blend(a6, HIGH2);
        s = a5;
        a5 = s.blend(a7.rearrange(UP2), HIGH2);
        a7 = s.rearrange(DOWN2).blend(a7, HIGH2);
        s = a8;
        a8 = s.blend(a10.rearrange(UP2), HIGH2);
        a10 = s.rearrange(DOWN2).blend(a10, HIGH2);
        s = a9;
        a9 = s.blend(a11.rearrange(UP2), HIGH2);
        a11 = s.rearrange(DOWN2).blend(a11, HIGH2);
        s = a12;
        a12 = s.blend(a14.rearrange(UP2), HIGH2);
        a14 = s.rearrange(DOWN2).blend(a14, HIGH2);
        s = a13;
        a13 = s.blend(a15.rearrange(UP2), HIGH2);
        a15 = s.rearrange(DOWN2).blend(a15, HIGH2);
        s = a0;
        a0 = s.blend(a1.rearrange(UP1), HIGH1);
        a1 = s.rearrange(DOWN1).blend(a1, HIGH1);
        s = a2;
        a2 = s.blend(a3.rearrange(UP1), HIGH1);
        a3 = s.rearrange(DOWN1).blend(a3, HIGH1);
        s = a4;
        a4 = s.blend(a5.rearrange(UP1), HIGH1);
        a5 = s.rearrange(DOWN1).blend(a5, HIGH1);
        s = a6;
        a6 = s.blend(a7.rearrange(UP1), HIGH1);
        a7 = s.rearrange(DOWN1).blend(a7, HIGH1);
        s = a8;
        a8 = s.blend(a9.rearrange(UP1), HIGH1);
        a9 = s.rearrange(DOWN1).blend(a9, HIGH1);
        s = a10;
        a10 = s.blend(a11.rearrange(UP1), HIGH1);
        a11 = s.rearrange(DOWN1).blend(a11, HIGH1);
        s = a12;
        a12 = s.blend(a13.rearrange(UP1), HIGH1);
        a13 = s.rearrange(DOWN1).blend(a13, HIGH1);
        s = a14;
        a14 = s.blend(a15.rearrange(UP1), HIGH1);
        a15 = s.rearrange(DOWN1).blend(a15, HIGH1);
        a0.intoArray(out, off + planes[c0]);
        a1.intoArray(out, off + planes[c0 + 1]);
        a2.intoArray(out, off + planes[c0 + 2]);
        a3.intoArray(out, off + planes[c0 + 3]);
        a4.intoArray(out, off + planes[c0 + 4]);
        a5.intoArray(out, off + planes[c0 + 5]);
        a6.intoArray(out, off + planes[c0 + 6]);
        a7.intoArray(out, off + planes[c0 + 7]);
        a8.intoArray(out, off + planes[c0 + 8]);
        a9.intoArray(out, off + planes[c0 + 9]);
        a10.intoArray(out, off + planes[c0 + 10]);
        a11.intoArray(out, off + planes[c0 + 11]);
        a12.intoArray(out, off + planes[c0 + 12]);
        a13.intoArray(out, off + planes[c0 + 13]);
        a14.intoArray(out, off + planes[c0 + 14]);
        a15.intoArray(out, off + planes[c0 + 15]);
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
        if (hi - 1 < L && rb + L + 1 < in.length) {
            // narrower than a vector: the one vector at x = 1 (lanes past the row dropped), staged
            float[] partial = PARTIAL.get();
            dwEdgeRowVectors(w, wk, bias, in, ra, rb, partial, -1, L + 1, relu);
            System.arraycopy(partial, 0, out, o + 1, hi - 1);
            return;
        }
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
        dwEdgeRowVectors(w, wk, bias, in, ra, rb, out, o, hi, relu);
    }

    /**
     * Outputs 1 <= x < hi of an edge row ({@code o} its first output) from the input rows at
     * {@code ra} and {@code rb}, with the weights at {@code wk}; hi - 1 >= L. The last vector is
     * recomputed overlapping.
     */
    private static void dwEdgeRowVectors(float[] w, int wk, float bias, float[] in, int ra, int rb,
                                         float[] out, int o, int hi, boolean relu) {
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
        if (width % 2 == 0 && ow <= COLUMNS_WIDTH && oh * ow >= L
                && inOff + (h - 1) * width + Math.max(width, L) <= in.length) {
            depthwiseStride2Columns(w, wOff, bias, in, inOff, h, width, out, outOff, oh, ow, relu);
            return;
        }
        if (xEnd - 1 < L) {
            depthwiseStride2Narrow(w, wOff, bias, in, inOff, h, width, out, outOff, relu);
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

    /** Per-thread staging of {@link #depthwiseStride2Columns}' column sums; grown as needed. */
    private static final ThreadLocal<float[][]> COLUMN_SUMS = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /**
     * Stride 2 on even widths whose output rows fit {@link VectorKernels#COLUMNS} (ShuffleNet's
     * 56-, 28- and 14-wide inputs), in two flat passes. First, for every output row and each
     * kernel column kx, the weighted sums of its three input rows down each input column, three
     * rows of {@code width} sums. Since {@code width = 2 * ow}, output {@code j} (row-major)
     * then takes kernel column 1's sum at {@code 2j}, column 2's at {@code 2j + 1} and column
     * 0's at {@code 2j - 1}, so the second pass runs over the whole output plane as one range.
     * Column 0's term of output column 0 is the row before's last sum, which no output uses:
     * the first pass sets it to 0 (as it is at the start of the first row). The second pass
     * takes each sum's even lanes of two vectors {@code lo} and {@code hi} without shuffles, in
     * the order of {@link #PAIRS} (lane 2i of {@code lo}, lane 2i of {@code hi} moved up into
     * lane 2i + 1 by a 64-bit shift), and puts the finished sum in order with one shuffle.
     */
    private static void depthwiseStride2Columns(float[] w, int wOff, float bias, float[] in, int inOff, int h,
                                                int width, float[] out, int outOff, int oh, int ow, boolean relu) {
        float[][] holder = COLUMN_SUMS.get();
        // output row y's sums at [1 + y*width, .. + width): kernel column 0's from 0, kernel
        // column 1's (even input columns) and 2's (odd) in one row from stride; a row narrower
        // than a vector spills into the next (rewritten after) or the slack
        int stride = 1 + oh * width + 2 * L + 2;
        if (holder[0].length < 2 * stride) {
            holder[0] = new float[2 * stride];
        }
        float[] v = holder[0];
        FloatVector k00 = FloatVector.broadcast(S, w[wOff]);
        FloatVector k01 = FloatVector.broadcast(S, w[wOff + 1]);
        FloatVector k02 = FloatVector.broadcast(S, w[wOff + 2]);
        FloatVector k10 = FloatVector.broadcast(S, w[wOff + 3]);
        FloatVector k11 = FloatVector.broadcast(S, w[wOff + 4]);
        FloatVector k12 = FloatVector.broadcast(S, w[wOff + 5]);
        FloatVector k20 = FloatVector.broadcast(S, w[wOff + 6]);
        FloatVector k21 = FloatVector.broadcast(S, w[wOff + 7]);
        FloatVector k22 = FloatVector.broadcast(S, w[wOff + 8]);
        for (int y = 0; y < oh; y++) {
            int r = inOff + 2 * y * width;
            boolean up = y > 0;
            boolean down = 2 * y + 1 < h;
            for (int c = 0; ; c += L) {
                if (c > width - L) {
                    if (c >= width) {
                        break;
                    }
                    c = Math.max(0, width - L);
                }
                FloatVector x = FloatVector.fromArray(S, in, r + c);
                FloatVector s0 = x.mul(k10);
                FloatVector s1 = x.mul(k11);
                FloatVector s2 = x.mul(k12);
                if (up) {
                    x = FloatVector.fromArray(S, in, r - width + c);
                    s0 = x.fma(k00, s0);
                    s1 = x.fma(k01, s1);
                    s2 = x.fma(k02, s2);
                }
                if (down) {
                    x = FloatVector.fromArray(S, in, r + width + c);
                    s0 = x.fma(k20, s0);
                    s1 = x.fma(k21, s1);
                    s2 = x.fma(k22, s2);
                }
                int at = 1 + y * width + c;
                s0.intoArray(v, at);
                s1.blend(s2, ODD).intoArray(v, stride + at);
                if (c >= width - L) {
                    break;
                }
            }
            // kernel column 0's sum down the last input column, the left term of the next row's
            // output column 0 (which has none); the next row's sums start after it
            v[(y + 1) * width] = 0f;
        }
        v[0] = 0f;
        FloatVector vb = FloatVector.broadcast(S, bias);
        FloatVector floor = FloatVector.broadcast(S, relu ? 0f : Float.NEGATIVE_INFINITY);
        int n = oh * ow;
        for (int j = 0; ; j += L) {
            if (j > n - L) {
                if (j >= n) {
                    break;
                }
                j = n - L;
            }
            // lane 2i holds output j + i, lane 2i + 1 output j + L/2 + i
            int a = 1 + 2 * j;
            FloatVector lo = FloatVector.fromArray(S, v, stride + a);
            FloatVector hi = FloatVector.fromArray(S, v, stride + a + L);
            FloatVector mid = lo.blend(upper(hi), ODD);
            FloatVector right = lower(lo).blend(hi, ODD);
            FloatVector left = FloatVector.fromArray(S, v, a - 1)
                    .blend(upper(FloatVector.fromArray(S, v, a - 1 + L)), ODD);
            FloatVector sum = mid.add(right).add(left).add(vb);
            sum.blend(floor, sum.lt(floor)).rearrange(PAIRS).intoArray(out, outOff + j);
            if (j == n - L) {
                break;
            }
        }
    }

    /** The long lanes of {@link VectorKernels#S}'s shape, for {@link #upper}. */
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, S.vectorShape());

    /** The odd lanes. */
    private static final VectorMask<Float> ODD = VectorMask.fromLong(S, 0xAAAAAAAAAAAAAAAAL & ((1L << L) - 1));

    /**
     * Lanes paired as {@link #depthwiseStride2Columns}' second pass leaves them (lane 2i the
     * output i, lane 2i + 1 the output L/2 + i) back in order: lane j takes lane 2j, or
     * 2 (j - L/2) + 1 in the upper half.
     */
    private static final VectorShuffle<Float> PAIRS =
            VectorShuffle.fromOp(S, j -> j < L / 2 ? 2 * j : 2 * (j - L / 2) + 1);

    /** Each even lane copied into the odd lane above it (a 64-bit shift of each lane pair). */
    private static FloatVector upper(FloatVector v) {
        return (FloatVector) ((LongVector) v.reinterpretShape(LONGS, 0)).lanewise(VectorOperators.LSHL, 32)
                .reinterpretShape(S, 0);
    }

    /** Each odd lane copied into the even lane below it. */
    private static FloatVector lower(FloatVector v) {
        return (FloatVector) ((LongVector) v.reinterpretShape(LONGS, 0)).lanewise(VectorOperators.LSHR, 32)
                .reinterpretShape(S, 0);
    }

    /** Per-thread staging for one vector of outputs, for rows narrower than a vector. */
    private static final ThreadLocal<float[]> PARTIAL = ThreadLocal.withInitial(() -> new float[L]);

    /**
     * Stride 2 on planes whose rows hold fewer than a vector of interior outputs (inputs 28 and
     * 14 wide at 16 lanes, whose 14 and 7 outputs a row took the scalar reference): one vector
     * per row, lanes x = 1 .. L over input columns 1 .. 2L (lanes past the row read the next
     * one and are dropped), staged and its first {@code xEnd - 1} lanes copied out; column 0,
     * and the last column of odd widths, pixel by pixel. Planes narrower than 4 columns, and
     * rows whose reads would run past the end of the array, take the reference.
     */
    private static void depthwiseStride2Narrow(float[] w, int wOff, float bias, float[] in, int inOff, int h,
                                               int width, float[] out, int outOff, boolean relu) {
        int oh = (h - 1) / 2 + 1;
        int ow = (width - 1) / 2 + 1;
        int xEnd = width / 2;
        if (xEnd < 2) {
            ScalarKernels.depthwise3x3(w, wOff, bias, in, inOff, h, width, out, outOff, 2, relu);
            return;
        }
        float[] partial = PARTIAL.get();
        for (int y = 0; y < oh; y++) {
            int o = outOff + y * ow;
            int c = inOff + 2 * y * width;
            boolean down = 2 * y + 1 < h;
            // the furthest read, of the lower row's second vector at x = 1, must be inside the array
            if ((down ? c + width : c) + 2 + 2 * L < in.length) {
                // the wide row kernel's one vector at x = 1, into partial[0 .. L)
                dwStride2Row(w, wOff, bias, in, c, width, y > 0, down, partial, -1, L + 1, relu);
                System.arraycopy(partial, 0, out, o + 1, xEnd - 1);
            } else {
                for (int x = 1; x < xEnd; x++) {
                    dwPixel(w, wOff, bias, in, inOff, h, width, out, o + x, y, x, 2, relu);
                }
            }
            dwPixel(w, wOff, bias, in, inOff, h, width, out, o, y, 0, 2, relu);
            for (int x = xEnd; x < ow; x++) {
                dwPixel(w, wOff, bias, in, inOff, h, width, out, o + x, y, x, 2, relu);
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
}
