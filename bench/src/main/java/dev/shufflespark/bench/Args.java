package dev.shufflespark.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --key value} command-line arguments of the bench programs (no picocli on their class path). */
public final class Args {

    private Args() {
    }

    /** The values of {@code args}, which must be pairs of a known key and a value; exits with 2 otherwise. */
    public static Map<String, String> parse(String[] args, String... keys) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!List.of(keys).contains(args[i]) || i + 1 >= args.length) {
                usage("unknown option or missing value: " + args[i] + " (options: " + String.join(" ", keys) + ")");
            }
            values.put(args[i], args[i + 1]);
        }
        return values;
    }

    public static String required(Map<String, String> values, String key) {
        String v = values.get(key);
        if (v == null) {
            usage(key + " is required");
        }
        return v;
    }

    private static void usage(String message) {
        System.err.println(message);
        System.exit(2);
    }
}
