package dev.shufflespark.io.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS for tests: a one-datanode MiniDFSCluster on 127.0.0.1, its storage under {@code dir}. */
public final class Hdfs implements AutoCloseable {

    private final MiniDFSCluster cluster;

    public Hdfs(Path dir) throws IOException {
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", false);
        cluster = new MiniDFSCluster.Builder(conf, new File(dir.toFile(), "hdfs"))
                .numDataNodes(1)
                .format(true)
                .build();
        cluster.waitActive();
    }

    /** The file system's URI, e.g. {@code hdfs://127.0.0.1:40123}. */
    public String uri() {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }

    public Configuration configuration() {
        return new Configuration(cluster.getConfiguration(0));
    }

    public FileSystem fileSystem() throws IOException {
        return cluster.getFileSystem();
    }

    public void write(String path, byte[] bytes) throws IOException {
        try (OutputStream out = cluster.getFileSystem().create(new org.apache.hadoop.fs.Path(path), true)) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
