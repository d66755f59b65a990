package dev.shufflespark.io.source;

import dev.shufflespark.io.testing.Hdfs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The archive on HDFS: a MiniDFSCluster on 127.0.0.1, started once for the class. */
class HdfsSourceTest extends RemoteSourceContract {

    private static Path dir;
    private static Hdfs hdfs;
    private static HdfsSourceTest uploader;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("minidfs");
        hdfs = new Hdfs(dir);
        uploader = new HdfsSourceTest();
        uploader.upload();
    }

    @AfterAll
    static void stop() throws Exception {
        if (hdfs != null) {
            hdfs.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    String root() {
        return hdfs.uri() + "/archive";
    }

    @Override
    Configuration conf() {
        return hdfs.configuration();
    }

    @Override
    void put(String relative, byte[] bytes) throws Exception {
        hdfs.write("/archive/" + relative, bytes);
    }
}
