package dev.shufflespark.job.report;

/**
 * One run of a scaling benchmark: how fast the job went on {@code executors} executors of {@code cores}
 * cores in all.
 *
 * @param efficiency images/s per core relative to the one-executor run (1 = linear scaling)
 */
public record ScalingPoint(int executors, int cores, long images, double wallSeconds, double imagesPerSecond,
                           double efficiency) {
}
