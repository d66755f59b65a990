package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.ConfigException;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.EngineCache;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.ModelException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job end to end on local files, on a {@code local[2]} session shared by the class. */
class ClassifyLocalTest {

    static final String MODEL = "shufflenet_v2_x0_5";

    static SparkSession spark;
    static SparkSessions.Activity activity;
    static String sha256;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "ClassifyLocalTest");
        activity = SparkSessions.Activity.on(spark);
        sha256 = LoadedModel.load(MODEL, new Configuration()).sha256();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private Path writeMixed(Path folder, TestImages.MixedSet set) throws IOException {
        Files.createDirectories(folder);
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(folder.resolve(f.getKey()), f.getValue());
        }
        return folder;
    }

    private static JobConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(extra);
        m.putIfAbsent(JobConfig.MODEL, MODEL);
        m.putIfAbsent(JobConfig.PROGRESS, "0");
        return JobConfig.from(m);
    }

    private static String uri(Path p) {
        return p.toUri().toString().replaceAll("/$", "");
    }

    @Test
    void classifiesGoodAndBrokenImagesWithOneRowEach() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = writeMixed(dir.resolve("in"), set);
        String out = uri(dir.resolve("out"));
        long builds = EngineCache.builds();
        Summary summary = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out)));
        OutputCheck.checkMixedRun(spark, out, set, MODEL, sha256, summary);
        OutputCheck.checkReport(out, summary);
        // 7 inputs (6 files, 1 shard), far less than a unit: one unit of twice the 2 cores, 4 partitions, one
        // engine for all of them.
        assertEquals(1, summary.units);
        assertEquals(4, summary.partitions);
        assertEquals(builds + 1, EngineCache.builds(), "one engine per JVM, not per partition");
        assertTrue(summary.builtinModel);
        assertTrue(summary.weightsNote.contains("untrained"));
        // this JVM gives thread CPU time (HotSpot on Linux), so the tasks recorded their inference's CPU time
        assertTrue(ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported());
        assertTrue(summary.stageMillis.containsKey(PartitionRecorder.INFER_CPU), summary.stageMillis.keySet()::toString);
    }

    @Test
    void aListFilesPathsAreNotLookedUpAndOneThatNamesNothingIsANotFoundRow() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        writeMixed(dir.resolve("in"), set);
        StringBuilder lines = new StringBuilder("# the archive\n");
        for (String name : set.files.keySet()) {
            lines.append("in/").append(name).append('\n');
        }
        lines.append("in/never-was.jpg\n");
        Path list = Files.writeString(dir.resolve("inputs.txt"), lines);
        String out = uri(dir.resolve("out"));
        Map<String, String> base = Map.of(JobConfig.INPUT, list.toString(), JobConfig.OUTPUT, out);
        Summary first = ClassifyJob.run(spark, config(base));

        Map<String, String> expected = new java.util.TreeMap<>(set.expected);
        expected.put("never-was.jpg", "NOT_FOUND");
        Map<String, Row> rows = OutputCheck.labelRows(spark, out);
        Map<String, String> statuses = new java.util.TreeMap<>();
        rows.forEach((name, r) -> statuses.put(name, r.getAs("status")));
        assertEquals(expected, statuses);
        assertTrue(rows.get("never-was.jpg").<String>getAs("error").contains("no such file"));
        for (String name : List.of("a.png", "empty.jpg", "shard.tar/m1.png")) {
            assertEquals(set.bytesOf(name).length, rows.get(name).<Long>getAs("bytes").longValue(), name);
        }
        assertEquals(Map.of("EMPTY", 1L, "NOT_AN_IMAGE", 2L, "TRUNCATED", 1L, "NOT_FOUND", 1L),
                first.failuresByReason);

        // A resume finds every unit's span in the list again: nothing to do. A line added since is classified.
        Map<String, String> resume = new HashMap<>(base);
        resume.put(JobConfig.MODE, "resume");
        assertEquals(0, ClassifyJob.run(spark, config(resume)).attempts.get(1).images());
        Files.write(dir.resolve("in/late.png"), set.files.get("a.png"));
        Files.writeString(list, lines + "in/late.png\n");
        Summary third = ClassifyJob.run(spark, config(resume));
        assertEquals(1, third.attempts.get(2).images());
        expected.put("late.png", "OK");
        statuses.clear();
        OutputCheck.labelRows(spark, out).forEach((name, r) -> statuses.put(name, r.getAs("status")));
        assertEquals(expected, statuses);
    }

    @Test
    void refusesAnExistingOutputBeforeAnyTaskAndLeavesItIntact() throws Exception {
        Path in = writeMixed(dir.resolve("in"), new TestImages.MixedSet());
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "precious");
        int jobs = idleJobCount();
        JobException e = assertThrows(JobException.class, () -> ClassifyJob.run(spark,
                config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out.toString()))));
        assertTrue(e.getMessage().contains("--output (output)") && e.getMessage().contains(out.toString())
                && e.getMessage().contains("already exists"), e.getMessage());
        assertEquals("precious", Files.readString(out.resolve("keep.txt")));
        try (var list = Files.list(out)) {
            assertEquals(1, list.count(), "nothing added");
        }
        assertEquals(jobs, idleJobCount(), "no Spark job started");
    }

    @Test
    void failsFastOnBadInputsModelsAndLabelsNamingThem() throws Exception {
        Path in = writeMixed(dir.resolve("in"), new TestImages.MixedSet());
        String out = dir.resolve("out").toString();
        int jobs = idleJobCount();

        String missing = dir.resolve("nowhere").toString();
        JobException noInput = assertThrows(JobException.class, () -> ClassifyJob.run(spark,
                config(Map.of(JobConfig.INPUT, missing, JobConfig.OUTPUT, out))));
        assertTrue(noInput.getMessage().contains("--input") && noInput.getMessage().contains(missing),
                noInput.getMessage());

        JobException badModel = assertThrows(JobException.class, () -> ClassifyJob.run(spark,
                config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODEL, "shufflenet_v9"))));
        assertTrue(badModel.getMessage().contains("shufflenet_v9"), badModel.getMessage());

        Path notAModel = Files.writeString(dir.resolve("model.onnx"), "not onnx");
        JobException unreadable = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODEL, notAModel.toString()))));
        assertTrue(unreadable.getMessage().contains(notAModel.toString())
                && unreadable.getMessage().contains("ONNX"), unreadable.getMessage());

        Path labels = Files.writeString(dir.resolve("labels.txt"), "cat\ndog\n");
        JobException wrongLabels = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.LABELS, labels.toString()))));
        assertTrue(wrongLabels.getMessage().contains(labels.toString())
                && wrongLabels.getMessage().contains("2 class names") && wrongLabels.getMessage().contains("1000"),
                wrongLabels.getMessage());

        ConfigException badBatch = assertThrows(ConfigException.class, () -> config(Map.of(JobConfig.INPUT,
                in.toString(), JobConfig.OUTPUT, out, JobConfig.BATCH_SIZE, "0")));
        assertEquals("--batch-size (batch.size): '0' must be 1..4096", badBatch.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class, () -> config(Map.of(JobConfig.INPUT,
                in.toString(), JobConfig.OUTPUT, out, "batch.sise", "8")));
        assertTrue(unknown.getMessage().contains("'batch.sise'"), unknown.getMessage());
        IllegalArgumentException badIo = assertThrows(IllegalArgumentException.class, () -> config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, "decode.max.pixels", "lots")));
        assertTrue(badIo.getMessage().contains("decode.max.pixels") && badIo.getMessage().contains("lots"),
                badIo.getMessage());

        assertFalse(Files.exists(dir.resolve("out")), "no output written");
        assertEquals(jobs, idleJobCount(), "no Spark job started");
    }

    @Test
    void overwriteReplacesAndResumeAddsOnlyWhatIsMissing() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = dir.resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("a.png"), set.files.get("a.png"));
        Files.write(in.resolve("b.jpg"), set.files.get("b.jpg"));
        String out = uri(dir.resolve("out"));
        Map<String, String> base = Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out);

        Summary first = ClassifyJob.run(spark, config(base));
        assertEquals(2, first.images);

        Map<String, String> overwrite = new HashMap<>(base);
        overwrite.put(JobConfig.MODE, "overwrite");
        Summary second = ClassifyJob.run(spark, config(overwrite));
        Map<String, Row> rows = OutputCheck.labelRows(spark, out);
        assertEquals(2, rows.size());
        for (Row r : rows.values()) {
            assertEquals(second.runId, r.getAs("run_id"), "only the second run's rows remain");
        }

        // Two more images, then resume: only they are classified; each image keeps exactly one row.
        Files.write(in.resolve("c.png"), set.files.get("c.png"));
        Files.write(in.resolve("trunc.jpg"), set.files.get("trunc.jpg"));
        Map<String, String> resume = new HashMap<>(base);
        resume.put(JobConfig.MODE, "resume");
        Summary third = ClassifyJob.run(spark, config(resume));
        // The summary describes the whole run: both attempts, two images each.
        assertEquals(4, third.images);
        assertEquals(2, third.inputsSkipped);
        assertEquals(2, third.attempts.size());
        assertEquals(2, third.attempts.get(1).images());
        assertEquals(third.runId, third.attempts.get(1).runId());
        assertEquals(Map.of("TRUNCATED", 1L), third.failuresByReason);
        rows = OutputCheck.labelRows(spark, out);
        assertEquals(List.of("a.png", "b.jpg", "c.png", "trunc.jpg"), List.copyOf(rows.keySet()));
        assertEquals(third.runId, rows.get("c.png").getAs("run_id"));
        assertEquals(second.runId, rows.get("a.png").getAs("run_id"));
        assertEquals(second.runId.equals(third.runId), false);

        // Nothing left: a resume does no work and says so.
        Summary fourth = ClassifyJob.run(spark, config(resume));
        assertEquals(4, fourth.images);
        assertEquals(3, fourth.attempts.size());
        assertEquals(0, fourth.attempts.get(2).images());
        assertEquals(4, fourth.inputsSkipped);
        assertEquals(4, OutputCheck.labelRows(spark, out).size());
    }

    @Test
    void refusesToResumeAnOutputOfOtherSettingsNamingThemBeforeAnyTask() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.write(in.resolve("a.png"), set.files.get("a.png"));
        String out = uri(dir.resolve("out"));
        ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out)));
        Files.write(in.resolve("b.jpg"), set.files.get("b.jpg"));
        Map<String, String> before = digests(dir.resolve("out"));
        int jobs = idleJobCount();

        JobException topK = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODE, "resume", JobConfig.TOP_K, "3"))));
        assertTrue(topK.getMessage().contains("top.k: 5 in the output, 3 now"), topK.getMessage());
        JobException model = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODE, "resume",
                JobConfig.MODEL, "shufflenet_v1_g3_x0_25", "preprocess.resize", "240"))));
        assertTrue(model.getMessage().contains("model.sha256: " + sha256 + " in the output, ")
                && model.getMessage().contains("(" + MODEL + " against shufflenet_v1_g3_x0_25)")
                && model.getMessage().contains("preprocess.resize: 256 in the output, 240 now"), model.getMessage());
        JobException format = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODE, "resume",
                JobConfig.FORMAT, "csv"))));
        assertTrue(format.getMessage().contains("format: parquet in the output, csv now"), format.getMessage());
        assertEquals(before, digests(dir.resolve("out")), "the output is left as it was");
        assertEquals(jobs, idleJobCount(), "no Spark job started");

        // An output without a manifest (not written by this version) cannot be checked: refused too.
        Path legacy = Files.createDirectories(dir.resolve("legacy/labels"));
        Files.writeString(legacy.resolve("part-00000.json"), "{}\n");
        JobException noManifest = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, legacy.getParent().toString(),
                JobConfig.MODE, "resume"))));
        assertTrue(noManifest.getMessage().contains("no manifest.json"), noManifest.getMessage());

        // The same settings resume: the new image is classified.
        Summary resumed = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                JobConfig.MODE, "resume")));
        assertEquals(2, resumed.images);
        assertEquals(List.of("a.png", "b.jpg"), List.copyOf(OutputCheck.labelRows(spark, out).keySet()));
    }

    @Test
    void unitSizeSettingsAreCheckedNamingKeyAndValue() {
        ConfigException share = assertThrows(ConfigException.class, () -> config(Map.of(JobConfig.INPUT, "x",
                JobConfig.OUTPUT, "y", JobConfig.UNIT_SHARE, "2")));
        assertEquals("commit.unit.share: '2' must be a share of the run, more than 0 and at most 1 (0.02 is 2%)",
                share.getMessage());
        ConfigException seconds = assertThrows(ConfigException.class, () -> config(Map.of(JobConfig.INPUT, "x",
                JobConfig.OUTPUT, "y", JobConfig.UNIT_SECONDS, "0")));
        assertEquals("commit.unit.seconds: '0' must be more than 0 seconds", seconds.getMessage());
        ConfigException inputs = assertThrows(ConfigException.class, () -> config(Map.of(JobConfig.INPUT, "x",
                JobConfig.OUTPUT, "y", JobConfig.UNIT_INPUTS, "-1")));
        assertTrue(inputs.getMessage().startsWith("commit.unit.inputs: '-1' must be 0.."), inputs.getMessage());
        assertEquals(new dev.shufflespark.job.progress.UnitSizer.Options(60, 0.02, 0),
                config(Map.of(JobConfig.INPUT, "x", JobConfig.OUTPUT, "y")).units());
    }

    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p).toString(), java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    @Test
    void writesJsonLinesAndCsvOnRequest() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = writeMixed(dir.resolve("in"), set);
        for (String format : List.of("json", "csv")) {
            String out = uri(dir.resolve("out-" + format));
            Summary s = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                    JobConfig.FORMAT, format, JobConfig.TOP_K, "3")));
            List<Row> rows = RowFiles.readLabels(spark, OutputFormat.valueOf(format.toUpperCase(java.util.Locale.ROOT)),
                    out + "/labels").collectAsList();
            assertEquals(set.expected.size(), rows.size(), format);
            assertEquals(set.expected.size(), s.images);
            for (Row r : rows) {
                if ("OK".equals(r.getAs("status"))) {
                    assertEquals(3, r.getList(r.fieldIndex("class_name")).size(), format + " top-3");
                    assertEquals(3, r.getList(r.fieldIndex("probability")).size(), format + " top-3");
                }
            }
            assertEquals(s.partitions, spark.read().format(format).option("header", "true").load(out + "/statistics")
                    .count(), format + " statistics");
        }
    }

    @Test
    void runsAnOnnxFileLikeTheBuiltinModelItWasExportedFrom() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = Files.createDirectories(dir.resolve("in"));
        for (String name : List.of("a.png", "b.jpg", "notes.jpg")) {
            Files.write(in.resolve(name), set.files.get(name));
        }
        Path onnx = dir.resolve("exported.onnx");
        dev.shufflespark.io.onnx.OnnxExporter.write(dev.shufflespark.model.Model.builtin(MODEL), onnx);
        String out = uri(dir.resolve("out"));
        Summary s = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                JobConfig.MODEL, onnx.toString(), JobConfig.TOP_K, "3")));
        assertFalse(s.builtinModel);
        assertEquals(null, s.weightsNote);
        assertEquals("exported", s.model);
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(onnx))), s.modelSha256);
        Map<String, Row> rows = OutputCheck.labelRows(spark, out);
        dev.shufflespark.job.testing.Reference reference = new dev.shufflespark.job.testing.Reference(MODEL);
        for (String name : List.of("a.png", "b.jpg")) {
            Row r = rows.get(name);
            assertEquals("OK", r.getAs("status"));
            dev.shufflespark.job.testing.Reference.Expected x = reference.classify(set.files.get(name), 3);
            List<Integer> index = r.getList(r.fieldIndex("class_index"));
            List<Float> p = r.getList(r.fieldIndex("probability"));
            for (int i = 0; i < 3; i++) {
                assertEquals(x.index()[i], index.get(i).intValue(), name + " class " + i);
                assertEquals(x.probability()[i], p.get(i), 1e-5f, name + " probability " + i);
            }
        }
        assertEquals("NOT_AN_IMAGE", rows.get("notes.jpg").getAs("status"));
    }

    /** Jobs started so far, once the listener has seen every event. */
    private static int idleJobCount() throws Exception {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        return activity.jobs.get();
    }
}
