package dev.shufflespark.job.config;

import java.util.Locale;

/** How label and statistics rows are written. */
public enum OutputFormat {
    /** Apache Parquet (the default): typed columns, arrays kept as arrays. */
    PARQUET,
    /** JSON Lines: one object per row. */
    JSON,
    /** CSV with a header; array columns are joined with {@code ;}. */
    CSV;

    /** Spark's data source name. */
    public String source() {
        return name().toLowerCase(Locale.ROOT);
    }

    static OutputFormat parse(String key, String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, value, "must be parquet, json or csv");
        }
    }
}
