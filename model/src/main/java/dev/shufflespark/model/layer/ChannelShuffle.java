package dev.shufflespark.model.layer;

/**
 * ShuffleNet's channel shuffle: reshape [g, C/g] -> transpose -> flatten, i.e. output channel
 * {@code c} is input channel {@code (c % g) * (C/g) + c / g}. This layer moves the data; the
 * {@code FoldChannelShuffle} pass turns it into a {@link ChannelView} that moves nothing.
 */
public final class ChannelShuffle implements Layer {
    private final String name;
    private final int channels;
    private final int groups;

    public ChannelShuffle(String name, int channels, int groups) {
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("ChannelShuffle '" + name + "': " + channels
                    + " channels are not divisible by " + groups + " groups");
        }
        this.name = name;
        this.channels = channels;
        this.groups = groups;
    }

    public int channels() {
        return channels;
    }

    @Override
    public String name() {
        return name;
    }

    public int groups() {
        return groups;
    }

    /** Output channel c reads input channel {@code map[c]}. */
    public static int[] permutation(int channels, int groups) {
        int perGroup = channels / groups;
        int[] map = new int[channels];
        for (int c = 0; c < channels; c++) {
            map[c] = (c % groups) * perGroup + c / groups;
        }
        return map;
    }

    @Override
    public Shape outputShape(Shape[] in) {
        if (in.length != 1 || in[0].channels() != channels) {
            throw Layer.badInput(this, "[" + channels + ", H, W]", in);
        }
        return in[0];
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        return PerPlane.copy(in[0], out, permutation(channels, groups));
    }
}
