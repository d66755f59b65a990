package dev.shufflespark.job.stats;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** The summary as a readable table for the console. */
public final class SummaryTable {

    private SummaryTable() {
    }

    public static void print(Summary s, PrintWriter out) {
        out.println();
        out.println("shufflespark classify: " + s.model + (s.builtinModel ? " (built-in)" : ""));
        if (s.weightsNote != null) {
            out.println("  NOTE: " + s.weightsNote);
        }
        row(out, "model sha256", s.modelSha256);
        row(out, "output", s.output + " (" + s.format + ", mode " + s.mode + ", run " + s.runId + ")");
        if (s.features != null) {
            row(out, "features", s.features + " floats per image (the features column: globally pooled features)");
        }
        row(out, "partitioning", s.partitioning);
        if (s.inputsSkipped > 0) {
            row(out, "resumed", s.inputsSkipped + " inputs already had rows and were skipped");
        }
        if (s.attempts.size() > 1) {
            long killed = s.attempts.stream().filter(Summary.AttemptSummary::killed).count();
            row(out, "attempts", String.format(Locale.ROOT, "%d (%d killed: %.1f s of work and %d images lost)",
                    s.attempts.size(), killed, s.timeLostSeconds, s.imagesLost));
            for (Summary.AttemptSummary a : s.attempts) {
                row(out, "  run " + a.runId(), String.format(Locale.ROOT, "%s: %d units, %d images, %.1f s of work%s",
                        a.mode(), a.units(), a.images(), a.workSeconds(), a.killed() ? ", killed" : ""));
            }
        }
        row(out, "images", String.format(Locale.ROOT, "%d (%d OK, %d failed), %.1f MB", s.images, s.ok, s.failed,
                s.bytes / 1e6));
        if (!s.failuresByReason.isEmpty()) {
            StringBuilder f = new StringBuilder();
            s.failuresByReason.forEach((r, n) -> f.append(f.length() == 0 ? "" : ", ").append(r).append(' ').append(n));
            row(out, "failures", f.toString());
        }
        row(out, "wall time", String.format(Locale.ROOT, "%.2f s (the classification job, writing included); "
                + "driver %.2f s before, %.2f s after", s.wallSeconds, s.setupSeconds, s.finishSeconds));
        row(out, "images/s", String.format(Locale.ROOT, "%.1f overall, %.1f per core (%d cores)", s.imagesPerSecond,
                s.imagesPerSecondPerCore, s.cores));
        for (Summary.ExecutorShare e : s.executors) {
            row(out, "executor " + e.executorId(), String.format(Locale.ROOT,
                    "%s: %d tasks, %d images, %.1f images/s, busy %.2f s", e.host(), e.tasks(), e.images(),
                    e.imagesPerSecond(), e.busySeconds()));
        }
        if (!s.stageMillis.isEmpty()) {
            out.printf(Locale.ROOT, "  %-14s %10s %10s %10s%n", "ms per image", "p50", "p95", "p99");
            for (Map.Entry<String, Summary.Percentiles> e : s.stageMillis.entrySet()) {
                out.printf(Locale.ROOT, "  %-14s %10.2f %10.2f %10.2f%n", e.getKey(), e.getValue().p50(),
                        e.getValue().p95(), e.getValue().p99());
            }
        }
        if (!s.slowestPartitions.isEmpty()) {
            StringBuilder p = new StringBuilder();
            for (PartitionStats ps : s.slowestPartitions) {
                p.append(p.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "#%d %.2f s (%d images)",
                        ps.partition(), ps.wallNanos() / 1e9, ps.images()));
            }
            row(out, "slowest tasks", p + String.format(Locale.ROOT, "; median %.2f s", s.medianPartitionSeconds));
        }
        for (String k : s.kernelPaths) {
            row(out, "kernel path", k);
        }
        row(out, "versions", "Spark " + s.sparkVersion + ", Java " + s.javaVersion);
        out.flush();
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf(Locale.ROOT, "  %-14s %s%n", label, value);
    }
}
