package dev.shufflespark.io.source;

import dev.shufflespark.io.Redaction;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists the inputs of a run on the driver, on any Hadoop file system ({@code file://}, {@code hdfs://},
 * {@code s3a://}, ...). Each input string is one of:
 * <ul>
 *   <li>a file: an image (whatever its extension), a tar shard ({@code .tar}, {@code .tgz},
 *       {@code .tar.gz}), or a list file ({@code .txt}, {@code .lst}, {@code .list}: one input per line,
 *       relative ones resolved against the list's folder, blank lines and {@code #} comments ignored; its
 *       lines may be files, folders or globs, but not further lists);</li>
 *   <li>a folder: every image and tar shard below it, recursively;</li>
 *   <li>a glob ({@code *}, {@code ?}, {@code [..]}, {@code {a,b}}): every match, files filtered by
 *       extension, folders listed recursively.</li>
 * </ul>
 * Names starting with {@code .} or {@code _} are skipped below a folder and among glob matches. Each input
 * appears once, in the order given (folders sorted by path). A missing input, or a glob that matches
 * nothing, fails with an {@link InputException} naming it. Nothing is opened except list files.
 */
public final class InputLister {

    private final Configuration conf;
    private final ListingOptions options;
    private final Map<String, InputFile> found = new LinkedHashMap<>();

    private InputLister(Configuration conf, ListingOptions options) {
        this.conf = conf;
        this.options = options;
    }

    /** The inputs named by {@code inputs}, deduplicated, in order. */
    public static List<InputFile> list(List<String> inputs, Configuration conf, ListingOptions options)
            throws IOException {
        InputLister lister = new InputLister(conf, options);
        for (String input : inputs) {
            lister.add(input, null, true);
        }
        return List.copyOf(lister.found.values());
    }

    private void add(String input, Path relativeTo, boolean allowList) throws IOException {
        String spec = input.strip();
        if (spec.isEmpty()) {
            throw new InputException("an input path is empty");
        }
        Path path = new Path(spec);
        if (relativeTo != null && !path.isAbsolute() && path.toUri().getScheme() == null) {
            path = new Path(relativeTo, path);
        }
        String shown = Redaction.uri(path.toString());
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (isGlob(spec)) {
                FileStatus[] matches = fs.globStatus(path);
                if (matches == null || matches.length == 0) {
                    throw new InputException("input " + shown + ": the pattern matches nothing");
                }
                for (FileStatus st : matches) {
                    if (!ListingOptions.isSkipped(st.getPath().getName())) {
                        addStatus(fs, st, false, false);
                    }
                }
            } else {
                FileStatus st;
                try {
                    st = fs.getFileStatus(path);
                } catch (FileNotFoundException e) {
                    throw new InputException("input " + shown + ": no such file or folder");
                }
                addStatus(fs, st, true, allowList);
            }
        } catch (InputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InputException("input " + shown + ": cannot list it: "
                    + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
        }
    }

    private void addStatus(FileSystem fs, FileStatus st, boolean explicit, boolean allowList) throws IOException {
        if (st.isDirectory()) {
            addFolder(fs, st.getPath());
            return;
        }
        String name = st.getPath().getName();
        if (explicit && allowList && options.isList(name)) {
            addList(fs, st.getPath());
        } else if (options.isTar(name)) {
            put(new InputFile(uri(st.getPath()), st.getLen(), InputFile.Kind.TAR));
        } else if (explicit || options.isImage(name)) {
            put(new InputFile(uri(st.getPath()), st.getLen(), InputFile.Kind.IMAGE));
        }
    }

    private void addFolder(FileSystem fs, Path dir) throws IOException {
        List<InputFile> files = new ArrayList<>();
        if ("file".equals(fs.getUri().getScheme())) {
            walkLocal(fs, dir, files);
        } else {
            // One recursive listing: a flat LIST of the prefix on S3, a walk on the NameNode for HDFS.
            String root = dir.toUri().getPath();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
            while (it.hasNext()) {
                LocatedFileStatus st = it.next();
                if (st.isFile() && !skippedBelow(root, st.getPath())) {
                    addListed(st, files);
                }
            }
        }
        files.sort(Comparator.comparing(InputFile::uri));
        files.forEach(this::put);
    }

    /**
     * A folder walk on the local file system with {@code listStatusIterator}. Its
     * {@code listFiles} gathers every file's permissions (by running a process per file) and
     * block locations: about 16 ms per file, against 0.1 to 0.2 ms here. Hidden and
     * {@code _}-prefixed folders are not entered; a folder reached twice (through a symbolic
     * link) is listed once.
     */
    private void walkLocal(FileSystem fs, Path dir, List<InputFile> files) throws IOException {
        Deque<Path> pending = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        pending.push(dir);
        while (!pending.isEmpty()) {
            Path d = pending.pop();
            if (!seen.add(new File(d.toUri()).getCanonicalPath())) {
                continue;
            }
            RemoteIterator<FileStatus> it = fs.listStatusIterator(d);
            while (it.hasNext()) {
                FileStatus st = it.next();
                if (ListingOptions.isSkipped(st.getPath().getName())) {
                    continue;
                }
                if (st.isDirectory()) {
                    pending.push(st.getPath());
                } else if (st.isFile()) {
                    addListed(st, files);
                }
            }
        }
    }

    private void addListed(FileStatus st, List<InputFile> files) {
        String name = st.getPath().getName();
        if (options.isTar(name)) {
            files.add(new InputFile(uri(st.getPath()), st.getLen(), InputFile.Kind.TAR));
        } else if (options.isImage(name)) {
            files.add(new InputFile(uri(st.getPath()), st.getLen(), InputFile.Kind.IMAGE));
        }
    }

    private void addList(FileSystem fs, Path list) throws IOException {
        Path parent = list.getParent();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(list), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                try {
                    add(l, parent, false);
                } catch (InputException e) {
                    throw new InputException(Redaction.uri(list.toString()) + " line " + n + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** True when a path component below {@code root} is hidden or starts with an underscore. */
    private static boolean skippedBelow(String root, Path file) {
        String p = file.toUri().getPath();
        String rel = p.startsWith(root) ? p.substring(root.length()) : file.getName();
        for (String part : rel.split("/")) {
            if (!part.isEmpty() && ListingOptions.isSkipped(part)) {
                return true;
            }
        }
        return false;
    }

    private void put(InputFile f) {
        found.putIfAbsent(f.uri(), f);
    }

    private static String uri(Path p) {
        return Redaction.uri(p.toString());
    }

    static boolean isGlob(String spec) {
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return true;
            }
        }
        return false;
    }
}
