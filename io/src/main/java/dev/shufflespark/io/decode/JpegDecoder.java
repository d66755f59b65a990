package dev.shufflespark.io.decode;

import java.util.Arrays;
import java.util.Locale;

/**
 * Our own JPEG decoder for what cameras and the web produce: baseline, extended-sequential and progressive
 * Huffman-coded JPEGs with 8-bit samples, 1 (grey), 3 (YCbCr or RGB) or 4 (CMYK or YCCK) components, any
 * integral chroma subsampling (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, ...), restart intervals. It decodes straight
 * to the size the model needs: scaled by 1/2, 1/4 or 1/8 in the DCT domain ({@link JpegIdct#box}; at 1/8 only
 * the DC coefficient is transformed, and a progressive file's AC scans are skipped unread), with subsampled
 * chroma decoded at a finer scale so that it needs no upsampling.
 *
 * <p>Unscaled it computes what libjpeg-turbo computes for Pillow: the islow integer IDCT, fancy (triangle)
 * upsampling of 4:2:2, 4:2:0 and 4:4:0 chroma with libjpeg's edge rules and rounding, replication for other
 * ratios, and libjpeg's colour tables ({@link JpegImage}).
 *
 * <p>It reads untrusted bytes: every length, count and index is checked against what remains and against
 * the pixel limit before anything is allocated, and every failure is an {@link ImageException}:
 * TRUNCATED when the data ends early; TOO_LARGE over the pixel limit; UNSUPPORTED_FORMAT for what it does not
 * decode (arithmetic coding, lossless, hierarchical, 12-bit, DNL, two components, fractional sampling); and
 * CORRUPT for damage that libjpeg might still decode with a warning (a bad Huffman code, a lost restart
 * marker). The caller hands the last two to the ImageIO path, which then decides.
 *
 * <p>Not thread-safe: it keeps its tables and scratch between images. One per thread.
 */
final class JpegDecoder {

    /** Zigzag index to natural index, with 16 extra entries (libjpeg's) so that a run past 63 stays inside. */
    static final int[] NATURAL = new int[64 + 16];

