package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.testing.Fixtures;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our JPEG decoder, unscaled, against what Pillow (libjpeg-turbo 2.1) decoded each fixture to, and against
 * the ImageIO path (the JDK's libjpeg 6b through TwelveMonkeys) that it falls back to.
 */
class JpegDecoderTest {

    static Stream<Arguments> fixtures() {
        return Fixtures.manifest("jpeg/manifest.tsv").stream()
                .filter(r -> !r[0].equals("arithmetic.jpg"))
                .map(r -> Arguments.of(r[0], Integer.parseInt(r[1]), Integer.parseInt(r[2]), r[3]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void decodesAsPillowDoes(String name, int width, int height, String how) throws ImageException {
        byte[] file = Fixtures.bytes("jpeg/" + name);
        byte[] pillow = Fixtures.bytesGz("jpeg/" + name + ".rgb.gz");
        RgbImage ours = new JpegDecoder().decode(file, 0, file.length, name, 0, Long.MAX_VALUE).toRgb();
        assertEquals(width, ours.width(), name + " width");
        assertEquals(height, ours.height(), name + " height");
        PillowParityTest.Difference d = PillowParityTest.Difference.of(pillow, ours.pixels());
        RgbImage imageIo;
        try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults()
                .withJpeg(DecodeOptions.JpegDecoderChoice.IMAGEIO).withExifOrientation(false))) {
            imageIo = decoder.decode(file, name).pixels();
        }
        PillowParityTest.Difference io = PillowParityTest.Difference.of(pillow, imageIo.pixels());
        PillowParityTest.Difference vs = PillowParityTest.Difference.of(imageIo.pixels(), ours.pixels());
        System.out.printf(Locale.ROOT, "%-30s ours vs Pillow: %s | ImageIO vs Pillow: %s | ours vs ImageIO: %s%n",
                name, d, io, vs);
        assertEquals(0, d.max(), () -> name + ": not Pillow's pixels: " + d);
    }

    /**
     * Decoded at 1/2, 1/4 and 1/8, each pixel is the mean of the full decode's pixels it covers, up to rounding
     * and what the chroma upsampling and colour conversion do differently on means (the full decode's chroma
     * is upsampled with a triangle before conversion).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void scaledDecodesAreBoxMeansOfTheFullDecode(String name, int width, int height, String how)
            throws ImageException {
        byte[] file = Fixtures.bytes("jpeg/" + name);
        JpegDecoder decoder = new JpegDecoder();
        RgbImage full = decoder.decode(file, 0, file.length, name, 0, Long.MAX_VALUE).toRgb();
        for (int shift = 1; shift <= 3; shift++) {
            int f = 1 << shift;
            JpegImage scaled = decoder.decode(file, 0, file.length, name, shift, Long.MAX_VALUE);
            assertEquals(f, scaled.scale());
            RgbImage s = scaled.toRgb();
            assertEquals((width + f - 1) / f, s.width(), name + " width at 1/" + f);
            assertEquals((height + f - 1) / f, s.height(), name + " height at 1/" + f);
            byte[] means = boxMeans(full, f, s.width(), s.height());
            PillowParityTest.Difference d = PillowParityTest.Difference.of(means, s.pixels());
            System.out.printf(Locale.ROOT, "%-30s 1/%d vs box means of the full decode: %s%n", name, f, d);
            // Blocks that are mostly padding (images under 16 pixels) average what the encoder padded with too.
            boolean tiny = width < 16 || height < 16;
            assertTrue(d.mean() <= (tiny ? 8 : 1.5) && d.max() <= 24, () -> name + " at 1/" + f + ": " + d);
        }
    }

    /** Means of f x f blocks of an image (partial blocks at the right and bottom: the pixels they have). */
    static byte[] boxMeans(RgbImage full, int f, int w, int h) {
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int sum = 0;
                    int n = 0;
                    for (int yy = y * f; yy < Math.min((y + 1) * f, full.height()); yy++) {
                        for (int xx = x * f; xx < Math.min((x + 1) * f, full.width()); xx++) {
                            sum += full.get(xx, yy, c);
                            n++;
                        }
                    }
                    out[(y * w + x) * 3 + c] = (byte) Math.round((float) sum / n);
                }
            }
        }
        return out;
    }

    /**
     * A decode that fails inside a block (a bad Huffman code after some of its coefficients) leaves nothing
     * behind for the next image: each good file decodes after damaged ones as a fresh decoder decodes it.
     */
    @Test
    void aFailedDecodeLeavesNothingForTheNextImage() throws ImageException {
        java.util.List<byte[]> seeds = JpegFuzzTest.seeds();
        byte[] good = Fixtures.bytes("jpeg/444-q100.jpg");
        byte[] expected = new JpegDecoder().decode(good, 0, good.length, "good.jpg", 0, Long.MAX_VALUE).toRgb().pixels();
        JpegDecoder decoder = new JpegDecoder();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int corrupt = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bad = JpegFuzzTest.mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                decoder.decode(bad, 0, bad.length, "bad.jpg", 0, 1 << 20).release();
            } catch (ImageException e) {
                corrupt += e.reason() == Reason.CORRUPT ? 1 : 0;
            }
            JpegImage image = decoder.decode(good, 0, good.length, "good.jpg", 0, Long.MAX_VALUE);
            assertTrue(java.util.Arrays.equals(expected, image.toRgb().pixels()), "after damaged file " + i);
            image.release();
        }
        assertTrue(corrupt > 40, corrupt + " damaged files were corrupt");
    }

    @Test
    void arithmeticCodingIsLeftToTheFallback() {
        byte[] file = Fixtures.bytes("jpeg/arithmetic.jpg");
        ImageException e = assertThrows(ImageException.class,
                () -> new JpegDecoder().decode(file, 0, file.length, "arithmetic.jpg", 0, Long.MAX_VALUE));
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
    }
}
