package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import org.junit.jupiter.api.Test;

/**
 * Our JPEG decoder hands the preprocessing planes, converted to RGB a row at a time inside the resize; the
 * tensor must be exactly the one made from the whole image converted first, in every EXIF orientation,
 * scaled or not.
 */
class FusedPreprocessTest {

    @Test
    void rowByRowConversionGivesTheSameTensorInEveryOrientation() throws ImageException {
        byte[][] files = {Images.sample("rocket.jpg"), Fixtures.bytes("jpeg/422-restart-rows.jpg"),
            Images.photo("chelsea.png", 1800, 1200, 3, 0.9f)};
        Preprocessor[] pres = {new Preprocessor(PreprocessSettings.imagenet()),
            new Preprocessor(PreprocessSettings.imagenet().withResize(48, 40, 40))};
        JpegDecoder decoder = new JpegDecoder();
        for (byte[] file : files) {
            for (Preprocessor pre : pres) {
                for (int shift = 0; shift <= 2; shift++) {
                    for (int o = 1; o <= 8; o++) {
                        JpegImage rows = decoder.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE);
                        int fullW = rows.width() * rows.scale(); // exact for these sizes
                        int fullH = rows.height() * rows.scale();
                        boolean t = DecodedImage.transposed(o);
                        DecodedImage fused = new DecodedImage(rows, o, t ? fullH : fullW, t ? fullW : fullH,
                                rows.scale(), Format.JPEG);
                        assertNotNull(fused.unconverted());
                        float[] a = pre.apply(fused);
                        DecodedImage whole = new DecodedImage(fused.pixels(), o, fused.width(), fused.height(), 1, 0,
                                0, rows.scale(), Format.JPEG);
                        assertNull(whole.unconverted());
                        float[] b = pre.apply(whole);
                        assertArrayEquals(b, a, "shift " + shift + ", orientation " + o);
                    }
                }
            }
        }
    }

    @Test
    void theDecoderLeavesJpegRowsUnconvertedAndOtherFormatsConverted() throws ImageException {
        try (ImageDecoder d = new ImageDecoder()) {
            byte[] jpeg = Images.sample("rocket.jpg");
            DecodedImage j = d.decode(jpeg, "rocket.jpg");
            assertNotNull(j.unconverted());
            assertEquals(640, j.pixels().width());
            assertNull(j.unconverted(), "converted once asked for");
            byte[] png = Fixtures.bytes("decode/rgb.png");
            assertNull(d.decode(png, "rgb.png").unconverted());
        }
    }
}
