package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Model;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job reading from and writing to a file system other than the local one: subclasses start a real one
 * (HDFS, S3) in this JVM and give its root URI and settings. The model file and the labels file live there too.
 */
abstract class RemoteClassifyTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";

    static SparkSession spark;

    /** A folder URI on the remote file system, unique to the caller, without a trailing slash. */
    abstract String root(String name);

    private FileSystem fs(String uri) throws IOException {
        return new Path(uri).getFileSystem(spark.sparkContext().hadoopConfiguration());
    }

    private void write(String uri, byte[] bytes) throws IOException {
        try (OutputStream out = fs(uri).create(new Path(uri), true)) {
            out.write(bytes);
        }
    }

    private String read(String uri) throws IOException {
        try (InputStream in = fs(uri).open(new Path(uri))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void classifiesImagesOnTheFileSystemWithAModelAndLabelsFromIt() throws Exception {
        String root = root("mixed");
        TestImages.MixedSet set = new TestImages.MixedSet();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            write(root + "/in/" + f.getKey(), f.getValue());
        }
        // The built-in model saved as a model file, and the ImageNet names as a labels file, both remote.
        java.nio.file.Path local = Files.createTempFile("model", ".ssnm");
        Model.builtin(MODEL).save(local);
        write(root + "/models/v1.ssnm", Files.readAllBytes(local));
        Files.delete(local);
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String n : Labels.imagenet().names()) {
            names.writeBytes((n + "\n").getBytes(StandardCharsets.UTF_8));
        }
        write(root + "/labels.txt", names.toByteArray());

        String out = root + "/out";
        Map<String, String> settings = new HashMap<>(Map.of(JobConfig.INPUT, root + "/in", JobConfig.OUTPUT, out,
                JobConfig.MODEL, root + "/models/v1.ssnm", JobConfig.LABELS, root + "/labels.txt",
                JobConfig.PROGRESS, "0"));
        Summary summary = ClassifyJob.run(spark, JobConfig.from(settings));
        String sha = LoadedModel.load(MODEL, new Configuration()).sha256();
        // The model file holds the same weights as the built-in: the same SHA-256 and the same labels.
        OutputCheck.checkMixedRun(spark, out, set, MODEL, sha, summary);
        OutputCheck.checkReport(out, summary);
        assertFalse(summary.builtinModel, "a model file, not a built-in name");
        String json = read(out + "/" + ClassifyJob.SUMMARY_FILE);
        for (String secret : secrets()) {
            assertFalse(json.contains(secret), "summary.json holds a credential");
        }

        // A second run into the same output is refused, and the output is left as it was.
        JobException e = assertThrows(JobException.class, () -> ClassifyJob.run(spark, JobConfig.from(settings)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(json, read(out + "/" + ClassifyJob.SUMMARY_FILE));
    }

    /** A point to kill a run at, and the format it writes. */
    record CrashCase(String point, int unit, OutputFormat format) {
    }

    /** Where this file system's crash test kills its runs. */
    abstract List<CrashCase> crashCases();

    /** The file system's settings for a child JVM (without the {@code spark.hadoop.} prefix). */
    Map<String, String> childSettings() {
        return Map.of();
    }

    @Test
    void aRunKilledWithSigkillResumesToExactlyOneRowPerImage(@TempDir java.nio.file.Path scratch) throws Exception {
        for (CrashCase c : crashCases()) {
            String root = root("crash-" + c.point().toLowerCase(java.util.Locale.ROOT) + "-" + c.format().source());
            CrashCheck.writeInputs(fs(root), root + "/in");
            CrashCheck.killThenResume(spark, root + "/in", root + "/out", c.point(), c.unit(), c.format(),
                    childSettings(), scratch);
        }
    }

    /** Credentials the file system's settings hold, which must never be written out. */
    String[] secrets() {
        return new String[0];
    }
}
