package dev.shufflespark.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.HeldTask;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.RunEvents;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An executor JVM killed with SIGKILL in the middle of a run on a standalone cluster (a Master and two Workers
 * of one core each, JVMs of their own): a task of the second unit holds after handing its first row to the
 * writer, the test kills the JVM it runs in, and Spark's scheduler takes it from there (the Worker starts a new
 * executor, the task runs again elsewhere). The run finishes with every row once, as the engine answers; the
 * summary names the lost executor, the attempt's record the task that failed with it, and the statistics the
 * partition's second attempt, on another executor.
 */
@Tag("cluster")
class ExecutorLossTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";

    @TempDir
    Path dir;

    @Test
    void anExecutorKilledMidUnitCostsNoRow() throws Exception {
        ProjectLayout layout = ProjectLayout.find();
        Path clusterDir = dir.resolve("cluster");
        Path shared = Files.createDirectories(dir.resolve("held"));
        StandaloneCluster cluster = StandaloneCluster.start(layout, clusterDir,
                new StandaloneCluster.Options(2, 1, "1g"));
        SparkSession spark = null;
        try {
            SparkConf conf = new SparkConf().set("spark.cores.max", "2").set("spark.executor.cores", "1")
                    .set("spark.executor.memory", "768m")
                    // the job jar, and the held task's class (the job jar has no test classes)
                    .set("spark.jars", layout.jobJar().toUri() + "," + HeldTask.jar(dir).toUri());
            ClusterApp.configure(conf, layout);
            spark = SparkSessions.start(cluster.masterUrl(), "ExecutorLossTest", conf);

            TestImages.MixedSet set = new TestImages.MixedSet();
            Path in = Files.createDirectories(dir.resolve("in"));
            for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
                Files.write(in.resolve(f.getKey()), f.getValue());
            }
            String out = dir.resolve("out").toUri().toString().replaceAll("/$", "");
            SparkSession session = spark;
            Summary summary;
            HeldTask.Held held;
            try (AutoCloseable hold = HeldTask.install(1, 0, shared)) {
                CompletableFuture<Summary> run = CompletableFuture.supplyAsync(() -> ClassifyJob.run(session,
                        JobConfig.from(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                                JobConfig.MODEL, MODEL, JobConfig.UNIT_INPUTS, "3", JobConfig.PROGRESS, "0"))));
                held = HeldTask.awaitHeld(shared, 600);
                ProcessHandle executor = ProcessHandle.of(held.pid()).orElseThrow();
                assertTrue(cluster.executors().contains(executor), "the held task runs in an executor JVM of the"
                        + " cluster: " + held);
                assertTrue(executor.destroyForcibly(), "SIGKILL sent");
                executor.onExit().get(60, TimeUnit.SECONDS);
                summary = run.get(600, TimeUnit.SECONDS);
            }

            String sha256 = LoadedModel.load(MODEL, new Configuration()).sha256();
            OutputCheck.checkMixedRun(spark, out, set, MODEL, sha256, summary, true);

            // The summary names the executor that was lost, and counts the task attempt that failed with it.
            Summary.AttemptSummary attempt = summary.attempts.get(0);
            List<String> lost = attempt.lostExecutors().stream().map(RunEvents.LostExecutor::executorId).toList();
            assertEquals(List.of(held.executorId()), lost, "lost executors");
            assertTrue(attempt.failedTasks() >= 1, "failed task attempts: " + attempt.failedTasks());

            // The attempt's record names the failed task: unit 1, the held partition, first attempt, that executor.
            JsonNode record = attemptRecord(dir.resolve("out/progress"));
            List<String> failed = new ArrayList<>();
            for (JsonNode t : record.path("failedTasks")) {
                failed.add(t.path("unit").asInt() + "/" + t.path("partition").asInt() + "/"
                        + t.path("attempt").asInt() + "/" + t.path("executorId").asText());
            }
            assertTrue(failed.contains("1/0/0/" + held.executorId()), "failed tasks " + failed);
            assertTrue(record.path("lostExecutors").toString().contains("\"" + held.executorId() + "\""),
                    record.path("lostExecutors").toString());

            // Statistics: the held partition's row is its second attempt's (or a later one), on another executor.
            List<Row> stats = spark.read().parquet(out + "/" + ClassifyJob.STATISTICS_DIR)
                    .where("partition_id = " + held.partition()).collectAsList();
            assertEquals(1, stats.size(), "one statistics row for partition " + held.partition());
            assertTrue(stats.get(0).<Integer>getAs("attempt") >= 1, "attempt " + stats.get(0));
            assertNotEquals(held.executorId(), stats.get(0).getAs("executor_id"));
            assertEquals(0L, spark.read().parquet(out + "/" + ClassifyJob.LABELS_DIR)
                    .where("partition_id = " + held.partition() + " and executor_id = '" + held.executorId() + "'")
                    .count(), "no row of the killed attempt");
        } finally {
            if (spark != null) {
                spark.stop();
            }
            cluster.stop();
        }
        for (ProcessHandle h : StandaloneCluster.leftovers(clusterDir)) {
            assertFalse(h.isAlive(), "process " + h.pid() + " of the cluster left");
        }
    }

    private static JsonNode attemptRecord(Path progress) throws Exception {
        try (Stream<Path> s = Files.list(progress)) {
            List<Path> records = s.filter(p -> p.getFileName().toString().startsWith("attempt-")).toList();
            assertEquals(1, records.size(), records.toString());
            return new ObjectMapper().readTree(records.get(0).toFile());
        }
    }
}
