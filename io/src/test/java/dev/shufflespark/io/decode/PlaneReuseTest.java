package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Our JPEG decoder reuses the planes of released images and of failed decodes: whatever came before, an image
 * decodes to exactly what a fresh decoder gives, and a plane too large to keep is not kept.
 */
class PlaneReuseTest {

    /** What decoding {@code data} gave: its pixels, or its failure. */
    private record Outcome(byte[] pixels, String failure) {
    }

    private static Outcome decode(ImageDecoder decoder, byte[] data, int target) {
        try {
            DecodedImage d = decoder.decode(data, 0, data.length, "x", target);
            byte[] px = d.pixels().pixels().clone();
            d.release();
            return new Outcome(px, null);
        } catch (ImageException e) {
            return new Outcome(null, e.toString());
        }
    }

    @Test
    void aSequenceOfLargeSmallAndBrokenJpegsDecodesAsFreshDecodesDo() throws Exception {
        byte[] big = Images.photo("rocket.jpg", 1600, 1200, 11, 0.9f);
        byte[] truncated = Images.truncated(big, 0.6);
        byte[] damaged = big.clone();
        for (int i = damaged.length / 2; i < damaged.length / 2 + 64; i++) {
            damaged[i] = (byte) (damaged[i] * 31 + 7); // bad codes in the middle of the scan
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("big", big);
        files.put("truncated", truncated);
        files.put("420", Fixtures.bytes("jpeg/420.jpg"));
        files.put("damaged", damaged);
        files.put("gray", Fixtures.bytes("jpeg/gray.jpg"));
        files.put("444-progressive", Fixtures.bytes("jpeg/444-progressive.jpg"));
        files.put("cmyk", Fixtures.bytes("jpeg/cmyk-adobe.jpg"));
        files.put("411", Fixtures.bytes("jpeg/411.jpg"));
        files.put("tiny", Fixtures.bytes("jpeg/tiny-5x3.jpg"));
        files.put("big again", big);
        files.put("422", Fixtures.bytes("jpeg/422.jpg"));
        List<String> failures = new ArrayList<>();
        try (ImageDecoder reused = new ImageDecoder()) {
            for (int target : new int[] {0, 224, 64}) {
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    Outcome got = decode(reused, f.getValue(), target);
                    Outcome fresh;
                    try (ImageDecoder d = new ImageDecoder()) {
                        fresh = decode(d, f.getValue(), target);
                    }
                    String what = f.getKey() + " at target " + target;
                    assertEquals(fresh.failure(), got.failure(), what);
                    if (fresh.pixels() != null) {
                        assertArrayEquals(fresh.pixels(), got.pixels(), what);
                    } else {
                        failures.add(f.getKey());
                    }
                }
            }
        }
        assertTrue(failures.contains("truncated"), "the truncated file fails: " + failures);
    }

    @Test
    void releasedPlanesAreReusedAndALargeOneIsNotKept() throws Exception {
        byte[] small = Fixtures.bytes("jpeg/420.jpg");
        byte[] large = Images.photo("rocket.jpg", 2400, 1800, 12, 0.9f); // luma plane 2400 x 1808: over 4 MiB
        JpegDecoder decoder = new JpegDecoder();
        JpegImage first = decoder.decode(small, 0, small.length, "small", 0, DecodeOptions.DEFAULT_MAX_PIXELS);
        byte[] expected = first.toRgb().pixels();
        assertEquals(0, decoder.spareBytes());
        first.release();
        long kept = decoder.spareBytes();
        assertTrue(kept > 0, "the released planes are kept");
        assertThrows(IllegalStateException.class, () -> first.rgbRow(0, new byte[3 * first.width()], 0));
        JpegImage second = decoder.decode(small, 0, small.length, "small", 0, DecodeOptions.DEFAULT_MAX_PIXELS);
        assertEquals(0, decoder.spareBytes(), "the second image took them");
        assertArrayEquals(expected, second.toRgb().pixels());
        second.release();
        second.release(); // again: nothing
        assertEquals(kept, decoder.spareBytes());

        JpegImage photo = decoder.decode(large, 0, large.length, "large", 0, DecodeOptions.DEFAULT_MAX_PIXELS);
        assertNotNull(photo);
        photo.release();
        // Its 4:2:0 chroma planes are kept (beside one of the small image's); its luma plane, over the limit, is not.
        long chroma = 2L * 1200 * 904;
        long luma = 2400L * 1808;
        assertTrue(luma > JpegDecoder.MAX_SPARE_PLANE);
        assertTrue(decoder.spareBytes() >= chroma && decoder.spareBytes() < chroma + kept, decoder.spareBytes()
                + " bytes kept");
    }
}
