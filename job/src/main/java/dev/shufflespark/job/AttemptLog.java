package dev.shufflespark.job;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.job.progress.AttemptRecord;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.UnitRecord;

/**
 * This attempt's record ({@link AttemptRecord}), kept up to date under {@code progress/}: written when the attempt
 * starts, when its work starts, at each commit, at each heartbeat, when its work is done and when it ends. The
 * heartbeat is best effort: a failure to write it is said once and the run goes on.
 */
final class AttemptLog {

    private final RunContext ctx;
    private final long startedMillis = System.currentTimeMillis();
    private final long inputsDone;
    private final long inputsLeft;
    private long workStartedMillis;
    private long workEndedMillis;
    private long finishedMillis;
    private long imagesCommitted;
    private int units;
    private long lastCommitMillis;
    private boolean heartbeatFailed;

    /** Starts the record of an attempt that skips {@code inputsDone} inputs and has {@code inputsLeft} to do. */
    AttemptLog(RunContext run, long inputsDone, long inputsLeft) {
        this.ctx = run;
        this.inputsDone = inputsDone;
        this.inputsLeft = inputsLeft;
        write();
    }

    synchronized void workStarted() {
        workStartedMillis = System.currentTimeMillis();
        write();
    }

    synchronized void committed(UnitRecord u) {
        units++;
        imagesCommitted += u.images();
        lastCommitMillis = u.committedMillis();
        write();
    }

    /** Every unit is committed. */
    synchronized void workDone() {
        long now = System.currentTimeMillis();
        if (workStartedMillis == 0) {
            workStartedMillis = now;
        }
        workEndedMillis = now;
        write();
    }

    /** The run is described (summary, {@code labels/_SUCCESS}): this attempt ended. */
    synchronized void finished() {
        finishedMillis = System.currentTimeMillis();
        write();
    }

    synchronized int unitsCommitted() {
        return units;
    }

    synchronized void heartbeat() {
        try {
            write();
        } catch (RuntimeException e) {
            if (!heartbeatFailed) {
                heartbeatFailed = true;
                ctx.say().accept("classify: cannot update " + Redaction.uri(ctx.out().attemptRecord(ctx.runId())
                        .toString()) + " (" + e.getMessage() + "); the run goes on");
            }
        }
    }

    private synchronized void write() {
        AttemptRecord r = new AttemptRecord(ctx.runId(), ctx.config().mode().label(), startedMillis,
                workStartedMillis, workEndedMillis, System.currentTimeMillis(), finishedMillis, inputsDone, inputsLeft,
                ctx.imagesDone().value(), imagesCommitted, units, lastCommitMillis, ctx.events().lostExecutors(),
                ctx.events().failedTasks());
        ctx.out().write(ctx.out().attemptRecord(ctx.runId()), Json.write(r));
    }
}
