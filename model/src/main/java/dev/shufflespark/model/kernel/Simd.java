package dev.shufflespark.model.kernel;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The one place that decides whether kernels run on the Vector API and at which width.
 *
 * <p>The decision is made once, when this class initialises, from the system property
 * {@value #PROPERTY}:
 * <ul>
 *   <li>{@code auto} (default) - the JVM's preferred float species;</li>
 *   <li>{@code scalar} - plain Java loops;</li>
 *   <li>{@code 128}, {@code 256}, {@code 512} - force that vector width in bits; a width wider
 *       than the preferred one falls back to the preferred one.</li>
 * </ul>
 * When the {@code jdk.incubator.vector} module is not in the boot layer (the JVM was started
 * without {@code --add-modules jdk.incubator.vector}) the scalar path is used whatever the
 * property says. This class never references a {@code jdk.incubator.vector} type itself: the
 * preferred width is asked from {@link VectorProbe} only after the module was found, and the
 * species lives in {@link VectorKernels}, which, like the vector kernels, is loaded only when the
 * vector path is on.
 */
public final class Simd {

    /** System property that selects the kernel path: auto, scalar, 128, 256 or 512. */
    public static final String PROPERTY = "shufflespark.simd";

    /** Name of the module that holds the Vector API. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** Narrowest width the vector path is used at; a narrower preferred species means scalar. */
    static final int MIN_BITS = 128;

    private static final Choice CHOICE = choose(
            System.getProperty(PROPERTY),
            ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent());

    /** True when the kernels run on the Vector API. */
    public static final boolean VECTOR = CHOICE.bits > 0;

    /** Vector width in bits, 0 on the scalar path. */
    public static final int BITS = CHOICE.bits;

    /** Float lanes per vector, 1 on the scalar path. */
    public static final int LANES = VECTOR ? BITS / Float.SIZE : 1;

    /** The C2 trap limit the vector kernels need on JDK 17 (conf/jvm.options says why). */
    public static final long TRAP_LIMIT = 100_000;

    private static final String DESCRIPTION = CHOICE.description
            + (VECTOR ? trapLimitNote(Runtime.version().feature(), trapLimit()) : "");

    private Simd() {
    }

    /** Whether the kernels run on the Vector API. */
    public static boolean enabled() {
        return VECTOR;
    }

    /** Float lanes per vector; 1 on the scalar path. */
    public static int lanes() {
        return LANES;
    }

    /** Vector width in bits; 0 on the scalar path. */
    public static int bits() {
        return BITS;
    }

    /** Human-readable kernel path, e.g. {@code "vector 512-bit (16 float lanes)"}. */
    public static String description() {
        return DESCRIPTION;
    }

    /**
     * What the kernel path says when C2 may drop the vector intrinsics halfway through a kernel: on JDK 17 (and, not
     * measured, up to 24; 25 is not affected) with a per-compilation trap limit below {@link #TRAP_LIMIT}, some JVMs
     * run the depthwise kernels on boxed vectors, two to three times slower. Empty otherwise.
     *
     * @param feature the JDK's feature version
     * @param limit   the JVM's {@code PerMethodTrapLimit}, or -1 when the JVM does not say
     */
    static String trapLimitNote(int feature, long limit) {
        if (feature >= 25 || limit < 0 || limit >= TRAP_LIMIT) {
            return "";
        }
        return ", C2 trap limit " + limit + ": some kernels may lose their vector intrinsics (add "
                + "-XX:PerMethodTrapLimit=" + TRAP_LIMIT + ")";
    }

    /** This JVM's {@code PerMethodTrapLimit}, or -1 where the JVM has no such option (not HotSpot). */
    private static long trapLimit() {
        try {
            return Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("PerMethodTrapLimit").getValue());
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** The outcome of the choice: a width in bits (0 = scalar) and how to describe it. */
    record Choice(int bits, String description) {
        static Choice vector(int bits, String note) {
            return new Choice(bits, "vector " + bits + "-bit (" + bits / Float.SIZE + " float lanes)" + note);
        }

        static Choice scalar(String reason) {
            return new Choice(0, "scalar (" + reason + ")");
        }
    }

    private static Choice choose(String property, boolean modulePresent) {
        String value = parse(property);
        if (!modulePresent) {
            return Choice.scalar(VECTOR_MODULE + " not present");
        }
        // Only now is it safe to touch a jdk.incubator.vector class.
        return choose(value, true, VectorProbe.preferredBits());
    }

    /** Normalises the property value; throws on anything that is not a known setting. */
    static String parse(String property) {
        String value = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "", "auto":
                return "auto";
            case "scalar", "128", "256", "512":
                return value;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + property
                        + ": unknown value (expected auto, scalar, 128, 256 or 512)");
        }
    }

    /**
     * The decision as a pure function, so that every branch can be tested in one JVM.
     *
     * @param value         a value returned by {@link #parse}
     * @param modulePresent whether {@code jdk.incubator.vector} is in the boot layer
     * @param preferredBits the width of the preferred float species (ignored when the module is absent)
     */
    static Choice choose(String value, boolean modulePresent, int preferredBits) {
        if (!modulePresent) {
            return Choice.scalar(VECTOR_MODULE + " not present");
        }
        if (value.equals("scalar")) {
            return Choice.scalar("forced by -D" + PROPERTY + "=scalar");
        }
        if (preferredBits < MIN_BITS) {
            return Choice.scalar("preferred vector species is only " + preferredBits + "-bit");
        }
        if (value.equals("auto")) {
            return Choice.vector(preferredBits, "");
        }
        int forced = Integer.parseInt(value);
        if (forced > preferredBits) {
            return Choice.vector(preferredBits, ", -D" + PROPERTY + "=" + value
                    + " is wider than the preferred species");
        }
        return Choice.vector(forced, forced == preferredBits ? "" : ", forced by -D" + PROPERTY + "=" + value);
    }
}
