package dev.shufflespark.model.layer;

/**
 * Where one value lives in a session's memory: a buffer slot, the distance between images, and the offset of
 * each channel's plane within an image. Channel planes need not be contiguous or in order: this is how channel
 * shuffles, splits and concatenations are folded into addressing so that no data moves.
 *
 * @param slot        index of the buffer in {@link Frame#slots}
 * @param imageStride floats between image n and image n + 1
 * @param planes      per channel, the offset of its plane from the image's start
 * @param shape       the per-image shape
 */
public record Activation(int slot, int imageStride, int[] planes, Shape shape) {

    public float[] buffer(Frame frame) {
        return frame.slots[slot];
    }

    /** Where image {@code image} starts in {@link #buffer}: the slot's offset in the frame plus the image's place. */
    public int base(Frame frame, int image) {
        return frame.offsets[slot] + image * imageStride;
    }

    /** Where image {@code image} starts relative to the slot's data ({@link #base(Frame, int)} with offset 0). */
    public int base(int image) {
        return image * imageStride;
    }

    /** The plane offsets of channels {@code [from, from + count)}. */
    public int[] planes(int from, int count) {
        int[] p = new int[count];
        System.arraycopy(planes, from, p, 0, count);
        return p;
    }

    /** True when channel c's plane starts at {@code planes[0] + c * planeSize} for every c. */
    public boolean contiguous() {
        int hw = shape.planeSize();
        for (int c = 0; c < planes.length; c++) {
            if (planes[c] != planes[0] + c * hw) {
                return false;
            }
        }
        return true;
    }

    /** True when channel {@code c} of this and {@code other} are the same memory. */
    public boolean samePlane(int c, Activation other, int otherChannel) {
        return slot == other.slot && imageStride == other.imageStride && planes[c] == other.planes[otherChannel];
    }
}
