package dev.shufflespark.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StageHistogramTest {

    @Test
    void quantilesOfMergedPartsMatchTheExactOnesWithinTheBucketWidth() throws Exception {
        Random r = new Random(3);
        double[] all = new double[10_000];
        StageHistogram a = new StageHistogram();
        StageHistogram b = new StageHistogram();
        for (int i = 0; i < all.length; i++) {
            all[i] = Math.exp(r.nextGaussian() * 2); // milliseconds spread over several decades
            (i % 3 == 0 ? a : b).add(all[i]);
        }
        StageHistogram merged = new StageHistogram();
        merged.merge(copy(a)); // as the driver gets them: serialized, sparse
        merged.merge(copy(b));
        assertEquals(all.length, merged.total());
        // merged in the JVM that filled them, never serialized: the same counts
        StageHistogram local = new StageHistogram();
        local.merge(a);
        local.merge(b);
        assertEquals(all.length, local.total());
        assertEquals(merged.quantile(0.5), local.quantile(0.5));
        Arrays.sort(all);
        for (double q : new double[] {0.01, 0.5, 0.95, 0.99, 1.0}) {
            double exact = all[(int) Math.ceil(q * all.length) - 1];
            double got = merged.quantile(q);
            assertTrue(Math.abs(got - exact) <= 0.0076 * exact, q + ": " + got + " vs " + exact);
        }
    }

    @Test
    void emptyAndTinyValues() {
        StageHistogram h = new StageHistogram();
        assertTrue(Double.isNaN(h.quantile(0.5)));
        h.add(0);
        h.add(1e-7);
        assertEquals(0.0, h.quantile(1.0));
    }

    private static StageHistogram copy(StageHistogram h) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(h);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (StageHistogram) in.readObject();
        }
    }
}
