package dev.shufflespark.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.job.testing.DocCommands;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.SparkSubmit;
import dev.shufflespark.job.testing.SubmitCheck;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.Model;
import java.io.File;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The standalone spark-submit commands of docs/spark-submit.md, run as written against a standalone cluster of two 1-core Workers
 * and a MiniDFSCluster: {@code org.apache.spark.deploy.SparkSubmit} in a process of its own, started the way
 * {@code bin/spark-submit} starts it, from a Spark home whose {@code jars/} is a Spark distribution's. Then a
 * cluster-mode driver that fails, a second one stopped while it runs, and {@code cluster stop} from another JVM
 * with the daemons' recorded start times a second off (as after a step of the wall clock): nothing may be left.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkSubmitStandaloneTest {

    static final String MODEL = "shufflenet_v2_x0_5";
    static final String JOB_CLASS = "dev.shufflespark.job.cli.ClassifyCommand";
    static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(6);

    ProjectLayout layout;
    Path dir;
    StandaloneCluster cluster;
    MiniDFSCluster hdfs;
    SparkSession spark;
    SparkSubmit submit;
    Map<String, String> placeholders;
    String onnxSha256;
    final TestImages.MixedSet set = new TestImages.MixedSet();

    @BeforeAll
    void start() throws Exception {
        layout = ProjectLayout.find();
        dir = Files.createTempDirectory("spark-submit-test");
        hdfs = startHdfs(dir.resolve("hdfs").toFile());
        cluster = StandaloneCluster.start(layout, dir.resolve("cluster"), new StandaloneCluster.Options(2, 1, "2g"));
        // A Spark home of our own (not the cluster's): jars/ as a Spark 4.2 distribution has them.
        submit = new SparkSubmit(StandaloneCluster.sparkHome(layout, dir.resolve("dist")), Map.of());
        spark = SparkSessions.start("local[1]", "SparkSubmitStandaloneTest");

        String namenode = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
        placeholders = new LinkedHashMap<>();
        placeholders.put("spark://HOST:7077", cluster.masterUrl());
        placeholders.put("hdfs://NAMENODE:8020", namenode);
        placeholders.put("/data/", dir.resolve("data") + "/");
        placeholders.put("job/target/", layout.root().resolve("job/target") + "/");

        // The images, on the local disk and on HDFS; the model as an ONNX file on HDFS.
        Path local = Files.createDirectories(dir.resolve("data/images"));
        FileSystem fs = hdfs.getFileSystem();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(local.resolve(f.getKey()), f.getValue());
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.resolve(f.getKey()).toString()),
                    new org.apache.hadoop.fs.Path("/images/" + f.getKey()));
        }
        Path onnx = Files.createDirectories(dir.resolve("data/models")).resolve(MODEL + ".onnx");
        OnnxExporter.write(Model.builtin(MODEL), onnx);
        onnxSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(onnx)));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(onnx.toString()),
                new org.apache.hadoop.fs.Path("/models/" + MODEL + ".onnx"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (spark != null) {
                spark.stop();
            }
            if (cluster != null && StandaloneCluster.read(cluster.dir()).isPresent()) {
                cluster.stop();
            }
            if (cluster != null) {
                StandaloneCluster.stopLeftovers(cluster.dir());
            }
        } finally {
            if (hdfs != null) {
                hdfs.shutdown(true);
            }
            deleteTree(dir);
        }
    }

    static void deleteTree(Path root) throws java.io.IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    @Order(1)
    void clientModeWithLocalPaths() throws Exception {
        DocCommands.Command c = readme("--deploy-mode", "client");
        SparkSubmit.Result r = submit.run(c.args(), dir.resolve("client.log"), SUBMIT_TIMEOUT);
        assertEquals(0, r.exitCode(), r::toString);
        String output = new File(c.option("--output")).toURI().toString();
        Set<String> executors = SubmitCheck.check(spark, output, set, MODEL, MODEL, onnxSha256, 1e-5f);
        // Rows from the cluster's executors (not the driver, checked above): one or both, as they register in time.
        assertTrue(executors.size() >= 1 && executors.size() <= 2, "executors " + executors);
        assertTrue(r.output().contains("9 (5 OK, 4 failed)"), r::toString);
    }

    @Test
    @Order(2)
    void clusterModeWithHdfsPathsAndAnOnnxModel() throws Exception {
        DocCommands.Command c = readme("--deploy-mode", "cluster");
        assertEquals("spark.standalone.submit.waitAppCompletion=true", c.option("--conf"));
        SparkSubmit.Result r = submit.run(c.args(), dir.resolve("cluster.log"), SUBMIT_TIMEOUT);
        assertEquals(0, r.exitCode(), () -> r + "\n" + driverLog(r));
        assertTrue(r.output().contains("State of driver " + driverId(r) + " is FINISHED"), () -> r + driverLog(r));
        SubmitCheck.check(spark, c.option("--output"), set, MODEL, MODEL, onnxSha256, 1e-5f);

        // The driver ran in a JVM the Worker started without Spark's flags: no vector module there, which it says,
        // and which is no failure (it runs no inference; the executors ran the vector kernels, checked above).
        String log = driverLog(r);
        assertTrue(log.contains("Launch Command:") && !log.substring(0, log.indexOf('\n'))
                .contains("jdk.incubator.vector"), log);
        assertTrue(log.contains("kernel path of this driver JVM: scalar (jdk.incubator.vector not present)"), log);
    }

    @Test
    @Order(3)
    void aFailedClusterModeDriverThenStopEndsEveryProcess() throws Exception {
        // A driver that fails: Kryo chosen, in the flagless JVM a Worker starts; the job says why, before Spark runs.
        DocCommands.Command c = readme("--deploy-mode", "cluster");
        List<String> kryo = new ArrayList<>(c.args());
        kryo.addAll(kryo.indexOf("--class"), List.of("--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer"));
        kryo.set(kryo.indexOf("--output") + 1, c.option("--output") + "-kryo");
        SparkSubmit.Result failed = submit.run(kryo, dir.resolve("failed.log"), SUBMIT_TIMEOUT);
        // spark-submit's exit code is 0 whatever the driver's end (as docs/spark-submit.md says); its last words are not.
        assertTrue(failed.output().contains("State of driver " + driverId(failed) + " is FAILED"), failed::toString);
        assertTrue(driverLog(failed).contains("needs the JVM flag --add-opens=java.base/java.nio=ALL-UNNAMED"),
                () -> driverLog(failed));

        // A second driver, not waited for, still running when the cluster stops.
        List<String> running = new ArrayList<>(c.args());
        running.removeAll(List.of("--conf", "spark.standalone.submit.waitAppCompletion=true"));
        running.set(running.indexOf("--output") + 1, c.option("--output") + "-stopped");
        SparkSubmit.Result submitted = submit.run(running, dir.resolve("running.log"), SUBMIT_TIMEOUT);
        assertEquals(0, submitted.exitCode(), submitted::toString);
        String driver = driverId(submitted);
        awaitDriverRunning(driver);

        List<ProcessHandle> before = cluster.processes();
        assertTrue(before.stream().anyMatch(h -> arguments(h).contains("org.apache.spark.deploy.worker.DriverWrapper")),
                "a driver runs under a Worker: " + before);

        // The stopping JVM reads the daemons' start times a second off, as a stepped wall clock makes them.
        Path state = cluster.dir().resolve(StandaloneCluster.STATE_FILE);
        String shifted = Pattern.compile("(start\\.millis=)(\\d+)").matcher(Files.readString(state))
                .replaceAll(m -> m.group(1) + (Long.parseLong(m.group(2)) + 1000));
        Files.writeString(state, shifted);

        Process stop = cli("cluster", "stop", "--dir", cluster.dir().toString());
        String out = new String(stop.getInputStream().readAllBytes());
        assertTrue(stop.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, stop.exitValue(), out);
        assertTrue(out.contains("stopped " + cluster.masterUrl()), out);
        for (ProcessHandle h : before) {
            assertFalse(h.isAlive(), "process " + h.pid() + " " + arguments(h) + " still runs");
        }
        assertEquals(List.of(), StandaloneCluster.leftovers(cluster.dir()), "processes of the cluster left");
        assertFalse(Files.exists(state), "state file removed");
    }

    /** The page's standalone command with {@code option value}, placeholders replaced. */
    private DocCommands.Command readme(String option, String value) throws Exception {
        return DocCommands.find(layout.root().resolve("docs/spark-submit.md"), c -> c.args().contains("spark://HOST:7077")
                && value.equals(c.option(option)), "spark standalone " + option + " " + value).with(placeholders);
    }

    /** The {@code cluster} command line in a JVM of its own, as bin/shufflespark runs it. */
    private Process cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(layout.jvmFlags());
        cmd.add("-D" + ProjectLayout.HOME_PROPERTY + "=" + layout.root());
        cmd.add("dev.shufflespark.job.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Path target = layout.root().resolve("job/target");
        pb.environment().put("CLASSPATH", target.resolve("classes") + ":" + target.resolve("lib") + "/*:"
                + target.resolve("spark-lib") + "/*");
        Process p = pb.start();
        p.getOutputStream().close();
        return p;
    }

    private static String driverId(SparkSubmit.Result r) {
        Matcher m = Pattern.compile("Driver successfully submitted as (driver-[0-9-]+)").matcher(r.output());
        assertTrue(m.find(), r::toString);
        return m.group(1);
    }

    /** The driver's stderr in its Worker's work folder (its launch command first). */
    private String driverLog(SparkSubmit.Result r) {
        String id = driverId(r);
        try (var files = Files.walk(cluster.dir().resolve("work"))) {
            Path log = files.filter(p -> p.getFileName().toString().equals("stderr")
                    && p.getParent().getFileName().toString().equals(id)).findFirst().orElseThrow();
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log of " + id + ": " + e + ")";
        }
    }

    private void awaitDriverRunning(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            JsonNode master;
            try (InputStream in = new URL(cluster.masterWebUi() + "/json/").openStream()) {
                master = new ObjectMapper().readTree(in);
            }
            for (JsonNode d : master.path("activedrivers")) {
                if (id.equals(d.path("id").asText()) && "RUNNING".equals(d.path("state").asText())) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("driver " + id + " not running after 2 minutes");
    }

    private static String arguments(ProcessHandle h) {
        return String.join(" ", h.info().arguments().orElse(new String[0]));
    }

    static MiniDFSCluster startHdfs(File base) throws Exception {
        Configuration conf = new Configuration();
        conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.setBoolean("dfs.permissions.enabled", false);
        MiniDFSCluster c = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).format(true).build();
        c.waitActive();
        return c;
    }
}
