package dev.shufflespark.job.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.shufflespark.io.source.InputList;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.io.source.InputPartitioner;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.progress.DoneInputs;
import dev.shufflespark.job.progress.InputSpan;
import dev.shufflespark.job.progress.UnitRecord;
import dev.shufflespark.job.progress.UnitSizer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.hadoop.conf.Configuration;

/**
 * What the driver pays to list and plan a run of many inputs named by list files, measured in this JVM with the
 * job's own code: {@link InputLister} (no question to the file system per listed path), the units of work as
 * {@link UnitSizer} cuts them with its default settings, each unit's {@link InputSpan} and its
 * {@link InputPartitioner} plan, every partition serialized as it travels to its task (Java serialization, as
 * Spark ships a task's partition), and a resume's split ({@link DoneInputs}) with half of the units committed.
 * The job plans a unit when it submits it; this plans them all at once, which holds no more than the job holds
 * (the unit records and the listing), and takes at least as long.
 *
 * <p>The list files are synthetic ({@code --inputs} relative paths of about 45 bytes, the files need not exist),
 * written once into the folder and reused. The peak heap is the most the heap held just before any garbage
 * collection or at the end; the retained heap is what stays after a full collection with the listing and the
 * unit records still held.
 */
public final class PlanBench {

    /** Bumped when the list files this class writes change. */
    static final int VERSION = 1;

    /**
     * @param inputs paths in all list files
     * @param lists  list files they are spread over
     * @param cores  the cluster's cores, for the unit sizes and the minimum partitions per unit
     * @param dir    where the list files are (written when missing)
     */
    public record Settings(long inputs, int lists, int cores, Path dir) {
        public Settings {
            if (inputs < 1 || inputs > Integer.MAX_VALUE - 8 || lists < 1 || lists > inputs || cores < 1) {
                throw new IllegalArgumentException("inputs 1.." + (Integer.MAX_VALUE - 8) + ", lists 1..inputs and "
                        + "cores >= 1, got " + inputs + ", " + lists + ", " + cores);
            }
        }
    }

    /**
     * @param inputs          inputs listed
     * @param pathBytes       bytes of their paths (UTF-8, as qualified)
     * @param listSeconds     listing the list files into an {@link InputList}
     * @param listCpuSeconds  of which this thread's CPU time (the rest: waiting for a core, reading, collecting)
     * @param planSeconds     cutting units, their spans and partition plans, serializing every partition
     * @param planCpuSeconds  of which this thread's CPU time
     * @param resumeSeconds   splitting the listing against half of the units, as a resume does
     * @param units           units of work
     * @param partitions      partitions (tasks) of all units
     * @param maxTaskBytes    the largest serialized partition
     * @param taskBytes       all serialized partitions together
     * @param maxTaskInputs   inputs of the largest partition
     * @param retainedBytes   heap used after a full collection, listing and unit records held
     * @param peakHeapBytes   the most heap used before a collection or at the end
     * @param maxHeapBytes    the heap's limit ({@code -Xmx})
     */
    public record Result(long inputs, long pathBytes, double listSeconds, double listCpuSeconds, double planSeconds,
                         double planCpuSeconds, double resumeSeconds,
                         int units, int partitions, long maxTaskBytes, long taskBytes, int maxTaskInputs,
                         long retainedBytes, long peakHeapBytes, long maxHeapBytes) {

        /** One line for the terminal and the README. */
        public String describe() {
            return String.format(Locale.ROOT, "%,d inputs (%.1f bytes of path each): listed in %.1f s (CPU %.1f s), "
                    + "%d units and %,d partitions planned and serialized in %.1f s (CPU %.1f s; largest task %,d "
                    + "bytes for %d inputs, %.1f bytes per input), resume split in %.1f s; heap: peak %.0f MB, "
                    + "retained %.0f MB (%.1f bytes per input), limit %.0f MB", inputs, (double) pathBytes / inputs,
                    listSeconds, listCpuSeconds, units, partitions, planSeconds, planCpuSeconds, maxTaskBytes,
                    maxTaskInputs, (double) taskBytes / inputs,
                    resumeSeconds, peakHeapBytes / 1e6, retainedBytes / 1e6, (double) retainedBytes / inputs,
                    maxHeapBytes / 1e6);
        }
    }

    private PlanBench() {
    }

