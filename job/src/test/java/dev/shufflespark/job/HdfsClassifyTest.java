package dev.shufflespark.job;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.testing.SparkSessions;
import java.io.File;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The job on HDFS: a one-datanode MiniDFSCluster on 127.0.0.1 in this JVM. */
class HdfsClassifyTest extends RemoteClassifyTest {

    static MiniDFSCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", false);
        File base = Files.createTempDirectory("hdfs-classify").toFile();
        cluster = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).format(true).build();
        cluster.waitActive();
        spark = SparkSessions.start("local[2]", "HdfsClassifyTest");
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

    @Override
    List<CrashCase> crashCases() {
        return List.of(new CrashCase("MID_UNIT", 2, OutputFormat.PARQUET), new CrashCase("SUMMARY", -1,
                OutputFormat.JSON));
    }

    @Override
    String root(String name) {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort() + "/test/" + name;
    }
}
