package dev.shufflespark.io.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.decode.ImageException;
import dev.shufflespark.io.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our tensor against torchvision's ({@code Resize(r)}, {@code CenterCrop(c)}, {@code ToTensor()},
 * {@code Normalize(ImageNet)} on {@code Image.open(f).convert("RGB")}) for real photos and generated
 * images of several sizes and aspect ratios, some enlarged, most shrunk. The required bound is a mean
 * absolute difference of at most 0.01 and a maximum of at most 0.1 in normalised units; the decoder and the
 * resize are built to be bit-exact with Pillow, and a full decode must be exactly torchvision's tensor. The
 * subsampling fast path, where it applies, is checked against a looser bound and reported.
 */
class TorchvisionParityTest {

    static Stream<Arguments> cases() {
        return Fixtures.manifest("preprocess/manifest.tsv").stream()
                .map(r -> Arguments.of(r[0], r[1], Integer.parseInt(r[2]), Integer.parseInt(r[3])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorchvision(String name, String input, int resize, int crop) throws IOException, ImageException {
        float[] expected = Fixtures.floatsGz("preprocess/" + name + ".f32.gz");
        byte[] file = Files.readAllBytes(Fixtures.repository().resolve(input));
        PreprocessSettings settings = PreprocessSettings.imagenet().withResize(resize, crop, crop);
        Preprocessor preprocessor = new Preprocessor(settings);
        assertEquals(expected.length, preprocessor.outputLength());

        for (boolean subsample : new boolean[] {false, true}) {
            DecodedImage image;
            try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults().withSubsample(subsample))) {
                image = decoder.decode(file, 0, file.length, input, preprocessor.resizeTarget());
            }
            if (!subsample) {
                assertEquals(1, image.reduction());
            } else if (image.reduction() == 1) {
                continue; // the fast path does not apply to this size
            }
            float[] actual = new float[7 + expected.length];
            preprocessor.apply(image, actual, 7);
            assertEquals(0f, actual[6], "nothing written before the offset");

            double sum = 0;
            double max = 0;
            int exact = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = Math.abs(expected[i] - actual[7 + i]);
                sum += d;
                max = Math.max(max, d);
                exact += d == 0 ? 1 : 0;
            }
            double mean = sum / expected.length;
            System.out.printf(Locale.ROOT, "%-18s %-22s mean |diff| %.2e, max %.2e, %.3f%% identical%n", name,
                    !subsample ? "full decode" : image.scale() > 1 ? "DCT-scaled 1/" + image.scale()
                            : "subsampled by " + image.subsampling(), mean, max,
                    100.0 * exact / expected.length);
            double m = max;
            if (!subsample) {
                assertTrue(mean <= 0.01, () -> name + ": mean difference " + mean);
                assertTrue(m <= 0.1, () -> name + ": max difference " + m);
                assertEquals(expected.length, exact, "a full decode is bit-exact with torchvision");
            } else {
                // The fast path: JPEGs decoded scaled in the DCT domain (box means) are held to the same bound as
                // a full decode; other formats decode every s-th pixel, which aliases: a looser bound
                // (docs/image-input.md).
                if (image.scale() > 1) {
                    assertTrue(mean <= 0.01 && m <= 0.1, () -> name + " scaled: mean " + mean + ", max " + m);
                } else {
                    assertTrue(mean <= 0.05 && m <= 1.0, () -> name + " subsampled: mean " + mean + ", max " + m);
                }
            }
        }
    }
}
