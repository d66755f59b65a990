package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.DecodeGuard;
import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.io.testing.PoisonImages;
import dev.shufflespark.io.testing.PoisonImages.Poison;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison inputs through the real job on {@code local[2]}: an ImageIO plugin installed in this JVM overflows its
 * stack, runs out of memory, fails with an {@link Error}, hangs until aborted or loops without end on marked files.
 * Each is one row with its reason, no task fails, and the good images (in the same partitions and batches) get the
 * labels the engine gives them alone.
 */
class PoisonInputsTest {

    static final String MODEL = "shufflenet_v2_x0_5";

    static SparkSession spark;
    static SparkSessions.Activity activity;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        PoisonImages.install();
        spark = SparkSessions.start("local[2]", "PoisonInputsTest");
        activity = SparkSessions.Activity.on(spark);
    }

    @AfterAll
    static void stop() {
        PoisonImages.uninstall();
        spark.stop();
    }

    @Test
    void eachPoisonIsOneRowWithItsReasonAndTheGoodImagesAreUnharmed() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Map<String, String> poisons = Map.of(
                "deep.bmp", "DECODE_FAILED", "huge.bmp", "OUT_OF_MEMORY", "bug.bmp", "DECODE_FAILED",
                "hang.bmp", "TIMED_OUT", "spin.bmp", "TIMED_OUT");
        set.files.put("deep.bmp", PoisonImages.bmp(Poison.STACK_OVERFLOW));
        set.files.put("fine.bmp", PoisonImages.goodBmp(90, 60, 5));
        set.files.put("huge.bmp", PoisonImages.bmp(Poison.OUT_OF_MEMORY));
        set.files.put("bug.bmp", PoisonImages.bmp(Poison.ERROR));
        set.files.put("hang.bmp", PoisonImages.bmp(Poison.HANG));
        set.files.put("spin.bmp", PoisonImages.bmp(Poison.SPIN));
        set.expected.putAll(poisons);
        set.expected.put("fine.bmp", "OK");
        Path in = Files.createDirectories(dir.resolve("in"));
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(in.resolve(f.getKey()), f.getValue());
        }
        String out = dir.resolve("out").toUri().toString();
        int abandoned = DecodeGuard.abandonedThreads();
        int failedTasks = activity.failedTasks();
        Summary summary;
        try {
            summary = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT, in.toString(),
                    JobConfig.OUTPUT, out, JobConfig.MODEL, MODEL, JobConfig.PROGRESS, "0",
                    DecodeOptions.TIME_LIMIT, "10")));
        } finally {
            PoisonImages.release();
        }
        String sha256 = LoadedModel.load(MODEL, new Configuration()).sha256();
        OutputCheck.checkMixedRun(spark, out, set, MODEL, sha256, summary);
        assertEquals(failedTasks, activity.failedTasks(), "no task failed");
        assertEquals(abandoned + 1, DecodeGuard.abandonedThreads(), "the spinning decode's thread, abandoned");

        Map<String, Row> rows = OutputCheck.labelRows(spark, out);
        assertTrue(rows.get("deep.bmp").<String>getAs("error").contains("StackOverflowError"));
        assertTrue(rows.get("huge.bmp").<String>getAs("error").contains("out of memory"));
        assertTrue(rows.get("hang.bmp").<String>getAs("error").contains("longer than the limit of 10 s ("
                + DecodeOptions.TIME_LIMIT + ") and was stopped"), rows.get("hang.bmp").<String>getAs("error"));
        assertTrue(rows.get("spin.bmp").<String>getAs("error").contains("its thread was left running"),
                rows.get("spin.bmp").<String>getAs("error"));
    }
}
