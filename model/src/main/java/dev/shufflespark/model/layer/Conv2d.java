package dev.shufflespark.model.layer;

import dev.shufflespark.model.kernel.Kernels;

/**
 * A 2-D convolution with groups, an optional bias, and fused epilogues: a residual input added before the
 * activation (1x1 convolutions only) and ReLU. Zero padding may differ between the top and bottom and between
 * the left and right (ONNX's explicit pads, or a Pad merged into the convolution).
 *
 * <p>Three execution paths: 1x1/s1/p0 convolutions are a GEMM per group ({@link Kernels#pointwise}); depthwise
 * 3x3 convolutions with padding 1 use {@link Kernels#depthwise3x3} plane by plane, or at stride 1 on the planes
 * {@link Kernels#depthwisePlanes} takes (7x7, 14x14) {@link Kernels#depthwise3x3Planes} for all channels at once;
 * everything else (the stem) is im2col into scratch followed by the same GEMM.
 */
public final class Conv2d implements Layer {
    private final String name;
    private final int cin;
    private final int cout;
    private final int kh;
    private final int kw;
    private final int sh;
    private final int sw;
    private final int ph; // top
    private final int pw; // left
    private final int pb; // bottom
    private final int pr; // right
    private final int groups;
    private final float[] weight; // [cout, cin/groups, kh, kw]
    private final float[] bias; // [cout] or null
    private final boolean relu;
    private final boolean residual;

    public Conv2d(String name, int cin, int cout, int kernel, int stride, int padding, int groups,
                  float[] weight, float[] bias) {
        this(name, cin, cout, kernel, kernel, stride, stride, padding, padding, groups, weight, bias, false, false);
    }

    public Conv2d(String name, int cin, int cout, int kh, int kw, int sh, int sw, int ph, int pw, int groups,
                  float[] weight, float[] bias, boolean relu, boolean residual) {
        this(name, cin, cout, kh, kw, sh, sw, ph, pw, ph, pw, groups, weight, bias, relu, residual);
    }

