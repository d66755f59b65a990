package dev.shufflespark.job.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputList;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.StageHistogram;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Unit sizes, the inputs that committed units hold, the run's identity and the records' JSON. */
class ProgressTest {

    private static List<InputFile> files(String prefix, int n, long length) {
        List<InputFile> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new InputFile(String.format("file:/in/%s%05d.jpg", prefix, i), length, InputFile.Kind.IMAGE));
        }
        return out;
    }

    private static UnitRecord unit(int n, List<InputFile> inputs, int from, int to) {
        return new UnitRecord(n, "run", InputSpan.of(InputList.of(inputs), from, to), to - from, 0, 1, 0, 0, false,
                List.of());
    }

    @Test
    void unitsHoldTheLargerOfTheirSecondsAndTheirShareAndAtLeastOneInputPerCore() {
        InputList in = InputList.of(files("a", 10_000, 100_000)); // 1 GB
        long t0 = 1_000_000_000L;
        // Before any commit: 2% (20 MB) against the assumed speed (256 KiB/s x 4 cores x 60 s = 62.9 MB).
        UnitSizer sizer = new UnitSizer(UnitSizer.Options.defaults(), 1_000_000_000L, 4);
        sizer.started(t0);
        assertEquals(629, sizer.end(in, 0, t0), "62.9 MB of 100 kB inputs");
        // 10 MB/s measured: 60 s of it is 600 MB, more than 2%.
        sizer.committed(100_000_000L);
        assertEquals(6000, sizer.end(in, 0, t0 + 10_000_000_000L));
        // 0.1 MB/s: 6 MB in 60 s, less than 2% (20 MB): the share wins.
        UnitSizer slow = new UnitSizer(UnitSizer.Options.defaults(), 1_000_000_000L, 4);
        slow.started(t0);
        slow.committed(1_000_000L);
        assertEquals(200, slow.end(in, 0, t0 + 10_000_000_000L));
        // Never fewer inputs than cores (unless fewer are left), whatever their size.
        InputList big = InputList.of(files("b", 10, 10_000_000_000L));
        assertEquals(4, sizer.end(big, 0, t0));
        assertEquals(10, sizer.end(big, 8, t0));
        // A fixed count.
        UnitSizer fixed = new UnitSizer(new UnitSizer.Options(60, 0.02, 7), 1, 4);
        assertEquals(7, fixed.end(in, 0, t0));
        assertEquals(10_000, fixed.end(in, 9_995, t0));
    }

    @Test
    void committedUnitsAreFoundByTheirSpansWithoutReadingRowsUnlessAnInputCameOrWentWithinOne() {
        List<InputFile> first = files("x", 100, 10);
        List<UnitRecord> units = List.of(unit(0, first, 0, 30), unit(1, first, 30, 60));
        AtomicInteger reads = new AtomicInteger();
        DoneInputs.Split same = DoneInputs.split(InputList.of(first), units, u -> {
            reads.incrementAndGet();
            return Set.of();
        });
        assertEquals(60, same.done());
        assertEquals(first.subList(60, 100), same.left());
        assertEquals(0, reads.get(), "no rows read");

        // Inputs added since: before everything, at the end, and one inside unit 1's span.
        List<InputFile> now = new ArrayList<>(files("a", 5, 10));
        now.addAll(first);
        now.add(45 + 5, new InputFile("file:/in/x00044b.jpg", 10, InputFile.Kind.IMAGE));
        now.addAll(files("z", 3, 10));
        List<Collection<UnitRecord>> asked = new ArrayList<>();
        DoneInputs.Split changed = DoneInputs.split(InputList.of(now), units, u -> {
            asked.add(u);
            Set<String> paths = new java.util.HashSet<>();
            for (InputFile f : first.subList(30, 60)) {
                paths.add(f.uri());
            }
            return paths;
        });
        assertEquals(1, asked.size());
        assertEquals(List.of(1), asked.get(0).stream().map(UnitRecord::unit).toList(), "only the changed unit");
        assertEquals(60, changed.done());
        assertEquals(1, changed.unmatched());
        List<String> left = changed.left().stream().map(InputFile::uri).toList();
        assertEquals(5 + 1 + 40 + 3, left.size());
        assertTrue(left.contains("file:/in/x00044b.jpg"), "the added input inside a unit's span");
        assertFalse(left.contains(first.get(45).uri()));
        // The order of --input arguments does not matter: spans are found wherever they are.
        List<InputFile> reordered = new ArrayList<>(first.subList(30, 100));
        reordered.addAll(first.subList(0, 30));
        assertEquals(60, DoneInputs.split(InputList.of(reordered), units, u -> Set.of()).done());
    }

    @Test
    void aResumeWithOtherSettingsNamesEachDifference() {
        PreprocessSettings p = PreprocessSettings.imagenet();
        DecodeOptions d = DecodeOptions.defaults();
        ListingOptions l = ListingOptions.defaults();
        RunManifest was = RunManifest.of("r1", "m", "aaaa", List.of("cat", "dog"), 5, OutputFormat.PARQUET, false,
                p, d, l);
        assertEquals(List.of(), was.differences(RunManifest.of("r2", "renamed", "aaaa", List.of("cat", "dog"), 5,
                OutputFormat.PARQUET, false, p, d, l)), "the run id and the model's name are no part of the identity");
        RunManifest now = RunManifest.of("r2", "m2", "bbbb", List.of("cat", "hound"), 3, OutputFormat.JSON, true,
                PreprocessSettings.from(k -> k.equals(PreprocessSettings.RESIZE) ? "320" : null),
                DecodeOptions.from(k -> k.equals(DecodeOptions.SUBSAMPLE) ? "false" : null), l);
        List<String> diff = was.differences(now);
        assertEquals(List.of("decode.subsample: true in the output, false now",
                "features: false in the output, true now", "format: parquet in the output, json now",
                "labels.sha256: " + was.identity().get("labels.sha256") + " in the output, "
                        + now.identity().get("labels.sha256") + " now",
                "model.sha256: aaaa in the output, bbbb now (m against m2)",
                "preprocess.resize: 256 in the output, 320 now", "top.k: 5 in the output, 3 now"), diff);
        RunManifest read = Json.read(Json.write(was), RunManifest.class, "manifest");
        assertEquals(was, read);

        // A manifest written before the features column existed has no features key: it had none.
        String old = Json.write(was).replace("\"features\" : \"false\",", "").replace("\"features\":\"false\",", "");
        assertTrue(!old.contains("features"), old);
        RunManifest before = Json.read(old, RunManifest.class, "manifest");
        assertEquals(List.of(), before.differences(was));
        assertEquals(List.of("features: false in the output, true now"), before.differences(RunManifest.of("r3", "m",
                "aaaa", List.of("cat", "dog"), 5, OutputFormat.PARQUET, true, p, d, l)));
    }

    @Test
    void recordsSurviveTheirJsonWithTheirHistograms() {
        PartitionRecorder r = new PartitionRecorder(3, 1, "exec-1", "host", "vector 512-bit");
        r.record("OK", true, 1000, 2_000_000, 5_000_000, 1_000_000, 7_000_000);
        r.record("TRUNCATED", false, 10, 1_000_000, 3_000_000, 0, 0);
        PartitionStats p = r.finish(12_000_000, 1234);
        UnitRecord u = new UnitRecord(4, "run", InputSpan.of(InputList.of(files("q", 3, 5)), 0, 3), 2, 3, 1, 10, 20,
                false, List.of(p));
        UnitRecord back = Json.read(Json.write(u), UnitRecord.class, "unit");
        PartitionStats q = back.statistics().get(0);
        assertEquals(p.images(), q.images());
        assertEquals(p.failures(), q.failures());
        assertEquals(u.inputs(), back.inputs());
        for (String stage : PartitionRecorder.STAGES) {
            StageHistogram a = p.stages().get(stage);
            StageHistogram b = q.stages().get(stage);
            assertEquals(a.total(), b.total(), stage);
            assertEquals(a.quantile(0.5), b.quantile(0.5), stage);
        }
    }
}
