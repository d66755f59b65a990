package dev.shufflespark.io.onnx;

/**
 * A value the engine computes: an engine value, its per-image ONNX dims, and for the held forms the channel
 * grouping ({@code groups} = a, {@code baseDims} = the dims before grouping) or the pending pads
 * ({@code top, left, bottom, right}).
 *
 * <p>The engine holds an activation per image as {@code [C, H, W]} planes, so the ONNX shape is the batch
 * dimension followed by {@code dims}: {@code [N, C, H, W]}, {@code [N, C, L]} (held as {@code [C, 1, L]}),
 * {@code [N, F]} (held as {@code [F, 1, 1]}) or {@code [N]}.
 */
record Activation(int value, long[] dims, Kind kind, int groups, long[] baseDims, int[] pads) implements OnnxValue {

    /** How an activation relates to the engine value that holds it. */
    enum Kind {
        /** The value itself, with ONNX dims {@code [N, dims...]}. */
        PLAIN,
        /** The value's channels viewed as {@code [a, b]} (a Reshape that starts a channel shuffle). */
        GROUPED,
        /** A {@link #GROUPED} value with its two group axes transposed. */
        GROUPED_T,
        /** The value with zero padding that the next Conv or pool takes over. */
        PADDED
    }

    static Activation plain(int value, long[] dims) {
        return new Activation(value, dims, Kind.PLAIN, 0, null, null);
    }

    /** The channels of {@code value} (per-image dims {@code baseDims}) viewed as {@code [groups, C/groups, ...]}. */
    static Activation grouped(int value, long[] dims, int groups, long[] baseDims) {
        return new Activation(value, dims, Kind.GROUPED, groups, baseDims, null);
    }

    /** {@code value} with zero padding {@code {top, left, bottom, right}} held for the next Conv or pool. */
    static Activation padded(int value, long[] dims, int[] pads) {
        return new Activation(value, dims, Kind.PADDED, 0, null, pads);
    }

    int rank() {
        return dims.length + 1;
    }

    boolean isGrouped() {
        return kind == Kind.GROUPED || kind == Kind.GROUPED_T;
    }
}
