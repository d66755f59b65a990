package dev.shufflespark.model.shufflenet;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Tensor;
import dev.shufflespark.model.Weights;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic weights for the built-in models. These are not trained: labels computed with them are
 * meaningless, and say so. They exist so that every model can be run, benchmarked and cross-checked.
 *
 * <p>Each tensor draws from its own {@link SplittableRandom} seeded with {@code seed ^ fnv1a64(name)}, so a
 * tensor's values do not depend on which other tensors exist:
 * <ul>
 *   <li>conv weights {@code [Cout, Cin/g, kH, kW]}: normal, std {@code sqrt(2 / (Cin/g * kH * kW))} (He);</li>
 *   <li>BatchNorm: {@code weight} uniform in [0.5, 1.5] ({@code [0.2, 0.6]} for the last BN of a residual
 *       branch, which keeps the sum of 16 units in range), {@code bias} normal with std 0.1,
 *       {@code running_mean} normal with std 0.1, {@code running_var} uniform in [0.5, 2]; every 7th channel
 *       has {@code running_var} in [0.25, 1] x eps and a {@code weight} scaled by {@code sqrt(eps)}, so that a
 *       BatchNorm fold that drops or misplaces eps changes the output;</li>
 *   <li>{@code fc.weight}: normal with std {@code 1/sqrt(in)}; {@code fc.bias}: normal with std 0.01.</li>
 * </ul>
 */
public final class SeededInit {
    public static final long DEFAULT_SEED = 20180707L;

    private SeededInit() {
    }

    public static Weights init(Map<String, int[]> shapes, long seed, float eps) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            tensors.put(e.getKey(), tensor(e.getKey(), e.getValue(), seed, eps));
        }
        return new Weights(tensors);
    }

    private static Tensor tensor(String name, int[] shape, long seed, float eps) {
        SplittableRandom r = new SplittableRandom(seed ^ fnv1a64(name));
        Tensor t = Tensor.zeros(shape);
        float[] d = t.data();
        if (shape.length == 4) {
            int fanIn = shape[1] * shape[2] * shape[3];
            double std = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextGaussian() * std);
            }
        } else if (name.equals("fc.weight")) {
            double std = 1.0 / Math.sqrt(shape[1]);
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextGaussian() * std);
            }
        } else if (name.equals("fc.bias")) {
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextGaussian() * 0.01);
            }
        } else if (name.endsWith(".weight")) {
            boolean lastOfBranch = isLastBatchNormOfBranch(name);
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (lastOfBranch ? r.nextDouble(0.2, 0.6) : r.nextDouble(0.5, 1.5));
                if (i % 7 == 3) {
                    d[i] *= (float) Math.sqrt(eps);
                }
            }
        } else if (name.endsWith(".bias") || name.endsWith(".running_mean")) {
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextGaussian() * 0.1);
            }
        } else if (name.endsWith(".running_var")) {
            for (int i = 0; i < d.length; i++) {
                d[i] = i % 7 == 3 ? (float) (r.nextDouble(0.25, 1.0) * eps) : (float) r.nextDouble(0.5, 2.0);
            }
        } else {
            throw new IllegalArgumentException("no initialisation rule for tensor '" + name + "'");
        }
        return t;
    }

    /** The BatchNorm that closes a residual branch: v1's {@code bn3}, V2's {@code branch2.6}. */
    private static boolean isLastBatchNormOfBranch(String name) {
        return name.endsWith(".bn3.weight") || name.endsWith(".branch2.6.weight");
    }

    static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
