package dev.shufflespark.job.bench;

import java.util.Arrays;
import java.util.List;

/** The statistics the benchmarks report, each computed one way. */
public final class Statistics {
    private Statistics() {
    }

    /** The middle value, or the mean of the middle two of an even count; NaN when there are none. */
    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** {@link #median(double[])} of whole numbers, e.g. nanoseconds. */
    public static double median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    /** {@link #median(double[])} of a list. */
    public static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
