package dev.shufflespark.job.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Session;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** The JIT warm-up of {@link EngineCache}: bounded, once per model and size, and without effect on results. */
class EngineCacheTest {

    private static Engine engine(String name) {
        return LoadedModel.load(name, new Configuration()).payload(Labels.imagenet().names()).newEngine();
    }

    @Test
    void warmUpChangesNoResultOfTheEngine() {
        Engine engine = engine("shufflenet_v1_g3_x0_25");
        Session task = engine.newSession(3, 80, 80);
        float[] input = new float[3 * 3 * 80 * 80];
        Random r = new Random(11);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        float[] before = task.run(input, 3).clone();

        int runs = EngineCache.runWarmUp(engine, 80, 80);
        assertTrue(runs >= 4 && runs <= 64, "runs: " + runs);

        // The same session, a new one and one of a new engine give the same bits as before the warm-up.
        assertArrayEquals(before, task.run(input, 3));
        assertArrayEquals(before, engine.newSession(3, 80, 80).run(input, 3));
        assertArrayEquals(before, engine("shufflenet_v1_g3_x0_25").newSession(3, 80, 80).run(input, 3));
    }

    @Test
    void warmUpStartsOncePerModelAndSize() throws InterruptedException {
        Engine engine = engine("shufflenet_v2_x0_5");
        Thread first = EngineCache.warmUp(engine, 48, 48);
        assertNotNull(first);
        assertTrue(first.isDaemon());
        assertEquals(Thread.MIN_PRIORITY, first.getPriority());
        assertNull(EngineCache.warmUp(engine, 48, 48), "the same model and size again");
        assertNull(EngineCache.warmUp(engine("shufflenet_v2_x0_5"), 48, 48), "another engine of the same model");
        Thread other = EngineCache.warmUp(engine, 64, 48);
        assertNotNull(other, "another size");
        first.join(120_000);
        other.join(120_000);
        assertFalse(first.isAlive());
        assertFalse(other.isAlive());
    }

    @Test
    void warmUpCanBeTurnedOff() {
        String old = System.getProperty(EngineCache.WARMUP_PROPERTY);
        System.setProperty(EngineCache.WARMUP_PROPERTY, "false");
        try {
            assertFalse(EngineCache.warmUpEnabled());
            assertNull(EngineCache.warmUp(engine("shufflenet_v1_g8_x0_5"), 40, 40));
        } finally {
            if (old == null) {
                System.clearProperty(EngineCache.WARMUP_PROPERTY);
            } else {
                System.setProperty(EngineCache.WARMUP_PROPERTY, old);
            }
        }
        assertTrue(EngineCache.warmUpEnabled());
    }
}
