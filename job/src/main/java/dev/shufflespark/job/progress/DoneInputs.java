package dev.shufflespark.job.progress;

import dev.shufflespark.io.source.InputFile;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which inputs of a new listing the committed units already classified. Each unit kept the span of the listing
 * it took ({@link InputSpan}: first path, count, digest); where the new listing has the same span, its inputs
 * are done, with no path set kept. A unit whose span is no longer in the listing as it was (an input added or
 * removed within it since) is asked for the paths of its rows instead, which only such units pay for.
 */
public final class DoneInputs {

    /**
     * The split.
     *
     * @param left      inputs no committed unit holds, in listing order
     * @param done      inputs that committed units hold
     * @param unmatched units recognised by their rows' paths rather than their span
     */
    public record Split(List<InputFile> left, long done, int unmatched) {
    }

    private DoneInputs() {
    }

    /**
     * Splits {@code listing}; {@code rowPaths} gives the distinct paths of the rows of the units it is given
     * (called at most once, and only when some unit's span does not match).
     */
    public static Split split(List<InputFile> listing, Collection<UnitRecord> units,
                              Function<Collection<UnitRecord>, Set<String>> rowPaths) {
        Map<String, List<UnitRecord>> byFirst = new HashMap<>();
        for (UnitRecord u : units) {
            byFirst.computeIfAbsent(u.inputs().first(), k -> new ArrayList<>()).add(u);
        }
        int n = listing.size();
        boolean[] done = new boolean[n];
        Set<Integer> matched = new HashSet<>();
        int p = 0;
        while (p < n) {
            List<UnitRecord> candidates = byFirst.get(listing.get(p).uri());
            UnitRecord hit = null;
            if (candidates != null) {
                for (UnitRecord u : candidates) {
                    if (!matched.contains(u.unit()) && u.inputs().matches(listing, p)) {
                        hit = u;
                        break;
                    }
                }
            }
            if (hit == null) {
                p++;
                continue;
            }
            matched.add(hit.unit());
            for (int i = p; i < p + hit.inputs().count(); i++) {
                done[i] = true;
            }
            p += hit.inputs().count();
        }
        List<UnitRecord> unmatched = new ArrayList<>();
        for (UnitRecord u : units) {
            if (!matched.contains(u.unit())) {
                unmatched.add(u);
            }
        }
        if (!unmatched.isEmpty()) {
            Set<String> paths = rowPaths.apply(unmatched);
            for (int i = 0; i < n; i++) {
                if (!done[i] && paths.contains(listing.get(i).uri())) {
                    done[i] = true;
                }
            }
        }
        List<InputFile> left = new ArrayList<>();
        long count = 0;
        for (int i = 0; i < n; i++) {
            if (done[i]) {
                count++;
            } else {
                left.add(listing.get(i));
            }
        }
        return new Split(left, count, unmatched.size());
    }
}
