package dev.shufflespark.io.decode;

/**
 * The EXIF orientation tag (0x0112), read from the TIFF structure of an EXIF block, and found in the
 * containers that carry one: JPEG APP1 (see {@link JpegHeader}), PNG eXIf chunks and WebP EXIF chunks.
 * Anything unreadable means orientation 1 (as stored): a broken EXIF block never fails an image.
 */
final class Exif {

    private static final int ORIENTATION_TAG = 0x0112;

    private Exif() {
    }

    /** The orientation (1..8) in a TIFF-structured EXIF block starting at {@code b[off]}, or 1. */
    static int orientation(byte[] b, int off, int len) {
        if (len < 8) {
            return 1;
        }
        boolean little;
        if (b[off] == 'I' && b[off + 1] == 'I') {
            little = true;
        } else if (b[off] == 'M' && b[off + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, off + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(b, off + 4, little);
        if (ifd < 8 || ifd + 2 > len) {
            return 1;
        }
        int p = off + (int) ifd;
        int entries = u16(b, p, little);
        p += 2;
        for (int i = 0; i < entries && p + 12 <= off + len; i++, p += 12) {
            if (u16(b, p, little) == ORIENTATION_TAG) {
                int type = u16(b, p + 2, little);
                int value = type == 3 ? u16(b, p + 8, little) : type == 4 ? (int) u32(b, p + 8, little) : 0;
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    /** The orientation from a PNG's eXIf chunk (before IDAT, or anywhere before IEND), or 1. */
    static int pngOrientation(byte[] b, int off, int len) {
        int p = off + 8;
        int end = off + len;
        while (p + 8 <= end) {
            long length = u32(b, p, false);
            if (length > end - p - 8) {
                return 1;
            }
            int type = (int) u32(b, p + 4, false);
            if (type == 0x65584966) { // "eXIf"
                return orientation(b, p + 8, (int) length);
            }
            if (type == 0x49454E44) { // "IEND"
                return 1;
            }
            p += 12 + (int) length;
        }
        return 1;
    }

    /** The orientation from a WebP's EXIF chunk (extended format), or 1. */
    static int webpOrientation(byte[] b, int off, int len) {
        int p = off + 12;
        int end = off + len;
        while (p + 8 <= end) {
            long size = u32(b, p + 4, true);
            if (size > end - p - 8) {
                return 1;
            }
            if (b[p] == 'E' && b[p + 1] == 'X' && b[p + 2] == 'I' && b[p + 3] == 'F') {
                int q = p + 8;
                int n = (int) size;
                // Some writers keep the JPEG-style "Exif\0\0" prefix.
                if (n >= 6 && b[q] == 'E' && b[q + 1] == 'x' && b[q + 2] == 'i' && b[q + 3] == 'f') {
                    q += 6;
                    n -= 6;
                }
                return orientation(b, q, n);
            }
            p += 8 + (int) ((size + 1) & ~1L);
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        return little ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 : (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    private static long u32(byte[] b, int p, boolean little) {
        long v = little
                ? (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (long) (b[p + 3] & 0xff) << 24
                : (long) (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
        return v & 0xffffffffL;
    }
}
