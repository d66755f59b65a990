package dev.shufflespark.job.stats;

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
 * The end-of-run summary: what was classified, how fast, where, and with what. Written as {@code summary.json}
 * and printed as a table ({@link SummaryTable}).
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
                                 List<dev.shufflespark.job.stats.RunEvents.LostExecutor> lostExecutors,
                                 int failedTasks) {
    }

    /** This attempt's run id; {@link #attempts} lists every attempt of the run. */
    public String runId;
    public String model;
    public String modelSha256;
    public boolean builtinModel;
    public String weightsNote;
    public String output;
    public String format;
    public String mode;
    public String partitioning;
    public int partitions;
    /** Inputs this attempt skipped: earlier attempts had done them. */
    public long inputsSkipped;
    /** Units committed over all attempts. */
    public int units;
    /** Units whose record a resume rebuilt from their rows (their process died between commit and record). */
    public int unitsRebuilt;
    /** Every attempt at the run, oldest first. */
    public List<AttemptSummary> attempts = new ArrayList<>();
    /** Seconds of work lost to crashes (the sum of the killed attempts' {@code lostSeconds}). */
    public double timeLostSeconds;
    /** Images classified but lost to crashes (the sum of the killed attempts' {@code lostImages}). */
    public long imagesLost;
    public long images;
    public long ok;
    public long failed;
    public Map<String, Long> failuresByReason = new TreeMap<>();
    public long bytes;
    /** Seconds of work on units, all attempts together (writing included). */
    public double wallSeconds;
    /** Driver time before the classification job: listing, model load and checks, broadcast, planning. */
    public double setupSeconds;
    /** Driver time after it: statistics, percentiles, this summary. */
    public double finishSeconds;
    public double imagesPerSecond;
    public int cores;
    public double imagesPerSecondPerCore;
    public List<ExecutorShare> executors = new ArrayList<>();
    /** Per-image milliseconds by stage (read, decode: every image; preprocess, infer: OK images), within 0.75%. */
    public Map<String, Percentiles> stageMillis = new LinkedHashMap<>();
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties({"stages"})
    public List<PartitionStats> slowestPartitions = new ArrayList<>();
    public double medianPartitionSeconds;
    public List<String> kernelPaths = new ArrayList<>();
    public String sparkVersion;
    public String javaVersion;
    public int topK;
    public int batchSize;
    public Map<String, String> configuration = new TreeMap<>();

    /** Fills the totals, the executors, the kernel paths and the slowest partitions from the task statistics. */
    public void addPartitions(List<PartitionStats> stats, double wallSeconds, int cores) {
        this.partitions = stats.size();
        this.wallSeconds = wallSeconds;
        this.cores = cores;
        Map<String, List<PartitionStats>> byExecutor = new TreeMap<>();
        for (PartitionStats p : stats) {
            images += p.images();
            failed += p.failed();
            bytes += p.bytes();
            p.failures().forEach((reason, n) -> failuresByReason.merge(reason, n, Long::sum));
            byExecutor.computeIfAbsent(p.executorId(), k -> new ArrayList<>()).add(p);
        }
        ok = images - failed;
        imagesPerSecond = wallSeconds > 0 ? images / wallSeconds : 0;
        imagesPerSecondPerCore = cores > 0 ? imagesPerSecond / cores : 0;
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
        merged.forEach((stage, h) -> {
            if (h.total() > 0) {
                stageMillis.put(stage, new Percentiles(h.quantile(0.5), h.quantile(0.95), h.quantile(0.99)));
            }
        });
        List<PartitionStats> byTime = new ArrayList<>(stats);
        byTime.sort(Comparator.comparingLong(PartitionStats::wallNanos).reversed());
        slowestPartitions = new ArrayList<>(byTime.subList(0, Math.min(5, byTime.size())));
        if (!byTime.isEmpty()) {
            medianPartitionSeconds = byTime.get(byTime.size() / 2).wallNanos() / 1e9;
        }
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
