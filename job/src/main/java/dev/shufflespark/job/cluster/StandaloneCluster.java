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

    /** The JVM flag every daemon carries: {@code -Dshufflespark.cluster=DIR}, the cluster's folder. */
    public static final String MARKER_PROPERTY = "shufflespark.cluster";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    /**
     * How far a daemon's start time, as a later JVM reads it, may be from the one recorded, for a process whose
     * command line cannot be read. The JDK reports a start time as the boot time ({@code btime} of /proc/stat,
     * which moves whenever the wall clock is stepped) plus the process's start in clock ticks, so two JVMs can
     * see different values for one process.
     */
    private static final Duration START_SLACK = Duration.ofMinutes(10);

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
     * One daemon: {@code master} or {@code worker-N}, its pid, when it started, its web UI port and its log. Which
     * process is still that daemon is the cluster's to say ({@link #process(Member)}).
     */
    public record Member(String name, long pid, long startMillis, int webUiPort, Path log) {
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
            StandaloneCluster o = old.get();
            if (o.members.stream().anyMatch(m -> o.process(m).isPresent())) {
                throw new ClusterException("a cluster started from " + dir + " is running (" + o.masterUrl
                        + "); stop it first");
            }
            deleteState(dir);
        }
        List<ProcessHandle> leftovers = leftovers(dir);
        if (!leftovers.isEmpty()) {
            throw new ClusterException("processes of a cluster in " + dir + " still run (pids " + pids(leftovers)
                    + "); end them with: shufflespark cluster stop --dir " + dir);
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
            try {
                partial.stop();
            } catch (ClusterException stopping) {
                e.addSuppressed(stopping);
            }
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
            process(m).ifPresent(h -> {
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
            alive.put(m.name(), process(m).isPresent());
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
     * The daemon's process, if it still runs: the pid is alive and carries this cluster's marker flag (a pid reused
     * by another process does not). Where a command line cannot be read, its start time must be near the one
     * recorded ({@link #START_SLACK}: the wall clock may have been stepped since).
     */
    public Optional<ProcessHandle> process(Member m) {
        return ProcessHandle.of(m.pid()).filter(h -> isDaemon(h, m.startMillis()));
    }

    private boolean isDaemon(ProcessHandle h, long startMillis) {
        if (!h.isAlive()) {
            return false;
        }
        Optional<String[]> args = h.info().arguments();
        if (args.isPresent()) {
            return List.of(args.get()).contains(marker(dir));
        }
        long started = startMillis(h);
        return started > 0 && Math.abs(started - startMillis) <= START_SLACK.toMillis();
    }

    /**
     * Ends every process of the cluster, whatever state it is in: the daemons get SIGTERM (a Worker ends its
     * executors and drivers) and {@code STOP_GRACE} to exit; then whatever is left is killed: the daemons, their
     * descendants, and any JVM that runs from this cluster's folder though it is no longer below a daemon (a driver or
     * an executor whose Worker died; see {@link #leftovers}). Every process is tried before a failure is reported;
     * the state file is removed only when nothing is left, so that a second {@code stop} can finish the work. Logs
     * are kept. Returns every process that was ended.
     */
    public List<ProcessHandle> stop() {
        List<ProcessHandle> daemons = new ArrayList<>();
        List<Member> order = new ArrayList<>(members);
        java.util.Collections.reverse(order); // workers first, the master last
        for (Member m : order) {
            process(m).ifPresent(daemons::add);
        }
        List<ProcessHandle> ended = end(dir, daemons);
        deleteState(dir);
        return ended;
    }

    /**
     * Ends the processes of a cluster in {@code dir} that no state file lists (a state file lost or deleted while
     * they ran); see {@link #leftovers}. Returns them.
     */
    public static List<ProcessHandle> stopLeftovers(Path dir) {
        return end(dir.toAbsolutePath().normalize(), List.of());
    }

    /**
     * JVMs that run from the cluster in {@code dir} (other than this one and its ancestors): any with the daemons'
     * marker flag, and any whose class path starts in the cluster's Spark home (executors and drivers the Workers
     * started). Other processes that merely name the folder (an editor, a {@code tail} of a log) are not among
     * them.
     */
    public static List<ProcessHandle> leftovers(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        String marker = marker(dir);
        String sparkHome = dir.resolve("spark-home") + "/";
        Set<Long> mine = new java.util.HashSet<>();
        for (Optional<ProcessHandle> h = Optional.of(ProcessHandle.current()); h.isPresent(); h = h.get().parent()) {
            mine.add(h.get().pid());
        }
        return ProcessHandle.allProcesses().filter(h -> !mine.contains(h.pid())).filter(h -> {
            Optional<String[]> args = h.info().arguments();
            String command = h.info().command().orElse("");
            if (args.isEmpty() || !command.endsWith("/java")) {
                return false;
            }
            List<String> a = List.of(args.get());
            if (a.contains(marker)) {
                return true;
            }
            for (int i = 0; i + 1 < a.size(); i++) {
                if ((a.get(i).equals("-cp") || a.get(i).equals("-classpath") || a.get(i).equals("--class-path"))
                        && a.get(i + 1).startsWith(sparkHome)) {
                    return true;
                }
            }
            return false;
        }).toList();
    }

    /** SIGTERM to {@code daemons}, {@code STOP_GRACE} to exit, then SIGKILL to everything of the cluster left. */
    private static List<ProcessHandle> end(Path dir, List<ProcessHandle> daemons) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        for (ProcessHandle d : daemons) {
            all.add(d);
            d.descendants().forEach(all::add); // before the daemon exits: its children then leave its tree
        }
        all.addAll(leftovers(dir));
        for (ProcessHandle d : daemons) {
            d.destroy();
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        while (daemons.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            sleep(100);
        }
        // What is left, including children started while the daemons stopped, and processes of the cluster that
        // are no longer below a daemon.
        for (ProcessHandle p : List.copyOf(all)) {
            if (p.isAlive()) {
                p.descendants().forEach(all::add);
            }
        }
        all.addAll(leftovers(dir));
        List<ProcessHandle> ordered = new ArrayList<>(all);
        java.util.Collections.reverse(ordered); // children before their parents
        for (ProcessHandle p : ordered) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        deadline = System.nanoTime() + STOP_GRACE.toNanos();
        List<ProcessHandle> left = ordered;
        while (true) {
            left = left.stream().filter(ProcessHandle::isAlive).toList();
            if (left.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            sleep(100);
        }
        if (!left.isEmpty()) {
            throw new ClusterException("processes of the cluster in " + dir + " did not exit after SIGKILL: pids "
                    + pids(left) + " (still running, or exited but not yet reaped by their parent)");
        }
        return List.copyOf(all);
    }

    /** The flag that marks the daemons of the cluster in {@code dir}. */
    static String marker(Path dir) {
        return "-D" + MARKER_PROPERTY + "=" + dir.toAbsolutePath().normalize();
    }

    private static List<Long> pids(List<ProcessHandle> processes) {
        return processes.stream().map(ProcessHandle::pid).toList();
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
        cmd.add(marker(dir));
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
                if (process(m).isEmpty()) {
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
        c.setReadTimeout(10000);
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
