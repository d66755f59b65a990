package dev.shufflespark.job.config;

import dev.shufflespark.io.Redaction;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Layered key-value settings that remember where each value came from. Layers are added from the lowest
 * precedence to the highest (built-in defaults, then a configuration file, then command-line flags, then
 * {@code --conf}); a later layer's value replaces an earlier one's. Keys starting with {@code spark.} are
 * Spark's and pass through untouched.
 */
public final class Settings {

    /** A value and where it came from, e.g. {@code default}, {@code file conf/x.properties}, {@code --batch-size}. */
    public record Value(String value, String source) {
    }

    private final Map<String, Value> values = new LinkedHashMap<>();

    public Settings() {
    }

    /** Adds every entry of {@code layer}, each from {@code source}, over what is there. */
    public Settings layer(String source, Map<String, String> layer) {
        for (Map.Entry<String, String> e : layer.entrySet()) {
            put(e.getKey(), e.getValue(), source);
        }
        return this;
    }

    /** Sets one value from {@code source}; a null value leaves the key as it is. */
    public Settings put(String key, String value, String source) {
        if (value != null) {
            values.remove(key); // re-inserted last, so the printed order shows what was set later
            values.put(key, new Value(value, source));
        }
        return this;
    }

    public String get(String key) {
        Value v = values.get(key);
        return v == null ? null : v.value();
    }

    public String source(String key) {
        Value v = values.get(key);
        return v == null ? null : v.source();
    }

    public Map<String, Value> values() {
        return Collections.unmodifiableMap(values);
    }

    /** The {@code spark.*} settings. */
    public Map<String, String> spark() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("spark.")) {
                out.put(k, v.value());
            }
        });
        return out;
    }

    /** Every key and value, sorted by key, credentials masked (for summaries and logs). */
    public Map<String, String> redacted() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, mask(k, v.value())));
        return out;
    }

    /**
     * A value as it may be shown: masked when its key is a credential ({@code fs.s3a.*key*}, secrets, tokens,
     * passwords; also behind Spark's {@code spark.hadoop.} prefix), user information removed from URIs.
     */
    public static String mask(String key, String value) {
        String k = key.startsWith("spark.hadoop.") ? key.substring("spark.hadoop.".length()) : key;
        return Redaction.uri(Redaction.value(k, Redaction.value(key, value)));
    }

    /** One line per key, sorted: {@code key = value   (source)}, credentials masked. */
    public String describe() {
        Map<String, Value> sorted = new TreeMap<>(values);
        int width = 0;
        for (String k : sorted.keySet()) {
            width = Math.max(width, k.length());
        }
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Value> e : sorted.entrySet()) {
            String shown = mask(e.getKey(), e.getValue().value());
            s.append(String.format("%-" + width + "s = %s   (%s)%n", e.getKey(), shown, e.getValue().source()));
        }
        return s.toString();
    }
}
