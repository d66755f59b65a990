package dev.shufflespark.io.source;

import dev.shufflespark.io.ConfigValues;
import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * What the listing takes from directories, globs and tar shards.
 *
 * @param imageExtensions file name extensions (lower case, no dot) of images; files found in directories,
 *                        by globs or in tar shards with other extensions are skipped. A file named directly
 *                        is taken whatever its extension (the decoder decides what it is).
 * @param tarExtensions   extensions of tar shards: {@code tar}, and {@code tgz} / {@code tar.gz} for
 *                        gzip-compressed ones
 * @param listExtensions  extensions of list files (one path per line) when named directly
 */
public record ListingOptions(Set<String> imageExtensions, Set<String> tarExtensions, Set<String> listExtensions)
        implements Serializable {

    public static final String IMAGE_EXTENSIONS = "input.extensions";
    public static final String TAR_EXTENSIONS = "input.tar.extensions";
    public static final String LIST_EXTENSIONS = "input.list.extensions";

    public static final String DEFAULT_IMAGE_EXTENSIONS = "jpg,jpeg,jpe,jfif,png,gif,bmp,webp,tif,tiff";
    public static final String DEFAULT_TAR_EXTENSIONS = "tar,tgz,tar.gz";
    public static final String DEFAULT_LIST_EXTENSIONS = "txt,lst,list";

    public ListingOptions {
        imageExtensions = Set.copyOf(imageExtensions);
        tarExtensions = Set.copyOf(tarExtensions);
        listExtensions = Set.copyOf(listExtensions);
    }

    public static ListingOptions defaults() {
        return from(key -> null);
    }

    /** The options in {@code lookup} (comma-separated extensions, case-insensitive, dots optional). */
    public static ListingOptions from(Function<String, String> lookup) {
        return new ListingOptions(
                extensions(lookup, IMAGE_EXTENSIONS, DEFAULT_IMAGE_EXTENSIONS),
                extensions(lookup, TAR_EXTENSIONS, DEFAULT_TAR_EXTENSIONS),
                extensions(lookup, LIST_EXTENSIONS, DEFAULT_LIST_EXTENSIONS));
    }

    public ListingOptions withImageExtensions(String commaSeparated) {
        return new ListingOptions(parse(IMAGE_EXTENSIONS, commaSeparated), tarExtensions, listExtensions);
    }

    public boolean isImage(String name) {
        return matches(name, imageExtensions);
    }

    public boolean isTar(String name) {
        return matches(name, tarExtensions);
    }

    public boolean isList(String name) {
        return matches(name, listExtensions);
    }

    /** True for a gzip-compressed tar name. */
    static boolean isGzip(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".tgz") || n.endsWith(".gz");
    }

    /** Hidden ({@code .x}) and underscore-prefixed ({@code _SUCCESS}, {@code _temporary}) names are skipped. */
    public static boolean isSkipped(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    /** True when what follows one of the name's dots is one of {@code extensions} (which may hold dots). */
    private static boolean matches(String name, Set<String> extensions) {
        String n = name.toLowerCase(Locale.ROOT);
        for (int dot = n.lastIndexOf('.'); dot >= 0; dot = n.lastIndexOf('.', dot - 1)) {
            if (extensions.contains(n.substring(dot + 1))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> extensions(Function<String, String> lookup, String key, String fallback) {
        String v = ConfigValues.trimmed(lookup, key);
        return parse(key, v == null ? fallback : v);
    }

    private static Set<String> parse(String key, String commaSeparated) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : commaSeparated.split(",")) {
            String e = part.strip().toLowerCase(Locale.ROOT);
            while (e.startsWith(".")) {
                e = e.substring(1);
            }
            if (!e.isEmpty()) {
                out.add(e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(key + " needs at least one extension, got '" + commaSeparated + "'");
        }
        return out;
    }
}
