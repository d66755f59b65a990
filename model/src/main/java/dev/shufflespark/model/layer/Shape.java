package dev.shufflespark.model.layer;

/** The shape of one image's activation: channels, height, width (the batch dimension is implicit). */
public record Shape(int channels, int height, int width) {
    public Shape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("invalid activation shape " + channels + "x" + height + "x" + width);
        }
    }

    public int planeSize() {
        return height * width;
    }

    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return "[" + channels + ", " + height + ", " + width + "]";
    }
}
