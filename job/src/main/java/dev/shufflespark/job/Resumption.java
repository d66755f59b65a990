package dev.shufflespark.job;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.source.InputList;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.progress.DoneInputs;
import dev.shufflespark.job.progress.InputSpan;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.RunManifest;
import dev.shufflespark.job.progress.UnitRecord;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.PartitionStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;

/**
 * What earlier attempts left in an output folder, for {@code --mode resume}: the manifest checked against this
 * run's, the committed units (a record rebuilt for one whose process died between commit and record), what a
 * killed attempt had in flight removed, and the inputs that no committed unit holds.
 */
final class Resumption {

    /**
     * The state a run starts from.
     *
     * @param fresh         nothing to resume: a new output (its manifest is still to be written)
     * @param units         the committed units by number
     * @param left          the inputs to classify
     * @param inputsDone    the inputs that committed units hold
     * @param nextUnit      the first unit number not used yet
     * @param nextPartition the first partition id not used yet
     */
    record Resume(boolean fresh, SortedMap<Integer, UnitRecord> units, InputList left, long inputsDone,
                  int nextUnit, int nextPartition) {

        static Resume fresh(InputList listing) {
            return new Resume(true, new TreeMap<>(), listing, 0, 0, 0);
        }
    }

    private final RunContext ctx;
    private final OutputFolder out;

    private Resumption(RunContext run) {
        this.ctx = run;
        this.out = ctx.out();
    }

    /**
     * Checks that the output can be resumed by a run of {@code manifest} (an error naming each difference
     * otherwise; nothing changed), then cleans it up and finds what is left of {@code listing}.
     */
    static Resume of(RunContext run, RunManifest manifest, InputList listing) {
        return new Resumption(run).resume(manifest, listing);
    }

    private Resume resume(RunManifest manifest, InputList listing) {
        String flag = "--mode resume: " + out.shown();
        if (!out.exists(out.manifest())) {
            if (out.exists(out.labels())) {
                throw new JobException(flag + " has labels/ but no " + OutputFolder.MANIFEST + ": it was not written"
                        + " by this version of shufflespark, so what its rows are cannot be checked; name another"
                        + " folder, or pass --mode overwrite to replace it");
            }
            return Resume.fresh(listing); // an attempt that died before writing anything, or an empty folder
        }
        RunManifest was = Json.read(out.read(out.manifest()), RunManifest.class,
                Redaction.uri(out.manifest().toString()));
        List<String> differences = was.differences(manifest);
        if (!differences.isEmpty()) {
            throw new JobException(flag + " was written with other settings, and its rows would not answer the"
                    + " same question: " + String.join("; ", differences) + ". Resume with the settings it has,"
                    + " name another folder, or pass --mode overwrite to replace it");
        }

        // Units: those committed keep their rows; a killed attempt's others are removed, their numbers not reused.
        SortedMap<Integer, Boolean> folders = out.units();
        List<Integer> recorded = out.unitRecords();
        int removed = 0;
        int aborted = 0;
        List<Integer> committed = new ArrayList<>();
        for (Map.Entry<Integer, Boolean> u : folders.entrySet()) {
            if (u.getValue()) {
                committed.add(u.getKey());
            } else {
                aborted += out.deleteWithUploads(out.unit(u.getKey()));
                removed++;
            }
        }
        List<Integer> withRecord = new ArrayList<>();
        for (int n : recorded) {
            if (committed.contains(n)) {
                withRecord.add(n);
            } else {
                out.delete(out.unitRecord(n)); // its rows are gone: the record says nothing true
            }
        }
        SortedMap<Integer, UnitRecord> units = new TreeMap<>(ctx.readAll(withRecord, n -> Json.read(
                out.read(out.unitRecord(n)), UnitRecord.class, Redaction.uri(out.unitRecord(n).toString()))));
        for (int n : committed) {
            if (!units.containsKey(n)) {
                // its process died after the commit's _SUCCESS, maybe before the committer had cleaned up
                out.removeCommitLeftovers(out.unit(n));
                units.put(n, rebuild(n, listing));
            }
        }
        DoneInputs.Split split = DoneInputs.split(listing, units.values(), this::rowPaths);
        int nextUnit = folders.isEmpty() ? 0 : folders.lastKey() + 1;
        if (!recorded.isEmpty()) {
            nextUnit = Math.max(nextUnit, recorded.get(recorded.size() - 1) + 1);
        }
        int nextPartition = 0;
        for (UnitRecord u : units.values()) {
            nextPartition = Math.max(nextPartition, u.firstPartition() + u.partitions());
        }
        ctx.say().accept(String.format(Locale.ROOT, "classify: resuming %s: %d units committed (%d inputs), %d left"
                + " by a killed attempt removed%s, %d inputs to do", out.shown(), units.size(), split.done(), removed,
                aborted > 0 ? " (" + aborted + " pending uploads aborted)" : "", split.left().size()));
        return new Resume(false, units, split.left(), split.done(), nextUnit, nextPartition);
    }

