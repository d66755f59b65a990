package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.Reference;
import dev.shufflespark.job.testing.S3Store;
import dev.shufflespark.job.testing.TestImages;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A run killed with SIGKILL at a named point, then resumed: the inputs (plain images, broken files and tar
 * shards), the child that is killed, and the checks that the resumed output has exactly one row per image, the
 * engine's answer in each, nothing left of the killed attempt but its committed units, and a summary of both
 * attempts.
 */
final class CrashCheck {

    static final String MODEL = "shufflenet_v1_g3_x0_25";
    /** Inputs per unit of the killed run: its 14 inputs make 4 units. */
    static final int UNIT_INPUTS = 4;

    /** File name to content: 10 images, a text file and a truncated JPEG named as images, two tar shards. */
    static final Map<String, byte[]> FILES = new LinkedHashMap<>();
    /** File name, or shard/member, to the status its row must have. */
    static final Map<String, String> EXPECTED = new TreeMap<>();
    private static final Map<String, byte[]> IMAGES = new HashMap<>();
    private static final Map<String, Reference.Expected> ANSWERS = new HashMap<>();

    static {
        for (int i = 0; i < 10; i++) {
            String name = String.format("img-%02d.%s", i, i % 2 == 0 ? "png" : "jpg");
            byte[] b = i % 2 == 0 ? TestImages.png(48 + i, 40, 100 + i) : TestImages.jpeg(40, 48 + i, 100 + i);
            FILES.put(name, b);
            IMAGES.put(name, b);
            EXPECTED.put(name, "OK");
        }
        FILES.put("notes.jpg", TestImages.text());
        EXPECTED.put("notes.jpg", "NOT_AN_IMAGE");
        FILES.put("trunc.jpg", TestImages.truncatedJpeg(90, 60, 7));
        EXPECTED.put("trunc.jpg", "TRUNCATED");
        for (String shard : List.of("shard-a.tar", "shard-b.tar")) {
            Map<String, byte[]> members = new LinkedHashMap<>();
            for (int m = 0; m < 3; m++) {
                byte[] b = TestImages.png(32, 32 + m, shard.hashCode() + m);
                members.put("m" + m + ".png", b);
                IMAGES.put(shard + "/m" + m + ".png", b);
                EXPECTED.put(shard + "/m" + m + ".png", "OK");
            }
            FILES.put(shard, TestImages.tar(members));
        }
    }

    private CrashCheck() {
    }

