package dev.shufflespark.bench.plain;

import dev.shufflespark.bench.Args;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Compares the labels of a {@code shufflespark classify} run with those of {@link PlainClassify} on the same
 * images: how many images both classified, and how often they agree on the most probable class and on the
 * top-5 set. Prints one line starting with {@code agreement}.
 */
public final class CompareLabels {

    private CompareLabels() {
    }

    public static void main(String[] args) {
        Map<String, String> a = Args.parse(args, "--ours", "--plain");
        SparkSession spark = SparkSession.builder().appName("compare labels").master("local[*]").getOrCreate();
        try {
            Dataset<Row> ours = spark.read().parquet(Args.required(a, "--ours"))
                    .where("status = 'OK'").selectExpr("path", "class_index as ours");
            Dataset<Row> plain = spark.read().parquet(Args.required(a, "--plain"))
                    .where("status = 'OK'").selectExpr("path", "class_index as plain");
            Row r = ours.join(plain, "path").selectExpr(
                    "count(*)",
                    "count_if(ours[0] = plain[0])",
                    "avg(size(array_intersect(ours, plain)))").first();
            long both = r.getLong(0);
            System.out.printf(Locale.ROOT, "agreement: %d images in both, top-1 equal for %d (%.1f%%), top-5 sets share"
                    + " %.2f classes of 5 on average%n", both, r.getLong(1), 100.0 * r.getLong(1) / Math.max(1, both),
                    r.isNullAt(2) ? 0.0 : r.getDouble(2));
        } finally {
            spark.stop();
        }
    }
}
