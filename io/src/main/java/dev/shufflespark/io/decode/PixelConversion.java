package dev.shufflespark.io.decode;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Decoded pixels to 8-bit RGB the way Pillow's {@code convert("RGB")} does it, so that a model sees what it
 * was trained on (torchvision's loaders call exactly that):
 * <ul>
 *   <li>alpha is dropped, not composited;</li>
 *   <li>grey is copied to R, G and B; 1-, 2- and 4-bit grey is scaled to 0..255;</li>
 *   <li>a palette gives its colours;</li>
 *   <li>16-bit RGB(A) and grey with alpha keep the high byte; 16-bit grey without alpha is clipped to
 *       0..255 (Pillow opens it as a 32-bit integer image and clips when converting);</li>
 *   <li>colour profiles are ignored; JPEG YCbCr and CMYK are converted with libjpeg's and Pillow's integer
 *       formulas;</li>
 *   <li>anything else goes through Java's own colour conversion ({@code getRGB}).</li>
 * </ul>
 */
final class PixelConversion {

    private PixelConversion() {
    }

    /** Any decoded image to packed RGB. */
    static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int bands = raster.getNumBands();
        int transfer = raster.getTransferType();
        if (cm instanceof IndexColorModel icm && bands == 1) {
            palette(raster, icm, w, h, rgb);
        } else if (cm instanceof ComponentColorModel) {
            ColorSpace cs = cm.getColorSpace();
            boolean gray = cs.getType() == ColorSpace.TYPE_GRAY;
            boolean rgbSpace = cs.getType() == ColorSpace.TYPE_RGB;
            int colourBands = cm.getNumColorComponents();
            if (transfer == DataBuffer.TYPE_BYTE && gray && colourBands == 1) {
                int bits = cm.getComponentSize(0);
                if (bits == 8) {
                    interleavedBytes(raster, w, h, 0, 0, 0, rgb);
                } else {
                    scaledGray(raster, w, h, bits, rgb);
                }
            } else if (transfer == DataBuffer.TYPE_BYTE && rgbSpace && colourBands == 3) {
                interleavedBytes(raster, w, h, 0, 1, 2, rgb);
            } else if (transfer == DataBuffer.TYPE_USHORT && gray && colourBands == 1) {
                if (bands == 1) {
                    ushortGrayClipped(raster, w, h, rgb);
                } else {
                    ushortHighByte(raster, w, h, 0, 0, 0, rgb);
                }
            } else if (transfer == DataBuffer.TYPE_USHORT && rgbSpace && colourBands == 3) {
                ushortHighByte(raster, w, h, 0, 1, 2, rgb);
            } else {
                viaGetRgb(image, w, h, rgb);
            }
        } else {
            viaGetRgb(image, w, h, rgb);
        }
        return new RgbImage(w, h, rgb);
    }

    /** A raw JPEG raster (as libjpeg outputs it, before colour conversion) to RGB. */
    static RgbImage jpegToRgb(Raster raster, JpegHeader.ColourSpace space, boolean adobe) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        switch (space) {
            case GRAY -> interleavedBytes(raster, w, h, 0, 0, 0, rgb);
            case RGB -> interleavedBytes(raster, w, h, 0, 1, 2, rgb);
            case YCBCR -> ycbcr(raster, w, h, rgb);
            case CMYK -> cmyk(raster, w, h, adobe, rgb);
            default -> throw new IllegalArgumentException("no raw conversion for " + space);
        }
        return new RgbImage(w, h, rgb);
    }

    // --- libjpeg's YCbCr to RGB (jdcolor.c): 16-bit fixed point tables, the same in libjpeg-turbo ---------

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private static int fix(double x) {
        return (int) (x * (1 << SCALEBITS) + 0.5);
    }

    private static void ycbcr(Raster raster, int w, int h, byte[] rgb) {
        Layout l = Layout.of(raster);
        byte[] src = l.bytes;
        int stride = l.pixelStride;
        int yOff = l.band[0], cbOff = l.band[1], crOff = l.band[2];
        int[] crR = CR_R, cbB = CB_B, crG = CR_G, cbG = CB_G;
        byte[] clip = CLIP;
        for (int y = 0; y < h; y++) {
            int p = l.rowStart(y);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, p += stride, o += 3) {
                int luma = (src[p + yOff] & 0xff) + CLIP_OFFSET;
                int cb = src[p + cbOff] & 0xff;
                int cr = src[p + crOff] & 0xff;
                rgb[o] = clip[luma + crR[cr]];
                rgb[o + 1] = clip[luma + ((cbG[cb] + crG[cr]) >> SCALEBITS)];
                rgb[o + 2] = clip[luma + cbB[cb]];
            }
        }
    }

    /** One row of {@code n} YCbCr samples (three planes) to packed RGB at {@code rgb[o]}. */
    static void ycbcrRow(byte[] ys, int yOff, byte[] cbs, int cbOff, byte[] crs, int crOff, byte[] rgb, int o, int n) {
        int[] crR = CR_R, cbB = CB_B, crG = CR_G, cbG = CB_G;
        byte[] clip = CLIP;
        for (int x = 0; x < n; x++, o += 3) {
            int luma = (ys[yOff + x] & 0xff) + CLIP_OFFSET;
            int cb = cbs[cbOff + x] & 0xff;
            int cr = crs[crOff + x] & 0xff;
            rgb[o] = clip[luma + crR[cr]];
            rgb[o + 1] = clip[luma + ((cbG[cb] + crG[cr]) >> SCALEBITS)];
            rgb[o + 2] = clip[luma + cbB[cb]];
        }
    }

    /**
     * {@link #ycbcrRow} into three planes: sample {@code i} of the row to {@code r[at + i]}, {@code g[at + i]},
     * {@code b[at + i]}.
     */
    static void ycbcrPlanes(byte[] ys, int yOff, byte[] cbs, int cbOff, byte[] crs, int crOff, byte[] r, byte[] g,
                            byte[] b, int at, int n) {
        int[] crR = CR_R, cbB = CB_B, crG = CR_G, cbG = CB_G;
        byte[] clip = CLIP;
        for (int x = 0; x < n; x++) {
            int luma = (ys[yOff + x] & 0xff) + CLIP_OFFSET;
            int cb = cbs[cbOff + x] & 0xff;
            int cr = crs[crOff + x] & 0xff;
            r[at + x] = clip[luma + crR[cr]];
            g[at + x] = clip[luma + ((cbG[cb] + crG[cr]) >> SCALEBITS)];
            b[at + x] = clip[luma + cbB[cb]];
        }
    }

    /** libjpeg's {@code jdcolor.c} factors in 16-bit fixed point: Cr to R, Cb to B, Cr and Cb to G. */
    static final int CR_R_FACTOR = fix(1.40200);
    static final int CB_B_FACTOR = fix(1.77200);
    static final int CR_G_FACTOR = fix(0.71414);
    static final int CB_G_FACTOR = fix(0.34414);

    /** libjpeg's {@code ycck_cmyk_convert} for the first three planes: 255 - RGB, clamped, into out[0..2]. */
    static void ycbcrToInvertedRow(byte[] ys, int yOff, byte[] cbs, int cbOff, byte[] crs, int crOff, byte[][] out,
                                   int n) {
        int[] crR = CR_R, cbB = CB_B, crG = CR_G, cbG = CB_G;
        byte[] clip = CLIP;
        for (int x = 0; x < n; x++) {
            int luma = ys[yOff + x] & 0xff;
            int cb = cbs[cbOff + x] & 0xff;
            int cr = crs[crOff + x] & 0xff;
            out[0][x] = clip[CLIP_OFFSET + 255 - (luma + crR[cr])];
            out[1][x] = clip[CLIP_OFFSET + 255 - (luma + ((cbG[cb] + crG[cr]) >> SCALEBITS))];
            out[2][x] = clip[CLIP_OFFSET + 255 - (luma + cbB[cb])];
        }
    }

    /** One row of {@code n} CMYK samples (four planes) to packed RGB as Pillow does it; see {@link #cmyk}. */
    static void cmykRow(byte[][] planes, int[] offs, boolean inverted, byte[] rgb, int o, int n) {
        int flip = inverted ? 255 : 0;
        byte[] k = planes[3];
        int kOff = offs[3];
        for (int x = 0; x < n; x++, o += 3) {
            int nk = 255 - ((k[kOff + x] & 0xff) ^ flip);
            for (int c = 0; c < 3; c++) {
                int v = (planes[c][offs[c] + x] & 0xff) ^ flip;
                int t = v * nk + 128;
                rgb[o + c] = clip(nk - (((t >> 8) + t) >> 8));
            }
        }
    }

    /** libjpeg's range_limit: CLIP[v + CLIP_OFFSET] is v clamped to 0..255, for v in -512..767. */
    private static final int CLIP_OFFSET = 512;
    private static final byte[] CLIP = new byte[1280];

    static {
        for (int i = 0; i < CLIP.length; i++) {
            CLIP[i] = clip(i - CLIP_OFFSET);
        }
    }

    /**
     * Pillow's CMYK to RGB ({@code cmyk2rgb}: {@code R = (255 - K) - (C x (255 - K) / 255)}). JPEGs with an
     * Adobe marker store CMYK inverted (Photoshop's convention), and Pillow inverts them back.
     */
    private static void cmyk(Raster raster, int w, int h, boolean inverted, byte[] rgb) {
        Layout l = Layout.of(raster);
        int flip = inverted ? 255 : 0;
        for (int y = 0; y < h; y++) {
            int p = l.rowStart(y);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, p += l.pixelStride, o += 3) {
                int nk = 255 - ((l.bytes[p + l.band[3]] & 0xff) ^ flip);
                for (int c = 0; c < 3; c++) {
                    int v = (l.bytes[p + l.band[c]] & 0xff) ^ flip;
                    int t = v * nk + 128;
                    rgb[o + c] = clip(nk - (((t >> 8) + t) >> 8));
                }
            }
        }
    }

    private static byte clip(int v) {
        return (byte) (v < 0 ? 0 : v > 255 ? 255 : v);
    }

    // --- copies ------------------------------------------------------------------------------------------

    private static void interleavedBytes(Raster raster, int w, int h, int rBand, int gBand, int bBand, byte[] rgb) {
        Layout l = Layout.of(raster);
        int r = l.band[rBand], g = l.band[gBand], b = l.band[bBand];
        for (int y = 0; y < h; y++) {
            int p = l.rowStart(y);
            int o = y * w * 3;
            for (int x = 0; x < w; x++, p += l.pixelStride, o += 3) {
                rgb[o] = l.bytes[p + r];
                rgb[o + 1] = l.bytes[p + g];
                rgb[o + 2] = l.bytes[p + b];
            }
        }
    }

    private static void scaledGray(Raster raster, int w, int h, int bits, byte[] rgb) {
        int max = (1 << bits) - 1;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                byte v = (byte) (row[x] * 255 / max);
                rgb[o] = v;
                rgb[o + 1] = v;
                rgb[o + 2] = v;
            }
        }
    }

    private static void ushortGrayClipped(Raster raster, int w, int h, byte[] rgb) {
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                byte v = (byte) Math.min(row[x], 255);
                rgb[o] = v;
                rgb[o + 1] = v;
                rgb[o + 2] = v;
            }
        }
    }

    private static void ushortHighByte(Raster raster, int w, int h, int rBand, int gBand, int bBand, byte[] rgb) {
        generic(raster, w, h, new int[] {rBand, gBand, bBand}, 8, rgb);
    }

    /** Bands {@code from[0..2]} of any integer raster, shifted right by {@code shift}, to R, G, B. */
    private static void generic(Raster raster, int w, int h, int[] from, int shift, byte[] rgb) {
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int p = x * bands;
                rgb[o] = (byte) (row[p + from[0]] >> shift);
                rgb[o + 1] = (byte) (row[p + from[1]] >> shift);
                rgb[o + 2] = (byte) (row[p + from[2]] >> shift);
            }
        }
    }

    private static void palette(Raster raster, IndexColorModel icm, int w, int h, byte[] rgb) {
        int size = icm.getMapSize();
        byte[] reds = new byte[256], greens = new byte[256], blues = new byte[256];
        icm.getReds(reds);
        icm.getGreens(greens);
        icm.getBlues(blues);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int i = row[x];
                if (i >= size) {
                    // An index past the palette (a damaged file): black, as Pillow's zero-filled palette gives.
                    rgb[o] = rgb[o + 1] = rgb[o + 2] = 0;
                    continue;
                }
                rgb[o] = reds[i];
                rgb[o + 1] = greens[i];
                rgb[o + 2] = blues[i];
            }
        }
    }

    private static void viaGetRgb(BufferedImage image, int w, int h, byte[] rgb) {
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int argb = row[x];
                rgb[o] = (byte) (argb >>> 16);
                rgb[o + 1] = (byte) (argb >>> 8);
                rgb[o + 2] = (byte) argb;
            }
        }
    }

    /** Direct access to an interleaved byte raster: where row y starts, the pixel stride, band offsets. */
    private static final class Layout {
        final byte[] bytes;
        final int base;
        final int pixelStride;
        final int scanlineStride;
        final int[] band;

        private Layout(byte[] bytes, int base, int pixelStride, int scanlineStride, int[] band) {
            this.bytes = bytes;
            this.base = base;
            this.pixelStride = pixelStride;
            this.scanlineStride = scanlineStride;
            this.band = band;
        }

        int rowStart(int y) {
            return base + y * scanlineStride;
        }

        /** The layout of a byte raster: its own array when it is interleaved in one bank, else a copy. */
        static Layout of(Raster raster) {
            int bands = raster.getNumBands();
            SampleModel sm = raster.getSampleModel();
            if (sm instanceof ComponentSampleModel csm && raster.getDataBuffer() instanceof DataBufferByte db
                    && db.getNumBanks() == 1) {
                int tx = raster.getSampleModelTranslateX();
                int ty = raster.getSampleModelTranslateY();
                // Where pixel (0, 0) starts; the band offsets are added per sample.
                int base = db.getOffset() - ty * csm.getScanlineStride() - tx * csm.getPixelStride();
                return new Layout(db.getData(), base, csm.getPixelStride(), csm.getScanlineStride(),
                        csm.getBandOffsets());
            }
            int w = raster.getWidth();
            int h = raster.getHeight();
            byte[] copy = new byte[w * h * bands];
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
                for (int i = 0; i < row.length; i++) {
                    copy[y * row.length + i] = (byte) row[i];
                }
            }
            int[] offsets = new int[bands];
            for (int i = 0; i < bands; i++) {
                offsets[i] = i;
            }
            return new Layout(copy, 0, bands, w * bands, offsets);
        }
    }
}
