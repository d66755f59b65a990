package dev.shufflespark.job.progress;

import dev.shufflespark.io.source.InputList;

/**
 * How many inputs the next unit takes. A crash loses the units in flight, so a unit holds about
 * {@link Options#seconds()} of the cluster's work or {@link Options#share()} of the attempt's bytes, whichever is
 * larger; or a fixed count of inputs. The cluster's speed is measured as the run goes (bytes of committed units
 * per second of work); until the first unit commits it is taken to be {@link #ASSUMED_BYTES_PER_CORE_SECOND} per
 * core, a slow guess (a core classifies 20 to 250 ImageNet-sized photos a second). A unit holds at least one
 * input per core, so that it keeps every core busy, and a tar shard whole. An input whose length is not known
 * (a path of a list file) weighs {@link #ASSUMED_BYTES_PER_INPUT}; as the speed is measured in the same weights,
 * what that guess is matters only until the first unit commits.
 */
public final class UnitSizer {

    /**
     * The unit size settings.
     *
     * @param seconds seconds of the cluster's work a unit may hold
     * @param share   share of the attempt's input bytes a unit may hold (0..1)
     * @param inputs  a fixed number of inputs per unit, or 0 to size units by {@code seconds} and {@code share}
     */
    public record Options(double seconds, double share, int inputs) {
        public Options {
            if (!(seconds > 0) || !(share > 0 && share <= 1) || inputs < 0) {
                throw new IllegalArgumentException("unit size: seconds > 0, share in (0, 1], inputs >= 0; got "
                        + seconds + ", " + share + ", " + inputs);
            }
        }

        public static Options defaults() {
            return new Options(60, 0.02, 0);
        }
    }

    /** The speed assumed before the first unit commits: 256 KiB of input per second and core. */
    public static final long ASSUMED_BYTES_PER_CORE_SECOND = 256 << 10;

    /** What an input of unknown length weighs: 256 KiB, a photo of a few megapixels. */
    public static final long ASSUMED_BYTES_PER_INPUT = 256 << 10;

    private final Options options;
    private final long totalBytes;
    private final int cores;
    private long committedBytes;
    private long workStartedNanos;

    /** What an input of {@code length} bytes (-1: not known) weighs. */
    public static long weight(long length) {
        return length >= 0 ? length : ASSUMED_BYTES_PER_INPUT;
    }

    /** The weight of {@code inputs[from, to)}. */
    public static long weight(InputList inputs, int from, int to) {
        long w = 0;
        for (int i = from; i < to; i++) {
            w += weight(inputs.length(i));
        }
        return w;
    }

    /** For an attempt of inputs weighing {@code totalBytes} (see {@link #weight}) on {@code cores} cores. */
    public UnitSizer(Options options, long totalBytes, int cores) {
        this.options = options;
        this.totalBytes = totalBytes;
        this.cores = Math.max(1, cores);
    }

    /** The work began (the first unit was submitted). */
    public void started(long nanos) {
        workStartedNanos = nanos;
    }

    /** A unit weighing {@code bytes} committed. */
    public void committed(long bytes) {
        committedBytes += bytes;
    }

    /** Bytes of committed units per second of work so far; 0 before the first commit. */
    public double bytesPerSecond(long nowNanos) {
        double s = (nowNanos - workStartedNanos) / 1e9;
        return committedBytes == 0 || s <= 0 ? 0 : committedBytes / s;
    }

    /** The byte budget of a unit submitted at {@code nowNanos}. */
    public long budget(long nowNanos) {
        double rate = bytesPerSecond(nowNanos);
        if (rate == 0) {
            rate = (double) ASSUMED_BYTES_PER_CORE_SECOND * cores;
        }
        return (long) Math.max(options.share() * totalBytes, rate * options.seconds());
    }

    /** The end (exclusive) of the unit that starts at {@code inputs[from]}, submitted at {@code nowNanos}. */
    public int end(InputList inputs, int from, long nowNanos) {
        int n = inputs.size();
        if (options.inputs() > 0) {
            return (int) Math.min(n, (long) from + options.inputs());
        }
        long budget = budget(nowNanos);
        long bytes = 0;
        int i = from;
        while (i < n && (i - from < cores || bytes + weight(inputs.length(i)) <= budget)) {
            bytes += weight(inputs.length(i));
            i++;
        }
        return i;
    }
}
