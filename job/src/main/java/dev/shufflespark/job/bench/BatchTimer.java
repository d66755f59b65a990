package dev.shufflespark.job.bench;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;

/**
 * The benchmarks' harness: times batches on T threads, each with its own work. Every thread sets up on its own
 * thread and warms up (for a while, and at least one batch); then all start together and time batches until a
 * shared deadline. Each batch gives two samples: its wall time, and the CPU time of the thread that ran it
 * (which does not count the time the thread waited for a core, so other load on the machine moves it much less).
 * The CPU time of the whole process over the timed window is kept too: it counts threads the work may start
 * that are not the caller's (a native library's pool), and the JVM's own (compiler, collector). Nothing is
 * allocated while timing (room for the samples is made after the warm-up, from its fastest batch).
 *
 * <p>The warm-up can also wait for the JIT compilers: on a busy machine they get little of a core, and code
 * still compiling (the Vector API's is tens of times slower before C2 has compiled it) would otherwise be
 * timed. It then goes on past its time until the compiler threads have been quiet for a second.
 */
public final class BatchTimer {

    /** Upper bound on recorded batches per thread (32 MiB of timings). */
    public static final int MAX_SAMPLES = 1 << 22;

    /** One thread's work: one batch on the calling thread; returns a value of its output (so it is not dropped). */
    @FunctionalInterface
    public interface Batch {
        float run() throws Exception;
    }

    /**
     * What was timed.
     *
     * @param nanos           every batch's wall time, sorted
     * @param cpuNanos        every batch's CPU time on the thread that ran it, sorted
     * @param wallSeconds     from the common start to the last thread's last batch
     * @param processCpuNanos CPU time of the whole process (every thread) over the timed window, -1 when the JVM
     *                        cannot tell
     * @param truncated       a thread filled its room for samples and stopped early
     * @param warmupSeconds   how long the warm-up took (the start of every thread to the common start)
     */
    public record Result(long[] nanos, long[] cpuNanos, double wallSeconds, long processCpuNanos, boolean truncated,
                         double warmupSeconds) {
        public int batches() {
            return nanos.length;
        }

        public double medianNanos() {
            return Statistics.median(nanos);
        }

        public long minNanos() {
            return nanos[0];
        }

        public double medianCpuNanos() {
            return Statistics.median(cpuNanos);
        }

        /**
         * These batches and those of {@code other} as one set of samples (e.g. the rounds of one configuration),
         * their windows' wall and process CPU times added.
         */
        public Result plus(Result other) {
            return new Result(merge(nanos, other.nanos), merge(cpuNanos, other.cpuNanos),
                    wallSeconds + other.wallSeconds, processCpuNanos < 0 || other.processCpuNanos < 0 ? -1
                    : processCpuNanos + other.processCpuNanos, truncated || other.truncated,
                    warmupSeconds + other.warmupSeconds);
        }

        private static long[] merge(long[] a, long[] b) {
            long[] m = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, m, a.length, b.length);
            Arrays.sort(m);
            return m;
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private BatchTimer() {
    }

    /**
     * Times {@code threads} threads; {@code setup} makes thread t's work, on thread t. Fails with the first error
     * of a thread (its cause), after every thread has stopped.
     */
    public static Result time(int threads, IntFunction<Batch> setup, double warmupSeconds, double seconds,
                              String threadName) throws ExecutionException, InterruptedException {
        return time(threads, setup, warmupSeconds, false, seconds, threadName);
    }

    /**
     * As {@link #time(int, IntFunction, double, double, String)}; with {@code untilCompiled}, the warm-up goes on
     * after {@code warmupSeconds} until the JIT compiler threads have used next to no CPU for a second (at most
     * {@value #MAX_COMPILER_WAIT_SECONDS} s more; where their CPU time cannot be read, it does not wait).
     */
    public static Result time(int threads, IntFunction<Batch> setup, double warmupSeconds, boolean untilCompiled,
                              double seconds, String threadName) throws ExecutionException, InterruptedException {
        long measureNanos = (long) (seconds * 1e9);
        Run run = new Run(threads, measureNanos);
        Worker[] workers = new Worker[threads];
        Thread[] running = new Thread[threads];
        run.warm = warmupSeconds <= 0 && !untilCompiled;
        long started = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker(run, setup, t);
            running[t] = new Thread(workers[t], threadName + "-" + t);
            running[t].start();
        }
        if (!run.warm) {
            waitForWarmth(run, running, started, warmupSeconds, untilCompiled);
            run.warm = true;
        }
        for (Thread thread : running) {
            thread.join();
        }
        for (Worker w : workers) {
            if (w.error != null) {
                throw new ExecutionException(w.error);
            }
        }
        long processCpu = processCpuNanos();
        processCpu = processCpu < 0 || run.startProcessCpuNanos < 0 ? -1 : processCpu - run.startProcessCpuNanos;
        int total = 0;
        long end = run.startNanos;
        boolean truncated = false;
        for (Worker w : workers) {
            total += w.count;
            end = Math.max(end, w.endNanos);
            truncated |= w.count == w.times.length;
        }
        long[] times = new long[total];
        long[] cpuTimes = new long[total];
        int at = 0;
        for (Worker w : workers) {
            System.arraycopy(w.times, 0, times, at, w.count);
            System.arraycopy(w.cpuTimes, 0, cpuTimes, at, w.count);
            at += w.count;
        }
        Arrays.sort(times);
        Arrays.sort(cpuTimes);
        return new Result(times, cpuTimes, (end - run.startNanos) / 1e9, processCpu, truncated,
                (run.startNanos - started) / 1e9);
    }

