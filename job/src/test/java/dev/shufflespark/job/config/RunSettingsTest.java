package dev.shufflespark.job.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layers of a run's settings: defaults < configuration file < flags < --conf, with each value's source. */
class RunSettingsTest {

    @TempDir
    Path dir;

    private static final Supplier<Path> NO_SAMPLES = () -> {
        throw new AssertionError("the samples are not needed");
    };

    private static List<RunSettings.Flag> flags(String input, String output, String batch) {
        List<RunSettings.Flag> f = new ArrayList<>();
        f.add(new RunSettings.Flag(JobConfig.INPUT, input, "--input"));
        f.add(new RunSettings.Flag(JobConfig.OUTPUT, output, "--output"));
        f.add(new RunSettings.Flag(JobConfig.BATCH_SIZE, batch, "--batch-size"));
        return f;
    }

    @Test
    void eachLayerOverTheOneBefore() throws Exception {
        Path file = Files.writeString(dir.resolve("job.properties"), "batch.size = 16\ntop.k = 3\nformat = json\n");
        Settings s = RunSettings.layer(file, Optional.empty(), flags("/in", "/out", "32"),
                List.of("top.k=7", "spark.executor.memory = 2g"), NO_SAMPLES);
        assertEquals("32", s.get(JobConfig.BATCH_SIZE));
        assertEquals("--batch-size", s.source(JobConfig.BATCH_SIZE));
        assertEquals("7", s.get(JobConfig.TOP_K));
        assertEquals("--conf", s.source(JobConfig.TOP_K));
        assertEquals("json", s.get(JobConfig.FORMAT));
        assertEquals("file " + file, s.source(JobConfig.FORMAT));
        assertEquals("shufflenet_v1_g3_x1_0", s.get(JobConfig.MODEL));
        assertEquals("default", s.source(JobConfig.MODEL));
        assertEquals("2g", s.get("spark.executor.memory"));
        assertEquals("/in", s.get(JobConfig.INPUT));
        assertEquals("error", s.get(JobConfig.MODE), "a named output is never replaced by default");
    }

    @Test
    void theDefaultConfigurationFileOnlyWithoutConfig() throws Exception {
        Path home = Files.writeString(dir.resolve("home.properties"), "top.k = 4\n");
        Path given = Files.writeString(dir.resolve("given.properties"), "format = csv\n");
        Settings s = RunSettings.layer(null, Optional.of(home), flags("/in", "/out", null), List.of(), NO_SAMPLES);
        assertEquals("4", s.get(JobConfig.TOP_K));
        assertEquals("file " + home, s.source(JobConfig.TOP_K));
        Settings t = RunSettings.layer(given, Optional.of(home), flags("/in", "/out", null), List.of(), NO_SAMPLES);
        assertEquals("5", t.get(JobConfig.TOP_K));
        assertEquals("csv", t.get(JobConfig.FORMAT));
    }

    @Test
    void withoutInputAndOutputTheSamplesGoToTheDefaultOutput() throws Exception {
        Path samples = Files.createDirectories(dir.resolve("samples"));
        Settings s = RunSettings.layer(null, Optional.empty(), flags(null, null, null), List.of(), () -> samples);
        assertEquals(samples.toString(), s.get(JobConfig.INPUT));
        assertEquals("default (bundled samples)", s.source(JobConfig.INPUT));
        assertEquals(RunSettings.DEFAULT_OUTPUT, s.get(JobConfig.OUTPUT));
        Settings named = RunSettings.layer(null, Optional.empty(), flags(null, "/out", null), List.of(), NO_SAMPLES);
        assertEquals(null, named.get(JobConfig.INPUT), "an output without an input is the user's error to see");
    }

    @Test
    void mistakesAreConfigErrorsNamingTheValue() {
        Path missing = dir.resolve("nope.properties");
        assertEquals("--config " + missing + ": no such file", assertThrows(ConfigException.class,
                () -> RunSettings.layer(missing, Optional.empty(), flags("/in", "/out", null), List.of(), NO_SAMPLES))
                .getMessage());
        assertEquals("--conf nonsense: expected KEY=VALUE", assertThrows(ConfigException.class,
                () -> RunSettings.layer(null, Optional.empty(), flags("/in", "/out", null), List.of("nonsense"),
                        NO_SAMPLES)).getMessage());
    }
}
