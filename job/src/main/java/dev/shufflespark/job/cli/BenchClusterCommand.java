package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.job.bench.ClusterBench;
import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.job.cluster.ClusterApp;
import dev.shufflespark.job.cluster.ClusterException;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.job.cluster.StandaloneCluster;
import dev.shufflespark.job.report.HtmlReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bench cluster}: images/s of the job on 1, 2, ... single-core executors of a standalone cluster, the
 * scaling efficiency, the driver overhead, and bench.json for a report.
 */
@Command(name = "cluster",
        description = {"Scaling of the job over single-core executors of a Spark standalone cluster: for each "
                + "--executors count a new application, a warm-up, then one timed job. Prints images/s, per core, "
                + "efficiency against the fewest executors, driver overhead (wall time minus executor busy time per "
                + "core), stage shares and kernel paths; writes them to OUTPUT/bench.json.",
            "Without --master it starts a cluster of its own (as many 1-core workers as the largest count, in "
                + "target/cluster-bench) and stops it at the end."})
final class BenchClusterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    static final class Source {
        @Option(names = "--input", arity = "1..*", paramLabel = "URI",
                description = "Images to classify (as classify's --input); labels go to a scratch folder under "
                        + "--output, deleted after each run.")
        List<String> inputs;

        @Option(names = "--synthetic", paramLabel = "N",
                description = "N images made in memory on the executors (16 seeded 500x375 JPEGs, reused); labels "
                        + "go to Spark's noop sink.")
        Long synthetic;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--master", paramLabel = "URL",
            description = "A standalone master (spark://HOST:PORT) with at least the largest --executors count of free "
                    + "cores. Default: a temporary cluster of our own.")
    String master;

    @Option(names = "--executors", split = ",", defaultValue = "1,2", paramLabel = "K,...",
            description = "Executor counts, one core each. Default: ${DEFAULT-VALUE}.")
    List<Integer> executors;

    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL, paramLabel = "NAME|URI",
            description = "Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--tasks-per-executor", defaultValue = "4", paramLabel = "N",
            description = "Partitions per executor. Default: ${DEFAULT-VALUE}.")
    int tasksPerExecutor;

    @Option(names = "--warmup", defaultValue = "64", paramLabel = "N",
            description = "Synthetic images per executor classified before the timed job (JIT warm-up). "
                    + "Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--runs", defaultValue = "1", paramLabel = "N",
            description = "Timed runs per count, interleaved (1, 2, 1, 2, ...); medians are reported. "
                    + "Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--executor-memory", defaultValue = "1g", paramLabel = "M",
            description = "spark.executor.memory. Default: ${DEFAULT-VALUE}.")
    String executorMemory;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting for every application, e.g. spark.executor.extraJavaOptions=... (added "
                    + "after conf/jvm.options).")
    List<String> conf = new ArrayList<>();

    @Option(names = "--output", defaultValue = "shufflespark-bench", paramLabel = "DIR",
            description = "Where bench.json is written. Default: ./${DEFAULT-VALUE}.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (executors.isEmpty() || executors.stream().anyMatch(k -> k < 1 || k > 64)) {
            throw new ParameterException(spec.commandLine(), "--executors: counts must be 1..64, got " + executors);
        }
        if (batch < 1 || tasksPerExecutor < 1 || warmup < 0 || runs < 1) {
            throw new ParameterException(spec.commandLine(), "--batch, --tasks-per-executor and --runs must be >= 1, "
                    + "--warmup >= 0");
        }
        if (source.synthetic != null && source.synthetic < 1) {
            throw new ParameterException(spec.commandLine(), "--synthetic: " + source.synthetic + " must be >= 1");
        }
        if (master != null && !ClusterApp.isStandalone(master)) {
            throw new ParameterException(spec.commandLine(), "--master: '" + master + "' is not a standalone master "
                    + "URL (spark://HOST:PORT)");
        }
        Map<String, String> sparkConf = new java.util.LinkedHashMap<>();
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0 || !kv.startsWith("spark.")) {
                throw new ParameterException(spec.commandLine(), "--conf " + kv + ": expected spark.KEY=VALUE");
            }
            sparkConf.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProjectLayout layout = ProjectLayout.find();
        layout.jobJar(); // fails now, not after a cluster started, when the build is missing
        Files.createDirectories(output);
        Path scratch = output.resolve("scratch").toAbsolutePath();
        StandaloneCluster own = null;
        String url = master;
        try {
            if (url == null) {
                int workers = Collections.max(executors);
                err.println("bench cluster: starting a cluster of " + workers + " 1-core workers ...");
                err.flush();
                try {
                    own = StandaloneCluster.start(layout, layout.root().resolve("target").resolve("cluster-bench"),
                            new StandaloneCluster.Options(workers, 1, "1500m"));
                } catch (ClusterException e) {
                    throw new CliFailure(e.getMessage(), e);
                }
                url = own.masterUrl();
            }
            ClusterBench.Settings settings = new ClusterBench.Settings(url, List.copyOf(executors),
                    source.synthetic == null ? 0 : source.synthetic,
                    source.inputs == null ? List.of() : List.copyOf(source.inputs), model, batch, tasksPerExecutor,
                    warmup, runs, executorMemory, scratch, sparkConf);
            ClusterBench.Result result = ClusterBench.run(settings, layout, Machine.cpuModel(), err);
            Path json = output.resolve("bench.json");
            Files.writeString(json, result.toJson());
            Map<String, String> shown = new java.util.TreeMap<>(sparkConf);
            shown.put("master", url);
            shown.put("mode", result.mode());
            shown.put("source", result.source());
            shown.put("executors", executors.toString());
            shown.put("runs", Integer.toString(runs));
            shown.put("batch.size", Integer.toString(batch));
            Path report = output.resolve("report.html");
            Files.writeString(report, HtmlReport.render(ClusterBench.report(result, shown)));
            print(result, out);
            out.println("written: " + json.toAbsolutePath() + ", " + report.toAbsolutePath());
            out.flush();
        } finally {
            if (own != null) {
                List<ProcessHandle> ended = own.stop();
                err.println("bench cluster: stopped its cluster (" + ended.size() + " processes)");
                err.flush();
            }
            if (Files.exists(scratch)) {
                try (var s = Files.walk(scratch)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        return 0;
    }

    private static void print(ClusterBench.Result r, PrintWriter out) {
        out.printf(Locale.ROOT, "bench cluster: %s, %s, model %s, batch %d, master %s%n", r.mode(), r.source(),
                r.model(), r.batch(), r.master());
        out.printf(Locale.ROOT, "%9s %6s %9s %9s %11s %10s %16s  %s%n", "executors", "runs", "images", "wall s",
                "images/s", "per core", "efficiency", "driver overhead");
        for (ClusterBench.Point p : r.points()) {
            out.printf(Locale.ROOT, "%9d %6d %9d %9.2f %11.1f %10.1f %15.0f%%  %.2f s (%.1f%%)%n", p.executors(),
                    p.runs(), p.images(), p.wallSeconds(), p.imagesPerSecond(), p.imagesPerSecondPerCore(),
                    100 * p.efficiency(), p.driverOverheadSeconds(), 100 * p.driverOverheadShare());
        }
        for (ClusterBench.Point p : r.points()) {
            List<String> shares = new ArrayList<>();
            for (Map.Entry<String, Double> e : p.stageShares().entrySet()) {
                shares.add(String.format(Locale.ROOT, "%s %.1f%%", e.getKey(), 100 * e.getValue()));
            }
            out.printf(Locale.ROOT, "  %d executors: busy time %s; kernel path %s%n", p.executors(),
                    String.join(", ", shares), String.join(", ", p.kernelPaths()));
        }
        out.printf(Locale.ROOT, "java %s, Spark %s, cpu %s, %d cores%n", r.javaVersion(), r.sparkVersion(), r.cpu(),
                r.machineCores());
        if (r.points().size() > 1) {
            ClusterBench.Point last = r.points().get(r.points().size() - 1);
            out.printf(Locale.ROOT, "efficiency=%.3f%n", last.efficiency());
        }
    }
}
