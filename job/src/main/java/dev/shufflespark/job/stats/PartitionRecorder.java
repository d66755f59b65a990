package dev.shufflespark.job.stats;

import dev.shufflespark.io.source.ImageResult;
import java.util.Map;
import java.util.TreeMap;

/** Adds up one partition's outcomes into its {@link PartitionStats}. Not thread-safe: one per task. */
public final class PartitionRecorder {
    private final int partition;
    private final int attempt;
    private final String executorId;
    private final String host;
    private final String kernelPath;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final Map<String, Long> failures = new TreeMap<>();
    private long images;
    private long failed;
    private long bytes;
    private long read;
    private long decode;
    private long preprocess;
    private long infer;
    private final Map<String, StageHistogram> stages = new java.util.LinkedHashMap<>();

    /** The stages whose per-image milliseconds are kept for percentiles, in order. */
    public static final String[] STAGES = {"read", "decode", "preprocess", "infer"};

    /**
     * Per-image milliseconds of the task thread's CPU time in inference (OK images), kept beside the stages where
     * the JVM gives thread CPU time. Its gap to {@code infer}, a wall time, is the time the thread waited for a core.
     */
    public static final String INFER_CPU = "infer_cpu";

    public PartitionRecorder(int partition, int attempt, String executorId, String host, String kernelPath) {
        for (String stage : STAGES) {
            stages.put(stage, new StageHistogram());
        }
        this.partition = partition;
        this.attempt = attempt;
        this.executorId = executorId;
        this.host = host;
        this.kernelPath = kernelPath;
    }

    /** One image's outcome, its inference's wall time and its CPU time ({@code inferCpuNanos < 0}: not known). */
    public void record(ImageResult r, long inferNanos, long inferCpuNanos) {
        record(r.status(), r.ok(), r.bytes(), r.readNanos(), r.decodeNanos(), r.preprocessNanos(), inferNanos);
        if (r.ok() && inferCpuNanos >= 0) {
            stages.computeIfAbsent(INFER_CPU, k -> new StageHistogram()).add(inferCpuNanos / 1e6);
        }
    }

    /** One image's outcome: its status ({@code OK} or a reason code), bytes (-1 when unknown) and stage times. */
    public void record(String status, boolean ok, long imageBytes, long readNanos, long decodeNanos,
                       long preprocessNanos, long inferNanos) {
        images++;
        if (!ok) {
            failed++;
            failures.merge(status, 1L, Long::sum);
        }
        if (imageBytes > 0) {
            bytes += imageBytes;
        }
        read += readNanos;
        decode += decodeNanos;
        preprocess += preprocessNanos;
        infer += inferNanos;
        stages.get("read").add(readNanos / 1e6);
        stages.get("decode").add(decodeNanos / 1e6);
        if (ok) {
            stages.get("preprocess").add(preprocessNanos / 1e6);
            stages.get("infer").add(inferNanos / 1e6);
        }
    }

    public long images() {
        return images;
    }

    /** The totals so far, the wall time measured up to now. */
    public PartitionStats finish() {
        return finish(System.nanoTime() - startNanos, startMillis);
    }

    /** The totals so far, with a wall time and start known otherwise. */
    public PartitionStats finish(long wallNanos, long startedMillis) {
        return new PartitionStats(partition, attempt, executorId, host, kernelPath, images, failed, failures, bytes,
                read, decode, preprocess, infer, wallNanos, startedMillis, stages);
    }
}
