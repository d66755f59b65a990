package dev.shufflespark.io.onnx;

import java.util.SplittableRandom;

/** The tolerance the ONNX tests share: max |difference| <= 1e-4 x max(1, max |reference|), and the same top-1. */
final class Compare {
    private Compare() {
    }

    static float[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** Null when {@code actual} matches {@code expected} ({@code rows} rows of {@code cols}), else why not. */
    static String mismatch(float[] expected, float[] actual, int rows, int cols, boolean top1) {
        int n = rows * cols;
        if (actual.length < n || expected.length < n) {
            return "expected " + n + " values, got " + actual.length + " and " + expected.length;
        }
        double maxAbs = 0;
        double maxDiff = 0;
        int worst = 0;
        for (int i = 0; i < n; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            double d = Math.abs((double) expected[i] - actual[i]);
            if (d > maxDiff || Double.isNaN(d)) {
                maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                worst = i;
            }
        }
        double tolerance = 1e-4 * Math.max(1, maxAbs);
        if (maxDiff > tolerance) {
            return "max |difference| " + maxDiff + " at " + worst + " (expected " + expected[worst] + ", got "
                    + actual[worst] + "), tolerance " + tolerance;
        }
        if (top1) {
            for (int r = 0; r < rows; r++) {
                int a = argmax(expected, r * cols, cols);
                int b = argmax(actual, r * cols, cols);
                if (a != b) {
                    return "row " + r + ": top-1 " + b + ", expected " + a;
                }
            }
        }
        return null;
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
