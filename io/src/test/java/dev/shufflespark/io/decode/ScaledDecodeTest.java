package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Images;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The default path for large JPEGs (decoded scaled in the DCT domain, then resized with weights that know
 * each decoded pixel is a box mean) against the exact path ({@code decode.subsample=false}: every pixel
 * decoded, which is bit-exact with torchvision), on 12-megapixel (4000x3000, 4:2:0, quality 90) photos made
 * from the samples: three enlarged with fine seeded noise (a camera photo's bytes per pixel and
 * high-frequency detail) and one mosaic of the samples at their own resolution (real photographic edges at
 * every pixel). Bound: mean absolute difference at most 0.01, max at most 0.1, in normalised units. The
 * coarser 1/8 scale (decode.subsample.headroom=1) is reported too: it misses the bound, which is why the
 * default headroom is 2. So is the previous default, ImageIO's point subsampling, for comparison. The
 * default model's top-1 class must be the same on both tensors.
 */
class ScaledDecodeTest {

    static final String[] PHOTOS = {"astronaut.png", "chelsea.png", "coffee.png"};

    @Test
    void twelveMegapixelPhotosStayWithinTheFaithfulnessBound() throws ImageException {
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        Session model = Model.builtin("shufflenet_v1_g3_x1_0").engine().newSession(1, 224, 224);
        for (int i = 0; i <= PHOTOS.length; i++) {
            String name = i < PHOTOS.length ? PHOTOS[i] : "mosaic";
            byte[] photo = i < PHOTOS.length ? Images.photo(PHOTOS[i], 4000, 3000, 40 + i, 0.9f)
                    : Images.mosaic(4000, 3000, 0.9f);
            float[] exact;
            try (ImageDecoder d = new ImageDecoder(DecodeOptions.defaults().withSubsample(false))) {
                exact = pre.apply(d.decode(photo, 0, photo.length, name, pre.resizeTarget()));
            }
            for (double headroom : new double[] {DecodeOptions.DEFAULT_HEADROOM, 1, 0}) {
                DecodeOptions options = headroom == 0
                        ? DecodeOptions.defaults().withJpeg(DecodeOptions.JpegDecoderChoice.IMAGEIO)
                        : DecodeOptions.defaults().withSubsampleHeadroom(headroom);
                try (ImageDecoder d = new ImageDecoder(options)) {
                    DecodedImage image = d.decode(photo, 0, photo.length, name, pre.resizeTarget());
                    assertEquals(null, d.lastFallback());
                    float[] fast = pre.apply(image);
                    double sum = 0;
                    double max = 0;
                    for (int k = 0; k < exact.length; k++) {
                        double diff = Math.abs(exact[k] - fast[k]);
                        sum += diff;
                        max = Math.max(max, diff);
                    }
                    double mean = sum / exact.length;
                    double m = max;
                    System.out.printf(Locale.ROOT, "%-13s 12 MP, %-36s mean |diff| %.4f, max %.4f%n", name,
                            headroom == 0 ? "ImageIO, every " + image.subsampling() + "th pixel:"
                                    : "headroom " + (int) headroom + ", DCT-scaled 1/" + image.scale() + ":", mean, max);
                    if (headroom == DecodeOptions.DEFAULT_HEADROOM) {
                        assertEquals(4, image.scale(), "3000 / 4 = 750 >= 2 x 256");
                        assertTrue(mean <= 0.01, () -> name + ": mean " + mean);
                        assertTrue(m <= 0.1, () -> name + ": max " + m);
                        assertEquals(top1(model.run(exact, 1)), top1(model.run(fast, 1)), name + ": top-1 class");
                    }
                }
            }
        }
    }

    private static int top1(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
