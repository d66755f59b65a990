package dev.shufflespark.model.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reference against torchvision's own {@code shufflenet_v2_x0_5()} on the same weights and input, from the
 * committed fixture that {@code model/src/test/python/make_reference_fixture.py} made.
 */
class TorchvisionFixtureTest {
    private static final String REGENERATE = "; if that change is intended, regenerate the fixture as "
            + "ReferenceFixture's Javadoc says";

    private static ReferenceFixture.Logits fixture;
    private static double[] reference;

    @BeforeAll
    static void run() {
        fixture = ReferenceFixture.load();
        assertNotNull(fixture, "missing test resource " + ReferenceFixture.RESOURCE);
        reference = LiteralShuffleNet.logits(ReferenceFixture.ARCH, ReferenceFixture.weights(),
                ReferenceFixture.input(), ReferenceFixture.N, ReferenceFixture.H, ReferenceFixture.W);
    }

    @Test
    void fixtureWasMadeFromTheSameWeightsAndInput() {
        assertEquals(ReferenceFixture.ARCH.name(), fixture.fields().get("architecture"));
        assertEquals(String.valueOf(ReferenceFixture.ARCH.numClasses()), fixture.fields().get("num_classes"));
        assertEquals(ReferenceFixture.N + " 3 " + ReferenceFixture.H + " " + ReferenceFixture.W,
                fixture.fields().get("input_shape"));
        byte[] file = ReferenceFixture.modelFileBytes();
        int stored = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(file.length - 4);
        assertEquals(fixture.fields().get("weights_crc32c"), String.format("%08x", stored),
                "the seeded weights (or the model file layout) changed since the fixture was made" + REGENERATE);
        assertEquals(fixture.fields().get("input_crc32c"),
                ReferenceFixture.crc32c(ReferenceFixture.littleEndian(ReferenceFixture.input())),
                "the input changed since the fixture was made" + REGENERATE);
        int values = ReferenceFixture.N * ReferenceFixture.ARCH.numClasses();
        assertEquals(values, fixture.float32().length);
        assertEquals(values, fixture.float64().length);
    }

    @Test
    void matchesTorchvisionInFloat32() {
        double maxAbs = 0;
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < reference.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(fixture.float32()[i]));
            double d = Math.abs(reference[i] - fixture.float32()[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
        }
        double tolerance = 1e-4 * Math.max(1, maxAbs);
        assertTrue(maxAbs > 0.1, "the fixture's logits are all near zero: " + maxAbs);
        assertTrue(maxDiff <= tolerance, "max |reference - torchvision float32| = " + maxDiff + " at " + worst
                + " (tolerance " + tolerance + ")");
    }

    /** In float64 torchvision and the reference do the same arithmetic up to summation order. */
    @Test
    void matchesTorchvisionInFloat64() {
        double maxAbs = 0;
        double maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < reference.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(fixture.float64()[i]));
            double d = Math.abs(reference[i] - fixture.float64()[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
        }
        double tolerance = 1e-9 * Math.max(1, maxAbs);
        assertTrue(maxDiff <= tolerance, "max |reference - torchvision float64| = " + maxDiff + " at " + worst
                + " (tolerance " + tolerance + ")");
    }

    @Test
    void sameTopClassAsTorchvision() {
        int k = ReferenceFixture.ARCH.numClasses();
        for (int img = 0; img < ReferenceFixture.N; img++) {
            int ours = 0;
            int theirs = 0;
            for (int c = 1; c < k; c++) {
                if (reference[img * k + c] > reference[img * k + ours]) {
                    ours = c;
                }
                if (fixture.float64()[img * k + c] > fixture.float64()[img * k + theirs]) {
                    theirs = c;
                }
            }
            assertEquals(theirs, ours, "image " + img);
        }
    }
}
