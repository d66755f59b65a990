package dev.shufflespark.job.testing;

import dev.shufflespark.job.SparkSetup;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;

/** Spark sessions for tests: on 127.0.0.1, no UI, the job's own settings (SparkSetup). */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkSession start(String master, String name) {
        return start(master, name, new SparkConf());
    }

    /** As {@link #start(String, String)}, over the settings of {@code extra}. */
    public static SparkSession start(String master, String name, SparkConf extra) {
        SparkConf conf = extra
                .setMaster(master)
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.kryo.registrationRequired", "false");
        SparkSetup.apply(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** Counts the jobs and tasks a session starts: a check that fails fast must start none. */
    public static final class Activity extends SparkListener {
        public final AtomicInteger jobs = new AtomicInteger();
        public final AtomicInteger tasks = new AtomicInteger();
        public final AtomicInteger failed = new AtomicInteger();

        public static Activity on(SparkSession spark) {
            Activity a = new Activity();
            spark.sparkContext().addSparkListener(a);
            return a;
        }

        @Override
        public void onJobStart(SparkListenerJobStart jobStart) {
            jobs.incrementAndGet();
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
            tasks.incrementAndGet();
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (!taskEnd.taskInfo().successful()) {
                failed.incrementAndGet();
            }
        }

        /** Task attempts that did not succeed (failed or killed). */
        public int failedTasks() {
            return failed.get();
        }
    }
}
