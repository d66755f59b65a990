package dev.shufflespark.job;

import dev.shufflespark.io.Redaction;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;

/**
 * A run's output folder on any Hadoop file system, and the names of what it holds:
 * <pre>
 * manifest.json               what makes its rows what they are (model, top-k, labels, format, decoding, ...)
 * labels/unit=NNNNN/          a unit's rows, written by one Spark job; committed iff its _SUCCESS exists
 * labels/_SUCCESS             every unit of the run committed
 * progress/unit-NNNNN.json    a committed unit's inputs and statistics
 * progress/attempt-RUN.json   an attempt (the first run or a resume): when it worked, what it committed
 * statistics/, summary.json, report.html   the whole run, once it is done
 * </pre>
 * The unit folders are named as Hive names partitions, so that {@code spark.read.load("OUT/labels")} (and
 * pyarrow, DuckDB, Hive) reads every unit, with a {@code unit} column added; under any other name Spark reads only
 * the files directly in {@code labels/}, which are none. Small files are written whole or not at all: to a temporary name, then renamed (on S3, where an object
 * appears only when its upload completes, directly). Errors name the path, credentials removed.
 */
final class OutputFolder {

    static final String LABELS = "labels";
    static final String STATISTICS = "statistics";
    static final String SUMMARY = "summary.json";
    static final String REPORT = "report.html";
    static final String MANIFEST = "manifest.json";
    static final String PROGRESS = "progress";
    static final String SUCCESS = "_SUCCESS";
    /** The column that reading {@code labels/} adds from the unit folders' names. */
    static final String UNIT_COLUMN = "unit";
    private static final Pattern UNIT = Pattern.compile("unit=(\\d{5,})");
    private static final Pattern UNIT_RECORD = Pattern.compile("unit-(\\d{5,})\\.json");
    private static final Pattern ATTEMPT_RECORD = Pattern.compile("attempt-(.+)\\.json");
    private static final String TEMPORARY = ".tmp-";

    private final FileSystem fs;
    private final Path root;
    private final Configuration conf;

    private OutputFolder(FileSystem fs, Path root, Configuration conf) {
        this.fs = fs;
        this.root = root;
        this.conf = conf;
    }

    /** The folder at {@code uri} (which need not exist). */
    static OutputFolder at(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        return new OutputFolder(fs, fs.makeQualified(p), conf);
    }

    Path root() {
        return root;
    }

    /** The root as it may be shown. */
    String shown() {
        return Redaction.uri(root.toString());
    }

    Path labels() {
        return new Path(root, LABELS);
    }

    Path unit(int n) {
        return new Path(labels(), String.format(Locale.ROOT, UNIT_COLUMN + "=%05d", n));
    }

    Path unitRecord(int n) {
        return new Path(progress(), String.format(Locale.ROOT, "unit-%05d.json", n));
    }

    Path attemptRecord(String runId) {
        return new Path(progress(), "attempt-" + runId + ".json");
    }

    Path progress() {
        return new Path(root, PROGRESS);
    }

    Path manifest() {
        return new Path(root, MANIFEST);
    }

    Path statistics() {
        return new Path(root, STATISTICS);
    }

    Path summary() {
        return new Path(root, SUMMARY);
    }

    Path report() {
        return new Path(root, REPORT);
    }

    Path labelsDone() {
        return new Path(labels(), SUCCESS);
    }

