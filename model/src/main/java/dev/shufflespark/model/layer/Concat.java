package dev.shufflespark.model.layer;

/**
 * Concatenation along channels. When {@code inPlace}, the memory planner asks the producers of the inputs to
 * write straight into the output's planes, and the step copies only the inputs that could not be placed
 * (those already living elsewhere, such as a view of an earlier value).
 */
public final class Concat implements Layer {
    private final String name;
    private final boolean inPlace;

    public Concat(String name, boolean inPlace) {
        this.name = name;
        this.inPlace = inPlace;
    }

    @Override
    public String name() {
        return name;
    }

    public boolean inPlace() {
        return inPlace;
    }

    public Concat placedInPlace() {
        return new Concat(name, true);
    }

    @Override
    public Shape outputShape(Shape[] in) {
        int channels = 0;
        for (Shape s : in) {
            if (s.height() != in[0].height() || s.width() != in[0].width()) {
                throw Layer.badInput(this, "inputs of the same height and width", in);
            }
            channels += s.channels();
        }
        return new Shape(channels, in[0].height(), in[0].width());
    }

    /** How many input planes are not already where the output expects them, and must be copied. */
    public static int planesToCopy(Activation[] in, Activation out) {
        int count = 0;
        int offset = 0;
        for (Activation a : in) {
            for (int c = 0; c < a.shape().channels(); c++) {
                if (!a.samePlane(c, out, offset + c)) {
                    count++;
                }
            }
            offset += a.shape().channels();
        }
        return count;
    }

    @Override
    public Step compile(Activation[] in, Activation out) {
        int count = planesToCopy(in, out);
        final Activation[] srcAct = new Activation[count];
        final int[] srcPlane = new int[count];
        final int[] dstPlane = new int[count];
        int k = 0;
        int offset = 0;
        for (Activation a : in) {
            for (int c = 0; c < a.shape().channels(); c++) {
                if (!a.samePlane(c, out, offset + c)) {
                    srcAct[k] = a;
                    srcPlane[k] = a.planes()[c];
                    dstPlane[k] = out.planes()[offset + c];
                    k++;
                }
            }
            offset += a.shape().channels();
        }
        final int hw = out.shape().planeSize();
        return (frame, batch) -> {
            float[] dst = out.buffer(frame);
            for (int n = 0; n < batch; n++) {
                for (int i = 0; i < srcAct.length; i++) {
                    System.arraycopy(srcAct[i].buffer(frame), srcAct[i].base(frame, n) + srcPlane[i],
                            dst, out.base(frame, n) + dstPlane[i], hw);
                }
            }
        };
    }
}