    /** Writes the inputs under {@code dir} (any Hadoop URI). */
    static void writeInputs(FileSystem fs, String dir) throws IOException {
        for (Map.Entry<String, byte[]> f : FILES.entrySet()) {
            try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path(dir + "/" + f.getKey()), true)) {
                o.write(f.getValue());
            }
        }
    }

    /**
     * Runs classify on {@code in} into {@code out} in a child JVM, kills it with SIGKILL once it holds at
     * {@code point} (of {@code unit}), checks what a reader sees meanwhile, resumes in this JVM (units sized as by
     * default: one, for what is left) and checks the result: among it, that the resume rebuilt the record of exactly
     * the units that were committed without one when the child died (the unit held at {@code UNIT_COMMITTED}, and
     * any other unit whose commit was under way when the run began to hold). {@code conf} (file system settings)
     * goes to the child; this JVM's session has them.
     */
    static Summary killThenResume(SparkSession spark, String in, String out, String point, int unit,
                                  OutputFormat format, Map<String, String> conf, Path scratch) throws Exception {
        List<String> args = new ArrayList<>(List.of("--input", in, "--output", out, "--model", MODEL, "--format",
                format.source(), "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.ui.showConsoleProgress=false", "--conf", "progress.interval.seconds=0",
                "--conf", JobConfig.UNIT_INPUTS + "=" + UNIT_INPUTS));
        conf.forEach((k, v) -> {
            args.add("--conf");
            args.add("spark.hadoop." + k + "=" + v);
        });
        try (ChildRun child = ChildRun.start(point, unit, args, scratch.resolve("child-" + point + ".out"))) {
            String held = child.awaitHeld();
            assertTrue(held.startsWith(point), held);
            checkReadableMeanwhile(spark, out, format);
            child.kill();
        }
        Set<Integer> unrecorded = committedUnits(fs(spark, out),
                new org.apache.hadoop.fs.Path(out + "/" + ClassifyJob.LABELS_DIR));
        unrecorded.removeAll(OutputFolder.at(out, spark.sparkContext().hadoopConfiguration()).unitRecords());
        if (point.equals("UNIT_COMMITTED")) {
            assertTrue(unrecorded.contains(unit), "unit " + unit + " held between its commit and its record");
        }
        Map<String, String> resume = new HashMap<>(Map.of(JobConfig.INPUT, in, JobConfig.OUTPUT, out,
                JobConfig.MODEL, MODEL, JobConfig.FORMAT, format.source(), JobConfig.MODE, "resume",
                JobConfig.PROGRESS, "0"));
        Summary summary = ClassifyJob.run(spark, JobConfig.from(resume));
        checkResumed(spark, out, format, summary);
        assertEquals(unrecorded.size(), summary.unitsRebuilt, "units committed without their record, rebuilt from "
                + "their rows: " + unrecorded);
        return summary;
    }

    /**
     * While the run holds: {@code spark.read} with the label schema reads the rows of exactly the committed units
     * ({@code _SUCCESS}), each image at most once, and nothing of a unit in flight.
     */
    static void checkReadableMeanwhile(SparkSession spark, String out, OutputFormat format) throws Exception {
        FileSystem fs = fs(spark, out);
        org.apache.hadoop.fs.Path labels = new org.apache.hadoop.fs.Path(out + "/" + ClassifyJob.LABELS_DIR);
        // A unit's commit that was under way when the run began to hold finishes meanwhile: read until the
        // committed units are the same before and after the read.
        for (int tries = 0; ; tries++) {
            Set<Integer> before = committedUnits(fs, labels);
            if (before.isEmpty()) {
                return; // nothing committed yet, maybe not even labels/
            }
            Dataset<Row> read = spark.read().format(format.source()).options(RowFiles.options(format))
                    .schema(LabelSchema.stored(LabelSchema.rows(), format)).load(labels.toString());
            Map<Integer, Set<String>> byUnit = new TreeMap<>();
            long rows = 0;
            for (Row r : read.select("unit", "path", "member").collectAsList()) {
                rows++;
                byUnit.computeIfAbsent(r.getInt(0), k -> new HashSet<>()).add(name(r.getString(1), r.getString(2)));
            }
            Set<Integer> after = committedUnits(fs, labels);
            if (before.equals(after) && after.containsAll(byUnit.keySet())) {
                assertEquals(after, byUnit.keySet(), "every committed unit's rows, none of a unit in flight");
                Set<String> names = new HashSet<>();
                byUnit.values().forEach(names::addAll);
                assertEquals(rows, names.size(), "no image twice");
                assertTrue(EXPECTED.keySet().containsAll(names), names.toString());
                return;
            }
            if (tries > 600) {
                fail("the committed units kept changing while the run held: " + before + " then " + after);
            }
            Thread.sleep(100);
        }
    }

    /** The resumed run: one row per image, as the engine answers; one summary of both attempts; no leftovers. */
    static void checkResumed(SparkSession spark, String out, OutputFormat format, Summary summary) throws Exception {
        List<Row> rows = RowFiles.readLabels(spark, format, out + "/" + ClassifyJob.LABELS_DIR).collectAsList();
        Map<String, Row> byName = new TreeMap<>();
        for (Row r : rows) {
            String name = name(r.getAs("path"), r.getAs("member"));
            assertNull(byName.put(name, r), "two rows for " + name);
        }
        assertEquals(EXPECTED.keySet(), byName.keySet(), "one row per image, none missing");
        assertEquals(2, summary.attempts.size(), "the killed attempt and the resume");
        Summary.AttemptSummary killed = summary.attempts.get(0);
        assertTrue(killed.killed(), "the first attempt was killed");
        assertFalse(summary.attempts.get(1).killed());
        assertEquals(summary.runId, summary.attempts.get(1).runId());
        Map<String, Long> perRun = new HashMap<>();
        for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
            Row r = byName.get(e.getKey());
            assertEquals(e.getValue(), r.getAs("status"), e.getKey());
            perRun.merge(r.getAs("run_id"), 1L, Long::sum);
            if (e.getValue().equals("OK")) {
                Reference.Expected x = answer(e.getKey());
                List<Integer> index = r.getList(r.fieldIndex("class_index"));
                assertArrayEquals(x.index(), index.stream().mapToInt(Integer::intValue).toArray(), e.getKey());
                List<Float> p = r.getList(r.fieldIndex("probability"));
                for (int i = 0; i < p.size(); i++) {
                    assertEquals(x.probability()[i], p.get(i), 1e-6f, e.getKey());
                }
            } else {
                assertNotNull(r.getAs("error"), e.getKey());
            }
        }
        assertEquals(killed.images(), perRun.getOrDefault(killed.runId(), 0L), "the killed attempt's rows kept");
        assertEquals(summary.attempts.get(1).images(), perRun.getOrDefault(summary.runId, 0L));
        assertEquals(EXPECTED.size(), summary.images, "the summary counts both attempts");
        assertEquals(EXPECTED.size(), killed.images() + summary.attempts.get(1).images());

        // Nothing of the killed attempt's units in flight is left; the run's end markers are there.
        FileSystem fs = fs(spark, out);
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(out);
        RemoteIterator<LocatedFileStatus> all = fs.listFiles(root, true);
        while (all.hasNext()) {
            String p = all.next().getPath().toString();
            assertFalse(p.contains("/_temporary"), "left over: " + p);
            assertFalse(p.contains("/__magic"), "left over: " + p);
            assertFalse(p.contains(".tmp-"), "left over: " + p);
        }
        if (out.startsWith("s3a:")) {
            assertEquals(List.of(), S3Store.pendingUploads(root, spark.sparkContext().hadoopConfiguration()),
                    "multipart uploads left pending");
        }
        org.apache.hadoop.fs.Path labels = new org.apache.hadoop.fs.Path(root, ClassifyJob.LABELS_DIR);
        for (FileStatus st : fs.listStatus(labels)) {
            if (!st.isDirectory()) {
                continue;
            }
            // On S3 a folder is the prefix of its objects. S3Proxy's store also lists the prefix of a multipart
            // upload that was aborted, with no object under it (its directory stays behind); S3 lists no such
            // prefix, and there is nothing there to read.
            List<String> files = files(fs, st.getPath());
            if (!(out.startsWith("s3a:") && files.isEmpty())) {
                assertTrue(fs.exists(new org.apache.hadoop.fs.Path(st.getPath(), "_SUCCESS")), "uncommitted: "
                        + st.getPath() + ", holding " + files);
            }
        }
        assertEquals(summary.units, committedUnits(fs, labels).size());
        for (String f : List.of(ClassifyJob.LABELS_DIR + "/_SUCCESS", ClassifyJob.SUMMARY_FILE,
                ClassifyJob.REPORT_FILE, ClassifyJob.MANIFEST_FILE)) {
            assertTrue(fs.exists(new org.apache.hadoop.fs.Path(root, f)), f);
        }
        String html;
        try (java.io.InputStream r = fs.open(new org.apache.hadoop.fs.Path(root, ClassifyJob.REPORT_FILE))) {
            html = new String(r.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertEquals(3, dev.shufflespark.job.report.ReportCheck.rows(html, "attempts"), "both attempts in the report");
        assertTrue(html.contains("<td>killed</td>"), "the killed one marked");
        List<Row> stats = RowFiles.read(spark, format, ClassifyJob.statisticsSchema(), out + "/"
                + ClassifyJob.STATISTICS_DIR).collectAsList();
        assertEquals(summary.partitions, stats.size());
        assertEquals(EXPECTED.size(), stats.stream().mapToLong(r -> r.<Long>getAs("images")).sum());
    }

    static Set<Integer> committedUnits(FileSystem fs, org.apache.hadoop.fs.Path labels) throws IOException {
        Set<Integer> out = new TreeSet<>();
        if (!fs.exists(labels)) {
            return out;
        }
        for (FileStatus st : fs.listStatus(labels)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && n.startsWith("unit=")
                    && fs.exists(new org.apache.hadoop.fs.Path(st.getPath(), "_SUCCESS"))) {
                out.add(Integer.parseInt(n.substring("unit=".length())));
            }
        }
        return out;
    }

    private static synchronized Reference.Expected answer(String name) throws Exception {
        Reference.Expected x = ANSWERS.get(name);
        if (x == null) {
            x = new Reference(MODEL).classify(IMAGES.get(name), 5);
            ANSWERS.put(name, x);
        }
        return x;
    }

    static String name(String path, String member) {
        return path.substring(path.lastIndexOf('/') + 1) + (member == null ? "" : "/" + member);
    }

    static FileSystem fs(SparkSession spark, String uri) throws IOException {
        return new org.apache.hadoop.fs.Path(uri).getFileSystem(spark.sparkContext().hadoopConfiguration());
    }

    /** The files under {@code folder} (none when it does not exist) and their lengths. */
    private static List<String> files(FileSystem fs, org.apache.hadoop.fs.Path folder) throws IOException {
        List<String> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it;
        try {
            it = fs.listFiles(folder, true);
        } catch (java.io.FileNotFoundException e) {
            return out;
        }
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            out.add(f.getPath().toString().substring(folder.toString().length()) + " (" + f.getLen() + " bytes)");
        }
        return out;
    }
}
