package dev.shufflespark.model;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Where a session's activation slots live: one array whose every slot starts on a 64-byte boundary (a cache line,
 * and one 512-bit vector), or, where that cannot be had cheaply, one plain array per slot.
 *
 * <p>A Java array's data is only 8-byte aligned, and where a young array lands, and where the collector copies
 * it, differs from one JVM to the next: a 16-float vector load from a plane that is not 64-byte aligned spans two
 * cache lines, and the pointwise kernels slow down on such planes. Under G1 an array over half a region is
 * humongous: it starts at the first byte of a region and is never moved, so its element
 * {@code (64 - arrayBaseOffset) / 4} (12 with compressed class pointers) is 64-byte aligned in every JVM and
 * after every collection. The slots are laid out from that element, each rounded up to 16 floats, and the array
 * is padded to be humongous when the data alone is not, as long as the padding is no larger than the data (so
 * at most half a region). Otherwise (another collector, a JVM that is not HotSpot, data under a quarter of a
 * region, or {@value #PROPERTY}{@code =false}) every slot gets its own plain array, as before. Every slot has a
 * {@link #margin} of free floats before and after it, in either layout.
 */
final class SlotLayout {

    /** System property: {@code false} gives every slot its own plain array. */
    static final String PROPERTY = "shufflespark.engine.alignBuffers";

    /** Bytes of a cache line, and of a 512-bit vector. */
    static final int LINE_BYTES = 64;

    /** Floats of a cache line. */
    static final int LINE_FLOATS = LINE_BYTES / Float.BYTES;

    /** Bytes of a G1 heap region, or 0 when the JVM does not run G1 (or could not be asked). */
    static final long REGION_BYTES = g1RegionBytes();

    /** The first element of a humongous float array that is 64-byte aligned, or -1 when not known. */
    static final int ALIGNED_ELEMENT = alignedElement();

    /** Per slot, its array (slot 0, the caller's input, is null). */
    final float[][] slots;
    /** Per slot, where its data starts in its array. */
    final int[] offsets;
    /** Whether the slots share one humongous array, each slot's data 64-byte aligned. */
    final boolean aligned;
    /** Floats allocated for the slots. */
    final long floats;

    private SlotLayout(float[][] slots, int[] offsets, boolean aligned, long floats) {
        this.slots = slots;
        this.offsets = offsets;
        this.aligned = aligned;
        this.floats = floats;
    }

    /**
     * Allocates slots of {@code sizes[s]} floats ({@code sizes[0]} is ignored: slot 0 is the caller's input), each
     * with at least {@code margin} floats of its array before and after it.
     */
    static SlotLayout allocate(long[] sizes, int margin) {
        boolean wanted = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true"));
        long humongous = REGION_BYTES / 2 / Float.BYTES + LINE_FLOATS;
        return allocate(sizes, margin, wanted ? ALIGNED_ELEMENT : -1, humongous);
    }

    /**
     * As {@link #allocate(long[], int)}, with the slots laid out from element {@code start} of one array of at least
     * {@code minFloats} floats; {@code start < 0} gives plain arrays.
     */
    static SlotLayout allocate(long[] sizes, int margin, int start, long minFloats) {
        float[][] slots = new float[sizes.length][];
        long gap = roundUp(margin);
        if (start >= 0) {
            int[] offsets = new int[sizes.length];
            long end = start;
            for (int s = 1; s < sizes.length; s++) {
                offsets[s] = (int) Math.min(end + gap, Integer.MAX_VALUE);
                end += gap + roundUp(sizes[s]);
            }
            end += margin;
            long data = end - start;
            long length = Math.max(end, minFloats);
            if (length <= Integer.MAX_VALUE - LINE_FLOATS && length - data <= data) {
                float[] arena = new float[(int) length];
                for (int s = 1; s < sizes.length; s++) {
                    slots[s] = arena;
                }
                return new SlotLayout(slots, offsets, true, length);
            }
        }
        int[] offsets = new int[sizes.length];
        long floats = 0;
        for (int s = 1; s < sizes.length; s++) {
            slots[s] = new float[Math.toIntExact(margin + sizes[s] + margin)];
            offsets[s] = margin;
            floats += slots[s].length;
        }
        return new SlotLayout(slots, offsets, false, floats);
    }

    /**
     * Floats to keep free before and after each slot for planes up to {@code width} wide: a kernel takes a whole
     * vector at a plane's edge only when the vector's reach (a row and a few vectors) lies inside the array, and
     * computes those pixels on their own otherwise, rounded differently. With this margin every plane of every
     * slot takes the same path, so an image's results do not depend on where its planes lie.
     */
    static int margin(int width) {
        return (int) roundUp(Math.addExact(width, 4 * LINE_FLOATS));
    }

    /** {@code n} rounded up to a whole number of cache lines. */
    static long roundUp(long n) {
        return (n + LINE_FLOATS - 1) / LINE_FLOATS * LINE_FLOATS;
    }

    private static long g1RegionBytes() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (vm == null || !Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue())) {
                return 0;
            }
            long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
            return region > 0 && region % LINE_BYTES == 0 ? region : 0;
        } catch (RuntimeException | LinkageError e) {
            return 0; // not HotSpot, or no such option: plain arrays
        }
    }

    private static int alignedElement() {
        if (REGION_BYTES == 0) {
            return -1;
        }
        try {
            // sun.misc.Unsafe's constant, read without linking against it
            int base = Class.forName("sun.misc.Unsafe").getField("ARRAY_FLOAT_BASE_OFFSET").getInt(null);
            if (base <= 0 || base % Float.BYTES != 0) {
                return -1;
            }
            return (LINE_BYTES - base % LINE_BYTES) % LINE_BYTES / Float.BYTES;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