    static {
        int[] zz = {0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
            13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45,
            38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
        System.arraycopy(zz, 0, NATURAL, 0, 64);
        Arrays.fill(NATURAL, 64, NATURAL.length, 63);
    }

    private static final java.lang.invoke.VarHandle BIG_ENDIAN_LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /**
     * Zeros after a segment: a fill at any position up to 8 bytes past its end reads inside the array, and
     * beyond that the scan has certainly consumed bits past its data.
     */
    private static final int SEGMENT_PADDING = 16;

    /** The most bits one coefficient takes: a 16-bit code and 15 extra bits. */
    private static final int MAX_SYMBOL_BITS = 31;

    /** Whether the 4x4 box means run on the Vector API ({@link VectorIdct}); loaded only then. */
    private static final boolean VECTOR_BOX4 = dev.shufflespark.model.kernel.Simd.enabled();

    /** libjpeg's D_MAX_BLOCKS_IN_MCU. */
    private static final int MAX_BLOCKS_IN_MCU = 10;

    /** A frame component and what decoding it needs. */
    static final class Component {
        int id;
        int h;
        int v;
        int tq;
        /** Blocks per row and rows of blocks, padded to whole MCUs. */
        int blocksX;
        int blocksY;
        /** Blocks that hold image samples (a non-interleaved scan codes only these). */
        int realBlocksX;
        int realBlocksY;
        /** Output samples per block, per axis, as log2 (3 = 8 samples: unscaled). */
        int bwLog;
        int bhLog;
        /** The decoded plane: blocksX << bwLog samples per row. */
        byte[] plane;
        int stride;
        /** Samples that hold the image, per axis (libjpeg's downsampled_width and _height, scaled). */
        int width;
        int height;
        /** Progressive: the coefficients (quantised, natural order), per block 64 of them (1 when DC only). */
        short[] coefs;
        int coefsPerBlock;
        int dcPred;
        JpegHuffman dc;
        JpegHuffman ac;
        /**
         * {@link JpegIdct#box2Weights} of the quantisation table {@code box2Source}, and the same spread over
         * the four outputs ({@link JpegIdct#box2Quad}).
         */
        float[] box2Weights;
        float[] box2Quad;
        int[] box2Source;
        /** {@link JpegIdct#box4Weights} of the quantisation table {@code box4Source}. */
        float[] box4Weights;
        int[] box4Source;
    }

    // Input.
    private byte[] data;
    private int pos;
    private int end;
    private String name;

    // Tables and frame.
    private final int[][] quant = new int[4][];
    private final JpegHuffman[] dcTables = new JpegHuffman[4];
    private final JpegHuffman[] acTables = new JpegHuffman[4];
    private Component[] comps;
    private boolean progressive;
    private int width;
    private int height;
    private int maxH;
    private int maxV;
    private int mcusX;
    private int mcusY;
    private int restartInterval;
    private boolean jfif;
    private int adobeTransform;
    private int shift;
    private long maxPixels;
    private boolean allocated;

    /**
     * The entropy-coded segment being decoded (a scan, or its part up to the next restart marker) without its
     * stuffed zeros, so that the bit reader never meets a 0xFF: {@code segLength} bytes, then
     * {@value #SEGMENT_PADDING} zeros. Kept for the next image.
     */
    private byte[] segment = new byte[0];
    private int segLength;
    /** Whether a marker ends the segment (else the data ends inside it: truncated). */
    private boolean segEnded;

    // Bit reader: the next bits of the segment at the top of buf, cnt of them valid; the bits below hold the
    // start of segment[segPos], which the next fill writes again. A fill reads 8 bytes at once.
    private long buf;
    private int cnt;
    private int segPos;
    private int eobrun;

    // Scratch.
    private final int[] block = new int[64];
    private final int[] workspace = new int[64];
    private final float[] floats = new float[64];
    /** The natural indices of the block's non-zero AC coefficients (up to 64 + a run past the end). */
    private final int[] written = new int[64];
    private int writtenCount;

    /**
     * Decodes {@code data[off, off + len)} scaled by {@code 1 / 2^shift} (shift 0..3).
     *
     * @param maxPixels the pixel limit (full-resolution width x height)
     */
    JpegImage decode(byte[] data, int off, int len, String name, int shift, long maxPixels) throws ImageException {
        if (shift < 0 || shift > 3) {
            throw new IllegalArgumentException("scale shift must be 0..3, got " + shift);
        }
        this.data = data;
        this.pos = off;
        this.end = off + len;
        this.name = name;
        this.shift = shift;
        this.maxPixels = maxPixels;
        Arrays.fill(quant, null);
        Arrays.fill(dcTables, null);
        Arrays.fill(acTables, null);
        comps = null;
        restartInterval = 0;
        jfif = false;
        adobeTransform = JpegHeader.NO_ADOBE;
        allocated = false;
        try {
            return decodeMarkers();
        } finally {
            this.data = null;
            if (comps != null) {
                for (Component c : comps) {
                    c.coefs = null; // the planes went to the image; the coefficients are garbage now
                }
            }
            comps = null;
        }
    }

    private JpegImage decodeMarkers() throws ImageException {
        if (end - pos < 2 || (data[pos] & 0xff) != 0xFF || (data[pos + 1] & 0xff) != 0xD8) {
            throw corrupt("no JPEG start-of-image marker");
        }
        pos += 2;
        boolean scanned = false;
        while (true) {
            int m = nextMarker();
            if (m < 0) {
                throw new ImageException(Reason.TRUNCATED, name + ": truncated JPEG (the data ends before the"
                        + " end-of-image marker)");
            }
            switch (m) {
                case 0xC0, 0xC1, 0xC2 -> frame(m);
                case 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF ->
                        throw unsupported("JPEG coding process SOF" + (m - 0xC0));
                case 0xC4 -> huffmanTables();
                case 0xCC -> throw unsupported("arithmetic coding conditioning (DAC)");
                case 0xDB -> quantTables();
                case 0xDD -> restartDefinition();
                case 0xDA -> {
                    scan();
                    scanned = true;
                }
                case 0xD9 -> {
                    if (!scanned) {
                        throw corrupt("end-of-image marker before any scan");
                    }
                    return finish();
                }
                case 0xDC -> throw unsupported("a DNL marker (the height given after the scan)");
                case 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0x01, 0xD8 -> {
                    // A stray restart marker or TEM: no length; libjpeg ignores them too. A second SOI is
                    // an error for libjpeg.
                    if (m == 0xD8) {
                        throw corrupt("a second start-of-image marker");
                    }
                }
                case 0xE0 -> {
                    int n = segment();
                    jfif |= n >= 5 && ascii(pos, "JFIF\0");
                    pos += n;
                }
                case 0xEE -> {
                    int n = segment();
                    if (n >= 12 && ascii(pos, "Adobe")) {
                        adobeTransform = data[pos + 11] & 0xff;
                    }
                    pos += n;
                }
                default -> pos += segment(); // APPn, COM, and anything else with a length
            }
        }
    }

    // --- markers ---------------------------------------------------------------------------------------------

    /**
     * The next marker's code, skipping anything before it (libjpeg skips such bytes with a warning) and fill
     * bytes; -1 when the data ends first.
     */
    private int nextMarker() {
        while (pos < end) {
            if ((data[pos] & 0xff) != 0xFF) {
                pos++;
                continue;
            }
            while (pos < end && (data[pos] & 0xff) == 0xFF) {
                pos++;
            }
            if (pos >= end) {
                return -1;
            }
            int m = data[pos++] & 0xff;
            if (m != 0) {
                return m;
            }
        }
        return -1;
    }

    /** A segment's payload length (after its 2 length bytes, which it skips), checked against what remains. */
    private int segment() throws ImageException {
        if (end - pos < 2) {
            throw truncated("inside a marker segment's length");
        }
        int n = u16(pos);
        if (n < 2) {
            throw corrupt("marker segment length " + n);
        }
        pos += 2;
        if (n - 2 > end - pos) {
            throw truncated("inside a marker segment");
        }
        return n - 2;
    }

    private void quantTables() throws ImageException {
        int n = segment();
        int p = pos;
        int segEnd = pos + n;
        while (p < segEnd) {
            int pq = (data[p] & 0xff) >> 4;
            int tq = data[p] & 15;
            p++;
            if (pq > 1 || tq > 3) {
                throw corrupt("quantisation table " + tq + " of precision " + pq);
            }
            int bytes = pq == 0 ? 64 : 128;
            if (segEnd - p < bytes) {
                throw corrupt("quantisation table segment too short");
            }
            int[] t = new int[64];
            for (int k = 0; k < 64; k++) {
                t[NATURAL[k]] = pq == 0 ? data[p + k] & 0xff : u16(p + 2 * k);
            }
            quant[tq] = t;
            p += bytes;
        }
        pos = segEnd;
    }

    private void huffmanTables() throws ImageException {
        int n = segment();
        int p = pos;
        int segEnd = pos + n;
        while (p < segEnd) {
            if (segEnd - p < 17) {
                throw corrupt("Huffman table segment too short");
            }
            int tc = (data[p] & 0xff) >> 4;
            int th = data[p] & 15;
            if (tc > 1 || th > 3) {
                throw corrupt("Huffman table class " + tc + ", number " + th);
            }
            int[] counts = new int[17];
            int total = 0;
            for (int l = 1; l <= 16; l++) {
                counts[l] = data[p + l] & 0xff;
                total += counts[l];
            }
            p += 17;
            if (total > 256 || segEnd - p < total) {
                throw corrupt("Huffman table with " + total + " symbols");
            }
            byte[] symbols = Arrays.copyOfRange(data, p, p + total);
            p += total;
            try {
                JpegHuffman t = JpegHuffman.of(counts, symbols, tc == 1);
                if (tc == 0) {
                    dcTables[th] = t;
                } else {
                    acTables[th] = t;
                }
            } catch (IllegalArgumentException e) {
                throw corrupt("bad Huffman table (" + e.getMessage() + ")");
            }
        }
        pos = segEnd;
    }

    private void restartDefinition() throws ImageException {
        int n = segment();
        if (n < 2) {
            throw corrupt("restart interval segment too short");
        }
        restartInterval = u16(pos);
        pos += n;
    }

    private void frame(int marker) throws ImageException {
        int n = segment();
        if (comps != null) {
            throw corrupt("a second frame header");
        }
        if (n < 6) {
            throw corrupt("frame header too short");
        }
        int precision = data[pos] & 0xff;
        height = u16(pos + 1);
        width = u16(pos + 3);
        int nc = data[pos + 5] & 0xff;
        if (precision != 8) {
            throw unsupported(precision + "-bit JPEG");
        }
        if (height == 0) {
            throw unsupported("a JPEG whose height follows the scan (DNL)");
        }
        if (width == 0) {
            throw corrupt("frame header gives width 0");
        }
        if ((long) width * height > maxPixels) {
            throw new ImageException(Reason.TOO_LARGE, String.format(Locale.ROOT,
                    "%s: %dx%d is %.1f megapixels, more than the limit of %.1f (%s)", name, width, height,
                    (double) width * height / 1e6, maxPixels / 1e6, DecodeOptions.MAX_PIXELS));
        }
        if (nc != 1 && nc != 3 && nc != 4) {
            throw unsupported("a JPEG with " + nc + " components");
        }
        if (n < 6 + 3 * nc) {
            throw corrupt("frame header too short for " + nc + " components");
        }
        progressive = marker == 0xC2;
        Component[] cs = new Component[nc];
        maxH = 1;
        maxV = 1;
        for (int i = 0; i < nc; i++) {
            int p = pos + 6 + 3 * i;
            Component c = new Component();
            c.id = data[p] & 0xff;
            c.h = (data[p + 1] & 0xff) >> 4;
            c.v = data[p + 1] & 15;
            c.tq = data[p + 2] & 0xff;
            if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3) {
                throw corrupt("component " + c.id + " with sampling " + c.h + "x" + c.v + ", table " + c.tq);
            }
            maxH = Math.max(maxH, c.h);
            maxV = Math.max(maxV, c.v);
            cs[i] = c;
        }
        for (Component c : cs) {
            if (maxH % c.h != 0 || maxV % c.v != 0) {
                throw unsupported("fractional chroma sampling (" + c.h + "x" + c.v + " of " + maxH + "x" + maxV + ")");
            }
        }
        mcusX = ceilDiv(width, 8 * maxH);
        mcusY = ceilDiv(height, 8 * maxV);
        int outBlock = 8 >> shift;
        for (Component c : cs) {
            c.blocksX = mcusX * c.h;
            c.blocksY = mcusY * c.v;
            int sampW = ceilDiv(width * c.h, maxH);
            int sampH = ceilDiv(height * c.v, maxV);
            c.realBlocksX = ceilDiv(sampW, 8);
            c.realBlocksY = ceilDiv(sampH, 8);
            // Decode chroma finer when the scaled output allows, so that it needs no upsampling.
            int bw = Math.min(8, outBlock * (maxH / c.h));
            int bh = Math.min(8, outBlock * (maxV / c.v));
            c.bwLog = Integer.numberOfTrailingZeros(bw);
            c.bhLog = Integer.numberOfTrailingZeros(bh);
            c.width = (int) ceilDiv((long) width * c.h * bw, (long) maxH * 8);
            c.height = (int) ceilDiv((long) height * c.v * bh, (long) maxV * 8);
        }
        comps = cs;
        pos += n;
    }

