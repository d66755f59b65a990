package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The harness of the benchmarks, on batches whose cost is known. */
class BatchTimerTest {

    @Test
    void everyThreadSetsUpOnItsOwnThreadWarmsUpAndTimesUntilTheDeadline() throws Exception {
        Set<String> setUpOn = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        BatchTimer.Result r = BatchTimer.time(3, t -> {
            setUpOn.add(Thread.currentThread().getName() + " " + t);
            return () -> {
                calls.incrementAndGet();
                Thread.sleep(2);
                return 1;
            };
        }, 0, 0.1, "timer-test");
        assertEquals(Set.of("timer-test-0 0", "timer-test-1 1", "timer-test-2 2"), setUpOn);
        assertEquals(calls.get() - 3, r.batches(), "one warm-up batch per thread, the rest timed");
        assertTrue(r.batches() >= 3, () -> r.batches() + " batches");
        for (int i = 1; i < r.batches(); i++) {
            assertTrue(r.nanos()[i - 1] <= r.nanos()[i], "sorted");
        }
        assertEquals(r.nanos()[0], r.minNanos());
        assertTrue(r.minNanos() >= 2_000_000, () -> r.minNanos() + " ns");
        assertEquals(Statistics.median(r.nanos()), r.medianNanos());
        assertTrue(r.wallSeconds() >= 0.1, () -> r.wallSeconds() + " s");
        // A sleeping thread uses next to no CPU: the CPU clock is the thread's, not the wall.
        assertEquals(r.batches(), r.cpuNanos().length);
        assertEquals(Statistics.median(r.cpuNanos()), r.medianCpuNanos());
        assertTrue(r.medianCpuNanos() < 1_000_000, () -> r.medianCpuNanos() + " ns of CPU for a 2 ms sleep");
    }

    @Test
    void aBusyBatchsCpuTimeIsAtMostItsWallTime() throws Exception {
        BatchTimer.Result r = BatchTimer.time(1, t -> () -> {
            double x = 0;
            for (int i = 0; i < 200_000; i++) {
                x += Math.sqrt(i);
            }
            return (float) x;
        }, 0.05, 0.1, "timer-test");
        for (int i = 0; i < r.batches(); i++) {
            assertTrue(r.cpuNanos()[i] > 0, "some CPU time");
        }
        // Both clocks run over the same interval; the CPU clock cannot count more than the wall (to its
        // granularity, well under a batch).
        assertTrue(r.cpuNanos()[r.batches() - 1] <= r.nanos()[r.batches() - 1] + 100_000, r::toString);
        assertTrue(r.medianCpuNanos() <= r.medianNanos() + 100_000, r::toString);
        assertTrue(r.processCpuNanos() > 0, () -> r.processCpuNanos() + " ns");
    }

    @Test
    void theWarmUpCanWaitForTheJitCompilers() throws Exception {
        // This JVM has compiled code by now, on the compiler threads the harness reads (Linux).
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
            assertTrue(Machine.compilerCpuNanos() > 0, () -> Machine.compilerCpuNanos() + " ns");
        }
        BatchTimer.Result r = BatchTimer.time(1, t -> () -> {
            Thread.sleep(1);
            return 0;
        }, 0.05, true, 0.05, "timer-test");
        // at least its own time, then whole seconds of watching the compilers, never more than the cap
        assertTrue(r.warmupSeconds() >= 0.05 && r.warmupSeconds() < 0.05 + BatchTimer.MAX_COMPILER_WAIT_SECONDS + 5,
                () -> r.warmupSeconds() + " s");
        assertTrue(r.batches() >= 1);
    }

    @Test
    void resultsAddUpAsOneSetOfSamples() {
        BatchTimer.Result a = new BatchTimer.Result(new long[] {1, 5}, new long[] {1, 4}, 1.0, 10, false, 2.0);
        BatchTimer.Result b = new BatchTimer.Result(new long[] {3}, new long[] {2}, 0.5, 7, false, 0.0);
        BatchTimer.Result sum = a.plus(b);
        assertEquals("[1, 3, 5]", java.util.Arrays.toString(sum.nanos()));
        assertEquals("[1, 2, 4]", java.util.Arrays.toString(sum.cpuNanos()));
        assertEquals(1.5, sum.wallSeconds());
        assertEquals(17, sum.processCpuNanos());
        assertEquals(3.0, sum.medianNanos());
        assertEquals(-1, a.plus(new BatchTimer.Result(new long[] {3}, new long[] {2}, 0.5, -1, true, 0.0))
                .processCpuNanos(), "unknown stays unknown");
    }

    @Test
    void aThreadsErrorEndsTheRunWithThatError() {
        IllegalStateException boom = new IllegalStateException("boom");
        ExecutionException e = assertThrows(ExecutionException.class, () -> BatchTimer.time(2, t -> () -> {
            if (t == 1) {
                throw boom;
            }
            Thread.sleep(1);
            return 0;
        }, 0, 30, "timer-test"));
        assertSame(boom, e.getCause());
    }

    @Test
    void seededInputIsRepeatableAndInRange() {
        float[] a = BatchTimer.seededInput(1000, 5);
        float[] b = BatchTimer.seededInput(1000, 5);
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        for (float v : a) {
            assertTrue(v >= -2 && v < 2, () -> Float.toString(v));
        }
    }
}
