package dev.shufflespark.io.decode;

import dev.shufflespark.io.ConfigValues;
import java.io.Serializable;
import java.util.function.Function;

/**
 * Limits and switches of decoding.
 *
 * @param maxPixels        images with more pixels (width x height from the header) fail as TOO_LARGE
 *                         before any pixel is decoded; default 100 million
 * @param maxBytes         files (or tar members) with more bytes fail as TOO_LARGE without being read;
 *                         default 256 MiB
 * @param exifOrientation  apply the EXIF orientation (default true); torchvision's own loader does not
 * @param subsample        decode large images with source subsampling when the model needs far fewer pixels
 *                         (default true)
 * @param subsampleHeadroom with subsampling, the decoded shorter side stays at least this many times the
 *                         resize target (default 2), so that the antialiased resize still averages several
 *                         decoded pixels per output pixel
 * @param jpeg             which JPEG decoder: our own ({@code builtin}, the default; it falls back to ImageIO
 *                         for what it does not decode) or always ImageIO ({@code imageio})
 * @param timeLimitSeconds an image whose decoding takes longer is stopped and fails as TIMED_OUT (see
 *                         {@link DecodeGuard}); default 60
 */
public record DecodeOptions(long maxPixels, long maxBytes, boolean exifOrientation, boolean subsample,
                            double subsampleHeadroom, JpegDecoderChoice jpeg, double timeLimitSeconds)
        implements Serializable {

    /** The JPEG decoder to use. */
    public enum JpegDecoderChoice {
        /** Our own decoder (DCT-domain scaling), with ImageIO for the JPEG variants it does not decode. */
        BUILTIN,
        /** Always ImageIO (TwelveMonkeys' reader on the JDK's libjpeg), with pixel subsampling. */
        IMAGEIO
    }

    public static final String MAX_PIXELS = "decode.max.pixels";
    public static final String MAX_BYTES = "decode.max.bytes";
    public static final String EXIF_ORIENTATION = "decode.exif.orientation";
    public static final String SUBSAMPLE = "decode.subsample";
    public static final String SUBSAMPLE_HEADROOM = "decode.subsample.headroom";
    public static final String JPEG_DECODER = "decode.jpeg.decoder";
    public static final String TIME_LIMIT = "decode.time.limit.seconds";

    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    public static final double DEFAULT_HEADROOM = 2.0;
    public static final double DEFAULT_TIME_LIMIT_SECONDS = 60;
    /** The longest time limit: a day. */
    public static final double MAX_TIME_LIMIT_SECONDS = 86_400;

    public DecodeOptions {
        if (maxPixels < 1) {
            throw new IllegalArgumentException(MAX_PIXELS + " must be at least 1, got " + maxPixels);
        }
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(MAX_BYTES + " must be 1.." + (Integer.MAX_VALUE - 8) + ", got " + maxBytes);
        }
        if (!(subsampleHeadroom >= 1) || subsampleHeadroom > 1e6) {
            throw new IllegalArgumentException(SUBSAMPLE_HEADROOM + " must be at least 1, got " + subsampleHeadroom);
        }
        if (jpeg == null) {
            throw new IllegalArgumentException(JPEG_DECODER + " must be given");
        }
        if (!(timeLimitSeconds >= 0.001) || timeLimitSeconds > MAX_TIME_LIMIT_SECONDS) {
            throw new IllegalArgumentException(TIME_LIMIT + " must be 0.001.." + (long) MAX_TIME_LIMIT_SECONDS
                    + " seconds, got " + timeLimitSeconds);
        }
    }

    public DecodeOptions(long maxPixels, long maxBytes, boolean exifOrientation, boolean subsample,
                         double subsampleHeadroom, JpegDecoderChoice jpeg) {
        this(maxPixels, maxBytes, exifOrientation, subsample, subsampleHeadroom, jpeg, DEFAULT_TIME_LIMIT_SECONDS);
    }

    public DecodeOptions(long maxPixels, long maxBytes, boolean exifOrientation, boolean subsample,
                         double subsampleHeadroom) {
        this(maxPixels, maxBytes, exifOrientation, subsample, subsampleHeadroom, JpegDecoderChoice.BUILTIN);
    }

    public static DecodeOptions defaults() {
        return new DecodeOptions(DEFAULT_MAX_PIXELS, DEFAULT_MAX_BYTES, true, true, DEFAULT_HEADROOM,
                JpegDecoderChoice.BUILTIN, DEFAULT_TIME_LIMIT_SECONDS);
    }

    public DecodeOptions withMaxPixels(long v) {
        return new DecodeOptions(v, maxBytes, exifOrientation, subsample, subsampleHeadroom, jpeg, timeLimitSeconds);
    }

    public DecodeOptions withMaxBytes(long v) {
        return new DecodeOptions(maxPixels, v, exifOrientation, subsample, subsampleHeadroom, jpeg, timeLimitSeconds);
    }

    public DecodeOptions withExifOrientation(boolean v) {
        return new DecodeOptions(maxPixels, maxBytes, v, subsample, subsampleHeadroom, jpeg, timeLimitSeconds);
    }

    public DecodeOptions withSubsample(boolean v) {
        return new DecodeOptions(maxPixels, maxBytes, exifOrientation, v, subsampleHeadroom, jpeg, timeLimitSeconds);
    }

    public DecodeOptions withSubsampleHeadroom(double v) {
        return new DecodeOptions(maxPixels, maxBytes, exifOrientation, subsample, v, jpeg, timeLimitSeconds);
    }

    public DecodeOptions withTimeLimitSeconds(double v) {
        return new DecodeOptions(maxPixels, maxBytes, exifOrientation, subsample, subsampleHeadroom, jpeg, v);
    }

    /** The time limit in nanoseconds. */
    public long timeLimitNanos() {
        return (long) (timeLimitSeconds * 1e9);
    }

    public DecodeOptions withJpeg(JpegDecoderChoice v) {
        return new DecodeOptions(maxPixels, maxBytes, exifOrientation, subsample, subsampleHeadroom, v, timeLimitSeconds);
    }

    /**
     * The options set by {@code lookup} (a configuration's {@code get}), the defaults for keys it does not
     * have. A bad value fails naming the key and the value.
     */
    public static DecodeOptions from(Function<String, String> lookup) {
        DecodeOptions d = defaults();
        return new DecodeOptions(
                ConfigValues.longValue(lookup, MAX_PIXELS, d.maxPixels),
                ConfigValues.longValue(lookup, MAX_BYTES, d.maxBytes),
                ConfigValues.booleanValue(lookup, EXIF_ORIENTATION, d.exifOrientation),
                ConfigValues.booleanValue(lookup, SUBSAMPLE, d.subsample),
                ConfigValues.doubleValue(lookup, SUBSAMPLE_HEADROOM, d.subsampleHeadroom),
                jpegChoice(lookup.apply(JPEG_DECODER), d.jpeg),
                ConfigValues.doubleValue(lookup, TIME_LIMIT, d.timeLimitSeconds));
    }

    private static JpegDecoderChoice jpegChoice(String v, JpegDecoderChoice d) {
        if (v == null || v.isBlank()) {
            return d;
        }
        try {
            return JpegDecoderChoice.valueOf(v.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(JPEG_DECODER + " must be builtin or imageio, got '" + v + "'");
        }
    }
}
