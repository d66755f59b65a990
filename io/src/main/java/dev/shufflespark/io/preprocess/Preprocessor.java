package dev.shufflespark.io.preprocess;

import dev.shufflespark.io.decode.RgbImage;
import java.util.Arrays;

/**
 * ImageNet-style preprocessing, as torchvision's {@code Resize(256), CenterCrop(224), ToTensor(),
 * Normalize(mean, std)} does it for a Pillow image:
 * <ol>
 *   <li>resize so that the shorter side is {@code resizeShorter} (the longer side keeps the aspect ratio,
 *       truncated), with an antialiased bilinear (triangle) filter, rounding to 8 bits after each pass;</li>
 *   <li>crop the centre {@code cropHeight x cropWidth} (offsets rounded half to even, as Python's
 *       {@code round});</li>
 *   <li>scale each sample to [0, 1] and normalise it per channel: {@code (v / 255 - mean) / std} in float32;</li>
 *   <li>write float32 planes R, G, B (CHW), as one image of an NCHW batch.</li>
 * </ol>
 * Close to Pillow's resampling but not yet bit-exact with it. Immutable and thread-safe.
 */
public final class Preprocessor {

    /** The numbers of the pipeline; {@link #imagenet()} gives torchvision's ImageNet values. */
    public record Settings(int resizeShorter, int cropHeight, int cropWidth, float[] mean, float[] std) {

