package dev.shufflespark.job;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.output.Committer;
import dev.shufflespark.job.stats.RunEvents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * What the phases of one attempt share: the session, the settings, the output folder and its committer, the
 * attempt's run id, the scheduler's events, the count of images done, and where progress lines go.
 */
record RunContext(SparkSession spark, JobConfig config, OutputFolder out, Committer committer, String runId,
                  RunEvents events, LongAccumulator imagesDone, Consumer<String> say) {

    /** Reads each of {@code keys} with {@code read}, a few at once (records on S3 are a request each). */
    <K, V> Map<K, V> readAll(List<K> keys, Function<K, V> read) {
        Map<K, V> values = new HashMap<>();
        if (keys.isEmpty()) {
            return values;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, keys.size()), daemonThreads("shufflespark-read"));
        try {
            Map<K, Future<V>> futures = new HashMap<>();
            for (K k : keys) {
                futures.put(k, pool.submit(() -> read.apply(k)));
            }
            for (Map.Entry<K, Future<V>> f : futures.entrySet()) {
                values.put(f.getKey(), f.getValue().get());
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new JobException(String.valueOf(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        return values;
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
