package dev.shufflespark.job.progress;

import dev.shufflespark.io.source.InputList;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which inputs of a new listing the committed units already classified. Each unit kept the span of the listing
 * it took ({@link InputSpan}: first path, count, digest); where the new listing has the same span, its inputs
 * are done, with no path set kept. A unit whose span is no longer in the listing as it was (an input added or
 * removed within it since) is asked for the paths of its rows instead, which only such units pay for.
 *
 * <p>Each unit's first path is looked up in the listing's hash index and its span's digest checked there, so the
 * cost is that of hashing the done inputs' paths once, whatever the listing's size; what is left is a selection
 * of the listing (an int per input), not a copy.
 */
public final class DoneInputs {

    /**
     * The split.
     *
     * @param left      inputs no committed unit holds, in listing order
     * @param done      inputs that committed units hold
     * @param unmatched units recognised by their rows' paths rather than their span
     */
    public record Split(InputList left, long done, int unmatched) {
    }

    private DoneInputs() {
    }

    /**
     * Splits {@code listing}; {@code rowPaths} gives the distinct paths of the rows of the units it is given
     * (called at most once, and only when some unit's span does not match).
     */
    public static Split split(InputList listing, Collection<UnitRecord> units,
                              Function<Collection<UnitRecord>, Set<String>> rowPaths) {
        int n = listing.size();
        boolean[] done = new boolean[n];
        // Where each unit's span would start; units are taken in listing order, a span overlapping one already
        // taken (a listing reordered since) counts as not found.
        List<long[]> starts = new ArrayList<>(); // {position, unit index}
        List<UnitRecord> all = new ArrayList<>(units);
        List<UnitRecord> unmatched = new ArrayList<>();
        for (int u = 0; u < all.size(); u++) {
            int p = all.get(u).inputs().count() > 0 ? listing.indexOf(all.get(u).inputs().first()) : -1;
            if (p < 0) {
                unmatched.add(all.get(u));
            } else {
                starts.add(new long[] {p, u});
            }
        }
        starts.sort(Comparator.comparingLong(s -> s[0]));
        int takenTo = 0;
        for (long[] s : starts) {
            int p = (int) s[0];
            UnitRecord u = all.get((int) s[1]);
            if (p >= takenTo && u.inputs().matches(listing, p)) {
                for (int i = p; i < p + u.inputs().count(); i++) {
                    done[i] = true;
                }
                takenTo = p + u.inputs().count();
            } else {
                unmatched.add(u);
            }
        }
        unmatched.sort(Comparator.comparingInt(UnitRecord::unit));
        if (!unmatched.isEmpty()) {
            for (String path : rowPaths.apply(unmatched)) {
                int i = listing.indexOf(path);
                if (i >= 0) {
                    done[i] = true;
                }
            }
        }
        long count = 0;
        boolean[] keep = done;
        for (int i = 0; i < n; i++) {
            count += done[i] ? 1 : 0;
            keep[i] = !done[i];
        }
        return new Split(listing.select(keep), count, unmatched.size());
    }
}
