package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input becomes the right reason code, with a message naming it; none throws anything else. */
class DecodeFailureTest {

    private final ImageDecoder decoder = new ImageDecoder();

    @AfterEach
    void close() {
        decoder.close();
    }

    private ImageException fails(Reason reason, byte[] data, String name) {
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(data, 0, data.length, name, 256));
        assertEquals(reason, e.reason(), e::getMessage);
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void emptyFile() {
        fails(Reason.EMPTY, new byte[0], "empty.jpg");
    }

    @Test
    void textNamedJpegIsNotAnImage() {
        ImageException e = fails(Reason.NOT_AN_IMAGE, Images.text(), "notes.jpg");
        assertTrue(e.getMessage().contains("7468"), "shows the first bytes: " + e.getMessage());
    }

    @Test
    void truncatedJpegThatImageIoPartlyDecodesIsTruncated() {
        byte[] rocket = Images.sample("rocket.jpg");
        for (double fraction : new double[] {0.3, 0.6, 0.95, 0.999}) {
            fails(Reason.TRUNCATED, Images.truncated(rocket, fraction), "rocket-" + fraction + ".jpg");
        }
        // Cut inside the headers: no frame header yet.
        fails(Reason.TRUNCATED, Images.truncated(rocket, 0.01), "rocket-head.jpg");
        fails(Reason.TRUNCATED, new byte[] {(byte) 0xFF, (byte) 0xD8}, "two-bytes.jpg");
    }

    @Test
    void truncatedPngAndWebp() {
        fails(Reason.TRUNCATED, Images.truncated(Images.sample("chelsea.png"), 0.5), "chelsea-half.png");
        fails(Reason.TRUNCATED, Images.truncated(Fixtures.bytes("decode/lossy.webp"), 0.5), "half.webp");
    }

    @Test
    void corruptJpegData() {
        byte[] rocket = Images.sample("rocket.jpg").clone();
        // Overwrite the frame header's component count and the start of the entropy-coded data.
        for (int i = 600; i < 2000; i++) {
            rocket[i] = (byte) 0xA5;
        }
        ImageException e = assertThrows(ImageException.class,
                () -> decoder.decode(rocket, 0, rocket.length, "scrambled.jpg", 256));
        assertTrue(e.reason() == Reason.CORRUPT || e.reason() == Reason.TRUNCATED, e::toString);
    }

    @Test
    void hugeDimensionsAreRefusedFromTheHeader() {
        ImageException png = fails(Reason.TOO_LARGE, Images.pngHeaderOnly(50_000, 40_000), "huge.png");
        assertTrue(png.getMessage().contains("50000x40000"), png.getMessage());
        assertTrue(png.getMessage().contains(DecodeOptions.MAX_PIXELS), png.getMessage());
        fails(Reason.TOO_LARGE, Images.jpegWithSize(Images.sample("rocket.jpg"), 65_000, 60_000), "huge.jpg");
    }

    @Test
    void thePixelLimitIsConfigurable() throws ImageException {
        byte[] rocket = Images.sample("rocket.jpg"); // 640x427 = 0.27 MP
        try (ImageDecoder strict = new ImageDecoder(DecodeOptions.defaults().withMaxPixels(200_000))) {
            ImageException e = assertThrows(ImageException.class,
                    () -> strict.decode(rocket, 0, rocket.length, "rocket.jpg", 0));
            assertEquals(Reason.TOO_LARGE, e.reason());
        }
        try (ImageDecoder lenient = new ImageDecoder(DecodeOptions.defaults().withMaxPixels(640 * 427))) {
            assertEquals(640, lenient.decode(rocket, "rocket.jpg").width());
        }
    }

    @Test
    void knownButUnsupportedFormats() {
        ImageException jp2 = fails(Reason.UNSUPPORTED_FORMAT, Fixtures.bytes("decode/unsupported.jp2"), "x.jp2");
        assertTrue(jp2.getMessage().contains("JPEG 2000"), jp2.getMessage());
        byte[] heic = new byte[64];
        System.arraycopy("\0\0\0\u0018ftypheic".getBytes(StandardCharsets.ISO_8859_1), 0, heic, 0, 12);
        fails(Reason.UNSUPPORTED_FORMAT, heic, "IMG_0001.HEIC");
    }

