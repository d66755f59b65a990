package dev.shufflespark.job.ml;

import dev.shufflespark.io.output.TopK;
import java.util.List;

/** The {@code k} most probable classes of one image, from logits (softmax first) or from probabilities. */
final class TopClasses {
    final int[] index;
    final float[] probability;

    private TopClasses(int n) {
        index = new int[n];
        probability = new float[n];
    }

    /**
     * The best {@code k} of {@code count} outputs at {@code out[offset]}; most probable first, ties by index.
     * {@code probabilities} says the outputs already are probabilities (the model ends in a softmax).
     */
    static TopClasses of(float[] out, int offset, int count, int k, boolean probabilities) {
        if (!probabilities) {
            List<TopK.Prediction> best = TopK.of(out, offset, count, k);
            TopClasses t = new TopClasses(best.size());
            for (int i = 0; i < best.size(); i++) {
                t.index[i] = best.get(i).index();
                t.probability[i] = best.get(i).probability();
            }
            return t;
        }
        int n = Math.min(k, count);
        TopClasses t = new TopClasses(n);
        int filled = 0;
        for (int c = 0; c < count; c++) {
            float v = out[offset + c];
            int pos = filled;
            while (pos > 0 && v > t.probability[pos - 1]) {
                pos--;
            }
            if (pos < n) {
                int last = Math.min(filled, n - 1);
                System.arraycopy(t.index, pos, t.index, pos + 1, last - pos);
                System.arraycopy(t.probability, pos, t.probability, pos + 1, last - pos);
                t.index[pos] = c;
                t.probability[pos] = v;
                filled = Math.min(filled + 1, n);
            }
        }
        return t;
    }
}
