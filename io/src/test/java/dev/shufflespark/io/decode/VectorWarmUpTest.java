package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.kernel.Simd;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link ImageDecoder#warmUpVectorPasses}: the calls asked of each of the three passes, and none once told to stop;
 * told mid-way, it stops at the next check (every 64 calls) and does not start the passes after.
 */
class VectorWarmUpTest {

    @Test
    void runsEachPassTheCallsAskedAndStopsWhenTold() {
        assumeTrue(Simd.enabled() && Simd.bits() >= 256, "no 256-bit Vector API");
        assertEquals(3 * 100, ImageDecoder.warmUpVectorPasses(100, () -> false));
        assertEquals(0, ImageDecoder.warmUpVectorPasses(100, () -> true));
        AtomicInteger checks = new AtomicInteger();
        // checked at calls 0, 64 and 128 of the first pass, true at the third check; then at call 0 of the others
        assertEquals(128, ImageDecoder.warmUpVectorPasses(1000, () -> checks.incrementAndGet() >= 3));
        assertEquals(5, checks.get());
    }
}
