package dev.shufflespark.io.decode;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.function.BooleanSupplier;

/**
 * The Vector API version of {@link JpegImage#fancyH2v2}, bit for bit: the column sums and both outputs of a
 * sample in 16-bit lanes (at most 4 x 1020 + 8), the even and odd outputs of a lane packed into one short, so
 * that the lanes stored as bytes are the outputs in order. Loaded only when the Vector API is on at 256 bits or
 * more: the caller checks {@link Simd} first.
 */
final class VectorUpsample {

    private VectorUpsample() {
    }

    /** Simd's width in short lanes (16 or 32), the bytes that widen to them, and the bytes they store as. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(Math.min(512, Simd.bits())));
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(S.length() * Byte.SIZE));

    /** {@link JpegImage#fancyH2v2} (it needs no column sum scratch). */
    static void fancyH2v2(byte[] plane, int p0, int p1, int w, int lo, int hi, byte[] out) {
        int l = w - 1;
        int x = lo;
        if (x == 0 && x < hi) {
            int c0 = colsum(plane, p0, p1, 0);
            out[0] = (byte) ((c0 * 4 + 8) >> 4);
            out[1] = (byte) ((c0 * 3 + colsum(plane, p0, p1, 1) + 7) >> 4);
            x = 1;
        }
        int end = Math.min(hi, l);
        // Lanes x .. x + L - 1 read samples x - 1 .. x + L, all inside the row while x + L <= end < w.
        for (int bound = end - S.length(); x <= bound; x += S.length()) {
            // No vector-typed helper: C2 on JDK 17 may leave one as a call and box its vectors.
            ShortVector left = ((ShortVector) ByteVector.fromArray(B, plane, p0 + x - 1).castShape(S, 0))
                    .and((short) 0xff).mul((short) 3)
                    .add(((ShortVector) ByteVector.fromArray(B, plane, p1 + x - 1).castShape(S, 0)).and((short) 0xff));
            ShortVector mid = ((ShortVector) ByteVector.fromArray(B, plane, p0 + x).castShape(S, 0))
                    .and((short) 0xff).mul((short) 3)
                    .add(((ShortVector) ByteVector.fromArray(B, plane, p1 + x).castShape(S, 0)).and((short) 0xff));
            ShortVector right = ((ShortVector) ByteVector.fromArray(B, plane, p0 + x + 1).castShape(S, 0))
                    .and((short) 0xff).mul((short) 3)
                    .add(((ShortVector) ByteVector.fromArray(B, plane, p1 + x + 1).castShape(S, 0)).and((short) 0xff));
            ShortVector t = mid.mul((short) 3);
            ShortVector even = t.add(left).add((short) 8).lanewise(VectorOperators.LSHR, 4);
            ShortVector odd = t.add(right).add((short) 7).lanewise(VectorOperators.LSHR, 4);
            even.or(odd.lanewise(VectorOperators.LSHL, 8)).reinterpretAsBytes().intoArray(out, 2 * x);
        }
        for (; x < end; x++) {
            int t = colsum(plane, p0, p1, x) * 3;
            out[2 * x] = (byte) ((t + colsum(plane, p0, p1, x - 1) + 8) >> 4);
            out[2 * x + 1] = (byte) ((t + colsum(plane, p0, p1, x + 1) + 7) >> 4);
        }
        if (hi == w && l > 0) {
            int cl = colsum(plane, p0, p1, l);
            out[2 * l] = (byte) ((cl * 3 + colsum(plane, p0, p1, l - 1) + 8) >> 4);
            out[2 * l + 1] = (byte) ((cl * 4 + 7) >> 4);
        }
    }

    /** 3 x the nearer row's sample x plus the farther row's. */
    private static int colsum(byte[] plane, int p0, int p1, int x) {
        return (plane[p0 + x] & 0xff) * 3 + (plane[p1 + x] & 0xff);
    }

    /**
     * {@link #fancyH2v2} {@code calls} times on a row of two blocks of lanes and its edges, for the JIT warm-up
     * ({@link ImageDecoder#warmUpVectorPasses}); checks {@code stop} every 64 calls. Returns the calls made.
     */
    static int warmUp(int calls, BooleanSupplier stop) {
        int w = 2 * S.length() + 5;
        byte[] plane = new byte[2 * w];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = (byte) (i * 13);
        }
        byte[] out = new byte[2 * w];
        int c = 0;
        for (; c < calls && (c % 64 != 0 || !stop.getAsBoolean()); c++) {
            fancyH2v2(plane, 0, w, w, 0, w, out);
        }
        return c;
    }
}
