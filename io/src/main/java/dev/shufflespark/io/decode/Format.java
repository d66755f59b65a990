package dev.shufflespark.io.decode;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The image formats we decode, recognised by their leading bytes (never by the file name), and the names of
 * image formats that we recognise but do not decode.
 */
public enum Format {
    JPEG("jpeg"),
    PNG("png"),
    GIF("gif"),
    BMP("bmp"),
    WEBP("webp"),
    TIFF("tiff");

    private final String imageIoName;

    Format(String imageIoName) {
        this.imageIoName = imageIoName;
    }

    /** The format name {@code javax.imageio} registers readers under. */
    public String imageIoName() {
        return imageIoName;
    }

    /** Bytes needed to tell every format here (and the unsupported ones) apart. */
    static final int SNIFF_BYTES = 32;

    /** The format of an encoded image, or null when the bytes start like none of ours. */
    public static Format sniff(byte[] b, int off, int len) {
        if (starts(b, off, len, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (starts(b, off, len, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (ascii(b, off, len, 0, "GIF87a") || ascii(b, off, len, 0, "GIF89a")) {
            return GIF;
        }
        if (ascii(b, off, len, 0, "BM") && len >= 18) {
            // BITMAPFILEHEADER (14 bytes) then the info header's size: 12, 40, 52, 56, 64, 108 or 124.
            int infoSize = (b[off + 14] & 0xff) | (b[off + 15] & 0xff) << 8 | (b[off + 16] & 0xff) << 16
                    | (b[off + 17] & 0xff) << 24;
            if (infoSize == 12 || infoSize == 40 || infoSize == 52 || infoSize == 56 || infoSize == 64
                    || infoSize == 108 || infoSize == 124) {
                return BMP;
            }
        }
        if (ascii(b, off, len, 0, "RIFF") && ascii(b, off, len, 8, "WEBP")) {
            return WEBP;
        }
        if (starts(b, off, len, 'I', 'I', 42, 0) || starts(b, off, len, 'M', 'M', 0, 42)) {
            return TIFF;
        }
        return null;
    }

    /**
     * The name of an image format that we recognise but do not decode, or null. Only formats with an
     * unambiguous signature are named, so that a random file is never called an image.
     */
    static String sniffUnsupported(byte[] b, int off, int len) {
        if (len >= 12 && ascii(b, off, len, 4, "ftyp")) {
            String brand = new String(b, off + 8, 4, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            switch (brand) {
                case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
                    return "HEIF/HEIC";
                case "avif", "avis":
                    return "AVIF";
                case "jxl ":
                    return "JPEG XL";
                case "crx ":
                    return "Canon CR3 raw";
                default:
                    return null; // an MP4 or QuickTime video, most likely: not an image
            }
        }
        if (starts(b, off, len, 0, 0, 0, 0x0C, 'j', 'P', ' ', ' ') || starts(b, off, len, 0xFF, 0x4F, 0xFF, 0x51)) {
            return "JPEG 2000";
        }
        if (starts(b, off, len, 0xFF, 0x0A) || starts(b, off, len, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ')) {
            return "JPEG XL";
        }
        if (ascii(b, off, len, 0, "8BPS")) {
            return "Photoshop PSD";
        }
        if (starts(b, off, len, 0, 0, 1, 0) && len >= 6 && b[off + 4] != 0 && b[off + 5] == 0) {
            return "ICO";
        }
        if (ascii(b, off, len, 0, "qoif")) {
            return "QOI";
        }
        if (starts(b, off, len, 0x76, 0x2F, 0x31, 0x01)) {
            return "OpenEXR";
        }
        if (ascii(b, off, len, 0, "DDS ")) {
            return "DirectDraw Surface";
        }
        if (ascii(b, off, len, 0, "%PDF")) {
            return "PDF";
        }
        if (starts(b, off, len, 'I', 'I', 0x55, 0) || ascii(b, off, len, 0, "IIRO")) {
            return "camera raw";
        }
        String head = new String(b, off, Math.min(len, 256), StandardCharsets.ISO_8859_1).stripLeading();
        if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.contains("<svg"))) {
            return "SVG";
        }
        return null;
    }

    /** True when the bytes are a proper prefix of a signature of ours: a file cut short in its first bytes. */
    static boolean isSignaturePrefix(byte[] b, int off, int len) {
        if (len == 0 || len >= 8) {
            return false;
        }
        int[][] signatures = {
            {0xFF, 0xD8, 0xFF}, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, {'G', 'I', 'F', '8'},
            {'R', 'I', 'F', 'F'}
        };
        for (int[] s : signatures) {
            if (len < s.length) {
                boolean match = true;
                for (int i = 0; i < len && match; i++) {
                    match = (b[off + i] & 0xff) == s[i];
                }
                if (match) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean starts(byte[] b, int off, int len, int... signature) {
        if (len < signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if ((b[off + i] & 0xff) != signature[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(byte[] b, int off, int len, int at, String s) {
        if (len < at + s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if ((b[off + at + i] & 0xff) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
