package dev.shufflespark.job.output;

import java.util.List;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The classifier's output rows as label rows ({@link LabelSchema#rows(boolean)}), Spark SQL's internal rows in and
 * out: each label column taken from the input row's path, from the classifier's output struct, from its features
 * column, or from the run (the model, its digest and the run's id, the same in every row).
 */
public final class LabelRows implements Function<InternalRow, InternalRow> {

    private static final long serialVersionUID = 1L;

    /** Where each label column comes from. */
    private enum From { COLUMN, STRUCT_FIELD, CONSTANT }

    private final From[] from;
    /** Per label column: the classified row's column, or the output struct's field. */
    private final int[] index;
    private final DataType[] types;
    /** Per label column of the run: its value. */
    private final UTF8String[] constants;
    private final int structColumn;
    private final int structFields;

    /**
     * Label rows with ({@code features}) or without the features column, from classified rows of schema
     * {@code classified}: the input's {@code path} column, the output struct in {@code outputCol} and the features
     * in {@code featuresCol}; the model's {@code model} and {@code modelSha256} and the run's {@code runId}.
     */
    public LabelRows(StructType classified, String outputCol, String featuresCol, boolean features, String model,
                     String modelSha256, String runId) {
        List<LabelSchema.Column> columns = LabelSchema.COLUMNS.stream()
                .filter(c -> c.origin() != LabelSchema.Origin.FEATURES || features).toList();
        int n = columns.size();
        from = new From[n];
        index = new int[n];
        types = new DataType[n];
        constants = new UTF8String[n];
        structColumn = classified.fieldIndex(outputCol);
        StructType struct = (StructType) classified.fields()[structColumn].dataType();
        structFields = struct.size();
        for (int i = 0; i < n; i++) {
            LabelSchema.Column c = columns.get(i);
            types[i] = c.type();
            switch (c.origin()) {
                case INPUT -> {
                    from[i] = From.COLUMN;
                    index[i] = classified.fieldIndex(c.name());
                }
                case FEATURES -> {
                    from[i] = From.COLUMN;
                    index[i] = classified.fieldIndex(featuresCol);
                }
                case CLASSIFIER -> {
                    from[i] = From.STRUCT_FIELD;
                    index[i] = struct.fieldIndex(c.name());
                }
                case RUN -> {
                    from[i] = From.CONSTANT;
                    constants[i] = UTF8String.fromString(switch (c.name()) {
                        case "model" -> model;
                        case "model_sha256" -> modelSha256;
                        case "run_id" -> runId;
                        default -> throw new IllegalStateException("no value for the run's column " + c.name());
                    });
                }
            }
        }
    }

    @Override
    public InternalRow call(InternalRow row) {
        InternalRow struct = row.getStruct(structColumn, structFields);
        Object[] values = new Object[from.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (from[i]) {
                case COLUMN -> row.isNullAt(index[i]) ? null : row.get(index[i], types[i]);
                case STRUCT_FIELD -> struct.isNullAt(index[i]) ? null : struct.get(index[i], types[i]);
                case CONSTANT -> constants[i];
            };
        }
        return new GenericInternalRow(values);
    }
}
