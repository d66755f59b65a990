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

    private static float[] gaussian(int n, long seed) {
        float[] a = new float[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void warmUpChangesNoResultOfTheEngine() {
        Engine engine = engine("shufflenet_v1_g3_x0_25");
        Session task = engine.newSession(3, 80, 80);
        float[] input = gaussian(3 * 3 * 80 * 80, 11);
        float[] before = task.run(input, 3).clone();

        int runs = EngineCache.runWarmUp(engine, 3, 80, 80, Long.MAX_VALUE);
        assertTrue(runs >= 8 && runs <= 96, "runs: " + runs);

        // The same session, a new one and one of a new engine give the same bits as before the warm-up.
        assertArrayEquals(before, task.run(input, 3));
        assertArrayEquals(before, engine.newSession(3, 80, 80).run(input, 3));
        assertArrayEquals(before, engine("shufflenet_v1_g3_x0_25").newSession(3, 80, 80).run(input, 3));
    }

    @Test
    void warmUpStartsOncePerModelAndSize() throws InterruptedException {
        Engine engine = engine("shufflenet_v2_x0_5");
        Thread first = EngineCache.warmUp(engine, 2, 48, 48);
        assertNotNull(first);
        assertTrue(first.isDaemon());
        assertEquals(Thread.MIN_PRIORITY, first.getPriority());
        assertNull(EngineCache.warmUp(engine, 2, 48, 48), "the same model and sizes again");
        assertNull(EngineCache.warmUp(engine("shufflenet_v2_x0_5"), 2, 48, 48), "another engine of the same model");
        Thread other = EngineCache.warmUp(engine, 2, 64, 48);
        assertNotNull(other, "another size");
        Thread batch = EngineCache.warmUp(engine, 3, 48, 48);
        assertNotNull(batch, "another batch size");
        first.join(120_000);
        other.join(120_000);
        batch.join(120_000);
        assertFalse(first.isAlive());
        assertFalse(other.isAlive());
        assertFalse(batch.isAlive());
    }

    @Test
    void aDriversWarmUpStopsWhenTheTasksWorkBegins() throws InterruptedException {
        Thread t = EngineCache.warmUpUntilWork(engine("shufflenet_v1_g3_x1_0"), 4, 224, 224);
        assertNotNull(t);
        long begun = EngineCache.work();
        assertEquals(begun + 1, EngineCache.workBegins());
        t.join(120_000);
        assertFalse(t.isAlive());
        // and the one a task's engine starts does not stop for it
        Thread other = EngineCache.warmUp(engine("shufflenet_v2_x0_5"), 2, 32, 32);
        assertNotNull(other);
        assertEquals(0, EngineCache.runWarmUp(engine("shufflenet_v2_x0_5"), 1, 32, 32, begun),
                "stopped before its first run: the work began after the count it was given");
        other.join(120_000);
    }

    @Test
    void warmUpSettlesOnlyWhenTheLastRunsGainedLittle() {
        // still getting faster: the fastest of the last four is 20% below the fastest before them
        assertFalse(EngineCache.settled(new long[] {900, 500, 400, 100, 100, 100, 100, 80}, 8));
        assertFalse(EngineCache.settled(new long[] {900, 800, 700, 600, 500, 400, 300, 200}, 8));
        // the last four no more than 10% faster than the best before them, however slow each of them was
        assertTrue(EngineCache.settled(new long[] {900, 500, 100, 100, 150, 95, 200, 120}, 8));
        assertTrue(EngineCache.settled(new long[] {100, 100, 100, 100, 91, 100, 100, 100}, 8));
        assertFalse(EngineCache.settled(new long[] {100, 100, 100, 100, 89, 100, 100, 100}, 8));
        assertTrue(EngineCache.settled(new long[] {900, 100, 100, 100, 100, 100, 100, 100, 0, 0}, 8),
                "only the first n count");
    }

    @Test
    void warmUpCanBeTurnedOff() {
        withWarmUp("false", () -> {
            assertFalse(EngineCache.warmUpEnabled());
            assertNull(EngineCache.warmUp(engine("shufflenet_v1_g8_x0_5"), 1, 40, 40));
        });
        assertTrue(EngineCache.warmUpEnabled());
    }

    @Test
    void kernelWarmUpRunsSmallImagesAndChangesNoResult() {
        Engine engine = engine("shufflenet_v1_g3_x0_25");
        Session task = engine.newSession(3, 80, 80);
        float[] input = gaussian(3 * 3 * 80 * 80, 12);
        float[] before = task.run(input, 3).clone();

        assertEquals(15, EngineCache.runKernelWarmUp(engine, 3, 80, 80, Long.MAX_VALUE), "6 small runs, 9 at size");
        assertArrayEquals(before, task.run(input, 3));
        assertArrayEquals(before, engine.newSession(3, 80, 80).run(input, 3));

        long begun = EngineCache.workBegins();
        assertEquals(0, EngineCache.runKernelWarmUp(engine, 3, 80, 80, begun - 1), "stops once the tasks began");
    }

    @Test
    void pixelPassWarmUpEndsWhenTheWorkBeginsAndCanBeTurnedOff() throws InterruptedException {
        withWarmUp("false", () -> assertNull(EngineCache.warmUpPixelPassesUntilWork()));
        long work = EngineCache.work();
        Thread t = EngineCache.warmUpPixelPassesUntilWork();
        assertNotNull(t);
        assertTrue(t.isDaemon());
        EngineCache.workBegins();
        t.join(30_000);
        assertFalse(t.isAlive(), "still warming up after the work began");
        assertEquals(work + 1, EngineCache.work());
    }

    @Test
    void kernelWarmUpIsAModeOfItsOwn() {
        withWarmUp(EngineCache.KERNELS, () -> {
            assertTrue(EngineCache.kernelWarmUp());
            assertFalse(EngineCache.warmUpEnabled(), "no full warm-up and no rehearsal");
        });
        withWarmUp("false", () -> assertFalse(EngineCache.kernelWarmUp()));
        assertFalse(EngineCache.kernelWarmUp());
    }

    /** Runs {@code body} with the warm-up property set to {@code value}, then puts back what it was. */
    private static void withWarmUp(String value, Runnable body) {
        String old = System.getProperty(EngineCache.WARMUP_PROPERTY);
        System.setProperty(EngineCache.WARMUP_PROPERTY, value);
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(EngineCache.WARMUP_PROPERTY);
            } else {
                System.setProperty(EngineCache.WARMUP_PROPERTY, old);
            }
        }
    }
}
