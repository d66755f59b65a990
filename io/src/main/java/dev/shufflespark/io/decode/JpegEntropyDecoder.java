package dev.shufflespark.io.decode;

import java.util.Arrays;
import java.util.Locale;

/**
 * The entropy decoding of {@link JpegDecoder}: a scan's Huffman-coded data to blocks, one lookup per code in the
 * {@link JpegHuffman} tables, over the segments its {@link JpegBitReader} destuffs; restart markers included.
 *
 * <p>A sequential block is decoded, transformed and stored in its component's plane at once: unscaled with the
 * islow IDCT, at 1/2 as 2x2 box means summed while its coefficients are decoded, at 1/4 as 4x4 box means of its
 * non-zero coefficients, and at 1/8 from its DC alone (its AC codes are read for their lengths only, as are
 * those of a block outside the component's window, {@link JpegComponent#x0}, which is not stored at all). A
 * progressive scan adds to the component's coefficients (DC first and refinement, AC first and refinement),
 * which {@link #transformStored} turns into samples after the last scan.
 *
 * <p>The block decoders keep the bit reader in locals and write it back only around a call: keep it so, the
 * JIT would otherwise load and store the fields around every call in the inner loop. Not thread-safe: one per
 * {@link JpegDecoder}; it keeps its segment buffer and scratch between images.
 */
final class JpegEntropyDecoder extends JpegBitReader {

    /** Zigzag index to natural index, with 16 extra entries (libjpeg's) so that a run past 63 stays inside. */
    static final int[] NATURAL = new int[64 + 16];

    /** {@link #NATURAL} times 4: where a coefficient's four 2x2 box weights start. */
    private static final int[] NATURAL4 = new int[64 + 16];

