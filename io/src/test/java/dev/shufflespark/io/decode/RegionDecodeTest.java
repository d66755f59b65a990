package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our JPEG decoder told which region the preprocessing will read ({@link ReadRegion}) transforms only the blocks
 * that region needs; the tensor must be exactly the one made from the whole decode, over the fixtures' sampling
 * factors, restart intervals, progressive files, colour spaces and odd sizes, every scale and EXIF orientation.
 */
class RegionDecodeTest {

    private static final Preprocessor[] PRES = {
        new Preprocessor(PreprocessSettings.imagenet()),
        new Preprocessor(PreprocessSettings.imagenet().withResize(48, 40, 40)),
        new Preprocessor(PreprocessSettings.imagenet().withResize(37, 20, 29)),
        new Preprocessor(PreprocessSettings.imagenet().withResize(16, 9, 5)),
    };

    private static List<byte[]> files() {
        List<byte[]> files = new ArrayList<>();
        for (String[] r : Fixtures.manifest("jpeg/manifest.tsv")) {
            if (!r[0].equals("arithmetic.jpg")) {
                files.add(Fixtures.bytes("jpeg/" + r[0]));
            }
        }
        files.add(Images.sample("rocket.jpg"));
        files.add(Images.photo("chelsea.png", 500, 375, 1, 0.9f));
        files.add(Images.photo("chelsea.png", 1203, 1797, 2, 0.75f));
        return files;
    }

