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
