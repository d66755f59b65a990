package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.SparkSessions;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A local run killed with SIGKILL (a child JVM running the command line) at each point of its life, in each
 * format, then resumed: exactly one row per image, every committed unit kept, a summary of both attempts.
 */
class CrashResumeTest {

    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "CrashResumeTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @ParameterizedTest(name = "killed at {0} {1}, {2}")
    @CsvSource({
        "STARTED, -1, parquet",       // the manifest is written, no unit submitted
        "MID_UNIT, 0, parquet",       // tasks of the first units have written rows, nothing is committed
        "MID_UNIT, 2, json",          // some units committed, others in flight
        "UNIT_COMMITTED, 1, csv",     // a unit's rows committed, its record not yet written
        "UNIT_RECORDED, 1, parquet",  // between units
        "SUMMARY, -1, json",          // every unit committed, the summary being written
    })
    void aKilledRunResumesToExactlyOneRowPerImage(String point, int unit, String format) throws Exception {
        Path in = dir.resolve("in");
        CrashCheck.writeInputs(CrashCheck.fs(spark, in.toString()), in.toString());
        String out = dir.resolve("out").toUri().toString().replaceAll("/$", "");
        Summary s = CrashCheck.killThenResume(spark, in.toString(), out, point, unit,
                OutputFormat.valueOf(format.toUpperCase(java.util.Locale.ROOT)), Map.of(), dir);
        // killThenResume checks that exactly the units committed without a record were rebuilt; a commit under way
        // when the run began to hold may add one to the unit held at UNIT_COMMITTED
        if (point.equals("UNIT_COMMITTED")) {
            assertTrue(s.unitsRebuilt >= 1, "a unit committed without its record is rebuilt from its rows");
        }
    }
}
