package dev.shufflespark.job.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.report.ReportCheck;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.model.Labels;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Checks a finished run's output against a {@link TestImages.MixedSet}, value by value. */
public final class OutputCheck {

    private OutputCheck() {
    }

    /** The label rows of {@code output} (Parquet), keyed by file name or {@code shard.tar/member}. */
    public static Map<String, Row> labelRows(SparkSession spark, String output) {
        List<Row> rows = spark.read().parquet(output + "/" + ClassifyJob.LABELS_DIR).collectAsList();
        Map<String, Row> byName = new TreeMap<>();
        for (Row r : rows) {
            String path = r.getAs("path");
            String member = r.getAs("member");
            String name = path.substring(path.lastIndexOf('/') + 1) + (member == null ? "" : "/" + member);
            Row previous = byName.put(name, r);
            assertNull(previous, "two rows for " + name);
        }
        assertEquals(rows.size(), byName.size(), "one row per image");
        return byName;
    }

    /**
     * Every image has exactly one row with the expected status; OK rows carry the labels the engine gives
     * the same image directly; statistics and summary add up to the rows.
     */
    public static void checkMixedRun(SparkSession spark, String output, TestImages.MixedSet set, String model,
                                     String sha256, Summary summary) throws Exception {
        Set<String> executors = checkMixedRun(spark, output, set, model, sha256, summary, false);
        assertEquals(Set.of("driver"), executors, "local mode: every row from the driver");
    }