    /** Allocates the planes (and a progressive file's coefficients) once the first scan begins. */
    private void allocate() {
        for (Component c : comps) {
            c.stride = c.blocksX << c.bwLog;
            c.plane = new byte[Math.multiplyExact(c.stride, c.blocksY << c.bhLog)];
            if (progressive) {
                c.coefsPerBlock = c.bwLog == 0 && c.bhLog == 0 ? 1 : 64;
                c.coefs = new short[Math.multiplyExact(c.blocksX * c.blocksY, c.coefsPerBlock)];
            }
        }
        allocated = true;
    }

    // --- scans -----------------------------------------------------------------------------------------------

    private void scan() throws ImageException {
        if (comps == null) {
            throw corrupt("a scan before the frame header");
        }
        int n = segment();
        if (n < 1) {
            throw corrupt("empty scan header");
        }
        int ns = data[pos] & 0xff;
        if (ns < 1 || ns > 4 || n < 4 + 2 * ns) {
            throw corrupt("scan header with " + ns + " components in " + n + " bytes");
        }
        Component[] in = new Component[ns];
        int blocksInMcu = 0;
        for (int i = 0; i < ns; i++) {
            int id = data[pos + 1 + 2 * i] & 0xff;
            int tables = data[pos + 2 + 2 * i] & 0xff;
            Component c = null;
            for (Component k : comps) {
                if (k.id == id) {
                    c = k;
                    break;
                }
            }
            if (c == null) {
                throw corrupt("scan names component " + id + ", which the frame lacks");
            }
            for (int j = 0; j < i; j++) {
                if (in[j] == c) {
                    throw corrupt("scan names component " + id + " twice");
                }
            }
            int td = tables >> 4;
            int ta = tables & 15;
            if (td > 3 || ta > 3) {
                throw corrupt("scan names Huffman tables " + td + "/" + ta);
            }
            c.dc = dcTables[td];
            c.ac = acTables[ta];
            in[i] = c;
            blocksInMcu += c.h * c.v;
        }
        int p = pos + 1 + 2 * ns;
        int ss = data[p] & 0xff;
        int se = data[p + 1] & 0xff;
        int ah = (data[p + 2] & 0xff) >> 4;
        int al = data[p + 2] & 15;
        pos += n;
        if (ns > 1 && blocksInMcu > MAX_BLOCKS_IN_MCU) {
            throw corrupt("an MCU of " + blocksInMcu + " blocks");
        }
        if (progressive) {
            boolean dcScan = ss == 0;
            if (dcScan ? se != 0 : se < ss || se > 63 || ns != 1) {
                throw corrupt("progressive scan with spectral selection " + ss + ".." + se + " of " + ns
                        + " components");
            }
            if (ah != 0 && ah - 1 != al || al > 13) {
                throw corrupt("progressive scan with successive approximation " + ah + "/" + al);
            }
        } else if (ss != 0 || se != 63 || ah != 0 || al != 0) {
            throw unsupported("a sequential scan with progressive parameters");
        }
        for (Component c : in) {
            boolean needDc = !progressive || ss == 0 && ah == 0;
            boolean needAc = !progressive || ss > 0;
            if (needDc && c.dc == null || needAc && c.ac == null) {
                throw corrupt("scan uses an undefined Huffman table");
            }
            if (quant[c.tq] == null) {
                throw corrupt("component " + c.id + " uses undefined quantisation table " + c.tq);
            }
        }
        if (!allocated) {
            allocate();
        }
        if (progressive && ss > 0 && in[0].coefsPerBlock == 1) {
            skipScan(); // the component is decoded to one sample per block: only DC is needed
            return;
        }
        decodeScan(in, ss, se, ah, al);
    }

