package dev.shufflespark.io.decode;

/**
 * One Huffman table of a JPEG (a DHT segment's table), ready for decoding: one lookup of the next
 * {@value #LOOKAHEAD} bits gives any code of at most that length (its length, its symbol, and the length of the
 * code with the extra bits that follow it); a longer code (up to 16 bits) takes a second lookup, of the 6 bits
 * after those, in a subtable of its prefix. Good tables make long codes rare.
 *
 * <p>An entry packs, from bit 0: the code's length plus the number of extra bits (5 bits; at most 16 + 15 = 31),
 * the symbol's size, its low nibble (4 bits), its run, the high nibble (4 bits), and the code's length (5 bits).
 * A DC symbol's run is 0. So a decoder that holds at least 31 bits takes a whole coefficient, code and value,
 * from one entry with no branch on its length.
 */
final class JpegHuffman {

    /**
     * Bits the first lookup looks at. At most 10: the decoder takes two coefficients from one fill of 56 bits,
     * the first of up to 16 + 15 bits, the second only when its code is in the first lookup (10 + 15).
     */
    static final int LOOKAHEAD = 10;

    /** Bits a subtable looks at: those of the longest codes after the first {@value #LOOKAHEAD}. */
    static final int SUBTABLE_BITS = 16 - LOOKAHEAD;

    /**
     * lookup[next LOOKAHEAD bits]: the entry of the code they start with; when that code is longer, minus the
     * index in lookup of the subtable of these bits, whose entries are indexed by the next
     * {@value #SUBTABLE_BITS} bits; 0 when no code starts with the bits looked at (corrupt data).
     */
    final int[] lookup;

    /**
     * Bits the {@link #fast} lookup looks at: more than {@link #LOOKAHEAD}, so that more of a camera photo's
     * coefficients (short codes with 4 to 7 extra bits) take the fast path; 13 was slower (a 32 kB table per AC
     * table). A fast entry takes at most this many bits, so a second coefficient after a first of up to
     * 16 + 15 bits still fits in one fill of 56.
     */
    static final int FAST_BITS = 12;

    /**
     * fast[next FAST_BITS bits]: when they hold a whole coefficient, a code of non-zero size and its extra bits,
     * its value (sign-extended) in bits 16-31, its run in bits 8-11 and the bits it takes (code and extra bits)
     * in bits 0-4; else 0 (a longer code or value, an end of block, a run of 16 zeros, or no code). The common
     * coefficient then costs one lookup and no arithmetic on the bits (libjpeg-turbo's and stb_image's fast AC
     * path).
     */
    final int[] fast;

    /** Bits a {@link #skipTable} entry looks at. */
    static final int SKIP_BITS = 13;

    /** A {@link #skipTable} entry's flag: its codes end with an end of block. */
    static final int SKIP_EOB = 1 << 13;

    /** The table of {@link #skipTable}, once made. */
    private char[] skip;

    private JpegHuffman(int[] counts, byte[] symbols, boolean withFast) throws IllegalArgumentException {
        // The prefixes of the codes longer than the first lookup, each of which gets a subtable.
        int[] subtable = new int[1 << LOOKAHEAD];
        int subtables = 0;
        int code = 0;
        for (int l = 1; l <= 16; l++) {
            int n = counts[l];
            code += n;
            if (code > 1 << l) {
                throw new IllegalArgumentException("Huffman codes of length " + l + " overflow");
            }
            if (l > LOOKAHEAD) {
                for (int c = code - n; c < code; c++) {
                    int prefix = c >>> (l - LOOKAHEAD);
                    if (subtable[prefix] == 0) {
                        subtable[prefix] = (1 << LOOKAHEAD) + (subtables++ << SUBTABLE_BITS);
                    }
                }
            }
            code <<= 1;
        }
        lookup = new int[(1 << LOOKAHEAD) + (subtables << SUBTABLE_BITS)];
        code = 0;
        int k = 0;
        for (int l = 1; l <= 16; l++) {
            for (int c = code; c < code + counts[l]; c++, k++) {
                int entry = entry(l, symbols[k] & 0xff);
                // A code fills every index of its table that starts with it.
                int first;
                int span;
                if (l <= LOOKAHEAD) {
                    first = c << (LOOKAHEAD - l);
                    span = 1 << (LOOKAHEAD - l);
                } else {
                    int prefix = c >>> (l - LOOKAHEAD);
                    int rest = c & ((1 << (l - LOOKAHEAD)) - 1);
                    lookup[prefix] = -subtable[prefix];
                    first = subtable[prefix] + (rest << (16 - l));
                    span = 1 << (16 - l);
                }
                for (int i = 0; i < span; i++) {
                    lookup[first + i] = entry;
                }
            }
            code = (code + counts[l]) << 1;
        }
        fast = new int[1 << FAST_BITS];
        for (int i = 0; withFast && i < fast.length; i++) {
            long top = (long) i << (64 - FAST_BITS);
            int e = entry(lookup, lookup[(int) (top >>> (64 - LOOKAHEAD))], top);
            if (e <= 0) {
                continue;
            }
            int l = codeLength(e);
            int s = symbol(e) & 15;
            if (s != 0 && l + s <= FAST_BITS) {
                int bits = (i >> (FAST_BITS - l - s)) & ((1 << s) - 1);
                fast[i] = extend(bits, s) << 16 | (symbol(e) >> 4) << 8 | (l + s);
            }
        }
    }

