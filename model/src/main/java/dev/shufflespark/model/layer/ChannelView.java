package dev.shufflespark.model.layer;

/**
 * A re-indexing of channels that moves no data: output channel c is input channel {@code map[c]}. It expresses a
 * folded channel shuffle, or a channel slice (V2's split). The memory planner resolves it to addresses; it never
 * runs.
 */
public final class ChannelView implements Layer {
    private final String name;
    private final int inChannels;
    private final int[] map;

    public ChannelView(String name, int inChannels, int[] map) {
        for (int m : map) {
            if (m < 0 || m >= inChannels) {
                throw new IllegalArgumentException("ChannelView '" + name + "': channel " + m + " out of range 0.." + (inChannels - 1));
            }
        }
        this.name = name;
        this.inChannels = inChannels;
        this.map = map.clone();
    }

    /** Channels {@code [from, from + count)} of an input with {@code inChannels} channels. */
    public static ChannelView slice(String name, int inChannels, int from, int count) {
        int[] map = new int[count];
        for (int i = 0; i < count; i++) {
            map[i] = from + i;
        }
        return new ChannelView(name, inChannels, map);
    }

    @Override
    public String name() {
        return name;
    }

    public int inChannels() {
        return inChannels;
    }

    /** Output channel c is input channel {@code map()[c]}. */
    public int[] map() {
        return map.clone();
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || in[0].channels() != inChannels) {
            throw Layer.badInput(this, "[" + inChannels + ", H, W]", in);
        }
        return new Shape(map.length, in[0].height(), in[0].width());
    }

    @Override
    public int[] viewMap(Shape[] in) {
        return map.clone();
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        throw new UnsupportedOperationException("ChannelView '" + name + "' is resolved by the memory planner");
    }
}
