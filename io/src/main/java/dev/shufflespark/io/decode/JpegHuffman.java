package dev.shufflespark.io.decode;

/**
 * One Huffman table of a JPEG (a DHT segment's table), ready for decoding: a 9-bit lookahead table for the
 * short codes, libjpeg's {@code maxcode}/{@code valoffset} arrays for the long ones, and for AC tables a second
 * lookahead that decodes a short code and its extra bits at once (run, value and total length), as
 * stb_image does.
 */
final class JpegHuffman {

    static final int LOOKAHEAD = 9;

    /** fast[next 9 bits]: {@code length << 8 | symbol} for codes of at most 9 bits, else 0. */
    final int[] fast = new int[1 << LOOKAHEAD];
    /** Bits the AC lookahead looks at. */
    static final int AC_LOOKAHEAD = 11;

    /**
     * fastAc[next 11 bits]: {@code value << 12 | run << 4 | length} when an AC code and its extra bits fit in
     * 11 bits: value is the signed coefficient; value 0 with run 0 is end-of-block, value 0 with run 15 the run
     * of 16 zeros. 0 when the code is longer: the ordinary path.
     */
    final int[] fastAc;
    /** maxcode[l]: the largest code of length l, -1 when there is none; maxcode[17] sentinel. */
    final int[] maxcode = new int[18];
    /** symbols[valoffset[l] + code] is the symbol of a code of length l. */
    final int[] valoffset = new int[18];
    final byte[] symbols;

    private JpegHuffman(int[] counts, byte[] symbols, boolean ac) throws IllegalArgumentException {
        this.symbols = symbols;
        int code = 0;
        int k = 0;
        for (int l = 1; l <= 16; l++) {
            valoffset[l] = k - code;
            int n = counts[l];
            if (n > 0) {
                code += n;
                if (code > 1 << l) {
                    throw new IllegalArgumentException("Huffman codes of length " + l + " overflow");
                }
                maxcode[l] = code - 1;
                // Codes of this length that fit the lookahead fill every 9-bit index that starts with them.
                if (l <= LOOKAHEAD) {
                    for (int c = code - n; c < code; c++, k++) {
                        int shift = LOOKAHEAD - l;
                        int first = c << shift;
                        int entry = l << 8 | (symbols[k] & 0xff);
                        for (int i = 0; i < 1 << shift; i++) {
                            fast[first + i] = entry;
                        }
                    }
                } else {
                    k += n;
                }
            } else {
                maxcode[l] = -1;
            }
            code <<= 1;
        }
        maxcode[17] = Integer.MAX_VALUE;
        fastAc = ac ? fastAc(counts, symbols) : null;
    }

    /**
     * A table from a DHT segment's 16 counts and its symbols; IllegalArgumentException when the counts do not
     * make a prefix code. DC symbols must be 0..15 (libjpeg's check).
     */
    static JpegHuffman of(int[] counts, byte[] symbols, boolean ac) {
        if (!ac) {
            for (byte s : symbols) {
                if ((s & 0xff) > 15) {
                    throw new IllegalArgumentException("DC Huffman symbol " + (s & 0xff) + " is more than 15");
                }
            }
        }
        return new JpegHuffman(counts, symbols, ac);
    }

    private static int[] fastAc(int[] counts, byte[] symbols) {
        int bitsAhead = AC_LOOKAHEAD;
        int[] t = new int[1 << bitsAhead];
        int code = 0;
        int k = 0;
        for (int len = 1; len <= 16; len++) {
            for (int i = 0; i < counts[len]; i++, code++, k++) {
                if (len > bitsAhead) {
                    continue;
                }
                int rs = symbols[k] & 0xff;
                int run = rs >> 4;
                int size = rs & 15;
                if (size == 0 && run != 0 && run != 15) {
                    continue; // an end-of-band run (progressive): the ordinary path
                }
                if (len + size > bitsAhead) {
                    continue;
                }
                int free = bitsAhead - len - size;
                for (int extra = 0; extra < 1 << size; extra++) {
                    int value = size == 0 ? 0 : extend(extra, size);
                    int entry = value << 12 | run << 4 | (len + size);
                    int first = (code << size | extra) << free;
                    for (int j = 0; j < 1 << free; j++) {
                        t[first + j] = entry;
                    }
                }
            }
            code <<= 1;
        }
        return t;
    }

    /** JPEG's sign extension of {@code size} extra bits {@code v} (F.2.2.1). */
    static int extend(int v, int size) {
        return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
    }
}
