package dev.shufflespark.job.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shufflespark.job.ClassifyJob;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Checks the output of a job that another process ran (spark-submit): every image of a {@link TestImages.MixedSet}
 * has one row with its status, OK rows carry the labels the engine gives the image directly, rows come from
 * executors (not the driver) that ran the vector kernels, and the summary adds up.
 */
public final class SubmitCheck {

    private SubmitCheck() {
    }

    /**
     * @param spark       a session of this JVM that can read {@code output}
     * @param builtin     the built-in model the job's model is (or was exported from)
     * @param modelName   the {@code model} column's expected value
     * @param sha256      the {@code model_sha256} column's expected value
     * @param tolerance   for probabilities (an ONNX export computes in another order: 1e-5)
     * @return the executor ids that wrote rows
     */
    public static Set<String> check(SparkSession spark, String output, TestImages.MixedSet set, String builtin,
                                    String modelName, String sha256, float tolerance) throws Exception {
        Map<String, Row> rows = OutputCheck.labelRows(spark, output);
        assertEquals(set.expected.keySet(), rows.keySet());
        Reference reference = new Reference(builtin);
        Set<String> executors = new TreeSet<>();
        long failed = 0;
        for (Map.Entry<String, String> e : set.expected.entrySet()) {
            Row r = rows.get(e.getKey());
            assertEquals(e.getValue(), r.getAs("status"), e.getKey());
            assertEquals(modelName, r.getAs("model"), e.getKey());
            assertEquals(sha256, r.getAs("model_sha256"), e.getKey());
            String executor = r.getAs("executor_id");
            assertNotEquals("driver", executor, e.getKey() + " was classified by the driver");
            executors.add(executor);
            if (e.getValue().equals("OK")) {
                Reference.Expected x = reference.classify(set.bytesOf(e.getKey()), 5);
                List<Integer> index = r.getList(r.fieldIndex("class_index"));
                List<Float> p = r.getList(r.fieldIndex("probability"));
                assertArrayEquals(x.index(), index.stream().mapToInt(Integer::intValue).toArray(), e.getKey());
                for (int i = 0; i < p.size(); i++) {
                    assertEquals(x.probability()[i], p.get(i), tolerance, e.getKey() + " probability " + i);
                }
            } else {
                failed++;
            }
        }
        for (Row s : spark.read().parquet(output + "/" + ClassifyJob.STATISTICS_DIR).collectAsList()) {
            String path = s.getAs("kernel_path");
            assertTrue(path.startsWith("vector"), "executor " + s.getAs("executor_id") + " ran " + path);
            // the job gave the executors C2's trap limit (SparkSetup), which Spark's launcher does not
            assertFalse(path.contains("trap limit"), "executor " + s.getAs("executor_id") + " ran " + path);
        }
        JsonNode summary = readJson(spark, output + "/" + ClassifyJob.SUMMARY_FILE);
        assertEquals(set.expected.size(), summary.get("images").asLong());
        assertEquals(failed, summary.get("failed").asLong());
        assertEquals(executors.size(), summary.get("kernelPaths").size(), summary.get("kernelPaths").toString());
        for (JsonNode k : summary.get("kernelPaths")) {
            assertTrue(k.asText().contains(": vector"), k.asText());
        }
        FileSystem fs = new Path(output).getFileSystem(spark.sparkContext().hadoopConfiguration());
        assertTrue(fs.exists(new Path(output + "/" + ClassifyJob.LABELS_DIR + "/_SUCCESS")), "labels/_SUCCESS");
        return executors;
    }

    private static JsonNode readJson(SparkSession spark, String file) throws Exception {
        Path p = new Path(file);
        try (var in = p.getFileSystem(spark.sparkContext().hadoopConfiguration()).open(p)) {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        }
    }
}
