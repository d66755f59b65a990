package dev.shufflespark.job.ml;

import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.job.output.LabelSchema;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/** The output column of {@link ShuffleNetClassifier}: one struct per image. */
public final class ClassifierOutput {

    /** The struct's fields: {@link LabelSchema#classifier()}, the classifier's columns of the label rows. */
    public static final StructType TYPE = LabelSchema.classifier();
    private static final String[] NAMES = LabelSchema.classifierNames().toArray(new String[0]);

    private ClassifierOutput() {
    }

    static Row toRow(Classified c, List<String> labels, String executorId, int partition) {
        ImageResult r = c.image();
        // Arrays of an external Row are Scala sequences or Java object arrays.
        Integer[] index = null;
        String[] names = null;
        Float[] probability = null;
        if (c.classIndex() != null) {
            int k = c.classIndex().length;
            index = new Integer[k];
            names = new String[k];
            probability = new Float[k];
            for (int i = 0; i < k; i++) {
                index[i] = c.classIndex()[i];
                names[i] = labels.get(c.classIndex()[i]);
                probability[i] = c.probability()[i];
            }
        }
        Object[] values = new Object[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            values[i] = switch (NAMES[i]) {
                case "member" -> r.member();
                case "bytes" -> r.bytes();
                case "width" -> r.width();
                case "height" -> r.height();
                case "format" -> r.format();
                case "status" -> r.status();
                case "error" -> r.message();
                case "class_index" -> index;
                case "class_name" -> names;
                case "probability" -> probability;
                case "executor_id" -> executorId;
                case "partition_id" -> partition;
                case "read_ms" -> ms(r.readNanos());
                case "decode_ms" -> ms(r.decodeNanos());
                case "preprocess_ms" -> ms(r.preprocessNanos());
                case "infer_ms" -> ms(c.inferNanos());
                default -> throw new IllegalStateException("no value for the label column " + NAMES[i]);
            };
        }
        return RowFactory.create(values);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
