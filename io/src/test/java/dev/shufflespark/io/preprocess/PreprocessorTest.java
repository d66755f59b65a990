package dev.shufflespark.io.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shufflespark.io.decode.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreprocessorTest {

    private final Preprocessor imagenet = new Preprocessor(Preprocessor.Settings.imagenet());

    static RgbImage solid(int w, int h, int r, int g, int b) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) r;
            px[i + 1] = (byte) g;
            px[i + 2] = (byte) b;
        }
        return new RgbImage(w, h, px);
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"300, 200", "200, 300", "256, 256", "640, 427", "50, 40", "1000, 999"})
    void solidColourGivesExactlyTheNormalisedColour(int w, int h) {
        float[] out = imagenet.apply(solid(w, h, 200, 100, 50));

        assertEquals(3 * 224 * 224, out.length);
        assertEquals(3 * 224 * 224, imagenet.outputLength());
        // torchvision: ToTensor divides by 255 in float32, Normalize subtracts and divides in float32.
        float r = (200 / 255f - 0.485f) / 0.229f;
        float g = (100 / 255f - 0.456f) / 0.224f;
        float b = (50 / 255f - 0.406f) / 0.225f;
        // The same numbers worked out by hand, so that a slip in both places shows.
        assertEquals(1.3070468f, r, 1e-6f);
        assertEquals(-0.28501403f, g, 1e-6f);
        assertEquals(-0.93298435f, b, 1e-6f);
        int plane = 224 * 224;
        for (int i = 0; i < plane; i++) {
            if (out[i] != r || out[plane + i] != g || out[2 * plane + i] != b) {
                throw new AssertionError("pixel " + i + ": (" + out[i] + ", " + out[plane + i] + ", "
                        + out[2 * plane + i] + "), expected (" + r + ", " + g + ", " + b + ")");
            }
        }
    }

    @Test
    void blackAndWhiteHitTheEndsOfTheRange() {
        float[] black = imagenet.apply(solid(256, 256, 0, 0, 0));
        float[] white = imagenet.apply(solid(256, 256, 255, 255, 255));
        assertEquals(-0.485f / 0.229f, black[0]);
        assertEquals(-0.406f / 0.225f, black[2 * 224 * 224]);
        assertEquals((1f - 0.485f) / 0.229f, white[0]);
        assertEquals((1f - 0.406f) / 0.225f, white[2 * 224 * 224]);
    }

    @Test
    void writesPlanesRgbAndCropsTheCentre() {
        // 256x256 needs no resize; the crop starts at (16, 16). R follows x, G follows y, B is constant.
        byte[] px = new byte[256 * 256 * 3];
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                int p = (y * 256 + x) * 3;
                px[p] = (byte) x;
                px[p + 1] = (byte) y;
                px[p + 2] = 7;
            }
        }
        float[] out = new float[5 + 3 * 224 * 224];
        imagenet.apply(new RgbImage(256, 256, px), out, 5);

        int plane = 224 * 224;
        for (int y = 0; y < 224; y += 37) {
            for (int x = 0; x < 224; x += 29) {
                int i = 5 + y * 224 + x;
                assertEquals(((x + 16) / 255f - 0.485f) / 0.229f, out[i], "R at " + x + "," + y);
                assertEquals(((y + 16) / 255f - 0.456f) / 0.224f, out[plane + i], "G at " + x + "," + y);
                assertEquals((7 / 255f - 0.406f) / 0.225f, out[2 * plane + i], "B at " + x + "," + y);
            }
        }
        assertEquals(0f, out[4], "nothing written before the offset");
    }

    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({"451, 300, 384, 256", "300, 451, 256, 384", "640, 427, 383, 256", "512, 512, 256, 256",
                "100, 50, 512, 256", "256, 257, 256, 257"})
    void shorterSideBecomes256AndTheLongerIsTruncated(int w, int h, int expectedW, int expectedH) {
        assertArrayEquals(new int[] {expectedW, expectedH}, Preprocessor.resizedSize(w, h, 256));
    }

    @ParameterizedTest(name = "size {0}")
    @CsvSource({"256, 16", "384, 80", "383, 80", "385, 80", "381, 78", "225, 0", "224, 0"})
    void cropOffsetRoundsHalfToEvenLikePython(int size, int expected) {
        assertEquals(expected, Preprocessor.cropOffset(size, 224));
    }

    @Test
    void shrinkingAveragesEverySourcePixel() {
        // One bright column in every four; shrinking 4x must spread it (antialiasing) to 255/4, where
        // point-sampled bilinear would see only the dark columns and give 0.
        int w = 64;
        byte[] px = new byte[w * 3];
        for (int x = 0; x < w; x += 4) {
            px[x * 3] = (byte) 255;
            px[x * 3 + 1] = (byte) 255;
            px[x * 3 + 2] = (byte) 255;
        }
        RgbImage small = Preprocessor.resize(new RgbImage(w, 1, px), 16, 1);
        assertEquals(16, small.width());
        for (int x = 1; x < 15; x++) {
            assertEquals(64, small.get(x, 0, 0), "column " + x);
        }
    }

    @Test
    void enlargingInterpolatesLinearly() {
        byte[] px = {0, 0, 0, (byte) 200, (byte) 200, (byte) 200};
        RgbImage big = Preprocessor.resize(new RgbImage(2, 1, px), 4, 1);
        // Output centres at 0.25, 0.75, 1.25, 1.75 source pixels; source centres at 0.5 and 1.5.
        assertEquals(0, big.get(0, 0, 0));
        assertEquals(50, big.get(1, 0, 0));
        assertEquals(150, big.get(2, 0, 0));
        assertEquals(200, big.get(3, 0, 0));
    }

    @Test
    void settingsAreCheckedAndCopied() {
        float[] mean = {0.5f, 0.5f, 0.5f};
        Preprocessor.Settings s = new Preprocessor.Settings(8, 4, 4, mean, new float[] {1, 1, 1});
        mean[0] = 9;
        assertEquals(0.5f, s.mean()[0]);
        assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor.Settings(8, 9, 4, mean, new float[] {1, 1, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor.Settings(8, 4, 4, mean, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class,
                () -> new Preprocessor.Settings(8, 4, 4, new float[] {1, 1}, new float[] {1, 1, 1}));
        assertEquals(48, new Preprocessor(s).outputLength());
    }
}
