package dev.shufflespark.io.source;

import dev.shufflespark.io.ConfigValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Splits listed inputs into task-sized partitions by file count and bytes, so that millions of small files
 * do not become millions of tasks and one huge folder does not become one task. Inputs stay in listing
 * order (neighbours in a folder share a partition); a tar shard is never split and counts as one file. An input
 * whose length is not known (a path of a list file) counts no bytes: such inputs are split by count. Partitions
 * are ranges of the inputs ({@link InputList#subList}), not copies.
 */
public final class InputPartitioner {

    public static final String MAX_FILES = "input.partition.max.files";
    public static final String MAX_BYTES = "input.partition.max.bytes";
    public static final int DEFAULT_MAX_FILES = 1000;
    public static final long DEFAULT_MAX_BYTES = 128L << 20;

    private InputPartitioner() {
    }

    /**
     * How to split.
     *
     * @param maxFiles      at most this many inputs per partition
     * @param maxBytes      at most this many bytes per partition (a single larger input gets its own)
     * @param minPartitions split finer, down to one input per partition, to give at least this many
     *                      partitions (the cluster's cores, say) when there are enough inputs
     */
    public record Options(int maxFiles, long maxBytes, int minPartitions) {
        public Options {
            if (maxFiles < 1 || maxBytes < 1 || minPartitions < 1) {
                throw new IllegalArgumentException(MAX_FILES + ", " + MAX_BYTES + " and the minimum partitions must"
                        + " be at least 1, got " + maxFiles + ", " + maxBytes + ", " + minPartitions);
            }
        }

        public static Options from(Function<String, String> lookup, int minPartitions) {
            return new Options(ConfigValues.intValue(lookup, MAX_FILES, DEFAULT_MAX_FILES),
                    ConfigValues.longValue(lookup, MAX_BYTES, DEFAULT_MAX_BYTES), minPartitions);
        }
    }

    /** The partitions and the limits that made them. */
    public record Plan(List<InputPartition> partitions, int files, long bytes, int filesPerPartition,
                       long bytesPerPartition) {

        /** One line for logs and summaries. */
        public String describe() {
            int largest = 0;
            for (InputPartition p : partitions) {
                largest = Math.max(largest, p.files().size());
            }
            return String.format(Locale.ROOT,
                    "%d inputs (%.1f MB) in %d partitions of at most %d inputs and %.1f MB (largest: %d inputs)",
                    files, bytes / 1e6, partitions.size(), filesPerPartition, bytesPerPartition / 1e6, largest);
        }
    }

    public static Plan plan(List<InputFile> files, Options options) {
        InputList inputs = InputList.of(files);
        int n = inputs.size();
        long total = inputs.knownBytes();
        int perFiles = (int) Math.max(1, Math.min(options.maxFiles(), ceilDiv(n, options.minPartitions())));
        long perBytes = Math.max(1, Math.min(options.maxBytes(), ceilDiv(total, options.minPartitions())));
        List<InputPartition> out = new ArrayList<>();
        int start = 0;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            long length = Math.max(0, inputs.length(i));
            if (i > start && (i - start + 1 > perFiles || bytes + length > perBytes)) {
                out.add(new InputPartition(out.size(), inputs.subList(start, i), bytes));
                start = i;
                bytes = 0;
            }
            bytes += length;
        }
        if (n > start) {
            // A remainder under half the target size (the targets are rounded up, so the greedy cuts leave one)
            // joins the partition before it when the hard limits allow: one task fewer, none of a few inputs.
            int last = out.size() - 1;
            if (last >= 0 && 2 * (n - start) < perFiles && 2 * bytes < perBytes
                    && out.get(last).files().size() + (n - start) <= options.maxFiles()
                    && out.get(last).bytes() + bytes <= options.maxBytes()) {
                InputPartition prev = out.remove(last);
                int prevStart = start - prev.files().size();
                out.add(new InputPartition(last, inputs.subList(prevStart, n), prev.bytes() + bytes));
            } else {
                out.add(new InputPartition(out.size(), inputs.subList(start, n), bytes));
            }
        }
        return new Plan(List.copyOf(out), n, total, perFiles, perBytes);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
