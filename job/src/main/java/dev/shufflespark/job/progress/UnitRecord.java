package dev.shufflespark.job.progress;

import dev.shufflespark.job.stats.PartitionStats;
import java.util.List;

/**
 * A committed unit of work, kept as {@code progress/unit-NNNNN.json} once its rows are committed
 * ({@code labels/unit=NNNNN/_SUCCESS}): which inputs it classified and the statistics of its partitions, so that
 * a resume knows what is done and the summary can describe every attempt of the run.
 *
 * @param unit            the unit's number, never reused within an output
 * @param runId           the attempt that made it (the run id in its rows)
 * @param inputs          its inputs, a consecutive span of that attempt's listing
 * @param images          label rows written (tar members count one each)
 * @param firstPartition  the partition id of its first partition (partition ids are unique across units)
 * @param partitions      partitions (Spark tasks) it had
 * @param submittedMillis when its Spark job was submitted
 * @param committedMillis when its rows were committed
 * @param rebuilt         true when the unit's job committed but the process died before this record was written,
 *                        and a resume rebuilt it from the rows (statistics without hosts, kernel paths and wall
 *                        times)
 * @param statistics      one per partition that had inputs
 */
public record UnitRecord(int unit, String runId, InputSpan inputs, long images, int firstPartition, int partitions,
                         long submittedMillis, long committedMillis, boolean rebuilt,
                         List<PartitionStats> statistics) {

    public UnitRecord {
        statistics = List.copyOf(statistics);
    }

    /** Seconds from submission to commit. */
    public double seconds() {
        return (committedMillis - submittedMillis) / 1e3;
    }
}
