package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.model.KryoRegistration;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The job's Spark settings: Spark's own serializer kept, Kryo refused early where it cannot start. */
class SparkSetupTest {

    @Test
    void sparkSetupKeepsSparksDefaultSerializer() {
        SparkConf conf = SparkSetup.apply(new SparkConf(false));
        assertFalse(conf.contains(SparkSetup.SERIALIZER), "spark.serializer is the user's to set");
        assertEquals(KryoRegistration.class.getName(), conf.get("spark.kryo.registrator"));
        SparkConf theirs = SparkSetup.apply(new SparkConf(false).set("spark.kryo.registrator", "a.B"));
        assertEquals("a.B," + KryoRegistration.class.getName(), theirs.get("spark.kryo.registrator"));
    }

    @Test
    void executorsGetTheJitLimitsAfterTheUsersOptions() {
        String ours = "-XX:PerMethodTrapLimit=100000 -XX:PerMethodRecompilationCutoff=10000";
        assertEquals(ours, SparkSetup.apply(new SparkConf(false)).get(SparkSetup.EXECUTOR_OPTIONS));
        assertEquals("-Xss4m -Dx=\"a b\" " + ours, SparkSetup.apply(new SparkConf(false)
                .set(SparkSetup.EXECUTOR_OPTIONS, "  -Xss4m -Dx=\"a b\" ")).get(SparkSetup.EXECUTOR_OPTIONS));
        assertEquals("-XX:PerMethodTrapLimit=500 -XX:PerMethodRecompilationCutoff=10000", SparkSetup.apply(
                new SparkConf(false).set(SparkSetup.EXECUTOR_OPTIONS, "-XX:PerMethodTrapLimit=500"))
                .get(SparkSetup.EXECUTOR_OPTIONS));
        // applied twice (a driver that builds a second session), the flags are not repeated
        SparkConf twice = SparkSetup.apply(SparkSetup.apply(new SparkConf(false)));
        assertEquals(ours, twice.get(SparkSetup.EXECUTOR_OPTIONS));
    }

    @Test
    void kryoWithoutJavaNioOpenFailsNamingTheFlag() {
        SparkSetup.checkSerializer("", false);
        SparkSetup.checkSerializer("org.apache.spark.serializer.JavaSerializer", false);
        SparkSetup.checkSerializer(SparkSetup.KRYO, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSetup.checkSerializer(SparkSetup.KRYO, false));
        assertTrue(e.getMessage().contains("spark.serializer") && e.getMessage().contains(SparkSetup.KRYO)
                && e.getMessage().contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), e.getMessage());
        // Surefire runs this JVM with Spark's flags, so here Kryo may reach java.nio.
        assertTrue(SparkSetup.kryoCanReachJavaNio());
    }

}
