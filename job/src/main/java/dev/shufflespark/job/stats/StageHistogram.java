package dev.shufflespark.job.stats;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Milliseconds of one stage over many images, in logarithmic buckets 1.5% wide (1 microsecond to 11 days),
 * so that partitions can be merged on the driver and percentiles read off within 0.75% of the true value.
 * Kept sparse: a partition sends only the buckets it used.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.NONE, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class StageHistogram implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final double MIN_MS = 1e-3;
    private static final double GROWTH = 1.015;
    private static final double LOG_GROWTH = Math.log(GROWTH);
    private static final int BUCKETS = 1 + (int) Math.ceil(Math.log(1e9 / MIN_MS) / LOG_GROWTH);

    private int[] index = new int[0];
    private long[] count = new long[0];
    private transient long[] dense;

    public StageHistogram() {
    }

    /** A histogram from its used buckets and their counts, as {@link #usedBuckets()} and {@link #counts()} give. */
    @JsonCreator
    public static StageHistogram of(@JsonProperty("buckets") int[] buckets, @JsonProperty("counts") long[] counts) {
        if (buckets == null || counts == null || buckets.length != counts.length) {
            throw new IllegalArgumentException("a histogram needs as many counts as buckets");
        }
        StageHistogram h = new StageHistogram();
        h.dense = new long[BUCKETS];
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] < 0 || buckets[i] >= BUCKETS || counts[i] < 0) {
                throw new IllegalArgumentException("bucket " + buckets[i] + " count " + counts[i] + " out of range");
            }
            h.dense[buckets[i]] += counts[i];
        }
        return h;
    }

    /** The buckets that hold values, ascending (for storing). */
    @JsonProperty("buckets")
    public int[] usedBuckets() {
        compact();
        return index.clone();
    }

    /** The count of each of {@link #usedBuckets()}. */
    @JsonProperty("counts")
    public long[] counts() {
        compact();
        return count.clone();
    }

    /** Adds one value (milliseconds, 0 and up). */
    public void add(double ms) {
        if (dense == null) {
            dense = expand();
        }
        dense[bucket(ms)]++;
    }

    /** Adds every value of {@code other}. */
    public void merge(StageHistogram other) {
        if (dense == null) {
            dense = expand();
        }
        if (other.dense != null) {
            // not sent yet (merged in the JVM that filled it): its values are still in the dense form
            for (int b = 0; b < dense.length; b++) {
                dense[b] += other.dense[b];
            }
            return;
        }
        for (int i = 0; i < other.index.length; i++) {
            dense[other.index[i]] += other.count[i];
        }
    }

    /** Values counted. */
    public long total() {
        long[] d = dense != null ? dense : expand();
        long n = 0;
        for (long c : d) {
            n += c;
        }
        return n;
    }

    /** The value at quantile {@code q} (0..1), nearest rank; NaN when empty. */
    public double quantile(double q) {
        long[] d = dense != null ? dense : expand();
        long n = total();
        if (n == 0) {
            return Double.NaN;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int b = 0; b < d.length; b++) {
            seen += d[b];
            if (seen >= rank) {
                return value(b);
            }
        }
        return value(d.length - 1);
    }

    /**
     * Counts per bin {@code [edges[i], edges[i+1])} (milliseconds, ascending), each value taken at
     * its bucket's representative value; values below the first edge count in the first bin and
     * values at or above the last edge in the last.
     */
    public long[] binned(double[] edges) {
        long[] d = dense != null ? dense : expand();
        long[] bins = new long[Math.max(0, edges.length - 1)];
        if (bins.length == 0) {
            return bins;
        }
        for (int b = 0; b < d.length; b++) {
            if (d[b] == 0) {
                continue;
            }
            double v = value(b);
            int i = 0;
            while (i < bins.length - 1 && v >= edges[i + 1]) {
                i++;
            }
            bins[i] += d[b];
        }
        return bins;
    }

    static int bucket(double ms) {
        if (!(ms >= MIN_MS)) {
            return 0;
        }
        int b = 1 + (int) (Math.log(ms / MIN_MS) / LOG_GROWTH);
        return Math.min(b, BUCKETS - 1);
    }

    /** A bucket's representative value: the geometric middle of its range. */
    static double value(int bucket) {
        if (bucket == 0) {
            return 0;
        }
        return MIN_MS * Math.pow(GROWTH, bucket - 0.5);
    }

    private long[] expand() {
        long[] d = new long[BUCKETS];
        for (int i = 0; i < index.length; i++) {
            d[index[i]] += count[i];
        }
        return d;
    }

    /** Keeps only the used buckets, for sending. */
    private void compact() {
        if (dense == null) {
            return;
        }
        int used = 0;
        for (long c : dense) {
            used += c > 0 ? 1 : 0;
        }
        index = new int[used];
        count = new long[used];
        int j = 0;
        for (int b = 0; b < dense.length; b++) {
            if (dense[b] > 0) {
                index[j] = b;
                count[j++] = dense[b];
            }
        }
    }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        compact();
        out.defaultWriteObject();
    }

    @Override
    public String toString() {
        return "StageHistogram[n=" + total() + ", buckets=" + Arrays.toString(index) + "]";
    }
}