    @Test
    void aRegionDecodeGivesTheTensorOfTheWholeDecode() throws ImageException {
        JpegDecoder decoder = new JpegDecoder();
        // the region decodes skip the AC codes of the blocks outside with the skip tables, on images of any size
        JpegDecoder regionDecoder = JpegDecoder.withSkipTablesFrom(0);
        int cases = 0;
        int smaller = 0;
        for (byte[] file : files()) {
            JpegHeader header = JpegHeader.parse(file, 0, file.length, "x.jpg");
            int w = header.width();
            int h = header.height();
            for (Preprocessor pre : PRES) {
                for (int shift = 0; shift <= 3; shift++) {
                    for (int o = 1; o <= 8; o++) {
                        boolean t = DecodedImage.transposed(o);
                        JpegImage whole = decoder.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE);
                        float[] expected = pre.apply(new DecodedImage(whole, o, t ? h : w, t ? w : h, whole.scale(),
                                Format.JPEG));
                        int[] region = pre.region(t ? h : w, t ? w : h, o, whole.scale(), whole.width(),
                                whole.height());
                        String what = w + "x" + h + ", " + pre.settings().resizeShorter() + "/"
                                + pre.settings().cropWidth() + ", 1/" + whole.scale() + ", orientation " + o;
                        whole.release();
                        if (t) {
                            assertNull(region, what + ": a transposing orientation converts the whole image");
                        }
                        JpegImage part = regionDecoder.decode(file, 0, file.length, "x.jpg", shift, Long.MAX_VALUE,
                                JpegDecoder.NO_DEADLINE, region);
                        float[] actual = pre.apply(new DecodedImage(part, o, t ? h : w, t ? w : h, part.scale(),
                                Format.JPEG));
                        assertArrayEquals(expected, actual, what);
                        cases++;
                        if (region != null && (region[2] - region[0] < part.width()
                                || region[3] - region[1] < part.height())) {
                            smaller++;
                            // The region was applied: a pixel outside it is refused.
                            int y = region[1] > 0 ? 0 : region[3] < part.height() ? part.height() - 1 : -1;
                            if (y >= 0) {
                                int row = y;
                                assertThrows(IllegalStateException.class,
                                        () -> part.rgbRow(row, region[0], region[2], new byte[3 * part.width()], 0));
                            }
                        }
                        part.release();
                    }
                }
            }
        }
        assertTrue(smaller > cases / 4, smaller + " of " + cases + " cases read a smaller region");
    }

    /** 500x375 at ImageNet's settings: the columns and rows the bilinear taps around the 224 crop reach. */
    @Test
    void theRegionOfAResizeAndCentreCrop() {
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        // Resized to 341x256, cropped at (58, 16); a source pixel per 1.466, the taps 1.466 either side.
        // Column 58 is centred on 85.78, its taps from int(85.78 - 1.466 + 0.5) = 84; column 281 on 412.76, to
        // int(412.76 + 1.466 + 0.5) = 414 (exclusive). Rows: 16 on 24.17 from 23, 239 on 350.83 to 352.
        assertArrayEquals(new int[] {84, 23, 414, 352}, pre.region(500, 375, 1, 1, 500, 375));
        // Mirrored left-right: the same columns counted from the right.
        assertArrayEquals(new int[] {500 - 414, 23, 500 - 84, 352}, pre.region(500, 375, 2, 1, 500, 375));
        // Upside down: the rows counted from the bottom.
        assertArrayEquals(new int[] {500 - 414, 375 - 352, 500 - 84, 375 - 23}, pre.region(500, 375, 3, 1, 500, 375));
        assertNull(pre.region(375, 500, 6, 1, 500, 375), "transposed");
        // 256x256 needs no horizontal resize: the whole image is converted first.
        assertNull(pre.region(256, 256, 1, 1, 256, 256));
    }

    @Test
    void theDecoderPassesTheRegionToOurJpegDecoderOnly() throws ImageException {
        byte[] jpeg = Images.photo("chelsea.png", 500, 375, 3, 0.9f);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        try (ImageDecoder d = new ImageDecoder()) {
            DecodedImage full = d.decode(jpeg, 0, jpeg.length, "a.jpg", pre.resizeTarget());
            float[] expected = pre.apply(full);
            DecodedImage part = d.decode(jpeg, 0, jpeg.length, "a.jpg", pre.resizeTarget(), pre);
            assertNotNull(part.unconverted());
            assertArrayEquals(expected, pre.apply(part));
            assertThrows(IllegalStateException.class, part::pixels, "pixels outside the region were not decoded");
        }
        try (ImageDecoder d = new ImageDecoder(DecodeOptions.defaults().withJpeg(DecodeOptions.JpegDecoderChoice.IMAGEIO))) {
            DecodedImage io = d.decode(jpeg, 0, jpeg.length, "a.jpg", pre.resizeTarget(), pre);
            assertNull(io.unconverted());
            assertEquals(500, io.pixels().width());
        }
    }

    /**
     * Mutated and truncated JPEGs (JpegFuzzTest's mutations, a fixed seed): decoded with the preprocessing's
     * region, each fails as the whole decode fails, or gives the whole decode's tensor.
     */
    @Test
    void aDamagedFileDecodesOrFailsWithItsRegionAsWithout() {
        List<byte[]> seeds = JpegFuzzTest.seeds();
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261202L);
        JpegDecoder decoder = new JpegDecoder();
        int compared = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] data = JpegFuzzTest.mutate(seeds.get(random.nextInt(seeds.size())), random);
            int shift = random.nextInt(4);
            int o = 1 + random.nextInt(4); // the orientations that keep a region
            Preprocessor pre = PRES[1 + random.nextInt(PRES.length - 1)];
            int w;
            int h;
            try {
                JpegHeader header = JpegHeader.parse(data, 0, data.length, "x.jpg");
                w = header.width();
                h = header.height();
            } catch (ImageException | RuntimeException e) {
                continue;
            }
            if (w < 1 || h < 1 || (long) w * h > 1 << 20) {
                continue;
            }
            int s = 1 << shift;
            int[] region = pre.region(w, h, o, s, (w + s - 1) / s, (h + s - 1) / s);
            String whole = outcome(decoder, data, shift, null, pre, o, w, h);
            String part = outcome(decoder, data, shift, region, pre, o, w, h);
            assertEquals(whole, part, "case " + i + ": " + w + "x" + h + " at 1/" + s + ", orientation " + o + ", "
                    + pre.settings().resizeShorter() + "/" + pre.settings().cropHeight() + "x"
                    + pre.settings().cropWidth() + ", region " + java.util.Arrays.toString(region));
            compared += whole.startsWith("tensor") ? 1 : 0;
        }
        assertTrue(compared > 200, compared + " damaged files gave a tensor");
    }

    /** "tensor" and the tensor's hash, or the failure's reason. */
    private static String outcome(JpegDecoder decoder, byte[] data, int shift, int[] region, Preprocessor pre, int o,
                                  int w, int h) {
        try {
            JpegImage image = decoder.decode(data, 0, data.length, "x.jpg", shift, 1 << 20, JpegDecoder.NO_DEADLINE,
                    region);
            try {
                return "tensor " + java.util.Arrays.hashCode(pre.apply(new DecodedImage(image, o, w, h, image.scale(),
                        Format.JPEG)));
            } catch (RuntimeException e) {
                return "preprocessing failed: " + e.getClass().getSimpleName();
            } finally {
                image.release();
            }
        } catch (ImageException e) {
            return e.reason().toString();
        }
    }

    @Test
    void aRegionThatDoesNotFitTheImageIsIgnored() throws ImageException {
        byte[] file = Fixtures.bytes("jpeg/420.jpg");
        JpegDecoder decoder = new JpegDecoder();
        RgbImage full = decoder.decode(file, 0, file.length, "420.jpg", 0, Long.MAX_VALUE).toRgb();
        for (int[] bad : new int[][] {{0, 0, 98, 67}, {-1, 0, 10, 10}, {5, 5, 5, 10}, {0, 10, 97, 9}, {1, 2, 3}}) {
            RgbImage r = decoder.decode(file, 0, file.length, "420.jpg", 0, Long.MAX_VALUE, JpegDecoder.NO_DEADLINE,
                    bad).toRgb();
            assertArrayEquals(full.pixels(), r.pixels());
        }
    }
}
