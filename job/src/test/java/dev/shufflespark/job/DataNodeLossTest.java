package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HDFS DataNode stopped in the middle of a run: a MiniDFSCluster of three DataNodes on 127.0.0.1, inputs and
 * output on it with three replicas (so every block's pipeline has the DataNode that goes). A task of the second
 * unit holds after handing its first row to the writer, the DataNode is stopped, the task goes on; the run
 * finishes with every row once, as the engine answers, reading inputs from the two DataNodes left and writing
 * through pipelines without the lost one. The NameNode is not told: it still counts the DataNode as live, as it
 * does for minutes after a real one dies.
 */
class DataNodeLossTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";

    static MiniDFSCluster cluster;
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", false);
        conf.setInt("dfs.replication", 3);
        File base = Files.createTempDirectory("hdfs-datanode-loss").toFile();
        cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(3).format(true).build();
        cluster.waitActive();
        spark = SparkSessions.start("local[2]", "DataNodeLossTest");
        spark.sparkContext().hadoopConfiguration().setInt("dfs.replication", 3);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    @Test
    void aDataNodeStoppedMidUnitCostsNoRow() throws Exception {
        String root = "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/archive";
        FileSystem fs = new org.apache.hadoop.fs.Path(root).getFileSystem(spark.sparkContext().hadoopConfiguration());
        TestImages.MixedSet set = new TestImages.MixedSet();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            try (OutputStream o = fs.create(new org.apache.hadoop.fs.Path(root + "/in/" + f.getKey()), true)) {
                o.write(f.getValue());
            }
        }
        assertEquals(3, fs.getFileStatus(new org.apache.hadoop.fs.Path(root + "/in/c.png")).getReplication());
        Path shared = Files.createDirectories(dir.resolve("held"));
        String out = root + "/out";
        Summary summary;
        String lost;
        try (AutoCloseable hold = HeldTask.install(1, 0, shared)) {
            CompletableFuture<Summary> run = CompletableFuture.supplyAsync(() -> ClassifyJob.run(spark,
                    JobConfig.from(Map.of(JobConfig.INPUT, root + "/in", JobConfig.OUTPUT, out, JobConfig.MODEL,
                            MODEL, JobConfig.UNIT_INPUTS, "3", JobConfig.PROGRESS, "0"))));
            HeldTask.Held held = HeldTask.awaitHeld(shared, 300);
            assertEquals("driver", held.executorId());
            lost = "127.0.0.1:" + cluster.getDataNodes().get(0).getXferAddress().getPort();
            assertTrue(cluster.stopDataNode(0) != null, "a DataNode stopped");
            assertEquals(2, cluster.getDataNodes().size());
            HeldTask.release(shared);
            summary = run.get(600, TimeUnit.SECONDS);
        }
        OutputCheck.checkMixedRun(spark, out, set, MODEL, LoadedModel.load(MODEL, new Configuration()).sha256(),
                summary);
        assertTrue(summary.units >= 3, "units: " + summary.units);
        // The held task's file was written after the DataNode stopped: its blocks live on the two others.
        int around = 0;
        for (FileStatus f : fs.listStatus(new org.apache.hadoop.fs.Path(out + "/labels/unit=00001"))) {
            if (f.getPath().getName().startsWith("part-00000-")) {
                for (BlockLocation b : fs.getFileBlockLocations(f, 0, f.getLen())) {
                    assertFalse(List.of(b.getNames()).contains(lost), f.getPath() + " has a block on " + lost);
                    assertEquals(2, b.getNames().length, f.getPath() + ": " + List.of(b.getNames()));
                }
                around++;
            }
        }
        assertEquals(1, around, "the held task's file");
        assertEquals(0, summary.attempts.get(0).failedTasks(), "the client went around the lost DataNode");
    }
}
