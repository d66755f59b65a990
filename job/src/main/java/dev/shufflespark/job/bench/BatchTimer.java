package dev.shufflespark.job.bench;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;

/**
 * The benchmarks' harness: times batches on T threads, each with its own work. Every thread sets up on its own
 * thread and warms up (for a while, and at least one batch); then all start together and time batches until a
 * shared deadline. Each batch's wall time is one sample; nothing is allocated while timing (room for the samples
 * is made after the warm-up, from its fastest batch).
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
     * @param nanos       every batch's wall time, sorted
     * @param wallSeconds from the common start to the last thread's last batch
     * @param truncated   a thread filled its room for samples and stopped early
     */
    public record Result(long[] nanos, double wallSeconds, boolean truncated) {
        public int batches() {
            return nanos.length;
        }

        public double medianNanos() {
            return Statistics.median(nanos);
        }

        public long minNanos() {
            return nanos[0];
        }
    }

    private BatchTimer() {
    }

    /**
     * Times {@code threads} threads; {@code setup} makes thread t's work, on thread t. Fails with the first error
     * of a thread (its cause), after every thread has stopped.
     */
    public static Result time(int threads, IntFunction<Batch> setup, double warmupSeconds, double seconds,
                              String threadName) throws ExecutionException, InterruptedException {
        long measureNanos = (long) (seconds * 1e9);
        Run run = new Run(threads, measureNanos);
        Worker[] workers = new Worker[threads];
        Thread[] running = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Worker(run, setup, t, (long) (warmupSeconds * 1e9));
            running[t] = new Thread(workers[t], threadName + "-" + t);
            running[t].start();
        }
        for (Thread thread : running) {
            thread.join();
        }
        for (Worker w : workers) {
            if (w.error != null) {
                throw new ExecutionException(w.error);
            }
        }
        int total = 0;
        long end = run.startNanos;
        boolean truncated = false;
        for (Worker w : workers) {
            total += w.count;
            end = Math.max(end, w.endNanos);
            truncated |= w.count == w.times.length;
        }
        long[] times = new long[total];
        int at = 0;
        for (Worker w : workers) {
            System.arraycopy(w.times, 0, times, at, w.count);
            at += w.count;
        }
        Arrays.sort(times);
        return new Result(times, (end - run.startNanos) / 1e9, truncated);
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
        volatile long deadlineNanos;
        volatile boolean failed;

        Run(int threads, long measureNanos) {
            this.measureNanos = measureNanos;
            start = new CyclicBarrier(threads, () -> {
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
        private final long warmupNanos;
        long[] times = new long[0];
        int count;
        long endNanos;
        Throwable error;
        float sink;

        Worker(Run run, IntFunction<Batch> setup, int index, long warmupNanos) {
            this.run = run;
            this.setup = setup;
            this.index = index;
            this.warmupNanos = warmupNanos;
        }

        @Override
        public void run() {
            Batch batch = null;
            try {
                batch = setup.apply(index);
                long fastest = Long.MAX_VALUE;
                long warmupEnd = System.nanoTime() + warmupNanos;
                long now;
                do {
                    long t0 = System.nanoTime();
                    sink += batch.run();
                    now = System.nanoTime();
                    fastest = Math.min(fastest, Math.max(1, now - t0));
                } while (now < warmupEnd);
                // Room for four times as many batches as the fastest warm-up batch allows.
                times = new long[(int) Math.min(MAX_SAMPLES, run.measureNanos / fastest * 4 + 1024)];
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
                int n = 0;
                long t1;
                do {
                    long t0 = System.nanoTime();
                    float v = batch.run();
                    t1 = System.nanoTime();
                    sink += v;
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
