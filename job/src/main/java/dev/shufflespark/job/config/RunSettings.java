package dev.shufflespark.job.config;

import dev.shufflespark.job.ClassifyJob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * The settings of one {@code classify} run, layered as the command line gives them: built-in defaults < a
 * configuration file < flags < {@code --conf KEY=VALUE}, each value with where it came from. Without an input and
 * an output the run classifies the bundled samples into {@link #DEFAULT_OUTPUT}, which the next such run replaces.
 */
public final class RunSettings {

    /** The output folder when none is given. */
    public static final String DEFAULT_OUTPUT = "shufflespark-output";

    /**
     * A flag's value for a setting, null when the flag was not given.
     *
     * @param key   the setting, e.g. {@code batch.size}
     * @param value the flag's value, or null
     * @param flag  the flag, e.g. {@code --batch-size}, which becomes the value's source
     */
    public record Flag(String key, String value, String flag) {
    }

    private RunSettings() {
    }

    /**
     * The layered settings.
     *
     * @param configFile        the file {@code --config} names, or null; it must exist
     * @param defaultConfigFile the file read when {@code --config} is not given, if any
     * @param flags             the flags' values, in the order they are shown; {@link JobConfig#INPUT} and
     *                          {@link JobConfig#OUTPUT} among them
     * @param conf              {@code KEY=VALUE} settings over everything else
     * @param samples           the bundled samples folder, asked for only when neither input nor output is given
     * @throws ConfigException for a missing configuration file or a {@code --conf} that is not KEY=VALUE
     */
    public static Settings layer(Path configFile, Optional<Path> defaultConfigFile, List<Flag> flags,
                                 List<String> conf, Supplier<Path> samples) throws IOException {
        Settings s = new Settings().layer("default", JobConfig.defaults());
        if (value(flags, JobConfig.INPUT) == null && value(flags, JobConfig.OUTPUT) == null) {
            s.put(JobConfig.INPUT, samples.get().toString(), "default (bundled samples)");
        }
        s.put(JobConfig.OUTPUT, DEFAULT_OUTPUT, "default");

        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new ConfigException("--config " + configFile + ": no such file");
        }
        Path file = configFile != null ? configFile : defaultConfigFile.orElse(null);
        if (file != null) {
            s.layer("file " + file, read(file));
        }
        for (Flag f : flags) {
            s.put(f.key(), f.value(), f.flag());
        }
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--conf " + kv + ": expected KEY=VALUE");
            }
            s.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip(), "--conf");
        }
        // The default output folder is replaced by the next run that uses it, but only when it holds a previous
        // run's output (or nothing).
        if ("default".equals(s.source(JobConfig.OUTPUT)) && "default".equals(s.source(JobConfig.MODE))) {
            Path dir = Path.of(s.get(JobConfig.OUTPUT));
            if (Files.isDirectory(dir) && (Files.exists(dir.resolve(ClassifyJob.SUMMARY_FILE))
                    || Files.isDirectory(dir.resolve(ClassifyJob.LABELS_DIR)) || isEmpty(dir))) {
                s.put(JobConfig.MODE, "overwrite", "default (the default output is replaced)");
            }
        }
        return s;
    }

    private static String value(List<Flag> flags, String key) {
        for (Flag f : flags) {
            if (f.key().equals(key)) {
                return f.value();
            }
        }
        return null;
    }

    private static Map<String, String> read(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        Map<String, String> layer = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            layer.put(k, p.getProperty(k));
        }
        return layer;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