    /** Writes the list files (unless the folder already has them), then lists and plans them. */
    public static Result run(Settings s, PrintWriter log) throws IOException {
        List<String> lists = ensureLists(s, log);
        System.gc();
        HeapWatch heap = HeapWatch.start();
        try {
            java.lang.management.ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            InputList listing = InputLister.list(lists, new Configuration(), ListingOptions.defaults());
            long t1 = System.nanoTime();
            long c1 = cpu.getCurrentThreadCpuTime();
            log.printf(Locale.ROOT, "bench plan: listed %,d inputs in %.1f s%n", listing.size(), (t1 - t0) / 1e9);

            UnitSizer sizer = new UnitSizer(UnitSizer.Options.defaults(), UnitSizer.weight(listing, 0,
                    listing.size()), s.cores());
            sizer.started(t1);
            InputPartitioner.Options partitioning = InputPartitioner.Options.from(Map.<String, String>of()::get,
                    2 * s.cores());
            List<UnitRecord> units = new ArrayList<>();
            CountingStream counter = new CountingStream();
            int partitions = 0;
            long maxTask = 0;
            int maxTaskInputs = 0;
            for (int from = 0; from < listing.size(); ) {
                int to = sizer.end(listing, from, t1); // the unit sizes before any commit: the smallest
                InputList unit = listing.subList(from, to);
                InputPartitioner.Plan plan = InputPartitioner.plan(unit, partitioning);
                for (InputPartition p : plan.partitions()) {
                    long bytes = counter.serialized(p);
                    if (bytes > maxTask) {
                        maxTask = bytes;
                        maxTaskInputs = p.files().size();
                    }
                }
                units.add(new UnitRecord(units.size(), "bench", InputSpan.of(listing, from, to), to - from, partitions,
                        plan.partitions().size(), 0, 0, false, List.of()));
                partitions += plan.partitions().size();
                from = to;
            }
            long t2 = System.nanoTime();
            long c2 = cpu.getCurrentThreadCpuTime();
            log.printf(Locale.ROOT, "bench plan: %d units, %,d partitions in %.1f s%n", units.size(), partitions,
                    (t2 - t1) / 1e9);

            DoneInputs.Split split = DoneInputs.split(listing, units.subList(0, units.size() / 2), u -> {
                throw new IllegalStateException("every unit's span should be found in the listing");
            });
            long t3 = System.nanoTime();
            long expectDone = 0;
            for (UnitRecord u : units.subList(0, units.size() / 2)) {
                expectDone += u.inputs().count();
            }
            if (split.done() != expectDone || split.left().size() != listing.size() - expectDone) {
                throw new IllegalStateException("the resume split found " + split.done() + " inputs done, not "
                        + expectDone);
            }
            long retained = heap.retained();
            Result r = new Result(listing.size(), listing.pathBytes(), (t1 - t0) / 1e9, (c1 - c0) / 1e9,
                    (t2 - t1) / 1e9, (c2 - c1) / 1e9, (t3 - t2) / 1e9, units.size(), partitions, maxTask, counter.total, maxTaskInputs, retained,
                    heap.peak(), Runtime.getRuntime().maxMemory());
            // Keep the listing, the units and the split alive to the end of the measurement.
            if (split.left().size() + units.size() + listing.size() < 0) {
                throw new AssertionError();
            }
            return r;
        } finally {
            heap.stop();
        }
    }

    /**
     * The list files of {@code s} in its folder: {@code lists} files, {@code inputs} lines over them, each a
     * relative path {@code 2024/camera-CC/dDDDDD/IMG_NNNNNNNNN.jpg} (1000 per folder). Kept when a stamp says
     * they were written with the same settings.
     */
    static List<String> ensureLists(Settings s, PrintWriter log) throws IOException {
        Files.createDirectories(s.dir());
        List<String> names = new ArrayList<>();
        for (int l = 0; l < s.lists(); l++) {
            names.add(s.dir().resolve(String.format(Locale.ROOT, "list-%03d.txt", l)).toString());
        }
        Path stamp = s.dir().resolve("lists.properties");
        String want = "version=" + VERSION + "\ninputs=" + s.inputs() + "\nlists=" + s.lists() + "\n";
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(want)) {
            return names;
        }
        Files.deleteIfExists(stamp);
        long t0 = System.nanoTime();
        long per = (s.inputs() + s.lists() - 1) / s.lists();
        byte[] line = new byte[64];
        for (int l = 0; l < s.lists(); l++) {
            long from = l * per;
            long to = Math.min(s.inputs(), from + per);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(names.get(l))), 1 << 20)) {
                for (long i = from; i < to; i++) {
                    int n = path(i, line);
                    out.write(line, 0, n);
                }
            }
        }
        Files.writeString(stamp, want);
        log.printf(Locale.ROOT, "bench plan: wrote %d list files of %,d paths in all into %s in %.1f s%n", s.lists(),
                s.inputs(), s.dir(), (System.nanoTime() - t0) / 1e9);
        return names;
    }

    /** Writes input {@code i}'s line (with its line feed) into {@code b}; its length. */
    static int path(long i, byte[] b) {
        String p = String.format(Locale.ROOT, "2024/camera-%02d/d%06d/IMG_%09d.jpg\n", i % 7, i / 1000, i);
        byte[] bytes = p.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, b, 0, bytes.length);
        return bytes.length;
    }

    /** An output stream that counts what Java serialization writes into it. */
    private static final class CountingStream extends OutputStream {
        long count;
        long total;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }

        long serialized(Object o) {
            count = 0;
            try (ObjectOutputStream out = new ObjectOutputStream(this)) {
                out.writeObject(o);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            total += count;
            return count;
        }
    }

    /** The most heap used before any collection while it watches, from the collectors' notifications. */
    private static final class HeapWatch {
        private final AtomicLong peak = new AtomicLong();
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final java.util.Set<String> heapPools = new java.util.HashSet<>();
        private final NotificationListener listener = (n, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                        (CompositeData) n.getUserData());
                long used = 0;
                for (Map.Entry<String, MemoryUsage> u : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
                    if (heapPools.contains(u.getKey())) {
                        used += u.getValue().getUsed();
                    }
                }
                peak.accumulateAndGet(used, Math::max);
            }
        };

        static HeapWatch start() {
            HeapWatch w = new HeapWatch();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    w.heapPools.add(pool.getName());
                }
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter e) {
                    e.addNotificationListener(w.listener, null, null);
                    w.emitters.add(e);
                }
            }
            return w;
        }

        /** Heap used after a full collection (the peak so far noted first). */
        long retained() {
            peak.accumulateAndGet(used(), Math::max);
            System.gc();
            return used();
        }

        long peak() {
            try {
                Thread.sleep(200); // the collectors' notifications arrive on a thread of their own
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Math.max(peak.get(), used());
        }

        private static long used() {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }

        void stop() {
            for (NotificationEmitter e : emitters) {
                try {
                    e.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already gone
                }
            }
        }
    }
}
