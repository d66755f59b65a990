package dev.shufflespark.io.output;

import java.util.ArrayList;
import java.util.List;

/** The most probable classes of one image: softmax over its logits, then the k largest. */
public final class TopK {

    /** A class index and its softmax probability. */
    public record Prediction(int index, float probability) {
    }

    private TopK() {
    }

    /**
     * The {@code k} most probable of the {@code count} classes whose logits start at {@code logits[offset]},
     * most probable first; equal probabilities are ordered by class index. Returns fewer when
     * {@code count < k}.
     */
    public static List<Prediction> of(float[] logits, int offset, int count, int k) {
        return of(logits, offset, count, k, false);
    }

    /**
     * As {@link #of(float[], int, int, int)}; when {@code probabilities} is true the scores are already a
     * distribution (the model ends in a softmax) and are reported as they are, not softmaxed again.
     */
    public static List<Prediction> of(float[] logits, int offset, int count, int k, boolean probabilities) {
        if (count < 1 || k < 1) {
            throw new IllegalArgumentException("need count >= 1 and k >= 1, got count " + count + ", k " + k);
        }
        int n = Math.min(k, count);
        int[] best = new int[n];
        int filled = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            float v = logits[offset + i];
            max = Math.max(max, v);
            // Insertion into the sorted best[0..filled): strictly greater moves up, so ties keep index order.
            int pos = filled;
            while (pos > 0 && v > logits[offset + best[pos - 1]]) {
                pos--;
            }
            if (pos < n) {
                int last = Math.min(filled, n - 1);
                System.arraycopy(best, pos, best, pos + 1, last - pos);
                best[pos] = i;
                filled = Math.min(filled + 1, n);
            }
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        List<Prediction> result = new ArrayList<>(n);
        for (int i : best) {
            float p = probabilities ? logits[offset + i] : (float) (Math.exp(logits[offset + i] - max) / sum);
            result.add(new Prediction(i, p));
        }
        return result;
    }
}
