package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one median the benchmarks use. */
class StatisticsTest {

    @Test
    void medianOfEvenCountsIsTheMeanOfTheMiddleTwo() {
        double[] values = {4, 1, 3, 2};
        assertEquals(2.5, Statistics.median(values));
        assertArrayEquals(new double[] {4, 1, 3, 2}, values, "the values are left as they are");
        assertEquals(3.0, Statistics.median(new double[] {5, 3, 1}));
        assertEquals(2.5, Statistics.median(new long[] {4, 1, 3, 2}));
        assertEquals(7.0, Statistics.median(new long[] {7}));
        assertEquals(1.5, Statistics.median(List.of(2.0, 1.0)));
        assertTrue(Double.isNaN(Statistics.median(new double[0])));
        assertTrue(Double.isNaN(Statistics.median(new long[0])));
    }
}
