package dev.shufflespark.model.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * Asks the Vector API for the preferred float width. Kept apart from {@link Simd} so that
 * {@code Simd} can decide without loading a {@code jdk.incubator.vector} class; this class is
 * loaded only after the module was found in the boot layer.
 */
final class VectorProbe {

    private VectorProbe() {
    }

    static int preferredBits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
