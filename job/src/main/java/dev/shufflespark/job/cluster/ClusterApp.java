package dev.shufflespark.job.cluster;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;

/**
 * The settings a driver started from this source tree (not by spark-submit) needs to run on a standalone
 * cluster: executors load our classes from the job jar ({@code spark.jars}) and run with the JVM flags of
 * conf/jvm.options ({@code spark.executor.extraJavaOptions}; the Vector API module above all, without which the
 * engine falls back to its scalar path). What the user set is kept: the flags go before their own options, and a
 * {@code spark.jars} they give is left as it is.
 */
public final class ClusterApp {

    private ClusterApp() {
    }

    /**
     * True for a master that runs the tasks on this machine ({@code local}, {@code local[N]}, {@code local[N,F]},
     * and Spark's {@code local-cluster[...]} test mode).
     */
    public static boolean isLocal(String master) {
        return master != null && master.startsWith("local");
    }

    /** True for a standalone master URL ({@code spark://...}). */
    public static boolean isStandalone(String master) {
        return master != null && master.startsWith("spark://");
    }

    /** Adds the job jar and the executors' JVM flags to {@code conf}, and returns it. */
    public static SparkConf configure(SparkConf conf, ProjectLayout layout) {
        if (!conf.contains("spark.jars") || conf.get("spark.jars").isBlank()) {
            conf.set("spark.jars", layout.jobJar().toUri().toString());
        }
        conf.set("spark.executor.extraJavaOptions", executorOptions(layout.jvmFlags(),
                conf.get("spark.executor.extraJavaOptions", "")));
        // With spark.cores.max set, the first job waits (30 s at most) until executors hold all of those cores,
        // so that partitioning sees them all.
        conf.setIfMissing("spark.scheduler.minRegisteredResourcesRatio", "1.0");
        return conf;
    }

    /** {@code flags} that {@code existing} does not already have, then {@code existing}. */
    static String executorOptions(List<String> flags, String existing) {
        List<String> have = List.of(existing.strip().split("\\s+"));
        List<String> out = new ArrayList<>();
        for (String f : flags) {
            if (!have.contains(f)) {
                out.add(f);
            }
        }
        if (!existing.isBlank()) {
            out.add(existing.strip());
        }
        return String.join(" ", out);
    }
}
