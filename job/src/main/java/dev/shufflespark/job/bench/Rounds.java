package dev.shufflespark.job.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.IntFunction;

/**
 * Configurations timed in turns: A B A B ..., so that a change in the machine's load while a benchmark runs
 * falls on every configuration alike instead of on whichever ran last. Each configuration warms up once before
 * the first round (optionally until the JIT compilers are quiet, see {@link BatchTimer}); in each round it runs one untimed batch per thread (which brings its data back into the
 * caches the others used) and is then timed by {@link BatchTimer} for its share of the time. Each thread's work
 * is made once, on the thread that first runs it, and kept for the later rounds.
 */
public final class Rounds {

    /**
     * One configuration: a name, its thread count and each thread's work.
     *
     * @param setup makes thread t's work; called once per thread, before the first round
     */
    public record Contender(String name, int threads, IntFunction<BatchTimer.Batch> setup) {
    }

    /**
     * What one configuration measured.
     *
     * @param all    the samples of every round as one {@link BatchTimer.Result}
     * @param rounds each round's own result, in order
     */
    public record Timed(Contender contender, BatchTimer.Result all, List<BatchTimer.Result> rounds) {
    }

    private Rounds() {
    }

    /**
     * Times every contender in {@code rounds} rounds, each round running them in the order given, each for
     * {@code seconds / rounds}; the first round of each is preceded by {@code warmupSeconds} of warm-up, and
     * with {@code untilCompiled} by as much more as the JIT compilers need. Fails with the first error of a
     * thread (its cause).
     */
    public static List<Timed> time(List<Contender> contenders, int rounds, double warmupSeconds,
                                   boolean untilCompiled, double seconds, String threadName) throws ExecutionException, InterruptedException {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        List<IntFunction<BatchTimer.Batch>> kept = new ArrayList<>();
        List<List<BatchTimer.Result>> results = new ArrayList<>();
        for (Contender c : contenders) {
            BatchTimer.Batch[] made = new BatchTimer.Batch[c.threads()];
            // Rounds run one after the other and join their threads, so thread t of a later round sees made[t].
            kept.add(t -> made[t] != null ? made[t] : (made[t] = c.setup().apply(t)));
            results.add(new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < contenders.size(); i++) {
                Contender c = contenders.get(i);
                results.get(i).add(BatchTimer.time(c.threads(), kept.get(i), r == 0 ? warmupSeconds : 0,
                        r == 0 && untilCompiled, seconds / rounds, threadName + "-" + i));
            }
        }
        List<Timed> timed = new ArrayList<>();
        for (int i = 0; i < contenders.size(); i++) {
            List<BatchTimer.Result> each = results.get(i);
            BatchTimer.Result all = each.get(0);
            for (int r = 1; r < each.size(); r++) {
                all = all.plus(each.get(r));
            }
            timed.add(new Timed(contenders.get(i), all, List.copyOf(each)));
        }
        return timed;
    }
}
