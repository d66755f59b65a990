package dev.shufflespark.model.kernel;

import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Throwaway speed check of the pointwise and depthwise kernels on ShuffleNet v1 (g = 3) shapes,
 * vector vs scalar, one thread. Not a test and not a benchmark of record (that is JMH in bench/).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp model/target/classes:model/target/test-classes \
 *     dev.shufflespark.model.kernel.KernelSpeed [seconds-per-case [pointwise|depthwise]]
 * </pre>
 */
public final class KernelSpeed {

    private KernelSpeed() {
    }

    private interface Body {
        void run();
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 0.5;
        String only = args.length > 1 ? args[1] : "";
        System.out.printf("JDK %s, %s, %d cpus, kernel path %s, VectorKernels species %s%n",
                System.getProperty("java.version"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), Simd.description(), VectorKernels.species());
        if (!only.equals("depthwise")) {
            pointwiseTable(seconds);
        }
        if (!only.equals("pointwise")) {
            depthwiseTable(seconds);
        }
    }

    private static void pointwiseTable(double seconds) {
        int[][] pointwise = {
            // cin, cout, hw
            {240, 60, 784}, {60, 240, 784}, {80, 20, 784}, {20, 80, 784}, {24, 216, 3136},
            {160, 40, 196}, {40, 160, 196}, {480, 120, 196}, {120, 480, 196},
            {320, 80, 49}, {80, 320, 49}, {960, 240, 49}, {240, 960, 49}, {1000, 60, 3136},
        };
        System.out.println("pointwise  cin  cout   hw  residual  vector GFLOP/s  scalar GFLOP/s  ratio  vector B/call");
        for (int[] s : pointwise) {
            pointwise(s[0], s[1], s[2], false, seconds);
        }
        // In-place residual (out == res): the pixel tail cannot be recomputed overlapping.
        pointwise(20, 80, 49, true, seconds);
        pointwise(40, 160, 196, true, seconds);
        pointwise(60, 240, 784, true, seconds);
    }

    private static void depthwiseTable(double seconds) {
        int[][] depthwise = {
            // h, w, stride
            {56, 56, 1}, {28, 28, 1}, {14, 14, 1}, {7, 7, 1}, {56, 56, 2}, {28, 28, 2}, {14, 14, 2},
        };
        System.out.println("depthwise   h    w  s   vector Mpx/s  scalar Mpx/s  ratio  vector B/call");
        for (int[] s : depthwise) {
            depthwise(s[0], s[1], s[2], seconds);
        }
    }

    private static void pointwise(int cin, int cout, int hw, boolean residual, double seconds) {
        Random r = new Random(1);
        float[] w = fill(r, cin * cout);
        float[] bias = fill(r, cout);
        float[] in = fill(r, cin * hw);
        float[] out = new float[cout * hw];
        int[] inRows = rows(cin, hw);
        int[] outRows = rows(cout, hw);
        double flops = 2.0 * cin * cout * hw;
        // With the residual in place (and no ReLU) the outputs grow linearly from call to call;
        // harmless for timing, they stay far from overflow.
        float[] res = residual ? out : null;
        int[] resRows = residual ? outRows : null;
        Body vector = () -> VectorGemm.pointwise(w, 0, bias, 0, in, 0, inRows, out, 0, outRows,
                res, 0, resRows, cin, cout, hw, !residual);
        Body scalar = () -> ScalarKernels.pointwise(w, 0, bias, 0, in, 0, inRows, out, 0, outRows,
                res, 0, resRows, cin, cout, hw, !residual);
        double tv = time(vector, seconds);
        double ts = time(scalar, Math.min(seconds, 0.3));
        System.out.printf("          %4d  %4d  %4d  %-8s  %14.1f  %14.2f  %5.1f  %d%n", cin, cout, hw,
                residual ? "in place" : "none",
                flops / tv / 1e9, flops / ts / 1e9, ts / tv, allocated(vector));
    }

    private static void depthwise(int h, int width, int stride, double seconds) {
        Random r = new Random(2);
        float[] w = fill(r, 9);
        float[] in = fill(r, h * width);
        float[] out = new float[h * width];
        int oh = (h - 1) / stride + 1;
        int ow = (width - 1) / stride + 1;
        Body vector = () -> VectorDepthwise.depthwise3x3(w, 0, 0.5f, in, 0, h, width, out, 0, stride, true);
        Body scalar = () -> ScalarKernels.depthwise3x3(w, 0, 0.5f, in, 0, h, width, out, 0, stride, true);
        double tv = time(vector, seconds);
        double ts = time(scalar, seconds);
        System.out.printf("          %4d %4d  %d   %12.0f  %12.0f  %5.1f  %d%n", h, width, stride,
                oh * ow / tv / 1e6, oh * ow / ts / 1e6, ts / tv, allocated(vector));
    }

    /** Seconds per call: warm up (long enough for C2: Vector API code is very slow until then), then the best of several timed batches. */
    private static double time(Body body, double seconds) {
        long t0 = System.nanoTime();
        int calls = 0;
        while (System.nanoTime() - t0 < 1_500_000_000L || calls < 2000) {
            body.run();
            calls++;
        }
        double perCall = (System.nanoTime() - t0) / 1e9 / calls;
        int batch = (int) Math.max(1, seconds / 10 / perCall);
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 10; rep++) {
            long t = System.nanoTime();
            for (int i = 0; i < batch; i++) {
                body.run();
            }
            best = Math.min(best, (System.nanoTime() - t) / 1e9 / batch);
        }
        return best;
    }

    /** Bytes allocated by one call after warm-up (should be 0). */
    private static long allocated(Body body) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 100; i++) {
            body.run();
        }
        return (mx.getThreadAllocatedBytes(id) - before) / 100;
    }

    private static float[] fill(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    private static int[] rows(int count, int hw) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = i * hw;
        }
        return rows;
    }
}
