package dev.shufflespark.job;

import com.esotericsoftware.kryo.Kryo;
import dev.shufflespark.job.config.ConfigException;
import dev.shufflespark.job.model.KryoRegistration;
import dev.shufflespark.model.kernel.Simd;
import java.nio.ByteBuffer;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkConf;

/**
 * The Spark settings the job needs, applied without overriding what the user set: our Kryo registrations (used
 * only when the user chooses Kryo; the job keeps Spark's default serializer, which needs no JVM flag, and its
 * broadcast model travels as plain arrays under either), Spark's console progress bar, and the two JIT flags the
 * vector kernels need on executors ({@link #JIT_FLAGS}). Nothing that spark-submit owns (master, memory, cores) is
 * touched.
 */
public final class SparkSetup {

    public static final String SERIALIZER = "spark.serializer";
    public static final String KRYO = "org.apache.spark.serializer.KryoSerializer";
    public static final String EXECUTOR_OPTIONS = "spark.executor.extraJavaOptions";

    /**
     * The flag of conf/jvm.options that keeps C2 from giving up on the Vector API's type checks halfway through a
     * kernel (conf/jvm.options says how; without it some executors run the depthwise steps 2-3x slower for their
     * whole life).
     */
    public static final String TRAP_LIMIT = "-XX:PerMethodTrapLimit=" + Simd.TRAP_LIMIT;

    /** Its twin for the recompilations C2 sums the same way (conf/jvm.options). */
    public static final String RECOMPILATION_CUTOFF = "-XX:PerMethodRecompilationCutoff=10000";

    /**
     * The JIT flags of conf/jvm.options that executors need. Spark's launcher does not pass them, so the job adds
     * each to the executors' options unless the user's options already set that option.
     */
    public static final List<String> JIT_FLAGS = List.of(TRAP_LIMIT, RECOMPILATION_CUTOFF);

    private SparkSetup() {
    }

    /**
     * Adds our settings to {@code conf} and returns it; a JIT limit the user gave the executors is kept. Fails when
     * {@code conf} chooses Kryo in a JVM where Spark's Kryo cannot start (see {@link #checkSerializer}).
     */
    public static SparkConf apply(SparkConf conf) {
        checkSerializer(conf.get(SERIALIZER, ""), kryoCanReachJavaNio());
        Set<String> registrators = new LinkedHashSet<>();
        for (String r : conf.get("spark.kryo.registrator", "").split(",")) {
            if (!r.isBlank()) {
                registrators.add(r.strip());
            }
        }
        registrators.add(KryoRegistration.class.getName());
        conf.set("spark.kryo.registrator", String.join(",", registrators));
        conf.setIfMissing("spark.ui.showConsoleProgress", "true");
        String executorOptions = conf.get(EXECUTOR_OPTIONS, "").strip();
        for (String flag : JIT_FLAGS) {
            if (!executorOptions.contains(flag.substring(0, flag.indexOf('=') + 1))) {
                executorOptions = (executorOptions + " " + flag).strip();
            }
        }
        conf.set(EXECUTOR_OPTIONS, executorOptions);
        return conf;
    }

    /**
     * Spark's Kryo registers {@code java.nio.HeapByteBuffer} field by field, which takes
     * {@code --add-opens=java.base/java.nio=ALL-UNNAMED}; Spark's launcher passes it to the JVMs it starts, but a
     * driver that a standalone Worker starts in cluster mode has none of those flags. Rather than fail at the first
     * broadcast with Kryo's message, the job fails before Spark starts, saying what to do.
     *
     * @param serializer     the value of {@code spark.serializer} ("" when unset)
     * @param javaNioIsOpen  whether {@code java.nio} is open to Kryo's module in this JVM
     */
    static void checkSerializer(String serializer, boolean javaNioIsOpen) {
        if (serializer.strip().equals(KRYO) && !javaNioIsOpen) {
            throw new ConfigException(SERIALIZER + ": '" + serializer + "' needs the JVM flag "
                    + "--add-opens=java.base/java.nio=ALL-UNNAMED, which this JVM was started without (as a "
                    + "standalone cluster-mode driver is): add it to spark.driver.extraJavaOptions, or leave "
                    + SERIALIZER + " unset (the job needs no Kryo)");
        }
    }

    /** Whether Kryo, where Spark loaded it, may reach into {@code java.nio} by reflection. */
    static boolean kryoCanReachJavaNio() {
        return ByteBuffer.class.getModule().isOpen("java.nio", Kryo.class.getModule());
    }
}