    /** The longest a warm-up waits for the JIT compilers after its own time. */
    public static final double MAX_COMPILER_WAIT_SECONDS = 120;

    /** Compiler CPU in a second that counts as quiet: 2 ms, or 1% of what the benchmark's threads used. */
    private static boolean quiet(long compilerNanos, long benchmarkNanos) {
        return compilerNanos <= Math.max(2_000_000, benchmarkNanos / 100);
    }

    /** Returns when the warm-up time has passed (and the compilers are quiet), or a thread failed. */
    private static void waitForWarmth(Run run, Thread[] running, long started, double warmupSeconds,
                                      boolean untilCompiled) throws InterruptedException {
        long end = started + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < end && !run.failed) {
            Thread.sleep(Math.max(1, Math.min(50, (end - System.nanoTime()) / 1_000_000)));
        }
        long compiler = untilCompiled ? Machine.compilerCpuNanos() : -1;
        if (compiler < 0) {
            return;
        }
        long[] ids = new long[running.length];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = running[t].getId();
        }
        long cap = System.nanoTime() + (long) (MAX_COMPILER_WAIT_SECONDS * 1e9);
        long bench = threadsCpuNanos(ids);
        while (!run.failed && System.nanoTime() < cap) {
            Thread.sleep(1000);
            long c = Machine.compilerCpuNanos();
            long b = threadsCpuNanos(ids);
            if (c < 0 || quiet(c - compiler, b - bench)) {
                return;
            }
            compiler = c;
            bench = b;
        }
    }

    private static long threadsCpuNanos(long[] ids) {
        long sum = 0;
        for (long id : ids) {
            sum += Math.max(0, THREADS.getThreadCpuTime(id));
        }
        return sum;
    }

    /** CPU time of every thread of this process so far, or -1 when the JVM does not tell. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    /** Thread t's batch of {@code engine}: its own session and seeded input ({@code seed + t}). */
    public static IntFunction<Batch> engine(Engine engine, int batch, int height, int width, long seed) {
        return t -> {
            Session session = engine.newSession(batch, height, width);
            float[] input = seededInput(batch * 3 * height * width, seed + t);
            return () -> session.run(input, batch)[0];
        };
    }

    /** Seeded random values in about the range of normalised pixels: the input every benchmark feeds a model. */
    public static float[] seededInput(int length, long seed) {
        float[] input = new float[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return input;
    }

    /** The start every thread waits for, set once by the barrier when the last thread has warmed up. */
    private static final class Run {
        final long measureNanos;
        final CyclicBarrier start;
        volatile long startNanos;
        volatile long startProcessCpuNanos;
        volatile long deadlineNanos;
        volatile boolean failed;
        /** Set when the warm-up is over: each thread then finishes its batch and waits for the common start. */
        volatile boolean warm;

        Run(int threads, long measureNanos) {
            this.measureNanos = measureNanos;
            start = new CyclicBarrier(threads, () -> {
                startProcessCpuNanos = processCpuNanos();
                startNanos = System.nanoTime();
                deadlineNanos = startNanos + measureNanos;
            });
        }
    }

    /** One thread: set-up and warm-up, then timed batches until the shared deadline. */
    private static final class Worker implements Runnable {
        private final Run run;
        private final IntFunction<Batch> setup;
        private final int index;
        long[] times = new long[0];
        long[] cpuTimes = new long[0];
        int count;
        long endNanos;
        Throwable error;
        float sink;

        Worker(Run run, IntFunction<Batch> setup, int index) {
            this.run = run;
            this.setup = setup;
            this.index = index;
        }

        @Override
        public void run() {
            Batch batch = null;
            try {
                batch = setup.apply(index);
                long fastest = Long.MAX_VALUE;
                do {
                    long t0 = System.nanoTime();
                    sink += batch.run();
                    fastest = Math.min(fastest, Math.max(1, System.nanoTime() - t0));
                } while (!run.warm && !run.failed);
                // Room for four times as many batches as the fastest warm-up batch allows.
                times = new long[(int) Math.min(MAX_SAMPLES, run.measureNanos / fastest * 4 + 1024)];
                cpuTimes = new long[times.length];
            } catch (Throwable e) {
                error = e;
                run.failed = true;
            }
            try {
                run.start.await();
            } catch (InterruptedException | BrokenBarrierException e) {
                error = error != null ? error : e;
                return;
            }
            if (run.failed || error != null) {
                return;
            }
            try {
                long deadline = run.deadlineNanos;
                long[] t = times;
                long[] c = cpuTimes;
                int n = 0;
                long t1;
                do {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    float v = batch.run();
                    t1 = System.nanoTime();
                    long c1 = THREADS.getCurrentThreadCpuTime();
                    sink += v;
                    c[n] = c1 - c0;
                    t[n++] = t1 - t0;
                } while (t1 < deadline && n < t.length && !run.failed);
                count = n;
                endNanos = t1;
            } catch (Throwable e) {
                error = e;
                run.failed = true;
            }
        }
    }
}
