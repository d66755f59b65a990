package dev.shufflespark.bench.endtoend;

import dev.shufflespark.bench.Args;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The end-to-end benchmark: {@code bin/shufflespark classify} against {@link dev.shufflespark.bench.plain.PlainClassify}
 * (plain Spark + ONNX Runtime + ImageIO), each run as a whole process from the command line, cold (a new JVM per
 * run; the files and jars in the OS page cache), on the same seeded photo sets and the same ONNX model, in turns
 * (ours, plain, ours, plain, ...). Prints images/s per run, the medians and their ratio, CPU seconds per image,
 * the load average, and how often the two agree on the most probable class.
 *
 * <p>Run through {@code bench/end-to-end}, which builds what it needs first. JDK only: it starts the two jobs as
 * processes and never loads their classes.
 */
public final class EndToEnd {

    private static final Pattern TIMES = Pattern.compile("(\\d+)m([\\d.]+)s\\s+(\\d+)m([\\d.]+)s");

    private EndToEnd() {
    }

    /** One photo set to run. */
    record Set(String name, PhotoSet.Kind kind, int count) {
    }

    static final String PLAIN = "plain";
    /** A variant's setting naming another launcher (e.g. an older tree's bin/shufflespark) instead of an env var. */
    static final String BIN = "BIN";

    /**
     * A run of {@code bin/shufflespark classify} under a name, with environment variables of its own (e.g.
     * {@code SHUFFLESPARK_CDS=off}), or with {@code BIN=PATH}, another tree's launcher (an older version). {@code
     * --ours} lists them: {@code NAME[:KEY=VALUE[;KEY=VALUE...]],...}; the default is one, {@code ours}, with the
     * environment as it is.
     */
    record Variant(String name, Map<String, String> env) {
        static List<Variant> parse(String spec) {
            List<Variant> variants = new ArrayList<>();
            for (String item : spec.split(",")) {
                int colon = item.indexOf(':');
                String name = (colon < 0 ? item : item.substring(0, colon)).strip();
                if (!name.matches("[a-z][a-z0-9-]*") || name.equals(PLAIN)) {
                    throw new IllegalArgumentException("--ours: bad variant name '" + name + "'");
                }
                Map<String, String> env = new LinkedHashMap<>();
                if (colon >= 0) {
                    for (String kv : item.substring(colon + 1).split(";")) {
                        int eq = kv.indexOf('=');
                        if (eq > 0) {
                            env.put(kv.substring(0, eq).strip(), kv.substring(eq + 1));
                        }
                    }
                }
                variants.add(new Variant(name, env));
            }
            return variants;
        }
    }

