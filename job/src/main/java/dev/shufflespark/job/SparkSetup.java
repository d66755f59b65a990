package dev.shufflespark.job;

import dev.shufflespark.job.model.KryoRegistration;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.spark.SparkConf;

/**
 * The Spark settings the job needs, applied without overriding what the user set: Kryo with our classes
 * registered (the broadcast model travels with it), and Spark's console progress bar. Nothing that
 * spark-submit owns (master, memory, cores) is touched.
 */
public final class SparkSetup {

    public static final String KRYO = "org.apache.spark.serializer.KryoSerializer";

    private SparkSetup() {
    }

    /** Adds our settings to {@code conf} and returns it. */
    public static SparkConf apply(SparkConf conf) {
        conf.setIfMissing("spark.serializer", KRYO);
        Set<String> registrators = new LinkedHashSet<>();
        for (String r : conf.get("spark.kryo.registrator", "").split(",")) {
            if (!r.isBlank()) {
                registrators.add(r.strip());
            }
        }
        registrators.add(KryoRegistration.class.getName());
        conf.set("spark.kryo.registrator", String.join(",", registrators));
        conf.setIfMissing("spark.ui.showConsoleProgress", "true");
        return conf;
    }
}
