package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.output.Committer;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.LogCapture;
import dev.shufflespark.job.testing.S3Front;
import dev.shufflespark.job.testing.S3Store;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.logging.log4j.Level;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output on S3 committed by the S3A committers (S3Proxy, every request seen by an {@link S3Front}): each unit's
 * files are multipart uploads that its commit completes, in every format; no request copies an object (a rename
 * on S3 is a copy), Hadoop does not warn that the standard committer is in use, and each unit's {@code _SUCCESS}
 * is the committer's JSON manifest naming exactly the unit's files. The standard committer, asked for, copies and
 * warns: the checks can fail. A run killed while a unit's finished tasks hold pending uploads is resumed with
 * those uploads aborted. A run through 503 SlowDown answers and dropped connections commits every row once.
 */
class S3CommitterTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";
    static final String FACTORY_LOGGER = "org.apache.hadoop.fs.s3a.commit";
    static final String STANDARD_WARNING = "Using standard FileOutputCommitter";

    static S3Store s3;
    static SparkSession spark;

    @TempDir
    Path scratch;

    @BeforeAll
    static void start() throws Exception {
        s3 = new S3Store(1);
        spark = SparkSessions.start("local[2]", "S3CommitterTest");
        s3.settings().forEach(spark.sparkContext().hadoopConfiguration()::set);
    }

    @AfterAll
    static void stop() throws Exception {
        if (spark != null) {
            spark.stop();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    static Configuration conf() {
        return spark.sparkContext().hadoopConfiguration();
    }

    static FileSystem fs(String uri) throws IOException {
        return new org.apache.hadoop.fs.Path(uri).getFileSystem(conf());
    }

    /** Writes the mixed set under {@code dir}, through the front. */
    static TestImages.MixedSet writeInputs(String dir) throws IOException {
        TestImages.MixedSet set = new TestImages.MixedSet();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            try (OutputStream o = fs(dir).create(new org.apache.hadoop.fs.Path(dir + "/" + f.getKey()), true)) {
                o.write(f.getValue());
            }
        }
        return set;
    }

    /** A run of the mixed set in units of 3 inputs, with {@code extra} settings; what S3 saw and Hadoop warned. */
    record Run(String out, TestImages.MixedSet set, Summary summary, List<S3Front.Request> requests,
               List<String> warnings) {

        long copies() {
            return requests.stream().filter(S3Front.Request::copy).count();
        }

        long uploadsCompleted() {
            return requests.stream().filter(S3Front.Request::completesUpload).count();
        }
    }

    static Run run(String name, OutputFormat format, Map<String, String> extra) throws Exception {
        String root = s3.uri(name);
        TestImages.MixedSet set = writeInputs(root + "/in");
        Map<String, String> settings = new HashMap<>(Map.of(JobConfig.INPUT, root + "/in", JobConfig.OUTPUT,
                root + "/out", JobConfig.MODEL, MODEL, JobConfig.FORMAT, format.source(), JobConfig.UNIT_INPUTS, "3",
                JobConfig.PROGRESS, "0"));
        settings.putAll(extra);
        s3.front().clear();
        Summary summary;
        List<String> warnings;
        try (LogCapture log = LogCapture.of(FACTORY_LOGGER, Level.WARN)) {
            summary = ClassifyJob.run(spark, JobConfig.from(settings));
            warnings = log.messages();
        }
        return new Run(root + "/out", set, summary, s3.front().requests(), warnings);
    }

    @Test
    void theMagicCommitterCommitsEveryFormatWithoutCopyingARow() throws Exception {
        String protocol = spark.conf().get(Committer.PROTOCOL_KEY);
        for (OutputFormat format : OutputFormat.values()) {
            Run r = run("magic-" + format.source(), format, Map.of());
            assertEquals(0, r.copies(), format + ": requests that copy an object");
            assertEquals(List.of(), r.warnings(), format + ": Hadoop's committer factory warned");
            checkCommitted(r, format, "magic");
            assertEquals(protocol, spark.conf().get(Committer.PROTOCOL_KEY),
                    "the session's commit protocol is put back after the run");
        }
    }

    @Test
    void theStandardCommitterAskedForCopiesEveryFileItRenamesAndWarns() throws Exception {
        Run r = run("file-csv", OutputFormat.CSV, Map.of(JobConfig.OUTPUT_COMMITTER, "file"));
        assertTrue(r.copies() >= r.summary().partitions, "a copy per file at least: " + r.copies());
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains(STANDARD_WARNING)), r.warnings().toString());
        assertEquals("file", r.summary().configuration.get(JobConfig.OUTPUT_COMMITTER));
        checkRows(r, OutputFormat.CSV);
    }

    @Test
    void theDirectoryCommitterStagesOnTheClusterFileSystem() throws Exception {
        String staging = scratch.resolve("staging").toUri().toString();
        conf().set("fs.s3a.committer.staging.tmp.path", staging);
        try {
            Run r = run("directory-json", OutputFormat.JSON, Map.of(JobConfig.OUTPUT_COMMITTER, "directory"));
            assertEquals(0, r.copies(), "requests that copy an object");
            assertEquals(List.of(), r.warnings());
            checkCommitted(r, OutputFormat.JSON, "directory");
        } finally {
            conf().unset("fs.s3a.committer.staging.tmp.path");
        }
    }

    /**
     * S3 throttling and a flaky network, through the front: a share of the requests answered {@code 503
     * SlowDown} and a share dropped without an answer (the connection closed after the request's head, before
     * S3 saw it), from the listing to the summary. S3A and its SDK retry them; the run commits every row once,
     * through the magic committer, without a copy and without a pending upload left.
     */
    @Test
    void slowDownsAndDroppedConnectionsCostNoRow() throws Exception {
        s3.front().faults(new S3Front.Faults(0.08, 0.04));
        Run r;
        try {
            r = run("faults-parquet", OutputFormat.PARQUET, Map.of());
        } finally {
            s3.front().faults(S3Front.Faults.NONE);
        }
        Map<String, Integer> outcomes = s3.front().outcomes();
        assertTrue(outcomes.getOrDefault("slowdown", 0) >= 5, "requests answered 503: " + outcomes);
        assertTrue(outcomes.getOrDefault("dropped", 0) >= 3, "requests dropped: " + outcomes);
        assertEquals(0, r.copies());
        assertEquals(List.of(), r.warnings());
        checkCommitted(r, OutputFormat.PARQUET, "magic");
    }

    @Test
    void anS3ACommitterForOutputElsewhereIsRefusedBeforeAnyTask() throws Exception {
        Path in = java.nio.file.Files.createDirectories(scratch.resolve("in"));
        java.nio.file.Files.write(in.resolve("a.png"), TestImages.png(40, 40, 1));
        SparkSessions.Activity activity = SparkSessions.Activity.on(spark);
        JobException e = org.junit.jupiter.api.Assertions.assertThrows(JobException.class, () -> ClassifyJob.run(
                spark, JobConfig.from(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, scratch.resolve("out")
                        .toString(), JobConfig.MODEL, MODEL, JobConfig.OUTPUT_COMMITTER, "magic"))));
        assertTrue(e.getMessage().startsWith("output.committer=magic: commits s3a:// output only"), e.getMessage());
        assertEquals(0, activity.tasks.get());
        assertFalse(java.nio.file.Files.exists(scratch.resolve("out")));
    }

    /** Every unit committed by the S3A committer {@code name}, its manifest naming its files, no leftovers. */
    static void checkCommitted(Run r, OutputFormat format, String name) throws Exception {
        assertEquals(name, r.summary().configuration.get(JobConfig.OUTPUT_COMMITTER));
        FileSystem fs = fs(r.out());
        org.apache.hadoop.fs.Path labels = new org.apache.hadoop.fs.Path(r.out() + "/" + ClassifyJob.LABELS_DIR);
        int files = 0;
        int units = 0;
        for (FileStatus unit : fs.listStatus(labels)) {
            if (!unit.isDirectory()) {
                continue;
            }
            units++;
            Set<String> written = new TreeSet<>();
            for (FileStatus f : fs.listStatus(unit.getPath())) {
                assertTrue(f.isFile(), "only files in a committed unit: " + f.getPath());
                if (!f.getPath().getName().equals("_SUCCESS")) {
                    written.add(f.getPath().toUri().getPath());
                }
            }
            JsonNode manifest;
            try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(unit.getPath(), "_SUCCESS"))) {
                manifest = new ObjectMapper().readTree(in);
            }
            assertEquals(name, manifest.path("committer").asText(), unit.getPath() + "/_SUCCESS: " + manifest);
            Set<String> named = new TreeSet<>();
            for (JsonNode n : manifest.path("filenames")) {
                named.add(n.asText());
            }
            assertEquals(written, named, "the manifest names the unit's files");
            assertFalse(written.isEmpty());
            files += written.size();
        }
        assertEquals(r.summary().units, units);
        assertTrue(units >= 3, "units: " + units);
        // every data file of the units and of statistics/ was a multipart upload that a commit completed
        assertTrue(r.uploadsCompleted() >= files + 1, "uploads completed " + r.uploadsCompleted() + " for " + files
                + " unit files and statistics");
        RemoteIterator<LocatedFileStatus> all = fs.listFiles(new org.apache.hadoop.fs.Path(r.out()), true);
        while (all.hasNext()) {
            String p = all.next().getPath().toString();
            assertFalse(p.contains("__magic") || p.contains("_temporary"), "left over: " + p);
        }
        assertEquals(List.of(), S3Store.pendingUploads(new org.apache.hadoop.fs.Path(r.out()), conf()));
        checkRows(r, format);
    }

    /** One row per image with its status, read back in its format. */
    static void checkRows(Run r, OutputFormat format) {
        Map<String, String> got = new TreeMap<>();
        for (Row row : RowFiles.readLabels(spark, format, r.out() + "/" + ClassifyJob.LABELS_DIR).collectAsList()) {
            String name = CrashCheck.name(row.getAs("path"), row.getAs("member"));
            assertEquals(null, got.put(name, row.getAs("status")), "two rows for " + name);
        }
        assertEquals(new TreeMap<>(r.set().expected), got);
        assertEquals(r.set().expected.size(), r.summary().images);
    }

    /** Waits until the objects, folders and pending uploads under {@code root} have not changed for five seconds. */
    static void awaitSettled(org.apache.hadoop.fs.Path root) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        List<String> last = storeState(root);
        long since = System.nanoTime();
        while (System.nanoTime() - since < 5_000_000_000L) {
            assertTrue(System.nanoTime() < deadline, "the store kept changing under " + root + ": " + last);
            Thread.sleep(250);
            List<String> now = storeState(root);
            if (!now.equals(last)) {
                last = now;
                since = System.nanoTime();
            }
        }
    }

    /** Every folder and object under {@code root} (with its length), and the uploads pending there, sorted. */
    private static List<String> storeState(org.apache.hadoop.fs.Path root) throws IOException {
        FileSystem fs = fs(root.toString());
        List<String> state = new ArrayList<>();
        List<org.apache.hadoop.fs.Path> folders = new ArrayList<>(List.of(root));
        while (!folders.isEmpty()) {
            org.apache.hadoop.fs.Path folder = folders.remove(folders.size() - 1);
            FileStatus[] children;
            try {
                children = fs.listStatus(folder);
            } catch (java.io.FileNotFoundException e) {
                continue; // removed while listed: the next round sees the change
            }
            for (FileStatus st : children) {
                state.add(st.getPath() + (st.isDirectory() ? "/" : " " + st.getLen()));
                if (st.isDirectory()) {
                    folders.add(st.getPath());
                }
            }
        }
        S3Store.pendingUploads(root, conf()).forEach(u -> state.add("pending " + u));
        state.sort(null);
        return state;
    }

    @Test
    void aResumeAbortsTheUploadsOfAUnitTheKilledRunLeftUncommitted() throws Exception {
        String root = s3.uri("crash-pending");
        CrashCheck.writeInputs(fs(root), root + "/in");
        List<String> args = new ArrayList<>(List.of("--input", root + "/in", "--output", root + "/out", "--model",
                CrashCheck.MODEL, "--format", "parquet", "--conf", "spark.master=local[2]", "--conf",
                "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false", "--conf",
                "progress.interval.seconds=0", "--conf", JobConfig.UNIT_INPUTS + "=" + CrashCheck.UNIT_INPUTS));
        s3.settings().forEach((k, v) -> {
            args.add("--conf");
            args.add("spark.hadoop." + k + "=" + v);
        });
        org.apache.hadoop.fs.Path unit1 = new org.apache.hadoop.fs.Path(root + "/out/" + ClassifyJob.LABELS_DIR
                + "/unit=00001");
        s3.front().clear(); // the killed run's requests and the resume's all pass the front
        try (ChildRun child = ChildRun.start(KilledRun.ONE_TASK, 1, args, scratch.resolve("child.out"))) {
            assertTrue(child.awaitHeld().startsWith(KilledRun.ONE_TASK), "held");
            // the unit's other tasks finish: their files are uploads that only the unit's commit would complete
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (S3Store.pendingUploads(unit1, conf()).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no pending upload under " + unit1);
                Thread.sleep(200);
            }
            child.kill();
        }
        // A request the child sent before it died may still be carried out by the store after its death; a resume
        // removes what lands while it runs, but not what lands after it. Resume once the store has settled, as a
        // user resuming a crashed run would find it.
        awaitSettled(new org.apache.hadoop.fs.Path(root + "/out"));
        assertFalse(fs(root).exists(new org.apache.hadoop.fs.Path(unit1, "_SUCCESS")));
        Summary summary;
        try (LogCapture log = LogCapture.of(FACTORY_LOGGER, Level.WARN)) {
            summary = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT, root + "/in",
                    JobConfig.OUTPUT, root + "/out", JobConfig.MODEL, CrashCheck.MODEL, JobConfig.MODE, "resume",
                    JobConfig.PROGRESS, "0")));
            assertEquals(List.of(), log.messages(), "the resume's committer factory warned");
        }
        assertEquals(0, s3.front().requests().stream().filter(S3Front.Request::copy).count(),
                "requests of the killed run or the resume that copy an object");
        assertTrue(s3.front().requests().stream().anyMatch(S3Front.Request::completesUpload), "uploads completed");
        CrashCheck.checkResumed(spark, root + "/out", OutputFormat.PARQUET, summary);
        assertEquals(List.of(), S3Store.pendingUploads(new org.apache.hadoop.fs.Path(root + "/out"), conf()));
    }
}
