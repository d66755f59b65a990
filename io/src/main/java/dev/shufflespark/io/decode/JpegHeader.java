package dev.shufflespark.io.decode;

/**
 * What the markers before a JPEG's first scan say: the frame (size, precision, components, coding process),
 * the JFIF and Adobe markers that decide its colour space, and the EXIF orientation. Reads only the header
 * bytes; never decodes pixels.
 */
record JpegHeader(int width, int height, int precision, int components, int[] componentIds, int sofMarker,
                  boolean jfif, int adobeTransform, int orientation) {

    /** No Adobe APP14 marker. */
    static final int NO_ADOBE = -1;

    /** The colour space libjpeg (and so Pillow) assumes for the decoded components. */
    enum ColourSpace { GRAY, YCBCR, RGB, CMYK, YCCK, UNKNOWN }

    /** libjpeg's default_decompress_parms, which Pillow relies on. */
    ColourSpace colourSpace() {
        return colourSpace(components, jfif, adobeTransform, componentIds);
    }

    /** The colour space of a frame of {@code components} with these markers and component ids. */
    static ColourSpace colourSpace(int components, boolean jfif, int adobeTransform, int[] componentIds) {
        switch (components) {
            case 1:
                return ColourSpace.GRAY;
            case 3:
                if (jfif) {
                    return ColourSpace.YCBCR;
                }
                if (adobeTransform != NO_ADOBE) {
                    return adobeTransform == 0 ? ColourSpace.RGB : ColourSpace.YCBCR;
                }
                if (componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B') {
                    return ColourSpace.RGB;
                }
                return ColourSpace.YCBCR;
            case 4:
                return adobeTransform == 2 ? ColourSpace.YCCK : ColourSpace.CMYK;
            default:
                return ColourSpace.UNKNOWN;
        }
    }

    boolean adobe() {
        return adobeTransform != NO_ADOBE;
    }

    /** Arithmetic coding, hierarchical (differential) and 12/16-bit precision are beyond the JDK's decoder. */
    String unsupportedVariant() {
        if (sofMarker >= 0xC9 && sofMarker <= 0xCB || sofMarker >= 0xCD && sofMarker <= 0xCF) {
            return "arithmetic-coded JPEG (SOF" + (sofMarker - 0xC0) + ")";
        }
        if (sofMarker >= 0xC5 && sofMarker <= 0xC7) {
            return "hierarchical JPEG (SOF" + (sofMarker - 0xC0) + ")";
        }
        if (precision != 8 && sofMarker != 0xC3) {
            return precision + "-bit JPEG";
        }
        return null;
    }

    /**
     * Parses the markers from SOI to the first SOS (or to the end of the data).
     *
     * @throws ImageException TRUNCATED when the data ends before a frame header, CORRUPT when the marker
     *         structure is broken
     */
    static JpegHeader parse(byte[] b, int off, int len, String name) throws ImageException {
        int end = off + len;
        int p = off + 2; // after SOI
        boolean jfif = false;
        int adobe = NO_ADOBE;
        int orientation = 1;
        int width = -1, height = -1, precision = -1, components = -1, sof = -1;
        int[] ids = new int[0];
        while (true) {
            // Markers may be padded with any number of 0xFF bytes.
            if (p >= end) {
                break;
            }
            if ((b[p] & 0xff) != 0xFF) {
                throw new ImageException(Reason.CORRUPT, name + ": broken JPEG marker structure at byte " + (p - off));
            }
            while (p < end && (b[p] & 0xff) == 0xFF) {
                p++;
            }
            if (p >= end) {
                break;
            }
            int marker = b[p++] & 0xff;
            if (marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01) {
                continue; // no length
            }
            if (marker == 0xD9) {
                break; // EOI before any scan
            }
            if (p + 2 > end) {
                break;
            }
            int segment = u16(b, p);
            if (segment < 2) {
                throw new ImageException(Reason.CORRUPT, name + ": JPEG segment length " + segment + " at byte " + (p - off));
            }
            int data = p + 2;
            int dataLen = Math.min(segment - 2, end - data);
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                if (dataLen < 6) {
                    break;
                }
                sof = marker;
                precision = b[data] & 0xff;
                height = u16(b, data + 1);
                width = u16(b, data + 3);
                components = b[data + 5] & 0xff;
                ids = new int[components];
                for (int i = 0; i < components && 6 + i * 3 < dataLen; i++) {
                    ids[i] = b[data + 6 + i * 3] & 0xff;
                }
            } else if (marker == 0xE0 && dataLen >= 5 && ascii(b, data, "JFIF\0")) {
                jfif = true;
            } else if (marker == 0xE1 && dataLen >= 6 && ascii(b, data, "Exif\0")) {
                if (orientation == 1) {
                    orientation = Exif.orientation(b, data + 6, dataLen - 6);
                }
            } else if (marker == 0xEE && dataLen >= 12 && ascii(b, data, "Adobe")) {
                adobe = b[data + 11] & 0xff;
            } else if (marker == 0xDA) {
                break; // the first scan: everything we need comes before it
            }
            p = data + segment - 2;
        }
        if (sof < 0) {
            if (p >= end) {
                throw new ImageException(Reason.TRUNCATED, name + ": JPEG data ends before the frame header");
            }
            throw new ImageException(Reason.CORRUPT, name + ": JPEG without a frame header");
        }
        return new JpegHeader(width, height, precision, components, ids, sof, jfif, adobe, orientation);
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xff) << 8 | (b[p + 1] & 0xff);
    }

    private static boolean ascii(byte[] b, int p, String s) {
        for (int i = 0; i < s.length(); i++) {
            if ((b[p + i] & 0xff) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
