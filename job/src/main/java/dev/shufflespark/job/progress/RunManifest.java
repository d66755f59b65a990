package dev.shufflespark.job.progress;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputFormat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What makes a run's rows what they are, kept as {@code manifest.json} at the output folder's root before the
 * first unit is written: the model's SHA-256, top-k, the class names, the label rows' format, whether they have
 * the features column, and every decoding, preprocessing and tar-member setting that changes a row. A resume
 * must have the same, so that every row of the output answers the same question.
 *
 * @param version       of this record's layout
 * @param runId         the run that made the output (its first attempt)
 * @param createdMillis when (epoch milliseconds)
 * @param model         the model's name, for messages (its identity is its SHA-256)
 * @param identity      the settings that must not change, by key ({@code model.sha256}, {@code top.k},
 *                      {@code labels.sha256}, {@code format}, {@code features}, {@code decode.*},
 *                      {@code preprocess.*}, {@code input.extensions})
 */
public record RunManifest(int version, String runId, long createdMillis, String model,
                          Map<String, String> identity) {

    public static final int VERSION = 1;
    public static final String MODEL_SHA256 = "model.sha256";
    public static final String LABELS_SHA256 = "labels.sha256";

    public RunManifest {
        identity = new TreeMap<>(identity);
        // Outputs written before the features column existed have none.
        identity.putIfAbsent(JobConfig.FEATURES, "false");
    }

    /** The manifest of a run with these settings. */
    public static RunManifest of(String runId, String model, String modelSha256, List<String> labels, int topK,
                                 OutputFormat format, boolean features, PreprocessSettings preprocess,
                                 DecodeOptions decode, ListingOptions listing) {
        Map<String, String> id = new TreeMap<>();
        id.put(MODEL_SHA256, modelSha256);
        id.put(JobConfig.TOP_K, Integer.toString(topK));
        id.put(LABELS_SHA256, sha256(String.join("\n", labels)));
        id.put(JobConfig.FORMAT, format.source());
        id.put(JobConfig.FEATURES, Boolean.toString(features));
        id.putAll(preprocess.toMap());
        id.put(DecodeOptions.MAX_PIXELS, Long.toString(decode.maxPixels()));
        id.put(DecodeOptions.MAX_BYTES, Long.toString(decode.maxBytes()));
        id.put(DecodeOptions.EXIF_ORIENTATION, Boolean.toString(decode.exifOrientation()));
        id.put(DecodeOptions.SUBSAMPLE, Boolean.toString(decode.subsample()));
        id.put(DecodeOptions.SUBSAMPLE_HEADROOM, Double.toString(decode.subsampleHeadroom()));
        id.put(ListingOptions.IMAGE_EXTENSIONS, String.join(",", new java.util.TreeSet<>(listing.imageExtensions())));
        return new RunManifest(VERSION, runId, System.currentTimeMillis(), model, id);
    }

    /**
     * How {@code now} differs from this manifest (the output's), one phrase per setting, e.g. {@code top.k: 5 in
     * the output, 3 now}; empty when it may resume.
     */
    public List<String> differences(RunManifest now) {
        List<String> out = new ArrayList<>();
        Map<String, String> all = new TreeMap<>(identity);
        now.identity.forEach(all::putIfAbsent);
        for (String key : all.keySet()) {
            String was = identity.get(key);
            String is = now.identity.get(key);
            if (was == null || !was.equals(is)) {
                String extra = key.equals(MODEL_SHA256) ? " (" + model + " against " + now.model + ")" : "";
                out.add(key + ": " + (was == null ? "unset" : was) + " in the output, " + (is == null ? "unset" : is)
                        + " now" + extra);
            }
        }
        return out;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
