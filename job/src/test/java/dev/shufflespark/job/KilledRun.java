package dev.shufflespark.job;

import dev.shufflespark.job.cli.Main;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * {@code shufflespark classify} in a JVM of its own that holds still at a named point of the run, so that the
 * test that started it can kill it there with SIGKILL: {@code KilledRun POINT UNIT classify ARGS...}. POINT is a
 * {@link TestSeam.Point} name ({@code STARTED}, {@code UNIT_COMMITTED}, {@code UNIT_RECORDED}, {@code SUMMARY}; for
 * unit points, of unit UNIT) or {@code MID_UNIT} (a task of unit UNIT or a later one has handed its first row to
 * the writer). Once there it prints {@link #HELD} and the point on stderr, and from then on every task and every
 * other point of the run waits forever too, so that what is on disk stays as it was when the line was printed
 * (but for a commit already under way). {@code ONE_TASK} holds only the first task (partition 0) of unit UNIT after
 * its first row, and everything else runs on: the unit's other tasks finish, and their output waits for a commit
 * that never comes.
 */
public final class KilledRun {

    static final String HELD = "KILLED-RUN HELD ";
    static final String MID_UNIT = "MID_UNIT";
    static final String ONE_TASK = "ONE_TASK";

    private static final AtomicBoolean held = new AtomicBoolean();
    /** Everything holds once something does (all points but {@link #ONE_TASK}). */
    private static final AtomicBoolean frozen = new AtomicBoolean();
    private static volatile boolean freezeAll = true;

    private KilledRun() {
    }

    public static void main(String[] args) {
        String point = args[0];
        int unit = Integer.parseInt(args[1]);
        freezeAll = !point.equals(ONE_TASK);
        ClassifyJob.seam = new TestSeam() {
            @Override
            public void reached(Point p, int u) {
                if (frozen.get() || p.name().equals(point) && (u == unit || u < 0)) {
                    hold(p + " " + u);
                }
            }

            @Override
            public JavaRDD<InternalRow> rows(int u, int firstPartition, JavaRDD<InternalRow> rows) {
                HoldRows hold = point.equals(ONE_TASK) ? new HoldRows(u == unit, 0, ONE_TASK + " " + u)
                        : new HoldRows(point.equals(MID_UNIT) && u >= unit, -1, MID_UNIT + " " + u);
                return rows.mapPartitions(hold);
            }
        };
        System.exit(Main.commandLine().execute(Arrays.copyOfRange(args, 2, args.length)));
    }

    /** Prints the line once (the first time anything holds), then waits until the process is killed. */
    static void hold(String what) {
        if (held.compareAndSet(false, true)) {
            frozen.set(freezeAll);
            System.err.println(HELD + what);
            System.err.flush();
        }
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // a cancelled task: keep holding, the process is about to be killed
            }
        }
    }

    /**
     * Passes rows on; holds after the first when asked to (in partition {@code partition} only, or in every one for
     * -1), and before any once something else holds and everything freezes.
     */
    static final class HoldRows implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
        private static final long serialVersionUID = 1L;
        private final boolean holdAfterFirst;
        private final int partition;
        private final String what;

        HoldRows(boolean holdAfterFirst, int partition, String what) {
            this.holdAfterFirst = holdAfterFirst;
            this.partition = partition;
            this.what = what;
        }

        @Override
        public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
            boolean here = holdAfterFirst && (partition < 0 || TaskContext.get().partitionId() == partition);
            return new Iterator<>() {
                private int passed;

                @Override
                public boolean hasNext() {
                    if (frozen.get() || here && passed > 0) {
                        hold(what);
                    }
                    return rows.hasNext();
                }

                @Override
                public InternalRow next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    passed++;
                    return rows.next();
                }
            };
        }
    }
}
