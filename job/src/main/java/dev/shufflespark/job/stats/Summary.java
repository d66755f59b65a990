package dev.shufflespark.job.stats;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary of a run: what was classified, how fast, where, with what, and over which attempts. Written as
 * {@code summary.json} (its public fields, in order) and printed as a table ({@link SummaryTable}). Built once,
 * from what the run is ({@link Run}), the totals of its partitions ({@link Totals}) and its attempts
 * ({@link History}); never changed after.
 */
public final class Summary {

    /** One stage's per-image milliseconds at the 50th, 95th and 99th percentile. */
    public record Percentiles(double p50, double p95, double p99) {
    }

    /** One executor's share. */
    public record ExecutorShare(String executorId, String host, String kernelPath, int tasks, long images,
                                double busySeconds, double imagesPerSecond) {
    }

    /**
     * One attempt at the run: the first, or a resume.
     *
     * @param runId         its run id (in the rows it wrote)
     * @param mode          error, overwrite or resume
     * @param started       when it started (ISO-8601, UTC)
     * @param workSeconds   seconds it spent on units (for a killed attempt, to its last sign of life)
     * @param units         units it committed
     * @param images        images of those units
     * @param inputsSkipped inputs that earlier attempts had done
     * @param killed        it never ended: the process died
     * @param lostSeconds   for a killed attempt, seconds of work after its last commit (at least; up to its
     *                      heartbeat interval more)
     * @param lostImages    for a killed attempt, images its tasks had done that no unit kept
     * @param lostExecutors executors removed while it ran
     * @param failedTasks   task attempts that failed while it ran
     */
    public record AttemptSummary(String runId, String mode, String started, double workSeconds, int units,
                                 long images, long inputsSkipped, boolean killed, double lostSeconds, long lostImages,
                                 List<RunEvents.LostExecutor> lostExecutors, int failedTasks) {
        public AttemptSummary {
            lostExecutors = List.copyOf(lostExecutors);
        }
    }

    /**
     * What the run is: the same in the summary of every attempt but for the run id and mode, which are this
     * attempt's.
     *
     * @param features      floats of the features column per OK row; 0 when the run has no features column
     * @param configuration the effective settings, credentials already masked
     */
    public record Run(String runId, String model, String modelSha256, boolean builtinModel, String weightsNote,
                      String output, String format, String mode, int features, String partitioning,
                      String sparkVersion, String javaVersion, int topK, int batchSize,
                      Map<String, String> configuration) {
        public Run {
            configuration = new TreeMap<>(configuration);
        }

        /** A run known by its id and model alone (benchmarks, tests). */
        public static Run named(String runId, String model, String sparkVersion, String javaVersion, int batchSize,
                                Map<String, String> configuration) {
            return new Run(runId, model, null, false, null, null, null, null, 0, null, sparkVersion, javaVersion, 0,
                    batchSize, configuration);
        }
    }

