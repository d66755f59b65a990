package dev.shufflespark.io.decode;

import java.util.Arrays;

/**
 * The bit reader of {@link JpegEntropyDecoder}: it copies an entropy-coded segment (a scan, or its part up to
 * the next restart marker) without its stuffed zeros, so that it never meets a 0xFF, and refills 8 bytes at a
 * time. Its state is fields of the decoder itself so that the decoder's block loops can keep it in locals and
 * write it back around a call, on one object.
 *
 * <p>Reading past a segment that a marker ends yields zeros, and {@link #checkOverrun} then fails the scan;
 * reading past the end of the data is TRUNCATED.
 */
abstract sealed class JpegBitReader permits JpegEntropyDecoder {

    static final java.lang.invoke.VarHandle BIG_ENDIAN_LONG =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    /**
     * Zeros after a segment: a fill at any position up to 8 bytes past its end reads inside the array, and
     * beyond that the scan has certainly consumed bits past its data.
     */
    private static final int SEGMENT_PADDING = 16;

    /** The most bits one coefficient takes: a 16-bit code and 15 extra bits. */
    private static final int MAX_SYMBOL_BITS = 31;

    // The image's bytes (the scan's data starts at pos) and its name for messages.
    byte[] data;
    int pos;
    int end;
    String name;

    /**
     * The entropy-coded segment being decoded (a scan, or its part up to the next restart marker) without its
     * stuffed zeros, so that the bit reader never meets a 0xFF: {@code segLength} bytes, then
     * {@value #SEGMENT_PADDING} zeros. Kept for the next image.
     */
    byte[] segment = new byte[0];
    int segLength;
    /** Whether a marker ends the segment (else the data ends inside it: truncated). */
    boolean segEnded;

    // Bit reader: the next bits of the segment at the top of buf, cnt of them valid; the bits below hold the
    // start of segment[segPos], which the next fill writes again. A fill reads 8 bytes at once.
    long buf;
    int cnt;
    int segPos;

    /**
     * Copies the entropy-coded data at {@code pos} up to the next marker into {@link #segment}, 0xFF 0x00 as
     * 0xFF, and starts the bit reader on it. {@code pos} is left at the marker (or at the end of the data).
     */
    final void readSegment() {
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
    final void fill() throws ImageException {
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
    final void fillSlow() throws ImageException {
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
    final int decode(JpegHuffman h) throws ImageException {
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
    final int receive(int s) throws ImageException {
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
    final void checkOverrun() throws ImageException {
        if (8L * segPos - cnt > 8L * segLength) {
            throw overrun();
        }
    }

    final ImageException overrun() {
        return corrupt("the entropy-coded data ends before the scan does");
    }

    /**
     * The entry of the code at the top of {@code b} when the first lookup in {@code lookup} found {@code first},
     * not an entry: a longer code's, or CORRUPT when there is none.
     */
    final int longCode(int[] lookup, int first, long b) throws ImageException {
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
     * The code of the marker at {@code pos}, where {@link #readSegment} left it (at its first 0xFF), and
     * {@code pos} after it; -1 when the data ends first.
     */
    final int markerAtPos() {
        while (pos < end && data[pos] == (byte) 0xFF) {
            pos++;
        }
        return pos < end ? data[pos++] & 0xff : -1;
    }

    final ImageException corrupt(String what) {
        return JpegDecoder.corrupt(name, what);
    }

    final ImageException truncated(String where) {
        return JpegDecoder.truncated(name, where);
    }
}