        public Settings {
            if (resizeShorter < 1 || cropHeight < 1 || cropWidth < 1) {
                throw new IllegalArgumentException("sizes must be positive: resize " + resizeShorter
                        + ", crop " + cropHeight + "x" + cropWidth);
            }
            if (cropHeight > resizeShorter || cropWidth > resizeShorter) {
                throw new IllegalArgumentException("crop " + cropHeight + "x" + cropWidth
                        + " is larger than the resized shorter side " + resizeShorter);
            }
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got "
                        + Arrays.toString(mean) + " and " + Arrays.toString(std));
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
                }
            }
            mean = mean.clone();
            std = std.clone();
        }

        /** Resize 256, centre crop 224, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). */
        public static Settings imagenet() {
            return new Settings(256, 224, 224,
                    new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
        }

        @Override
        public float[] mean() {
            return mean.clone();
        }

        @Override
        public float[] std() {
            return std.clone();
        }

        @Override
        public String toString() {
            return "Settings[resizeShorter=" + resizeShorter + ", crop=" + cropHeight + "x" + cropWidth
                    + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
        }
    }

    private final Settings settings;
    /** normalised[c * 256 + v]: the float value of 8-bit sample v in channel c. */
    private final float[] normalised = new float[3 * 256];

    public Preprocessor(Settings settings) {
        this.settings = settings;
        float[] mean = settings.mean();
        float[] std = settings.std();
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                normalised[c * 256 + v] = (v / 255f - mean[c]) / std[c];
            }
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Floats per image: 3 x cropHeight x cropWidth. */
    public int outputLength() {
        return 3 * settings.cropHeight() * settings.cropWidth();
    }

    /** Preprocesses one image into a new array of {@link #outputLength()} floats, CHW. */
    public float[] apply(RgbImage image) {
        float[] out = new float[outputLength()];
        apply(image, out, 0);
        return out;
    }

    /** Preprocesses one image into {@code out[offset, offset + outputLength())}, CHW. */
    public void apply(RgbImage image, float[] out, int offset) {
        int ch = settings.cropHeight();
        int cw = settings.cropWidth();
        if (offset < 0 || out.length - offset < outputLength()) {
            throw new IllegalArgumentException("output has room for " + (out.length - offset)
                    + " floats at offset " + offset + ", need " + outputLength());
        }
        int[] size = resizedSize(image.width(), image.height(), settings.resizeShorter());
        RgbImage resized = resize(image, size[0], size[1]);
        int left = cropOffset(resized.width(), cw);
        int top = cropOffset(resized.height(), ch);
        byte[] px = resized.pixels();
        int plane = ch * cw;
        for (int y = 0; y < ch; y++) {
            int src = ((top + y) * resized.width() + left) * 3;
            int dst = offset + y * cw;
            for (int x = 0; x < cw; x++, src += 3) {
                out[dst + x] = normalised[px[src] & 0xff];
                out[dst + plane + x] = normalised[256 + (px[src + 1] & 0xff)];
                out[dst + 2 * plane + x] = normalised[512 + (px[src + 2] & 0xff)];
            }
        }
    }

    /** {width, height} with the shorter side {@code shorter} and the longer one scaled and truncated. */
    static int[] resizedSize(int width, int height, int shorter) {
        if (width <= height) {
            return new int[] {shorter, (int) ((long) shorter * height / width)};
        }
        return new int[] {(int) ((long) shorter * width / height), shorter};
    }

    /** Start of a centred window of {@code crop} in {@code size}, rounded half to even like Python's round. */
    static int cropOffset(int size, int crop) {
        return (int) Math.rint((size - crop) / 2.0);
    }

    /** Resamples to {@code outW x outH}: horizontal pass, then vertical, each rounded to 8 bits. */
    static RgbImage resize(RgbImage image, int outW, int outH) {
        RgbImage result = image;
        if (outW != image.width()) {
            result = horizontal(result, Taps.triangle(image.width(), outW));
        }
        if (outH != image.height()) {
            result = vertical(result, Taps.triangle(image.height(), outH));
        }
        return result;
    }

    private static RgbImage horizontal(RgbImage in, Taps taps) {
        int w = in.width();
        int h = in.height();
        int outW = taps.outSize();
        byte[] src = in.pixels();
        byte[] dst = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < outW; x++) {
                double r = 0, g = 0, b = 0;
                int first = taps.first[x];
                int base = x * taps.maxTaps;
                for (int t = 0; t < taps.count[x]; t++) {
                    double weight = taps.weights[base + t];
                    int p = row + (first + t) * 3;
                    r += weight * (src[p] & 0xff);
                    g += weight * (src[p + 1] & 0xff);
                    b += weight * (src[p + 2] & 0xff);
                }
                int o = (y * outW + x) * 3;
                dst[o] = clampToByte(r);
                dst[o + 1] = clampToByte(g);
                dst[o + 2] = clampToByte(b);
            }
        }
        return new RgbImage(outW, h, dst);
    }

    private static RgbImage vertical(RgbImage in, Taps taps) {
        int w = in.width();
        int outH = taps.outSize();
        byte[] src = in.pixels();
        byte[] dst = new byte[w * outH * 3];
        int stride = w * 3;
        for (int y = 0; y < outH; y++) {
            int first = taps.first[y];
            int base = y * taps.maxTaps;
            for (int i = 0; i < stride; i++) {
                double v = 0;
                for (int t = 0; t < taps.count[y]; t++) {
                    v += taps.weights[base + t] * (src[(first + t) * stride + i] & 0xff);
                }
                dst[y * stride + i] = clampToByte(v);
            }
        }
        return new RgbImage(w, outH, dst);
    }

    private static byte clampToByte(double v) {
        long r = Math.round(v);
        return (byte) (r < 0 ? 0 : r > 255 ? 255 : r);
    }

    /**
     * For each output index, the source indices {@code first .. first + count - 1} and their normalised
     * weights. The triangle filter is stretched by the scale factor when shrinking, so every source pixel
     * contributes (antialiasing); when enlarging it is plain bilinear interpolation.
     */
    private record Taps(int[] first, int[] count, double[] weights, int maxTaps) {

        int outSize() {
            return first.length;
        }

        static Taps triangle(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double stretch = Math.max(scale, 1.0);
            double support = stretch; // the triangle's radius is 1 source pixel before stretching
            int maxTaps = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            double[] weights = new double[outSize * maxTaps];
            for (int i = 0; i < outSize; i++) {
                double centre = (i + 0.5) * scale; // in source coordinates; pixel x spans [x, x + 1)
                int lo = Math.max(0, (int) Math.floor(centre - support));
                int hi = Math.min(inSize, (int) Math.ceil(centre + support));
                double sum = 0;
                int n = 0;
                for (int x = lo; x < hi && n < maxTaps; x++, n++) {
                    double t = Math.abs(x + 0.5 - centre) / stretch;
                    double weight = t < 1 ? 1 - t : 0;
                    weights[i * maxTaps + n] = weight;
                    sum += weight;
                }
                for (int t = 0; t < n; t++) {
                    weights[i * maxTaps + t] /= sum;
                }
                first[i] = lo;
                count[i] = n;
            }
            return new Taps(first, count, weights, maxTaps);
        }
    }
}
