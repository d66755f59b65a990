package dev.shufflespark.job.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An NCHW input shape with three channels, written {@code N,3,H,W}. */
record Shape(int n, int c, int h, int w) {

    /** Floats in one image: 3 x H x W. */
    long imageFloats() {
        return (long) c * h * w;
    }

    long floats() {
        return n * imageFloats();
    }

    @Override
    public String toString() {
        return n + "," + c + "," + h + "," + w;
    }

    /** picocli converter: a bad value is a usage error (exit code 2) naming the value. */
    static final class Converter implements ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            String[] parts = value.split(",", -1);
            if (parts.length != 4) {
                throw new TypeConversionException("'" + value + "' is not a shape N,3,H,W");
            }
            int[] dims = new int[4];
            for (int i = 0; i < 4; i++) {
                try {
                    dims[i] = Integer.parseInt(parts[i].strip());
                } catch (NumberFormatException e) {
                    throw new TypeConversionException("'" + value + "' is not a shape N,3,H,W: '" + parts[i]
                            + "' is not a whole number");
                }
                if (dims[i] < 1) {
                    throw new TypeConversionException("'" + value + "' is not a shape N,3,H,W: every size must be"
                            + " at least 1");
                }
            }
            if (dims[1] != 3) {
                throw new TypeConversionException("'" + value + "' is not a shape N,3,H,W: images have 3 channels"
                        + " (RGB), not " + dims[1]);
            }
            return new Shape(dims[0], dims[1], dims[2], dims[3]);
        }
    }
}