    /**
     * The record of a unit whose rows were committed by an attempt that died before writing the record: its
     * inputs are the listing's inputs that have rows in it, its statistics are computed from the rows (no host,
     * kernel path or wall time). Written, so that the next resume finds it.
     */
    private UnitRecord rebuild(int unit, InputList listing) {
        List<Row> rows = RowFiles.readLabels(ctx.spark(), ctx.config().format(), ctx.config().features(),
                out.unit(unit).toString())
                .select("path", "status", "bytes", "read_ms", "decode_ms", "preprocess_ms", "infer_ms",
                        "executor_id", "partition_id", "run_id").collectAsList();
        long committed = out.modified(new Path(out.unit(unit), OutputFolder.SUCCESS));
        TreeMap<Integer, PartitionRecorder> partitions = new TreeMap<>();
        Set<String> paths = new HashSet<>();
        String madeBy = ctx.runId();
        for (Row r : rows) {
            paths.add(r.getString(0));
            madeBy = r.getString(9);
            String status = r.getString(1);
            partitions.computeIfAbsent(r.getInt(8), p -> new PartitionRecorder(p, 0, r.getString(7), null, null))
                    .record(status, "OK".equals(status), r.getLong(2), nanos(r.getDouble(3)), nanos(r.getDouble(4)),
                            nanos(r.getDouble(5)), nanos(r.getDouble(6)));
        }
        List<PartitionStats> stats = new ArrayList<>();
        partitions.values().forEach(p -> stats.add(p.finish(0, committed)));
        boolean[] marked = new boolean[listing.size()];
        for (String path : paths) {
            int i = listing.indexOf(path);
            if (i >= 0) {
                marked[i] = true;
            }
        }
        InputList held = listing.select(marked);
        InputSpan span = held.isEmpty() ? new InputSpan(0, 0, "", "", "") : InputSpan.of(held, 0, held.size());
        int first = partitions.isEmpty() ? 0 : partitions.firstKey();
        int last = partitions.isEmpty() ? -1 : partitions.lastKey();
        UnitRecord record = new UnitRecord(unit, madeBy, span, rows.size(), first, last - first + 1, committed,
                committed, true, stats);
        out.write(out.unitRecord(unit), Json.write(record));
        return record;
    }

    private static long nanos(double ms) {
        return Math.round(ms * 1e6);
    }

    /** The distinct paths of the rows of {@code units} (read only for units not found by their span). */
    private Set<String> rowPaths(Collection<UnitRecord> units) {
        String[] dirs = units.stream().map(u -> out.unit(u.unit()).toString()).toArray(String[]::new);
        Set<String> paths = new HashSet<>();
        for (Row r : RowFiles.readLabels(ctx.spark(), ctx.config().format(), ctx.config().features(), dirs)
                .select("path").distinct()
                .collectAsList()) {
            paths.add(r.getString(0));
        }
        return paths;
    }
}
