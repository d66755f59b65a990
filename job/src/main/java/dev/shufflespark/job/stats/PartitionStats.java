package dev.shufflespark.job.stats;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one partition (one successful task) did: where it ran, how many images, how many failed and why, how
 * many bytes, and the time spent per stage. Stage times are sums over the partition's images; {@code wallNanos}
 * is the task's own time from its first image to its last output.
 *
 * @param partition        the partition index
 * @param attempt          the task attempt that succeeded (0 unless a first attempt failed)
 * @param executorId       Spark's executor id ({@code driver} in local mode)
 * @param host             the executor's host
 * @param kernelPath       the engine's kernel path on that executor (vector lanes or scalar)
 * @param images           outcomes (one per image, failed ones included)
 * @param failed           outcomes that are not OK
 * @param failures         failed outcomes by reason code
 * @param bytes            encoded bytes read (of images whose size is known)
 * @param readNanos        time to open and read
 * @param decodeNanos      time to decode
 * @param preprocessNanos  time to resize, crop and normalise
 * @param inferNanos       time in the engine
 * @param wallNanos        the task's time, first read to last output
 * @param startMillis      when the task started (epoch milliseconds)
 * @param stages           per-image milliseconds of each stage ({@code read}, {@code decode} of every image;
 *                         {@code preprocess}, {@code infer} of OK images, and {@code infer_cpu}, the task
 *                         thread's CPU time in inference, where the JVM gives it), for percentiles
 * @param sample           the partition's {@link SampleRows#SIZE} smallest label rows by path and member, for the
 *                         driver to show a few rows of the run without reading them back; in memory only (never in
 *                         JSON: a record read back has none), and the unit's record drops them once the driver has
 *                         taken them
 */
public record PartitionStats(int partition, int attempt, String executorId, String host, String kernelPath,
                             long images, long failed, Map<String, Long> failures, long bytes, long readNanos,
                             long decodeNanos, long preprocessNanos, long inferNanos, long wallNanos,
                             long startMillis, Map<String, StageHistogram> stages,
                             @JsonIgnore List<SampleRow> sample) implements Serializable {

    private static final long serialVersionUID = 2L;

    public PartitionStats {
        failures = new TreeMap<>(failures);
        stages = new java.util.LinkedHashMap<>(stages);
        sample = sample == null ? List.of() : List.copyOf(sample);
    }

    /** Without sample rows. */
    public PartitionStats(int partition, int attempt, String executorId, String host, String kernelPath, long images,
                          long failed, Map<String, Long> failures, long bytes, long readNanos, long decodeNanos,
                          long preprocessNanos, long inferNanos, long wallNanos, long startMillis,
                          Map<String, StageHistogram> stages) {
        this(partition, attempt, executorId, host, kernelPath, images, failed, failures, bytes, readNanos, decodeNanos,
                preprocessNanos, inferNanos, wallNanos, startMillis, stages, List.of());
    }

    /**
     * The same as a unit's record keeps it: with the partition id in the run (a unit's partitions are numbered from
     * its first one), without the sample rows.
     */
    public PartitionStats withPartition(int id) {
        return new PartitionStats(id, attempt, executorId, host, kernelPath, images, failed, failures, bytes, readNanos,
                decodeNanos, preprocessNanos, inferNanos, wallNanos, startMillis, stages, List.of());
    }

    /** The same with these sample rows. */
    public PartitionStats withSample(List<SampleRow> rows) {
        return new PartitionStats(partition, attempt, executorId, host, kernelPath, images, failed, failures, bytes,
                readNanos, decodeNanos, preprocessNanos, inferNanos, wallNanos, startMillis, stages, rows);
    }

    /** Images per second of this task's wall time. */
    public double imagesPerSecond() {
        return wallNanos == 0 ? 0 : images / (wallNanos / 1e9);
    }
}
