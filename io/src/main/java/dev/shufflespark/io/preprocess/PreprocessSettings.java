package dev.shufflespark.io.preprocess;

import dev.shufflespark.io.ConfigValues;
import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The numbers of a model's input pipeline. The default is torchvision's ImageNet convention:
 * {@code Resize(256)}, {@code CenterCrop(224)}, {@code ToTensor()} (RGB, scaled to [0, 1]),
 * {@code Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))}. Models converted from Caffe2
 * (the ONNX Model Zoo's) may want BGR planes, values in 0..255 and other means: those are settings too.
 *
 * @param resizeShorter the shorter side after the (aspect-preserving) resize
 * @param cropHeight    the centre crop's height, at most {@code resizeShorter}
 * @param cropWidth     the centre crop's width, at most {@code resizeShorter}
 * @param mean          per channel, in R, G, B order and in the units of {@code range}
 * @param std           per channel, in R, G, B order, positive
 * @param range         the scale of a pixel before normalising: [0, 1] or [0, 255]
 * @param channels      the order of the output planes
 */
public record PreprocessSettings(int resizeShorter, int cropHeight, int cropWidth, float[] mean, float[] std,
                                 Range range, Channels channels) implements Serializable {

    /** Pixel values before normalisation: {@code v / 255} (torchvision) or {@code v} (Caffe). */
    public enum Range { UNIT, BYTE }

    /** Order of the three output planes. */
    public enum Channels { RGB, BGR }

    public static final String RESIZE = "preprocess.resize";
    public static final String CROP = "preprocess.crop";
    public static final String MEAN = "preprocess.mean";
    public static final String STD = "preprocess.std";
    public static final String RANGE = "preprocess.range";
    public static final String CHANNELS = "preprocess.channels";
    /** Every key, in the order {@link #resolve} reports them. */
    public static final String[] KEYS = {RESIZE, CROP, MEAN, STD, RANGE, CHANNELS};

    public PreprocessSettings {
        if (resizeShorter < 1 || cropHeight < 1 || cropWidth < 1) {
            throw new IllegalArgumentException("sizes must be positive: resize " + resizeShorter + ", crop "
                    + cropHeight + "x" + cropWidth);
        }
        if (resizeShorter > 16384) {
            throw new IllegalArgumentException(RESIZE + " must be at most 16384, got " + resizeShorter);
        }
        if (cropHeight > resizeShorter || cropWidth > resizeShorter) {
            throw new IllegalArgumentException("crop " + cropHeight + "x" + cropWidth
                    + " is larger than the resized shorter side " + resizeShorter);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got " + Arrays.toString(mean)
                    + " and " + Arrays.toString(std));
        }
        for (int c = 0; c < 3; c++) {
            if (!(std[c] > 0) || Float.isInfinite(std[c]) || !Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("std must be positive and mean finite, got mean "
                        + Arrays.toString(mean) + ", std " + Arrays.toString(std));
            }
        }
        if (range == null || channels == null) {
            throw new IllegalArgumentException("range and channels must be given");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** torchvision's ImageNet pipeline: resize 256, crop 224, RGB in [0, 1], ImageNet mean and std. */
    public static PreprocessSettings imagenet() {
        return new PreprocessSettings(256, 224, 224, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, Range.UNIT, Channels.RGB);
    }

    public PreprocessSettings withResize(int resize, int cropH, int cropW) {
        return new PreprocessSettings(resize, cropH, cropW, mean, std, range, channels);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Floats per image: 3 x cropHeight x cropWidth. */
    public int imageFloats() {
        return 3 * cropHeight * cropWidth;
    }

    /** The values as {@link #from} reads them. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(RESIZE, Integer.toString(resizeShorter));
        m.put(CROP, cropHeight == cropWidth ? Integer.toString(cropHeight) : cropHeight + "," + cropWidth);
        m.put(MEAN, join(mean));
        m.put(STD, join(std));
        m.put(RANGE, range.name().toLowerCase(Locale.ROOT));
        m.put(CHANNELS, channels.name().toLowerCase(Locale.ROOT));
        return m;
    }

    /** The settings in {@code lookup}, the ImageNet defaults for keys it lacks; errors name key and value. */
    public static PreprocessSettings from(Function<String, String> lookup) {
        return resolve(Map.of(), lookup).settings();
    }

    /** Settings and where each value came from: "model", "configuration" or "default". */
    public record Resolved(PreprocessSettings settings, Map<String, String> sources) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            Map<String, String> values = settings.toMap();
            for (String key : KEYS) {
                s.append(key).append(" = ").append(values.get(key)).append(" (").append(sources.get(key)).append(")\n");
            }
            return s.toString();
        }
    }

    /**
     * Each key from the model's metadata where it has it, else from the configuration, else the default
     * (torchvision's ImageNet values). Model metadata keys are the same as the configuration keys.
     */
    public static Resolved resolve(Map<String, String> modelMetadata, Function<String, String> configuration) {
        Map<String, String> sources = new LinkedHashMap<>();
        Map<String, String> defaults = imagenet().toMap();
        Function<String, String> pick = key -> {
            String v = ConfigValues.trimmed(modelMetadata::get, key);
            if (v != null) {
                sources.put(key, "model");
                return v;
            }
            v = ConfigValues.trimmed(configuration, key);
            if (v != null) {
                sources.put(key, "configuration");
                return v;
            }
            sources.put(key, "default");
            return defaults.get(key);
        };
        int resize = ConfigValues.intValue(pick, RESIZE, 0);
        int[] crop = ints(CROP, pick.apply(CROP));
        if (crop.length != 1 && crop.length != 2) {
            throw new IllegalArgumentException(CROP + " must be one size or height,width, got '" + pick.apply(CROP) + "'");
        }
        float[] mean = floats(MEAN, pick.apply(MEAN));
        float[] std = floats(STD, pick.apply(STD));
        Range range = enumValue(Range.class, RANGE, pick.apply(RANGE));
        Channels channels = enumValue(Channels.class, CHANNELS, pick.apply(CHANNELS));
        PreprocessSettings s;
        try {
            s = new PreprocessSettings(resize, crop[0], crop[crop.length - 1], mean, std, range, channels);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("preprocessing settings " + sources + ": " + e.getMessage(), e);
        }
        return new Resolved(s, Map.copyOf(sources));
    }

    private static int[] ints(String key, String v) {
        String[] parts = v.split("[,x]");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be integers, got '" + v + "'");
            }
        }
        return out;
    }

    private static float[] floats(String key, String v) {
        String[] parts = v.split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException(key + " needs three comma-separated numbers (R,G,B), got '" + v + "'");
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " needs three comma-separated numbers (R,G,B), got '" + v + "'");
            }
        }
        return out;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String key, String v) {
        try {
            return Enum.valueOf(type, v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be one of " + Arrays.toString(type.getEnumConstants())
                    .toLowerCase(Locale.ROOT) + ", got '" + v + "'");
        }
    }

    private static String join(float[] v) {
        return v[0] + "," + v[1] + "," + v[2];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessSettings p && p.resizeShorter == resizeShorter && p.cropHeight == cropHeight
                && p.cropWidth == cropWidth && Arrays.equals(p.mean, mean) && Arrays.equals(p.std, std)
                && p.range == range && p.channels == channels;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {resizeShorter, cropHeight, cropWidth, Arrays.hashCode(mean),
            Arrays.hashCode(std), range, channels});
    }

    @Override
    public String toString() {
        return "PreprocessSettings" + toMap();
    }
}
