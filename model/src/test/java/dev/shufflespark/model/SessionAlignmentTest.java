package dev.shufflespark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.shufflespark.model.plan.Graph;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionAlignmentTest {

    @Test
    void slotsStartOnWholeCacheLinesFromTheGivenElementAfterTheMargin() {
        SlotLayout l = SlotLayout.allocate(new long[] {0, 100, 33, 784, 1}, 20, 12, 0);
        assertTrue(l.aligned);
        assertArrayEquals(new int[] {0, 12 + 32, 12 + 32 + 112 + 32, 12 + 2 * 32 + 112 + 48 + 32,
            12 + 3 * 32 + 112 + 48 + 784 + 32}, l.offsets);
        assertEquals(12 + 4 * 32 + 112 + 48 + 784 + 16 + 20, l.floats);
        assertSame(l.slots[1], l.slots[4]);
        assertEquals(l.floats, l.slots[1].length);
    }

    @Test
    void paddingToTheHumongousSizeIsBoundedByTheData() {
        SlotLayout padded = SlotLayout.allocate(new long[] {0, 512, 512}, 0, 12, 2000);
        assertTrue(padded.aligned);
        assertEquals(2000, padded.slots[1].length);
        SlotLayout plain = SlotLayout.allocate(new long[] {0, 512, 512}, 7, 12, 3000);
        assertFalse(plain.aligned);
        assertArrayEquals(new int[] {0, 7, 7}, plain.offsets);
        assertNotSame(plain.slots[1], plain.slots[2]);
        assertEquals(7 + 512 + 7, plain.slots[2].length);
        assertEquals(2 * (7 + 512 + 7), plain.floats);
    }

    /** The same image gives the same logits, bit for bit, at every place in a batch. */
    @ParameterizedTest
    @CsvSource({"shufflenet_v1_g3_x1_0, 224, true", "shufflenet_v2_x1_0, 160, true",
        "shufflenet_v1_g3_x1_0, 224, false", "shufflenet_v2_x0_5, 96, false"})
    void anImagesLogitsDoNotDependOnItsPlaceInTheBatch(String name, int size, boolean align) {
        Engine engine = Model.builtin(name).engine();
        int image = 3 * size * size;
        float[] one = TestInputs.gaussian(image, 23);
        float[] three = new float[3 * image];
        for (int n = 0; n < 3; n++) {
            System.arraycopy(one, 0, three, n * image, image);
        }
        float[] logits = new Session(engine, engine.program(size, size), 3, align).run(three, 3);
        int classes = engine.numClasses();
        float[] first = Arrays.copyOfRange(logits, 0, classes);
        assertArrayEquals(first, Arrays.copyOfRange(logits, classes, 2 * classes));
        assertArrayEquals(first, Arrays.copyOfRange(logits, 2 * classes, 3 * classes));
    }

    /**
     * Under G1, a real session's slots share one humongous array, each slot's data at a 64-byte aligned element;
     * its logits and kept features equal those of a session on plain arrays, bit for bit.
     */
    @ParameterizedTest
    @CsvSource({"shufflenet_v1_g3_x1_0, 1, 224", "shufflenet_v1_g3_x1_0, 3, 224", "shufflenet_v2_x1_0, 2, 224",
        "shufflenet_v2_x1_0, 4, 160"})
    void alignedSessionGivesTheSameResultsAsPlainArrays(String name, int batch, int size) throws Exception {
        assumeTrue(SlotLayout.REGION_BYTES > 0, "the JVM does not run G1");
        int base = Class.forName("sun.misc.Unsafe").getField("ARRAY_FLOAT_BASE_OFFSET").getInt(null);
        Engine engine = Model.builtin(name).engine(true);
        Session aligned = new Session(engine, engine.program(size, size), batch, true);
        Session plain = new Session(engine, engine.program(size, size), batch, false);

        assertTrue(aligned.alignedSlots());
        assertFalse(plain.alignedSlots());
        int[] offsets = aligned.slotOffsets();
        assertEquals(0, offsets[0]);
        for (int s = 1; s < offsets.length; s++) {
            assertEquals(0, (base + 4L * offsets[s]) % 64, "slot " + s + " at element " + offsets[s]);
        }
        long arenaBytes = base + 4L * aligned.layoutFloats();
        assertTrue(arenaBytes > SlotLayout.REGION_BYTES / 2, arenaBytes + " bytes is not humongous");

        float[] input = TestInputs.gaussian(batch * 3 * size * size, 17);
        float[] a = aligned.run(input, batch).clone();
        float[] b = plain.run(input, batch).clone();
        assertArrayEquals(b, a);
        assertArrayEquals(plain.kept(Graph.FEATURES), aligned.kept(Graph.FEATURES));
        // a second run on the same buffers, over what the first one left
        float[] again = TestInputs.gaussian(batch * 3 * size * size, 18);
        assertArrayEquals(plain.run(again, batch), aligned.run(again, batch));
    }
}