    /**
     * As {@link #checkMixedRun(SparkSession, String, TestImages.MixedSet, String, String, Summary)}; on a
     * {@code cluster}, rows come from executors (never the driver), each executor's kernel path is the one this
     * JVM has. Returns the executor ids of the rows.
     */
    public static Set<String> checkMixedRun(SparkSession spark, String output, TestImages.MixedSet set, String model,
                                            String sha256, Summary summary, boolean cluster) throws Exception {
        Set<String> executors = new java.util.TreeSet<>();
        Map<String, Row> rows = labelRows(spark, output);
        assertEquals(set.expected.keySet(), rows.keySet());
        Reference reference = new Reference(model);
        Map<String, Long> failures = new TreeMap<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        for (Map.Entry<String, String> e : set.expected.entrySet()) {
            Row r = rows.get(e.getKey());
            String status = r.getAs("status");
            assertEquals(e.getValue(), status, e.getKey());
            assertEquals(model, r.getAs("model"));
            assertEquals(sha256, r.getAs("model_sha256"));
            assertEquals(summary.runId, r.getAs("run_id"));
            String executor = r.getAs("executor_id");
            assertNotNull(executor, e.getKey() + " executor_id");
            assertEquals(!cluster, executor.equals("driver"), e.getKey() + " ran on executor " + executor);
            executors.add(executor);
            perPartition.merge(r.<Integer>getAs("partition_id"), 1, Integer::sum);
            byte[] bytes = set.bytesOf(e.getKey());
            assertEquals(bytes.length, r.<Long>getAs("bytes").longValue(), e.getKey() + " bytes");
            if (status.equals("OK")) {
                assertNull(r.getAs("error"));
                Reference.Expected x = reference.classify(bytes, 5);
                assertEquals(x.width(), r.<Integer>getAs("width").intValue(), e.getKey() + " width");
                assertEquals(x.height(), r.<Integer>getAs("height").intValue(), e.getKey() + " height");
                List<Integer> index = r.getList(r.fieldIndex("class_index"));
                List<Float> p = r.getList(r.fieldIndex("probability"));
                List<String> names = r.getList(r.fieldIndex("class_name"));
                int[] gotIndex = index.stream().mapToInt(Integer::intValue).toArray();
                float[] gotP = new float[p.size()];
                for (int i = 0; i < gotP.length; i++) {
                    gotP[i] = p.get(i);
                    assertEquals(Labels.imagenet().name(gotIndex[i]), names.get(i));
                }
                assertArrayEquals(x.index(), gotIndex, e.getKey() + " classes");
                assertArrayEquals(x.probability(), gotP, 1e-6f, e.getKey() + " probabilities");
                assertTrue(r.<Double>getAs("infer_ms") > 0, e.getKey() + " infer_ms");
            } else {
                String error = r.getAs("error");
                assertNotNull(error, e.getKey());
                assertTrue(error.contains(e.getKey().contains("/") ? e.getKey().substring(e.getKey().indexOf('/') + 1)
                        : e.getKey()), error + " names " + e.getKey());
                assertNull(r.getAs("class_index"));
                assertEquals(0.0, r.<Double>getAs("infer_ms"));
                failures.merge(status, 1L, Long::sum);
            }
        }

        // Statistics: one row per partition, adding up to the label rows.
        List<Row> stats = spark.read().parquet(output + "/" + ClassifyJob.STATISTICS_DIR).collectAsList();
        assertEquals(perPartition.size(), stats.size(), "a statistics row per partition that has rows");
        Set<Integer> seen = new HashSet<>();
        long images = 0;
        long failed = 0;
        for (Row s : stats) {
            int partition = s.getAs("partition_id");
            assertTrue(seen.add(partition), "partition " + partition + " twice");
            assertEquals(perPartition.get(partition).longValue(), s.<Long>getAs("images").longValue(),
                    "images of partition " + partition);
            assertEquals(summary.runId, s.getAs("run_id"));
            assertTrue(s.<String>getAs("kernel_path").startsWith("vector") || s.<String>getAs("kernel_path")
                    .startsWith("scalar"), s.<String>getAs("kernel_path"));
            images += s.<Long>getAs("images");
            failed += s.<Long>getAs("failed");
        }
        assertEquals(set.expected.size(), images);
        assertEquals(failures.values().stream().mapToLong(Long::longValue).sum(), failed);

        // The summary, returned and written, agrees.
        assertEquals(set.expected.size(), summary.images);
        assertEquals(failed, summary.failed);
        assertEquals(images - failed, summary.ok);
        assertEquals(failures, summary.failuresByReason);
        assertEquals(stats.size(), summary.partitions);
        List<String> paths = new java.util.ArrayList<>();
        for (String executor : executors) {
            paths.add(executor + ": " + dev.shufflespark.model.kernel.Simd.description());
        }
        assertEquals(paths, summary.kernelPaths);
        JsonNode json = readSummary(output);
        assertEquals(summary.images, json.get("images").asLong());
        assertEquals(summary.failed, json.get("failed").asLong());
        assertEquals(summary.runId, json.get("runId").asText());
        assertEquals(sha256, json.get("modelSha256").asText());
        // Percentiles per stage agree with the rows' own values (nearest rank) within the histogram's 0.75%.
        for (String stage : List.of("read", "decode", "preprocess", "infer")) {
            JsonNode p = json.get("stageMillis").get(stage);
            assertNotNull(p, stage);
            List<Double> values = new java.util.ArrayList<>();
            for (Row r : rows.values()) {
                boolean ok = "OK".equals(r.getAs("status"));
                if (ok || stage.equals("read") || stage.equals("decode")) {
                    values.add(r.<Double>getAs(stage + "_ms"));
                }
            }
            java.util.Collections.sort(values);
            String[] names = {"p50", "p95", "p99"};
            double[] qs = {0.5, 0.95, 0.99};
            for (int i = 0; i < 3; i++) {
                double exact = values.get((int) Math.ceil(qs[i] * values.size()) - 1);
                double got = p.get(names[i]).asDouble();
                assertEquals(exact, got, 0.0076 * exact + 1e-3, stage + " " + names[i]);
            }
        }
        // The task threads' CPU time in inference, where recorded, was read inside each batch's wall-clock interval:
        // every image's value is at most its infer value, so each percentile is too (the two histograms' 0.75%).
        JsonNode inferCpu = json.get("stageMillis").get(PartitionRecorder.INFER_CPU);
        if (inferCpu != null) {
            JsonNode infer = json.get("stageMillis").get("infer");
            for (String q : List.of("p50", "p95", "p99")) {
                double cpu = inferCpu.get(q).asDouble();
                assertTrue(cpu > 0, "infer_cpu " + q + " " + cpu);
                assertTrue(cpu <= infer.get(q).asDouble() * 1.0152 + 1e-3,
                        "infer_cpu " + q + " " + cpu + " above infer's " + infer.get(q).asDouble());
            }
        }
        FileSystem fs = new Path(output).getFileSystem(spark.sparkContext().hadoopConfiguration());
        assertTrue(fs.exists(new Path(output + "/" + ClassifyJob.LABELS_DIR + "/_SUCCESS")), "labels/_SUCCESS");
        return executors;
    }

    /** The run's report.html: one bar per executor, one per stage, a row per failure reason. */
    public static void checkReport(String output, Summary summary) throws Exception {
        SparkSession spark = SparkSession.active();
        Path p = new Path(output + "/" + ClassifyJob.REPORT_FILE);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String html;
        try (InputStream in = fs.open(p)) {
            html = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(html.contains(summary.runId), "the report of this run");
        assertEquals(summary.executors.size(), ReportCheck.bars(html, "executors"));
        assertEquals(summary.images > 0 ? 4 : 0, ReportCheck.bars(html, "stages"));
        assertEquals(1 + summary.failuresByReason.size(), ReportCheck.rows(html, "failures"));
        assertEquals(1 + summary.attempts.size(), ReportCheck.rows(html, "attempts"), "a row per attempt");
        summary.failuresByReason.forEach((reason, n) -> assertTrue(
                html.contains("<td>" + reason + "</td><td class=\"n\">" + n + "</td>"), reason));
    }

    public static JsonNode readSummary(String output) throws Exception {
        SparkSession spark = SparkSession.active();
        Path p = new Path(output + "/" + ClassifyJob.SUMMARY_FILE);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (InputStream in = fs.open(p)) {
            return new ObjectMapper().readTree(in);
        }
    }
}