    private void decodeScan(Component[] in, int ss, int se, int ah, int al) throws ImageException {
        readSegment();
        eobrun = 0;
        for (Component c : in) {
            c.dcPred = 0;
        }
        int kind = !progressive ? 0 : ss == 0 ? (ah == 0 ? 1 : 2) : (ah == 0 ? 3 : 4);
        int restarts = 0;
        int todo = restartInterval;
        if (in.length == 1) {
            Component c = in[0];
            int[] q = quant[c.tq];
            for (int by = 0; by < c.realBlocksY; by++) {
                for (int bx = 0; bx < c.realBlocksX; bx++) {
                    if (restartInterval > 0) {
                        if (todo == 0) {
                            restart(restarts++, in);
                            todo = restartInterval;
                        }
                        todo--;
                    }
                    block(c, q, bx, by, kind, ss, se, al);
                }
                checkOverrun();
                checkInterrupted();
            }
        } else {
            for (int my = 0; my < mcusY; my++) {
                for (int mx = 0; mx < mcusX; mx++) {
                    if (restartInterval > 0) {
                        if (todo == 0) {
                            restart(restarts++, in);
                            todo = restartInterval;
                        }
                        todo--;
                    }
                    for (Component c : in) {
                        int[] q = quant[c.tq];
                        for (int v = 0; v < c.v; v++) {
                            for (int h = 0; h < c.h; h++) {
                                block(c, q, mx * c.h + h, my * c.v + v, kind, ss, se, al);
                            }
                        }
                    }
                }
                checkOverrun();
                checkInterrupted();
            }
        }
        checkOverrun();
        // What the reader holds is the last byte's padding; pos is at the marker that ended the segment.
        buf = 0;
        cnt = 0;
    }

    private void block(Component c, int[] q, int bx, int by, int kind, int ss, int se, int al)
            throws ImageException {
        switch (kind) {
            case 0 -> baselineBlock(c, q, bx, by);
            case 1 -> dcFirst(c, bx, by, al);
            case 2 -> dcRefine(c, bx, by, al);
            case 3 -> acFirst(c, bx, by, ss, se, al);
            default -> acRefine(c, bx, by, ss, se, al);
        }
    }

