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

    @Test
    void arithmeticCodingIsLeftToTheFallback() {
        byte[] file = Fixtures.bytes("jpeg/arithmetic.jpg");
        ImageException e = assertThrows(ImageException.class,
                () -> new JpegDecoder().decode(file, 0, file.length, "arithmetic.jpg", 0, Long.MAX_VALUE));
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
    }
}
