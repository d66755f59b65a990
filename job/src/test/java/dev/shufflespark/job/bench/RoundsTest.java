package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Configurations timed in turns. */
class RoundsTest {

    @Test
    void contendersTakeTurnsInEveryRoundAndKeepTheirWork() throws Exception {
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger setUpA = new AtomicInteger();
        AtomicInteger setUpB = new AtomicInteger();
        Rounds.Contender a = new Rounds.Contender("a", 1, t -> {
            setUpA.incrementAndGet();
            return () -> {
                record(ran, "a");
                Thread.sleep(1);
                return 0;
            };
        });
        Rounds.Contender b = new Rounds.Contender("b", 2, t -> {
            setUpB.incrementAndGet();
            return () -> {
                record(ran, "b");
                Thread.sleep(1);
                return 0;
            };
        });
        List<Rounds.Timed> timed = Rounds.time(List.of(a, b), 3, 0, false, 0.09, "rounds-test");

        assertEquals(1, setUpA.get(), "each thread's work is made once");
        assertEquals(2, setUpB.get(), "each thread's work is made once");
        // The runs of each contender, collapsed: a b a b a b.
        List<String> turns = new ArrayList<>();
        for (String s : ran) {
            if (turns.isEmpty() || !turns.get(turns.size() - 1).equals(s)) {
                turns.add(s);
            }
        }
        assertEquals(List.of("a", "b", "a", "b", "a", "b"), turns);
        assertEquals(2, timed.size());
        for (Rounds.Timed t : timed) {
            assertEquals(3, t.rounds().size());
            int batches = t.rounds().stream().mapToInt(BatchTimer.Result::batches).sum();
            assertEquals(batches, t.all().batches());
            double wall = t.rounds().stream().mapToDouble(BatchTimer.Result::wallSeconds).sum();
            assertEquals(wall, t.all().wallSeconds(), 1e-9);
        }
        assertSame(a, timed.get(0).contender());
        // every batch run, timed or warming up (one per thread and round), was recorded
        long aRuns = ran.stream().filter("a"::equals).count();
        assertEquals(timed.get(0).all().batches() + 3, aRuns);
        long bRuns = ran.stream().filter("b"::equals).count();
        assertEquals(timed.get(1).all().batches() + 3 * 2, bRuns);
    }

    @Test
    void aFailingContenderEndsTheRunWithItsError() {
        IllegalStateException boom = new IllegalStateException("boom");
        Rounds.Contender ok = new Rounds.Contender("ok", 1, t -> () -> 0);
        Rounds.Contender bad = new Rounds.Contender("bad", 1, t -> () -> {
            throw boom;
        });
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> Rounds.time(List.of(ok, bad), 2, 0, false, 0.02, "rounds-test"));
        assertSame(boom, e.getCause());
        assertThrows(IllegalArgumentException.class, () -> Rounds.time(List.of(ok), 0, 0, false, 1, "rounds-test"));
    }

    private static void record(List<String> ran, String name) {
        ran.add(name);
    }
}