    /** The totals over the run's partitions: images, failures, speed, executors, percentiles, kernel paths. */
    public record Totals(int partitions, long images, long ok, long failed, Map<String, Long> failuresByReason,
                         long bytes, double wallSeconds, double imagesPerSecond, int cores,
                         double imagesPerSecondPerCore, List<ExecutorShare> executors,
                         Map<String, Percentiles> stageMillis, List<PartitionStats> slowestPartitions,
                         double medianPartitionSeconds, List<String> kernelPaths) {

        public Totals {
            failuresByReason = new TreeMap<>(failuresByReason);
            executors = List.copyOf(executors);
            stageMillis = new LinkedHashMap<>(stageMillis);
            slowestPartitions = List.copyOf(slowestPartitions);
            kernelPaths = List.copyOf(kernelPaths);
        }

        /** The totals of {@code stats}, partitions that ran for {@code wallSeconds} on {@code cores} cores. */
        public static Totals of(List<PartitionStats> stats, double wallSeconds, int cores) {
            long images = 0;
            long failed = 0;
            long bytes = 0;
            Map<String, Long> failures = new TreeMap<>();
            Map<String, List<PartitionStats>> byExecutor = new TreeMap<>();
            for (PartitionStats p : stats) {
                images += p.images();
                failed += p.failed();
                bytes += p.bytes();
                p.failures().forEach((reason, n) -> failures.merge(reason, n, Long::sum));
                byExecutor.computeIfAbsent(p.executorId(), k -> new ArrayList<>()).add(p);
            }
            double imagesPerSecond = wallSeconds > 0 ? images / wallSeconds : 0;
            List<ExecutorShare> executors = new ArrayList<>();
            List<String> kernelPaths = new ArrayList<>();
            for (Map.Entry<String, List<PartitionStats>> e : byExecutor.entrySet()) {
                long n = 0;
                long busy = 0;
                for (PartitionStats p : e.getValue()) {
                    n += p.images();
                    busy += p.wallNanos();
                }
                PartitionStats first = e.getValue().get(0);
                executors.add(new ExecutorShare(e.getKey(), first.host(), first.kernelPath(), e.getValue().size(), n,
                        busy / 1e9, wallSeconds > 0 ? n / wallSeconds : 0));
                String path = e.getKey() + ": " + first.kernelPath();
                if (!kernelPaths.contains(path)) {
                    kernelPaths.add(path);
                }
            }
            Map<String, StageHistogram> merged = new LinkedHashMap<>();
            for (PartitionStats p : stats) {
                p.stages().forEach((stage, h) -> merged.computeIfAbsent(stage, k -> new StageHistogram()).merge(h));
            }
            Map<String, Percentiles> stageMillis = new LinkedHashMap<>();
            merged.forEach((stage, h) -> {
                if (h.total() > 0) {
                    stageMillis.put(stage, new Percentiles(h.quantile(0.5), h.quantile(0.95), h.quantile(0.99)));
                }
            });
            List<PartitionStats> byTime = new ArrayList<>(stats);
            byTime.sort(Comparator.comparingLong(PartitionStats::wallNanos).reversed());
            double median = byTime.isEmpty() ? 0 : byTime.get(byTime.size() / 2).wallNanos() / 1e9;
            return new Totals(stats.size(), images, images - failed, failed, failures, bytes, wallSeconds,
                    imagesPerSecond, cores, cores > 0 ? imagesPerSecond / cores : 0, executors, stageMillis,
                    byTime.subList(0, Math.min(5, byTime.size())), median, kernelPaths);
        }

        /** Totals known as counts only, without partition statistics (a benchmark that kept none). */
        public static Totals counted(long images, long failed, double wallSeconds, double imagesPerSecond, int cores,
                                     double imagesPerSecondPerCore, List<String> kernelPaths) {
            return new Totals(0, images, images - failed, failed, Map.of(), 0, wallSeconds, imagesPerSecond, cores,
                    imagesPerSecondPerCore, List.of(), Map.of(), List.of(), 0, kernelPaths);
        }
    }

    /**
     * The run's attempts.
     *
     * @param inputsSkipped inputs this attempt skipped: earlier attempts had done them
     * @param units         units committed over all attempts
     * @param unitsRebuilt  units whose record a resume rebuilt from their rows (their process died between commit
     *                      and record)
     * @param attempts      every attempt, oldest first
     */
    public record History(long inputsSkipped, int units, int unitsRebuilt, List<AttemptSummary> attempts) {
        public History {
            attempts = List.copyOf(attempts);
        }

        /** No attempts recorded (benchmarks, tests). */
        public static History none() {
            return new History(0, 0, 0, List.of());
        }
    }

