package dev.shufflespark.job.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.Success$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * What went wrong on the cluster while a run worked, as Spark's scheduler saw it: executors removed (lost)
 * and task attempts that failed, each with the unit whose job the task belonged to. Registered on the
 * SparkContext for the run's duration.
 */
public final class RunEvents extends SparkListener {

    /** The job group of a unit's Spark job: {@code PREFIX + runId + ":" + unit}. */
    public static final String GROUP_PREFIX = "shufflespark-unit:";

    /** An executor Spark removed, and why. */
    public record LostExecutor(String executorId, String reason, long timeMillis) {
    }

    /**
     * A task attempt that did not succeed.
     *
     * @param unit       the unit whose job it was part of (-1 when not a unit's)
     * @param partition  the partition's index within the unit's job
     * @param attempt    the attempt number (0 for the first)
     * @param executorId where it ran
     * @param reason     Spark's reason, on one line
     * @param timeMillis when it ended
     */
    public record FailedTask(int unit, int partition, int attempt, String executorId, String reason,
                             long timeMillis) {
    }

    private final String runId;
    private final Map<Integer, Integer> stageUnit = new ConcurrentHashMap<>();
    private final List<LostExecutor> lost = new ArrayList<>();
    private final List<FailedTask> failed = new ArrayList<>();

    public RunEvents(String runId) {
        this.runId = runId;
    }

    /** The job group of {@code unit}'s Spark job in this run. */
    public String group(int unit) {
        return GROUP_PREFIX + runId + ":" + unit;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        Properties p = event.properties();
        String group = p == null ? null : p.getProperty("spark.jobGroup.id");
        String prefix = GROUP_PREFIX + runId + ":";
        if (group != null && group.startsWith(prefix)) {
            stageUnit.put(event.stageInfo().stageId(), Integer.parseInt(group.substring(prefix.length())));
        }
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved event) {
        lost.add(new LostExecutor(event.executorId(), event.reason(), event.time()));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        if (event.reason() == Success$.MODULE$) {
            return;
        }
        TaskInfo t = event.taskInfo();
        String reason = String.valueOf(event.reason()).replaceAll("\\s+", " ");
        if (reason.length() > 500) {
            reason = reason.substring(0, 500) + "...";
        }
        FailedTask f = new FailedTask(stageUnit.getOrDefault(event.stageId(), -1), t.index(), t.attemptNumber(),
                t.executorId(), reason, t.finishTime() > 0 ? t.finishTime() : System.currentTimeMillis());
        synchronized (this) {
            failed.add(f);
        }
    }

    public synchronized List<LostExecutor> lostExecutors() {
        return List.copyOf(lost);
    }

    public synchronized List<FailedTask> failedTasks() {
        return List.copyOf(failed);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "RunEvents[%s: %d executors lost, %d task attempts failed]", runId,
                lostExecutors().size(), failedTasks().size());
    }
}
