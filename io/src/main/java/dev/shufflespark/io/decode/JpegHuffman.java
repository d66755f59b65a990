package dev.shufflespark.io.decode;

/**
 * One Huffman table of a JPEG (a DHT segment's table), ready for decoding: a lookahead table that decodes any
 * code of at most {@value #LOOKAHEAD} bits in one lookup (its length, its symbol, and the length of the code
 * with the extra bits that follow it), and libjpeg's {@code maxcode}/{@code valoffset} arrays for the longer
 * codes, which good tables make rare.
 *
 * <p>An entry ({@link #lookup} or {@link #slowEntry}) packs, from bit 0: the code's length plus the number of
 * extra bits (5 bits; at most 16 + 15 = 31), the symbol's size, its low nibble (4 bits), its run, the high
 * nibble (4 bits), and the code's length (5 bits). A DC symbol's run is 0. So a decoder that holds at least 31
 * bits takes a whole coefficient, code and value, with one lookup and no branch on its length.
 */
final class JpegHuffman {

    /**
     * Bits the lookahead table looks at. At most 10: the decoder takes two coefficients from one fill of 56 bits,
     * the first of up to 16 + 15 bits, the second only when its code is in the lookahead (10 + 15).
     */
    static final int LOOKAHEAD = 10;

    /** lookup[next LOOKAHEAD bits]: the entry of the code they start with, or 0 when it is longer. */
    final int[] lookup = new int[1 << LOOKAHEAD];
    /** maxcode[l]: the largest code of length l, -1 when there is none. */
    final int[] maxcode = new int[18];
    /** symbols[valoffset[l] + code] is the symbol of a code of length l. */
    final int[] valoffset = new int[18];
    final byte[] symbols;

    private JpegHuffman(int[] counts, byte[] symbols) throws IllegalArgumentException {
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
                // A code that fits the lookahead fills every index that starts with it.
                if (l <= LOOKAHEAD) {
                    int shift = LOOKAHEAD - l;
                    for (int c = code - n; c < code; c++, k++) {
                        int entry = entry(l, symbols[k] & 0xff);
                        int first = c << shift;
                        for (int i = 0; i < 1 << shift; i++) {
                            lookup[first + i] = entry;
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
        return new JpegHuffman(counts, symbols);
    }

    /** The packed entry of a code of {@code length} bits for {@code symbol} (run << 4 | size). */
    static int entry(int length, int symbol) {
        return length << 13 | symbol << 5 | (length + (symbol & 15));
    }

    /** Code length plus extra bits: what taking the coefficient consumes. */
    static int total(int entry) {
        return entry & 31;
    }

    /** The symbol: run << 4 | size. */
    static int symbol(int entry) {
        return (entry >> 5) & 0xff;
    }

    /** The code's own length. */
    static int codeLength(int entry) {
        return entry >>> 13;
    }

    /**
     * The entry of the code at the top of {@code bits} (left-aligned, at least 16 valid bits) when it is
     * longer than the lookahead; -1 when no code of any length matches (corrupt data).
     */
    int slowEntry(long bits) {
        int code = (int) (bits >>> 48);
        for (int l = LOOKAHEAD + 1; l <= 16; l++) {
            int c = code >>> (16 - l);
            if (c <= maxcode[l]) {
                int i = valoffset[l] + c;
                if (i < 0 || i >= symbols.length) {
                    return -1;
                }
                return entry(l, symbols[i] & 0xff);
            }
        }
        return -1;
    }

    /** JPEG's sign extension of {@code size} extra bits {@code v} (F.2.2.1). */
    static int extend(int v, int size) {
        return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
    }

    /**
     * {@link #extend} without a branch: {@code v} when its top bit (of {@code size}) is set, else
     * {@code v - 2^size + 1}; 0 for size 0 (v is then 0).
     */
    static int extendBranchless(int v, int size) {
        return v + ((v - (1 << (size - 1))) >> 31 & (1 - (1 << size)));
    }
}
