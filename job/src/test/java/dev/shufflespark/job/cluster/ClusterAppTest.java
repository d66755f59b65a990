package dev.shufflespark.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings for a standalone master, the cluster's options and its Spark home, without starting anything. */
class ClusterAppTest {

    @TempDir
    Path dir;

    @Test
    void executorOptionsAddOurFlagsBeforeTheUsersWithoutRepeatingThem() {
        List<String> flags = List.of("--add-modules=jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED");
        assertEquals("--add-modules=jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED",
                ClusterApp.executorOptions(flags, ""));
        assertEquals("--add-opens=java.base/java.nio=ALL-UNNAMED --add-modules=jdk.incubator.vector -Xss4m",
                ClusterApp.executorOptions(flags, " --add-modules=jdk.incubator.vector -Xss4m "));
    }

    @Test
    void configureKeepsTheUsersJarsAndAddsConfJvmOptions() throws Exception {
        ProjectLayout layout = ProjectLayout.find();
        SparkConf conf = new SparkConf().set("spark.jars", "file:/x/app.jar")
                .set("spark.executor.extraJavaOptions", "-Dx=1");
        ClusterApp.configure(conf, layout);
        assertEquals("file:/x/app.jar", conf.get("spark.jars"));
        String opts = conf.get("spark.executor.extraJavaOptions");
        assertTrue(opts.startsWith(String.join(" ", layout.jvmFlags())) && opts.endsWith(" -Dx=1"), opts);
        assertTrue(opts.contains("--add-modules=jdk.incubator.vector"), opts);
        assertTrue(ClusterApp.isStandalone("spark://127.0.0.1:7077"));
        assertFalse(ClusterApp.isStandalone("local[2]"));
    }

    @Test
    void optionsRefuseBadValuesNamingTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StandaloneCluster.Options(0, 1, "1g"));
        assertEquals("--workers: 0 must be 1..64", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new StandaloneCluster.Options(2, 1, "lots"));
        assertEquals("--memory: 'lots' must be a size like 512m or 2g", e.getMessage());
    }

    @Test
    void readingAFolderWithoutAClusterFindsNone() throws Exception {
        assertTrue(StandaloneCluster.read(dir).isEmpty());
        Files.writeString(dir.resolve(StandaloneCluster.STATE_FILE), "master.url=spark://127.0.0.1:1\n");
        ClusterException e = assertThrows(ClusterException.class, () -> StandaloneCluster.read(dir));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }
}
