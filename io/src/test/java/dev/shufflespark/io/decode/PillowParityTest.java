package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.testing.Fixtures;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every decode fixture against what Pillow made of it ({@code convert("RGB")}, after {@code exif_transpose}
 * for the EXIF-rotated ones). Lossless formats must match exactly; JPEG within a small tolerance (the JDK's
 * libjpeg and Debian's libjpeg-turbo share the integer IDCT and colour tables, so the differences are tiny);
 * lossy WebP within the difference between TwelveMonkeys' and libwebp's YUV upsampling.
 */
class PillowParityTest {

    static Stream<Arguments> fixtures() {
        return Fixtures.manifest("decode/manifest.tsv").stream()
                .map(r -> Arguments.of(r[0], Integer.parseInt(r[1]), Integer.parseInt(r[2]), r[3], r[4]));
    }

    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("fixtures")
    void decodesLikePillow(String name, int width, int height, String comparison, String pillowMode)
            throws ImageException {
        byte[] file = Fixtures.bytes("decode/" + name);
        byte[] expected = Fixtures.bytes("decode/" + name + ".rgb");
        RgbImage actual;
        try (ImageDecoder decoder = new ImageDecoder()) {
            actual = decoder.decode(file, 0, file.length, name, 0).oriented();
        }
        assertEquals(width, actual.width(), name + " width");
        assertEquals(height, actual.height(), name + " height");
        Difference d = Difference.of(expected, actual.pixels());
        switch (comparison) {
            case "exact" -> assertEquals(0, d.max, () -> name + ": not identical to Pillow: " + d);
            case "jpeg" -> assertTrue(d.mean <= 0.5 && d.max <= 4, () -> name + ": too far from Pillow: " + d);
            case "webp" -> assertTrue(d.mean <= 2 && d.max <= 16, () -> name + ": too far from Pillow: " + d);
            default -> throw new AssertionError("unknown comparison " + comparison);
        }
        System.out.printf(Locale.ROOT, "%-16s %-5s %s%n", name, pillowMode, d);
    }

    @Test
    void theManifestCoversEveryLayoutTheIssueNames() {
        List<String> names = fixtures().map(a -> (String) a.get()[0]).toList();
        for (String required : new String[] {"gray.png", "gray16.png", "rgb16.png", "palette.png", "rgba.png",
            "cmyk.jpg", "exif6.jpg", "anim.gif", "rgb.bmp", "lossless.webp", "broken-icc.jpg"}) {
            assertTrue(names.contains(required), required + " missing from the manifest");
        }
    }

    /** Per-sample absolute differences of two RGB arrays. */
    record Difference(double mean, int max, int count) {
        static Difference of(byte[] a, byte[] b) {
            assertEquals(a.length, b.length, "sizes differ");
            long sum = 0;
            int max = 0;
            int count = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
                sum += d;
                max = Math.max(max, d);
                count += d != 0 ? 1 : 0;
            }
            return new Difference((double) sum / a.length, max, count);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "mean |diff| %.3f, max %d, %d samples differ", mean, max, count);
        }
    }
}
