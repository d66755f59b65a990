package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.testing.SparkSessions;
import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    /**
     * HDFS renames nothing over an existing file with {@code FileSystem.rename}, so a record written again takes
     * {@code OutputFolder}'s other way: it replaces the old one, and no temporary file is left beside it.
     */
    @Test
    void aRecordWrittenAgainReplacesTheOldOne() throws Exception {
        OutputFolder folder = OutputFolder.at(root("records"), cluster.getConfiguration(0));
        Path record = folder.attemptRecord("20261204-000000-abcd");
        folder.write(record, "{\"first\":1}");
        folder.write(record, "{\"second\":2}");

        assertEquals("{\"second\":2}", folder.read(record));
        FileSystem fs = record.getFileSystem(cluster.getConfiguration(0));
        assertEquals(List.of(record.getName()),
                Arrays.stream(fs.listStatus(record.getParent())).map(st -> st.getPath().getName()).toList());
    }
}
