package dev.shufflespark.job.ml;

import dev.shufflespark.io.source.ImageResult;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The output column of {@link ShuffleNetClassifier}: one struct per image. */
public final class ClassifierOutput {

    /**
     * {@code member} (tar member name, else null), {@code bytes} (-1 when unknown), {@code width} and
     * {@code height} (as displayed; -1 when not decoded), {@code format}, {@code status} ({@code OK} or a reason
     * code of the io module), {@code error} (null when OK), {@code class_index}, {@code class_name},
     * {@code probability} (top-k, most probable first; null when not OK), {@code read_ms}, {@code decode_ms},
     * {@code preprocess_ms}, {@code infer_ms} (this image's share of its batch), {@code executor_id},
     * {@code partition_id}.
     */
    public static final StructType TYPE = new StructType()
            .add("member", DataTypes.StringType, true)
            .add("bytes", DataTypes.LongType, false)
            .add("width", DataTypes.IntegerType, false)
            .add("height", DataTypes.IntegerType, false)
            .add("format", DataTypes.StringType, true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true)
            .add("class_index", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add("class_name", DataTypes.createArrayType(DataTypes.StringType, false), true)
            .add("probability", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("read_ms", DataTypes.DoubleType, false)
            .add("decode_ms", DataTypes.DoubleType, false)
            .add("preprocess_ms", DataTypes.DoubleType, false)
            .add("infer_ms", DataTypes.DoubleType, false)
            .add("executor_id", DataTypes.StringType, true)
            .add("partition_id", DataTypes.IntegerType, false);

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
        return RowFactory.create(r.member(), r.bytes(), r.width(), r.height(), r.format(), r.status(), r.message(),
                index, names, probability, ms(r.readNanos()), ms(r.decodeNanos()), ms(r.preprocessNanos()),
                ms(c.inferNanos()), executorId, partition);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
