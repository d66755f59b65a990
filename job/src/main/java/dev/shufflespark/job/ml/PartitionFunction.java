package dev.shufflespark.job.ml;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.DecodeGuard;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.model.EngineCache;
import dev.shufflespark.job.model.ModelPayload;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.SampleRows;
import dev.shufflespark.model.Session;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;
import scala.Function1;

/**
 * The work of one task: the partition's input rows in, one output row per image out (input columns, then the
 * output struct, then the features when asked for), as Spark SQL's internal rows of schema {@code out}, converted
 * here by {@link CatalystTypeConverters} rather than by the row encoder of {@code createDataFrame}
 * ({@link ShuffleNetClassifier#dataFrame} says why). The engine comes from the executor's {@link EngineCache};
 * the session, decoder and preprocessor are the task's own. Statistics are added to the accumulators when the
 * partition is done, with the partition's smallest rows by path and member ({@link SampleRows}; path input only),
 * which the job shows at its end.
 */
final class PartitionFunction implements FlatMapFunction<Iterator<Row>, InternalRow> {

    private static final long serialVersionUID = 1L;

    private final Broadcast<ModelPayload> model;
    private final String applicationId;
    private final Broadcast<SerializableConf> conf;
    private final StructType out;
    private final DecodeOptions decode;
    private final PreprocessSettings preprocess;
    private final ListingOptions listing;
    private final int batchSize;
    private final int topK;
    private final int column;
    private final boolean binary;
    private final int lengthColumn;
    private final boolean features;
    private final int partitionOffset;
    private final CollectionAccumulator<PartitionStats> statistics;
    private final LongAccumulator progress;

    PartitionFunction(Broadcast<ModelPayload> model, String applicationId, Broadcast<SerializableConf> conf,
                      StructType out, DecodeOptions decode, PreprocessSettings preprocess, ListingOptions listing,
                      int batchSize, int topK, int column, boolean binary, int lengthColumn, boolean features,
                      int partitionOffset, CollectionAccumulator<PartitionStats> statistics,
                      LongAccumulator progress) {
        this.model = model;
        this.applicationId = applicationId;
        this.conf = conf;
        this.out = out;
        this.decode = decode;
        this.preprocess = preprocess;
        this.listing = listing;
        this.batchSize = batchSize;
        this.topK = topK;
        this.column = column;
        this.binary = binary;
        this.lengthColumn = lengthColumn;
        this.features = features;
        this.partitionOffset = partitionOffset;
        this.statistics = statistics;
        this.progress = progress;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? 0 : task.partitionId();
        int attempt = task == null ? 0 : task.attemptNumber();
        SparkEnv env = SparkEnv.get();
        String executor = env == null ? "driver" : env.executorId();
        String host = env == null ? "localhost" : env.blockManager().blockManagerId().host();

        if (task != null) {
            EngineCache.workBegins();
        }
        Supplier<ModelPayload> payload = model::value;
        String id = EngineCache.key(applicationId, model.id());
        Session session = EngineCache.borrow(id, payload, batchSize, preprocess.cropHeight(), preprocess.cropWidth());
        ModelPayload m = model.value();
        DecodeGuard guard = new DecodeGuard(decode);
        Preprocessor preprocessor = new Preprocessor(preprocess);
        RowImages images = new RowImages(rows, column, binary, lengthColumn, conf.value().get(), guard, preprocessor,
                listing);
        BatchInference inference = new BatchInference(images, session, preprocessor.outputLength(), m.numClasses(),
                topK, m.outputsProbabilities(), features);
        PartitionRecorder recorder = new PartitionRecorder(partition, attempt, executor, host,
                session.engine().kernelPath());
        SampleRows sample = new SampleRows();
        Function1<Object, Object> toInternal = CatalystTypeConverters.createToCatalystConverter(out);
        AtomicBoolean closed = new AtomicBoolean();
        Runnable closeAll = () -> {
            if (closed.compareAndSet(false, true)) {
                images.close();
                guard.close();
            }
        };
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> closeAll.run());
        }

        return new Iterator<>() {
            private boolean done;

            @Override
            public boolean hasNext() {
                if (done) {
                    return false;
                }
                if (inference.hasNext()) {
                    return true;
                }
                done = true;
                closeAll.run();
                inference.close();
                EngineCache.release(id, session);
                PartitionStats stats = recorder.finish().withSample(sample.rows());
                if (statistics != null) {
                    statistics.add(stats);
                }
                if (progress != null) {
                    progress.add(stats.images());
                }
                return false;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Classified c = inference.next();
                recorder.record(c.image(), c.inferNanos(), c.inferCpuNanos());
                Row in = (Row) c.tag();
                Object[] values = new Object[in.length() + (features ? 2 : 1)];
                for (int i = 0; i < in.length(); i++) {
                    values[i] = in.get(i);
                }
                values[in.length()] = ClassifierOutput.toRow(c, m.labels(), executor, partition + partitionOffset);
                if (!binary) {
                    int[] top = c.classIndex();
                    boolean classes = top != null && top.length > 0;
                    sample.offer(in.getString(column), c.image().member(), c.image().status(),
                            classes ? m.labels().get(top[0]) : null, classes ? c.probability()[0] : 0,
                            c.image().message());
                }
                if (features) {
                    values[in.length() + 1] = c.features(); // a float[]: Spark converts Java arrays as they are
                }
                return (InternalRow) toInternal.apply(RowFactory.create(values));
            }
        };
    }
}
