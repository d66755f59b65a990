package dev.shufflespark.io.preprocess;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API version of {@link Preprocessor}'s vertical pass over one channel plane, with the same result bit
 * for bit: the same 22-bit fixed-point sums of Pillow's weights (integer sums are exact in any order), the same
 * clip to 8 bits, and the normalisation {@code (v / 255 - mean) / std} computed in float32 as the scalar path's
 * table was (IEEE division and subtraction round the same in a lane as in a scalar). Loaded only when
 * the Vector API is on at 256 bits or more (8 int lanes from 8 bytes): the caller checks
 * {@link Simd} first.
 */
final class VectorResample {

    private VectorResample() {
    }

    /** Simd's width in int lanes (8 or 16), and the bytes that widen to them. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class,
            VectorShape.forBitSize(Math.min(512, Simd.bits())));
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, I.vectorShape());
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(I.length() * Byte.SIZE));

    /**
     * {@link Preprocessor}'s vertical pass of one plane: {@code cw} bytes a row, row r at {@code in + (r -
     * rowOrigin) * cw}, to {@code ch} rows of normalised floats at {@code out[outPlane + y * cw]}; the sample v
     * becomes {@code ((unit ? v / 255f : v) - mean) / std}.
     */
    static void verticalPlane(Resampler v, byte[] src, int in, int cw, int ch, float[] out, int outPlane,
                              boolean unit, float mean, float std, int rowOrigin) {
        int bound = I.loopBound(cw);
        for (int y = 0; y < ch; y++) {
            int n = v.count[y];
            int k = y * v.stride;
            int base = in + (v.first[y] - rowOrigin) * cw;
            int o = outPlane + y * cw;
            int x = 0;
            for (; x < bound; x += I.length()) {
                IntVector sum = IntVector.broadcast(I, Resampler.HALF);
                for (int i = 0, row = base + x; i < n; i++, row += cw) {
                    IntVector px = ((IntVector) ByteVector.fromArray(B, src, row).castShape(I, 0)).and(0xff);
                    sum = sum.add(px.mul(v.weights[k + i]));
                }
                FloatVector f = (FloatVector) sum.lanewise(VectorOperators.ASHR, Resampler.PRECISION_BITS)
                        .max(0).min(255).convert(VectorOperators.I2F, 0);
                if (unit) {
                    f = f.div(255f);
                }
                f.sub(mean).div(std).intoArray(out, o + x);
            }
            for (; x < cw; x++) {
                int s = Resampler.HALF;
                for (int i = 0, row = base + x; i < n; i++, row += cw) {
                    s += (src[row] & 0xff) * v.weights[k + i];
                }
                float f = Resampler.clip8(s);
                out[o + x] = ((unit ? f / 255f : f) - mean) / std;
            }
        }
    }
}
