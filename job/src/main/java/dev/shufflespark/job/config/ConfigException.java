package dev.shufflespark.job.config;

/** A setting with a bad value; the message names the key (and its flag) and the value. */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String key, String value, String problem) {
        super(JobConfig.describeKey(key) + ": '" + Settings.mask(key, value) + "' " + problem);
    }

    public ConfigException(String message) {
        super(message);
    }
}