    /** This attempt's run id; {@link #attempts} lists every attempt of the run. */
    public final String runId;
    public final String model;
    public final String modelSha256;
    public final boolean builtinModel;
    public final String weightsNote;
    public final String output;
    public final String format;
    public final String mode;
    /**
     * Floats per OK row of the label rows' {@code features} column (each image's globally pooled features); null
     * when the run has no such column.
     */
    public final Integer features;
    public final String partitioning;
    public final int partitions;
    /** Inputs this attempt skipped: earlier attempts had done them. */
    public final long inputsSkipped;
    /** Units committed over all attempts. */
    public final int units;
    /** Units whose record a resume rebuilt from their rows (their process died between commit and record). */
    public final int unitsRebuilt;
    /** Every attempt at the run, oldest first. */
    public final List<AttemptSummary> attempts;
    /** Seconds of work lost to crashes (the sum of the killed attempts' {@code lostSeconds}). */
    public final double timeLostSeconds;
    /** Images classified but lost to crashes (the sum of the killed attempts' {@code lostImages}). */
    public final long imagesLost;
    public final long images;
    public final long ok;
    public final long failed;
    public final Map<String, Long> failuresByReason;
    public final long bytes;
    /** Seconds of work on units, all attempts together (writing included). */
    public final double wallSeconds;
    /** Driver time before this attempt's first unit: listing, model load and checks, broadcast, resume. */
    public final double setupSeconds;
    /** Driver time after its last unit: statistics, percentiles, report, this summary. */
    public final double finishSeconds;
    public final double imagesPerSecond;
    public final int cores;
    public final double imagesPerSecondPerCore;
    public final List<ExecutorShare> executors;
    /**
     * Per-image milliseconds by stage (read, decode: every image; preprocess, infer: OK images), within 0.75%; and
     * {@code infer_cpu}, the task threads' CPU time in inference, where the JVMs give it (its gap to {@code infer}
     * is time the task threads waited for a core).
     */
    public final Map<String, Percentiles> stageMillis;
    @JsonIgnoreProperties({"stages"})
    public final List<PartitionStats> slowestPartitions;
    public final double medianPartitionSeconds;
    public final List<String> kernelPaths;
    public final String sparkVersion;
    public final String javaVersion;
    public final int topK;
    public final int batchSize;
    public final Map<String, String> configuration;

    public Summary(Run run, Totals totals, History history, double setupSeconds, double finishSeconds) {
        runId = run.runId();
        model = run.model();
        modelSha256 = run.modelSha256();
        builtinModel = run.builtinModel();
        weightsNote = run.weightsNote();
        output = run.output();
        format = run.format();
        mode = run.mode();
        features = run.features() > 0 ? run.features() : null;
        partitioning = run.partitioning();
        partitions = totals.partitions();
        inputsSkipped = history.inputsSkipped();
        units = history.units();
        unitsRebuilt = history.unitsRebuilt();
        attempts = history.attempts();
        double lostSeconds = 0;
        long lostImages = 0;
        for (AttemptSummary a : attempts) {
            lostSeconds += a.lostSeconds();
            lostImages += a.lostImages();
        }
        timeLostSeconds = lostSeconds;
        imagesLost = lostImages;
        images = totals.images();
        ok = totals.ok();
        failed = totals.failed();
        failuresByReason = totals.failuresByReason();
        bytes = totals.bytes();
        wallSeconds = totals.wallSeconds();
        this.setupSeconds = setupSeconds;
        this.finishSeconds = finishSeconds;
        imagesPerSecond = totals.imagesPerSecond();
        cores = totals.cores();
        imagesPerSecondPerCore = totals.imagesPerSecondPerCore();
        executors = totals.executors();
        stageMillis = totals.stageMillis();
        slowestPartitions = totals.slowestPartitions();
        medianPartitionSeconds = totals.medianPartitionSeconds();
        kernelPaths = totals.kernelPaths();
        sparkVersion = run.sparkVersion();
        javaVersion = run.javaVersion();
        topK = run.topK();
        batchSize = run.batchSize();
        configuration = run.configuration();
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    public String toJson() {
        try {
            return mapper().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the summary as JSON: " + e.getMessage(), e);
        }
    }
}