    /** A sequential block: decoded, transformed and stored in the plane. */
    private void baselineBlock(Component c, int[] q, int bx, int by) throws ImageException {
        // The bit reader in locals; written back around the slow fill and the calls below.
        long b = buf;
        int n = cnt;
        int p = segPos;
        byte[] seg = segment;
        int fast = segLength - 8;
        if (p <= fast) {
            b |= (long) BIG_ENDIAN_LONG.get(seg, p) >>> n;
            p += (63 - n) >>> 3;
            n |= 56;
        } else {
            buf = b;
            cnt = n;
            segPos = p;
            fillSlow();
            b = buf;
            n = cnt;
            p = segPos;
        }
        JpegHuffman dc = c.dc;
        int e = dc.lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
        if (e <= 0) {
            e = longCode(dc.lookup, e, b);
        }
        int t = e & 31;
        int s = (e >> 5) & 15;
        int diff = JpegHuffman.extendBranchless((int) (b >>> (64 - t)) & ((1 << s) - 1), s);
        b <<= t;
        n -= t;
        int dcValue = c.dcPred + diff;
        c.dcPred = dcValue;
        int off = (by << c.bhLog) * c.stride + (bx << c.bwLog);
        int[] lookup = c.ac.lookup;
        if (shift == 3 && c.bwLog == 0 && c.bhLog == 0) {
            buf = b;
            cnt = n;
            segPos = p;
            skipAc(c.ac);
            c.plane[off] = JpegIdct.dcOnly((short) dcValue, q[0]);
            return;
        }
        if (c.bwLog == 1 && c.bhLog == 1) {
            box2Weights(c, q);
            buf = b;
            cnt = n;
            segPos = p;
            acBox2(c, (short) dcValue, off);
            return;
        }
        int[] blk = block;
        blk[0] = (short) dcValue;
        int[] written = this.written;
        int count = 0;
        for (int k = 1; k < 64; ) {
            // At least 56 bits after this fill: a code of the lookahead with its extra bits takes at most
            // LOOKAHEAD + 15 = 25 bits, so two coefficients follow without a check; a longer code (up to 31
            // bits) leaves 25, still enough for a second one from the lookahead.
            if (p <= fast) {
                b |= (long) BIG_ENDIAN_LONG.get(seg, p) >>> n;
                p += (63 - n) >>> 3;
                n |= 56;
            } else {
                buf = b;
                cnt = n;
                segPos = p;
                fillSlow();
                b = buf;
                n = cnt;
                p = segPos;
            }
            e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                e = longCode(lookup, e, b);
            }
            t = e & 31;
            s = (e >> 5) & 15;
            int v = (int) (b >>> (64 - t)) & ((1 << s) - 1);
            b <<= t;
            n -= t;
            if (s == 0) {
                if ((e & (15 << 9)) != (15 << 9)) {
                    break; // end of block
                }
                k += 16;
                continue;
            }
            k += (e >> 9) & 15;
            int z = NATURAL[k];
            blk[z] = JpegHuffman.extendBranchless(v, s);
            written[count++] = z;
            if (++k >= 64) {
                break;
            }
            // The second coefficient, when its code is in the lookahead (else the next round takes it).
            e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                continue;
            }
            t = e & 31;
            s = (e >> 5) & 15;
            v = (int) (b >>> (64 - t)) & ((1 << s) - 1);
            b <<= t;
            n -= t;
            if (s == 0) {
                if ((e & (15 << 9)) != (15 << 9)) {
                    break;
                }
                k += 16;
                continue;
            }
            k += (e >> 9) & 15;
            z = NATURAL[k];
            blk[z] = JpegHuffman.extendBranchless(v, s);
            written[count++] = z;
            k++;
        }
        buf = b;
        cnt = n;
        segPos = p;
        writtenCount = count;
        transform(c, q, blk, count, off);
    }

    /**
     * Decodes a block's AC coefficients straight into its 2x2 box means ({@link JpegIdct#box2sparse}): each
     * coefficient adds its value times its four weights to the four outputs.
     */
    private void acBox2(Component c, int dcValue, int off) throws ImageException {
        float[] wq = c.box2Quad;
        float dc = dcValue;
        float o0 = dc * wq[0];
        float o1 = dc * wq[1];
        float o2 = dc * wq[2];
        float o3 = dc * wq[3];
        int[] lookup = c.ac.lookup;
        long b = buf;
        int n = cnt;
        int p = segPos;
        byte[] seg = segment;
        int fast = segLength - 8;
        for (int k = 1; k < 64; ) {
            if (p <= fast) {
                b |= (long) BIG_ENDIAN_LONG.get(seg, p) >>> n;
                p += (63 - n) >>> 3;
                n |= 56;
            } else {
                buf = b;
                cnt = n;
                segPos = p;
                fillSlow();
                b = buf;
                n = cnt;
                p = segPos;
            }
            int e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                e = longCode(lookup, e, b);
            }
            int t = e & 31;
            int s = (e >> 5) & 15;
            int v = (int) (b >>> (64 - t)) & ((1 << s) - 1);
            b <<= t;
            n -= t;
            if (s == 0) {
                if ((e & (15 << 9)) != (15 << 9)) {
                    break;
                }
                k += 16;
                continue;
            }
            k += (e >> 9) & 15;
            int at = NATURAL[k] << 2;
            float f = JpegHuffman.extendBranchless(v, s);
            o0 += f * wq[at];
            o1 += f * wq[at + 1];
            o2 += f * wq[at + 2];
            o3 += f * wq[at + 3];
            if (++k >= 64) {
                break;
            }
            e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                continue;
            }
            t = e & 31;
            s = (e >> 5) & 15;
            v = (int) (b >>> (64 - t)) & ((1 << s) - 1);
            b <<= t;
            n -= t;
            if (s == 0) {
                if ((e & (15 << 9)) != (15 << 9)) {
                    break;
                }
                k += 16;
                continue;
            }
            k += (e >> 9) & 15;
            at = NATURAL[k] << 2;
            f = JpegHuffman.extendBranchless(v, s);
            o0 += f * wq[at];
            o1 += f * wq[at + 1];
            o2 += f * wq[at + 2];
            o3 += f * wq[at + 3];
            k++;
        }
        buf = b;
        cnt = n;
        segPos = p;
        byte[] plane = c.plane;
        plane[off] = JpegIdct.clampMean(o0);
        plane[off + 1] = JpegIdct.clampMean(o1);
        plane[off + c.stride] = JpegIdct.clampMean(o2);
        plane[off + c.stride + 1] = JpegIdct.clampMean(o3);
    }

    /** Decodes a block's AC coefficients for their lengths only and drops them (at 1/8 only DC is needed). */
    private void skipAc(JpegHuffman ac) throws ImageException {
        int[] lookup = ac.lookup;
        long b = buf;
        int n = cnt;
        int p = segPos;
        byte[] seg = segment;
        int fast = segLength - 8;
        for (int k = 1; k < 64; ) {
            if (p <= fast) {
                b |= (long) BIG_ENDIAN_LONG.get(seg, p) >>> n;
                p += (63 - n) >>> 3;
                n |= 56;
            } else {
                buf = b;
                cnt = n;
                segPos = p;
                fillSlow();
                b = buf;
                n = cnt;
                p = segPos;
            }
            int e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                e = longCode(lookup, e, b);
            }
            b <<= e & 31;
            n -= e & 31;
            if ((e & (15 << 5)) == 0) { // size 0: the end of the block, or a run of 16 zeros
                if ((e & (15 << 9)) != (15 << 9)) {
                    break;
                }
                k += 16;
                continue;
            }
            k += ((e >> 9) & 15) + 1;
            if (k >= 64) {
                break;
            }
            e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
            if (e <= 0) {
                continue;
            }
            b <<= e & 31;
            n -= e & 31;
            if ((e & (15 << 5)) == 0) {
                if ((e & (15 << 9)) != (15 << 9)) {
                    break;
                }
                k += 16;
                continue;
            }
            k += ((e >> 9) & 15) + 1;
        }
        buf = b;
        cnt = n;
        segPos = p;
    }

    /**
     * The entry of the code at the top of {@code b} when the first lookup in {@code lookup} found {@code first},
     * not an entry: a longer code's, or CORRUPT when there is none.
     */
    private int longCode(int[] lookup, int first, long b) throws ImageException {
        int e = JpegHuffman.entry(lookup, first, b);
        if (e == 0) {
            throw corrupt("bad Huffman code");
        }
        return e;
    }

    /** Whether none of the 8 bytes of {@code w} is 0xFF (a marker or a stuffed byte). */
    private static boolean noFF(long w) {
        return ((~w - 0x0101010101010101L) & w & 0x8080808080808080L) == 0;
    }

    /**
     * Transforms {@code blk} (DC and the {@code count} non-zero AC coefficients listed in {@link #written})
     * into the plane at {@code off} and clears it.
     */
    private void transform(Component c, int[] q, int[] blk, int count, int off) {
        if (count == 0) {
            byte v = JpegIdct.dcOnly(blk[0], q[0]);
            int bw = 1 << c.bwLog;
            int bh = 1 << c.bhLog;
            byte[] plane = c.plane;
            for (int y = 0, o = off; y < bh; y++, o += c.stride) {
                for (int x = 0; x < bw; x++) {
                    plane[o + x] = v;
                }
            }
            blk[0] = 0;
            return;
        }
        if (c.bwLog == 3 && c.bhLog == 3) {
            JpegIdct.islow(blk, q, workspace, c.plane, off, c.stride);
        } else if (c.bwLog == 2 && c.bhLog == 2) {
            if (c.box4Source != q) {
                c.box4Weights = JpegIdct.box4Weights(q);
                c.box4Source = q;
            }
            if (VECTOR_BOX4) {
                VectorIdct.box4sparse(blk, written, writtenCount, c.box4Weights, floats, c.plane, off, c.stride);
            } else {
                JpegIdct.box4sparse(blk, written, writtenCount, c.box4Weights, floats, c.plane, off, c.stride);
            }
        } else if (c.bwLog == 1 && c.bhLog == 1) {
            box2Weights(c, q);
            JpegIdct.box2sparse(blk, written, writtenCount, c.box2Weights, floats, c.plane, off, c.stride);
        } else {
            int rows = 1;
            for (int i = 0; i < count; i++) {
                rows |= 1 << (written[i] >> 3);
            }
            JpegIdct.box(blk, q, rows, c.bwLog, c.bhLog, floats, c.plane, off, c.stride);
        }
        blk[0] = 0;
        int[] written = this.written;
        for (int i = 0, n = writtenCount; i < n; i++) {
            blk[written[i]] = 0;
        }
    }

    /** Makes {@code c}'s 2x2 box weights those of quantisation table {@code q}. */
    private static void box2Weights(Component c, int[] q) {
        if (c.box2Source != q) {
            c.box2Weights = JpegIdct.box2Weights(q);
            c.box2Quad = JpegIdct.box2Quad(c.box2Weights);
            c.box2Source = q;
        }
    }

    private int coefIndex(Component c, int bx, int by) {
        return (by * c.blocksX + bx) * c.coefsPerBlock;
    }

    private void dcFirst(Component c, int bx, int by, int al) throws ImageException {
        int s = decode(c.dc);
        int diff = s == 0 ? 0 : JpegHuffman.extend(receive(s), s);
        c.dcPred += diff;
        c.coefs[coefIndex(c, bx, by)] = (short) (c.dcPred << al);
    }

    private void dcRefine(Component c, int bx, int by, int al) throws ImageException {
        if (receive(1) != 0) {
            c.coefs[coefIndex(c, bx, by)] |= (short) (1 << al);
        }
    }

    private void acFirst(Component c, int bx, int by, int ss, int se, int al) throws ImageException {
        if (eobrun > 0) {
            eobrun--;
            return;
        }
        short[] coefs = c.coefs;
        int base = coefIndex(c, bx, by);
        JpegHuffman ac = c.ac;
        for (int k = ss; k <= se; k++) {
            int rs = decode(ac);
            int r = rs >> 4;
            int s = rs & 15;
            if (s != 0) {
                k += r;
                coefs[base + NATURAL[k]] = (short) (JpegHuffman.extend(receive(s), s) << al);
            } else if (r == 15) {
                k += 15;
            } else {
                eobrun = 1 << r;
                if (r != 0) {
                    eobrun += receive(r);
                }
                eobrun--;
                break;
            }
        }
    }

    private void acRefine(Component c, int bx, int by, int ss, int se, int al) throws ImageException {
        short[] coefs = c.coefs;
        int base = coefIndex(c, bx, by);
        int p1 = 1 << al;
        int m1 = -1 << al;
        int k = ss;
        if (eobrun == 0) {
            JpegHuffman ac = c.ac;
            for (; k <= se; k++) {
                int rs = decode(ac);
                int r = rs >> 4;
                int s = rs & 15;
                if (s != 0) {
                    // s must be 1 (libjpeg warns otherwise and goes on)
                    s = receive(1) != 0 ? p1 : m1;
                } else if (r != 15) {
                    eobrun = 1 << r;
                    if (r != 0) {
                        eobrun += receive(r);
                    }
                    break;
                }
                do {
                    int z = base + NATURAL[k];
                    if (coefs[z] != 0) {
                        if (receive(1) != 0 && (coefs[z] & p1) == 0) {
                            coefs[z] = (short) (coefs[z] >= 0 ? coefs[z] + p1 : coefs[z] + m1);
                        }
                    } else if (--r < 0) {
                        break;
                    }
                    k++;
                } while (k <= se);
                if (s != 0) {
                    coefs[base + NATURAL[k]] = (short) s;
                }
            }
        }
        if (eobrun > 0) {
            for (; k <= se; k++) {
                int z = base + NATURAL[k];
                if (coefs[z] != 0 && receive(1) != 0 && (coefs[z] & p1) == 0) {
                    coefs[z] = (short) (coefs[z] >= 0 ? coefs[z] + p1 : coefs[z] + m1);
                }
            }
            eobrun--;
        }
    }

    /** Skips an entropy-coded segment to the next marker that is not a restart marker. */
    private void skipScan() throws ImageException {
        while (true) {
            while (pos < end && data[pos] != (byte) 0xFF) {
                pos++;
            }
            int q = pos;
            while (q < end && data[q] == (byte) 0xFF) {
                q++;
            }
            if (q >= end) {
                throw truncated("inside a scan");
            }
            int m = data[q] & 0xff;
            if (m == 0 || m >= 0xD0 && m <= 0xD7) {
                pos = q + 1;
                continue;
            }
            return; // pos is at the marker's first 0xFF
        }
    }

    private void restart(int count, Component[] in) throws ImageException {
        checkOverrun();
        int m = nextMarker();
        if (m < 0) {
            throw truncated("before a restart marker");
        }
        if (m != 0xD0 + (count & 7)) {
            // libjpeg resynchronises; ImageIO's decoder does that for us.
            throw corrupt(String.format(Locale.ROOT, "expected restart marker %d, found marker 0x%02X", count & 7, m));
        }
        for (Component c : in) {
            c.dcPred = 0;
        }
        eobrun = 0;
        readSegment();
    }

    // --- bits ------------------------------------------------------------------------------------------------

    /**
     * Copies the entropy-coded data at {@code pos} up to the next marker into {@link #segment}, 0xFF 0x00 as
     * 0xFF, and starts the bit reader on it. {@code pos} is left at the marker (or at the end of the data).
     */
    private void readSegment() {
        int p = pos;
        if (segment.length < end - p + SEGMENT_PADDING) {
            segment = new byte[end - p + SEGMENT_PADDING];
        }
        byte[] seg = segment;
        int o = 0;
        boolean ended = false;
        while (true) {
            int q = p;
            while (q <= end - 8 && noFF((long) BIG_ENDIAN_LONG.get(data, q))) {
                q += 8;
            }
            while (q < end && data[q] != (byte) 0xFF) {
                q++;
            }
            System.arraycopy(data, p, seg, o, q - p);
            o += q - p;
            if (q >= end) {
                p = end;
                break;
            }
            // 0xFF, fill bytes (more 0xFF), then 0x00 for a stuffed 0xFF, else a marker's code
            int r = q + 1;
            while (r < end && data[r] == (byte) 0xFF) {
                r++;
            }
            if (r < end && data[r] == 0) {
                seg[o++] = (byte) 0xFF;
                p = r + 1;
                continue;
            }
            p = q;
            ended = r < end;
            break;
        }
        Arrays.fill(seg, o, o + SEGMENT_PADDING, (byte) 0);
        pos = p;
        segLength = o;
        segEnded = ended;
        segPos = 0;
        buf = 0;
        cnt = 0;
    }

    /** Fills the bit buffer to at least 56 valid bits. */
    private void fill() throws ImageException {
        if (segPos <= segLength - 8) {
            buf |= (long) BIG_ENDIAN_LONG.get(segment, segPos) >>> cnt;
            segPos += (63 - cnt) >>> 3;
            cnt |= 56;
        } else {
            fillSlow();
        }
    }

    /**
     * {@link #fill} within 8 bytes of the segment's end or past it: the zeros after a segment that a marker
     * ends (consuming them is an overrun, {@link #checkOverrun}), TRUNCATED when the data ends instead.
     */
    private void fillSlow() throws ImageException {
        int take = (63 - cnt) >>> 3;
        if (segPos + take > segLength) {
            if (!segEnded) {
                throw truncated("inside the entropy-coded data");
            }
            if (segPos > segLength + 8) {
                throw overrun();
            }
        }
        buf |= (long) BIG_ENDIAN_LONG.get(segment, segPos) >>> cnt;
        segPos += take;
        cnt |= 56;
    }

    /** A Huffman-coded symbol (run << 4 | size for AC tables). */
    private int decode(JpegHuffman h) throws ImageException {
        if (cnt < MAX_SYMBOL_BITS) {
            fill();
        }
        int e = h.lookup[(int) (buf >>> (64 - JpegHuffman.LOOKAHEAD))];
        if (e <= 0) {
            e = longCode(h.lookup, e, buf);
        }
        int l = JpegHuffman.codeLength(e);
        buf <<= l;
        cnt -= l;
        return JpegHuffman.symbol(e);
    }

    /** The next {@code s} bits (0 to 16) as an unsigned number. */
    private int receive(int s) throws ImageException {
        if (s == 0) {
            return 0;
        }
        if (cnt < s) {
            fill();
        }
        int v = (int) (buf >>> (64 - s));
        buf <<= s;
        cnt -= s;
        return v;
    }

    /** Fails when the scan used bits past its data (the zeros after its segment). */
    private void checkOverrun() throws ImageException {
        if (8L * segPos - cnt > 8L * segLength) {
            throw overrun();
        }
    }

    private ImageException overrun() {
        return corrupt("the entropy-coded data ends before the scan does");
    }

    /**
     * Stops the decode when its thread was interrupted: {@link DecodeGuard} does that when the time limit passed.
     * Checked once per row of MCUs (or of blocks), which costs nothing next to the row's work.
     */
    private void checkInterrupted() throws ImageException {
        if (Thread.currentThread().isInterrupted()) {
            throw new ImageException(Reason.TIMED_OUT, name + ": decoding stopped: its thread was interrupted");
        }
    }

    // --- output ----------------------------------------------------------------------------------------------

    private JpegImage finish() throws ImageException {
        if (comps == null) {
            throw corrupt("no frame header");
        }
        if (progressive) {
            for (Component c : comps) {
                transformAll(c);
            }
        }
        JpegHeader.ColourSpace space = JpegHeader.colourSpace(comps.length, jfif, adobeTransform,
                Arrays.stream(comps).mapToInt(c -> c.id).toArray());
        int outW = ceilDiv(width, 1 << shift);
        int outH = ceilDiv(height, 1 << shift);
        return new JpegImage(outW, outH, 1 << shift, comps, maxH, maxV, shift, space,
                adobeTransform != JpegHeader.NO_ADOBE);
    }

    /** A progressive component's coefficients, all scans read, to its plane. */
    private void transformAll(Component c) throws ImageException {
        int[] q = quant[c.tq];
        int[] blk = block;
        for (int by = 0; by < c.realBlocksY; by++) {
            checkInterrupted();
            for (int bx = 0; bx < c.realBlocksX; bx++) {
                int base = coefIndex(c, bx, by);
                int off = (by << c.bhLog) * c.stride + (bx << c.bwLog);
                if (c.coefsPerBlock == 1) {
                    c.plane[off] = JpegIdct.dcOnly(c.coefs[base], q[0]);
                    continue;
                }
                int count = 0;
                blk[0] = c.coefs[base];
                for (int k = 1; k < 64; k++) {
                    int z = NATURAL[k];
                    int v = c.coefs[base + z];
                    if (v != 0) {
                        blk[z] = v;
                        written[count++] = z;
                    }
                }
                writtenCount = count;
                transform(c, q, blk, count, off);
            }
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private int u16(int p) {
        return (data[p] & 0xff) << 8 | (data[p + 1] & 0xff);
    }

    private boolean ascii(int p, String s) {
        for (int i = 0; i < s.length(); i++) {
            if ((data[p + i] & 0xff) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private ImageException corrupt(String what) {
        return new ImageException(Reason.CORRUPT, name + ": corrupt JPEG (" + what + ")");
    }

    private ImageException truncated(String where) {
        return new ImageException(Reason.TRUNCATED, name + ": truncated JPEG (the data ends " + where + ")");
    }

    private ImageException unsupported(String what) {
        return new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": " + what + " is not supported");
    }
}
