package dev.shufflespark.bench;

import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Average time of one {@link Session#run} call on a batch of 224x224 images (divide by {@code batch} for
 * time per image). Each benchmark thread has its own session and seeded random input.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar EngineBenchmark -p model=shufflenet_v2_x1_0 -p batch=1,8
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// The JIT limits of conf/jvm.options: without them C2 drops the vector intrinsics in some forks (docs/performance.md).
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:PerMethodTrapLimit=100000",
        "-XX:PerMethodRecompilationCutoff=10000"})
public class EngineBenchmark {

    @Param({"shufflenet_v1_g3_x1_0", "shufflenet_v2_x1_0"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    private Session session;
    private float[] input;

    @Setup
    public void setUp() {
        session = Model.builtin(model).engine().newSession(batch, 224, 224);
        input = new float[batch * 3 * 224 * 224];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (random.nextDouble() * 4 - 2);
        }
    }

    /** Returning the logits hands them to JMH's blackhole. */
    @Benchmark
    public float[] run() {
        return session.run(input, batch);
    }
}