    /**
     * A table from a DHT segment's 16 counts and its symbols; IllegalArgumentException when the counts do not
     * make a prefix code. DC symbols must be 0..15 (libjpeg's check). Without {@code fast}, its {@link #fast}
     * table is all zeros: every coefficient then takes the general path (for tests).
     */
    static JpegHuffman of(int[] counts, byte[] symbols, boolean ac, boolean fast) {
        if (!ac) {
            for (byte s : symbols) {
                if ((s & 0xff) > 15) {
                    throw new IllegalArgumentException("DC Huffman symbol " + (s & 0xff) + " is more than 15");
                }
            }
        }
        return new JpegHuffman(counts, symbols, fast);
    }

    /**
     * The skip table of an AC table, made on first use: skip[next {@value #SKIP_BITS} bits] gives the whole
     * coefficients those bits hold (codes with their extra bits, runs of 16 zeros, up to and including an end of
     * block), so that a block whose coefficients are only skipped takes several in one lookup: the bits they take
     * in bits 0-4, how far they advance in the block (run + 1 each, 16 for a run of 16 zeros) in bits 5-12, and
     * {@link #SKIP_EOB} when they end with an end of block. 0 when the first code and its extra bits do not fit
     * (or no code starts there): the code lookup then takes it.
     */
    char[] skipTable() {
        char[] t = skip;
        if (t == null) {
            t = new char[1 << SKIP_BITS];
            int mask = (1 << SKIP_BITS) - 1;
            for (int i = 0; i < t.length; i++) {
                int used = 0;
                int advance = 0;
                int eob = 0;
                while (used < SKIP_BITS) {
                    // the bits not yet used, at the top of SKIP_BITS (zeros below: a code that reaches into them
                    // does not fit and is left to the code lookup)
                    long bits = (long) ((i << used) & mask) << (64 - SKIP_BITS);
                    int e = entry(lookup, lookup[(int) (bits >>> (64 - LOOKAHEAD))], bits);
                    if (e == 0 || total(e) > SKIP_BITS - used) {
                        break;
                    }
                    used += total(e);
                    int s = symbol(e);
                    if ((s & 15) != 0) {
                        advance += (s >> 4) + 1;
                    } else if (s >> 4 == 15) {
                        advance += 16;
                    } else {
                        eob = SKIP_EOB;
                        break;
                    }
                }
                t[i] = (char) (eob | advance << 5 | used);
            }
            skip = t;
        }
        return t;
    }

    /** The {@link #skipTable} when it has been made, else null. */
    char[] skip() {
        return skip;
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
     * The entry of the code at the top of {@code bits} (left-aligned, at least 16 valid bits), given what the
     * first lookup found there; 0 when no code matches (corrupt data).
     */
    static int entry(int[] lookup, int first, long bits) {
        return first >= 0 ? first : lookup[-first + ((int) (bits >>> (64 - 16)) & ((1 << SUBTABLE_BITS) - 1))];
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
