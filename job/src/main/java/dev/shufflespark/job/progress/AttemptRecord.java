package dev.shufflespark.job.progress;

import dev.shufflespark.job.stats.RunEvents;
import java.util.List;

/**
 * One attempt at a run (the first, or a resume), kept as {@code progress/attempt-RUNID.json}: written when it
 * starts, again at every committed unit and every {@link #HEARTBEAT_SECONDS} while it works, and when it ends.
 * An attempt that never ended was killed; its last record says roughly when, and how much work it had done
 * that no unit committed.
 *
 * @param runId             the attempt's run id (in its rows)
 * @param mode              error, overwrite or resume
 * @param startedMillis     when it started
 * @param workStartedMillis when its first unit was submitted (0 before)
 * @param workEndedMillis   when its last unit committed, all done (0 before, and if it was killed)
 * @param lastSeenMillis    when this record was written
 * @param finishedMillis    when it ended, 0 while it runs (and forever if it was killed)
 * @param inputsDone        inputs that earlier attempts had done, which it skipped
 * @param inputsLeft        inputs it set out to classify
 * @param imagesProcessed   images its tasks had finished when this record was written, committed or not
 * @param imagesCommitted   images of its committed units
 * @param unitsCommitted    units it committed
 * @param lastCommitMillis  when its last unit committed (0 before)
 * @param lostExecutors     executors that were removed while it ran
 * @param failedTasks       task attempts that failed while it ran
 */
public record AttemptRecord(String runId, String mode, long startedMillis, long workStartedMillis,
                            long workEndedMillis, long lastSeenMillis, long finishedMillis, long inputsDone, long inputsLeft,
                            long imagesProcessed, long imagesCommitted, int unitsCommitted, long lastCommitMillis,
                            List<RunEvents.LostExecutor> lostExecutors, List<RunEvents.FailedTask> failedTasks) {

    /** Seconds between heartbeats while an attempt works. */
    public static final int HEARTBEAT_SECONDS = 10;

    public AttemptRecord {
        lostExecutors = List.copyOf(lostExecutors);
        failedTasks = List.copyOf(failedTasks);
    }

    /** True once it ended (not killed). */
    public boolean finished() {
        return finishedMillis > 0;
    }

    /** Seconds it spent on units: to the end of its work, or for a killed attempt to its last sign of life. */
    public double workSeconds() {
        if (workStartedMillis == 0) {
            return 0;
        }
        long end = workEndedMillis > 0 ? workEndedMillis : lastSeenMillis;
        return Math.max(0, end - workStartedMillis) / 1e3;
    }

    /**
     * Seconds of work it did that no unit kept, for an attempt that was killed: from its last commit (or the
     * start of its work) to its last sign of life. At least this was lost; the end came up to
     * {@link #HEARTBEAT_SECONDS} later.
     */
    public double lostSeconds() {
        if (finished() || workStartedMillis == 0) {
            return 0;
        }
        return Math.max(0, lastSeenMillis - Math.max(lastCommitMillis, workStartedMillis)) / 1e3;
    }

    /** Images its tasks had finished but no unit of it committed, at its last sign of life (killed attempts). */
    public long lostImages() {
        return finished() ? 0 : Math.max(0, imagesProcessed - imagesCommitted);
    }
}
