package dev.shufflespark.io;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;

/**
 * Keeps credentials out of anything we print: configuration dumps, log lines and error messages. A key is
 * sensitive when it is an {@code fs.s3a.*} key containing "key", or any key containing "secret", "token" or
 * "password" (case-insensitive); its value shows as {@value #MASK}. URIs lose their user information
 * ({@code s3a://AKIA...:secret@bucket/} becomes {@code s3a://***@bucket/}).
 */
public final class Redaction {

    public static final String MASK = "*****";

    private static final Pattern USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s]+)@");
    /** Values shorter than this are not searched for in messages: they would match ordinary words. */
    private static final int MIN_SECRET_LENGTH = 4;

    private Redaction() {
    }

    public static boolean isSensitive(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return (k.startsWith("fs.s3a.") && k.contains("key")) || k.contains("secret") || k.contains("token")
                || k.contains("password");
    }

    /** The value as it may be shown. */
    public static String value(String key, String value) {
        return value != null && isSensitive(key) ? MASK : value;
    }

    /** The configuration's keys starting with {@code prefix}, sorted, sensitive values masked. */
    public static Map<String, String> toMap(Configuration conf, String prefix) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : conf) {
            if (e.getKey().startsWith(prefix)) {
                out.put(e.getKey(), value(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /**
     * The text with URI user information removed and the value of every sensitive key of {@code conf}
     * (when it is at least 4 characters) masked wherever it appears. {@code conf} may be null.
     */
    public static String scrub(String text, Configuration conf) {
        if (text == null) {
            return null;
        }
        String out = USER_INFO.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "***@"));
        if (conf != null) {
            for (Map.Entry<String, String> e : conf) {
                String v = e.getValue();
                if (v != null && v.length() >= MIN_SECRET_LENGTH && isSensitive(e.getKey()) && out.contains(v)) {
                    out = out.replace(v, MASK);
                }
            }
        }
        return out;
    }

    /** A URI or path as it may be shown: without user information. */
    public static String uri(String uri) {
        return scrub(uri, null);
    }
}
