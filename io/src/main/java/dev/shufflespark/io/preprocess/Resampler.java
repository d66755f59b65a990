package dev.shufflespark.io.preprocess;

/**
 * Pillow's resampling coefficients ({@code precompute_coeffs} and {@code normalize_coeffs_8bpc} in
 * {@code libImaging/Resample.c}) for its BILINEAR filter, which is a triangle stretched by the scale factor
 * when shrinking (antialiasing) and plain bilinear interpolation when enlarging. Computed in double exactly
 * as Pillow computes them, then rounded to 22-bit fixed point, so that a resize with these weights is
 * bit-for-bit Pillow's.
 */
final class Resampler {

    /** Pillow's {@code PRECISION_BITS}: 32 - 8 - 2. */
    static final int PRECISION_BITS = 22;
    /** Added before the shift: rounds to nearest. */
    static final int HALF = 1 << (PRECISION_BITS - 1);

    /** Taps of output i are source indices first[i] .. first[i] + count[i] - 1 with weights[i * stride ..]. */
    final int[] first;
    final int[] count;
    final int[] weights;
    final int stride;

    private Resampler(int[] first, int[] count, int[] weights, int stride) {
        this.first = first;
        this.count = count;
        this.weights = weights;
        this.stride = stride;
    }

    /**
     * Coefficients for resampling the source interval [in0, in1) (in source pixels, where pixel x spans
     * [x, x + 1)) of a source of {@code inSize} pixels to {@code outSize} pixels, for the outputs
     * {@code from .. from + n - 1} only.
     */
    static Resampler bilinear(int inSize, double in0, double in1, int outSize, int from, int n) {
        double scale = (in1 - in0) / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 1.0 * filterScale; // the triangle's support is 1
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[n];
        int[] count = new int[n];
        int[] weights = new int[n * ksize];
        double[] k = new double[ksize];
        for (int i = 0; i < n; i++) {
            int xx = from + i;
            double center = in0 + (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0 ? k[x] / ww : k[x];
                weights[i * ksize + x] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[i] = xmin;
            count[i] = Math.max(xmax, 0);
        }
        return new Resampler(first, count, weights, ksize);
    }

    /**
     * Coefficients for resampling an axis of {@code full} pixels to {@code outSize} (outputs {@code from ..
     * from + n - 1}) when only means of {@code scale} consecutive pixels were decoded ({@code decoded} of them;
     * the last may cover fewer): Pillow's weights over the full axis, computed in double exactly as
     * {@link #bilinear} computes them, summed over the pixels each decoded mean covers, then rounded. Were the
     * pixels under each mean all equal, this would be Pillow's resize of the full image exactly. With
     * {@code flipped} the decoded pixels are numbered from the far end (an EXIF mirror or rotation).
     */
    static Resampler scaled(int full, int scale, int decoded, boolean flipped, int outSize, int from, int n) {
        double ratio = (double) full / outSize;
        double filterScale = Math.max(ratio, 1.0);
        double support = filterScale;
        int fullSize = (int) Math.ceil(support) * 2 + 1;
        int ksize = fullSize / scale + 2;
        int[] first = new int[n];
        int[] count = new int[n];
        int[] weights = new int[n * ksize];
        double[] k = new double[fullSize];
        double[] agg = new double[ksize];
        for (int i = 0; i < n; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * ratio;
            double ss = 1.0 / filterScale;
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), full) - xmin;
            double ww = 0;
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            int jFirst = Integer.MAX_VALUE;
            int jLast = -1;
            for (int x = 0; x < xmax; x++) {
                int j = decodedIndex(x + xmin, full, scale, decoded, flipped);
                jFirst = Math.min(jFirst, j);
                jLast = Math.max(jLast, j);
            }
            if (jLast < 0) {
                first[i] = 0;
                count[i] = 0;
                continue;
            }
            java.util.Arrays.fill(agg, 0);
            for (int x = 0; x < xmax; x++) {
                int j = decodedIndex(x + xmin, full, scale, decoded, flipped);
                agg[j - jFirst] += ww != 0 ? k[x] / ww : k[x];
            }
            int taps = jLast - jFirst + 1;
            for (int t = 0; t < taps; t++) {
                double w = agg[t];
                weights[i * ksize + t] = w < 0 ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                        : (int) (0.5 + w * (1 << PRECISION_BITS));
            }
            first[i] = jFirst;
            count[i] = taps;
        }
        return new Resampler(first, count, weights, ksize);
    }

    /** The decoded pixel (in the order the caller walks them) that full-axis pixel x falls in. */
    private static int decodedIndex(int x, int full, int scale, int decoded, boolean flipped) {
        return flipped ? decoded - 1 - (full - 1 - x) / scale : x / scale;
    }

    private static double triangle(double x) {
        if (x < 0) {
            x = -x;
        }
        return x < 1 ? 1 - x : 0;
    }

    /** Pillow's {@code clip8}: a fixed-point sum (rounding already added) to 0..255. */
    static int clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return v < 0 ? 0 : v > 255 ? 255 : v;
    }

    /**
     * The taps laid out for {@link VectorResample#horizontalRow} in blocks of {@code lanes} outputs: for block b
     * and tap i below {@code maxTaps}, {@code index[(b * maxTaps + i) * lanes + lane]} is the source index and
     * {@code weight[...]} its weight; a tap beyond an output's count reads its first source with weight 0. Whole
     * blocks only (the outputs past the last are left to the caller).
     */
    record Taps(int[] index, int[] weight, int maxTaps, int lanes) {
    }

    /** The last layout made ({@link #taps}), or null. */
    private Taps taps;

    /** The taps laid out for {@code lanes} lanes: made on first use, then kept with these coefficients. */
    Taps taps(int lanes) {
        Taps t = taps;
        if (t != null && t.lanes() == lanes) {
            return t;
        }
        int most = 0;
        for (int c : count) {
            most = Math.max(most, c);
        }
        int blocks = first.length / lanes;
        int[] index = new int[blocks * most * lanes];
        int[] weight = new int[index.length];
        for (int x = 0; x < blocks * lanes; x++) {
            int b = x / lanes;
            int lane = x % lanes;
            for (int i = 0; i < most; i++) {
                int at = (b * most + i) * lanes + lane;
                boolean real = i < count[x];
                index[at] = real ? first[x] + i : first[x];
                weight[at] = real ? weights[x * stride + i] : 0;
            }
        }
        t = new Taps(index, weight, most, lanes);
        taps = t;
        return t;
    }

    /** The first source index any output uses. */
    int lowest() {
        int lo = Integer.MAX_VALUE;
        for (int i = 0; i < first.length; i++) {
            if (count[i] > 0) {
                lo = Math.min(lo, first[i]);
            }
        }
        return lo == Integer.MAX_VALUE ? 0 : lo;
    }

    /** One past the last source index any output uses. */
    int highest() {
        int hi = 0;
        for (int i = 0; i < first.length; i++) {
            hi = Math.max(hi, first[i] + count[i]);
        }
        return hi;
    }

    /** The last coefficients asked for, kept for the next call with the same arguments. Not thread-safe. */
    static final class Cache {
        private final double[] key = new double[7];
        private boolean scaledKey;
        private Resampler last;

        Resampler bilinear(int inSize, double in0, double in1, int outSize, int from, int n) {
            if (last == null || scaledKey || !same(inSize, in0, in1, outSize, from, n, 0)) {
                last = Resampler.bilinear(inSize, in0, in1, outSize, from, n);
                keep(false, inSize, in0, in1, outSize, from, n, 0);
            }
            return last;
        }

        Resampler scaled(int full, int scale, int decoded, boolean flipped, int outSize, int from, int n) {
            if (last == null || !scaledKey || !same(full, scale, decoded, outSize, from, n, flipped ? 1 : 0)) {
                last = Resampler.scaled(full, scale, decoded, flipped, outSize, from, n);
                keep(true, full, scale, decoded, outSize, from, n, flipped ? 1 : 0);
            }
            return last;
        }

        private boolean same(double a, double b, double c, double d, double e, double f, double g) {
            // compared as bits: -0.0 and 0.0, or two NaNs, are told apart or matched as their bits say
            return Double.doubleToLongBits(key[0]) == Double.doubleToLongBits(a)
                    && Double.doubleToLongBits(key[1]) == Double.doubleToLongBits(b)
                    && Double.doubleToLongBits(key[2]) == Double.doubleToLongBits(c)
                    && key[3] == d && key[4] == e && key[5] == f && key[6] == g;
        }

        private void keep(boolean scaled, double a, double b, double c, double d, double e, double f, double g) {
            scaledKey = scaled;
            key[0] = a;
            key[1] = b;
            key[2] = c;
            key[3] = d;
            key[4] = e;
            key[5] = f;
            key[6] = g;
        }
    }
}
