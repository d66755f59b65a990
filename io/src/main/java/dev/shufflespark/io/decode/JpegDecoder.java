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
 * <p>This class reads the markers, sets up the frame and each scan, and turns a progressive file's
 * coefficients into planes after its last scan; {@link JpegEntropyDecoder} decodes the scans' data, and
 * {@link JpegImage} upsamples and converts the planes to RGB.
 *
 * <p>Not thread-safe: it keeps its tables and scratch between images. One per thread.
 */
final class JpegDecoder {

    /** libjpeg's D_MAX_BLOCKS_IN_MCU. */
    private static final int MAX_BLOCKS_IN_MCU = 10;

    /** A decode with no deadline. */
    static final long NO_DEADLINE = Long.MIN_VALUE;

    /** What a TIMED_OUT past the deadline says after the image's name. */
    static final String PAST_DEADLINE = "decoding took longer than its time limit";

    /**
     * The largest plane kept for the next image (4 MiB: a 2000x2000 component): a task of small photos reuses
     * its planes, a 100-megapixel photo's go to the garbage collector with it.
     */
    static final int MAX_SPARE_PLANE = 4 << 20;

    // Input.
    private byte[] data;
    private int pos;
    private int end;
    private String name;

    // Tables and frame.
    private final int[][] quant = new int[4][];
    private final JpegHuffman[] dcTables = new JpegHuffman[4];
    private final JpegHuffman[] acTables = new JpegHuffman[4];
    private JpegComponent[] comps;
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
    private long deadline;
    /** The region of the output that will be read ({@link ReadRegion}), or null for all of it. */
    private int[] region;

    /**
     * Whether the Huffman tables have their {@link JpegHuffman#fast} coefficient tables (else every coefficient
     * takes the code lookup and its extra bits apart: the reference that the fast path is tested against).
     */
    private final boolean fastCoefficients;

    JpegDecoder() {
        this(true);
    }

    /** A decoder without the fast coefficient tables when {@code fastCoefficients} is false (for tests). */
    JpegDecoder(boolean fastCoefficients) {
        this.fastCoefficients = fastCoefficients;
        if (!fastCoefficients) {
            entropy.skipTableBlocks = Integer.MAX_VALUE;
        }
    }

    /**
     * A decoder whose scans take the AC skip tables ({@link JpegHuffman#skipTable}) whenever they skip at least
     * {@code blocks} blocks (for tests: 0 to take them on every image).
     */
    static JpegDecoder withSkipTablesFrom(int blocks) {
        JpegDecoder d = new JpegDecoder();
        d.entropy.skipTableBlocks = blocks;
        return d;
    }

    /** The scans' entropy decoding; it keeps its buffers for the next image. */
    private final JpegEntropyDecoder entropy = new JpegEntropyDecoder();

    /**
     * Planes of released images ({@link JpegImage#release}) and of failed decodes, for the next images: one
     * per component at most, each at most {@value #MAX_SPARE_PLANE} bytes.
     */
    private final byte[][] spare = new byte[4][];

    /**
     * Decodes {@code data[off, off + len)} scaled by {@code 1 / 2^shift} (shift 0..3).
     *
     * @param maxPixels the pixel limit (full-resolution width x height)
     */
    JpegImage decode(byte[] data, int off, int len, String name, int shift, long maxPixels) throws ImageException {
        return decode(data, off, len, name, shift, maxPixels, NO_DEADLINE);
    }

    /**
     * {@link #decode(byte[], int, int, String, int, long)} that fails as TIMED_OUT once {@link System#nanoTime}
     * passes {@code deadline} ({@link #NO_DEADLINE}: never), checked once per row of MCUs.
     */
    JpegImage decode(byte[] data, int off, int len, String name, int shift, long maxPixels, long deadline)
            throws ImageException {
        return decode(data, off, len, name, shift, maxPixels, deadline, null);
    }

