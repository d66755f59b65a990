package dev.shufflespark.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.bench.ClusterBench;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.report.HtmlReport;
import dev.shufflespark.job.report.ReportCheck;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real standalone cluster: a Master and two Workers of one core each, every one a JVM of its own
 * started from the build's Spark jars; executors load our classes from the job jar, so this runs after
 * {@code package} ({@code mvn -B verify -Pcluster -pl job -am}), never in the default {@code mvn test}.
 */
@Tag("cluster")
class ClusterClassifyTest {

    static final String MODEL = "shufflenet_v2_x0_5";

    @TempDir
    Path dir;

    @Test
    void classifiesOnTwoExecutorJvmsAndStopEndsEveryProcess() throws Exception {
        ProjectLayout layout = ProjectLayout.find();
        Path clusterDir = dir.resolve("cluster");
        StandaloneCluster cluster = StandaloneCluster.start(layout, clusterDir,
                new StandaloneCluster.Options(2, 1, "1g"));
        List<ProcessHandle> seen = new ArrayList<>(cluster.processes());
        SparkSession spark = null;
        List<ProcessHandle> ended;
        try {
            assertEquals(3, seen.size(), "a Master and two Workers, no executor yet: " + seen);
            StandaloneCluster.Status status = cluster.status();
            assertEquals(2, status.aliveWorkers());
            assertEquals(2, status.cores());

            SparkConf conf = new SparkConf().set("spark.cores.max", "2").set("spark.executor.cores", "1")
                    .set("spark.executor.memory", "768m");
            ClusterApp.configure(conf, layout);
            spark = SparkSessions.start(cluster.masterUrl(), "ClusterClassifyTest", conf);

            TestImages.MixedSet set = new TestImages.MixedSet();
            Path in = Files.createDirectories(dir.resolve("in"));
            for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
                Files.write(in.resolve(f.getKey()), f.getValue());
            }
            String out = dir.resolve("out").toUri().toString().replaceAll("/$", "");
            Summary summary = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT, in.toString(),
                    JobConfig.OUTPUT, out, JobConfig.MODEL, MODEL, JobConfig.PROGRESS, "0")));
            String sha256 = LoadedModel.load(MODEL, new Configuration()).sha256();
            Set<String> executors = OutputCheck.checkMixedRun(spark, out, set, MODEL, sha256, summary, true);

            // Two executors did work, and they are two JVMs under the Workers, not this one.
            assertEquals(2, executors.size(), "rows from executors " + executors);
            assertEquals(4, summary.partitions, "7 inputs over twice the 2 cores");
            Set<String> statsExecutors = new TreeSet<>();
            for (Row r : spark.read().parquet(out + "/" + ClassifyJob.STATISTICS_DIR).collectAsList()) {
                statsExecutors.add(r.getAs("executor_id"));
            }
            assertEquals(executors, statsExecutors);
            List<ProcessHandle> executorJvms = cluster.executors();
            assertEquals(2, executorJvms.size(), "executor JVMs " + executorJvms);
            for (ProcessHandle e : executorJvms) {
                assertNotEquals(ProcessHandle.current().pid(), e.pid());
                List<String> args = List.of(e.info().arguments().orElseThrow());
                assertTrue(args.contains("--add-modules=jdk.incubator.vector"), "executor flags " + args);
                assertTrue(e.parent().map(p -> seen.contains(p)).orElse(false), "an executor's parent is a Worker");
            }
            seen.addAll(executorJvms);
            spark.stop();
            spark = null;

            // The scaling benchmark on the same cluster: one application per executor count, all images counted on
            // as many executors as asked for.
            ClusterBench.Result bench = ClusterBench.run(new ClusterBench.Settings(cluster.masterUrl(), List.of(1, 2),
                    48, List.of(), MODEL, 4, 2, 0, 1, "768m", dir.resolve("scratch"), Map.of()), layout, "test",
                    new java.io.PrintWriter(System.err, true));
            assertEquals(2, bench.runs().size());
            assertEquals(List.of(1, 2), bench.points().stream().map(ClusterBench.Point::executors).toList());
            for (ClusterBench.Run r : bench.runs()) {
                assertEquals(48, r.images(), "images of run " + r);
                assertEquals(0, r.failed());
                assertEquals(2 * r.executors(), r.partitions());
                assertEquals(r.executors(), r.imagesByExecutor().size(), "executors that did work: " + r);
                assertFalse(r.imagesByExecutor().containsKey("driver"));
                assertTrue(r.executorBusySeconds() > 0 && r.wallSeconds() > 0, r.toString());
                assertEquals(1.0, r.stageShares().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
                assertTrue(r.stageShares().get("infer") > 0 && r.stageShares().get("decode") > 0, r.toString());
            }
            assertEquals(1.0, bench.points().get(0).efficiency(), 1e-12);
            ClusterBench.Point two = bench.points().get(1);
            assertEquals(two.imagesPerSecond() / 2 / bench.points().get(0).imagesPerSecond(), two.efficiency(), 1e-12);
            assertTrue(bench.toJson().contains("\"driverOverheadShare\""));
            assertFalse(bench.toJson().contains("partitionStats"), "bench.json holds totals, not partitions");
            // its report: the scaling curve, and the charts of the 2-executor run
            String html = HtmlReport.render(ClusterBench.report(bench, Map.of("master", cluster.masterUrl())));
            assertEquals(2, ReportCheck.points(html, "scaling"));
            assertEquals(2, ReportCheck.bars(html, "executors"));
            assertEquals(4, ReportCheck.bars(html, "stages"));
        } finally {
            if (spark != null) {
                spark.stop();
            }
            ended = cluster.stop();
        }

        // Every process the cluster had is gone, nothing runs with the cluster's marker, and the state is removed.
        assertTrue(ended.containsAll(seen.subList(0, 3)), "the Master and the Workers were ended by stop()");
        for (ProcessHandle h : seen) {
            assertFalse(h.isAlive(), "process " + h.pid() + " " + h.info().commandLine().orElse("") + " still runs");
        }
        String marker = "-Dshufflespark.cluster=" + clusterDir.toAbsolutePath().normalize();
        List<Long> left = ProcessHandle.allProcesses().filter(h -> h.info().arguments()
                .map(a -> List.of(a).contains(marker)).orElse(false)).map(ProcessHandle::pid).toList();
        assertEquals(List.of(), left, "processes of the cluster left");
        assertTrue(StandaloneCluster.read(clusterDir).isEmpty(), "state file removed");
        assertTrue(Files.exists(clusterDir.resolve("logs/master.log")), "logs kept");
    }
}
