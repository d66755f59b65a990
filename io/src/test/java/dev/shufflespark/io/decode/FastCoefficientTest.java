package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast coefficient tables ({@link JpegHuffman#fast}: a code and its extra bits resolved by one lookup) against
 * the general path they short-cut: every entry of JPEG's example tables and of random prefix codes, and whole
 * decodes, bit for bit those of a decoder without the fast tables, at every scale.
 */
class FastCoefficientTest {

    // Annex K.3: the example luminance and chrominance tables (counts of lengths 1..16, then symbols).
    private static final int[] DC_LUMA_COUNTS = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    private static final int[] DC_CHROMA_COUNTS = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    private static final int[] AC_LUMA_COUNTS = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
    private static final int[] AC_LUMA_SYMBOLS = {
        0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
        0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
        0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
        0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
        0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
        0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
        0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
        0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
        0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
        0xf9, 0xfa,
    };

    @Test
    void everyFastEntryIsTheCodeWithItsExtraBits() {
        checkTable(counts(DC_LUMA_COUNTS), symbols(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), false);
        checkTable(counts(DC_CHROMA_COUNTS), symbols(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), false);
        checkTable(counts(AC_LUMA_COUNTS), symbols(AC_LUMA_SYMBOLS), true);
        Random random = new Random(11);
        int fastEntries = 0;
        for (int t = 0; t < 500; t++) {
            boolean ac = t % 2 == 1;
            int[] counts = new int[17];
            int code = 0;
            int total = 0;
            int max = ac ? 256 : 16;
            for (int l = 1; l <= 16; l++) {
                // leave one code of each length unused (JPEG's all-ones rule) and stay a prefix code
                int room = (1 << l) - code - 1;
                int n = room <= 0 ? 0 : random.nextInt(Math.min(room, max - total) + 1);
                if (random.nextInt(3) == 0) {
                    n = 0;
                }
                counts[l] = n;
                total += n;
                code = (code + n) << 1;
            }
            List<Integer> pool = new ArrayList<>();
            for (int s = 0; s < max; s++) {
                pool.add(s);
            }
            java.util.Collections.shuffle(pool, random);
            byte[] symbols = new byte[total];
            for (int i = 0; i < total; i++) {
                symbols[i] = (byte) (int) pool.get(i);
            }
            fastEntries += checkTable(counts, symbols, ac);
        }
        assertTrue(fastEntries > 50_000, "fast entries checked: " + fastEntries);
    }

    /** Checks every entry of the table's fast lookup against its code lookup; returns how many are fast. */
    private static int checkTable(int[] counts, byte[] symbols, boolean ac) {
        JpegHuffman h = JpegHuffman.of(counts, symbols, ac, true);
        JpegHuffman none = JpegHuffman.of(counts, symbols, ac, false);
        assertArrayEquals(h.lookup, none.lookup);
        int found = 0;
        int fastBits = JpegHuffman.FAST_BITS;
        assertEquals(1 << fastBits, h.fast.length);
        for (int i = 0; i < 1 << fastBits; i++) {
            assertEquals(0, none.fast[i]);
            // the code these bits start with, found one code at a time (zeros after the fast lookup's bits)
            long top = (long) i << (64 - fastBits);
            int e = JpegHuffman.entry(h.lookup, h.lookup[(int) (top >>> (64 - JpegHuffman.LOOKAHEAD))], top);
            int f = h.fast[i];
            int l = e > 0 ? JpegHuffman.codeLength(e) : 99;
            int size = e > 0 ? JpegHuffman.symbol(e) & 15 : 0;
            boolean fits = e > 0 && size != 0 && l + size <= fastBits;
            assertEquals(fits, f != 0, "entry " + i);
            if (fits) {
                int bits = (i >> (fastBits - l - size)) & ((1 << size) - 1);
                assertEquals(JpegHuffman.extend(bits, size), f >> 16, "value of entry " + i);
                assertEquals(JpegHuffman.symbol(e) >> 4, (f >> 8) & 15, "run of entry " + i);
                assertEquals(l + size, f & 31, "bits of entry " + i);
                assertEquals(JpegHuffman.total(e), f & 31, "bits of entry " + i);
                assertEquals(0, f & 0xf0e0, "unused bits of entry " + i);
                found++;
            }
        }
        return found;
    }

    /**
     * Every entry of the skip tables of JPEG's example AC table and of random prefix codes against the codes it
     * stands for, taken one at a time: the bits and the advance of the whole coefficients in its bits, ending at
     * an end of block or before the first that does not fit.
     */
    @Test
    void everySkipEntryIsTheCoefficientsItsBitsHold() {
        int groups = checkSkipTable(counts(AC_LUMA_COUNTS), symbols(AC_LUMA_SYMBOLS));
        Random random = new Random(12);
        for (int t = 0; t < 200; t++) {
            int[] counts = new int[17];
            int code = 0;
            int total = 0;
            for (int l = 1; l <= 16; l++) {
                int room = (1 << l) - code - 1;
                int n = room <= 0 ? 0 : random.nextInt(Math.min(room, 256 - total) + 1);
                if (random.nextInt(3) == 0) {
                    n = 0;
                }
                counts[l] = n;
                total += n;
                code = (code + n) << 1;
            }
            byte[] symbols = new byte[total];
            for (int i = 0; i < total; i++) {
                // mostly real AC symbols, with end of block and runs of 16 zeros among them
                int r = random.nextInt(10);
                symbols[i] = (byte) (r == 0 ? 0x00 : r == 1 ? 0xf0 : random.nextInt(16) << 4 | 1 + random.nextInt(10));
            }
            groups += checkSkipTable(counts, symbols);
        }
        assertTrue(groups > 10_000, "entries of two or more codes checked: " + groups);
    }

    /** Checks every entry of the table's skip table by decoding its bits one code at a time; returns how many
     * entries hold two or more codes. */
    private static int checkSkipTable(int[] counts, byte[] symbols) {
        JpegHuffman h = JpegHuffman.of(counts, symbols, true, true);
        char[] skip = h.skipTable();
        assertEquals(1 << JpegHuffman.SKIP_BITS, skip.length);
        int groups = 0;
        for (int i = 0; i < skip.length; i++) {
            long bits = (long) i << (64 - JpegHuffman.SKIP_BITS);
            int used = 0;
            int advance = 0;
            int codes = 0;
            boolean eob = false;
            while (true) {
                long b = bits << used;
                int e = JpegHuffman.entry(h.lookup, h.lookup[(int) (b >>> (64 - JpegHuffman.LOOKAHEAD))], b);
                if (e == 0 || used + JpegHuffman.total(e) > JpegHuffman.SKIP_BITS) {
                    break;
                }
                used += JpegHuffman.total(e);
                codes++;
                int r = JpegHuffman.symbol(e) >> 4;
                int size = JpegHuffman.symbol(e) & 15;
                if (size == 0 && r != 15) {
                    eob = true;
                    break;
                }
                advance += size == 0 ? 16 : r + 1;
            }
            int g = skip[i];
            assertEquals(used, g & 31, "bits of skip entry " + i);
            assertEquals(advance, (g >> 5) & 0xff, "advance of skip entry " + i);
            assertEquals(eob, (g & JpegHuffman.SKIP_EOB) != 0, "end of block of skip entry " + i);
            assertEquals(0, g & ~(JpegHuffman.SKIP_EOB | 0x1fff), "unused bits of skip entry " + i);
            if (codes >= 2) {
                groups++;
            }
        }
        return groups;
    }

    @Test
    void decodesAreBitForBitThoseWithoutTheFastTables() throws ImageException {
        List<byte[]> files = new ArrayList<>();
        for (String[] r : Fixtures.manifest("jpeg/manifest.tsv")) {
            if (!r[0].equals("arithmetic.jpg")) {
                files.add(Fixtures.bytes("jpeg/" + r[0]));
            }
        }
        files.add(Images.sample("rocket.jpg"));
        for (String sample : new String[] {"astronaut.png", "chelsea.png", "coffee.png"}) {
            files.add(Images.photo(sample, 500, 375, 1, 0.9f));
            files.add(Images.photo(sample, 1203, 917, 2, 1.0f));
        }
        files.add(Images.photo("chelsea.png", 2000, 1500, 3, 0.9f));
        files.add(Images.photo("coffee.png", 997, 751, 4, 0.5f));
        JpegDecoder fast = new JpegDecoder();
        // at 1/8 every block's AC codes are skipped: with the skip tables on every image
        JpegDecoder skipping = JpegDecoder.withSkipTablesFrom(0);
        JpegDecoder general = new JpegDecoder(false);
        int images = 0;
        for (byte[] file : files) {
            for (int shift = 0; shift <= 3; shift++) {
                byte[] expected = general.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE).toRgb().pixels();
                byte[] actual = fast.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE).toRgb().pixels();
                int s = shift;
                assertArrayEquals(expected, actual, () -> "file " + files.indexOf(file) + ", scale 1/" + (1 << s));
                actual = skipping.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE).toRgb().pixels();
                assertArrayEquals(expected, actual,
                        () -> "file " + files.indexOf(file) + ", scale 1/" + (1 << s) + ", skip tables");
                images++;
            }
        }
        assertEquals(4 * files.size(), images);
    }

    private static int[] counts(int[] sixteen) {
        int[] counts = new int[17];
        System.arraycopy(sixteen, 0, counts, 1, 16);
        return counts;
    }

    private static byte[] symbols(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
