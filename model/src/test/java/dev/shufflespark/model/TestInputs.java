package dev.shufflespark.model;

import java.util.SplittableRandom;

/** Seeded inputs and the comparisons the engine tests share. */
public final class TestInputs {
    private TestInputs() {
    }

    /** Normal(0, 1) values, like a normalised image. */
    public static float[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    public static float maxAbs(float[] a, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(a[i]));
        }
        return m;
    }

    public static float maxAbsDiff(float[] a, float[] b, int n) {
        float m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    public static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
