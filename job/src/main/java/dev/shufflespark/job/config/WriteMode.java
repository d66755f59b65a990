package dev.shufflespark.job.config;

import java.util.Locale;

/** What to do when the output folder exists. */
public enum WriteMode {
    /** Refuse to run, leaving it as it is (the default). */
    ERROR,
    /** Delete it, then write. */
    OVERWRITE,
    /** Keep its rows and classify only the inputs that have none. */
    RESUME;

    static WriteMode parse(String key, String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, value, "must be error, overwrite or resume");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