    boolean exists(Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            throw failure("cannot read", p, e);
        }
    }

    /** Unit folders under {@code labels/} by number: true for a committed one (its {@code _SUCCESS} exists). */
    SortedMap<Integer, Boolean> units() {
        SortedMap<Integer, Boolean> out = new TreeMap<>();
        for (FileStatus st : list(labels())) {
            Matcher m = UNIT.matcher(st.getPath().getName());
            if (st.isDirectory() && m.matches()) {
                int n = Integer.parseInt(m.group(1));
                out.put(n, exists(new Path(st.getPath(), SUCCESS)));
            }
        }
        return out;
    }

    /** Numbers of the units that have a record under {@code progress/}. */
    List<Integer> unitRecords() {
        List<Integer> out = new ArrayList<>();
        for (FileStatus st : list(progress())) {
            Matcher m = UNIT_RECORD.matcher(st.getPath().getName());
            if (st.isFile() && m.matches()) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        out.sort(null);
        return out;
    }

    /** The attempt records under {@code progress/}. */
    List<Path> attemptRecords() {
        List<Path> out = new ArrayList<>();
        for (FileStatus st : list(progress())) {
            if (st.isFile() && ATTEMPT_RECORD.matcher(st.getPath().getName()).matches()) {
                out.add(st.getPath());
            }
        }
        return out;
    }

    /** When {@code p} was last modified (epoch milliseconds). */
    long modified(Path p) {
        try {
            return fs.getFileStatus(p).getModificationTime();
        } catch (IOException e) {
            throw failure("cannot read", p, e);
        }
    }

    private List<FileStatus> list(Path dir) {
        try {
            return List.of(fs.listStatus(dir));
        } catch (FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            throw failure("cannot list", dir, e);
        }
    }

    String read(Path p) {
        try (InputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw failure("cannot read", p, e);
        }
    }

    /** Writes {@code text} to {@code p} whole: a reader, or a crash, sees the old file or the new one. */
    void write(Path p, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try {
            if (objectStore()) {
                try (OutputStream o = fs.create(p, true)) {
                    o.write(bytes);
                }
                return;
            }
            Path tmp = new Path(p.getParent(), p.getName() + TEMPORARY
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try (OutputStream o = fs.create(tmp, false)) {
                o.write(bytes);
            }
            if (!fs.rename(tmp, p)) {
                replace(tmp, p);
            }
        } catch (IOException e) {
            throw failure("cannot write", p, e);
        }
    }

    /**
     * Puts {@code tmp} in place of the existing {@code p}. {@code FileSystem.rename} does not rename over an existing
     * file on HDFS; its rename with {@code OVERWRITE} replaces it in one step, so that a process killed meanwhile
     * leaves the old file or the new one, never neither. Elsewhere {@code p} is removed first: a crash in between
     * leaves the temporary file and no record (an attempt's record, say, missing from the next one's history).
     */
    private void replace(Path tmp, Path p) throws IOException {
        if (fs instanceof DistributedFileSystem dfs) {
            dfs.rename(tmp, p, Options.Rename.OVERWRITE);
            return;
        }
        fs.delete(p, false);
        if (!fs.rename(tmp, p)) {
            throw new IOException("rename of " + tmp.getName() + " failed");
        }
    }

    /** An empty file (a {@code _SUCCESS} marker). */
    void touch(Path p) {
        try {
            fs.create(p, true).close();
        } catch (IOException e) {
            throw failure("cannot write", p, e);
        }
    }

    void delete(Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException e) {
            throw failure("cannot delete", p, e);
        }
    }

    /**
     * Deletes {@code p} and, on S3, aborts the multipart uploads to keys under it: what an S3A committer's tasks had
     * uploaded for a unit that never committed. Returns how many uploads were aborted.
     */
    int deleteWithUploads(Path p) {
        delete(p);
        if (!"s3a".equals(root.toUri().getScheme())) {
            return 0;
        }
        try {
            return S3AUploads.abortUnder(fs, p);
        } catch (IOException e) {
            throw failure("cannot abort the pending uploads under", p, e);
        }
    }

    /**
     * Deletes the unit folders that have no {@code _SUCCESS}, and on S3 the uploads pending under them. At the end of
     * a run every unit of it is committed, so such a folder can only hold what a killed attempt's tasks were still
     * writing: a request sent to an object store may be carried out after the process that sent it died, and so
     * after a resume removed that attempt's folders. Returns how many folders were removed.
     */
    int removeUncommittedUnits() {
        int removed = 0;
        for (Map.Entry<Integer, Boolean> u : units().entrySet()) {
            if (!u.getValue()) {
                deleteWithUploads(unit(u.getKey()));
                removed++;
            }
        }
        return removed;
    }

    /**
     * Removes what a committer leaves inside a committed unit when its process dies between the unit's
     * {@code _SUCCESS} and the end of its clean-up: the S3A magic committer's {@code __magic*} folders, whose
     * uploads are all complete by then, and a {@code _temporary} folder. Readers skip both; this is tidiness.
     */
    void removeCommitLeftovers(Path unit) {
        for (FileStatus st : list(unit)) {
            String name = st.getPath().getName();
            if (st.isDirectory() && (name.startsWith("__magic") || name.equals("_temporary"))) {
                delete(st.getPath());
            }
        }
    }

    /** Removes temporary files that a killed attempt left at the root and under {@code progress/}. */
    void removeTemporaryFiles() {
        for (Path dir : List.of(root, progress())) {
            for (FileStatus st : list(dir)) {
                String name = st.getPath().getName();
                if (st.isFile() && name.contains(TEMPORARY)) {
                    delete(st.getPath());
                }
            }
        }
    }

    private boolean objectStore() {
        String scheme = root.toUri().getScheme();
        return scheme != null && (scheme.equals("s3a") || scheme.equals("s3") || scheme.equals("gs"));
    }

    private JobException failure(String what, Path p, IOException e) {
        return new JobException(what + " " + Redaction.uri(p.toString()) + ": "
                + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
    }
}
