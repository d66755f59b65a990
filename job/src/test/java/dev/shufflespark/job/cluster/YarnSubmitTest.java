package dev.shufflespark.job.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.job.testing.DocCommands;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.SparkSubmit;
import dev.shufflespark.job.testing.SubmitCheck;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.Model;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The YARN spark-submit commands of docs/spark-submit.md, run as written against a MiniYARNCluster (one ResourceManager, one
 * NodeManager) and a MiniDFSCluster in this JVM, from a Spark home whose {@code jars/} is a Spark distribution's
 * (spark-yarn included): the driver here (client mode) or in the application master's container (cluster mode),
 * executors in YARN containers, images and labels on HDFS.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YarnSubmitTest {

    static final String MODEL = "shufflenet_v2_x0_5";
    static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(6);

    ProjectLayout layout;
    Path dir;
    MiniDFSCluster hdfs;
    MiniYARNCluster yarn;
    SparkSession spark;
    Map<String, String> placeholders;
    String onnxSha256;
    final TestImages.MixedSet set = new TestImages.MixedSet();

    @BeforeAll
    void start() throws Exception {
        layout = ProjectLayout.find();
        dir = Files.createTempDirectory("yarn-submit-test");
        hdfs = SparkSubmitStandaloneTest.startHdfs(dir.resolve("hdfs").toFile());
        String namenode = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();

        YarnConfiguration conf = new YarnConfiguration();
        conf.set("fs.defaultFS", namenode);
        conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        conf.set(YarnConfiguration.NM_ADDRESS, "127.0.0.1:0");
        conf.set("yarn.nodemanager.hostname", "127.0.0.1");
        // The NodeManager's resources, and no memory checks on JVMs that reserve more than they use.
        conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 8192); // MiniYARNCluster's, else 4096 MB
        conf.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
        conf.setInt(YarnConfiguration.NM_VCORES, 4);
        conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
        conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
        conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        // Containers find the JDK as on a real node, whose NodeManager has JAVA_HOME.
        conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "JAVA_HOME=" + System.getProperty("java.home"));
        // hadoop-client-minicluster has no capacity-scheduler.xml: one queue, all of the cluster.
        conf.set("yarn.scheduler.capacity.root.queues", "default");
        conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        yarn = new MiniYARNCluster("YarnSubmitTest", 1, 1, 1);
        yarn.init(conf);
        yarn.start();
        // start() may return before the ResourceManager's port is in the configuration.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager has no address");
            Thread.sleep(100);
        }

        // HADOOP_CONF_DIR as a cluster's: fs.defaultFS and the ResourceManager's addresses.
        Path confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", namenode);
        write(core, confDir.resolve("core-site.xml"));
        write(yarn.getConfig(), confDir.resolve("yarn-site.xml"));

        Path sparkHome = StandaloneCluster.sparkHome(layout, dir.resolve("dist"));
        placeholders = new LinkedHashMap<>();
        placeholders.put("/etc/hadoop/conf", confDir.toString());
        placeholders.put("/opt/spark", sparkHome.toString());
        placeholders.put("job/target/", layout.root().resolve("job/target") + "/");

        FileSystem fs = hdfs.getFileSystem();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path("/images/" + f.getKey()))) {
                out.write(f.getValue());
            }
        }
        Path onnx = dir.resolve(MODEL + ".onnx");
        OnnxExporter.write(Model.builtin(MODEL), onnx);
        onnxSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(onnx)));
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(onnx.toString()),
                new org.apache.hadoop.fs.Path("/models/" + MODEL + ".onnx"));
        spark = SparkSessions.start("local[1]", "YarnSubmitTest");
    }

    @AfterAll
    void stop() throws java.io.IOException {
        try {
            if (spark != null) {
                spark.stop();
            }
            if (yarn != null) {
                yarn.stop();
            }
        } finally {
            if (hdfs != null) {
                hdfs.shutdown(true);
            }
            SparkSubmitStandaloneTest.deleteTree(dir);
        }
    }

    @Test
    void clientMode() throws Exception {
        run("client");
    }

    @Test
    void clusterMode() throws Exception {
        run("cluster");
    }

    private void run(String mode) throws Exception {
        DocCommands.Command c = DocCommands.find(layout.root().resolve("docs/spark-submit.md"),
                x -> "yarn".equals(x.option("--master")) && mode.equals(x.option("--deploy-mode")),
                "yarn " + mode).with(placeholders);
        if (mode.equals("client")) {
            // Spark 4.2's race in client mode (docs/spark-submit.md): the application master's web UI filter,
            // applied by an RPC thread, can meet the driver's main thread attaching the UI's handlers, and the
            // SparkContext fails to start with a ConcurrentModificationException. Without the UI there is no race.
            c = c.withConf("spark.ui.enabled", "false");
        }
        SparkSubmit withEnv = new SparkSubmit(submitHome(), c.env());
        SparkSubmit.Result r = withEnv.run(c.args(), dir.resolve("yarn-" + mode + ".log"), SUBMIT_TIMEOUT);
        assertEquals(0, r.exitCode(), r::toString);

        // The application, as YARN saw it.
        Matcher m = Pattern.compile("Submitted application (application_\\d+_\\d+)").matcher(r.output());
        assertTrue(m.find(), r::toString);
        ApplicationId id = ApplicationId.fromString(m.group(1));
        try (YarnClient client = YarnClient.createYarnClient()) {
            client.init(yarn.getConfig());
            client.start();
            ApplicationReport report = client.getApplicationReport(id);
            assertEquals("SPARK", report.getApplicationType());
            assertEquals(FinalApplicationStatus.SUCCEEDED, report.getFinalApplicationStatus(), report::toString);
        }

        // The labels, on HDFS.
        String output = "hdfs://127.0.0.1:" + hdfs.getNameNodePort() + c.option("--output").substring("hdfs://".length());
        Set<String> executors = SubmitCheck.check(spark, output, set, MODEL, MODEL, onnxSha256, 1e-5f);

        // The executors that wrote them ran in YARN containers of this application (their logs, in the
        // NodeManager's log folder, say which executor each is); in cluster mode the driver ran in the application
        // master's container, the first.
        Set<String> executorIds = new java.util.TreeSet<>();
        String master = "";
        Pattern started = Pattern.compile("Starting executor ID (\\S+) on host");
        for (String logDir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path appLogs = Path.of(logDir).resolve(id.toString());
            if (!Files.isDirectory(appLogs)) {
                continue;
            }
            try (Stream<Path> containers = Files.list(appLogs)) {
                for (Path container : containers.toList()) {
                    String log = readOrEmpty(container.resolve("stderr")) + readOrEmpty(container.resolve("stdout"));
                    if (container.getFileName().toString().endsWith("_000001")) {
                        master = log;
                    }
                    Matcher e = started.matcher(log);
                    if (e.find()) {
                        executorIds.add(e.group(1));
                    }
                }
            }
        }
        assertEquals(2, executorIds.size(), "executors started in containers: " + executorIds);
        assertTrue(executorIds.containsAll(executors), "rows from executors " + executors + ", containers ran "
                + executorIds);
        assertEquals(mode.equals("cluster"), master.contains("shufflespark classify:"),
                "the driver's summary in the application master's container");
        assertEquals(mode.equals("client"), r.output().contains("shufflespark classify:"), "the driver's summary here");
    }

    private Path submitHome() {
        return Path.of(placeholders.get("/opt/spark"));
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static void write(Configuration conf, Path file) throws java.io.IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }
}