    /** A convolution with its own padding on each side: top, left, bottom, right. */
    public Conv2d(String name, int cin, int cout, int kh, int kw, int sh, int sw, int padTop, int padLeft,
                  int padBottom, int padRight, int groups, float[] weight, float[] bias, boolean relu,
                  boolean residual) {
        if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("Conv2d '" + name + "': kernel " + kh + "x" + kw + ", stride " + sh
                    + "x" + sw + " and padding " + padTop + "," + padLeft + "," + padBottom + "," + padRight
                    + " must be positive, positive and non-negative");
        }
        if (groups < 1 || cin % groups != 0 || cout % groups != 0) {
            throw new IllegalArgumentException("Conv2d '" + name + "': " + cin + " input and " + cout
                    + " output channels are not divisible by " + groups + " groups");
        }
        if (weight.length != (long) cout * (cin / groups) * kh * kw) {
            throw new IllegalArgumentException("Conv2d '" + name + "': weight has " + weight.length
                    + " values, expected [" + cout + ", " + cin / groups + ", " + kh + ", " + kw + "]");
        }
        if (bias != null && bias.length != cout) {
            throw new IllegalArgumentException("Conv2d '" + name + "': bias has " + bias.length + " values, expected " + cout);
        }
        this.name = name;
        this.cin = cin;
        this.cout = cout;
        this.kh = kh;
        this.kw = kw;
        this.sh = sh;
        this.sw = sw;
        this.ph = padTop;
        this.pw = padLeft;
        this.pb = padBottom;
        this.pr = padRight;
        this.groups = groups;
        this.weight = weight;
        this.bias = bias;
        this.relu = relu;
        this.residual = residual;
        if (residual && !isPointwise()) {
            throw new IllegalArgumentException("Conv2d '" + name + "': a fused residual needs a 1x1 convolution");
        }
    }

    /** The same convolution with other weights and bias (e.g. with BatchNorm folded in). */
    public Conv2d withWeights(float[] newWeight, float[] newBias) {
        return new Conv2d(name, cin, cout, kh, kw, sh, sw, ph, pw, pb, pr, groups, newWeight, newBias, relu, residual);
    }

    public Conv2d withRelu() {
        return new Conv2d(name, cin, cout, kh, kw, sh, sw, ph, pw, pb, pr, groups, weight, bias, true, residual);
    }

    /** The same convolution taking a second input that is added before the activation. */
    public Conv2d withResidual(boolean reluAfter) {
        return new Conv2d(name, cin, cout, kh, kw, sh, sw, ph, pw, pb, pr, groups, weight, bias, reluAfter, true);
    }

    public boolean isPointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && pb == 0 && pr == 0;
    }

    public boolean isDepthwise3x3() {
        return groups == cin && cin == cout && kh == 3 && kw == 3 && ph == 1 && pw == 1 && pb == 1 && pr == 1
                && sh == sw && sh <= 2;
    }

    @Override
    public String name() {
        return name;
    }

    public int inChannels() {
        return cin;
    }

    public int outChannels() {
        return cout;
    }

    public int groups() {
        return groups;
    }

    public int kernelHeight() {
        return kh;
    }

    public int kernelWidth() {
        return kw;
    }

    public int strideHeight() {
        return sh;
    }

    public int strideWidth() {
        return sw;
    }

    public int padTop() {
        return ph;
    }

    public int padLeft() {
        return pw;
    }

    public int padBottom() {
        return pb;
    }

    public int padRight() {
        return pr;
    }

    public float[] weight() {
        return weight;
    }

    public float[] bias() {
        return bias;
    }

    public boolean relu() {
        return relu;
    }

    public boolean residual() {
        return residual;
    }

    /** Floats of weight per output channel: {@code cin/groups * kh * kw}. */
    public int weightsPerOutput() {
        return cin / groups * kh * kw;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        String expected = "[" + cin + ", H, W]" + (residual ? " and a residual" : "");
        if (in.length != (residual ? 2 : 1) || in[0].channels() != cin) {
            throw Layer.badInput(this, expected, in);
        }
        int oh = (in[0].height() + ph + pb - kh) / sh + 1;
        int ow = (in[0].width() + pw + pr - kw) / sw + 1;
        if (in[0].height() + ph + pb < kh || in[0].width() + pw + pr < kw) {
            throw Layer.badInput(this, "[" + cin + ", H, W] with H + " + (ph + pb) + " >= " + kh + " and W + "
                    + (pw + pr) + " >= " + kw, in);
        }
        Shape out = new Shape(cout, oh, ow);
        if (residual && !in[1].equals(out)) {
            throw Layer.badInput(this, "a residual of shape " + out, in);
        }
        return out;
    }

    @Override
    public long multiplyAdds(Shape[] in) {
        Shape out = outputShape(in);
        return (long) cout * out.planeSize() * weightsPerOutput();
    }

    /** Images whose pixel tails one pointwise call gathers (see {@link #gemm}). */
    static final int TAIL_IMAGES = 8;

    @Override
    public int scratchFloats(Shape[] in) {
        if (isDepthwise3x3()) {
            return 0;
        }
        if (isPointwise()) {
            int tail = batchedTail(outputShape(in).planeSize());
            if (tail == 0) {
                return 0;
            }
            int rows = cin / groups + (cout / groups) * (residual ? 2 : 1);
            return rows * TAIL_IMAGES * tail + Kernels.lanes();
        }
        Shape out = outputShape(in);
        return weightsPerOutput() * out.width() * colRows(out.height(), out.width());
    }

    /** Floats of im2col scratch a chunk of output rows aims at: well inside L2, so it is read back from cache. */
    static final int COL_CHUNK_FLOATS = 16384;

    /**
     * Output rows per im2col chunk. A general convolution unrolls and multiplies a few output
     * rows at a time instead of the whole plane, so that the unrolled input (27 x 12544 floats,
     * 1.35 MB, for the stem) never leaves the cache between being written and being read.
     */
    private int colRows(int oh, int ow) {
        return Math.max(1, Math.min(oh, COL_CHUNK_FLOATS / (weightsPerOutput() * ow)));
    }

    /**
     * The pixels past the pointwise kernel's last whole block of a plane of {@code hw}, when
     * there are fewer than a vector of them (7x7: 1 of 49; 14x14: 4 of 196), else 0. The kernel
     * would spend a whole vector on each such tail, image by image.
     */
    private static int batchedTail(int hw) {
        int block = Kernels.pointwisePixelBlock();
        int tail = block == 0 ? 0 : hw % block;
        return tail < Kernels.lanes() ? tail : 0;
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        if (isDepthwise3x3()) {
            return depthwise(in[0], out);
        }
        return gemm(in[0], out, residual ? in[1] : null);
    }

    private Step depthwise(Activation in, Activation out) {
        final int h = in.shape().height();
        final int w = in.shape().width();
        final int stride = sh;
        final int[] inPlanes = in.planes();
        final int[] outPlanes = out.planes();
        if (stride == 1 && Kernels.depthwisePlanes(h, w, cout)) {
            // small planes: all channels in one call
            final float[] taps = Kernels.depthwiseTaps(weight, bias, cout);
            return (frame, batch) -> {
                float[] src = in.buffer(frame);
                float[] dst = out.buffer(frame);
                for (int n = 0; n < batch; n++) {
                    Kernels.depthwise3x3Planes(taps, src, in.base(frame, n), inPlanes, h, w, dst, out.base(frame, n),
                            outPlanes, cout, relu);
                }
            };
        }
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                int inBase = in.base(frame, n);
                int outBase = out.base(frame, n);
                for (int c = 0; c < cout; c++) {
                    Kernels.depthwise3x3(weight, c * 9, bias == null ? 0f : bias[c], src, inBase + inPlanes[c],
                            h, w, dst, outBase + outPlanes[c], stride, relu);
                }
            }
        };
    }

    private Step gemm(Activation in, Activation out, Activation res) {
        final int cinG = cin / groups;
        final int coutG = cout / groups;
        final int k = weightsPerOutput();
        final int hw = out.shape().planeSize();
        final int[][] inRows = new int[groups][];
        final int[][] outRows = new int[groups][];
        final int[][] resRows = new int[groups][];
        for (int g = 0; g < groups; g++) {
            inRows[g] = in.planes(g * cinG, cinG);
            outRows[g] = out.planes(g * coutG, coutG);
            resRows[g] = res == null ? null : res.planes(g * coutG, coutG);
        }
        if (isPointwise()) {
            // With several images, the tails of their planes (the pixels past the kernel's last
            // whole block, fewer than a vector) are gathered into scratch rows, up to
            // TAIL_IMAGES images at a time, and run as one plane: at batch 8 a 7x7 layer takes
            // one vector for its 8 tail pixels instead of 8.
            final int tail = batchedTail(hw);
            final int stride = TAIL_IMAGES * tail;
            final int[] tailIn = rowOffsets(cinG, 0, stride);
            final int[] tailOut = rowOffsets(coutG, cinG * stride, stride);
            final int[] tailRes = res == null ? null : rowOffsets(coutG, (cinG + coutG) * stride, stride);
            return (frame, batch) -> {
                float[] src = in.buffer(frame);
                float[] dst = out.buffer(frame);
                float[] add = res == null ? null : res.buffer(frame);
                int main = tail > 0 && batch > 1 ? hw - tail : hw;
                for (int n = 0; n < batch; n++) {
                    for (int g = 0; g < groups; g++) {
                        Kernels.pointwise(weight, g * coutG * k, bias, g * coutG,
                                src, in.base(frame, n), inRows[g], dst, out.base(frame, n), outRows[g],
                                add, res == null ? 0 : res.base(frame, n), resRows[g], cinG, coutG, main, relu);
                    }
                }
                if (main == hw) {
                    return;
                }
                float[] t = frame.scratch;
                for (int n0 = 0; n0 < batch; n0 += TAIL_IMAGES) {
                    int images = Math.min(TAIL_IMAGES, batch - n0);
                    for (int g = 0; g < groups; g++) {
                        gatherTails(frame, src, in, n0, images, inRows[g], main, tail, t, tailIn);
                        if (res != null) {
                            gatherTails(frame, add, res, n0, images, resRows[g], main, tail, t, tailRes);
                        }
                        Kernels.pointwise(weight, g * coutG * k, bias, g * coutG, t, 0, tailIn, t, 0, tailOut,
                                res == null ? null : t, 0, tailRes, cinG, coutG, images * tail, relu, true);
                        for (int o = 0; o < coutG; o++) {
                            for (int i = 0; i < images; i++) {
                                System.arraycopy(t, tailOut[o] + i * tail,
                                        dst, out.base(frame, n0 + i) + outRows[g][o] + main, tail);
                            }
                        }
                    }
                }
            };
        }
        final int h = in.shape().height();
        final int w = in.shape().width();
        final int oh = out.shape().height();
        final int ow = out.shape().width();
        // chunks of `rows` output rows; the last may be shorter
        final int rows = colRows(oh, ow);
        final int lastRows = oh - (oh - 1) / rows * rows;
        final int[] colRows = rowOffsets(k, 0, rows * ow);
        final int[] lastColRows = rowOffsets(k, 0, lastRows * ow);
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            float[] col = frame.scratch;
            for (int n = 0; n < batch; n++) {
                for (int g = 0; g < groups; g++) {
                    for (int y0 = 0; y0 < oh; y0 += rows) {
                        int r = Math.min(rows, oh - y0);
                        // output rows y0 .. y0+r-1: the same unrolling with the top padding moved up by y0 rows
                        Kernels.im2col(src, in.base(frame, n), inRows[g], cinG, h, w, kh, kw, sh, sw, ph - y0 * sh, pw,
                                col, 0, r, ow);
                        Kernels.pointwise(weight, g * coutG * k, bias, g * coutG, col, 0,
                                r == rows ? colRows : lastColRows, dst, out.base(frame, n) + y0 * ow, outRows[g],
                                null, 0, null, k, coutG, r * ow, relu);
                    }
                }
            }
        };
    }

    /**
     * Whether {@link #compileWithMaxPool} can run this convolution with {@code pool} after it: a convolution
     * that goes through im2col (the stem) followed by a max pool.
     */
    public boolean fusesMaxPool(Layer pool) {
        return !isPointwise() && !isDepthwise3x3() && !residual && pool instanceof Pool2d p
                && p.kind() == Pool2d.Kind.MAX;
    }

    /** Output rows of the max pool per band of {@link #compileWithMaxPool}. */
    static final int POOL_BAND_ROWS = 8;

    /** Convolution rows a band of {@code bandRows} pooled rows reads, at most. */
    private static int convRowsPerBand(Pool2d pool, int bandRows) {
        return (bandRows - 1) * pool.stride() + pool.kernel();
    }

    /** Scratch of {@link #compileWithMaxPool}: one band of this convolution's output, then the im2col chunk. */
    public int scratchFloatsWithMaxPool(Shape[] in, Pool2d pool) {
        Shape out = outputShape(in);
        int band = cout * Math.min(out.height(), convRowsPerBand(pool, POOL_BAND_ROWS)) * out.width();
        if (splitsColumns(in[0], pool)) {
            return band + Kernels.unroll3x3Stride2Floats(cin, colRows(out.height(), out.width()), out.width());
        }
        return band + weightsPerOutput() * out.width() * colRows(out.height(), out.width());
    }

    /**
     * Whether {@link #compileWithMaxPool} runs this convolution and {@code pool} on rows whose columns are split
     * by parity ({@link Kernels#unroll3x3Stride2}, {@link Kernels#maxPool3x3Stride2Split}): a 3x3 convolution of
     * stride 2 and padding 1 of one group on rows of a multiple of 4 pixels, then a 3x3 max pool of stride 2 and
     * padding 1; the stem of both ShuffleNets at 224 x 224.
     */
    private boolean splitsColumns(Shape in, Pool2d pool) {
        return kh == 3 && kw == 3 && sh == 2 && sw == 2 && ph == 1 && pw == 1 && pb == 1 && pr == 1 && groups == 1
                && in.width() % 4 == 0 && pool.kernel() == 3 && pool.stride() == 2 && pool.padding() == 1
                && pool.padBottom() == 1 && pool.padRight() == 1 && !pool.relu();
    }

    /**
     * This convolution and the max pool after it as one step (the stem: 3x3/2 convolution, then 3x3/2 max pool),
     * band by band: the convolution rows that {@link #POOL_BAND_ROWS} pooled rows read are computed into
     * scratch (through the same im2col and GEMM as {@link #compile}) and pooled from there, so the convolution's
     * output (24 x 112 x 112 floats for a 224 x 224 image, 1.2 MB, more than L2) is never written out and read
     * back. Where bands meet, the {@code kernel - stride} rows they share are computed once and moved to the
     * front of the band; every output is the same sum as in the two steps apart, up to the pixel blocks of the
     * GEMM (a different block may sum in a different order).
     */
    public Step compileWithMaxPool(Activation in, Pool2d pool, Activation out) {
        if (splitsColumns(in.shape(), pool)) {
            return stemWithMaxPool(in, pool, out);
        }
        final Shape convOut = outputShape(new Shape[] {in.shape()});
        final int cinG = cin / groups;
        final int coutG = cout / groups;
        final int k = weightsPerOutput();
        final int h = in.shape().height();
        final int w = in.shape().width();
        final int oh = convOut.height();
        final int ow = convOut.width();
        final int poh = out.shape().height();
        final int pow = out.shape().width();
        final int ps = pool.stride();
        final int pk = pool.kernel();
        final int pp = pool.padding();
        final int bandRows = Math.min(oh, convRowsPerBand(pool, POOL_BAND_ROWS));
        final int bandPlane = bandRows * ow;
        final int colOff = cout * bandPlane;
        final int rows = colRows(oh, ow);
        final int[][] inRows = new int[groups][];
        final int[][] bandOut = new int[groups][];
        for (int g = 0; g < groups; g++) {
            inRows[g] = in.planes(g * cinG, cinG);
            bandOut[g] = rowOffsets(coutG, g * coutG * bandPlane, bandPlane);
        }
        // im2col row offsets for a chunk of r convolution rows, r = 1 .. rows
        final int[][] colRowsOf = new int[rows + 1][];
        for (int r = 1; r <= rows; r++) {
            colRowsOf[r] = rowOffsets(k, colOff, r * ow);
        }
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            float[] t = frame.scratch;
            for (int n = 0; n < batch; n++) {
                int prevY0 = 0;
                int prevY1 = 0;
                for (int py0 = 0; py0 < poh; py0 += POOL_BAND_ROWS) {
                    int py1 = Math.min(poh, py0 + POOL_BAND_ROWS);
                    // convolution rows [y0, y1) hold every window of pooled rows [py0, py1); those the band
                    // before computed (kernel - stride rows) move to the front, the rest are computed
                    int y0 = Math.max(0, py0 * ps - pp);
                    int y1 = Math.min(oh, (py1 - 1) * ps - pp + pk);
                    int from = keepBandRows(t, cout, bandPlane, ow, y0, prevY0, prevY1);
                    int chunkRows = chunkRows(from, y1, rows);
                    for (int g = 0; g < groups; g++) {
                        for (int y = from; y < y1; y += chunkRows) {
                            int r = Math.min(chunkRows, y1 - y);
                            Kernels.im2col(src, in.base(frame, n), inRows[g], cinG, h, w, kh, kw, sh, sw,
                                    ph - y * sh, pw, t, colOff, r, ow);
                            Kernels.pointwise(weight, g * coutG * k, bias, g * coutG, t, 0, colRowsOf[r],
                                    t, (y - y0) * ow, bandOut[g], null, 0, null, k, coutG, r * ow, relu);
                        }
                    }
                    prevY0 = y0;
                    prevY1 = y1;
                    // the band as a plane from row py0 * ps, the pool's first window row without padding,
                    // with the rows before it that the band holds
                    int above = py0 * ps - y0;
                    for (int c = 0; c < cout; c++) {
                        Kernels.maxPool(t, c * bandPlane + above * ow, y1 - py0 * ps, ow, dst,
                                out.base(frame, n) + outPlanes[c] + py0 * pow, py1 - py0, pow, pk, ps, pp, above);
                    }
                }
            }
        };
    }

    /**
     * {@link #compileWithMaxPool} for {@link #splitsColumns}, in the same bands: the convolution rows of a band
     * come from a GEMM over {@link Kernels#unroll3x3Stride2} instead of im2col (each input row split into its
     * column phases once, not copied nine times), which leaves each row's even columns before its odd ones, and
     * {@link Kernels#maxPool3x3Stride2Split} pools them from that order. Every GEMM row holds what im2col's row
     * of the same tap holds for the same pixel, in the same order of taps, so each convolution output is the
     * same sum as in {@link #compileWithMaxPool}'s im2col path, and each pooled output the same maximum.
     */
    private Step stemWithMaxPool(Activation in, Pool2d pool, Activation out) {
        final Shape convOut = outputShape(new Shape[] {in.shape()});
        final int k = weightsPerOutput();
        final int h = in.shape().height();
        final int w = in.shape().width();
        final int oh = convOut.height();
        final int ow = convOut.width();
        final int poh = out.shape().height();
        final int pow = out.shape().width();
        final int bandRows = Math.min(oh, convRowsPerBand(pool, POOL_BAND_ROWS));
        final int bandPlane = bandRows * ow;
        final int colOff = cout * bandPlane;
        final int rows = colRows(oh, ow);
        final int[] inRows = in.planes(0, cin);
        final int[] bandOut = rowOffsets(cout, 0, bandPlane);
        // the GEMM's rows for a chunk of r convolution rows, r = 1 .. rows
        final int[][] tapsOf = new int[rows + 1][];
        for (int r = 1; r <= rows; r++) {
            tapsOf[r] = Kernels.unroll3x3Stride2Taps(cin, r, ow, colOff);
        }
        final int[] outPlanes = out.planes();
        return (frame, batch) -> {
            float[] src = in.buffer(frame);
            float[] dst = out.buffer(frame);
            float[] t = frame.scratch;
            for (int n = 0; n < batch; n++) {
                int prevY0 = 0;
                int prevY1 = 0;
                for (int py0 = 0; py0 < poh; py0 += POOL_BAND_ROWS) {
                    int py1 = Math.min(poh, py0 + POOL_BAND_ROWS);
                    // as in compileWithMaxPool: rows [y0, y1), those of the band before moved to the front
                    int y0 = Math.max(0, py0 * 2 - 1);
                    int y1 = Math.min(oh, (py1 - 1) * 2 + 2);
                    int from = keepBandRows(t, cout, bandPlane, ow, y0, prevY0, prevY1);
                    int chunkRows = chunkRows(from, y1, rows);
                    for (int y = from; y < y1; y += chunkRows) {
                        int r = Math.min(chunkRows, y1 - y);
                        Kernels.unroll3x3Stride2(src, in.base(frame, n), inRows, cin, h, w, y, r, t, colOff);
                        Kernels.pointwise(weight, 0, bias, 0, t, 0, tapsOf[r], t, (y - y0) * ow, bandOut,
                                null, 0, null, k, cout, r * ow, relu);
                    }
                    prevY0 = y0;
                    prevY1 = y1;
                    int above = py0 * 2 - y0;
                    for (int c = 0; c < cout; c++) {
                        Kernels.maxPool3x3Stride2Split(t, c * bandPlane + above * ow, y1 - py0 * 2, ow, dst,
                                out.base(frame, n) + outPlanes[c] + py0 * pow, py1 - py0, above);
                    }
                }
            }
        };
    }

    /**
     * Moves the convolution rows that the band before computed, [y0, prevY1) of the band that began at row prevY0,
     * to the front of each of the {@code cout} band planes; returns the first row still to compute.
     */
    private static int keepBandRows(float[] t, int cout, int bandPlane, int ow, int y0, int prevY0, int prevY1) {
        int from = Math.max(y0, prevY1);
        if (from > y0) {
            for (int c = 0; c < cout; c++) {
                System.arraycopy(t, c * bandPlane + (y0 - prevY0) * ow, t, c * bandPlane, (from - y0) * ow);
            }
        }
        return from;
    }

    /** Rows [from, y1) in chunks of equal rows, at most {@code rows}: the rows of a chunk. */
    private static int chunkRows(int from, int y1, int rows) {
        int chunks = (y1 - from + rows - 1) / rows;
        return chunks == 0 ? rows : (y1 - from + chunks - 1) / chunks;
    }

    private static int[] rowOffsets(int rows, int first, int stride) {
        int[] r = new int[rows];
        for (int i = 0; i < rows; i++) {
            r[i] = first + i * stride;
        }
        return r;
    }

    /** Copies pixels [from, from + tail) of every given plane of images n0 .. n0+images-1 into rows {@code to}. */
    private static void gatherTails(Frame frame, float[] src, Activation a, int n0, int images, int[] planes,
                                    int from, int tail, float[] t, int[] to) {
        for (int c = 0; c < planes.length; c++) {
            for (int i = 0; i < images; i++) {
                System.arraycopy(src, a.base(frame, n0 + i) + planes[c] + from, t, to[c] + i * tail, tail);
            }
        }
    }

    @Override
    public String toString() {
        return "Conv2d(" + name + ": " + cin + "->" + cout + ", " + kh + "x" + kw + "/s" + sh + "/p" + ph
                + (pb != ph || pr != pw || pw != ph ? "," + pw + "," + pb + "," + pr : "")
                + (groups > 1 ? ", groups=" + groups : "") + (bias != null ? ", bias" : "")
                + (residual ? ", +residual" : "") + (relu ? ", relu" : "") + ")";
    }
}
