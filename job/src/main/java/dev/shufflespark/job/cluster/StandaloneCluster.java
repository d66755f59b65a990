package dev.shufflespark.job.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on 127.0.0.1: one Master ({@code org.apache.spark.deploy.master.Master}) and N
 * Workers ({@code org.apache.spark.deploy.worker.Worker}), each a JVM of its own started from this build's Spark
 * jars with the flags of conf/jvm.options. No Spark download: the folder's {@code spark-home/jars/} links to the
 * jars the build copied ({@link ProjectLayout#sparkJars()}), and it is the {@code SPARK_HOME} the Workers start
 * executors from.
 *
 * <p>Everything lives in one folder (default {@code target/cluster}): {@code cluster.properties} (the master URL,
 * ports, and each process's pid and start time), {@code logs/} (each daemon's output), {@code work/} (the
 * Workers' work folders: executor logs and fetched jars) and {@code spark-home/}. {@link #stop()} ends exactly
 * the processes {@link #start} started, found by pid and start time (a reused pid is left alone), and their
 * descendants, which are the executor JVMs.
 */
public final class StandaloneCluster {

    public static final String STATE_FILE = "cluster.properties";
    public static final String MASTER_CLASS = "org.apache.spark.deploy.master.Master";
    public static final String WORKER_CLASS = "org.apache.spark.deploy.worker.Worker";
    /** The class executor JVMs run. */
    public static final String EXECUTOR_CLASS = "org.apache.spark.executor.CoarseGrainedExecutorBackend";
    public static final String HOST = "127.0.0.1";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    /** How many Workers, with how many cores and how much memory each (Spark's syntax: {@code 2g}, {@code 512m}). */
    public record Options(int workers, int cores, String memory) {
        public Options {
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("--workers: " + workers + " must be 1..64");
            }
            if (cores < 1 || cores > 1024) {
                throw new IllegalArgumentException("--cores: " + cores + " must be 1..1024");
            }
            if (memory == null || !Pattern.matches("[1-9][0-9]*[mMgG]", memory)) {
                throw new IllegalArgumentException("--memory: '" + memory + "' must be a size like 512m or 2g");
            }
        }
    }

    /**
     * One daemon: {@code master} or {@code worker-N}, its process, when it started (with the pid, its identity),
     * its web UI port and its log.
     */
    public record Member(String name, long pid, long startMillis, int webUiPort, Path log) {

        /** The process, if it is still the one that was started. */
        public Optional<ProcessHandle> process() {
            return ProcessHandle.of(pid).filter(h -> h.isAlive() && StandaloneCluster.startMillis(h) == startMillis);
        }
    }

    /** What {@link #status()} found: each daemon alive or not, and the Master's view of its Workers and apps. */
    public record Status(String masterUrl, Map<String, Boolean> alive, int aliveWorkers, int cores, int coresUsed,
                         int activeApps, List<Long> executorPids, String problem) {
    }

    private final Path dir;
    private final String masterUrl;
    private final int webUiPort;
    private final Options options;
    private final List<Member> members;

    private StandaloneCluster(Path dir, String masterUrl, int webUiPort, Options options, List<Member> members) {
        this.dir = dir;
        this.masterUrl = masterUrl;
        this.webUiPort = webUiPort;
        this.options = options;
        this.members = List.copyOf(members);
    }

    public String masterUrl() {
        return masterUrl;
    }

    /** The Master's web UI, e.g. {@code http://127.0.0.1:PORT}. */
    public String masterWebUi() {
        return "http://" + HOST + ":" + webUiPort;
    }

    public Path dir() {
        return dir;
    }

    public Options options() {
        return options;
    }

    public List<Member> members() {
        return members;
    }

    /**
     * Starts a Master and {@code options.workers()} Workers and waits until every Worker has registered. Refuses
     * when {@code dir} holds a cluster that still runs. On failure, whatever was started is stopped again and
     * the message carries the end of the failing daemon's log.
     */
    public static StandaloneCluster start(ProjectLayout layout, Path dir, Options options) {
        dir = dir.toAbsolutePath().normalize();
        Optional<StandaloneCluster> old = read(dir);
        if (old.isPresent()) {
            if (old.get().members.stream().anyMatch(m -> m.process().isPresent())) {
                throw new ClusterException("a cluster started from " + dir + " is running (" + old.get().masterUrl
                        + "); stop it first");
            }
            deleteState(dir);
        }
        List<String> flags = layout.jvmFlags();
        Path sparkHome = sparkHome(layout, dir);
        List<Member> started = new ArrayList<>();
        StandaloneCluster cluster = null;
        try {
            Files.createDirectories(dir.resolve("logs"));
            int port = freePort();
            int webUi = freePort();
            String url = "spark://" + HOST + ":" + port;
            started.add(launch(dir, sparkHome, flags, "master", webUi, List.of(MASTER_CLASS, "--host", HOST,
                    "--port", Integer.toString(port), "--webui-port", Integer.toString(webUi))));
            for (int i = 1; i <= options.workers(); i++) {
                Path work = Files.createDirectories(dir.resolve("work").resolve("worker-" + i));
                int workerUi = freePort();
                started.add(launch(dir, sparkHome, flags, "worker-" + i, workerUi, List.of(WORKER_CLASS,
                        "--host", HOST, "--webui-port", Integer.toString(workerUi), "--cores",
                        Integer.toString(options.cores()), "--memory", options.memory(), "--work-dir", work.toString(),
                        url)));
            }
            cluster = new StandaloneCluster(dir, url, webUi, options, started);
            cluster.writeState();
            cluster.awaitWorkers();
            return cluster;
        } catch (IOException | RuntimeException e) {
            StandaloneCluster partial = cluster != null ? cluster : new StandaloneCluster(dir, "?", 0, options, started);
            partial.stop();
            if (e instanceof ClusterException c) {
                throw c;
            }
            throw new ClusterException("cannot start the cluster in " + dir + ": " + e, e);
        }
    }

    /** The cluster whose state {@code dir} holds, running or not; empty when there is none. */
    public static Optional<StandaloneCluster> read(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        Path file = dir.resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new ClusterException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            List<Member> members = new ArrayList<>();
            for (int i = 0; p.containsKey("process." + i + ".name"); i++) {
                String k = "process." + i + ".";
                members.add(new Member(p.getProperty(k + "name"), Long.parseLong(p.getProperty(k + "pid")),
                        Long.parseLong(p.getProperty(k + "start.millis")),
                        Integer.parseInt(p.getProperty(k + "webui.port")), Path.of(p.getProperty(k + "log"))));
            }
            Options o = new Options(Integer.parseInt(p.getProperty("workers")),
                    Integer.parseInt(p.getProperty("cores")), p.getProperty("memory"));
            return Optional.of(new StandaloneCluster(dir, p.getProperty("master.url"),
                    Integer.parseInt(p.getProperty("master.webui.port")), o, members));
        } catch (RuntimeException e) {
            throw new ClusterException(file + " is damaged (" + e.getMessage() + "); stop the processes it names by "
                    + "hand and delete it", e);
        }
    }

    /** The running daemons and all their descendants (executor JVMs included). */
    public List<ProcessHandle> processes() {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        for (Member m : members) {
            m.process().ifPresent(h -> {
                all.add(h);
                h.descendants().forEach(all::add);
            });
        }
        return List.copyOf(all);
    }

    /** The executor JVMs running under the Workers. */
    public List<ProcessHandle> executors() {
        return processes().stream().filter(h -> h.info().arguments()
                .map(a -> List.of(a).contains(EXECUTOR_CLASS)).orElse(false)).toList();
    }

    /** Which daemons run, and what the Master says about its Workers. */
    public Status status() {
        Map<String, Boolean> alive = new java.util.LinkedHashMap<>();
        for (Member m : members) {
            alive.put(m.name(), m.process().isPresent());
        }
        List<Long> executors = executors().stream().map(ProcessHandle::pid).toList();
        try {
            JsonNode s = masterJson();
            int aliveWorkers = 0;
            for (JsonNode w : s.path("workers")) {
                if ("ALIVE".equals(w.path("state").asText())) {
                    aliveWorkers++;
                }
            }
            return new Status(masterUrl, alive, aliveWorkers, s.path("cores").asInt(), s.path("coresused").asInt(),
                    s.path("activeapps").size(), executors, null);
        } catch (IOException e) {
            return new Status(masterUrl, alive, 0, 0, 0, 0, executors, "the Master's web UI " + masterWebUi()
                    + " does not answer: " + e.getMessage());
        }
    }

    /**
     * Ends the Workers (which end their executors), then the Master: each gets SIGTERM and {@code STOP_GRACE} to
     * exit, then it and every descendant still alive are killed. Returns every process that was ended; the state
     * file is removed, the logs are kept.
     */
    public List<ProcessHandle> stop() {
        List<ProcessHandle> ended = new ArrayList<>();
        List<Member> order = new ArrayList<>(members);
        java.util.Collections.reverse(order); // workers first, the master last
        for (Member m : order) {
            Optional<ProcessHandle> h = m.process();
            if (h.isEmpty()) {
                continue;
            }
            List<ProcessHandle> tree = new ArrayList<>();
            tree.add(h.get());
            h.get().descendants().forEach(tree::add);
            h.get().destroy();
            long deadline = System.nanoTime() + STOP_GRACE.toNanos();
            while (h.get().isAlive() && System.nanoTime() < deadline) {
                sleep(100);
            }
            // Children the daemon did not end (or started while it was stopping), deepest first.
            h.get().descendants().forEach(d -> {
                if (!tree.contains(d)) {
                    tree.add(d);
                }
            });
            for (int i = tree.size() - 1; i >= 0; i--) {
                if (tree.get(i).isAlive()) {
                    tree.get(i).destroyForcibly();
                }
            }
            for (ProcessHandle p : tree) {
                try {
                    p.onExit().get(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    throw new ClusterException("process " + p.pid() + " of " + m.name() + " did not exit", e);
                }
            }
            ended.addAll(tree);
        }
        deleteState(dir);
        return ended;
    }

    /** The cluster's Spark home: {@code jars/} of symbolic links to this build's Spark jars, made afresh. */
    static Path sparkHome(ProjectLayout layout, Path dir) {
        Path home = dir.resolve("spark-home");
        Path jars = home.resolve("jars");
        try {
            if (Files.isDirectory(jars)) {
                try (var old = Files.list(jars)) {
                    for (Path p : old.toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(jars);
            Files.createDirectories(home.resolve("conf"));
            for (Path jar : layout.sparkJars()) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar.toAbsolutePath());
            }
        } catch (IOException e) {
            throw new ClusterException("cannot make the Spark home " + home + ": " + e.getMessage(), e);
        }
        return home;
    }

    private static Member launch(Path dir, Path sparkHome, List<String> flags, String name, int webUi,
                                 List<String> mainAndArgs) throws IOException {
        Path log = dir.resolve("logs").resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(flags);
        cmd.add("-Xmx512m");
        cmd.add("-Dshufflespark.cluster=" + dir);
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("conf") + "/:" + sparkHome.resolve("jars") + "/*");
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        // Our class path (bin/shufflespark passes it this way) is not the cluster's.
        env.remove("CLASSPATH");
        env.remove("SPARK_DIST_CLASSPATH");
        env.remove("SPARK_CONF_DIR");
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        long started = startMillis(p.toHandle());
        return new Member(name, p.pid(), started, webUi, log);
    }

    private static long startMillis(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    }

    private void awaitWorkers() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer yet";
        while (true) {
            for (Member m : members) {
                if (m.process().isEmpty()) {
                    throw new ClusterException(m.name() + " (pid " + m.pid() + ") exited while starting; the end of "
                            + m.log() + ":\n" + tail(m.log(), 15));
                }
            }
            try {
                JsonNode s = masterJson();
                int alive = 0;
                for (JsonNode w : s.path("workers")) {
                    if ("ALIVE".equals(w.path("state").asText())) {
                        alive++;
                    }
                }
                if (alive >= options.workers()) {
                    return;
                }
                last = alive + " of " + options.workers() + " workers registered";
            } catch (IOException e) {
                last = "the Master's web UI " + masterWebUi() + " does not answer (" + e.getMessage() + ")";
            }
            if (System.nanoTime() > deadline) {
                throw new ClusterException("the cluster was not ready after " + READY_TIMEOUT.toSeconds() + " s: " + last
                        + "; logs in " + dir.resolve("logs"));
            }
            sleep(250);
        }
    }

    private JsonNode masterJson() throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(masterWebUi() + "/json/").openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        try (InputStream in = c.getInputStream()) {
            return new ObjectMapper().readTree(in);
        } finally {
            c.disconnect();
        }
    }

    private void writeState() {
        Properties p = new Properties();
        p.setProperty("master.url", masterUrl);
        p.setProperty("master.webui.port", Integer.toString(webUiPort));
        p.setProperty("workers", Integer.toString(options.workers()));
        p.setProperty("cores", Integer.toString(options.cores()));
        p.setProperty("memory", options.memory());
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            String k = "process." + i + ".";
            p.setProperty(k + "name", m.name());
            p.setProperty(k + "pid", Long.toString(m.pid()));
            p.setProperty(k + "start.millis", Long.toString(m.startMillis()));
            p.setProperty(k + "webui.port", Integer.toString(m.webUiPort()));
            p.setProperty(k + "log", m.log().toString());
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(STATE_FILE))) {
            p.store(out, "shufflespark standalone cluster: stop it with 'shufflespark cluster stop'");
        } catch (IOException e) {
            throw new ClusterException("cannot write " + dir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    private static void deleteState(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A port free on 127.0.0.1 now (bound and released; the daemon binds it right after). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** The last {@code lines} lines of a log. */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%d workers x %d cores, %s each; state in %s)", masterUrl,
                options.workers(), options.cores(), options.memory(), dir);
    }
}
