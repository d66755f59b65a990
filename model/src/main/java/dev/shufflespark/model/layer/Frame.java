package dev.shufflespark.model.layer;

/** A session's memory: the activation buffers (slot 0 is bound to the caller's input) and scratch space. */
public final class Frame {
    public final float[][] slots;
    public final float[] scratch;

    public Frame(float[][] slots, float[] scratch) {
        this.slots = slots;
        this.scratch = scratch;
    }
}
