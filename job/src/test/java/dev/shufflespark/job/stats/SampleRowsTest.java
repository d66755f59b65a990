package dev.shufflespark.job.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputList;
import dev.shufflespark.job.progress.InputSpan;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.UnitRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** The sample rows: the ten smallest by path and member in the order of Spark's sort, and how they travel. */
class SampleRowsTest {

    /** Spark's order of strings: their UTF-8 bytes, unsigned. */
    private static int utf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code orderBy("path", "member")}: ascending, nulls first. */
    static final Comparator<SampleRow> SPARK_ORDER = Comparator.<SampleRow, String>comparing(SampleRow::path,
            SampleRowsTest::utf8).thenComparing(SampleRow::member, Comparator.nullsFirst(SampleRowsTest::utf8));

    /** Characters on both sides of the surrogates, where UTF-16 order and UTF-8 order part. */
    private static final String[] PIECES = {"a", "b", "A", "é", "\u00ff", "\u0800", "\ud7ff", "\ue000", "\uffee",
        "\ud83d\ude00", "\ud800\udc00", "\udbff\udfff", "/", "-", "0"};

    private static String text(Random random, int maxPieces) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(maxPieces + 1);
        for (int i = 0; i < n; i++) {
            s.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return s.toString();
    }

    private static List<SampleRow> rows(Random random, int n) {
        List<SampleRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = "file:/in/" + text(random, 3);
            String member = random.nextInt(3) == 0 ? null : text(random, 2);
            boolean ok = random.nextBoolean();
            rows.add(new SampleRow(path, member, ok ? "OK" : "TRUNCATED", ok ? "class " + i : null,
                    ok ? random.nextFloat() : 0, ok ? null : "error " + i));
        }
        return rows;
    }

    @Test
    void ordersStringsAsTheirUtf8Bytes() {
        Random random = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            String a = text(random, 4);
            String b = text(random, 4);
            assertEquals(Integer.signum(utf8(a, b)), Integer.signum(SampleRows.compareUtf8(a, b)), a + " / " + b);
        }
        assertTrue(SampleRows.compareUtf8("\ud83d\ude00", "\uffee") > 0, "a supplementary code point after U+FFEE");
        assertTrue("\ud83d\ude00".compareTo("\uffee") < 0, "which UTF-16 order has the other way round");
    }

    @Test
    void keepsTheTenSmallestByPathThenMemberNullFirstInEveryOfferOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            List<SampleRow> all = rows(random, random.nextInt(40));
            // Distinct keys: with equal keys Spark's order among them is not defined either.
            List<SampleRow> distinct = new ArrayList<>();
            all.stream().filter(r -> distinct.stream().noneMatch(d -> SPARK_ORDER.compare(d, r) == 0))
                    .forEach(distinct::add);
            List<SampleRow> expected = new ArrayList<>(distinct);
            expected.sort(SPARK_ORDER);
            expected = expected.subList(0, Math.min(SampleRows.SIZE, expected.size()));

            Collections.shuffle(distinct, random);
            SampleRows one = new SampleRows();
            distinct.forEach(one::offer);
            assertEquals(expected, one.rows(), "round " + round);

            // Tasks keep their own, the driver merges them: the same rows.
            SampleRows merged = new SampleRows();
            for (int from = 0; from < distinct.size(); from += 7) {
                SampleRows task = new SampleRows();
                task.offerAll(distinct.subList(from, Math.min(distinct.size(), from + 7)));
                merged.offerAll(task.rows());
            }
            assertEquals(expected, merged.rows(), "round " + round + ", merged");
        }
        assertEquals(List.of(), new SampleRows().rows());
    }

    private static PartitionStats stats(List<SampleRow> sample) {
        PartitionRecorder r = new PartitionRecorder(3, 1, "exec-1", "host", "vector 256-bit");
        r.record("OK", true, 1000, 2_000_000, 5_000_000, 1_000_000, 7_000_000);
        r.record("TRUNCATED", false, 10, 1_000_000, 3_000_000, 0, 0);
        return r.finish(12_000_000, 1234).withSample(sample);
    }

    @Test
    void travelWithTheStatisticsToTheDriverButNeverIntoTheRecords() {
        List<SampleRow> sample = rows(new Random(3), 10);
        PartitionStats p = stats(sample);
        assertEquals(sample, p.sample());

        // To the driver: Spark's Java serializer, as a task's accumulator updates go.
        SerializerInstance java = new JavaSerializer(new SparkConf()).newInstance();
        PartitionStats sent = java.deserialize(java.serialize(p, ClassTag$.MODULE$.apply(PartitionStats.class)),
                ClassTag$.MODULE$.apply(PartitionStats.class));
        assertEquals(sample, sent.sample());
        assertEquals(p.images(), sent.images());

        // The unit's record drops them: its JSON is the one of statistics without sample rows (as the previous
        // version wrote them), and such JSON reads back with none.
        PartitionStats kept = p.withPartition(40);
        assertEquals(List.of(), kept.sample());
        assertEquals(40, kept.partition());
        String withRows = Json.write(p);
        assertFalse(withRows.contains("sample") || withRows.contains("error 1"), withRows);
        assertEquals(Json.write(stats(List.of())), withRows);
        UnitRecord u = new UnitRecord(4, "run", InputSpan.of(InputList.of(List.of(new InputFile("file:/in/a.jpg", 5,
                InputFile.Kind.IMAGE))), 0, 1), 2, 40, 1, 10, 20, false, List.of(p));
        UnitRecord back = Json.read(Json.write(u), UnitRecord.class, "unit");
        assertEquals(List.of(), back.statistics().get(0).sample());
        assertEquals(p.failures(), back.statistics().get(0).failures());
        assertEquals(p.images(), back.statistics().get(0).images());
    }
}
