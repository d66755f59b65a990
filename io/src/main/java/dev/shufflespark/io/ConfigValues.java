package dev.shufflespark.io;

import java.util.Locale;
import java.util.function.Function;

/**
 * Typed values from a configuration lookup (a Hadoop {@code Configuration::get}, a map's {@code get}, the
 * job's layered settings): a missing or blank key gives the fallback, a bad value fails naming the key and
 * the value.
 */
public final class ConfigValues {

    private ConfigValues() {
    }

    public static long longValue(Function<String, String> lookup, String key, long fallback) {
        String v = trimmed(lookup, key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }

    public static int intValue(Function<String, String> lookup, String key, int fallback) {
        long v = longValue(lookup, key, fallback);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " is out of range: " + v);
        }
        return (int) v;
    }

    public static double doubleValue(Function<String, String> lookup, String key, double fallback) {
        String v = trimmed(lookup, key);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, got '" + v + "'");
        }
    }

    public static boolean booleanValue(Function<String, String> lookup, String key, boolean fallback) {
        String v = trimmed(lookup, key);
        if (v == null) {
            return fallback;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1":
                return true;
            case "false", "no", "off", "0":
                return false;
            default:
                throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        }
    }

    public static String trimmed(Function<String, String> lookup, String key) {
        String v = lookup.apply(key);
        if (v == null) {
            return null;
        }
        v = v.strip();
        return v.isEmpty() ? null : v;
    }
}
