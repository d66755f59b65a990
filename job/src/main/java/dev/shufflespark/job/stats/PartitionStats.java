package dev.shufflespark.job.stats;

import java.io.Serializable;
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
 *                         {@code preprocess}, {@code infer} of OK images), for percentiles
 */
public record PartitionStats(int partition, int attempt, String executorId, String host, String kernelPath,
                             long images, long failed, Map<String, Long> failures, long bytes, long readNanos,
                             long decodeNanos, long preprocessNanos, long inferNanos, long wallNanos,
                             long startMillis, Map<String, StageHistogram> stages) implements Serializable {

    private static final long serialVersionUID = 1L;

    public PartitionStats {
        failures = new TreeMap<>(failures);
        stages = new java.util.LinkedHashMap<>(stages);
    }

    /** The same with another partition id (a unit's partitions are numbered from its first one). */
    public PartitionStats withPartition(int id) {
        return new PartitionStats(id, attempt, executorId, host, kernelPath, images, failed, failures, bytes, readNanos,
                decodeNanos, preprocessNanos, inferNanos, wallNanos, startMillis, stages);
    }

    /** Images per second of this task's wall time. */
    public double imagesPerSecond() {
        return wallNanos == 0 ? 0 : images / (wallNanos / 1e9);
    }
}