    static {
        int[] zz = {0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
            13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45,
            38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
        System.arraycopy(zz, 0, NATURAL, 0, 64);
        Arrays.fill(NATURAL, 64, NATURAL.length, 63);
        for (int k = 0; k < NATURAL.length; k++) {
            NATURAL4[k] = NATURAL[k] << 2;
        }
    }

    /** Whether the 4x4 box means run on the Vector API ({@link VectorIdct}); loaded only then. */
    static final boolean VECTOR_BOX4 = dev.shufflespark.model.kernel.Simd.enabled();

    // The frame.
    private int shift;
    private boolean progressive;
    private int mcusX;
    private int mcusY;
    /** When the decode must stop ({@link System#nanoTime}), or {@link JpegDecoder#NO_DEADLINE}. */
    private long deadline;

    /**
     * A sequential scan gives a component's AC table its {@link JpegHuffman#skipTable} when it skips the AC
     * coefficients of at least this many of its blocks (making one costs about as much as skipping a few hundred
     * blocks one code at a time); a table that has one keeps it for later images.
     */
    static final int SKIP_TABLE_BLOCKS = 1024;

    /** {@link #SKIP_TABLE_BLOCKS}, or another threshold for tests (MAX_VALUE: never). */
    int skipTableBlocks = SKIP_TABLE_BLOCKS;

    /** Progressive AC scans: blocks left in the current end-of-band run. */
    private int eobrun;

    // Scratch.
    private final int[] block = new int[64];
    private final int[] workspace = new int[64];
    private final float[] floats = new float[64];
    /** The natural indices of the block's non-zero AC coefficients (up to 64 + a run past the end). */
    private final int[] written = new int[64];
    private int writtenCount;

    /**
     * Starts an image: {@code data} up to {@code end}, decoded scaled by {@code 1 / 2^shift}, with
     * {@code mcusX x mcusY} MCUs, to be done by {@code deadline}.
     */
    void start(byte[] data, int end, String name, int shift, boolean progressive, int mcusX, int mcusY,
               long deadline) {
        this.data = data;
        this.end = end;
        this.name = name;
        this.shift = shift;
        this.progressive = progressive;
        this.mcusX = mcusX;
        this.mcusY = mcusY;
        this.deadline = deadline;
        // A block holds its coefficients until it is transformed, which clears them: a decode that failed
        // inside a block left some behind.
        Arrays.fill(block, 0);
    }

    /** Ends the image: drops the reference to its bytes. */
    void finish() {
        data = null;
    }

    // --- scans -----------------------------------------------------------------------------------------------

    /**
     * Decodes the scan of components {@code in} whose entropy-coded data starts at {@code pos}: spectral
     * selection {@code ss..se}, successive approximation {@code ah/al} (a sequential scan has 0..63, 0/0).
     *
     * @return the position of the marker that ends the scan (or the end of the data)
     */
    int decodeScan(int pos, JpegComponent[] in, int[][] quant, int restartInterval, int ss, int se, int ah, int al)
            throws ImageException {
        this.pos = pos;
        readSegment();
        eobrun = 0;
        for (JpegComponent c : in) {
            c.dcPred = 0;
        }
        int kind = !progressive ? 0 : ss == 0 ? (ah == 0 ? 1 : 2) : (ah == 0 ? 3 : 4);
        if (kind == 0) {
            for (JpegComponent c : in) {
                if (skippedBlocks(c) >= skipTableBlocks) {
                    c.ac.skipTable();
                }
            }
        }
        int restarts = 0;
        int todo = restartInterval;
        if (in.length == 1) {
            JpegComponent c = in[0];
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
                checkStop();
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
                    for (JpegComponent c : in) {
                        int[] q = quant[c.tq];
                        for (int v = 0; v < c.v; v++) {
                            for (int h = 0; h < c.h; h++) {
                                block(c, q, mx * c.h + h, my * c.v + v, kind, ss, se, al);
                            }
                        }
                    }
                }
                checkOverrun();
                checkStop();
            }
        }
        checkOverrun();
        // What the reader holds is the last byte's padding; pos is at the marker that ended the segment.
        buf = 0;
        cnt = 0;
        return this.pos;
    }

    /**
     * The blocks of {@code c} whose AC coefficients a sequential scan only skips: those outside its window, and
     * at 1/8 all of a component decoded to one sample per block.
     */
    private long skippedBlocks(JpegComponent c) {
        long all = (long) c.realBlocksX * c.realBlocksY;
        if (shift == 3 && c.bwLog == 0 && c.bhLog == 0) {
            return all;
        }
        long inside = (long) Math.max(0, Math.min(c.x1, c.realBlocksX) - c.x0)
                * Math.max(0, Math.min(c.y1, c.realBlocksY) - c.y0);
        return all - inside;
    }

    private void block(JpegComponent c, int[] q, int bx, int by, int kind, int ss, int se, int al)
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
    private void baselineBlock(JpegComponent c, int[] q, int bx, int by) throws ImageException {
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
        if (bx < c.x0 || bx >= c.x1 || by < c.y0 || by >= c.y1) {
            // Outside the region that will be read: its AC codes for their lengths only, nothing stored.
            buf = b;
            cnt = n;
            segPos = p;
            skipAc(c.ac);
            return;
        }
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
        int[] fastAc = c.ac.fast;
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
            int z;
            e = fastAc[(int) (b >>> (64 - JpegHuffman.FAST_BITS))];
            if (e != 0) {
                b <<= e & 31;
                n -= e & 31;
                k += (e >> 8) & 15;
                z = NATURAL[k];
                blk[z] = e >> 16;
            } else {
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
                z = NATURAL[k];
                blk[z] = JpegHuffman.extendBranchless(v, s);
            }
            written[count++] = z;
            if (++k >= 64) {
                break;
            }
            // The second coefficient, when it is in the fast table (else the next round takes it).
            e = fastAc[(int) (b >>> (64 - JpegHuffman.FAST_BITS))];
            if (e != 0) {
                b <<= e & 31;
                n -= e & 31;
                k += (e >> 8) & 15;
                z = NATURAL[k];
                blk[z] = e >> 16;
            } else {
                e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
                if (e <= 0) {
                    continue;
                }
                t = e & 31;
                s = (e >> 5) & 15;
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
                z = NATURAL[k];
                blk[z] = JpegHuffman.extendBranchless(v, s);
            }
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
    private void acBox2(JpegComponent c, int dcValue, int off) throws ImageException {
        float[] wq = c.box2Quad;
        float dc = dcValue;
        float o0 = dc * wq[0];
        float o1 = dc * wq[1];
        float o2 = dc * wq[2];
        float o3 = dc * wq[3];
        int[] lookup = c.ac.lookup;
        int[] fastAc = c.ac.fast;
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
            int at;
            float f;
            int e = fastAc[(int) (b >>> (64 - JpegHuffman.FAST_BITS))];
            if (e != 0) {
                b <<= e & 31;
                n -= e & 31;
                k += (e >> 8) & 15;
                at = NATURAL4[k];
                f = e >> 16;
            } else {
                e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
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
                at = NATURAL4[k];
                f = JpegHuffman.extendBranchless(v, s);
            }
            o0 += f * wq[at];
            o1 += f * wq[at + 1];
            o2 += f * wq[at + 2];
            o3 += f * wq[at + 3];
            if (++k >= 64) {
                break;
            }
            // The second coefficient, when it is in the fast table (else the next round takes it).
            e = fastAc[(int) (b >>> (64 - JpegHuffman.FAST_BITS))];
            if (e != 0) {
                b <<= e & 31;
                n -= e & 31;
                k += (e >> 8) & 15;
                at = NATURAL4[k];
                f = e >> 16;
            } else {
                e = lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))];
                if (e <= 0) {
                    continue;
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
                at = NATURAL4[k];
                f = JpegHuffman.extendBranchless(v, s);
            }
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

    /**
     * Decodes a block's AC coefficients for their lengths only and drops them (at 1/8 only DC is needed). With the
     * table's {@link JpegHuffman#skipTable}, the coefficients that the next {@value JpegHuffman#SKIP_BITS} bits hold
     * whole are taken in one lookup while they stay inside the block; otherwise (and without the table) up to two
     * codes per refill, one at a time.
     */
    private void skipAc(JpegHuffman ac) throws ImageException {
        char[] skip = ac.skip();
        int[] lookup = ac.lookup;
        long b = buf;
        int n = cnt;
        int p = segPos;
        byte[] seg = segment;
        int fast = segLength - 8;
        block:
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
            if (skip != null) {
                // At least 56 bits: groups of at most SKIP_BITS while at least that many remain.
                int g = skip[(int) (b >>> (64 - JpegHuffman.SKIP_BITS))];
                if (g != 0 && k + (g >> 5 & 0xff) < 64) {
                    do {
                        b <<= g & 31;
                        n -= g & 31;
                        k += g >> 5 & 0xff;
                        if ((g & JpegHuffman.SKIP_EOB) != 0) {
                            break block;
                        }
                        if (n < JpegHuffman.SKIP_BITS) {
                            continue block;
                        }
                        g = skip[(int) (b >>> (64 - JpegHuffman.SKIP_BITS))];
                    } while (g != 0 && k + (g >> 5 & 0xff) < 64);
                    continue;
                }
                // A long code, or one that ends the block without an end of block: one code at a time below.
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
     * Transforms {@code blk} (DC and the {@code count} non-zero AC coefficients listed in {@link #written})
     * into the plane at {@code off} and clears it.
     */
    private void transform(JpegComponent c, int[] q, int[] blk, int count, int off) {
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
    private static void box2Weights(JpegComponent c, int[] q) {
        if (c.box2Source != q) {
            c.box2Weights = JpegIdct.box2Weights(q);
            c.box2Quad = JpegIdct.box2Quad(c.box2Weights);
            c.box2Source = q;
        }
    }

    private int coefIndex(JpegComponent c, int bx, int by) {
        return (by * c.blocksX + bx) * c.coefsPerBlock;
    }

    private void dcFirst(JpegComponent c, int bx, int by, int al) throws ImageException {
        int s = decode(c.dc);
        int diff = s == 0 ? 0 : JpegHuffman.extend(receive(s), s);
        c.dcPred += diff;
        c.coefs[coefIndex(c, bx, by)] = (short) (c.dcPred << al);
    }

    private void dcRefine(JpegComponent c, int bx, int by, int al) throws ImageException {
        if (receive(1) != 0) {
            c.coefs[coefIndex(c, bx, by)] |= (short) (1 << al);
        }
    }

    private void acFirst(JpegComponent c, int bx, int by, int ss, int se, int al) throws ImageException {
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

    private void acRefine(JpegComponent c, int bx, int by, int ss, int se, int al) throws ImageException {
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

    private void restart(int count, JpegComponent[] in) throws ImageException {
        checkOverrun();
        int m = markerAtPos();
        if (m < 0) {
            throw truncated("before a restart marker");
        }
        if (m != 0xD0 + (count & 7)) {
            // libjpeg resynchronises; ImageIO's decoder does that for us.
            throw corrupt(String.format(Locale.ROOT, "expected restart marker %d, found marker 0x%02X", count & 7, m));
        }
        for (JpegComponent c : in) {
            c.dcPred = 0;
        }
        eobrun = 0;
        readSegment();
    }

    /**
     * Stops the decode past its deadline, or when its thread was interrupted (a task being killed, or
     * {@link DecodeGuard} stopping a decode on its worker): TIMED_OUT either way. Checked once per row of MCUs
     * (or of blocks), which costs nothing next to the row's work.
     */
    void checkStop() throws ImageException {
        if (deadline != JpegDecoder.NO_DEADLINE && System.nanoTime() - deadline > 0) {
            throw new ImageException(Reason.TIMED_OUT, name + ": " + JpegDecoder.PAST_DEADLINE);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new ImageException(Reason.TIMED_OUT, name + ": decoding stopped: its thread was interrupted");
        }
    }

    // --- progressive output ----------------------------------------------------------------------------------

    /**
     * Block {@code (bx, by)} of a progressive component, all scans read, from its coefficients to its plane
     * (dequantised by {@code q}).
     */
    void transformStored(JpegComponent c, int[] q, int bx, int by) {
        int base = coefIndex(c, bx, by);
        int off = (by << c.bhLog) * c.stride + (bx << c.bwLog);
        if (c.coefsPerBlock == 1) {
            c.plane[off] = JpegIdct.dcOnly(c.coefs[base], q[0]);
            return;
        }
        int[] blk = block;
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
