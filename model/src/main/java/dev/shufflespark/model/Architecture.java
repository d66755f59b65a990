package dev.shufflespark.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which built-in network: the ShuffleNet family, its group count (v1 only) and width multiplier, and the
 * number of classes. Names follow torchvision's: {@code shufflenet_v2_x1_0}, {@code shufflenet_v1_g3_x0_5}.
 */
public record Architecture(Family family, int groups, Width width, int numClasses) {

    public static final int IMAGENET_CLASSES = 1000;
    public static final int[] V1_GROUPS = {1, 2, 3, 4, 8};

    public enum Family { V1, V2 }

    /** Width multipliers, named as torchvision names them. */
    public enum Width {
        X0_25(0.25), X0_5(0.5), X1_0(1.0), X1_5(1.5), X2_0(2.0);

        public final double multiplier;

        Width(double multiplier) {
            this.multiplier = multiplier;
        }

        public String label() {
            return name().substring(1).toLowerCase(Locale.ROOT);
        }

        static Width ofLabel(String label) {
            for (Width w : values()) {
                if (w.label().equals(label)) {
                    return w;
                }
            }
            return null;
        }
    }

    private static final Pattern NAME =
            Pattern.compile("shufflenet_(v1_g(\\d+)|v2)_x(\\d_\\d+)");

    public Architecture {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        if (family == Family.V1) {
            boolean known = false;
            for (int g : V1_GROUPS) {
                known |= g == groups;
            }
            if (!known) {
                throw new IllegalArgumentException("ShuffleNet v1 groups must be one of 1, 2, 3, 4, 8; got " + groups);
            }
        } else {
            if (width == Width.X0_25) {
                throw new IllegalArgumentException("ShuffleNet V2 has no 0.25x width (torchvision: 0.5x, 1.0x, 1.5x, 2.0x)");
            }
            groups = 2;
        }
    }

    public String name() {
        return family == Family.V1
                ? "shufflenet_v1_g" + groups + "_x" + width.label()
                : "shufflenet_v2_x" + width.label();
    }

    /** Parses a built-in name; throws naming the known names when it is not one. */
    public static Architecture parse(String name) {
        Matcher m = NAME.matcher(name);
        if (m.matches()) {
            Width w = Width.ofLabel(m.group(3));
            if (w != null) {
                try {
                    if (m.group(2) != null) {
                        return new Architecture(Family.V1, Integer.parseInt(m.group(2)), w, IMAGENET_CLASSES);
                    }
                    return new Architecture(Family.V2, 2, w, IMAGENET_CLASSES);
                } catch (IllegalArgumentException e) {
                    throw new ModelException("unknown built-in model '" + name + "': " + e.getMessage());
                }
            }
        }
        throw new ModelException("unknown built-in model '" + name + "'; built-in models are "
                + String.join(", ", builtinNames()));
    }

    public static boolean isBuiltinName(String name) {
        return builtinNames().contains(name);
    }

    public static List<Architecture> builtins() {
        List<Architecture> all = new ArrayList<>();
        for (int g : V1_GROUPS) {
            for (Width w : Width.values()) {
                all.add(new Architecture(Family.V1, g, w, IMAGENET_CLASSES));
            }
        }
        for (Width w : Width.values()) {
            if (w != Width.X0_25) {
                all.add(new Architecture(Family.V2, 2, w, IMAGENET_CLASSES));
            }
        }
        return all;
    }

    public static List<String> builtinNames() {
        List<String> names = new ArrayList<>();
        for (Architecture a : builtins()) {
            names.add(a.name());
        }
        return names;
    }

    public Architecture withClasses(int classes) {
        return new Architecture(family, groups, width, classes);
    }
}