    /** One timed process. */
    record Run(String system, int round, double wallSeconds, double cpuSeconds, String load) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args, "--repo", "--data", "--sets", "--small", "--camera", "--rounds",
                "--model", "--batch", "--seed", "--compare", "--ours");
        Path repo = Path.of(a.getOrDefault("--repo", ".")).toAbsolutePath().normalize();
        Path data = Path.of(a.getOrDefault("--data", repo.resolve("bench/target/end-to-end").toString()))
                .toAbsolutePath().normalize();
        int rounds = Integer.parseInt(a.getOrDefault("--rounds", "3"));
        int batch = Integer.parseInt(a.getOrDefault("--batch", "8"));
        long seed = Long.parseLong(a.getOrDefault("--seed", "1"));
        boolean compare = Boolean.parseBoolean(a.getOrDefault("--compare", "true"));
        List<Set> sets = new ArrayList<>();
        for (String s : a.getOrDefault("--sets", "small,camera").split(",")) {
            switch (s.strip()) {
                case "small" -> sets.add(new Set("small", PhotoSet.Kind.SMALL,
                        Integer.parseInt(a.getOrDefault("--small", "2000"))));
                case "camera" -> sets.add(new Set("camera", PhotoSet.Kind.CAMERA,
                        Integer.parseInt(a.getOrDefault("--camera", "300"))));
                default -> throw new IllegalArgumentException("--sets: unknown set " + s + " (small, camera)");
            }
        }
        List<Variant> variants = Variant.parse(a.getOrDefault("--ours", "ours"));
        List<String> systems = new ArrayList<>();
        variants.forEach(v -> systems.add(v.name()));
        systems.add(PLAIN);
        PrintStream out = System.out;
        Files.createDirectories(data);
        Path logs = data.resolve("logs");
        Files.createDirectories(logs);

        Path model;
        if (a.containsKey("--model")) {
            model = Path.of(a.get("--model")).toAbsolutePath();
        } else {
            model = data.resolve("shufflenet_v1_g3_x1_0.onnx");
            if (!Files.isRegularFile(model)) {
                exec(List.of(repo.resolve("bin/shufflespark").toString(), "export", "--model", "shufflenet_v1_g3_x1_0",
                        "--output", model.toString()), Map.of(), logs.resolve("export.log"));
            }
        }

        out.println("end-to-end: bin/shufflespark classify against a plain Spark + ONNX Runtime + ImageIO job");
        out.printf(Locale.ROOT, "  model   %s (%.1f MB), batch %d, top 5, Parquet%n", model, Files.size(model) / 1e6,
                batch);
        out.printf(Locale.ROOT, "  java    %s (%s); cpu %s x %d%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name"), cpuModel(), Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "  rounds  %d, in turns (%s), each a new JVM; files and jars in the page cache%n",
                rounds, String.join(", ", systems));
        out.flush();

        List<String> summary = new ArrayList<>();
        boolean primed = false;
        for (Set set : sets) {
            Path dir = data.resolve(set.name() + "-" + set.count());
            List<Path> files = PhotoSet.ensure(set.kind(), set.count(), seed, repo.resolve("samples"), dir, out);
            long bytes = 0;
            for (Path f : files) {
                bytes += readAll(f);
            }
            out.printf(Locale.ROOT, "%n%s: %d JPEGs in %s, %.1f kB on average%n", set.name(), files.size(), dir,
                    bytes / 1e3 / files.size());
            if (rounds == 0) {
                continue;
            }
            // One untimed run of each first (on the first set only): all start with the launcher built, their jars
            // read and any cache the launcher keeps made.
            for (String system : primed ? List.<String>of() : systems) {
                Path o = data.resolve("out-" + set.name() + "-prime-" + system);
                deleteTree(o);
                exec(command(system, repo, dir, o, model, batch, variants), env(repo, system, variants),
                        logs.resolve(set.name() + "-prime-" + system + ".log"));
                deleteTree(o);
            }
            primed = true;
            List<Run> runs = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                for (String system : systems) {
                    Path o = data.resolve("out-" + set.name() + "-" + system);
                    deleteTree(o);
                    String load = loadAverage();
                    double[] t = exec(command(system, repo, dir, o, model, batch, variants), env(repo, system, variants),
                            logs.resolve(set.name() + "-" + round + "-" + system + ".log"));
                    Run r = new Run(system, round, t[0], t[1], load);
                    runs.add(r);
                    out.printf(Locale.ROOT, "  round %d %-8s %7.1f s  %6.1f images/s  %6.1f cpu-s  load %s%n", round,
                            system, r.wallSeconds(), files.size() / r.wallSeconds(), r.cpuSeconds(), load);
                    out.flush();
                    if (round < rounds || !compare) {
                        deleteTree(o);
                    }
                }
            }
            double plain = median(runs, PLAIN, r -> files.size() / r.wallSeconds());
            double plainCpu = median(runs, PLAIN, r -> r.cpuSeconds() * 1e3 / files.size());
            out.printf(Locale.ROOT, "  median  %-8s %6.1f images/s, %6.1f cpu-ms per image (all threads, JVM start "
                    + "included)%n", PLAIN, plain, plainCpu);
            for (Variant v : variants) {
                double ours = median(runs, v.name(), r -> files.size() / r.wallSeconds());
                double oursCpu = median(runs, v.name(), r -> r.cpuSeconds() * 1e3 / files.size());
                out.printf(Locale.ROOT, "  median  %-8s %6.1f images/s, %6.1f cpu-ms per image: %s/plain %.2fx%n",
                        v.name(), ours, oursCpu, v.name(), ours / plain);
                summary.add(String.format(Locale.ROOT, "%s: %s %.1f images/s, plain %.1f images/s, ratio %.2f "
                        + "(cpu-ms per image %.1f against %.1f)", set.name(), v.name(), ours, plain, ours / plain, oursCpu,
                        plainCpu));
                out.printf(Locale.ROOT, "ratio[%s,%s]=%.3f%n", set.name(), v.name(), ours / plain);
            }
            if (compare) {
                for (Variant v : variants) {
                    Path c = logs.resolve(set.name() + "-compare-" + v.name() + ".log");
                    exec(List.of(javaCommand(), "-Dlog4j.configurationFile=" + repo.resolve("conf/log4j2.properties"),
                                    "dev.shufflespark.bench.plain.CompareLabels",
                                    "--ours", data.resolve("out-" + set.name() + "-" + v.name() + "/labels").toString(),
                                    "--plain", data.resolve("out-" + set.name() + "-" + PLAIN).toString()),
                            env(repo, PLAIN, variants), c);
                    out.println("  labels  " + v.name() + " against plain: " + lastLine(c));
                }
                for (String system : systems) {
                    deleteTree(data.resolve("out-" + set.name() + "-" + system));
                }
            }
            out.flush();
        }
        out.println();
        out.println("load average at the end: " + loadAverage());
        summary.forEach(s -> out.println("end-to-end " + s));
    }

    /** The command line of one run. */
    static List<String> command(String system, Path repo, Path input, Path output, Path model, int batch,
                                List<Variant> variants) {
        if (!system.equals(PLAIN)) {
            return List.of(launcher(repo, system, variants), "classify", "--input", input.toString(),
                    "--output", output.toString(), "--model", model.toString(), "--batch-size", Integer.toString(batch),
                    "--top-k", "5");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.addAll(sparkJvmFlags(repo));
        cmd.add("-Dlog4j.configurationFile=" + repo.resolve("conf/log4j2.properties"));
        cmd.addAll(List.of("dev.shufflespark.bench.plain.PlainClassify", "--input", input.toString(), "--output",
                output.toString(), "--model", model.toString(), "--batch", Integer.toString(batch), "--top-k", "5"));
        return cmd;
    }

    /**
     * The plain job's JVM flags: what spark-submit adds on Java 17 (the --add-opens of conf/jvm.options); not the
     * Vector API module, which only our engine uses.
     */
    static List<String> sparkJvmFlags(Path repo) {
        try (Stream<String> lines = Files.lines(repo.resolve("conf/jvm.options"))) {
            return lines.map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.contains("jdk.incubator.vector"))
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read conf/jvm.options: " + e, e);
        }
    }

    /** The launcher of a variant: its {@code BIN} setting (another tree's bin/shufflespark), else this tree's. */
    static String launcher(Path repo, String system, List<Variant> variants) {
        for (Variant v : variants) {
            if (v.name().equals(system) && v.env().containsKey(BIN)) {
                return v.env().get(BIN);
            }
        }
        return repo.resolve("bin/shufflespark").toString();
    }

    /** The environment of a run: the class path of the plain job (never on its command line), Spark on loopback. */
    static Map<String, String> env(Path repo, String system, List<Variant> variants) {
        if (!system.equals(PLAIN)) {
            Map<String, String> env = new LinkedHashMap<>(Map.of("SPARK_LOCAL_IP", "127.0.0.1"));
            variants.stream().filter(v -> v.name().equals(system)).forEach(v -> env.putAll(v.env()));
            env.remove(BIN);
            return env;
        }
        return Map.of("SPARK_LOCAL_IP", "127.0.0.1", "CLASSPATH",
                repo.resolve("bench/target/classes") + ":" + repo.resolve("bench/target/plain-lib") + "/*");
    }

    private static String javaCommand() {
        String home = System.getenv("JAVA_HOME");
        return home != null && !home.isEmpty() ? Path.of(home, "bin", "java").toString() : "java";
    }

    /**
     * Runs {@code cmd} under bash, which reports the CPU time of the process tree ({@code times}); its output goes to
     * {@code log}. Returns the wall seconds and the CPU seconds (user + system); fails if it fails.
     */
    static double[] exec(List<String> cmd, Map<String, String> env, Path log) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("bash", "-c", "\"$@\"; rc=$?; times >&2; exit $rc", "bash"));
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("CLASSPATH");
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        int rc = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        if (rc != 0) {
            throw new IllegalStateException("failed (exit " + rc + "): " + String.join(" ", cmd) + "; see " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        double cpu = Double.NaN;
        if (!lines.isEmpty()) {
            Matcher m = TIMES.matcher(lines.get(lines.size() - 1));
            if (m.find()) {
                cpu = Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2))
                        + Integer.parseInt(m.group(3)) * 60 + Double.parseDouble(m.group(4));
            }
        }
        return new double[] {wall, cpu};
    }

    interface Metric {
        double of(Run r);
    }

    static double median(List<Run> runs, String system, Metric metric) {
        double[] v = runs.stream().filter(r -> r.system().equals(system)).mapToDouble(metric::of).sorted().toArray();
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static long readAll(Path f) throws IOException {
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
        }
        return n;
    }

    private static String lastLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("agreement")) {
                return lines.get(i);
            }
        }
        return "(no comparison; see " + log + ")";
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