    /**
     * {@link #decode(byte[], int, int, String, int, long, long)} of which only the output columns
     * {@code [region[0], region[2])} of rows {@code [region[1], region[3])} will be read (null: all of them):
     * the blocks that no sample of the region depends on (through the chroma upsampling too) are entropy-decoded
     * for their length only, and the image refuses to convert pixels outside the region. A region that does not
     * fit the image is ignored.
     */
    JpegImage decode(byte[] data, int off, int len, String name, int shift, long maxPixels, long deadline,
                     int[] region) throws ImageException {
        if (shift < 0 || shift > 3) {
            throw new IllegalArgumentException("scale shift must be 0..3, got " + shift);
        }
        this.data = data;
        this.pos = off;
        this.end = off + len;
        this.name = name;
        this.shift = shift;
        this.maxPixels = maxPixels;
        this.deadline = deadline;
        this.region = region == null ? null : region.clone();
        Arrays.fill(quant, null);
        Arrays.fill(dcTables, null);
        Arrays.fill(acTables, null);
        comps = null;
        restartInterval = 0;
        jfif = false;
        adobeTransform = JpegHeader.NO_ADOBE;
        allocated = false;
        JpegImage image = null;
        try {
            image = decodeMarkers();
            return image;
        } finally {
            this.data = null;
            entropy.finish();
            if (comps != null) {
                for (JpegComponent c : comps) {
                    c.coefs = null; // the coefficients are garbage now
                    if (image == null && c.plane != null) {
                        recycle(c.plane); // else the plane went to the image, which gives it back when released
                    }
                    c.plane = null;
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
                t[JpegEntropyDecoder.NATURAL[k]] = pq == 0 ? data[p + k] & 0xff : u16(p + 2 * k);
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
            JpegHuffman cached = cachedTable(tc, data, p - 17, 17 + total);
            byte[] symbols = Arrays.copyOfRange(data, p, p + total);
            p += total;
            try {
                JpegHuffman t = cached != null ? cached : JpegHuffman.of(counts, symbols, tc == 1, fastCoefficients);
                if (cached == null) {
                    keepTable(tc, data, p - 17 - total, 17 + total, t);
                }
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

    /**
     * Huffman tables of earlier images, by their DHT bytes (class and number, counts, symbols): photos from one
     * camera or encoder repeat the same tables, and building one costs more than a small image's MCU row.
     */
    private final byte[][] tableKeys = new byte[TABLE_CACHE][];
    private final JpegHuffman[] tableValues = new JpegHuffman[TABLE_CACHE];
    private int tableNext;
    private static final int TABLE_CACHE = 8;

    /** The table an earlier image built from the same {@code len} bytes at {@code data[off]}, or null. */
    private JpegHuffman cachedTable(int tc, byte[] data, int off, int len) {
        for (int i = 0; i < TABLE_CACHE; i++) {
            byte[] k = tableKeys[i];
            if (k != null && k.length == len + 1 && k[0] == tc
                    && Arrays.equals(k, 1, k.length, data, off, off + len)) {
                return tableValues[i];
            }
        }
        return null;
    }

    private void keepTable(int tc, byte[] data, int off, int len, JpegHuffman table) {
        byte[] k = new byte[len + 1];
        k[0] = (byte) tc;
        System.arraycopy(data, off, k, 1, len);
        tableKeys[tableNext] = k;
        tableValues[tableNext] = table;
        tableNext = (tableNext + 1) % TABLE_CACHE;
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
        JpegComponent[] cs = new JpegComponent[nc];
        maxH = 1;
        maxV = 1;
        for (int i = 0; i < nc; i++) {
            int p = pos + 6 + 3 * i;
            JpegComponent c = new JpegComponent();
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
        for (JpegComponent c : cs) {
            if (maxH % c.h != 0 || maxV % c.v != 0) {
                throw unsupported("fractional chroma sampling (" + c.h + "x" + c.v + " of " + maxH + "x" + maxV + ")");
            }
        }
        mcusX = ceilDiv(width, 8 * maxH);
        mcusY = ceilDiv(height, 8 * maxV);
        int outBlock = 8 >> shift;
        for (JpegComponent c : cs) {
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
        int outW = ceilDiv(width, 1 << shift);
        int outH = ceilDiv(height, 1 << shift);
        if (region != null && (region.length != 4 || region[0] < 0 || region[1] < 0 || region[0] >= region[2]
                || region[1] >= region[3] || region[2] > outW || region[3] > outH)) {
            region = null;
        }
        for (JpegComponent c : comps) {
            window(c);
            c.stride = c.blocksX << c.bwLog;
            c.plane = plane(Math.multiplyExact(c.stride, c.blocksY << c.bhLog));
            if (progressive) {
                c.coefsPerBlock = c.bwLog == 0 && c.bhLog == 0 ? 1 : 64;
                c.coefs = new short[Math.multiplyExact(c.blocksX * c.blocksY, c.coefsPerBlock)];
            }
        }
        allocated = true;
        entropy.start(data, end, name, shift, progressive, mcusX, mcusY, deadline);
    }

    /**
     * Sets the blocks of {@code c} that are transformed: those holding the samples that {@link JpegImage} reads
     * for the region (its upsampling's factor as {@link JpegImage} computes it, and one sample more on each side
     * of an upsampled axis for the triangle filter's neighbours); all of them when there is no region.
     */
    private void window(JpegComponent c) {
        c.x0 = 0;
        c.y0 = 0;
        c.x1 = c.blocksX;
        c.y1 = c.blocksY;
        if (region == null) {
            return;
        }
        int upH = ((maxH / c.h) * (8 >> shift)) >> c.bwLog;
        int upV = ((maxV / c.v) * (8 >> shift)) >> c.bhLog;
        int mx = upH > 1 ? 1 : 0;
        int my = upV > 1 ? 1 : 0;
        int sx0 = Math.max(region[0] / upH - mx, 0);
        int sy0 = Math.max(region[1] / upV - my, 0);
        int sx1 = ceilDiv(region[2], upH) + mx;
        int sy1 = ceilDiv(region[3], upV) + my;
        c.x0 = sx0 >> c.bwLog;
        c.y0 = sy0 >> c.bhLog;
        c.x1 = Math.min(ceilDiv(sx1, 1 << c.bwLog), c.blocksX);
        c.y1 = Math.min(ceilDiv(sy1, 1 << c.bhLog), c.blocksY);
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
        JpegComponent[] in = new JpegComponent[ns];
        int blocksInMcu = 0;
        for (int i = 0; i < ns; i++) {
            int id = data[pos + 1 + 2 * i] & 0xff;
            int tables = data[pos + 2 + 2 * i] & 0xff;
            JpegComponent c = null;
            for (JpegComponent k : comps) {
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
        for (JpegComponent c : in) {
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
        pos = entropy.decodeScan(pos, in, quant, restartInterval, ss, se, ah, al);
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


    // --- output ----------------------------------------------------------------------------------------------

    /**
     * A zeroed plane of at least {@code size} bytes: the smallest spare one that is large enough (zeroed, so
     * that nothing of an earlier image shows through what this one does not write), else a new one.
     */
    private byte[] plane(int size) {
        int best = -1;
        for (int i = 0; i < spare.length; i++) {
            if (spare[i] != null && spare[i].length >= size && (best < 0 || spare[i].length < spare[best].length)) {
                best = i;
            }
        }
        if (best < 0) {
            return new byte[size];
        }
        byte[] p = spare[best];
        spare[best] = null;
        Arrays.fill(p, 0, size, (byte) 0);
        return p;
    }

    /**
     * Keeps {@code plane} for a later image when it is small enough, in an empty slot or in place of a smaller
     * spare. Only a plane that no image uses any more comes here: on the decoding thread.
     */
    void recycle(byte[] plane) {
        if (plane.length > MAX_SPARE_PLANE) {
            return;
        }
        int smallest = 0;
        for (int i = 0; i < spare.length; i++) {
            if (spare[i] == null) {
                spare[i] = plane;
                return;
            }
            if (spare[i].length < spare[smallest].length) {
                smallest = i;
            }
        }
        if (spare[smallest].length < plane.length) {
            spare[smallest] = plane;
        }
    }

    /** The bytes of the spare planes (for tests). */
    long spareBytes() {
        long n = 0;
        for (byte[] p : spare) {
            n += p == null ? 0 : p.length;
        }
        return n;
    }

    private JpegImage finish() throws ImageException {
        if (comps == null) {
            throw corrupt("no frame header");
        }
        if (progressive) {
            for (JpegComponent c : comps) {
                transformAll(c);
            }
        }
        JpegHeader.ColourSpace space = JpegHeader.colourSpace(comps.length, jfif, adobeTransform,
                Arrays.stream(comps).mapToInt(c -> c.id).toArray());
        int outW = ceilDiv(width, 1 << shift);
        int outH = ceilDiv(height, 1 << shift);
        return new JpegImage(outW, outH, 1 << shift, comps, maxH, maxV, shift, space,
                adobeTransform != JpegHeader.NO_ADOBE, this, region);
    }

    /** A progressive component's coefficients, all scans read, to its plane. */
    private void transformAll(JpegComponent c) throws ImageException {
        int[] q = quant[c.tq];
        for (int by = c.y0, yEnd = Math.min(c.realBlocksY, c.y1); by < yEnd; by++) {
            entropy.checkStop();
            for (int bx = c.x0, xEnd = Math.min(c.realBlocksX, c.x1); bx < xEnd; bx++) {
                entropy.transformStored(c, q, bx, by);
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
        return corrupt(name, what);
    }

    private ImageException truncated(String where) {
        return truncated(name, where);
    }

    static ImageException corrupt(String name, String what) {
        return new ImageException(Reason.CORRUPT, name + ": corrupt JPEG (" + what + ")");
    }

    static ImageException truncated(String name, String where) {
        return new ImageException(Reason.TRUNCATED, name + ": truncated JPEG (the data ends " + where + ")");
    }

    private ImageException unsupported(String what) {
        return new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": " + what + " is not supported");
    }
}