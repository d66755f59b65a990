package dev.shufflespark.io.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopKTest {

    @Test
    void mostProbableFirstTiesByIndex() {
        float[] logits = {9, 9, 1, 3, 2, 3, 0}; // the image's logits start at offset 2
        List<TopK.Prediction> top = TopK.of(logits, 2, 5, 3);

        assertEquals(3, top.size());
        assertEquals(1, top.get(0).index());
        assertEquals(3, top.get(1).index());
        assertEquals(2, top.get(2).index());
        double sum = Math.exp(1) + 2 * Math.exp(3) + Math.exp(2) + Math.exp(0);
        assertEquals(Math.exp(3) / sum, top.get(0).probability(), 1e-7);
        assertEquals(Math.exp(3) / sum, top.get(1).probability(), 1e-7);
        assertEquals(Math.exp(2) / sum, top.get(2).probability(), 1e-7);
    }

    @Test
    void largeLogitsDoNotOverflow() {
        float[] logits = {1000, 999, -1000};
        List<TopK.Prediction> top = TopK.of(logits, 0, 3, 5);

        assertEquals(3, top.size(), "no more predictions than classes");
        assertEquals(0, top.get(0).index());
        assertEquals(1 / (1 + Math.exp(-1)), top.get(0).probability(), 1e-6);
        assertEquals(2, top.get(2).index());
        assertEquals(0f, top.get(2).probability());
    }

    @Test
    void keepsTheLargestOfManyInOrder() {
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (i * 37) % 1000; // a permutation of 0..999
        }
        List<TopK.Prediction> top = TopK.of(logits, 0, 1000, 5);
        for (int rank = 0; rank < 5; rank++) {
            assertEquals(999 - rank, logits[top.get(rank).index()], "rank " + rank);
        }
    }

    @Test
    void probabilitiesAreNotSoftmaxedAgain() {
        float[] probs = {0.1f, 0.7f, 0.2f};
        List<TopK.Prediction> top = TopK.of(probs, 0, 3, 2, true);
        assertEquals(1, top.get(0).index());
        assertEquals(0.7f, top.get(0).probability());
        assertEquals(2, top.get(1).index());
        assertEquals(0.2f, top.get(1).probability());
    }
}
