package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.OpenedModel;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.job.bench.BatchTimer;
import dev.shufflespark.job.bench.FreshJvms;
import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.job.bench.Rounds;
import dev.shufflespark.job.bench.Statistics;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Times {@link Session#run} on T threads, each with its own session and its own seeded random batch, and with
 * {@code --vs-onnxruntime} ONNX Runtime on the same model and batch. Every configuration (ours and ONNX Runtime at
 * each thread count) warms up, then they take turns in rounds ({@link Rounds}). Each batch gives two samples of
 * "ms per image": its wall time and its thread's CPU time, each divided by the batch size. The last line printed
 * is {@code ms_per_image=<median>}, or with ONNX Runtime {@code ratio=<ours/ort>}, for scripts.
 */
@Command(name = "engine", description = "Times Session.run of the engine on seeded random input.")
final class BenchEngineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--threads", defaultValue = "1", split = ",", paramLabel = "T[,T...]",
            description = {"Threads, each with its own session; several counts (e.g. 1,2) are timed in turns, and "
                + "the figures of the first count are the unmarked ones. Default: ${DEFAULT-VALUE}."})
    List<Integer> threads;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B",
            description = "Images per Session.run call. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "SECONDS",
            description = "How long to time each configuration, over all rounds. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "SECONDS",
            description = "Untimed warm-up of each configuration (at least one batch per thread). "
                + "Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--wait-for-jit", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"After --warmup-seconds, warm up on until the JIT compiler threads have been quiet for a "
                + "second (at most " + (int) BatchTimer.MAX_COMPILER_WAIT_SECONDS + " s more), so that code still "
                + "compiling is not timed. Default: on."})
    boolean waitForJit;

    @Option(names = "--rounds", defaultValue = "4", paramLabel = "R",
            description = "Rounds in which the configurations take turns (A B A B ...), each timed for "
                + "--seconds / R per round. Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--height", defaultValue = "224", paramLabel = "H",
            description = "Image height. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "224", paramLabel = "W",
            description = "Image width. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED",
            description = "Seed of the random input. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--vs-onnxruntime",
            description = {"Also time ONNX Runtime on the same model (the ONNX file given, or the model exported), "
                + "with T intra-op threads for each thread count T and the same batch, in turns with ours, and "
                + "print cpu_ratio= and, last, ratio=<ours/ort>.",
                "Needs ONNX Runtime on the class path: bin/shufflespark adds it for this flag."})
    boolean vsOnnxRuntime;

    @Option(names = "--jvms", defaultValue = "0", paramLabel = "N",
            description = {"Run this benchmark (the same options, without --jvms) in N fresh JVMs, one after another, "
                + "and print each JVM's figures and rounds, their median and the slowest over the median: whether "
                + "JVMs differ (what the JIT compiled, where code and weights were placed) by more than the rounds "
                + "inside one. Default: 0, time in this JVM."})
    int jvms;

    /** One configuration's figures, in ms per image; {@code roundCpu} the median CPU time of each round. */
    private record Figures(int threads, double wall, double wallMin, double cpu, double processCpu, int batches,
                           double imagesPerSecond, String rounds, double[] roundCpu, double warmupSeconds) {
    }

    /** ONNX Runtime's version, once a session is open. */
    private String ortVersion;

    @Override
    public Integer call() throws InterruptedException {
        validate();
        if (jvms > 0) {
            return inFreshJvms(spec.commandLine().getOut());
        }
        OpenedModel opened = model.open();
        Model m = opened.model();
        byte[] onnx = vsOnnxRuntime ? onnxRuntimeModel(opened) : null;
        Engine engine = m.engine();
        long multiplyAdds = m.multiplyAdds(height, width);
        PrintWriter out = spec.commandLine().getOut();
        String loadBefore = Machine.loadAverage();
        List<Rounds.Timed> timed = time(engine, onnx);

        out.printf(Locale.ROOT, "model:        %s%s, input %dx3x%dx%d, %.1f M multiply-adds per image%n",
                m.name(), opened.builtin() ? " (seeded weights)" : "", batch, height, width, multiplyAdds / 1e6);
        out.printf(Locale.ROOT, "kernel path:  %s%n", engine.kernelPath());
        out.printf(Locale.ROOT, "jdk:          %s%n", Machine.jdk());
        out.printf(Locale.ROOT, "cpu:          %s, %d cores available to the JVM%n", Machine.cpuModel(),
                Machine.cores());
        out.printf(Locale.ROOT, "load average: %s before, %s after (1, 5, 15 minutes)%n", loadBefore,
                Machine.loadAverage());
        out.printf(Locale.ROOT, "timing:       each configuration warmed up %.1f s%s, then timed in %d round%s of "
                + "%.2f s, taking turns: %s%n", warmupSeconds, waitForJit ? " and until the JIT compilers were quiet"
                : "", rounds, rounds == 1 ? "" : "s", seconds / rounds, String.join(", ", timed.stream()
                .map(t -> t.contender().name()).toList()));
        if (vsOnnxRuntime) {
            out.printf(Locale.ROOT, "onnxruntime:  %s, %s; for each thread count T, a session with T intra-op threads "
                    + "and 1 inter-op thread, all graph optimisations, run from one thread (ort xT)%n", ortVersion,
                    opened.kind() == OpenedModel.Kind.ONNX ? "the same file" : "the model exported to ONNX");
        }
        out.printf(Locale.ROOT, "ms per image: wall = a batch's wall time / batch size, median and min; cpu = the CPU "
                + "time of the thread that ran the batch / batch size, median; process = CPU time of every "
                + "thread of the JVM over the timed window / images, mean%n");
        List<Figures> ours = new ArrayList<>();
        List<Figures> ort = new ArrayList<>();
        for (int i = 0; i < timed.size(); i++) {
            // ours x T1, [ort x T1,] ours x T2, ...
            boolean isOurs = !vsOnnxRuntime || i % 2 == 0;
            Figures f = figures(timed.get(i), threads.get(vsOnnxRuntime ? i / 2 : i));
            (isOurs ? ours : ort).add(f);
            out.printf(Locale.ROOT, "%-13s wall %.3f (min %.3f), cpu %.3f, process %.3f; %d batches, %.1f images/s, "
                    + "%.2f GFLOP/s; warm-up %.1f s; rounds wall/cpu: %s%n", timed.get(i).contender().name() + ":",
                    f.wall(), f.wallMin(), f.cpu(), f.processCpu(), f.batches(), f.imagesPerSecond(),
                    2.0 * multiplyAdds * f.imagesPerSecond() / 1e9, f.warmupSeconds(), f.rounds());
        }
        if (vsOnnxRuntime) {
            out.printf(Locale.ROOT, "ours/ort:     below 1 means the engine is faster. Wall: ours per image of all its "
                    + "threads together (median / T) against ONNX Runtime's batch spread over T intra-op threads. "
                    + "CPU: CPU time per image, ours on one thread against ONNX Runtime's calling thread (1 "
                    + "intra-op thread, which runs on it) or its whole process (more threads, its pool included)%n");
        }
        if (threads.size() > 1) {
            out.printf(Locale.ROOT, "threads:      ours, ms per image of one thread at T threads over %d thread%s: "
                    + "what running side by side costs each (shared caches and memory, and on wall time the "
                    + "cores that other processes take)%n", threads.get(0), threads.get(0) == 1 ? "" : "s");
        }
        printScriptLines(out, ours, ort);
        out.flush();
        return 0;
    }

    /**
     * Ours at each thread count and, with ONNX Runtime, its session with that many intra-op threads after each,
     * timed in turns; ONNX Runtime's sessions are closed before this returns.
     */
    private List<Rounds.Timed> time(Engine engine, byte[] onnx) throws InterruptedException {
        List<Rounds.Contender> contenders = new ArrayList<>();
        List<OnnxRuntimeBench.Opened> open = new ArrayList<>();
        try {
            for (int t : threads) {
                contenders.add(new Rounds.Contender("ours x" + t, t,
                        BatchTimer.engine(engine, batch, height, width, seed)));
                if (vsOnnxRuntime) {
                    OnnxRuntimeBench.Opened ort = openOnnxRuntime(onnx, t);
                    open.add(ort);
                    ortVersion = ort.version();
                    // One caller thread: ONNX Runtime spreads each batch over its own intra-op threads.
                    contenders.add(new Rounds.Contender("ort x" + t, 1, i -> ort.batch()));
                }
            }
            return Rounds.time(contenders, rounds, warmupSeconds, waitForJit, seconds, "bench-engine");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CliFailure f ? f
                    : new CliFailure("benchmark thread failed: " + Main.describe(e.getCause()), e.getCause());
        } finally {
            for (OnnxRuntimeBench.Opened c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing a benchmark's session: nothing to do about it
                }
            }
        }
    }

    /**
     * The figures for scripts: those of the later thread counts marked {@code [threads=T]}, then the first
     * count's unmarked, ending with {@code ms_per_image=} or, with ONNX Runtime, {@code ratio=}.
     */
    private void printScriptLines(PrintWriter out, List<Figures> ours, List<Figures> ort) {
        for (int i = threads.size() - 1; i >= 0; i--) {
            String key = i == 0 ? "" : "[threads=" + threads.get(i) + "]";
            Figures f = ours.get(i);
            if (i > 0) {
                Figures first = ours.get(0);
                out.printf(Locale.ROOT, "threads_vs_first%s=%.3f%n", key, f.wall() / first.wall());
                out.printf(Locale.ROOT, "threads_vs_first_cpu%s=%.3f%n", key, f.cpu() / first.cpu());
            }
            out.printf(Locale.ROOT, "round_cpu_ms_per_image%s=%s%n", key, joined(f.roundCpu()));
            out.printf(Locale.ROOT, "cpu_ms_per_image%s=%.3f%n", key, f.cpu());
            out.printf(Locale.ROOT, "ms_per_image%s=%.3f%n", key, f.wall());
            if (vsOnnxRuntime) {
                Figures o = ort.get(i);
                // With more than one intra-op thread the work is not all on the calling thread: its process's.
                double ortCpu = f.threads() == 1 ? o.cpu() : o.processCpu();
                out.printf(Locale.ROOT, "ort_ms_per_image%s=%.3f%n", key, o.wall());
                out.printf(Locale.ROOT, "ort_cpu_ms_per_image%s=%.3f%n", key, ortCpu);
                out.printf(Locale.ROOT, "cpu_ratio%s=%.3f%n", key, f.cpu() / ortCpu);
                out.printf(Locale.ROOT, "ratio%s=%.3f%n", key, f.wall() / f.threads() / o.wall());
            }
        }
    }

    private Figures figures(Rounds.Timed t, int threadCount) {
        BatchTimer.Result all = t.all();
        StringBuilder perRound = new StringBuilder();
        double[] roundCpu = new double[t.rounds().size()];
        for (int i = 0; i < roundCpu.length; i++) {
            BatchTimer.Result r = t.rounds().get(i);
            roundCpu[i] = r.medianCpuNanos() / batch / 1e6;
            perRound.append(perRound.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f/%.3f",
                    r.medianNanos() / batch / 1e6, roundCpu[i]));
        }
        long images = (long) all.batches() * batch;
        double process = all.processCpuNanos() < 0 ? Double.NaN : all.processCpuNanos() / 1e6 / images;
        return new Figures(threadCount, all.medianNanos() / batch / 1e6, all.minNanos() / (double) batch / 1e6,
                all.medianCpuNanos() / batch / 1e6, process, all.batches(), images / all.wallSeconds(),
                perRound.toString(), roundCpu, t.rounds().get(0).warmupSeconds());
    }

    /**
     * {@code --jvms N}: this command without {@code --jvms} in N fresh JVMs in turn, each JVM's figures as it
     * printed them, then the spread: between JVMs (slowest over median of their CPU figures) beside the spread of
     * the rounds inside each JVM (slowest round over fastest). Between-JVM spread no larger than the rounds'
     * is the machine's noise, not the JVMs differing. The same spread of each JVM's fastest round (its floor)
     * separates the two: a host that slows some rounds down (another tenant on the core, a slow stretch) only adds
     * time, so it moves medians and leaves floors, while a JVM whose code compiled worse is slow in every round,
     * its floor included.
     */
    private int inFreshJvms(PrintWriter out) {
        List<String> args = new ArrayList<>(spec.root().commandLine().getParseResult().originalArgs());
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--jvms")) {
                args.subList(i, Math.min(i + 2, args.size())).clear();
                i--;
            } else if (args.get(i).startsWith("--jvms=")) {
                args.remove(i--);
            }
        }
        List<String> command = FreshJvms.command(Main.class.getName(), args);
        out.printf(Locale.ROOT, "jvms:         %d fresh JVMs in turn, each: %s%n", jvms, String.join(" ", args));
        out.printf(Locale.ROOT, "load average: %s before (1, 5, 15 minutes)%n", Machine.loadAverage());
        out.flush();
        double[] cpu = new double[jvms];
        double[] wall = new double[jvms];
        double[] cpuRatio = new double[jvms];
        double[] roundSpread = new double[jvms];
        double[] floor = new double[jvms];
        for (int j = 0; j < jvms; j++) {
            FreshJvms.Run run;
            try {
                run = FreshJvms.run(command);
            } catch (IOException e) {
                throw new CliFailure("--jvms: cannot start " + command.get(0) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliFailure("--jvms: interrupted", e);
            }
            cpu[j] = run.number("cpu_ms_per_image");
            wall[j] = run.number("ms_per_image");
            cpuRatio[j] = run.number("cpu_ratio");
            String rounds = run.values().getOrDefault("round_cpu_ms_per_image", "");
            double[] r = rounds.isEmpty() ? new double[0]
                    : Arrays.stream(rounds.split(",")).mapToDouble(Double::parseDouble).toArray();
            floor[j] = r.length == 0 ? Double.NaN : Arrays.stream(r).min().getAsDouble();
            roundSpread[j] = r.length == 0 ? Double.NaN : Arrays.stream(r).max().getAsDouble() / floor[j];
            if (run.exitCode() != 0 || Double.isNaN(cpu[j])) {
                throw new CliFailure("--jvms: JVM " + (j + 1) + " of " + jvms + " failed (exit " + run.exitCode()
                        + "):\n" + run.output().strip());
            }
            out.printf(Locale.ROOT, "jvm %2d/%d:    cpu %.3f, wall %.3f ms per image%s; rounds cpu %s (slowest/fastest "
                    + "%.2f); load %s%n", j + 1, jvms, cpu[j], wall[j], vsOnnxRuntime ? String.format(Locale.ROOT,
                    ", cpu_ratio %.3f", cpuRatio[j]) : "", rounds.replace(",", " "), roundSpread[j],
                    Machine.loadAverage());
            out.flush();
        }
        double median = Statistics.median(cpu);
        double max = Arrays.stream(cpu).max().getAsDouble();
        out.printf(Locale.ROOT, "between JVMs: cpu ms per image median %.3f, fastest %.3f, slowest %.3f (%.3f x the "
                + "median); inside a JVM, slowest round / fastest: median %.2f, most %.2f%n", median,
                Arrays.stream(cpu).min().getAsDouble(), max, max / median, Statistics.median(roundSpread),
                Arrays.stream(roundSpread).max().getAsDouble());
        double floorMedian = Statistics.median(floor);
        double floorMax = Arrays.stream(floor).max().getAsDouble();
        out.printf(Locale.ROOT, "floors:       each JVM's fastest round, median %.3f, fastest %.3f, slowest %.3f (%.3f x "
                + "the median)%n", floorMedian, Arrays.stream(floor).min().getAsDouble(), floorMax,
                floorMax / floorMedian);
        out.printf(Locale.ROOT, "jvm_cpu_ms_per_image=%s%n", joined(cpu));
        out.printf(Locale.ROOT, "jvm_floor_cpu_ms_per_image=%s%n", joined(floor));
        out.printf(Locale.ROOT, "jvms_floor_max_over_median=%.3f%n", floorMax / floorMedian);
        if (vsOnnxRuntime) {
            out.printf(Locale.ROOT, "jvms_cpu_ratio=%.3f%n", Statistics.median(cpuRatio));
        }
        out.printf(Locale.ROOT, "jvms_round_spread=%.3f%n", Statistics.median(roundSpread));
        out.printf(Locale.ROOT, "jvms_max_over_median=%.3f%n", max / median);
        out.printf(Locale.ROOT, "jvms_cpu_ms_per_image=%.3f%n", median);
        out.flush();
        return 0;
    }

    /** An ONNX Runtime session of {@code onnx} (a type of ours: nothing here names ONNX Runtime's classes). */
    private OnnxRuntimeBench.Opened openOnnxRuntime(byte[] onnx, int intraOpThreads) {
        try {
            return OnnxRuntimeBench.open(onnx, intraOpThreads, batch, height, width, seed);
        } catch (NoClassDefFoundError e) {
            throw new CliFailure("--vs-onnxruntime: ONNX Runtime is not on the class path (" + e.getMessage()
                    + "); run through bin/shufflespark, which adds job/target/onnxruntime/ for this flag", e);
        }
    }

    /** The ONNX file given as --model, or the model exported, for ONNX Runtime to run on the same input. */
    private byte[] onnxRuntimeModel(OpenedModel opened) {
        if (opened.kind() != OpenedModel.Kind.ONNX) {
            return OnnxExporter.toProto(opened.model(), height, width).toByteArray();
        }
        Path file = Path.of(model.name());
        long[] shape = opened.declaredInput();
        if (shape.length == 4 && ((shape[0] > 0 && shape[0] != batch) || (shape[2] > 0 && shape[2] != height)
                || (shape[3] > 0 && shape[3] != width))) {
            throw new CliFailure("--vs-onnxruntime: " + file + " takes input " + Arrays.toString(shape)
                    + "; ONNX Runtime cannot run --batch " + batch + " of " + height + "x" + width
                    + " on it (use --batch " + shape[0] + ")");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void validate() {
        StringBuilder bad = new StringBuilder();
        if (threads.isEmpty() || threads.stream().anyMatch(t -> t < 1)) {
            bad.append(" --threads must be at least 1, got ").append(threads.isEmpty() ? "none"
                    : threads.stream().map(String::valueOf).collect(Collectors.joining(",")))
                    .append(';');
        }
        if (jvms < 0 || jvms > 1000) {
            bad.append(" --jvms must be 0 to 1000, got ").append(jvms).append(';');
        }
        if (rounds < 1) {
            bad.append(" --rounds must be at least 1, got ").append(rounds).append(';');
        }
        if (batch < 1) {
            bad.append(" --batch must be at least 1, got ").append(batch).append(';');
        }
        if (!(seconds > 0) || seconds > 1e6) {
            bad.append(" --seconds must be more than 0, got ").append(seconds).append(';');
        }
        if (!(warmupSeconds >= 0) || warmupSeconds > 1e6) {
            bad.append(" --warmup-seconds must be 0 or more, got ").append(warmupSeconds).append(';');
        }
        if (height < 1 || width < 1) {
            bad.append(" --height and --width must be at least 1, got ").append(height).append('x').append(width)
                    .append(';');
        }
        if (bad.length() == 0 && (long) batch * 3 * height * width > Integer.MAX_VALUE / 4) {
            bad.append(" a batch of ").append(batch).append(" images ").append(height).append('x').append(width)
                    .append(" is more than one array can hold;");
        }
        if (bad.length() > 0) {
            throw new ParameterException(spec.commandLine(), bad.substring(1, bad.length() - 1));
        }
    }

    /** Figures to three decimals, comma-separated: the value of a machine-readable line. */
    private static String joined(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, "%.3f", v))
                .collect(Collectors.joining(","));
    }
}
