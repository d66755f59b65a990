package dev.shufflespark.model.layer;

/**
 * A session's memory: the activation buffers (slot 0 is bound to the caller's input) and scratch space. Slot
 * {@code s}'s data starts at {@code offsets[s]} of {@code slots[s]}; several slots may share one array.
 */
public final class Frame {
    public final float[][] slots;
    public final int[] offsets;
    public final float[] scratch;

    /** Every slot's data at the start of its own array. */
    public Frame(float[][] slots, float[] scratch) {
        this(slots, new int[slots.length], scratch);
    }

    public Frame(float[][] slots, int[] offsets, float[] scratch) {
        if (offsets.length != slots.length) {
            throw new IllegalArgumentException(slots.length + " slots but " + offsets.length + " offsets");
        }
        this.slots = slots;
        this.offsets = offsets;
        this.scratch = scratch;
    }
}
