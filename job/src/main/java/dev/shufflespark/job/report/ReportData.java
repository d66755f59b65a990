package dev.shufflespark.job.report;

import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.Summary;
import java.util.List;

/**
 * What a report shows: the run's summary (its {@code configuration} already masked), the statistics of
 * every partition, and for a scaling benchmark its points (empty otherwise).
 */
public record ReportData(String title, Summary summary, List<PartitionStats> partitions,
                         List<ScalingPoint> scaling) {

    public ReportData {
        partitions = List.copyOf(partitions);
        scaling = List.copyOf(scaling);
    }
}
