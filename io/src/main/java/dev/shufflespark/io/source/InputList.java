package dev.shufflespark.io.source;

import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * Inputs held compactly, for listings of millions: every path as UTF-8 bytes in one store of large pages, beside
 * it 8 bytes of position, 8 of length and 1 of kind per input, and a hash index of the paths (5 to 11 bytes per
 * input) for finding one and for keeping each once. Ten million paths of 64 bytes take about 1 GB this way
 * (measured by {@code bench plan}), against 2 to 3 GB as {@link InputFile} records in a list and a map.
 *
 * <p>A list is a view: {@link #subList} and {@link #select} share the store and copy at most an array of
 * positions. {@link #get} makes an {@link InputFile} each time it is called; {@link #uri}, {@link #length} and
 * {@link #kind} read one field without making it. A list travels (Java serialization: to a Spark task, say) as
 * the bytes of its own inputs only, never of the store around it.
 *
 * <p>Built on one thread ({@link Builder}); once built, safe to read from any number of threads.
 */
public final class InputList extends AbstractList<InputFile> implements RandomAccess, Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final InputFile.Kind[] KINDS = InputFile.Kind.values();

    private final transient Store store;
    /** Store entries of this list, or null for the store's entries {@code [from, to)} themselves. */
    private final transient int[] entries;
    private final transient int from;
    private final transient int to;

    private InputList(Store store, int[] entries, int from, int to) {
        this.store = store;
        this.entries = entries;
        this.from = from;
        this.to = to;
    }

    /** A builder that keeps each path once (the first time it is added). */
    public static Builder builder() {
        return new Builder();
    }

    /** The inputs of {@code files}, in order, duplicates kept; {@code files} itself when it is an InputList. */
    public static InputList of(List<InputFile> files) {
        if (files instanceof InputList l) {
            return l;
        }
        Store s = new Store(files.size());
        for (InputFile f : files) {
            byte[] b = f.uri().getBytes(StandardCharsets.UTF_8);
            s.append(b, 0, b.length, f.length(), f.kind());
        }
        return new InputList(s, null, 0, s.size);
    }

    /** An empty list. */
    public static InputList empty() {
        return new InputList(new Store(0), null, 0, 0);
    }

    private int entry(int i) {
        if (i < 0 || i >= to - from) {
            throw new IndexOutOfBoundsException("index " + i + " of " + (to - from));
        }
        return entries == null ? from + i : entries[from + i];
    }

    @Override
    public int size() {
        return to - from;
    }

    @Override
    public InputFile get(int i) {
        int e = entry(i);
        return new InputFile(store.uri(e), store.lengths[e], KINDS[store.kinds[e]]);
    }

    /** The path of input {@code i}, without making its {@link InputFile}. */
    public String uri(int i) {
        return store.uri(entry(i));
    }

    /** The bytes of input {@code i} as listed, -1 when not known. */
    public long length(int i) {
        return store.lengths[entry(i)];
    }

    public InputFile.Kind kind(int i) {
        return KINDS[store.kinds[entry(i)]];
    }

    /** True when the UTF-8 bytes of input {@code i}'s path start with {@code prefix}. */
    public boolean startsWith(int i, byte[] prefix) {
        return store.startsWith(entry(i), prefix);
    }

    /** Adds the UTF-8 bytes of the paths of inputs {@code [from, to)}, each followed by a line feed, to {@code d}. */
    public void digest(int fromIndex, int toIndex, MessageDigest d) {
        checkRange(fromIndex, toIndex);
        for (int i = fromIndex; i < toIndex; i++) {
            int e = entries == null ? from + i : entries[from + i];
            store.digest(e, d);
        }
    }

    /** True when input {@code i}'s path is {@code uri}. */
    public boolean uriEquals(int i, String uri) {
        return store.equalsAt(entry(i), uri.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The position of {@code uri} in this list, -1 when it is not there (the first position when it is there more
     * than once). Constant time on the store's hash index, plus a binary search in a selection.
     */
    public int indexOf(String uri) {
        int e = store.find(uri.getBytes(StandardCharsets.UTF_8));
        if (e < 0) {
            return -1;
        }
        if (entries == null) {
            return e >= from && e < to ? e - from : -1;
        }
        int at = Arrays.binarySearch(entries, from, to, e);
        return at >= 0 ? at - from : -1;
    }

    @Override
    public int indexOf(Object o) {
        if (!(o instanceof InputFile f)) {
            return -1;
        }
        int i = indexOf(f.uri());
        return i >= 0 && get(i).equals(f) ? i : -1;
    }

    @Override
    public boolean contains(Object o) {
        return indexOf(o) >= 0;
    }

    @Override
    public InputList subList(int fromIndex, int toIndex) {
        checkRange(fromIndex, toIndex);
        return new InputList(store, entries, from + fromIndex, from + toIndex);
    }

    /** The inputs whose positions {@code keep} marks, in order: one int per input kept, unless all are. */
    public InputList select(boolean[] keep) {
        if (keep.length != size()) {
            throw new IllegalArgumentException(keep.length + " marks for " + size() + " inputs");
        }
        int n = 0;
        for (boolean k : keep) {
            n += k ? 1 : 0;
        }
        if (n == size()) {
            return this;
        }
        int[] picked = new int[n];
        int j = 0;
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                picked[j++] = entries == null ? from + i : entries[from + i];
            }
        }
        return new InputList(store, picked, 0, n);
    }

    /** The sum of the lengths that are known. */
    public long knownBytes() {
        long sum = 0;
        for (int i = 0; i < size(); i++) {
            sum += Math.max(0, length(i));
        }
        return sum;
    }

    /** How many inputs have no known length. */
    public int unknownLengths() {
        int n = 0;
        for (int i = 0; i < size(); i++) {
            n += length(i) < 0 ? 1 : 0;
        }
        return n;
    }

    /** True when some input is a tar shard. */
    public boolean anyTar() {
        for (int i = 0; i < size(); i++) {
            if (kind(i) == InputFile.Kind.TAR) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of path text in this list. */
    public long pathBytes() {
        long sum = 0;
        for (int i = 0; i < size(); i++) {
            sum += Store.pathLength(store.loc[entries == null ? from + i : entries[from + i]]);
        }
        return sum;
    }

    private void checkRange(int fromIndex, int toIndex) {
        if (fromIndex < 0 || toIndex > size() || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException("range " + fromIndex + ".." + toIndex + " of " + size());
        }
    }

    @Serial
    private Object writeReplace() {
        return new Compact(this);
    }

    @Serial
    private void readObject(ObjectInputStream in) throws java.io.InvalidObjectException {
        throw new java.io.InvalidObjectException("an InputList travels as its compact form");
    }

    /** Adds inputs one at a time, each path once. Not thread-safe. */
    public static final class Builder {
        private final Store store = new Store(1024);
        private boolean built;

        private Builder() {
            store.index(); // kept up to date from the start: every add checks it
        }

        /** Adds an input unless its path is already there; true when added. */
        public boolean add(String uri, long length, InputFile.Kind kind) {
            byte[] b = uri.getBytes(StandardCharsets.UTF_8);
            return add(b, 0, b.length, length, kind);
        }

        /** Adds the input whose path is the UTF-8 bytes {@code path[off, off + len)}; true when added. */
        public boolean add(byte[] path, int off, int len, long length, InputFile.Kind kind) {
            if (built) {
                throw new IllegalStateException("already built");
            }
            if (len == 0) {
                throw new IllegalArgumentException("an input needs a path");
            }
            if (length < -1) {
                throw new IllegalArgumentException(new String(path, off, len, StandardCharsets.UTF_8)
                        + ": negative length " + length);
            }
            return store.appendUnique(path, off, len, length, kind);
        }

        /**
         * Adds the input whose path is {@code prefix} followed by {@code path[off, off + len)} (UTF-8), without
         * making a string of it; true when added.
         */
        public boolean add(byte[] prefix, byte[] path, int off, int len, long length, InputFile.Kind kind) {
            if (built) {
                throw new IllegalStateException("already built");
            }
            return store.appendUnique(prefix, path, off, len, length, kind);
        }

        public int size() {
            return store.size;
        }

        /** The list of everything added, in order. The builder takes no more inputs. */
        public InputList build() {
            built = true;
            store.trim();
            return new InputList(store, null, 0, store.size);
        }
    }

    /**
     * What a list holds, packed: paths in pages of {@link #PAGE} bytes (a path never straddles two), and per
     * entry its position and path length in one long, its length and its kind.
     */
    private static final class Store {
        static final int PAGE_BITS = 24;
        static final int PAGE = 1 << PAGE_BITS;
        static final int LEN_BITS = 24;
        /** The longest path: a page, less one byte (lengths of 24 bits). */
        static final int MAX_PATH = PAGE - 1;

        byte[][] pages = new byte[0][];
        int fill = PAGE; // of the last page: a full "page" makes the first append open one
        long[] loc;      // (global offset << LEN_BITS) | path length
        long[] lengths;
        byte[] kinds;
        int size;
        private int[] table; // entry + 1 by hash, 0 = free; null until needed
        private int mask;

        Store(int capacity) {
            loc = new long[Math.max(capacity, 16)];
            lengths = new long[loc.length];
            kinds = new byte[loc.length];
        }

        static int pathLength(long loc) {
            return (int) (loc & ((1 << LEN_BITS) - 1));
        }

        private static long offset(long loc) {
            return loc >>> LEN_BITS;
        }

        private byte[] page(long offset) {
            return pages[(int) (offset >>> PAGE_BITS)];
        }

        String uri(int e) {
            long l = loc[e];
            long off = offset(l);
            return new String(page(off), (int) (off & (PAGE - 1)), pathLength(l), StandardCharsets.UTF_8);
        }

        void digest(int e, MessageDigest d) {
            long l = loc[e];
            long off = offset(l);
            d.update(page(off), (int) (off & (PAGE - 1)), pathLength(l));
            d.update((byte) '\n');
        }

        boolean startsWith(int e, byte[] prefix) {
            long l = loc[e];
            if (pathLength(l) < prefix.length) {
                return false;
            }
            long off = offset(l);
            int p = (int) (off & (PAGE - 1));
            return Arrays.equals(page(off), p, p + prefix.length, prefix, 0, prefix.length);
        }

        boolean equalsAt(int e, byte[] path) {
            return pathLength(loc[e]) == path.length && startsWith(e, path);
        }

        /** Room for {@code len} bytes in the last page; the global offset where they go. */
        private long reserve(int len) {
            if (len > MAX_PATH) {
                throw new IllegalArgumentException("a path of " + len + " bytes; at most " + MAX_PATH);
            }
            if (fill + len > PAGE) {
                int n = pages.length;
                pages = Arrays.copyOf(pages, n + 1);
                // Pages grow up to their full size, so that small lists stay small.
                pages[n] = new byte[n == 0 ? Math.max(4096, Integer.highestOneBit(Math.max(1, len)) << 1) : PAGE];
                fill = 0;
            } else if (fill + len > pages[pages.length - 1].length) {
                byte[] last = pages[pages.length - 1];
                pages[pages.length - 1] = Arrays.copyOf(last, (int) Math.min(PAGE, Math.max((long) fill + len,
                        2L * last.length)));
            }
            return ((long) (pages.length - 1) << PAGE_BITS) + fill;
        }

        private void grow() {
            if (size == loc.length) {
                int n = (int) Math.min(Integer.MAX_VALUE - 8, loc.length + (loc.length >> 1) + 16L);
                if (n <= size) {
                    throw new IllegalStateException("more than " + size + " inputs");
                }
                loc = Arrays.copyOf(loc, n);
                lengths = Arrays.copyOf(lengths, n);
                kinds = Arrays.copyOf(kinds, n);
            }
        }

        /** Appends without looking for a duplicate. */
        void append(byte[] path, int off, int len, long length, InputFile.Kind kind) {
            long at = reserve(len);
            System.arraycopy(path, off, pages[pages.length - 1], fill, len);
            commit(at, len, length, kind);
        }

        boolean appendUnique(byte[] path, int off, int len, long length, InputFile.Kind kind) {
            return appendUnique(null, path, off, len, length, kind);
        }

        /** Appends {@code prefix + path[off, off + len)} unless it is there already; true when appended. */
        boolean appendUnique(byte[] prefix, byte[] path, int off, int len, long length, InputFile.Kind kind) {
            int pre = prefix == null ? 0 : prefix.length;
            long at = reserve(pre + len);
            byte[] page = pages[pages.length - 1];
            int p = fill;
            if (pre > 0) {
                System.arraycopy(prefix, 0, page, p, pre);
            }
            System.arraycopy(path, off, page, p + pre, len);
            int total = pre + len;
            int h = hash(page, p, total);
            if (table != null) {
                if (4L * (size + 1) > 3L * (mask + 1)) { // at most three quarters full
                    rehash((mask + 1) << 1);
                }
                int slot = h & mask;
                while (table[slot] != 0) {
                    if (regionEquals(table[slot] - 1, page, p, total)) {
                        return false; // there already: the bytes written past the fill are overwritten later
                    }
                    slot = (slot + 1) & mask;
                }
                table[slot] = size + 1;
            }
            commit(at, total, length, kind);
            return true;
        }

        private void commit(long at, int len, long length, InputFile.Kind kind) {
            grow();
            loc[size] = at << LEN_BITS | len;
            lengths[size] = length;
            kinds[size] = (byte) kind.ordinal();
            size++;
            fill += len;
        }

        /** The entry whose path is {@code path}, or -1. Builds the hash index on first use. */
        int find(byte[] path) {
            index();
            int slot = hash(path, 0, path.length) & mask;
            while (table[slot] != 0) {
                int e = table[slot] - 1;
                if (equalsAt(e, path)) {
                    return e;
                }
                slot = (slot + 1) & mask;
            }
            return -1;
        }

        synchronized void index() {
            if (table == null) {
                int cap = 16;
                while (3L * cap < 4L * Math.max(size, 8)) {
                    cap <<= 1;
                }
                table = new int[cap];
                mask = cap - 1;
                fillTable();
            }
        }

        private void rehash(int capacity) {
            table = new int[capacity];
            mask = capacity - 1;
            fillTable();
        }

        /** Puts every entry in the table; of equal paths, the first. */
        private void fillTable() {
            for (int e = 0; e < size; e++) {
                long l = loc[e];
                long o = offset(l);
                byte[] page = page(o);
                int p = (int) (o & (PAGE - 1));
                int len = pathLength(l);
                int slot = hash(page, p, len) & mask;
                boolean dup = false;
                while (table[slot] != 0) {
                    if (regionEquals(table[slot] - 1, page, p, len)) {
                        dup = true;
                        break;
                    }
                    slot = (slot + 1) & mask;
                }
                if (!dup) {
                    table[slot] = e + 1;
                }
            }
        }

        /** True when entry {@code e}'s path is {@code b[p, p + len)}. */
        private boolean regionEquals(int e, byte[] b, int p, int len) {
            long l = loc[e];
            if (pathLength(l) != len) {
                return false;
            }
            long o = offset(l);
            int q = (int) (o & (PAGE - 1));
            return Arrays.equals(page(o), q, q + len, b, p, p + len);
        }

        /** Drops the unused tails of the arrays (the pages keep theirs: a page is never copied once full). */
        void trim() {
            if (loc.length > size + (size >> 3) + 16) {
                loc = Arrays.copyOf(loc, size);
                lengths = Arrays.copyOf(lengths, size);
                kinds = Arrays.copyOf(kinds, size);
            }
        }

        private static int hash(byte[] b, int off, int len) {
            int h = 1;
            for (int i = off; i < off + len; i++) {
                h = 31 * h + b[i];
            }
            h ^= h >>> 16; // spread the low bits, which pick the slot
            h *= 0x85ebca6b;
            h ^= h >>> 13;
            return h;
        }
    }

    /** The serialized form: the list's own inputs, packed. */
    private static final class Compact implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        private final byte[] paths;
        private final int[] pathLengths;
        private final long[] lengths;
        private final byte[] kinds;

        Compact(InputList list) {
            int n = list.size();
            long bytes = list.pathBytes();
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException(n + " inputs with " + bytes + " bytes of paths are too many for one"
                        + " serialized list; split it");
            }
            paths = new byte[(int) bytes];
            pathLengths = new int[n];
            lengths = new long[n];
            kinds = new byte[n];
            int p = 0;
            for (int i = 0; i < n; i++) {
                int e = list.entries == null ? list.from + i : list.entries[list.from + i];
                long l = list.store.loc[e];
                long o = Store.offset(l);
                int len = Store.pathLength(l);
                System.arraycopy(list.store.page(o), (int) (o & (Store.PAGE - 1)), paths, p, len);
                p += len;
                pathLengths[i] = len;
                lengths[i] = list.store.lengths[e];
                kinds[i] = list.store.kinds[e];
            }
        }

        @Serial
        private Object readResolve() {
            Store s = new Store(pathLengths.length);
            int p = 0;
            for (int i = 0; i < pathLengths.length; i++) {
                s.append(paths, p, pathLengths[i], lengths[i], KINDS[kinds[i]]);
                p += pathLengths[i];
            }
            return new InputList(s, null, 0, s.size);
        }
    }
}
