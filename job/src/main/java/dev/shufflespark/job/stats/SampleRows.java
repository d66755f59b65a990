package dev.shufflespark.job.stats;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The {@link #SIZE} smallest label rows by ({@code path}, {@code member}) of what was offered, in the order of the
 * label files' reader ({@code orderBy("path", "member")}): strings by their UTF-8 bytes, that is by code point, and a
 * null member first. A task offers each row it writes, the driver merges the tasks' rows. Offering a row that does
 * not enter costs one comparison and allocates nothing: the kept rows are references to the row's own strings in
 * arrays of {@link #SIZE}. Not thread-safe.
 */
public final class SampleRows {

    /** Rows kept. */
    public static final int SIZE = 10;

    private final String[] paths = new String[SIZE];
    private final String[] members = new String[SIZE];
    private final String[] statuses = new String[SIZE];
    private final String[] classNames = new String[SIZE];
    private final float[] probabilities = new float[SIZE];
    private final String[] errors = new String[SIZE];
    private int size;

    /** Offers one row; kept while it is among the {@link #SIZE} smallest so far. */
    public void offer(String path, String member, String status, String className, float probability, String error) {
        if (size == SIZE && compare(path, member, paths[SIZE - 1], members[SIZE - 1]) >= 0) {
            return;
        }
        int i = size < SIZE ? size++ : SIZE - 1; // when full, the largest row leaves
        for (; i > 0 && compare(path, member, paths[i - 1], members[i - 1]) < 0; i--) {
            paths[i] = paths[i - 1];
            members[i] = members[i - 1];
            statuses[i] = statuses[i - 1];
            classNames[i] = classNames[i - 1];
            probabilities[i] = probabilities[i - 1];
            errors[i] = errors[i - 1];
        }
        paths[i] = path;
        members[i] = member;
        statuses[i] = status;
        classNames[i] = className;
        probabilities[i] = probability;
        errors[i] = error;
    }

    public void offer(SampleRow r) {
        offer(r.path(), r.member(), r.status(), r.className(), r.probability(), r.error());
    }

    public void offerAll(Collection<SampleRow> rows) {
        for (SampleRow r : rows) {
            offer(r);
        }
    }

    /** The rows kept, smallest first. */
    public List<SampleRow> rows() {
        List<SampleRow> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(new SampleRow(paths[i], members[i], statuses[i], classNames[i], probabilities[i], errors[i]));
        }
        return out;
    }

    /** Orders rows as {@code orderBy("path", "member")} does: by path, then member, a null member first. */
    static int compare(String path, String member, String otherPath, String otherMember) {
        int c = compareUtf8(path, otherPath);
        if (c != 0) {
            return c;
        }
        if (member == null || otherMember == null) {
            return member == null ? (otherMember == null ? 0 : -1) : 1;
        }
        return compareUtf8(member, otherMember);
    }

    /**
     * Compares two strings as their UTF-8 bytes compare (Spark's order of strings), which is the order of their code
     * points: UTF-16 order but for a surrogate, which stands for a code point above every other unit's.
     */
    static int compareUtf8(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (x >= Character.MIN_SURROGATE && y >= Character.MIN_SURROGATE) {
                    return shifted(x) - shifted(y);
                }
                return x - y;
            }
        }
        return a.length() - b.length();
    }

    /** Units from U+D800 up, surrogates moved above U+FFFF's place: U+E000..U+FFFF down, surrogates up. */
    private static int shifted(char c) {
        return c > Character.MAX_SURROGATE ? c - 0x800 : c + 0x2000;
    }
}