    @Test
    void decodingGoesOnAfterFailures() throws ImageException {
        // A failure discards the reader; the next image gets a fresh one and decodes normally.
        byte[] rocket = Images.sample("rocket.jpg");
        assertThrows(ImageException.class, () -> decoder.decode(Images.truncated(rocket, 0.5), "half.jpg"));
        DecodedImage ok = decoder.decode(rocket, "rocket.jpg");
        assertEquals(640, ok.width());
        assertEquals(427, ok.height());
    }

    @Test
    void exifOrientationCanBeTurnedOff() throws ImageException {
        byte[] exif6 = Fixtures.bytes("decode/exif6.jpg");
        assertEquals(6, decoder.decode(exif6, "exif6.jpg").orientation());
        assertEquals(32, decoder.decode(exif6, "exif6.jpg").width());
        try (ImageDecoder raw = new ImageDecoder(DecodeOptions.defaults().withExifOrientation(false))) {
            DecodedImage d = raw.decode(exif6, "exif6.jpg");
            assertEquals(1, d.orientation());
            assertEquals(48, d.width());
        }
    }

    @Test
    void optionsComeFromConfigurationWithKeyAndValueInErrors() {
        DecodeOptions o = DecodeOptions.from(java.util.Map.of(DecodeOptions.MAX_PIXELS, "2_000_000",
                DecodeOptions.SUBSAMPLE, "off")::get);
        assertEquals(2_000_000, o.maxPixels());
        assertTrue(!o.subsample());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecodeOptions.from(java.util.Map.of(DecodeOptions.EXIF_ORIENTATION, "maybe")::get));
        assertTrue(e.getMessage().contains(DecodeOptions.EXIF_ORIENTATION) && e.getMessage().contains("maybe"));
        assertEquals(DecodeOptions.JpegDecoderChoice.BUILTIN, o.jpeg());
        assertEquals(DecodeOptions.JpegDecoderChoice.IMAGEIO,
                DecodeOptions.from(java.util.Map.of(DecodeOptions.JPEG_DECODER, " ImageIO ")::get).jpeg());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DecodeOptions.from(java.util.Map.of(DecodeOptions.JPEG_DECODER, "libjpeg")::get));
        assertTrue(bad.getMessage().contains(DecodeOptions.JPEG_DECODER) && bad.getMessage().contains("libjpeg"));
    }

    @Test
    void jpegsOurDecoderLeavesGoToImageIo() throws ImageException {
        // Arithmetic coding is refused from the header (neither decoder has it); a lost restart marker is
        // damage our decoder leaves to ImageIO, which resynchronises as libjpeg does.
        byte[] arithmetic = Fixtures.bytes("jpeg/arithmetic.jpg");
        fails(Reason.UNSUPPORTED_FORMAT, arithmetic, "arithmetic.jpg");
        byte[] restart = Fixtures.bytes("jpeg/420-restart.jpg").clone();
        int rst = -1;
        for (int i = 2; i + 1 < restart.length; i++) {
            if ((restart[i] & 0xff) == 0xFF && (restart[i + 1] & 0xff) == 0xD3) {
                rst = i;
                break;
            }
        }
        assertTrue(rst > 0, "the fixture has restart markers");
        restart[rst + 1] = (byte) 0xD5; // RST5 where RST3 belongs
        DecodedImage d = decoder.decode(restart, "restart.jpg");
        assertTrue(decoder.lastFallback() != null && decoder.lastFallback().contains("restart"),
                String.valueOf(decoder.lastFallback()));
        assertEquals(131, d.width());
        assertEquals(null, decoder.decode(Fixtures.bytes("jpeg/420.jpg"), "420.jpg").unconverted() == null
                ? "converted" : null, "the next JPEG is ours again");
        assertEquals(null, decoder.lastFallback());
    }
}
