package dev.shufflespark.io.decode;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes PNG, JPEG, GIF and BMP files with {@code javax.imageio} into 8-bit {@link RgbImage}s.
 *
 * <p>The conversion follows Pillow's {@code convert("RGB")}: alpha is dropped (not composited) and grey
 * samples are copied to R, G and B unchanged. (Java's own {@code getRGB} would treat 8-bit grey as linear
 * and brighten it.)
 */
public final class ImageDecoder {

    static {
        // Decode in memory: no temporary files on executors.
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {
    }

    public static RgbImage read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return decode(in, file.toString());
        }
    }

    /** Decodes an encoded image held in memory; {@code source} names it in error messages. */
    public static RgbImage decode(byte[] encoded, String source) throws IOException {
        return decode(new ByteArrayInputStream(encoded), source);
    }

    private static RgbImage decode(InputStream in, String source) throws IOException {
        BufferedImage image;
        try {
            image = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot decode " + source + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException("cannot decode " + source + ": not an image format that javax.imageio reads"
                    + " (PNG, JPEG, GIF, BMP, WBMP)");
        }
        return toRgb(image);
    }

    /** Converts any {@link BufferedImage} to 8-bit RGB. */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int bands = raster.getNumBands();
        boolean bytes = raster.getTransferType() == DataBuffer.TYPE_BYTE && cm instanceof ComponentColorModel;
        int space = cm.getColorSpace().getType();
        if (bytes && cm.getColorSpace().isCS_sRGB() && bands >= 3) {
            // Bands are R, G, B (and maybe A) in colour-model order, whatever the byte layout.
            copyBands(raster, w, h, bands, new int[] {0, 1, 2}, rgb);
        } else if (bytes && space == ColorSpace.TYPE_GRAY && bands <= 2) {
            copyBands(raster, w, h, bands, new int[] {0, 0, 0}, rgb);
        } else {
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
        return new RgbImage(w, h, rgb);
    }

    /** Copies raster bands {@code from[0..2]} to R, G, B, one row at a time. */
    private static void copyBands(Raster raster, int w, int h, int bands, int[] from, byte[] rgb) {
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int p = x * bands;
                rgb[o] = (byte) row[p + from[0]];
                rgb[o + 1] = (byte) row[p + from[1]];
                rgb[o + 2] = (byte) row[p + from[2]];
            }
        }
    }
}
