package dev.shufflespark.job.cli;

import static org.apache.spark.sql.functions.col;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.output.RowFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The label rows that {@code classify} prints at its end ("Labels of ..."), as printed, and as the labels under the
 * output hold them: the run's rows (its run id) read back with Spark, ordered by path and member, the first ten, and
 * how many more.
 */
final class PrintedRows {

    private PrintedRows() {
    }

    /** The lines from "Labels of" to the blank line after them; none when nothing was printed. */
    static List<String> printed(Cli r) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : r.out().split("\\R", -1)) {
            if (line.startsWith("Labels of ")) {
                in = true;
            } else if (line.isEmpty()) {
                in = false;
            }
            if (in) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** The lines a run with id {@code runId} of a model ({@code builtin} or not) should print of {@code out}. */
    static List<String> expected(SparkSession spark, OutputFormat format, Path out, String runId, boolean builtin) {
        Dataset<Row> ofRun = RowFiles.readLabels(spark, format, out.resolve("labels").toString())
                .where(col("run_id").equalTo(runId));
        List<Row> rows = ofRun.select(col("path"), col("member"), col("status"), col("class_name").getItem(0),
                col("probability").getItem(0), col("error"), col("model")).orderBy("path", "member").limit(10)
                .collectAsList();
        long count = ofRun.count();
        List<String> lines = new ArrayList<>();
        if (rows.isEmpty()) {
            return lines;
        }
        String model = rows.get(0).getString(6);
        lines.add(builtin ? "Labels of " + model + ", seeded weights, NOT ImageNet-trained: they are meaningless."
                : "Labels of " + model + ":");
        for (Row r : rows) {
            String name = r.getString(0) + (r.isNullAt(1) ? "" : "/" + r.getString(1));
            String shown = name.length() > 60 ? "..." + name.substring(name.length() - 57) : name;
            lines.add("OK".equals(r.getString(2))
                    ? String.format(Locale.ROOT, "  %-60s %.4f  %s", shown, r.getFloat(4), r.getString(3))
                    : String.format(Locale.ROOT, "  %-60s %s: %s", shown, r.getString(2), r.getString(5)));
        }
        if (count > rows.size()) {
            lines.add("  ... " + (count - rows.size()) + " more");
        }
        return lines;
    }
}
