package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Images;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The ImageIO fast path (formats other than JPEG, and JPEG with {@code decode.jpeg.decoder=imageio}): a photo
 * much larger than the model needs is decoded with source subsampling. Its tensor must stay close to the
 * full decode's (which is bit-exact with torchvision), in every EXIF orientation.
 */
class SubsamplingTest {

    @Test
    void aLargePhotoIsSubsampledAndStaysCloseToTheFullDecode() throws ImageException {
        byte[] photo = Images.photo("coffee.png", 2400, 1600, 11, 0.9f);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        float[] full;
        DecodeOptions imageIo = DecodeOptions.defaults().withJpeg(DecodeOptions.JpegDecoderChoice.IMAGEIO);
        try (ImageDecoder d = new ImageDecoder(imageIo.withSubsample(false))) {
            DecodedImage image = d.decode(photo, 0, photo.length, "photo.jpg", pre.resizeTarget());
            assertEquals(1, image.subsampling());
            full = pre.apply(image);
        }
        try (ImageDecoder d = new ImageDecoder(imageIo)) {
            DecodedImage image = d.decode(photo, 0, photo.length, "photo.jpg", pre.resizeTarget());
            // 1600 / (2 x 256) = 3.1: every third pixel of every third row, the first at 1 (centred).
            assertEquals(3, image.subsampling());
            assertEquals(1, image.offsetX());
            assertEquals(800, image.pixels().width());
            assertEquals(533, image.pixels().height());
            assertEquals(2400, image.width(), "the full size is reported, not the decoded one");
            float[] fast = pre.apply(image);
            double sum = 0;
            double max = 0;
            for (int i = 0; i < full.length; i++) {
                double diff = Math.abs(full[i] - fast[i]);
                sum += diff;
                max = Math.max(max, diff);
            }
            System.out.printf(Locale.ROOT, "fast path vs full decode: mean |diff| %.4f, max %.4f%n",
                    sum / full.length, max);
            assertTrue(sum / full.length <= 0.05, "mean " + sum / full.length);
            assertTrue(max <= 1.0, "max " + max);
        }
    }

    @Test
    void everyOrientationOfASubsampledImageMatchesItsFullDecode() {
        // A stored 300x200 gradient subsampled by 3 from offset 1; in each EXIF orientation the subsampled
        // pixels must cover the same part of the displayed image as the full decode does. On a smooth
        // gradient point sampling loses nothing, so the tensors must agree up to rounding.
        int w = 300, h = 200;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                px[p] = (byte) (x * 255 / (w - 1));
                px[p + 1] = (byte) (y * 255 / (h - 1));
                px[p + 2] = (byte) ((x + y) * 255 / (w + h - 2));
            }
        }
        RgbImage stored = new RgbImage(w, h, px);
        int s = 3, off = 1;
        int sw = (w - off + s - 1) / s, sh = (h - off + s - 1) / s;
        byte[] sub = new byte[sw * sh * 3];
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                System.arraycopy(px, ((off + y * s) * w + off + x * s) * 3, sub, (y * sw + x) * 3, 3);
            }
        }
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet().withResize(48, 40, 40));
        for (int o = 1; o <= 8; o++) {
            boolean t = DecodedImage.transposed(o);
            float[] full = pre.apply(new DecodedImage(stored, o, t ? h : w, t ? w : h, 1, 0, 0, Format.PNG));
            float[] fast = pre.apply(new DecodedImage(new RgbImage(sw, sh, sub), o, t ? h : w, t ? w : h, s, off, off,
                    Format.PNG));
            double max = 0;
            for (int i = 0; i < full.length; i++) {
                max = Math.max(max, Math.abs(full[i] - fast[i]));
            }
            assertTrue(max <= 0.05, "orientation " + o + ": max difference " + max);
        }
    }
}
