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
    /**
     * fastAc[next 9 bits]: {@code value << 12 | run << 4 | length} when a non-zero AC coefficient's code and its
     * extra bits fit in 9 bits (value is the signed coefficient, never 0), else 0.
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
        fastAc = ac ? fastAc(fast) : null;
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

    private static int[] fastAc(int[] fast) {
        int[] t = new int[fast.length];
        for (int look = 0; look < fast.length; look++) {
            int f = fast[look];
            if (f == 0) {
                continue;
            }
            int len = f >>> 8;
            int rs = f & 0xff;
            int run = rs >> 4;
            int size = rs & 15;
            if (size == 0 || len + size > LOOKAHEAD) {
                continue; // EOB, ZRL or too long: the ordinary path
            }
            int extra = (look >> (LOOKAHEAD - len - size)) & ((1 << size) - 1);
            int value = extend(extra, size);
            t[look] = value << 12 | run << 4 | (len + size);
        }
        return t;
    }

    /** JPEG's sign extension of {@code size} extra bits {@code v} (F.2.2.1). */
    static int extend(int v, int size) {
        return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
    }
}
